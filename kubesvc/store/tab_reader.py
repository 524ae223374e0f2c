"""The state file as a TAB reads it (kubesvc.cli.complete): object names, namespaces, labels,
a Service's ports and the kinds of the CustomResourceDefinitions, straight through sqlite3's C
extension, opened read-only: a TAB never creates nor changes a store.

Like complete.py, this module imports only `os`, `json` (already loaded for the spec) and, when
names are asked for, `_sqlite3`.
"""

from __future__ import annotations

import json
import os

CRD_GK = "CustomResourceDefinition.apiextensions.k8s.io"
_MISSING = object()


def default_state_path() -> str:
    """kubesvc.store.files.default_state_path, without importing the store (pathlib, stat, ...)."""
    env = os.environ.get("KUBESVC_STATE")
    if env:
        return env
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "kubesvc", "state.db")


class StateReader:
    """Read-only queries on the state at `path` (None: the default state file)."""

    def __init__(self, path: str | None):
        self.path = path
        self._conn = _MISSING

    def connect(self):
        """A read-only connection to the state, or None (no store: no names, never created)."""
        if self._conn is not _MISSING:
            return self._conn
        self._conn = None
        path = os.path.expanduser(self.path or default_state_path())
        if not os.path.isfile(path):
            return None
        try:  # the extension itself: `sqlite3` adds datetime & co., 2 ms of a TAB
            import _sqlite3 as sqlite3  # noqa: PLC0415 - lazy: a TAB naming no objects
        except ImportError:  # pragma: no cover - CPython always has it
            import sqlite3  # noqa: PLC0415

        quoted = path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
        # immutable: no locks, and no -shm/-wal files left behind by a TAB (a read-only
        # connection to a WAL database makes both and cannot remove them). When the
        # write-ahead log holds changes (a kubesvc command is writing), read through it
        try:
            wal = os.path.getsize(path + "-wal")
        except OSError:
            wal = 0
        params = "mode=ro" if wal else "mode=ro&immutable=1"
        try:
            conn = sqlite3.connect(f"file:{quoted}?{params}", uri=True, timeout=0.5,
                                   isolation_level=None)
            conn.execute("SELECT 1 FROM objects LIMIT 0")
        except sqlite3.Error:
            return None
        self._conn = conn
        return conn

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        conn = self.connect()
        if conn is None:
            return []
        try:
            return conn.execute(sql, params).fetchall()
        except Exception:  # sqlite3.Error, without importing sqlite3 for the except clause
            return []

    def names(self, gk: str, namespace: str | None, prefix: str = "") -> list[str]:
        """Names of one kind in `namespace` ("" for cluster-scoped kinds; None: every one)."""
        bound = ""
        args: tuple = (gk,)
        if prefix:
            bound = " AND name >= ? AND name < ?"
            args_tail: tuple = (prefix, prefix + "\U0010ffff")
        else:
            args_tail = ()
        if namespace is None:
            sql = f"SELECT DISTINCT name FROM objects WHERE gk = ?{bound} ORDER BY name"
        else:
            sql = f"SELECT name FROM objects WHERE gk = ? AND namespace = ?{bound} ORDER BY name"
            args += (namespace,)
        return [r[0] for r in self.query(sql, args + args_tail)]

    def namespaces(self) -> list[str]:
        found = self.names("Namespace", "")
        if not found:  # an old or hand-made state without Namespace objects
            found = [r[0] for r in self.query(
                "SELECT DISTINCT namespace FROM objects WHERE namespace != '' ORDER BY 1")]
        return found

    def labels(self, gk: str | None, namespace: str | None) -> list[tuple[str, str]]:
        """(key, value) of the labels on objects of kind `gk` (None: any) in `namespace` or
        cluster-scoped (None: anywhere)."""
        where, args = [], []
        if gk is not None:
            where.append("o.gk = ?")
            args.append(gk)
        if namespace is not None:
            where.append("o.namespace IN (?, '')")
            args.append(namespace)
        sql = ("SELECT DISTINCT l.key, l.value FROM labels l JOIN objects o ON o.id = l.object_id"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY 1, 2 LIMIT 2000")
        return self.query(sql, tuple(args))

    def service_ports(self, namespace: str, name: str) -> list[dict]:
        rows = self.query("SELECT body FROM objects WHERE gk = 'Service' AND namespace = ? "
                          "AND name = ?", (namespace, name))
        return (json.loads(rows[0][0]).get("spec") or {}).get("ports") or [] if rows else []

    def crd_resources(self) -> list[dict]:
        """The kinds the stored CustomResourceDefinitions define, as the spec lists kinds."""
        rows = self.query("SELECT body FROM objects WHERE gk = ? AND namespace = ''", (CRD_GK,))
        return [entry for (body,) in rows if (entry := _crd_entry(body))]


def _crd_entry(body: str) -> dict | None:
    try:
        spec = json.loads(body).get("spec") or {}
        names, group = spec.get("names") or {}, spec.get("group", "")
        kind = names["kind"]
    except (ValueError, KeyError, AttributeError):
        return None
    plural = names.get("plural") or kind.lower() + "s"
    entry = {"plural": plural, "kind": kind, "gk": f"{kind}.{group}" if group else kind,
             "singular": names.get("singular") or kind.lower(),
             "short": list(names.get("shortNames") or ()),
             "namespaced": spec.get("scope", "Namespaced") == "Namespaced"}
    if group:
        entry["group"] = group
    return entry
