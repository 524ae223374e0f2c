"""MetalLB's controller, wired to the store: LoadBalancer Services get addresses from the
IPAddressPools (`controllers/metallb.py` decides), written to `status.loadBalancer.ingress`
with MetalLB's `ip-allocated-from-pool` annotation; pools get their status counters.

With no IPAddressPool at all the pass is skipped, so load-balancer addresses imported from a
live cloud cluster stay as they were (MetalLB itself would clear them)."""

from __future__ import annotations

from kubesvc.api.objects import clone
from kubesvc.controllers import events
from kubesvc.controllers.metallb import controller as mlb
from kubesvc.controllers.writer import apply_owned

POOL_GK = "IPAddressPool.metallb.io"
METALLB = "metallb-controller"
LB_KINDS = {"Service", POOL_GK, "L2Advertisement.metallb.io", "BGPAdvertisement.metallb.io",
            "BGPPeer.metallb.io", "Namespace", "Node"}


def sync_load_balancers(ctx, changes) -> None:
    if not {c.gk for c in changes} & LB_KINDS:
        return
    store = ctx.store
    pools = store.list(POOL_GK)
    if not pools:
        return
    services = store.list("Service")
    advertisements = (store.list("L2Advertisement.metallb.io")
                      + store.list("BGPAdvertisement.metallb.io"))
    result = mlb.assign_addresses(
        services, pools, advertisements,
        {mlb.service_key(s): mlb.held_ips(s) for s in services},
        namespaces=store.list("Namespace"), nodes=store.list("Node"),
        peers=store.list("BGPPeer.metallb.io"))
    reload = bool({c.gk for c in changes} & (LB_KINDS - {"Service"}))
    touched = {(c.namespace, c.name) for c in changes if c.gk == "Service"}
    for svc in services:
        assignment = result.get(mlb.service_key(svc))
        if assignment is not None and assignment.managed:
            written = _write_service(ctx, svc, assignment, mlb.FROM_POOL)
            m = svc["metadata"]
            if written is not None or reload or (m.get("namespace"), m["name"]) in touched:
                _record(ctx, written or svc, assignment.events)
    for pool in store.list(POOL_GK, mlb.NAMESPACE):
        status = mlb.pool_status(pool, result)
        if pool.get("status") != status:
            apply_owned(ctx, POOL_GK, {**pool, "status": status}, pool)


def _record(ctx, svc: dict, found: list[tuple[str, str, str]]) -> None:
    """MetalLB's events about a Service it reconciled (its recorder's component is
    `metallb-controller`); one reconcile per Service and command."""
    rec, m = events.recorder(ctx), svc["metadata"]
    for etype, reason, message in found:
        if rec.once("metallb", m.get("namespace"), m["name"], reason, message):
            events.record(ctx, events.object_ref(svc), etype, reason, message, METALLB)


def _write_service(ctx, svc: dict, assignment, from_pool: str) -> dict | None:
    new = clone(svc)
    ingress = {"ingress": assignment.ingress} if assignment.ips else {}
    new.setdefault("status", {})["loadBalancer"] = ingress
    annotations = dict(new["metadata"].get("annotations") or {})
    if assignment.ips and assignment.pool:
        annotations[from_pool] = assignment.pool
    elif not assignment.ips:
        annotations.pop(from_pool, None)
    if annotations or "annotations" in new["metadata"]:
        new["metadata"]["annotations"] = annotations
    if new != svc:
        return apply_owned(ctx, "Service", new, svc)
    return None
