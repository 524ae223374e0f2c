"""Go's value rendering (kubesvc.api.goformat): where two readings differ, it is on purpose."""

from __future__ import annotations

import pytest

from kubesvc.api import goformat as gf

FLOATS = [  # value, %v, encoding/json, go-yaml
    (1.5, "1.5", "1.5", "1.5"),
    (1234567.0, "1.234567e+06", "1234567", "1.234567e+06"),
    (1e-7, "1e-07", "1e-7", "1e-07"),
    (1e21, "1e+21", "1e+21", "1e+21"),
    (0.0001, "0.0001", "0.0001", "0.0001"),
    (-0.0, "-0", "0", "0"),
    (float("nan"), "NaN", None, ".nan"),
    (float("-inf"), "-Inf", None, "-.inf"),
]


@pytest.mark.parametrize(("value", "v", "as_json", "as_yaml"), FLOATS,
                         ids=[f[1] for f in FLOATS])
def test_floats(value, v, as_json, as_yaml):
    assert gf.go_float(value) == v
    assert gf.go_yaml_float(value) == as_yaml
    if as_json is not None:
        assert gf.go_json_float(value) == as_json


@pytest.mark.parametrize(("value", "decoded", "unstructured"), [
    (1234567.0, "1.234567e+06", "1234567"),
    ({"b": [1.0, None], "a": True}, "map[a:true b:[1 <nil>]]", "map[a:true b:[1 <nil>]]"),
    ({"n": 1e7}, "map[n:1e+07]", "map[n:10000000]"),
], ids=["float64-vs-int64", "map", "nested-number"])
def test_percent_v_reads_numbers_two_ways(value, decoded, unstructured):
    assert gf.go_v(value) == decoded
    assert gf.go_v_unstructured(value) == unstructured


@pytest.mark.parametrize(("text", "quoted"), [
    ("web", '"web"'), ('a"b\\', '"a\\"b\\\\"'), ("\n\t\x01", '"\\n\\t\\x01"'),
    ("\u00a0é", '"\\u00a0é"'), ("\U0001f600", '"😀"'), ("\u200b", '"\\u200b"'),
], ids=["plain", "escapes", "controls", "non-printable", "emoji", "zero-width"])
def test_go_quote(text, quoted):
    assert gf.go_quote(text) == quoted


@pytest.mark.parametrize(("ch", "quoted"), [
    ("a", "'a'"), ("'", "'\\''"), ('"', "'\"'"), ("\n", "'\\n'"),
], ids=["a", "apostrophe", "quote", "nl"])
def test_go_quote_rune(ch, quoted):
    assert gf.go_quote_rune(ch) == quoted


def test_go_json_matches_the_fast_encoder_except_for_floats():
    value = {"b": "<&>\u2028", "a": [1, True, None, {}], "c": "\x1f"}
    assert gf.go_json(value) == gf.go_json_fast(value) == (
        '{"a":[1,true,null,{}],"b":"\\u003c\\u0026\\u003e\\u2028","c":"\\u001f"}')
    assert gf.go_json({"f": 1.0, "g": 1e-7}) == '{"f":1,"g":1e-7}'
    assert gf.go_json_fast({"f": 1.0, "g": 1e-7}) == '{"f":1.0,"g":1e-07}'


def test_go_json_indent_and_sharp_v():
    assert gf.go_json({"a": [1]}, "  ") == '{\n  "a": [\n    1\n  ]\n}'
    assert gf.go_sharp_v({"a": ["x", None, 2.0]}) == (
        'map[string]interface {}{"a":[]interface {}{"x", interface {}(nil), 2}}')
    assert gf.go_quote_list(["1.2.3.4", "::1"]) == '["1.2.3.4" "::1"]'
    assert gf.go_unicode("~") == "U+007E '~'"
    assert gf.go_unicode("\x01") == "U+0001"
