"""Shared fixtures: a CLI runner that captures exactly what a user sees, with a private state
file and a pinned clock (KUBESVC_NOW), so golden files never drift."""

from __future__ import annotations

import io
import os
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import figures, param_ids

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
GOLDEN = Path(__file__).resolve().parent / "golden"
FIXED_NOW = "2026-01-01T00:00:00Z"

# kubectl prints describe's times in the local zone (TZ): pin it so golden files never drift.
os.environ["TZ"] = "UTC"
time.tzset()


@dataclass
class Result:
    code: int
    out: str
    err: str


class Cli:
    """Runs `kubesvc ARGS` in-process against one state file."""

    def __init__(self, state: Path):
        self.state = state

    def __call__(self, *args: str, stdin: str | None = None) -> Result:
        from kubesvc.cli.main import invoke
        from kubesvc.kubectl.environment import Environment

        out, err = io.StringIO(), io.StringIO()
        env = Environment(stdout=out, stderr=err)
        old_stdin = sys.stdin
        if stdin is not None:  # `apply -f -` reads the process's stdin (kubesvc.input.load)
            sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()))
        try:
            # Typer writes its own help and usage text to sys.stdout
            with redirect_stdout(out), redirect_stderr(err):
                code = invoke(["--state", str(self.state), *args], env)
        finally:
            sys.stdin = old_stdin
        return Result(code, out.getvalue(), err.getvalue())

    def ok(self, *args: str, stdin: str | None = None) -> str:
        result = self(*args, stdin=stdin)
        assert result.code == 0, f"kubesvc {' '.join(args)} failed: {result.err}"
        return result.out

    def fresh(self) -> None:
        """Create the state as the first writing command does (read verbs no longer create
        one): the seed without CoreDNS, unlike `cluster init`."""
        from kubesvc.kubectl.environment import Environment
        from kubesvc.kubectl.session import open_state

        open_state(Environment(), str(self.state)).close()

    def dump(self) -> bytes:
        """The store's content, for "nothing changed" assertions."""
        import sqlite3

        conn = sqlite3.connect(self.state)
        rows = conn.execute("SELECT gk, namespace, name, body FROM objects ORDER BY id").fetchall()
        allocs = conn.execute("SELECT * FROM allocations ORDER BY pool, value").fetchall()
        meta = conn.execute("SELECT * FROM meta ORDER BY key").fetchall()
        conn.close()
        return repr((rows, allocs, meta)).encode()


@pytest.fixture(autouse=True)
def _pinned_clock(monkeypatch):
    monkeypatch.setenv("KUBESVC_NOW", FIXED_NOW)
    monkeypatch.delenv("KUBESVC_STATE", raising=False)


@pytest.fixture
def cli(tmp_path) -> Cli:
    (tmp_path / "state").mkdir()  # kubesvc makes only the default XDG folder for the user
    return Cli(tmp_path / "state" / "state.db")


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual)
    assert path.exists(), f"golden file {path} missing: run with UPDATE_GOLDEN=1 and review it"
    assert actual == path.read_text()


def pytest_terminal_summary(terminalreporter):
    """The figures the reliability tests measured (tests/figures.py)."""
    figures.terminal_summary(terminalreporter)


def pytest_make_parametrize_id(config, val, argname):
    """Readable ids for dicts, lists and long texts (tests/param_ids.py)."""
    return param_ids.make_id(val, argname)
