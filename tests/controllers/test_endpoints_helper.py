"""The helper process of a big endpoint sync (controllers/endpoints/helper.py): the same stored
rows and the same change log as this process alone, whatever the helper answers (the unusual
Services it leaves, namespaces it is not handed, a helper that dies or never starts)."""

from __future__ import annotations

import os
import random
import sys

import pytest

from kubesvc.apiserver.context import ApiContext
from kubesvc.controllers.endpoints import helper, sync
from kubesvc.store.db import Store
from tests.controllers.test_endpoints_fast import NOW, SLICE_GK, _node, _pod, _service

NAMESPACES = ("ns-a", "ns-b", "ns-c", "ns-d", "ns-e")


@pytest.fixture(autouse=True)
def _a_free_core(monkeypatch):
    """Whatever the test machine's load: a helper may start (core_free is tested below)."""
    monkeypatch.setattr(helper, "core_free", lambda: True)


@pytest.fixture
def store(tmp_path):
    s = Store.create(tmp_path / "state.db", {}, lambda _: None)
    yield s
    s.close()


def _fill(store: Store, seed: int) -> None:
    """Namespaces of generated pods and Services (the unusual ones mixed in); in ns-c a
    slice made before (that namespace is synced here), in ns-d a pod the facts cannot
    describe (the helper answers nothing for it)."""
    rng = random.Random(seed)
    with store.write():
        for node in (_node("n1", "z1"), _node("n2", None), _node("n3", "z2")):
            store.put("Node", node, new=True)
        for ns in NAMESPACES:
            for i in range(40):
                store.put("Pod", _pod(rng, ns, i), new=True)
            for i in range(12):
                store.put("Service", _service(rng, ns, i), new=True)
        odd = _pod(rng, "ns-d", 99)
        odd["metadata"]["labels"]["n"] = 1
        store.put("Pod", odd, new=True)
        store.put(SLICE_GK, {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                             "metadata": {"name": "old", "namespace": "ns-c", "labels": {
                                 "kubernetes.io/service-name": "svc-web"}},
                             "addressType": "IPv4", "endpoints": None}, new=True)


def _sync_all(store: Store) -> tuple[list, list]:
    """Every Service's endpoints from scratch (rolled back): the rows and the changes."""
    with store.write(commit=False):
        ctx = ApiContext(store, NOW)
        for ns, name in store.conn.execute(
                "SELECT namespace, name FROM objects WHERE gk='Service'").fetchall():
            ctx.record("Service", ns, name, None, store.get("Service", ns, name))
        first = len(ctx.changes)
        sync.sync_endpoints(ctx, ctx.changes)
        rows = store.conn.execute(
            "SELECT o.id, o.gk, o.namespace, o.name, o.body, (SELECT group_concat(key || '=' "
            "|| value, ',') FROM labels l WHERE l.object_id = o.id) FROM objects o "
            "WHERE gk IN (?, 'Endpoints') ORDER BY o.id", (SLICE_GK,)).fetchall()
        changes = [(c.gk, c.namespace, c.name, c.old_meta, c.new_meta)
                   for c in ctx.changes[first:]]
        return rows, changes


def _spy(monkeypatch) -> list:
    """The helpers started, as they are."""
    started: list = []
    start = helper.start

    def spy(*args):
        got = start(*args)
        started.append(None if got is None else list(got.handed))
        return got

    monkeypatch.setattr(helper, "start", spy)
    return started


@pytest.mark.parametrize("seed", range(6))
def test_the_helper_writes_what_this_process_writes(store, monkeypatch, seed):
    _fill(store, seed)
    monkeypatch.setattr(helper, "MIN_SERVICES", 0)
    started = _spy(monkeypatch)
    replayed: list = []
    replay = sync._replay
    monkeypatch.setattr(sync, "_replay", lambda *a: replayed.append(a[1]) or replay(*a))
    here: list = []  # Services synced here, the general way
    general = sync.sync_service
    monkeypatch.setattr(sync, "sync_service",
                        lambda ctx, svc, *a: here.append(svc["metadata"]["namespace"])
                        or general(ctx, svc, *a))
    with_helper = _sync_all(store)
    assert started and started[0], "no helper was started"
    assert "ns-c" not in started[0]  # a slice to reconcile: not handed
    assert replayed and "ns-d" not in replayed  # no answer for it: synced here
    assert set(here) & set(replayed)  # Services the helper left, synced here in their place
    monkeypatch.setattr(helper, "can_spawn", lambda: False)
    alone = _sync_all(store)
    assert started[-1] is None
    assert with_helper == alone
    assert len(alone[0]) > 2 * len(NAMESPACES)


# a helper that answers its first namespace, then dies
_DIES = """
import os
from kubesvc.controllers.endpoints import helper
build = helper.build_namespace
answered = []
def once(*args):
    if answered:
        os._exit(3)
    answered.append(1)
    return build(*args)
helper.build_namespace = once
helper.main({}, {})
"""


@pytest.mark.parametrize(("command", "answered"), [
    pytest.param(lambda i, o: [sys.executable, "-c", "import os; os._exit(3)"], 0,
                 id="at-once"),
    pytest.param(lambda i, o: [sys.executable, "-c", _DIES.format(i, o)], 1, id="midway"),
    pytest.param(lambda i, o: ["/nonexistent/python"], None, id="missing"),
])
def test_a_helper_that_dies_leaves_its_namespaces_here(store, monkeypatch, command, answered):
    _fill(store, 7)
    monkeypatch.setattr(helper, "MIN_SERVICES", 0)
    started = _spy(monkeypatch)
    replayed: list = []
    replay = sync._replay
    monkeypatch.setattr(sync, "_replay", lambda *a: replayed.append(a[1]) or replay(*a))
    monkeypatch.setattr(helper, "_command", command)
    dead = _sync_all(store)
    if answered is None:
        assert started == [None]
    elif answered:
        assert len(started[0]) > 1 and len(replayed) == answered
    else:  # (gone before or after it was handed its inputs)
        assert not replayed
    monkeypatch.setattr(helper, "can_spawn", lambda: False)
    assert dead == _sync_all(store)


def test_small_syncs_start_no_helper(store, monkeypatch):
    _fill(store, 8)
    started = _spy(monkeypatch)
    _sync_all(store)
    assert started == [None]  # fewer Services than MIN_SERVICES
    monkeypatch.setattr(helper, "MIN_SERVICES", 0)
    _sync_all(store)
    assert started[-1]


@pytest.mark.parametrize(("cpus", "runnable", "load", "free"), [
    (1, 1, 0.0, False), (2, 1, 1.9, True), (2, 2, 0.2, False), (4, 3, 3.9, True),
    (4, 4, 0.0, False),
    # no count of the moment (not Linux): the last minute's load average decides
    (1, None, 0.0, False), (2, None, 0.2, True), (2, None, 1.5, True), (2, None, 1.6, False),
    (4, None, 3.4, True), (4, None, 3.6, False),
])
def test_a_helper_needs_a_free_core(monkeypatch, cpus, runnable, load, free):
    monkeypatch.undo()  # the real core_free
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cpus)))
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(helper, "runnable_now", lambda: runnable)
    assert helper.core_free() is free


def test_runnable_now_counts_this_process():
    count = helper.runnable_now()
    assert count is None or count >= 1
