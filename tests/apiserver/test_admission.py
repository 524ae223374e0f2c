"""Admission runs inside the API server: every write verb gets the same answer for the same bad
object (issue 10), and admission.py's own rules (fieldValidation, CRDs, MetalLB's webhook)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import pytest

from kubesvc.api.errors import InvalidError
from kubesvc.api.resources import for_kind
from kubesvc.apiserver import admission
from kubesvc.apiserver.admission import AdmissionError
from kubesvc.apiserver.context import ApiContext
from tests.conftest import write

WEB = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8080
"""
DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx
        ports:
        - containerPort: 8080
"""
CANNOT_HANDLE = 'Service in version "v1" cannot be handled as a Service: '
UNKNOWN = CANNOT_HANDLE + 'strict decoding error: unknown field "spec.zzz"'
UNKNOWN_STATUS = CANNOT_HANDLE + 'strict decoding error: unknown field "status.zzz"'
WRONG_TYPE = (CANNOT_HANDLE + "json: cannot unmarshal string into Go struct field "
              "ServicePort.spec.ports.port of type int32")
BAD_TYPE = ('The Service "{name}" is invalid: spec.type: Unsupported value: "Bogus": supported '
            'values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"')
PORT_ZERO = ('The Service "{name}" is invalid: spec.ports[0].port: Invalid value: 0: must be '
             "between 1 and 65535, inclusive")
TOO_BIG = ('The Service "web" is invalid: metadata.annotations: Too long: may not be more than '
           "262144 bytes")
BIG = "x" * 262145

# what each case changes in Service web, as a JSON merge patch (apply, edit, patch use it)
CHANGES = {
    "unknown-field": {"spec": {"zzz": 1}},
    "wrong-type": {"spec": {"ports": [{"port": "notanint", "targetPort": 8080}]}},
    "bad-type": {"spec": {"type": "Bogus"}},
    "port-zero": {"spec": {"ports": [{"port": 0, "targetPort": 8080}]}},
    "annotation-too-big": {"metadata": {"annotations": {"big": BIG}}},
}
# a strategic merge patch merges ports by their port number: the old one is deleted explicitly
STRATEGIC = {"port-zero": {"spec": {"ports": [{"port": 80, "$patch": "delete"},
                                              {"port": 0, "targetPort": 8080}]}}}
MESSAGES = {"unknown-field": UNKNOWN, "wrong-type": WRONG_TYPE, "bad-type": BAD_TYPE,
            "port-zero": PORT_ZERO, "annotation-too-big": TOO_BIG}

EDITOR = """\
import json, os, sys
import yaml
path = sys.argv[1]
with open(path) as fh:
    obj = yaml.safe_load(fh)
def merge(into, patch):
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value
with open(os.environ["ADMISSION_TEST_CHANGE"]) as fh:
    merge(obj, json.load(fh))
with open(path, "w") as fh:
    yaml.safe_dump(obj, fh)
"""


def _merge(into: dict, patch: dict) -> dict:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


def _json_patch(change: dict) -> str:
    """The same change as JSON patch operations (add replaces a whole member)."""
    ops = []
    for top, fields in change.items():
        for key, value in fields.items():
            ops.append({"op": "add", "path": f"/{top}/{key}", "value": value})
    return json.dumps(ops)


def _apply(cli, tmp_path, case):
    import yaml

    manifest = _merge(yaml.safe_load(WEB), json.loads(json.dumps(CHANGES[case])))
    path = write(tmp_path, "web.yaml", yaml.safe_dump(manifest))
    return cli("apply", "-f", path), path


def _edit(cli, tmp_path, case, monkeypatch):
    script = write(tmp_path, "editor.py", EDITOR)
    monkeypatch.setenv("KUBE_EDITOR", f'"{sys.executable}" "{script}"')
    change = write(tmp_path, "change.json", json.dumps(CHANGES[case]))  # too big for the env
    monkeypatch.setenv("ADMISSION_TEST_CHANGE", change)
    return cli("edit", "svc", "web")


def _patch(kind):
    def run(cli, case):
        change = (kind == "strategic" and STRATEGIC.get(case)) or CHANGES[case]
        text = _json_patch(change) if kind == "json" else json.dumps(change)
        return cli("patch", "svc", "web", "--type", kind, "-p", text)
    return run


# label and scale are absent from the refusal tables: they only set metadata maps or
# replicas, and kubectl refuses bad label values and negative replicas client side, before any
# request; test_valid_writes_still_pass_admission shows they go through admission unharmed.
PATCHES = {"patch-" + t: _patch(t) for t in ("strategic", "merge", "json")}


@pytest.fixture
def web(cli, tmp_path):
    cli.ok("apply", "-f", write(tmp_path, "seed.yaml", WEB + "---\n" + DEPLOY))
    return cli


def _state(cli) -> tuple[str, bytes]:
    return cli.ok("get", "svc,deploy", "-A", "-o", "yaml"), cli.dump()


def _check_refused(cli, before, result, expected: str) -> None:
    assert result.code == 1
    assert result.err == expected + "\n"
    assert result.err.count("\n") == 1  # one line
    assert _state(cli) == before


def _as_printed(message: str, wrap: str = "") -> str:
    """kubectl prints a 400/403 as `Error from server (Reason): ...`, a 422 as it is."""
    if message.startswith("The "):
        return message
    return f"Error from server (BadRequest): {wrap}{message}"


@pytest.mark.parametrize("case", list(CHANGES))
@pytest.mark.parametrize("verb", ["apply", "edit", "patch-strategic", "patch-merge",
                                  "patch-json"])
def test_every_update_verb_gets_the_same_answer(web, tmp_path, monkeypatch, verb, case):
    before = _state(web)
    message = MESSAGES[case].format(name="web")
    if verb == "apply":
        result, path = _apply(web, tmp_path, case)
        expected = _as_printed(message, f'error when creating "{path}": ')
    elif verb == "edit":
        result = _edit(web, tmp_path, case, monkeypatch)
        expected = _as_printed(message)
    else:
        result = PATCHES[verb](web, case)
        expected = _as_printed(message)
    _check_refused(web, before, result, expected)


@pytest.mark.parametrize("verb, args, message", [
    pytest.param("annotate", ["annotate", "svc", "web", f"big={BIG}"], TOO_BIG,
                 id="annotate-annotation-too-big"),
    pytest.param("patch-status", ["patch", "svc", "web", "--subresource", "status", "--type",
                                  "merge", "-p", '{"status":{"zzz":1}}'],
                 _as_printed(UNKNOWN_STATUS), id="patch-status-unknown-field"),
    pytest.param("patch-status", ["patch", "svc", "web", "--subresource", "status", "--type",
                                  "merge", "-p", '{"status":{"loadBalancer":{"ingress":"x"}}}'],
                 _as_printed(CANNOT_HANDLE + "json: cannot unmarshal string into Go struct field "
                             "LoadBalancerStatus.status.loadBalancer.ingress of type "
                             "[]v1.LoadBalancerIngress"), id="patch-status-wrong-type"),
    pytest.param("create", ["create", "service", "clusterip", "new", "--tcp", "0:8080"],
                 PORT_ZERO.format(name="new"), id="create-service-port-zero"),
    pytest.param("expose", ["expose", "deployment", "web", "--name", "new", "--port", "80",
                            "--type", "Bogus"],
                 BAD_TYPE.format(name="new"), id="expose-bad-type"),
    pytest.param("create", ["create", "deployment", "new", "--image", "nginx", "--replicas",
                            "-1"],
                 'The Deployment "new" is invalid: spec.replicas: Invalid value: -1: must be '
                 "greater than or equal to 0", id="create-deployment-negative-replicas"),
])
def test_other_write_verbs_are_refused_by_the_server(web, verb, args, message):
    before = _state(web)
    _check_refused(web, before, web(*args), message)


@pytest.mark.parametrize("case", ["unknown-field", "wrong-type", "bad-type", "port-zero"])
def test_apply_of_a_new_object_gets_the_same_answer(cli, tmp_path, case):
    cli.fresh()  # the state exists before the snapshot
    before = _state(cli)
    result, path = _apply(cli, tmp_path, case)
    expected = _as_printed(MESSAGES[case].format(name="web"), f'error when creating "{path}": ')
    _check_refused(cli, before, result, expected)


@pytest.mark.parametrize("verb, args", [
    pytest.param("label", ["label", "svc", "web", "tier=front"], id="label"),
    pytest.param("annotate", ["annotate", "svc", "web", "note=x"], id="annotate"),
    pytest.param("scale", ["scale", "deployment", "web", "--replicas", "2"], id="scale"),
    pytest.param("patch", ["patch", "svc", "web", "-p", '{"spec":{"type":"NodePort"}}'],
                 id="patch"),
])
def test_valid_writes_still_pass_admission(web, verb, args):
    result = web(*args)
    assert (result.code, result.err) == (0, "")
    assert result.out.endswith(("labeled\n", "annotated\n", "scaled\n", "patched\n"))


def test_validate_warn_reaches_admission_and_drops_the_field(cli, tmp_path):
    path = write(tmp_path, "web.yaml", WEB.replace("spec:\n", "spec:\n  zzz: 1\n"))
    result = cli("apply", "-f", path, "--validate=warn")
    assert result.code == 0
    assert result.err == 'Warning: unknown field "spec.zzz"\n'
    assert "zzz" not in cli.ok("get", "svc", "web", "-o", "yaml")


# -- admission.py itself ------------------------------------------------------------------------

class _Store:
    """What admission reads from a store: settings and the stored IPAddressPools/CRDs."""

    def __init__(self, objects: dict | None = None):
        self.settings = {"kubernetesVersion": "1.37"}
        self.objects = objects or {}

    def list(self, gk: str) -> list[dict]:
        return self.objects.get(gk, [])


def _ctx(validation: str = "strict", objects: dict | None = None) -> ApiContext:
    ctx = ApiContext(_Store(objects), datetime(2026, 1, 1, tzinfo=UTC))
    ctx.field_validation = validation
    return ctx


def _svc(**spec) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"ports": [{"port": 80}], **spec}}


SVC = for_kind("Service", "v1")


def _pool(name: str, addresses: list[str], namespace: str = "metallb-system") -> dict:
    return {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"addresses": addresses}}


@pytest.mark.parametrize("validation, warnings", [
    pytest.param("warn", ['unknown field "spec.zzz"'], id="warn"),
    pytest.param("ignore", [], id="ignore")])
def test_unknown_fields_are_dropped_unless_strict(validation, warnings):
    ctx, obj = _ctx(validation), _svc(zzz=1)
    admission.admit(ctx, SVC, obj)
    assert "zzz" not in obj["spec"]
    assert ctx.warnings == warnings


@pytest.mark.parametrize("obj, message", [
    pytest.param(_svc(zzz=1), UNKNOWN, id="unknown-field"),
    pytest.param(_svc(ports=[{"port": "notanint"}]), WRONG_TYPE, id="wrong-type"),
    pytest.param({**_svc(), "spec": "open"}, CANNOT_HANDLE + "json: cannot unmarshal string "
                 "into Go struct field Service.spec of type v1.ServiceSpec", id="spec-string"),
])
def test_strict_refusals_are_bad_requests(obj, message):
    with pytest.raises(AdmissionError) as err:
        admission.admit(_ctx(), SVC, obj)
    assert (err.value.reason, err.value.code, err.value.message) == ("BadRequest", 400, message)


def test_a_null_list_item_is_a_zero_value():
    obj = _svc(ports=[None])
    admission.admit(_ctx(), SVC, obj)
    assert obj["spec"]["ports"] == [{}]


def test_decoding_leaves_required_fields_to_the_kinds_validation():
    """The schema's `required` lists are not the API server's rules: decoding passes a
    Deployment without selector; the kind's hand-written validation refuses it (apps
    ValidateDeploymentSpec), see tests/apiserver/test_status.py."""
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
              "spec": {"template": {}}}
    admission.admit(_ctx(), for_kind("Deployment", "apps/v1"), deploy)
    assert deploy["spec"] == {"template": {}}


@pytest.mark.parametrize("api_version, kind, expected", [
    pytest.param("v1", "Service", "Service", id="built-in"),
    pytest.param("apps/v1", "Deployment", "Deployment.apps", id="built-in-group"),
    pytest.param("metallb.io/v1beta1", "IPAddressPool", "IPAddressPool.metallb.io",
                 id="bundled-crd"),
    pytest.param("v1", "Sevrice", None, id="unknown-kind"),
    pytest.param("apps/v2", "Deployment", None, id="unknown-version"),
])
def test_resource_lookup(api_version, kind, expected):
    res = admission.resource_for(_ctx(), api_version, kind)
    assert (res.gk if res else None) == expected


def test_a_stored_crd_defines_a_kind():
    crd = {"spec": {"group": "example.com", "scope": "Namespaced",
                    "names": {"kind": "Widget", "plural": "widgets"},
                    "versions": [{"name": "v1", "served": True, "schema": {"openAPIV3Schema": {
                        "type": "object", "properties": {"spec": {"type": "object", "properties": {
                            "size": {"type": "integer", "default": 3}}}}}}}]}}
    ctx = _ctx(objects={"CustomResourceDefinition.apiextensions.k8s.io": [crd]})
    res = admission.resource_for(ctx, "example.com/v1", "Widget")
    assert res is not None and res.gk == "Widget.example.com"
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
           "spec": {}}
    admission.admit(ctx, res, obj)
    assert obj["spec"] == {"size": 3}  # defaulted
    bad = {**obj, "spec": {"size": "big"}}
    with pytest.raises(InvalidError) as err:
        admission.admit(ctx, res, bad)
    assert err.value.message == ('The Widget "w" is invalid: spec.size: Invalid value: "string": '
                                 'spec.size in body must be of type integer: "string"')


def test_crd_unknown_fields_follow_field_validation():
    pool = _pool("a", ["10.0.0.0/24"])
    pool["spec"]["zzz"] = 1
    res = admission.resource_for(_ctx(), "metallb.io/v1beta1", "IPAddressPool")
    with pytest.raises(AdmissionError) as err:
        admission.admit(_ctx(), res, pool)
    assert err.value.message == ('IPAddressPool in version "v1beta1" cannot be handled as a '
                                 'IPAddressPool: strict decoding error: unknown field "spec.zzz"')
    admission.admit(_ctx("ignore"), res, pool)
    assert pool["spec"] == {"addresses": ["10.0.0.0/24"], "autoAssign": True,
                            "avoidBuggyIPs": False}


@pytest.mark.parametrize("pool, message", [
    pytest.param(_pool("b", ["10.0.0.128/25"]), 'CIDR "10.0.0.128/25" in pool "b" overlaps with '
                 'already defined CIDR "10.0.0.0/24"', id="overlap"),
    pytest.param(_pool("b", ["10.1.0.0/24"], namespace="default"),
                 "resource must be created in metallb-system namespace", id="wrong-namespace"),
])
def test_metallb_webhook_denies(pool, message):
    ctx = _ctx(objects={"IPAddressPool.metallb.io": [_pool("a", ["10.0.0.0/24"])]})
    res = admission.resource_for(ctx, "metallb.io/v1beta1", "IPAddressPool")
    with pytest.raises(AdmissionError) as err:
        admission.admit(ctx, res, pool)
    assert (err.value.reason, err.value.code) == ("Forbidden", 403)
    assert err.value.message == ('admission webhook "ipaddresspoolvalidationwebhook.metallb.io" '
                                 f"denied the request: {message}")
