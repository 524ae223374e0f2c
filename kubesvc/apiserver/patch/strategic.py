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

from kubesvc.api.goformat import go_v
from kubesvc.apiserver.patch.list_order import (
    check_order,
    element_kind,
    find,
    go_cap,
    normalize,
    partition,
    scalar_key,
    union,
)
from kubesvc.apiserver.patch.patch_errors import (
    PatchError,
    bad_arg_type,
    bad_request,
    go_type,
    no_merge_key,
)
from kubesvc.apiserver.patch.patch_meta import (
    DELETE_PREFIX,
    DIRECTIVE,
    ORDER_PREFIX,
    RETAIN_KEYS,
    field,
    list_field,
    root_schema,
    unsupported_kind,
)

ERR_PRIMITIVE_LIST = "invalid patch format of primitive list"
ERR_RETAIN_KEYS = "invalid patch format of retainKeys"
ERR_SET_ORDER = "invalid patch format of setElementOrder list"


def strategic_merge_patch(obj: dict, patch, kind: str, api_version: str | None = None) -> dict:
    """`obj` patched with `patch` (decoded JSON) as kubectl/kube-apiserver do for `kind`."""
    api_version = api_version or obj.get("apiVersion") or ""
    root = root_schema(kind, api_version)
    if root is None:
        raise unsupported_kind(kind, api_version)
    if patch is None:
        return copy.deepcopy(obj)
    if not isinstance(patch, dict):
        raise bad_request("invalid JSON document")
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
            child, strategy, _ = field(schema, key)
            original[key] = value if strategy == "replace" else _merge_map(
                original[key], value, child)
        elif isinstance(value, list):
            items, strategy, merge_key = list_field(schema, key)
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
        raise bad_request(error)
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
        raise bad_request(ERR_RETAIN_KEYS)
    allowed = {k for k in keep if isinstance(k, str)}
    for key, value in patch.items():
        if value is not None and not key.startswith((DELETE_PREFIX, ORDER_PREFIX)) \
                and key not in allowed:
            raise bad_request(ERR_RETAIN_KEYS)
    for key in [k for k in original if k not in allowed]:
        del original[key]


def _set_element_orders(original: dict, patch: dict, schema) -> None:
    for key in [k for k in patch if k.startswith(ORDER_PREFIX)]:
        order = patch.pop(key)
        if not isinstance(order, list):
            raise bad_arg_type("[]interface {}", order)
        name = _strip_prefix(key, ORDER_PREFIX, ERR_SET_ORDER)
        current, given = original.get(name), patch.get(name)
        for found in (current, given):
            if found is not None and not isinstance(found, list):
                raise bad_arg_type("[]interface {}", found)
        items, strategy, merge_key = list_field(schema, name)
        check_order(given or [], order, merge_key)
        if current is not None and given is not None:
            merged = _merge_list(current, given, items, strategy, merge_key, False)
        elif current is not None or given is not None:
            merged = current if given is None else _remove_directives(given)[0]
        else:
            continue
        in_order, server_only = partition(merged, order, merge_key)
        kind = element_kind(current or [], given or [])
        original[name] = normalize(in_order, server_only, order, current or [], merge_key, kind)
        patch.pop(name, None)


def _merge_list(original: list, patch: list, items, strategy: str, merge_key: str,
                is_delete: bool) -> list:
    if strategy != "merge" and not is_delete:  # deletion lists apply to any list
        return patch
    if not original and not patch:
        return original
    kind = element_kind(original, patch)
    if kind != "map":
        if is_delete:
            gone = {scalar_key(v) for v in patch}
            return [v for v in original if scalar_key(v) not in gone]
        merged, server_order, patch_order = union(original, patch)
    else:
        if not merge_key:
            raise PatchError("cannot merge lists without merge key for struct")
        merged, server_order, patch_order = _merge_maps(original, patch, merge_key, items)
    in_patch, server_only = partition(merged, patch_order, merge_key)
    return normalize(in_patch, server_only, patch_order, server_order, merge_key, kind)


def _merge_maps(original: list, patch: list, merge_key: str, items) -> tuple[list, list, list]:
    """mergeSliceWithSpecialElements + mergeSliceWithoutSpecialElements on maps."""
    size = len(original)
    array = list(original) + [None] * (go_cap(size) - size)
    length, kept, replace = size, [], False
    for item in patch:
        if DIRECTIVE not in item:
            kept.append(item)
        elif item[DIRECTIVE] == "delete":
            if merge_key not in item:
                raise no_merge_key(item, merge_key)
            while (found := find(array[:length], merge_key, item[merge_key])) is not None:
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
            raise no_merge_key(item, merge_key)
        index = find(work[:length], merge_key, item[merge_key])
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
