"""Why an answer is empty or partial (spec routing-and-dns.md §7), and `kubesvc check`."""

from __future__ import annotations

import pytest

from kubesvc.resolver.check import check_cluster, ip_owners
from kubesvc.resolver.diagnosis import diagnose_service
from tests.builders import ip_address_pool as pool
from tests.resolver.world import cluster, node, pod, service


def reasons(*objs, svc=None):
    svc = svc or service("web")
    view = cluster(node("n1"), node("n2"), *objs, svc)
    return [(r.code, r.severity, r.message) for r in diagnose_service(view, svc)]


def codes(*objs, svc=None):
    return [c for c, _, _ in reasons(*objs, svc=svc)]


# --- selector ----------------------------------------------------------------------------------


def test_selector_diff_names_the_nearest_pods_and_each_label():
    svc = service("web", selector={"app": "web", "tier": "frontend"})
    found = reasons(pod("web-1", "10.244.0.10", "n1", {"app": "web", "tier": "api"}),
                    pod("web-2", "10.244.1.10", "n2", {"app": "web"}),
                    pod("other", "10.244.1.11", "n2", {"app": "db"}),
                    pod("lone", "10.244.1.12", "n2", {"run": "x"}), svc=svc)
    assert found == [("selector-no-match", "error",
                      "selector app=web,tier=frontend matches no pod in namespace default\n"
                      "- closest: 1 pod(s) (web-2): has no label tier\n"
                      "- closest: 1 pod(s) (web-1): tier is 'api', not 'frontend'")]


def test_a_typo_in_the_selector_points_at_the_most_similar_pods():
    svc = service("web", selector={"app": "wbe"})
    found = reasons(pod("cache-0", "10.244.0.11", "n1", {"app": "cache"}),
                    pod("web-1", "10.244.0.10", "n1"), svc=svc)
    assert found[0][2].splitlines()[1:] == [
        "- closest: 1 pod(s) (web-1): app is 'web', not 'wbe'",
        "- closest: 1 pod(s) (cache-0): app is 'cache', not 'wbe'"]


def test_pods_in_another_namespace_are_pointed_out():
    found = reasons(pod("web-1", "10.244.0.10", "n1", ns="prod"))
    assert found[0][2].endswith("- 1 pod(s) in namespace prod match, but a Service only "
                                "selects pods of its own namespace")


def test_selector_copied_from_the_deployment_labels():
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
              "spec": {"replicas": 1, "template": {"metadata": {"labels": {"run": "web"}}}}}
    found = reasons(deploy, pod("web-1", "10.244.0.10", "n1", {"run": "web"}))
    assert ("selector-deployment-labels", "error",
            "the selector matches Deployment web's own labels, but its pods carry run=web: "
            "has no label app") in found


def test_a_matching_workload_scaled_to_zero():
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": {"name": "web", "namespace": "default"},
              "spec": {"replicas": 0, "template": {"metadata": {"labels": {"app": "web"}}}}}
    assert reasons(deploy)[0][2].endswith("- Deployment web would make matching pods but has "
                                          "replicas: 0")


# --- pod states -----------------------------------------------------------------------------


@pytest.mark.parametrize("bad, code", [
    (pod("web-2", "10.244.1.10", "n2", ready=False), "pod-not-ready"),
    (pod("web-2", None, None, phase="Pending"), "pod-no-ip"),
    (pod("web-2", "10.244.1.10", "n2", terminating=True), "pod-terminating"),
    (pod("web-2", "10.244.9.10", "n9"), "pod-node-missing"),
    (pod("web-2", "10.244.1.10", "n2", phase="Succeeded"), "pod-terminal"),
])
def test_pod_states(bad, code):
    good = pod("web-1", "10.244.0.10", "n1")
    assert reasons(good, bad) == [(code, "warning", reasons(good, bad)[0][2])]
    alone = reasons(bad)
    assert alone[0][:2] == (code, "error")  # no pod left to serve: an error
    assert "web-2" in alone[0][2]


def test_publish_not_ready_addresses_hides_readiness_problems():
    svc = service("web", publishNotReadyAddresses=True)
    assert codes(pod("web-1", "10.244.0.10", "n1", ready=False), svc=svc) == ["pnra"]


# --- ports -----------------------------------------------------------------------------------


@pytest.mark.parametrize("ports, svc_port, code", [
    ((("web", 8080, "TCP"),), {"name": "http", "port": 80, "targetPort": "http"},
     "named-port-absent"),
    ((("dns", 53, "TCP"),), {"name": "dns", "port": 53, "targetPort": "dns", "protocol": "UDP"},
     "named-port-protocol"),  # kubernetes#84160
    ((("http", 8080, "TCP"),), {"name": "http", "port": 80, "targetPort": 9090},
     "port-unchecked"),
])
def test_target_ports(ports, svc_port, code):
    svc = service("web", ports=[svc_port])
    assert codes(pod("web-1", "10.244.0.10", "n1", ports=ports), svc=svc) == [code]


def test_named_port_only_on_an_init_container():
    p = pod("web-1", "10.244.0.10", "n1", ports=())
    p["spec"]["initContainers"] = [{"name": "init", "ports": [{"name": "http",
                                                               "containerPort": 8080}]}]
    assert codes(p) == ["named-port-init"]


# --- selector-less Services ---------------------------------------------------------------------


def test_no_selector_and_no_endpoints():
    svc = service("web", selector={})
    assert reasons(svc=svc) == [("no-selector", "error", "default/web has no selector, and no "
                                 "EndpointSlice or Endpoints object gives it addresses")]


def test_no_selector_with_a_manual_slice_is_fine():
    svc = service("web", selector={})
    manual = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
              "metadata": {"name": "web-manual", "namespace": "default",
                           "labels": {"kubernetes.io/service-name": "web"}},
              "endpoints": [{"addresses": ["192.0.2.50"]}],
              "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}
    view = cluster(node("n1"), svc, extra_slices=(manual,))
    assert diagnose_service(view, svc) == []


def test_skip_mirror_endpoints():
    svc = service("web", selector={})
    endpoints = {"apiVersion": "v1", "kind": "Endpoints",
                 "metadata": {"name": "web", "namespace": "default",
                              "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}}}
    assert codes(endpoints, svc=svc) == ["skip-mirror"]


# --- traffic policies, load balancers, ExternalName --------------------------------------------


def test_local_policy_nodes_without_endpoints():
    svc = service("web", type="NodePort", externalTrafficPolicy="Local")
    found = reasons(pod("web-1", "10.244.0.10", "n1"), svc=svc)
    assert found == [("local-nodes", "warning", "externalTrafficPolicy: Local: node n2 runs no "
                      "ready endpoint: NodePort and load-balancer traffic arriving there is "
                      "dropped, and the health check answers 503")]
    itp = service("web", internalTrafficPolicy="Local")
    assert "ClusterIP traffic from pods on n2 is dropped" in reasons(
        pod("web-1", "10.244.0.10", "n1"), svc=itp)[0][2]


def test_pending_load_balancer():
    svc = service("web", type="LoadBalancer")
    assert reasons(pod("web-1", "10.244.0.10", "n1"), svc=svc) == [
        ("lb-pending", "warning", "EXTERNAL-IP <pending>: no address pool serves it")]


def test_pending_load_balancer_with_metallb_says_why():
    svc = service("web", type="LoadBalancer")
    manual = pool("a", "192.0.2.0/30")
    manual["spec"]["autoAssign"] = False
    found = reasons(pod("web-1", "10.244.0.10", "n1"), manual, l2(), svc=svc)
    assert found[0][:2] == ("lb-pending", "warning")
    assert found[0][2].startswith("EXTERNAL-IP <pending>: no IPAddressPool serves it")


def test_assigned_but_not_announced():
    svc = service("web", type="LoadBalancer",
                  status={"loadBalancer": {"ingress": [{"ip": "192.0.2.1", "ipMode": "VIP"}]}})
    found = reasons(pod("web-1", "10.244.0.10", "n1"), pool("a", "192.0.2.0/30"), svc=svc)
    assert found == [("metallb-advertisement", "warning", "192.0.2.1 (pool a) is assigned but "
                      "not announced: no L2Advertisement or BGPAdvertisement in metallb-system "
                      "selects it")]


def test_external_name_with_an_ip():
    svc = service("db", None, type="ExternalName", externalName="192.0.2.1", selector={})
    assert codes(svc=svc) == ["externalname-ip", "externalname", "externalname-ports"]


def test_subdomain_of_a_service_that_does_not_select_the_pod():
    svc = service("db", "None")
    stray = pod("db-0", "10.244.0.20", "n1", {"app": "db"}, hostname="db-0", subdomain="db")
    assert ("hostname-subdomain", "warning", "pod db-0 sets subdomain db but the Service does "
            "not select it") in reasons(pod("web-1", "10.244.0.10", "n1"), stray, svc=svc)


def test_every_reason_cites_its_rule():
    svc = service("web", selector={"app": "nope"}, type="LoadBalancer",
                  externalTrafficPolicy="Local", sessionAffinity="ClientIP")
    view = cluster(node("n1"), pod("web-1", "10.244.0.10", "n1", ready=False), svc)
    assert all(r.rule for r in diagnose_service(view, svc))


# --- kubesvc check ---------------------------------------------------------------------------


def l2(pools=(), ns="metallb-system"):
    return {"apiVersion": "metallb.io/v1beta1", "kind": "L2Advertisement",
            "metadata": {"name": "l2", "namespace": ns}, "spec": {"ipAddressPools": list(pools)}}


def test_check_orders_errors_first():
    view = cluster(node("n1"), node("n2"), pod("web-1", "10.244.0.10", "n1", ready=False),
                   pod("ok-1", "10.244.1.10", "n2", {"app": "ok"}),
                   pod("ok-2", "10.244.0.11", "n1", {"app": "ok"}, ready=False),
                   service("web"), service("ok", "10.96.0.51", selector={"app": "ok"}))
    found = [(p.object, p.reason.severity, p.reason.code) for p in check_cluster(view)]
    assert found == [("Service default/web", "error", "pod-not-ready"),
                     ("Service default/ok", "warning", "pod-not-ready")]
    assert check_cluster(view, "prod") == []


@pytest.mark.parametrize("objs, expected", [
    ((pool("a", "192.0.2.0/28"), l2()), []),
    ((pool("a"), l2()), ["MetalLB rejects its IPAddressPools: parsing address pool a: pool "
                         "has no prefixes defined"]),
    ((pool("a", "192.0.2.0/28"), pool("b", "192.0.2.10-192.0.2.20"), l2()),
     ["overlaps with already defined CIDR"]),
    ((pool("a", "192.0.2.0/28", namespace="default"), l2()), ["MetalLB reads pools from "
                                                        "metallb-system only"]),
    ((pool("a", "10.96.0.0/24"), l2()), ["overlaps the service range"]),
    ((pool("a", "172.18.0.0/24"), l2()), ["holds node addresses 172.18.0.2"]),
    ((pool("a", "192.0.2.0/28"),), ["no advertisement announces pool a"]),
    ((pool("a", "192.0.2.0/28"), l2(["b"])), ["no advertisement announces pool a"]),
    ((pool("a", "not-an-ip"), l2()), ['invalid CIDR "not-an-ip"']),
])
def test_metallb_pools(objs, expected):
    view = cluster(node("n1"), *objs)
    messages = [p.reason.message for p in check_cluster(view)]
    assert len(messages) == len(expected)
    assert all(want in got for want, got in zip(expected, messages, strict=True))


# --- from an IP back to its owners -------------------------------------------------------------


def test_ip_owners():
    lb = service("web-lb", "10.96.0.51", type="LoadBalancer",
                 status={"loadBalancer": {"ingress": [{"ip": "192.0.2.5"}]}})
    view = cluster(node("n1"), pod("web-1", "10.244.0.10", "n1"), service("web"), lb,
                   pool("a", "192.0.2.0/28"))
    owners = ip_owners(view, "10.244.0.10")
    assert [(o.kind, o.name, o.role) for o in owners.owners] == [
        ("Pod", "default/web-1", "podIP")]
    assert owners.routed_by == ["default/web port 80/TCP → 10.244.0.10:8080",
                                "default/web-lb port 80/TCP → 10.244.0.10:8080"]
    assert owners.ptr.answers[0].endswith("PTR 10-244-0-10.web.default.svc.cluster.local.")
    assert [(o.kind, o.role) for o in ip_owners(view, "192.0.2.5").owners] == [
        ("Service", "loadBalancer"), ("IPAddressPool", "pool")]
    assert [(o.kind, o.role) for o in ip_owners(view, "172.18.0.2").owners] == [
        ("Node", "InternalIP")]
    assert [(o.kind, o.role) for o in ip_owners(view, "10.96.0.10").owners] == [
        ("DNS", "clusterIP")]
    assert [(o.kind, o.role) for o in ip_owners(view, "10.96.3.3").owners] == [
        ("ServiceCIDR", "unallocated")]
    assert [(o.kind, o.role) for o in ip_owners(view, "10.244.0.99").owners] == [
        ("PodCIDR", "unassigned")]
    nobody = ip_owners(view, "8.8.8.8")
    assert (nobody.owners, nobody.reasons[0].code) == ([], "not-cluster-address")
