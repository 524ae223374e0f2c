"""The real kubectl reads a served state and prints what kubesvc prints: `get` tables for
every kind kubesvc prints (Table responses from kubesvc's own printers), structured output,
selectors, and `describe` byte for byte."""

from __future__ import annotations

import re

import pytest

from tests.conftest import CORPUS, REPO
from tests.serve.served import Served, needs_kubectl, served_state

pytestmark = needs_kubectl

KINDS = ["services", "endpoints", "endpointslices", "nodes", "namespaces", "pods", "deployments",
         "replicasets", "statefulsets", "daemonsets", "replicationcontrollers", "configmaps",
         "secrets", "serviceaccounts", "ingresses", "events", "leases", "ipaddresspools",
         "l2advertisements", "networkpolicies", "clusterroles"]


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Served:
    folder = tmp_path_factory.mktemp("served-reads")
    srv = served_state(folder, ["apply", "-f", str(REPO / "manifests")],
                       ["apply", "-f", str(CORPUS / "microservices-demo")])
    yield srv
    srv.stop()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("flags", [["-A"], ["-A", "-o", "wide"], ["--show-labels"]])
def test_get_prints_what_kubesvc_prints(served, kind, flags):
    kubectl = served.kubectl("get", kind, *flags, check=False)
    kubesvc = served.cli("get", kind, *flags)
    assert kubectl.stdout == kubesvc.out
    assert kubectl.returncode == kubesvc.code


@pytest.mark.parametrize("args", [
    ["get", "svc", "web", "-o", "name"],
    ["get", "pods", "-l", "app=web", "-o", "name"],
    ["get", "pods", "-A", "--field-selector", "spec.nodeName=kind-worker", "-o", "name"],
    ["get", "svc,deploy", "-o", "name"],
    ["get", "all"],
    ["get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}"],
])
def test_selectors_and_formats(served, args):
    assert served.kubectl(*args).stdout == served.cli.ok(*args)


def test_pagination_lists_every_object(served):
    whole = served.kubectl("get", "pods", "-A", "-o", "name").stdout
    paged = served.kubectl("get", "pods", "-A", "-o", "name", "--chunk-size", "2").stdout
    assert paged == whole and whole.count("\n") > 4


def test_not_found_is_kubectls_error_line(served):
    done = served.kubectl("get", "svc", "nope", check=False)
    assert done.returncode == 1
    assert done.stderr == 'Error from server (NotFound): services "nope" not found\n'


DESCRIBED = [("svc", "web"), ("svc", "web-lb"), ("svc", "db"), ("deploy", "web"),
             ("node", "kind-worker"), ("ns", "kube-system"),
             ("sts", "cache"),
             ("ns", "default")]


@pytest.mark.parametrize(("kind", "name"), DESCRIBED)
def test_describe_is_kubesvc_describe(served, kind, name):
    # events' ages are kubectl's clock against the state's pinned one: described apart below
    # (and a node's pod list shows ages): durations are masked, every other byte compared
    args = ("describe", kind, name, "--show-events=false")
    assert _ages(served.kubectl(*args).stdout) == _ages(served.cli.ok(*args))


def _ages(text: str) -> str:
    return re.sub(r"(?<=  )(\d+[smhdy])+(?=\n|$)", "AGE", text, flags=re.M)


def test_describe_shows_the_same_events(served):
    def rows(text: str) -> list[list[str]]:  # the events table without its Age column
        lines = text.split("Events:", 1)[1].splitlines()[3:]
        return [line.split()[:2] + line.split()[3:] for line in lines if line.strip()]

    kubectl = rows(served.kubectl("describe", "svc", "web-lb").stdout)
    assert kubectl and kubectl == rows(served.cli.ok("describe", "svc", "web-lb"))


def test_explain_reads_the_upstream_schema(served):
    out = served.kubectl("explain", "svc.spec.ports.port").stdout
    assert "FIELD: port <integer>" in out and "Service" in out


def test_api_resources_lists_builtin_and_custom_kinds(served):
    out = served.kubectl("api-resources", "-o", "name").stdout.split()
    assert {"services", "deployments.apps", "ipaddresspools.metallb.io"} <= set(out)


STATEFULSET = """apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: {name}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: {name}}}}}
  {extra}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec: {{containers: [{{name: c, image: "nginx:1"}}]}}
"""


@pytest.mark.parametrize(("name", "extra"), [
    ("no-service", "minReadySeconds: 0"),  # no Service Name line
    ("parallel", "podManagementPolicy: Parallel\n  serviceName: x"),
    ("retention", "persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete}\n"
                  "  serviceName: x"),
    ("max-unavailable", "updateStrategy: {type: RollingUpdate, rollingUpdate: "
                        "{maxUnavailable: 2}}\n  serviceName: x"),
    ("on-delete", "updateStrategy: {type: OnDelete}\n  serviceName: x"),
])
def test_describe_statefulset_variants(served, tmp_path, name, extra):
    """Service Name (when set), Pod Management Policy, the update strategy's lines and the
    PVC retention policy block, as kubectl 1.37 describes them."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(STATEFULSET.format(name=name, extra=extra))
    served.cli.ok("apply", "-f", str(path))
    args = ("describe", "sts", name, "--show-events=false")
    assert _ages(served.kubectl(*args).stdout) == _ages(served.cli.ok(*args))
