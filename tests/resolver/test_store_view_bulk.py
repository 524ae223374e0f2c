"""The store view answers many Services' questions (`check`) from one read of the pods'
labels and subdomains: the same answers as a query per question."""

from __future__ import annotations

import pytest

from kubesvc.kubectl.session import open_store
from kubesvc.resolver.check import check_cluster
from kubesvc.resolver.view import StoreView
from tests.conftest import REPO

EXTRA = """\
apiVersion: v1
kind: Pod
metadata: {name: named-0, namespace: default, labels: {app: web, role: x}}
spec:
  subdomain: web
  hostname: named-0
  containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: other-ns, namespace: kube-public, labels: {app: web}}
spec:
  subdomain: web
  containers: [{name: c, image: nginx}]
"""


@pytest.fixture
def store(cli, tmp_path):
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA)
    cli.ok("apply", "-f", str(REPO / "manifests"))
    cli.ok("apply", "-f", str(extra))
    s = open_store(cli.state)
    yield s
    s.close()


def _answers(view, store):
    out = []
    for svc in store.list("Service"):
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        for selector in (svc["spec"].get("selector") or {}, {"app": "web"},
                         {"app": "web", "role": "x"}, {"app": "nope"}):
            out.append([p["metadata"]["name"] for p in view.pods_selected(ns, selector)])
        out.append([p["metadata"]["name"] for p in view.pods_with_subdomain(ns, name)])
    out.append([(n["metadata"]["name"], view.node(n["metadata"]["name"]) == n)
                for n in view.nodes()])
    out.append(view.node("missing"))
    return out


def test_bulk_answers_are_the_per_query_answers(store, monkeypatch):
    with store.read():
        one_by_one = _answers(StoreView(store), store)
        problems = [(p.object, p.reason.message) for p in check_cluster(StoreView(store))]
        monkeypatch.setattr(StoreView, "BULK_AFTER", 0)
        assert _answers(StoreView(store), store) == one_by_one
        assert [(p.object, p.reason.message) for p in check_cluster(StoreView(store))] == problems
    assert any(one_by_one) and problems
