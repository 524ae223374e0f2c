"""Deployment sync (pkg/controller/deployment: sync.go, rolling.go, recreate.go, progress.go,
util/deployment_util.go).

One call is one `syncDeployment`: the rolling update advances by at most one maxSurge /
maxUnavailable step, exactly as upstream, and waits for the ReplicaSets' status to report
available pods before it scales old ReplicaSets down. Called until its Plan is empty (with the
ReplicaSet controller, scheduler and kubelet in between), it reaches what a finished rollout
leaves: one ReplicaSet at spec.replicas, the old ones at 0 (kept up to revisionHistoryLimit),
status and conditions from the ReplicaSets. A rollout whose pods never become ready stalls
like a real one, then reports ProgressDeadlineExceeded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from kubesvc.api.defaults import default_deployment, default_pod_template
from kubesvc.api.objects import as_time, claim, clone, controller_ref, meta
from kubesvc.api.selectors import from_label_selector
from kubesvc.controllers.workloads.controller_utils import (
    Plan,
    event,
    pod_template_hash,
    strip_zero,
)
from kubesvc.controllers.workloads.deployment_status import (
    COMPONENT,
    DESIRED,
    HASH_LABEL,
    MAX_REPLICAS,
    NOT_COPIED,
    REVISION,
    REVISION_HISTORY,
    DeploymentStatusMixin,
    max_surge,
    max_unavailable,
    replicas_of,
    revision_of,
    status_of,
)


def reconcile_deployment(deploy: Mapping, replicasets: Sequence[Mapping],
                         now: datetime | str) -> Plan:
    """One sync of `deploy` over the ReplicaSets it owns or may adopt among `replicasets`."""
    return _Sync(deploy, replicasets, now).run()


class _Sync(DeploymentStatusMixin):
    def __init__(self, deploy: Mapping, replicasets: Sequence[Mapping], now):
        self.orig, self.now = deploy, now
        self.d = default_deployment(deploy)
        self.name = meta(deploy).get("name", "")
        self.plan = Plan()
        self.status = clone(deploy.get("status") or {})
        self.annotations = dict(meta(deploy).get("annotations") or {})
        selector = from_label_selector(self.d["spec"].get("selector"))
        owned, adopted = claim(replicasets, deploy, selector)
        self.rss = {meta(rs)["name"]: clone(rs) for rs in owned + adopted}
        self.dirty = {meta(rs)["name"] for rs in adopted}
        self.created: set[str] = set()
        self.template = default_pod_template(self.d["spec"].get("template"))
        self.new_name = self._find_new()

    # -- bookkeeping ---------------------------------------------------------------------------

    def _find_new(self) -> str | None:
        """FindNewReplicaSet: the oldest ReplicaSet whose template equals ours but for the
        pod-template-hash label."""
        want = strip_zero(self.template)
        for rs in sorted(self.rss.values(), key=self._age):
            tpl = default_pod_template((rs.get("spec") or {}).get("template"))
            (tpl.get("metadata") or {}).get("labels", {}).pop(HASH_LABEL, None)
            if strip_zero(tpl) == want:
                return meta(rs)["name"]
        return None

    def _age(self, rs: Mapping):
        created = as_time(meta(rs).get("creationTimestamp")) or as_time(self.now)
        return created, meta(rs).get("name", "")

    def olds(self) -> list[dict]:
        return sorted((rs for n, rs in self.rss.items() if n != self.new_name), key=self._age)

    def new(self) -> dict | None:
        return self.rss.get(self.new_name) if self.new_name else None

    def all(self) -> list[dict]:
        return self.olds() + ([self.new()] if self.new() else [])

    def replicas(self) -> int:
        return int(self.d["spec"]["replicas"])

    def scale(self, rs: dict, size: int) -> bool:
        """scaleReplicaSet: new size and the desired/max replicas annotations."""
        old = replicas_of(rs)
        notes = meta(rs).get("annotations") or {}
        most = self.replicas() + max_surge(self.d)
        want = {DESIRED: str(self.replicas()), MAX_REPLICAS: str(most)}
        if old == size and all(notes.get(k) == v for k, v in want.items()):
            return False
        rs["spec"]["replicas"] = size
        rs["metadata"].setdefault("annotations", {}).update(want)
        self.dirty.add(rs["metadata"]["name"])
        if old != size:
            verb = "up" if size > old else "down"
            self.plan.events.append(event(self.orig, "ScalingReplicaSet",
                                          f"Scaled {verb} replica set {rs['metadata']['name']} "
                                          f"from {old} to {size}", COMPONENT))
        return old != size

    # -- the sync ------------------------------------------------------------------------------

    def run(self) -> Plan:
        if meta(self.orig).get("deletionTimestamp"):
            return self.finish(rollout=False)  # syncStatusOnly
        self._paused_condition()
        if self.d["spec"].get("paused") or self._is_scaling_event():
            self._sync_revision(create=False)
            self._scale()
            if self.d["spec"].get("paused"):
                self._cleanup()
            return self.finish(rollout=False)
        if self.d["spec"]["strategy"]["type"] == "Recreate":
            self._recreate()
        else:
            self._rolling()
        return self.finish()

    def _is_scaling_event(self) -> bool:
        self._sync_revision(create=False)
        for rs in self.all():
            desired = (meta(rs).get("annotations") or {}).get(DESIRED)
            if replicas_of(rs) > 0 and desired is not None and desired != str(self.replicas()):
                return True
        return False

    def _rolling(self) -> None:
        self._sync_revision(create=True)
        if self._reconcile_new() or self._reconcile_olds():
            return
        if self._complete(self._calculate_status()):
            self._cleanup()

    def _recreate(self) -> None:
        self._sync_revision(create=False)
        active_olds = [rs for rs in self.olds() if replicas_of(rs) > 0]
        scaled = [self.scale(rs, 0) for rs in active_olds]  # all of them, no short circuit
        if any(scaled):
            return
        if any(status_of(rs, "replicas") > 0 for rs in self.olds()):
            return  # oldPodsRunning: wait for the old pods to be gone
        self._sync_revision(create=True)
        if self.new() is not None:
            self.scale(self.new(), self.replicas())
        if self._complete(self._calculate_status()):
            self._cleanup()

    def _reconcile_new(self) -> bool:
        new = self.new()
        if replicas_of(new) == self.replicas():
            return False
        if replicas_of(new) > self.replicas():
            return self.scale(new, self.replicas())
        return self.scale(new, self._new_rsreplicas_of())

    def _new_rsreplicas_of(self) -> int:
        """NewRSNewReplicas: grow the new ReplicaSet up to replicas + maxSurge in total."""
        current = replicas_of(self.new()) if self.new() else 0
        if self.d["spec"]["strategy"]["type"] != "RollingUpdate":
            return self.replicas()
        total = sum(replicas_of(rs) for rs in self.all())
        room = self.replicas() + max_surge(self.d) - total
        if room <= 0:
            return current
        return current + min(room, self.replicas() - current)

    def _reconcile_olds(self) -> bool:
        """reconcileOldReplicaSets: clean up unhealthy old replicas, then scale old ones down
        as far as maxUnavailable allows, oldest first."""
        olds, new = self.olds(), self.new()
        if sum(replicas_of(rs) for rs in olds) == 0:
            return False
        min_available = self.replicas() - max_unavailable(self.d)
        new_unavailable = replicas_of(new) - status_of(new, "availableReplicas")
        budget = sum(replicas_of(rs) for rs in self.all()) - min_available - new_unavailable
        if budget <= 0:
            return False
        scaled = 0
        for rs in olds:  # cleanupUnhealthyReplicas
            unhealthy = replicas_of(rs) - status_of(rs, "availableReplicas")
            if scaled >= budget or replicas_of(rs) == 0 or unhealthy <= 0:
                continue
            step = min(budget - scaled, unhealthy)
            self.scale(rs, replicas_of(rs) - step)
            scaled += step
        available = sum(status_of(rs, "availableReplicas") for rs in self.all())
        room = available - min_available
        for rs in olds:  # scaleDownOldReplicaSetsForRollingUpdate
            if room <= 0:
                break
            step = min(replicas_of(rs), room)
            if step and self.scale(rs, replicas_of(rs) - step):
                scaled, room = scaled + step, room - step
        return scaled > 0

    def _scale(self) -> None:
        """dc.scale: a single active (or the latest) ReplicaSet takes all replicas; a
        saturated new one takes them from the old ones; otherwise proportional scaling."""
        active = [rs for rs in self.all() if replicas_of(rs) > 0]
        target = self._active_or_latest(active)
        if target is not None:
            self.scale(target, self.replicas())
            return
        new = self.new()
        desired = (meta(new).get("annotations") or {}).get(DESIRED) if new else None
        if new and replicas_of(new) == self.replicas() == int(desired or -1) and \
                status_of(new, "availableReplicas") == self.replicas():  # IsSaturated
            for rs in active:
                if rs is not new:
                    self.scale(rs, 0)
            return
        self._proportional(active)

    def _active_or_latest(self, active: list[dict]) -> dict | None:
        """FindActiveOrLatest: the only active ReplicaSet, or with none active the newest."""
        if len(active) == 1:
            return active[0]
        if active:
            return None
        return self.new() or (self.olds()[-1] if self.olds() else None)

    def _proportional(self, active: list[dict]) -> None:
        allowed = self.replicas() + max_surge(self.d) if self.replicas() > 0 else 0
        to_add = allowed - sum(replicas_of(rs) for rs in active)
        if to_add == 0:
            return
        order = self._by_size(active, newer_first=to_add > 0)
        sizes, added = {}, 0
        for rs in order:
            part = self._proportion(rs, to_add, added)
            sizes[meta(rs)["name"]] = replicas_of(rs) + part
            added += part
        first = meta(order[0])["name"]
        sizes[first] = max(0, sizes[first] + to_add - added)
        for rs in order:
            self.scale(rs, sizes[meta(rs)["name"]])

    def _by_size(self, rss: list[dict], newer_first: bool) -> list[dict]:
        """ReplicaSetsBySizeNewer / BySizeOlder: largest first, ties by age."""
        def key(rs):
            created, name = self._age(rs)
            return (-replicas_of(rs), -created.timestamp() if newer_first else created.timestamp(),
                    name)
        return sorted(rss, key=key)

    def _proportion(self, rs: Mapping, to_add: int, added: int) -> int:
        """GetReplicaSetProportion / getReplicaSetFraction."""
        if replicas_of(rs) == 0 or to_add == added:
            return 0
        if self.replicas() == 0:
            fraction = -replicas_of(rs)
        else:
            before = int((meta(rs).get("annotations") or {}).get(MAX_REPLICAS, 0) or 0) \
                or int(self.status.get("replicas", 0))
            if before == 0:
                return 0
            target = replicas_of(rs) * (self.replicas() + max_surge(self.d)) / before
            fraction = int(target + 0.5) - replicas_of(rs)
        allowed = to_add - added
        return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)

    # -- revisions, new ReplicaSet, cleanup ----------------------------------------------------

    def _sync_revision(self, create: bool) -> None:
        """getAllReplicaSetsAndSyncRevision: the new ReplicaSet's revision is one above the
        old ones (a rollback records the revisions it had), and the Deployment mirrors it."""
        revision = max((revision_of(rs) for rs in self.olds()), default=0) + 1
        new = self.new()
        if new is None:
            if create:
                self._create_new(revision)
            return
        notes = new["metadata"].setdefault("annotations", {})
        before = dict(notes)
        notes.update(self._copied_annotations())
        old = notes.get(REVISION)
        if revision_of(new) < revision:
            notes[REVISION] = str(revision)
            if old:
                history = notes.get(REVISION_HISTORY)
                notes[REVISION_HISTORY] = f"{history},{old}" if history else old
        if notes != before:
            self.dirty.add(new["metadata"]["name"])
        self.annotations[REVISION] = notes[REVISION]
        if self._deadline() and not self._condition("Progressing"):
            self._set(self._cond("Progressing", "True", "FoundNewReplicaSet",
                                 f'Found new replica set "{self.new_name}"'))

    def _copied_annotations(self) -> dict:
        return {k: v for k, v in self.annotations.items() if k not in NOT_COPIED}

    def _create_new(self, revision: int) -> None:
        collision = self.status.get("collisionCount")
        while True:
            h = pod_template_hash(self.template, collision)
            name = f"{self.name}-{h}"
            if name not in self.rss:
                break
            collision = (collision or 0) + 1  # same name, other template: a hash collision
            self.status["collisionCount"] = collision
        tpl = clone(self.template)
        tpl.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = h
        selector = clone(self.d["spec"].get("selector") or {})
        selector.setdefault("matchLabels", {})[HASH_LABEL] = h
        spec = {"replicas": 0, "selector": selector, "template": tpl}
        if self.d["spec"].get("minReadySeconds"):
            spec["minReadySeconds"] = self.d["spec"]["minReadySeconds"]
        rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
              "metadata": {"name": name, "namespace": meta(self.orig).get("namespace", "default"),
                           "labels": dict(tpl["metadata"]["labels"]),
                           "annotations": {**self._copied_annotations(),
                                           REVISION: str(revision)},
                           "ownerReferences": [controller_ref(self.orig)]},
              "spec": spec}
        self.rss[name], self.new_name = rs, name
        self.created.add(name)
        self.scale(rs, self._new_rsreplicas_of())
        self.annotations[REVISION] = str(revision)
        if self._deadline():
            self._set(self._cond("Progressing", "True", "NewReplicaSetCreated",
                                 f'Created new replica set "{name}"'))

    def _cleanup(self) -> None:
        """cleanupDeployment: delete the oldest revisions beyond revisionHistoryLimit, never
        one that still has pods or has not caught up with its spec."""
        limit = self.d["spec"].get("revisionHistoryLimit")
        olds = [rs for rs in self.olds() if not meta(rs).get("deletionTimestamp")]
        if limit is None or len(olds) <= int(limit):
            return
        by_revision = sorted(olds, key=lambda rs: (revision_of(rs), self._age(rs)))
        for rs in by_revision[:len(olds) - int(limit)]:
            if status_of(rs, "replicas") or replicas_of(rs) or \
                    meta(rs).get("generation", 1) > status_of(rs, "observedGeneration"):
                continue
            self.plan.delete.append(rs)
            del self.rss[meta(rs)["name"]]
            self.dirty.discard(meta(rs)["name"])

    def finish(self, rollout: bool = True) -> Plan:
        status = self._calculate_status()
        if rollout:
            status = self._rollout_conditions(status)
        for name in sorted(self.created):
            if name in self.rss:
                self.plan.create.append(self.rss[name])
        for name in sorted(self.dirty - self.created):
            if name in self.rss:
                self.plan.update.append(self.rss[name])
        annotations_changed = self.annotations != (meta(self.orig).get("annotations") or {})
        if status != (self.orig.get("status") or {}) or annotations_changed:
            updated = clone(dict(self.orig))
            if self.annotations:
                updated["metadata"]["annotations"] = dict(self.annotations)
            updated["status"] = status
            self.plan.update.append(updated)
        return self.plan
