"""Kubernetes strategic merge patch (apimachinery `pkg/util/strategicpatch`, apply half).

Which lists merge, and on which key, is read from the `x-kubernetes-patch-strategy` and
`x-kubernetes-patch-merge-key` extensions of the upstream 1.37 OpenAPI definitions that
`kubesvc.apiserver.schema` already loads: openapi-gen copies them from the `patchStrategy` and
`patchMergeKey` struct tags of k8s.io/api, so every built-in kind and version is covered
(ServiceSpec.ports on `port`, PodSpec.containers on `name`, tolerations and taints atomic...).
Kinds without a built-in definition are refused, as kubectl and kube-apiserver refuse them.

Directives: `$patch: replace|delete|merge`, `$retainKeys`, `$deleteFromPrimitiveList/<f>`,
`$setElementOrder/<f>`; null deletes. The order of merged lists follows upstream: patch items
in patch order, with the server-only items slotted back where they were.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from itertools import chain

from kubesvc.api.errors import ClientError, StatusError
from kubesvc.api.goformat import go_v

DIRECTIVE = "$patch"
RETAIN_KEYS = "$retainKeys"
DELETE_PREFIX = "$deleteFromPrimitiveList"
ORDER_PREFIX = "$setElementOrder"
REJECTED = "the server rejected our request due to an error in our request"
CRD_MEDIA_TYPES = ("application/json-patch+json, application/merge-patch+json, "
                   "application/apply-patch+yaml")


class RequestInvalidError(StatusError):
    """A bare 422 (no kind, name or causes): kubectl prints `The request is invalid: ...`."""

    def __str__(self) -> str:
        return f"The request is invalid: {self.message}"


class UnknownStatusError(StatusError):
    """A 500 without a reason (a plain Go error on the server): `Error from server: ...`."""

    def __str__(self) -> str:
        return f"Error from server: {self.message}"


class PatchError(ClientError):
    """A patch that does not apply. `str()` is what `kubectl patch --local` prints;
    `server_error()` is what kubectl prints when kube-apiserver applied it."""

    def __init__(self, message: str, reason: str = "", code: int = 500,
                 server_message: str | None = None):
        super().__init__(message)
        self.reason = reason
        self.code = code
        self.server_message = message if server_message is None else server_message

    def server_error(self) -> StatusError:
        if self.code == 422:  # NewGenericServerResponse: the library's text is dropped
            return RequestInvalidError("Invalid", REJECTED, 422)
        if not self.reason:
            return UnknownStatusError("", self.server_message, self.code)
        return StatusError(self.reason, self.server_message, self.code)


def _bad_request(message: str) -> PatchError:
    return PatchError(message, "BadRequest", 400)


ERR_PRIMITIVE_LIST = "invalid patch format of primitive list"
ERR_RETAIN_KEYS = "invalid patch format of retainKeys"
ERR_SET_ORDER = "invalid patch format of setElementOrder list"


# --- Go's rendering of values in error messages ---------------------------------------------

def go_type(value) -> str:
    """reflect.TypeOf(v).String() for decoded JSON."""
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if value is None:
        return "%!s(<nil>)"
    return {bool: "bool", int: "int64", float: "float64"}.get(type(value), "string")


def _no_merge_key(item: dict, key: str) -> PatchError:
    return PatchError(f"map: {go_v(item)} does not contain declared merge key: {key}")


def _bad_arg_type(expected: str, actual) -> PatchError:
    return PatchError(f"expected a {expected}, but received a {go_type(actual)}")


def _go_equal(a, b) -> bool:
    """Go interface equality: same dynamic type and value (1 and 1.0 differ, so do 1 and true)."""
    return type(a) is type(b) and a == b


def _scalar_key(value):
    return (type(value).__name__, value) if not isinstance(value, (dict, list)) else id(value)


# --- patch metadata from the upstream definitions -------------------------------------------

@lru_cache(maxsize=1)
def _definitions():
    from kubesvc.apiserver.schema import schemas

    found = schemas()
    groups = {api.rpartition("/")[0] for api, _ in found.by_gvk} | {"extensions"}
    return found.defs, found.by_gvk, groups


def root_schema(kind: str, api_version: str) -> dict | None:
    """The definition kubectl's scheme would instantiate for this kind, or None (a CRD)."""
    _, by_gvk, groups = _definitions()
    name = by_gvk.get((api_version, kind))
    group = api_version.rpartition("/")[0]
    if name is None and group in groups:  # another version of a built-in kind
        name = next((n for (api, k), n in by_gvk.items() if k == kind
                     and group in (api.rpartition("/")[0], "extensions")), None)
    return {"$ref": f"#/$defs/{name}"} if name else None


def _resolve(node) -> tuple[dict, str]:
    defs, name = _definitions()[0], ""
    while isinstance(node, dict):
        ref = node.get("$ref") or next((s.get("$ref") for s in node.get("allOf") or ()), None)
        if not ref:
            break
        name = ref.rsplit("/", 1)[-1]
        node = defs.get(name, {})
    return (node if isinstance(node, dict) else {}), name


def _field(schema, key: str) -> tuple[dict | None, str, str]:
    """(schema of the field's value, patch strategy, merge key) in a struct or map schema."""
    if schema is None:
        return None, "", ""
    resolved, name = _resolve(schema)
    props = resolved.get("properties")
    if props and key in props:
        prop = props[key]
        strategies = prop.get("x-kubernetes-patch-strategy", "").split(",")
        strategy = next((s for s in strategies if s != "retainKeys"), "")
        return prop, strategy, prop.get("x-kubernetes-patch-merge-key", "")
    extra = resolved.get("additionalProperties")
    if isinstance(extra, dict):
        return extra, "", ""
    if props:
        struct = name.rsplit(".", 1)[-1]
        raise PatchError(f'unable to find api field in struct {struct} for the json field "{key}"')
    return None, "", ""


def _list_field(schema, key: str) -> tuple[dict | None, str, str]:
    """Like `_field` for a list: the schema returned is the one of the list's items."""
    prop, strategy, merge_key = _field(schema, key)
    if prop is None:
        return None, strategy, merge_key
    resolved, _ = _resolve(prop)
    if "items" not in resolved:
        parent, _ = _resolve(schema)
        kind = "struct" if parent.get("properties") else "map"
        raise PatchError(f"expected slice or array type, but got: {kind}")
    return resolved["items"], strategy, merge_key


def patch_meta(kind: str, api_version: str, path: str) -> tuple[str, str]:
    """(patchStrategy, patchMergeKey) of the field at dotted `path` in `kind`, stepping into
    list items on the way: ("merge", "port") for a v1 Service's spec.ports."""
    schema = root_schema(kind, api_version)
    *steps, last = path.split(".")
    for step in steps:
        schema, _, _ = _field(schema, step)
        resolved, _ = _resolve(schema)
        schema = resolved.get("items", schema)
    prop = _field(schema, last)[0] or {}
    return (prop.get("x-kubernetes-patch-strategy", ""),
            prop.get("x-kubernetes-patch-merge-key", ""))


# --- the patch -------------------------------------------------------------------------------

def unsupported_kind(kind: str, api_version: str) -> PatchError:
    group, _, version = api_version.rpartition("/")
    return PatchError(f"strategic merge patch is not supported for {group}/{version}, "
                      f"Kind={kind} locally, try --type merge", "UnsupportedMediaType", 415,
                      "the body of the request was in an unknown format - "
                      f"accepted media types include: {CRD_MEDIA_TYPES}")


def strategic_merge_patch(obj: dict, patch, kind: str, api_version: str | None = None) -> dict:
    """`obj` patched with `patch` (decoded JSON) as kubectl/kube-apiserver do for `kind`."""
    api_version = api_version or obj.get("apiVersion") or ""
    root = root_schema(kind, api_version)
    if root is None:
        raise unsupported_kind(kind, api_version)
    if patch is None:
        return copy.deepcopy(obj)
    if not isinstance(patch, dict):
        raise _bad_request("invalid JSON document")
    return _merge_map(copy.deepcopy(obj), copy.deepcopy(patch), root)


def _merge_map(original, patch: dict, schema) -> dict:
    if DIRECTIVE in patch:
        return _map_directive(patch)
    original = {} if original is None else original
    _retain_keys(original, patch)
    _set_element_orders(original, patch, schema)
    for key, value in list(patch.items()):
        is_delete = key.startswith(DELETE_PREFIX)
        if is_delete:
            key = _strip_prefix(key, DELETE_PREFIX, ERR_PRIMITIVE_LIST)
        if value is None:
            original.pop(key, None)
        elif key not in original or type(original[key]) is not type(value):
            if not is_delete:
                _take(original, key, value)
        elif isinstance(value, dict):
            child, strategy, _ = _field(schema, key)
            original[key] = value if strategy == "replace" else _merge_map(
                original[key], value, child)
        elif isinstance(value, list):
            items, strategy, merge_key = _list_field(schema, key)
            original[key] = _merge_list(original[key], value, items, strategy, merge_key,
                                        is_delete)
        else:
            original[key] = value
    return original


def _map_directive(patch: dict) -> dict:
    directive = patch[DIRECTIVE]
    if directive == "replace":
        del patch[DIRECTIVE]
        return patch
    if directive == "delete":
        return {}
    shown = directive if isinstance(directive, str) else \
        f"%!s({go_type(directive)}={go_v(directive)})"
    raise PatchError(f"unknown patch type: {shown} in map: {go_v(patch)}")


def _strip_prefix(key: str, prefix: str, error: str) -> str:
    head, sep, rest = key.partition("/")
    if not sep or head != prefix:
        raise _bad_request(error)
    return rest


def _take(original: dict, key: str, value) -> None:
    """A value with nothing to merge into: nulls and `$patch` maps are dropped from it."""
    _discard_nulls(value)
    kept, keep = _remove_directives(value)
    if keep:
        original[key] = kept
    else:
        original.pop(key, None)


def _discard_nulls(value) -> None:
    if isinstance(value, dict):
        for key in [k for k, v in value.items() if v is None]:
            del value[key]
        for item in value.values():
            _discard_nulls(item)
    elif isinstance(value, list):
        for item in value:
            _discard_nulls(item)


def _remove_directives(value):
    if isinstance(value, dict):
        if DIRECTIVE in value:
            return None, False
        for key in list(value):
            value[key], keep = _remove_directives(value[key])
            if not keep:
                del value[key]
    elif isinstance(value, list):
        value = [kept for kept, keep in map(_remove_directives, value) if keep]
    return value, True


def _retain_keys(original: dict, patch: dict) -> None:
    if RETAIN_KEYS not in patch:
        return
    keep = patch.pop(RETAIN_KEYS)
    if not isinstance(keep, list):
        raise _bad_request(ERR_RETAIN_KEYS)
    allowed = {k for k in keep if isinstance(k, str)}
    for key, value in patch.items():
        if value is not None and not key.startswith((DELETE_PREFIX, ORDER_PREFIX)) \
                and key not in allowed:
            raise _bad_request(ERR_RETAIN_KEYS)
    for key in [k for k in original if k not in allowed]:
        del original[key]


def _set_element_orders(original: dict, patch: dict, schema) -> None:
    for key in [k for k in patch if k.startswith(ORDER_PREFIX)]:
        order = patch.pop(key)
        if not isinstance(order, list):
            raise _bad_arg_type("[]interface {}", order)
        name = _strip_prefix(key, ORDER_PREFIX, ERR_SET_ORDER)
        current, given = original.get(name), patch.get(name)
        for found in (current, given):
            if found is not None and not isinstance(found, list):
                raise _bad_arg_type("[]interface {}", found)
        items, strategy, merge_key = _list_field(schema, name)
        _check_order(given or [], order, merge_key)
        if current is not None and given is not None:
            merged = _merge_list(current, given, items, strategy, merge_key, False)
        elif current is not None or given is not None:
            merged = current if given is None else _remove_directives(given)[0]
        else:
            continue
        in_order, server_only = _partition(merged, order, merge_key)
        kind = _element_kind(current or [], given or [])
        original[name] = _normalize(in_order, server_only, order, current or [], merge_key, kind)
        patch.pop(name, None)


def _check_order(items: list, order: list, merge_key: str) -> None:
    """validatePatchWithSetOrderList: the patch list must follow `$setElementOrder`."""
    if not order or not items:
        return
    pending = _split_deletes(items)[0] if merge_key else items
    i = j = 0
    while i < len(pending) and j < len(order):
        if isinstance(pending[i], dict) and DIRECTIVE in pending[i]:
            i += 1
            continue
        if _key_equal(pending[i], order[j], merge_key):
            i += 1
        j += 1
    if i < len(pending):
        raise PatchError(f"The order in patch list:\n{go_v(items)}\n doesn't match "
                         f"{ORDER_PREFIX} list:\n{go_v(order)}")


def _key_equal(left, right, merge_key: str) -> bool:
    if not merge_key:
        return _go_equal(left, right)
    for item in (left, right):
        if not isinstance(item, dict):
            raise _bad_arg_type("map[string]interface {}", item)
        if merge_key not in item:
            raise _no_merge_key(item, merge_key)
    return _go_equal(left[merge_key], right[merge_key])


def _merge_list(original: list, patch: list, items, strategy: str, merge_key: str,
                is_delete: bool) -> list:
    if strategy != "merge" and not is_delete:  # deletion lists apply to any list
        return patch
    if not original and not patch:
        return original
    kind = _element_kind(original, patch)
    if kind != "map":
        if is_delete:
            gone = {_scalar_key(v) for v in patch}
            return [v for v in original if _scalar_key(v) not in gone]
        merged, server_order, patch_order = _union(original, patch)
    else:
        if not merge_key:
            raise PatchError("cannot merge lists without merge key for struct")
        merged, server_order, patch_order = _merge_maps(original, patch, merge_key, items)
    in_patch, server_only = _partition(merged, patch_order, merge_key)
    return _normalize(in_patch, server_only, patch_order, server_order, merge_key, kind)


# Upstream works on Go slices, and a few of its steps write into the array behind the live
# list (append into spare capacity, delete by shifting). Where that shows in the result (the
# order of merged lists that held duplicates or lost items), we replay it: a decoded list of
# n items has the capacity append-growth gives it.

def _go_cap(size: int) -> int:
    return 0 if size == 0 else (1 << (size - 1).bit_length() if size <= 512 else size)


def _union(original: list, patch: list) -> tuple[list, list, list]:
    """append(original, patch...) then upstream's in-place de-duplication."""
    array, size = original + patch, len(original)
    last, i = len(array) - 1, 0
    while i < last:
        j = i + 1
        while j <= last:
            if _go_equal(array[i], array[j]):
                array[j] = array[last]
                last -= 1
                j -= 1
            j += 1
        i += 1
    if len(array) <= _go_cap(size):  # the append reused the live list's array
        original[:] = array[:size]
    return array[:last + 1], original, patch


def _merge_maps(original: list, patch: list, merge_key: str, items) -> tuple[list, list, list]:
    """mergeSliceWithSpecialElements + mergeSliceWithoutSpecialElements on maps."""
    size = len(original)
    array = list(original) + [None] * (_go_cap(size) - size)
    length, kept, replace = size, [], False
    for item in patch:
        if DIRECTIVE not in item:
            kept.append(item)
        elif item[DIRECTIVE] == "delete":
            if merge_key not in item:
                raise _no_merge_key(item, merge_key)
            while (found := _find(array[:length], merge_key, item[merge_key])) is not None:
                array[found:length - 1] = array[found + 1:length]
                length -= 1
        elif item[DIRECTIVE] == "replace":
            replace = True
        elif item[DIRECTIVE] == "merge":
            raise PatchError("merging lists cannot yet be specified in the patch")
        else:
            _map_directive(item)
    if replace:
        original[:] = array[:size]
        return kept, kept, []
    server_order, work, shared = array[:length], array, True
    for item in kept:
        if merge_key not in item:
            raise _no_merge_key(item, merge_key)
        index = _find(work[:length], merge_key, item[merge_key])
        if index is not None:
            work[index] = _merge_map(work[index], item, items)
            continue
        if shared and length == len(array):  # full: append moves to a new array
            work, shared = array[:length], False
        if shared:
            work[length] = item
        else:
            work.append(item)
        length += 1
    original[:] = array[:size]
    return work[:length], server_order, kept


def _element_kind(original: list, patch: list) -> str:
    """sliceElementType: every item of both lists has one Go type, which is not a list."""
    kinds = {"map[string]interface {}": "map", "[]interface {}": "slice"}
    first = None
    for item in chain(original, patch):
        kind = kinds.get(go_type(item), go_type(item))
        if first is None:
            first = kind
            if kind == "slice":
                raise PatchError("lists of lists are not supported", "Invalid", 422)
        elif kind != first:
            raise PatchError(f"list element types are not identical: {go_v([original, patch])}")
    if first is None:
        raise PatchError("no elements in any of the given slices")
    return first


def _find(items: list, merge_key: str, value) -> int | None:
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise PatchError(f"value for key {index} is not a map")
        if merge_key in item and _go_equal(item[merge_key], value):
            return index
    return None


def _partition(merged: list, by: list, merge_key: str) -> tuple[list, list]:
    """Items present in `by` (on the merge key for maps), then the others."""
    if not merge_key:
        present = {_scalar_key(v) for v in by}
        inside = [v for v in merged if _scalar_key(v) in present]
        return inside, [v for v in merged if _scalar_key(v) not in present]
    inside, outside = [], []
    for item in merged:
        if not isinstance(item, dict):
            raise _bad_arg_type("map[string]interface {}", item)
        if merge_key not in item:
            raise _no_merge_key(item, merge_key)
        found = _find(by, merge_key, item[merge_key]) is not None
        (inside if found else outside).append(item)
    return inside, outside


def _split_deletes(items: list) -> tuple[list, list]:
    kept, deleted = [], []
    for item in items:
        if not isinstance(item, dict):
            raise _bad_arg_type("map[string]interface {}", item)
        (deleted if item.get(DIRECTIVE) == "delete" else kept).append(item)
    return kept, deleted


def _index(order: list, item, merge_key: str, kind: str) -> int:
    value = item.get(merge_key) if kind == "map" and isinstance(item, dict) else item
    for position, other in enumerate(order):
        candidate = other.get(merge_key) if kind == "map" and isinstance(other, dict) else other
        if _go_equal(candidate, value):
            return position
    return -1


def _sort_by(items: list, order: list, merge_key: str, kind: str) -> list:
    """normalizeSliceOrder: a stable sort on the position in `order`."""
    deleted = []
    if kind == "map":
        for item in chain(items, order):
            if not isinstance(item, dict):
                raise _bad_arg_type("map[string]interface {}", item)
            if merge_key not in item:
                raise _no_merge_key(item, merge_key)
        items, deleted = _split_deletes(items)
    positions = [_index(order, item, merge_key, kind) for item in items]
    ranked = sorted(range(len(items)), key=lambda i: (positions[i], i))
    return [items[i] for i in ranked] + deleted


def _normalize(patch_items: list, server_only: list, patch_order: list, server_order: list,
               merge_key: str, kind: str) -> list:
    """normalizeElementOrder + mergeSortedSlice: patch items in patch order, server-only items
    before the first patch item that followed them on the server."""
    right = _sort_by(patch_items, patch_order, merge_key, kind)
    left = _sort_by(server_only, server_order, merge_key, kind)
    out, i, j = [], 0, 0
    while i < len(left) or j < len(right):
        if j >= len(right):
            take_left = True
        elif i >= len(left):
            take_left = False
        else:
            li = _index(server_order, left[i], merge_key, kind)
            ri = _index(server_order, right[j], merge_key, kind)
            take_left = li >= 0 and ri >= 0 and li < ri
        if take_left:
            out.append(left[i])
            i += 1
        else:
            out.append(right[j])
            j += 1
    return out
