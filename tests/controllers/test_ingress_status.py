"""ingress-nginx's status sync (internal/ingress/status/status.go runningAddresses and
store.GetIngressClass): where the controller is reachable becomes each served Ingress's
ADDRESS. Rows name the flag or rule they follow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kubesvc.controllers.ingress_status import Controller, controller_of, running_addresses, serves

NODES = (Path(__file__).parents[2] / "manifests" / "00-cluster-nodes.yaml").read_text()
POOL = (Path(__file__).parents[2] / "manifests" / "05-metallb-pool.yaml").read_text()


def controller_manifest(*flags: str, service_type: str = "NodePort") -> str:
    args = "".join(f"        - {f}\n" for f in flags)
    return f"""\
apiVersion: v1
kind: Namespace
metadata:
  name: ingress-nginx
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
spec:
  controller: k8s.io/ingress-nginx
---
apiVersion: v1
kind: Service
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
spec:
  type: {service_type}
  selector:
    app.kubernetes.io/name: ingress-nginx
  ports:
  - name: http
    port: 80
    targetPort: http
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: ingress-nginx
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ingress-nginx
    spec:
      containers:
      - name: controller
        image: registry.k8s.io/ingress-nginx/controller:v1.12.0
        args:
        - /nginx-ingress-controller
        - --election-id=ingress-nginx-leader
        - --controller-class=k8s.io/ingress-nginx
        - --ingress-class=nginx
{args}        ports:
        - name: http
          containerPort: 80
          hostPort: 80
"""


def ingress(name: str, class_line: str = "  ingressClassName: nginx\n") -> str:
    return f"""\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
spec:
{class_line}  defaultBackend:
    service:
      name: web
      port:
        number: 80
"""


def address(cli, name: str) -> list[dict]:
    ing = json.loads(cli.ok("get", "ingress", name, "-o", "json"))
    return ing["status"]["loadBalancer"].get("ingress", [])


def test_kind_manifest_publishes_localhost(cli):
    """The kind provider's deploy.yaml: --publish-status-address=localhost."""
    cli.ok("apply", "-f", "-", stdin=NODES)
    cli.ok("apply", "-f", "-", stdin=controller_manifest("--publish-status-address=localhost")
           + ingress("shop"))
    assert address(cli, "shop") == [{"hostname": "localhost"}]
    assert cli.ok("get", "ing", "shop").splitlines()[1].split()[3] == "localhost"


def test_publish_service_reads_the_load_balancer_ip(cli):
    """--publish-service: a LoadBalancer Service's status IP (here MetalLB's)."""
    cli.ok("apply", "-f", "-", stdin=NODES + "---\n" + POOL)
    cli.ok("apply", "-f", "-", stdin=controller_manifest(
        "--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller",
        service_type="LoadBalancer") + ingress("shop"))
    svc = json.loads(cli.ok("get", "svc", "ingress-nginx-controller", "-n", "ingress-nginx",
                            "-o", "json"))
    lb_ip = svc["status"]["loadBalancer"]["ingress"][0]["ip"]
    assert address(cli, "shop") == [{"ip": lb_ip}]


def test_without_flags_the_nodes_of_ready_pods(cli):
    """No publish flag: the node of each Running and Ready controller pod (its InternalIP when
    it has no ExternalIP); an Ingress of another class is left alone."""
    cli.ok("apply", "-f", "-", stdin=NODES)
    cli.ok("apply", "-f", "-", stdin=controller_manifest() + ingress("shop")
           + ingress("other", "  ingressClassName: traefik\n"))
    pods = json.loads(cli.ok("get", "pods", "-n", "ingress-nginx", "-o", "json"))["items"]
    node = json.loads(cli.ok("get", "node", pods[0]["spec"]["nodeName"], "-o", "json"))
    internal = next(a["address"] for a in node["status"]["addresses"]
                    if a["type"] == "InternalIP")
    assert address(cli, "shop") == [{"ip": internal}]
    assert address(cli, "other") == []


def test_address_follows_the_controller(cli):
    """Scaling the controller to zero leaves no ready pod: the address is cleared."""
    cli.ok("apply", "-f", "-", stdin=NODES)
    cli.ok("apply", "-f", "-", stdin=controller_manifest() + ingress("shop"))
    assert address(cli, "shop")
    cli.ok("scale", "deployment", "ingress-nginx-controller", "-n", "ingress-nginx",
           "--replicas=0")
    assert address(cli, "shop") == []


CTL = Controller("ingress-nginx", {})
CLASSES = {"nginx": {"spec": {"controller": "k8s.io/ingress-nginx"}},
           "other": {"spec": {"controller": "example.com/other"}}}


@pytest.mark.parametrize(("ctl", "ingress_obj", "served"), [
    pytest.param(CTL, {"spec": {"ingressClassName": "nginx"}}, True,
                 id="class whose controller is --controller-class"),
    pytest.param(CTL, {"spec": {"ingressClassName": "other"}}, False, id="another controller"),
    pytest.param(CTL, {"spec": {"ingressClassName": "gone"}}, False, id="class not found"),
    pytest.param(CTL, {"metadata": {"annotations": {"kubernetes.io/ingress.class": "nginx"}}},
                 True, id="annotation equal to --ingress-class"),
    pytest.param(CTL, {"metadata": {"annotations": {"kubernetes.io/ingress.class": "x"}}},
                 False, id="other annotation"),
    pytest.param(CTL, {}, False, id="no class, --watch-ingress-without-class unset"),
    pytest.param(CTL._replace(watch_without_class=True), {}, True,
                 id="no class, --watch-ingress-without-class=true"),
])
def test_serves(ctl, ingress_obj, served):
    """store.GetIngressClass: ingressClassName, then the annotation, then no class."""
    assert serves(ctl, ingress_obj, CLASSES) is served


NODE_BOTH = {"status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.2"},
                                      {"type": "ExternalIP", "address": "203.0.113.9"}]}}
READY = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}


@pytest.mark.parametrize(("ctl", "pods", "services", "expected"), [
    pytest.param(CTL._replace(publish_status_address="localhost, 10.0.0.1"), [], {},
                 [{"ip": "10.0.0.1"}, {"hostname": "localhost"}],
                 id="publish-status-address: IPs and names, sorted by hostname then IP"),
    pytest.param(CTL, [{"spec": {"nodeName": "n1"}, "status": READY}], {},
                 [{"ip": "203.0.113.9"}], id="node ExternalIP first (GetNodeIPOrName)"),
    pytest.param(CTL._replace(internal_ip=True), [{"spec": {"nodeName": "n1"}, "status": READY}],
                 {}, [{"ip": "172.18.0.2"}], id="--report-node-internal-ip-address"),
    pytest.param(CTL, [{"spec": {"nodeName": "n1"}, "status": {"phase": "Running"}}], {}, [],
                 id="a pod that is not Ready is skipped"),
    pytest.param(CTL._replace(publish_service="ns/s"), [], {"ns/s": {"spec": {
        "type": "NodePort", "clusterIP": "10.96.0.5"}}}, [{"ip": "10.96.0.5"}],
        id="publish-service NodePort without externalIPs: the cluster IP"),
    pytest.param(CTL._replace(publish_service="ns/s"), [], {"ns/s": {
        "spec": {"type": "LoadBalancer", "externalIPs": ["198.51.100.1"]},
        "status": {"loadBalancer": {"ingress": [{"hostname": "lb.example.com"}]}}}},
        [{"ip": "198.51.100.1"}, {"hostname": "lb.example.com"}],
        id="publish-service LoadBalancer: status hostnames plus externalIPs"),
    pytest.param(CTL._replace(publish_service="ns/s"), [], {}, [],
                 id="publish-service missing: nothing"),
])
def test_running_addresses(ctl, pods, services, expected):
    assert running_addresses(ctl, pods, {"n1": NODE_BOTH}, services) == expected


def test_controller_flags_are_parsed_from_the_container():
    workload = {"metadata": {"namespace": "ingress-nginx"}, "spec": {
        "selector": {"matchLabels": {"a": "b"}}, "template": {"spec": {"containers": [
            {"name": "c", "args": ["/nginx-ingress-controller", "--ingress-class", "public",
                                   "--watch-ingress-without-class",
                                   "--publish-service=$(POD_NAMESPACE)/svc"]}]}}}}
    assert controller_of(workload) == Controller(
        "ingress-nginx", {"matchLabels": {"a": "b"}}, ingress_class="public",
        watch_without_class=True, publish_service="ingress-nginx/svc")
