"""kube-scheduler's default profile, reduced to what decides where a Service's pods run.

Filters run per node in the upstream plugin order and the first failure is that node's reason
(pkg/scheduler/framework/runtime `RunFilterPlugins`): NodeUnschedulable, TaintToleration,
NodeAffinity (nodeSelector + required node affinity), NodeResourcesFit (pod count only: kubesvc
does not track CPU or memory). The failure message is `FitError.Error()` followed by the
PostFilter messages of DynamicResources and DefaultPreemption, as Kubernetes 1.34+ words it
(taint keys and values are no longer printed: kubernetes/kubernetes#134740).

Scoring is simplified to: most preferred node-affinity weight, fewest untolerated
PreferNoSchedule taints, fewest pods, then node name; upstream spreads by requested resources
and topology, which for equal pods also comes down to "least loaded first".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

from kubesvc.api.nodes import node_internal_ip

DEFAULT_SCHEDULER = "default-scheduler"
NO_NODES = "no nodes available to schedule pods"  # ErrNoNodesAvailable
SCHEDULING_GATED = "Scheduling is blocked due to non-empty scheduling gates"
REASON_UNSCHEDULABLE = "node(s) were unschedulable"
REASON_TAINT = "node(s) had untolerated taint(s)"
REASON_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
REASON_AFFINITY_PREFILTER = "node(s) didn't satisfy plugin(s) [NodeAffinity]"
REASON_AFFINITY_CONFLICT = "pod affinity terms conflict"
REASON_TOO_MANY_PODS = "Too many pods"
# PostFilter: DynamicResources (GA since 1.34) speaks first for a pod without claims
DRA_POSTFILTER = "no new claims to deallocate"
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
NOT_ELIGIBLE = "not eligible due to preemptionPolicy=Never."
MAX_PODS_DEFAULT = 110

# (reason, unresolvable): unresolvable statuses are ones preemption cannot fix
Status = tuple[str, bool]


def schedule(pod: Mapping, nodes: Sequence[Mapping],
             pod_count_by_node: Mapping[str, int]) -> tuple[str | None, str]:
    """(node name, "") when the pod fits somewhere, else (None, the PodScheduled message).

    `pod_count_by_node` counts the non-terminal pods already bound to each node (what
    NodeResourcesFit checks against allocatable `pods`, and what the spreading score uses).

    A pod with spec.nodeName never reaches the scheduler; a pod for another scheduler gets
    (None, "") and stays Pending without conditions; a gated pod gets the SchedulingGated text.
    """
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return spec["nodeName"], ""
    if spec.get("schedulingGates"):
        return None, SCHEDULING_GATED
    if spec.get("schedulerName", DEFAULT_SCHEDULER) != DEFAULT_SCHEDULER:
        return None, ""
    if not nodes:
        return None, NO_NODES
    allowed = _prefilter_node_names(spec)
    if allowed is not None and not allowed:
        return None, fit_error(pod, len(nodes), {}, prefilter=REASON_AFFINITY_CONFLICT)
    statuses: dict[str, Status] = {}
    feasible = []
    for node in nodes:
        name = (node.get("metadata") or {}).get("name", "")
        status = ((REASON_AFFINITY_PREFILTER, True) if allowed is not None and name not in allowed
                  else filter_node(pod, node, pod_count_by_node.get(name, 0)))
        if status is None:
            feasible.append(node)
        else:
            statuses[name] = status
    if feasible:
        return _best(pod, feasible, pod_count_by_node), ""
    return None, fit_error(pod, len(nodes), statuses)


def filter_node(pod: Mapping, node: Mapping, pod_count: int) -> Status | None:
    """The first failing Filter plugin's reason for this node, or None when the pod fits."""
    spec = pod.get("spec") or {}
    tolerations = spec.get("tolerations") or []
    unschedulable_taint = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
    if (node.get("spec") or {}).get("unschedulable") and \
            not tolerates_taint(tolerations, unschedulable_taint):
        return REASON_UNSCHEDULABLE, True
    if find_untolerated_taint(effective_taints(node), tolerations, ("NoSchedule", "NoExecute")):
        return REASON_TAINT, True
    if not matches_node_selector(spec, node):
        return REASON_AFFINITY, True
    if pod_count + 1 > _max_pods(node):
        return REASON_TOO_MANY_PODS, False
    return None


def fit_error(pod: Mapping, total: int, statuses: Mapping[str, Status],
              prefilter: str = "") -> str:
    """FitError.Error(): `0/N nodes are available: <reasons>. <PostFilter messages>.`"""
    if prefilter:
        statuses = {str(i): (prefilter, True) for i in range(total)}
        head = f"0/{total} nodes are available: {prefilter}."
    else:
        head = f"0/{total} nodes are available: {_histogram(statuses.values())}."
    return f"{head} {DRA_POSTFILTER}, {_preemption_message(pod, total, statuses)}"


def _histogram(statuses) -> str:
    counts: dict[str, int] = {}
    for reason, _ in statuses:
        counts[reason] = counts.get(reason, 0) + 1
    return ", ".join(sorted(f"{n} {reason}" for reason, n in counts.items()))


def _preemption_message(pod: Mapping, total: int, statuses: Mapping[str, Status]) -> str:
    """DefaultPreemption's PostFilter: every pod here has priority 0, so a node that
    preemption could help has no lower-priority victim either."""
    if (pod.get("spec") or {}).get("preemptionPolicy") == "Never":
        return NOT_ELIGIBLE
    verdicts = [(NOT_HELPFUL if unresolvable else NO_VICTIMS, True)
                for _, unresolvable in statuses.values()]
    return f"preemption: 0/{total} nodes are available: {_histogram(verdicts)}."


# -- taints and tolerations ----------------------------------------------------------------------

def tolerates_taint(tolerations: Sequence[Mapping], taint: Mapping) -> bool:
    """v1.Toleration.ToleratesTaint over a list (component-helpers scheduling/corev1)."""
    return any(_tolerates(t, taint) for t in tolerations)


def _tolerates(tol: Mapping, taint: Mapping) -> bool:
    if tol.get("effect") and tol["effect"] != taint.get("effect"):
        return False
    if tol.get("key") and tol["key"] != taint.get("key"):
        return False
    op = tol.get("operator") or "Equal"
    if op == "Exists":
        return True
    return op == "Equal" and (tol.get("value") or "") == (taint.get("value") or "")


def find_untolerated_taint(taints: Sequence[Mapping], tolerations: Sequence[Mapping],
                           effects: Sequence[str]) -> Mapping | None:
    for taint in taints:
        if taint.get("effect") in effects and not tolerates_taint(tolerations, taint):
            return taint
    return None


def effective_taints(node: Mapping) -> list[Mapping]:
    """Node taints, plus what the node lifecycle controller adds for a node that is not Ready
    (TaintNodesByCondition) when the object handed in does not carry it yet."""
    taints = list((node.get("spec") or {}).get("taints") or [])
    ready = _ready_status(node)
    key = {"True": None, "Unknown": "node.kubernetes.io/unreachable"}.get(
        ready, "node.kubernetes.io/not-ready")
    if key and not any(t.get("key") == key and t.get("effect") == "NoSchedule" for t in taints):
        taints.append({"key": key, "effect": "NoSchedule"})
    return taints


def _ready_status(node: Mapping) -> str:
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status", "Unknown")
    return "Unknown"


def _max_pods(node: Mapping) -> int:
    try:
        return int(((node.get("status") or {}).get("allocatable") or {}).get(
            "pods", MAX_PODS_DEFAULT))
    except (TypeError, ValueError):
        return MAX_PODS_DEFAULT


# -- node affinity -------------------------------------------------------------------------------

def _required_terms(spec: Mapping) -> list[Mapping] | None:
    node_affinity = ((spec.get("affinity") or {}).get("nodeAffinity") or {})
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    return None if required is None else list(required.get("nodeSelectorTerms") or [])


def matches_node_selector(spec: Mapping, node: Mapping) -> bool:
    """nodeaffinity.GetRequiredNodeAffinity(pod).Match(node): nodeSelector AND any term."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != value:
            return False
    terms = _required_terms(spec)
    return terms is None or any(term_matches(t, node) for t in terms)


def term_matches(term: Mapping, node: Mapping) -> bool:
    """A NodeSelectorTerm: every expression and field requirement; an empty term matches
    nothing, and an invalid requirement fails its term (LazyErrorNodeSelector)."""
    exprs, fields = term.get("matchExpressions") or [], term.get("matchFields") or []
    if not exprs and not fields:
        return False
    m = node.get("metadata") or {}
    labels = m.get("labels") or {}
    name_field = {"metadata.name": m.get("name", "")}
    return (all(_requirement(e, labels, numeric=True) for e in exprs)
            and all(_field_requirement(f, name_field) for f in fields))


def _field_requirement(req: Mapping, fields: Mapping[str, str]) -> bool:
    if req.get("key") not in fields or req.get("operator") not in ("In", "NotIn"):
        return False
    return len(req.get("values") or []) == 1 and _requirement(req, fields, numeric=False)


def _requirement(req: Mapping, labels: Mapping, numeric: bool) -> bool:
    key, op, values = req.get("key"), req.get("operator"), list(req.get("values") or [])
    present = key in labels
    if op in ("In", "NotIn"):
        if not values:
            return False
        return (present and labels[key] in values) == (op == "In")
    if op in ("Exists", "DoesNotExist"):
        return not values and present == (op == "Exists")
    if numeric and op in ("Gt", "Lt") and len(values) == 1 and present:
        try:
            have, want = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False


def _prefilter_node_names(spec: Mapping) -> set[str] | None:
    """NodeAffinity PreFilter: terms that all pin `metadata.name In [...]` restrict the nodes
    looked at (DaemonSet pods); the others are reported as not satisfying the plugin."""
    terms = _required_terms(spec)
    if not terms:
        return None
    names: set[str] = set()
    for term in terms:
        pinned = None
        for req in term.get("matchFields") or []:
            if req.get("key") == "metadata.name" and req.get("operator") == "In":
                vals = set(req.get("values") or [])
                pinned = vals if pinned is None else pinned & vals
        if pinned is None:
            return None  # terms are ORed: one unpinned term lets every node through
        names |= pinned
    return names


# -- scoring -------------------------------------------------------------------------------------

def _best(pod: Mapping, nodes: Sequence[Mapping], counts: Mapping[str, int]) -> str:
    spec = pod.get("spec") or {}
    preferred = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "preferredDuringSchedulingIgnoredDuringExecution") or []
    tolerations = spec.get("tolerations") or []

    def score(node: Mapping):
        name = (node.get("metadata") or {}).get("name", "")
        weight = sum(p.get("weight", 0) for p in preferred
                     if term_matches(p.get("preference") or {}, node))
        soft = sum(1 for t in effective_taints(node) if t.get("effect") == "PreferNoSchedule"
                   and not tolerates_taint(tolerations, t))
        return (-weight, soft, counts.get(name, 0), name)

    return (min(nodes, key=score).get("metadata") or {}).get("name", "")


# -- pod IPs -------------------------------------------------------------------------------------

def assign_pod_ip(node: Mapping, used_ips: set[str], *, host_network: bool = False,
                  last_reserved: str | None = None) -> str | None:
    """The pod IP kindnet's host-local IPAM hands out on this node.

    host-local serves the node's podCIDR from .1 to broadcast-1 but keeps the gateway (.1) for
    the node, so the first pod gets .2 (10.244.1.2 on kind-worker). Without `last_reserved`
    this is the lowest free address; with it, host-local's round robin: the next free address
    after the last one handed out, wrapping around. hostNetwork pods share the node's
    InternalIP. None when the node has no podCIDR or the range is full.
    """
    if host_network:
        return node_internal_ip(node)
    cidr = (node.get("spec") or {}).get("podCIDR")
    if not cidr:
        return None
    net = ipaddress.ip_network(cidr, strict=False)
    first, last = int(net.network_address) + 2, int(net.broadcast_address) - 1
    start = first
    if last_reserved and first <= int(ipaddress.ip_address(last_reserved)) < last:
        start = int(ipaddress.ip_address(last_reserved)) + 1
    for value in list(range(start, last + 1)) + list(range(first, start)):
        ip = str(ipaddress.ip_address(value))
        if ip not in used_ips:
            return ip
    return None
