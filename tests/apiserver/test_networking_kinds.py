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
