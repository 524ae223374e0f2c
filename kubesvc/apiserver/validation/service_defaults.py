"""What the API server does to a Service before validating it: v1 defaulting
(`pkg/apis/core/v1/defaults.go` SetDefaults_Service) and the strategy's PrepareForCreate /
PrepareForUpdate (`pkg/registry/core/service/strategy.go`, dropTypeDependentFields).
"""

from __future__ import annotations

from kubesvc.api.objects import clone
from kubesvc.apiserver.validation.service_ips import (
    externally_accessible,
    is_load_balancer,
    mutable_spec,
    needs_cluster_ip,
    needs_health_check,
    needs_node_port,
    same_cluster_ips,
    same_ip_families,
    spec_of,
)

DEFAULT_AFFINITY_TIMEOUT = 10800


# ---------------------------------------------------------------------------------------------
# Defaulting (SetDefaults_Service)


def default_service(svc: dict) -> None:
    """v1 defaulting, in place. Allocation-time defaults live in init_ip_family_fields."""
    spec = mutable_spec(svc)
    _default_affinity(spec)
    spec["type"] = spec.get("type") or "ClusterIP"
    for port in spec.get("ports") or []:
        port["protocol"] = port.get("protocol") or "TCP"
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port") or 0
    if externally_accessible(svc) and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if spec.get("internalTrafficPolicy") is None and \
            spec["type"] in ("ClusterIP", "NodePort", "LoadBalancer"):
        spec["internalTrafficPolicy"] = "Cluster"
    if is_load_balancer(svc):
        if spec.get("allocateLoadBalancerNodePorts") is None:
            spec["allocateLoadBalancerNodePorts"] = True
        _default_ip_mode(svc)


def _default_affinity(spec: dict) -> None:
    spec["sessionAffinity"] = spec.get("sessionAffinity") or "None"
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)  # a config sent with None is dropped silently
    elif spec["sessionAffinity"] == "ClientIP":
        client = (spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}
        if client.get("timeoutSeconds") is None:  # an explicit 0 is kept (and then refused)
            spec["sessionAffinityConfig"] = {
                "clientIP": {"timeoutSeconds": DEFAULT_AFFINITY_TIMEOUT}}


def _default_ip_mode(svc: dict) -> None:
    # LoadBalancerIPMode (GA 1.32): an ingress IP without ipMode is a VIP.
    status = svc.get("status") or {}
    for ingress in (status.get("loadBalancer") or {}).get("ingress") or []:
        if ingress.get("ip") and ingress.get("ipMode") is None:
            ingress["ipMode"] = "VIP"


# ---------------------------------------------------------------------------------------------
# Strategy: what PrepareForCreate / PrepareForUpdate do to the object


def prepare_for_create(svc: dict) -> None:
    """strategy.go PrepareForCreate: a submitted status is ignored."""
    svc["status"] = {"loadBalancer": {}}


def prepare_for_update(new: dict, old: dict) -> None:
    """strategy.go PrepareForUpdate: keep the old status, then drop stale type fields."""
    new["status"] = clone(old.get("status") or {"loadBalancer": {}})
    drop_type_dependent_fields(new, old)


def drop_type_dependent_fields(new: dict, old: dict | None) -> None:
    """strategy.go dropTypeDependentFields: wipe fields the new type no longer uses, but only
    those the user left as they were (a changed stale value must still fail validation)."""
    if old is None:
        return
    spec, old_spec = mutable_spec(new), spec_of(old)
    if needs_cluster_ip(old) and not needs_cluster_ip(new):
        if same_cluster_ips(old, new):
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
        if same_ip_families(old, new):
            spec.pop("ipFamilies", None)
        if old_spec.get("ipFamilyPolicy") == spec.get("ipFamilyPolicy"):
            spec.pop("ipFamilyPolicy", None)
    if needs_node_port(old) and not needs_node_port(new) and _node_ports_subset(old, new):
        for port in spec.get("ports") or []:
            port.pop("nodePort", None)
    if needs_health_check(old) and not needs_health_check(new) and \
            old_spec.get("healthCheckNodePort") == spec.get("healthCheckNodePort"):
        spec.pop("healthCheckNodePort", None)
    _drop_load_balancer_fields(spec, old_spec, new, old)
    if externally_accessible(old) and not externally_accessible(new) and \
            (old_spec.get("externalTrafficPolicy") or "") == (spec.get("externalTrafficPolicy")
                                                              or ""):
        spec.pop("externalTrafficPolicy", None)
    if not is_load_balancer(new):
        new.setdefault("status", {})["loadBalancer"] = {}


def _node_ports_subset(old: dict, new: dict) -> bool:
    # Ports may be added, removed or edited as long as no net-new node port appears.
    def numbers(svc: dict) -> set:
        return {p.get("nodePort") for p in spec_of(svc).get("ports") or [] if p.get("nodePort")}

    return numbers(new) <= numbers(old)


def _drop_load_balancer_fields(spec: dict, old_spec: dict, new: dict, old: dict) -> None:
    if not is_load_balancer(old) or is_load_balancer(new):
        return
    alloc, old_alloc = spec.get("allocateLoadBalancerNodePorts"), \
        old_spec.get("allocateLoadBalancerNodePorts")
    if alloc is not None and old_alloc is not None and alloc == old_alloc:
        spec.pop("allocateLoadBalancerNodePorts", None)
    if spec.get("loadBalancerClass") == old_spec.get("loadBalancerClass"):
        spec.pop("loadBalancerClass", None)
