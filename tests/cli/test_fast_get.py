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
