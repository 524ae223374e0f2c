"""NetworkPolicy verdicts on resolve's routes: judged after kube-proxy's DNAT, with the source
address the pod sees (masquerade follows the route), DNS to kube-dns checked, enforcement off.

Rows name their source: DOCS (network-policies.md), E2E (test/e2e/network/netpol), KP (the
kube-proxy rules resolve already models: pkg/proxy/iptables/proxier.go)."""

from __future__ import annotations

import pytest

from kubesvc.resolver.resolve import resolve
from tests.resolver.netpol_world import namespace, policy
from tests.resolver.world import cluster, node, pod, service

WEB = {"matchLabels": {"app": "web"}}
DENY = policy("web-deny-all", WEB, types=["Ingress"])
ALLOW_CLIENT = policy("allow-client", WEB, ingress=[{"from": [{"podSelector": {
    "matchLabels": {"app": "client"}}}]}])
ALLOW_EXTERNAL = policy("allow-external", WEB, ingress=[{"from": [{"ipBlock": {
    "cidr": "203.0.113.0/24"}}]}])
ONLY_WEB1 = policy("deny-web-2", {"matchLabels": {"statefulset.kubernetes.io/pod-name":
                                                  "web-2"}}, types=["Ingress"])
NODEPORT = [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP",
             "nodePort": 30080}]
DNS_EGRESS_DENY = policy("no-egress", {"matchLabels": {"app": "client"}}, types=["Egress"])
DNS_EGRESS_ALLOW = policy("dns-only", {"matchLabels": {"app": "client"}}, egress=[{
    "to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
    "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}])


def world(*objs, settings=None, **svc):
    return cluster(
        node("n1"), node("n2"), node("n3"), namespace("default"), namespace("kube-system"),
        pod("web-1", "10.244.0.10", "n1", {"app": "web"}),
        pod("web-2", "10.244.1.10", "n2", {"app": "web",
                                            "statefulset.kubernetes.io/pod-name": "web-2"}),
        pod("client", "10.244.2.5", "n3", {"app": "client"}),
        pod("other", "10.244.2.7", "n3", {"app": "other"}),
        pod("coredns", "10.244.0.2", "n1", {"k8s-app": "kube-dns"}, ns="kube-system",
            ports=(("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"))),
        service("kube-dns", "10.96.0.10", ns="kube-system", selector={"k8s-app": "kube-dns"},
                ports=[{"name": "dns", "port": 53, "targetPort": 53, "protocol": "UDP"},
                       {"name": "dns-tcp", "port": 53, "targetPort": 53, "protocol": "TCP"}]),
        service("web", **svc), *objs, settings=settings)


BOTH = ["10.244.0.10:8080", "10.244.1.10:8080"]


@pytest.mark.parametrize("source, policies, target, frm, svc, result, backends", [
    ("DOCS default allow", [], "web:80", "pod:other", {}, "forward", BOTH),
    ("E2E 'should support a default-deny ingress policy' through the ClusterIP",
     [DENY], "web:80", "pod:other", {}, "drop", []),
    ("E2E 'should enforce policy to allow traffic only from a pod... PodSelector'",
     [ALLOW_CLIENT], "web:80", "pod:client", {}, "forward", BOTH),
    ("E2E same, another pod refused", [ALLOW_CLIENT], "web:80", "pod:other", {}, "drop", []),
    ("DOCS per pod: one backend blocked, the other kept",
     [ONLY_WEB1], "10.96.0.50:80", "pod:other", {}, "forward", ["10.244.0.10:8080"]),
    ("DOCS policies judge the pod IP, not the Service: a direct pod IP is refused too",
     [DENY], "10.244.0.10:8080", "pod:other", {}, "drop", []),
    ("KP NodePort with externalTrafficPolicy Cluster masquerades: the ipBlock of the client "
     "no longer matches (source is the node)",
     [ALLOW_EXTERNAL], "172.18.0.4:30080", "external", {"type": "NodePort", "ports": NODEPORT},
     "drop", []),
    ("KP externalTrafficPolicy Local keeps the client IP: the ipBlock admits it",
     [ALLOW_EXTERNAL], "172.18.0.2:30080", "external",
     {"type": "NodePort", "ports": NODEPORT, "externalTrafficPolicy": "Local"},
     "forward", ["10.244.0.10:8080"]),
    ("DOCS 'traffic to and from the node where a Pod is running is always allowed' "
     "(masqueraded NodePort traffic to a local backend)",
     [DENY], "172.18.0.2:30080", "external", {"type": "NodePort", "ports": NODEPORT},
     "forward", ["10.244.0.10:8080"]),
    ("DOCS node traffic to its own pod passes, another node's is refused",
     [DENY], "10.96.0.50:80", "node:n1", {}, "forward", ["10.244.0.10:8080"]),
])
def test_route_verdicts(source, policies, target, frm, svc, result, backends):
    route = resolve(world(*policies, **svc), target, frm, "default")
    assert (route.result, route.backends) == (result, backends), source
    if result == "drop" or source.startswith("DOCS per pod"):
        assert route.blocked, source
        assert any(r.code == "network-policy" for r in route.reasons)


def test_drop_names_the_policy_and_the_rule():
    route = resolve(world(DENY), "web:80", "pod:other", "default")
    reasons = [r for r in route.reasons if r.code == "network-policy"]
    assert [r.message for r in reasons] == [
        "NetworkPolicy default/web-deny-all selects the pods (default/web-1, default/web-2) and "
        "no ingress rule admits pod default/other (10.244.2.7) to port 8080/TCP: DROP (the SYN "
        "is dropped; the client times out)"]
    assert route.policy[0] == {
        "backend": "10.244.0.10:8080", "pod": "default/web-1",
        "from": "pod default/other (10.244.2.7)",
        "result": "drop", "direction": "Ingress", "policies": ["default/web-deny-all"],
        "rule": "no ingress rule admits pod default/other (10.244.2.7) to port 8080/TCP"}
    assert [e.address for e in route.blocked] == BOTH


def test_enforcement_off_delivers_and_says_so():
    route = resolve(world(DENY, settings={"networkPolicyEnforcement": "off"}), "web:80",
                    "pod:other", "default")
    assert (route.result, route.backends) == ("forward", BOTH)
    assert route.blocked == []
    assert {v["result"] for v in route.policy} == {"not-enforced"}
    assert any(r.code == "network-policy-off" and "does not enforce" in r.message
               for r in route.reasons)


@pytest.mark.parametrize("source, policies, rcode, result", [
    ("E2E 'should support a default-deny egress policy': DNS times out", [DNS_EGRESS_DENY],
     "TIMEOUT", "drop"),
    ("E2E 'should allow egress access to DNS' (netpol's probes allow 53 to kube-dns)",
     [DNS_EGRESS_DENY, DNS_EGRESS_ALLOW], "NOERROR", "drop"),
])
def test_dns_egress(source, policies, rcode, result):
    view = world(*policies)
    answer = resolve(view, "web", "pod:client", "default")
    assert answer.rcode == rcode, source
    route = resolve(view, "web:80", "pod:client", "default")
    assert route.result == result  # egress to web itself is denied in both rows
    if rcode == "NOERROR":
        assert route.resolved == ["10.96.0.50"] and route.blocked


def test_egress_is_judged_on_the_backend_not_the_cluster_ip():
    """DOCS: policies apply after DNAT: an egress rule to the Service's cluster IP range does
    not admit the connection, one to the pods' range does."""
    to_svc = policy("to-svc", {"matchLabels": {"app": "client"}}, egress=[
        {"to": [{"ipBlock": {"cidr": "10.96.0.0/12"}}]}])
    to_pods = policy("to-pods", {"matchLabels": {"app": "client"}}, egress=[
        {"to": [{"ipBlock": {"cidr": "10.244.0.0/16"}}]}])
    assert resolve(world(to_svc), "10.96.0.50:80", "pod:client", "default").result == "drop"
    assert resolve(world(to_pods), "10.96.0.50:80", "pod:client",
                   "default").backends == BOTH


def test_dns_over_tcp_blocked_is_a_warning():
    """DOCS ports/protocol: a policy admitting 53/UDP only leaves TCP fallback blocked."""
    udp_only = policy("dns-udp", {"matchLabels": {"app": "client"}}, egress=[{
        "to": [{"namespaceSelector": {}}], "ports": [{"port": 53, "protocol": "UDP"}]}])
    answer = resolve(world(udp_only), "web", "pod:client", "default")
    assert answer.rcode == "NOERROR"
    assert [r.severity for r in answer.reasons if r.code == "network-policy"] == ["warning"]
