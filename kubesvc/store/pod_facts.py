"""What the endpoint controllers read from a pod, kept next to its body: its "facts".

Computing every Service's endpoints from scratch reads every pod of the cluster. Decoding
50,000 pod bodies (or having SQLite pick fields out of them) costs seconds; the few fields the
controllers need, written once when the pod is stored (the object is in memory then), cost
microseconds to read back. The facts are a short JSON array in a side table keyed by the
pod's namespace and name, so a namespace's facts are one range of the table, in name order:

    [FACTS_VERSION, name, uid, labels, terminating, nodeName, hostname, subdomain, phase,
     podIP, podIPs, ready, named ports]

- `podIPs` is what the controllers read as the pod's IPs (status.podIPs, or [podIP]);
- `ready`: the pod's first `Ready` condition is "True" (IsPodReady);
- `named ports`: [name, protocol, containerPort] of each named port of the containers, then of
  the restartable init containers (sidecars), in order: what FindPort searches;
- missing strings are "" (the controllers read a missing and an empty value alike).

A pod the facts cannot describe exactly (a non-string label value, a field of an unexpected
type) gets none: its readers then decode the body, as before.

The table needs no store format change: a store without it (an older kubesvc, a dry run that
rolled its creation back) simply has no facts, and readers fall back to the bodies. Triggers,
stored in the file, forget a pod's facts whenever its body is rewritten or the row deleted,
whoever writes (an older kubesvc too): facts are never stale, at worst missing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

from kubesvc.store import codec

FACTS_VERSION = 1

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS pod_facts (namespace TEXT NOT NULL, name TEXT NOT NULL, "
    "waiting INTEGER NOT NULL, facts TEXT NOT NULL, PRIMARY KEY (namespace, name)) "
    "WITHOUT ROWID",
    # the pods the scheduler and the kubelets may still have to place or start
    "CREATE INDEX IF NOT EXISTS pod_facts_waiting ON pod_facts (namespace, name) "
    "WHERE waiting",
    "CREATE TRIGGER IF NOT EXISTS pod_facts_update AFTER UPDATE OF body ON objects "
    "WHEN OLD.gk = 'Pod' BEGIN DELETE FROM pod_facts WHERE namespace = OLD.namespace "
    "AND name = OLD.name; END",
    "CREATE TRIGGER IF NOT EXISTS pod_facts_delete AFTER DELETE ON objects "
    "WHEN OLD.gk = 'Pod' BEGIN DELETE FROM pod_facts WHERE namespace = OLD.namespace "
    "AND name = OLD.name; END",
)
_PUT = ("INSERT OR REPLACE INTO pod_facts (namespace, name, waiting, facts) "
        "VALUES (?, ?, ?, ?)")

# indexes into a facts list
NAME, UID, LABELS, TERMINATING, NODE, HOSTNAME, SUBDOMAIN, PHASE, POD_IP, IPS, READY, PORTS = (
    range(1, 13))


class _Unusual(Exception):
    """A value the facts cannot hold exactly."""


def _text(value: object) -> str:
    if value is None:
        return ""
    if type(value) is not str:
        raise _Unusual
    return value


def facts_list(pod: Mapping) -> list | None:
    """The facts of a pod (see the module doc), or None when it holds something unusual."""
    try:
        meta = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        status = pod.get("status") or {}
        labels = meta.get("labels") or {}
        if type(labels) is not dict or not all(
                type(k) is str and type(v) is str for k, v in labels.items()):
            return None
        ips = [p.get("ip") for p in status.get("podIPs") or () if p.get("ip")]
        if not ips and status.get("podIP"):
            ips = [status["podIP"]]
        for ip in ips:
            _text(ip)
        ready = False
        for cond in status.get("conditions") or ():
            if cond.get("type") == "Ready":
                ready = cond.get("status") == "True"
                break
        ports = []
        sidecars = [c for c in spec.get("initContainers") or ()
                    if c.get("restartPolicy") == "Always"]
        for container in [*(spec.get("containers") or ()), *sidecars]:
            for cport in container.get("ports") or ():
                name = cport.get("name")
                if name is None:
                    continue  # only a named port answers a targetPort name
                number = cport["containerPort"]
                if type(number) is not int:
                    return None
                ports.append([_text(name), _text(cport.get("protocol")) or "TCP", number])
        return [FACTS_VERSION, _text(meta.get("name")), _text(meta.get("uid")), labels,
                meta.get("deletionTimestamp") is not None, _text(spec.get("nodeName")),
                _text(spec.get("hostname")), _text(spec.get("subdomain")),
                _text(status.get("phase")), _text(status.get("podIP")), ips, ready, ports]
    except (_Unusual, AttributeError, TypeError, KeyError):
        return None


def facts_text(pod: Mapping) -> str | None:
    facts = facts_list(pod)
    return None if facts is None else codec.dumps(facts)


def row(pod: Mapping) -> tuple[str, str, int, str] | None:
    """The facts row (namespace, name, waiting, facts) of a pod about to be stored, or None
    when the facts cannot describe it (its namespace then takes the general path)."""
    facts = facts_list(pod)
    if facts is None:
        return None
    meta = pod["metadata"]
    return meta.get("namespace", ""), meta["name"], waiting(facts), codec.dumps(facts)


def waiting(facts: list) -> int:
    """1 when the pod may wait for a node or a start: no phase or Pending, no IP."""
    return int(facts[PHASE] in ("", "Pending") and not facts[POD_IP])


def ensure_table(conn: sqlite3.Connection) -> None:
    for statement in SCHEMA:
        conn.execute(statement)


def _missing_table(exc: sqlite3.OperationalError) -> bool:
    return "no such table" in str(exc)


def write(conn: sqlite3.Connection, params: list[tuple[str, str, int, str]]) -> None:
    try:
        if len(params) == 1:
            conn.execute(_PUT, params[0])
        else:
            conn.executemany(_PUT, params)
    except sqlite3.OperationalError as exc:
        if not _missing_table(exc):
            raise
        ensure_table(conn)
        conn.executemany(_PUT, params)


def put(conn: sqlite3.Connection, pod: Mapping) -> None:
    """Keep the facts of a pod just written: Store.put's hook."""
    facts = row(pod)
    if facts is not None:  # (else the triggers dropped the old facts with the old body)
        write(conn, [facts])


def put_many(conn: sqlite3.Connection, pods: Iterable[Mapping]) -> None:
    """The facts of pods just written: the bulk writes' hook."""
    params = [r for r in map(row, pods) if r is not None]
    if params:
        write(conn, params)


def remember(conn: sqlite3.Connection, namespace: str, facts: list[list]) -> None:
    """Store facts computed from bodies that had none: the next reader finds them."""
    if facts:
        write(conn, [(namespace, f[NAME], waiting(f), codec.dumps(f)) for f in facts])


def complete(conn: sqlite3.Connection) -> bool:
    """Every pod of the store has its facts."""
    try:
        have = conn.execute("SELECT count(*) FROM pod_facts").fetchone()[0]
    except sqlite3.OperationalError as exc:
        if not _missing_table(exc):
            raise
        have = 0
    return have == conn.execute("SELECT count(*) FROM objects WHERE gk='Pod'").fetchone()[0]


def waiting_keys(conn: sqlite3.Connection) -> set[tuple[str, str]] | None:
    """(namespace, name) of the pods that may wait for a node or a start (see `waiting`);
    None when some pod has no facts (then nothing can be said without its body)."""
    if not complete(conn):
        return None
    try:
        return set(conn.execute("SELECT namespace, name FROM pod_facts WHERE waiting"))
    except sqlite3.OperationalError as exc:
        if not _missing_table(exc):
            raise
        return set()  # no table and no pod


def namespace_facts(conn: sqlite3.Connection, namespace: str, loads) -> list[list] | None:
    """The facts of every pod of a namespace, in name order, read as one text (`loads` decodes
    JSON); None when some pod has none (or facts of another version)."""
    text = namespace_facts_text(conn, namespace)
    return None if text is None else facts_of_text(text, loads)


def namespace_facts_text(conn: sqlite3.Connection, namespace: str) -> str | None:
    """The facts of every pod of a namespace as one JSON array text, in the table's (name)
    order; "[]" for a namespace without pods, None when some pod has no facts."""
    try:
        row = conn.execute("SELECT count(*), '[' || group_concat(facts, ',') || ']' "
                           "FROM pod_facts WHERE namespace=?", (namespace,)).fetchone()
    except sqlite3.OperationalError as exc:
        if not _missing_table(exc):
            raise
        return None
    pods = conn.execute("SELECT count(*) FROM objects WHERE gk='Pod' AND namespace=?",
                        (namespace,)).fetchone()[0]
    if row[0] != pods:
        return None
    return row[1] if pods else "[]"


def facts_of_text(text: str, loads) -> list[list] | None:
    """`namespace_facts_text`'s facts decoded (`loads`), in name order; None when some are of
    another version."""
    facts = loads(text)
    if any(f[0] != FACTS_VERSION for f in facts):
        return None
    names = [f[NAME] for f in facts]
    if names != sorted(names):  # (the primary key's order already, in practice)
        facts.sort(key=_name_of)
    return facts


def _name_of(facts: list) -> str:
    return facts[NAME]


def namespace_rows(conn: sqlite3.Connection, namespace: str) -> list[tuple]:
    """(name, facts text or None, body when the facts are missing or of another version) of
    a namespace's pods, by name: for reading facts that may be missing."""
    prefix = f"[{FACTS_VERSION},"
    try:
        return conn.execute(
            "SELECT o.name, f.facts, CASE WHEN f.facts IS NULL OR substr(f.facts, 1, ?) <> ? "
            "THEN o.body END FROM objects o LEFT JOIN pod_facts f ON f.namespace = o.namespace "
            "AND f.name = o.name WHERE o.gk='Pod' AND o.namespace=? ORDER BY o.name",
            (len(prefix), prefix, namespace)).fetchall()
    except sqlite3.OperationalError as exc:
        if not _missing_table(exc):
            raise
    return conn.execute("SELECT name, NULL, body FROM objects WHERE gk='Pod' AND "
                        "namespace=? ORDER BY name", (namespace,)).fetchall()
