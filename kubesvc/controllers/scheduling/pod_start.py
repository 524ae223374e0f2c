"""The scheduler and the kubelets, wired to the store: pods that kubesvc manages and that
have no node yet are placed; pods bound to a node are started (IP, Running, Ready)."""

from __future__ import annotations

import ipaddress
import json

from kubesvc.api.nodes import node_internal_ip
from kubesvc.api.objects import clone
from kubesvc.controllers import events
from kubesvc.controllers.scheduling import pod_events
from kubesvc.controllers.scheduling.kubelet import pending_pod, run_pod
from kubesvc.controllers.scheduling.scheduler import SCHEDULING_GATED, schedule
from kubesvc.controllers.writer import apply_owned
from kubesvc.store import pod_facts
from kubesvc.store.db import object_key
from kubesvc.store.queries import pending_pods, pods_per_node


def kubesvc_owns_status(pod: dict) -> bool:
    """kubesvc schedules and starts only pods whose status it wrote itself (or none): a pod
    brought in from a live cluster keeps the status it had there, Pending or not."""
    status = pod.get("status") or {}
    if status.get("phase") not in (None, "Pending") or status.get("podIP"):
        return False
    conditions = status.get("conditions") or []
    return all(c.get("type") == "PodScheduled" and c.get("reason") == "Unschedulable"
               for c in conditions)


FEW_PODS = 64  # past this many changed pods, the facts say which may wait (one query)


def _waiting_pods(ctx, changes) -> list[dict]:
    """Pods to look at: the ones that changed, or every waiting pod after a Node change. None
    this command restored (they stay as the snapshot has them). Where many pods are
    concerned, the pods' facts (store/pod_facts.py) say which may wait at all (no phase or
    Pending, no IP): only those are read."""
    restored = ctx.restored
    if any(c.gk == "Node" for c in changes):
        waiting = pod_facts.waiting_keys(ctx.store.conn)
        if waiting is None:
            return [p for p in pending_pods(ctx.store) if not ctx.is_restored("Pod", p)]
        keys = sorted(waiting)
    else:
        seen: set[tuple[str, str]] = set()
        keys = []
        for c in changes:
            key = (c.namespace, c.name)
            if c.gk == "Pod" and c.new_meta is not None and key not in seen:
                seen.add(key)
                if ("Pod", *key) not in restored:
                    keys.append(key)
        if len(keys) > FEW_PODS:
            waiting = pod_facts.waiting_keys(ctx.store.conn)
            if waiting is not None:
                keys = [k for k in keys if k in waiting]
    pods = []
    for ns, name in keys:
        if ("Pod", ns, name) in restored:
            continue
        pod = ctx.store.get("Pod", ns, name)
        if pod is not None:
            pods.append(pod)
    return pods


def sync_pods(ctx, changes) -> None:
    pods = [p for p in _waiting_pods(ctx, changes)
            if kubesvc_owns_status(p) and not p["metadata"].get("deletionTimestamp")
            and not ctx.is_restored("Pod", p)]  # restored: as the snapshot states it
    if not pods:
        return
    nodes = {n["metadata"]["name"]: n for n in ctx.store.list("Node")}
    counts = pods_per_node(ctx.store)
    for pod in pods:
        _start(ctx, pod, nodes, counts)


def _start(ctx, pod: dict, nodes: dict, counts: dict) -> None:
    node_list = [nodes[k] for k in sorted(nodes)]
    name, message = schedule(pod, node_list, counts)
    new = clone(pod)
    if name is None:
        if not message:
            return  # another scheduler's pod, or a gated one: left as it is
        new["status"] = pending_pod(pod, message, ctx.now)
    else:
        node = nodes.get(name)
        if node is None:
            return  # spec.nodeName names a node that does not exist: the pod waits
        new["spec"]["nodeName"] = name
        new["status"] = run_pod(new, node, _pod_ip(ctx, new, node), ctx.now)
        if not pod["spec"].get("nodeName"):
            counts[name] = counts.get(name, 0) + 1
    if new != pod:
        new = apply_owned(ctx, "Pod", new, pod)
    _record(ctx, pod, new, nodes, message)


def _record(ctx, old: dict, pod: dict, nodes: dict, message: str) -> None:
    """Scheduled or FailedScheduling (kube-scheduler), then the kubelet's container events
    when the pod just started."""
    m = pod["metadata"]
    if not events.recorder(ctx).once("schedule", m.get("namespace"), m["name"]):
        return
    node = pod["spec"].get("nodeName")
    if not old["spec"].get("nodeName") and (node or message != SCHEDULING_GATED):
        etype, reason, note = (("Normal", "Scheduled", pod_events.scheduled(pod, node)) if node
                               else ("Warning", "FailedScheduling", message))
        events.record_v1(ctx, events.object_ref(pod), etype, reason,
                         "Binding" if node else "Scheduling", note, pod_events.SCHEDULER,
                         _scheduler_instance(nodes))
    if node and pod_events.was_running(pod) and not pod_events.was_running(old):
        key = f"kubelet-images/{node}"
        present = set(json.loads(ctx.store.get_meta(key) or "[]"))
        before = len(present)
        for etype, reason, text, path in pod_events.started(pod, present):
            events.record(ctx, events.object_ref(pod, path), etype, reason, text,
                          pod_events.KUBELET, node)
        if len(present) != before:
            ctx.store.set_meta(key, json.dumps(sorted(present)))


def _scheduler_instance(nodes: dict) -> str:
    """tools/events: reportingInstance is the controller name and the host it runs on, a
    control-plane node."""
    for name in sorted(nodes):
        if "node-role.kubernetes.io/control-plane" in (nodes[name]["metadata"].get("labels")
                                                       or {}):
            return f"{pod_events.SCHEDULER}-{name}"
    return pod_events.SCHEDULER


def _pod_ip(ctx, pod: dict, node: dict) -> str | None:
    """host-local IPAM (kindnet): round robin over the node's podCIDR from .2 (.1 is the
    gateway), starting after the last address it handed out, so a replacement pod gets a new
    IP. hostNetwork pods share the node's InternalIP."""
    if pod["spec"].get("hostNetwork"):
        return node_internal_ip(node)
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


