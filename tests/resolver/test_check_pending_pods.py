"""`kubesvc check` on pods kube-scheduler left Pending (resolver/check.py
`unschedulable_pods`): the scheduler's own message (the PodScheduled condition it writes,
pkg/scheduler/schedule_one.go handleSchedulingFailure), and, when the cluster has no node at
all (ErrNoNodesAvailable), one problem per namespace with the way to add nodes."""

from __future__ import annotations

import pytest

from kubesvc.resolver.check import NO_NODES_HINT, unschedulable_pods
from kubesvc.resolver.view import MemoryView
from tests.resolver.world import node, pod

NO_NODES = "no nodes available to schedule pods"
FIT = ("0/1 nodes are available: 1 node(s) had untolerated taint(s). preemption: 0/1 nodes "
       "are available: 1 Preemption is not helpful for scheduling.")


def pending(name: str, message: str, ns: str = "default") -> dict:
    p = pod(name, None, None, ns=ns, phase="Pending", ready=False)
    p["status"]["conditions"] = [{"type": "PodScheduled", "status": "False",
                                  "reason": "Unschedulable", "message": message}]
    return p


@pytest.mark.parametrize(("objects", "expected"), [
    ([pending("a", NO_NODES), pending("b", NO_NODES), pending("c", NO_NODES, ns="kube-system")],
     [("Pod default/*", f"2 pod(s) Pending: {NO_NODES} (a, b); {NO_NODES_HINT}"),
      ("Pod kube-system/*", f"1 pod(s) Pending: {NO_NODES} (c); {NO_NODES_HINT}")]),
    ([node("n1"), pending("a", FIT)], [("Pod default/a", f"Pending: {FIT}")]),
    ([node("n1"), pod("a", "10.244.0.5", "n1")], []),
    ([pod("gated", None, None, phase="Pending", ready=False)], []),
], ids=["no nodes: one problem per namespace, with the hint",
        "nodes but none fits: the FitError message",
        "running pods: nothing", "pending without a scheduler's verdict: nothing"])
def test_unschedulable_pods(objects, expected):
    found = unschedulable_pods(MemoryView(objects))
    assert [(p.object, p.reason.message) for p in found] == expected
    assert all(p.reason.severity == "warning" for p in found)


def test_check_on_a_cluster_without_nodes(cli):
    """`cluster init` without --nodes: CoreDNS stays Pending, and `check` says why."""
    cli.ok("cluster", "init")
    result = cli("check")
    assert "[pod-unschedulable] 2 pod(s) Pending: no nodes available to schedule pods" in \
        result.out
    assert "kubesvc cluster init --nodes N" in result.out.replace("\n            ", " ")
