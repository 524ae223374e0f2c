"""Bulk writes of controller output: many objects in a few statements.

The controllers write thousands of objects in one command (an EndpointSlice and an Endpoints
per Service, events). `Store.put` costs an SQL round trip per object and per label set; here
one `executemany` stores every body, one every label row, and the resourceVersions come from
one range reserved at once (`reserve_resource_versions`).

`put_objects` is the ONE function through which bulk writes reach the tables: whatever
per-row data the store derives from an object (today its label rows) must be maintained here
as in `Store.put`, so a hook for more derived data goes in one place.
"""

from __future__ import annotations

from collections.abc import Iterable

from kubesvc.store import codec, pod_facts
from kubesvc.store.db import Store, summary_row

_UPSERT = ("INSERT INTO objects (gk, namespace, name, body) VALUES (?, ?, ?, ?) "
           "ON CONFLICT (gk, namespace, name) DO UPDATE SET body=excluded.body")
# with the `get` summary (store format 2), kept current with every body as Store.put does
_UPSERT_SUMMARY = ("INSERT INTO objects (gk, namespace, name, body, summary) "
                   "VALUES (?, ?, ?, ?, ?) ON CONFLICT (gk, namespace, name) "
                   "DO UPDATE SET body=excluded.body, summary=excluded.summary")
_DROP_LABELS = ("DELETE FROM labels WHERE object_id="
                "(SELECT id FROM objects WHERE gk=? AND namespace=? AND name=?)")
_ADD_LABEL = ("INSERT INTO labels SELECT id, ?, ? FROM objects "
              "WHERE gk=? AND namespace=? AND name=?")


def reserve_resource_versions(store: Store, count: int) -> int:
    """Take `count` consecutive resourceVersions at once; returns the first one. The same
    numbers `count` calls of `Store.next_resource_version` would have handed out (the store
    keeps the counter in memory during a write transaction: never UPDATE its row here)."""
    return store.reserve_resource_versions(count)


def put_objects(store: Store, rows: Iterable[tuple[str, dict, dict | None]]) -> None:
    """Insert or replace objects (metadata already filled) in the given order.

    Each row is (gk, object, labels the stored object had before: None when the caller knows
    it is new). Equivalent to `Store.put(gk, obj, new=old_labels is None)` for every row: the
    body, then the label rows, rewritten only when the labels changed (and a pod's facts)."""
    with_summary = store.has_summary
    bodies: list[tuple] = []
    drop: list[tuple[str, str, str]] = []
    add: list[tuple[str, str, str, str, str]] = []
    pods: list[tuple[str, str, dict]] = []
    for gk, obj, old_labels in rows:
        meta = obj["metadata"]
        ns, name = meta.get("namespace", ""), meta["name"]
        body = codec.dumps(obj)  # as Store.put writes it
        if gk == "Pod":
            pods.append((ns, name, obj))
        bodies.append((gk, ns, name, body, summary_row(gk, obj)) if with_summary
                      else (gk, ns, name, body))
        labels = meta.get("labels") or {}
        if old_labels is not None:
            if old_labels == labels:
                continue
            drop.append((gk, ns, name))
        add.extend((k, str(v), gk, ns, name) for k, v in labels.items())
    conn = store.conn
    conn.executemany(_UPSERT_SUMMARY if with_summary else _UPSERT, bodies)
    if pods:  # what the endpoint controllers read, kept with the body (store/pod_facts.py)
        pod_facts.put_many(conn, pods)
    if drop:
        conn.executemany(_DROP_LABELS, drop)
    if add:
        conn.executemany(_ADD_LABEL, add)
