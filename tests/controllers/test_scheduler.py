"""The scheduler's filters, messages and scoring, and pod IP assignment."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from kubesvc.api.nodes import make_node
from kubesvc.bootstrap.kind import default_nodes, nodes_from_kind_config
from kubesvc.controllers.scheduling.scheduler import (
    NO_NODES,
    SCHEDULING_GATED,
    assign_pod_ip,
    matches_node_selector,
    schedule,
    tolerates_taint,
)

NOW = datetime(2025, 3, 1, tzinfo=UTC)
KIND3, _ = nodes_from_kind_config(
    {"kind": "Cluster", "apiVersion": "kind.x-k8s.io/v1alpha4",
     "nodes": [{"role": "control-plane"}, {"role": "worker"}, {"role": "worker"}]}, NOW)
TAIL = (" no new claims to deallocate, preemption: 0/3 nodes are available: "
        "3 Preemption is not helpful for scheduling.")


def pod(**spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}], **spec}}


def node(name, labels=None, taints=None, **spec):
    n = make_node(name, "172.18.0.9", "10.244.9.0/24", "worker", NOW, labels=labels)
    if taints:
        n["spec"]["taints"] = taints
    n["spec"].update(spec)
    return n


# -- tolerations (ported from the ToleratesTaint cases of k8s.io/api core/v1) ----------------

@pytest.mark.parametrize("toleration, taint, expected", [
    ({"operator": "Exists"}, {"key": "a", "value": "b", "effect": "NoSchedule"}, True),
    ({"key": "a", "operator": "Exists"}, {"key": "a", "value": "b", "effect": "NoSchedule"}, True),
    ({"key": "a", "operator": "Equal", "value": "b"}, {"key": "a", "value": "b",
                                                       "effect": "NoExecute"}, True),
    ({"key": "a", "value": "b"}, {"key": "a", "value": "b", "effect": "NoSchedule"}, True),
    ({"key": "a", "operator": "Equal", "value": "c"}, {"key": "a", "value": "b",
                                                       "effect": "NoSchedule"}, False),
    ({"key": "x", "operator": "Exists"}, {"key": "a", "effect": "NoSchedule"}, False),
    ({"key": "a", "operator": "Exists", "effect": "NoExecute"},
     {"key": "a", "effect": "NoSchedule"}, False),
    ({"key": "a", "operator": "Exists", "effect": "NoSchedule"},
     {"key": "a", "effect": "NoSchedule"}, True),
    ({"key": "a", "operator": "Equal"}, {"key": "a", "effect": "NoSchedule"}, True),
    ({"key": "a", "operator": "Gt", "value": "1"}, {"key": "a", "value": "2",
                                                    "effect": "NoSchedule"}, False),
], ids=["exists-any-key", "exists-key", "equal-value", "default-operator-equal", "other-value",
        "other-key", "other-effect", "same-effect", "equal-without-value", "gt-not-a-taint-op"])
def test_tolerates_taint(toleration, taint, expected):
    assert tolerates_taint([toleration], taint) is expected


# -- node selector and required node affinity --------------------------------------------------

def required(*terms):
    return {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": list(terms)}}}}


def expr(key, op, *values):
    out = {"key": key, "operator": op}
    if values:
        out["values"] = list(values)
    return {"matchExpressions": [out]}


LABELLED = node("n1", labels={"zone": "a", "cores": "8"})


def selector_id(spec) -> str | None:
    """`zone=b`, `zone In a,b`, `field metadata.name In n1`; terms joined by ` or `."""
    if not isinstance(spec, dict):
        return None
    parts = [",".join(f"{k}={v}" for k, v in spec.get("nodeSelector", {}).items())]
    affinity = spec.get("affinity", {}).get("nodeAffinity", {})
    terms = affinity.get("requiredDuringSchedulingIgnoredDuringExecution", {}).get(
        "nodeSelectorTerms")
    if terms is not None:
        parts.append(" or ".join(" ".join(
            [f"{e['key']} {e['operator']} {','.join(e.get('values', []))}".strip()
             for e in term.get("matchExpressions", [])]
            + [f"field {e['key']} {e['operator']} {','.join(e.get('values', []))}"
               for e in term.get("matchFields", [])]) or "empty-term"
            for term in terms) or "no-terms")
    return " and ".join(p for p in parts if p) or "nothing"


@pytest.mark.parametrize("spec, expected", [
    ({}, True),
    ({"nodeSelector": {"zone": "a"}}, True),
    ({"nodeSelector": {"zone": "b"}}, False),
    ({"nodeSelector": {"zone": "a", "disk": "ssd"}}, False),
    (required(expr("zone", "In", "a", "b")), True),
    (required(expr("zone", "In", "b")), False),
    (required(expr("zone", "NotIn", "b")), True),
    (required(expr("disk", "NotIn", "ssd")), True),  # an absent key is not in any set
    (required(expr("zone", "Exists")), True),
    (required(expr("disk", "Exists")), False),
    (required(expr("disk", "DoesNotExist")), True),
    (required(expr("cores", "Gt", "4")), True),
    (required(expr("cores", "Lt", "4")), False),
    (required(expr("cores", "Gt", "x")), False),
    (required(expr("zone", "In")), False),  # invalid: In needs values
    (required({}), False),  # an empty term matches nothing
    (required(), False),
    (required(expr("zone", "In", "b"), expr("zone", "In", "a")), True),  # terms are ORed
    (required({"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}),
     True),
    (required({"matchFields": [{"key": "metadata.name", "operator": "NotIn",
                                "values": ["n1"]}]}), False),
    (required({"matchFields": [{"key": "metadata.name", "operator": "In",
                                "values": ["n1", "n2"]}]}), False),  # one value only
    ({"nodeSelector": {"zone": "b"}, **required(expr("zone", "In", "a"))}, False),
], ids=selector_id)
def test_matches_node_selector(spec, expected):
    assert matches_node_selector(spec, LABELLED) is expected


# -- schedule ----------------------------------------------------------------------------------

def test_failure_message_as_the_scheduler_words_it():
    name, message = schedule(pod(nodeSelector={"disktype": "ssd"}), KIND3, {})
    assert name is None
    assert message == ("0/3 nodes are available: 1 node(s) had untolerated taint(s), "
                       "2 node(s) didn't match Pod's node affinity/selector." + TAIL)


@pytest.mark.parametrize("nodes, spec, counts, expected", [
    # least loaded first, ties by name; the tainted control plane is out
    (KIND3, {}, {}, "kind-worker"),
    (KIND3, {}, {"kind-worker": 1}, "kind-worker2"),
    (KIND3, {}, {"kind-worker": 2, "kind-worker2": 2}, "kind-worker"),
    (KIND3, {"tolerations": [{"key": "node-role.kubernetes.io/control-plane",
                              "operator": "Exists", "effect": "NoSchedule"}]},
     {"kind-worker": 1, "kind-worker2": 1}, "kind-control-plane"),
    (KIND3, {"nodeSelector": {"kubernetes.io/hostname": "kind-worker2"}}, {}, "kind-worker2"),
    (KIND3, {"nodeName": "kind-control-plane"}, {}, "kind-control-plane"),  # no scheduling
    (default_nodes(2, NOW), {}, {}, "kind-worker"),  # kind's layout: the control plane tainted
    # preferred node affinity outweighs load
    (KIND3, {"affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 10, "preference": expr("kubernetes.io/hostname", "In", "kind-worker2")}]}}},
     {"kind-worker2": 5}, "kind-worker2"),
    # an untolerated PreferNoSchedule taint only lowers the score
    ([node("a", taints=[{"key": "k", "effect": "PreferNoSchedule"}]), node("b")], {},
     {"b": 3}, "b"),
    ([node("a", taints=[{"key": "k", "effect": "PreferNoSchedule"}])], {}, {}, "a"),
], ids=["first-worker-by-name", "least-loaded", "equal-load-by-name",
        "tolerates-control-plane", "node-selector", "node-name-skips-scheduling",
        "default-nodes-kind-layout", "preferred-affinity-over-load", "prefer-no-schedule-lowers",
        "prefer-no-schedule-only-node"])
def test_schedule_picks(nodes, spec, counts, expected):
    assert schedule(pod(**spec), nodes, counts) == (expected, "")


@pytest.mark.parametrize("nodes, spec, counts, reasons, preemption", [
    ([node("a", unschedulable=True)], {}, {}, "1 node(s) were unschedulable",
     "1 Preemption is not helpful for scheduling"),
    ([node("a", taints=[{"key": "dedicated", "value": "db", "effect": "NoExecute"}])], {}, {},
     "1 node(s) had untolerated taint(s)", "1 Preemption is not helpful for scheduling"),
    ([node("a")], {}, {"a": 110}, "1 Too many pods",
     "1 No preemption victims found for incoming pod"),
    ([node("a"), node("b", labels={"x": "y"})], {"nodeSelector": {"x": "y"}}, {"b": 110},
     "1 Too many pods, 1 node(s) didn't match Pod's node affinity/selector",
     "1 No preemption victims found for incoming pod, "
     "1 Preemption is not helpful for scheduling"),
], ids=["unschedulable", "untolerated-taint", "too-many-pods",
        "selector-matches-full-node"])
def test_schedule_failures(nodes, spec, counts, reasons, preemption):
    total = len(nodes)
    assert schedule(pod(**spec), nodes, counts) == (
        None, f"0/{total} nodes are available: {reasons}. no new claims to deallocate, "
              f"preemption: 0/{total} nodes are available: {preemption}.")


def test_cordoned_node_is_skipped_unless_tolerated():
    nodes = [node("a", unschedulable=True), node("b")]
    assert schedule(pod(), nodes, {"b": 9})[0] == "b"
    tolerant = pod(tolerations=[{"key": "node.kubernetes.io/unschedulable",
                                 "operator": "Exists", "effect": "NoSchedule"}])
    assert schedule(tolerant, nodes, {"b": 9})[0] == "a"


def test_not_ready_node_counts_as_tainted():
    not_ready = node("a")
    not_ready["status"]["conditions"][-1]["status"] = "False"
    name, message = schedule(pod(), [not_ready], {})
    assert name is None and message.startswith(
        "0/1 nodes are available: 1 node(s) had untolerated taint(s).")


def test_daemon_pod_pinned_to_a_tainted_node():
    spec = required({"matchFields": [{"key": "metadata.name", "operator": "In",
                                      "values": ["kind-control-plane"]}]})
    name, message = schedule(pod(**spec), KIND3, {})
    assert name is None
    assert message == ("0/3 nodes are available: 1 node(s) had untolerated taint(s), "
                       "2 node(s) didn't satisfy plugin(s) [NodeAffinity]." + TAIL)


def test_conflicting_node_name_terms():
    spec = required({"matchFields": [
        {"key": "metadata.name", "operator": "In", "values": ["kind-worker"]},
        {"key": "metadata.name", "operator": "In", "values": ["kind-worker2"]}]})
    assert schedule(pod(**spec), KIND3, {}) == (
        None, "0/3 nodes are available: pod affinity terms conflict." + TAIL)


def test_preemption_policy_never():
    _, message = schedule(pod(preemptionPolicy="Never", nodeSelector={"a": "b"}), KIND3, {})
    assert message.endswith(
        "no new claims to deallocate, not eligible due to preemptionPolicy=Never.")


@pytest.mark.parametrize("spec, nodes, expected", [
    ({}, [], (None, NO_NODES)),
    ({"schedulingGates": [{"name": "example.com/wait"}]}, KIND3, (None, SCHEDULING_GATED)),
    ({"schedulerName": "my-scheduler"}, KIND3, (None, "")),
    ({"schedulerName": "default-scheduler"}, KIND3, ("kind-worker", "")),
], ids=["no-nodes", "scheduling-gated", "other-scheduler", "default-scheduler"])
def test_schedule_special_cases(spec, nodes, expected):
    assert schedule(pod(**spec), nodes, {}) == expected


def test_schedule_is_deterministic():
    spec = {"nodeSelector": {"nope": "x"}}
    first = schedule(pod(**spec), copy.deepcopy(KIND3), {"kind-worker": 1})
    assert all(schedule(pod(**spec), copy.deepcopy(KIND3), {"kind-worker": 1}) == first
               for _ in range(5))


# -- pod IPs -----------------------------------------------------------------------------------

WORKER = KIND3[1]  # podCIDR 10.244.1.0/24, InternalIP 172.18.0.3


@pytest.mark.parametrize("used, kwargs, expected", [
    (set(), {}, "10.244.1.2"),  # .1 is host-local's gateway
    ({"10.244.1.2"}, {}, "10.244.1.3"),
    ({"10.244.1.2", "10.244.1.4"}, {}, "10.244.1.3"),
    ({f"10.244.1.{i}" for i in range(2, 255)}, {}, None),  # .255 is the broadcast address
    (set(), {"host_network": True}, "172.18.0.3"),
    ({"10.244.1.2"}, {"last_reserved": "10.244.1.5"}, "10.244.1.6"),  # host-local round robin
    ({"10.244.1.2"}, {"last_reserved": "10.244.1.254"}, "10.244.1.3"),  # wraps around
])
def test_assign_pod_ip(used, kwargs, expected):
    assert assign_pod_ip(WORKER, used, **kwargs) == expected


def test_control_plane_pods_come_from_its_own_cidr():
    assert assign_pod_ip(KIND3[0], set()) == "10.244.0.2"


def test_node_without_pod_cidr_gives_no_ip():
    bare = node("a")
    del bare["spec"]["podCIDR"]
    assert assign_pod_ip(bare, set()) is None
