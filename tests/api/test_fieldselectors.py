"""`--field-selector`: apimachinery's parser, the per-kind field labels of
pkg/apis/core/v1/conversion.go (and batch/v1), the registries' selectable fields, and the error
kubectl prints (its wrapping checked against kubectl 1.37.1 with a stub API server)."""

from __future__ import annotations

import pytest

from kubesvc.api import fieldselectors as fs
from tests.builders import service

R = fs.Requirement


@pytest.mark.parametrize(("selector", "parsed"), [
    ("", []),
    ("metadata.name=web", [R("metadata.name", "=", "web")]),
    ("metadata.name==web", [R("metadata.name", "=", "web")]),
    ("metadata.name!=web", [R("metadata.name", "!=", "web")]),
    # terms are sorted; empty terms are skipped
    ("spec.type=NodePort,,metadata.name=web",
     [R("metadata.name", "=", "web"), R("spec.type", "=", "NodePort")]),
    ("a=", [R("a", "=", "")]),
    (r"a=b\,c\=d\\e", [R("a", "=", "b,c=d\\e")]),
    ("a=!b", [R("a", "=", "!b")]),
])
def test_parse(selector, parsed):
    assert fs.parse(selector) == parsed


@pytest.mark.parametrize(("selector", "message"), [
    ("metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"),
    ("b=1,a", "invalid selector: 'b=1,a'; can't understand 'a'"),
    ("a=b=c", "invalid field selector: unescaped character in value: 61"),
    ("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"),
    (r"a=b\q", "invalid field selector: invalid escape sequence: \\q"),
    ("a=b\\", "invalid field selector: invalid escape sequence: \\"),
])
def test_parse_errors(selector, message):
    with pytest.raises(fs.FieldSelectorError) as err:
        fs.parse(selector)
    assert str(err.value) == message


@pytest.mark.parametrize(("kind", "group", "fields"), [
    ("Service", "", ("metadata.namespace", "metadata.name", "spec.clusterIP", "spec.type")),
    ("Pod", "", ("metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
                 "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
                 "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName")),
    ("Node", "", ("metadata.name", "spec.unschedulable")),
    ("Namespace", "", ("status.phase", "metadata.name")),
    ("Endpoints", "", ("metadata.name", "metadata.namespace")),
    ("EndpointSlice", "discovery.k8s.io", ("metadata.name", "metadata.namespace")),
    ("Deployment", "apps", ("metadata.name", "metadata.namespace")),
])
def test_supported_fields(kind, group, fields):
    assert set(fs.supported_fields(kind, group)) == set(fields)


@pytest.mark.parametrize(("selector", "kind", "group", "message"), [
    ("spec.foo=x", "Service", "", "field label not supported: spec.foo"),
    ("spec.selector=x", "Service", "", "field label not supported: spec.selector"),
    ("metadata.namespace=x", "Node", "", "field label not supported: metadata.namespace"),
    ("spec.foo=x", "Endpoints", "",
     '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"'),
    ("status.replicas=1", "Deployment", "apps",
     '"status.replicas" is not a known field selector: only "metadata.name", '
     '"metadata.namespace"'),
    ("status.failed=1", "Job", "batch", 'field label "status.failed" not supported for '
                                        "batchv1.Job"),
    # the first rejected term in sorted order is the one reported
    ("zz=1,spec.foo=x", "Service", "", "field label not supported: spec.foo"),
])
def test_unsupported_fields(selector, kind, group, message):
    with pytest.raises(fs.FieldSelectorError) as err:
        fs.compile_selector(selector, kind, group)
    assert str(err.value) == message


def test_kubectl_wraps_the_rejection():
    with pytest.raises(fs.FieldSelectorError) as err:
        fs.compile_selector(" spec.foo=x ", "Endpoints")
    # checked against kubectl 1.37.1: the field selector is trimmed, the label selector is not
    assert str(fs.list_error(err.value, "services", label_selector="app = web",
                             field_selector=" spec.foo=x ")) == (
        'Error from server (BadRequest): Unable to find "/v1, Resource=services" that match '
        'label selector "app = web", field selector "spec.foo=x": "spec.foo" is not a known '
        'field selector: only "metadata.name", "metadata.namespace"')
    assert "Unable to find \"apps/v1, Resource=deployments\"" in str(
        fs.list_error(err.value, "deployments", group="apps"))


SERVICES = [service("web", type="NodePort"), service("db", type="ClusterIP", cluster_ip="None"),
            service("api", namespace="prod", type="LoadBalancer")]


@pytest.mark.parametrize(("selector", "names"), [
    ("", ["web", "db", "api"]),
    ("spec.type=NodePort", ["web"]),
    ("spec.type!=ClusterIP", ["web", "api"]),
    ("spec.clusterIP=None", ["db"]),
    ("metadata.namespace!=default", ["api"]),
    ("metadata.name=web,spec.type=NodePort", ["web"]),
    ("metadata.name=web,spec.type=ClusterIP", []),
    ("metadata.name==db", ["db"]),
])
def test_select_services(selector, names):
    assert [o["metadata"]["name"] for o in fs.select(SERVICES, selector, "Service")] == names


POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
       "spec": {"nodeName": "n1", "restartPolicy": "Always", "schedulerName": "default-scheduler",
                "serviceAccountName": "default"},
       "status": {"phase": "Running", "podIP": "10.1.0.5",
                  "podIPs": [{"ip": "10.1.0.5"}, {"ip": "fd00::5"}]}}


@pytest.mark.parametrize(("selector", "selected"), [
    ("status.phase=Running", True),
    ("status.phase!=Running", False),
    ("spec.nodeName=n1", True),
    ("spec.host=n1", True),  # the old name, renamed by the conversion
    ("spec.hostNetwork=false", True),  # unset reads as false
    ("status.podIP=10.1.0.5", True),
    ("status.podIPs=10.1.0.5", False),  # accepted, but never a selectable field
    ("status.podIPs=", True),
    ("status.nominatedNodeName=", True),
    ("spec.restartPolicy=Always,spec.schedulerName=default-scheduler", True),
    ("spec.serviceAccountName=other", False),
])
def test_select_pods(selector, selected):
    assert bool(fs.select([POD], selector, "Pod")) is selected


@pytest.mark.parametrize(("obj", "kind", "selector", "selected"), [
    ({"kind": "Node", "apiVersion": "v1", "metadata": {"name": "n1"}}, "Node",
     "spec.unschedulable=false", True),
    ({"kind": "Node", "apiVersion": "v1", "metadata": {"name": "n1"},
      "spec": {"unschedulable": True}}, "Node", "spec.unschedulable=true", True),
    ({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "prod"},
      "status": {"phase": "Active"}}, "Namespace", "status.phase=Active,metadata.name=prod", True),
    ({"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "s", "namespace": "d"},
      "type": "Opaque"}, "Secret", "type=Opaque", True),
    ({"kind": "Job", "apiVersion": "batch/v1", "metadata": {"name": "j", "namespace": "d"},
      "status": {"succeeded": 1}}, "Job", "status.successful=1", True),
    ({"kind": "Event", "apiVersion": "v1", "metadata": {"name": "e", "namespace": "d"},
      "involvedObject": {"kind": "Service", "name": "web"}, "reportingComponent": "ctrl"},
     "Event", "involvedObject.kind=Service,source=ctrl", True),
    # pkg/registry/core/event/strategy.go ToSelectableFields: type and reason are selectable
    ({"kind": "Event", "apiVersion": "v1", "metadata": {"name": "e", "namespace": "d"},
      "type": "Warning", "reason": "Failed", "involvedObject": {"uid": "u1"}},
     "Event", "type=Warning,reason=Failed,involvedObject.uid=u1", True),
    ({"kind": "Event", "apiVersion": "v1", "metadata": {"name": "e", "namespace": "d"},
      "type": "Normal"}, "Event", "type=Warning", False),
])
def test_select_other_kinds(obj, kind, selector, selected):
    group = fs.group_of(obj["apiVersion"])
    assert bool(fs.select([obj], selector, kind, group)) is selected
