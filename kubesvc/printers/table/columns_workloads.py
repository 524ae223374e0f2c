"""Row functions for Pods and the workload controllers (`printPod`, `printDeployment`, ...)."""

from __future__ import annotations

from datetime import datetime

from kubesvc.api.errors import ClientError
from kubesvc.api.selectors import format_label_selector, format_labels, from_label_selector
from kubesvc.printers.duration import human_duration, parse_time
from kubesvc.printers.table.columns_core import Columns, Obj, age, meta, num, spec, status

POD_COLUMNS: Columns = [
    ("NAME", 0), ("READY", 0), ("STATUS", 0), ("RESTARTS", 0), ("AGE", 0),
    ("IP", 1), ("NODE", 1), ("NOMINATED NODE", 1), ("READINESS GATES", 1),
]
DEPLOYMENT_COLUMNS: Columns = [
    ("NAME", 0), ("READY", 0), ("UP-TO-DATE", 0), ("AVAILABLE", 0), ("AGE", 0),
    ("CONTAINERS", 1), ("IMAGES", 1), ("SELECTOR", 1),
]
REPLICASET_COLUMNS: Columns = [
    ("NAME", 0), ("DESIRED", 0), ("CURRENT", 0), ("READY", 0), ("AGE", 0),
    ("CONTAINERS", 1), ("IMAGES", 1), ("SELECTOR", 1),
]
REPLICATIONCONTROLLER_COLUMNS: Columns = REPLICASET_COLUMNS
STATEFULSET_COLUMNS: Columns = [
    ("NAME", 0), ("READY", 0), ("AGE", 0), ("CONTAINERS", 1), ("IMAGES", 1),
]
DAEMONSET_COLUMNS: Columns = [
    ("NAME", 0), ("DESIRED", 0), ("CURRENT", 0), ("READY", 0), ("UP-TO-DATE", 0),
    ("AVAILABLE", 0), ("NODE SELECTOR", 0), ("AGE", 0),
    ("CONTAINERS", 1), ("IMAGES", 1), ("SELECTOR", 1),
]


# --- Pod -----------------------------------------------------------------------------------

def is_restartable_init(container: dict | None) -> bool:
    return bool(container) and container.get("restartPolicy") == "Always"


def _condition_true(st: dict, ctype: str) -> bool:
    conditions = st.get("conditions") or []
    return any(c.get("type") == ctype and c.get("status") == "True" for c in conditions)


class _Tally:
    """Restart counts and the newest `lastState.terminated.finishedAt` seen."""

    def __init__(self) -> None:
        self.count = 0
        self.last: datetime | None = None

    def add(self, cs: dict) -> None:
        self.count += int(cs.get("restartCount") or 0)
        term = (cs.get("lastState") or {}).get("terminated")
        finished = parse_time(term.get("finishedAt")) if term is not None else None
        if finished is not None and (self.last is None or self.last < finished):
            self.last = finished


def _exit_text(term: dict, prefix: str = "") -> str:
    signal = int(term.get("signal") or 0)
    if signal != 0:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{int(term.get('exitCode') or 0)}"


def _init_status(pod: Obj, reason: str, all_restarts: _Tally, sidecars: _Tally) -> tuple:
    """Walk init container statuses; returns (reason, ready, initializing)."""
    init_specs = {c.get("name"): c for c in spec(pod).get("initContainers") or []}
    n_init = len(spec(pod).get("initContainers") or [])
    ready = 0
    for i, cs in enumerate(status(pod).get("initContainerStatuses") or []):
        all_restarts.add(cs)
        sidecar = is_restartable_init(init_specs.get(cs.get("name")))
        if sidecar:
            sidecars.add(cs)
        state = cs.get("state") or {}
        term, wait = state.get("terminated"), state.get("waiting")
        if term is not None and int(term.get("exitCode") or 0) == 0:
            continue
        if sidecar and cs.get("started") is True:
            ready += 1 if cs.get("ready") else 0
            continue
        if term is not None:
            reason = "Init:" + term["reason"] if term.get("reason") else _exit_text(term, "Init:")
        elif wait is not None and wait.get("reason") and wait.get("reason") != "PodInitializing":
            reason = "Init:" + wait["reason"]
        else:
            reason = f"Init:{i}/{n_init}"
        return reason, ready, True
    return reason, ready, False


def _main_status(pod: Obj, reason: str, tally: _Tally) -> tuple[str, int]:
    ready, has_running = 0, False
    for cs in reversed(status(pod).get("containerStatuses") or []):
        tally.add(cs)
        state = cs.get("state") or {}
        term, wait = state.get("terminated"), state.get("waiting")
        if wait is not None and wait.get("reason"):
            reason = wait["reason"]
        elif term is not None and term.get("reason"):
            reason = term["reason"]
        elif term is not None:
            reason = _exit_text(term)
        elif cs.get("ready") and state.get("running") is not None:
            has_running = True
            ready += 1
    if reason == "Completed" and has_running:
        reason = "Running" if _condition_true(status(pod), "Ready") else "NotReady"
    return reason, ready


def pod_status(pod: Obj) -> tuple[str, int, int, _Tally]:
    """printPod's STATUS algorithm: (reason, ready, total, restart tally)."""
    sp, st = spec(pod), status(pod)
    phase = st.get("phase") or ""
    reason = st.get("reason") or phase
    for cond in st.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    total = len(sp.get("containers") or [])
    total += sum(1 for c in sp.get("initContainers") or [] if is_restartable_init(c))
    all_restarts, sidecars = _Tally(), _Tally()
    reason, ready, initializing = _init_status(pod, reason, all_restarts, sidecars)
    tally = all_restarts
    if not initializing or _condition_true(st, "Initialized"):
        tally = sidecars
        reason, main_ready = _main_status(pod, reason, tally)
        ready += main_ready
    if meta(pod).get("deletionTimestamp"):
        if st.get("reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return reason, ready, total, tally


def pod_ip(pod: Obj) -> str:
    st = status(pod)
    ips = st.get("podIPs") or ([{"ip": st["podIP"]}] if st.get("podIP") else [])
    return (ips[0].get("ip") if ips else "") or "<none>"


def readiness_gates(pod: Obj) -> str:
    gates = spec(pod).get("readinessGates") or []
    if not gates:
        return "<none>"
    conditions = status(pod).get("conditions") or []
    true_count = 0
    for gate in gates:
        for cond in conditions:
            if cond.get("type") == gate.get("conditionType"):
                true_count += cond.get("status") == "True"
                break
    return f"{true_count}/{len(gates)}"


def pod_row(pod: Obj, now: datetime) -> list[str]:
    reason, ready, total, tally = pod_status(pod)
    restarts = str(tally.count)
    if tally.count != 0 and tally.last is not None:
        restarts = f"{tally.count} ({human_duration(now - tally.last)} ago)"
    return [
        meta(pod).get("name", ""), f"{ready}/{total}", reason, restarts, age(pod, now),
        pod_ip(pod), spec(pod).get("nodeName") or "<none>",
        status(pod).get("nominatedNodeName") or "<none>", readiness_gates(pod),
    ]


# --- Controllers ---------------------------------------------------------------------------

def containers_cells(template: dict | None) -> list[str]:
    """layoutContainerCells: container names and images, joined with `,`."""
    containers = ((template or {}).get("spec") or {}).get("containers") or []
    return [",".join(c.get("name", "") for c in containers),
            ",".join(c.get("image", "") for c in containers)]


def replicas(obj: Obj) -> int:
    """spec.replicas; the apps/v1 and core/v1 defaults make a missing value 1."""
    value = spec(obj).get("replicas")
    return 1 if value is None else int(value)


def selector_string(ls: dict | None) -> str:
    """LabelSelectorAsSelector(...).String(): empty for nil/{} selectors, `<invalid>` on error."""
    try:
        for expr in (ls or {}).get("matchExpressions") or []:
            op, values = expr.get("operator"), expr.get("values") or []
            set_op = op in ("In", "NotIn")
            if (set_op and not values) or (op in ("Exists", "DoesNotExist") and values):
                return "<invalid>"
        return str(from_label_selector(ls))
    except ClientError:
        return "<invalid>"


def deployment_row(d: Obj, now: datetime) -> list[str]:
    st = status(d)
    return [
        meta(d).get("name", ""), f"{int(st.get('readyReplicas') or 0)}/{replicas(d)}",
        num(st.get("updatedReplicas")), num(st.get("availableReplicas")), age(d, now),
        *containers_cells(spec(d).get("template")), selector_string(spec(d).get("selector")),
    ]


def replicaset_row(rs: Obj, now: datetime) -> list[str]:
    st = status(rs)
    return [
        meta(rs).get("name", ""), str(replicas(rs)), num(st.get("replicas")),
        num(st.get("readyReplicas")), age(rs, now),
        *containers_cells(spec(rs).get("template")),
        format_label_selector(spec(rs).get("selector")),
    ]


def replicationcontroller_row(rc: Obj, now: datetime) -> list[str]:
    st = status(rc)
    return [
        meta(rc).get("name", ""), str(replicas(rc)), num(st.get("replicas")),
        num(st.get("readyReplicas")), age(rc, now),
        *containers_cells(spec(rc).get("template")), format_labels(spec(rc).get("selector")),
    ]


def statefulset_row(sts: Obj, now: datetime) -> list[str]:
    ready = int(status(sts).get("readyReplicas") or 0)
    return [
        meta(sts).get("name", ""), f"{ready}/{replicas(sts)}", age(sts, now),
        *containers_cells(spec(sts).get("template")),
    ]


def daemonset_row(ds: Obj, now: datetime) -> list[str]:
    st = status(ds)
    template = spec(ds).get("template") or {}
    node_selector = (template.get("spec") or {}).get("nodeSelector")
    return [
        meta(ds).get("name", ""), num(st.get("desiredNumberScheduled")),
        num(st.get("currentNumberScheduled")), num(st.get("numberReady")),
        num(st.get("updatedNumberScheduled")), num(st.get("numberAvailable")),
        format_labels(node_selector), age(ds, now),
        *containers_cells(template), format_label_selector(spec(ds).get("selector")),
    ]
