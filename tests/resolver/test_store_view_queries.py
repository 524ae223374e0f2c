"""The store view's answers are the plain queries': the Service holding a cluster IP whatever
was read before (the first in key order, as MemoryView), and objects by labels
(Store.list_by_labels, found from the rarest pair's rows)."""

from __future__ import annotations

import itertools

import pytest

from kubesvc.kubectl.session import open_store
from kubesvc.resolver.view import MemoryView, StoreView
from kubesvc.store import queries
from tests.conftest import REPO


def _svc(ns: str, name: str, *ips: str) -> dict:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
            "spec": {"clusterIP": ips[0], "clusterIPs": list(ips),
                     "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}]}}


# Written around the API server (no allocation): the same address held twice, as a second
# (other family) cluster IP, and by Services in namespaces whose names prefix each other
SERVICES = [_svc("b", "one", "10.96.50.1"), _svc("a", "two", "10.96.50.1"),
            _svc("a-x", "three", "10.96.50.2", "fd00::50:1"), _svc("a", "four", "fd00::50:1"),
            _svc("c", "five", "10.96.50.3")]


@pytest.fixture
def store(cli):
    cli.ok("apply", "-f", str(REPO / "manifests"))
    s = open_store(cli.state)
    with s.write():
        for svc in SERVICES:
            s.put("Service", svc, new=True)
    yield s
    s.close()


@pytest.mark.parametrize("first", [None, *[(s["metadata"]["namespace"], s["metadata"]["name"])
                                           for s in SERVICES]])
def test_the_first_holder_of_a_cluster_ip_whatever_was_read_before(store, first):
    with store.read():
        objects = store.list("Service")
        ips = sorted({ip for s in objects for ip in s["spec"].get("clusterIPs") or []}) + [
            "10.96.99.99"]
        expected = {ip: queries.service_by_cluster_ip(store, ip) for ip in ips}
        assert expected["10.96.50.1"]["metadata"]["namespace"] == "a"  # the first in key order
        assert expected["fd00::50:1"]["metadata"]["name"] == "four"
        view = StoreView(store)
        if first is not None:
            view.service(*first)
        for ns, name in itertools.islice(((s["metadata"]["namespace"], s["metadata"]["name"])
                                          for s in objects), 3):
            view.service(ns, name)
        assert {ip: view.service_by_cluster_ip(ip) for ip in ips} == expected
        memory = MemoryView(objects)
        assert {ip: memory.service_by_cluster_ip(ip) for ip in ips} == expected


@pytest.mark.parametrize("pairs", [[("app", "one")], [("app", "web")], [("app", "nope")],
                                   [("app", "web"), ("tier", "x")],
                                   [("app", "one"), ("app", "two")]])
def test_objects_by_labels_from_the_rarest_pair(store, pairs):
    """Store.list_by_labels, led by its rarest pair's label rows, finds what filtering the
    kind's objects (etcd key order) finds."""
    with store.read():
        for gk, ns in itertools.product(("Service", "Pod"), ("a", "b", "default", None)):
            expected = [o for o in store.list(gk, ns)
                        if all((o["metadata"].get("labels") or {}).get(k) == v
                               for k, v in pairs)]
            assert store.list_by_labels(gk, ns, pairs) == expected


def test_objects_by_labels_across_namespaces(store):
    """Without a namespace, two pairs: every namespace's objects carrying both, key order."""
    with store.read():
        pods = store.list_by_labels("Pod", None, [("app", "web")])
        assert len(pods) >= 2
        template = pods[0]["metadata"]["labels"]["pod-template-hash"]
        both = store.list_by_labels("Pod", None, [("app", "web"),
                                                  ("pod-template-hash", template)])
        assert [p["metadata"]["name"] for p in both] == sorted(
            p["metadata"]["name"] for p in pods
            if p["metadata"]["labels"]["pod-template-hash"] == template)


def _policies_yaml(count: int) -> str:
    docs = []
    for i in range(count):
        selector = ("{}" if i % 7 == 0 else
                    f"{{matchLabels: {{app: a{i % 5}}}}}" if i % 3 else
                    f"{{matchExpressions: [{{key: app, operator: In, values: [a{i % 5}]}}]}}")
        docs.append(f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: p{i:02d}, namespace: default}}
spec:
  podSelector: {selector}
  ingress: [{{from: [{{podSelector: {{matchLabels: {{app: a{(i + 1) % 5}}}}}}}]}}]
""")
    for i in range(10):
        docs.append(f"""apiVersion: v1
kind: Pod
metadata: {{name: pod-{i}, namespace: default, labels: {{app: a{i % 5}, n: "{i}"}}}}
spec:
  containers: [{{name: c, image: nginx}}]
""")
    return "---\n".join(docs)


@pytest.mark.parametrize("count", [3, 40])
def test_policies_selecting_a_pod_read_from_selectors_first(cli, tmp_path, count):
    """PolicyIndex over the store (selectors first, whole policies by key, then all at once)
    finds the policies PolicyIndex over the objects themselves finds, in the same order."""
    from kubesvc.resolver import netpol

    manifest = tmp_path / "policies.yaml"
    manifest.write_text(_policies_yaml(count))
    cli.ok("apply", "-f", str(manifest))
    s = open_store(cli.state)
    try:
        with s.read():
            pods = s.list("Pod", "default")
            memory = netpol.PolicyIndex(MemoryView(s.list(netpol.GK) + pods))
            stored = netpol.PolicyIndex(StoreView(s))
            for pod in pods * 2:
                assert stored.selecting(pod) == memory.selecting(pod)
            assert any(memory.selecting(pod) for pod in pods)
    finally:
        s.close()


SUBDOMAIN_PODS = "---\n".join(f"""apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default, labels: {{app: {label}}}}}
spec:
  {"subdomain: '" + sub + "'" if sub else ""}
  containers: [{{name: c, image: nginx}}]
""" for name, label, sub in [("p1", "app-5", "app-5"), ("p2", "app-5", "app-50"),
                              ("p3", "app-50", "app-5"), ("p4", "app-5", None),
                              ("p5", "x", "app"), ("p6", "app-5", "5")])


@pytest.mark.parametrize("sub", ["app-5", "app-50", "app", "5", "app-", "p1", "x"])
def test_pods_by_subdomain_from_the_summaries(cli, tmp_path, sub):
    manifest = tmp_path / "pods.yaml"
    manifest.write_text(SUBDOMAIN_PODS)
    cli.ok("apply", "-f", str(manifest))
    s = open_store(cli.state)
    try:
        with s.read():
            expected = MemoryView(s.list("Pod")).pods_with_subdomain("default", sub)
            assert queries.pods_with_subdomain(s, "default", sub) == expected
            assert StoreView(s).pods_with_subdomain("default", sub) == expected
            assert bool(expected) == (sub in ("app-5", "app-50", "app", "5"))
    finally:
        s.close()
