"""StatefulSet sync (pkg/controller/statefulset: stateful_set_control.go `updateStatefulSet`,
stateful_set_utils.go).

Pods are `<set>-<ordinal>` from spec.ordinals.start, with hostname = pod name, subdomain =
serviceName, and the labels `statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index`
and `controller-revision-hash: <set>-<hash>`. With the default OrderedReady policy one sync
creates the lowest missing pod only once every lower one is Running and Ready, and scales down
one pod at a time from the highest ordinal; Parallel does everything at once. A RollingUpdate
deletes the highest-ordinal pod of an old revision (at or above the partition) once the pods
above it are healthy; the next sync recreates it from the new template.

Simplifications: ControllerRevisions are not stored, so a recreated pod always gets the
current template (upstream keeps the old revision below a partition); PersistentVolumeClaims
are not created (the pod still names `<claim>-<pod>` in its volumes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime

from kubesvc.api.defaults import default_statefulset
from kubesvc.api.objects import (
    claim,
    is_available,
    is_running_and_ready,
    meta,
)
from kubesvc.api.selectors import from_label_selector
from kubesvc.controllers.workloads.controller_utils import (
    Plan,
    event,
    pod_from_template,
    revision_hash,
    with_status,
)

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"
COMPONENT = "statefulset-controller"
_ORDINAL = re.compile(r"^(.*)-([0-9]+)$")


def reconcile_statefulset(sts: Mapping, pods: Sequence[Mapping], now: datetime | str) -> Plan:
    """One sync of `sts` over the pods it owns or may adopt among `pods`."""
    s = default_statefulset(sts)
    spec, name = s["spec"], meta(sts).get("name", "")
    members = [p for p in pods if _parent_and_ordinal(p)[0] == name]
    owned, adopted = claim(members, sts, from_label_selector(spec.get("selector")))
    plan = Plan(update=list(adopted))
    pods_by_ordinal = {_parent_and_ordinal(p)[1]: p for p in owned + adopted}
    update_rev = update_revision(sts)
    if not meta(sts).get("deletionTimestamp"):
        _sync_pods(s, pods_by_ordinal, update_rev, plan)
    status = statefulset_status(s, list(pods_by_ordinal.values()), update_rev, now)
    if status != (sts.get("status") or {}):
        plan.update.append(with_status(sts, status))
    return plan


def update_revision(sts: Mapping) -> str:
    """The ControllerRevision name of the current template: `<set>-<hash>`."""
    s = default_statefulset(sts)
    collision = (sts.get("status") or {}).get("collisionCount") or 0
    return f"{meta(sts).get('name', '')}-{revision_hash(s['spec']['template'], collision)}"


def _parent_and_ordinal(pod: Mapping) -> tuple[str | None, int]:
    m = _ORDINAL.match(meta(pod).get("name", ""))
    return (m.group(1), int(m.group(2))) if m else (None, -1)


def _ordinal_range(spec: Mapping) -> range:
    start = int((spec.get("ordinals") or {}).get("start", 0))
    return range(start, start + int(spec.get("replicas", 1)))


def _terminating(pod: Mapping) -> bool:
    return bool(meta(pod).get("deletionTimestamp"))


def _failed(pod: Mapping) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Failed", "Succeeded")


def _sync_pods(s: Mapping, by_ordinal: dict, update_rev: str, plan: Plan) -> None:
    """Replicas in ordinal order, then the condemned from the top, then the rolling update;
    in monotonic (OrderedReady) mode the first pod that is not healthy ends the sync."""
    spec = s["spec"]
    monotonic = spec["podManagementPolicy"] != "Parallel"
    wanted = _ordinal_range(spec)
    for ordinal in wanted:
        pod = by_ordinal.get(ordinal)
        if pod is None:
            _create(s, ordinal, update_rev, plan)
            blocked = monotonic
        elif _failed(pod):
            _delete(s, pod, plan)
            blocked = monotonic
        else:
            blocked = monotonic and (_terminating(pod) or not is_running_and_ready(pod))
        if blocked:
            return
    condemned = sorted((o for o in by_ordinal if o not in wanted), reverse=True)
    for ordinal in condemned:
        pod = by_ordinal[ordinal]
        if not _terminating(pod):
            _delete(s, pod, plan)
        if monotonic:
            return
    _rolling_update(s, by_ordinal, wanted, update_rev, plan)


def _rolling_update(s: Mapping, by_ordinal: dict, wanted: range, update_rev: str,
                    plan: Plan) -> None:
    strategy = s["spec"]["updateStrategy"]
    if strategy.get("type") == "OnDelete":
        return
    partition = int((strategy.get("rollingUpdate") or {}).get("partition", 0))
    for ordinal in reversed(wanted):
        if ordinal - wanted.start < partition:
            return
        pod = by_ordinal.get(ordinal)
        if pod is None:
            return
        if _revision(pod) != update_rev and not _terminating(pod):
            _delete(s, pod, plan)
            return
        if not is_running_and_ready(pod):
            return


def _create(s: Mapping, ordinal: int, update_rev: str, plan: Plan) -> None:
    set_name = meta(s).get("name", "")
    name = f"{set_name}-{ordinal}"
    labels = {REVISION_LABEL: update_rev, POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal)}
    overrides: dict = {"hostname": name}
    if s["spec"].get("serviceName"):
        overrides["subdomain"] = s["spec"]["serviceName"]
    claims = sorted((c.get("metadata") or {}).get("name", "")
                    for c in s["spec"].get("volumeClaimTemplates") or [])
    if claims:
        others = [v for v in (s["spec"]["template"].get("spec") or {}).get("volumes") or []
                  if v.get("name") not in claims]
        overrides["volumes"] = [{"name": c, "persistentVolumeClaim": {
            "claimName": f"{c}-{name}"}} for c in claims] + others
    pod = pod_from_template(s, s["spec"]["template"], name=name, labels=labels,
                            spec_overrides=overrides)
    plan.create.append(pod)
    plan.events.append(event(s, "SuccessfulCreate",
                             f"create Pod {name} in StatefulSet {set_name} successful", COMPONENT))


def _delete(s: Mapping, pod: Mapping, plan: Plan) -> None:
    plan.delete.append(pod)
    plan.events.append(event(s, "SuccessfulDelete",
                             f"delete Pod {meta(pod).get('name')} in StatefulSet "
                             f"{meta(s).get('name')} successful", COMPONENT))


def _revision(pod: Mapping) -> str | None:
    return (meta(pod).get("labels") or {}).get(REVISION_LABEL)


def statefulset_status(s: Mapping, pods: Sequence[Mapping], update_rev: str, now) -> dict:
    """computeReplicaStatus over the pods seen, then completeRollingUpdate: once every pod
    runs the update revision and is ready, it becomes the current revision."""
    old = s.get("status") or {}
    current_rev = old.get("currentRevision") or update_rev
    created = [p for p in pods if (p.get("status") or {}).get("phase")]
    live = [p for p in created if not _terminating(p)]
    min_ready = int(s["spec"].get("minReadySeconds", 0))
    status = {"observedGeneration": meta(s).get("generation", 1),
              "replicas": len(created),
              "readyReplicas": sum(1 for p in created if is_running_and_ready(p)),
              "availableReplicas": sum(1 for p in created if is_running_and_ready(p)
                                       and is_available(p, min_ready, now)),
              "currentReplicas": sum(1 for p in live if _revision(p) == current_rev),
              "updatedReplicas": sum(1 for p in live if _revision(p) == update_rev),
              "currentRevision": current_rev, "updateRevision": update_rev,
              "collisionCount": old.get("collisionCount") or 0}
    if s["spec"]["updateStrategy"].get("type") == "RollingUpdate" and \
            status["updatedReplicas"] == status["replicas"] == status["readyReplicas"]:
        status["currentRevision"] = update_rev
        status["currentReplicas"] = status["updatedReplicas"]
    for key in ("readyReplicas", "currentReplicas", "updatedReplicas"):  # omitempty
        if not status[key]:
            del status[key]
    return status
