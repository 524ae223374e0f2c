"""`--sort-by`. Expected orders and messages come from the real kubectl 1.37.1 (`kubectl get svc
--sort-by=.spec.x -o name` and the default table, against a stub API server serving services
s00, s01, ... whose `spec.x` holds the listed keys; MISSING means no `x` at all)."""

from __future__ import annotations

import pytest

from kubesvc.api.errors import ClientError
from kubesvc.printers.table import sorting

MISSING = object()


def services(keys: list) -> list[dict]:
    out = []
    for i, key in enumerate(keys):
        obj = {"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": f"s{i:02d}", "namespace": "default"}, "spec": {}}
        if key is not MISSING:
            obj["spec"]["x"] = key
        out.append(obj)
    return out


def order(objects: list[dict]) -> list[int]:
    return [int(o["metadata"]["name"][1:]) for o in objects]


M = MISSING
# (keys of s00, s01, ...; the order kubectl prints them in, by index)
ORDERS = [
    # strings: byte order, not "natural" order (web-10 < web-2, B < a, é last)
    (["web-2", "web-10", "web-1", "B", "a", "é", "z", "", "web-02"], [7, 3, 4, 8, 2, 1, 0, 6, 5]),
    # missing keys first, and reversed (kubectl's Less says missing < missing)
    ([3, 1, M, 2, 1, M, 3], [5, 2, 1, 4, 3, 0, 6]),
    # two quantities compare by value; "2" and "02" tie and keep their order
    (["1Gi", "1G", "500Mi", "2e9", "1.5G", "1", "2", "02", "500m"], [8, 5, 6, 7, 2, 1, 0, 4, 3]),
    (["2024-01-02T03:04:05Z", "2023-12-31T23:59:59Z", "2024-01-02T03:04:06Z",
      "2024-01-10T00:00:00Z"], [1, 0, 2, 3]),
    ([None, 2, None, 1], [0, 2, 3, 1]),
    ([2.5, 1.25, 10.5], [1, 0, 2]),
    # more than 12 objects: Go's pdqsort decides where ties go
    ([2, 1, 3, 0, 0, 0, 2, 0, 1, 0, 0, 3, 3, 0, 1, 0, 3, 0, 0, 1],
     [10, 13, 18, 3, 4, 5, 17, 7, 9, 15, 8, 14, 1, 19, 0, 6, 12, 11, 16, 2]),
    ([M, M, M, 1, M, M, 2, 1, 1, 1, M, 1, 2, 2, 1, M, 1, M, 2, M, M, 1, 1, M, M, M, 1, 2, 1, M,
      M, 1, M, 1, M, 1, 2, M, M, 2, 2, 2, M, 2, 2, 2, 1, 1, M, 1, 1, M, 2, M, 2, 2, M, 2, 2, M],
     [17, 51, 4, 34, 37, 48, 30, 1, 25, 10, 24, 42, 56, 59, 32, 2, 15, 0, 19, 29, 23, 53, 5, 20,
      38, 14, 11, 3, 28, 22, 21, 31, 7, 33, 16, 35, 8, 50, 49, 9, 47, 46, 26, 36, 52, 45, 41, 40,
      39, 12, 13, 44, 18, 43, 54, 55, 6, 57, 58, 27]),
]


@pytest.mark.parametrize(("keys", "expected"), ORDERS)
def test_sort_objects(keys, expected):
    assert order(sorting.sort_objects(services(keys), ".spec.x")) == expected


@pytest.mark.parametrize(("keys", "expected"), ORDERS)
def test_sort_table_rows(keys, expected):
    assert order(sorting.sort_table(services(keys), "{.spec.x}")) == expected


@pytest.mark.parametrize("expr", [".spec.x", "spec.x", "{spec.x}", "{.spec.x}"])
def test_relaxed_expressions(expr):
    assert order(sorting.sort_objects(services([2, 1]), expr)) == [1, 0]


def test_field_nobody_has():
    with pytest.raises(ClientError) as err:
        sorting.sort_objects(services([1, 2]), ".nope")
    assert str(err.value) == 'error: couldn\'t find any field with path "{.nope}" in the list ' \
                             "of objects"
    # the table path swallows the error: kubectl prints nothing for the table
    assert sorting.sort_table(services([1, 2]), ".nope") is None
    # ...and does not sort (or check) a table of one row
    assert order(sorting.sort_table(services([1]), ".nope")) == [0]


@pytest.mark.parametrize(("expr", "message"), [
    ("{.a", "unexpected path string, expected a 'name1.name2' or '.name1.name2' or "
            "'{name1.name2}' or '{.name1.name2}'"),
    (".a[", "unterminated array"),
])
def test_bad_expressions(expr, message):
    with pytest.raises(ClientError) as err:
        sorting.sort_objects(services([1, 2]), expr)
    assert str(err.value) == "error: " + message
    assert sorting.sort_table(services([1, 2]), expr) is None


@pytest.mark.parametrize(("keys", "err"), [
    ([1, "a"], "unsortable interface: interface"),
    (["a", 1], "unsortable interface: interface"),
    ([1.5, 2], "unsortable interface: interface"),
    ([True, False], "unsortable type: bool"),
    ([{"a": 1}, {"a": 2}], "unsortable type: map[string]interface {}"),
    ([[2], [1]], "unsortable type: []interface {}"),
])
def test_unsortable_values_are_fatal(keys, err):
    with pytest.raises(sorting.SortFatal) as objects:
        sorting.sort_objects(services(keys), ".spec.x")
    assert (objects.value.exit_code, objects.value.line) == (1, 329)
    assert objects.value.message == ("Field {.spec.x} in *unstructured.Unstructured is an "
                                     f"unsortable type: interface, err: {err}")
    with pytest.raises(sorting.SortFatal) as table:
        sorting.sort_table(services(keys), ".spec.x")
    assert (table.value.exit_code, table.value.line) == (1, 375)
    assert table.value.message == ("Field {.spec.x} in [][][]reflect.Value is an unsortable "
                                   f"type: interface, err: {err}")
    assert " sorter.go:375] Field" in str(table.value) and str(table.value).startswith("F")


def test_lookup_errors():
    two_ports = {"ports": [{"port": 1}, {"port": 2}]}

    def svcs(*specs):
        objs = services([0] * len(specs))
        for obj, spec in zip(objs, specs, strict=True):
            obj["spec"] = {"ports": [{"port": 80}], **spec}
        return objs

    # the first object fails before any had the field: a plain error
    with pytest.raises(ClientError) as err:
        sorting.sort_objects(svcs({"x": 1}, two_ports), ".spec.ports[1].port")
    assert str(err.value) == "error: array index out of bounds: index 1, length 1"
    # a later one fails inside Less: klog.Fatalf, exit 255
    with pytest.raises(sorting.SortFatal) as fatal:
        sorting.sort_objects(svcs(two_ports, {"x": 1}, two_ports), ".spec.ports[1].port")
    assert (fatal.value.exit_code, fatal.value.line) == (255, 310)
    assert fatal.value.message == (
        'Failed to get i values for &unstructured.Unstructured{Object:map[string]interface {}{'
        '"apiVersion":"v1", "kind":"Service", "metadata":map[string]interface {}{"name":"s01", '
        '"namespace":"default"}, "spec":map[string]interface {}{"ports":[]interface {}{'
        'map[string]interface {}{"port":80}}, "x":1}}} using {.spec.ports[1].port} '
        '(&errors.errorString{s:"array index out of bounds: index 1, length 1"})')
    # the table path: nothing printed, no error
    assert sorting.sort_table(svcs(two_ports, {"x": 1}), ".spec.ports[1].port") is None


def test_empty_list():
    assert sorting.sort_objects([], ".nope") == []
    assert sorting.sort_table([], ".nope") == []


@pytest.mark.parametrize(("text", "value"), [
    ("1", 1), ("500m", 0.5), ("1Ki", 1024), ("1e3", 1000), ("1.5G", 1.5e9), ("-2", -2),
    ("m", 0), ("+", 0), ("1.", 1), (".5", 0.5),
    ("", None), ("web", None), ("10.0.0.5", None), ("1e", None), ("1K", None), (" 1", None),
])
def test_parse_quantity(text, value):
    parsed = sorting.parse_quantity(text)
    assert parsed == value if value is None else float(parsed) == value


@pytest.mark.parametrize(("expr", "message"), [
    (".metadata.name", 'couldn\'t find any field with path "{.metadata.name}" in the list of '
                       "objects"),
    ("{.a", "unexpected path string, expected a 'name1.name2' or '.name1.name2' or "
            "'{name1.name2}' or '{.name1.name2}'"),
    (".a[", "unterminated array"),
])
def test_several_kinds_in_tables(expr, message):
    # kubectl 1.37: `get svc,pods --sort-by=EXPR` (table output) fails like this
    with pytest.raises(ClientError) as err:
        sorting.check_multi_kind_tables(expr)
    assert str(err.value) == "error: " + message
    assert sorting.check_multi_kind_tables(".kind") is None  # a Table has a kind: no error
