"""The state store: one SQLite file, one transaction per command.

Objects are stored whole, as the Kubernetes JSON they are, keyed by (group-kind, namespace,
name). A label table with an index on (key, value) answers selectors without scanning.
Allocations (cluster IPs, node ports, pod IPs, load-balancer addresses) live in one table whose
primary key (pool, value) makes the database itself refuse to hand one value to two owners,
even with several kubesvc processes writing at once.
"""

from __future__ import annotations

import builtins
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from itertools import chain

from kubesvc.api import table_cells
from kubesvc.api.errors import StoreError
from kubesvc.store import changes, codec, pod_facts
from kubesvc.store.files import check_store_file, database_error

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (get's start-up)
if TYPE_CHECKING:
    StrPath = str | os.PathLike[str]  # a state path: `get` passes a str (no pathlib)

APPLICATION_ID = 0x6B737663  # "ksvc": marks the file as a kubesvc store
# PRAGMA user_version; bump with a migration (`_migrate`) when the schema changes.
# 2: objects.summary (a kubesvc of format 1 would rewrite bodies and leave summaries stale)
FORMAT_VERSION = 2
DEFAULT_BUSY_TIMEOUT = 30.0
_LABEL_ROWS_COUNTED = 1000  # list_by_labels counts at most this many to find the rarest pair
# The page size of a new state (SQLite's default is 4 KiB; an existing state keeps its own:
# SQLite reads any). A pod's body is 2-3.5 KB, so a 4 KiB page held one and left a third of
# the file empty (97 MB for 18k objects, 82 MB with 16 KiB); a bulk import also writes each
# page twice (the WAL, then the checkpoint), and per page costs: a 16 KiB page took a third
# off the final commit's CPU and ~30% of the import's system time. Reads cost the same
# instructions either way; a one-object write adds a few larger pages to the WAL.
PAGE_SIZE = 16384

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE objects (
    id INTEGER PRIMARY KEY,
    gk TEXT NOT NULL,            -- "Service", "Deployment.apps": kubectl's kind.group
    namespace TEXT NOT NULL,     -- '' for cluster-scoped kinds
    name TEXT NOT NULL,
    body TEXT NOT NULL,          -- the object as Kubernetes JSON
    summary TEXT,                -- its table cells that do not depend on the clock, or NULL
    UNIQUE (gk, namespace, name)
);
-- `get` reads a kind's summaries from this index alone, never touching the bodies' pages
CREATE INDEX objects_summary ON objects (gk, namespace, name, summary);
CREATE TABLE labels (
    object_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (object_id, key)
) WITHOUT ROWID;
CREATE INDEX labels_kv ON labels (key, value, object_id);
CREATE TABLE allocations (
    pool TEXT NOT NULL,          -- "clusterip", "nodeport", "podip", "lbip"
    value INTEGER NOT NULL,
    owner TEXT NOT NULL,         -- "gk/namespace/name" of the holder
    PRIMARY KEY (pool, value)
);
CREATE INDEX allocations_owner ON allocations (owner);
"""

# Made by the first bulk import that records one (no format change: a store without it simply
# has no digests). A digest names the input an import wrote the object from; any later write
# of the object's body, or its deletion, drops it.
INPUT_DIGESTS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS input_digests (object_id INTEGER PRIMARY KEY, "
    "digest TEXT NOT NULL)",
    "CREATE TRIGGER IF NOT EXISTS input_digests_update AFTER UPDATE OF body ON objects "
    "BEGIN DELETE FROM input_digests WHERE object_id = OLD.id; END",
    "CREATE TRIGGER IF NOT EXISTS input_digests_delete AFTER DELETE ON objects "
    "BEGIN DELETE FROM input_digests WHERE object_id = OLD.id; END",
)




# a bulk command's buffered creates are written at the latest every this many objects
_FLUSH_ROWS = 2000


def object_key(gk: str, namespace: str, name: str) -> str:
    return f"{gk}/{namespace}/{name}"


# rows a multi-row INSERT takes at once (`insert_rows`)
ROWS_PER_INSERT = 100


def insert_rows(conn: sqlite3.Connection, head: str, width: int, rows: list[tuple]) -> None:
    """`conn.executemany(head + "(?, ...)", rows)` for rows of `width` values: the same rows
    in the same order, by statements of ROWS_PER_INSERT rows each (`VALUES (...), (...),
    ...`) and one for the rest. A statement run once for many rows costs SQLite a fifth fewer
    instructions than one run a row. A constraint that fails stops the statement it is in, as
    it stops `executemany`; the caller rolls back either way."""
    one = "(" + ",".join("?" * width) + ")"
    full = len(rows) - len(rows) % ROWS_PER_INSERT
    if full:
        conn.executemany(head + ",".join([one] * ROWS_PER_INSERT),
                         [tuple(chain.from_iterable(rows[i:i + ROWS_PER_INSERT]))
                          for i in range(0, full, ROWS_PER_INSERT)])
    if full < len(rows):
        rest = rows[full:]
        conn.execute(head + ",".join([one] * len(rest)), tuple(chain.from_iterable(rest)))


def summary_row(gk: str, obj: dict) -> str | None:
    """The `summary` column of an object (its clock-free `get` table cells, see
    kubesvc.api.table_cells), or None for kinds without one. Every write of an object's body
    stores this next to it, so `get` prints large lists without decoding bodies."""
    return table_cells.summary(gk, obj, codec.dumps_counted if codec.enabled() else None)


def _migrate(conn: sqlite3.Connection, path: StrPath) -> int:
    """Bring a store of an older format up to FORMAT_VERSION in one transaction; returns the
    format the file is at afterwards (unchanged when it cannot be written: read-only file)."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "read-only" in str(exc):
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
        raise database_error(path, exc) from None
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version < 2:  # 1 -> 2: the summary column, filled for the kinds that have one
            conn.execute("ALTER TABLE objects ADD COLUMN summary TEXT")
            conn.execute("CREATE INDEX objects_summary ON objects (gk, namespace, name, summary)")
            kinds = list(table_cells.CELLS)
            rows = conn.execute(
                f"SELECT id, gk, body FROM objects WHERE gk IN ({','.join('?' * len(kinds))})",
                kinds).fetchall()
            conn.executemany("UPDATE objects SET summary=? WHERE id=?",
                             [(summary_row(gk, json.loads(body)), oid) for oid, gk, body in rows])
            version = 2
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        conn.execute("ROLLBACK")
        if "readonly" in str(exc) or "read-only" in str(exc):
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
        raise database_error(path, exc) from None
    return version


def _dumps(obj: dict) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


class Store:
    """A kubesvc state file. Open with `Store.open`; use `write()` for every change."""

    def __init__(self, conn: sqlite3.Connection, path: StrPath,
                 busy_timeout: float = DEFAULT_BUSY_TIMEOUT):
        self._conn = conn
        self.path = path
        self.busy_timeout = busy_timeout
        self._settings: dict | None = None
        # the resourceVersion counter while a write transaction hands them out: kept here and
        # written to the meta row before anyone reads it (get_meta) and before COMMIT, instead
        # of one UPDATE per object; None = the row is the truth
        self._rv: int | None = None
        self._rv_written = True
        self.has_summary = True  # objects.summary exists (format 2 and later)
        self._changes: bool | None = None  # the change log exists (None: not asked yet)
        # new objects a bulk command put, not yet written (see `buffer_creates`): rows of
        # (gk, namespace, name, body, summary, labels, pod facts), written in order by `_flush`; and
        # values it holds (`hold`): rows of (pool, value, owner), written by `_flush_holds`
        self._pending: builtins.list[tuple] = []
        self._holds: builtins.list[tuple[str, int, str]] = []
        self.buffer_creates = False
        # savepoints entered whose SAVEPOINT statement is not issued yet (see `savepoint`)
        self._lazy_savepoints = 0

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection, with every buffered create written first: whoever reads or writes
        the tables through it (this class, store/queries.py, store/bulk.py) sees them."""
        if self._lazy_savepoints:  # whoever has the connection may write through it
            self._writer()
        if self._pending or self._holds:
            self._flush()
        return self._conn

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: StrPath, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
             readonly: bool = False) -> Store:
        """Open an existing store. Refuses anything that is not a kubesvc store."""
        check_store_file(path)
        try:
            uri = f"file:{path}?mode={'ro' if readonly else 'rw'}"
            conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None)
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.OperationalError as exc:
            raise database_error(path, exc) from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} is damaged or is not a kubesvc state file ({exc}); "
                             "refusing to use it (the file is left as it is)") from None
        if app_id != APPLICATION_ID:
            conn.close()
            raise StoreError(f"{path} is not a kubesvc state file; refusing to use it")
        if version > FORMAT_VERSION:
            conn.close()
            raise StoreError(
                f"{path} was written by a newer kubesvc (store format {version}, this kubesvc "
                f"reads up to {FORMAT_VERSION}); upgrade kubesvc to use it"
            )
        if version < FORMAT_VERSION and not readonly:
            version = _migrate(conn, path)
        conn.execute("PRAGMA foreign_keys = ON")
        store = cls(conn, path, busy_timeout)
        store.has_summary = version >= 2  # a read-only older store: `get` reads the bodies
        return store

    @classmethod
    def create(cls, path: StrPath, settings: dict, seed: Callable[[Store], None]) -> Store:
        """Create a new store atomically: built in a private temp file, then linked into place.

        `seed(store)` fills the fresh store (namespaces, default/kubernetes...) in the same
        transaction. A crash leaves either no file or a complete one.
        """
        from pathlib import Path  # noqa: PLC0415 - lazy: only creating a state needs it (get's start-up)

        path = Path(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            for folder in reversed([path.parent, *path.parent.parents]):
                if not folder.exists():  # every folder kubesvc makes is private (XDG: 0700)
                    folder.mkdir(mode=0o700, exist_ok=True)
            tmp.unlink(missing_ok=True)  # our pid in the name: a leftover of a killed process
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise StoreError(f"cannot create the state file {path}: "
                             f"{exc.strerror or exc}") from None
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before the first table: fixed then
            conn.execute("PRAGMA journal_mode = WAL")
            store = cls(conn, path)
            with store.write():
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {FORMAT_VERSION}")
                conn.execute("INSERT INTO meta VALUES ('settings', ?), ('rv', '0')",
                             (_dumps(settings),))
                seed(store)
            conn.close()
            os.link(tmp, path)  # fails if someone else created it meanwhile: never overwrite
        except FileExistsError:
            pass
        except sqlite3.OperationalError as exc:  # disk full, I/O error, read-only folder
            raise database_error(path, exc) from None
        except OSError as exc:
            raise StoreError(f"cannot create the state file {path}: "
                             f"{exc.strerror or exc}") from None
        finally:
            for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                leftover.unlink(missing_ok=True)
        return cls.open(path)

    def close(self) -> None:
        self._conn.close()

    def reopen(self) -> Store:
        """Another connection to this store's file (one per thread of `kubesvc serve`),
        without `open`'s look at the file header: in a process that already holds
        connections, opening and closing the file outside SQLite would drop their POSIX
        locks and let another process corrupt the database (sqlite.org/howtocorrupt.html
        2.2). The file was checked when this store was opened."""
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True,
                                   timeout=self.busy_timeout, isolation_level=None)
        except sqlite3.OperationalError as exc:
            raise database_error(self.path, exc) from None
        conn.execute("PRAGMA foreign_keys = ON")
        return Store(conn, self.path, self.busy_timeout)

    # -- transactions --------------------------------------------------------------------

    @contextmanager
    def write(self, commit: bool = True) -> Iterator[Store]:
        """One command's changes: all or nothing. Waits for other writers (busy timeout).

        With `commit=False` (dry runs) everything is computed and then rolled back."""
        self.begin()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        if commit:
            self.commit()
        else:
            self.rollback()

    def begin(self) -> None:
        """Take the write lock (BEGIN IMMEDIATE); `commit()` or `rollback()` ends it."""
        self._forget_rv()
        self._begin_immediate()

    def commit(self) -> None:
        try:
            self._write_rv()
            self.conn.execute("COMMIT")
            self._forget_rv()  # another process may write next: the row is the truth again
        except sqlite3.OperationalError as exc:
            self.rollback()
            raise database_error(self.path, exc) from None

    def rollback(self) -> None:
        self._forget_rv()
        self._rollback()

    @contextmanager
    def read(self) -> Iterator[Store]:
        """A read transaction: one consistent snapshot, no write lock (WAL lets writers go on
        meanwhile). Nothing is written; the snapshot is simply let go at the end."""
        self._conn.execute("BEGIN DEFERRED")
        try:
            yield self
        finally:
            self._rollback()

    def _begin_immediate(self) -> None:
        """Take the write lock, waiting up to `busy_timeout` seconds for other writers.

        SQLite's own busy handler sleeps up to 100 ms between tries, so under a steady load a
        writer that has waited long keeps losing the lock to fresh ones and can starve past
        the timeout. Here the longer a writer has waited, the more often it tries (every 50 ms
        at first, every 2-3 ms after a second), which hands the lock out roughly in order."""
        conn, started = self._conn, time.monotonic()
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    waited = time.monotonic() - started
                    if not _is_busy(exc) or waited >= self.busy_timeout:
                        raise database_error(self.path, exc) from None
                time.sleep(min(0.05, 0.002 + 0.05 / (1 + 20 * waited),
                               self.busy_timeout - waited))
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")

    def _rollback(self) -> None:
        """Undo the open transaction. SQLite itself rolls back on some errors (disk full, I/O
        error): then there is nothing left to undo, and the original error must not be masked
        by "cannot rollback - no transaction is active"."""
        self._forget_rv()
        self._pending, self._holds = [], []  # never written: nothing to undo
        self._lazy_savepoints = 0
        if self._conn.in_transaction:
            # a failed ROLLBACK leaves nothing committed: the process ends without it either way
            with suppress(sqlite3.Error):
                self._conn.execute("ROLLBACK")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """One object inside a command: a failure undoes only this object's changes.

        Inside a transaction the SAVEPOINT statement is issued only when the first write to
        the database comes (`_writer`): an object whose writes are all buffered (a bulk
        import's pod: its body, labels and held IP wait in `_pending`/`_holds`, its
        resourceVersion in `_rv`) costs no statement at all, and its rollback is the
        in-memory one below. Every write reaches the database through `_writer()` or the
        `conn` property, which open the savepoints still owed first, outermost first."""
        lazy = self._conn.in_transaction
        if lazy:
            self._lazy_savepoints += 1
        else:
            self._conn.execute("SAVEPOINT obj")
        depth = self._lazy_savepoints  # this savepoint is open in SQLite when depth > lazy count
        rv, rv_written = self._rv, self._rv_written
        # buffered creates are not written yet: the savepoint remembers how many came before
        # it (and the list itself: a flush inside the savepoint starts a new one)
        pending, held = self._pending, len(self._pending)
        holds, held_values = self._holds, len(self._holds)
        try:
            yield
        except BaseException:
            opened = not lazy or self._lazy_savepoints < depth
            if lazy and not opened:
                self._lazy_savepoints -= 1
            if self._conn.in_transaction:  # not when SQLite rolled everything back itself
                if opened:
                    self._conn.execute("ROLLBACK TO obj")
                    self._conn.execute("RELEASE obj")
                # the counter as it was (a row written since is rolled back with the rest)
                self._rv, self._rv_written = rv, rv_written if rv is not None else True
                # the creates put before the savepoint stay, this object's go; those a flush
                # wrote inside the savepoint were rolled back with it: buffered again
                self._pending, self._holds = pending[:held], holds[:held_values]
            else:
                self._lazy_savepoints = 0
                self._forget_rv()
                self._pending, self._holds = [], []
            raise
        if lazy and self._lazy_savepoints >= depth:  # never written through: nothing to release
            self._lazy_savepoints -= 1
        else:
            self._conn.execute("RELEASE obj")

    def _writer(self) -> sqlite3.Connection:
        """The connection, for a write: the savepoints `savepoint` still owes are opened first
        (so the write is undone with them)."""
        while self._lazy_savepoints:
            self._conn.execute("SAVEPOINT obj")
            self._lazy_savepoints -= 1
        return self._conn

    # -- settings and counters -----------------------------------------------------------

    @property
    def settings(self) -> dict:
        if self._settings is None:
            row = self._conn.execute("SELECT value FROM meta WHERE key='settings'").fetchone()
            self._settings = json.loads(row[0])
        return self._settings

    def set_settings(self, settings: dict) -> None:
        self._writer().execute("UPDATE meta SET value=? WHERE key='settings'",
                               (_dumps(settings),))
        self._settings = settings

    def get_meta(self, key: str) -> str | None:
        if key == "rv":
            self._write_rv()
        row = self._conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        if key == "rv":
            self._forget_rv()
        self._writer().execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                          "value=excluded.value", (key, value))

    def next_resource_version(self) -> str:
        return str(self.reserve_resource_versions(1))

    def reserve_resource_versions(self, count: int) -> int:
        """Take `count` consecutive resourceVersions; returns the first. Inside a write
        transaction the counter lives in memory and is written before COMMIT."""
        if not self._conn.in_transaction:  # autocommit: written at once, as it always was
            self._forget_rv()
            row = self._conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + ? "
                                    "WHERE key='rv' RETURNING value", (count,)).fetchone()
            return int(row[0]) - count + 1
        if self._rv is None:
            row = self._conn.execute("SELECT value FROM meta WHERE key='rv'").fetchone()
            self._rv = int(row[0])
        first = self._rv + 1
        self._rv += count
        self._rv_written = False
        return first

    def _write_rv(self) -> None:
        if self._rv is not None and not self._rv_written:
            self._writer().execute("UPDATE meta SET value=? WHERE key='rv'", (str(self._rv),))
            self._rv_written = True

    def _forget_rv(self) -> None:
        self._rv, self._rv_written = None, True

    # -- objects -------------------------------------------------------------------------

    def get(self, gk: str, namespace: str, name: str) -> dict | None:
        row = self.conn.execute(
            "SELECT body FROM objects WHERE gk=? AND namespace=? AND name=?", (gk, namespace, name)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def list(self, gk: str, namespace: str | None = None) -> builtins.list[dict]:
        """Objects of a kind in storage-key order, as the API lists: etcd keys `NS/NAME` compared
        as bytes, so `ex-guestbook-go/x` comes before `ex-guestbook/x` ('-' < '/')."""
        return [json.loads(body) for body in self.list_raw(gk, namespace)]

    def list_raw(self, gk: str, namespace: str | None = None) -> builtins.list[str]:
        if namespace is None:
            rows = self.conn.execute(
                "SELECT body FROM objects WHERE gk=? ORDER BY namespace || '/' || name", (gk,))
        else:
            rows = self.conn.execute(
                "SELECT body FROM objects WHERE gk=? AND namespace=? ORDER BY name",
                (gk, namespace))
        return [r[0] for r in rows]

    def names(self, gk: str, namespace: str | None = None) -> builtins.list[str]:
        sql = "SELECT name FROM objects WHERE gk=?" + (" AND namespace=?" if namespace else "")
        args = (gk, namespace) if namespace else (gk,)
        return [r[0] for r in self.conn.execute(sql + " ORDER BY name", args)]

    def list_by_labels(self, gk: str, namespace: str | None,
                       pairs: builtins.list[tuple[str, str]]) -> builtins.list[dict]:
        """Objects carrying every (key, value) pair, in etcd key order, found from the label
        index: from the rarest pair's rows (each of its objects checked for the kind, the
        namespace and the other pairs by the labels' primary key), not by scanning the kind's
        objects or collecting every object of a common pair (`tier=cache` on 16,000 pods,
        for the 4 that `app=app-5` also selects)."""
        if not pairs:
            return self.list(gk, namespace)
        rarest = 0
        if len(pairs) > 1:
            counts = [self.conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM labels WHERE key=? AND value=? LIMIT ?)",
                (key, value, _LABEL_ROWS_COUNTED)).fetchone()[0] for key, value in pairs]
            rarest = counts.index(min(counts))
        # `+o.gk`, `+o.namespace`: no index of objects for these, so the label rows lead
        sql = ("SELECT o.body FROM labels l JOIN objects o ON o.id = l.object_id "
               "WHERE l.key=? AND l.value=? AND +o.gk=?")
        args: list = [*pairs[rarest], gk]
        if namespace is not None:
            sql += " AND +o.namespace=?"
            args.append(namespace)
        for i, (key, value) in enumerate(pairs):
            if i != rarest:
                sql += (" AND EXISTS (SELECT 1 FROM labels m WHERE m.object_id = o.id "
                        "AND m.key=? AND m.value=?)")
                args += [key, value]
        sql += " ORDER BY o.namespace || '/' || o.name"  # etcd key order, as list() above
        return [json.loads(r[0]) for r in self.conn.execute(sql, args)]

    def put(self, gk: str, obj: dict, new: bool = False,
            derived: tuple[str | None, tuple | None] | None = None) -> None:
        """Insert or replace an object (metadata already filled by the caller). `new` says the
        caller knows it does not exist yet, which saves the label-index comparison.
        `derived`: the object's (summary_row, pod_facts.row), when the caller has them."""
        meta = obj["metadata"]
        ns, name = meta.get("namespace", ""), meta["name"]
        body = codec.dumps(obj)  # json.dumps' text (orjson's in a bulk command)
        if new and self.buffer_creates:  # written with the next ones, by `_flush`
            labels = meta.get("labels")
            if derived is None:
                derived = (summary_row(gk, obj) if self.has_summary else None,
                           pod_facts.row(obj) if gk == "Pod" else None)
            self._pending.append((gk, ns, name, body, derived[0] if self.has_summary
                                  else None, [(k, str(v)) for k, v in labels.items()]
                                  if labels else None, derived[1]))
            if len(self._pending) >= _FLUSH_ROWS:  # the buffer's memory stays bounded
                self._flush()
            return
        if self.has_summary:
            row = self.conn.execute(
                "INSERT INTO objects (gk, namespace, name, body, summary) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (gk, namespace, name) DO UPDATE SET body=excluded.body, "
                "summary=excluded.summary RETURNING id",
                (gk, ns, name, body, summary_row(gk, obj)),
            ).fetchone()
        else:
            row = self.conn.execute(
                "INSERT INTO objects (gk, namespace, name, body) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (gk, namespace, name) DO UPDATE SET body=excluded.body RETURNING id",
                (gk, ns, name, body),
            ).fetchone()
        if gk == "Pod":  # what the endpoint controllers read, kept with the body
            pod_facts.put(self.conn, obj)
        labels = meta.get("labels") or {}
        if new:
            if labels:
                self.conn.executemany("INSERT INTO labels VALUES (?, ?, ?)",
                                      [(row[0], k, str(v)) for k, v in labels.items()])
            return
        self._put_labels(row[0], labels)

    def bulk(self, objects: int) -> None:
        """A command about to write `objects` objects (a bulk apply/import; 0: done): buffer
        its creates (`put(new=True)`), and let SQLite's page cache hold what the command
        writes, about 4 KiB an object, up to 512 MiB (the default 2 MiB made a big import
        spill dirty pages to the WAL again and again, and read index pages back)."""
        self.buffer_creates = objects > 0
        if objects > 0:
            kib = min(512 * 1024, max(2000, 4 * objects))
            self._conn.execute(f"PRAGMA cache_size = -{kib}")

    def _flush_holds(self) -> None:
        """Write the buffered `hold`s (the allocations table is read or written next), as
        `allocate` one by one would have: the first to ask for a value gets it."""
        holds, self._holds = self._holds, []  # a new list: savepoints hold the old one
        self._writer().executemany("INSERT OR IGNORE INTO allocations VALUES (?, ?, ?)", holds)

    def _flush(self) -> None:
        """Write the buffered creates: one statement for their bodies, one for their labels.
        Each gets the rowid SQLite would have chosen inserting them one by one (the largest
        plus one: `objects` has no AUTOINCREMENT), so the label rows can name it."""
        if self._holds:
            self._flush_holds()
        rows, self._pending = self._pending, []  # a new list: savepoints hold the old one
        if not rows:
            return
        conn = self._writer()
        first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM objects").fetchone()[0]
        if self.has_summary:
            insert_rows(conn, "INSERT INTO objects (id, gk, namespace, name, body, summary) "
                        "VALUES ", 6, [(first + i, *row[:5]) for i, row in enumerate(rows)])
        else:
            insert_rows(conn, "INSERT INTO objects (id, gk, namespace, name, body) VALUES ", 5,
                        [(first + i, *row[:4]) for i, row in enumerate(rows)])
        insert_rows(conn, "INSERT INTO labels VALUES ", 3,
                    [(first + i, k, v) for i, row in enumerate(rows) if row[5]
                     for k, v in row[5]])
        facts = [row[6] for row in rows if row[6] is not None]
        if facts:  # what the endpoint controllers read, kept with the pods' bodies
            pod_facts.write(conn, facts)

    # -- digests of what an import wrote (re-importing the same dump skips the API path) ---------

    def _ensure_input_digests(self) -> None:
        """The digest table and the triggers that forget a digest as soon as its object is
        written again or deleted, by any writer (triggers live in the file, so an older
        kubesvc that knows nothing of digests keeps them honest too)."""
        for statement in INPUT_DIGESTS_SCHEMA:
            self.conn.execute(statement)

    def input_digests(self) -> dict[tuple[str, str, str], str]:
        """(gk, namespace, name) -> digest of the input that last wrote the object as it is."""
        if not self._has_table("input_digests"):
            return {}
        rows = self.conn.execute(
            "SELECT o.gk, o.namespace, o.name, d.digest FROM input_digests d "
            "JOIN objects o ON o.id = d.object_id")
        return {(gk, ns, name): digest for gk, ns, name, digest in rows}

    def record_input_digests(self, rows: builtins.list[tuple[str, str, str, str]]) -> None:
        """(digest, gk, namespace, name): the object as stored now is what that input made."""
        if not rows:
            return
        self._ensure_input_digests()
        conn = self.conn
        last = conn.execute("SELECT max(id) FROM objects").fetchone()[0] or 0
        if 2 * len(rows) < last:  # a few objects of many: each found by its key
            conn.executemany(
                "INSERT OR REPLACE INTO input_digests (object_id, digest) SELECT id, ? "
                "FROM objects WHERE gk=? AND namespace=? AND name=?", rows)
            return
        # most of the objects (a first import): every key read at once from its index, then
        # the digests written in id order (appended), not a key lookup per row
        ids = {(gk, ns, name): oid for gk, ns, name, oid in conn.execute(
            "SELECT gk, namespace, name, id FROM objects")}
        found = [(oid, digest) for digest, gk, ns, name in rows
                 if (oid := ids.get((gk, ns, name))) is not None]
        found.sort(key=_first)  # stable: of two digests for one object the last still wins
        conn.executemany("INSERT OR REPLACE INTO input_digests (object_id, digest) "
                         "VALUES (?, ?)", found)

    def keys(self) -> set[tuple[str, str, str]]:
        """Every stored object's (gk, namespace, name): a bulk write looks up only these."""
        return set(self.conn.execute("SELECT gk, namespace, name FROM objects"))

    def _has_table(self, name: str) -> bool:
        return self.conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                                 (name,)).fetchone() is not None

    def _put_labels(self, object_id: int, labels: dict) -> None:
        current = dict(self.conn.execute(
            "SELECT key, value FROM labels WHERE object_id=?", (object_id,)).fetchall())
        if current == labels:
            return
        self.conn.execute("DELETE FROM labels WHERE object_id=?", (object_id,))
        self.conn.executemany(
            "INSERT INTO labels VALUES (?, ?, ?)",
            [(object_id, k, str(v)) for k, v in labels.items()])

    def delete(self, gk: str, namespace: str, name: str) -> bool:
        if self._logs_changes():  # a served state: a tombstone for the watches
            row = self.conn.execute(
                "DELETE FROM objects WHERE gk=? AND namespace=? AND name=? RETURNING body",
                (gk, namespace, name)).fetchone()
            if row is not None:
                changes.record_deletion(self.conn, self.reserve_resource_versions(1), gk,
                                        namespace, name, row[0])
            deleted = row is not None
        else:
            deleted = self.conn.execute(
                "DELETE FROM objects WHERE gk=? AND namespace=? AND name=?",
                (gk, namespace, name)).rowcount > 0
        self.release(object_key(gk, namespace, name))
        return deleted

    def _logs_changes(self) -> bool:
        """Has this state a change log (kubesvc/store/changes.py)? Asked once per store."""
        if self._changes is None:
            self._changes = changes.present(self.conn)
        return self._changes

    def kinds_in_namespace(self, namespace: str) -> builtins.list[str]:
        rows = self.conn.execute(
            "SELECT DISTINCT gk FROM objects WHERE namespace=? ORDER BY gk", (namespace,))
        return [r[0] for r in rows]

    # -- allocations ---------------------------------------------------------------------

    def hold(self, pool: str, value: int, owner: str) -> None:
        """`allocate`, for a caller that does not ask whether it got the value (a restored pod
        IP): a bulk command's is written with its buffered creates."""
        if self.buffer_creates:
            self._holds.append((pool, value, owner))
        else:
            self.allocate(pool, value, owner)

    def allocate(self, pool: str, value: int, owner: str) -> bool:
        """Take `value` for `owner`; False when someone already holds it."""
        if self._holds:  # held values not written yet
            self._flush_holds()
        try:
            self._writer().execute("INSERT INTO allocations VALUES (?, ?, ?)",
                                   (pool, value, owner))
        except sqlite3.IntegrityError:
            return False
        return True

    def holder(self, pool: str, value: int) -> str | None:
        if self._holds:  # held values not written yet
            self._flush_holds()
        row = self._conn.execute(
            "SELECT owner FROM allocations WHERE pool=? AND value=?", (pool, value)).fetchone()
        return row[0] if row else None

    def lowest_free(self, pool: str, low: int, high: int) -> int | None:
        """The lowest value in [low, high] that nobody holds (an index walk, not a scan)."""
        if self._holds:  # held values not written yet
            self._flush_holds()
        if self.holder(pool, low) is None:
            return low
        row = self._conn.execute(
            "SELECT a.value + 1 FROM allocations a WHERE a.pool=? AND a.value >= ? AND a.value < ?"
            " AND NOT EXISTS (SELECT 1 FROM allocations b WHERE b.pool=a.pool"
            " AND b.value=a.value+1) ORDER BY a.value LIMIT 1",
            (pool, low, high),
        ).fetchone()
        return row[0] if row else None

    def owned(self, owner: str, pool: str | None = None) -> builtins.list[tuple[str, int]]:
        if self._holds:  # held values not written yet
            self._flush_holds()
        sql = "SELECT pool, value FROM allocations WHERE owner=?"
        args: tuple = (owner,)
        if pool:
            sql, args = sql + " AND pool=?", (owner, pool)
        return list(self._conn.execute(sql + " ORDER BY pool, value", args))

    def release(self, owner: str, pool: str | None = None, value: int | None = None) -> None:
        if self._holds:  # held values not written yet
            self._flush_holds()
        sql = "DELETE FROM allocations WHERE owner=?"
        args: builtins.list[object] = [owner]
        if pool is not None:
            sql, args = sql + " AND pool=?", args + [pool]
        if value is not None:
            sql, args = sql + " AND value=?", args + [value]
        self._writer().execute(sql, args)


def _first(row: tuple[int, str]) -> int:
    return row[0]


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED and their extended codes
    return "locked" in str(exc) or "busy" in str(exc)






