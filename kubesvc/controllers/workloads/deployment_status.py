"""Deployment status and conditions (pkg/controller/deployment/sync.go `calculateStatus`,
progress.go `syncRolloutStatus`, util/deployment_util.go), and the helpers the sync shares.

Conditions follow upstream exactly: Available from maxUnavailable, Progressing through
NewReplicaSetCreated / FoundNewReplicaSet / ReplicaSetUpdated / NewReplicaSetAvailable, or
ProgressDeadlineExceeded once progressDeadlineSeconds pass without progress.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from kubesvc.api.defaults import default_deployment
from kubesvc.api.objects import as_time, int_or_percent, meta, set_condition, ts

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
NOT_COPIED = {"kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY,
              DESIRED, MAX_REPLICAS, "deprecated.deployment.rollback.to"}
COMPONENT = "deployment-controller"


def max_surge(d: Mapping) -> int:
    return _fenceposts(_spec(d))[0]


def max_unavailable(d: Mapping) -> int:
    """deploymentutil.MaxUnavailable, after ResolveFenceposts (both 0 means 1 unavailable)."""
    spec = _spec(d)
    replicas = int(spec["replicas"])
    if replicas == 0:
        return 0
    return min(_fenceposts(spec)[1], replicas)


def _spec(d: Mapping) -> Mapping:
    return default_deployment(d)["spec"]  # idempotent, so a stored object reads the same


def _fenceposts(spec: Mapping) -> tuple[int, int]:
    strategy = spec["strategy"]
    if strategy.get("type") != "RollingUpdate":
        return 0, 0
    rolling, replicas = strategy.get("rollingUpdate") or {}, int(spec["replicas"])
    surge = int_or_percent(rolling.get("maxSurge", "25%"), replicas, True)
    unavailable = int_or_percent(rolling.get("maxUnavailable", "25%"), replicas, False)
    return surge, 1 if surge == 0 and unavailable == 0 else unavailable


def replicas_of(rs: Mapping) -> int:
    return int((rs.get("spec") or {}).get("replicas", 1))


def status_of(rs: Mapping, key: str) -> int:
    return int((rs.get("status") or {}).get(key, 0))


def revision_of(rs: Mapping) -> int:
    try:
        return int((meta(rs).get("annotations") or {}).get(REVISION, 0))
    except ValueError:
        return 0


class DeploymentStatusMixin:
    """Status for `_Sync` (deployment.py): reads self.d (defaulted), self.orig, self.status,
    self.now, self.name, self.new_name, and the ReplicaSets through all() / new()."""

    def _cond(self, ctype: str, status: str, reason: str, message: str) -> dict:
        t = ts(self.now)
        return {"type": ctype, "status": status, "lastUpdateTime": t, "lastTransitionTime": t,
                "reason": reason, "message": message}

    def _condition(self, ctype: str) -> dict | None:
        return next((c for c in self.status.get("conditions") or [] if c["type"] == ctype), None)

    def _set(self, cond: dict) -> None:
        self.status["conditions"] = set_condition(list(self.status.get("conditions") or []),
                                                  cond)

    def _deadline(self) -> bool:
        return self.d["spec"].get("progressDeadlineSeconds") not in (None, 2**31 - 1)

    def _paused_condition(self) -> None:
        cur = self._condition("Progressing")
        if cur and cur.get("reason") == "ProgressDeadlineExceeded":
            return
        paused_cond = bool(cur and cur.get("reason") == "DeploymentPaused")
        if self.d["spec"].get("paused") and not paused_cond:
            self._set(self._cond("Progressing", "Unknown", "DeploymentPaused",
                                 "Deployment is paused"))
        elif not self.d["spec"].get("paused") and paused_cond:
            self._set(self._cond("Progressing", "Unknown", "DeploymentResumed",
                                 "Deployment is resumed"))

    def _calculate_status(self) -> dict:
        rss, new = self.all(), self.new()
        available = sum(status_of(rs, "availableReplicas") for rs in rss)
        counts = {"observedGeneration": meta(self.orig).get("generation", 1),
                  "replicas": sum(status_of(rs, "replicas") for rs in rss),
                  "updatedReplicas": status_of(new, "replicas") if new else 0,
                  "readyReplicas": sum(status_of(rs, "readyReplicas") for rs in rss),
                  "availableReplicas": available,
                  "unavailableReplicas": max(0, sum(replicas_of(rs) for rs in rss) - available)}
        status = {k: v for k, v in counts.items() if v}
        if self.status.get("collisionCount") is not None:
            status["collisionCount"] = self.status["collisionCount"]
        if available >= self.replicas() - max_unavailable(self.d):
            cond = self._cond("Available", "True", "MinimumReplicasAvailable",
                              "Deployment has minimum availability.")
        else:
            cond = self._cond("Available", "False", "MinimumReplicasUnavailable",
                              "Deployment does not have minimum availability.")
        status["conditions"] = set_condition(list(self.status.get("conditions") or []), cond)
        return status

    def _complete(self, s: Mapping) -> bool:
        """DeploymentComplete."""
        want = self.replicas()
        return (s.get("updatedReplicas", 0) == want and s.get("replicas", 0) == want
                and s.get("availableReplicas", 0) == want
                and s.get("observedGeneration", 0) >= meta(self.orig).get("generation", 1))

    def _progressing(self, s: Mapping) -> bool:
        """DeploymentProgressing: compared with the status the Deployment had."""
        old = self.orig.get("status") or {}
        old_olds = old.get("replicas", 0) - old.get("updatedReplicas", 0)
        new_olds = s.get("replicas", 0) - s.get("updatedReplicas", 0)
        return (s.get("updatedReplicas", 0) > old.get("updatedReplicas", 0)
                or new_olds < old_olds
                or s.get("readyReplicas", 0) > old.get("readyReplicas", 0)
                or s.get("availableReplicas", 0) > old.get("availableReplicas", 0))

    def _timed_out(self, s: Mapping) -> bool:
        cond = next((c for c in s.get("conditions") or [] if c["type"] == "Progressing"), None)
        if cond is None or cond.get("reason") == "NewReplicaSetAvailable":
            return False
        if cond.get("reason") == "ProgressDeadlineExceeded":
            return True
        since = as_time(cond.get("lastUpdateTime"))
        deadline = timedelta(seconds=int(self.d["spec"]["progressDeadlineSeconds"]))
        return since is not None and since + deadline < as_time(self.now)

    def _rollout_conditions(self, s: dict) -> dict:
        """syncRolloutStatus: the Progressing condition of a rollout under way."""
        conds = list(s.get("conditions") or [])
        if not self._deadline():
            s["conditions"] = [c for c in conds if c["type"] != "Progressing"]
            return s
        cur = self._condition("Progressing")
        subject = f'ReplicaSet "{self.new_name}"' if self.new_name else f'Deployment "{self.name}"'
        if s.get("replicas", 0) == s.get("updatedReplicas", 0) and cur and \
                cur.get("reason") == "NewReplicaSetAvailable":
            return s
        if self._complete(s):
            s["conditions"] = set_condition(conds, self._cond(
                "Progressing", "True", "NewReplicaSetAvailable",
                f"{subject} has successfully progressed."))
        elif self._progressing(s):
            cond = self._cond("Progressing", "True", "ReplicaSetUpdated",
                              f"{subject} is progressing.")
            if cur and cur.get("status") == "True":
                cond["lastTransitionTime"] = cur.get("lastTransitionTime")
            s["conditions"] = [c for c in conds if c["type"] != "Progressing"] + [cond]
        elif self._timed_out(s):
            s["conditions"] = set_condition(conds, self._cond(
                "Progressing", "False", "ProgressDeadlineExceeded",
                f"{subject} has timed out progressing."))
        return s
