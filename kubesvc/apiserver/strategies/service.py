"""The Service strategy: kube-apiserver's create and update paths for v1 Services.

Order, as upstream (pkg/registry/core/service/storage/storage.go beginCreate/beginUpdate and
strategy.go): defaulting → normalise cluster IPs → IP family fields → allocation → prepare
(status, dropped fields) → validation. Allocation runs before validation, so an allocation
error hides ordinary validation errors, as on a real cluster. A failure rolls the object's
savepoint back, which also frees whatever was allocated for it.
"""

from __future__ import annotations

from kubesvc.api.errors import InvalidError
from kubesvc.api.objects import clone
from kubesvc.apiserver.allocation import Allocator, ServiceCIDR
from kubesvc.apiserver.validation.service import (
    validate_service,
    validate_service_name,
    validate_service_update,
)
from kubesvc.apiserver.validation.service_defaults import (
    default_service,
    drop_type_dependent_fields,
)
from kubesvc.apiserver.validation.service_ip_families import init_ip_family_fields
from kubesvc.apiserver.validation.service_ips import (
    is_headless,
    needs_cluster_ip,
    needs_health_check,
    normalize_cluster_ips,
    patch_allocated_values,
    wants_node_ports,
)
from kubesvc.apiserver.validation.service_warnings import service_warnings
from kubesvc.store.db import object_key


def _owner(svc: dict) -> str:
    meta = svc["metadata"]
    return object_key("Service", meta.get("namespace", ""), meta["name"])


def _raise(svc: dict, errors) -> None:
    if errors:
        raise InvalidError("Service", svc["metadata"].get("name", ""), errors)


def create(ctx, svc: dict, keep_status: bool) -> None:
    passed = _before_allocation(svc)
    commit(ctx, svc)
    _after_allocation(ctx, svc, keep_status, passed)


def prepare(ctx, svc: dict, keep_status: bool) -> bool:
    """create's steps but the allocation, which reads the state (registry.prepare runs them
    ahead): only for a Service that names every value allocation would give it (a restored
    snapshot's), so that allocation changes nothing the other steps read; False otherwise.
    Allocation then only takes those values (`commit`), and its errors, which come before
    validation's in create, are the only ones left."""
    passed = _before_allocation(svc)
    spec = svc["spec"]
    if _allocates_ip(svc) and not spec.get("clusterIP"):
        return False
    if spec.get("type") in ("NodePort", "LoadBalancer") and wants_node_ports(svc) and \
            not all(isinstance(p, dict) and p.get("nodePort") for p in spec.get("ports") or []):
        return False
    if needs_health_check(svc) and not spec.get("healthCheckNodePort"):
        return False
    _after_allocation(ctx, svc, keep_status, passed)
    return True


def commit(ctx, svc: dict) -> None:
    """Allocation: the cluster IP, node ports and health-check port, given or chosen."""
    spec = svc["spec"]
    alloc = Allocator(ctx.store, ctx.settings)
    owner = _owner(svc)
    if _allocates_ip(svc):
        alloc.allocate_cluster_ip(svc, owner)
    if spec.get("type") in ("NodePort", "LoadBalancer"):
        alloc.allocate_node_ports(svc, owner, wants_node_ports(svc))
    if needs_health_check(svc):
        alloc.allocate_health_check(svc, owner)


def _before_allocation(svc: dict) -> list[tuple]:
    """Defaulting, cluster IPs' normal form, the name, the IP family fields; the cluster IP
    fields validation found right (see validate_service)."""
    svc.setdefault("spec", {})
    default_service(svc)
    normalize_cluster_ips(svc)
    _raise(svc, validate_service_name(svc))  # checked before allocating (1.35+)
    passed: list[tuple] = []
    _raise(svc, init_ip_family_fields(svc, None, passed))
    return passed


def _after_allocation(ctx, svc: dict, keep_status: bool, passed: list[tuple]) -> None:
    # PrepareForCreate clears status; a restored snapshot keeps its own (registry.py). Either
    # way the stored Service has `status.loadBalancer`, as Go's encoding of ServiceStatus does.
    if not keep_status:
        svc["status"] = {"loadBalancer": {}}
    elif isinstance(svc.get("status", {}), dict):
        svc.setdefault("status", {}).setdefault("loadBalancer", {})
    _raise(svc, validate_service(svc, None, passed[0] if passed else None))
    ctx.warnings.extend(service_warnings(svc))


def update(ctx, new: dict, old: dict, keep_status: bool) -> None:
    new.setdefault("spec", {})
    default_service(new)
    patch_allocated_values(new, old)
    normalize_cluster_ips(new, old)
    _raise(new, init_ip_family_fields(new, old))
    if not keep_status:  # PrepareForUpdate: status changes only through the status subresource
        new["status"] = clone(old.get("status") or {"loadBalancer": {}})
    elif isinstance(new.get("status", {}), dict):
        new.setdefault("status", {}).setdefault("loadBalancer", {})
    drop_type_dependent_fields(new, old)
    _allocate_update(ctx, new, old)
    _raise(new, validate_service_update(new, old))
    ctx.warnings.extend(service_warnings(new))


def _allocate_update(ctx, new: dict, old: dict) -> None:
    """allocateUpdate: cluster IPs, node ports and the health-check port follow the new type."""
    alloc, owner = Allocator(ctx.store, ctx.settings), _owner(new)
    old_needs, new_needs = _allocates_ip(old), _allocates_ip(new)
    if new_needs and not old_needs and needs_cluster_ip(new) and \
            not needs_cluster_ip(old):
        alloc.allocate_cluster_ip(new, owner)
    elif old_needs and not new_needs:
        alloc.release_cluster_ips(owner)
    if new["spec"].get("type") in ("NodePort", "LoadBalancer"):
        alloc.update_node_ports(new, owner, wants_node_ports(new))
    else:
        for port in (p.get("nodePort") for p in old["spec"].get("ports") or []):
            if port:
                alloc.release_node_port(owner, port)
    old_hc = old["spec"].get("healthCheckNodePort")
    if needs_health_check(new):
        if not needs_health_check(old) or not new["spec"].get("healthCheckNodePort"):
            alloc.allocate_health_check(new, owner)
    elif old_hc and needs_health_check(old):
        alloc.release_node_port(owner, old_hc)


def _allocates_ip(svc: dict) -> bool:
    """A Service that holds an address: not ExternalName, not headless."""
    return needs_cluster_ip(svc) and not is_headless(svc)


def delete(ctx, svc: dict) -> None:
    """releaseAllocatedResources: every IP and port the Service held goes back to the pools."""
    Allocator(ctx.store, ctx.settings).release_all(_owner(svc))


def kubernetes_service(settings: dict) -> dict:
    """default/kubernetes as kube-apiserver creates it at the first address of the range."""

    ip = ServiceCIDR(settings["serviceCIDR"]).address(1)
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {"clusterIP": ip, "clusterIPs": [ip], "internalTrafficPolicy": "Cluster",
                 "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                 "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                            "targetPort": 6443}],
                 "sessionAffinity": "None", "type": "ClusterIP"},
        "status": {"loadBalancer": {}},
    }
