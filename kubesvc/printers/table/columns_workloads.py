"""Row functions for Pods and the workload controllers (`printPod`, `printDeployment`, ...)."""

from __future__ import annotations

from datetime import datetime

from kubesvc.api import table_cells as cells
from kubesvc.api.errors import ClientError
from kubesvc.api.selectors import format_label_selector, format_labels, from_label_selector
from kubesvc.printers.duration import human_duration, parse_time
from kubesvc.printers.table.columns_core import Ages, Columns, Obj, age, meta, num, spec, status

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
# The clock-free cells come from kubesvc.api.table_cells (also what the store keeps as the
# pod's summary); `finish_pod` adds what depends on the clock: AGE and RESTARTS' "(N ago)".

def pod_row(pod: Obj, now: datetime) -> list[str]:
    return finish_pod(meta(pod).get("name", ""), cells.pod_cells(pod), Ages(now))


def finish_pod(name: str, c: list[str], ages: Ages) -> list[str]:
    """The row from a pod's summary cells (table_cells.pod_cells)."""
    restarts = c[2]
    if restarts != "0" and c[8]:
        last = max((t for t in map(parse_time, c[8].split(cells.LIST_SEP)) if t is not None),
                   default=None)
        if last is not None:
            restarts = f"{restarts} ({human_duration(ages.now - last)} ago)"
    return [name, c[0], c[1], restarts, ages(c[3]), c[4], c[5], c[6], c[7]]


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
