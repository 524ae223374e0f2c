"""The summary column `get` prints Pod and Service tables from: written with every body,
added to stores of format 1 when they are opened, and never needed: a store without it, or
with summaries of another version, prints the same tables from the bodies."""

import io
import sqlite3

import pytest

from kubesvc.store.db import FORMAT_VERSION, Store
from tests.conftest import REPO

GETS = [["pods", "-A"], ["svc", "-A", "-o", "wide"], ["pods", "-o", "wide"], ["svc,pods"],
        ["pods", "-A", "--no-headers", "--show-kind"], ["svc", "-n", "kube-system"]]


def _outputs(cli):
    return [cli.ok("get", *args) for args in GETS]


def _sql(path, *statements):
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _summaries(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT gk, name, summary FROM objects WHERE gk IN ('Pod', 'Service')"
                            " ORDER BY gk, name").fetchall()
    finally:
        conn.close()


@pytest.fixture
def applied(cli):
    cli.ok("apply", "-f", str(REPO / "manifests"))
    assert any(s for _, _, s in _summaries(cli.state))
    return cli


@pytest.mark.parametrize("damage", [
    ["UPDATE objects SET summary = NULL"],
    ["UPDATE objects SET summary = '0' || substr(summary, 2) WHERE summary IS NOT NULL"],
    ["UPDATE objects SET summary = NULL WHERE gk = 'Pod' AND rowid % 2 = 0"],
    # pod summaries written before briefs existed (and one with its cells but a brief cut)
    ["UPDATE objects SET summary = substr(summary, 1, instr(summary, char(31) || '[') - 1) "
     "WHERE gk = 'Pod'"],
    ["UPDATE objects SET summary = substr(summary, 1, instr(summary, char(31) || '[') - 1) "
     "WHERE gk = 'Pod' AND rowid % 3 = 0"],
])
def test_missing_or_other_version_summaries_print_from_bodies(applied, damage):
    before = _outputs(applied)
    _sql(applied.state, *damage)
    assert _outputs(applied) == before


def _make_format_1(path):
    _sql(path, "DROP INDEX objects_summary", "ALTER TABLE objects DROP COLUMN summary",
         "PRAGMA user_version = 1")


def test_a_format_1_store_is_migrated_on_open(applied):
    before, summaries = _outputs(applied), _summaries(applied.state)
    _make_format_1(applied.state)
    assert _outputs(applied) == before  # opening it migrated it
    assert _summaries(applied.state) == summaries
    conn = sqlite3.connect(applied.state)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION == 2
    conn.close()


def test_a_read_only_format_1_store_prints_from_bodies(applied):
    before = _outputs(applied)
    _make_format_1(applied.state)
    store = Store.open(applied.state, readonly=True)
    try:
        assert not store.has_summary
        from kubesvc.store.queries import table_rows

        rows = table_rows(store, "Pod")
        assert rows and all(s is None and body for _, _, s, body in rows)
        from kubesvc.cli.get_view import GetView
        from kubesvc.kubectl.environment import Environment

        printed = io.StringIO()
        with store.read():
            GetView(["pods"], None, True, None, None, None, None, None, [], False, False,
                    False).run(Environment(stdout=printed), store)
        assert printed.getvalue() == before[0]
    finally:
        store.close()


def test_writes_keep_the_summary_current(applied):
    applied.ok("label", "svc", "--all", "x=y")
    applied.ok("patch", "svc", "web", "-p", '{"spec":{"type":"NodePort"}}')
    out = applied.ok("get", "svc", "-o", "wide")
    _sql(applied.state, "UPDATE objects SET summary = NULL")
    assert applied.ok("get", "svc", "-o", "wide") == out
    assert "NodePort" in out


def test_bulk_writes_store_the_summary_as_put_does(tmp_path):
    """Controller output written in bulk (store/bulk.py) carries the same summary column as a
    Store.put of the same object, so `get` never prints a stale row."""
    from kubesvc.store import bulk
    from kubesvc.store.db import summary_row
    from tests.builders import pod

    store = Store.create(tmp_path / "s.db", {}, lambda _store: None)
    objs = [pod(f"p{i}", ip=f"10.244.0.{i + 2}") for i in range(3)]
    with store.write():
        bulk.put_objects(store, [("Pod", o, None) for o in objs])
    rows = store.conn.execute("SELECT name, summary FROM objects WHERE gk='Pod' "
                              "ORDER BY name").fetchall()
    assert rows == [(o["metadata"]["name"], summary_row("Pod", o)) for o in objs]
    assert all(s is not None for _, s in rows)


def _pod(**fields):
    pod = {"metadata": {"name": "p", "namespace": "default", "labels": {"app": "web"}},
           "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}]},
           "status": {"phase": "Running", "podIP": "10.0.0.1"}}
    for path, value in fields.items():
        section, key = path.split("__")
        pod[section][key] = value
    return pod


@pytest.mark.parametrize("pod", [
    _pod(),
    _pod(metadata__labels={"app": None}),  # a None the brief's count does not expect
    _pod(metadata__labels={"app": "null"}),  # "null" inside a string
    _pod(spec__containers=[{"ports": [{"containerPort": float("nan"), "name": None}]}]),
    _pod(spec__containers=[{"ports": [{"containerPort": 1e-05}]}]),  # Python spells 1e-05
    _pod(spec__initContainers=[{"restartPolicy": None, "ports": [{"containerPort": 1}]}]),
    _pod(status__phase=None, spec__nodeName=None),
    _pod(status__conditions=[{"type": "PodScheduled", "status": "False", "reason": None}]),
    _pod(metadata__labels=None, spec__hostname=float("inf")),
], ids=lambda pod: repr(pod)[-60:])
def test_the_bulk_brief_encoder_writes_what_json_dumps_writes(pod):
    from kubesvc.api import table_cells
    from kubesvc.store import codec

    assert codec.enable()
    plain = table_cells.summary("Pod", pod)
    assert plain is not None
    assert table_cells.summary("Pod", pod, codec.dumps_counted) == plain
