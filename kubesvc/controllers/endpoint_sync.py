"""Runs the endpoint controllers against the store, for the Services a change can affect.

The pure functions in `endpoints.py` decide; this module fetches their inputs through the
store's indexes (pods by label, slices by `kubernetes.io/service-name`) and writes back only
what differs, so re-running on an unchanged state writes nothing.
"""

from __future__ import annotations

from kubesvc.controllers import endpoints as ep
from kubesvc.controllers.writer import apply_owned, remove

SLICE_GK = "EndpointSlice.discovery.k8s.io"
SLICE_MANAGERS = ("endpointslice-controller.k8s.io", "endpointslicemirroring-controller.k8s.io")


def affected_namespaces(ctx) -> set[str] | None:
    """Namespaces whose Services may need new endpoints; None means every namespace."""
    if "Node" in ctx.changed_kinds():
        return None  # a node coming or going changes zones and which pods count
    return ctx.changed_namespaces("Pod", "Service", "Endpoints")


def sync_endpoints(ctx) -> None:
    namespaces = affected_namespaces(ctx)
    if namespaces is not None and not namespaces:
        return
    store = ctx.store
    nodes = {n["metadata"]["name"]: n for n in store.list("Node")}
    scopes = [None] if namespaces is None else sorted(namespaces)
    for ns in scopes:
        for svc in store.list("Service", ns):
            sync_service(ctx, svc, nodes)


def service_pods(store, svc: dict) -> list[dict]:
    selector = (svc.get("spec") or {}).get("selector") or {}
    ns = svc["metadata"].get("namespace", "")
    pods = store.list_by_labels("Pod", ns, sorted(selector.items()))
    return [p for p in pods if ep.service_selects(svc, p)]


def sync_service(ctx, svc: dict, nodes: dict) -> None:
    store, meta = ctx.store, svc["metadata"]
    ns, name = meta.get("namespace", ""), meta["name"]
    existing = store.list_by_labels(SLICE_GK, ns, [("kubernetes.io/service-name", name)])
    spec = svc.get("spec") or {}
    if spec.get("type") == "ExternalName":
        return
    if not spec.get("selector"):
        _mirror(ctx, svc, existing)
        return
    pods = service_pods(store, svc)
    desired = ep.desired_endpoint_slices(svc, pods, nodes, existing)
    _write_slices(ctx, desired, existing, "endpointslice-controller.k8s.io")
    current_eps = store.get("Endpoints", ns, name)
    wanted_eps = ep.desired_endpoints(svc, pods, current_eps)
    if wanted_eps is not None:
        apply_owned(ctx, "Endpoints", wanted_eps, current_eps)


def _mirror(ctx, svc: dict, existing: list[dict]) -> None:
    meta = svc["metadata"]
    endpoints = ctx.store.get("Endpoints", meta.get("namespace", ""), meta["name"])
    desired = ep.mirrored_endpoint_slices(svc, endpoints, existing) if endpoints else []
    _write_slices(ctx, desired, existing, "endpointslicemirroring-controller.k8s.io")


def _write_slices(ctx, desired: list[dict], existing: list[dict], manager: str) -> None:
    by_name = {s["metadata"]["name"]: s for s in existing}
    for obj in desired:
        apply_owned(ctx, SLICE_GK, obj, by_name.get(obj["metadata"]["name"]))
    keep = {s["metadata"]["name"] for s in desired}
    for old in existing:
        labels = old["metadata"].get("labels") or {}
        managed = labels.get("endpointslice.kubernetes.io/managed-by")
        if managed == manager and old["metadata"]["name"] not in keep:
            remove(ctx, SLICE_GK, old)


def delete_service_endpoints(ctx, svc: dict) -> None:
    """Garbage collection: a deleted Service's controller-made slices and Endpoints go too."""
    meta, store = svc["metadata"], ctx.store
    ns = meta.get("namespace", "")
    for old in store.list_by_labels(SLICE_GK, ns, [("kubernetes.io/service-name", meta["name"])]):
        managed = (old["metadata"].get("labels") or {}).get(
            "endpointslice.kubernetes.io/managed-by")
        if managed in SLICE_MANAGERS:
            remove(ctx, SLICE_GK, old)
    eps = store.get("Endpoints", ns, meta["name"])
    if eps and spec_selector(svc):
        remove(ctx, "Endpoints", eps)


def spec_selector(svc: dict) -> dict:
    return (svc.get("spec") or {}).get("selector") or {}

