"""The `Events:` section of `kubectl describe` (kubectl `pkg/describe/describe.go`: `searchEvents`
and `DescribeEvents`).

`DescribeEvents` flushes the describer's tabwriter before its own table, so the table is aligned
on its own; only the empty case (`Events:  <none>`) shares the describer's columns, which is why
the describers write that line themselves and this module renders the non-empty table.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from kubesvc.printers.describe.prefix_writer import PrefixWriter
from kubesvc.printers.duration import parse_time, translate_timestamp_since

_ZERO = datetime.min.replace(tzinfo=UTC)


def involves(event: dict, obj: dict, uid: str | None = None) -> bool:
    """searchEvents' field selector: involvedObject.name, .namespace, .kind, and .uid when the
    reference has one (`uid` overrides it: node describe also asks for uid == node name)."""
    ref, md = event.get("involvedObject") or {}, obj.get("metadata") or {}
    want_uid = md.get("uid") if uid is None else uid
    return (ref.get("name", "") == md.get("name", "")
            and ref.get("namespace", "") == md.get("namespace", "")
            and (not obj.get("kind") or ref.get("kind", "") == obj["kind"])
            and (not want_uid or ref.get("uid", "") == want_uid))


def events_for(obj: dict, candidates: Iterable[dict]) -> list[dict]:
    """The events describe shows for `obj`; a Node's are those by its uid and by its name
    (controllers record node.uid, the kubelet node.name), the first query's first."""
    items = list(candidates)
    found = [e for e in items if involves(e, obj)]
    if obj.get("kind") == "Node":
        name = (obj.get("metadata") or {}).get("name", "")
        found += [e for e in items if involves(e, obj, uid=name)]
    return found


def _last(event: dict) -> datetime:
    return parse_time(event.get("lastTimestamp")) or _ZERO


def _age(event: dict, now: datetime) -> str:
    first = (translate_timestamp_since(event["eventTime"], now) if event.get("eventTime")
             else translate_timestamp_since(event.get("firstTimestamp"), now))
    series = event.get("series")
    if series is not None:
        last = translate_timestamp_since(series.get("lastObservedTime"), now)
        return f"{last} (x{int(series.get('count') or 0)} over {first})"
    count = int(event.get("count") or 0)
    if count > 1:
        last = translate_timestamp_since(event.get("lastTimestamp"), now)
        return f"{last} (x{count} over {first})"
    return first


def describe_events(items: list[dict], now: datetime) -> str:
    """DescribeEvents for a non-empty list: sorted by lastTimestamp (event.SortableEvents)."""
    w = PrefixWriter()
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for e in sorted(items, key=_last):
        source = (e.get("source") or {}).get("component") or e.get("reportingComponent") or ""
        w.write(1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{_age(e, now)}\t{source}\t"
                   f"{str(e.get('message', '')).strip()}\n")
    return w.render()
