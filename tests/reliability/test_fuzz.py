"""Property-based tests (hypothesis): generated Services, Pods and whole manifest sets.

* Any input at all (random documents, valid objects with random parts swapped for junk,
  random text and bytes): no traceback and no internal error ever reaches the user, the exit
  code is 0 or 1, and the store's invariants hold afterwards (check_store).
* Valid manifest sets: apply (import, when pods carry a live status), then get returns every
  field that was applied (plus defaults); applying twice changes nothing; each selecting
  Service's EndpointSlices equal a straightforward reference computation from the pods;
  deleting everything that was applied releases every allocation and leaves the store as it
  was before.

Example counts: CI runs a few dozen of each; KUBESVC_STRESS=1 runs hundreds, and
KUBESVC_FUZZ_EXAMPLES=N sets the count directly.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests import figures
from tests.conftest import Cli
from tests.reliability.harness import STRESS, check_store

_fixed = int(os.environ.get("KUBESVC_FUZZ_EXAMPLES", "0"))


class _KubeDumper(yaml.SafeDumper):
    """Quotes y/Y/n/N too: booleans in Kubernetes' YAML (go-yaml v2), not in PyYAML's."""


_KubeDumper.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:y|Y|n|N)$"),
                                  list("yYnN"))
JUNK_EXAMPLES = _fixed or (1500 if STRESS else 120)
SET_EXAMPLES = _fixed or (400 if STRESS else 35)
# Shrinking replays examples for minutes; the failing example is printed unshrunk unless
# KUBESVC_FUZZ_SHRINK=1 asks for the smallest one.
PHASES = [Phase.explicit, Phase.generate] + \
    ([Phase.shrink] if os.environ.get("KUBESVC_FUZZ_SHRINK") == "1" else [])
FUZZ = settings(deadline=None, database=None, print_blob=True, phases=PHASES,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])
NODES = ("n1", "n2")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A store with two schedulable nodes; every example starts from a copy of it."""
    folder = tmp_path_factory.mktemp("fuzz")
    nodes = folder / "nodes.yaml"
    nodes.write_text(yaml.safe_dump_all([{"apiVersion": "v1", "kind": "Node",
                                          "metadata": {"name": n}} for n in NODES]))
    cli = Cli(folder / "template.db")
    cli.ok("apply", "-f", str(nodes))
    gc.enable()
    return folder / "template.db"


_counter = itertools.count()


class Session:
    """A private copy of the template store and a CLI bound to it."""

    def __init__(self, template: Path):
        self.folder = template.parent / f"ex{next(_counter)}"
        self.folder.mkdir()
        shutil.copy(template, self.folder / "state.db")
        self.cli = Cli(self.folder / "state.db")

    def __call__(self, *args: str):
        result = self.cli(*args)
        gc.enable()  # apply turns the cyclic GC off for its (one-shot) process
        assert "Traceback" not in result.err, result.err
        assert "internal error" not in result.err, result.err
        assert result.code in (0, 1), (args, result.code, result.err)
        return result

    def write(self, name: str, docs: list, as_json: bool = False) -> str:
        path = self.folder / name
        if as_json:
            path.write_text("\n".join(json.dumps(d) for d in docs))
        else:
            path.write_text(yaml.dump_all(docs, Dumper=_KubeDumper, sort_keys=False))
        return str(path)

    def table(self, sql: str) -> list:
        conn = sqlite3.connect(self.folder / "state.db")
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


# -- strategies: valid objects -----------------------------------------------------------------

NAMES = st.from_regex(r"[a-z]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
LABELS = st.dictionaries(st.sampled_from(["app", "tier", "env"]), st.sampled_from(["a", "b"]),
                         min_size=1, max_size=2)  # selectors: often match some pods
POD_LABELS = st.fixed_dictionaries({k: st.sampled_from(["a", "b"]) for k in ("app", "tier")},
                                   optional={"env": st.sampled_from(["a", "b"])})
CONTAINER_PORT_NAMES = ["http", "web", "metrics", "dns"]
TARGET_NAMES = [*CONTAINER_PORT_NAMES, "nope"]


@st.composite
def service(draw, name: str, static_ips, static_ports) -> dict:
    kind = draw(st.sampled_from(["ClusterIP", "NodePort", "LoadBalancer", "Headless",
                                 "ExternalName"]))
    count = draw(st.integers(1, 3))
    numbers = draw(st.lists(st.integers(1, 65535), min_size=count, max_size=count, unique=True))
    ports = []
    for i, number in enumerate(numbers):
        port: dict = {"port": number}
        if count > 1 or draw(st.booleans()):
            port["name"] = f"p{i}"
        protocol = draw(st.sampled_from([None, "TCP", "UDP"]))
        if protocol:
            port["protocol"] = protocol
        target = draw(st.none() | st.integers(1, 65535) | st.sampled_from(TARGET_NAMES))
        if target is not None:
            port["targetPort"] = target
        if kind in ("NodePort", "LoadBalancer") and static_ports and draw(st.booleans()):
            port["nodePort"] = static_ports.pop()  # the static band: never taken dynamically
        ports.append(port)
    spec: dict = {"ports": ports}
    if kind == "ExternalName":
        spec.update(type="ExternalName", externalName=f"{name}.example.com")
    elif kind == "Headless":
        spec["clusterIP"] = "None"
    else:
        spec["type"] = kind
        if static_ips and draw(st.booleans()):
            spec["clusterIP"] = static_ips.pop()
    if kind != "ExternalName" and draw(st.integers(0, 4)):
        spec["selector"] = draw(LABELS)
    if draw(st.booleans()):
        spec["publishNotReadyAddresses"] = draw(st.booleans())
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}
    if draw(st.booleans()):
        svc["metadata"]["labels"] = draw(LABELS)
    return svc


@st.composite
def pod(draw, name: str, ip: str) -> dict:
    ports = []
    for port_name in draw(st.lists(st.sampled_from(CONTAINER_PORT_NAMES), unique=True,
                                   max_size=4)):
        number = draw(st.sampled_from([53, 8080, 8443, 9090]))
        if any(p["containerPort"] == number for p in ports):
            continue
        entry = {"name": port_name, "containerPort": number}
        if port_name == "dns" and draw(st.booleans()):
            entry["protocol"] = "UDP"
        ports.append(entry)
    container = {"name": "c", "image": "nginx"}
    if ports:
        container["ports"] = ports
    obj = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "labels": draw(POD_LABELS)},
           "spec": {"containers": [container]}}
    if draw(st.booleans()):  # a pod as a live cluster reports it; else kubesvc runs it
        obj["spec"]["nodeName"] = draw(st.sampled_from([*NODES, "gone"]))
        status = {"phase": draw(st.sampled_from(["Running", "Running", "Pending", "Succeeded",
                                                 "Failed"]))}
        if draw(st.integers(0, 5)):
            status["podIP"] = ip
        status["conditions"] = [{"type": "Ready",
                                 "status": draw(st.sampled_from(["True", "False"]))}]
        obj["status"] = status
    return obj


@st.composite
def manifest_sets(draw) -> list[dict]:
    svc_names = draw(st.lists(NAMES, min_size=1, max_size=5, unique=True))
    pod_names = draw(st.lists(NAMES, max_size=6, unique=True))
    static_ips = [f"10.96.0.{i}" for i in range(20, 250, 7)]
    static_ports = list(range(30000, 30080, 3))
    services = [draw(service(n, static_ips, static_ports)) for n in svc_names]
    pods = [draw(pod(n, f"10.200.0.{i + 1}")) for i, n in enumerate(pod_names)]
    return services + pods


# -- strategies: anything ----------------------------------------------------------------------

SCALARS = (st.none() | st.booleans() | st.integers(-(2 ** 70), 2 ** 70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12))
JSON = st.recursive(SCALARS, lambda kids: st.lists(kids, max_size=4)
                    | st.dictionaries(st.text(max_size=10), kids, max_size=4), max_leaves=25)
KINDS = ["Service", "Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Namespace",
         "Node", "EndpointSlice", "Endpoints", "ConfigMap", "List", "ServiceList",
         "IPAddressPool", "L2Advertisement", "CustomResourceDefinition", "Nonsense"]
VERSIONS = ["v1", "apps/v1", "discovery.k8s.io/v1", "metallb.io/v1beta1",
            "apiextensions.k8s.io/v1", "v2"]


@st.composite
def random_document(draw):
    doc = draw(st.fixed_dictionaries({}, optional={
        "apiVersion": st.sampled_from(VERSIONS) | JSON,
        "kind": st.sampled_from(KINDS) | JSON,
        "metadata": st.fixed_dictionaries({}, optional={
            "name": NAMES | JSON, "namespace": st.sampled_from(["default", "nope"]) | JSON,
            "labels": LABELS | JSON,
            # not null for now: tests/reliability/test_reliability_input.py::test_null_annotations
            "annotations": JSON.filter(lambda v: v is not None)}) | JSON,
        # not null for now: tests/reliability/test_reliability_input.py::test_null_spec
        "spec": JSON.filter(lambda v: v is not None), "status": JSON,
        "items": st.lists(JSON, max_size=3)}))
    return doc


@st.composite
def mutant(draw):
    """A valid object with one part replaced by junk, deleted, or duplicated elsewhere."""
    objs = draw(manifest_sets())
    if not objs:
        return draw(random_document())
    obj = draw(st.sampled_from(objs))
    paths = list(_paths(obj))
    path = draw(st.sampled_from(paths))
    target = obj
    for step in path[:-1]:
        target = target[step]
    action = draw(st.sampled_from(["replace", "delete", "wrap"]))
    if action == "delete" and isinstance(target, dict):
        del target[path[-1]]
    elif action == "wrap":
        target[path[-1]] = [target[path[-1]]]
    else:
        target[path[-1]] = draw(JSON)
    return obj


def _paths(node, prefix=()):
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, (dict, list)) and value:
            yield from _paths(value, (*prefix, key))


INPUTS = (st.lists(random_document() | mutant() | JSON, min_size=1, max_size=4)
          .map(lambda docs: ("docs", docs))
          | st.text(max_size=300).map(lambda t: ("text", t))
          | st.binary(max_size=300).map(lambda b: ("bytes", b)))


# -- properties --------------------------------------------------------------------------------

@settings(FUZZ, max_examples=JUNK_EXAMPLES)
@given(data=INPUTS, as_json=st.booleans(),
       flags=st.sampled_from([[], ["--validate=warn"], ["--validate=ignore"],
                              ["--dry-run=server"], ["-n", "default"], ["-o", "yaml"]]))
def test_no_input_ever_gets_a_traceback(template, data, as_json, flags):
    figures.count("fuzz", junk_inputs=1)
    run = Session(template)
    try:
        shape, content = data
        if shape == "docs":
            try:
                path = run.write("in.json" if as_json else "in.yaml", content, as_json)
            except (ValueError, yaml.YAMLError):
                return  # not writable as JSON/YAML (e.g. huge ints in JSON keys): no input
        else:
            path = str(run.folder / "in.yaml")
            Path(path).write_bytes(content.encode() if shape == "text" else content)
        run("apply", "-f", path, *flags)
        check_store(run.folder / "state.db")
        assert run("get", "svc,pods,endpointslices,deploy", "-A", "-o", "wide").code == 0
        assert run("get", "all", "-A", "-o", "yaml").code == 0
        assert run("describe", "svc", "-A").code == 0
        run("delete", "-f", path)
        check_store(run.folder / "state.db")
    finally:
        run.close()


@settings(FUZZ, max_examples=SET_EXAMPLES)
@given(objs=manifest_sets(), as_json=st.booleans())
def test_manifest_set_lifecycle(template, objs, as_json):
    figures.count("fuzz", manifest_sets=1, objects_in_sets=len(objs))
    run = Session(template)
    try:
        baseline = _contents(run)
        path = run.write("set.json" if as_json else "set.yaml", objs, as_json)
        # pods as a live cluster reports them are a dump: restored with their status by
        # `import` (`apply` leaves status to the cluster, as the API server does)
        verb = "import" if any("status" in o for o in objs) else "apply"
        applied = run(verb, "-f", path)
        assert applied.code == 0, applied.err
        assert applied.out.count(" created\n") == len(objs), applied.out
        live = _live(run)
        # get returns what was applied, plus defaults
        for obj in objs:
            kind = obj["kind"].lower()
            got = json.loads(run("get", kind, obj["metadata"]["name"], "-o", "json").out)
            assert_contains(obj, got, f"{kind}/{obj['metadata']['name']}")
        # the endpoints follow from the pods, as a reference computation says
        for svc in (o for o in objs if o["kind"] == "Service"):
            assert _slices(live, svc) == expected_endpoints(live, svc), svc["metadata"]["name"]
        check_store(run.folder / "state.db")
        # applying the same manifests again changes nothing
        before = run.cli.dump()
        again = run(verb, "-f", path)
        assert again.code == 0 and again.out.count(" unchanged\n") == len(objs), again.out
        assert run.cli.dump() == before
        # deleting them releases every allocation and every derived object
        deleted = run("delete", "-f", path)
        assert deleted.code == 0, deleted.err
        assert _contents(run) == baseline
        check_store(run.folder / "state.db")
    finally:
        run.close()


# -- the reference computations ----------------------------------------------------------------

def assert_contains(want, got, path: str) -> None:
    """Every field of `want` is in `got` with the same value (`got` may have more)."""
    if isinstance(want, dict):
        assert isinstance(got, dict), f"{path}: {got!r}"
        for key, value in want.items():
            assert key in got, f"{path}.{key} missing"
            assert_contains(value, got[key], f"{path}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{path}: {got!r}"
        for i, (a, b) in enumerate(zip(want, got, strict=True)):
            assert_contains(a, b, f"{path}[{i}]")
    else:
        assert want == got and type(want) is type(got), f"{path}: {want!r} != {got!r}"


def _contents(run: Session) -> tuple:
    # Events (and their correlation keys) outlive what they are about, until the event TTL
    return (run.table("SELECT gk, namespace, name FROM objects WHERE gk != 'Event' "
                      "ORDER BY 1, 2, 3"),
            run.table("SELECT pool, value, owner FROM allocations WHERE pool != 'event-key' "
                      "ORDER BY 1, 2"))


def _live(run: Session) -> dict:
    rows = run.table("SELECT gk, namespace, name, body FROM objects")
    return {(gk, ns, name): json.loads(body) for gk, ns, name, body in rows}


def expected_endpoints(live: dict, svc: dict) -> dict | None:
    """What the EndpointSlice controller should publish for `svc`: {ip: (ready, ports)}, or
    None when it manages no slices (no selector, ExternalName)."""
    spec = svc["spec"]
    if spec.get("type") == "ExternalName" or not spec.get("selector"):
        return None
    publish = bool(spec.get("publishNotReadyAddresses"))
    nodes = {name for (gk, _, name) in live if gk == "Node"}
    out = {}
    for (gk, ns, _), pod in live.items():
        labels = pod["metadata"].get("labels") or {}
        if gk != "Pod" or ns != "default" or not spec["selector"].items() <= labels.items():
            continue
        status = pod.get("status") or {}
        if status.get("phase") in ("Succeeded", "Failed") or not status.get("podIP"):
            continue
        if pod["spec"].get("nodeName") not in nodes and not publish:
            continue
        ready = [c["status"] == "True" for c in status.get("conditions") or []
                 if c["type"] == "Ready"][:1] == [True]
        out[status["podIP"]] = (publish or ready, _resolved_ports(svc, pod))
    return out


def _resolved_ports(svc: dict, pod: dict) -> frozenset:
    container_ports = [p for c in pod["spec"]["containers"] for p in c.get("ports") or []]
    out = set()
    for port in svc["spec"]["ports"]:
        protocol = port.get("protocol", "TCP")
        target = port.get("targetPort", port["port"])
        if isinstance(target, str):
            found = [p["containerPort"] for p in container_ports if p["name"] == target
                     and p.get("protocol", "TCP") == protocol]
            if not found:
                continue
            target = found[0]
        out.add((port.get("name", ""), protocol, target))
    return frozenset(out)


def _slices(live: dict, svc: dict) -> dict | None:
    name = svc["metadata"]["name"]
    mine = [o for (gk, ns, _), o in live.items()
            if gk == "EndpointSlice.discovery.k8s.io" and ns == "default"
            and (o["metadata"].get("labels") or {}).get("kubernetes.io/service-name") == name]
    if not mine:
        return None
    out = {}
    for eps in mine:
        ports = frozenset((p.get("name", ""), p.get("protocol", "TCP"), p["port"])
                          for p in eps.get("ports") or [])
        for endpoint in eps.get("endpoints") or []:
            for address in endpoint["addresses"]:
                assert address not in out, f"{address} in two slices of {name}"
                out[address] = (endpoint["conditions"]["ready"], ports)
    return out
