"""The lists of a strategic merge patch: Go interface equality of items, `$setElementOrder` checks,
and the order of merged lists as upstream builds it (normalizeElementOrder, mergeSortedSlice,
and the Go slice aliasing that shows in the result).
"""

from __future__ import annotations

from itertools import chain

from kubesvc.api.goformat import go_v
from kubesvc.apiserver.patch.patch_errors import PatchError, bad_arg_type, go_type, no_merge_key
from kubesvc.apiserver.patch.patch_meta import DIRECTIVE, ORDER_PREFIX


def _go_equal(a, b) -> bool:
    """Go interface equality: same dynamic type and value (1 and 1.0 differ, so do 1 and true)."""
    return type(a) is type(b) and a == b


def scalar_key(value):
    return (type(value).__name__, value) if not isinstance(value, (dict, list)) else id(value)


def check_order(items: list, order: list, merge_key: str) -> None:
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
            raise bad_arg_type("map[string]interface {}", item)
        if merge_key not in item:
            raise no_merge_key(item, merge_key)
    return _go_equal(left[merge_key], right[merge_key])


# Upstream works on Go slices, and a few of its steps write into the array behind the live
# list (append into spare capacity, delete by shifting). Where that shows in the result (the
# order of merged lists that held duplicates or lost items), we replay it: a decoded list of
# n items has the capacity append-growth gives it.

def go_cap(size: int) -> int:
    return 0 if size == 0 else (1 << (size - 1).bit_length() if size <= 512 else size)


def union(original: list, patch: list) -> tuple[list, list, list]:
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
    if len(array) <= go_cap(size):  # the append reused the live list's array
        original[:] = array[:size]
    return array[:last + 1], original, patch


def element_kind(original: list, patch: list) -> str:
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


def find(items: list, merge_key: str, value) -> int | None:
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise PatchError(f"value for key {index} is not a map")
        if merge_key in item and _go_equal(item[merge_key], value):
            return index
    return None


def partition(merged: list, by: list, merge_key: str) -> tuple[list, list]:
    """Items present in `by` (on the merge key for maps), then the others."""
    if not merge_key:
        present = {scalar_key(v) for v in by}
        inside = [v for v in merged if scalar_key(v) in present]
        return inside, [v for v in merged if scalar_key(v) not in present]
    outside: list = []
    inside = []
    for item in merged:
        if not isinstance(item, dict):
            raise bad_arg_type("map[string]interface {}", item)
        if merge_key not in item:
            raise no_merge_key(item, merge_key)
        found = find(by, merge_key, item[merge_key]) is not None
        (inside if found else outside).append(item)
    return inside, outside


def _split_deletes(items: list) -> tuple[list, list]:
    kept: list = []
    deleted: list = []
    for item in items:
        if not isinstance(item, dict):
            raise bad_arg_type("map[string]interface {}", item)
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
    deleted: list = []
    if kind == "map":
        for item in chain(items, order):
            if not isinstance(item, dict):
                raise bad_arg_type("map[string]interface {}", item)
            if merge_key not in item:
                raise no_merge_key(item, merge_key)
        items, deleted = _split_deletes(items)
    positions = [_index(order, item, merge_key, kind) for item in items]
    ranked = sorted(range(len(items)), key=lambda i: (positions[i], i))
    return [items[i] for i in ranked] + deleted


def normalize(patch_items: list, server_only: list, patch_order: list, server_order: list,
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
