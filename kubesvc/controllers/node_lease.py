"""The kubelet's node lease (pkg/kubelet/nodelease via component-helpers' lease controller):
each Node gets a coordination.k8s.io/v1 Lease of the same name in `kube-node-lease`, owned by
the Node (so the garbage collector removes it with the Node), held by the node with a 40 s
duration and renewed at registration. kubectl's node describe shows it under `Lease:`."""

from __future__ import annotations

from kubesvc.api.clock import rfc3339
from kubesvc.controllers.writer import apply_owned, remove

LEASE_GK = "Lease.coordination.k8s.io"
LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION_SECONDS = 40  # the kubelet's nodeLeaseDurationSeconds default


def node_lease(node: dict, renew_time: str) -> dict:
    """The Lease the kubelet creates for `node` (it sets no acquireTime)."""
    md = node["metadata"]
    return {
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": md["name"], "namespace": LEASE_NAMESPACE,
                     "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": md["name"],
                                          "uid": md.get("uid", "")}]},
        "spec": {"holderIdentity": md["name"], "leaseDurationSeconds": LEASE_DURATION_SECONDS,
                 "renewTime": renew_time},
    }


def sync_node_leases(ctx, changes) -> None:
    """A new Node gets its Lease; a deleted Node's Lease goes with it."""
    if not any(c.gk == "Node" for c in changes):
        return
    if ctx.store.get("Namespace", "", LEASE_NAMESPACE) is None:
        return
    for change in changes:
        if change.gk != "Node":
            continue
        lease = ctx.store.get(LEASE_GK, LEASE_NAMESPACE, change.name)
        node = ctx.store.get("Node", "", change.name)
        if node is None:
            if lease is not None:
                remove(ctx, LEASE_GK, lease)
        elif lease is None:
            apply_owned(ctx, LEASE_GK, node_lease(node, _micro(ctx.now)), None)


def _micro(now) -> str:
    """renewTime is a MicroTime: RFC 3339 with six fractional digits."""
    return rfc3339(now).replace("Z", ".000000Z")
