"""MetalLB's address assignment (controller/service.go, internal/allocator): MetalLB's own
allocator tests retold as tables over `assign_addresses`, plus kubesvc's documented order."""

import random

import pytest

from kubesvc.controllers.metallb.controller import (
    Assignment,
    admission_error,
    assign_addresses,
    held_ips,
    pool_status,
)
from tests.builders import advertisement as adv
from tests.builders import ip_address_pool as pool

L2 = {"apiVersion": "metallb.io/v1beta1", "kind": "L2Advertisement",
      "metadata": {"name": "all", "namespace": "metallb-system"}}


def svc(name, ns="default", ports=("TCP/80",), ann=None, labels=None, cluster=("10.96.0.10",),
        **spec):
    meta = {"name": name, "namespace": ns, "annotations": dict(ann or {}),
            "labels": dict(labels or {})}
    body = {"type": "LoadBalancer", "clusterIP": cluster[0], "clusterIPs": list(cluster),
            "ports": [{"protocol": p.split("/")[0], "port": int(p.split("/")[1])}
                      for p in ports], **spec}
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": body}


def shared(key, **kw):
    return {"metallb.io/allow-shared-ip": key, **kw}


def run(services, pools, advs=(L2,), held=None, **kw):
    return assign_addresses(services, pools, list(advs), held or {}, **kw)


def ips(result):
    return {k: a.ips for k, a in result.items()}


# -- pools and addresses --------------------------------------------------------------------------

def test_lowest_free_address_first_network_address_included():
    got = run([svc("a"), svc("b"), svc("c")], [pool("p", "192.168.10.0/24")])
    assert ips(got) == {"default/a": ["192.168.10.0"], "default/b": ["192.168.10.1"],
                        "default/c": ["192.168.10.2"]}
    assert got["default/a"].pool == "p"
    assert got["default/a"].ingress == [{"ip": "192.168.10.0", "ipMode": "VIP"}]
    assert got["default/a"].events == [("Normal", "IPAllocated", 'Assigned IP ["192.168.10.0"]')]


def test_addresses_in_order_ranges_summarised():
    p = pool("p", "192.168.9.4-192.168.9.6", "10.0.0.0/31")
    got = run([svc(n) for n in "abcdef"], [p])
    assert [a.ips[0] if a.ips else None for a in got.values()] == [
        "192.168.9.4", "192.168.9.5", "192.168.9.6", "10.0.0.0", "10.0.0.1", None]
    assert got["default/f"].reason == "pool p exhausted: no free ipv4 address"
    assert got["default/f"].events == [
        ("Warning", "AllocationFailed", 'Failed to allocate IP for "default/f": no available IPs')]


def test_buggy_ips_skipped_only_where_asked():
    # MetalLB's TestBuggyIPs: six addresses usable, the seventh Service gets none
    pools = [pool("test", "1.2.3.0/31"), pool("test2", "1.2.3.254/31"),
             pool("test3", "1.2.4.0/31", avoid_buggy_ips=True),
             pool("test4", "1.2.4.254/31", avoid_buggy_ips=True)]
    got = run([svc(f"s{i}") for i in range(1, 8)], pools)
    taken = sorted(ip for a in got.values() for ip in a.ips)
    assert taken == sorted(["1.2.3.0", "1.2.3.1", "1.2.3.254", "1.2.3.255", "1.2.4.1",
                            "1.2.4.254"])
    assert got["default/s7"].ips == [] and got["default/s7"].reason


def test_auto_assign_false_pool_only_when_asked():
    # MetalLB's TestAutoAssign
    pools = [pool("test1", "1.2.3.4/31", auto_assign=False), pool("test2", "1.2.3.10/31")]
    got = run([svc("s1"), svc("s2"), svc("s3"),
               svc("s4", ann={"metallb.io/address-pool": "test1"}),
               svc("s5", loadBalancerIP="1.2.3.5")], pools)
    assert ips(got) == {"default/s1": ["1.2.3.10"], "default/s2": ["1.2.3.11"],
                        "default/s3": [], "default/s4": ["1.2.3.4"], "default/s5": ["1.2.3.5"]}


def test_pool_order_pinned_by_priority_then_plain_pools_by_name():
    team = ["team"]
    pools = [pool("z-plain", "10.0.9.0/24"), pool("a-plain", "10.0.8.0/24"),
             pool("late", "10.0.3.0/24", service_allocation={"namespaces": team}),
             pool("p20", "10.0.2.0/24", service_allocation={"priority": 20, "namespaces": team}),
             pool("p10", "10.0.1.0/31", service_allocation={"priority": 10, "namespaces": team}),
             pool("prio-only", "10.0.4.0/24", service_allocation={"priority": 1})]
    got = run([svc(n, ns="team") for n in "abcd"] + [svc("x", ns="other")], pools)
    assert ips(got) == {"team/a": ["10.0.1.0"], "team/b": ["10.0.1.1"],
                        "team/c": ["10.0.2.0"], "team/d": ["10.0.2.1"],
                        "other/x": ["10.0.8.0"]}


def test_pinned_pools_exhausted_fall_back_to_plain_pools():
    pools = [pool("mine", "10.0.1.0/32", service_allocation={"namespaces": ["team"]}),
             pool("all", "10.0.9.0/24")]
    got = run([svc("a", ns="team"), svc("b", ns="team")], pools)
    assert ips(got) == {"team/a": ["10.0.1.0"], "team/b": ["10.0.9.0"]}


def test_namespace_and_service_selectors():
    namespaces = [{"metadata": {"name": "red", "labels": {"team": "red"}}},
                  {"metadata": {"name": "blue", "labels": {"team": "blue"}}}]
    pools = [pool("red", "10.0.1.0/24", service_allocation={"namespaceSelectors": [
                  {"matchLabels": {"team": "red"}}]}),
             pool("web", "10.0.2.0/24", service_allocation={"serviceSelectors": [
                  {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}]}),
             pool("rest", "10.0.9.0/24")]
    got = run([svc("a", ns="red"), svc("b", ns="blue"), svc("c", ns="blue",
                                                            labels={"app": "web"})],
              pools, namespaces=namespaces)
    assert ips(got) == {"red/a": ["10.0.1.0"], "blue/b": ["10.0.9.0"], "blue/c": ["10.0.2.0"]}


@pytest.mark.parametrize("ns, labels, ip, ok", [
    # MetalLB's TestAssignment, pool compatibility part
    ("test-ns1", {}, "1.2.5.10", True),
    ("elsewhere", {}, "1.2.5.10", False),
    ("elsewhere", {"team": "metallb"}, "1.2.6.10", True),
    ("elsewhere", {"team": "red"}, "1.2.6.10", False),
    ("test-ns1", {"team": "metallb"}, "1.2.7.10", True),
    ("test-ns2", {"team": "metallb"}, "1.2.8.10", False),
    ("elsewhere", {"foo": "bar"}, "1.2.8.10", False),
])
def test_requested_ip_must_come_from_a_compatible_pool(ns, labels, ip, ok):
    sel = {"matchLabels": {"team": "metallb"}}
    pools = [pool("test3", "1.2.5.0/24", service_allocation={"namespaces": ["test-ns1"]}),
             pool("test4", "1.2.6.0/24", service_allocation={"serviceSelectors": [sel]}),
             pool("test5", "1.2.7.0/24", service_allocation={
                 "priority": 20, "namespaces": ["test-ns1"], "serviceSelectors": [sel]}),
             pool("test6", "1.2.8.0/24", service_allocation={
                 "priority": 20, "namespaces": ["test-ns2"],
                 "serviceSelectors": [{"matchLabels": {"foo": "bar"}}]})]
    got = run([svc("s", ns=ns, labels=labels, loadBalancerIP=ip)], pools)[f"{ns}/s"]
    assert got.ips == ([ip] if ok else [])
    if not ok:
        assert "serviceAllocation" in got.reason
        assert got.events[-1][2].endswith("not compatible for ip assignment")


# -- requested addresses and sharing --------------------------------------------------------------

POOLS = [pool("test", "1.2.3.4/31"), pool("test2", "1.2.4.0/24", avoid_buggy_ips=True)]


@pytest.mark.parametrize("first, second, second_ips, why", [
    # MetalLB's TestAssignment, retold: the second Service asks after the first holds its IP
    (svc("s1", loadBalancerIP="1.2.3.4"), svc("s2", loadBalancerIP="1.2.3.4"), [],
     "IP 1.2.3.4 is already in use by default/s1, which does not share it"),
    (svc("s1", loadBalancerIP="1.2.3.4"), svc("s2", loadBalancerIP="1.2.3.5"),
     ["1.2.3.5"], None),
    (svc("s1", loadBalancerIP="1.2.3.4"), svc("s2", loadBalancerIP="1.2.4.0"), [],
     "requested IP 1.2.4.0 is not in any IPAddressPool of metallb-system (pool test2 has "
     "avoidBuggyIPs: no .0 or .255)"),
    (svc("s1", loadBalancerIP="1.2.3.4"), svc("s2", loadBalancerIP="1.2.4.255"), [],
     "requested IP 1.2.4.255 is not in any IPAddressPool"),
    (svc("s1", loadBalancerIP="1.2.3.4"), svc("s2", loadBalancerIP="1.2.4.254"),
     ["1.2.4.254"], None),
    (svc("s1", loadBalancerIP="1.2.3.4"), svc("s2", loadBalancerIP="9.9.9.9"), [],
     "requested IP 9.9.9.9 is not in any IPAddressPool"),
    (svc("s4", ann=shared("share"), loadBalancerIP="1.2.4.3"),
     svc("s3", ann=shared("share"), loadBalancerIP="1.2.4.3"), [],
     "port TCP/80 of IP 1.2.4.3 is already used by default/s4"),
    (svc("s4", ann=shared("share"), loadBalancerIP="1.2.4.3"),
     svc("s3", ann=shared("othershare"), ports=("TCP/443",), loadBalancerIP="1.2.4.3"), [],
     "with sharing key 'share'"),
    (svc("s4", ann=shared("share"), loadBalancerIP="1.2.4.3"),
     svc("s3", ports=("TCP/443",), loadBalancerIP="1.2.4.3"), [],
     "sharing needs metallb.io/allow-shared-ip here too"),
    (svc("s4", ann=shared("share"), loadBalancerIP="1.2.4.3", externalTrafficPolicy="Local",
         selector={"app": "a"}),
     svc("s3", ann=shared("share"), ports=("TCP/443",), loadBalancerIP="1.2.4.3",
         externalTrafficPolicy="Local", selector={"app": "b"}), [],
     "Local with the very same selector"),
    (svc("s4", ann=shared("share"), loadBalancerIP="1.2.4.3"),
     svc("s3", ann=shared("share"), ports=("TCP/443",), loadBalancerIP="1.2.4.3",
         externalTrafficPolicy="Local", selector={"app": "a"}), [],
     "Local with the very same selector"),
    (svc("s4", ann=shared("share"), loadBalancerIP="1.2.4.3", externalTrafficPolicy="Local",
         selector={"app": "a"}),
     svc("s3", ann=shared("share"), ports=("UDP/80",), loadBalancerIP="1.2.4.3",
         externalTrafficPolicy="Local", selector={"app": "a"}), ["1.2.4.3"], None),
    (svc("s4", ann=shared("share"), loadBalancerIP="1.2.4.3"),
     svc("s3", ann=shared("share"), ports=("TCP/443",), loadBalancerIP="1.2.4.3"),
     ["1.2.4.3"], None),
], ids=["same-ip-not-shared", "other-free-ip", "buggy-.0-avoided",
        "buggy-.255-avoided", "buggy-.254-fine", "ip-in-no-pool", "shared-port-clash",
        "other-sharing-key", "second-not-sharing", "local-different-selectors",
        "one-local-one-cluster", "local-same-selector-other-port", "shared-other-port"])
def test_requested_ips_and_sharing(first, second, second_ips, why):
    first["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z"
    second["metadata"]["creationTimestamp"] = "2026-01-01T00:00:01Z"
    got = run([second, first], POOLS)
    assert got[f"default/{first['metadata']['name']}"].ips == [
        first["spec"]["loadBalancerIP"]]
    other = got[f"default/{second['metadata']['name']}"]
    assert other.ips == second_ips
    if why:
        assert why in other.reason


def test_dynamic_sharing_takes_a_shareable_address():
    # MetalLB's TestAllocation: a full pool still serves a Service that can share
    pools = [pool("test1", "1.2.3.4/31")]
    got = run([svc("s1"), svc("s2", ann=shared("share")),
               svc("s3", ann=shared("share"), ports=("TCP/443",))], pools,
              held={"default/s1": ["1.2.3.4"]})
    assert ips(got) == {"default/s1": ["1.2.3.4"], "default/s2": ["1.2.3.5"],
                        "default/s3": ["1.2.3.5"]}


def test_the_annotation_wins_over_nothing_and_both_ways_is_an_error():
    pools = [pool("p", "1.2.3.0/24")]
    a = svc("a", ann={"metallb.io/loadBalancerIPs": "1.2.3.7"})
    b = svc("b", ann={"metallb.io/loadBalancerIPs": "1.2.3.8"}, loadBalancerIP="1.2.3.8")
    c = svc("c", ann={"metallb.io/loadBalancerIPs": "1.2.3.x"})
    got = run([a, b, c], pools)
    assert got["default/a"].ips == ["1.2.3.7"]
    assert got["default/b"].events[-1][2] == (
        'Failed to allocate IP for "default/b": service can not have both '
        "metallb.io/loadBalancerIPs and svc.Spec.LoadBalancerIP")
    assert got["default/c"].events[-1][2].endswith('invalid metallb.io/loadBalancerIPs: "1.2.3.x"')


def test_requested_ip_and_pool_must_agree():
    pools = [pool("p", "1.2.3.0/24"), pool("q", "1.2.4.0/24")]
    got = run([svc("a", loadBalancerIP="1.2.3.9", ann={"metallb.io/address-pool": "q"}),
               svc("b", ann={"metallb.io/address-pool": "nope"})], pools)
    assert got["default/a"].ips == [] and got["default/a"].reason == (
        'requested loadBalancer IP(s) ["1.2.3.9"] is not compatible with requested address '
        "pool q")
    assert got["default/b"].reason == "no IPAddressPool nope in metallb-system"
    assert got["default/b"].events[-1][2].endswith('unknown pool "nope"')


def test_deprecated_annotations_still_work_and_are_reported():
    pools = [pool("p", "1.2.3.0/24"), pool("q", "1.2.4.0/24", auto_assign=False)]
    got = run([svc("a", ann={"metallb.universe.tf/address-pool": "q"})], pools)["default/a"]
    assert got.ips == ["1.2.4.0"]
    assert ("Warning", "deprecatedAnnotation",
            "Service uses deprecated annotation metallb.universe.tf/address-pool") in got.events


# -- keeping what a Service holds -----------------------------------------------------------------

def test_current_address_is_kept_even_when_a_lower_one_is_free():
    got = run([svc("a"), svc("b")], [pool("p", "1.2.3.0/24")],
              held={"default/b": ["1.2.3.9"]})
    assert ips(got) == {"default/a": ["1.2.3.0"], "default/b": ["1.2.3.9"]}
    assert got["default/b"].events == []  # nothing new: no event


def test_holders_go_first_whatever_the_list_order():
    services = [svc(n) for n in "abcdef"]
    held = {"default/f": ["1.2.3.0"], "default/e": ["1.2.3.1"]}
    want = ips(run(services, [pool("p", "1.2.3.0/29")], held=held))
    for seed in range(5):
        random.Random(seed).shuffle(services)
        assert ips(run(services, [pool("p", "1.2.3.0/29")], held=held)) == want
    assert want["default/a"] == ["1.2.3.2"] and want["default/f"] == ["1.2.3.0"]


def test_creation_order_decides_among_newcomers():
    old = svc("z")
    old["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z"
    new = svc("a")
    new["metadata"]["creationTimestamp"] = "2026-01-02T00:00:00Z"
    assert ips(run([new, old], [pool("p", "1.2.3.0/31")])) == {
        "default/z": ["1.2.3.0"], "default/a": ["1.2.3.1"]}


@pytest.mark.parametrize("service, pools, new_ips, event", [
    (svc("a"), [pool("p", "1.2.4.0/24")], ["1.2.4.0"], "ClearAssignment"),  # pool changed
    (svc("a", ann={"metallb.io/address-pool": "q"}),
     [pool("p", "1.2.3.0/24"), pool("q", "1.2.4.0/24")], ["1.2.4.0"], "IPAllocated"),
    (svc("a", loadBalancerIP="1.2.3.50"), [pool("p", "1.2.3.0/24")], ["1.2.3.50"],
     "IPAllocated"),
    (svc("a"), [pool("p", "1.2.3.0/24", avoid_buggy_ips=True)], ["1.2.3.1"], "ClearAssignment"),
])
def test_current_address_given_up_when_no_longer_valid(service, pools, new_ips, event):
    got = run([service], pools, held={"default/a": ["1.2.3.0"]})["default/a"]
    assert got.ips == new_ips
    assert event in [e[1] for e in got.events]


def test_invalid_request_on_a_holder_changes_nothing():
    service = svc("a", ann={"metallb.io/loadBalancerIPs": "bad"})
    got = run([service], [pool("p", "1.2.3.0/24")], held={"default/a": ["1.2.3.0"]})
    assert got["default/a"].ips == ["1.2.3.0"]
    assert got["default/a"].events == [("Warning", "LoadBalancerFailed",
                                        'invalid requested loadbalancer IPs: invalid '
                                        'metallb.io/loadBalancerIPs: "bad"')]


def test_two_holders_of_one_unshared_ip_the_first_keeps_it():
    a, b = svc("a"), svc("b")
    a["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z"
    b["metadata"]["creationTimestamp"] = "2026-01-01T00:00:05Z"
    got = run([b, a], [pool("p", "1.2.3.0/30")],
              held={"default/a": ["1.2.3.0"], "default/b": ["1.2.3.0"]})
    assert ips(got) == {"default/a": ["1.2.3.0"], "default/b": ["1.2.3.1"]}


# -- which Services MetalLB handles ---------------------------------------------------------------

def test_load_balancer_class():
    services = [svc("a"), svc("b", loadBalancerClass="example.com/lb"),
                svc("c", loadBalancerClass="metallb")]
    got = run(services, [pool("p", "1.2.3.0/24")])
    assert ips(got)["default/a"] == ["1.2.3.0"]
    assert not got["default/b"].managed and not got["default/c"].managed
    assert got["default/b"].reason.startswith("loadBalancerClass other than MetalLB's")
    got = run(services, [pool("p", "1.2.3.0/24")], lb_class="metallb")
    assert ips(got)["default/c"] == ["1.2.3.0"] and not got["default/a"].managed


def test_non_load_balancer_services():
    cluster_ip = svc("web", type="ClusterIP")
    assert run([cluster_ip], [pool("p", "1.2.3.0/24")]) == {}
    got = run([cluster_ip], [pool("p", "1.2.3.0/24")], held={"default/web": ["1.2.3.0"]})
    assert got["default/web"].ips == [] and got["default/web"].managed


def test_no_pool_and_pools_in_the_wrong_namespace():
    got = run([svc("a")], [])["default/a"]
    assert (got.ips, got.reason, got.events) == ([], "no IPAddressPool in metallb-system", [])
    got = run([svc("a")], [pool("p", "1.2.3.0/24", namespace="default")])["default/a"]
    assert got.reason == ("no IPAddressPool in metallb-system (MetalLB ignores default/p: "
                          "wrong namespace)")


def test_no_cluster_ip_yet():
    assert run([svc("a", cluster=("",))], [pool("p", "1.2.3.0/24")])["default/a"].reason == \
        "no cluster IP yet"


def test_broken_configuration_changes_nothing():
    pools = [pool("a", "1.2.3.0/24"), pool("b", "1.2.3.128/25")]
    got = run([svc("x"), svc("y")], pools, held={"default/x": ["1.2.3.7"]})
    assert got["default/x"].ips == ["1.2.3.7"]
    assert got["default/y"].ips == []
    assert got["default/y"].reason == (
        'MetalLB rejects its IPAddressPools: CIDR "1.2.3.128/25" in pool "b" overlaps with '
        'already defined CIDR "1.2.3.0/24"')


# -- families -----------------------------------------------------------------------------------

DUAL_POOL = pool("ds", "1.2.3.4/31", "1000::/127")


@pytest.mark.parametrize("cluster, spec, pools, want", [
    (("fd00::10",), {}, [DUAL_POOL], ["1000::"]),
    (("10.96.0.1", "fd00::10"), {"ipFamilyPolicy": "RequireDualStack"}, [DUAL_POOL],
     ["1.2.3.4", "1000::"]),
    (("fd00::10", "10.96.0.1"), {"ipFamilyPolicy": "RequireDualStack",
                                 "ipFamilies": ["IPv6", "IPv4"]}, [DUAL_POOL],
     ["1.2.3.4", "1000::"]),  # MetalLB answers IPv4 first regardless
    (("10.96.0.1", "fd00::10"), {"ipFamilyPolicy": "RequireDualStack"},
     [pool("v4", "1.2.3.4/31"), pool("v6", "1000::/127")], []),  # one pool must have both
    (("10.96.0.1", "fd00::10"), {"ipFamilyPolicy": "PreferDualStack"},
     [pool("v4", "1.2.3.4/31"), pool("v6", "1000::/127")], ["1.2.3.4"]),
    (("fd00::10", "10.96.0.1"), {"ipFamilyPolicy": "PreferDualStack",
                                 "ipFamilies": ["IPv6", "IPv4"]},
     [pool("v4", "1.2.3.4/31"), pool("v6", "1000::/127")], ["1000::"]),
    (("fd00::10",), {}, [pool("v4", "1.2.3.4/31")], []),
], ids=["v6-only", "dual-stack-pool", "dual-stack-v6-first", "dual-needs-one-pool",
        "prefer-dual-two-pools", "prefer-dual-v6-first", "v6-service-v4-pool"])
def test_ip_families(cluster, spec, pools, want):
    assert run([svc("a", cluster=cluster, **spec)], pools)["default/a"].ips == want


def test_prefer_dual_stack_gets_its_second_family_later():
    pools = [pool("ds", "1.2.3.4/31", "1000::/127")]
    service = svc("a", cluster=("10.96.0.1", "fd00::1"), ipFamilyPolicy="PreferDualStack")
    got = run([service], pools, held={"default/a": ["1.2.3.5"]})["default/a"]
    assert got.ips == ["1.2.3.5", "1000::"]
    assert got.events == [("Normal", "IPAllocated", 'Assigned additional IP "1000::"')]


def test_requested_family_must_match_the_service():
    got = run([svc("a", loadBalancerIP="1000::1")], [DUAL_POOL])["default/a"]
    assert got.reason == ('requested loadBalancer IP(s) ["1000::1"] does not match the '
                          "ipFamily of the service")


# -- announcements -------------------------------------------------------------------------------


NODES = [{"metadata": {"name": "n1", "labels": {"kubernetes.io/hostname": "n1"}}}]


@pytest.mark.parametrize("advs, kw, warning", [
    ([L2], {}, None),
    ([adv(ipAddressPools=["p"])], {}, None),
    ([adv(ipAddressPoolSelectors=[{"matchLabels": {"tier": "public"}}])], {}, None),
    ([], {}, "1.2.3.0 (pool p) is assigned but not announced: no L2Advertisement or "
             "BGPAdvertisement in metallb-system selects it"),
    ([adv(ipAddressPools=["other"])], {}, "no L2Advertisement or BGPAdvertisement"),
    ([adv(ipAddressPoolSelectors=[{"matchLabels": {"tier": "private"}}])], {},
     "no L2Advertisement"),
    ([{**L2, "metadata": {"name": "x", "namespace": "default"}}], {}, "no L2Advertisement"),
    ([adv(serviceSelectors=[{"matchLabels": {"app": "other"}}])], {}, "no L2Advertisement"),
    ([adv(nodeSelectors=[{"matchLabels": {"kubernetes.io/hostname": "n1"}}])],
     {"nodes": NODES}, None),
    ([adv(nodeSelectors=[{"matchLabels": {"kubernetes.io/hostname": "n9"}}])],
     {"nodes": NODES}, "the advertisements that select it match no node"),
    ([adv("BGPAdvertisement")], {}, "BGPAdvertisement adv selects it but there is no BGPPeer"),
    ([adv("BGPAdvertisement")], {"peers": [adv("BGPPeer", "peer")]}, None),
], ids=["default-l2", "pool-by-name", "pool-by-selector", "no-advertisement", "other-pool",
        "selector-misses", "wrong-namespace", "service-selector-misses", "node-matches",
        "node-misses", "bgp-without-peer", "bgp-with-peer"])
def test_announcement(advs, kw, warning):
    pools = [pool("p", "1.2.3.0/24", labels={"tier": "public"})]
    got = run([svc("a")], pools, advs=advs, **kw)["default/a"]
    assert got.ips == ["1.2.3.0"]  # assigned either way
    if warning is None:
        assert got.warnings == []
    else:
        assert len(got.warnings) == 1 and warning in got.warnings[0]


# -- webhook and pool status ---------------------------------------------------------------------

@pytest.mark.parametrize("new, error", [
    (pool("p", "1.2.4.0/24"), None),
    (pool("p", "1.2.3.0/24", namespace="default"),
     "resource must be created in metallb-system namespace"),
    (pool("p", "1.2.2.0/23"), 'CIDR "1.2.2.0/23" in pool "p" overlaps with already defined '
                              'CIDR "1.2.3.128/25"'),
    (pool("a", "1.2.5.0/24"), None),  # replaces the stored pool of the same name
    (pool("p", "1.2.3.300/24"), 'parsing address pool p: invalid CIDR "1.2.3.300/24" in pool '
                                '"p": invalid CIDR "1.2.3.300/24"'),
    (pool("p", "1.2.3.9-1.2.3.1"), 'parsing address pool p: invalid CIDR "1.2.3.9-1.2.3.1" in '
                                   'pool "p": invalid IP range "1.2.3.9-1.2.3.1": start IP '
                                   '"1.2.3.9" is after the end IP "1.2.3.1"'),
    ({**pool("p"), "spec": {}}, "parsing address pool p: pool has no prefixes defined"),
    (adv(), None),
    ({**adv(), "metadata": {"name": "x", "namespace": "default"}},
     "resource must be created in metallb-system namespace"),
], ids=["new-pool", "pool-wrong-namespace", "overlapping-cidr", "replaces-same-name",
        "invalid-cidr", "inverted-range", "no-addresses", "advertisement",
        "advertisement-wrong-namespace"])
def test_admission(new, error):
    stored = [pool("a", "1.2.3.128/25")]
    assert admission_error(new, stored) == error


@pytest.mark.parametrize("addresses, buggy, want", [
    # MetalLB's TestPoolCount
    (["1.2.3.0/24"], False, (256, 0)),
    (["1.2.3.0/24", "2.3.4.128/25"], False, (384, 0)),
    (["1.2.3.0/24", "2.3.4.128/25"], True, (381, 0)),
    (["1.2.3.0/24", "2.3.4.128/25", "1000::/64"], True, (381, 2**63 - 1)),
    (["1.2.3.0/31", "1000::/127"], True, (1, 2)),
])
def test_pool_capacity(addresses, buggy, want):
    status = pool_status(pool("p", *addresses, avoid_buggy_ips=buggy), {})
    assert (status["availableIPv4"], status["availableIPv6"]) == want


def test_pool_status_counts_shared_addresses_once():
    got = {"default/a": Assignment(["1.2.3.0"], "p"), "default/b": Assignment(["1.2.3.0"], "p"),
           "default/c": Assignment(["1.2.3.1", "1000::"], "p"),
           "default/d": Assignment(["9.9.9.9"], "q")}
    assert pool_status(pool("p", "1.2.3.0/30", "1000::/126"), got) == {
        "assignedIPv4": 2, "assignedIPv6": 1, "availableIPv4": 2, "availableIPv6": 3}


def test_held_ips_reads_the_status():
    s = svc("a")
    assert held_ips(s) == []
    s["status"] = {"loadBalancer": {"ingress": [{"ip": "1.2.3.4", "ipMode": "VIP"},
                                                {"hostname": "lb.example.com"}]}}
    assert held_ips(s) == ["1.2.3.4"]


def test_prefer_dual_stack_on_a_single_stack_service_stays_single():
    # kubesvc's one deviation: upstream would add an IPv6 address, then drop it, and flap
    service = svc("a", ipFamilyPolicy="PreferDualStack")
    got = run([service], [DUAL_POOL], held={"default/a": ["1.2.3.4"]})["default/a"]
    assert (got.ips, got.events) == (["1.2.3.4"], [])


def test_corpus_sample_with_namespace_selectors():
    import yaml

    from tests.conftest import CORPUS

    path = CORPUS / "metallb" / "configsamples" / "ipaddresspool_with_selector.yaml"
    if not path.exists():
        pytest.skip("shared corpus not available")
    sample = yaml.safe_load(path.read_text())  # 192.168.20.0/24, avoidBuggyIPs, priority 50
    namespaces = [{"metadata": {"name": "labelled", "labels": {"foo": "bar"}}}]
    services = [svc("a", ns="namespace-a"), svc("b", ns="labelled", labels={"app": "bar"}),
                svc("c", ns="labelled"), svc("d", ns="namespace-b", labels={"app": "bar"})]
    got = run(services, [sample, pool("rest", "10.0.0.0/24")], namespaces=namespaces)
    # namespaces AND service selectors must both match; .0 is skipped (avoidBuggyIPs);
    # newcomers created together go by namespace, then name
    assert ips(got) == {"labelled/b": ["192.168.20.1"], "labelled/c": ["10.0.0.0"],
                        "namespace-a/a": ["10.0.0.1"], "namespace-b/d": ["192.168.20.2"]}
