"""System metadata as kube-apiserver sets it (apiserver pkg/registry/rest/meta.go,
FillObjectMetaSystemFields; generation rules of each kind's strategy)."""

from __future__ import annotations

import uuid

from kubesvc.api.clock import rfc3339

_UID_NAMESPACE = uuid.UUID("6b737663-0000-4000-8000-6b7573766321")
# Kinds whose generation only moves when the spec changes (strategies with a status subresource);
# the others bump it on every change of the object (e.g. ConfigMap: never set).
_SPEC_GENERATION = {"Deployment.apps", "ReplicaSet.apps", "StatefulSet.apps",
                    "DaemonSet.apps", "ReplicationController", "Pod",
                    "Job.batch", "CronJob.batch", "Ingress.networking.k8s.io",
                    "NetworkPolicy.networking.k8s.io", "IngressClass.networking.k8s.io"}
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


SYSTEM_FIELDS = ("uid", "resourceVersion", "generation", "selfLink", "managedFields")


def strip_system_fields(obj: dict) -> None:
    """What a server ignores in a request (a `kubectl get -o yaml` dump carries them all)."""
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        for system in SYSTEM_FIELDS:
            meta.pop(system, None)


def fill_on_create(ctx, gk: str, obj: dict, restore: bool = False, rv: str | None = None) -> None:
    """uid, resourceVersion, generation, creationTimestamp. A restored snapshot of a live object
    (`kubesvc import`) keeps its creationTimestamp (AGE reads as it did there), its uid (the
    dump's ownerReferences name it) and its generation (its status's observedGeneration).
    `rv`: a resourceVersion the caller already reserved (bulk writes, store/bulk.py)."""
    meta = obj.setdefault("metadata", {})
    kept_uid, kept_generation = (meta.get("uid"), meta.get("generation")) if restore else \
        (None, None)
    strip_system_fields(obj)
    if not (restore and meta.get("creationTimestamp")):
        meta["creationTimestamp"] = rfc3339(ctx.now)
    rv = rv or ctx.store.next_resource_version()
    meta["resourceVersion"] = rv
    # deterministic, still unique within a store: kubesvc replays the same input identically
    meta["uid"] = kept_uid or str(uuid.uuid5(
        _UID_NAMESPACE, f"{gk}/{meta.get('namespace', '')}/{meta['name']}/{rv}"))
    if gk in _SPEC_GENERATION:
        meta["generation"] = kept_generation or 1
    else:
        meta.pop("generation", None)


def fill_on_update(ctx, gk: str, new: dict, old: dict, rv: str | None = None) -> None:
    meta, old_meta = new.setdefault("metadata", {}), old["metadata"]
    for system in ("uid", "creationTimestamp", "namespace", "name"):
        if system in old_meta:
            meta[system] = old_meta[system]
    meta.pop("managedFields", None)
    meta["resourceVersion"] = rv or ctx.store.next_resource_version()
    if gk in _SPEC_GENERATION:
        changed = _spec_changed(gk, new.get("spec"), old.get("spec"))
        meta["generation"] = old_meta.get("generation", 1) + (1 if changed else 0)


def _spec_changed(gk: str, new: dict | None, old: dict | None) -> bool:
    """Whether an update moves the generation. A pod's binding (the scheduler setting
    spec.nodeName through pods/binding) writes the stored pod directly in kube-apiserver
    (setPodNodeAndMetadata), not through the pod strategy's PrepareForUpdate: it does not
    count, so a bound pod stays at generation 1 and its status's observedGeneration agrees."""
    if new == old:
        return False
    if gk != "Pod" or not isinstance(new, dict) or not isinstance(old, dict):
        return True
    if new.get("nodeName") == old.get("nodeName"):
        return True
    return {k: v for k, v in new.items() if k != "nodeName"} != {
        k: v for k, v in old.items() if k != "nodeName"}
