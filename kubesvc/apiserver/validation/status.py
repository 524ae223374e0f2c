"""The API server's own checks of a written status (a /status update, a restored snapshot).

kube-apiserver validates status with hand-written rules (pkg/apis/core/validation and
pkg/apis/apps/validation: ValidatePodStatusUpdate, ValidateNodeUpdate, ValidateLoadBalancerStatus,
ValidateDeploymentStatus, ValidateReplicaSetStatus, ...), never with the OpenAPI schema's
`required` lists: kubelets and controllers write statuses partly filled (a container status
without `imageID`, a node without `kernelVersion`) and the server stores them. The schema's part
is decoding: types and unknown fields (apiserver/admission.py).
"""

from __future__ import annotations

from kubesvc.api.errors import FieldError, duplicate, forbidden, invalid, required, unsupported
from kubesvc.apiserver.validation.ip_addresses import ip_address, is_v4, parse_ip
from kubesvc.apiserver.validation.names import dns1123_subdomain

IP_MODES = ["Proxy", "VIP"]
NON_NEGATIVE = "must be greater than or equal to 0"


def default_status(gk: str, obj: dict) -> None:
    """SetDefaults_LoadBalancerIngress (1.30+): an ingress with an ip and no ipMode is VIP."""
    if gk != "Service":
        return
    for ingress in _ingress(obj):
        if isinstance(ingress, dict) and ingress.get("ip") and "ipMode" not in ingress:
            ingress["ipMode"] = "VIP"


def validate_status(gk: str, obj: dict) -> list[FieldError]:
    status = obj.get("status")
    if not isinstance(status, dict):
        return []
    check = _CHECKS.get(gk)
    return check(status) if check else []


def _ingress(obj: dict) -> list:
    status = obj.get("status") if isinstance(obj.get("status"), dict) else {}
    return ((status or {}).get("loadBalancer") or {}).get("ingress") or []


def _ips(path: str, values: list) -> list[FieldError]:
    """validatePodIPs / validateHostIPs: each a valid IP, at most one per family, no
    duplicates."""
    if not values:
        return []
    if len(values) == 1 and type(values[0]) is dict and \
            parse_ip(values[0].get("ip", "")) is not None:  # one valid IP: nothing to report
        return []
    ips = [v.get("ip", "") if isinstance(v, dict) else "" for v in values]
    errs = [invalid(f"{path}[{i}].ip", ip, msg) for i, ip in enumerate(ips)
            for msg in ip_address(ip, strict=False)]
    if errs or len(ips) < 2:
        return errs
    families = [is_v4(parse_ip(ip) or b"") for ip in ips]
    if len(ips) > 2 or families[0] == families[1]:
        errs.append(invalid(path, values, "may specify no more than one IP for each IP family"))
    seen: set[str] = set()
    for i, ip in enumerate(ips):
        if ip in seen:
            errs.append(duplicate(f"{path}[{i}]", values[i]))
        seen.add(ip)
    return errs


def _pod(status: dict) -> list[FieldError]:
    errs = _ips("status.podIPs", status.get("podIPs") or [])
    host_ips = status.get("hostIPs") or []
    errs += _ips("status.hostIPs", host_ips)
    if host_ips and isinstance(host_ips[0], dict) and \
            status.get("hostIP", "") != host_ips[0].get("ip", ""):
        errs.append(invalid("status.hostIPs[0].ip", host_ips[0].get("ip", ""),
                            "must be equal to `hostIP`"))
    nominated = status.get("nominatedNodeName")
    if nominated:
        errs += [invalid("status.nominatedNodeName", nominated, m)
                 for m in dns1123_subdomain(nominated)]
    return errs


def _node(status: dict) -> list[FieldError]:
    """ValidateNodeUpdate: no address twice (the rest of a node's status is free-form)."""
    errs, seen = [], []
    for i, address in enumerate(status.get("addresses") or []):
        if address in seen:
            errs.append(duplicate(f"status.addresses[{i}]", address))
        seen.append(address)
    return errs


def _service(status: dict) -> list[FieldError]:
    """ValidateLoadBalancerStatus."""
    errs: list[FieldError] = []
    ingress = (status.get("loadBalancer") or {}).get("ingress") or []
    for i, item in enumerate(ingress if isinstance(ingress, list) else []):
        path, item = f"status.loadBalancer.ingress[{i}]", item or {}
        ip, mode, hostname = item.get("ip", ""), item.get("ipMode"), item.get("hostname", "")
        if ip:
            errs += [invalid(f"{path}.ip", ip, m) for m in ip_address(ip, strict=False)]
        if mode is None and ip:
            errs.append(required(f"{path}.ipMode", "must be specified when `ip` is set"))
        elif mode is not None and not ip:
            errs.append(forbidden(f"{path}.ipMode", "may not be specified when `ip` is not set"))
        elif mode is not None and mode not in IP_MODES:
            errs.append(unsupported(f"{path}.ipMode", mode, IP_MODES))
        if hostname:
            errs += load_balancer_hostname(f"{path}.hostname", hostname)
    return errs


def load_balancer_hostname(path: str, hostname: str) -> list[FieldError]:
    """A load-balancer ingress hostname (a Service's or an Ingress's status): a DNS-1123
    subdomain, and not an IP address."""
    errs = [invalid(path, hostname, m) for m in dns1123_subdomain(hostname)]
    if parse_ip(hostname) is not None:
        errs.append(invalid(path, hostname, "must be a DNS name, not an IP address"))
    return errs


_COUNTERS = ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
             "unavailableReplicas", "fullyLabeledReplicas", "currentReplicas",
             "terminatingReplicas", "observedGeneration", "collisionCount",
             "currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled",
             "numberReady", "updatedNumberScheduled", "numberAvailable", "numberUnavailable")


def _workload(status: dict) -> list[FieldError]:
    """ValidateDeploymentStatus, ValidateReplicaSetStatus, ValidateStatefulSetStatus,
    ValidateDaemonSetStatus: counters are not negative; fewer ready than there are, fewer
    available than ready."""
    errs = [invalid(f"status.{name}", status[name], NON_NEGATIVE) for name in _COUNTERS
            if isinstance(status.get(name), int) and status[name] < 0]
    replicas, ready, available = (_count(status, k) for k in
                                  ("replicas", "readyReplicas", "availableReplicas"))
    if ready is not None and replicas is not None and ready > replicas:
        errs.append(invalid("status.readyReplicas", ready, "cannot be greater than "
                            "status.replicas"))
    if available is not None and replicas is not None and available > replicas:
        errs.append(invalid("status.availableReplicas", available, "cannot be greater than "
                            "status.replicas"))
    if available is not None and ready is not None and available > ready:
        errs.append(invalid("status.availableReplicas", available, "cannot be greater than "
                            "readyReplicas"))
    return errs


def _count(status: dict, name: str) -> int | None:
    value = status.get(name)
    return value if isinstance(value, int) and value >= 0 else None


_CHECKS = {"Pod": _pod, "Node": _node, "Service": _service,
           "Deployment.apps": _workload, "ReplicaSet.apps": _workload,
           "StatefulSet.apps": _workload, "DaemonSet.apps": _workload,
           "ReplicationController": _workload}
