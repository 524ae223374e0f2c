"""EndpointSlice controller and the consumers' view (spec routing-and-dns.md §2.1-2.6, §3).

Tables paraphrase the cases of k8s `staging/src/k8s.io/endpointslice/reconciler_test.go`,
`utils_test.go` and `pkg/proxy/endpointslicecache_test.go`, written for kubesvc's dicts.
"""

from __future__ import annotations

import copy
import random

import pytest

from kubesvc.controllers.endpoints import (
    desired_endpoint_slices,
    endpoint_conditions,
    gohash,
    pod_endpoint_ports,
    service_backends,
    service_selects,
)
from kubesvc.controllers.endpoints.endpoint_utils import NAME_ALPHABET
from tests.builders import endpoint_slice as user_slice
from tests.builders import node, pod
from tests.builders import service as svc
from tests.builders import service_port as port

SLICE_CONTROLLER = "endpointslice-controller.k8s.io"


# --- objects -------------------------------------------------------------------------------


NODES = {"node-a": node("node-a", zone="zone-1"), "node-b": node("node-b", zone="zone-2")}


def pods_n(count, **kw):
    return [pod(f"web-{i}", ip=f"10.244.{i // 250}.{i % 250 + 1}", **kw) for i in range(count)]


def stored(slices):
    """What the store would hold: each slice gets a uid, as the API server sets it."""
    out = copy.deepcopy(slices)
    for s in out:
        s["metadata"]["uid"] = "uid-" + s["metadata"]["name"]
    return out


def endpoints_of(slices):
    return [e for s in slices for e in s["endpoints"] or ()]


def ips_of(slices):
    return sorted(e["addresses"][0] for e in endpoints_of(slices))


# --- §2.1 which Services, which pods ---------------------------------------------------------


@pytest.mark.parametrize(
    "service",
    [
        svc(type="ExternalName", externalName="db.example.com"),
        svc(selector=None),
        svc(selector={}),  # stored as nil: an empty selector selects nothing (kubernetes #25836)
    ],
    ids=["external-name", "no-selector", "empty-selector"],
)
def test_no_controller_slices(service):
    assert desired_endpoint_slices(service, [pod("web-0")], NODES) == []


def test_unhandled_service_leaves_old_controller_slices_alone():
    old = stored(desired_endpoint_slices(svc(), [pod("web-0")], NODES))
    changed = svc(type="ExternalName", externalName="db.example.com")
    assert desired_endpoint_slices(changed, [], NODES, old) == old


@pytest.mark.parametrize(
    "service, candidate, selected",
    [
        (svc(), pod("p"), True),
        (svc(selector={"app": "web", "tier": "fe"}), pod("p"), False),
        (svc(), pod("p", namespace="other"), False),
        (svc(), pod("p", app="api"), False),
        (svc(selector=None), pod("p"), False),
        (svc(selector={}), pod("p"), False),
        (svc(type="ExternalName"), pod("p"), False),
    ],
    ids=["match", "missing-key", "other-namespace", "other-value", "nil", "empty", "external"],
)
def test_service_selects(service, candidate, selected):
    candidate["metadata"]["labels"]["extra"] = "ignored"  # extra pod labels never matter
    assert service_selects(service, candidate) is selected


# --- §2.2 pod filters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "candidate, included",
    [
        (pod("p", phase="Succeeded"), False),
        (pod("p", phase="Failed"), False),
        (pod("p", phase="Pending"), True),
        (pod("p", ip=None), False),
        (pod("p", deleting=True), True),  # terminating pods stay, with terminating: true
        (pod("p", node="ghost"), False),  # Node not found: skipped (and retried)
        (pod("p", node=""), False),
        (pod("p", ips=["fd00::5"]), False),  # no IPv4 address for an IPv4 Service
    ],
    ids=["succeeded", "failed", "pending", "no-ip", "deleting", "no-node", "unscheduled", "v6"],
)
def test_pod_filters(candidate, included):
    slices = desired_endpoint_slices(svc(), [candidate], NODES)
    assert len(endpoints_of(slices)) == (1 if included else 0)


def test_pod_ip_alone_counts_as_pod_ips():
    candidate = pod("p")
    del candidate["status"]["podIPs"]
    assert ips_of(desired_endpoint_slices(svc(), [candidate], NODES)) == ["10.244.1.5"]


def test_missing_node_with_publish_not_ready_is_kept_without_zone():
    slices = desired_endpoint_slices(
        svc(publishNotReadyAddresses=True), [pod("p", node="ghost")], NODES
    )
    (endpoint,) = endpoints_of(slices)
    assert endpoint["nodeName"] == "ghost" and "zone" not in endpoint


# --- §2.3 ports ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sport, cports, extra, expected",
    [
        (port(target_port=9376), (), {}, [9376]),  # numbers are never checked against the pod
        (port(target_port="http"), (("http", 8080, "TCP"),), {}, [8080]),
        (port(target_port="http"), (("web", 8080, "TCP"),), {}, []),
        (port("dns", 53, "dns", "UDP"), (("dns", 53, "TCP"),), {}, []),
        (
            port(name="dns", port=53, target_port="dns", protocol="UDP"),
            (("dns", 53, "UDP"),),
            {},
            [53],
        ),
        (
            port(target_port="http"),
            (),
            {
                "initContainers": [
                    {
                        "name": "side",
                        "restartPolicy": "Always",
                        "ports": [{"name": "http", "containerPort": 15001}],
                    }
                ]
            },
            [15001],
        ),
        (
            port(target_port="http"),
            (),
            {
                "initContainers": [
                    {"name": "init", "ports": [{"name": "http", "containerPort": 15001}]}
                ]
            },
            [],
        ),
        (
            port(target_port="http"),
            (("http", 8080, "TCP"),),
            {
                "initContainers": [
                    {
                        "name": "side",
                        "restartPolicy": "Always",
                        "ports": [{"name": "http", "containerPort": 15001}],
                    }
                ]
            },
            [8080],
        ),
    ],
    ids=[
        "numeric",
        "named",
        "name-missing",
        "udp-dns-trap",
        "udp-match",
        "sidecar",
        "plain-init-container",
        "containers-first",
    ],
)
def test_pod_endpoint_ports(sport, cports, extra, expected):
    got = pod_endpoint_ports(svc(ports=[sport]), pod("p", container_ports=cports, **extra))
    assert [p["port"] for p in got] == expected
    for p in got:
        assert (p["name"], p["protocol"]) == (sport["name"], sport["protocol"])


def test_container_port_protocol_defaults_to_tcp():
    candidate = pod("p", container_ports=())
    candidate["spec"]["containers"][0]["ports"] = [{"name": "http", "containerPort": 8080}]
    assert pod_endpoint_ports(svc(), candidate)[0]["port"] == 8080


def test_app_protocol_is_copied():
    got = pod_endpoint_ports(svc(ports=[port(app_protocol="kubernetes.io/h2c")]), pod("p"))
    assert got == [
        {"name": "http", "protocol": "TCP", "port": 8080, "appProtocol": "kubernetes.io/h2c"}
    ]


def test_udp_dns_trap_gives_a_portless_slice_and_no_backend():
    service = svc(ports=[port(name="dns", port=53, target_port="dns", protocol="UDP")])
    dns_pod = pod("p", container_ports=(("dns", 53, "TCP"),))
    slices = desired_endpoint_slices(service, [dns_pod], NODES)
    (only,) = slices
    assert only["ports"] is None and ips_of(slices) == ["10.244.1.5"]
    assert service_backends(service, slices) == {"dns": []}


def test_slice_ports_use_upstream_hash_order():
    """kube-dns shows PORTS 9153,53,53 on real clusters: metrics, dns, dns-tcp."""
    service = svc(
        name="kube-dns",
        ports=[
            port("dns", 53, 53, "UDP"),
            port("dns-tcp", 53, 53, "TCP"),
            port("metrics", 9153, 9153),
        ],
    )
    (only,) = desired_endpoint_slices(service, [pod("coredns", app="kube-dns")], NODES)
    assert [p["name"] for p in only["ports"]] == ["metrics", "dns", "dns-tcp"]


def test_headless_without_ports():
    service = svc(cluster_ip="None", ports=[])
    (only,) = desired_endpoint_slices(service, [pod("p")], NODES)
    assert only["ports"] is None and ips_of([only]) == ["10.244.1.5"]


# --- §2.4 grouping -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "count, sizes", [(1, [1]), (100, [100]), (101, [1, 100]), (250, [50, 100, 100])]
)
def test_at_most_100_endpoints_per_slice(count, sizes):
    slices = desired_endpoint_slices(svc(), pods_n(count), NODES)
    assert sorted(len(s["endpoints"]) for s in slices) == sizes
    assert len(ips_of(slices)) == count


def test_different_numbers_for_one_named_port_split_slices():
    pods = [
        pod("a", ip="10.244.1.1"),
        pod("b", ip="10.244.1.2", container_ports=(("http", 9090, "TCP"),)),
        pod("c", ip="10.244.1.3", container_ports=()),
    ]
    slices = desired_endpoint_slices(svc(), pods, NODES)
    by_port = {tuple(p["port"] for p in s["ports"] or ()): ips_of([s]) for s in slices}
    assert by_port == {(8080,): ["10.244.1.1"], (9090,): ["10.244.1.2"], (): ["10.244.1.3"]}
    backends = service_backends(svc(), slices)["http"]
    assert sorted((b.ip, b.port) for b in backends) == [("10.244.1.1", 8080), ("10.244.1.2", 9090)]


def test_placeholder_when_nothing_matches():
    (only,) = desired_endpoint_slices(svc(labels={"team": "a"}), [], NODES)
    assert only["endpoints"] is None and only["ports"] is None
    assert only["addressType"] == "IPv4"
    assert only["metadata"]["labels"] == {
        "team": "a",
        "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": SLICE_CONTROLLER,
    }


def test_dual_stack_gets_one_slice_per_family():
    service = svc(families=("IPv6", "IPv4"), cluster_ip="fd00:10:96::a")
    pods = [pod("p", ips=["10.244.1.5", "fd00:10:244:1:0:0:0:5"])]
    slices = desired_endpoint_slices(service, pods, NODES)
    assert [(s["addressType"], ips_of([s])) for s in slices] == [
        ("IPv4", ["10.244.1.5"]),
        ("IPv6", ["fd00:10:244:1::5"]),
    ]


@pytest.mark.parametrize(
    "service, expected",
    [
        (svc(labels={"team": "a"}), {"team": "a"}),
        (
            svc(cluster_ip="None", labels={"team": "a"}),
            {"team": "a", "service.kubernetes.io/headless": ""},
        ),
        (
            svc(
                labels={
                    "kubernetes.io/service-name": "spoof",
                    "endpointslice.kubernetes.io/managed-by": "me",
                }
            ),
            {},
        ),
    ],
    ids=["service-labels", "headless", "reserved-keys-overridden"],
)
def test_slice_labels(service, expected):
    (only,) = desired_endpoint_slices(service, [pod("p")], NODES)
    reserved = {
        "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": SLICE_CONTROLLER,
    }
    assert only["metadata"]["labels"] == {**expected, **reserved}


def test_slice_metadata_and_owner():
    (only,) = desired_endpoint_slices(svc(), [pod("p")], NODES)
    meta = only["metadata"]
    assert meta["generateName"] == "web-" and meta["namespace"] == "default"
    assert meta["name"].startswith("web-") and len(meta["name"]) == 9
    assert set(meta["name"][4:]) <= set(NAME_ALPHABET)
    assert meta["ownerReferences"] == [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "name": "web",
            "uid": "svc-uid",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert "uid" not in meta and "resourceVersion" not in meta
    assert only["apiVersion"] == "discovery.k8s.io/v1" and only["kind"] == "EndpointSlice"


def test_long_service_name_is_cut_like_generate_name():
    name = "a" * 63
    (only,) = desired_endpoint_slices(svc(name=name), [pod("p", app=name)], NODES)
    assert only["metadata"]["generateName"] == name + "-"
    assert only["metadata"]["name"].startswith("a" * 58) and len(only["metadata"]["name"]) == 63


# --- §2.5 endpoint fields ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ready, deleting, publish, conditions",
    [
        (True, False, False, (True, True, False)),
        (False, False, False, (False, False, False)),
        (None, False, False, (False, False, False)),  # no Ready condition: not ready
        (True, True, False, (False, True, True)),  # terminating is never ready...
        (True, True, True, (True, True, True)),  # ...unless not-ready addresses are published
        (False, False, True, (True, False, False)),
        (False, True, True, (True, False, True)),
    ],
)
def test_conditions(ready, deleting, publish, conditions):
    service = svc(publishNotReadyAddresses=publish)
    (endpoint,) = endpoints_of(
        desired_endpoint_slices(service, [pod("p", ready=ready, deleting=deleting)], NODES)
    )
    got = endpoint["conditions"]
    assert (got["ready"], got["serving"], got["terminating"]) == conditions


@pytest.mark.parametrize(
    "spec, hostname",
    [
        ({"hostname": "web-0", "subdomain": "web"}, "web-0"),
        ({"hostname": "web-0", "subdomain": "other"}, None),
        ({"hostname": "web-0"}, None),
        ({"subdomain": "web"}, None),
    ],
)
def test_hostname_rule(spec, hostname):
    (endpoint,) = endpoints_of(desired_endpoint_slices(svc(), [pod("p", **spec)], NODES))
    assert endpoint.get("hostname") == hostname


def test_endpoint_fields():
    nodes = {"node-a": node("node-a", zone="")}
    (endpoint,) = endpoints_of(desired_endpoint_slices(svc(), [pod("p")], nodes))
    assert endpoint == {
        "addresses": ["10.244.1.5"],
        "conditions": {"ready": True, "serving": True, "terminating": False},
        "targetRef": {"kind": "Pod", "namespace": "default", "name": "p", "uid": "uid-p"},
        "nodeName": "node-a",  # an empty zone label gives no zone
    }
    (zoned,) = endpoints_of(desired_endpoint_slices(svc(), [pod("p")], NODES))
    assert zoned["zone"] == "zone-1"


def test_ips_are_printed_canonically():
    pods = [pod("a", ips=["010.244.001.005"]), pod("b", ips=["10.244.1.6"])]
    assert ips_of(desired_endpoint_slices(svc(), pods, NODES)) == ["10.244.1.5", "10.244.1.6"]


@pytest.mark.parametrize(
    "distribution, expected",
    [
        ("PreferClose", {"forZones": [{"name": "zone-1"}]}),
        ("PreferSameZone", {"forZones": [{"name": "zone-1"}]}),
        ("PreferSameNode", {"forZones": [{"name": "zone-1"}], "forNodes": [{"name": "node-a"}]}),
        (None, None),
    ],
)
def test_traffic_distribution_hints(distribution, expected):
    extra = {"trafficDistribution": distribution} if distribution else {}
    slices = desired_endpoint_slices(
        svc(**extra), [pod("a", ip="10.244.1.1"), pod("b", ip="10.244.1.2", ready=False)], NODES
    )
    ready, not_ready = endpoints_of(slices)
    assert ready.get("hints") == expected and "hints" not in not_ready


def test_topology_annotation_is_not_modelled():
    service = svc(trafficDistribution="PreferClose")
    service["metadata"]["annotations"] = {"service.kubernetes.io/topology-mode": "Auto"}
    (endpoint,) = endpoints_of(desired_endpoint_slices(service, [pod("p")], NODES))
    assert "hints" not in endpoint


# --- §2.6 hostNetwork ---------------------------------------------------------------------------


def test_host_network_pods_use_the_node_ip():
    pods = [
        pod("a", ip="172.18.0.2", hostNetwork=True),
        pod("b", ip="172.18.0.2", hostNetwork=True),
    ]
    slices = desired_endpoint_slices(svc(), pods, NODES)
    assert ips_of(slices) == ["172.18.0.2", "172.18.0.2"]  # two endpoints, one per pod
    assert [(b.ip, b.port) for b in service_backends(svc(), slices)["http"]] == [
        ("172.18.0.2", 8080)
    ]


# --- existing slices and determinism ---------------------------------------------------------


def test_same_input_same_output_whatever_the_pod_order():
    pods = pods_n(130) + [pod("late", ip="10.244.9.9", ready=False)]
    first = desired_endpoint_slices(svc(), pods, NODES)
    shuffled = pods[:]
    random.Random(4).shuffle(shuffled)
    assert desired_endpoint_slices(svc(), shuffled, NODES) == first
    assert desired_endpoint_slices(svc(), pods, NODES) == first


@pytest.mark.parametrize("count", [0, 1, 101, 250], ids=lambda n: f"{n}-pods")
def test_rerun_on_stored_slices_is_a_no_op(count):
    old = stored(desired_endpoint_slices(svc(), pods_n(count), NODES))
    assert desired_endpoint_slices(svc(), pods_n(count), NODES, old) == old


def test_endpoints_stay_in_their_slice():
    old = stored(desired_endpoint_slices(svc(), pods_n(101), NODES))
    names = sorted(s["metadata"]["name"] for s in old)
    fewer = desired_endpoint_slices(svc(), pods_n(101)[1:], NODES, old)  # one leaves the full one
    assert sorted(s["metadata"]["name"] for s in fewer) == names
    assert sorted(len(s["endpoints"]) for s in fewer) == [1, 99]
    more = desired_endpoint_slices(
        svc(), pods_n(102), NODES, old
    )  # the newcomer fits the small one
    assert sorted(s["metadata"]["name"] for s in more) == names
    assert sorted(len(s["endpoints"]) for s in more) == [2, 100]


def test_changed_ports_recycle_the_slice_name():
    old = stored(desired_endpoint_slices(svc(), [pod("p")], NODES))
    moved = svc(ports=[port(target_port=9090)])
    (new,) = desired_endpoint_slices(moved, [pod("p")], NODES, old)
    assert new["metadata"]["name"] == old[0]["metadata"]["name"]
    assert [p["port"] for p in new["ports"]] == [9090]


def test_placeholder_is_kept_then_reused():
    old = stored(desired_endpoint_slices(svc(), [], NODES))
    assert desired_endpoint_slices(svc(), [], NODES, old) == old
    (filled,) = desired_endpoint_slices(svc(), [pod("p")], NODES, old)
    assert filled["metadata"]["name"] == old[0]["metadata"]["name"]
    assert ips_of([filled]) == ["10.244.1.5"]


def test_slices_of_another_owner_or_manager():
    old = stored(desired_endpoint_slices(svc(), [pod("p")], NODES))
    stale = copy.deepcopy(old[0])
    stale["metadata"]["ownerReferences"][0]["uid"] = "previous-service"
    user = copy.deepcopy(old[0])
    user["metadata"]["name"] = "web-manual"
    del user["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"]
    (new,) = desired_endpoint_slices(svc(), [pod("p")], NODES, [stale, user])
    # the stale slice is deleted (not recycled: not owned), the user slice is not ours
    assert new["metadata"]["name"] not in ("web-manual", stale["metadata"]["name"])


def test_slices_being_deleted_are_ignored():
    old = stored(desired_endpoint_slices(svc(), [pod("p")], NODES))
    old[0]["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    (new,) = desired_endpoint_slices(svc(), [pod("p")], NODES, old)
    assert new["metadata"]["name"] != old[0]["metadata"]["name"]


def test_service_label_change_updates_slice_labels():
    old = stored(desired_endpoint_slices(svc(), [pod("p")], NODES))
    (new,) = desired_endpoint_slices(svc(labels={"team": "b"}), [pod("p")], NODES, old)
    assert new["metadata"]["labels"]["team"] == "b"
    assert new["metadata"]["uid"] == old[0]["metadata"]["uid"]  # an update of the same object


def test_inputs_are_not_modified():
    pods, old = pods_n(3), stored(desired_endpoint_slices(svc(), pods_n(2), NODES))
    snapshot = copy.deepcopy((pods, old))
    desired_endpoint_slices(svc(trafficDistribution="PreferClose"), pods, NODES, old)
    assert (pods, old) == snapshot


# --- §3 consumers ------------------------------------------------------------------------------


def test_backends_merge_every_labelled_slice():
    controller = desired_endpoint_slices(svc(), [pod("p", ip="10.244.1.5")], NODES)
    extra = user_slice(
        "manual",
        [{"addresses": ["192.168.0.9"]}],
        [{"name": "http", "port": 8443, "protocol": "TCP"}],
    )
    unlabelled = user_slice(
        "stray",
        [{"addresses": ["192.168.0.10"]}],
        [{"name": "http", "port": 80, "protocol": "TCP"}],
        service=None,
    )
    elsewhere = user_slice(
        "other-ns",
        [{"addresses": ["192.168.0.11"]}],
        [{"name": "http", "port": 80, "protocol": "TCP"}],
        namespace="other",
    )
    got = service_backends(svc(), controller + [extra, unlabelled, elsewhere])["http"]
    assert [(b.ip, b.port) for b in got] == [("192.168.0.9", 8443), ("10.244.1.5", 8080)]
    assert got[0].ready and got[0].serving and not got[0].terminating  # nil conditions


@pytest.mark.parametrize(
    "conditions, expected",
    [
        ({}, (True, True, False)),
        ({"ready": False}, (False, True, False)),
        ({"ready": False, "serving": True, "terminating": True}, (False, True, True)),
        ({"ready": True, "serving": False}, (True, False, False)),
    ],
)
def test_endpoint_conditions_defaults(conditions, expected):
    assert endpoint_conditions({"addresses": ["10.0.0.1"], "conditions": conditions}) == expected


@pytest.mark.parametrize(
    "ports, expected",
    [
        ([{"name": "http", "port": 80, "protocol": "TCP"}], [("10.0.0.1", 80)]),
        ([{"port": 80, "protocol": "TCP"}], []),  # nil name
        ([{"name": "http", "port": 0, "protocol": "TCP"}], []),
        ([{"name": "http", "protocol": "TCP"}], []),
        ([{"name": "http", "port": 80, "protocol": "UDP"}], []),  # another Service port key
        ([{"name": "http", "port": 80}], [("10.0.0.1", 80)]),  # protocol defaults to TCP
        (None, []),
    ],
)
def test_backend_ports(ports, expected):
    eps = user_slice("m", [{"addresses": ["10.0.0.1", "10.0.0.2"]}], ports)  # addresses[0] only
    got = service_backends(svc(), [eps])["http"]
    assert [(b.ip, b.port) for b in got] == expected


def test_backends_dedupe_and_filter_family():
    a = user_slice("a", [{"addresses": ["10.0.0.1"]}], [{"name": "http", "port": 80}])
    b = user_slice(
        "b",
        [{"addresses": ["10.0.0.1"], "conditions": {"ready": False}}, {"addresses": ["fd00::1"]}],
        [{"name": "http", "port": 80}],
    )
    got = service_backends(svc(), [b, a])["http"]
    assert [(x.ip, x.ready) for x in got] == [("10.0.0.1", True), ("fd00::1", True)]
    only_v6 = service_backends(svc(), [a, b], address_type="IPv6")["http"]
    assert [x.ip for x in only_v6] == ["fd00::1"]


# --- Go hash orderings (vectors computed with go-spew v1.1.1) ------------------------------------


@pytest.mark.parametrize(
    "fields, digest",
    [
        ({"name": "http", "protocol": "TCP", "port": 8080}, "3a668b0e210f1dc6528e2da191cd41d4"),
        ({"name": "dns", "protocol": "UDP", "port": 53}, "e756f06fa093542b23b41b09b1f6c32d"),
        (
            {"name": "", "protocol": "TCP", "port": 80, "appProtocol": "http"},
            "2b5043bc001e976ecac19a28401fc62b",
        ),
    ],
)
def test_slice_port_hash_matches_go(fields, digest):
    assert gohash._md5(gohash.slice_port_repr(fields)) == digest


@pytest.mark.parametrize(
    "fields, digest",
    [
        ({"name": "http", "port": 8080, "protocol": "TCP"}, "fc51ca7087ce52e70c38709727f8f0b6"),
        ({"name": "dns-tcp", "port": 53, "protocol": "TCP"}, "3b6a791b41850c40c712b5cc585449ae"),
    ],
)
def test_core_port_hash_matches_go(fields, digest):
    assert gohash._md5(gohash.core_port_repr(fields)) == digest


def test_subset_hash_matches_go():
    ready = [
        {
            "ip": "10.244.0.1",
            "nodeName": "n1",
            "targetRef": {"kind": "Pod", "namespace": "default", "name": "web-1", "uid": "u1"},
        }
    ]
    ports = [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert gohash.subset_hash(ready, None, ports) == "137cbc3b2577d6bd5ccf053fe03b3a6f"
    bare = [{"ip": "10.0.0.9", "hostname": "h"}]
    assert gohash.subset_hash(bare, None, None) == "7da8bd3452488eace40f3db8a97011a1"


def test_no_new_slices_for_a_service_being_deleted():
    doomed = svc()
    doomed["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    assert desired_endpoint_slices(doomed, [pod("p")], NODES) == []
    old = stored(desired_endpoint_slices(svc(), [pod("p")], NODES))
    (kept,) = desired_endpoint_slices(doomed, [pod("p"), pod("q", ip="10.244.1.6")], NODES, old)
    assert ips_of([kept]) == ["10.244.1.5", "10.244.1.6"]  # updates still happen
