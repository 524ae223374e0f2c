"""Flags spelled as kubectl (spf13/pflag) accepts them, on both paths: the Typer app and the
`get` fast path (cli/fast.py), and TAB completion reading the same words."""

import io
from contextlib import redirect_stderr, redirect_stdout

import pytest

from kubesvc.api.errors import UsageError
from kubesvc.cli import entry, fast, flags
from kubesvc.cli.complete import Completer
from tests.conftest import REPO

BOOLS = {"-A": "-A, --all-namespaces", "--all-namespaces": "-A, --all-namespaces"}
VALUES = {"-n", "--namespace", "-o", "-l"}


@pytest.mark.parametrize("words, expected", [
    # pflag parseSingleShortArg: `-n=NS` means NS (the `=` is not the value's)
    (["-n=kube-system"], ["-n", "kube-system"]),
    (["-o=yaml"], ["-o", "yaml"]),
    (["-l=app=web"], ["-l", "app=web"]),
    (["-n="], ["-n", ""]),
    # pflag boolFlag: `--flag=VALUE` read with strconv.ParseBool
    (["--all-namespaces=true"], ["--all-namespaces"]),
    (["--all-namespaces=false"], []),
    (["-A=1"], ["-A"]),
    (["-A=F"], []),
    # a value is never rewritten, and `--` ends the flags
    (["-l", "-n=x"], ["-l", "-n=x"]),
    (["--", "-n=x"], ["--", "-n=x"]),
    (["--namespace=x"], ["--namespace=x"]),  # Click reads the long form as pflag does
])
def test_normalize(words, expected):
    assert flags.normalize(words, VALUES, BOOLS) == expected


def test_bad_boolean_is_pflags_error():
    with pytest.raises(UsageError) as err:
        flags.normalize(["-A=yes"], VALUES, BOOLS)
    assert str(err.value) == ('error: invalid argument "yes" for "-A, --all-namespaces" flag: '
                              'strconv.ParseBool: parsing "yes": invalid syntax')


@pytest.mark.parametrize("argv, expected", [
    (["--state", "s", "get", "svc"], ["get", "--state", "s", "svc"]),
    (["-n", "kube-system", "get", "svc"], ["get", "-n", "kube-system", "svc"]),
    (["-n=kube-system", "--state=s", "get", "svc"], ["get", "-n=kube-system", "--state=s", "svc"]),
    (["-v", "6", "get", "svc"], ["-v", "6", "get", "svc"]),  # not get's: Typer's
    (["-o", "yaml", "get", "svc"], ["-o", "yaml", "get", "svc"]),  # -o is not global in kubectl
    (["get", "svc"], ["get", "svc"]),
])
def test_globals_before_get_on_the_fast_path(argv, expected):
    assert entry.globals_after_get(argv) == expected


# (args, the plain form they mean): each pair must print the same on both paths
SAME = [
    (["svc", "-n=kube-system"], ["svc", "-n", "kube-system"]),
    (["svc", "-o=name"], ["svc", "-o", "name"]),
    (["pods", "-l=app=web"], ["pods", "-l", "app=web"]),
    (["svc", "--all-namespaces=true"], ["svc", "-A"]),
    (["svc", "--all-namespaces=false"], ["svc"]),
    (["svc", "-A=true", "--show-kind=1"], ["svc", "-A", "--show-kind"]),
]


@pytest.mark.parametrize("args, plain", SAME)
def test_pflag_forms_on_the_typer_path(cli, args, plain):
    cli.ok("apply", "-f", str(REPO / "manifests"))
    assert cli.ok("get", *args) == cli.ok("get", *plain)
    if not any(a.startswith(("-o", "--show-kind")) for a in args):  # describe has neither
        assert cli.ok("describe", *args) == cli.ok("describe", *plain)


def run_fast(args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = fast.run_get(args)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("args, plain", SAME)
def test_pflag_forms_on_the_fast_path(cli, args, plain):
    cli.ok("apply", "-f", str(REPO / "manifests"))
    assert fast.parse_get(args) is not None
    assert run_fast(["--state", str(cli.state), *args]) == (0, cli.ok("get", *plain), "")


@pytest.mark.parametrize("before", [["-n", "kube-system"], ["-n=kube-system"],
                                    ["--namespace=kube-system"], ["-nkube-system"]])
def test_namespace_before_the_verb_as_kubectls_global_flag(cli, before):
    cli.ok("apply", "-f", str(REPO / "manifests"))
    expected = cli.ok("get", "svc", "-n", "kube-system")
    assert "kube-dns" in expected
    assert cli.ok(*before, "get", "svc") == expected
    assert cli.ok(*before, "describe", "svc", "kube-dns") == cli.ok(
        "describe", "svc", "kube-dns", "-n", "kube-system")
    assert cli.ok(*before, "get", "svc", "-n", "default") == cli.ok("get", "svc")  # last wins


@pytest.mark.parametrize("args, message", [
    # kubectl's root has no -o / -A: pflag's words for an unknown flag
    (["-o", "yaml", "get", "svc"], "error: unknown shorthand flag: 'o' in -o"),
    (["get", "svc", "--bogus"], "error: unknown flag: --bogus"),
    (["get", "svc", "-A=maybe"], 'error: invalid argument "maybe" for "-A, --all-namespaces" '
                                 'flag: strconv.ParseBool: parsing "maybe": invalid syntax'),
])
def test_usage_errors_exit_1_with_a_lower_case_error_line(cli, args, message):
    cli.ok("cluster", "init")
    result = cli(*args)
    assert (result.code, result.out) == (1, "")
    assert result.err.splitlines()[0] == message


@pytest.mark.parametrize("words, namespace, all_namespaces", [
    (["get", "pods", "-n=kube-system", ""], "kube-system", False),
    (["-n", "kube-system", "get", "pods", ""], "kube-system", False),
    (["get", "pods", "--all-namespaces=false", ""], None, False),
    (["get", "pods", "--all-namespaces=true", ""], None, True),
])
def test_completion_reads_the_same_forms(words, namespace, all_namespaces):
    completer = Completer(words)
    completer.run()
    assert (completer.namespace, completer.all_namespaces) == (namespace, all_namespaces)


@pytest.mark.parametrize("typed, plain", [
    # apimachinery ParseResourceArg: RESOURCE.VERSION.GROUP, then RESOURCE.GROUP
    ("deployments.v1.apps", "deployments"),
    ("deploy.apps", "deployments"),
    ("svc.v1.", "services"),  # the core group is the empty one
    ("endpointslices.v1.discovery.k8s.io", "endpointslices"),
    ("deploy.apps/web", "deployments/web"),
])
def test_fully_qualified_types(cli, typed, plain):
    cli.ok("apply", "-f", str(REPO / "manifests"))
    assert cli.ok("get", typed) == cli.ok("get", plain)
    assert run_fast(["--state", str(cli.state), typed]) == (0, cli.ok("get", plain), "")


@pytest.mark.parametrize("typed", ["deploy.v2.apps", "svc.v1.apps", "services.v1", "svc.apps"])
def test_qualified_types_that_name_nothing(cli, typed):
    cli.ok("cluster", "init")
    result = cli("get", typed)
    assert (result.code, result.err) == (
        1, f'error: the server doesn\'t have a resource type "{typed}"\n')
