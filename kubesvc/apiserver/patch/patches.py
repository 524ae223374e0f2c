"""The three patch types of `kubectl patch`, as pure functions on decoded objects.

- `merge_patch`: RFC 7386 JSON merge patch, as evanphx/json-patch v4 applies it;
- `json_patch`: RFC 6902 JSON patch, with evanphx/json-patch v4's semantics and texts
  (negative indexes, `replace` of a missing object key adds it, `copy` of a missing key
  copies null...);
- `strategic_merge_patch` (kubesvc.apiserver.patch.strategic): Kubernetes' strategic merge patch;
- `apply_patch`: what `kubectl patch -p TEXT --type T` does with the text, against a
  kube-apiserver (default) or client-side as `--local` does (`local=True`).

Errors are `kubesvc.api.errors` exceptions rendered the way kubectl prints them. The pure
functions raise `PatchError`, whose text is kubectl's `--local` one; `apply_patch` turns it
into the API server's answer unless `local`.
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache

from kubesvc.api.errors import ClientError, StatusError, invalid
from kubesvc.api.goformat import go_float, go_json, go_quote, go_quote_rune
from kubesvc.apiserver.patch.strategic import (
    PatchError,
    RequestInvalidError,
    root_schema,
    strategic_merge_patch,
    unsupported_kind,
)

__all__ = ["PatchError", "apply_patch", "json_patch", "merge_patch", "parse_patch",
           "strategic_merge_patch"]

PATCH_TYPES = ("json", "merge", "strategic")
MAX_OPERATIONS = 10000  # kube-apiserver's limit on the operations of one JSON patch


# --- the patch text, as kubectl's yaml.ToJSON reads it ---------------------------------------

class BadJSON:
    """Patch text that starts with `{` but is no JSON: each patch type words it its own way."""

    def __init__(self, message: str):
        self.message = message


def parse_patch(text: str):
    """Decoded patch, or `BadJSON`. Text starting with `{` is JSON; anything else is YAML,
    read as sigs.k8s.io/yaml reads it (YAML 1.1 scalars, the first document only)."""
    if text.lstrip().startswith("{"):  # kept as is: 80.0 stays a float, as in Go
        try:
            return json.loads(text, parse_constant=lambda name: _no_constant(text, name))
        except json.JSONDecodeError as err:
            return BadJSON(_go_json_error(err))
    import yaml

    loader = _yaml_loader()(text)
    try:
        return _jsonable(loader.get_data() if loader.check_data() else None)
    except (yaml.YAMLError, ValueError) as err:
        reason = _yaml_message(err, text) if isinstance(err, yaml.YAMLError) else str(err)
        raise ClientError(f"unable to parse {go_quote(text)}: {reason}") from None
    finally:
        loader.dispose()


def _no_constant(text: str, name: str):
    raise json.JSONDecodeError("Expecting value", text, text.index(name))  # Go has no NaN


# go-yaml v2's implicit types: y/n are booleans, 0o17 and 1e3 numbers; no sexagesimal, no dates
_GO_YAML_TYPES = (
    ("bool", "y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|"
             "Off|OFF", "yYnNtTfFoO"),
    ("null", "~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("int", "[-+]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)",
     "-+0123456789"),
    ("float", r"[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
              r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)", "-+.0123456789"),
    ("merge", "<<", "<"),
)


@lru_cache(maxsize=1)
def _yaml_loader():
    from yaml.constructor import SafeConstructor
    from yaml.nodes import MappingNode, ScalarNode
    from yaml.resolver import BaseResolver

    try:
        from yaml.cyaml import CParser as Parser
    except ImportError:  # no libyaml: the pure-Python front end
        from yaml.loader import BaseLoader as Parser

    class Resolver(BaseResolver):
        pass

    Resolver.yaml_implicit_resolvers = {}
    for tag, pattern, first in _GO_YAML_TYPES:
        Resolver.add_implicit_resolver(f"tag:yaml.org,2002:{tag}",
                                       re.compile(f"^(?:{pattern})$"), list(first))

    class Constructor(SafeConstructor):
        def construct_yaml_int(self, node):
            text = self.construct_scalar(node).replace("_", "")
            body = text.lstrip("+-")
            base = {"0x": 16, "0o": 8, "0b": 2}.get(body[:2].lower())
            try:
                value = int(body[2:], base) if base else int(body, 8 if body[:1] == "0" else 10)
            except ValueError:
                return float(text)  # 09 is no octal number: upstream reads a float
            return -value if text.startswith("-") else value

        def construct_mapping(self, node, deep=False):  # keys as JSON has them: 1, true
            self.flatten_mapping(node)
            return {_go_key(self.construct_object(k, deep=True)): self.construct_object(v, deep)
                    for k, v in node.value}

        def construct_other(self, _suffix, node):  # an unknown tag decodes as no tag
            if isinstance(node, ScalarNode):
                return self.construct_scalar(node)
            if isinstance(node, MappingNode):
                return self.construct_mapping(node, deep=True)
            return self.construct_sequence(node, deep=True)

    Constructor.bool_values = {**SafeConstructor.bool_values, "y": True, "n": False}
    Constructor.add_constructor("tag:yaml.org,2002:int", Constructor.construct_yaml_int)
    Constructor.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)
    Constructor.add_multi_constructor("", Constructor.construct_other)

    class Loader(Parser, Constructor, Resolver):
        def __init__(self, text):
            Parser.__init__(self, text)
            Constructor.__init__(self)
            Resolver.__init__(self)

    return Loader


def _yaml_message(err, text: str) -> str:
    """go-yaml's wording: `yaml: line N: <problem>` (libyaml's problems, go-yaml's lines)."""
    problem = getattr(err, "problem", None) or getattr(err, "reason", None) or str(err)
    mark, context = getattr(err, "problem_mark", None), getattr(err, "context_mark", None)
    if problem.startswith("found undefined alias") and mark is not None:
        name = re.match(r"\*([^\s,\]}]*)", text[mark.index:])
        return f"yaml: unknown anchor '{name.group(1) if name else ''}' referenced"
    line = 0
    if mark is not None and mark.line:
        line = mark.line + (type(err).__name__ == "ScannerError")
    elif context is not None and context.line:
        line = context.line
    return f"yaml: line {line}: {problem}" if line else f"yaml: {problem}"


def _jsonable(value, budget=None):
    """What encoding/json makes of the decoded patch: string keys, integral floats printed
    as integers. Aliases that expand past a limit are refused, as go-yaml refuses them."""
    budget = [5_000_000] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError("yaml: document contains excessive aliasing")
    if isinstance(value, dict):
        return {_go_key(k): _jsonable(v, budget) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, budget) for v in value]
    if isinstance(value, (set, frozenset)):
        return {_go_key(k): None for k in value}
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"json: unsupported value: {go_float(value)}")
        if value.is_integer() and abs(value) < 2**63:
            return int(value)
    return value


def _go_key(key) -> str:
    if isinstance(key, bool) or key is None:
        return json.dumps(key)
    return go_float(key) if isinstance(key, float) else str(key)


def _go_json_error(err: json.JSONDecodeError) -> str:
    """encoding/json's syntax error for the text Python's decoder choked on."""
    text, pos = err.doc, err.pos
    if not text[pos:].strip() or err.msg.startswith("Unterminated string"):
        return "unexpected end of JSON input"
    ch = text[pos]
    if err.msg.startswith("Invalid control character"):
        return f"invalid character {go_quote_rune(ch)} in string literal"
    if err.msg.startswith("Invalid \\escape"):
        return f"invalid character {go_quote_rune(text[pos + 1])} in string escape code"
    where = {"Expecting property name enclosed in double quotes": "looking for beginning of "
             "object key string", "Expecting ':' delimiter": "after object key",
             "Extra data": "after top-level value"}.get(err.msg)
    if err.msg == "Expecting ',' delimiter":
        where = "after object key:value pair" if _innermost(text, pos) == "{" \
            else "after array element"
    return f"invalid character {go_quote_rune(ch)} {where or 'looking for beginning of value'}"


def _innermost(text: str, pos: int) -> str:
    stack, in_string, escaped = [], False, False
    for ch in text[:pos]:
        if in_string:
            escaped, in_string = (not escaped and ch == "\\"), in_string and (escaped or ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append(ch)
        elif ch in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _json_kind(value) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "bool"
    return "string" if isinstance(value, str) else "number"


def _cannot_unmarshal(value, go_type: str) -> str:
    return f"json: cannot unmarshal {_json_kind(value)} into Go value of type {go_type}"


# --- RFC 7386 --------------------------------------------------------------------------------

def merge_patch(obj: dict, patch) -> dict:
    """JSON merge patch: maps merge, null deletes, anything else (lists too) replaces."""
    if isinstance(patch, list):
        raise PatchError(_cannot_unmarshal(patch, "unstructured.detector"))
    if not isinstance(patch, dict):
        raise PatchError("Invalid JSON Patch", "BadRequest", 400)
    doc = copy.deepcopy(obj)
    _merge_docs(doc, copy.deepcopy(patch))
    return doc


def _merge_docs(doc: dict, patch: dict) -> None:
    for key, value in patch.items():
        if value is None:
            doc.pop(key, None)
        elif doc.get(key) is None or not isinstance(doc[key], dict):
            doc[key] = _prune_nulls(value)
        elif isinstance(value, dict):
            _merge_docs(doc[key], value)
        else:
            doc[key] = value  # upstream keeps the nulls inside a non-map replacing a map


def _prune_nulls(value):
    if isinstance(value, dict):
        return {k: _prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune_nulls(v) for v in value]
    return value


# --- RFC 6902 --------------------------------------------------------------------------------

class _OpError(Exception):
    pass


_MISSING = "missing value"
_INVALID_INDEX = "invalid index referenced"


def json_patch(obj: dict, ops: list) -> dict:
    """Apply JSON patch operations in order; the first that fails raises `PatchError`."""
    if ops is not None and not isinstance(ops, list):
        raise PatchError(_cannot_unmarshal(ops, "jsonpatch.Patch"))
    for op in ops or ():
        if op is not None and not isinstance(op, dict):
            raise PatchError(_cannot_unmarshal(op, "jsonpatch.Operation"))
    root, ops = [copy.deepcopy(obj)], copy.deepcopy(ops)
    for op in ops or ():
        op = op or {}
        kind = op.get("op") if isinstance(op.get("op"), str) else "unknown"
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
        raise _OpError(_cannot_unmarshal(value, "string"))
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
    return isinstance(a, bool) == isinstance(b, bool) and _json_kind(a) == _json_kind(b) \
        and a == b


_OPERATIONS = {"add": _op_add, "remove": _op_remove, "replace": _op_replace, "move": _op_move,
               "copy": _op_copy, "test": _op_test}


# --- kubectl patch ---------------------------------------------------------------------------

def apply_patch(obj: dict, patch_text: str, patch_type: str = "strategic",
                kind: str | None = None, *, local: bool = False) -> dict:
    """`kubectl patch -p PATCH_TEXT --type PATCH_TYPE` on `obj`.

    Raises `ClientError` for what kubectl itself refuses (an unknown --type, text that is no
    YAML) and, for a patch that does not apply, the API server's `StatusError` or, with
    `local`, the `error: ...` of `kubectl patch --local`.
    """
    if not patch_text:
        raise ClientError("must specify --patch or --patch-file containing the contents of "
                          "the patch")
    chosen = (patch_type or "strategic").lower()
    if chosen not in PATCH_TYPES:
        raise ClientError("--type must be one of [json merge strategic], "
                          f"not {go_quote(patch_type)}")
    patch = parse_patch(patch_text)
    kind = kind or obj.get("kind") or ""
    try:
        if chosen == "strategic" and root_schema(kind, obj.get("apiVersion") or "") is None:
            raise unsupported_kind(kind, obj.get("apiVersion") or "")
        if not local:
            _server_decode(patch, chosen)
        result = _apply(obj, patch, chosen, kind)
    except PatchError as err:
        if local:
            raise
        raise err.server_error() from None
    if local:
        _check_decodable(result)
    elif not isinstance(result, dict):  # a JSON patch replaced the whole object by a list
        raise RequestInvalidError("Invalid", "patch: " + invalid(
            "patch", go_json(result), _NOT_AN_OBJECT).body(), 422)
    return _jsonable(result)  # Go prints a float64 holding an integer as an integer


_NOT_AN_OBJECT = ("couldn't get version/kind; json parse error: json: cannot unmarshal array "
                  'into Go value of type struct { APIVersion string "json:\\"apiVersion,'
                  'omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }')


def _apply(obj: dict, patch, chosen: str, kind: str) -> dict:
    if isinstance(patch, BadJSON):
        local = {"json": patch.message, "merge": "Invalid JSON Patch",
                 "strategic": "invalid JSON document"}[chosen]
        raise PatchError(local, "BadRequest", 400)
    if chosen == "json":
        return json_patch(obj, patch)
    if chosen == "merge":
        return merge_patch(obj, patch)
    return strategic_merge_patch(obj, patch, kind)


def _server_decode(patch, chosen: str) -> None:
    """kube-apiserver decodes the body before patching (strictly, fieldValidation=Warn)."""
    prefix = "" if chosen == "strategic" else "error decoding patch: "
    if isinstance(patch, BadJSON):
        raise PatchError(prefix + patch.message, "BadRequest", 400)
    if chosen != "json":
        if patch is not None and not isinstance(patch, dict):
            raise PatchError(prefix + _cannot_unmarshal(patch, "map[string]interface {}"),
                             "BadRequest", 400)
        return
    if patch is not None and not isinstance(patch, list):
        raise PatchError(prefix + _cannot_unmarshal(patch, "[]handlers.jsonPatchOp"),
                         "BadRequest", 400)
    for op in patch or ():
        if op is not None and not isinstance(op, dict):
            raise PatchError(prefix + _cannot_unmarshal(op, "handlers.jsonPatchOp"),
                             "BadRequest", 400)
        for name in ("op", "path", "from"):
            if op and op.get(name) is not None and not isinstance(op[name], str):
                raise PatchError(f"{prefix}json: cannot unmarshal {_json_kind(op[name])} into "
                                 f"Go struct field jsonPatchOp.{name} of type string",
                                 "BadRequest", 400)
    if len(patch or ()) > MAX_OPERATIONS:
        raise StatusError("RequestEntityTooLarge", "Request entity too large: The allowed "
                          f"maximum operations in a JSON patch is {MAX_OPERATIONS}, got "
                          f"{len(patch)}", 413)


def _check_decodable(result) -> None:
    """kubectl --local decodes the patched JSON as an object with a kind."""
    if not isinstance(result, dict):
        raise ClientError(_cannot_unmarshal(result, "unstructured.detector"))
    if not isinstance(result.get("kind"), str) or not result["kind"]:
        raise ClientError(f"Object 'Kind' is missing in '{go_json(result)}'")
