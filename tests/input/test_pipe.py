"""A big YAML file parsed in a child process (input/pipe.py, pipechild.py, split.py): the same
documents, order and errors as load_paths, whatever the child could or could not do."""

import itertools
from pathlib import Path

import pytest

from kubesvc.api.errors import ClientError
from kubesvc.input import pipe, pipechild, split
from kubesvc.input.load import MAX_DEPTH, load_paths
from kubesvc.kubectl.apply import ordered
from tests.conftest import Cli

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
POD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{n}\n  namespace: ns{m}\n  labels:\n"
       "    app: a{n}\nspec:\n  nodeName: node-{m}\n  containers:\n  - name: c\n"
       "    image: nginx\n    ports:\n    - containerPort: {port}\n")
NS = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns{m}\n"


@pytest.fixture(autouse=True, params=[1, 2], ids=["one child", "two children"])
def _small_pieces(monkeypatch, request):
    """Every file goes through the child (or two children, a half each), cut into pieces of a
    few documents."""
    monkeypatch.setattr(pipe, "PIPE_MIN_BYTES", 0)
    monkeypatch.setattr(pipe, "PIECES", (300, 700))
    if request.param == 2:
        monkeypatch.setattr(pipe, "TWO_MIN_BYTES", 0)


def stream_docs(path: str, sort=None):
    stream = pipe.load_stream([path])
    assert isinstance(stream, pipe.DocumentStream), "the child did not start"
    return list(stream.in_order(sort)), stream


def pod_stream(tmp_path, count: int) -> tuple[str, pipe.DocumentStream]:
    """A big.yaml of `count` pods, and the child's stream of it."""
    path = tmp_path / "big.yaml"
    path.write_text("---\n".join(pods(count)))
    stream = pipe.load_stream([str(path)])
    assert isinstance(stream, pipe.DocumentStream), "the child did not start"
    return str(path), stream


def same(got, want) -> None:
    assert [(d.obj, d.source, d.index) for d in got] == [(d.obj, d.source, d.index) for d in want]


def as_list(docs_text: list[str], column: int = 0, kind: str = "List") -> str:
    """A `kind: List` as kubectl prints it: items at `column`, the list's kind after them."""
    pad = " " * column
    items = "".join(pad + "- " + "\n".join(("  " + pad + line) if i else line
                                             for i, line in enumerate(doc.splitlines())) + "\n"
                    for doc in docs_text)
    return f"apiVersion: v1\nitems:\n{items}kind: {kind}\nmetadata:\n  resourceVersion: \"\"\n"


def pods(count: int, start: int = 0) -> list[str]:
    return [POD.format(n=n, m=n % 3, port=80 + n) for n in range(start, start + count)]


def corpus_stream() -> str:
    parts = [p.read_text() for p in sorted(CORPUS.rglob("*.yaml"))[:40]]
    return "\n---\n".join(parts)


def deep(lists: int) -> str:
    """An object (one level) holding `lists` nested flow sequences."""
    return "a: " + "[" * lists + "]" * lists + "\n"


CASES = {
    "documents": "---\n".join(pods(30)),
    "documents, leading comment and empty ones": "# head\n---\n" + "---\n---\n".join(pods(20)),
    "YAML 1.1 scalars in some documents": "---\n".join(
        doc + ("  annotations:\n    on: yes\n    octal: 012\n" if n % 7 == 0 else "")
        for n, doc in enumerate(pods(25))),
    "list at column 0": as_list(pods(30)),
    "list at column 2": as_list(pods(30), column=2),
    "typed list, items without kind": as_list(
        [d.replace("kind: Pod\n", "") for d in pods(20)], kind="PodList"),
    "list with YAML 1.1 scalars": as_list(
        [d + ("  annotations:\n    flag: on\n" if n % 5 == 0 else "")
         for n, d in enumerate(pods(20))]),
    # an alias to an anchor in an earlier item: a piece alone cannot read it, the whole can
    "list with an alias across items": as_list(
        pods(10) + ["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-x\ndata: &d\n  a: b\n"]
        + pods(10, 10) + ["apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-y\ndata: *d\n"]),
    "infinity and NaN (orjson writes null)": "---\n".join(pods(10) + [
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: f\ndata:\n  a: .inf\n  b: .NaN\n"
        "  c: null\n"] + pods(10, 10)),
    "a tab and a document end marker": "---\n".join(pods(10)) + "...\n---\n" + "---\n".join(
        "# a\tcomment\n" + doc for doc in pods(3, 10)),
    "quoted scalar across an item boundary": as_list(pods(5)).replace(
        "  name: p2\n", "  name: p2\n  annotations:\n    note: \"a\n- b\"\n"),
    # the deepest documents allowed (MAX_DEPTH levels): no fallback
    "documents as deep as allowed": "---\n".join(pods(10) + [deep(MAX_DEPTH - 1)] + pods(10, 10)),
    "list items as deep as allowed": as_list(pods(10) + [deep(MAX_DEPTH - 3)] + pods(10, 10)),
}


# what a piece alone cannot read as the whole reads it: the parent parses the file itself
FALLS_BACK = {"list with an alias across items", "infinity and NaN (orjson writes null)",
              "a tab and a document end marker", "quoted scalar across an item boundary"}


@pytest.mark.parametrize("name", list(CASES))
def test_same_documents_as_load_paths(tmp_path, name):
    path = tmp_path / "big.yaml"
    path.write_text(CASES[name])
    got, stream = stream_docs(str(path))
    same(got, load_paths([str(path)]))
    assert stream.fell_back == (name in FALLS_BACK)


def test_corpus_stream(tmp_path):
    path = tmp_path / "corpus.yaml"
    path.write_text(corpus_stream())
    try:
        want = load_paths([str(path)])
    except ClientError as exc:
        with pytest.raises(ClientError, match=str(exc)):
            stream_docs(str(path))
    else:
        same(stream_docs(str(path))[0], want)


NAMESPACE_LATE = "---\n".join(pods(20) + [NS.format(m=9)] + pods(20, 20))
ESCAPED_NAMESPACE_LATE = "---\n".join(
    pods(20) + [NS.format(m=9).replace("kind: Namespace", 'kind: "Name\\x73pace"')] + pods(20, 20))


@pytest.mark.parametrize("text", [
    "---\n".join([NS.format(m=m) for m in range(3)] + pods(40)),
    NAMESPACE_LATE,
    ESCAPED_NAMESPACE_LATE,
    as_list(pods(20) + [NS.format(m=9)] + pods(20, 20)),
    as_list([NS.format(m=m).replace("kind: Namespace\n", "") for m in range(20)],
            kind="NamespaceList"),
], ids=["namespaces first", "a namespace late", "an escaped namespace late", "list",
        "typed list"])
def test_apply_order(tmp_path, text):
    path = tmp_path / "big.yaml"
    path.write_text(text)
    got, _ = stream_docs(str(path), ordered)
    same(got, ordered(load_paths([str(path)])))


@pytest.mark.parametrize("text", [
    "---\n".join(pods(20)) + "---\nkey: value\n  bad: indent\n",
    "---\n".join(pods(20) + ["- a list\n"]),
    "---\n".join(pods(20) + ["apiVersion: v1\nkind: 1\n"]),
    as_list(pods(20) + ["just a string\n"]),
    as_list(pods(20)).replace("  name: p3\n", "  name: p3\n  name: again\n"),
    "---\n".join(pods(20)).encode().replace(b"p19", b"p\xff9"),
    b"\x00\x01" + b"x" * 100,
    "---\n".join(pods(20) + [deep(MAX_DEPTH)] + pods(5, 20)),
    as_list(pods(20) + [deep(MAX_DEPTH - 2)] + pods(5, 20)),
], ids=["syntax", "not an object", "kind not a string", "list item not an object",
        "duplicate key", "not UTF-8", "binary", "a document too deep", "a list item too deep"])
def test_errors_as_load_paths(tmp_path, text):
    path = tmp_path / "bad.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ClientError) as want:
        load_paths([str(path)])
    stream = None
    with pytest.raises(ClientError) as got:  # at once when the child cannot even start reading
        stream = pipe.load_stream([str(path)])
        list(stream)
    assert str(got.value) == str(want.value)
    assert stream is None or stream.failed


def test_small_or_many_files_load_in_process(tmp_path, monkeypatch):
    monkeypatch.setattr(pipe, "PIPE_MIN_BYTES", 10_000)
    small = tmp_path / "small.yaml"
    small.write_text("---\n".join(pods(3)))
    assert isinstance(pipe.load_stream([str(small)]), list)
    monkeypatch.setattr(pipe, "PIPE_MIN_BYTES", 0)
    assert isinstance(pipe.load_stream([str(small), str(small)]), list)
    monkeypatch.setenv(pipe.ENV_SWITCH, "0")
    assert isinstance(pipe.load_stream([str(small)]), list)


def test_child_that_dies_midway(tmp_path, monkeypatch):
    """The documents already handed out are not handed out again."""
    path, stream = pod_stream(tmp_path, 40)
    it = iter(stream)
    first = [next(it) for _ in range(3)]
    stream.proc.kill()
    stream.proc.stdout.close()
    same(first + list(it), load_paths([path]))


@pytest.mark.parametrize("text, count", [
    (as_list(["a: 1\n", "b: 2\n"]), 2),
    (as_list(["a: 1\n", "b: 2\n"], column=2), 2),
    ("kind: List\nitems:\n- a: 1\n\n  b: 2\n- c: 3\n", 2),  # a blank line inside an item
    ("items:\n- a: 1\n", None),  # the key first: no room to tell
    ("apiVersion: v1\nitems: []\nkind: List\n", None),
    ("apiVersion: v1\nitems:\n- a: 1\n# a comment\n- b: 2\n", None),
    ("apiVersion: v1\nitems:\n- a: 1\nitems:\n- b: 2\n", None),
    ("apiVersion: v1\nitems:\n-\n  a: 1\n", None),
    ("apiVersion: v1\nitems:\n- a: 1\n-  b: 2\n", None),
    ("apiVersion: v1\nitems:\n- a: 1\n---\nkind: x\n", None),
    ("apiVersion: v1\nitems:\n  - a: 1\n  b: 2\n", None),
    # a flow value over lines before the items: the skeleton's parse reads it as the whole's
    ("apiVersion: v1\nmetadata: {a: 1,\nb: 2}\nitems:\n- a: 1\n", 1),
])
def test_cut_list(text, count):
    cut = split.cut_list(text)
    if count is None:
        assert cut is None or not split.items_plain(text, cut, cut.starts[0], cut.end)
    else:
        assert cut is not None and len(cut.starts) == count
        assert split.items_plain(text, cut, cut.starts[0], cut.end)
        assert "items: []\n" in cut.skeleton


@pytest.mark.parametrize("text, bound", [
    ("kind: Pod\n", 0),
    ("kind: Namespace\n", 15),
    ("kind: NamespaceList\n", 19),
    ("type: NodePort\n", 0),  # a word that only starts like a ranked kind
    ("kind: Node\nx: NodePort\n", 10),
    ('a: "\\x4e"\n', 6),
    ('a: "\\"quoted\\""\n', 0),
])
def test_order_bound(text, bound):
    assert split.order_bound(text) == bound


def test_import_through_the_child_as_in_process(tmp_path, cli, monkeypatch):
    """`kubesvc import` gives the same results; a file that fails to parse late leaves no
    fresh state behind, with today's message and exit code."""
    path = tmp_path / "dump.yaml"
    path.write_text(as_list(pods(30) + [NS.format(m=m) for m in range(3)]))
    outs = []
    for switch in ("1", "0"):
        monkeypatch.setenv(pipe.ENV_SWITCH, switch)
        cli = fresh_state(cli, tmp_path, f"good-{switch}")
        outs.append((cli.ok("import", "-f", str(path), "-o", "name"), cli.dump()))
    assert outs[0] == outs[1]
    assert outs[0][0].startswith("namespace/ns0\n")

    bad = tmp_path / "bad.yaml"
    bad.write_text("---\n".join(pods(30)) + "---\nkey: value\n  bad: indent\n")
    results = []
    for switch in ("1", "0"):
        monkeypatch.setenv(pipe.ENV_SWITCH, switch)
        cli = fresh_state(cli, tmp_path, f"bad-{switch}")
        result = cli("import", "-f", str(bad))
        results.append((result.code, result.err, cli.state.exists()))
    assert results[0] == results[1]
    assert results[0][0] != 0 and not results[0][2] and "(document 31)" in results[0][1]


def fresh_state(cli, tmp_path, name: str):
    """A state file of its own (a removed one's -wal would outlive it)."""
    (tmp_path / name).mkdir()
    return Cli(tmp_path / name / "state.db")


def reimport(cli, monkeypatch, first: str, second: str, switch: str, tmp_path) -> tuple:
    path = tmp_path / f"dump-{switch}.yaml"
    monkeypatch.setenv(pipe.ENV_SWITCH, "1")
    cli = fresh_state(cli, tmp_path, f"state-{switch}")
    path.write_text(first)
    cli.ok("import", "-f", str(path), "-o", "name")
    monkeypatch.setenv(pipe.ENV_SWITCH, switch)
    path.write_text(second)
    return cli.ok("import", "-f", str(path), "-o", "name"), cli.dump()


POD_CHANGED = POD.replace("image: nginx", "image: nginx:2")


@pytest.mark.parametrize("first, second", [
    ("---\n".join(pods(40)), None),
    (as_list(pods(40)), None),
    (as_list(pods(40), column=2), None),
    # one document changed: it is parsed and configured, the others are not parsed
    ("---\n".join(pods(40)), "---\n".join(pods(20) + [POD_CHANGED.format(n=20, m=2, port=100)]
                                          + pods(19, 21))),
    # the same object twice, changed first: the second, whose text made the stored object,
    # is parsed after all (the store's object changed meanwhile)
    ("---\n".join(pods(40)), "---\n".join(pods(20) + [POD_CHANGED.format(n=3, m=0, port=83)]
                                          + pods(20, 20) + pods(1, 3))),
], ids=["documents", "list", "list at column 2", "one changed", "changed, then as stored"])
def test_reimport_skips_parsing_as_in_process(tmp_path, cli, monkeypatch, first, second):
    """The second import's results and state are the in-process path's."""
    second = first if second is None else second
    assert (reimport(cli, monkeypatch, first, second, "1", tmp_path)
            == reimport(cli, monkeypatch, first, second, "0", tmp_path))


def test_reimport_stubs(tmp_path, monkeypatch):
    """Text whose digest the state holds comes unparsed, as a stub with its key."""
    path, stream = pod_stream(tmp_path, 10)
    first = list(stream)
    assert all(d.digest is None and d.stub is None for d in first)  # nothing to skip: no salt
    stream = pipe.load_stream([path])
    known = {("Pod", "ns0", "p0"): "x"}
    stream.skip_known("salt", known)
    docs = list(stream)
    known = {("Pod", f"ns{n % 3}", f"p{n}"): d.digest for n, d in enumerate(docs) if n % 2}
    stream = pipe.load_stream([path])
    stream.skip_known("salt", known)
    again = list(stream)
    assert [d.stub for d in again] == [None if n % 2 == 0 else ("Pod", f"ns{n % 3}", f"p{n}")
                                       for n in range(10)]
    assert [d.digest for d in again] == [d.digest for d in docs]
    assert [d.index for d in again] == [d.index for d in first]
    assert stream.materialize(again[3]) == first[3].obj


def test_child_imports_this_kubesvc(tmp_path, monkeypatch):
    """A `kubesvc` folder in the working directory is not what the child runs."""
    fake = tmp_path / "kubesvc" / "input"
    fake.mkdir(parents=True)
    for init in (tmp_path / "kubesvc" / "__init__.py", fake / "__init__.py"):
        init.write_text("")
    (fake / "pipechild.py").write_text("import sys\nsys.stdout.buffer.write(b'F\\0\\0\\0\\0')\n")
    (tmp_path / "big.yaml").write_text("---\n".join(pods(10)))
    monkeypatch.chdir(tmp_path)
    got, stream = stream_docs("big.yaml")
    assert not stream.fell_back
    same(got, load_paths(["big.yaml"]))


def test_two_children_on_request(tmp_path, monkeypatch):
    """KUBESVC_PIPE=2: two children, each a run of about half the file, in order."""
    monkeypatch.setattr(pipe, "TWO_MIN_BYTES", 1 << 62)
    path = tmp_path / "big.yaml"
    path.write_text("# head\n---\n" + "---\n".join(pods(40)))
    assert len(pipe.load_stream([str(path)]).procs) == 1
    monkeypatch.setenv(pipe.ENV_SWITCH, "2")
    got, stream = stream_docs(str(path))
    assert len(stream.procs) == 0 and not stream.fell_back  # (closed once read)
    same(got, load_paths([str(path)]))


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_parts_share_the_units(monkeypatch, parts):
    starts = [0, 10, 15, 40, 41, 90, 100]
    monkeypatch.setattr(pipechild, "PARTS", parts)
    ranges = []
    for part in range(parts):
        monkeypatch.setattr(pipechild, "PART", part)
        ranges.append(pipechild._part(starts, 120))
    assert ranges[0][0] == 0 and ranges[-1][1] == len(starts)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    if parts == 2:
        assert ranges == [(0, 5), (5, 7)]  # the second half starts at the unit past byte 60
