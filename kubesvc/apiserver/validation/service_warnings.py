"""The warnings kube-apiserver returns with a Service it accepts (`pkg/api/service/warnings.go`
GetWarningsForService): deprecated topology annotations, IPs with leading zeros, fields its
type ignores.
"""

from __future__ import annotations

from kubesvc.apiserver.validation.ip_addresses import cidr_warnings, ip_warnings
from kubesvc.apiserver.validation.service_ips import (
    CLUSTER_IPS,
    NONE,
    cluster_ips,
    spec_of,
    svc_type,
)

# ---------------------------------------------------------------------------------------------
# Warnings (pkg/api/service/warnings.go GetWarningsForService)

TOPOLOGY_HINTS = "service.kubernetes.io/topology-aware-hints"
TOPOLOGY_MODE = "service.kubernetes.io/topology-mode"


def service_warnings(svc: dict, old: dict | None = None) -> list[str]:
    """`Warning:` lines returned with a create/update; they never block the request."""
    spec = spec_of(svc)
    annotations = (svc.get("metadata") or {}).get("annotations") or {}
    warnings = []
    if TOPOLOGY_HINTS in annotations:
        warnings.append(f"annotation {TOPOLOGY_HINTS} is deprecated, please use {TOPOLOGY_MODE} "
                        "instead")
    if spec.get("clusterIP") not in (None, "", NONE):
        for i, ip in enumerate(cluster_ips(svc)):
            warnings += ip_warnings(f"{CLUSTER_IPS}[{i}]", ip)
    warnings += _ignored_field_warnings(svc)
    for i, value in enumerate(spec.get("loadBalancerSourceRanges") or []):
        warnings += cidr_warnings(f"spec.loadBalancerSourceRanges[{i}]", value)
    if svc_type(svc) == "ExternalName" and spec.get("externalIPs"):
        warnings.append('spec.externalIPs is ignored when spec.type is "ExternalName"')
    if svc_type(svc) != "ExternalName" and spec.get("externalName"):
        warnings.append('spec.externalName is ignored when spec.type is not "ExternalName"')
    if spec.get("trafficDistribution") == "PreferClose":
        warnings.append('spec.trafficDistribution: "PreferClose" is deprecated; use '
                        '"PreferSameZone"')
    return warnings


def _ignored_field_warnings(svc: dict) -> list[str]:
    spec = spec_of(svc)
    # warnings.go has its own, narrower idea of headless: type ClusterIP with clusterIP None
    headless = svc_type(svc) == "ClusterIP" and spec.get("clusterIP") == NONE
    external_ips = spec.get("externalIPs") or []
    warnings = []
    if headless and spec.get("loadBalancerIP"):
        warnings.append("spec.loadBalancerIP is ignored for headless services")
    if headless and external_ips:
        warnings.append("spec.externalIPs is ignored for headless services")
    if headless and spec.get("sessionAffinity") != "None":
        warnings.append("spec.SessionAffinity is ignored for headless services")
    for i, ip in enumerate(external_ips):
        warnings += ip_warnings(f"spec.externalIPs[{i}]", ip)
    if external_ips and not headless and svc_type(svc) != "ExternalName":
        warnings.append("spec.externalIPs is deprecated and may no longer be implemented in some "
                        "clusters")
    if spec.get("loadBalancerIP"):
        warnings += ip_warnings("spec.loadBalancerIP", spec["loadBalancerIP"])
    return warnings
