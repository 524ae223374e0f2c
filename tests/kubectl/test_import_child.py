"""`kubesvc import` through its child (kubectl/import_child.py): the Pods it prepares
(apiserver/registry.py `prepare`, then create's `prepared` steps) end as the whole API path
leaves them, with the same output, errors and stored rows, for YAML and JSON dumps."""

import itertools
import json
import re
import sqlite3

import pytest

from kubesvc.apiserver import registry
from kubesvc.input import pipe
from kubesvc.input.load import JSON_FAST_BYTES
from kubesvc.kubectl import import_child, restore
from tests.conftest import Cli


def dump_pod(n: int, ns: str = "ns0", **changes) -> dict:
    """A pod as `kubectl get pods -o yaml` lists it: uid, creationTimestamp, status."""
    pod = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"web-{n}", "namespace": ns,
                     "uid": f"00000000-0000-4000-8000-{n:012d}",
                     "resourceVersion": str(1000 + n), "creationTimestamp": "2026-01-01T00:00:00Z",
                     "labels": {"app": "web", "pod-template-hash": "abc"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                          "name": "web-abc", "uid": "rs-uid", "controller": True}]},
        "spec": {"nodeName": "node-1", "containers": [
            {"name": "web", "image": "nginx", "ports": [{"name": "http", "containerPort": 80}]}]},
        "status": {"phase": "Running", "podIP": f"10.244.{n // 250}.{n % 250 + 2}",
                   "podIPs": [{"ip": f"10.244.{n // 250}.{n % 250 + 2}"}],
                   "conditions": [{"type": "Ready", "status": "True"}]},
    }
    _change(pod, changes)
    return pod


def dump_service(n: int, kind: str = "ClusterIP", **changes) -> dict:
    """A Service as `kubectl get svc -o yaml` lists it: cluster IP, node ports, status."""
    ip = f"10.96.{n // 250}.{n % 250 + 10}"
    svc = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": f"svc-{n}", "namespace": f"ns{n % 2}",
                     "uid": f"00000000-0000-4000-9000-{n:012d}", "resourceVersion": "7",
                     "creationTimestamp": "2026-01-01T00:00:00Z", "labels": {"app": "web"}},
        "spec": {"type": kind, "clusterIP": ip, "clusterIPs": [ip], "selector": {"app": "web"},
                 "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                 "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]},
        "status": {"loadBalancer": {}},
    }
    if kind in ("NodePort", "LoadBalancer"):
        svc["spec"]["ports"][0]["nodePort"] = 30000 + n
    _change(svc, changes)
    return svc


def _change(obj: dict, changes: dict) -> None:
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = obj
        for key in parents:
            node = node[key]
        if value is _DROP:
            node.pop(leaf, None)
        else:
            node[leaf] = value


_DROP = object()
NAMESPACES = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns{m}"}}
              for m in range(2)]

CASES = {
    "dump pods": [dump_pod(n, f"ns{n % 2}") for n in range(40)],
    "without uid or creationTimestamp (not prepared)": [
        dump_pod(n, metadata__uid=_DROP) if n % 3 == 0 else
        dump_pod(n, metadata__creationTimestamp=_DROP) if n % 3 == 1 else dump_pod(n)
        for n in range(30)],
    "invalid pods among good ones": [
        dump_pod(n, spec__containers=[{"name": "web"}]) if n == 5 else  # no image
        dump_pod(n, spec__bogus=1) if n == 6 else  # unknown field (strict)
        dump_pod(n, status__podIP="10.0.0.999") if n == 7 else  # status validation
        dump_pod(n, metadata__labels={"bad key!": "x"}) if n == 8 else  # metadata check
        dump_pod(n, spec__containers="x") if n == 9 else  # a type the schema refuses
        dump_pod(n) for n in range(30)],
    "nulls, duplicates, an unlisted namespace": [
        dump_pod(1, spec__nodeSelector=None), dump_pod(2), dump_pod(2, spec__nodeName="node-2"),
        *[dump_pod(n, "elsewhere") for n in range(3, 30)], dump_pod(31, metadata__namespace=_DROP)],
    "services": [
        *[dump_service(n) for n in range(10)],
        *[dump_service(n, "NodePort") for n in range(10, 15)],
        dump_service(15, "LoadBalancer", spec__externalTrafficPolicy="Local",
                     spec__healthCheckNodePort=31999),
        dump_service(16, "LoadBalancer", spec__externalTrafficPolicy="Local"),  # hc port made
        dump_service(17, "NodePort", spec__ports=[{"port": 80, "protocol": "TCP"}]),  # made
        dump_service(18, spec__clusterIP=_DROP, spec__clusterIPs=_DROP),  # an IP allocated
        dump_service(19, spec__clusterIP="None", spec__clusterIPs=["None"]),  # headless
        dump_service(20, "ExternalName", spec__externalName="example.com",
                     spec__clusterIP=_DROP, spec__clusterIPs=_DROP, spec__ipFamilies=_DROP,
                     spec__ipFamilyPolicy=_DROP, spec__selector=_DROP),
        dump_service(21, spec__clusterIP="10.200.0.1", spec__clusterIPs=["10.200.0.1"]),  # range
        dump_service(22, spec__clusterIP="10.96.0.10", spec__clusterIPs=["10.96.0.10"]),  # taken
        dump_service(23, "NodePort", spec__ports=[{"port": 80, "nodePort": 30010}]),  # taken
        dump_service(24, spec__ports=[{"port": 0}]),  # invalid
        dump_service(25, metadata__annotations={
            "service.kubernetes.io/topology-aware-hints": "auto"}),  # a warning
        dump_service(26, spec__trafficDistribution="PreferClose"),  # a warning
        *[dump_pod(n, f"ns{n % 2}") for n in range(6)]],
    "same pod IP twice": [dump_pod(n, status__podIP="10.244.9.9",
                                   status__podIPs=[{"ip": "10.244.9.9"}]) for n in range(30)],
}


def as_yaml_list(objects: list[dict]) -> str:
    """One `kind: List` (JSON is YAML; the YAML child cuts it into items only if block style,
    so write block style by hand through PyYAML)."""
    import yaml

    return yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": objects,
                           "metadata": {"resourceVersion": ""}}, sort_keys=False)


def as_yaml_documents(objects: list[dict]) -> str:
    import yaml

    return yaml.safe_dump_all(objects, sort_keys=False)


def as_json_list(objects: list[dict]) -> str:
    """(with a big ConfigMap: the child reads JSON of load.JSON_FAST_BYTES or more only)"""
    filler = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "filler"},
              "data": {"x": "a" * JSON_FAST_BYTES}}
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": [*objects, filler],
                       "metadata": {"resourceVersion": ""}}, indent=2)


FORMATS = {"yaml list": (as_yaml_list, "yaml"), "yaml documents": (as_yaml_documents, "yaml"),
           "json list": (as_json_list, "json")}
# (KUBESVC_PIPE, KUBESVC_PREPARE): in process; through the child, nothing prepared; all it may
MODES = [("0", "0"), ("1", "0"), ("1", "1")]


@pytest.fixture(autouse=True)
def _small(monkeypatch):
    """Every file goes through the child, in small pieces; every import is a bulk one."""
    monkeypatch.setattr(pipe, "PIPE_MIN_BYTES", 0)
    monkeypatch.setattr(pipe, "PIECES", (2000, 3000))
    monkeypatch.setattr(restore, "BULK", 1)


def state_rows(path) -> dict:
    """Every table of a state, row by row."""
    conn = sqlite3.connect(path)
    tables = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    rows = {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    conn.close()
    return rows


def run_import(tmp_path, monkeypatch, name: str, texts: list[tuple[str, str]], mode) -> tuple:
    """Each (text, extension) imported in turn into a fresh state in `mode`; the outputs, the
    state's rows, and how many creates were prepared."""
    monkeypatch.setenv(pipe.ENV_SWITCH, mode[0])
    monkeypatch.setenv(import_child.ENV_SWITCH, mode[1])
    folder = tmp_path / f"{name}-{mode[0]}-{mode[1]}"
    folder.mkdir()
    cli = Cli(folder / "state.db")
    prepared = []
    create = registry.create

    def counting(*args, **kwargs):
        prepared.append(kwargs.get("prepared") is not None)
        return create(*args, **kwargs)

    monkeypatch.setattr(registry, "create", counting)
    outs = []
    for i, (text, ext) in enumerate(texts):
        path = folder / f"dump-{i}.{ext}"
        path.write_text(text)
        result = cli("import", "-f", str(path), "-o", "name")
        outs.append((result.code, result.out, result.err))
    monkeypatch.setattr(registry, "create", create)
    return outs, state_rows(cli.state), sum(prepared)


def assert_same(runs: list[tuple], ext: str) -> None:
    """The same outputs and rows in every mode. The in-process path digests a YAML object's
    JSON text where the child digests the text it came from (either answers a re-import)."""
    assert runs[1][:2] == runs[2][:2]
    inprocess, child = dict(runs[0][1]), dict(runs[1][1])
    if ext == "yaml":
        inprocess.pop("input_digests"), child.pop("input_digests")
    assert runs[0][0] == runs[1][0] and inprocess == child


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("case", list(CASES))
def test_prepared_pods_end_as_the_whole_path(tmp_path, monkeypatch, case, fmt):
    to_text, ext = FORMATS[fmt]
    texts = [(to_text(NAMESPACES + CASES[case]), ext)]
    runs = [run_import(tmp_path, monkeypatch, "a", texts, mode) for mode in MODES]
    assert_same(runs, ext)
    assert runs[0][2] == runs[1][2] == 0
    assert runs[2][2] > 0, "the child prepared no pod"
    if case == "dump pods":
        assert runs[2][2] == len(CASES[case])
    if case == "services":  # the 6 pods, and the Services but those allocation would change
        assert runs[2][2] == 6 + 21  # (16-18), the invalid one (24), those that warn (25, 26)


def test_reimport_replaces_what_the_state_holds(tmp_path, monkeypatch):
    """A pod the state holds is replaced on the whole path (never prepared); unchanged text
    comes as a stub; new pods are prepared."""
    first = NAMESPACES + [dump_pod(n) for n in range(20)]
    second = NAMESPACES + [dump_pod(n, spec__nodeName="node-2") if n % 4 == 0 else dump_pod(n)
                           for n in range(30)]
    for fmt in FORMATS:
        to_text, ext = FORMATS[fmt]
        texts = [(to_text(first), ext), (to_text(second), ext)]
        runs = [run_import(tmp_path, monkeypatch, fmt, texts, mode) for mode in MODES]
        assert_same(runs, ext)
        assert runs[2][2] == 20 + 10  # the first import's pods, then the 10 new ones
        assert "pod/web-4 configured" not in runs[0][0][1][1]  # (-o name: names only)
        assert runs[0][0][1][0] == 0


def test_a_child_that_prepares_nothing_falls_back_to_the_whole_path(tmp_path, monkeypatch):
    """A stored Pod's key, as the parent tells it, is never prepared (the parent replaces)."""
    preparer = import_child.Preparer(
        {"version": "1.37", "fieldValidation": "strict", "existing": [["Pod", "ns0", "web-1"]]},
        "salt")
    preparer.ahead = lambda: True
    objects = [dump_pod(1), dump_pod(2), dump_pod(2), {"apiVersion": "v1", "kind": "Service"}]
    digests = [None] * len(objects)
    made = preparer(objects, digests)
    assert made is not None
    assert [m is not None for m in made] == [False, True, False, False]
    assert digests[1] is not None and digests[0] is None  # (a prepared pod's input digest)
    assert objects[1]["metadata"]["resourceVersion"] == "0"  # create fills in the real one



# -- reading a big JSON List a run of items at a time -------------------------------------------

def json_pods(count: int, **extra) -> list[dict]:
    return [dump_pod(n, f"ns{n % 2}", **extra) for n in range(count)]


def with_filler(items: list[dict]) -> list[dict]:
    return [*items, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "filler"},
                     "data": {"x": "a" * JSON_FAST_BYTES}}]


def json_list(items: list[dict], kind: str = "List", **dumps) -> str:
    return json.dumps({"apiVersion": "v1", "kind": kind, "items": with_filler(items),
                       "metadata": {"resourceVersion": ""}}, **dumps)


JSON_CASES = {
    "compact": json_list(json_pods(40) + NAMESPACES, separators=(",", ":")),
    "as kubectl -o json prints it": json_list(NAMESPACES + json_pods(40), indent=4),
    "items after the list's metadata": json.dumps(
        {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
         "items": with_filler(json_pods(30))}),
    "a string holding what a cut looks for": json_list(
        json_pods(20, metadata__annotations={"note": '"}, {"'}) + json_pods(5)),
    "an items key inside a string first": json.dumps(
        {"apiVersion": "v1", "kind": "List", "metadata": {"annotations": {"x": '"items": ['}},
         "items": with_filler(json_pods(20))}),
    "typed list, items without kind": json_list(
        [{k: v for k, v in p.items() if k != "kind"} for p in json_pods(20)], kind="PodList"),
    "empty list": json_list([]),
    # three owners each: a place where two objects of a list meet as items do, everywhere
    "items whose owner references look like items": json_list(json_pods(
        60, metadata__ownerReferences=[{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                        "name": f"rs-{i}", "uid": f"u{i}"} for i in range(3)]),
        separators=(",", ":")),
    "not a list": json.dumps(with_filler(json_pods(3))[-1]),
    "a duplicate key in an item": json_list(json_pods(30)).replace(
        '"name": "web-7"', '"name": "web-7", "name": "web-8"'),
    "an integer beyond 64 bits in an item": json_list(json_pods(30)).replace(
        '"containerPort": 80', '"containerPort": 123456789012345678901234567890', 1),
}


@pytest.mark.parametrize("children", ["1", "2"])
@pytest.mark.parametrize("name", list(JSON_CASES))
def test_json_read_in_runs_as_load_paths(tmp_path, monkeypatch, name, children):
    """The documents (in the apply order) or the error load_paths gives, with one child or
    two (each a stretch of the items: where the second begins must be where the first ends,
    else the rest is parsed in process)."""
    monkeypatch.setenv(pipe.ENV_SWITCH, children)
    from kubesvc.api.errors import ClientError
    from kubesvc.input.load import load_paths
    from kubesvc.kubectl.apply import ordered

    path = tmp_path / "big.json"
    path.write_text(JSON_CASES[name])
    try:
        want = list(ordered(load_paths([str(path)])))
    except ClientError as exc:
        stream = pipe.load_stream([str(path)], child="kubesvc.kubectl.import_child")
        with pytest.raises(ClientError, match=re.escape(str(exc))):
            list(ordered(stream))
        return
    stream = pipe.load_stream([str(path)], child="kubesvc.kubectl.import_child")
    got = list(ordered(stream))  # (a list: the child gave up before its first frame)
    assert [(d.obj, d.source, d.index) for d in got] == [(d.obj, d.source, d.index)
                                                         for d in want]


@pytest.mark.parametrize("text", [
    '{"items": [{"a": 1}, {"b": {"c": 2}}, {"d": "}, {"}], "kind": "List"}',
    '{"items":[{"apiVersion":"v1","b":[{"x":1},{"y":2}]},{"apiVersion":"v1"},{"z":"}, {"}]}',
    '{"items":[{"b":[{"x":1},{"y":2},{"apiVersion":"v1"}]},{"apiVersion":"v1"}]}',
    '{"items": []}',
])
def test_json_runs_are_the_items(monkeypatch, text):
    """Runs as small as can be: each cut where objects meet, taken on past cuts inside an item
    (a nested list's objects, a string), reads as the items in the whole text read."""
    from kubesvc.input import pipechild
    from kubesvc.input.split import json_list_items

    monkeypatch.setattr(pipechild, "FIRST_BYTES", 1)
    monkeypatch.setattr(pipechild, "PIECE_BYTES", 1)
    start, end = json_list_items(text)
    runs = list(import_child._json_runs(text, start, end, end))
    assert [x for values, *_ in runs for x in values] == json.loads(text)["items"]
    assert runs[0][1] == start and runs[-1][2] == end and runs[-1][3] == end
    assert all(a[2] < b[1] == a[3] for a, b in itertools.pairwise(runs))


def test_backlog_is_what_waits_in_the_pipe():
    """The child prepares while at least `threshold` bytes wait unread in its pipe."""
    import fcntl
    import os
    import termios

    read_end, write_end = os.pipe()
    try:
        backlog = import_child._Backlog(write_end, 100, fcntl.ioctl, termios.FIONREAD)
        assert not backlog()
        os.write(write_end, b"x" * 99)
        assert not backlog()
        os.write(write_end, b"x")
        assert backlog()
        os.read(read_end, 50)
        assert not backlog()
    finally:
        os.close(read_end)
        os.close(write_end)


@pytest.mark.parametrize("children", ["1", "2"])
@pytest.mark.parametrize("name", ["compact", "items after the list's metadata",
                                  "items whose owner references look like items"])
def test_import_json_with_one_or_two_children(tmp_path, monkeypatch, name, children):
    """`kubesvc import` of a JSON List through one child or two: what it does in process."""
    texts = [(JSON_CASES[name], "json")]
    inprocess = run_import(tmp_path, monkeypatch, "p", texts, ("0", "0"))
    through = run_import(tmp_path, monkeypatch, "c", texts, (children, "1"))
    assert inprocess[:2] == through[:2]
    assert through[2] > 0

