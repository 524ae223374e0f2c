"""What the server serves: every resource kubesvc knows (kubectl's built-in list), the kinds
the bundled and the stored CustomResourceDefinitions define (every version they serve), and
the kinds the store holds objects of although kubesvc only stores them."""

from __future__ import annotations

from typing import NamedTuple

from kubesvc.api.resources import KNOWN, Resource, for_gk
from kubesvc.apiserver import crds
from kubesvc.store.db import Store
from kubesvc.store.queries import kinds_present

SCALABLE = ("Deployment.apps", "ReplicaSet.apps", "StatefulSet.apps", "ReplicationController")
STATUS_BUILTIN_SKIP = ("ConfigMap", "Secret", "ServiceAccount", "Endpoints", "Event", "Binding",
                       "EndpointSlice.discovery.k8s.io", "Role.rbac.authorization.k8s.io",
                       "RoleBinding.rbac.authorization.k8s.io", "Lease.coordination.k8s.io",
                       "ClusterRole.rbac.authorization.k8s.io", "LimitRange", "PodTemplate",
                       "ClusterRoleBinding.rbac.authorization.k8s.io",
                       "StorageClass.storage.k8s.io", "PriorityClass.scheduling.k8s.io",
                       "IngressClass.networking.k8s.io", "RuntimeClass.node.k8s.io",
                       "CSIDriver.storage.k8s.io")


class Served(NamedTuple):
    res: Resource
    subresources: tuple[str, ...]
    categories: tuple[str, ...] = ()
    custom: bool = False
    schema: dict | None = None  # a custom kind's openAPIV3Schema


class Catalog:
    """The served resources of one state, looked up by (group, version, plural)."""

    def __init__(self, served: list[Served], crd_versions: str = ""):
        self.served = served
        self.crd_versions = crd_versions  # changes whenever a stored CRD does
        self._by_path = {(s.res.group, s.res.version, s.res.plural): s for s in served}

    def find(self, group: str, version: str, plural: str) -> Served | None:
        return self._by_path.get((group, version, plural))

    def groups(self) -> dict[str, list[str]]:
        """group → its versions, preferred first."""
        out: dict[str, list[str]] = {}
        for s in self.served:
            versions = out.setdefault(s.res.group, [])
            if s.res.version not in versions:
                versions.append(s.res.version)
        for group, versions in out.items():
            versions.sort(key=lambda v: crds._version_rank(f"{group}/{v}"))
        return out

    def in_version(self, group: str, version: str) -> list[Served]:
        return [s for s in self.served if (s.res.group, s.res.version) == (group, version)]


def build(store: Store) -> Catalog:
    served = [Served(r, _builtin_subresources(r), ("all",) if r.in_all else ()) for r in KNOWN]
    seen = {s.res.gk for s in served}
    stored = store.list(crds.CRD_GK)
    for crd in [*crds.builtin_crds(), *stored]:
        for ck in crds.crd_kinds(crd):
            res = crds.to_resource(crd, ck)
            subs = tuple(k for k in ("status", "scale")
                         if k in (crds._version(crd, ck.api_version).get("subresources") or {}))
            names = (crd.get("spec") or {}).get("names") or {}
            served.append(Served(res, subs, tuple(names.get("categories") or ()), custom=True,
                                 schema=ck.schema))
            seen.add(res.gk)
    for gk in kinds_present(store):
        if gk not in seen:
            seen.add(gk)
            served.append(Served(for_gk(gk), ()))
    return Catalog(served, ",".join(c["metadata"].get("resourceVersion", "") for c in stored))


def _builtin_subresources(res: Resource) -> tuple[str, ...]:
    subs: list[str] = []
    if res.gk not in STATUS_BUILTIN_SKIP:
        subs.append("status")
    if res.gk in SCALABLE:
        subs.append("scale")
    if res.gk == "Pod":
        subs.append("eviction")
    return tuple(subs)
