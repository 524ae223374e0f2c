"""store/codec.py: the bulk encoder writes exactly what json.dumps writes, and copies exactly."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubesvc.store import codec


@pytest.fixture(autouse=True, scope="module")
def _fast_path():
    assert codec.enable()  # orjson is a runtime dependency


def _reference(obj, sort_keys: bool = False) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, sort_keys=sort_keys)


json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20)


@given(json_data, st.booleans())
def test_dumps_is_json_dumps_text(obj, sort_keys):
    assert codec.dumps(obj, sort_keys) == _reference(obj, sort_keys)


@given(json_data)
def test_copy_is_equal_and_shares_nothing(obj):
    copied = codec.copy(obj)
    assert _reference(copied) == _reference(obj)  # NaN-safe equality: the same text
    if isinstance(obj, (dict, list)):
        assert copied is not obj


@pytest.mark.parametrize("obj, fast", [
    ({"image": "registry/app:1.0.0", "ip": "10.244.0.2"}, True),  # ':1.' inside strings
    ({"a": [1, -2, {"b": True}]}, True),
    ({"a": 1e16}, True),  # orjson `1e+16`, as Python
    ({"a": [2, 1e-05]}, False),  # orjson `0.00001`, Python `1e-05`
    ({"a": [1.5e-7]}, False),  # orjson `1.5e-7`, Python `1.5e-07`
    ({"a": {"b": -1.5}}, True),
    ({"uid": "3e-4", "b": 0.5}, True),  # an exponent-like string after a quote: no number
    ({"uid": "7d2f79e5-6813-94c0-6c8e-3b3e0e3225d3"}, True),  # nor after a uid's letters
    ({"uid": "x,3e-4"}, False),  # a string holding what looks like a number: the safe way
    ({"uid": "x:-3e-4"}, False),
    ({"a": [-1.5e-7]}, False),  # orjson `-1.5e-7`, Python `-1.5e-07`
    ({"a": [1, 2.5e-9]}, False),
    ({"a": None}, False),
    ({"a": math.nan}, False),  # orjson writes null
    ({"a": 2**70}, False),  # beyond 64 bits
    ({1: "x"}, False),  # a key YAML read as an int
    ({"s": "\ud800"}, False),  # a lone surrogate
], ids=["strings-with-dots", "ints", "exponent", "small-float", "small-exponent",
        "nested-float", "exponent-like-string", "uid", "number-in-string",
        "number-in-string-colon", "negative-small-exponent", "small-exponent-in-list",
        "null", "nan", "bigint", "int-key", "surrogate"])
def test_which_texts_take_orjson(obj, fast):
    assert (codec._fast(obj) is not None) == fast
    assert codec.dumps(obj) == _reference(obj)


def test_copy_unshares_yaml_aliases():
    shared = {"app": "web"}
    obj = {"metadata": {"labels": shared}, "spec": {"selector": shared}}
    copied = codec.copy(obj)
    assert copied == obj
    assert copied["metadata"]["labels"] is not copied["spec"]["selector"]


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=8))
def test_floats_written_by_orjson_are_python_s(floats):
    assert codec.dumps({"f": floats}) == _reference({"f": floats})


class _OlderOrjson:
    """An orjson that writes an exponent without its sign (`1e16`), unlike Python."""

    @staticmethod
    def dumps(value) -> bytes:
        import orjson

        return orjson.dumps(value).replace(b"e+", b"e")


def test_an_orjson_that_spells_floats_otherwise_keeps_the_full_scan():
    import orjson

    assert codec._spelling_checked(orjson)
    assert not codec._spelling_checked(_OlderOrjson)


number_like = st.text(alphabet='0123456789.e-:,["', max_size=12)


@given(st.lists(number_like | st.floats(min_value=-1e-3, max_value=1e-3), max_size=6))
def test_number_like_strings_and_small_floats_are_written_as_python_does(values):
    assert codec.dumps({"v": values, "k": dict(zip(map(str, values), values, strict=True))}) == \
        _reference({"v": values, "k": dict(zip(map(str, values), values, strict=True))})
