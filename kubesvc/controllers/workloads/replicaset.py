"""ReplicaSet and ReplicationController sync (pkg/controller/replicaset/replica_set.go; the
ReplicationController manager is the same code behind an adapter).

One sync claims pods (adopting matching orphans), creates or deletes the difference between
active pods and spec.replicas, and writes status from the pods it saw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from kubesvc.api.objects import (
    as_time,
    claim,
    is_active,
    is_available,
    is_ready,
    meta,
    pod_condition,
    release_unmatched,
)
from kubesvc.api.selectors import from_label_selector, from_map
from kubesvc.controllers.workloads.controller_utils import (
    Plan,
    event,
    new_pod_names,
    pod_from_template,
    with_status,
)

_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def reconcile_replicaset(rs: Mapping, pods: Sequence[Mapping], now: datetime | str) -> Plan:
    """One sync of a ReplicaSet, or of a ReplicationController (`kind: ReplicationController`,
    whose selector is a plain label map). `pods` may hold any pods: only the ones this object
    controls, or may adopt, count."""
    spec = rs.get("spec") or {}
    rc = rs.get("kind") == "ReplicationController"
    selector = from_map(spec.get("selector")) if rc else from_label_selector(spec.get("selector"))
    owned, adopted = claim(pods, rs, selector)
    released = release_unmatched(pods, rs, selector)
    plan = Plan(update=list(adopted) + released)
    active = [p for p in owned + adopted if is_active(p)]
    component = "replication-controller" if rc else "replicaset-controller"
    if not meta(rs).get("deletionTimestamp"):
        _manage(rs, active, [meta(p).get("name") for p in owned + adopted], now, plan, component)
    status = replicaset_status(rs, active, now)
    if status != (rs.get("status") or {}):
        plan.update.append(with_status(rs, status))
    return plan


def _manage(rs: Mapping, active: list, names: list, now, plan: Plan, component: str) -> None:
    """manageReplicas: create the missing pods, or delete the surplus, best ranked first."""
    diff = len(active) - int((rs.get("spec") or {}).get("replicas", 1))
    if diff < 0:
        template = (rs.get("spec") or {}).get("template") or {}
        for name in new_pod_names(rs, -diff, names):
            plan.create.append(pod_from_template(rs, template, name=name,
                                                 prefix=f"{meta(rs).get('name', '')}-"))
            plan.events.append(event(rs, "SuccessfulCreate", f"Created pod: {name}", component))
    elif diff > 0:
        for pod in pods_to_delete(active, diff, now):
            plan.delete.append(pod)
            plan.events.append(event(rs, "SuccessfulDelete",
                                     f"Deleted pod: {meta(pod).get('name')}", component))


def pods_to_delete(active: Sequence[Mapping], count: int, now) -> list[Mapping]:
    """getPodsToDelete with ActivePodsWithRanks: unscheduled before scheduled, Pending before
    Running, not ready before ready, pods sharing a node with more siblings first, ready for
    less time first, more restarts first, newer first."""
    per_node: dict[str, int] = {}
    for pod in active:
        node = (pod.get("spec") or {}).get("nodeName", "")
        per_node[node] = per_node.get(node, 0) + 1

    def rank(pod: Mapping):
        node = (pod.get("spec") or {}).get("nodeName", "")
        phase = (pod.get("status") or {}).get("phase", "Pending")
        ready_since = as_time((pod_condition(pod, "Ready") or {}).get("lastTransitionTime"))
        restarts = sum(s.get("restartCount", 0)
                       for s in (pod.get("status") or {}).get("containerStatuses") or [])
        created = as_time(meta(pod).get("creationTimestamp"))
        return (bool(node), _PHASE_RANK.get(phase, 2), is_ready(pod), -per_node[node],
                -(ready_since.timestamp() if ready_since and is_ready(pod) else 0),
                -restarts, -(created.timestamp() if created else float("inf")),
                meta(pod).get("name", ""))

    return sorted(active, key=rank)[:count]


def replicaset_status(rs: Mapping, active: Sequence[Mapping], now) -> dict:
    """calculateStatus. Zero counts are omitted as the API omits them (omitempty), except
    `replicas`; conditions (ReplicaFailure) are kept as they are."""
    spec = rs.get("spec") or {}
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    min_ready = int(spec.get("minReadySeconds", 0))
    counts = {
        "fullyLabeledReplicas": sum(1 for p in active if _has_labels(p, template_labels)),
        "readyReplicas": sum(1 for p in active if is_ready(p)),
        "availableReplicas": sum(1 for p in active if is_available(p, min_ready, now)),
        "observedGeneration": meta(rs).get("generation", 1),
    }
    status: dict = {"replicas": len(active)}
    status.update({k: v for k, v in counts.items() if v})
    conditions = (rs.get("status") or {}).get("conditions")
    if conditions:
        status["conditions"] = conditions
    return status


def _has_labels(pod: Mapping, labels: Mapping) -> bool:
    have = meta(pod).get("labels") or {}
    return all(have.get(k) == v for k, v in labels.items())
