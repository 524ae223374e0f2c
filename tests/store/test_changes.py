"""The change log `kubesvc serve`'s watches read (kubesvc/store/changes.py): made when a state is
first served, fed by every writer, bounded by compaction."""

import pytest

from kubesvc.kubectl.session import open_store
from kubesvc.store import changes
from tests.builders import pod


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "state.db")
    yield s
    s.close()


def _put(store, name: str, labels: dict | None = None, new: bool = False) -> int:
    obj = pod(name)
    rv = store.reserve_resource_versions(1)
    obj["metadata"]["resourceVersion"] = str(rv)
    if labels:
        obj["metadata"]["labels"] = labels
    store.put("Pod", obj, new=new)
    return rv


def _served(store) -> int:
    with store.write():
        changes.ensure(store.conn)
    store._changes = None  # asked again, as a new process would
    return int(store.get_meta("rv"))


def test_a_state_never_served_logs_nothing_and_deletes_as_before(store):
    with store.write():
        _put(store, "a", new=True)
    before = store.get_meta("rv")
    with store.write():
        assert store.delete("Pod", "default", "a")
    assert store.get_meta("rv") == before  # no resourceVersion taken for the deletion
    assert not changes.present(store.conn)


def test_creations_updates_and_deletions_in_order(store):
    with store.write():
        _put(store, "old", new=True)
        _put(store, "gone", new=True)
    start = _served(store)
    assert changes.floor(store.conn) == start
    with store.write():
        made = _put(store, "new")  # an upsert that inserts: a creation
        changed = _put(store, "old")  # an upsert that updates
        assert store.delete("Pod", "default", "gone")
    deleted = int(store.get_meta("rv"))
    with store.read():
        seen = [(c.type, c.name, c.rv, c.body["metadata"]["resourceVersion"])
                for c in changes.since(store.conn, "Pod", "default", start)]
        assert seen == [("ADDED", "new", made, str(made)),
                        ("MODIFIED", "old", changed, str(changed)),
                        ("DELETED", "gone", deleted, str(deleted))]
        assert changes.since(store.conn, "Pod", "default", deleted) == []
        assert changes.since(store.conn, "Pod", "other", start) == []
        assert changes.changed_since(store.conn, "Pod", None, start)
        assert not changes.changed_since(store.conn, "Service", None, start)


def test_a_deletion_rolled_back_leaves_no_tombstone(store):
    with store.write():
        _put(store, "a", new=True)
    start = _served(store)
    with pytest.raises(RuntimeError), store.write():
        store.delete("Pod", "default", "a")
        raise RuntimeError
    with store.read():
        assert changes.since(store.conn, "Pod", None, start) == []


def test_compaction_keeps_the_newest_rows_and_raises_the_floor(store):
    _served(store)
    with store.write():
        versions = [_put(store, f"p{i}", new=True) for i in range(5)]
        for i in range(3):
            store.delete("Pod", "default", f"p{i}")
    with store.write():
        assert changes.compact(store.conn, keep=4) == 4  # 8 rows: 5 creations, 3 deletions
        assert changes.compact(store.conn, keep=4) == 0
    assert changes.floor(store.conn) == versions[3]
    with store.read():
        kept = changes.since(store.conn, "Pod", None, versions[3])
    assert [(c.type, c.name) for c in kept] == [("ADDED", "p4"), ("DELETED", "p0"),
                                                 ("DELETED", "p1"), ("DELETED", "p2")]
