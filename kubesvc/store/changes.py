"""The change log `kubesvc serve`'s watches read: what changed in the state since a
resourceVersion, whoever wrote it (the server itself, the CLI in another process).

Nothing here costs a normal write a row. Three parts, made by `ensure` when a state is first
served (no format change: a state never served has none of them, and its writes cost what
they always did):

- an index on each object's resourceVersion (an expression index over the body, so every
  writer, bulk paths and older kubesvc versions included, keeps it current without knowing
  of it): "objects of this kind changed since rv N" is an index range, never a scan;
- a trigger that logs each creation (one small row: kind, namespace, name, rv), so a watch
  from an old resourceVersion tells ADDED from MODIFIED;
- tombstones written by `Store.delete` (the only way objects leave the state): the
  deletion's own resourceVersion and the object's last body, so deletions reach the watches.

The log is bounded (`compact`): the oldest rows go, and the `changes_floor` meta row
remembers the highest resourceVersion dropped. A watch or an exact list from an older
resourceVersion is then answered as an etcd compaction is: 410 Gone, "too old resource
version", and the client lists again.
"""

from __future__ import annotations

import json
import sqlite3

from kubesvc.api.records import NamedTuple  # typing's, without importing typing

RV = "CAST(json_extract(body, '$.metadata.resourceVersion') AS INTEGER)"
FLOOR = "changes_floor"  # meta row: history at or below this resourceVersion is gone
KEEP = 20_000  # log rows kept by `compact` (creations and deletions; updates need none)

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY, rv INTEGER NOT NULL, "
    "type TEXT NOT NULL, gk TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, "
    "body TEXT)",  # body: the last one, for deletions only
    "CREATE INDEX IF NOT EXISTS changes_gk_rv ON changes (gk, rv)",
    f"CREATE INDEX IF NOT EXISTS objects_rv ON objects (gk, {RV})",
    "CREATE TRIGGER IF NOT EXISTS changes_added AFTER INSERT ON objects BEGIN "
    "INSERT INTO changes (rv, type, gk, namespace, name) VALUES "
    f"({RV.replace('body', 'NEW.body')}, 'ADDED', NEW.gk, NEW.namespace, NEW.name); END",
)


class Change(NamedTuple):
    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    namespace: str
    name: str
    body: dict  # the object now (for DELETED: its last body, at the deletion's version)


def present(conn: sqlite3.Connection) -> bool:
    """Does this state keep a change log (has it ever been served)?"""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='changes'"
                        ).fetchone() is not None


def ensure(conn: sqlite3.Connection) -> None:
    """Make the log (inside the caller's write transaction). History starts now: the floor
    is the state's resourceVersion when the log is made."""
    if present(conn):
        return
    for statement in SCHEMA:
        conn.execute(statement)
    conn.execute("INSERT OR IGNORE INTO meta VALUES (?, (SELECT value FROM meta "
                 "WHERE key='rv'))", (FLOOR,))


def record_deletion(conn: sqlite3.Connection, rv: int, gk: str, namespace: str, name: str,
                    body: str) -> None:
    conn.execute("INSERT INTO changes (rv, type, gk, namespace, name, body) VALUES "
                 "(?, 'DELETED', ?, ?, ?, ?)", (rv, gk, namespace, name, body))


def floor(conn: sqlite3.Connection) -> int:
    """The oldest resourceVersion a watch may start from (0 when the log keeps everything)."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (FLOOR,)).fetchone()
    return int(row[0]) if row else 0


def since(conn: sqlite3.Connection, gk: str, namespace: str | None, after: int
          ) -> list[Change]:
    """What happened to the objects of one kind (in one namespace, or all) after resourceVersion
    `after`, in resourceVersion order: each object changed since as it is now (ADDED when it
    was created since), and each deletion with the object's last body. Several changes of one
    object in the window come out as its latest state, as a watch cache's replay ends."""
    where, args = "gk=?", [gk]
    if namespace is not None:
        where, args = where + " AND namespace=?", [*args, namespace]
    log = conn.execute(f"SELECT rv, type, namespace, name, body FROM changes WHERE {where} "
                       "AND rv > ? ORDER BY rv", [*args, after]).fetchall()
    created = {(ns, name) for _, kind, ns, name, _ in log if kind == "ADDED"}
    out = [Change(rv, "DELETED", ns, name, _at(json.loads(body), rv))
           for rv, kind, ns, name, body in log if kind == "DELETED"]
    rows = conn.execute(f"SELECT {RV}, namespace, name, body FROM objects WHERE gk=? AND "
                        f"{RV} > ?" + (" AND namespace=?" if namespace is not None else ""),
                        [gk, after] + ([namespace] if namespace is not None else []))
    out += [Change(rv, "ADDED" if (ns, name) in created else "MODIFIED", ns, name,
                   json.loads(body)) for rv, ns, name, body in rows]
    out.sort(key=lambda c: c.rv)
    return out


def changed_since(conn: sqlite3.Connection, gk: str, namespace: str | None, after: int
                  ) -> bool:
    """Has anything of this kind (in this namespace) changed after resourceVersion `after`?"""
    ns_sql = " AND namespace=?" if namespace is not None else ""
    extra = [namespace] if namespace is not None else []
    return any(conn.execute(f"SELECT 1 FROM {table} WHERE gk=? AND {rv} > ?{ns_sql} LIMIT 1",
                            [gk, after, *extra]).fetchone()
               for table, rv in (("objects", RV), ("changes", "rv")))


def compact(conn: sqlite3.Connection, keep: int = KEEP) -> int:
    """Drop all but the newest `keep` log rows (inside the caller's write transaction);
    returns how many went. The floor rises to the highest resourceVersion dropped."""
    row = conn.execute("SELECT seq FROM changes ORDER BY seq DESC LIMIT 1 OFFSET ?",
                       (keep,)).fetchone()
    if row is None:
        return 0
    top = conn.execute("SELECT max(rv) FROM changes WHERE seq <= ?", (row[0],)).fetchone()[0]
    gone = conn.execute("DELETE FROM changes WHERE seq <= ?", (row[0],)).rowcount
    conn.execute("UPDATE meta SET value=CAST(max(CAST(value AS INTEGER), ?) AS TEXT) "
                 "WHERE key=?", (top, FLOOR))
    return gone


def _at(obj: dict, rv: int) -> dict:
    """A deleted object as a DELETED event carries it: its last body at the deletion's rv."""
    obj.setdefault("metadata", {})["resourceVersion"] = str(rv)
    return obj
