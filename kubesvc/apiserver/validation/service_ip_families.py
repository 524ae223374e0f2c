"""IP family initialisation of a Service on a single-stack IPv4 cluster: what the registry's
`storage/alloc.go` initIPFamilyFields sets and refuses (ipFamilyPolicy, ipFamilies) before
cluster IPs are allocated.
"""

from __future__ import annotations

from kubesvc.api.errors import FieldError, invalid
from kubesvc.apiserver.validation.service_ips import (
    CLUSTER_FAMILIES,
    CLUSTER_IPS,
    NONE,
    cluster_ip_fields,
    cluster_ips,
    family_of,
    ip_families,
    mutable_spec,
    same_cluster_ip_list,
    same_ip_families,
    single_v4,
    spec_of,
    svc_type,
    validate_cluster_ips_related_fields,
)

# ---------------------------------------------------------------------------------------------
# IP family initialisation (alloc.go initIPFamilyFields) on a single-stack IPv4 cluster


def _matching_prefer_dual_stack(new: dict, old: dict | None) -> bool:
    # alloc.go isMatchingPreferDualStackClusterIPFields: an unchanged PreferDualStack Service
    # is never upgraded or downgraded behind the user's back.
    if old is None or spec_of(new).get("ipFamilyPolicy") is None:
        return False
    if svc_type(old) != svc_type(new) or svc_type(new) not in ("ClusterIP", "NodePort",
                                                                "LoadBalancer"):
        return False
    policies = (spec_of(new).get("ipFamilyPolicy"), spec_of(old).get("ipFamilyPolicy"))
    if any(p is not None and p != "PreferDualStack" for p in policies):
        return False
    return same_cluster_ip_list(old, new) and same_ip_families(old, new)


def _default_policy(spec: dict, old: dict | None) -> None:
    if spec.get("ipFamilyPolicy") is not None:
        return
    if old is not None and spec_of(old).get("ipFamilyPolicy") is not None:
        spec["ipFamilyPolicy"] = spec_of(old)["ipFamilyPolicy"]
    elif spec.get("clusterIP") == NONE and not spec.get("selector"):
        spec["ipFamilyPolicy"] = "RequireDualStack"  # headless + selectorless
    else:
        spec["ipFamilyPolicy"] = "SingleStack"


def init_ip_family_fields(svc: dict, old: dict | None = None,
                          passed: list | None = None) -> list[FieldError]:
    """alloc.go initIPFamilyFields: fill ipFamilyPolicy/ipFamilies, or return the 422 errors.
    `passed` (a create's, `old` None): gets `cluster_ip_fields(svc)` as they were when
    validate_cluster_ips_related_fields found nothing wrong with them, if it ran."""
    if svc_type(svc) == "ExternalName" or _matching_prefer_dual_stack(svc, old):
        return []
    spec = mutable_spec(svc)
    _default_policy(spec, old)
    errs = validate_cluster_ips_related_fields(svc, old)
    if errs:
        return errs
    if passed is not None and old is None:
        passed.append(cluster_ip_fields(svc))
    if old is None and spec["ipFamilyPolicy"] in ("SingleStack", "PreferDualStack") and \
            single_v4(spec):
        # what the steps below find for it: one IP and one family (fits SingleStack), the
        # family listed already (none inferred), not headless, IPv4 configured, ipFamilies set
        return []
    errs = _update_family_prep(spec, svc, old) + _policy_fits_lists(spec)
    errs += _infer_families(spec)
    if errs:
        return errs
    if spec.get("clusterIP") == NONE and not spec.get("selector"):
        _headless_selectorless_families(spec)
        return []
    errs = _families_on_cluster(spec)
    if not errs and not spec.get("ipFamilies"):
        spec["ipFamilies"] = [CLUSTER_FAMILIES[0]]
    return errs


def _update_family_prep(spec: dict, svc: dict, old: dict | None) -> list[FieldError]:
    if old is None:
        return []
    policy = spec["ipFamilyPolicy"]
    if policy == "SingleStack":
        # Setting SingleStack without touching the lists is a clear request to downgrade.
        if same_cluster_ip_list(old, svc) and len(cluster_ips(svc)) > 1:
            spec["clusterIPs"] = cluster_ips(svc)[:1]
        if same_ip_families(old, svc) and len(ip_families(svc)) > 1:
            spec["ipFamilies"] = ip_families(svc)[:1]
        return []
    errs = []
    if cluster_ips(svc) and len(cluster_ips(svc)) < len(cluster_ips(old)):
        errs.append(invalid("spec.ipFamilyPolicy", policy,
                            "must be 'SingleStack' to release the secondary cluster IP"))
    if ip_families(svc) and len(ip_families(svc)) < len(ip_families(old)):
        errs.append(invalid("spec.ipFamilyPolicy", policy,
                            "must be 'SingleStack' to release the secondary IP family"))
    return errs


def _policy_fits_lists(spec: dict) -> list[FieldError]:
    if spec["ipFamilyPolicy"] != "SingleStack":
        return []
    errs = []
    for key, what in (("clusterIPs", "cluster IPs"), ("ipFamilies", "IP families")):
        if len(spec.get(key) or []) == 2:
            errs.append(invalid("spec.ipFamilyPolicy", "SingleStack",
                                "must be 'RequireDualStack' or 'PreferDualStack' when multiple "
                                f"{what} are specified"))
    return errs


def _infer_families(spec: dict) -> list[FieldError]:
    # Families missing from ipFamilies are taken from the requested IPs.
    errs = []
    ips, families = list(spec.get("clusterIPs") or []), list(spec.get("ipFamilies") or [])
    for i, ip in enumerate(ips):
        if ip == NONE:
            break
        family = family_of(ip)
        if i < len(families):
            continue
        if family not in CLUSTER_FAMILIES:
            errs.append(invalid(f"{CLUSTER_IPS}[{i}]", spec.get("clusterIPs"),
                                f"{family} is not configured on this cluster"))
        else:
            families.append(family)
            spec["ipFamilies"] = families
    return errs


def _headless_selectorless_families(spec: dict) -> None:
    # No IPs are allocated, so both families are allowed even on a single-stack cluster.
    families = list(spec.get("ipFamilies") or [CLUSTER_FAMILIES[0]])
    if len(families) < 2 and spec["ipFamilyPolicy"] != "SingleStack":
        families.append("IPv6" if families[0] == "IPv4" else "IPv4")
    spec["ipFamilies"] = families


def _families_on_cluster(spec: dict) -> list[FieldError]:
    errs = []
    if spec["ipFamilyPolicy"] == "RequireDualStack" and len(CLUSTER_FAMILIES) < 2:
        errs.append(invalid("spec.ipFamilyPolicy", "RequireDualStack",
                            "this cluster is not configured for dual-stack services"))
    for i, family in enumerate(spec.get("ipFamilies") or []):
        if family not in CLUSTER_FAMILIES:
            errs.append(invalid(f"spec.ipFamilies[{i}]", family, "not configured on this cluster"))
    return errs
