"""The unit of work (kubesvc.kubectl.session) and the Environment it runs in: what a command
commits, what a failure or a dry run leaves behind (nothing), and what the environment decides
(streams, state path, clock, lock timeout)."""

from __future__ import annotations

import gc
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kubesvc.api.errors import UsageError
from kubesvc.api.resources import for_gk
from kubesvc.apiserver import registry
from kubesvc.kubectl.environment import Environment
from kubesvc.kubectl.session import Session, open_store, read_session
from tests.conftest import FIXED_NOW


def deployment(name: str, replicas: int) -> dict:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}


def create(api, obj: dict) -> dict:
    return registry.create(api, for_gk(f"{obj['kind']}.apps"), obj, keep_status=False)


@pytest.fixture
def env(tmp_path) -> Environment:
    return Environment(stdout=io.StringIO(), stderr=io.StringIO(),
                       environ={"KUBESVC_NOW": FIXED_NOW}, state=str(tmp_path / "state.db"))


def pods_of(env: Environment, app: str) -> list[dict]:
    with read_session(env) as store:
        return store.list_by_labels("Pod", "default", [("app", app)])


def dump(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


# -- Session ----------------------------------------------------------------------------------

def test_a_clean_exit_runs_the_controllers_then_commits(env):
    with Session.open(env) as api:
        create(api, deployment("web", 3))
        assert api.store.list("Pod", "default") == []  # the controllers run on exit
    assert len(pods_of(env, "web")) == 3
    with read_session(env) as store:
        assert store.get("Deployment.apps", "default", "web") is not None
        assert len(store.list("ReplicaSet.apps", "default")) == 1


def test_a_failed_object_leaves_no_change_for_the_controllers(env):
    """ApiContext.savepoint: an object that fails half-way is rolled back in the store AND in
    the change log, so the controllers do not act on writes that never happened (a refused
    cascade must not make them recreate what was never deleted)."""
    with Session.open(env) as api:
        create(api, deployment("kept", 1))
        before = len(api.changes)
        with pytest.raises(RuntimeError), api.savepoint():
            create(api, deployment("undone", 2))
            assert len(api.changes) > before
            raise RuntimeError("the second half of this object's writes failed")
        assert len(api.changes) == before
    assert len(pods_of(env, "kept")) == 1
    assert pods_of(env, "undone") == []
    with read_session(env) as store:
        assert store.get("Deployment.apps", "default", "undone") is None


def test_a_second_session_sees_what_the_first_committed(env):
    with Session.open(env) as api:
        create(api, deployment("web", 1))
    with Session.open(env) as api:
        live = api.store.get("Deployment.apps", "default", "web")
        assert live is not None and live["spec"]["replicas"] == 1
        updated = {**live, "spec": {**live["spec"], "replicas": 2}}
        registry.update(api, for_gk("Deployment.apps"), updated, live, keep_status=False)
    assert len(pods_of(env, "web")) == 2


def test_an_exception_rolls_everything_back(env, tmp_path):
    open_store(Path(env.state or ""), env=env).close()  # the seeded store, committed
    before = dump(tmp_path / "state.db")
    with pytest.raises(RuntimeError, match="boom"), Session.open(env) as api:
        create(api, deployment("web", 2))
        raise RuntimeError("boom")
    assert pods_of(env, "web") == []
    with read_session(env) as store:
        assert store.get("Deployment.apps", "default", "web") is None
    assert dump(tmp_path / "state.db") == before


@pytest.mark.parametrize("controllers", [True, False], ids=["server-dry-run", "client-dry-run"])
def test_a_dry_run_computes_everything_and_leaves_nothing(env, controllers):
    with Session.open(env) as api:
        pass  # create the store first: the dry run alone must change nothing
    with read_session(env) as store:
        rv = store.get_meta("rv")
    session = Session.open(env, dry_run=True, controllers=controllers)
    with session as api:
        assert api.dry_run
        create(api, deployment("web", 2))
        if controllers:
            session.settle()
        inside = len(api.store.list("Pod", "default"))
    assert inside == (2 if controllers else 0)
    assert pods_of(env, "web") == []
    with read_session(env) as store:
        assert store.get("Deployment.apps", "default", "web") is None
        assert store.get_meta("rv") == rv


def test_settle_then_exit_runs_the_controllers_only_for_later_changes(env, monkeypatch):
    import kubesvc.controllers as controllers

    open_store(Path(env.state or ""), env=env).close()  # seeding runs them too: count after
    runs = []
    real = controllers.run_controllers
    monkeypatch.setattr(controllers, "run_controllers",
                        lambda api: runs.append(1) or real(api))
    session = Session.open(env)
    with session:
        session.settle()
    assert len(runs) == 1  # nothing changed after settle(): not run again on exit
    session = Session.open(env)
    with session as api:
        session.settle()
        create(api, deployment("late", 1))
    assert len(runs) == 3
    assert len(pods_of(env, "late")) == 1


def test_the_session_stamps_objects_with_the_environments_clock(tmp_path):
    moment = datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)
    env = Environment(environ={}, state=str(tmp_path / "s.db"), clock=lambda: moment)
    with Session.open(env) as api:
        obj = create(api, deployment("web", 1))
    assert api.now == moment
    assert obj["metadata"]["creationTimestamp"] == "2030-05-06T07:08:09Z"


def test_a_new_store_is_seeded_through_a_session(env):
    with Session.open(env):  # created by the first writing session
        pass
    with read_session(env) as store:
        assert store.get("Service", "default", "kubernetes") is not None
        assert {"default", "kube-system"} <= set(store.names("Namespace"))
        assert store.get("Service", "kube-system", "kube-dns") is not None


def test_a_read_session_takes_no_write_lock_and_sees_one_snapshot(env):
    with Session.open(env):
        pass
    with read_session(env) as store:
        first = store.get_meta("rv")
        with Session.open(env) as api:  # a writer is not blocked by the reader
            create(api, deployment("web", 1))
        assert store.get_meta("rv") == first  # ...and the reader does not see half of it
        assert store.get("Deployment.apps", "default", "web") is None
    with read_session(env) as store:
        assert store.get("Deployment.apps", "default", "web") is not None


def test_no_store_and_create_false_is_a_clear_error(tmp_path):
    from kubesvc.api.errors import ClientError

    with pytest.raises(ClientError, match="no kubesvc state at"):
        open_store(tmp_path / "missing.db", create=False)


# -- Environment ------------------------------------------------------------------------------

def test_the_streams_are_the_environments():
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, environ={})
    env.out("a\n")
    env.out("")
    env.err("error: b")
    env.warn("c")
    assert out.getvalue() == "a\n"
    assert err.getvalue() == "error: b\nWarning: c\n"


@pytest.mark.parametrize(("environ", "expected"), [
    ({"KUBESVC_NOW": "2026-01-01T00:00:00Z"}, datetime(2026, 1, 1, tzinfo=UTC)),
    ({"KUBESVC_NOW": "2027-03-04T05:06:07+02:00"}, datetime(2027, 3, 4, 3, 6, 7, tzinfo=UTC)),
], ids=["utc", "offset"])
def test_kubesvc_now_pins_the_clock(environ, expected):
    assert Environment(environ=environ).now() == expected


def test_without_kubesvc_now_the_clock_is_real_utc_time():
    before = datetime.now(UTC).replace(microsecond=0)
    now = Environment(environ={}).now()
    assert now.tzinfo == UTC and now.microsecond == 0
    assert before <= now <= datetime.now(UTC)


@pytest.mark.parametrize(("verb", "flag", "environ", "expected"), [
    ("/v.db", "/g.db", {"KUBESVC_STATE": "/e.db"}, "/v.db"),
    (None, "/g.db", {"KUBESVC_STATE": "/e.db"}, "/g.db"),
    (None, None, {"KUBESVC_STATE": "/e.db", "XDG_STATE_HOME": "/x"}, "/e.db"),
    (None, None, {"XDG_STATE_HOME": "/x"}, "/x/kubesvc/state.db"),
], ids=["verb-flag", "global-flag", "KUBESVC_STATE", "XDG_STATE_HOME"])
def test_which_state_file(verb, flag, environ, expected):
    env = Environment(environ=environ, state=flag)
    assert env.resolve_state(verb) == Path(expected)
    assert env.state_path == expected  # remembered for SQLite's error messages


@pytest.mark.parametrize(("raw", "expected"), [(None, None), ("0", 0.0), ("2.5", 2.5)],
                         ids=["unset", "zero", "fraction"])
def test_lock_timeout(raw, expected):
    environ = {} if raw is None else {"KUBESVC_LOCK_TIMEOUT": raw}
    assert Environment(environ=environ).lock_timeout() == expected


@pytest.mark.parametrize("raw", ["soon", "-1", "nan", "inf", "86401"])
def test_a_bad_lock_timeout_is_a_usage_error(raw):
    with pytest.raises(UsageError, match="KUBESVC_LOCK_TIMEOUT must be a number of seconds"):
        Environment(environ={"KUBESVC_LOCK_TIMEOUT": raw}).lock_timeout()


# -- the CLI runs in the Environment it is given ----------------------------------------------

def test_the_cli_writes_to_the_environments_streams_and_keeps_the_gc_on(tmp_path):
    from kubesvc.cli.main import invoke

    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, environ={"KUBESVC_NOW": FIXED_NOW})
    state = str(tmp_path / "s.db")
    assert gc.isenabled()
    assert invoke(["--state", state, "create", "deployment", "web", "--image", "nginx"], env) == 0
    assert gc.isenabled()  # only the console-script entry turns the cyclic GC off
    assert out.getvalue() == "deployment.apps/web created\n"
    assert invoke(["--state", state, "get", "deployments", "-v", "0"], env) == 1
    assert "error: unknown shorthand flag: 'v' in -v" in err.getvalue()


def test_the_global_flags_reach_the_environment(tmp_path):
    from kubesvc.cli.main import invoke

    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, environ={"KUBESVC_NOW": FIXED_NOW})
    init = Environment(stdout=io.StringIO(), stderr=err, environ={"KUBESVC_NOW": FIXED_NOW})
    assert invoke(["--state", str(tmp_path / "g.db"), "cluster", "init"], init) == 0
    assert invoke(["--state", str(tmp_path / "g.db"), "-v", "3", "get", "ns"], env) == 0
    assert env.verbosity == 3
    assert env.state_path == str(tmp_path / "g.db")
    assert out.getvalue().startswith("NAME ")


@pytest.mark.parametrize(("verbosity", "traceback"), [(0, False), (6, True)], ids=["v0", "v6"])
def test_an_internal_error_is_one_line_on_the_environments_stderr(verbosity, traceback):
    from kubesvc.cli.runtime import unexpected

    err = io.StringIO()
    env = Environment(stderr=err, environ={}, verbosity=verbosity)
    try:
        raise TypeError("oops")
    except TypeError as exc:
        assert unexpected(env, exc) == 1
    lines = err.getvalue().splitlines()
    assert lines[-1].startswith("error: internal error: TypeError: oops (run with -v 6")
    assert ("Traceback (most recent call last):" in lines) == traceback


def test_sqlite_failing_mid_command_names_the_state_file_the_command_opened(tmp_path):
    import sqlite3

    from kubesvc.cli.runtime import unexpected

    err = io.StringIO()
    env = Environment(stderr=err, environ={})
    env.resolve_state(str(tmp_path / "s.db"))
    unexpected(env, sqlite3.OperationalError("disk I/O error"))
    assert err.getvalue() == (f"error: cannot write the state file {tmp_path / 's.db'}: disk "
                              "I/O error (is the disk full?); nothing was changed\n")
