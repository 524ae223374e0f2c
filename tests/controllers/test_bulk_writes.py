"""The controllers' bulk write path: the same stored objects, label rows, resourceVersions,
change log and errors as one-by-one registry writes; the cheap validity proofs never say yes
where the full checks say no; a savepoint still undoes bulk writes."""

from datetime import UTC, datetime

import pytest

from kubesvc.api.errors import InvalidError
from kubesvc.api.resources import for_gk
from kubesvc.apiserver import registry
from kubesvc.apiserver.context import ApiContext
from kubesvc.apiserver.validation.endpoints import validate_endpoints, validate_slice
from kubesvc.apiserver.validation.names import validate_object_meta
from kubesvc.controllers import trusted, writer
from kubesvc.store.bulk import put_objects, reserve_resource_versions
from kubesvc.store.db import Store

SLICE_GK = "EndpointSlice.discovery.k8s.io"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    s = Store.create(tmp_path / "state.db", {}, lambda _: None)
    yield s
    s.close()


def _slice(name="web-abcde", addresses=("10.0.0.1",), kind="IPv4", ports=None, **endpoint):
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "namespace": "default",
                         "labels": {"kubernetes.io/service-name": "web",
                                    "endpointslice.kubernetes.io/managed-by":
                                        "endpointslice-controller.k8s.io"}},
            "addressType": kind,
            "endpoints": [{"addresses": list(addresses), "conditions": {"ready": True},
                           **endpoint}],
            "ports": ports if ports is not None else [
                {"name": "http", "protocol": "TCP", "port": 8080}]}


def _endpoints(ip="10.0.0.1", ports=None, **address):
    return {"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "web", "namespace": "default",
                         "labels": {"endpoints.kubernetes.io/managed-by": "endpoint-controller"}},
            "subsets": [{"addresses": [{"ip": ip, **address}],
                         "ports": ports if ports is not None else [
                             {"name": "http", "port": 8080, "protocol": "TCP"}]}]}


SLICES = [
    pytest.param(_slice(), id="plain"),
    pytest.param(_slice(addresses=("127.0.0.1",)), id="loopback"),
    pytest.param(_slice(addresses=("169.254.3.4",)), id="link-local"),
    pytest.param(_slice(addresses=("169.1.2.3",)), id="169-not-link-local"),
    pytest.param(_slice(addresses=("224.0.0.9",)), id="link-local-multicast"),
    pytest.param(_slice(addresses=("0.0.0.0",)), id="unspecified"),
    pytest.param(_slice(addresses=("10.0.0.01",)), id="leading-zero"),
    pytest.param(_slice(addresses=("10.0.0",)), id="three-octets"),
    pytest.param(_slice(addresses=("fd00::1",)), id="v6-in-v4-slice"),
    pytest.param(_slice(addresses=("fd00::1",), kind="IPv6"), id="v6"),
    pytest.param(_slice(addresses=("fe80::1",), kind="IPv6"), id="v6-link-local"),
    pytest.param(_slice(addresses=()), id="no-address"),
    pytest.param(_slice(hostname="web-0"), id="hostname"),
    pytest.param(_slice(hostname="Web_0"), id="bad-hostname"),
    pytest.param(_slice(hostname=""), id="empty-hostname"),
    pytest.param(_slice(nodeName="node-1.example"), id="node"),
    pytest.param(_slice(nodeName="Node_1"), id="bad-node"),
    pytest.param(_slice(ports=[{"name": "Http", "protocol": "TCP", "port": 80}]), id="bad-port"),
    pytest.param(_slice(ports=[{"name": "a", "protocol": "TCP", "port": 80},
                               {"name": "a", "protocol": "UDP", "port": 80}]), id="dup-port"),
    pytest.param(_slice(ports=[{"name": "a", "protocol": "ICMP", "port": 80}]), id="protocol"),
    pytest.param(_slice(ports=[{"port": 80}]), id="port-to-default"),
    pytest.param(_slice(ports=[{"name": "a", "protocol": "TCP", "port": 80,
                                "appProtocol": "bad proto"}]), id="bad-app-protocol"),
    pytest.param(_slice(kind="FQDN", addresses=("example.com",)), id="fqdn"),
    pytest.param(_slice(name="Web"), id="bad-name"),
]

ENDPOINTS = [
    pytest.param(_endpoints(), id="plain"),
    pytest.param(_endpoints("127.0.0.1"), id="loopback"),
    pytest.param(_endpoints("10.0.0.01"), id="leading-zero"),
    pytest.param(_endpoints("fd00::1"), id="v6"),
    pytest.param(_endpoints("::1"), id="v6-loopback"),
    pytest.param(_endpoints("nonsense"), id="not-an-ip"),
    pytest.param(_endpoints(hostname="web-0"), id="hostname"),
    pytest.param(_endpoints(hostname="web.0"), id="bad-hostname"),
    pytest.param(_endpoints(nodeName="Node_1"), id="bad-node"),
    pytest.param(_endpoints(ports=[{"name": "a", "port": 80, "protocol": "TCP"},
                                   {"port": 81, "protocol": "TCP"}]), id="unnamed-of-two"),
    pytest.param(_endpoints(ports=[{"name": "a", "port": 0, "protocol": "TCP"}]), id="port-0"),
    pytest.param(_endpoints(ports=[{"name": "a", "port": 80}]), id="protocol-to-default"),
]


@pytest.mark.parametrize("obj", SLICES)
def test_slice_proof_never_passes_what_validation_refuses(obj):
    proven = trusted.strategy_is_noop_and_valid(SLICE_GK, obj, None)
    errors = validate_slice(obj) + validate_object_meta(obj["metadata"], True,
                                                        "dns1123_subdomain")
    if proven and trusted.metadata_ok(obj, True, "dns1123_subdomain"):
        assert errors == []


@pytest.mark.parametrize("obj", ENDPOINTS)
def test_endpoints_proof_never_passes_what_validation_refuses(obj):
    if trusted.strategy_is_noop_and_valid("Endpoints", obj, None):
        assert validate_endpoints(obj) == []


@pytest.mark.parametrize("obj, proven", [
    pytest.param(_slice(), True, id="slice"),
    pytest.param(_slice(hostname="web-0", nodeName="n1"), True, id="slice-host-node"),
    pytest.param(_slice(addresses=("fd00::1",), kind="IPv6"), True, id="slice-v6"),
    pytest.param(_endpoints(), True, id="endpoints"),
    pytest.param(_endpoints("fd00::1"), True, id="endpoints-v6"),
])
def test_what_controllers_write_is_proven(obj, proven):
    """The proofs are not vacuous: the controllers' usual output passes them."""
    gk = SLICE_GK if obj["kind"] == "EndpointSlice" else "Endpoints"
    assert trusted.strategy_is_noop_and_valid(gk, obj, None) is proven
    assert trusted.metadata_ok(obj, True, "dns1123_subdomain") is proven


@pytest.mark.parametrize("change", [
    pytest.param(lambda m: m.update(name="Bad_Name"), id="name"),
    pytest.param(lambda m: m["labels"].update({"bad key!": "x"}), id="label-key"),
    pytest.param(lambda m: m["labels"].update({"k": "bad value!"}), id="label-value"),
    pytest.param(lambda m: m.update(annotations={"bad key!": "x"}), id="annotation"),
    pytest.param(lambda m: m.update(namespace="Bad_NS"), id="namespace"),
    pytest.param(lambda m: m.update(finalizers=["bad finalizer!"]), id="finalizer"),
    pytest.param(lambda m: m.update(generateName="Bad_"), id="generate-name"),
])
def test_metadata_proof_never_passes_bad_metadata(change):
    obj = _slice()
    change(obj["metadata"])
    assert validate_object_meta(obj["metadata"], True, "dns1123_subdomain")
    assert not trusted.metadata_ok(obj, True, "dns1123_subdomain")


def _one_by_one(store, objs):
    ctx = ApiContext(store, NOW)
    with store.write():
        for gk, obj, current in objs:
            if current is None:
                registry.create(ctx, for_gk(gk), obj, keep_status=True, known_absent=True,
                                admit=False)
            else:
                registry.update(ctx, for_gk(gk), obj, current, keep_status=True, admit=False)
    return ctx


def _bulk(store, objs):
    ctx = ApiContext(store, NOW)
    with store.write(), writer.bulk_writes(ctx):
        for gk, obj, current in objs:
            writer.queue_write(ctx, gk, obj, current)
    return ctx


def _tables(store):
    conn = store.conn
    return (conn.execute("SELECT gk, namespace, name, body FROM objects ORDER BY 1, 2, 3")
            .fetchall(),
            conn.execute("SELECT o.gk, o.name, l.key, l.value FROM labels l JOIN objects o "
                         "ON o.id = l.object_id ORDER BY 1, 2, 3").fetchall(),
            conn.execute("SELECT * FROM meta ORDER BY key").fetchall())


def test_bulk_writes_store_what_registry_writes(tmp_path):
    """Creates, then updates with changed and unchanged labels: same bodies (uids,
    resourceVersions), label rows, counters and change log as registry.create/update."""
    results = []
    for name, write in (("one", _one_by_one), ("bulk", _bulk)):
        store = Store.create(tmp_path / f"{name}.db", {}, lambda _: None)
        first = [("EndpointSlice.discovery.k8s.io", _slice(f"web-{i}"), None) for i in range(3)]
        first.append(("Endpoints", _endpoints(), None))
        ctx1 = write(store, first)
        relabelled = store.get(SLICE_GK, "default", "web-0")
        new = _slice("web-0", addresses=("10.0.0.2",))
        new["metadata"]["labels"]["extra"] = "yes"
        same_labels = _endpoints("10.0.0.3")
        ctx2 = write(store, [(SLICE_GK, new, relabelled),
                             ("Endpoints", same_labels, store.get("Endpoints", "default", "web"))])
        results.append((_tables(store), ctx1.changes, ctx2.changes))
        store.close()
    assert results[0] == results[1]
    tables = results[0][0]
    assert ("EndpointSlice.discovery.k8s.io", "web-0", "extra", "yes") in tables[1]


def test_reserved_range_is_what_one_by_one_would_hand_out(store):
    with store.write():
        first = reserve_resource_versions(store, 5)
        assert store.next_resource_version() == str(first + 5)
        assert reserve_resource_versions(store, 1) == first + 6


def test_put_objects_keeps_label_rows_in_step(store):
    obj = _slice()
    with store.write():
        put_objects(store, [(SLICE_GK, obj, None)])
        assert store.list_by_labels(SLICE_GK, "default", [("kubernetes.io/service-name", "web")])
        old_labels = dict(obj["metadata"]["labels"])
        obj["metadata"]["labels"] = {"kubernetes.io/service-name": "other"}
        put_objects(store, [(SLICE_GK, obj, old_labels)])
        assert not store.list_by_labels(SLICE_GK, "default",
                                        [("kubernetes.io/service-name", "web")])
        assert store.list_by_labels(SLICE_GK, "default", [("kubernetes.io/service-name", "other")])


def test_invalid_controller_output_fails_as_through_the_registry(tmp_path):
    bad = _slice(addresses=("127.0.0.1",))
    store = Store.create(tmp_path / "a.db", {}, lambda _: None)
    with pytest.raises(InvalidError) as one:
        _one_by_one(store, [(SLICE_GK, _slice(addresses=("127.0.0.1",)), None)])
    with pytest.raises(InvalidError) as bulk:
        _bulk(store, [(SLICE_GK, bad, None)])
    assert str(bulk.value) == str(one.value)
    assert "loopback" in str(bulk.value)
    assert store.list(SLICE_GK) == []
    store.close()


def test_savepoint_undoes_bulk_writes(store):
    ctx = ApiContext(store, NOW)
    with store.write():
        writer.queue_write(ctx, SLICE_GK, _slice("kept"), None)
        writer.flush(ctx)
        with pytest.raises(RuntimeError), ctx.savepoint(), writer.bulk_writes(ctx):
            writer.queue_write(ctx, SLICE_GK, _slice("undone-1"), None)
            writer.flush(ctx)
            writer.queue_write(ctx, SLICE_GK, _slice("undone-2"), None)
            raise RuntimeError("boom")
        assert not writer.is_queued(ctx, SLICE_GK, "default", "undone-2")
        writer.flush(ctx)  # nothing left to write
        assert store.names(SLICE_GK) == ["kept"]
        assert [c.name for c in ctx.changes] == ["kept"]
        labelled = store.list_by_labels(SLICE_GK, "default",
                                        [("kubernetes.io/service-name", "web")])
        assert [s["metadata"]["name"] for s in labelled] == ["kept"]


_WORKLOAD = """
apiVersion: v1
kind: Node
metadata: {name: node-1, labels: {topology.kubernetes.io/zone: z1}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      containers:
      - name: c
        image: nginx
        ports: [{name: http, containerPort: 8080}, {name: dns, containerPort: 53, protocol: UDP}]
"""

_SERVICES = [
    ("by-number", "{app: web}", "[{name: a, port: 80, targetPort: 8080}]", ""),
    ("by-name", "{app: web}", "[{name: a, port: 80, targetPort: http}]", ""),
    ("two-ports", "{app: web, tier: front}",
     "[{name: a, port: 80, targetPort: http}, {name: b, port: 53, protocol: UDP, "
     "targetPort: dns}]", ""),
    ("headless", "{app: web}", "[{name: a, port: 80}]", "clusterIP: None"),
    ("not-ready", "{app: web}", "[{name: a, port: 80}]", "publishNotReadyAddresses: true"),
    ("nobody", "{app: none}", "[{name: a, port: 80}]", ""),
    ("named-missing", "{app: web}", "[{name: a, port: 80, targetPort: nope}]", ""),
]


def _manifest() -> str:
    docs = [_WORKLOAD]
    for name, selector, ports, extra in _SERVICES:
        docs.append(f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: "
                    f"default}}\nspec:\n  selector: {selector}\n  ports: {ports}\n"
                    + (f"  {extra}\n" if extra else ""))
    return "---\n".join(docs)


def _resync(state, few: int, monkeypatch) -> tuple:
    """Endpoints for every Service from scratch, with namespaces read whole past `few`
    Services (the bulk view) or Service by Service."""
    from kubesvc.controllers.endpoints import sync as ep_sync

    monkeypatch.setattr(ep_sync, "FEW", few)
    store = Store.open(state)
    try:
        with store.write(commit=False):
            store.conn.execute("DELETE FROM objects WHERE gk IN (?, 'Endpoints')", (SLICE_GK,))
            ctx = ApiContext(store, NOW)
            for svc in store.list("Service"):
                meta = svc["metadata"]
                ctx.record("Service", meta["namespace"], meta["name"], None, svc)
            ep_sync.sync_endpoints(ctx, ctx.changes)
            return _tables(store), [(c.gk, c.name) for c in ctx.changes]
    finally:
        store.close()


def test_namespace_view_and_per_service_reads_agree(cli, tmp_path, monkeypatch):
    """The namespace-at-once reads (pods cut down by SQLite, slices and Endpoints grouped
    by Service) give the same slices and Endpoints as reading Service by Service."""
    cli.ok("apply", "-f", "-", stdin=_manifest())
    whole = _resync(cli.state, 1, monkeypatch)
    one_by_one = _resync(cli.state, 10_000, monkeypatch)
    assert whole == one_by_one
    bodies = {name: body for gk, _, name, body in whole[0][0] if gk == "Endpoints"}
    assert '"port":8080' in bodies["by-name"] and '"port":53' in bodies["two-ports"]
    assert "notReadyAddresses" not in bodies["by-number"]


_LABEL_SETS = [{"app": "web", "tier": "front"}, {"app": "web", "tier": "back"},
               {"app": "db"}, {}, {"app": "web", "tier": "front"}, {"odd": 5, "app": "x"}]


@pytest.mark.parametrize("selector", [
    {"app": "web"}, {"app": "web", "tier": "back"}, {"app": "db", "tier": "front"},
    {"app": "none"}, {"tier": "front"}, {"app": "x"}, {"odd": "5"}, {"app": "db"},
    {"odd": 5}, {"missing": "x", "app": "web"},
])
def test_label_set_index_answers_as_matching_each_pod(selector):
    from kubesvc.api.selectors import from_map
    from kubesvc.controllers.endpoints.sync import _LabelSetIndex

    expected = any(from_map(selector).matches(labels) for labels in _LABEL_SETS)
    assert _LabelSetIndex(_LABEL_SETS).any_selected(selector) is expected


def test_put_objects_new_rows_take_the_ids_sqlite_would_give(store):
    """Explicit ids for created rows: the same ids, bodies and label rows as Store.put."""
    objs = [{"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": f"cm-{i}", "namespace": "default", "labels": {"i": str(i)}}}
            for i in range(3)]
    with store.write(commit=False):
        for obj in objs:
            store.put("ConfigMap", obj, new=True)
        expected = store.conn.execute(
            "SELECT o.id, o.name, o.body, l.key, l.value FROM objects o JOIN labels l "
            "ON l.object_id = o.id WHERE o.gk='ConfigMap' ORDER BY o.id").fetchall()
    with store.write(commit=False):
        put_objects(store, [("ConfigMap", obj, None) for obj in objs])
        got = store.conn.execute(
            "SELECT o.id, o.name, o.body, l.key, l.value FROM objects o JOIN labels l "
            "ON l.object_id = o.id WHERE o.gk='ConfigMap' ORDER BY o.id").fetchall()
    assert got == expected and len(got) == 3


def test_put_objects_a_new_row_that_exists_is_upserted_as_before(store):
    """A row said to be new whose key is taken (no labels): written over, as the upsert did."""
    obj = {"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "cm", "namespace": "default"}, "data": {"a": "1"}}
    with store.write(commit=False):
        store.put("ConfigMap", obj, new=True)
        other = {"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": {"name": "new-one", "namespace": "default", "labels": {"x": "y"}}}
        put_objects(store, [("ConfigMap", other, None),
                            ("ConfigMap", {**obj, "data": {"a": "2"}}, None)])
        assert store.get("ConfigMap", "default", "cm")["data"] == {"a": "2"}
        assert [o["metadata"]["name"] for o in
                store.list_by_labels("ConfigMap", "default", [("x", "y")])] == ["new-one"]
