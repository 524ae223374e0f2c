"""kube-proxy (iptables mode) routing rules, one table per rule of spec routing-and-dns.md §4.

The cluster: three nodes (n1 in zone a; n2, n3 in zone b), pods web-1 on n1 and web-2 on n2
behind the Services under test, and client pods on n1 and n3. EndpointSlices are made by the
real EndpointSlice controller from the pods, as in a cluster.
"""

from __future__ import annotations

import pytest

from kubesvc.resolver.follow import route_address
from kubesvc.resolver.resolve import resolve
from kubesvc.resolver.targets import resolve_client
from kubesvc.resolver.view import MemoryView
from tests.param_ids import by_columns
from tests.resolver.world import cluster, node, pod, service


def base(*services: dict, pods: tuple | None = None) -> MemoryView:
    default_pods = (pod("web-1", "10.244.0.10", "n1"), pod("web-2", "10.244.1.10", "n2"))
    clients = (pod("client-n1", "10.244.0.5", "n1", {"app": "client"}),
               pod("client-n3", "10.244.2.5", "n3", {"app": "client"}))
    return cluster(node("n1"), node("n2"), node("n3"), *(default_pods if pods is None else pods),
                   *clients, *services)


def go(view: MemoryView, target: str, frm: str | None = None):
    return resolve(view, target, frm, "default")


BOTH = ["10.244.0.10:8080", "10.244.1.10:8080"]
NODEPORT = {"type": "NodePort", "ports": [{"name": "http", "port": 80, "targetPort": "http",
                                           "protocol": "TCP", "nodePort": 30080}]}
LB_PORTS = [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP",
             "nodePort": 30080}]


def lb(ip: str | None = "192.0.2.10", mode: str | None = None, **spec) -> dict:
    ingress = [{"ip": ip, **({"ipMode": mode} if mode else {})}] if ip else []
    return service("web", type="LoadBalancer", ports=LB_PORTS,
                   status={"loadBalancer": {"ingress": ingress}}, **spec)


# --- §4.3 ClusterIP ---------------------------------------------------------------------------


@by_columns((0, 1), "target, frm, result, backends", [
    ("10.96.0.50:80", "pod:client-n3", "forward", BOTH),
    ("10.96.0.50:80/TCP", "node:n3", "forward", BOTH),
    ("10.96.0.50:80", None, "forward", BOTH),  # pod-less in-cluster client
    ("10.96.0.50:80/UDP", "pod:client-n3", "unhandled", []),  # undefined protocol
    ("10.96.0.50:8080", "pod:client-n3", "unhandled", []),  # the targetPort, not the port
    ("10.96.0.50:80", "external", "unhandled", []),  # cluster IPs are not routed from outside
])
def test_cluster_ip(target, frm, result, backends):
    route = go(base(service("web")), target, frm)
    assert (route.result, route.backends) == (result, backends)
    assert route.service == "default/web"


def test_cluster_ip_on_the_target_port_gets_a_hint():
    route = go(base(service("web", ports=[{"name": "http", "port": 80, "targetPort": 8080}])),
               "10.96.0.50:8080", "pod:client-n1")
    assert route.reasons[0].code == "port-not-intercepted"
    assert "that is a targetPort" in route.reasons[0].message


def test_no_usable_endpoint_rejects_with_the_reason():
    view = base(service("web"), pods=(pod("web-1", "10.244.0.10", "n1", ready=False),))
    route = go(view, "10.96.0.50:80", "pod:client-n3")
    assert route.result == "reject"
    codes = [r.code for r in route.reasons]
    assert codes[:2] == ["no-endpoints", "pod-not-ready"]
    assert "has no endpoints" in route.reasons[0].rule


# --- §4.2 / §4.7 terminating endpoints ----------------------------------------------------------


@pytest.mark.parametrize("pods, result, backends", [
    # every pod terminating but still serving: the cluster-wide fallback
    ((pod("web-1", "10.244.0.10", "n1", terminating=True),), "forward", ["10.244.0.10:8080"]),
    # terminating and not serving: nothing usable
    ((pod("web-1", "10.244.0.10", "n1", terminating=True, ready=False),), "reject", []),
    # one ready pod elsewhere: terminating ones are never used
    ((pod("web-1", "10.244.0.10", "n1", terminating=True), pod("web-2", "10.244.1.10", "n2")),
     "forward", ["10.244.1.10:8080"]),
])
def test_terminating_fallback(pods, result, backends):
    route = go(base(service("web"), pods=pods), "10.96.0.50:80", "pod:client-n3")
    assert (route.result, route.backends) == (result, backends)


# --- internalTrafficPolicy: Local ------------------------------------------------------------


@by_columns((0,), "frm, result, backends", [
    ("pod:client-n1", "forward", ["10.244.0.10:8080"]),
    ("pod:client-n3", "drop", []),
    ("node:n2", "forward", ["10.244.1.10:8080"]),
])
def test_internal_traffic_policy_local(frm, result, backends):
    route = go(base(service("web", internalTrafficPolicy="Local")), "10.96.0.50:80", frm)
    assert (route.result, route.backends) == (result, backends)
    if result == "drop":
        assert route.reasons[0].code == "itp-local-drop"


def test_itp_local_falls_back_to_a_local_terminating_endpoint_per_node():
    pods = (pod("web-1", "10.244.0.10", "n1", terminating=True), pod("web-2", "10.244.1.10", "n2"))
    route = go(base(service("web", internalTrafficPolicy="Local"), pods=pods), "10.96.0.50:80",
               "pod:client-n1")
    assert (route.result, route.backends) == ("forward", ["10.244.0.10:8080"])
    assert route.endpoints[0].state == "terminating"


def test_pod_less_client_is_judged_on_every_node():
    route = go(base(service("web", internalTrafficPolicy="Local")), "10.96.0.50:80")
    assert [(v.node, v.result) for v in route.nodes] == [
        ("n1", "forward"), ("n2", "forward"), ("n3", "drop")]
    assert route.result == "forward"


# --- §4.4 NodePort -------------------------------------------------------------------------------


@by_columns((0, 1, 2), "policy, target, frm, result, backends, client_ip", [
    ("Cluster", "172.18.0.4:30080", None, "forward", BOTH, "masqueraded"),  # node without pod
    ("Local", "172.18.0.4:30080", None, "drop", [], None),
    ("Local", "172.18.0.2:30080", None, "forward", ["10.244.0.10:8080"], "preserved"),
    ("Local", "172.18.0.4:30080", "pod:client-n3", "forward", BOTH, "preserved"),  # short-circuit
    ("Local", "172.18.0.2:30080", "pod:client-n3", "forward", BOTH, "preserved"),
    ("Local", "172.18.0.4:30080", "node:n3", "forward", BOTH, "masqueraded"),  # host traffic
    ("Local", "172.18.0.4:30080", "node:n1", "drop", [], None),  # another node: external rules
    ("Local", "127.0.0.1:30080", "node:n1", "forward", BOTH, "masqueraded"),  # localhost
    ("Cluster", "172.18.0.4:30080/UDP", None, "unhandled", [], None),
])
def test_node_port(policy, target, frm, result, backends, client_ip):
    svc = service("web", externalTrafficPolicy=policy, **NODEPORT)
    route = go(base(svc), target, frm)
    assert (route.result, route.backends) == (result, backends)
    if client_ip:
        assert route.nodes[0].client_ip == client_ip


def test_node_port_without_endpoints_rejects():
    route = go(base(service("web", **NODEPORT), pods=()), "172.18.0.3:30080")
    assert route.result == "reject"


def test_node_port_of_nobody_is_unhandled():
    route = go(base(service("web", **NODEPORT)), "172.18.0.3:31999")
    assert (route.result, route.reasons[0].code) == ("unhandled", "node-port-closed")


def test_host_port_and_kube_proxy_healthz():
    host = pod("agent", "10.244.2.9", "n3", {"app": "agent"}, ports=())
    host["spec"]["containers"][0]["ports"] = [{"containerPort": 9100, "hostPort": 9100}]
    view = base(service("web"), pods=(host,))
    assert go(view, "172.18.0.4:9100").backends == ["10.244.2.9:9100"]
    health = go(view, "172.18.0.4:10256")
    assert (health.result, health.health["status"]) == ("health", 200)


# --- health check node port (LB + eTP Local) -----------------------------------------------------


@pytest.mark.parametrize("target, status, count", [
    ("172.18.0.2:32000", 200, 1), ("172.18.0.4:32000", 503, 0), ("172.18.0.3:32000", 503, 0)])
def test_health_check_node_port(target, status, count):
    pods = (pod("web-1", "10.244.0.10", "n1"), pod("web-2", "10.244.1.10", "n2", terminating=True))
    svc = lb(externalTrafficPolicy="Local", healthCheckNodePort=32000)
    route = go(base(svc, pods=pods), target)
    assert (route.result, route.health["status"], route.health["localEndpoints"]) == (
        "health", status, count)


# --- §4.5 externalIPs, §4.6 LoadBalancer --------------------------------------------------------


@by_columns((0, 1), "target, frm, result, backends", [
    ("198.51.100.7:80", None, "forward", BOTH),
    ("198.51.100.7:80", "pod:client-n3", "forward", BOTH),
    ("198.51.100.7:81", None, "unhandled", []),
])
def test_external_ips(target, frm, result, backends):
    route = go(base(service("web", externalIPs=["198.51.100.7"])), target, frm)
    assert (route.result, route.backends, route.way) == (result, backends,
                                                         "ExternalIP" if backends else None)


@by_columns((0, 1, 2), "spec, target, frm, result, backends", [
    ({}, "192.0.2.10:80", None, "forward", BOTH),
    ({"externalTrafficPolicy": "Local"}, "192.0.2.10:80", None, "forward", BOTH),  # LB -> n1, n2
    ({"externalTrafficPolicy": "Local"}, "192.0.2.10:80", "pod:client-n3", "forward", BOTH),
    ({"loadBalancerSourceRanges": ["10.0.0.0/8"]}, "192.0.2.10:80", None, "drop", []),
    ({"loadBalancerSourceRanges": ["10.0.0.0/8"]}, "192.0.2.10:80", "external:10.1.2.3",
     "forward", BOTH),
    ({"loadBalancerSourceRanges": ["10.0.0.0/8"]}, "172.18.0.4:30080", None, "forward", BOTH),
    ({"loadBalancerSourceRanges": ["203.0.113.0/24"]}, "192.0.2.10:80", "pod:client-n3",
     "drop", []),  # pod sources are checked too
])
def test_load_balancer_vip(spec, target, frm, result, backends):
    route = go(base(lb(**spec)), target, frm)
    assert (route.result, route.backends) == (result, backends)
    if result == "drop":
        assert "source-range-drop" in [r.code for r in route.reasons]


def test_load_balancer_local_with_only_terminating_endpoints_has_no_healthy_node():
    pods = (pod("web-1", "10.244.0.10", "n1", terminating=True),)
    route = go(base(lb(externalTrafficPolicy="Local"), pods=pods), "192.0.2.10:80")
    assert (route.result, route.reasons[1].code) == ("drop", "lb-no-healthy-node")


def test_load_balancer_proxy_mode_leaves_the_cluster():
    route = go(base(lb(mode="Proxy")), "192.0.2.10:80", "pod:client-n3")
    assert (route.result, route.backends) == ("external-lb", BOTH)
    assert route.reasons[0].code == "lb-proxy-mode"


def test_pending_load_balancer_has_no_ingress_way():
    report = go(base(lb(ip=None)), "svc/web")
    pending = [r for r in report.routes if r.way == "LoadBalancer"]
    assert [r.result for r in pending] == ["no-ingress"]
    assert pending[0].reasons[0].message.endswith("no address pool serves it")
    assert not report.delivered()


# --- §4.8 session affinity, §4.9 topology, §4.1 ignored Services -----------------------------


@pytest.mark.parametrize("config, timeout", [({}, 10800), ({"clientIP": {"timeoutSeconds": 60}},
                                                           60)])
def test_session_affinity(config, timeout):
    svc = service("web", sessionAffinity="ClientIP", sessionAffinityConfig=config)
    route = go(base(svc), "10.96.0.50:80", "pod:client-n1")
    assert route.affinity == {"type": "ClientIP", "timeoutSeconds": timeout}
    assert route.backends == BOTH  # the set is unchanged, only the choice is sticky


def test_topology_hints_keep_traffic_in_zone():
    svc = service("web", trafficDistribution="PreferClose")
    route = go(base(svc), "10.96.0.50:80", "pod:client-n1")
    assert route.backends == ["10.244.0.10:8080"]
    assert go(base(svc), "10.96.0.50:80", "pod:client-n3").backends == ["10.244.1.10:8080"]


def test_service_proxy_name_label_is_ignored_by_kube_proxy():
    svc = service("web")
    svc["metadata"]["labels"] = {"service.kubernetes.io/service-proxy-name": "other"}
    route = go(base(svc), "10.96.0.50:80", "pod:client-n1")
    assert (route.result, route.reasons[0].code) == ("unhandled", "proxy-ignored")


@pytest.mark.parametrize("target, result, code", [
    ("10.96.7.7:80", "unhandled", "unallocated-ip"),
    ("8.8.8.8:53/UDP", "unhandled", "not-cluster-address"),
    ("10.244.0.10:8080", "direct", "pod-direct"),
    ("10.244.0.10:9999", "direct", "pod-direct"),
])
def test_addresses_kube_proxy_does_not_intercept(target, result, code):
    route = go(base(service("web")), target, "pod:client-n3")
    assert (route.result, route.reasons[0].code) == (result, code)


def test_direct_to_an_undeclared_port_warns():
    route = go(base(service("web")), "10.244.0.10:9999", "pod:client-n3")
    assert [r.code for r in route.reasons] == ["pod-direct", "port-not-declared"]


def test_host_network_pod_is_a_node_client():
    host = pod("agent", "172.18.0.4", "n3", {"app": "agent"}, hostNetwork=True)
    view = base(service("web", externalTrafficPolicy="Local", **NODEPORT),
                pods=(pod("web-1", "10.244.0.10", "n1"), host))
    client = resolve_client(view, "pod:agent", "default", "cluster")
    assert client.source().kind == "node"
    route = route_address(view, client, "172.18.0.4", 30080, "TCP", "x")
    assert route.backends == ["10.244.0.10:8080"]  # host traffic: cluster endpoints


@pytest.mark.parametrize("text, message", [
    ("pod:nope", 'pods "nope" not found'),
    ("node:n9", 'nodes "n9" not found'),
    ("external:nope", "needs an IP address"),
    ("sideways", "expected pod:[NS/]NAME"),
])
def test_bad_clients(text, message):
    from kubesvc.api.errors import KubesvcError

    with pytest.raises(KubesvcError, match=message.replace("[", r"\[").replace("]", r"\]")):
        go(base(service("web")), "10.96.0.50:80", text)


def test_name_through_an_external_name_alias_inside_the_cluster():
    alias = service("alias", None, type="ExternalName",
                    externalName="web.default.svc.cluster.local", selector={})
    route = go(base(service("web"), alias), "alias:80", "pod:client-n1")
    assert (route.result, route.service, route.resolved) == ("forward", "default/web",
                                                             ["10.96.0.50"])
    assert "alias.default.svc.cluster.local. is an alias (ExternalName) of " \
           "web.default.svc.cluster.local." in [r.message for r in route.reasons]


def test_an_ipv6_only_service_is_reached_through_its_aaaa_record():
    svc = service("web6", "fd00::50", ipFamilies=["IPv6"])
    route = go(base(svc), "web6:80", "pod:client-n1")
    assert (route.resolved, route.address, route.result) == (["fd00::50"], "[fd00::50]:80/TCP",
                                                             "reject")  # pods are IPv4 only


@pytest.mark.parametrize("target, frm, result, code", [
    ("web:80", "external", "nxdomain", "external-dns"),
    ("nope:80", "pod:client-n1", "nxdomain", "dns-search"),
    ("db:5432", "pod:client-n1", "cname", "dns-search"),
])
def test_names_that_do_not_reach_a_service(target, frm, result, code):
    db = service("db", None, type="ExternalName", externalName="db.example.com", selector={})
    route = go(base(service("web"), db), target, frm)
    assert (route.result, route.reasons[0].code) == (result, code)


def test_external_ip_without_nodes_reaches_nothing():
    view = cluster(service("web", externalIPs=["198.51.100.7"]))
    route = go(view, "198.51.100.7:80")
    assert (route.result, route.reasons[-1].code) == ("drop", "no-nodes")
    assert go(view, "10.96.0.50:80").result == "reject"  # no node, no endpoint


def test_node_hints_keep_traffic_on_the_node():
    svc = service("web", selector={})
    hinted = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
              "metadata": {"name": "web-hinted", "namespace": "default",
                           "labels": {"kubernetes.io/service-name": "web"}},
              "endpoints": [{"addresses": [ip], "nodeName": n, "hints": {"forNodes": [
                  {"name": n}], "forZones": [{"name": "a"}]}}
                  for ip, n in (("10.244.0.10", "n1"), ("10.244.1.10", "n2"))],
              "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}
    view = cluster(node("n1"), node("n2"), node("n3"), pod("c", "10.244.2.5", "n3", {}), svc,
                   extra_slices=(hinted,))
    route = go(view, "10.96.0.50:80")
    assert [(v.node, [e.address for e in v.endpoints]) for v in route.nodes] == [
        ("n1", ["10.244.0.10:8080"]), ("n2", ["10.244.1.10:8080"]), ("n3", BOTH)]


def test_other_proxy_modes_are_noted():
    view = base(service("web"))
    view.settings["kubeProxyMode"] = "nftables"
    route = go(view, "10.96.0.50:80", "pod:client-n1")
    assert route.reasons[0].code == "proxy-mode"
