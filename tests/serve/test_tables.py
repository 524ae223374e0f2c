"""Table responses: the rows built from the store's summary rows (what a large `kubectl get
pods -A` is answered from) are the rows built from whole objects, row objects follow
`includeObject`, and Tables come whole (`limit` ignored, as the API lets a server do)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest

from kubesvc.kubectl.environment import Environment
from kubesvc.kubectl.session import read_session
from kubesvc.serve import tables
from kubesvc.store import queries
from tests.conftest import CORPUS, REPO, Cli
from tests.serve.served import Served, served_state
from tests.serve.test_http import call

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
TABLE = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
SEED = (["apply", "-f", str(REPO / "manifests")],
        ["apply", "-f", str(CORPUS / "microservices-demo")])


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tables")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KUBESVC_NOW", "2026-01-01T00:00:00Z")
        cli = Cli(folder / "state.db")
        for args in SEED:
            cli.ok(*args)
    return folder / "state.db"


def both(state, kind: str, namespace: str | None, include: str) -> tuple[dict, dict]:
    """(Table from summary rows, Table from whole objects) of one kind."""
    with read_session(Environment(), str(state)) as store:
        rows = queries.table_rows(store, kind, namespace, metadata=True)
        objs = store.list(kind, namespace)
    meta = {"resourceVersion": "7"}
    fast = json.loads(tables.summary_table_json(kind, rows, NOW, include, meta))
    return fast, tables.table(kind, objs, NOW, include, meta)


@pytest.mark.parametrize("kind", ["Pod", "Service"])
@pytest.mark.parametrize("namespace", [None, "default"])
@pytest.mark.parametrize("include", ["Metadata", "None"])
def test_summary_rows_make_the_table_whole_objects_make(state, kind, namespace, include):
    fast, slow = both(state, kind, namespace, include)
    assert fast == slow
    assert len(slow["rows"]) > 2
    if include == "Metadata":
        assert any("labels" in r["object"]["metadata"] for r in fast["rows"])
        assert all(r["object"]["metadata"]["uid"] for r in fast["rows"])


def test_a_row_without_a_current_summary_is_computed_from_its_body(state, tmp_path):
    copy = tmp_path / "stale.db"
    source, conn = sqlite3.connect(state), sqlite3.connect(copy)
    source.backup(conn)
    source.close()
    with conn:
        changed = conn.execute("UPDATE objects SET summary = NULL WHERE gk = 'Pod' AND "
                               "id = (SELECT min(id) FROM objects WHERE gk = 'Pod')").rowcount
    conn.close()
    assert changed == 1
    fast, slow = both(copy, "Pod", None, "Metadata")
    assert fast == slow


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Served:
    srv = served_state(tmp_path_factory.mktemp("served-tables"), *SEED)
    yield srv
    srv.stop()


@pytest.mark.parametrize("path", ["/api/v1/pods", "/api/v1/namespaces/default/services",
                                  "/apis/apps/v1/deployments"])
def test_tables_are_not_paged(served, path):
    code, _, whole = call(served, "GET", path, headers=TABLE)
    code_1, _, limited = call(served, "GET", f"{path}?limit=1", headers=TABLE)
    assert code == code_1 == 200
    assert len(limited["rows"]) == len(whole["rows"]) > 1
    assert "continue" not in limited["metadata"]
    _, _, plain = call(served, "GET", f"{path}?limit=1")
    assert len(plain["items"]) == 1 and plain["metadata"]["continue"]


@pytest.mark.parametrize("path", ["/api/v1/pods", "/apis/apps/v1/deployments"])
def test_row_objects_follow_include_object(served, path):
    _, _, items = call(served, "GET", path)
    by_name = {i["metadata"]["name"]: i for i in items["items"]}
    for include in ("", "Metadata", "Object", "None"):
        query = f"?includeObject={include}" if include else ""
        _, _, table = call(served, "GET", path + query, headers=TABLE)
        assert len(table["rows"]) == len(by_name)
        for row in table["rows"]:
            name = row["cells"][0]
            if include == "None":
                assert "object" not in row
            elif include == "Object":
                assert row["object"] == by_name[name]
            else:  # Metadata, also when left out (upstream's default)
                assert row["object"]["kind"] == "PartialObjectMetadata"
                assert row["object"]["metadata"] == by_name[name]["metadata"]
