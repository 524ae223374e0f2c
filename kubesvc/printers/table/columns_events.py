"""Row functions for Events and Leases (kubernetes `pkg/printers/internalversion/printers.go`:
printEvent, printLease). `kubectl get events` prints them in the API server's order (etcd key
order); neither the server's table nor kubectl sorts them unless `--sort-by` is given."""

from __future__ import annotations

from datetime import datetime

from kubesvc.api.objects import meta, spec
from kubesvc.printers.duration import translate_timestamp_since
from kubesvc.printers.table.columns_core import Columns, Obj

EVENT_COLUMNS: Columns = [
    ("LAST SEEN", 0), ("TYPE", 0), ("REASON", 0), ("OBJECT", 0), ("SUBOBJECT", 1),
    ("SOURCE", 1), ("MESSAGE", 0), ("FIRST SEEN", 1), ("COUNT", 1), ("NAME", 1),
]
LEASE_COLUMNS: Columns = [("NAME", 0), ("HOLDER", 0), ("AGE", 0)]


def _source(event: Obj) -> str:
    """formatEventSource: component (or reportingComponent), then `, host` (or instance)."""
    src = event.get("source") or {}
    component = src.get("component") or event.get("reportingComponent") or ""
    instance = src.get("host") or event.get("reportingInstance") or ""
    return f"{component}, {instance}" if instance else component


def event_row(event: Obj, now: datetime) -> list[str]:
    first = (translate_timestamp_since(event.get("firstTimestamp"), now)
             if event.get("firstTimestamp")
             else translate_timestamp_since(event.get("eventTime"), now))
    last = (translate_timestamp_since(event["lastTimestamp"], now)
            if event.get("lastTimestamp") else first)
    count = int(event.get("count") or 0)
    series = event.get("series")
    if series is not None:
        last = translate_timestamp_since(series.get("lastObservedTime"), now)
        count = int(series.get("count") or 0)
    elif count == 0:  # singleton events of the new API carry no count
        count = 1
    ref = event.get("involvedObject") or {}
    kind = str(ref.get("kind", "")).lower()
    target = f"{kind}/{ref['name']}" if ref.get("name") else kind
    return [last, event.get("type", ""), event.get("reason", ""), target,
            ref.get("fieldPath", ""), _source(event), str(event.get("message", "")).strip(),
            first, str(count), meta(event).get("name", "")]


def lease_row(lease: Obj, now: datetime) -> list[str]:
    holder = spec(lease).get("holderIdentity")
    return [meta(lease).get("name", ""), holder or "",
            translate_timestamp_since(meta(lease).get("creationTimestamp"), now)]
