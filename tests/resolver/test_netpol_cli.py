"""The cluster setting and the CLI paths of issue 13: `cluster init --network-policy`,
`cluster info`, and `resolve` / `check` on a state made by apply."""

from __future__ import annotations

import json

import pytest

POLICY = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-deny-all}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
"""


@pytest.mark.parametrize("flag, shown", [((), "on"), (("--network-policy", "off"), "off")])
def test_cluster_info_shows_enforcement(cli, flag, shown):
    cli.ok("cluster", "init", "--nodes", "3", *flag)
    assert f"Network policy enforcement: {shown}\n" in cli.ok("cluster", "info")
    assert json.loads(cli.ok("cluster", "info", "-o", "json"))[
        "networkPolicyEnforcement"] == shown


def test_cluster_init_refuses_another_value(cli):
    result = cli("cluster", "init", "--network-policy", "maybe")
    assert result.code == 1
    assert result.err == 'error: invalid --network-policy "maybe": expected on or off\n'


@pytest.mark.parametrize("flag, result, code", [((), "drop", 1),
                                                (("--network-policy", "off"), "forward", 0)])
def test_resolve_and_check_on_an_applied_policy(cli, flag, result, code):
    cli.ok("cluster", "init", *flag)
    cli.ok("apply", "-f", "manifests/")
    cli.ok("apply", "-f", "-", stdin=POLICY)
    out = cli("resolve", "web:80", "--from", "pod:cache-0", "-o", "json")
    assert (json.loads(out.out)["result"], out.code) == (result, code)
    problems = json.loads(cli("check", "-o", "json").out)["problems"]
    assert {"object": "NetworkPolicy default/web-deny-all",
            "code": "policy-unreachable-pod"}.items() <= next(
        p for p in problems if p["code"].startswith("policy")).items()


EXAMPLE = "docs/examples/policy-and-ingress.yaml"


@pytest.mark.parametrize("golden, args", [
    ("netpol-drop.txt", ["resolve", "web:80"]),
    ("netpol-admit.txt", ["resolve", "web:80", "--from", "pod:cache-0"]),
    ("netpol-svc.txt", ["resolve", "svc/web"]),
    ("ingress-route.txt", ["resolve", "https://shop.example.com/api/v1/items"]),
    ("ingress-route.json", ["resolve", "http://shop.example.com/api", "-o", "json"]),
    ("ingress-404.txt", ["resolve", "http://other.example.com/"]),
    ("netpol-check.txt", ["check"]),
])
def test_views(cli, monkeypatch, golden, args):
    """The tour's policy and Ingress, drawn as a user sees them (tests/golden/resolve/)."""
    from tests.conftest import REPO, check_golden

    monkeypatch.chdir(REPO)
    cli.ok("cluster", "init")
    cli.ok("apply", "-f", "manifests/")
    cli.ok("apply", "-f", EXAMPLE)
    check_golden(f"resolve/{golden}", cli(*args).out)


BROKEN = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: typo}
spec:
  podSelector: {matchLabels: {app: wbe}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop-v2}
spec:
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: web, port: {number: 8080}}}}
      - {path: /cart, pathType: Prefix, backend: {service: {name: cart, port: {number: 80}}}}
"""


def test_check_reports_policies_and_ingresses(cli, monkeypatch):
    from tests.conftest import REPO, check_golden

    monkeypatch.chdir(REPO)
    cli.ok("cluster", "init")
    cli.ok("apply", "-f", "manifests/")
    cli.ok("apply", "-f", EXAMPLE)
    cli.ok("apply", "-f", "-", stdin=BROKEN)
    result = cli("check")
    assert result.code == 1
    check_golden("resolve/netpol-check-problems.txt", result.out)
