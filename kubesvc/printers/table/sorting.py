"""`kubectl get --sort-by=JSONPATH`, ordering exactly as kubectl 1.37 does (kubectl
`pkg/cmd/get/sorter.go`, checked against the real binary).

- The key is the first value the expression finds in an object. Objects without one sort first
  (kubectl's `Less` says "missing < anything", even missing < missing).
- Two ints or two floats compare numerically; two strings compare as resource quantities when
  both parse as one (`"2"` < `"10"`, `"500m"` < `"1"`, `"2"` = `"02"`), otherwise byte by byte
  (`web-10` < `web-2`, `B` < `a`; older kubectl sorted "naturally", 1.37 does not), so RFC 3339
  timestamps sort chronologically. null sorts first. Any other pairing (int vs string, bools,
  maps, lists) is a fatal kubectl error.
- kubectl calls Go's `sort.Sort` (pdqsort, not stable) with that inconsistent `Less`; ties and
  missing keys end up wherever Go's algorithm leaves them, so this module replays the same
  algorithm, comparison for comparison.

Two entry points, because kubectl sorts in two places with different error handling:
`sort_objects` for `-o name|json|yaml|jsonpath|custom-columns`, `sort_table` for tables.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING

from kubesvc.api.errors import ClientError, KubesvcError
from kubesvc.api.goformat import go_quote, go_sharp_v
from kubesvc.printers.jsonpath import template as jp
from kubesvc.printers.jsonpath.evaluate import Byte, Template, go_type
from kubesvc.printers.jsonpath.parser import JSONPathError

if TYPE_CHECKING:
    from fractions import Fraction

_MISSING = object()


class SortFatal(KubesvcError):
    """kubectl dies through klog (`F... sorter.go:NNN] ...`), exit 1 (Exitf) or 255 (Fatalf)."""

    def __init__(self, message: str, line: int, exit_code: int):
        super().__init__(message)
        self.line = line
        self.exit_code = exit_code

    def __str__(self) -> str:
        now = datetime.now()
        head = f"F{now:%m%d %H:%M:%S}.{now.microsecond:06d} {os.getpid():>7} sorter.go:{self.line}]"
        return f"{head} {self.message}"


def sort_objects(objects: list[dict], sort_by: str) -> list[dict]:
    """kubectl `SortObjects` (the non-table printers sort the List before printing).

    The caller passes the items of a listing; a single named object (`get svc web`) is never
    sorted by kubectl, so do not call this for it. Errors are `ClientError` (`error: couldn't
    find any field with path "{.x}" in the list of objects`) or `SortFatal`.
    """
    if not objects:
        return objects
    try:
        field = jp.relaxed_expression(sort_by)
        tmpl = Template(field)
    except JSONPathError as err:
        raise ClientError(str(err)) from None
    keys: list = []
    found = False
    for obj in objects:  # kubectl's "found at least once" scan: errors before a hit are fatal
        if found:  # ... later ones only surface when `Less` reaches them
            keys.append(_lazy_key(tmpl, obj))
            continue
        try:
            keys.append(_key(tmpl, obj))
        except JSONPathError as err:
            raise ClientError(str(err)) from None
        found = keys[-1] is not _MISSING
    if not found:
        raise ClientError(f'couldn\'t find any field with path "{field}" in the list of objects')
    order = list(range(len(objects)))

    def less(i: int, j: int) -> bool:
        for which, pos in (("i", i), ("j", j)):
            if isinstance(keys[order[pos]], Exception):
                _fail_values(which, objects[order[pos]], field, keys[order[pos]])
        return _less(keys[order[i]], keys[order[j]], field, "*unstructured.Unstructured", 329)

    go_sort(order, less)
    return [objects[i] for i in order]


def sort_table(objects: list[dict], sort_by: str) -> list[dict] | None:
    """kubectl's table path (`SortingPrinter` + `TableSorter`), for the default and `-o wide`.

    Tables of 0 or 1 rows are left alone. None means kubectl 1.37 prints nothing for this
    table and reports no error (it ignores the sorter's error: bad expression, a field that no
    object has, an out-of-range index...), so `No resources found...` may follow. Comparing
    unsortable values raises `SortFatal`.
    """
    if len(objects) <= 1:
        return objects
    try:
        field = jp.relaxed_expression(sort_by)
    except JSONPathError:
        field = sort_by
    try:
        tmpl = Template(field)
        keys = [_key(tmpl, obj) for obj in objects]
    except JSONPathError:
        return None
    if all(k is _MISSING for k in keys):
        return None
    order = list(range(len(objects)))
    go_sort(order, lambda i, j: _less(keys[order[i]], keys[order[j]], field,
                                       "[][][]reflect.Value", 375))
    return [objects[i] for i in order]


def check_multi_kind_tables(sort_by: str) -> None:
    """`get svc,pods --sort-by=X` with table output: kubectl 1.37 first sorts the per-kind
    Table objects themselves (get.go `RuntimeSorter`), so a field that a Table lacks, such as
    `.metadata.name`, fails the whole command (`error: couldn't find any field with path
    "{.metadata.name}" in the list of objects`). Passing returns None; each kind's rows are then
    sorted by `sort_table`. With `-o name|json|...` all kinds are sorted together instead."""
    table = {"apiVersion": "meta.k8s.io/v1", "kind": "Table",
             "metadata": {"resourceVersion": ""}, "columnDefinitions": [], "rows": []}
    sort_objects([table, table], sort_by)


def _key(tmpl: Template, obj: dict):
    found = tmpl.find_results(obj)
    return found[0][0] if found and found[0] else _MISSING


def _lazy_key(tmpl: Template, obj: dict):
    try:
        return _key(tmpl, obj)
    except JSONPathError as err:
        return err


def _fail_values(which: str, obj: dict, field: str, err: Exception) -> None:
    shown = f'&errors.errorString{{s:{go_quote(str(err))}}}' if which == "i" else str(err)
    raise SortFatal(f"Failed to get {which} values for &unstructured.Unstructured{{Object:"
                    f"{go_sharp_v(obj)}}} using {field} ({shown})",
                    310 if which == "i" else 315, 255)


def _less(a, b, field: str, holder: str, line: int) -> bool:
    """RuntimeSort.Less / TableSorter.Less on precomputed keys."""
    if a is _MISSING:
        return True
    if b is _MISSING:
        return False
    try:
        return is_less(a, b)
    except TypeError as err:
        raise SortFatal(f"Field {field} in {holder} is an unsortable type: interface, err: {err}",
                        line, 1) from None


def is_less(a, b) -> bool:
    """sorter.go `isLess` for values held in unstructured maps (Go interface values)."""
    if a is None or b is None:
        return a is None and b is not None
    if isinstance(a, Byte) and isinstance(b, Byte):
        return a < b
    kind = _go_kind(a)
    if kind in ("bool", "map[string]interface {}", "[]interface {}"):
        raise TypeError(f"unsortable type: {kind}")
    if kind != _go_kind(b):
        raise TypeError("unsortable interface: interface")
    if kind == "string":
        qa, qb = parse_quantity(a), parse_quantity(b)
        if qa is not None and qb is not None:
            return qa < qb
        return a.encode() < b.encode()  # byte order (1.37 no longer sorts "naturally")
    return a < b


def _go_kind(value) -> str:
    return go_type(value)


def parse_quantity(text: str) -> Fraction | None:
    """apimachinery `ParseQuantity` as a value, or None when it would fail."""
    # imported only when strings are compared: `get` without --sort-by never pays for it
    from kubesvc.api.quantity import parse_exact

    parsed = parse_exact(text) if text else None
    return None if parsed is None else parsed[0]


# ---------------------------------------------------------------------------------------------
# Go's sort.Sort (pdqsort since Go 1.19), replayed so ties land where kubectl puts them.

def go_sort(items: list, less) -> None:
    """Sort `items` in place, calling `less(i, j)` on positions in Go's order of comparisons."""
    n = len(items)
    if n > 1:
        _pdqsort(_Data(items, less), 0, n, n.bit_length())


class _Data:
    def __init__(self, items: list, less):
        self.items, self.less = items, less

    def swap(self, i: int, j: int) -> None:
        self.items[i], self.items[j] = self.items[j], self.items[i]


def _insertion(d: _Data, a: int, b: int) -> None:
    for i in range(a + 1, b):
        j = i
        while j > a and d.less(j, j - 1):
            d.swap(j, j - 1)
            j -= 1


def _sift_down(d: _Data, lo: int, hi: int, first: int) -> None:
    root = lo
    while (child := 2 * root + 1) < hi:
        if child + 1 < hi and d.less(first + child, first + child + 1):
            child += 1
        if not d.less(first + root, first + child):
            return
        d.swap(first + root, first + child)
        root = child


def _heap_sort(d: _Data, a: int, b: int) -> None:
    hi = b - a
    for i in range((hi - 1) // 2, -1, -1):
        _sift_down(d, i, hi, a)
    for i in range(hi - 1, -1, -1):
        d.swap(a, a + i)
        _sift_down(d, 0, i, a)


def _pdqsort(d: _Data, a: int, b: int, limit: int) -> None:
    balanced = partitioned = True
    while True:
        length = b - a
        if length <= 12:
            _insertion(d, a, b)
            return
        if limit == 0:
            _heap_sort(d, a, b)
            return
        if not balanced:
            _break_patterns(d, a, b)
            limit -= 1
        pivot, hint = _choose_pivot(d, a, b)
        if hint == "decreasing":
            _reverse(d, a, b)
            pivot, hint = (b - 1) - (pivot - a), "increasing"
        if balanced and partitioned and hint == "increasing" and _partial_insertion(d, a, b):
            return
        if a > 0 and not d.less(a - 1, pivot):
            a = _partition_equal(d, a, b, pivot)
            continue
        mid, partitioned = _partition(d, a, b, pivot)
        left, right = mid - a, b - mid
        if left < right:
            balanced = left >= length // 8
            _pdqsort(d, a, mid, limit)
            a = mid + 1
        else:
            balanced = right >= length // 8
            _pdqsort(d, mid + 1, b, limit)
            b = mid


def _partition(d: _Data, a: int, b: int, pivot: int) -> tuple[int, bool]:
    d.swap(a, pivot)
    i, j = a + 1, b - 1
    while i <= j and d.less(i, a):
        i += 1
    while i <= j and not d.less(j, a):
        j -= 1
    if i > j:
        d.swap(j, a)
        return j, True
    d.swap(i, j)
    i, j = i + 1, j - 1
    while True:
        while i <= j and d.less(i, a):
            i += 1
        while i <= j and not d.less(j, a):
            j -= 1
        if i > j:
            break
        d.swap(i, j)
        i, j = i + 1, j - 1
    d.swap(j, a)
    return j, False


def _partition_equal(d: _Data, a: int, b: int, pivot: int) -> int:
    d.swap(a, pivot)
    i, j = a + 1, b - 1
    while True:
        while i <= j and not d.less(a, i):
            i += 1
        while i <= j and d.less(a, j):
            j -= 1
        if i > j:
            return i
        d.swap(i, j)
        i, j = i + 1, j - 1


def _partial_insertion(d: _Data, a: int, b: int) -> bool:
    i = a + 1
    for _ in range(5):
        while i < b and not d.less(i, i - 1):
            i += 1
        if i == b:
            return True
        if b - a < 50:
            return False
        d.swap(i, i - 1)
        if i - a >= 2:
            j = i - 1
            while j >= 1 and d.less(j, j - 1):
                d.swap(j, j - 1)
                j -= 1
        if b - i >= 2:
            j = i + 1
            while j < b and d.less(j, j - 1):
                d.swap(j, j - 1)
                j += 1
    return False


def _break_patterns(d: _Data, a: int, b: int) -> None:
    length = b - a
    if length >= 8:
        state = length
        modulus = 1 << length.bit_length()
        idx = a + (length // 4) * 2 - 1
        for i in range(3):
            state ^= (state << 13) & 0xFFFFFFFFFFFFFFFF
            state ^= state >> 7
            state ^= (state << 17) & 0xFFFFFFFFFFFFFFFF
            other = state & (modulus - 1)
            other -= length if other >= length else 0
            d.swap(idx + i, a + other)


def _choose_pivot(d: _Data, a: int, b: int) -> tuple[int, str]:
    length = b - a
    swaps = [0]
    i, j, k = a + length // 4, a + length // 4 * 2, a + length // 4 * 3
    if length >= 8:
        if length >= 50:
            i, j, k = (_median(d, x - 1, x, x + 1, swaps) for x in (i, j, k))
        j = _median(d, i, j, k, swaps)
    if swaps[0] == 0:
        return j, "increasing"
    return j, "decreasing" if swaps[0] == 12 else "unknown"


def _median(d: _Data, a: int, b: int, c: int, swaps: list) -> int:
    def order(x: int, y: int) -> tuple[int, int]:
        if d.less(y, x):
            swaps[0] += 1
            return y, x
        return x, y

    a, b = order(a, b)
    b, c = order(b, c)
    a, b = order(a, b)
    return b


def _reverse(d: _Data, a: int, b: int) -> None:
    i, j = a, b - 1
    while i < j:
        d.swap(i, j)
        i, j = i + 1, j - 1
