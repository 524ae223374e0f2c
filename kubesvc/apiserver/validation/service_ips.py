"""Service cluster IPs and IP families: the shared predicates, upstream's IP fix-ups around
allocation, and the checks that tie `clusterIP`, `clusterIPs`, `ipFamilies` and
`ipFamilyPolicy` together.

Sources: `pkg/registry/core/service/storage/storage.go` (normalizeClusterIPs,
patchAllocatedValues), `storage/alloc.go` (initIPFamilyFields), `pkg/apis/core/validation/
validation.go` (ValidateServiceClusterIPsRelatedFields, validateUpgradeDowngrade*),
`pkg/api/service/util.go` (ExternallyAccessible, NeedsHealthCheck).

The cluster is single-stack IPv4 (spec section 0): only IPv4 has an allocator.
"""

from __future__ import annotations

from kubesvc.api.errors import FieldError, duplicate, invalid, required, unsupported
from kubesvc.apiserver.validation.ip_addresses import canonical_v4, ip_address, is_v4, parse_ip

NONE = "None"
CLUSTER_FAMILIES = ("IPv4",)  # families with an allocator on this cluster
IP_FAMILIES = ("IPv4", "IPv6")
IP_FAMILY_POLICIES = ("PreferDualStack", "RequireDualStack", "SingleStack")  # sorted, as upstream
CLUSTER_IPS = "spec.clusterIPs"


def spec_of(svc: dict | None) -> dict:
    return (svc or {}).get("spec") or {}


def mutable_spec(svc: dict) -> dict:
    if not isinstance(svc.get("spec"), dict):
        svc["spec"] = {}
    return svc["spec"]


def svc_type(svc: dict | None) -> str:
    return spec_of(svc).get("type") or ""


def cluster_ips(svc: dict | None) -> list:
    return list(spec_of(svc).get("clusterIPs") or [])


def ip_families(svc: dict | None) -> list:
    return list(spec_of(svc).get("ipFamilies") or [])


# ---------------------------------------------------------------------------------------------
# Predicates


def is_headless(svc: dict | None) -> bool:
    """validation.go isHeadlessService: `clusterIPs` is exactly ["None"], whatever the type."""
    return cluster_ips(svc) == [NONE]


def is_load_balancer(svc: dict | None) -> bool:
    return svc_type(svc) == "LoadBalancer"


def needs_cluster_ip(svc: dict | None) -> bool:
    """strategy.go needsClusterIP: everything but ExternalName ("None" counts as a value)."""
    return svc_type(svc) != "ExternalName"


def needs_node_port(svc: dict | None) -> bool:
    """strategy.go needsNodePort: the types whose node ports are held (and released)."""
    return svc_type(svc) in ("NodePort", "LoadBalancer")


def wants_node_ports(svc: dict | None) -> bool:
    """alloc.go shouldAllocateNodePorts: NodePort always, LoadBalancer unless opted out."""
    if svc_type(svc) == "NodePort":
        return True
    return svc_type(svc) == "LoadBalancer" and \
        spec_of(svc).get("allocateLoadBalancerNodePorts") is not False


def externally_accessible(svc: dict | None) -> bool:
    """util.go ExternallyAccessible: LoadBalancer, NodePort, or ClusterIP with externalIPs."""
    kind = svc_type(svc)
    return kind in ("LoadBalancer", "NodePort") or \
        (kind == "ClusterIP" and bool(spec_of(svc).get("externalIPs")))


def needs_health_check(svc: dict | None) -> bool:
    """util.go NeedsHealthCheck: LoadBalancer with externalTrafficPolicy Local (not NodePort)."""
    spec = spec_of(svc)
    return svc_type(svc) == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


def family_of(ip: str) -> str:
    """netutils.IsIPv6String: anything that is not IPv4 (v4-mapped counts as IPv4) is IPv6."""
    parsed = parse_ip(ip)
    return "IPv6" if parsed is not None and not is_v4(parsed) else "IPv4"


def same_cluster_ips(old: dict | None, new: dict | None) -> bool:
    """strategy.go sameClusterIPs: singular and plural both unchanged."""
    old_single = spec_of(old).get("clusterIP") or ""
    return old_single == (spec_of(new).get("clusterIP") or "") and same_cluster_ip_list(old, new)


def same_cluster_ip_list(old: dict | None, new: dict | None) -> bool:
    """storage/alloc.go sameClusterIPs: the registry compares only the plural field."""
    return cluster_ips(old) == cluster_ips(new)


def same_ip_families(old: dict | None, new: dict | None) -> bool:
    return ip_families(old) == ip_families(new)


# ---------------------------------------------------------------------------------------------
# Fix-ups done by the registry before allocation


def normalize_cluster_ips(new: dict, old: dict | None = None) -> None:
    """storage.go normalizeClusterIPs: keep the singular and plural fields in step."""
    spec = mutable_spec(new)
    single = spec.get("clusterIP") or ""
    if old is None:
        # An old client sent only the singular field: fill the plural one.
        if single and not spec.get("clusterIPs"):
            spec["clusterIPs"] = [single]
        return
    old_spec = spec_of(old)
    old_single = old_spec.get("clusterIP") or ""
    if cluster_ips(old) and not spec.get("clusterIPs") and old_single == single:
        spec["clusterIPs"] = cluster_ips(old)  # patched by a client that ignores clusterIPs
    if old_single == single or not same_cluster_ip_list(old, new):
        return  # singular unchanged, or both changed: validation decides
    if old_single and not single:
        spec.pop("clusterIPs", None)  # singular cleared, plural untouched: clear both
    else:
        spec["clusterIPs"] = [single]  # singular changed, plural untouched


def patch_allocated_values(new: dict, old: dict) -> None:
    """storage.go patchAllocatedValues: a resubmitted manifest keeps what was allocated."""
    spec, old_spec = mutable_spec(new), spec_of(old)
    if needs_cluster_ip(old) and needs_cluster_ip(new):
        if not spec.get("clusterIP") and old_spec.get("clusterIP"):
            spec["clusterIP"] = old_spec["clusterIP"]
        if not spec.get("clusterIPs") and cluster_ips(old):
            spec["clusterIPs"] = cluster_ips(old)
    if needs_node_port(old) and needs_node_port(new):
        _patch_node_ports(spec.get("ports") or [], old_spec.get("ports") or [])
    old_hc = old_spec.get("healthCheckNodePort")
    if needs_health_check(old) and needs_health_check(new) and old_hc:
        spec["healthCheckNodePort"] = spec.get("healthCheckNodePort") or old_hc


def _patch_node_ports(ports: list, old_ports: list) -> None:
    # Old node ports are matched by port name; a number the new object already uses again
    # (in a port that kept it) is never handed out twice.
    def used(plist: list) -> set:
        return {p.get("nodePort") for p in plist if p.get("nodePort")}

    taken = used(old_ports) & used(ports)
    by_name = {p.get("name") or "": p.get("nodePort") or 0 for p in old_ports}
    for port in ports:
        previous = by_name.get(port.get("name") or "", 0)
        if not port.get("nodePort") and previous and previous not in taken:
            port["nodePort"] = previous


# ---------------------------------------------------------------------------------------------
# ValidateServiceClusterIPsRelatedFields


def cluster_ip_fields(svc: dict) -> tuple:
    """Everything `validate_cluster_ips_related_fields(svc)` reads of a Service without `old`
    (type, clusterIP, clusterIPs, ipFamilies, ipFamilyPolicy), as a value: the check is a pure
    function of it, so a Service whose value is unchanged since it passed passes again."""
    spec = spec_of(svc)
    ips, families = spec.get("clusterIPs"), spec.get("ipFamilies")
    return (spec.get("type"), spec.get("clusterIP"), ips[:] if isinstance(ips, list) else ips,
            families[:] if isinstance(families, list) else families, spec.get("ipFamilyPolicy"))


def single_v4(spec: dict) -> bool:
    """The usual single-stack spec: `clusterIPs` is [`clusterIP`], a dotted quad in its
    canonical form (`canonical_v4`), and `ipFamilies` is ["IPv4"]."""
    ips, families = spec.get("clusterIPs"), spec.get("ipFamilies")
    return type(ips) is list and len(ips) == 1 and type(families) is list and \
        families == ["IPv4"] and type(ips[0]) is str and ips[0] == spec.get("clusterIP") and \
        canonical_v4(ips[0]) is not None


def validate_cluster_ips_related_fields(svc: dict, old: dict | None = None) -> list[FieldError]:
    """Checks linking clusterIP(s), ipFamilies and ipFamilyPolicy; ExternalName is skipped."""
    if svc_type(svc) == "ExternalName":
        return []
    spec = spec_of(svc)
    if single_v4(spec) and (spec.get("ipFamilyPolicy") is None
                            or spec["ipFamilyPolicy"] in IP_FAMILY_POLICIES):
        # each check below passes: clusterIPs[0] is clusterIP; one valid family, no
        # duplicate; a canonical dotted quad is a strictly valid IP whatever `old` excuses
        # (`ip_address`), not "None" (so not headless), of the family IPv4 it is listed with
        return []
    errs = _singular_plural(spec) + _families_and_policy(spec)
    ip_errs = _cluster_ip_values(spec, cluster_ips(old))
    errs += ip_errs
    ips = cluster_ips(svc)
    if len(ips) > 2:
        errs.append(invalid(CLUSTER_IPS, spec.get("clusterIPs"), "may only hold up to 2 values"))
    if ip_errs:
        return errs  # bad IPs would skew the family checks below
    if len(ips) > 1 and len({family_of(ip) for ip in ips}) < 2:
        errs.append(invalid(CLUSTER_IPS, spec.get("clusterIPs"),
                            "may specify no more than one IP for each IP family"))
    return errs + _families_match_ips(svc)


def _singular_plural(spec: dict) -> list[FieldError]:
    ips = spec.get("clusterIPs") or []
    if spec.get("clusterIP"):
        if not ips:
            return [required(CLUSTER_IPS)]
        if ips[0] != spec["clusterIP"]:
            return [invalid(CLUSTER_IPS, spec["clusterIPs"], "first value must match `clusterIP`")]
    elif ips:
        return [invalid(CLUSTER_IPS, spec["clusterIPs"],
                        "must be empty when `clusterIP` is not specified")]
    return []


def _families_and_policy(spec: dict) -> list[FieldError]:
    errs, seen = [], set()
    for i, family in enumerate(spec.get("ipFamilies") or []):
        if family not in IP_FAMILIES:
            errs.append(unsupported(f"spec.ipFamilies[{i}]", family, list(IP_FAMILIES)))
        if family in seen:
            errs.append(duplicate(f"spec.ipFamilies[{i}]", family))
        seen.add(family)
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and policy not in IP_FAMILY_POLICIES:
        errs.append(unsupported("spec.ipFamilyPolicy", policy, list(IP_FAMILY_POLICIES)))
    return errs


def _cluster_ip_values(spec: dict, old_ips: list) -> list[FieldError]:
    errs = []
    ips = spec.get("clusterIPs") or []
    for i, ip in enumerate(ips):
        if i == 0 and ip == NONE:
            if len(ips) > 1:
                errs.append(invalid(CLUSTER_IPS, ips, "'None' must be the first and only value"))
            continue
        errs += [invalid(f"{CLUSTER_IPS}[{i}]", ip, m) for m in ip_address(ip, True, old_ips)]
    return errs


def _families_match_ips(svc: dict) -> list[FieldError]:
    if is_headless(svc):
        return []
    errs = []
    for i, (ip, family) in enumerate(zip(cluster_ips(svc), ip_families(svc), strict=False)):
        if family in IP_FAMILIES and family_of(ip) != family:
            errs.append(invalid(f"{CLUSTER_IPS}[{i}]", ip, f"expected an {family} value as "
                                f"indicated by `ipFamilies[{i}]`"))
    return errs


# ---------------------------------------------------------------------------------------------
# Update rules (validateUpgradeDowngradeClusterIPs / validateUpgradeDowngradeIPFamilies)


def validate_upgrade_downgrade_cluster_ips(old: dict, new: dict) -> list[FieldError]:
    """Primary cluster IP is immutable; releasing the secondary one needs SingleStack."""
    if "ExternalName" in (svc_type(old), svc_type(new)) or (is_headless(old) and is_headless(new)):
        return []
    old_ips, new_ips, value = cluster_ips(old), cluster_ips(new), spec_of(new).get("clusterIPs")
    errs = []
    if len(old_ips) == len(new_ips):
        errs = [invalid(f"{CLUSTER_IPS}[{i}]", value, "may not change once set")
                for i, ip in enumerate(old_ips) if ip != new_ips[i]]
    elif len(old_ips) > len(new_ips):
        if not new_ips:
            errs.append(invalid(f"{CLUSTER_IPS}[0]", value, "primary clusterIP can not be unset"))
        elif new_ips[0] != old_ips[0]:
            errs.append(invalid(f"{CLUSTER_IPS}[0]", value, "may not change once set"))
        policy = spec_of(new).get("ipFamilyPolicy")
        if len(new_ips) == 1 and policy != "SingleStack":
            errs.append(invalid("spec.ipFamilyPolicy", policy,
                                "must be set to 'SingleStack' when releasing the secondary "
                                "clusterIP"))
    elif old_ips and new_ips[0] != old_ips[0]:
        errs.append(invalid(f"{CLUSTER_IPS}[0]", value, "may not change once set"))
    return errs


def validate_upgrade_downgrade_ip_families(old: dict, new: dict) -> list[FieldError]:
    """The primary family is immutable; headless Services and headless switches are exempt."""
    if "ExternalName" in (svc_type(old), svc_type(new)) or is_headless(old) or is_headless(new):
        return []
    old_fams, new_fams = ip_families(old), ip_families(new)
    path, errs = "spec.ipFamilies[0]", []
    if len(old_fams) == len(new_fams):
        # one error per changed entry, all reported at index 0 (upstream does the same)
        errs = [invalid(path, spec_of(new).get("ipFamilies"), "may not change once set")
                for i, fam in enumerate(old_fams) if fam != new_fams[i]]
    elif len(old_fams) > len(new_fams):
        # upstream reports the clusterIPs list as the value of these two ipFamilies errors
        if not cluster_ips(new):
            errs.append(invalid(path, spec_of(new).get("ipFamilies"),
                                "primary ipFamily can not be unset"))
        if new_fams and new_fams[0] != old_fams[0]:
            errs.append(invalid(path, spec_of(new).get("clusterIPs"), "may not change once set"))
        policy = spec_of(new).get("ipFamilyPolicy")
        if len(new_fams) == 1 and policy != "SingleStack":
            errs.append(invalid("spec.ipFamilyPolicy", policy,
                                "must be set to 'SingleStack' when releasing the secondary "
                                "ipFamily"))
    elif old_fams and new_fams[0] != old_fams[0]:
        errs.append(invalid(path, spec_of(new).get("clusterIPs"), "may not change once set"))
    return errs
