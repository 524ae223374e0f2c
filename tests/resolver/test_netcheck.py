"""`kubesvc check` findings for NetworkPolicies and Ingresses (issue 13 §4), one row each."""

from __future__ import annotations

import pytest

from kubesvc.resolver.check import check_cluster
from tests.resolver.netpol_world import (
    ingress,
    ingress_class,
    namespace,
    path,
    policy,
    rule,
)
from tests.resolver.world import cluster, node, pod, service

BASE = (node("n1"), namespace("default"), pod("web-1", "10.244.0.10", "n1", {"app": "web"}),
        service("web", "10.96.0.50"))


def findings(*objs, namespace_=None):
    return [(p.object, p.reason.code) for p in check_cluster(cluster(*BASE, *objs), namespace_)
            if p.reason.code.startswith(("policy-", "ingress-"))]


@pytest.mark.parametrize("source, objs, expected", [
    ("DOCS a podSelector that matches nothing isolates nothing",
     [policy("typo", {"matchLabels": {"app": "wbe"}})],
     [("NetworkPolicy default/typo", "policy-selects-nothing")]),
    ("DOCS 'Default deny all ingress traffic': the selected pods are unreachable",
     [policy("deny", {}, types=["Ingress"])],
     [("NetworkPolicy default/deny", "policy-unreachable-pod")]),
    ("DOCS an ingress rule opens the pod again: no finding",
     [policy("deny", {}, types=["Ingress"]), policy("allow", {"matchLabels": {"app": "web"}},
                                                    ingress=[{}])], []),
    ("API policyTypes [Egress] isolates no ingress",
     [policy("egress", {}, egress=[{}], types=["Egress"])], []),
    ("API policyTypes defaults to Ingress+Egress when egress rules are given: ingress closes",
     [policy("egress", {}, egress=[{}])],
     [("NetworkPolicy default/egress", "policy-unreachable-pod")]),
    ("NGX a backend Service that does not exist answers 503",
     [ingress_class(default=True), ingress("i", [rule("a.test", path("/", "nosuch"))])],
     [("Ingress default/i", "ingress-backend-missing")]),
    ("NGX a backend port the Service does not define answers 503",
     [ingress_class(default=True), ingress("i", [rule("a.test", path("/", "web", 8443))])],
     [("Ingress default/i", "ingress-backend-missing")]),
    ("API 'Default IngressClass': no class and no default class",
     [ingress_class(), ingress("i", [rule("a.test", path("/", "web"))], cls=None)],
     [("Ingress default/i", "ingress-class")]),
    ("API 'Default IngressClass': a default class serves an Ingress without class",
     [ingress_class(default=True), ingress("i", [rule("a.test", path("/", "web"))], cls=None)],
     []),
    ("NGX two Ingresses claiming one host and path: the younger loses",
     [ingress_class(), ingress("old", [rule("a.test", path("/", "web"))]),
      ingress("new", [rule("a.test", path("/", "web"))], created="2026-05-01T00:00:00Z")],
     [("Ingress default/new", "ingress-host-conflict")]),
    ("NGX two Ingresses sharing a host with different paths merge: no finding",
     [ingress_class(), ingress("a", [rule("a.test", path("/a", "web"))]),
      ingress("b", [rule("a.test", path("/b", "web"))])], []),
])
def test_network_findings(source, objs, expected):
    assert findings(*objs) == expected, source
