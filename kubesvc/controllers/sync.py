"""Wires the pure controllers to the store: what changed in, derived objects out.

After every command, inside its transaction, the control loops run in the controller-manager's
order until nothing changes: workload controllers (Deployment → ReplicaSet → Pods,
StatefulSet, DaemonSet, ReplicationController) with garbage collection, then the scheduler
and the kubelets; finally the endpoint controllers. Each round looks only at the owners, pods
and Services that the previous round's changes concern (a Node change concerns all of them),
so one pod change costs a few lookups, not a pass over the cluster.
"""

from __future__ import annotations

from kubesvc.api.selectors import from_label_selector, from_map
from kubesvc.controllers import events
from kubesvc.controllers import workloads as w
from kubesvc.controllers.apiserver_endpoints import sync_api_server_endpoints
from kubesvc.controllers.change_events import record_change_events
from kubesvc.controllers.endpoints.sync import sync_endpoints
from kubesvc.controllers.ingress_status import sync_ingress_status
from kubesvc.controllers.metallb.sync import sync_load_balancers
from kubesvc.controllers.node_lease import sync_node_leases
from kubesvc.controllers.podgc import collect_orphaned_pods
from kubesvc.controllers.scheduling.pod_start import sync_pods
from kubesvc.controllers.writer import apply_owned, remove

MAX_ROUNDS = 100  # a rolling update takes a few rounds per surge step
FEW_OWNERS = 64  # past this many owners to sync, which exist is asked once per namespace
OWNER_GK = {"Deployment": "Deployment.apps", "ReplicaSet": "ReplicaSet.apps",
            "StatefulSet": "StatefulSet.apps", "DaemonSet": "DaemonSet.apps",
            "ReplicationController": "ReplicationController"}
OWNER_KINDS = tuple(OWNER_GK.values())


def sync_all(ctx) -> None:
    start = 0
    for _ in range(MAX_ROUNDS):
        end = len(ctx.changes)
        if start == end:
            break
        batch = ctx.changes[start:end]
        record_change_events(ctx, batch)
        collect_garbage(ctx, batch)
        collect_orphaned_pods(ctx, batch)
        sync_workloads(ctx, batch)
        sync_pods(ctx, ctx.changes[start:])
        start = end
    sync_endpoints(ctx, ctx.changes)
    sync_api_server_endpoints(ctx, ctx.changes)
    sync_load_balancers(ctx, ctx.changes)
    sync_ingress_status(ctx, ctx.changes)  # after MetalLB: --publish-service reads its IPs
    sync_node_leases(ctx, ctx.changes)
    events.flush(ctx)


# -- garbage collection -----------------------------------------------------------------------

def collect_garbage(ctx, batch) -> None:
    """The garbage collector, foreground-free: dependents of a deleted owner are deleted."""
    for change in batch:
        if change.new_meta is not None or change.gk not in OWNER_KINDS:
            continue
        kind = change.gk.split(".")[0]
        child_gk = "ReplicaSet.apps" if kind == "Deployment" else "Pod"
        for child in ctx.store.list(child_gk, change.namespace):
            if _controller(child) == (kind, change.name):
                remove(ctx, child_gk, child)


def _controller(obj: dict) -> tuple[str, str] | None:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return ref.get("kind", ""), ref.get("name", "")
    return None


# -- workload controllers ---------------------------------------------------------------------

def dirty_owners(ctx, batch) -> set[tuple[str, str, str]]:
    """(gk, namespace, name) of every owner the batch concerns."""
    dirty: set[tuple[str, str, str]] = set()
    orphan_namespaces: set[str] = set()
    add, owner_gk = dirty.add, OWNER_GK
    for c in batch:
        gk, new_meta = c.gk, c.new_meta
        if gk != "Pod":
            if gk not in OWNER_KINDS:
                continue
            if new_meta is not None:
                add((gk, c.namespace, c.name))
            if gk != "ReplicaSet.apps":
                continue
        # a pod's or a ReplicaSet's controllers (Change.controller_refs, inlined)
        owned = False
        old_meta = c.old_meta
        for m in (old_meta, new_meta) if old_meta else (new_meta,):
            if not m:
                continue
            for ref in m.get("ownerReferences") or ():
                if ref.get("controller"):
                    owned = True
                    kind = ref.get("kind", "")
                    if kind in owner_gk:
                        add((owner_gk[kind], c.namespace, ref.get("name", "")))
        if not owned and new_meta is not None:
            orphan_namespaces.add(c.namespace)  # an orphan may be adopted
    if "Node" in {c.gk for c in batch}:
        dirty.update(("DaemonSet.apps", d["metadata"]["namespace"], d["metadata"]["name"])
                     for d in ctx.store.list("DaemonSet.apps"))
    for ns in orphan_namespaces:
        for gk in ("ReplicaSet.apps", "ReplicationController", "StatefulSet.apps",
                   "DaemonSet.apps"):
            dirty.update((gk, ns, name) for name in ctx.store.names(gk, ns))
    return dirty


def sync_workloads(ctx, batch) -> None:
    store = ctx.store
    nodes = None
    restored = ctx.restored
    dirty = dirty_owners(ctx, batch)
    if restored:  # a restored owner keeps its replicas and pods as the snapshot has them
        dirty = {d for d in dirty if d not in restored}
    if len(dirty) > FEW_OWNERS:  # most may not exist (pods whose owners were not imported)
        stored: dict[tuple[str, str], set[str]] = {}
        for gk, ns, _ in dirty:
            if ns and (gk, ns) not in stored:
                stored[gk, ns] = set(store.names(gk, ns))
        dirty = {d for d in dirty if not d[1] or d[2] in stored[d[0], d[1]]}
    for gk, ns, name in sorted(dirty):
        owner = store.get(gk, ns, name)
        if owner is None:
            continue
        if gk == "Deployment.apps":
            plan = w.reconcile_deployment(owner, store.list("ReplicaSet.apps", ns), ctx.now)
        else:
            pods = _candidate_pods(store, owner, batch)
            if gk == "StatefulSet.apps":
                plan = w.reconcile_statefulset(owner, pods, ctx.now)
            elif gk == "DaemonSet.apps":
                nodes = nodes if nodes is not None else store.list("Node")
                plan = w.reconcile_daemonset(owner, pods, nodes, ctx.now)
            else:
                plan = w.reconcile_replicaset(owner, pods, ctx.now)
        write_plan(ctx, plan)


def _candidate_pods(store, owner: dict, batch) -> list[dict]:
    """The owner's pods: those its selector matches (label index) and those that just changed
    in its namespace (a pod whose labels stopped matching must be released)."""
    spec, ns = owner.get("spec") or {}, owner["metadata"]["namespace"]
    selector = (from_map(spec.get("selector")) if owner["kind"] == "ReplicationController"
                else from_label_selector(spec.get("selector")))
    pods = {p["metadata"]["name"]: p
            for p in store.list_by_labels("Pod", ns, selector.equality_pairs())}
    for c in batch:
        if c.gk == "Pod" and c.namespace == ns and c.name not in pods and c.new_meta:
            pod = store.get("Pod", ns, c.name)
            if pod is not None:
                pods[c.name] = pod
    return [pods[k] for k in sorted(pods)]


def write_plan(ctx, plan) -> None:
    for ev in plan.events:
        events.record(ctx, ev["involvedObject"], ev["type"], ev["reason"], ev["message"],
                      ev["source"]["component"])
    for obj in plan.create + plan.update:
        gk, meta = _gk(obj), obj["metadata"]
        apply_owned(ctx, gk, obj, ctx.store.get(gk, meta.get("namespace", ""), meta["name"]))
    for obj in plan.delete:
        meta = obj["metadata"]
        if ctx.store.get(_gk(obj), meta.get("namespace", ""), meta["name"]) is not None:
            remove(ctx, _gk(obj), obj)


def _gk(obj: dict) -> str:
    group = obj.get("apiVersion", "v1").rpartition("/")[0]
    return f"{obj['kind']}.{group}" if group else obj["kind"]
