"""Wires the pure controllers to the store: what changed in, derived objects out.

After every command, inside its transaction, the control loops run to a fixed point in the
controller-manager's order: workload controllers (Deployment → ReplicaSet → Pods,
StatefulSet, DaemonSet, ReplicationController), the scheduler and the kubelets, then the
endpoint controllers. Only namespaces where something changed are looked at (a Node change
concerns every namespace).
"""

from __future__ import annotations

import ipaddress
import json

from kubesvc.controllers import workloads as w
from kubesvc.controllers.endpoint_sync import sync_endpoints
from kubesvc.controllers.kubelet import pending_pod, run_pod
from kubesvc.controllers.scheduler import schedule
from kubesvc.controllers.writer import apply_owned, remove
from kubesvc.store import object_key

MAX_ROUNDS = 50  # a rolling update of a large Deployment takes a few rounds per surge step
WORKLOAD_KINDS = ("Deployment.apps", "ReplicaSet.apps", "StatefulSet.apps", "DaemonSet.apps",
                  "ReplicationController", "Pod")


def sync_all(ctx) -> None:
    for _ in range(MAX_ROUNDS):
        changed = sync_workloads(ctx) | sync_pods(ctx)
        if not changed:
            break
    sync_endpoints(ctx)


def _scope(ctx) -> list[str | None] | None:
    """Namespaces to reconcile; [None] for all of them, [] for none."""
    kinds = ctx.changed_kinds()
    if "Node" in kinds:
        return [None]
    return sorted(ctx.changed_namespaces(*WORKLOAD_KINDS))


def sync_workloads(ctx) -> bool:
    store, changed = ctx.store, False
    nodes = store.list("Node")
    for ns in _scope(ctx):
        pods = store.list("Pod", ns)
        for dep in store.list("Deployment.apps", ns):
            rs = store.list("ReplicaSet.apps", dep["metadata"]["namespace"])
            changed |= _write(ctx, w.reconcile_deployment(dep, rs, ctx.now))
        for gk in ("ReplicaSet.apps", "ReplicationController"):
            for owner in store.list(gk, ns):
                changed |= _write(ctx, w.reconcile_replicaset(owner, pods, ctx.now))
        for sts in store.list("StatefulSet.apps", ns):
            changed |= _write(ctx, w.reconcile_statefulset(sts, pods, ctx.now))
        for ds in store.list("DaemonSet.apps", ns):
            changed |= _write(ctx, w.reconcile_daemonset(ds, pods, nodes, ctx.now))
        if changed:
            pods = store.list("Pod", ns)
    return changed


def _write(ctx, plan) -> bool:
    if plan.empty():
        return False
    for obj in plan.create:
        gk = _gk(obj)
        meta = obj["metadata"]
        current = ctx.store.get(gk, meta.get("namespace", ""), meta["name"])
        apply_owned(ctx, gk, obj, current)
    for obj in plan.update:
        meta = obj["metadata"]
        gk = _gk(obj)
        apply_owned(ctx, gk, obj, ctx.store.get(gk, meta.get("namespace", ""), meta["name"]))
    for obj in plan.delete:
        meta = obj["metadata"]
        if ctx.store.get(_gk(obj), meta.get("namespace", ""), meta["name"]) is not None:
            remove(ctx, _gk(obj), obj)
    return True


def _gk(obj: dict) -> str:
    group = obj.get("apiVersion", "v1").rpartition("/")[0]
    return f"{obj['kind']}.{group}" if group else obj["kind"]


# -- scheduler and kubelets -------------------------------------------------------------------

def kubesvc_owns_status(pod: dict) -> bool:
    """kubesvc schedules and starts only pods whose status it wrote itself (or none): a pod
    brought in from a live cluster keeps the status it had there, Pending or not."""
    status = pod.get("status") or {}
    if status.get("phase") not in (None, "Pending") or status.get("podIP"):
        return False
    conditions = status.get("conditions") or []
    return all(c.get("type") == "PodScheduled" and c.get("reason") == "Unschedulable"
               for c in conditions)


def sync_pods(ctx) -> bool:
    store, changed = ctx.store, False
    scope = _scope(ctx)
    if not scope:
        return False
    nodes = {n["metadata"]["name"]: n for n in store.list("Node")}
    counts = _pods_per_node(store)
    for ns in scope:
        for pod in store.list("Pod", ns):
            if not kubesvc_owns_status(pod) or (pod["metadata"].get("deletionTimestamp")):
                continue
            changed |= _start(ctx, pod, nodes, counts)
    return changed


def _start(ctx, pod: dict, nodes: dict, counts: dict) -> bool:
    node_list = [nodes[k] for k in sorted(nodes)]
    name, message = schedule(pod, node_list, counts)
    new = json.loads(json.dumps(pod))
    if name is None:
        if not message:
            return False  # another scheduler's pod, or a gated one: left as it is
        new["status"] = pending_pod(pod, message, ctx.now)
    else:
        node = nodes.get(name)
        if node is None:
            return False  # spec.nodeName names a node that does not exist: the pod waits
        new["spec"]["nodeName"] = name
        ip = _pod_ip(ctx, new, node)
        new["status"] = run_pod(new, node, ip, ctx.now)
        counts[name] = counts.get(name, 0) + (0 if pod["spec"].get("nodeName") else 1)
    if new == pod:
        return False
    apply_owned(ctx, "Pod", new, pod)
    return True


def _pod_ip(ctx, pod: dict, node: dict) -> str | None:
    """host-local IPAM (kindnet): round robin over the node's podCIDR from .2 (.1 is the
    gateway), starting after the last address it handed out, so a replacement pod gets a new
    IP. hostNetwork pods share the node's InternalIP."""
    if pod["spec"].get("hostNetwork"):
        return w_node_ip(node)
    cidr = (node.get("spec") or {}).get("podCIDR")
    if not cidr:
        return None
    net = ipaddress.ip_network(cidr, strict=False)
    low, high = int(net.network_address) + 2, int(net.broadcast_address) - 1
    meta = pod["metadata"]
    owner = object_key("Pod", meta.get("namespace", ""), meta["name"])
    last_key = f"podip-last/{node['metadata']['name']}"
    last = ctx.store.get_meta(last_key)
    start = int(last) + 1 if last and low <= int(last) < high else low
    value = ctx.store.lowest_free("podip", start, high)
    if value is None and start > low:
        value = ctx.store.lowest_free("podip", low, start - 1)
    if value is None or not ctx.store.allocate("podip", value, owner):
        return None
    ctx.store.set_meta(last_key, str(value))
    return str(ipaddress.ip_address(value))


def w_node_ip(node: dict) -> str | None:
    from kubesvc.controllers.cluster_config import node_internal_ip

    return node_internal_ip(node)


def _pods_per_node(store) -> dict[str, int]:
    rows = store.conn.execute(
        "SELECT json_extract(body, '$.spec.nodeName') AS n, COUNT(*) FROM objects "
        "WHERE gk='Pod' AND n IS NOT NULL GROUP BY n")
    return dict(rows.fetchall())
