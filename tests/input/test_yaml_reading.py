"""YAML read as Kubernetes reads it, by both loaders: the yaml-rs fast path (yamlfast) and the
libyaml loader it falls back to (yamlsafe).

Kubernetes decodes manifests with sigs.k8s.io/yaml over go-yaml v2, whose `resolve()`
(go-yaml v2 resolve.go; sigs.k8s.io/yaml keeps a copy in goyaml.v2/resolve.go) gives a plain
scalar its type: the exact spellings of `resolveMap` (y/Y/yes/Yes/YES/true/True/TRUE/on/On/ON
are true, n/N/no/No/NO/false/False/FALSE/off/Off/OFF false, ~/null/Null/NULL/"" null,
.inf/.Inf/.INF with an optional sign, .nan/.NaN/.NAN), then for a scalar starting with a digit
or a sign `strconv.ParseInt(s without "_", 0, 64)` (0x/0X hex, 0o/0O and a leading 0 octal,
0b/0B binary), ParseUint, and the `yamlStyleFloat` shape; for one starting with "." ParseFloat.
Sexagesimal numbers are "purposefully unsupported"; timestamps decoded into interface{} stay
strings. The expected values below were also checked with kubectl 1.37.1
(`kubectl label --local -f FILE a=b -o json`). go-yaml's floats are Python floats here;
its integers Python ints.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubesvc.api.errors import ClientError
from kubesvc.input import load, yamlfast, yamlsafe
from tests.conftest import CORPUS, REPO

yaml_rs = pytest.importorskip("yaml_rs")


def same(a, b) -> bool:
    """Equal with the same types and the same key order (True != 1, 1.0 != 1 here)."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is float and math.isnan(a):
        return math.isnan(b)
    return a == b


def fast(text: str) -> list:
    return list(yamlfast.load_all(text, min_chars=0))


def safe(text: str) -> list:
    return list(yamlsafe.load_all(text))


# (plain scalar, what Kubernetes reads) where YAML 1.1 (go-yaml v2) and YAML 1.2 differ, or
# where PyYAML's own YAML 1.1 resolver differs from go-yaml v2
DIFFERING = [
    *[(word, True) for word in ("y", "Y", "yes", "Yes", "YES", "on", "On", "ON")],
    *[(word, False) for word in ("n", "N", "no", "No", "NO", "off", "Off", "OFF")],
    ("012", 10), ("-012", -10), ("0_12", 10), ("00", 0), ("09", 9.0), ("019", 19.0),
    ("0o17", 15), ("0O17", 15), ("0x1F", 31), ("0X1F", 31), ("+0x1F", 31), ("-0x1F", -31),
    ("0b101", 5), ("0B101", 5), ("-0b101", -5), ("1_000", 1000), ("1__0", 10), ("1_", 1),
    ("_1", "_1"), ("1_.5", 1.5), (".5_0", ".5_0"), ("0x_1F", 31),
    ("1:20", "1:20"), ("190:20:30", "190:20:30"),
    ("1e3", 1000.0), ("1E3", 1000.0), ("1.5e3", 1500.0), ("1.5e+3", 1500.0), ("1e400", "1e400"),
    (".5", 0.5), ("-.5", -0.5), ("+.5", 0.5), ("1.", 1.0),
    (".Nan", ".Nan"), (".iNf", ".iNf"), ("+.nan", "+.nan"),
    ("9223372036854775807", 2**63 - 1), ("18446744073709551615", 2**64 - 1),
    # beyond 64 bits go-yaml v2 makes a float of it; kubesvc keeps it exact (see go_number)
    ("18446744073709551616", 2**64), ("-9223372036854775809", -(2**63) - 1),
    ("2024-01-01", "2024-01-01"), ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"),
    ("=", "="),
]
# read alike by every reader, kept here so that a regression shows
AGREED = [("true", True), ("True", True), ("FALSE", False), ("~", None), ("null", None),
          ("NULL", None), ("12", 12), ("-0", 0), ("+12", 12), ("1.5", 1.5), ("-0.0", -0.0),
          (".inf", math.inf), ("-.Inf", -math.inf), (".NaN", math.nan), ("0.5", 0.5),
          ("10.244.0.1", "10.244.0.1"), ("0xG", "0xG"), ("1e", "1e"), ("1.2.3", "1.2.3")]
def json_key(value) -> str:
    """sigs.k8s.io/yaml's key conversion (bool, int, float32 'g' spelling)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return yamlsafe.go_float32_string(value)
    return str(value)


KEYS = [("on", "true"), ("n", "false"), ("80", "80"), ("1.5", "1.5"), ("0.1", "0.1"),
        ("1e6", "1e+06"), ("123456", "123456"), ("3.14159265358979", "3.1415927"),
        ("-.inf", "-.inf"), (".nan", ".nan"), ("012", "10"), ("'on'", "on")]


@pytest.mark.parametrize("key, spelt", KEYS)
def test_keys_are_strings_as_sigs_k8s_io_yaml_makes_them(key, spelt):
    for reader in (fast, safe):
        assert list(reader(f"{key}: v\nz: 1\n")[0]) == [spelt, "z"]
        assert list(reader(f"m: {{{key}: v}}\n")[0]["m"]) == [spelt]


CLEAN = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{}\ndata:\n  a: b\n"


@pytest.mark.parametrize("plain, expected", DIFFERING + AGREED, ids=lambda v: repr(v))
def test_plain_scalars_read_as_kubernetes_reads_them(plain, expected):
    shapes = {  # the token as a value, an item, a flow item, a JSON-like value, a key
        f"k: {plain}\n": lambda d: d["k"],
        f"l:\n- {plain}\n": lambda d: d["l"][0],
        f"f: [x, {plain}]\n": lambda d: d["f"][1],
        f'{{"j":{plain}}}\n': lambda d: d["j"],
        f"k:\n  {plain}  # a comment\n": lambda d: d["k"],
    }
    for text, pick in shapes.items():
        stream = CLEAN.format(1) + "---\n" + text + "---\n" + CLEAN.format(2)
        for reader in (fast, safe):
            docs = reader(stream)
            assert len(docs) == 3 and docs[2]["metadata"]["name"] == "c2"
            assert same(pick(docs[1]), expected), (reader.__name__, text, pick(docs[1]))
    for reader in (fast, safe):  # as a key, spelt as sigs.k8s.io/yaml spells it for JSON
        if expected is None:
            with pytest.raises(yamlsafe.YAMLError, match="unsupported map key"):
                reader(f"{plain}: v\n")
        else:
            assert list(reader(f"{plain}: v\n")[0]) == [json_key(expected)]
        # quoted, it is text in every reader
        assert reader(f"k: '{plain}'\n")[0]["k"] == plain
        assert reader(f'k: "{plain}"\n')[0]["k"] == plain


def test_the_prescan_sends_such_documents_to_the_fallback():
    """The fast path has no YAML 1.1 reading of its own: each document holding a plain scalar
    where the readers could differ is read by yamlsafe, the others by yaml-rs."""
    risky = "k: yes\n"
    stream = CLEAN.format(1) + "---\n" + risky + "---\n" + CLEAN.format(2)
    starts, opened = yamlfast.document_starts(stream)
    assert len(starts) == 3 and not opened
    flagged = {i for i in range(3) for pos in yamlfast.risky_positions(stream)
               if starts[i] <= pos < (starts[i + 1] if i < 2 else len(stream))}
    assert flagged == {1}
    assert yaml_rs.loads(risky)["k"] == "yes"  # what yaml-rs alone would have said


TOKEN = st.text(alphabet="0123456789_.eE+-xXoObBaAfFnNyYsSiI:", min_size=1, max_size=8)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(token=TOKEN, shape=st.sampled_from(["k: {}\n", "- {}\n", "{}: v\n", "[a, {}]\n",
                                           "k:\n  {}\n", '{{"k":{}}}\n', "--- {}\n"]))
def test_fast_path_reads_any_token_as_the_fallback_does(token, shape):
    text = shape.format(token)
    try:
        expected = safe(text)
    except yamlsafe.YAMLError:
        with pytest.raises(yamlsafe.YAMLError):
            fast(text)
        return
    assert same(fast(text), expected), text


def corpus_files() -> list[Path]:
    files = [p for root in (CORPUS, REPO / "manifests") for p in sorted(root.rglob("*"))
             if p.suffix in (".yaml", ".yml")]
    assert files
    return files


def test_every_corpus_file_loads_alike_through_both_paths(monkeypatch):
    took_yaml_rs = 0
    for path in corpus_files():
        text = path.read_text(encoding="utf-8-sig")
        assert same(fast(text), safe(text)), path
        took_yaml_rs += yamlfast.fast_documents(text) is not None
        # the documents load.py makes: objects, sources and indexes
        monkeypatch.setattr(yamlfast, "FAST_MIN_CHARS", 0)
        via_fast = _documents(text, path.name)
        monkeypatch.setattr(yamlfast, "FAST_MIN_CHARS", 10**12)
        assert via_fast == _documents(text, path.name), path
    assert took_yaml_rs > len(corpus_files()) // 2  # the test would otherwise prove little


def _documents(text: str, source: str):
    try:
        return [(d.index, d.source, repr(d.obj)) for d in load.load_text(text, source)]
    except ClientError as exc:
        return str(exc)


BAD = [
    "a: [1, 2\n",
    CLEAN.format(1) + "---\nkey: value\n  bad: indent\n",
    "a: 1\na: 2\n",
    CLEAN.format(1) + "---\n" + CLEAN.format(2) + "  a: dup\n",
    "a: !!python/object:os.system {}\n",
    "a: b: c\n",
    "a: - b\n",
    "- a\nb: c\n",
    "{[a]: 1}\n",
    "? [a]\n: 1\n",
    'a: "\\q"\n',
    'a: "unclosed\n',
    "a:\n\tb: 1\n",
    "a: \x07bell\n",
    "a: 1\n--- !!binary\n/w==\n",
    "a: &x [*x]\n",
    "k: -\n",
    "a: *nowhere\n",
    CLEAN.format(1) + "---\n- a list\n",
    "a: {b: 1, b: 2}\n",
    "- " * 3000 + "x\n",  # beyond libyaml's nesting limit (yaml-rs has none in block style)
    "".join(" " * i + "a:\n" for i in range(1200)),
    "- " * 300 + "x\n",  # beyond kubesvc's 200 levels
    "a: " + "[" * 250 + "]" * 250 + "\n",
    "a: " + "[" * 5000 + "]" * 5000 + "\n",
]


@pytest.mark.parametrize("text", BAD, ids=range(len(BAD)))
def test_bad_input_gets_the_same_one_line_message(text, monkeypatch):
    monkeypatch.setattr(yamlfast, "FAST_MIN_CHARS", 0)
    via_fast = _documents(text, "bad.yaml")
    monkeypatch.setitem(sys.modules, "yaml_rs", None)  # as if yaml-rs were not installed
    via_fallback = _documents(text, "bad.yaml")
    assert isinstance(via_fast, str) and via_fast.startswith("error: ")
    assert "\n" not in via_fast
    assert via_fast == via_fallback


def test_without_yaml_rs_the_libyaml_loader_reads_everything(monkeypatch):
    text = "".join("---\n" + CLEAN.format(i) for i in range(50)) + "---\nk: on\n"
    monkeypatch.setitem(sys.modules, "yaml_rs", None)
    assert yamlfast.fast_documents(text) is None
    docs = fast(text)
    assert len(docs) == 51 and docs[-1] == {"k": True}


@pytest.mark.parametrize("lead", ["# leading comment\n\n---\n", "", "---\n", "~\n---\n",
                                  "--- # c\n", "\n\n"])
def test_document_numbers_and_empty_documents_survive_the_split(lead, monkeypatch):
    text = (lead + CLEAN.format(1) + "---\n---\n# only a comment\n--- {a: 1}\n---\nk: no\n"
            "---\n" + CLEAN.format(2) + "---\n")
    assert yamlfast.fast_documents(text) is not None
    assert same(fast(text), safe(text))
    monkeypatch.setattr(yamlfast, "FAST_MIN_CHARS", 0)
    via_fast = [(d.index, d.obj) for d in load.load_text(text, "x.yaml")]
    monkeypatch.setitem(sys.modules, "yaml_rs", None)
    assert via_fast == [(d.index, d.obj) for d in load.load_text(text, "x.yaml")]
    assert len(via_fast) == 4


def test_a_small_manifest_does_not_import_yaml_rs():
    code = ("import sys, kubesvc.input.load as L; "
            "L.load_text('apiVersion: v1\\nkind: Service\\nmetadata: {name: a}\\n', 'x'); "
            "print('yaml_rs' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
