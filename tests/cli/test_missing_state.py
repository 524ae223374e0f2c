"""A read verb on a state file that does not exist says so and exits 1: it never creates an
empty cluster (nor its folders) where a typo pointed. Only writing verbs create a state, and
only the default XDG folder is made for the user."""

import io
import os

import pytest

from kubesvc.cli import fast
from kubesvc.cli.main import invoke
from kubesvc.kubectl.environment import Environment
from tests.conftest import REPO

READ_VERBS = [
    ["get", "svc"], ["get", "pods", "-A"], ["describe", "svc", "web"], ["resolve", "web"],
    ["check"], ["cluster", "info"], ["diff", "-f", str(REPO / "manifests")],
]


def run(argv, environ=None):
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, environ=environ if environ is not None else {})
    code = invoke(argv, env)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("verb", READ_VERBS, ids=lambda v: " ".join(v[:2]))
def test_read_verbs_refuse_a_missing_state(tmp_path, verb):
    state = tmp_path / "typo" / "state.db"
    code, out, err = run(["--state", str(state), *verb])
    assert (code, out) == (1, "")
    assert err.startswith(f"error: no kubesvc state at {state}: no such file (run `kubesvc "
                          "cluster init`")
    assert os.listdir(tmp_path) == []  # neither the file nor its folder


def test_the_get_fast_path_says_the_same(tmp_path, capsys):
    state = tmp_path / "state.db"
    assert fast.run_get(["svc", "--state", str(state)]) == 1
    assert capsys.readouterr().err.startswith(f"error: no kubesvc state at {state}: ")
    assert not state.exists()


def test_a_writing_verb_creates_it(tmp_path):
    state = tmp_path / "state.db"
    assert run(["--state", str(state), "apply", "-f", str(REPO / "manifests")])[0] == 0
    assert run(["--state", str(state), "get", "svc"])[0] == 0


@pytest.mark.parametrize("how", ["flag", "env"])
def test_an_explicit_state_in_a_missing_folder_is_an_error(tmp_path, how):
    state = tmp_path / "a" / "b" / "state.db"
    argv = ["cluster", "init"]
    environ = {"KUBESVC_STATE": str(state)} if how == "env" else {}
    code, out, err = run(argv if how == "env" else ["--state", str(state), *argv], environ)
    assert (code, out) == (1, "")
    assert err == (f"error: cannot create the state file {state}: the folder {state.parent} "
                   "does not exist\n")
    assert os.listdir(tmp_path) == []


def test_only_the_default_xdg_folder_is_made(tmp_path):
    environ = {"XDG_STATE_HOME": str(tmp_path / "xdg"), "KUBESVC_NOW": "2026-01-01T00:00:00Z"}
    assert run(["cluster", "init"], environ)[0] == 0
    assert (tmp_path / "xdg" / "kubesvc" / "state.db").is_file()
    assert oct((tmp_path / "xdg" / "kubesvc").stat().st_mode & 0o777) == "0o700"
