"""The verbs as a user meets them: messages, exit codes, and the state left untouched by
anything that fails."""

import json

import pytest

from tests.conftest import write

WEB = """apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {app: web}
  ports:
  - port: 80
"""


@pytest.fixture
def seeded(cli, tmp_path):
    cli.ok("apply", "-f", write(tmp_path, "web.yaml", WEB))
    return cli


def test_apply_reports_created_unchanged_configured(cli, tmp_path):
    path = write(tmp_path, "web.yaml", WEB)
    assert cli.ok("apply", "-f", path) == "service/web created\n"
    assert cli.ok("apply", "-f", path) == "service/web unchanged\n"
    write(tmp_path, "web.yaml", WEB.replace("port: 80", "port: 8080"))
    assert cli.ok("apply", "-f", path) == "service/web configured\n"


@pytest.mark.parametrize("flag, suffix", [("client", " (dry run)"),
                                          ("server", " (server dry run)")])
def test_dry_run_changes_nothing(seeded, tmp_path, flag, suffix):
    before = seeded.dump()
    path = write(tmp_path, "new.yaml", WEB.replace("name: web", "name: new"))
    assert seeded.ok("apply", "-f", path, f"--dry-run={flag}") == f"service/new created{suffix}\n"
    assert seeded.dump() == before


def test_apply_output_formats(cli, tmp_path):
    path = write(tmp_path, "web.yaml", WEB)
    assert cli.ok("apply", "-f", path, "-o", "name") == "service/web\n"
    obj = json.loads(cli.ok("apply", "-f", path, "-o", "json"))
    assert obj["spec"]["clusterIP"] == "10.96.1.1"


def test_stdin_and_good_objects_applied_beside_a_bad_one(cli):
    bad = WEB.replace("name: web", "name: bad").replace("port: 80", "port: 0")
    result = cli("apply", "-f", "-", stdin=WEB + "---\n" + bad)
    assert result.code == 1
    assert result.out == "service/web created\n"
    assert result.err.startswith('The Service "bad" is invalid: \n* spec.ports[0].port: Invalid '
                                 "value: 0: must be between 1 and 65535, inclusive\n")
    assert "bad" not in cli.ok("get", "svc")


@pytest.mark.parametrize("manifest, message", [
    (WEB.replace("  ports:", "  bogus: 1\n  ports:"),
     'Error from server (BadRequest): error when creating "{path}": Service in version "v1" '
     'cannot be handled as a Service: strict decoding error: unknown field "spec.bogus"'),
    (WEB.replace("port: 80", "port: eighty"),
     'Error from server (BadRequest): error when creating "{path}": Service in version "v1" '
     "cannot be handled as a Service: json: cannot unmarshal string into Go struct field "
     "ServicePort.spec.ports.port of type int32"),
    (WEB.replace("kind: Service", "kind: Servce"),
     'error: resource mapping not found for name: "web" namespace: "" from "{path}": no matches '
     'for kind "Servce" in version "v1"'),
    (WEB.replace("apiVersion: v1\n", ""),
     'error: error validating "{path}" (document 1): error validating data: [apiVersion not '
     "set]; if you choose to ignore these errors, turn validation off with --validate=false"),
    (WEB.replace("  name: web\n", ""),
     'error: error when retrieving current configuration of Service from "{path}" (document 1): '
     "resource name may not be empty"),
    (WEB.replace("name: web", "name: Web_1"),
     'The Service "Web_1" is invalid: metadata.name: Invalid value: "Web_1": a lowercase RFC '
     "1123 label must consist of lower case alphanumeric characters or '-', and must start and "
     "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
     "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"),
    (WEB.replace("  name: web\n", "  name: web\n  namespace: nope\n"),
     'Error from server (NotFound): error when creating "{path}": namespaces "nope" not found'),
    (WEB.replace("  ports:", "  type: NodePort\n  ports:").replace("port: 80", "port: 80\n"
                                                                    "    nodePort: 80"),
     'The Service "web" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is '
     "not in the valid range. The range of valid ports is 30000-32767"),
], ids=["unknown-field", "wrong-type", "unknown-kind", "no-apiVersion", "no-name", "invalid-name",
        "missing-namespace", "node-port-out-of-range"])
def test_apply_errors_are_one_kubectl_line_and_leave_no_trace(seeded, tmp_path, manifest,
                                                              message):
    before = seeded.dump()
    path = write(tmp_path, "bad.yaml", manifest)
    result = seeded("apply", "-f", path)
    assert result.code == 1
    assert result.err == message.format(path=path) + "\n"
    assert seeded.dump() == before


@pytest.mark.parametrize("mode, code, stored, warning", [
    ("strict", 1, False, False), ("warn", 0, True, True), ("ignore", 0, True, False),
    ("false", 0, True, False)])
def test_validate_modes_for_unknown_fields(cli, tmp_path, mode, code, stored, warning):
    path = write(tmp_path, "x.yaml", WEB.replace("  ports:", "  bogus: 1\n  ports:"))
    result = cli("apply", "-f", path, f"--validate={mode}")
    assert result.code == code
    assert ('Warning: unknown field "spec.bogus"' in result.err) is warning
    if stored:
        assert "bogus" not in cli.ok("get", "svc", "web", "-o", "yaml")  # dropped, as a server does


def test_namespace_flag_conflict(cli, tmp_path):
    path = write(tmp_path, "x.yaml", WEB.replace("  name: web\n", "  name: web\n  namespace: a\n"))
    result = cli("apply", "-f", path, "-n", "b")
    assert result.code == 1
    assert result.err == ('error: the namespace from the provided object "a" does not match the '
                          'namespace "b". You must pass \'--namespace=a\' to perform this '
                          "operation.\n")


def test_get_not_found_and_no_resources(seeded):
    result = seeded("get", "svc", "web", "nope")
    assert result.code == 1
    assert result.out.startswith("NAME ")
    assert result.err == 'Error from server (NotFound): services "nope" not found\n'
    empty = seeded("get", "svc", "-n", "kube-public")
    assert (empty.code, empty.out, empty.err) == (0, "", "No resources found in kube-public "
                                                        "namespace.\n")
    assert seeded("get", "svc", "-l", "app=none", "-A").err == "No resources found\n"


def test_get_selectors_and_names(seeded, tmp_path):
    api = WEB.replace("web", "api")
    seeded.ok("apply", "-f", write(tmp_path, "api.yaml", api))
    assert seeded.ok("get", "svc", "-l", "app in (web,api)", "-o", "name") == \
        "service/api\nservice/web\n"
    assert seeded.ok("get", "svc", "-l", "app!=web", "-o", "name") == \
        "service/api\nservice/kubernetes\n"
    assert seeded.ok("get", "svc/web", "service/api", "-o", "name") == \
        "service/web\nservice/api\n"


def test_get_namespaces_and_stored_kinds(cli, tmp_path):
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n"
    assert cli.ok("apply", "-f", write(tmp_path, "cm.yaml", cm)) == "configmap/cfg created\n"
    assert cli.ok("get", "configmaps") == "NAME   DATA   AGE\ncfg    1      0s\n"
    assert cli.ok("get", "ns", "-o", "name") == ("namespace/default\nnamespace/kube-node-lease\n"
                                                 "namespace/kube-public\nnamespace/kube-system\n"
                                                 "namespace/metallb-system\n")


def test_unknown_resource_type(cli):
    cli.ok("cluster", "init")
    result = cli("get", "widgets")
    assert (result.code, result.err) == (1, 'error: the server doesn\'t have a resource type '
                                            '"widgets"\n')


def test_usage_errors_exit_1_as_kubectl(cli):
    assert cli("get", "svc", "--bogus").code == 1
    assert cli("get", "svc", "-o", "xml").code == 1
    assert cli("apply").code == 1


def test_delete_messages_and_namespace_cascade(seeded, tmp_path):
    assert seeded.ok("delete", "service", "web") == 'service "web" deleted from default namespace\n'
    result = seeded("delete", "svc", "web")
    assert (result.code, result.err) == (1, 'Error from server (NotFound): services "web" not '
                                            "found\n")
    ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"
    seeded.ok("apply", "-f", write(tmp_path, "ns.yaml", ns + "---\n" + WEB.replace(
        "  name: web\n", "  name: web\n  namespace: shop\n")))
    assert seeded.ok("delete", "ns", "shop") == 'namespace "shop" deleted\n'
    assert seeded("get", "svc", "-n", "shop").err == "No resources found in shop namespace.\n"
    seeded.ok("apply", "-f", write(tmp_path, "again.yaml", WEB))
    assert json.loads(seeded.ok("get", "svc", "web", "-o", "json"))["spec"]["clusterIP"] == \
        "10.96.1.1"  # the deleted namespace's Service gave its address back


def test_delete_by_file_selector_and_all(seeded, tmp_path):
    path = write(tmp_path, "web.yaml", WEB)
    assert seeded.ok("delete", "-f", path) == 'service "web" deleted from default namespace\n'
    seeded.ok("apply", "-f", path)
    assert seeded.ok("delete", "svc", "-l", "app=web") == \
        'service "web" deleted from default namespace\n'
    assert seeded.ok("delete", "svc", "--all") == \
        'service "kubernetes" deleted from default namespace\n'
