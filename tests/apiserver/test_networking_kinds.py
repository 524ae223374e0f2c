"""Ingress, IngressClass and NetworkPolicy (networking.k8s.io/v1) are stored kinds: `apply`
creates them, `get` finds them by kubectl's names and short names (`ing`, `netpol`)."""

from __future__ import annotations

import json

import pytest

MANIFEST = """\
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
spec:
  controller: k8s.io/ingress-nginx
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /api
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny
spec:
  podSelector: {}
"""


def test_apply_creates_the_three_kinds(cli):
    out = cli.ok("apply", "-f", "-", stdin=MANIFEST)
    assert out.splitlines() == [
        "ingressclass.networking.k8s.io/nginx created",
        "ingress.networking.k8s.io/web created",
        "networkpolicy.networking.k8s.io/deny created",
    ]


@pytest.mark.parametrize(("typed", "name", "kind"), [
    ("ing", "web", "Ingress"),
    ("ingress", "web", "Ingress"),
    ("ingresses.networking.k8s.io", "web", "Ingress"),
    ("ingressclass", "nginx", "IngressClass"),
    ("ingressclasses", "nginx", "IngressClass"),
    ("netpol", "deny", "NetworkPolicy"),
    ("networkpolicies", "deny", "NetworkPolicy"),
    ("networkpolicy.networking.k8s.io", "deny", "NetworkPolicy"),
])
def test_get_by_kubectl_names(cli, typed, name, kind):
    cli.ok("apply", "-f", "-", stdin=MANIFEST)
    got = json.loads(cli.ok("get", typed, name, "-o", "json"))
    assert (got["kind"], got["apiVersion"], got["metadata"]["name"]) == (
        kind, "networking.k8s.io/v1", name)


POLICY_ONLY = MANIFEST.split("---\n")[2]


def test_invalid_policy_is_refused(cli):
    """The API server's message with every error; nothing stored (ValidateNetworkPolicy)."""
    bad = POLICY_ONLY.replace("  podSelector: {}\n", "  podSelector: {}\n  ingress:\n"
                              "  - ports:\n    - port: 70000\n      endPort: 5\n")
    cli.fresh()
    before = cli.dump()
    result = cli("apply", "-f", "-", stdin=bad)
    assert (result.code, result.err) == (1, (
        'The NetworkPolicy "deny" is invalid: \n'
        "* spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, "
        "inclusive\n"
        "* spec.ingress[0].ports[0].endPort: Invalid value: 5: must be greater than or equal "
        "to `port`\n"))
    assert cli.dump() == before


def test_stored_forms(cli):
    """Defaults (policyTypes, port protocol, parameters scope), generation 1, an Ingress's
    empty load-balancer status, as a 1.37 API server stores them."""
    cli.ok("apply", "-f", "-", stdin=MANIFEST)
    np = json.loads(cli.ok("get", "netpol", "deny", "-o", "json"))
    ing = json.loads(cli.ok("get", "ing", "web", "-o", "json"))
    ic = json.loads(cli.ok("get", "ingressclass", "nginx", "-o", "json"))
    assert np["spec"]["policyTypes"] == ["Ingress"]
    assert [o["metadata"]["generation"] for o in (np, ing, ic)] == [1, 1, 1]
    assert ing["status"] == {"loadBalancer": {}}


def test_generation_follows_the_spec(cli):
    """PrepareForUpdate: a spec change bumps generation, a label change does not."""
    cli.ok("apply", "-f", "-", stdin=MANIFEST)
    cli.ok("label", "netpol", "deny", "x=y")
    cli.ok("apply", "-f", "-", stdin=MANIFEST.replace("  podSelector: {}\n",
                                                       "  podSelector: {}\n  egress:\n  - {}\n"))
    np = json.loads(cli.ok("get", "netpol", "deny", "-o", "json"))
    assert np["metadata"]["generation"] == 2
    assert np["spec"]["policyTypes"] == ["Ingress"]  # kept: defaulting fills only what is unset


def test_user_cannot_write_ingress_status(cli):
    cli.ok("apply", "-f", "-", stdin=MANIFEST)
    result = cli("patch", "ing", "web", "--type=merge", "-p",
                 '{"status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4"}]}}}')
    ing = json.loads(cli.ok("get", "ing", "web", "-o", "json"))
    assert ing["status"] == {"loadBalancer": {}}, result
