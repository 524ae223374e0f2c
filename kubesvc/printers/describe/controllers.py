"""`kubectl describe` for ReplicaSets, StatefulSets and DaemonSets (kubectl
`pkg/describe/describe.go`: describeReplicaSet, describeStatefulSet, describeDaemonSet).

`pods` may be every pod of the namespace: like getPodStatusForController, only the pods the
controller's selector matches and whose controller reference carries its uid are counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kubesvc.api.quantity import parse_or_none
from kubesvc.api.selectors import format_labels, from_label_selector
from kubesvc.printers.describe.prefix_writer import (
    PrefixWriter,
    annotations_multiline,
    events,
    labels_multiline,
    now_or_local,
)
from kubesvc.printers.describe.workloads import (
    controller_conditions,
    controller_ref,
    describe_pod_template,
)
from kubesvc.printers.duration import rfc1123z


def pod_status_line(obj: dict, pods: Sequence[dict]) -> str:
    """getPodStatusForController: `N Running / N Waiting / N Succeeded / N Failed`."""
    md = obj.get("metadata") or {}
    selector = from_label_selector((obj.get("spec") or {}).get("selector"))
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for pod in pods:
        pmd = pod.get("metadata") or {}
        ref = next((r for r in pmd.get("ownerReferences") or [] if r.get("controller")), None)
        if (pmd.get("namespace") != md.get("namespace") or ref is None
                or ref.get("uid") != md.get("uid") or not selector.matches(pmd.get("labels"))):
            continue
        phase = (pod.get("status") or {}).get("phase")
        if phase in counts:
            counts[phase] += 1
    return (f"{counts['Running']} Running / {counts['Pending']} Waiting / "
            f"{counts['Succeeded']} Succeeded / {counts['Failed']} Failed")


def _replicas(spec: dict) -> int:
    return 1 if spec.get("replicas") is None else int(spec["replicas"])


def describe_replicaset(rs: dict, pods: Sequence[dict] = (), *, show_events: bool = True,
                        now: datetime | None = None) -> str:
    now = now_or_local(now)
    md, sp, st = rs.get("metadata") or {}, rs.get("spec") or {}, rs.get("status") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    w.write(0, f"Selector:\t{from_label_selector(sp.get('selector'))}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    if controller_ref(rs):
        w.write(0, f"Controlled By:\t{controller_ref(rs)}\n")
    w.write(0, f"Replicas:\t{int(st.get('replicas') or 0)} current / {_replicas(sp)} desired\n")
    w.write(0, f"Pods Status:\t{pod_status_line(rs, pods)}\n")
    describe_pod_template(w, sp.get("template"), now.tzinfo)
    controller_conditions(w, st.get("conditions"))
    events(w, show_events)
    return w.render()


def _claim_templates(w: PrefixWriter, templates: list[dict]) -> None:
    """describeVolumeClaimTemplates."""
    if not templates:
        w.write(0, "Volume Claims:\t<none>\n")
        return
    w.write(0, "Volume Claims:\n")
    for pvc in templates:
        md, sp = pvc.get("metadata") or {}, pvc.get("spec") or {}
        klass = ((md.get("annotations") or {}).get("volume.beta.kubernetes.io/storage-class")
                 or sp.get("storageClassName") or "")
        w.write(1, f"Name:\t{md.get('name', '')}\n")
        w.write(1, f"StorageClass:\t{klass}\n")
        labels_multiline(w, "Labels", md.get("labels"), initial="  ")
        labels_multiline(w, "Annotations", md.get("annotations"), initial="  ")
        storage = ((sp.get("resources") or {}).get("requests") or {}).get("storage")
        q = None if storage is None else parse_or_none(storage)
        capacity = "<default>" if storage is None else str(storage if q is None else q)
        w.write(1, f"Capacity:\t{capacity}\n")
        w.write(1, f"Access Modes:\t[{' '.join(sp.get('accessModes') or [])}]\n")


def describe_statefulset(sts: dict, pods: Sequence[dict] = (), *, show_events: bool = True,
                         now: datetime | None = None) -> str:
    now = now_or_local(now)
    md, sp, st = sts.get("metadata") or {}, sts.get("spec") or {}, sts.get("status") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(md.get('creationTimestamp'), now.tzinfo)}\n")
    w.write(0, f"Selector:\t{from_label_selector(sp.get('selector'))}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    if sp.get("serviceName"):  # kubectl prints it only when set
        w.write(0, f"Service Name:\t{sp['serviceName']}\n")
    w.write(0, f"Pod Management Policy:\t{sp.get('podManagementPolicy') or ''}\n")
    w.write(0, f"Replicas:\t{_replicas(sp)} desired | {int(st.get('replicas') or 0)} total\n")
    strategy = sp.get("updateStrategy") or {}
    w.write(0, f"Update Strategy:\t{strategy.get('type') or ''}\n")
    ru = strategy.get("rollingUpdate")
    if ru is not None and ru.get("partition") is not None:
        w.write(1, f"Partition:\t{int(ru['partition'])}\n")
        if ru.get("maxUnavailable") is not None:
            w.write(1, f"MaxUnavailable:\t{ru['maxUnavailable']}\n")
    retention = sp.get("persistentVolumeClaimRetentionPolicy")
    if retention is not None:
        w.write(0, "Persistent Volume Claim Retention Policy:\n")
        w.write(1, f"WhenDeleted:\t{retention.get('whenDeleted') or ''}\n")
        w.write(1, f"WhenScaled:\t{retention.get('whenScaled') or ''}\n")
    w.write(0, f"Pods Status:\t{pod_status_line(sts, pods)}\n")
    describe_pod_template(w, sp.get("template"), now.tzinfo)
    _claim_templates(w, sp.get("volumeClaimTemplates") or [])
    events(w, show_events)
    return w.render()


def describe_daemonset(ds: dict, pods: Sequence[dict] = (), *, show_events: bool = True,
                       now: datetime | None = None) -> str:
    """describeDaemonSet (it prints no Namespace line)."""
    now = now_or_local(now)
    md, sp, st = ds.get("metadata") or {}, ds.get("spec") or {}, ds.get("status") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Selector:\t{from_label_selector(sp.get('selector'))}\n")
    node_selector = ((sp.get("template") or {}).get("spec") or {}).get("nodeSelector")
    w.write(0, f"Node-Selector:\t{format_labels(node_selector)}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    for title, field in (("Desired Number of Nodes Scheduled", "desiredNumberScheduled"),
                         ("Current Number of Nodes Scheduled", "currentNumberScheduled"),
                         ("Number of Nodes Scheduled with Up-to-date Pods",
                          "updatedNumberScheduled"),
                         ("Number of Nodes Scheduled with Available Pods", "numberAvailable"),
                         ("Number of Nodes Misscheduled", "numberMisscheduled")):
        w.write(0, f"{title}: {int(st.get(field) or 0)}\n")
    w.write(0, f"Pods Status:\t{pod_status_line(ds, pods)}\n")
    describe_pod_template(w, sp.get("template"), now.tzinfo)
    events(w, show_events)
    return w.render()
