"""The pod garbage collector (kube-controller-manager pkg/controller/podgc `gcOrphaned`): pods
bound to a node that no longer exists are deleted, and their owners make replacements on other
nodes in the same controllers' pass."""

from __future__ import annotations

from kubesvc.controllers.writer import remove
from kubesvc.store.queries import pods_on_node


def collect_orphaned_pods(ctx, batch) -> None:
    for change in batch:
        if change.gk == "Node" and change.new_meta is None:
            for pod in pods_on_node(ctx.store, change.name):
                remove(ctx, "Pod", pod)
