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

import json
import sqlite3
from collections.abc import Iterable, Sequence

from kubesvc.api import table_cells
from kubesvc.store import codec, pod_facts
from kubesvc.store.db import Store, insert_rows, summary_row

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


def put_objects(store: Store, rows: Iterable[tuple[str, dict, dict | None]],
                bodies: Sequence[str | None] | None = None) -> None:
    """Insert or replace objects (metadata already filled) in the given order.

    Each row is (gk, object, labels the stored object had before: None when the caller knows
    it is new). Equivalent to `Store.put(gk, obj, new=old_labels is None)` for every row: the
    body, then the label rows, rewritten only when the labels changed (and a pod's facts).

    New objects get the row ids SQLite would give them (one past the largest, in order), set
    explicitly, so their label rows go in without a lookup by key each; should a "new" object
    exist after all, the whole batch is written again the careful way (`_put_by_key`).
    `bodies[i]`, when given and not None, is row i's JSON text as `codec.dumps` writes it,
    serialized by a caller that knows a faster way to the same text."""
    prepared = []
    pods = []
    for i, (gk, obj, old_labels) in enumerate(rows):
        body = bodies[i] if bodies is not None else None
        prepared.append(object_row(store, gk, obj, old_labels, body))
        if gk == "Pod":
            pods.append(obj)
    put_rows(store, prepared, pods)


def object_row(store: Store, gk: str, obj: dict, old_labels: dict | None,
               body: str | None = None) -> tuple:
    """The row `put_rows` writes for an object (see `put_objects`)."""
    meta = obj["metadata"]
    if body is None:
        body = codec.dumps(obj)  # as Store.put writes it
    return (gk, meta.get("namespace", ""), meta["name"], body,
            summary_row(gk, obj) if store.has_summary else None,
            meta.get("labels") or {}, old_labels)


def text_row(store: Store, gk: str, namespace: str, name: str, body: str,
             labels: dict) -> tuple:
    """The row `put_rows` writes for a new object a caller serialized itself (`body` is
    `codec.dumps`' text of it; not a Pod: a pod's facts need the object)."""
    summary = None
    if has_summary(store, gk):  # a kind with a summary: from the object
        summary = summary_row(gk, json.loads(body))
    return gk, namespace, name, body, summary, labels, None


def has_summary(store: Store, gk: str) -> bool:
    """Whether the store keeps a `summary` for objects of this kind (else the row's is None)."""
    return store.has_summary and gk in table_cells.CELLS


def put_rows(store: Store, prepared: list[tuple], pods: Sequence[dict] = ()) -> None:
    """Write rows (gk, namespace, name, body, summary, labels, old labels or None when new),
    in order (`object_row`, `text_row`); `pods`: the Pod objects among them (their facts)."""
    if not prepared:
        return
    with_summary = store.has_summary
    conn = store.conn
    if len(prepared) >= BIG_BATCH:
        _grow_cache(conn)
    conn.execute("SAVEPOINT put_objects")
    try:
        _put_with_ids(conn, prepared, with_summary)
    except sqlite3.IntegrityError:
        conn.execute("ROLLBACK TO put_objects")
        _put_by_key(conn, prepared, with_summary)
    conn.execute("RELEASE put_objects")  # (on an error, the caller's rollback ends it)
    if pods:  # what the endpoint controllers read, kept with the body (store/pod_facts.py)
        pod_facts.put_many(conn, pods)


BIG_BATCH = 2000
CACHE_KIB = 64 * 1024


def expect_big_write(store: Store) -> None:
    """Many rows will be written in several batches (`put_rows` grows the cache itself only
    for one big batch): the same larger page cache from now on."""
    _grow_cache(store.conn)


def _grow_cache(conn: sqlite3.Connection) -> None:
    """A big batch dirties more pages than SQLite's default 2 MiB page cache holds: they would
    be spilled to the WAL and read back while the indexes grow. This connection keeps up to
    64 MiB of pages from now on (a bulk command's connection: memory it uses anyway)."""
    size = conn.execute("PRAGMA cache_size").fetchone()[0]
    if 0 > size > -CACHE_KIB or 0 <= size < CACHE_KIB // 4:  # KiB when negative, else pages
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")


_INSERT_HEAD = "INSERT INTO objects (id, gk, namespace, name, body) VALUES "
_INSERT_SUMMARY_HEAD = "INSERT INTO objects (id, gk, namespace, name, body, summary) VALUES "


def _put_with_ids(conn: sqlite3.Connection, prepared: list, with_summary: bool) -> None:
    """Runs of creates (explicit ids, plain INSERT: an existing key fails; multi-row
    statements, `insert_rows`) and of updates, each one `executemany`, in the rows' order."""
    next_id = (conn.execute("SELECT max(id) FROM objects").fetchone()[0] or 0) + 1
    runs: list[tuple[bool, list, list, list]] = []  # (creates?, bodies, labels, dropped)
    for gk, ns, name, body, summary, labels, old_labels in prepared:
        create = old_labels is None
        if not runs or runs[-1][0] != create:
            runs.append((create, [], [], []))
        _, bodies, labels_out, drop = runs[-1]
        if create:
            oid = next_id
            next_id += 1
            bodies.append((oid, gk, ns, name, body, summary) if with_summary
                          else (oid, gk, ns, name, body))
            labels_out += [(oid, k, str(v)) for k, v in labels.items()]
        else:
            bodies.append((gk, ns, name, body, summary) if with_summary
                          else (gk, ns, name, body))
            if old_labels != labels:
                drop.append((gk, ns, name))
                labels_out.extend((k, str(v), gk, ns, name) for k, v in labels.items())
    for create, bodies, labels_out, drop in runs:
        if create:
            if with_summary:
                insert_rows(conn, _INSERT_SUMMARY_HEAD, 6, bodies)
            else:
                insert_rows(conn, _INSERT_HEAD, 5, bodies)
            if labels_out:
                insert_rows(conn, "INSERT INTO labels VALUES ", 3, labels_out)
        else:
            conn.executemany(_UPSERT_SUMMARY if with_summary else _UPSERT, bodies)
            if drop:
                conn.executemany(_DROP_LABELS, drop)
            if labels_out:
                conn.executemany(_ADD_LABEL, labels_out)


def _put_by_key(conn: sqlite3.Connection, prepared: list, with_summary: bool) -> None:
    """Every row an upsert by key, label rows found by key."""
    bodies: list[tuple] = []
    drop: list[tuple[str, str, str]] = []
    add: list[tuple[str, str, str, str, str]] = []
    for gk, ns, name, body, summary, labels, old_labels in prepared:
        bodies.append((gk, ns, name, body, summary) if with_summary else (gk, ns, name, body))
        if old_labels is not None:
            if old_labels == labels:
                continue
            drop.append((gk, ns, name))
        add.extend((k, str(v), gk, ns, name) for k, v in labels.items())
    conn.executemany(_UPSERT_SUMMARY if with_summary else _UPSERT, bodies)
    if drop:
        conn.executemany(_DROP_LABELS, drop)
    if add:
        conn.executemany(_ADD_LABEL, add)
