"""kubectl's imperative verbs: create service|deployment, expose, diff, edit, version,
api-resources. Expected objects are what `kubectl create ... --dry-run=client -o yaml` (1.37.1)
prints for the same flags."""

import json

import pytest

from tests.conftest import write

NODEPORT_DRY_RUN = """apiVersion: v1
kind: Service
metadata:
  labels:
    app: web
  name: web
spec:
  ports:
  - name: 80-8080
    port: 80
    protocol: TCP
    targetPort: 8080
  selector:
    app: web
  type: NodePort
status:
  loadBalancer: {}
"""


def test_create_service_dry_run_matches_kubectl(cli):
    out = cli.ok("create", "service", "nodeport", "web", "--tcp=80:8080", "--dry-run=client",
                 "-o", "yaml")
    assert out == NODEPORT_DRY_RUN


@pytest.mark.parametrize("args, spec_subset", [
    (["externalname", "db", "--external-name", "db.example.com"],
     {"type": "ExternalName", "externalName": "db.example.com", "selector": {"app": "db"}}),
    (["clusterip", "hl", "--clusterip", "None"], {"clusterIP": "None", "clusterIPs": ["None"]}),
    (["nodeport", "np", "--tcp", "80", "--node-port", "30001"],
     {"ports": [{"name": "80", "nodePort": 30001, "port": 80, "protocol": "TCP",
                 "targetPort": 80}]}),
    (["loadbalancer", "lb", "--tcp", "443:8443"], {"type": "LoadBalancer",
                                                   "allocateLoadBalancerNodePorts": True}),
])
def test_create_service_kinds(cli, args, spec_subset):
    assert cli.ok("create", "service", *args) == f"service/{args[1]} created\n"
    spec = json.loads(cli.ok("get", "svc", args[1], "-o", "json"))["spec"]
    assert {k: spec[k] for k in spec_subset} == spec_subset


def test_create_errors(cli):
    missing = cli("create", "service", "clusterip", "x")
    assert (missing.code, missing.err) == (1, "error: at least one tcp port specifier must be "
                                              "provided\n")
    cli.ok("create", "service", "clusterip", "web", "--tcp", "80")
    again = cli("create", "service", "clusterip", "web", "--tcp", "80")
    assert (again.code, again.err) == (1, 'Error from server (AlreadyExists): services "web" '
                                          "already exists\n")


def test_create_deployment_then_expose_it(cli):
    cli.ok("cluster", "init", "--nodes", "2")
    assert cli.ok("create", "deployment", "web", "--image", "nginx:1.27", "--port", "8080",
                  "--replicas", "2") == "deployment.apps/web created\n"
    assert cli.ok("expose", "deployment", "web", "--port", "80", "--target-port", "8080",
                  "--type", "NodePort") == "service/web exposed\n"
    svc = json.loads(cli.ok("get", "svc", "web", "-o", "json"))
    assert svc["spec"]["selector"] == {"app": "web"}
    assert svc["spec"]["ports"][0]["targetPort"] == 8080
    assert svc["spec"]["ports"][0]["nodePort"] == 30086
    eps = json.loads(cli.ok("get", "endpoints", "web", "-o", "json"))
    assert sum(len(s["addresses"]) for s in eps["subsets"]) == 2
    introspected = cli.ok("expose", "deploy/web", "--name", "web2", "-o", "json")
    assert json.loads(introspected)["spec"]["ports"][0]["port"] == 8080  # from containerPort


def test_diff_exit_codes(cli, tmp_path):
    svc = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n"
    path = write(tmp_path, "web.yaml", svc)
    cli.ok("apply", "-f", path)
    same = cli("diff", "-f", path)
    assert (same.code, same.out) == (0, "")
    write(tmp_path, "web.yaml", svc.replace("80", "8080"))
    changed = cli("diff", "-f", path)
    assert changed.code == 1
    assert changed.out.startswith("diff -u -N LIVE/v1.Service.default.web "
                                  "MERGED/v1.Service.default.web\n")
    assert "-  - port: 80\n" in changed.out and "+  - port: 8080\n" in changed.out
    assert json.loads(cli.ok("get", "svc", "web", "-o", "json"))["spec"]["ports"][0][
        "port"] == 80  # diff changed nothing


def test_edit_through_the_editor(cli, monkeypatch):
    cli.ok("create", "service", "clusterip", "web", "--tcp", "80")
    monkeypatch.setenv("EDITOR", "sed -i s/port:\\ 80/port:\\ 8080/")
    assert cli.ok("edit", "svc", "web") == "service/web edited\n"
    assert json.loads(cli.ok("get", "svc", "web", "-o", "json"))["spec"]["ports"][0][
        "port"] == 8080
    monkeypatch.setenv("EDITOR", "true")
    assert cli("edit", "svc", "web").err == "Edit cancelled, no changes made.\n"
    monkeypatch.setenv("EDITOR", "sed -i s/port:\\ 8080/port:\\ 0/")
    bad = cli("edit", "svc", "web")
    assert bad.code == 1 and "spec.ports[0].port: Invalid value: 0" in bad.err


def test_version_and_api_resources(cli):
    assert cli.ok("version").startswith("kubesvc Version: v")
    table = cli.ok("api-resources")
    assert table.splitlines()[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED",
                                             "KIND"]
    assert any(line.split()[:2] == ["services", "svc"] for line in table.splitlines())
    assert "ipaddresspools" in table
    cluster = cli.ok("api-resources", "--namespaced=false", "-o", "name")
    assert "nodes\n" in cluster and "services\n" not in cluster
