"""The workload controllers as pure functions: each takes the owner, the objects it may own
and `now`, and returns a Plan of what to create, update and delete (plus events).

Drive them like the controller-manager does: run a sync, write its Plan, let the scheduler
and kubelet act on new pods, and sync again until every Plan is empty. Deployments then
finish their rollout, StatefulSets come up one ordinal at a time, and statuses settle.

- reconcile_deployment(deploy, replicasets, now)
- reconcile_replicaset(rs, pods, now)           (ReplicationControllers too)
- reconcile_statefulset(sts, pods, now)
- reconcile_daemonset(ds, pods, nodes, now)
"""

from kubesvc.api.defaults import (
    admit_pod,
    default_container,
    default_daemonset,
    default_deployment,
    default_pod,
    default_pod_spec,
    default_pod_template,
    default_replicaset,
    default_replication_controller,
    default_statefulset,
    image_pull_policy,
)
from kubesvc.controllers.workloads.controller_utils import Plan, pod_template_hash, revision_hash
from kubesvc.controllers.workloads.daemonset import (
    daemon_pod_template,
    reconcile_daemonset,
    should_run,
)
from kubesvc.controllers.workloads.deployment import (
    max_surge,
    max_unavailable,
    reconcile_deployment,
)
from kubesvc.controllers.workloads.replicaset import reconcile_replicaset
from kubesvc.controllers.workloads.statefulset import reconcile_statefulset, update_revision

reconcile_replication_controller = reconcile_replicaset

__all__ = [
    "Plan", "admit_pod", "daemon_pod_template", "default_container", "default_daemonset",
    "default_deployment", "default_pod", "default_pod_spec", "default_pod_template",
    "default_replicaset", "default_replication_controller", "default_statefulset",
    "image_pull_policy", "max_surge", "max_unavailable", "pod_template_hash",
    "reconcile_daemonset", "reconcile_deployment", "reconcile_replicaset",
    "reconcile_replication_controller", "reconcile_statefulset", "revision_hash", "should_run",
    "update_revision",
]
