"""DaemonSet sync (pkg/controller/daemon: daemon_controller.go `manage`, `podsShouldBeOnNode`,
`nodeShouldRunDaemonPod`; util/daemonset_util.go; update.go `rollingUpdate`).

A node should run the daemon pod when the template's nodeSelector and required node affinity
match it and the template, with the tolerations the controller adds, tolerates its NoSchedule
and NoExecute taints. Pods are `<set>-xxxxx`, pinned to their node by a required
`matchFields metadata.name In [node]` affinity term and placed by the scheduler. Pods of an
old template are deleted up to maxUnavailable per sync and recreated on the next one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from kubesvc.api.defaults import default_daemonset
from kubesvc.api.objects import (
    as_time,
    claim,
    clone,
    int_or_percent,
    is_available,
    is_ready,
    meta,
)
from kubesvc.api.selectors import from_label_selector
from kubesvc.controllers.scheduling.scheduler import find_untolerated_taint, matches_node_selector
from kubesvc.controllers.workloads.controller_utils import (
    Plan,
    event,
    new_pod_names,
    pod_from_template,
    revision_hash,
    with_status,
)

REVISION_LABEL = "controller-revision-hash"
GENERATION_LABEL = "pod-template-generation"
COMPONENT = "daemonset-controller"
# util.AddOrUpdateDaemonPodTolerations, in the order it appends them
_AUTO_TOLERATIONS = [("node.kubernetes.io/not-ready", "NoExecute"),
                     ("node.kubernetes.io/unreachable", "NoExecute"),
                     ("node.kubernetes.io/disk-pressure", "NoSchedule"),
                     ("node.kubernetes.io/memory-pressure", "NoSchedule"),
                     ("node.kubernetes.io/pid-pressure", "NoSchedule"),
                     ("node.kubernetes.io/unschedulable", "NoSchedule")]
_HOST_NETWORK_TOLERATION = ("node.kubernetes.io/network-unavailable", "NoSchedule")


def reconcile_daemonset(ds: Mapping, pods: Sequence[Mapping], nodes: Sequence[Mapping],
                        now: datetime | str) -> Plan:
    """One sync of `ds` over the pods it owns or may adopt, for the given nodes."""
    d = default_daemonset(ds)
    owned, adopted = claim(pods, ds, from_label_selector(d["spec"].get("selector")))
    plan = Plan(update=list(adopted))
    template = daemon_pod_template(d)
    revision = revision_hash(d["spec"]["template"],
                             (ds.get("status") or {}).get("collisionCount"))
    by_node = _pods_by_node(owned + adopted)
    eligible = [n for n in nodes if should_run(template, n)]
    if not meta(ds).get("deletionTimestamp"):
        _manage(d, by_node, eligible, nodes, revision, template, plan, now)
        _rolling_update(d, by_node, eligible, revision, plan, now)
    status = daemonset_status(d, by_node, eligible, nodes, revision, now)
    if status != (ds.get("status") or {}):
        plan.update.append(with_status(ds, status))
    return plan


def daemon_pod_template(ds: Mapping) -> dict:
    """The template with the tolerations every daemon pod gets."""
    template = clone(ds["spec"].get("template") or {})
    spec = template.setdefault("spec", {})
    wanted = list(_AUTO_TOLERATIONS)
    if spec.get("hostNetwork"):
        wanted.append(_HOST_NETWORK_TOLERATION)
    tolerations = list(spec.get("tolerations") or [])
    for key, effect in wanted:
        tol = {"key": key, "operator": "Exists", "effect": effect}
        if tol not in tolerations:  # AddOrUpdateTolerationInPodSpec: identical ones stay
            tolerations.append(tol)
    spec["tolerations"] = tolerations
    return template


def should_run(template: Mapping, node: Mapping) -> bool:
    """nodeShouldRunDaemonPod's predicates: node selector/affinity, NoSchedule/NoExecute."""
    spec = template.get("spec") or {}
    taints = (node.get("spec") or {}).get("taints") or []
    return matches_node_selector(spec, node) and find_untolerated_taint(
        taints, spec.get("tolerations") or [], ("NoSchedule", "NoExecute")) is None


def _node_name(pod: Mapping) -> str:
    """The node a daemon pod is for: spec.nodeName, else its pinned affinity term."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return spec["nodeName"]
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    for term in required.get("nodeSelectorTerms") or []:
        for req in term.get("matchFields") or []:
            if req.get("key") == "metadata.name" and req.get("values"):
                return req["values"][0]
    return ""


def _pods_by_node(pods: Sequence[Mapping]) -> dict[str, list]:
    out: dict[str, list] = {}
    for pod in pods:
        if not meta(pod).get("deletionTimestamp"):
            out.setdefault(_node_name(pod), []).append(pod)
    for group in out.values():
        group.sort(key=lambda p: (as_time(meta(p).get("creationTimestamp")) is None,
                                  as_time(meta(p).get("creationTimestamp")) or 0,
                                  meta(p).get("name", "")))
    return out


def _manage(d, by_node, eligible, nodes, revision, template, plan: Plan, now) -> None:
    """podsShouldBeOnNode for every node: create where missing, delete failed pods, extra
    pods (all but the oldest) and pods on nodes that should not run one."""
    eligible_names = {meta(n).get("name") for n in eligible}
    missing = []
    for node in nodes:
        name = meta(node).get("name")
        pods = by_node.get(name, [])
        healthy = [p for p in pods if (p.get("status") or {}).get("phase") != "Failed"]
        doomed = [p for p in pods if p not in healthy]
        if name in eligible_names:
            doomed += healthy[1:]
            if not healthy:
                missing.append(name)
        else:
            doomed += healthy
        for pod in doomed:
            _delete(d, pod, plan)
    for name, pods in by_node.items():  # getUnscheduledPodsWithoutNode
        if name not in {meta(n).get("name") for n in nodes}:
            for pod in pods:
                if not (pod.get("spec") or {}).get("nodeName"):
                    _delete(d, pod, plan)
    all_pods = [meta(p).get("name") for group in by_node.values() for p in group]
    names = new_pod_names(d, len(missing), all_pods)
    for node_name, pod_name in zip(missing, names, strict=True):
        plan.create.append(_new_pod(d, template, node_name, pod_name, revision))
        plan.events.append(event(d, "SuccessfulCreate", f"Created pod: {pod_name}", COMPONENT))


def _new_pod(d: Mapping, template: Mapping, node: str, name: str, revision: str) -> dict:
    """A daemon pod pinned to `node`: ReplaceDaemonSetPodNodeNameNodeAffinity replaces the
    required terms with the node-name field term and keeps the rest of the affinity."""
    spec = template.get("spec") or {}
    affinity = clone(spec.get("affinity") or {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}
    labels = {REVISION_LABEL: revision, GENERATION_LABEL: str(meta(d).get("generation", 1))}
    return pod_from_template(d, template, name=name, prefix=f"{meta(d).get('name', '')}-",
                             labels=labels, spec_overrides={"affinity": affinity})


def _delete(d: Mapping, pod: Mapping, plan: Plan) -> None:
    if pod in plan.delete:
        return
    plan.delete.append(pod)
    plan.events.append(event(d, "SuccessfulDelete", f"Deleted pod: {meta(pod).get('name')}",
                             COMPONENT))


def _rolling_update(d, by_node, eligible, revision, plan: Plan, now) -> None:
    """rollingUpdate with maxSurge 0: old pods that are not available are replaced at once;
    available ones only while fewer than maxUnavailable daemon pods are unavailable."""
    strategy = d["spec"]["updateStrategy"]
    if strategy.get("type") != "RollingUpdate":
        return
    min_ready = int(d["spec"].get("minReadySeconds", 0))
    budget = int_or_percent((strategy.get("rollingUpdate") or {}).get("maxUnavailable", 1),
                            len(eligible), True)
    unavailable, replace, candidates = 0, [], []
    for node in eligible:
        pods = [p for p in by_node.get(meta(node).get("name"), []) if p not in plan.delete]
        if not pods:
            continue
        pod = pods[0]
        available = is_available(pod, min_ready, now)
        if (meta(pod).get("labels") or {}).get(REVISION_LABEL) == revision:
            unavailable += 0 if available else 1
        elif not available:
            replace.append(pod)
        else:
            candidates.append(pod)
    for pod in replace + candidates[:max(0, budget - unavailable)]:
        _delete(d, pod, plan)


def daemonset_status(d, by_node, eligible, nodes, revision, now) -> dict:
    """updateDaemonSetStatus; numberUnavailable, updatedNumberScheduled and numberAvailable
    are omitted at zero (omitempty), the other counts are always present."""
    eligible_names = {meta(n).get("name") for n in eligible}
    node_names = {meta(n).get("name") for n in nodes}
    min_ready = int(d["spec"].get("minReadySeconds", 0))
    scheduled = [p for name, ps in by_node.items() if name in eligible_names for p in ps[:1]]
    mis = [name for name in by_node if name not in eligible_names and name in node_names]
    status = {"currentNumberScheduled": len(scheduled),
              "desiredNumberScheduled": len(eligible_names),
              "numberMisscheduled": len(mis),
              "numberReady": sum(1 for p in scheduled if is_ready(p)),
              "observedGeneration": meta(d).get("generation", 1)}
    updated = sum(1 for p in scheduled
                  if (meta(p).get("labels") or {}).get(REVISION_LABEL) == revision)
    available = sum(1 for p in scheduled if is_available(p, min_ready, now))
    extra = {"updatedNumberScheduled": updated, "numberAvailable": available,
             "numberUnavailable": len(eligible_names) - available}
    status.update({k: v for k, v in extra.items() if v})
    if (d.get("status") or {}).get("collisionCount") is not None:
        status["collisionCount"] = d["status"]["collisionCount"]
    return status
