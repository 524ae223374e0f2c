"""`get` answered without Typer (cli/fast.py) must be `get` under Typer, only quicker: same
flags, same output, same errors, same exit codes."""

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import pytest

from kubesvc.cli import fast
from tests.conftest import REPO


def test_flag_table_matches_the_typer_command():
    import typer.main

    from kubesvc.cli.main import app

    get = typer.main.get_command(app).commands["get"]
    typer_flags = {name for p in get.params for name in p.opts if name.startswith("--")}
    typer_flags.add("--help")  # click adds it outside params
    assert typer_flags == set(fast.GET_FLAGS) | {f for f in fast.SLOW_FLAGS
                                                 if f.startswith("--")}
    for p in get.params:
        if p.param_type_name != "option":
            continue
        long = next(n for n in p.opts if n.startswith("--"))
        if long in fast.GET_FLAGS:
            short, _, takes_value = fast.GET_FLAGS[long]
            assert takes_value == (not p.is_flag), long
            assert short == next((n for n in p.opts if not n.startswith("--")), None), long


def run_fast(args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = fast.run_get(args)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("args", [
    ["svc"], ["svc", "-o", "wide"], ["svc", "-owide"], ["svc", "--output=yaml"],
    ["svc,pods", "-A"], ["pods", "-l", "app=web", "-L", "app", "--show-kind"],
    ["svc", "web", "nope"], ["svc", "-o", "jsonpath={.items[*].metadata.name}"],
    ["svc", "--sort-by=.spec.type", "--no-headers"], ["pods", "--field-selector",
                                                       "spec.nodeName=kind-worker"],
    ["svc", "-n", "kube-public"], ["widgets"], ["svc", "-o", "xml"], ["nodes", "--show-labels"],
])
def test_same_as_typer(cli, args):
    cli.ok("apply", "-f", str(REPO / "manifests"))
    slow = cli("get", *args)
    code, out, err = run_fast(["--state", str(cli.state), *args])
    assert (code, out, err) == (slow.code, slow.out, slow.err)


@pytest.mark.parametrize("args", [["svc", "-w"], ["svc", "--help"], ["svc", "--bogus"],
                                  ["svc", "-n"], ["svc", "--no-headers=yes"]])
def test_what_it_does_not_handle_goes_to_typer(args):
    assert fast.parse_get(args) is None


def test_get_imports_no_typer_and_no_dataclasses(tmp_path):
    """`get`'s start-up: neither Typer (~35 ms) nor `dataclasses`, whose import of inspect
    alone costs ~15 ms; the objects on this path are NamedTuples and slotted classes."""
    state = tmp_path / "state.db"
    code = ("import sys; from kubesvc.cli import entry\n"
            "sys.argv = ['kubesvc', 'get', 'svc']\n"
            "try:\n    entry.run()\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)")
    init = subprocess.run([sys.executable, "-m", "kubesvc", "--state", str(state), "cluster",
                           "init"], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert init.returncode == 0, init.stderr
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO),
                                             "KUBESVC_STATE": str(state)})
    assert "kubernetes" in proc.stdout
    loaded = set(proc.stderr.split())
    assert not loaded & {"typer", "click", "dataclasses", "inspect"}


def test_get_imports_neither_typing_nor_pathlib(tmp_path):
    """Nor `typing` or `pathlib` (~4% of a 10,000-row `get` each): NamedTuples come from
    kubesvc.api.records, the state path is a str. Run with -S: an editable install's import
    finder, run by site, imports pathlib in every process of its environment."""
    state = tmp_path / "state.db"
    init = subprocess.run([sys.executable, "-m", "kubesvc", "--state", str(state), "cluster",
                           "init"], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert init.returncode == 0, init.stderr
    code = ("import sys; from kubesvc.cli import entry\n"
            "sys.argv = ['kubesvc', '--state', sys.argv[1], 'get', 'svc', '-A', '-o', 'wide']\n"
            "try:\n    entry.run()\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-S", "-c", code, str(state)], capture_output=True,
                          text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert "kubernetes" in proc.stdout, proc.stderr
    loaded = set(proc.stderr.split())
    assert "kubesvc.store.db" in loaded  # it did read the state
    assert not loaded & {"typing", "pathlib"}


def _console(entry_point: str, args: list[str], stdout, env: dict) -> subprocess.CompletedProcess:
    code = f"import sys; from kubesvc.cli.entry import {entry_point}; sys.exit({entry_point}())"
    return subprocess.run([sys.executable, "-c", code, *args], stdout=stdout,
                          stderr=subprocess.PIPE, env=env, check=False)


@pytest.fixture
def console_state(tmp_path):
    state = tmp_path / "state.db"
    init = subprocess.run([sys.executable, "-m", "kubesvc", "--state", str(state), "cluster",
                           "init"], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert init.returncode == 0, init.stderr
    return state


@pytest.mark.parametrize("args", [["get", "svc", "-A", "-o", "wide"], ["get", "svc", "nope"],
                                  ["get", "pods", "-A", "--no-headers"], ["get", "widgets"]])
def test_the_console_script_ends_a_get_as_run_does(console_state, args):
    """entry.main (the console script) ends a fast-path `get` with os._exit: the same output,
    messages and exit code as run(), and the state closed (no -wal or -shm file left)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "KUBESVC_NOW": "2026-12-08T00:00:00Z"}
    argv = ["--state", str(console_state), *args]
    files = sorted(p.name for p in console_state.parent.iterdir())
    ran = _console("run", argv, subprocess.PIPE, env)
    assert sorted(p.name for p in console_state.parent.iterdir()) == files
    main = _console("main", argv, subprocess.PIPE, env)
    assert (main.returncode, main.stdout, main.stderr) == (ran.returncode, ran.stdout, ran.stderr)
    assert sorted(p.name for p in console_state.parent.iterdir()) == files


@pytest.mark.parametrize("buffered", [True, False])
@pytest.mark.parametrize("args", [["get", "svc"], ["get", "svc", "-A", "-o", "wide"]])
def test_the_console_script_on_a_closed_pipe_exits_as_run_does(console_state, buffered, args):
    """A reader gone before `get` writes: the same message and exit code from main as from
    run() (Python's own report of the failed flush, exit 120, when stdout is buffered)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env.update(PYTHONPATH=str(REPO), **({} if buffered else {"PYTHONUNBUFFERED": "1"}))
    outcomes = []
    for entry_point in ("run", "main"):
        read, write = os.pipe()
        os.close(read)
        try:
            done = _console(entry_point, ["--state", str(console_state), *args], write, env)
        finally:
            os.close(write)
        outcomes.append((done.returncode, done.stderr))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == (120 if buffered else 0)


def test_services_across_namespaces_in_etcd_key_order(cli, tmp_path):
    """get svc -A (rows a namespace at a time: queries.table_groups) lists namespaces in etcd
    key order, `NS/` as bytes, as the rows read from the bodies do."""
    import sqlite3

    import yaml

    from tests.conftest import write

    spaces = ("ex-guestbook", "ex-guestbook-go", "ex")
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}} for ns in spaces]
    docs += [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"s{i}", "namespace": ns},
              "spec": {"ports": [{"port": 80 + i}]}} for ns in spaces for i in range(2)]
    cli.ok("apply", "-f", write(tmp_path, "svcs.yaml", yaml.safe_dump_all(docs)))
    outputs = [cli.ok("get", "svc", "-A", *more) for more in ([], ["-o", "wide"])]
    rows = [line.split()[:2] for line in outputs[0].splitlines()[1:]]
    assert [r for r in rows if r[0].startswith("ex")] == [
        ["ex-guestbook-go", "s0"], ["ex-guestbook-go", "s1"], ["ex-guestbook", "s0"],
        ["ex-guestbook", "s1"], ["ex", "s0"], ["ex", "s1"]]  # '-' < '/'
    conn = sqlite3.connect(cli.state)
    conn.execute("UPDATE objects SET summary = NULL")  # then printed from the bodies
    conn.commit()
    conn.close()
    assert [cli.ok("get", "svc", "-A", *more) for more in ([], ["-o", "wide"])] == outputs
