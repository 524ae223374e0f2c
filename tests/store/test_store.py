"""The SQLite store: creation, refusal of foreign files, transactions, labels, allocations."""

import os
import sqlite3
import stat
from contextlib import nullcontext

import pytest

from kubesvc.api.errors import StoreError
from kubesvc.bootstrap.seed import make_settings
from kubesvc.kubectl.session import open_store
from kubesvc.store import db
from kubesvc.store.db import FORMAT_VERSION
from tests.builders import service as svc


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "st" / "state.db")
    yield s
    s.close()


def test_fresh_store_is_private_and_seeded(tmp_path):
    path = tmp_path / "st" / "state.db"
    store = open_store(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert store.names("Namespace") == ["default", "kube-node-lease", "kube-public",
                                         "kube-system", "metallb-system"]
    kubernetes = store.get("Service", "default", "kubernetes")
    assert kubernetes["spec"]["clusterIPs"] == ["10.96.0.1"]
    assert kubernetes["spec"]["ports"] == [{"name": "https", "port": 443, "protocol": "TCP",
                                            "targetPort": 6443}]
    assert store.holder("clusterip", int.from_bytes(bytes([10, 96, 0, 1]), "big")) == \
        "Service/default/kubernetes"
    assert store.settings == make_settings()


def test_settings_are_fixed_at_creation(tmp_path):
    path = tmp_path / "state.db"
    open_store(path, settings=make_settings("10.43.0.0/16", "31000-31999")).close()
    store = open_store(path)
    assert store.settings["serviceCIDR"] == "10.43.0.0/16"
    assert store.get("Service", "default", "kubernetes")["spec"]["clusterIP"] == "10.43.0.1"


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"hello, this is a text file", "not a SQLite database"),
    (b"SQLite format 3\x00" + b"\x00" * 100, "not a kubesvc state file"),
])
def test_foreign_files_are_refused_and_kept(tmp_path, content, message):
    path = tmp_path / "state.db"
    path.write_bytes(content)
    with pytest.raises(StoreError) as exc:
        open_store(path)
    assert message in str(exc.value)
    assert path.read_bytes() == content


def test_other_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a kubesvc state file"):
        open_store(path)
    assert path.read_bytes() == before


def test_newer_store_format_is_refused(tmp_path):
    path = tmp_path / "state.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {FORMAT_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer kubesvc"):
        open_store(path)


def test_write_is_all_or_nothing(store):
    with pytest.raises(RuntimeError):
        with store.write():
            store.put("Service", svc("a"))
            raise RuntimeError("crash mid-command")
    assert store.get("Service", "default", "a") is None


def test_savepoint_undoes_one_object_only(store):
    with store.write():
        store.put("Service", svc("kept"))
        with pytest.raises(ValueError):
            with store.savepoint():
                store.put("Service", svc("dropped"))
                store.allocate("nodeport", 30100, "Service/default/dropped")
                raise ValueError
    assert store.get("Service", "default", "kept") is not None
    assert store.get("Service", "default", "dropped") is None
    assert store.holder("nodeport", 30100) is None


def test_dry_run_write_rolls_back(store):
    with store.write(commit=False):
        store.put("Service", svc("x"))
    assert store.get("Service", "default", "x") is None


def test_label_index_lookup(store):
    with store.write():
        store.put("Service", svc("a", labels={"app": "web", "tier": "fe"}))
        store.put("Service", svc("b", labels={"app": "web"}))
        store.put("Service", svc("c", namespace="other", labels={"app": "web", "tier": "fe"}))
    names = lambda objs: [o["metadata"]["name"] for o in objs]  # noqa: E731
    assert names(store.list_by_labels("Service", "default", [("app", "web")])) == ["a", "b"]
    assert names(store.list_by_labels("Service", None, [("app", "web"), ("tier", "fe")])) == \
        ["a", "c"]
    with store.write():  # relabelling replaces the index rows
        store.put("Service", svc("a", labels={"app": "api"}))
    assert names(store.list_by_labels("Service", "default", [("app", "web")])) == ["b"]


def test_lowest_free_and_unique_allocation(store):
    with store.write():
        for value in (100, 101, 103):
            assert store.allocate("p", value, "o1")
        assert not store.allocate("p", 101, "o2")  # the database refuses a second holder
        assert store.lowest_free("p", 100, 200) == 102
        assert store.lowest_free("p", 90, 200) == 90
        assert store.lowest_free("p", 100, 101) is None  # the whole range is taken
        store.release("o1", "p", 101)
        assert store.lowest_free("p", 100, 200) == 101


def test_resource_versions_increase(store):
    with store.write():
        first = int(store.next_resource_version())
        second = int(store.next_resource_version())
    assert second == first + 1


def _rv_row(store) -> int:
    return int(store.conn.execute("SELECT value FROM meta WHERE key='rv'").fetchone()[0])


@pytest.mark.parametrize("ending", ["commit", "rollback", "savepoint-rollback", "read-meta"])
def test_resource_version_counter_is_kept_exactly(store, ending):
    """The counter held in memory during a write reaches the row as the UPDATE per object did:
    on commit, before anyone reads it, and not at all when rolled back."""
    start = _rv_row(store)
    if ending == "rollback":
        with store.write(commit=False):
            store.next_resource_version()
        assert _rv_row(store) == start
    elif ending == "savepoint-rollback":
        with store.write():
            assert store.next_resource_version() == str(start + 1)
            with pytest.raises(ValueError), store.savepoint():
                assert store.next_resource_version() == str(start + 2)
                assert store.get_meta("rv") == str(start + 2)  # written when read
                raise ValueError
            assert store.next_resource_version() == str(start + 2)  # handed out again
        assert _rv_row(store) == start + 2
    elif ending == "read-meta":
        with store.write():
            store.next_resource_version()
            assert store.get_meta("rv") == str(start + 1)
            store.set_meta("rv", "1000")  # events.py swaps the counter this way
            assert store.next_resource_version() == "1001"
        assert _rv_row(store) == 1001
    else:
        with store.write():
            for _ in range(3):
                store.next_resource_version()
        assert _rv_row(store) == start + 3
    other = sqlite3.connect(store.path)  # another process starts from what was committed
    other.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 5 WHERE key='rv'")
    other.commit()
    other.close()
    committed = _rv_row(store)
    with store.write():
        assert store.next_resource_version() == str(committed + 1)


# -- buffered creates (a bulk apply/import: Store.bulk) ------------------------------------------

def _rows(store) -> list[tuple]:
    """Every object and label row with its rowid: what the tables hold, ids included."""
    conn = store.conn
    return [list(conn.execute("SELECT id, gk, namespace, name, body, summary FROM objects "
                              "ORDER BY id")),
            list(conn.execute("SELECT * FROM labels ORDER BY object_id, key")),
            list(conn.execute("SELECT * FROM allocations ORDER BY pool, value"))]


def _steps(store, buffered: bool) -> None:
    """Creates, a failed object, a read in the middle, an update: one command's writes."""
    with store.write():
        if buffered:
            store.bulk(10)
        store.put("Service", svc("a", labels={"app": "web", "tier": "fe"}), new=True)
        store.hold("podip", 7, "Pod/default/a")
        with pytest.raises(ValueError):
            with store.savepoint():
                store.hold("podip", 8, "Pod/default/failed")
                store.put("Service", svc("failed", labels={"app": "x"}), new=True)
                raise ValueError
        store.hold("podip", 7, "Pod/default/second")  # taken: the first one keeps it
        assert store.holder("podip", 7) == "Pod/default/a"
        store.hold("podip", 9, "Pod/default/b")
        store.put("Service", svc("b"), new=True)
        assert store.get("Service", "default", "a") is not None  # a read sees the buffer
        store.put("Service", svc("c", labels={"app": "web"}), new=True)
        with pytest.raises(ValueError):
            with store.savepoint():  # a read inside writes the buffer, the rollback undoes
                store.hold("podip", 10, "Pod/default/d")
                store.put("Service", svc("d", labels={"app": "web"}), new=True)
                assert store.owned("Pod/default/d") == [("podip", 10)]
                assert store.names("Service", "default") == ["a", "b", "c", "d", "kubernetes"]
                raise ValueError
        store.put("Service", svc("a", labels={"app": "api"}))  # an update of a buffered one
        store.put("Service", svc("e", labels={"app": "web"}), new=True)


def test_buffered_creates_write_the_same_rows_as_one_by_one(tmp_path):
    stores = [open_store(tmp_path / name / "state.db") for name in ("plain", "buffered")]
    for store, buffered in zip(stores, (False, True), strict=True):
        _steps(store, buffered)
    plain, buffered = (_rows(s) for s in stores)
    assert buffered == plain
    names = [o["metadata"]["name"] for o in stores[1].list_by_labels("Service", None,
                                                                     [("app", "web")])]
    assert names == ["c", "e"]
    assert [row for row in buffered[2] if row[0] == "podip"] == [
        ("podip", 7, "Pod/default/a"), ("podip", 9, "Pod/default/b")]
    for store in stores:
        store.close()


def test_new_states_use_large_pages_and_older_ones_keep_theirs(tmp_path, monkeypatch):
    """A new state is made with PAGE_SIZE pages; one made with SQLite's default 4 KiB pages
    (every kubesvc before) keeps them, and the same writes leave the same rows in both."""
    large = db.PAGE_SIZE
    assert large > 4096
    new = open_store(tmp_path / "new" / "state.db")
    monkeypatch.setattr(db, "PAGE_SIZE", 4096)
    old = open_store(tmp_path / "old" / "state.db")
    for store in (new, old):
        _steps(store, buffered=True)
    page_size = lambda s: s.conn.execute("PRAGMA page_size").fetchone()[0]  # noqa: E731
    assert (page_size(new), page_size(old)) == (large, 4096)
    assert _rows(new) == _rows(old)
    for store in (new, old):
        store.close()


@pytest.mark.parametrize("ending", ["rollback", "dry-run"])
def test_buffered_creates_go_with_the_transaction(store, ending):
    before = _rows(store)
    with pytest.raises(RuntimeError) if ending == "rollback" else nullcontext():
        with store.write(commit=ending != "dry-run"):
            store.bulk(10)
            store.put("Service", svc("a", labels={"app": "web"}), new=True)
            store.hold("podip", 7, "Pod/default/a")
            if ending == "rollback":
                raise RuntimeError("crash mid-command")
    assert _rows(store) == before


def test_buffered_creates_are_written_by_commit(tmp_path):
    path = tmp_path / "state.db"
    store = open_store(path)
    with store.write():
        store.bulk(10)
        store.put("Service", svc("a", labels={"app": "web"}), new=True)
    store.close()
    other = open_store(path)
    assert other.list_by_labels("Service", "default", [("app", "web")])[0]["metadata"][
        "name"] == "a"
    other.close()


# -- savepoints are opened in SQLite only when something is written inside them ----------------

def _traced(store) -> list[str]:
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    return statements


def test_a_savepoint_with_only_buffered_writes_costs_no_statement(store):
    with store.write():
        store.bulk(10)
        statements = _traced(store)
        for name in ("a", "b"):
            with store.savepoint():
                store.put("Service", svc(name, labels={"app": name}), new=True)
                store.hold("podip", ord(name), f"Pod/default/{name}")
                store.next_resource_version()
        with pytest.raises(ValueError), store.savepoint():
            store.put("Service", svc("failed"), new=True)
            store.next_resource_version()
            raise ValueError
        assert [s for s in statements if not s.startswith("SELECT")] == []
        rv = store.next_resource_version()
    assert [s.get("metadata", {}).get("name") for s in store.list("Service", "default")] == [
        "a", "b", "kubernetes"]
    assert store.holder("podip", ord("a")) == "Pod/default/a"
    assert int(rv) == _rv_row(store)  # the failed object's resourceVersion was given back


@pytest.mark.parametrize("fails", ["inner", "outer", "none"])
@pytest.mark.parametrize("outer_writes", [True, False])
def test_nested_savepoints_opened_late_undo_what_they_held(store, fails, outer_writes):
    """A write inside an inner savepoint opens the outer one first, so the rollback of
    either undoes exactly what was written inside it, in SQLite and in the buffers."""
    with store.write():
        store.bulk(10)
        store.put("Service", svc("before"), new=True)
        with pytest.raises(ValueError) if fails == "outer" else nullcontext():
            with store.savepoint():
                if outer_writes:
                    store.allocate("nodeport", 30001, "Service/default/outer")
                store.put("Service", svc("outer"), new=True)
                with pytest.raises(ValueError) if fails == "inner" else nullcontext():
                    with store.savepoint():
                        store.put("Service", svc("inner"), new=True)
                        store.allocate("nodeport", 30002, "Service/default/inner")
                        if fails == "inner":
                            raise ValueError
                if fails == "outer":
                    raise ValueError
        store.put("Service", svc("after"), new=True)
    names = {s["metadata"]["name"] for s in store.list("Service", "default")}
    expected = {"before", "after", "kubernetes"}
    if fails != "outer":
        expected |= {"outer"} | ({"inner"} if fails == "none" else set())
    assert names == expected
    assert store.holder("nodeport", 30001) == (
        "Service/default/outer" if outer_writes and fails != "outer" else None)
    assert store.holder("nodeport", 30002) == (
        "Service/default/inner" if fails == "none" else None)


@pytest.mark.parametrize("recorded", [1, 20], ids=["few-of-many", "most"])
def test_input_digests_name_the_objects_by_key(store, recorded):
    """Whichever way they are written (a lookup per key, or every key at once), digests go
    to the objects their keys name; a key nobody holds is skipped, the last digest wins."""
    names = [f"s{i:02}" for i in range(20)]
    with store.write():
        for name in names:
            store.put("Service", svc(name), new=True)
    last = store.conn.execute("SELECT max(id) FROM objects").fetchone()[0]
    assert (2 * (recorded + 2) >= last) == (recorded == 20)  # each way is taken once
    keys = [("Service", "default", name) for name in reversed(names)][:recorded]
    rows = [(f"d-{key[2]}", *key) for key in keys]
    rows += [("gone", "Service", "default", "missing"), (f"again-{keys[0][2]}", *keys[0])]
    with store.write():
        store.record_input_digests(rows)
    expected = {key: f"d-{key[2]}" for key in keys} | {keys[0]: f"again-{keys[0][2]}"}
    assert store.input_digests() == expected
