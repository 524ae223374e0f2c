"""`kubectl describe` for Pods and Deployments (with their ReplicaSets)."""

from __future__ import annotations

from datetime import UTC, datetime

from kubesvc.api.selectors import from_label_selector
from kubesvc.printers.describe import pod_template as dp
from kubesvc.printers.describe.prefix_writer import (
    PrefixWriter,
    annotations_multiline,
    events,
    labels_multiline,
    now_or_local,
)
from kubesvc.printers.duration import parse_time, rfc1123z, translate_timestamp_since

POD_TEMPLATE_HASH = "pod-template-hash"


def controller_conditions(w: PrefixWriter, conditions: list[dict] | None) -> None:
    """The Type/Status/Reason table of a Deployment's or ReplicaSet's conditions (none: no
    section), as kubectl's describers print it."""
    if not conditions:
        return
    w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
    w.write(1, "----\t------\t------\n")
    for c in conditions:
        w.write(1, f"{c.get('type', '')} \t{c.get('status', '')}\t{c.get('reason', '')}\n")


def controller_ref(obj: dict) -> str:
    """printController: `Kind/name` of the controlling owner, "" when none."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return f"{ref.get('kind', '')}/{ref.get('name', '')}"
    return ""


def _conditions_table(w: PrefixWriter, conditions: list[dict]) -> None:
    w.write(0, "Conditions:\n  Type\tStatus\n")
    for c in conditions:
        w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \n")


def describe_pod(pod: dict, *, show_events: bool = True, now: datetime | None = None) -> str:
    """describePod."""
    now = now_or_local(now)
    md, sp, st = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    if sp.get("priority") is not None:
        w.write(0, f"Priority:\t{int(sp['priority'])}\n")
    for title, field in (("Priority Class Name", "priorityClassName"),
                         ("Runtime Class Name", "runtimeClassName"),
                         ("Service Account", "serviceAccountName")):
        if sp.get(field):
            w.write(0, f"{title}:\t{sp[field]}\n")
    node = sp.get("nodeName")
    w.write(0, f"Node:\t{node}/{st.get('hostIP') or ''}\n" if node else "Node:\t<none>\n")
    if st.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123z(st['startTime'], now.tzinfo)}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    if md.get("deletionTimestamp") and st.get("phase") not in ("Failed", "Succeeded"):
        lasts = translate_timestamp_since(md["deletionTimestamp"], now)
        w.write(0, f"Status:\tTerminating (lasts {lasts})\n")
        grace = int(md.get("deletionGracePeriodSeconds") or 0)
        w.write(0, f"Termination Grace Period:\t{grace}s\n")
    else:
        w.write(0, f"Status:\t{st.get('phase') or ''}\n")
    for title, field in (("Reason", "reason"), ("Message", "message")):
        if st.get(field):
            w.write(0, f"{title}:\t{st[field]}\n")
    seccomp = (sp.get("securityContext") or {}).get("seccompProfile")
    if seccomp is not None:
        w.write(0, f"SeccompProfile:\t{seccomp.get('type', '')}\n")
        if seccomp.get("type") == "Localhost":
            w.write(0, f"LocalhostProfile:\t{seccomp.get('localhostProfile') or ''}\n")
    w.write(0, f"IP:\t{st.get('podIP') or ''}\n")
    ips = st.get("podIPs") or ([{"ip": st["podIP"]}] if st.get("podIP") else [])
    if not ips:
        w.write(0, "IPs:\t<none>\n")
    else:
        w.write(0, "IPs:\n")
        for ip in ips:
            w.write(1, f"IP:\t{ip.get('ip', '')}\n")
    if controller_ref(pod):
        w.write(0, f"Controlled By:\t{controller_ref(pod)}\n")
    if st.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{st['nominatedNodeName']}\n")
    if sp.get("resources") is not None:
        w.write(0, "Resources:\n")
        dp.describe_resources(w, sp["resources"], 1)
    tz = now.tzinfo
    if sp.get("initContainers"):
        dp.describe_containers(w, "Init Containers", sp["initContainers"],
                               st.get("initContainerStatuses"), pod, "", tz)
    dp.describe_containers(w, "Containers", sp.get("containers") or [], st.get("containerStatuses"),
                           pod, "", tz)
    if sp.get("ephemeralContainers"):
        dp.describe_containers(w, "Ephemeral Containers", sp["ephemeralContainers"],
                               st.get("ephemeralContainerStatuses"), pod, "", tz)
    if sp.get("readinessGates"):
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        for gate in sp["readinessGates"]:
            found = next((c for c in st.get("conditions") or []
                          if c.get("type") == gate.get("conditionType")), None)
            status = "<none>" if found is None else found.get("status", "")
            w.write(1, f"{gate.get('conditionType', '')} \t{status} \n")
    if st.get("conditions"):
        _conditions_table(w, st["conditions"])
    dp.describe_volumes(w, sp.get("volumes"), "")
    w.write(0, f"QoS Class:\t{dp.qos_class(pod)}\n")
    labels_multiline(w, "Node-Selectors", sp.get("nodeSelector"))
    dp.tolerations_multiline(w, "Tolerations", sp.get("tolerations"))
    dp.topology_spread(w, sp.get("topologySpreadConstraints"), "")
    events(w, show_events)
    return w.render()


def describe_pod_template(w: PrefixWriter, template: dict | None, tz) -> None:
    """DescribePodTemplate, as used by Deployments, ReplicaSets and the like."""
    w.write(0, "Pod Template:\n")
    if template is None:
        w.write(1, "<unset>")
        return
    md, sp = template.get("metadata") or {}, template.get("spec") or {}
    labels_multiline(w, "  Labels", md.get("labels"))
    if md.get("annotations"):
        annotations_multiline(w, "  Annotations", md["annotations"])
    if sp.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{sp['serviceAccountName']}\n")
    if sp.get("initContainers"):
        dp.describe_containers(w, "Init Containers", sp["initContainers"], None, None, "  ", tz)
    dp.describe_containers(w, "Containers", sp.get("containers") or [], None, None, "  ", tz)
    dp.describe_volumes(w, sp.get("volumes"), "  ")
    dp.topology_spread(w, sp.get("topologySpreadConstraints"), "  ")
    if sp.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{sp['priorityClassName']}\n")
    labels_multiline(w, "  Node-Selectors", sp.get("nodeSelector"))
    dp.tolerations_multiline(w, "  Tolerations", sp.get("tolerations"))


# --- Deployment ----------------------------------------------------------------------------

def _without_hash(template: dict | None) -> dict:
    template = dict(template or {})
    md = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (md.get("labels") or {}).items() if k != POD_TEMPLATE_HASH}
    md["labels"] = labels
    template["metadata"] = {k: v for k, v in md.items() if v not in ({}, None)}
    return template


_OLDEST = datetime.min.replace(tzinfo=UTC)


def _created_then_name(rs: dict) -> tuple:
    md = rs.get("metadata") or {}
    return parse_time(md.get("creationTimestamp")) or _OLDEST, md.get("name", "")


def split_replica_sets(deploy: dict, replica_sets: list[dict]) -> tuple[list[dict], dict | None]:
    """deploymentutil.GetAllReplicaSets: the ReplicaSets the Deployment selects and controls,
    oldest first; the new one is the first whose template equals the Deployment's (hash ignored)."""
    md, sp = deploy.get("metadata") or {}, deploy.get("spec") or {}
    uid, selector = md.get("uid"), from_label_selector(sp.get("selector"))
    owned = []
    for rs in replica_sets:
        rmd = rs.get("metadata") or {}
        refs = rmd.get("ownerReferences") or []
        controller = next((r for r in refs if r.get("controller")), None)
        if not selector.matches(rmd.get("labels")) or rmd.get("namespace") != md.get("namespace"):
            continue
        if uid is None or (controller is not None and controller.get("uid") == uid):
            owned.append(rs)
    owned.sort(key=_created_then_name)
    want = _without_hash(sp.get("template"))
    new = next((rs for rs in owned
                if _without_hash((rs.get("spec") or {}).get("template")) == want), None)
    new_uid = None if new is None else (new.get("metadata") or {}).get("uid")
    return [rs for rs in owned if rs is not new
            and (new_uid is None or (rs.get("metadata") or {}).get("uid") != new_uid)], new


def _rs_list(rss: list[dict]) -> str:
    parts = []
    for rs in rss:
        desired = (rs.get("spec") or {}).get("replicas")
        current = int((rs.get("status") or {}).get("replicas") or 0)
        parts.append(f"{(rs.get('metadata') or {}).get('name', '')} ({current}/"
                     f"{1 if desired is None else int(desired)} replicas created)")
    return ", ".join(parts) or "<none>"


def describe_deployment(deploy: dict, replica_sets: list[dict] = (), *, show_events: bool = True,
                        now: datetime | None = None) -> str:
    """describeDeployment; `replica_sets` may be every ReplicaSet of the namespace."""
    now = now_or_local(now)
    md, sp, st = deploy.get("metadata") or {}, deploy.get("spec") or {}, deploy.get("status") or {}
    selector = str(from_label_selector(sp.get("selector")))
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(md.get('creationTimestamp'), now.tzinfo)}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Selector:\t{selector}\n")
    desired = 1 if sp.get("replicas") is None else int(sp["replicas"])
    counts = [int(st.get(k) or 0) for k in
              ("updatedReplicas", "replicas", "availableReplicas", "unavailableReplicas")]
    w.write(0, f"Replicas:\t{desired} desired | {counts[0]} updated | {counts[1]} total | "
               f"{counts[2]} available | {counts[3]} unavailable\n")
    strategy = sp.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type') or ''}\n")
    w.write(0, f"MinReadySeconds:\t{int(sp.get('minReadySeconds') or 0)}\n")
    if strategy.get("rollingUpdate") is not None:
        ru = strategy["rollingUpdate"]
        unavailable = "<nil>" if ru.get("maxUnavailable") is None else ru["maxUnavailable"]
        surge = "<nil>" if ru.get("maxSurge") is None else ru["maxSurge"]
        w.write(0, f"RollingUpdateStrategy:\t{unavailable} max unavailable, {surge} max surge\n")
    describe_pod_template(w, sp.get("template"), now.tzinfo)
    controller_conditions(w, st.get("conditions"))
    old, new = split_replica_sets(deploy, list(replica_sets))
    if old or new is not None:
        w.write(0, f"OldReplicaSets:\t{_rs_list(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_rs_list([new] if new is not None else [])}\n")
    events(w, show_events)
    return w.render()
