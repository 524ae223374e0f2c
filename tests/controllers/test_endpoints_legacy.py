"""Legacy v1 Endpoints controller and EndpointSlice mirroring (spec routing-and-dns.md §2.7-2.8).

Tables paraphrase the cases of k8s `pkg/controller/endpoint/endpoints_controller_test.go`,
`pkg/api/v1/endpoints/util_test.go` and `pkg/controller/endpointslicemirroring/*_test.go`.
"""

from __future__ import annotations

import copy
import random

import pytest

from kubesvc.controllers.endpoints import desired_endpoints, mirrored_endpoint_slices
from tests.builders import pod
from tests.builders import service as svc
from tests.builders import service_port as port

MANAGED = {"endpoints.kubernetes.io/managed-by": "endpoint-controller"}
MIRROR = "endpointslicemirroring-controller.k8s.io"


def many(count, prefix="p", net="10.244", **kw):
    return [pod(f"{prefix}-{i}", ip=f"{net}.{i // 250}.{i % 250 + 1}", **kw) for i in range(count)]


def ips(subset, field="addresses"):
    return [a["ip"] for a in subset.get(field, ())]


# --- §2.8 the Endpoints controller ---------------------------------------------------------------


@pytest.mark.parametrize(
    "service",
    [
        svc(type="ExternalName", externalName="db.example.com"),
        svc(selector=None),
        svc(selector={}),
    ],
    ids=["external-name", "no-selector", "empty-selector"],
)
def test_endpoints_left_alone(service):
    assert desired_endpoints(service, [pod("p")]) is None


def test_endpoints_object():
    got = desired_endpoints(svc(labels={"app": "web"}), [pod("p")])
    assert got == {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web", **MANAGED}},
        "subsets": [
            {
                "addresses": [
                    {
                        "ip": "10.244.1.5",
                        "nodeName": "node-a",
                        "targetRef": {
                            "kind": "Pod",
                            "namespace": "default",
                            "name": "p",
                            "uid": "uid-p",
                        },
                    }
                ],
                "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            }
        ],
    }


def test_no_pods_gives_no_subsets():
    got = desired_endpoints(svc(cluster_ip="None"), [])
    assert "subsets" not in got
    assert got["metadata"]["labels"] == {**MANAGED, "service.kubernetes.io/headless": ""}


@pytest.mark.parametrize(
    "candidate, publish, field",
    [
        (pod("p"), False, "addresses"),
        (pod("p", ready=False), False, "notReadyAddresses"),
        (pod("p", ready=False), True, "addresses"),
        (pod("p", deleting=True), False, None),  # terminating pods are left out...
        (pod("p", deleting=True, ready=False), True, "addresses"),  # ...unless published
        (pod("p", node="ghost"), False, "addresses"),  # no Node lookup here
        (pod("p", node=""), False, "addresses"),
        (pod("p", phase="Succeeded"), True, None),
        (pod("p", ip=None), True, None),
    ],
    ids=[
        "ready",
        "not-ready",
        "published",
        "terminating",
        "terminating-published",
        "missing-node",
        "unscheduled",
        "terminal",
        "no-ip",
    ],
)
def test_address_lists(candidate, publish, field):
    got = desired_endpoints(svc(publishNotReadyAddresses=publish), [candidate])
    subsets = got.get("subsets", [])
    if field is None:
        assert subsets == []
    else:
        assert [list(s) for s in subsets] == [[field, "ports"]]


def test_one_ip_from_the_first_family():
    dual = pod("p", ips=["10.244.1.5", "fd00::5"])
    v6_first = svc(families=("IPv6", "IPv4"), cluster_ip="fd00:96::a")
    assert ips(desired_endpoints(v6_first, [dual])["subsets"][0]) == ["fd00::5"]
    assert ips(desired_endpoints(svc(families=("IPv4", "IPv6")), [dual])["subsets"][0]) == [
        "10.244.1.5"
    ]
    assert "subsets" not in desired_endpoints(v6_first, [pod("v4-only")])


def test_repack_groups_ports_by_identical_addresses_in_go_order():
    service = svc(namespace="shop", ports=[port("http", 80, "http"), port("metrics", 9090, 9090)])
    pods = [
        pod("web-1", namespace="shop", node="n1", uid="u1"),
        pod("web-2", ip="10.244.2.7", namespace="shop", node="n2", uid="u2", ready=False,
            container_ports=()),
    ]
    got = desired_endpoints(service, pods)["subsets"]
    # hashes from go-spew: the http subset (81d4...) sorts before the metrics one (9fec...)
    assert [[p["name"] for p in s["ports"]] for s in got] == [["http"], ["metrics"]]
    assert [ips(s) for s in got] == [["10.244.1.5"], ["10.244.1.5"]]
    assert [ips(s, "notReadyAddresses") for s in got] == [[], ["10.244.2.7"]]


def test_ports_in_go_hash_order():
    """`kubectl describe ep kube-dns` lists dns-tcp, dns, metrics."""
    service = svc(
        name="kube-dns",
        ports=[port("dns", 53, 53, "UDP"), port("dns-tcp", 53, 53), port("metrics", 9153, 9153)],
    )
    (subset,) = desired_endpoints(service, [pod("coredns")])["subsets"]
    assert [p["name"] for p in subset["ports"]] == ["dns-tcp", "dns", "metrics"]


def test_addresses_sorted_by_ip_text():
    pods = [pod("a", ip="10.0.0.9"), pod("b", ip="10.0.0.10"), pod("c", ip="10.0.0.1")]
    (subset,) = desired_endpoints(svc(), pods)["subsets"]
    assert ips(subset) == ["10.0.0.1", "10.0.0.10", "10.0.0.9"]


def test_not_ready_wins_for_a_shared_address():
    pods = [
        pod("a", ip="172.18.0.2", hostNetwork=True, uid="same"),
        pod("b", ip="172.18.0.2", hostNetwork=True, uid="same", ready=False),
    ]
    (subset,) = desired_endpoints(svc(), pods)["subsets"]
    assert ips(subset, "notReadyAddresses") == ["172.18.0.2"] and "addresses" not in subset


def test_headless_without_ports_and_hostname():
    service = svc(cluster_ip="None", ports=[])
    got = desired_endpoints(service, [pod("p", hostname="p", subdomain="web")])
    assert got["subsets"] == [
        {
            "addresses": [
                {
                    "ip": "10.244.1.5",
                    "hostname": "p",
                    "nodeName": "node-a",
                    "targetRef": {
                        "kind": "Pod",
                        "namespace": "default",
                        "name": "p",
                        "uid": "uid-p",
                    },
                }
            ]
        }
    ]


def test_no_skip_mirror_label_and_no_owner():
    got = desired_endpoints(svc(labels={"endpointslice.kubernetes.io/skip-mirror": "x"}), [])
    assert got["metadata"]["labels"] == {"endpointslice.kubernetes.io/skip-mirror": "x", **MANAGED}
    assert "ownerReferences" not in got["metadata"]


def test_over_capacity_keeps_ready_addresses_first():
    pods = many(1001) + many(3, "n", net="10.9", ready=False)
    got = desired_endpoints(svc(), pods)
    (subset,) = got["subsets"]
    assert len(subset["addresses"]) == 1000 and "notReadyAddresses" not in subset
    every = {p["status"]["podIP"] for p in pods[:1001]}
    assert every - set(ips(subset)) == {max(every)}  # the last one in IP text order
    assert got["metadata"]["annotations"] == {"endpoints.kubernetes.io/over-capacity": "truncated"}


def test_over_capacity_trims_not_ready_in_proportion():
    service = svc()
    pods = (
        many(500, "a")
        + many(60, "an", net="10.245", ready=False)
        + many(450, "b", net="10.246", container_ports=(("http", 9090, "TCP"),))
        + many(40, "bn", net="10.247", ready=False, container_ports=(("http", 9090, "TCP"),))
    )
    got = desired_endpoints(service, pods)
    kept = {
        s["ports"][0]["port"]: (len(s["addresses"]), len(s.get("notReadyAddresses", [])))
        for s in got["subsets"]
    }
    # 50 places left for 100 not-ready addresses: ceil(60/100*50) and ceil(40/100*50)
    assert kept == {8080: (500, 30), 9090: (450, 20)}
    assert sum(r + n for r, n in kept.values()) == 1000


def test_capacity_annotation_tracks_the_count():
    existing = {
        "metadata": {
            "annotations": {"endpoints.kubernetes.io/over-capacity": "truncated", "team": "a"}
        }
    }
    got = desired_endpoints(svc(), many(3), existing)
    assert got["metadata"]["annotations"] == {"team": "a"}


def test_endpoints_are_deterministic():
    pods = many(20) + many(5, "n", net="10.9", ready=False, container_ports=())
    shuffled = pods[:]
    random.Random(1).shuffle(shuffled)
    service = svc(ports=[port("http", 80, "http"), port("metrics", 9090, 9090)])
    assert desired_endpoints(service, shuffled) == desired_endpoints(service, pods)


# --- §2.7 mirroring -------------------------------------------------------------------------------


def user_endpoints(name="web", subsets=None, labels=None, annotations=None):
    metadata = {"name": name, "namespace": "default", "uid": "ep-uid"}
    if labels:
        metadata["labels"] = labels
    if annotations:
        metadata["annotations"] = annotations
    if subsets is None:
        subsets = [
            {
                "addresses": [
                    {
                        "ip": "10.0.0.1",
                        "hostname": "db-0",
                        "nodeName": "node-a",
                        "targetRef": {"kind": "Pod", "namespace": "default", "name": "db-0"},
                    }
                ],
                "notReadyAddresses": [{"ip": "10.0.0.2"}],
                "ports": [{"name": "sql", "port": 5432, "protocol": "TCP"}],
            }
        ]
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": metadata, "subsets": subsets}


SELECTORLESS = svc(selector=None)


def test_mirrored_slice():
    eps = user_endpoints(
        labels={"team": "db"},
        annotations={
            "note": "x",
            "kubectl.kubernetes.io/last-applied-configuration": "{}",
            "endpoints.kubernetes.io/last-change-trigger-time": "2026-01-01T00:00:00Z",
        },
    )
    (got,) = mirrored_endpoint_slices(SELECTORLESS, eps)
    meta = got["metadata"]
    assert meta["generateName"] == "web-" and meta["name"].startswith("web-")
    assert meta["labels"] == {
        "team": "db",
        "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": MIRROR,
    }
    assert meta["annotations"] == {"note": "x"}
    assert meta["ownerReferences"] == [
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "name": "web",
            "uid": "ep-uid",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert got["addressType"] == "IPv4"
    assert got["ports"] == [{"name": "sql", "protocol": "TCP", "port": 5432}]
    assert got["endpoints"] == [
        {
            "addresses": ["10.0.0.1"],
            "conditions": {"ready": True},
            "hostname": "db-0",
            "targetRef": {"kind": "Pod", "namespace": "default", "name": "db-0"},
            "nodeName": "node-a",
        },
        {"addresses": ["10.0.0.2"], "conditions": {"ready": False}},
    ]


@pytest.mark.parametrize(
    "service, endpoints, mirrored",
    [
        (SELECTORLESS, user_endpoints(), True),
        (svc(selector={}), user_endpoints(), True),  # an empty selector is no selector
        (svc(), user_endpoints(), False),  # the Endpoints controller owns it
        (None, user_endpoints(), False),
        (
            SELECTORLESS,
            user_endpoints(labels={"endpointslice.kubernetes.io/skip-mirror": "true"}),
            False,
        ),
        (
            SELECTORLESS,
            user_endpoints(labels={"endpointslice.kubernetes.io/skip-mirror": "false"}),
            True,
        ),
        (
            SELECTORLESS,
            user_endpoints(annotations={"control-plane.alpha.kubernetes.io/leader": "{}"}),
            False,
        ),
        (SELECTORLESS, user_endpoints(name="other"), False),
    ],
    ids=[
        "selectorless",
        "empty-selector",
        "selector",
        "no-service",
        "skip-mirror",
        "skip-mirror-false",
        "leader-election",
        "other-name",
    ],
)
def test_when_endpoints_are_mirrored(service, endpoints, mirrored):
    assert bool(mirrored_endpoint_slices(service, endpoints)) is mirrored


def test_controller_endpoints_are_never_mirrored():
    service = svc()
    assert mirrored_endpoint_slices(service, desired_endpoints(service, [pod("p")])) == []


def test_mirroring_splits_families_and_port_sets():
    eps = user_endpoints(
        subsets=[
            {
                "addresses": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}, {"ip": "not-an-ip"}],
                "ports": [{"name": "a", "port": 1}],
            },
            {"addresses": [{"ip": "10.0.0.2"}]},
            {"addresses": [{"ip": "10.0.0.3"}], "ports": [{"name": "a", "port": 1}]},
        ]
    )
    got = mirrored_endpoint_slices(SELECTORLESS, eps)
    summary = sorted(
        (
            s["addressType"],
            [p["port"] for p in s["ports"] or ()],
            [e["addresses"][0] for e in s["endpoints"]],
        )
        for s in got
    )
    assert summary == [
        ("IPv4", [], ["10.0.0.2"]),
        ("IPv4", [1], ["10.0.0.1", "10.0.0.3"]),
        ("IPv6", [1], ["fd00::1"]),
    ]


def test_mirroring_caps_each_subset_at_1000():
    addresses = [{"ip": f"10.1.{i // 250}.{i % 250}"} for i in range(1001)]
    eps = user_endpoints(subsets=[{"addresses": addresses, "ports": [{"name": "a", "port": 1}]}])
    (got,) = mirrored_endpoint_slices(SELECTORLESS, eps)
    assert len(got["endpoints"]) == 1000


def test_mirroring_rerun_and_update_keep_the_name():
    first = mirrored_endpoint_slices(SELECTORLESS, user_endpoints())
    stored = copy.deepcopy(first)
    stored[0]["metadata"]["uid"] = "slice-uid"
    assert mirrored_endpoint_slices(SELECTORLESS, user_endpoints(), stored) == stored
    changed = user_endpoints()
    changed["subsets"][0]["addresses"][0]["ip"] = "10.0.0.7"
    (updated,) = mirrored_endpoint_slices(SELECTORLESS, changed, stored)
    assert updated["metadata"]["name"] == stored[0]["metadata"]["name"]
    assert "generateName" not in updated["metadata"]  # a rewrite under the old name
    assert [e["addresses"][0] for e in updated["endpoints"]] == ["10.0.0.2", "10.0.0.7"]


def test_no_new_mirrored_slices_for_endpoints_being_deleted():
    doomed = user_endpoints()
    doomed["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    assert mirrored_endpoint_slices(SELECTORLESS, doomed) == []
