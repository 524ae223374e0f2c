"""Ingress, IngressClass and NetworkPolicy (networking.k8s.io/v1) are stored kinds: `apply`
creates them, `get` finds them by kubectl's names and short names (`ing`, `netpol`)."""

from __future__ import annotations

import json

import pytest

from kubesvc.apiserver.strategies.networking import default_ingress_class_name

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


def _klass(name: str, created: str, default: bool = True) -> dict:
    annotations = {"ingressclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {"metadata": {"name": name, "creationTimestamp": created, "annotations": annotations}}


@pytest.mark.parametrize(("ingress", "classes", "expected"), [
    pytest.param({"spec": {}}, [_klass("a", "2026-01-01T00:00:00Z")], "a", id="the default"),
    pytest.param({"spec": {}}, [_klass("a", "2026-01-01T00:00:00Z", default=False)], None,
                 id="no default class"),
    pytest.param({"spec": {}}, [_klass("old", "2025-01-01T00:00:00Z"),
                                _klass("new", "2026-01-01T00:00:00Z")], "new",
                 id="several defaults: the newest"),
    pytest.param({"spec": {}}, [_klass("b", "2026-01-01T00:00:00Z"),
                                _klass("a", "2026-01-01T00:00:00Z")], "a",
                 id="same age: first by name"),
    pytest.param({"spec": {"ingressClassName": "x"}}, [_klass("a", "2026-01-01T00:00:00Z")], "x",
                 id="a set class is kept"),
    pytest.param({"metadata": {"annotations": {"kubernetes.io/ingress.class": "x"}}, "spec": {}},
                 [_klass("a", "2026-01-01T00:00:00Z")], None, id="the annotation counts as set"),
])
def test_default_ingress_class_admission(ingress, classes, expected):
    """plugin/pkg/admission/network/defaultingressclass: Admit and getDefaultClass."""
    default_ingress_class_name(ingress, classes)
    assert ingress["spec"].get("ingressClassName") == expected


def test_apply_gets_the_default_class(cli):
    default = MANIFEST.replace("  name: nginx\n", "  name: nginx\n  annotations:\n"
                               "    ingressclass.kubernetes.io/is-default-class: \"true\"\n", 1)
    cli.ok("apply", "-f", "-", stdin=default.replace("  ingressClassName: nginx\n", ""))
    ing = json.loads(cli.ok("get", "ing", "web", "-o", "json"))
    assert ing["spec"]["ingressClassName"] == "nginx"
