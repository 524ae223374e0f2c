"""`kubectl get` tables: per-kind columns and the decorations kubectl adds client-side.

`table_for` reproduces cli-runtime `decorateTable` + `printTable`: wide-only columns (priority 1)
are dropped unless `wide`, NAMESPACE comes first with `-A` (never for cluster-scoped kinds), `-L`
label columns and LABELS come last, and `show_kind_prefix` turns `web` into `service/web`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime

from kubesvc.api import table_cells
from kubesvc.api.selectors import format_labels
from kubesvc.printers.table import columns_core as core
from kubesvc.printers.table import columns_events as events
from kubesvc.printers.table import columns_networking as net
from kubesvc.printers.table import columns_workloads as work
from kubesvc.printers.table.service_text import CHUNK_ROWS as _CHUNK_ROWS
from kubesvc.printers.table.service_text import (
    SERVICE_FIELDS,
    PodGroups,
    ServiceGroups,
    SummaryFields,
    groups_text,
)
from kubesvc.printers.table.service_text import SPECIAL as _SPECIAL
from kubesvc.printers.table.tabwriter import render_flat, render_table

RowFunc = Callable[[dict, datetime], list[str]]

PRINTERS: dict[str, tuple[core.Columns, RowFunc]] = {
    "Service": (core.SERVICE_COLUMNS, core.service_row),
    "Endpoints": (core.ENDPOINTS_COLUMNS, core.endpoints_row),
    "EndpointSlice": (core.ENDPOINTSLICE_COLUMNS, core.endpointslice_row),
    "Node": (core.NODE_COLUMNS, core.node_row),
    "Namespace": (core.NAMESPACE_COLUMNS, core.namespace_row),
    "Pod": (work.POD_COLUMNS, work.pod_row),
    "Deployment": (work.DEPLOYMENT_COLUMNS, work.deployment_row),
    "ReplicaSet": (work.REPLICASET_COLUMNS, work.replicaset_row),
    "StatefulSet": (work.STATEFULSET_COLUMNS, work.statefulset_row),
    "DaemonSet": (work.DAEMONSET_COLUMNS, work.daemonset_row),
    "ReplicationController": (work.REPLICATIONCONTROLLER_COLUMNS, work.replicationcontroller_row),
    "ConfigMap": (core.CONFIGMAP_COLUMNS, core.configmap_row),
    "Secret": (core.SECRET_COLUMNS, core.secret_row),
    "ServiceAccount": (core.SERVICEACCOUNT_COLUMNS, core.serviceaccount_row),
    "Ingress": (core.INGRESS_COLUMNS, core.ingress_row),
    "IngressClass": (net.INGRESSCLASS_COLUMNS, net.ingressclass_row),
    "NetworkPolicy": (net.NETWORKPOLICY_COLUMNS, net.networkpolicy_row),
    "Event": (events.EVENT_COLUMNS, events.event_row),
    "Lease": (events.LEASE_COLUMNS, events.lease_row),
}
GENERIC = (core.GENERIC_COLUMNS, core.generic_row)

# Kinds whose rows can be printed from the store's summary column: cells -> row, as the row
# function itself builds it (kubesvc.api.table_cells).
FinishFunc = Callable[[str, list[str], core.Ages], list[str]]
FINISH: dict[str, FinishFunc] = {"Pod": work.finish_pod, "Service": core.finish_service}

# Kinds whose REST scope is the cluster: `-A` adds no NAMESPACE column for them.
CLUSTER_SCOPED = frozenset({
    "Node", "Namespace", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "IngressClass", "PriorityClass", "RuntimeClass", "CSIDriver",
    "CSINode", "VolumeAttachment", "APIService", "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration", "CertificateSigningRequest", "ServiceCIDR", "IPAddress",
    "ComponentStatus",
})


def printer_for(kind: str) -> tuple[core.Columns, RowFunc]:
    """The column definitions and row function for `kind` (NAME/AGE for unknown kinds)."""
    return PRINTERS.get(kind, GENERIC)


def headers_for(kind: str, wide: bool = False) -> list[str]:
    columns, _ = printer_for(kind)
    return [name for name, prio in columns if wide or prio == 0]


def row_for(kind: str, obj: dict, now: datetime, wide: bool = False) -> list[str]:
    columns, row = printer_for(kind)
    cells = row(obj, now)
    return [c for (_, prio), c in zip(columns, cells, strict=True) if wide or prio == 0]


def label_header(key: str) -> str:
    """formatLabelHeaders: the part after the last `/`, upper-cased."""
    return key.rsplit("/", 1)[-1].upper()


def is_namespaced(kind: str, objects: Iterable[dict] = ()) -> bool:
    if kind in CLUSTER_SCOPED:
        return False
    if kind in PRINTERS:
        return True
    objs = list(objects)
    return not objs or any((o.get("metadata") or {}).get("namespace") for o in objs)


def table_for(
    kind: str,
    objects: list[dict],
    now: datetime,
    *,
    wide: bool = False,
    all_namespaces: bool = False,
    show_labels: bool = False,
    label_columns: Iterable[str] = (),
    no_headers: bool = False,
    show_kind_prefix: str | None = None,
) -> str:
    """Render `objects` (all of one `kind`) as `kubectl get` prints them; "" when empty."""
    label_keys = list(label_columns)
    with_ns = all_namespaces and is_namespaced(kind, objects)
    headers = headers_for(kind, wide)
    headers = (["NAMESPACE"] if with_ns else []) + headers + [label_header(k) for k in label_keys]
    if show_labels:
        headers.append("LABELS")
    rows = []
    for obj in objects:
        md = obj.get("metadata") or {}
        cells = row_for(kind, obj, now, wide)
        if show_kind_prefix:
            cells[0] = f"{show_kind_prefix.lower()}/{cells[0]}"
        labels = md.get("labels") or {}
        cells.extend(labels.get(k, "") for k in label_keys)
        if show_labels:
            cells.append(format_labels(labels))
        rows.append(([md.get("namespace", "")] if with_ns else []) + cells)
    return render_table(headers, rows, no_headers=no_headers)


def summary_table(
    kind: str,
    rows: list[tuple],
    now: datetime,
    *,
    wide: bool = False,
    all_namespaces: bool = False,
    no_headers: bool = False,
    show_kind_prefix: str | None = None,
) -> str | Chunks:
    """`table_for` from the store's rows (namespace, name, summary, body) of a kind in FINISH:
    the same bytes, without decoding bodies (a row without a current summary is computed from
    its body)."""
    columns, _ = printer_for(kind)
    finish, compute = FINISH[kind], table_cells.CELLS[kind]
    tag = table_cells.SUMMARY_VERSION + table_cells.SEP
    skip, sep = len(tag), table_cells.SEP
    ages = core.Ages(now)
    keep = [i for i, (_, prio) in enumerate(columns) if wide or prio == 0]
    every = len(keep) == len(columns)
    with_ns = all_namespaces and kind not in CLUSTER_SCOPED
    prefix = f"{show_kind_prefix.lower()}/" if show_kind_prefix else ""
    out = []
    # a pod's narrow row needs its first four cells only (and the last one, after restarts):
    # the rest of its summary (wide cells, the brief) is left unsplit
    short = kind == "Pod" and keep == [0, 1, 2, 3, 4]
    if isinstance(rows, ServiceGroups | PodGroups) and not prefix:
        text = groups_text(kind, rows, ages, wide, with_ns, no_headers)
        if text is not None:
            return text
    if isinstance(rows, PodGroups):
        rows = rows.rows()
    if isinstance(rows, ServiceGroups):
        rows = rows.fields()
    if isinstance(rows, SummaryFields):
        if kind == "Service" and len(columns) == 7 and not prefix:
            return _service_text(rows, ages, wide, with_ns, no_headers)
        rows = rows.rows()
    if kind == "Service" and len(columns) == 7 and not prefix:  # finish_service's row, inline
        return render_flat((["NAMESPACE"] if with_ns else []) + headers_for(kind, wide),
                           _service_cells(rows, ages, wide, with_ns, compute),
                           len(keep) + with_ns, no_headers=no_headers)
    for ns, name, summary, body in rows:
        if summary is not None and summary.startswith(tag):
            if short:
                cells = summary[skip:].split(sep, 4)
                if cells[2] == "0":  # finish_pod's row when there was no restart
                    row = [prefix + name, cells[0], cells[1], "0", ages(cells[3])]
                    out.append([ns, *row] if with_ns else row)
                    continue
            cells = summary[skip:].split(sep)
        else:
            cells = compute(json.loads(body))  # no summary (yet): the body it is made from
        row = finish(prefix + name, cells, ages)
        if not every:
            row = [row[i] for i in keep]
        out.append([ns, *row] if with_ns else row)
    headers = (["NAMESPACE"] if with_ns else []) + headers_for(kind, wide)
    return render_table(headers, out, no_headers=no_headers)


class Chunks(list):
    """A table's text in pieces, in order (written one by one: a big table is never one
    string, nor encoded as one)."""




def _service_text(parts: SummaryFields, ages: core.Ages, wide: bool, with_ns: bool,
                  no_headers: bool) -> str | Chunks:
    """_service_cells + render_flat over a SummaryFields, the cells never copied into rows:
    the AGE cells replace the timestamps in place, and one line format prints every row,
    a `%.0s` swallowing each field that is not shown (the version tag; NAMESPACE without
    -A; SELECTOR unless wide). The same text as render_flat, in Chunks; a table whose text
    is not plain ASCII with one newline a line (a cell render_flat would not print this way)
    takes render_flat itself."""
    f = SERVICE_FIELDS
    stamps = parts[7::f]
    parts[7::f] = ages.column(stamps)
    shown = [with_ns, True, False, True, True, True, True, True, wide]
    header = ["NAMESPACE", "NAME", "", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE",
              "SELECTOR"]
    last = max(i for i in range(f) if shown[i])
    line = []
    for i in range(f):
        if not shown[i]:
            line.append("%.0s")
        elif i == last:
            line.append("%s")
        else:
            longest = max(map(len, parts[i::f]))
            if not no_headers:
                longest = max(longest, len(header[i]))
            line.append(f"%-{max(6, longest + 3)}s")
    fmt = "".join(line) + "\n"
    out = Chunks() if no_headers else Chunks([fmt % tuple(header)])
    step = _CHUNK_ROWS * f
    for start in range(0, len(parts), step):
        piece = parts[start:start + step]
        text = (fmt * (len(piece) // f)) % tuple(piece)
        if not text.isascii() or text.count("\n") != len(piece) // f or any(
                ch in text for ch in _SPECIAL[:1] + _SPECIAL[2:]):
            parts[7::f] = stamps
            return render_flat((["NAMESPACE"] if with_ns else []) + headers_for("Service", wide),
                               _service_cells(parts.rows(), ages, wide, with_ns,
                                              table_cells.CELLS["Service"]),
                               7 + wide + with_ns - 1, no_headers=no_headers)
        out.append(text)
    return out


def _service_cells(rows: list[tuple], ages: core.Ages, wide: bool, with_ns: bool,
                   compute) -> list[str]:
    """summary_table's Service rows, their cells in one flat list: finish_service (NAME,
    TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S), AGE, and SELECTOR when wide) written out, with
    Ages' remembered cells looked up in place: the loop that `get svc -A -o wide` over ten
    thousand Services spends its time in."""
    tag = table_cells.SUMMARY_VERSION + table_cells.SEP
    skip, sep = len(tag), table_cells.SEP
    tails, hours = ages.remembered()
    out: list[str] = []
    add = out.extend
    for ns, name, summary, body in rows:
        if summary is not None and summary.startswith(tag):
            c = summary[skip:].split(sep)
        else:
            c = compute(json.loads(body))  # no summary (yet): the body it is made from
        ts = c[4]
        half = tails.get(ts[13:])
        age = hours.get(ts[:13] + half) if half is not None else None
        if age is None:
            age = ages(ts)
        if with_ns:
            add((ns, name, c[0], c[1], c[2], c[3], age, c[5]) if wide else
                (ns, name, c[0], c[1], c[2], c[3], age))
        else:
            add((name, c[0], c[1], c[2], c[3], age, c[5]) if wide else
                (name, c[0], c[1], c[2], c[3], age))
    return out

