"""RFC 6902 JSON patch (`kubectl patch --type json`), with evanphx/json-patch v4's semantics and
texts: negative indexes, `replace` of a missing object key adds it, `copy` of a missing key
copies null...
"""

from __future__ import annotations

import copy
import re

from kubesvc.api.goformat import go_json_kind, go_quote
from kubesvc.apiserver.patch.decode import cannot_unmarshal
from kubesvc.apiserver.patch.patch_errors import PatchError

# --- RFC 6902 --------------------------------------------------------------------------------

class _OpError(Exception):
    pass


_MISSING = "missing value"
_INVALID_INDEX = "invalid index referenced"


def json_patch(obj: dict, ops: list) -> dict:
    """Apply JSON patch operations in order; the first that fails raises `PatchError`."""
    if ops is not None and not isinstance(ops, list):
        raise PatchError(cannot_unmarshal(ops, "jsonpatch.Patch"))
    for op in ops or ():
        if op is not None and not isinstance(op, dict):
            raise PatchError(cannot_unmarshal(op, "jsonpatch.Operation"))
    root, ops = [copy.deepcopy(obj)], copy.deepcopy(ops)
    for op in ops or ():
        op = op or {}
        named = op.get("op")
        kind = named if isinstance(named, str) else "unknown"
        handler = _OPERATIONS.get(kind)
        try:
            if handler is None:
                raise _OpError(f"Unexpected kind: {kind}")
            handler(root, op)
        except _OpError as err:
            message = str(err)
            if "doc is missing key" in message:  # kubectl rewrites this one
                message = f"Object to be patched is missing field ({message.split('key: ', 1)[1]})"
            raise PatchError(message, "Invalid", 422) from None
    return root[0]


def _pointer(op: dict, field: str, missing: str) -> str:
    value = op.get(field)
    if value is None:
        raise _OpError(missing)
    if not isinstance(value, str):
        raise _OpError(cannot_unmarshal(value, "string"))
    return value


def _path(op, name, wrap: bool = True):
    """op.Path(); add/remove/copy report any failure as a plain missing value."""
    try:
        return _pointer(op, "path", f"operation missing path field: {_MISSING}")
    except _OpError as err:
        raise _OpError(f"{name} operation failed to decode path: "
                       f"{err if wrap else _MISSING}") from None


def _from(op, name):
    try:
        return _pointer(op, "from", f"operation, missing from field: {_MISSING}")
    except _OpError as err:
        raise _OpError(f"{name} operation failed to decode from: {err}") from None


def _unescape(token: str) -> str:
    return re.sub("~[01]", lambda m: "/" if m.group() == "~1" else "~", token)


def _find(root: list, path: str):
    """(container, key) that `path` points into, or None (findObject)."""
    parts = path.split("/")
    if len(parts) < 2:
        return None
    node = root[0]
    for part in parts[1:-1]:
        try:
            node = _get(node, _unescape(part))
        except _OpError:
            return None
        if not isinstance(node, (dict, list)):
            return None
    return node, _unescape(parts[-1])


def _atoi(key: str) -> int:
    if not re.fullmatch(r"[+-]?[0-9]+", key):
        raise _OpError(f"strconv.Atoi: parsing {go_quote(key)}: invalid syntax")
    if not -(2**63) <= int(key) < 2**63:
        raise _OpError(f"strconv.Atoi: parsing {go_quote(key)}: value out of range")
    return int(key)


def _index(items: list, key: str, extra: int = 0) -> int:
    """A list position; negative ones count from the end; `extra` allows one past it."""
    index = _atoi(key)
    size = len(items) + extra
    if index >= size or index < -size:
        raise _OpError(f"Unable to access invalid index: {index}: {_INVALID_INDEX}")
    return index + size if index < 0 else index


def _get(node, key: str):
    return node.get(key) if isinstance(node, dict) else node[_index(node, key)]


def _add(node, key: str, value) -> None:
    if isinstance(node, dict):
        node[key] = value
    elif key == "-":
        node.append(value)
    else:
        try:
            node.insert(_index(node, key, 1), value)
        except _OpError as err:
            if "strconv" not in str(err):
                raise
            raise _OpError(f"value was not a proper array index: '{key}': {err}") from None


def _remove(node, key: str) -> None:
    if isinstance(node, list):
        del node[_index(node, key)]
    elif key not in node:
        raise _OpError(f"Unable to remove nonexistent key: {key}: {_MISSING}")
    else:
        del node[key]


def _located(root, path: str, what: str, quoted: bool = False):
    found = _find(root, path)
    if found is None:
        shown = f'"{path}"' if quoted else path
        raise _OpError(f"{what}: {shown}: {_MISSING}")
    return found


def _wrapped(prefix: str, call, *args):
    try:
        return call(*args)
    except _OpError as err:
        raise _OpError(f"{prefix}: {err}") from None


def _op_add(root, op):
    path = _path(op, "add", wrap=False)
    node, key = _located(root, path, "add operation does not apply: doc is missing path", True)
    _wrapped(f"error in add for path: '{path}'", _add, node, key, op.get("value"))


def _op_remove(root, op):
    path = _path(op, "remove", wrap=False)
    node, key = _located(root, path, "remove operation does not apply: doc is missing path",
                         True)
    _wrapped(f"error in remove for path: '{path}'", _remove, node, key)


def _op_replace(root, op):
    path = _path(op, "replace")
    if path == "":
        if not isinstance(op.get("value"), (dict, list)):
            raise _OpError("replace operation value must be object or array: %!w(<nil>)")
        root[0] = op["value"]
        return
    node, key = _located(root, path, "replace operation does not apply: doc is missing path")
    try:
        _get(node, key)
    except _OpError:
        raise _OpError("replace operation does not apply: doc is missing key: "
                       f"{path}: {_MISSING}") from None
    if isinstance(node, list):
        node[_index(node, key)] = op.get("value")
    else:
        node[key] = op.get("value")


def _op_move(root, op):
    source = _from(op, "move")
    node, key = _located(root, source, "move operation does not apply: doc is missing from path")
    value = _wrapped(f"error in move for path: '{key}'", _get, node, key)
    _wrapped(f"error in move for path: '{key}'", _remove, node, key)
    path = _path(op, "move")
    node, key = _located(root, path,
                         "move operation does not apply: doc is missing destination path")
    _wrapped(f"error in move for path: '{path}'", _add, node, key, value)


def _op_copy(root, op):
    source = _from(op, "copy")
    node, key = _located(root, source, "copy operation does not apply: doc is missing from path")
    value = _wrapped(f"error in copy for from: '{source}'", _get, node, key)
    path = _path(op, "copy", wrap=False)
    node, key = _located(root, path,
                         "copy operation does not apply: doc is missing destination path")
    _wrapped("error while adding value during copy", _add, node, key, copy.deepcopy(value))


def _op_test(root, op):
    path = _path(op, "test")
    if path == "":
        actual = root[0]
    else:
        node, key = _located(root, path, "test operation does not apply: is missing path")
        actual = _wrapped(f"error in test for path: '{path}'", _get, node, key)
    if actual is None and path and op.get("value") is None:
        return
    if "value" not in op or not _same_json(actual, op["value"]):
        raise _OpError(f"testing value {path} failed: test failed")


def _same_json(a, b) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys() and all(
            _same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(
            _same_json(x, y) for x, y in zip(a, b, strict=True))
    return isinstance(a, bool) == isinstance(b, bool) and go_json_kind(a) == go_json_kind(b) \
        and a == b


_OPERATIONS = {"add": _op_add, "remove": _op_remove, "replace": _op_replace, "move": _op_move,
               "copy": _op_copy, "test": _op_test}
