"""Service defaulting and the registry's fix-ups around allocation, for a single-stack IPv4
cluster: SetDefaults_Service (spec section 2), normalizeClusterIPs (1, 7.2),
patchAllocatedValues (7.1), initIPFamilyFields (6.1, after upstream's TestCreateInitIPFields),
dropTypeDependentFields (7.3) and PrepareForCreate/Update.
"""

from __future__ import annotations

import copy

import pytest

from kubesvc.apiserver.validation.service_defaults import (
    default_service,
    drop_type_dependent_fields,
    prepare_for_create,
    prepare_for_update,
)
from kubesvc.apiserver.validation.service_ip_families import init_ip_family_fields
from kubesvc.apiserver.validation.service_ips import normalize_cluster_ips, patch_allocated_values

DEL = object()


def service(**spec) -> dict:
    """A manifest as a user writes it; DEL removes a key of the default spec."""
    body = {"selector": {"app": "web"}, "ports": [{"port": 80}]}
    for key, value in spec.items():
        if value is DEL:
            body.pop(key, None)
        else:
            body[key] = value
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"}, "spec": body}


def defaulted(**spec) -> dict:
    svc = service(**spec)
    default_service(svc)
    return svc


# ---------------------------------------------------------------------------------------------
# SetDefaults_Service


def test_plain_create_defaults_exactly():
    svc = defaulted()
    assert svc["spec"] == {
        "selector": {"app": "web"},
        "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
        "sessionAffinity": "None",
        "type": "ClusterIP",
        "internalTrafficPolicy": "Cluster",
    }


@pytest.mark.parametrize(("spec", "key", "expected"), [
    pytest.param({"ports": [{"port": 80, "targetPort": 0}]}, "ports",
                 [{"port": 80, "targetPort": 80, "protocol": "TCP"}], id="targetPort 0"),
    pytest.param({"ports": [{"port": 80, "targetPort": ""}]}, "ports",
                 [{"port": 80, "targetPort": 80, "protocol": "TCP"}], id="targetPort empty"),
    pytest.param({"ports": [{"port": 80, "targetPort": "http"}]}, "ports",
                 [{"port": 80, "targetPort": "http", "protocol": "TCP"}], id="named targetPort"),
    pytest.param({"ports": [{"port": 80, "targetPort": 8080, "protocol": "UDP"}]}, "ports",
                 [{"port": 80, "targetPort": 8080, "protocol": "UDP"}], id="explicit values"),
    pytest.param({"ports": [{"name": "x"}]}, "ports",
                 [{"name": "x", "protocol": "TCP", "targetPort": 0}], id="no port at all"),
    pytest.param({"sessionAffinity": "None",
                  "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 5}}},
                 "sessionAffinityConfig", DEL, id="config dropped with None"),
    pytest.param({"sessionAffinity": "ClientIP"}, "sessionAffinityConfig",
                 {"clientIP": {"timeoutSeconds": 10800}}, id="ClientIP gets 3h"),
    pytest.param({"sessionAffinity": "ClientIP", "sessionAffinityConfig": {}},
                 "sessionAffinityConfig", {"clientIP": {"timeoutSeconds": 10800}},
                 id="ClientIP empty config"),
    pytest.param({"sessionAffinity": "ClientIP", "sessionAffinityConfig": {"clientIP": {}}},
                 "sessionAffinityConfig", {"clientIP": {"timeoutSeconds": 10800}},
                 id="ClientIP empty clientIP"),
    pytest.param({"sessionAffinity": "ClientIP",
                  "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 0}}},
                 "sessionAffinityConfig", {"clientIP": {"timeoutSeconds": 0}},
                 id="explicit 0 is kept"),
    pytest.param({"type": "NodePort"}, "externalTrafficPolicy", "Cluster", id="NodePort ETP"),
    pytest.param({"type": "NodePort", "externalTrafficPolicy": "Local"},
                 "externalTrafficPolicy", "Local", id="ETP kept"),
    pytest.param({"type": "LoadBalancer"}, "externalTrafficPolicy", "Cluster", id="LB ETP"),
    pytest.param({"externalIPs": ["1.2.3.4"]}, "externalTrafficPolicy", "Cluster",
                 id="ClusterIP with externalIPs ETP"),
    pytest.param({}, "externalTrafficPolicy", DEL, id="plain ClusterIP has no ETP"),
    pytest.param({"type": "ExternalName", "externalName": "x.com"}, "externalTrafficPolicy",
                 DEL, id="ExternalName has no ETP"),
    pytest.param({"type": "ExternalName", "externalName": "x.com"}, "internalTrafficPolicy",
                 DEL, id="ExternalName has no ITP"),
    pytest.param({"type": "NodePort"}, "internalTrafficPolicy", "Cluster", id="NodePort ITP"),
    pytest.param({"internalTrafficPolicy": "Local"}, "internalTrafficPolicy", "Local",
                 id="ITP kept"),
    pytest.param({"type": "Foo"}, "internalTrafficPolicy", DEL, id="unknown type has no ITP"),
    pytest.param({"type": "LoadBalancer"}, "allocateLoadBalancerNodePorts", True,
                 id="LB allocates node ports"),
    pytest.param({"type": "LoadBalancer", "allocateLoadBalancerNodePorts": False},
                 "allocateLoadBalancerNodePorts", False, id="opt-out kept"),
    pytest.param({"type": "NodePort"}, "allocateLoadBalancerNodePorts", DEL,
                 id="NodePort has no allocateLoadBalancerNodePorts"),
    pytest.param({"type": DEL}, "type", "ClusterIP", id="type"),
    pytest.param({"sessionAffinity": ""}, "sessionAffinity", "None", id="empty affinity"),
])
def test_defaults(spec, key, expected):
    svc = defaulted(**spec)
    assert svc["spec"].get(key, DEL) == expected


@pytest.mark.parametrize(("kind", "ingress", "expected"), [
    pytest.param("LoadBalancer", {"ip": "1.2.3.4"}, {"ip": "1.2.3.4", "ipMode": "VIP"},
                 id="LB ip gets VIP"),
    pytest.param("LoadBalancer", {"ip": "1.2.3.4", "ipMode": "Proxy"},
                 {"ip": "1.2.3.4", "ipMode": "Proxy"}, id="ipMode kept"),
    pytest.param("LoadBalancer", {"hostname": "lb.example.com"}, {"hostname": "lb.example.com"},
                 id="hostname only"),
    pytest.param("ClusterIP", {"ip": "1.2.3.4"}, {"ip": "1.2.3.4"}, id="not an LB"),
])
def test_status_ip_mode_default(kind, ingress, expected):
    svc = service(type=kind)
    svc["status"] = {"loadBalancer": {"ingress": [ingress]}}
    default_service(svc)
    assert svc["status"]["loadBalancer"]["ingress"] == [expected]


# ---------------------------------------------------------------------------------------------
# normalizeClusterIPs


def _ips(single, plural) -> dict:
    spec = {}
    if single is not None:
        spec["clusterIP"] = single
    if plural is not None:
        spec["clusterIPs"] = plural
    return {"spec": spec}


@pytest.mark.parametrize(("old", "new", "expected"), [
    pytest.param(None, (None, None), (None, None), id="create, nothing given"),
    pytest.param(None, ("10.0.0.1", None), ("10.0.0.1", ["10.0.0.1"]), id="create singular"),
    pytest.param(None, ("None", None), ("None", ["None"]), id="create headless"),
    pytest.param(None, ("10.0.0.1", ["10.0.0.2"]), ("10.0.0.1", ["10.0.0.2"]),
                 id="create both: validation decides"),
    pytest.param(None, (None, ["10.0.0.1"]), (None, ["10.0.0.1"]),
                 id="create plural only is not copied back"),
    pytest.param(("10.0.0.1", ["10.0.0.1"]), ("10.0.0.1", ["10.0.0.1"]),
                 ("10.0.0.1", ["10.0.0.1"]), id="update unchanged"),
    pytest.param(("10.0.0.1", ["10.0.0.1"]), ("10.0.0.2", ["10.0.0.1"]),
                 ("10.0.0.2", ["10.0.0.2"]), id="old client changed singular"),
    pytest.param(("10.0.0.1", ["10.0.0.1"]), ("None", ["10.0.0.1"]), ("None", ["None"]),
                 id="old client sets None"),
    pytest.param(("10.0.0.1", ["10.0.0.1"]), ("", ["10.0.0.1"]), ("", None),
                 id="old client cleared singular"),
    pytest.param(("10.0.0.1", ["10.0.0.1"]), ("10.0.0.1", None), ("10.0.0.1", ["10.0.0.1"]),
                 id="plural dropped by a patch"),
    pytest.param(("10.0.0.1", ["10.0.0.1"]), ("10.0.0.2", ["10.0.0.3"]),
                 ("10.0.0.2", ["10.0.0.3"]), id="both changed"),
    pytest.param(("10.0.0.1", ["10.0.0.1"]), (None, None), (None, None),
                 id="both cleared (patchAllocatedValues restores them first)"),
])
def test_normalize_cluster_ips(old, new, expected):
    svc = _ips(*new)
    normalize_cluster_ips(svc, None if old is None else _ips(*old))
    assert (svc["spec"].get("clusterIP"), svc["spec"].get("clusterIPs")) == expected


# ---------------------------------------------------------------------------------------------
# patchAllocatedValues


def _stored(**spec) -> dict:
    svc = defaulted(**spec)
    svc["spec"].setdefault("clusterIP", "10.96.0.10")
    svc["spec"].setdefault("clusterIPs", [svc["spec"]["clusterIP"]])
    return svc


def test_patch_keeps_allocated_cluster_ip():
    new = defaulted()
    patch_allocated_values(new, _stored())
    assert (new["spec"]["clusterIP"], new["spec"]["clusterIPs"]) == ("10.96.0.10", ["10.96.0.10"])


@pytest.mark.parametrize(("old", "new"), [
    pytest.param({"type": "ExternalName", "externalName": "x.com"}, {}, id="from ExternalName"),
    pytest.param({}, {"type": "ExternalName", "externalName": "x.com"}, id="to ExternalName"),
])
def test_patch_skips_cluster_ip_around_external_name(old, new):
    old_svc = defaulted(clusterIP="10.96.0.10", clusterIPs=["10.96.0.10"], **old)
    new_svc = defaulted(**new)
    patch_allocated_values(new_svc, old_svc)
    assert "clusterIP" not in new_svc["spec"]


def test_patch_keeps_a_requested_cluster_ip():
    new = defaulted(clusterIP="10.96.0.20", clusterIPs=["10.96.0.20"])
    patch_allocated_values(new, _stored())
    assert new["spec"]["clusterIPs"] == ["10.96.0.20"]


def _np(*ports) -> list:
    return [dict(name=name, port=port, **({"nodePort": np} if np else {}))
            for name, port, np in ports]


@pytest.mark.parametrize(("old_type", "old_ports", "new_type", "new_ports", "expected"), [
    pytest.param("NodePort", _np(("a", 80, 30080)), "NodePort", _np(("a", 80, 0)),
                 [30080], id="same name"),
    pytest.param("NodePort", _np(("a", 80, 30080)), "NodePort", _np(("b", 80, 0)),
                 [0], id="other name"),
    pytest.param("NodePort", _np(("a", 80, 30080), ("b", 81, 30081)), "NodePort",
                 _np(("a", 80, 30081), ("b", 81, 0)), [30081, 0],
                 id="old number taken by another port"),
    pytest.param("NodePort", _np(("a", 80, 30080)), "NodePort", _np(("a", 80, 30099)),
                 [30099], id="explicit value kept"),
    pytest.param("LoadBalancer", _np(("a", 80, 30080)), "NodePort", _np(("a", 80, 0)),
                 [30080], id="LB to NodePort"),
    pytest.param("NodePort", _np(("a", 80, 30080)), "ClusterIP", _np(("a", 80, 0)),
                 [0], id="NodePort to ClusterIP"),
    pytest.param("ClusterIP", _np(("a", 80, 0)), "NodePort", _np(("a", 80, 0)),
                 [0], id="ClusterIP to NodePort"),
])
def test_patch_node_ports(old_type, old_ports, new_type, new_ports, expected):
    old = _stored(type=old_type, ports=old_ports)
    new = defaulted(type=new_type, ports=new_ports)
    patch_allocated_values(new, old)
    assert [p.get("nodePort", 0) for p in new["spec"]["ports"]] == expected


@pytest.mark.parametrize(("new_etp", "expected"), [
    pytest.param("Local", 30200, id="still needs one"),
    pytest.param("Cluster", DEL, id="no longer needs one"),
])
def test_patch_health_check_node_port(new_etp, expected):
    old = _stored(type="LoadBalancer", externalTrafficPolicy="Local", healthCheckNodePort=30200)
    new = defaulted(type="LoadBalancer", externalTrafficPolicy=new_etp)
    patch_allocated_values(new, old)
    assert new["spec"].get("healthCheckNodePort", DEL) == expected


# ---------------------------------------------------------------------------------------------
# initIPFamilyFields on a single-stack IPv4 cluster (TestCreateInitIPFields, single-stack v4)


def _init(old=None, **spec):
    svc = defaulted(**spec)
    normalize_cluster_ips(svc, old)
    errs = init_ip_family_fields(svc, old)
    got = svc["spec"]
    return [str(e) for e in errs], got.get("ipFamilyPolicy"), got.get("ipFamilies")


HEADLESS = {"clusterIP": "None"}
NO_SELECTOR = {"selector": DEL}


@pytest.mark.parametrize(("spec", "policy", "families", "errors"), [
    pytest.param({}, "SingleStack", ["IPv4"], [], id="defaults"),
    pytest.param({"ipFamilyPolicy": "SingleStack"}, "SingleStack", ["IPv4"], [], id="single"),
    pytest.param({"ipFamilyPolicy": "PreferDualStack"}, "PreferDualStack", ["IPv4"], [],
                 id="prefer dual gets one family"),
    pytest.param({"ipFamilyPolicy": "RequireDualStack"}, "RequireDualStack", None,
                 [('spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not '
                  'configured for dual-stack services')], id="require dual"),
    pytest.param({"ipFamilies": ["IPv4"]}, "SingleStack", ["IPv4"], [], id="v4 family"),
    pytest.param({"ipFamilies": ["IPv6"]}, "SingleStack", ["IPv6"],
                 ['spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster'],
                 id="v6 family"),
    pytest.param({"ipFamilyPolicy": "PreferDualStack", "ipFamilies": ["IPv4", "IPv6"]},
                 "PreferDualStack", ["IPv4", "IPv6"],
                 ['spec.ipFamilies[1]: Invalid value: "IPv6": not configured on this cluster'],
                 id="prefer dual with both families"),
    pytest.param({"ipFamilies": ["IPv4", "IPv6"]}, "SingleStack", ["IPv4", "IPv6"],
                 [('spec.ipFamilyPolicy: Invalid value: "SingleStack": must be '
                  "'RequireDualStack' or 'PreferDualStack' when multiple IP families are "
                  'specified')], id="single with two families"),
    pytest.param({"clusterIP": "10.96.0.10"}, "SingleStack", ["IPv4"], [],
                 id="family from a v4 IP"),
    pytest.param({"clusterIP": "2001:db8::10"}, "SingleStack", None,
                 [('spec.clusterIPs[0]: Invalid value: ["2001:db8::10"]: IPv6 is not configured '
                  'on this cluster')], id="v6 IP"),
    pytest.param({"clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10", "2001:db8::10"]},
                 "SingleStack", ["IPv4"],
                 [('spec.ipFamilyPolicy: Invalid value: "SingleStack": must be '
                  "'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are "
                  'specified'),
                  ('spec.clusterIPs[1]: Invalid value: ["10.96.0.10","2001:db8::10"]: IPv6 is not '
                  'configured on this cluster')], id="single with two IPs"),
    pytest.param(HEADLESS, "SingleStack", ["IPv4"], [], id="headless with selector"),
    pytest.param({**HEADLESS, **NO_SELECTOR}, "RequireDualStack", ["IPv4", "IPv6"], [],
                 id="headless selectorless"),
    pytest.param({**HEADLESS, **NO_SELECTOR, "ipFamilyPolicy": "SingleStack"}, "SingleStack",
                 ["IPv4"], [], id="headless selectorless single"),
    pytest.param({**HEADLESS, **NO_SELECTOR, "ipFamilyPolicy": "PreferDualStack"},
                 "PreferDualStack", ["IPv4", "IPv6"], [], id="headless selectorless prefer"),
    pytest.param({**HEADLESS, **NO_SELECTOR, "ipFamilies": ["IPv6"]}, "RequireDualStack",
                 ["IPv6", "IPv4"], [], id="headless selectorless v6 first"),
    pytest.param({"type": "ExternalName", "externalName": "x.com"}, None, None, [],
                 id="ExternalName untouched"),
    pytest.param({"clusterIP": "garbage"}, "SingleStack", None,
                 [('spec.clusterIPs[0]: Invalid value: "garbage": must be a valid IP address, '
                  '(e.g. 10.9.8.7 or 2001:db8::ffff)')], id="related-field errors first"),
    pytest.param({"ipFamilyPolicy": "Dual"}, "Dual", None,
                 [('spec.ipFamilyPolicy: Unsupported value: "Dual": supported values: '
                  '"PreferDualStack", "RequireDualStack", "SingleStack"')], id="bad policy"),
])
def test_init_ip_family_fields_on_create(spec, policy, families, errors):
    assert _init(**spec) == (errors, policy, families)


def _dual(policy="PreferDualStack") -> dict:
    return _stored(clusterIP="10.96.0.10", clusterIPs=["10.96.0.10", "2001:db8::10"],
                   ipFamilies=["IPv4", "IPv6"], ipFamilyPolicy=policy)


def test_init_inherits_the_old_policy():
    old = _stored(ipFamilyPolicy="SingleStack", ipFamilies=["IPv4"])
    assert _init(old, clusterIP="10.96.0.10") == ([], "SingleStack", ["IPv4"])


def test_init_leaves_an_unchanged_prefer_dual_stack_service_alone():
    old = _dual()
    new = copy.deepcopy(old)
    assert init_ip_family_fields(new, old) == []
    assert new == old


def test_init_single_stack_downgrade_trims_both_lists():
    old = _dual()
    new = copy.deepcopy(old)
    new["spec"]["ipFamilyPolicy"] = "SingleStack"
    assert init_ip_family_fields(new, old) == []
    assert (new["spec"]["clusterIPs"], new["spec"]["ipFamilies"]) == (["10.96.0.10"], ["IPv4"])


def test_init_refuses_to_release_the_secondary_ip_without_single_stack():
    old = _dual("RequireDualStack")
    new = copy.deepcopy(old)
    new["spec"]["clusterIPs"] = ["10.96.0.10"]
    new["spec"]["ipFamilies"] = ["IPv4"]
    assert [str(e) for e in init_ip_family_fields(new, old)] == [
        ('spec.ipFamilyPolicy: Invalid value: "RequireDualStack": must be \'SingleStack\' to '
        'release the secondary cluster IP'),
        ('spec.ipFamilyPolicy: Invalid value: "RequireDualStack": must be \'SingleStack\' to '
        'release the secondary IP family'),
    ]


# ---------------------------------------------------------------------------------------------
# dropTypeDependentFields and PrepareFor*


def _lb_local() -> dict:
    svc = _stored(type="LoadBalancer", externalTrafficPolicy="Local", healthCheckNodePort=30200,
                  loadBalancerClass="example.com/lb", ipFamilies=["IPv4"],
                  ipFamilyPolicy="SingleStack", ports=[{"port": 80, "nodePort": 30080}])
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "192.0.2.1", "ipMode": "VIP"}]}}
    return svc


def _switch(old: dict, **changes) -> dict:
    new = copy.deepcopy(old)
    for key, value in changes.items():
        if value is DEL:
            new["spec"].pop(key, None)
        else:
            new["spec"][key] = value
    drop_type_dependent_fields(new, old)
    return new


def test_drop_when_leaving_load_balancer_for_cluster_ip():
    new = _switch(_lb_local(), type="ClusterIP")
    spec = new["spec"]
    dropped = ("healthCheckNodePort", "allocateLoadBalancerNodePorts", "loadBalancerClass",
               "externalTrafficPolicy")
    assert [k for k in dropped if k in spec] == []
    assert "nodePort" not in spec["ports"][0]
    assert spec["clusterIP"] == "10.96.0.10"
    assert new["status"] == {"loadBalancer": {}}


def test_drop_keeps_a_node_port_the_user_changed():
    new = _switch(_lb_local(), type="ClusterIP", ports=[{"port": 80, "nodePort": 30099}])
    assert new["spec"]["ports"][0]["nodePort"] == 30099


def test_drop_keeps_changed_lb_only_fields():
    new = _switch(_lb_local(), type="ClusterIP", allocateLoadBalancerNodePorts=False,
                  loadBalancerClass="example.com/other", healthCheckNodePort=30201)
    spec = new["spec"]
    assert (spec["allocateLoadBalancerNodePorts"], spec["loadBalancerClass"],
            spec["healthCheckNodePort"]) == (False, "example.com/other", 30201)


def test_drop_when_switching_to_external_name():
    new = _switch(_lb_local(), type="ExternalName", externalName="x.example.com")
    assert [k for k in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy")
            if k in new["spec"]] == []


def test_drop_keeps_a_changed_cluster_ip_on_external_name():
    new = _switch(_lb_local(), type="ExternalName", externalName="x.example.com",
                  clusterIP="10.96.0.99", clusterIPs=["10.96.0.99"])
    assert new["spec"]["clusterIPs"] == ["10.96.0.99"]


def test_drop_health_check_port_when_policy_turns_cluster():
    new = _switch(_lb_local(), externalTrafficPolicy="Cluster")
    assert "healthCheckNodePort" not in new["spec"]
    assert new["status"]["loadBalancer"]["ingress"]  # still a LoadBalancer


def test_drop_to_node_port_keeps_node_ports_and_policy():
    new = _switch(_lb_local(), type="NodePort")
    assert new["spec"]["ports"][0]["nodePort"] == 30080
    assert new["spec"]["externalTrafficPolicy"] == "Local"
    assert "allocateLoadBalancerNodePorts" not in new["spec"]


def test_drop_does_nothing_on_create():
    svc = _lb_local()
    before = copy.deepcopy(svc)
    drop_type_dependent_fields(svc, None)
    assert svc == before


def test_prepare_for_create_clears_status():
    svc = _lb_local()
    prepare_for_create(svc)
    assert svc["status"] == {"loadBalancer": {}}


def test_prepare_for_update_keeps_old_status():
    old = _lb_local()
    new = copy.deepcopy(old)
    new["status"] = {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}]}}
    prepare_for_update(new, old)
    assert new["status"] == old["status"]
