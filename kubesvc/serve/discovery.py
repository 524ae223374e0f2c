"""Discovery: /version, /api, /apis, the per-version resource lists and the aggregated
discovery documents (apidiscovery.k8s.io/v2) kubectl 1.37 asks for first."""

from __future__ import annotations

from kubesvc.serve.catalog import Catalog, Served

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
SUB_VERBS = {"status": ["get", "patch", "update"], "scale": ["get", "patch", "update"],
             "eviction": ["create"]}


def version(kubesvc_version: str) -> dict:
    return {"major": "1", "minor": "37", "emulationMajor": "1", "emulationMinor": "37",
            "minCompatibilityMajor": "1", "minCompatibilityMinor": "36",
            "gitVersion": "v1.37.0", "gitCommit": f"kubesvc-{kubesvc_version}",
            "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
            "goVersion": "go1.25", "compiler": "gc", "platform": "linux/amd64"}


def wants_aggregated(accept: str) -> bool:
    return "as=apigroupdiscoverylist" in accept.replace(" ", "").lower()


def core_versions(address: str) -> dict:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}]}


def group_list(catalog: Catalog) -> dict:
    groups = []
    for group, versions in catalog.groups().items():
        if not group:
            continue
        gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        groups.append({"name": group, "versions": gvs, "preferredVersion": gvs[0]})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def group(catalog: Catalog, name: str) -> dict | None:
    versions = catalog.groups().get(name)
    if not versions or not name:
        return None
    gvs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"kind": "APIGroup", "apiVersion": "v1", "name": name, "versions": gvs,
            "preferredVersion": gvs[0]}


def resource_list(catalog: Catalog, group: str, version: str) -> dict | None:
    served = catalog.in_version(group, version)
    if not served:
        return None
    resources = []
    for s in served:
        r = s.res
        entry: dict = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                       "kind": r.kind, "verbs": VERBS}
        if r.short:
            entry["shortNames"] = list(r.short)
        if s.categories:
            entry["categories"] = list(s.categories)
        resources.append(entry)
        for sub in s.subresources:
            resources.append({"name": f"{r.plural}/{sub}", "singularName": "",
                              "namespaced": r.namespaced, "kind": _sub_kind(s, sub)[2],
                              "verbs": SUB_VERBS[sub], **_sub_group(s, sub)})
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version, "resources": resources}


def _sub_kind(s: Served, sub: str) -> tuple[str, str, str]:
    if sub == "scale":
        return "autoscaling", "v1", "Scale"
    if sub == "eviction":
        return "policy", "v1", "Eviction"
    return s.res.group, s.res.version, s.res.kind


def _sub_group(s: Served, sub: str) -> dict:
    group, version, _ = _sub_kind(s, sub)
    return {"group": group, "version": version} if sub in ("scale", "eviction") else {}


def aggregated(catalog: Catalog, core: bool) -> dict:
    """APIGroupDiscoveryList for /api (core=True) or /apis."""
    items = []
    for name, versions in catalog.groups().items():
        if bool(name) == core:
            continue
        items.append({"metadata": {"name": name, "creationTimestamp": None},
                      "versions": [{"version": v, "freshness": "Current",
                                    "resources": [_aggregated_resource(s)
                                                  for s in catalog.in_version(name, v)]}
                                   for v in versions]})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
            "metadata": {}, "items": items}


def _aggregated_resource(s: Served) -> dict:
    r = s.res
    entry: dict = {"resource": r.plural,
                   "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
                   "scope": "Namespaced" if r.namespaced else "Cluster",
                   "singularResource": r.singular, "verbs": VERBS}
    if r.short:
        entry["shortNames"] = list(r.short)
    if s.categories:
        entry["categories"] = list(s.categories)
    if s.subresources:
        entry["subresources"] = [
            {"subresource": sub, "responseKind": dict(zip(("group", "version", "kind"),
                                                          _sub_kind(s, sub), strict=True)),
             "verbs": SUB_VERBS[sub]} for sub in s.subresources]
    return entry
