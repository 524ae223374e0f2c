"""Shell completion: the spec generated from the CLI, `kubesvc completion SHELL`, and the answers
of `kubesvc __complete` (verbs, flags, kinds, -o formats, namespaces, names from the state).

The scripts themselves, driven by real shells, are tested in test_completion_shells.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kubesvc.cli import complete, complete_spec
from kubesvc.cli.complete import NO_FILE, NO_SPACE, Completer
from kubesvc.cli.completion_cmd import FILE_NAMES, SHELLS
from kubesvc.store import tab_reader as complete_state
from tests.cli.demo_state import make_demo_state
from tests.conftest import REPO, Cli


@pytest.fixture(scope="module")
def state(tmp_path_factory) -> Path:
    return make_demo_state(tmp_path_factory.mktemp("completion"))


@pytest.fixture(scope="module")
def spec() -> dict:
    return complete_spec.build_spec()


def ask(spec, state, *words, env_state: bool = False):
    """What `kubesvc __complete WORDS` answers: (values, directive). The state is given with
    --state before the verb, or through KUBESVC_STATE (env_state)."""
    old = os.environ.get("KUBESVC_STATE")
    try:
        if env_state:
            os.environ["KUBESVC_STATE"] = str(state)
            argv = list(words)
        else:
            argv = ["--state", str(state), *words]
        items, directive = Completer(argv, spec=spec).run()
    finally:
        if old is None:
            os.environ.pop("KUBESVC_STATE", None)
        else:
            os.environ["KUBESVC_STATE"] = old
    return [v for v, _ in items], directive


# -- the spec can never drift from the CLI ---------------------------------------------------

def test_checked_in_spec_is_generated_from_the_cli():
    with open(complete_spec.SPEC_PATH, encoding="utf-8") as fh:
        checked_in = fh.read()
    assert checked_in == complete_spec.render_spec(complete_spec.build_spec()), (
        "kubesvc/data/cli-spec.json is stale: run `python -m kubesvc.cli.complete_spec`")


def test_spec_lists_every_verb_and_flag_of_the_app():
    import typer.main

    from kubesvc.cli.main import app

    root = typer.main.get_command(app)
    spec = complete_spec.build_spec()
    assert set(spec["root"]["commands"]) == set(root.commands)
    for name, cmd in root.commands.items():
        if hasattr(cmd, "commands"):
            continue
        flags = {n for opt in spec["root"]["commands"][name]["options"] for n in opt["names"]}
        for param in cmd.params:
            if param.param_type_name == "option":
                assert set(param.opts) <= flags, (name, param.opts)


def test_values_read_from_the_verbs():
    spec = complete_spec.build_spec()
    commands = spec["root"]["commands"]

    def option(verb, flag):
        return next(o for o in commands[verb]["options"] if flag in o["names"])

    # -o: what each verb's check_output accepts, not what the shared help text says
    from kubesvc.cli import get

    assert option("get", "-o")["choices"] == list(get.FORMATS)  # jsonpath= & co. as typed
    assert {"wide", "yaml", "json", "name"} <= set(get.FORMATS)
    assert option("apply", "-o")["choices"] == ["yaml", "json", "name"]
    assert option("delete", "-o")["choices"] == ["name"]
    assert option("apply", "--dry-run")["choices"] == ["none", "server", "client"]
    assert option("apply", "--validate")["choices"] == ["strict", "true", "warn", "ignore",
                                                        "false"]
    assert option("apply", "-f")["value"] == "file"
    assert option("get", "-n")["value"] == "namespace"
    assert option("get", "-A")["value"] is None
    assert commands["get"]["args"][0]["kind"] == "resource"
    assert commands["cordon"]["args"][0]["kind"] == "node"
    assert "info" in commands["cluster"]["commands"]


@pytest.mark.parametrize(("text", "choices"), [
    ("Output format: json|yaml (default: a readable view).", ["json", "yaml"]),
    ('Must be "none", "server", or "client".', ["none", "server", "client"]),
    ("Must be one of: strict (or true), warn, ignore (or false).",
     ["strict", "true", "warn", "ignore", "false"]),
    ("The type of patch: json, merge or strategic.", ["json", "merge", "strategic"]),
    ("Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName.",
     ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]),
    ("DNS record type for a name target: A|AAAA|SRV (default A).", ["A", "AAAA", "SRV"]),
    ("State file (default: $XDG_STATE_HOME/kubesvc/state.db).", []),
    ("Validate against this version's schemas (default: the store's, 1.37).", []),
    ("The client: pod:[NS/]NAME, node:NAME or external[:SRC_IP].", []),
])
def test_choices_from_help(text, choices):
    assert complete_spec.choices_from_help(text) == choices


def test_generator_check_mode_reports_nothing_stale(capsys):
    assert complete_spec.main(["--check"]) == 0, capsys.readouterr()


# -- kubesvc completion SHELL ------------------------------------------------------------------

@pytest.mark.parametrize("shell", SHELLS)
def test_completion_prints_the_checked_in_script(cli, shell):
    out = cli.ok("completion", shell)
    assert out == (REPO / "completions" / FILE_NAMES[shell]).read_text(encoding="utf-8")
    assert "__complete" in out


@pytest.mark.parametrize(("args", "message"), [
    (["fish2"], 'error: Unsupported shell type "fish2".'),
    ([], "error: Shell not specified."),
    (["bash", "zsh"], "error: Too many arguments. Expected only the shell type."),
])
def test_completion_errors_as_kubectl(cli, args, message):
    result = cli("completion", *args)
    assert result.code == 1
    assert result.out == ""
    assert result.err == f"{message}\nSee 'kubesvc completion -h' for help and examples\n"


def test_completion_help_tells_how_to_load_it(cli):
    out = cli.ok("completion", "-h")
    for line in ("source <(kubesvc completion bash)", "kubesvc completion fish | source",
                 'kubesvc completion zsh > "${fpath[1]}/_kubesvc"',
                 "kubesvc completion powershell | Out-String | Invoke-Expression"):
        assert line in out


# -- the protocol --------------------------------------------------------------------------------

def run_complete(*words: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kubesvc", "__complete", *words],
                          capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def test_protocol_lines_and_directive(state):
    proc = run_complete("get", "svc", "", env={"KUBESVC_STATE": str(state)})
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert proc.stdout == "kubernetes\nweb\nweb-admin\n:4\n"
    proc = run_complete("", env={"KUBESVC_STATE": str(state)})
    lines = proc.stdout.splitlines()
    assert "get\tDisplay one or many resources" in lines
    assert lines[-1] == ":4"


def test_a_tab_imports_nothing_heavy(state, tmp_path):
    """On top of what Python's start-up loads (site, and an editable install's finder): json
    and sqlite's C extension, and of kubesvc only the entry point, the completer and its state
    reader."""
    code = ("import sys; before = set(sys.modules); from kubesvc.cli import entry\n"
            "sys.argv = ['kubesvc', '__complete', 'get', 'svc', '']\n"
            "try:\n    entry.run()\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(set(sys.modules) - before)), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO),
                                             "KUBESVC_STATE": str(state)})
    assert proc.stdout.endswith("web-admin\n:4\n")
    loaded = set(proc.stderr.split())
    # what json, re and sqlite's C extension pull in depends on what start-up already loaded
    # (an editable install's finder loads more): measure it in the same interpreter
    base = subprocess.run([sys.executable, "-c", "import sys; before = set(sys.modules); "
                           "import json, re, _sqlite3, __future__; "
                           "print(' '.join(sorted(set(sys.modules) - before)))"],
                          capture_output=True, text=True, cwd=tmp_path).stdout.split()
    allowed = {"kubesvc", "kubesvc.cli", "kubesvc.cli.entry", "kubesvc.cli.complete",
               "kubesvc.store", "kubesvc.store.tab_reader", *base}
    assert loaded <= allowed, loaded - allowed


def test_error_prints_the_error_directive(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(complete, "SPEC_PATH", str(tmp_path / "missing.json"))
    assert complete.main(["get", ""]) == 0
    assert capsys.readouterr().out == ":1\n"


# -- verbs, flags and values ------------------------------------------------------------------

def test_verbs_and_subcommands(spec, state):
    verbs, directive = ask(spec, state, "")
    assert {"apply", "get", "describe", "delete", "resolve", "completion", "cluster"} <= set(verbs)
    assert "__complete" not in verbs
    assert directive == NO_FILE
    assert ask(spec, state, "de")[0] == ["describe", "delete"]
    assert ask(spec, state, "cluster", "")[0] == ["init", "info"]
    assert ask(spec, state, "completion", "")[0] == list(SHELLS)
    assert ask(spec, state, "completion", "f")[0] == ["fish"]
    assert ask(spec, state, "completion", "bash", "")[0] == []


def test_flags(spec, state):
    flags, directive = ask(spec, state, "get", "--")
    assert "--namespace" in flags and "--output" in flags and "-n" not in flags
    assert directive == NO_FILE
    assert "-n" in ask(spec, state, "get", "-")[0]
    assert ask(spec, state, "get", "--all-n")[0] == ["--all-namespaces"]
    # a flag already given is not offered again; -f may be repeated
    assert "--namespace" not in ask(spec, state, "get", "-n", "shop", "--")[0]
    assert "--filename" in ask(spec, state, "apply", "-f", "a.yaml", "--")[0]
    assert ask(spec, state, "--st", env_state=True)[0] == ["--state"]


def test_output_formats_of_each_verb(spec, state):
    from kubesvc.cli import get

    assert ask(spec, state, "get", "-o", "") == (list(get.FORMATS), NO_FILE)
    assert ask(spec, state, "get", "-o", "jsonpath") == (
        ["jsonpath=", "jsonpath-file=", "jsonpath-as-json="], NO_FILE)
    assert ask(spec, state, "get", "-o", "custom-columns-") == (
        ["custom-columns-file="], NO_FILE | NO_SPACE)
    assert ask(spec, state, "apply", "-o", "")[0] == ["yaml", "json", "name"]
    assert ask(spec, state, "resolve", "-o", "")[0] == ["json", "yaml"]
    assert ask(spec, state, "get", "-o", "y")[0] == ["yaml"]
    assert ask(spec, state, "get", "--output=y")[0] == ["--output=yaml"]
    assert ask(spec, state, "get", "-ow")[0] == ["-owide"]
    assert ask(spec, state, "apply", "--dry-run", "")[0] == ["none", "server", "client"]


def test_files_for_file_flags(spec, state):
    assert ask(spec, state, "apply", "-f", "") == (["yaml", "yml", "json"], complete.FILTER_EXT)
    assert ask(spec, state, "--state", "") == ([], complete.DEFAULT)
    assert ask(spec, state, "get", "--state=") == ([], complete.DEFAULT)


def test_kinds_and_short_names(spec, state):
    kinds, _ = ask(spec, state, "get", "")
    assert {"all", "services", "svc", "pods", "po", "deployments", "deploy", "nodes",
            "ipaddresspools"} <= set(kinds)
    assert ask(spec, state, "get", "sv")[0] == ["svc"]
    assert "all" not in ask(spec, state, "describe", "")[0]
    assert ask(spec, state, "get", "svc,dep")[0] == ["svc,deployments", "svc,deploy"]
    assert ask(spec, state, "get", "deployments.a")[0] == ["deployments.apps"]
    # a kind a CustomResourceDefinition in the state adds
    assert {"widgets", "wd"} <= set(kinds)


def test_names_from_the_state(spec, state):
    assert ask(spec, state, "get", "svc", "") == (["kubernetes", "web", "web-admin"], NO_FILE)
    assert ask(spec, state, "get", "services", "w")[0] == ["web", "web-admin"]
    assert ask(spec, state, "describe", "service", "web-")[0] == ["web-admin"]
    assert ask(spec, state, "get", "Service", "", env_state=True)[0] == ["kubernetes", "web",
                                                                          "web-admin"]
    # many names for get/delete, without those already typed; one for describe
    assert ask(spec, state, "get", "svc", "web", "")[0] == ["kubernetes", "web-admin"]
    assert ask(spec, state, "describe", "svc", "web", "")[0] == []
    assert ask(spec, state, "get", "nodes", "")[0] == ["kind-control-plane", "kind-worker"]
    assert ask(spec, state, "get", "wd", "")[0] == ["gear"]
    assert ask(spec, state, "cordon", "kind-w")[0] == ["kind-worker"]
    assert ask(spec, state, "get", "deployments.apps", "")[0] == ["web"]
    assert ask(spec, state, "get", "deployments.v1.apps", "")[0] == ["web"]
    pods = ask(spec, state, "get", "po", "")[0]
    assert len(pods) == 2 and all(p.startswith("web-") for p in pods)


def test_namespace_of_the_names(spec, state):
    assert ask(spec, state, "get", "svc", "-n", "shop", "")[0] == ["cart"]
    assert ask(spec, state, "get", "svc", "--namespace=shop", "")[0] == ["cart"]
    assert ask(spec, state, "get", "-n", "kube-system", "svc", "")[0] == ["kube-dns"]
    assert "cart" in ask(spec, state, "get", "svc", "-A", "")[0]


def test_type_slash_name(spec, state):
    assert ask(spec, state, "get", "svc/")[0] == ["svc/kubernetes", "svc/web", "svc/web-admin"]
    assert ask(spec, state, "describe", "service/web-")[0] == ["service/web-admin"]
    assert ask(spec, state, "get", "-n", "shop", "svc/")[0] == ["svc/cart"]
    assert ask(spec, state, "get", "svc/web", "svc/")[0] == ["svc/kubernetes", "svc/web-admin"]
    assert ask(spec, state, "get", "svc/web", "dep")[0] == ["deployments/", "deploy/"]
    # a single candidate that is a prefix: no space after it
    assert ask(spec, state, "get", "svc/web", "deploy")[1] == NO_FILE
    assert ask(spec, state, "get", "svc/web", "deployments")[1] == NO_FILE | NO_SPACE


def test_namespaces(spec, state):
    namespaces = ask(spec, state, "get", "svc", "-n", "")[0]
    assert {"default", "kube-system", "shop"} <= set(namespaces)
    assert namespaces == sorted(namespaces)
    assert ask(spec, state, "get", "--namespace=s")[0] == ["--namespace=shop"]
    assert ask(spec, state, "resolve", "-n", "sh")[0] == ["shop"]


def test_selector_labels(spec, state):
    assert ask(spec, state, "get", "svc", "-l", "")[0] == [
        "app=web", "component=apiserver", "provider=kubernetes"]
    assert ask(spec, state, "get", "svc", "-l", "app=web,")[0] == [
        "app=web,component=apiserver", "app=web,provider=kubernetes"]
    assert ask(spec, state, "get", "svc", "-n", "shop", "-l", "")[0] == ["app=cart"]


def test_resolve_targets(spec, state):
    targets, _ = ask(spec, state, "resolve", "")
    assert {"svc/web", "svc/web-admin", "web:", "web-admin:"} <= set(targets)
    assert ask(spec, state, "resolve", "svc/")[0] == ["svc/kubernetes", "svc/web",
                                                       "svc/web-admin"]
    assert ask(spec, state, "resolve", "svc/web-")[0] == ["svc/web-admin"]
    assert ask(spec, state, "resolve", "-n", "shop", "svc/")[0] == ["svc/cart"]
    assert ask(spec, state, "resolve", "web:")[0] == ["web:80", "web:443"]
    assert ask(spec, state, "resolve", "web-adm") == (["web-admin:"], NO_FILE | NO_SPACE)


def test_resolve_from(spec, state):
    assert ask(spec, state, "resolve", "svc/web", "--from", "")[0] == ["pod:", "node:",
                                                                        "external"]
    assert ask(spec, state, "resolve", "svc/web", "--from", "po") == (["pod:"],
                                                                       NO_FILE | NO_SPACE)
    pods = ask(spec, state, "resolve", "svc/web", "--from", "pod:")[0]
    assert [p for p in pods if p.startswith("pod:web-")] and "pod:shop/" in pods
    assert ask(spec, state, "resolve", "svc/web", "--from", "pod:shop/")[0] == ["pod:shop/client"]
    assert ask(spec, state, "resolve", "svc/web", "-n", "shop", "--from", "pod:")[0][0] == (
        "pod:client")
    assert ask(spec, state, "resolve", "svc/web", "--from", "node:")[0] == [
        "node:kind-control-plane", "node:kind-worker"]
    assert ask(spec, state, "resolve", "svc/web", "--from=node:kind-w")[0] == [
        "--from=node:kind-worker"]


def test_names_while_a_command_is_writing(state, spec, tmp_path):
    """With changes in the write-ahead log (a kubesvc command still running), a TAB reads
    through it."""
    import shutil
    import sqlite3

    copy = tmp_path / "state.db"
    shutil.copy(state, copy)
    writer = sqlite3.connect(copy, isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode = WAL")
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute("INSERT INTO objects (gk, namespace, name, body) VALUES "
                       "('Service', 'default', 'web-new', '{}')")
        assert (tmp_path / "state.db-wal").stat().st_size > 0
        assert ask(spec, copy, "get", "svc", "web-")[0] == ["web-admin", "web-new"]
    finally:
        writer.close()


def test_no_state_no_names_and_nothing_created(spec, tmp_path):
    missing = tmp_path / "nothing" / "state.db"
    assert ask(spec, missing, "get", "svc", "") == ([], NO_FILE)
    assert ask(spec, missing, "get", "svc", "-n", "") == ([], NO_FILE)
    assert not missing.parent.exists()
    not_a_store = tmp_path / "notes.txt"
    not_a_store.write_text("hello")
    assert ask(spec, not_a_store, "get", "svc", "")[0] == []
    assert not_a_store.read_text() == "hello"


def test_default_state_path(monkeypatch, tmp_path):
    monkeypatch.delenv("KUBESVC_STATE", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert complete_state.default_state_path() == str(tmp_path / "kubesvc" / "state.db")
    from kubesvc.store.files import default_state_path

    assert complete_state.default_state_path() == str(default_state_path())
    monkeypatch.delenv("XDG_STATE_HOME")
    assert complete_state.default_state_path() == str(default_state_path())


def test_a_tab_leaves_the_store_as_it_was(spec, tmp_path):
    state = make_demo_state(tmp_path)
    before = Cli(state).dump()
    files = sorted(os.listdir(tmp_path))
    for words in (["get", "svc", ""], ["resolve", "--from", "pod:"], ["get", "-l", ""]):
        ask(spec, state, *words)
    assert Cli(state).dump() == before
    assert sorted(os.listdir(tmp_path)) == files  # no -wal / -shm left behind


def test_spec_is_valid_json_with_resources():
    with open(complete_spec.SPEC_PATH, encoding="utf-8") as fh:
        data = json.load(fh)
    services = next(r for r in data["resources"] if r["kind"] == "Service")
    assert services == {"plural": "services", "kind": "Service", "gk": "Service",
                        "singular": "service", "short": ["svc"], "namespaced": True,
                        "all": True}
