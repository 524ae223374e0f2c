"""Service API-server validation, as pure functions over plain dicts.

Upstream source: `pkg/apis/core/validation/validation.go` (ValidateService,
ValidateServiceUpdate); defaulting and PrepareFor* are in `service_defaults`, IP family
initialisation in `service_ip_families`, cluster IP rules in `service_ips` and warnings in
`service_warnings`. Kubernetes 1.37 defaults: Service names
are DNS-1123 labels (RelaxedServiceNameValidation), new IPs/CIDRs are checked strictly
(StrictIPCIDRValidation) and values stored before are let through (ratcheting via `old`).

Call order used by the registry: default_service -> (update: patch_allocated_values) ->
normalize_cluster_ips -> init_ip_family_fields -> allocation -> prepare_for_create /
prepare_for_update -> validate_service / validate_service_update -> service_warnings.
"""

from __future__ import annotations

from kubesvc.api.errors import FieldError, duplicate, forbidden, invalid, required, unsupported
from kubesvc.apiserver.validation.ip_addresses import cidr, ip_address, non_special_ip
from kubesvc.apiserver.validation.names import (
    dns1123_label,
    dns1123_subdomain,
    port_name,
    port_number,
    qualified_name,
    validate_labels,
    validate_object_meta,
    validate_object_meta_update,
    validate_object_name,
)
from kubesvc.apiserver.validation.service_ips import (
    cluster_ip_fields,
    externally_accessible,
    is_headless,
    is_load_balancer,
    needs_health_check,
    spec_of,
    svc_type,
    validate_cluster_ips_related_fields,
    validate_upgrade_downgrade_cluster_ips,
    validate_upgrade_downgrade_ip_families,
)
from kubesvc.apiserver.validation.service_warnings import TOPOLOGY_HINTS, TOPOLOGY_MODE

SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
AFFINITIES = ["ClientIP", "None"]
TRAFFIC_POLICIES = ["Cluster", "Local"]
# PreferSameTrafficDistribution is GA (1.35): PreferClose stays as a deprecated alias.
TRAFFIC_DISTRIBUTIONS = ["PreferClose", "PreferSameNode", "PreferSameZone"]
MAX_AFFINITY_TIMEOUT = 86400
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"
ONLY_LB = "may only be used when `type` is 'LoadBalancer'"
service_name = dns1123_label  # RelaxedServiceNameValidation (beta, on since 1.36)


# ---------------------------------------------------------------------------------------------
# ValidateService


def validate_service_name(svc: dict) -> list[FieldError]:
    """The name check the registry runs before allocating IPs (storage preAllocIPs, 1.35+)."""
    name = (svc.get("metadata") or {}).get("name") or ""
    if not name:
        return [required("metadata.name", "name or generateName is required")]
    return validate_object_name(name, "metadata.name", service_name)


def validate_service(svc: dict, old: dict | None = None,
                     ips_passed: tuple | None = None) -> list[FieldError]:
    """ValidateService: every error, in upstream order. `old` only lets stored IPs/CIDRs stay.
    `ips_passed` (a create's): `cluster_ip_fields` of the Service when its cluster IP fields
    passed validate_cluster_ips_related_fields (init_ip_family_fields); if they are still the
    same, that check's answer is still no error, and it is not run again."""
    spec = spec_of(svc)
    errs = validate_object_meta(svc.get("metadata"), True, service_name)
    errs += _topology_annotations(svc)
    errs += _type_specific(svc)
    errs += _ports(spec)
    if spec.get("selector") is not None:
        errs += validate_labels(spec["selector"], "spec.selector")
    errs += _session_affinity(spec)
    if ips_passed is None or old is not None or ips_passed != cluster_ip_fields(svc):
        errs += validate_cluster_ips_related_fields(svc, old)
    errs += _external_ips(spec, spec_of(old).get("externalIPs") or [])
    errs += _type(spec)
    errs += _node_ports(svc)
    errs += _source_ranges(svc, old)
    errs += _allocate_node_ports_field(svc)
    errs += validate_load_balancer_class(svc, None)
    errs += _traffic_policies(svc)
    return errs


def _topology_annotations(svc: dict) -> list[FieldError]:
    annotations = (svc.get("metadata") or {}).get("annotations") or {}
    if TOPOLOGY_HINTS in annotations and TOPOLOGY_MODE in annotations and \
            annotations[TOPOLOGY_HINTS] != annotations[TOPOLOGY_MODE]:
        return [invalid(f"metadata.annotations[{TOPOLOGY_MODE}]", annotations[TOPOLOGY_MODE],
                        f"must match annotations[{TOPOLOGY_HINTS}] when both are specified")]
    return []


def _type_specific(svc: dict) -> list[FieldError]:
    spec, kind = spec_of(svc), svc_type(svc)
    errs = []
    if not spec.get("ports") and not is_headless(svc) and kind != "ExternalName":
        errs.append(required("spec.ports"))
    if kind in ("LoadBalancer", "NodePort") and is_headless(svc):
        errs.append(invalid("spec.clusterIPs[0]", "None",
                            f"may not be set to 'None' for {kind} services"))
    if kind == "ExternalName":
        errs += _external_name(spec)
    return errs


def _external_name(spec: dict) -> list[FieldError]:
    errs = [forbidden(f"spec.{key}", "may not be set for ExternalName services")
            for key in ("clusterIPs", "ipFamilies") if spec.get(key)]
    if spec.get("ipFamilyPolicy") is not None:
        errs.append(forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"))
    name = spec.get("externalName") or ""
    cname = name.removesuffix(".")  # one trailing dot marks a FQDN
    if not cname:
        return [*errs, required("spec.externalName")]
    return errs + [invalid("spec.externalName", cname, m) for m in dns1123_subdomain(cname)]


def _ports(spec: dict) -> list[FieldError]:
    ports = spec.get("ports") or []
    names: set[str] = set()
    errs = []
    for i, port in enumerate(ports):
        errs += validate_service_port(port, len(ports) > 1, names, f"spec.ports[{i}]")
    return errs


def validate_service_port(port: dict, require_name: bool, names: set[str],
                          path: str) -> list[FieldError]:
    """validateServicePort. `targetPort` on headless Services is deliberately not compared."""
    errs = []
    name = port.get("name") or ""
    if require_name and not name:
        errs.append(required(f"{path}.name"))
    elif name:
        name_errs = dns1123_label(name)  # (validate_object_name, its path built only if needed)
        if name_errs:
            errs += validate_object_name(name, f"{path}.name", dns1123_label)
        if name in names:
            errs.append(duplicate(f"{path}.name", name))
        names.add(name)
    number = port.get("port") or 0
    errs += [invalid(f"{path}.port", number, m) for m in port_number(number)]
    protocol = port.get("protocol") or ""
    if not protocol:
        errs.append(required(f"{path}.protocol"))
    elif protocol not in PROTOCOLS:
        errs.append(unsupported(f"{path}.protocol", protocol, PROTOCOLS))
    target = 0 if port.get("targetPort") is None else port["targetPort"]
    check = port_name if isinstance(target, str) else port_number
    errs += [invalid(f"{path}.targetPort", target, m) for m in check(target)]
    if port.get("appProtocol") is not None:
        errs += [invalid(f"{path}.appProtocol", port["appProtocol"], m)
                 for m in qualified_name(port["appProtocol"])]
    return errs


def _session_affinity(spec: dict) -> list[FieldError]:
    affinity = spec.get("sessionAffinity") or ""
    if not affinity:
        return [required("spec.sessionAffinity")]
    if affinity not in AFFINITIES:
        return [unsupported("spec.sessionAffinity", affinity, AFFINITIES)]
    config = spec.get("sessionAffinityConfig")
    if affinity == "None":
        if config is None:
            return []
        return [forbidden("spec.sessionAffinityConfig", "must not be set when session affinity "
                                                        "is None")]
    return _client_ip_config(config)


def _client_ip_config(config: dict | None) -> list[FieldError]:
    why = "when session affinity type is ClientIP"
    path = "spec.sessionAffinityConfig"
    if config is None:
        return [required(path, why)]
    if config.get("clientIP") is None:
        return [required(f"{path}.clientIP", why)]
    timeout = config["clientIP"].get("timeoutSeconds")
    if timeout is None:
        return [required(f"{path}.clientIP.timeoutSeconds", why)]
    if timeout <= 0 or timeout > MAX_AFFINITY_TIMEOUT:
        return [invalid(f"{path}.clientIP.timeoutSeconds", timeout,
                        f"must be greater than 0 and less than {MAX_AFFINITY_TIMEOUT}")]
    return []


def _external_ips(spec: dict, old_ips: list) -> list[FieldError]:
    errs = []
    for i, ip in enumerate(spec.get("externalIPs") or []):
        path = f"spec.externalIPs[{i}]"
        msgs = ip_address(ip, True, old_ips) or non_special_ip(ip)
        errs += [invalid(path, ip, m) for m in msgs]
    return errs


def _type(spec: dict) -> list[FieldError]:
    kind = spec.get("type") or ""
    if not kind:
        return [required("spec.type")]
    return [] if kind in SERVICE_TYPES else [unsupported("spec.type", kind, SERVICE_TYPES)]


def _node_ports(svc: dict) -> list[FieldError]:
    ports = spec_of(svc).get("ports") or []
    errs = []
    if svc_type(svc) == "ClusterIP":
        errs += [forbidden(f"spec.ports[{i}].nodePort", "may not be used when `type` is "
                                                        "'ClusterIP'")
                 for i, p in enumerate(ports) if p.get("nodePort")]
    seen: set = set()
    for i, port in enumerate(ports):
        key = (port.get("protocol") or "", port.get("nodePort") or 0)
        if key[1] and key in seen:
            errs.append(duplicate(f"spec.ports[{i}].nodePort", key[1]))
        seen.add(key)
    seen = set()
    for i, port in enumerate(ports):
        key = (port.get("protocol") or "", port.get("port") or 0)
        if key in seen:
            errs.append(duplicate(f"spec.ports[{i}]", _internal_port(*key)))
        seen.add(key)
    return errs


def _internal_port(protocol: str, number: int) -> dict:
    # The duplicate's value is an internal core.ServicePort holding only protocol and port;
    # internal types have no json tags, so 1.34+ renders Go field names.
    return {"Name": "", "Protocol": protocol, "AppProtocol": None, "Port": number,
            "TargetPort": 0, "NodePort": 0}


def _source_ranges(svc: dict, old: dict | None) -> list[FieldError]:
    spec = spec_of(svc)
    annotations = (svc.get("metadata") or {}).get("annotations") or {}
    if not spec.get("loadBalancerSourceRanges") and SOURCE_RANGES_ANNOTATION not in annotations:
        return []  # nothing to check (the values `old` excuses are not needed)
    old_values = [v.strip() for v in spec_of(old).get("loadBalancerSourceRanges") or []]
    old_ann = ((old or {}).get("metadata") or {}).get("annotations") or {}
    old_values += [v.strip() for v in (old_ann.get(SOURCE_RANGES_ANNOTATION) or "").split(",")]
    if spec.get("loadBalancerSourceRanges"):
        path = "spec.LoadBalancerSourceRanges"  # sic: upstream's capital L
        errs = [] if is_load_balancer(svc) else [forbidden(path, ONLY_LB)]
        for i, value in enumerate(spec["loadBalancerSourceRanges"]):
            value = value.strip()  # historically space-padded values are accepted
            errs += [invalid(f"{path}[{i}]", value, m) for m in cidr(value, True, old_values)]
        return errs
    if SOURCE_RANGES_ANNOTATION not in annotations:
        return []
    path = f"metadata.annotations[{SOURCE_RANGES_ANNOTATION}]"
    errs = [] if is_load_balancer(svc) else [forbidden(path, ONLY_LB)]
    text = (annotations[SOURCE_RANGES_ANNOTATION] or "").strip()
    for value in text.split(",") if text else []:
        errs += [invalid(path, value.strip(), m) for m in cidr(value.strip(), True, old_values)]
    return errs


def _allocate_node_ports_field(svc: dict) -> list[FieldError]:
    value = spec_of(svc).get("allocateLoadBalancerNodePorts")
    if value is not None and not is_load_balancer(svc):
        return [forbidden("spec.allocateLoadBalancerNodePorts", ONLY_LB)]
    if value is None and is_load_balancer(svc):
        return [required("allocateLoadBalancerNodePorts")]  # sic: no "spec." upstream
    return []


def validate_load_balancer_class(svc: dict, old: dict | None) -> list[FieldError]:
    """validateLoadBalancerClassField: immutable while LoadBalancer, LoadBalancer-only."""
    value = spec_of(svc).get("loadBalancerClass")
    errs = []
    if old is not None and is_load_balancer(old) and is_load_balancer(svc) and \
            spec_of(old).get("loadBalancerClass") != value:
        errs.append(invalid("spec.loadBalancerClass", value, "may not change once set"))
    if value is None:
        return errs
    if not is_load_balancer(svc):
        return [*errs, forbidden("spec.loadBalancerClass", ONLY_LB)]
    return errs + [invalid("spec.loadBalancerClass", value, m) for m in qualified_name(value)]


def _traffic_policies(svc: dict) -> list[FieldError]:
    spec = spec_of(svc)
    errs = _external_traffic_policy(svc) + _health_check_node_port(svc)
    internal = spec.get("internalTrafficPolicy")
    if internal is None and svc_type(svc) in ("ClusterIP", "NodePort", "LoadBalancer"):
        errs.append(required("spec.internalTrafficPolicy"))
    elif internal is not None and internal not in TRAFFIC_POLICIES:
        errs.append(unsupported("spec.internalTrafficPolicy", internal, TRAFFIC_POLICIES))
    distribution = spec.get("trafficDistribution")
    if distribution is not None and distribution not in TRAFFIC_DISTRIBUTIONS:
        errs.append(unsupported("spec.trafficDistribution", distribution, TRAFFIC_DISTRIBUTIONS))
    return errs


def _external_traffic_policy(svc: dict) -> list[FieldError]:
    policy = spec_of(svc).get("externalTrafficPolicy") or ""
    path = "spec.externalTrafficPolicy"
    if not externally_accessible(svc):
        if not policy:
            return []
        return [invalid(path, policy, "may only be set for externally-accessible services")]
    if not policy:
        return [required(path)]
    return [] if policy in TRAFFIC_POLICIES else [unsupported(path, policy, TRAFFIC_POLICIES)]


def _health_check_node_port(svc: dict) -> list[FieldError]:
    port = spec_of(svc).get("healthCheckNodePort") or 0
    path = "spec.healthCheckNodePort"
    if not needs_health_check(svc):
        if not port:
            return []
        return [invalid(path, port, "may only be set when `type` is 'LoadBalancer' and "
                                    "`externalTrafficPolicy` is 'Local'")]
    if not port:
        return [required(path)]
    return [invalid(path, port, m) for m in port_number(port)]


# ---------------------------------------------------------------------------------------------
# ValidateServiceUpdate


def validate_service_update(new: dict, old: dict) -> list[FieldError]:
    """Update-only rules first, then everything ValidateService checks on the new object."""
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs += validate_upgrade_downgrade_cluster_ips(old, new)
    errs += validate_upgrade_downgrade_ip_families(old, new)
    errs += validate_load_balancer_class(new, old)
    if needs_health_check(old) and needs_health_check(new) and \
            (spec_of(new).get("healthCheckNodePort") or 0) != \
            (spec_of(old).get("healthCheckNodePort") or 0):
        errs.append(forbidden("spec.healthCheckNodePort", "field is immutable"))
    return errs + validate_service(new, old)
