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
  missing keys end up wherever Go's algorithm leaves them, so `go_sort` replays the same
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
from kubesvc.api.quantity import parse_exact
from kubesvc.printers.jsonpath import template as jp
from kubesvc.printers.jsonpath.evaluate import Byte, Template, go_type
from kubesvc.printers.jsonpath.parser import JSONPathError
from kubesvc.printers.table.go_sort import go_sort

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

    parsed = parse_exact(text) if text else None
    return None if parsed is None else parsed[0]
