"""`kubesvc resolve` and `kubesvc check` end to end: real manifests applied to a fresh state, the
controllers make pods and EndpointSlices, and the output is compared with golden files
(tests/golden/resolve/, UPDATE_GOLDEN=1 rewrites them).

The cluster: nodes n1..n3 (172.18.0.2..4); Deployment web (2 pods, on n2 and n3); StatefulSet
cache (cache-0, cache-1 on n1) behind a headless Service; Services web (ClusterIP), web-np
(NodePort 30080), web-lb (LoadBalancer, Local, no address pool), db (ExternalName) and typo
(a selector that matches nothing).
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import check_golden, write

NODES = "".join(f"---\napiVersion: v1\nkind: Node\nmetadata: {{name: n{i}}}\n" for i in (1, 2, 3))
APPS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-np}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http, nodePort: 30080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-lb}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  type: ExternalName
  externalName: db.example.com
---
apiVersion: v1
kind: Service
metadata: {name: cache}
spec:
  clusterIP: None
  selector: {app: cache}
  ports: [{name: redis, port: 6379}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cache}
spec:
  serviceName: cache
  replicas: 2
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers:
      - name: redis
        image: redis:7
        ports: [{name: redis, containerPort: 6379}]
---
apiVersion: v1
kind: Service
metadata: {name: typo}
spec:
  selector: {app: wbe}
  ports: [{port: 80, targetPort: 8080}]
"""


@pytest.fixture(autouse=True)
def _commands():
    """Register the two verbs when main.py does not (yet) do it."""
    from kubesvc.cli import common
    from kubesvc.cli import resolve as verbs
    from kubesvc.cli.main import app

    names = {c.name for c in app.registered_commands}
    if "resolve" not in names:
        app.command("resolve", epilog=common.examples(verbs.RESOLVE_EXAMPLES))(verbs.resolve)
    if "check" not in names:
        app.command("check", epilog=common.examples(verbs.CHECK_EXAMPLES))(verbs.check)


@pytest.fixture
def demo(cli, tmp_path):
    cli.ok("apply", "-f", write(tmp_path, "nodes.yaml", NODES))
    cli.ok("apply", "-f", write(tmp_path, "apps.yaml", APPS))
    return cli


@pytest.mark.parametrize("golden, args, code", [
    # golden scenarios per Service type
    ("svc-clusterip.txt", ["svc/web"], 0),
    ("nodeport-via-node-without-pod.txt", ["172.18.0.2:30080"], 0),
    ("svc-loadbalancer-pending.txt", ["svc/web-lb"], 1),
    ("externalname-cname.txt", ["db:5432"], 0),
    ("svc-headless.txt", ["svc/cache"], 0),
    # DNS answers and the search path
    ("dns-headless-srv.txt", ["_redis._tcp.cache", "--type", "SRV", "--from", "pod:cache-0"], 0),
    ("dns-nxdomain.txt", ["wbe"], 1),
    # reverse lookups and failures with their reasons
    ("ip-owner.txt", ["10.96.1.1"], 0),
    ("typo-rejected.txt", ["typo:80"], 1),
    ("local-policy-drop.txt", ["172.18.0.2:30086"], 1),
])
def test_readable_view(demo, golden, args, code):
    result = demo("resolve", *args)
    assert result.code == code, result.err
    check_golden(f"resolve/{golden}", result.out)


@pytest.mark.parametrize("golden, args", [
    ("nodeport-via-node-without-pod.json", ["172.18.0.2:30080", "-o", "json"]),
    ("from-pod.json", ["web:80", "--from", "pod:cache-0", "-o", "json"]),
    ("externalname-cname.json", ["db", "--type", "CNAME", "-o", "json"]),
])
def test_json_shape(demo, golden, args):
    result = demo("resolve", *args)
    assert result.code == 0, result.err
    check_golden(f"resolve/{golden}", result.out)


def test_route_json_holds_the_documented_fields(demo):
    route = json.loads(demo.ok("resolve", "web.default.svc.cluster.local:80", "-o", "json"))
    assert {"result", "service", "backends", "resolved", "affinity", "reasons"} <= set(route)
    assert (route["result"], route["service"], route["resolved"]) == (
        "forward", "default/web", ["10.96.1.1"])
    assert route["backends"] == ["10.244.1.2:8080", "10.244.2.2:8080"]
    answer = json.loads(demo.ok("resolve", "cache", "-o", "json"))
    assert (answer["rcode"], answer["resolved_fqdn"]) == (
        "NOERROR", "cache.default.svc.cluster.local.")
    assert answer["answers"] == ["cache.default.svc.cluster.local. A 10.244.0.2",
                                 "cache.default.svc.cluster.local. A 10.244.0.3"]


def test_yaml_output(demo):
    out = demo.ok("resolve", "10.96.1.1:80", "-o", "yaml")
    assert "result: forward\n" in out and "service: default/web\n" in out


def test_check(demo):
    result = demo("check")
    assert result.code == 1  # typo matches nothing: an error
    check_golden("resolve/check.txt", result.out)
    report = json.loads(demo("check", "-o", "json").out)
    assert (report["kind"], report["errors"]) == ("CheckReport", 1)
    assert [p["code"] for p in report["problems"]] == [
        "selector-no-match", "local-nodes", "lb-pending", "selector-no-match"]


def test_check_passes_on_a_healthy_namespace(demo):
    result = demo("check", "-n", "kube-public")
    assert (result.code, result.out) == (0, "no problems found\n")


@pytest.mark.parametrize("args, code, message", [
    (["resolve", "web:http"], 1, 'error: invalid target "web:http"'),
    (["resolve", "10.96.1.1:80/ICMP"], 1, 'error: invalid protocol "ICMP"'),
    (["resolve", "10.96.1.1:0"], 1, "error: invalid port"),
    (["resolve", "web:80", "--from", "pod:nope"], 1,
     'Error from server (NotFound): pods "nope" not found'),
    (["resolve", "web:80", "--from", "moon"], 1, 'error: invalid --from "moon"'),
    (["resolve", "web", "--type", "MX"], 1, "error: --type MX: expected one of"),
    (["resolve", "web:80", "--type", "SRV"], 1, "error: --type applies to a bare DNS name"),
    (["resolve", "svc/nope"], 1, 'Error from server (NotFound): services "nope" not found'),
    (["resolve", "web", "-o", "wide"], 1, 'unable to match a printer suitable for the output '
                                          'format "wide"'),
    (["resolve", "deploy/web"], 1, 'error: invalid target "deploy/web": resolve takes svc/NAME, '
                                   "IP:PORT[/PROTO], NAME:PORT[/PROTO], http[s]://HOST[:PORT]/"
                                   "PATH, a DNS name or an IP; a deploy is reached through a "
                                   "Service that selects its pods"),
    (["resolve", "pod/web-1"], 1, "a pod is reached at its IP (IP or IP:PORT; `kubesvc get pod "
                                  "web-1 -o wide` shows it), and sends with --from pod:web-1"),
    (["resolve", "ftp://web:80/"], 1, 'without a URL scheme (e.g. "web:80")'),
    (["resolve", ":80"], 1, 'error: invalid target ":80": a port needs a name or an address '
                            "before it: NAME:PORT or IP:PORT"),
    (["resolve", "web:80", "--from", "node:"], 1, 'error: invalid --from "node:": expected '
                                                  "node:NAME"),
])
def test_usage_errors(demo, args, code, message):
    result = demo(*args)
    assert (result.code, result.out) == (code, "")
    assert message in result.err


def test_resolve_changes_nothing(demo):
    before = demo.dump()
    demo("resolve", "svc/web-lb")
    demo("check")
    assert demo.dump() == before


def test_cluster_dns_of_a_kind_cluster(cli):
    """`cluster init` installs CoreDNS behind kube-dns at the tenth address: a pod's DNS
    queries go through kube-proxy to the CoreDNS pods."""
    cli.ok("cluster", "init", "--nodes", "2")
    result = cli("resolve", "kube-dns.kube-system:53/UDP")
    assert result.code == 0, result.err
    check_golden("resolve/kind-cluster-dns.txt", result.out)
    assert cli("check").out == "no problems found\n"


COREDNS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:53 {
        errors
        kubernetes cluster.local in-addr.arpa ip6.arpa {
           pods verified
           ttl 10
        }
        forward . /etc/resolv.conf
    }
"""


def test_a_fresh_state_holds_kubeadms_corefile(cli):
    """kubeadm writes ConfigMap kube-system/coredns; cluster DNS answers by it (ttl 30)."""
    cli.fresh()
    corefile = cli.ok("get", "cm", "coredns", "-n", "kube-system",
                      "-o", "jsonpath={.data.Corefile}")
    assert "kubernetes cluster.local in-addr.arpa ip6.arpa {" in corefile
    assert "ttl 30" in corefile and "pods insecure" in corefile
    assert "  ttl 30" in cli("resolve", "kubernetes.default.svc.cluster.local").out


def test_cluster_init_writes_the_corefile_of_its_domain(cli):
    cli.ok("cluster", "init", "--cluster-domain", "corp.example")
    corefile = cli.ok("get", "cm", "coredns", "-n", "kube-system",
                      "-o", "jsonpath={.data.Corefile}")
    assert "kubernetes corp.example in-addr.arpa ip6.arpa {" in corefile
    assert "disable success corp.example" in corefile
    assert cli("resolve", "kubernetes.default.svc.corp.example").code == 0


def test_resolve_follows_the_corefile(demo, tmp_path):
    """pods verified and ttl 10 from the cluster's ConfigMap (golden: resolve/corefile-*)."""
    demo.ok("apply", "-f", write(tmp_path, "coredns.yaml", COREDNS))
    ip = demo.ok("get", "pod", "cache-0", "-o", "jsonpath={.status.podIP}")
    name = ip.replace(".", "-")
    found = demo("resolve", f"{name}.default.pod.cluster.local.")
    assert found.code == 0, found.err
    check_golden("resolve/corefile-pod-verified.txt", found.out)
    missing = demo("resolve", "10-9-9-9.default.pod.cluster.local.")
    assert missing.code == 1
    check_golden("resolve/corefile-pod-unverified.txt", missing.out)
    assert "dns-corefile" not in demo("check", "-n", "kube-system").out


def test_check_names_an_unreadable_corefile(demo, tmp_path):
    broken = COREDNS.replace("pods verified", "pods secure")
    demo.ok("apply", "-f", write(tmp_path, "coredns.yaml", broken))
    result = demo("check", "-n", "kube-system")
    assert result.code == 1
    check_golden("resolve/corefile-unreadable-check.txt", result.out)
    answered = demo("resolve", "web")
    assert answered.code == 0  # kubeadm's defaults still answer, and say so
    assert "[dns-corefile]" in answered.out and "wrong value for pods: secure" in answered.out
    for target in ("svc/web", "10.96.0.10"):  # the Service and address reports say so too
        assert "[dns-corefile]" in demo("resolve", target).out
