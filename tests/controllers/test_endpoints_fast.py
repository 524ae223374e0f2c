"""The endpoint controllers' fast path for new Services (controllers/endpoints/namespace.py) and
the pod facts it reads (store/pod_facts.py): the same stored slices and Endpoints, byte for
byte, as the general controllers (with the facts-based namespace view, and with pods read
whole through the label index), on generated namespaces with the unusual cases mixed in;
facts kept in step with the bodies whoever writes them; the proofs the fast path hands the
bulk writer hold where the full checks say so."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime

import pytest

from kubesvc.apiserver import meta as sysmeta
from kubesvc.apiserver.context import ApiContext
from kubesvc.controllers import trusted, writer
from kubesvc.controllers.endpoints import namespace as fast
from kubesvc.controllers.endpoints import sync
from kubesvc.controllers.endpoints import texts as fast_text
from kubesvc.store import pod_facts
from kubesvc.store.db import Store

SLICE_GK = "EndpointSlice.discovery.k8s.io"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
APPS = ["web", "api", "db", "cache"]


@pytest.fixture
def store(tmp_path):
    s = Store.create(tmp_path / "state.db", {}, lambda _: None)
    yield s
    s.close()


def _node(name: str, zone: str | None) -> dict:
    labels = {"kubernetes.io/hostname": name}
    if zone:
        labels["topology.kubernetes.io/zone"] = zone
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}}


def _pod(rng: random.Random, ns: str, i: int) -> dict:
    app = rng.choice(APPS)
    labels = {"app": app, "tier": rng.choice(["a", "b"])}
    if rng.random() < 0.3:
        labels["extra"] = "x"
    spec: dict = {"containers": [{"name": "c", "image": "i", "ports": [
        {"name": "http", "containerPort": rng.choice([8080, 8081]), "protocol": "TCP"},
        {"containerPort": 9000}]}]}
    if rng.random() < 0.1:
        spec["initContainers"] = [{"name": "side", "image": "i", "restartPolicy": "Always",
                                   "ports": [{"name": "side", "containerPort": 7000}]}]
    if rng.random() < 0.8:
        spec["nodeName"] = rng.choice(["n1", "n2", "n3", "gone"])
    if rng.random() < 0.15:
        spec["hostname"] = f"h{i}"
        spec["subdomain"] = rng.choice([f"svc-{app}", "other"])
    octet = rng.randrange(256)
    ip_choices = [
        [f"10.1.{i // 250}.{i % 250 + 1}"],
        [f"10.1.{i // 250}.{i % 250 + 1}", f"fd00::{i + 1:x}"],
        [f"fd00::{i + 1:x}"],
        [f"10.2.0.{octet:03d}"],  # leading zeros: not canonical
        [f"169.1.0.{i % 250 + 1}"],  # a special first octet: the full checks look at it
        [],
    ]
    ips = rng.choices(ip_choices, weights=[10, 2, 2, 1, 1, 1])[0]
    status: dict = {"phase": rng.choice(["Running"] * 8 + ["Pending", "Succeeded"])}
    if ips:
        status["podIP"] = ips[0]
        status["podIPs"] = [{"ip": ip} for ip in ips]
    status["conditions"] = [{"type": "Ready", "status": rng.choice(["True", "True", "False"])}]
    meta: dict = {"name": f"p-{i:04d}-{rng.randrange(1000)}", "namespace": ns,
                  "labels": labels}
    if rng.random() < 0.9:
        meta["uid"] = f"uid-{i}"
    if rng.random() < 0.08:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def _service(rng: random.Random, ns: str, i: int) -> dict:
    app = APPS[i] if i < len(APPS) else rng.choice(APPS)
    name = f"svc-{app}" if i < len(APPS) else f"s{i}"
    selector = {"app": app}
    if rng.random() < 0.5:
        selector["tier"] = rng.choice(["a", "b"])
    if rng.random() < 0.05:
        selector = {}
    ports = []
    for j in range(rng.choice([0, 1, 1, 2, 3])):
        port: dict = {"name": f"p{j}", "port": 80 + j, "protocol": "TCP"}
        port["targetPort"] = rng.choice([8080 + j, "http", "side", "missing", 9000])
        if rng.random() < 0.2:
            port["appProtocol"] = "http"
        if rng.random() < 0.3:  # its own node port: a port plan shared with other Services
            port["nodePort"] = 30000 + 4 * i + j
        ports.append(port)
    if len(ports) == 1 and rng.random() < 0.5:
        del ports[0]["name"]
    spec: dict = {"selector": selector, "ports": ports}
    family = rng.choices([["IPv4"], ["IPv6"], ["IPv4", "IPv6"], ["IPv6", "IPv4"], None],
                         weights=[8, 2, 1, 1, 1])[0]
    if family:
        spec["ipFamilies"] = family
    spec["clusterIP"] = rng.choice(["10.96.0.10", "None", "fd00::10"])
    if rng.random() < 0.1:
        spec["publishNotReadyAddresses"] = True
    if rng.random() < 0.1:
        spec["trafficDistribution"] = "PreferClose"
    if rng.random() < 0.05:
        spec["type"] = "ExternalName"
    # labels the controllers set, replace or drop on the objects they make, or none
    labels = rng.choices([{"app": app}, {"app": app, "kubernetes.io/service-name": "ignored"},
                          {"service.kubernetes.io/headless": "x", "app": app},
                          {"app": app, "endpoints.kubernetes.io/managed-by": "someone"},
                          {"endpointslice.kubernetes.io/managed-by": "me"}, {}],
                         weights=[10, 2, 1, 1, 1, 1])[0]
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "uid": f"svc-uid-{i}",
                         "labels": labels},
            "spec": spec}


def _fill(store: Store, seed: int, pods: int = 60, services: int = 14) -> None:
    rng = random.Random(seed)
    with store.write():
        for node in (_node("n1", "z1"), _node("n2", None), _node("n3", "z2")):
            store.put("Node", node, new=True)
        for ns in ("ns-a", "ns-b"):
            for i in range(pods):
                store.put("Pod", _pod(rng, ns, i), new=True)
            for i in range(services):
                store.put("Service", _service(rng, ns, i), new=True)


def _sync_all(store: Store) -> list[tuple]:
    """Every Service's endpoints from scratch (rolled back); the rows written."""
    with store.write(commit=False):
        ctx = ApiContext(store, NOW)
        for ns, name in store.conn.execute(
                "SELECT namespace, name FROM objects WHERE gk='Service'").fetchall():
            ctx.record("Service", ns, name, None, store.get("Service", ns, name))
        sync.sync_endpoints(ctx, ctx.changes)
        return store.conn.execute(
            "SELECT o.id, o.gk, o.namespace, o.name, o.body, (SELECT group_concat(key || '=' "
            "|| value, ',') FROM labels l WHERE l.object_id = o.id) FROM objects o "
            "WHERE gk IN (?, 'Endpoints') ORDER BY o.id", (SLICE_GK,)).fetchall()


@pytest.mark.parametrize("seed", range(16))
def test_fast_path_writes_what_the_general_controllers_write(store, monkeypatch, seed):
    _fill(store, seed, pods=60 + 40 * (seed % 3))
    calls = []
    monkeypatch.setattr(sync, "sync_new_service",
                        lambda *a: calls.append(a[1]) or fast.sync_new_service(*a))
    fast_rows = _sync_all(store)
    assert calls, "the fast path answered for no Service"
    monkeypatch.setattr(sync, "fast_case", lambda svc, view: False)
    general_rows = _sync_all(store)
    monkeypatch.setattr(sync, "FEW", 10**9)  # pods read whole, one Service at a time
    whole_rows = _sync_all(store)
    assert fast_rows == general_rows == whole_rows
    assert len(fast_rows) > len(calls)


def _ready_pod(name: str, uid: str, ip: str) -> dict:
    """A Running, Ready pod labelled app=a on node n1."""
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": name, "namespace": "ns", "uid": uid, "labels": {"app": "a"}},
        "spec": {"nodeName": "n1"}, "status": {
            "phase": "Running", "podIP": ip,
            "conditions": [{"type": "Ready", "status": "True"}]}}


def _selector_service(name: str, uid: str) -> dict:
    """A Service selecting app=a, port 80 to 8080."""
    return {"apiVersion": "v1", "kind": "Service", "metadata": {
        "name": name, "namespace": "ns", "uid": uid}, "spec": {
        "selector": {"app": "a"}, "ports": [{"port": 80, "targetPort": 8080}],
        "ipFamilies": ["IPv4"], "clusterIP": "10.96.0.1"}}


def test_a_service_past_a_hundred_endpoints_gets_several_slices(store, monkeypatch):
    with store.write():
        store.put("Node", _node("n1", "z1"), new=True)
        for i in range(230):
            store.put("Pod", _ready_pod(f"p{i}", f"u{i}", f"10.0.{i // 200}.{i % 200 + 1}"),
                      new=True)
        for i in range(6):
            store.put("Service", _selector_service(f"s{i}", f"s{i}"), new=True)
    fast_rows = _sync_all(store)
    monkeypatch.setattr(sync, "fast_case", lambda svc, view: False)
    assert fast_rows == _sync_all(store)
    assert sum(1 for r in fast_rows if r[1] == SLICE_GK) == 6 * 3


@pytest.mark.parametrize("uid, zone", [
    pytest.param('u"1\\x', 'z"1', id="quote-backslash"),
    pytest.param("u\u00e9\n", "z\u00e9", id="non-ascii-control"),
    pytest.param("plain", "z1", id="plain"),
])
def test_text_path_escapes_as_json_dumps(store, monkeypatch, uid, zone):
    """Strings that JSON escapes (a quote, a backslash, a control character) or writes as
    they are (non-ASCII) in pods, nodes and Services: the text path writes json.dumps' bytes."""
    with store.write():
        store.put("Node", _node("n1", zone), new=True)
        for i in range(3):
            store.put("Pod", _ready_pod(f"p{i}", f"{uid}{i}", f"10.0.0.{i + 1}"), new=True)
        for i in range(6):
            store.put("Service", _selector_service(f"s{i}", f"{uid}s{i}"), new=True)
    texts = []
    monkeypatch.setattr(sync, "write_new_service",
                        lambda *a: texts.append(fast_text.write_new_service(*a)) or texts[-1])
    text_rows = _sync_all(store)
    assert texts == [True] * 6  # every Service's objects written as text
    monkeypatch.setattr(sync, "fast_case", lambda svc, view: False)
    assert text_rows == _sync_all(store)


# -- the pod facts --------------------------------------------------------------------------


def _facts_rows(store: Store) -> dict:
    return dict(((ns, name), facts) for ns, name, facts in store.conn.execute(
        "SELECT namespace, name, facts FROM pod_facts"))


def test_facts_follow_the_body_whoever_writes_it(store):
    _fill(store, 1, pods=10, services=0)
    facts = _facts_rows(store)
    assert len(facts) == 20 and pod_facts.complete(store.conn)
    (ns, name), text = next(iter(facts.items()))
    pod = store.get("Pod", ns, name)
    assert json.loads(text) == pod_facts.facts_list(pod)
    with store.write():  # a writer that knows nothing of facts (an older kubesvc)
        store.conn.execute("UPDATE objects SET body=? WHERE gk='Pod' AND namespace=? AND "
                           "name=?", (json.dumps(pod), ns, name))
    assert (ns, name) not in _facts_rows(store) and not pod_facts.complete(store.conn)
    with store.write():
        view = fast.NamespaceView(store, ns, [])  # reads the body, keeps its facts
    assert view.usual and _facts_rows(store)[ns, name] == text
    with store.write():
        store.delete("Pod", ns, name)
    assert (ns, name) not in _facts_rows(store) and pod_facts.complete(store.conn)


def test_a_store_without_the_facts_table_is_read_from_the_bodies(store, monkeypatch):
    _fill(store, 2)
    expected = _sync_all(store)
    with store.write():
        for statement in ("DROP TRIGGER pod_facts_update", "DROP TRIGGER pod_facts_delete",
                          "DROP TABLE pod_facts"):
            store.conn.execute(statement)
    assert _sync_all(store) == expected
    assert not pod_facts.complete(store.conn)


@pytest.mark.parametrize(("change", "usual"), [
    pytest.param(lambda p: None, True, id="plain"),
    pytest.param(lambda p: p["metadata"]["labels"].update(n=1), False, id="int-label"),
    pytest.param(lambda p: p["spec"]["containers"][0]["ports"][0].update(containerPort="80"),
                 False, id="string-port"),
    pytest.param(lambda p: p["spec"].update(hostname=7), False, id="int-hostname"),
])
def test_a_pod_the_facts_cannot_describe_sends_the_namespace_the_general_way(
        store, change, usual):
    pod = _pod(random.Random(3), "ns", 1)
    change(pod)
    assert (pod_facts.facts_list(pod) is not None) is usual
    with store.write(commit=False):
        store.put("Pod", pod, new=True)
        assert fast.NamespaceView(store, "ns", []).usual is usual


def test_waiting_keys_name_the_pods_that_may_wait(store):
    running = _pod(random.Random(4), "ns", 1)
    bare = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare", "namespace": "ns"},
            "spec": {"containers": [{"name": "c", "image": "i"}]}}
    pending = copy.deepcopy(bare)
    pending["metadata"]["name"] = "pending"
    pending["status"] = {"phase": "Pending"}
    running["status"] = {"phase": "Running", "podIP": "10.0.0.1"}
    with store.write():
        for pod in (running, bare, pending):
            store.put("Pod", pod, new=True)
    assert pod_facts.waiting_keys(store.conn) == {("ns", "bare"), ("ns", "pending")}


# -- the writer's shortcuts -------------------------------------------------------------------


@pytest.mark.parametrize("gk", ["Endpoints", SLICE_GK, "Pod", "ConfigMap"])
def test_bulk_fill_on_create_is_fill_on_create(gk):
    obj = {"apiVersion": "v1", "kind": gk.split(".")[0], "metadata": {
        "name": "x", "namespace": "ns", "uid": "old", "generation": 4, "labels": {"a": "b"}}}
    expected, got = copy.deepcopy(obj), copy.deepcopy(obj)
    sysmeta.fill_on_create(ApiContext(None, NOW), gk, expected, rv="42")
    writer._fill_on_create(gk, got, "42", "2026-01-02T03:04:05Z")
    assert json.dumps(got) == json.dumps(expected)


def test_what_the_fast_path_proves_the_full_checks_find(store, monkeypatch):
    _fill(store, 5, pods=120)
    seen: list[tuple[str, dict, bool]] = []
    queue_write = writer.queue_write

    def spy(ctx, gk, obj, current, plain=False, proven=False):
        seen.append((gk, copy.deepcopy(obj), proven))
        queue_write(ctx, gk, obj, current, plain, proven)

    monkeypatch.setattr(fast, "queue_write", spy)
    _sync_all(store)
    assert any(proven for _, _, proven in seen)
    for gk, obj, proven in seen:
        if proven:
            assert trusted.strategy_is_noop_and_valid(gk, obj, None), obj


@pytest.mark.parametrize("length", [1, 57, 58, 59, 63])
def test_text_path_names_slices_of_long_service_names(store, monkeypatch, length):
    """A slice's generated name: `<name>-` cut to 58 characters, then five generated ones."""
    with store.write():
        store.put("Node", _node("n1", "z1"), new=True)
        store.put("Pod", _ready_pod("p0", "u0", "10.0.0.1"), new=True)
        for i in range(6):
            name = f"s{i}" + "x" * (length - 2) if length > 1 else f"{i}"
            store.put("Service", _selector_service(name[:length], f"u{i}"), new=True)
    texts = []
    monkeypatch.setattr(sync, "write_new_service",
                        lambda *a: texts.append(fast_text.write_new_service(*a)) or texts[-1])
    text_rows = _sync_all(store)
    assert texts == [True] * 6
    monkeypatch.setattr(sync, "fast_case", lambda svc, view: False)
    assert text_rows == _sync_all(store)


@pytest.mark.parametrize("labels", [
    {}, {"app": "web"}, {"a": ""}, {"a" * 63: "b" * 63}, {"a" * 64: "b"}, {"a": "b" * 64},
    {"-a": "b"}, {"a-": "b"}, {"a": "-b"}, {"a": "b_"}, {"a.b_c-d": "e.f_g-h"},
    {"example.com/app": "web"}, {"a/b/c": "d"}, {"a": "b c"}, {"a": 'b"'}, {"a": "b\\"},
    {"a": 1}, {"a": None}, {"a": True}, {"é": "b"}, {"a": "\u00e9"}, {"a\n": "b"},
])
def test_plain_labels_pass_as_the_full_check_says(labels):
    assert fast_text._labels_pass(labels) == trusted.labels_ok(labels)
