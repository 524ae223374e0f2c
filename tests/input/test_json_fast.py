"""The orjson path for big JSON texts (load.json_fast) reads exactly what the standard decoder
reads, and gives way to it wherever it could differ: duplicate keys at any depth, keys hidden in
strings, escapes, integers beyond 64 bits, too-deep documents."""

import json

import pytest

from kubesvc.api.errors import ClientError
from kubesvc.input import load
from kubesvc.input.load import MAX_DEPTH, json_fast, load_text


@pytest.fixture(autouse=True)
def _every_size(monkeypatch):
    monkeypatch.setattr(load, "JSON_FAST_BYTES", 0)


def nested(depth: int, leaf: str = "{}", key: str = "a") -> str:
    """A JSON object `depth` containers deep (the innermost is `leaf`, one level)."""
    return f'{{"{key}":' * (depth - 1) + leaf + "}" * (depth - 1)


def svc(name: str, extra: str = "") -> str:
    return ('{"apiVersion":"v1","kind":"Service","metadata":{"name":"' + name + '"' + extra
            + '},"spec":{"ports":[{"port":80}]}}')


def as_list(items: list[str], sep: str = ",") -> str:
    return '{"apiVersion":"v1","kind":"List","items":[' + sep.join(items) + "]}"


MANY = [svc(f"s{i}") for i in range(1200)]  # more than one run of load._CHUNK items


def with_item(pos: int, item: str) -> str:
    return as_list(MANY[:pos] + [item] + MANY[pos:])


# texts the fast path must refuse (the standard path then decides: YAML names a duplicate)
REFUSED = {
    "duplicate at the top": '{"a":1,"a":2}',
    "duplicate, same value": '{"a":1,"a":1}',
    **{f"duplicate at depth {d}": nested(d, '{"k":1,"k":2}') for d in (2, 3, 10, 100, 199)},
    "duplicate in a list": '[{"a":1},{"b":1,"b":2}]',
    "duplicate in the first item": with_item(0, svc("x", ',"name":"y"')),
    "duplicate in an item of a later run": with_item(1100, svc("x", ',"labels":{},"labels":{}')),
    "duplicate top key of a big List": as_list(MANY)[:-1] + ',"kind":"List"}',
    "duplicate keys with colons": '{"a:b":"c:d","a:b":"e"}',
    "duplicate value holding a colon": '{"a":"x:y","a":"z"}',
    "duplicate with escaped quotes": '{"a\\":b":1,"a\\":b":2}',
    "duplicate spelled with a unicode escape": '{"\\u0061":1,"a":2}',
    "duplicate of a non-ASCII key": '{"ü":"ö","ü":1}',
    "duplicate with spaced colons": '{"a" : 1 ,\n "a"\t:\n2}',
    "duplicate, indented": json.dumps({"x": {"a": 1}}, indent=4)[:-7] + ',\n"a": 2}}',
    # the tree's colon comes from an escape: the text's colons alone would hide the duplicate
    "duplicate hidden by \\u003a": '{"a":"\\u003a","a":"\\u003a"}',
    "duplicate hidden by \\u003A": '{"a":"\\u003A","a":"\\u003A"}',
    "integer beyond 64 bits": '{"n":18446744073709551616}',
    "negative integer beyond 64 bits": '{"n":-9223372036854775809}',
    "a big integer in a List's item": with_item(700, svc("x", ',"uid":123456789012345678901234')),
    "infinity": '{"f":1e400}',
    "NaN": '{"f":NaN}',
    "lone surrogate": '{"s":"\\ud800"}',
    "too deep": nested(MAX_DEPTH + 1),
    "too deep list": "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
    "too deep in a List's item": with_item(900, nested(MAX_DEPTH - 1)),
    "far too deep for orjson": nested(2000),
    "a stream of documents": svc("a") + "\n" + svc("b"),
    "a scalar": "1",
    "not JSON": "{a: 1}",
    "trailing garbage": '{"a":1} x',
}

# texts it must take, reading what the standard decoder reads
TAKEN = {
    "one object": svc("a"),
    "a big List": as_list(MANY),
    "a big List, indented": json.dumps(json.loads(as_list(MANY[:600])), indent=4),
    "keys in strings": '{"x":"\\"a\\":1,\\"a\\":2","y":"{\\"a\\":1}"}',
    "colons in strings": '{"a":":","b":"::x:","c":["a:b",":"],"d":"http://x:80"}',
    "escapes": '{"a":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00","\\u0062":"\\u003b"}',
    "non-ASCII": '{"ü":"ö","ñ":["ß",{"ø":1}]}',
    "numbers": '{"a":[0,-0,-0.0,1.5,1e2,1E-7,2.2250738585072011e-308,9007199254740993,'
               '0.1000000000000000055511151231257827,18446744073709551615,'
               '-9223372036854775808,1e15,123.456e-2]}',
    "exactly as deep as allowed": nested(MAX_DEPTH),
    "a List's item exactly as deep as allowed": with_item(600, nested(MAX_DEPTH - 2)),
    "spaced colons": '{"a" : 1,\n"b"\t:\n{"c"\r:2}}',
    "whitespace around": "\n\t " + svc("a") + " \n",
    "a list at the top": "[" + ",".join(MANY[:3]) + "]",
    "empty": "{}",
}


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_refused(text):
    assert json_fast(text) is None


@pytest.mark.parametrize("text", TAKEN.values(), ids=TAKEN.keys())
def test_taken_reads_as_the_standard_decoder(text):
    got = json_fast(text)
    assert got is not None
    want = load._json_documents(text, "x.json")
    assert got == want
    assert json.dumps(got) == json.dumps(want)  # (int stays int, -0.0 stays -0.0)
    assert not load._too_deep(got[0])


def outcome(text: str):
    try:
        return [(d.index, d.obj) for d in load_text(text, "x.json")]
    except ClientError as err:
        return str(err)


@pytest.mark.parametrize("text", [*REFUSED.values(), *TAKEN.values()],
                         ids=[*REFUSED.keys(), *TAKEN.keys()])
def test_load_text_unchanged(monkeypatch, text):
    """The same documents or the same message, with and without the fast path."""
    fast = outcome(text)
    monkeypatch.setattr(load, "JSON_FAST_BYTES", 1 << 62)
    assert fast == outcome(text)


def test_small_texts_take_the_standard_path(monkeypatch):
    monkeypatch.setattr(load, "JSON_FAST_BYTES", 1000)
    assert json_fast(svc("a")) is None
    assert json_fast(as_list(MANY)) is not None


def flow(lists: int) -> str:
    """A YAML object (one level) holding `lists` nested flow sequences."""
    return "a: " + "[" * lists + "]" * lists + "\n"


YAML_DEPTHS = {
    "as deep as allowed": flow(MAX_DEPTH - 1),
    "too deep": flow(MAX_DEPTH),
    "too deep, a later document": "b: 1\n---\n" + flow(MAX_DEPTH),
    "a List's item as deep as allowed": "kind: List\nitems:\n- " + flow(MAX_DEPTH - 3),
    "a List's item too deep": "kind: List\nitems:\n- " + flow(MAX_DEPTH - 2),
    "a key that is no string": "1: " + "[" * 10 + "]" * 10 + "\n",
    "an integer beyond 64 bits": "a: [[123456789012345678901234567890]]\n",
    "a self-referencing alias": "a: &x [1, *x]\n",
}


@pytest.mark.parametrize("text", YAML_DEPTHS.values(), ids=YAML_DEPTHS.keys())
def test_yaml_depth_unchanged(monkeypatch, text):
    """The depth of big YAML documents proven by orjson (load.shallow): the same documents
    or the same message as the walk in Python."""
    fast = outcome(text)
    monkeypatch.setattr(load, "JSON_FAST_BYTES", 1 << 62)
    assert fast == outcome(text)


@pytest.mark.parametrize("depth, proven", [(MAX_DEPTH - 1, True), (MAX_DEPTH, False)])
def test_shallow_refuses_exactly_too_deep(depth, proven):
    docs = [{"a": 1}, {"a": json.loads("[" * depth + "]" * depth)}]
    assert load._too_deep(docs[1]) is not proven
    assert load.shallow(docs) is proven
    assert load.shallow(docs * 300) is proven  # (more than one run)
