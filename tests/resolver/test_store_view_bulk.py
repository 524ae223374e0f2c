"""The store view answers many Services' questions (`check`) from one read of the pods'
labels and subdomains: the same answers as a query per question."""

from __future__ import annotations

import pytest

from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.kubectl.session import open_store
from kubesvc.resolver.check import _unschedulable, check_cluster
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
---
apiVersion: v1
kind: Pod
metadata: {name: stuck, namespace: default, labels: {app: web}}
spec:
  subdomain: web
  nodeSelector: {disk: none-has-it}
  containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 80, protocol: UDP}]}]
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


def _pod_facts(pod, ports):
    """What diagnosis reads of a pod, through the same helpers it uses."""
    return (pod["metadata"]["name"], eu.labels_of(pod), eu.pod_ips(pod), eu.is_pod_ready(pod),
            eu.is_terminating(pod), (pod.get("status") or {}).get("phase"),
            (pod.get("spec") or {}).get("nodeName"),
            [eu.find_port(pod, p) for p in ports], pod["spec"].get("subdomain"),
            pod["spec"].get("hostname"), _unschedulable(pod),
            sorted(c.get("containerPort") for ct in pod["spec"].get("containers") or ()
                   for c in ct.get("ports") or ()))


def _brief_answers(view, store):
    out = []
    for svc in store.list("Service"):
        ns = svc["metadata"]["namespace"]
        ports = [*eu.service_ports(svc), {"targetPort": "http", "protocol": "TCP"},
                 {"targetPort": "http", "protocol": "UDP"}]
        for selector in (svc["spec"].get("selector") or {}, {"app": "web"}, {"app": "nope"}):
            out.append([_pod_facts(p, ports) for p in view.briefs_selected(ns, selector)])
        for sub in (svc["metadata"]["name"], "web"):
            out.append([_pod_facts(p, ports) for p in view.pods_with_subdomain(ns, sub)])
    out.append([p["metadata"]["name"] for p in view.pod_briefs()])
    return out


@pytest.mark.parametrize("summaries", ["with-briefs", "older-summaries", "no-summaries"])
def test_pod_briefs_answer_as_whole_pods(store, monkeypatch, summaries):
    """Briefs (read from the pods' summaries, or made from bodies when a summary predates
    them) give diagnosis the same answers as the whole pods, one by one or all at once."""
    if summaries == "older-summaries":  # a summary without its last (brief) cell
        store.conn.execute("UPDATE objects SET summary = substr(summary, 1, "
                           "instr(summary, char(31) || '[') - 1) WHERE gk = 'Pod'")
    elif summaries == "no-summaries":
        store.conn.execute("UPDATE objects SET summary = NULL WHERE gk = 'Pod'")
    with store.read():
        whole = []
        for svc in store.list("Service"):
            ns = svc["metadata"]["namespace"]
            ports = [*eu.service_ports(svc), {"targetPort": "http", "protocol": "TCP"},
                     {"targetPort": "http", "protocol": "UDP"}]
            for selector in (svc["spec"].get("selector") or {}, {"app": "web"},
                             {"app": "nope"}):
                whole.append([_pod_facts(p, ports) for p in
                              StoreView(store).pods_selected(ns, selector)])
            for sub in (svc["metadata"]["name"], "web"):
                whole.append([_pod_facts(p, ports) for p in store.list("Pod", ns)
                              if p["spec"].get("subdomain") == sub])
        whole.append([p["metadata"]["name"] for p in store.list("Pod")])
        problems = [(p.object, p.reason.message) for p in check_cluster(StoreView(store))]
        assert _brief_answers(StoreView(store), store) == whole
        monkeypatch.setattr(StoreView, "BULK_AFTER", 0)
        assert _brief_answers(StoreView(store), store) == whole
        assert [(p.object, p.reason.message) for p in check_cluster(StoreView(store))] == problems
    assert any(whole[:-1]) and "Pod default/stuck" in dict(problems)
