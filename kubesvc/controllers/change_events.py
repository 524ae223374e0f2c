"""Events that follow from an object appearing or going away: the node lifecycle
controller's `RegisteredNode` for every node it starts watching
(pkg/controller/nodelifecycle: `Registered Node %v in Controller`, recorded through
nodeutil.RecordNodeEvent as `Node %s event: %s` about a namespace-less Node reference, so
the event lands in `default`), and the kubelet's `Killing` for the containers of a deleted
running pod."""

from __future__ import annotations

from kubesvc.controllers import events
from kubesvc.controllers.scheduling import pod_events

NODE_CONTROLLER = "node-controller"


def record_change_events(ctx, batch) -> None:
    rec = events.recorder(ctx)
    for change in batch:
        if change.gk == "Node" and change.old_meta is None and change.new_meta is not None:
            if rec.once("registered", change.name):
                _registered(ctx, change.name)
        elif change.gk == "Pod" and change.new_meta is None and change.gone is not None:
            if rec.once("killing", change.gone["metadata"].get("uid")):
                _killing(ctx, change.gone)


def _registered(ctx, name: str) -> None:
    node = ctx.store.get("Node", "", name)
    if node is None:
        return
    ref = {"apiVersion": "v1", "kind": "Node", "name": name,
           "uid": node["metadata"].get("uid", "")}
    events.record(ctx, ref, "Normal", "RegisteredNode",
                  f"Node {name} event: Registered Node {name} in Controller", NODE_CONTROLLER)


def _killing(ctx, pod: dict) -> None:
    if not pod_events.was_running(pod):
        return
    for etype, reason, text, path in pod_events.killed(pod):
        events.record(ctx, events.object_ref(pod, path), etype, reason, text,
                      pod_events.KUBELET, pod["spec"]["nodeName"])
