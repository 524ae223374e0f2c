"""`kubesvc describe` as kubectl 1.37's describe command runs: which objects show events, the
name-prefix form (DescribeMatchingResources), the Endpoints deprecation warning, the node's
non-terminated pods and its Lease, local-time timestamps, and the API server's list order."""

from __future__ import annotations

import os
import time

import pytest
import yaml

from tests.builders import event
from tests.conftest import write

CMS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: web-a, labels: {app: web}}
data: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-b, labels: {app: other}}
data: {k: v}
"""


def _with_events(cli, tmp_path) -> None:
    cli.ok("apply", "-f", write(tmp_path, "cms.yaml", CMS))
    docs = []
    for name in ("web-a", "web-b"):
        cm = yaml.safe_load(cli.ok("get", "cm", name, "-o", "yaml"))
        docs.append(event("Tested", involved=cm, component="tester",
                          message=f"about {name}", name=f"{name}.1"))
    cli.ok("apply", "-f", write(tmp_path, "ev.yaml", yaml.safe_dump_all(docs)))


@pytest.mark.parametrize(("args", "shown"), [
    pytest.param(("cm", "web-a"), ["web-a"], id="one-exact-name"),
    pytest.param(("cm", "-l", "app=web"), ["web-a"], id="selector-finds-one"),
    pytest.param(("cm", "-l", "app in (web,other)"), [], id="selector-finds-two"),
    pytest.param(("cm",), [], id="namespace-list-of-two"),
    pytest.param(("cm", "web-"), [], id="name-prefix-DescribeMatchingResources"),
    pytest.param(("cm", "--show-events"), ["web-a", "web-b"], id="show-events-forced"),
    pytest.param(("cm", "--show-events=true"), ["web-a", "web-b"], id="show-events=true"),
    pytest.param(("cm", "web-a", "--show-events=false"), [], id="show-events=false"),
    pytest.param(("cm", "web-a", "--show-events=0"), [], id="show-events=0-ParseBool"),
])
def test_events_shown_for_exactly_one_object(cli, tmp_path, args, shown):
    """Events (or `Events:  <none>`) only when the request found exactly one object."""
    _with_events(cli, tmp_path)
    out = cli.ok("describe", *args)
    assert [n for n in ("web-a", "web-b") if f"about {n}" in out] == shown
    assert out.count("Events:") == len(shown)


def test_events_table_in_describe(cli, tmp_path):
    _with_events(cli, tmp_path)
    out = cli.ok("describe", "cm", "web-a")
    assert out.endswith("Events:\n  Type    Reason  Age   From    Message\n"
                        "  ----    ------  ----  ----    -------\n"
                        "  Normal  Tested  5m    tester  about web-a\n")


def test_name_prefix_frames_each_object_with_one_newline(cli, tmp_path):
    cli.ok("apply", "-f", write(tmp_path, "cms.yaml", CMS))
    a, b = cli.ok("describe", "cm", "web-a"), cli.ok("describe", "cm", "web-b")
    strip = "Events:  <none>\n"
    a, b = a.replace(strip, ""), b.replace(strip, "")
    assert cli.ok("describe", "cm", "web-") == a + "\n" + b + "\n"
    assert cli.ok("describe", "cm") == a + "\n\n" + b  # a list: "\n\n" between objects


def test_get_events_and_field_selectors(cli, tmp_path):
    _with_events(cli, tmp_path)
    assert cli.ok("get", "events") == (
        "LAST SEEN   TYPE     REASON   OBJECT              MESSAGE\n"
        "5m          Normal   Tested   configmap/web-a   about web-a\n"
        "5m          Normal   Tested   configmap/web-b   about web-b\n").replace(
        "configmap/web-a   ", "configmap/web-a   ").replace("OBJECT              ",
                                                         "OBJECT            ")
    for selector in ("involvedObject.name=web-b", "involvedObject.kind=ConfigMap,reason=Tested,"
                     "type=Normal,source=tester,involvedObject.name=web-b"):
        out = cli.ok("get", "ev", "--field-selector", selector)
        assert "about web-b" in out and "about web-a" not in out
    assert "No resources found" in cli("get", "ev", "--field-selector", "type=Warning").err


def test_describe_endpoints_warns_as_get_does(cli):
    cli.ok("cluster", "init", "--nodes", "1")
    result = cli("describe", "endpoints", "kubernetes")
    assert result.err.startswith("Warning: v1 Endpoints is deprecated in v1.33+; use "
                                 "discovery.k8s.io/v1 EndpointSlice\n")
    assert cli("describe", "svc", "kubernetes").err == ""


def test_node_has_a_lease_and_lists_only_non_terminated_pods(cli, tmp_path):
    cli.ok("cluster", "init", "--nodes", "1")
    lease = yaml.safe_load(cli.ok("get", "lease", "-n", "kube-node-lease",
                                  "kind-control-plane", "-o", "yaml"))
    assert lease["spec"]["holderIdentity"] == "kind-control-plane"
    assert lease["metadata"]["ownerReferences"][0]["kind"] == "Node"
    out = cli.ok("describe", "node", "kind-control-plane")
    assert ("Lease:\n  HolderIdentity:  kind-control-plane\n  AcquireTime:     <unset>\n"
            "  RenewTime:       Thu, 01 Jan 2026 00:00:00 +0000\n") in out
    done = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "job-done"},
            "spec": {"nodeName": "kind-control-plane", "restartPolicy": "Never",
                     "containers": [{"name": "c", "image": "busybox"}]},
            "status": {"phase": "Succeeded"}}
    # a finished pod's status is the kubelet's: restored with import (apply would reset it)
    cli.ok("import", "-f", write(tmp_path, "done.yaml", yaml.safe_dump(done)))
    assert "job-done" in cli.ok("get", "pods")
    assert "job-done" not in cli.ok("describe", "node", "kind-control-plane")


def test_describe_times_in_local_zone(cli, tmp_path):
    """kubectl formats with time.Local: TZ decides the offset."""
    cli.ok("cluster", "init", "--nodes", "1")
    old = os.environ["TZ"]
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    try:
        node = cli.ok("describe", "node", "kind-control-plane")
    finally:
        os.environ["TZ"] = old
        time.tzset()
    assert "CreationTimestamp:  Thu, 01 Jan 2026 09:00:00 +0900\n" in node
    assert "RenewTime:       Thu, 01 Jan 2026 09:00:00 +0900\n" in node


def test_lists_across_namespaces_in_etcd_key_order(cli, tmp_path):
    pairs = (("ex-guestbook", "a"), ("ex-guestbook-go", "b"))
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}} for ns, _ in pairs]
    docs += [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": n, "namespace": ns}}
             for ns, n in pairs]
    cli.ok("apply", "-f", write(tmp_path, "cms.yaml", yaml.safe_dump_all(docs)))
    rows = [line.split()[:2] for line in cli.ok("get", "cm", "-A").splitlines()[1:]]
    ours = [r for r in rows if r[0].startswith("ex-")]
    assert ours == [["ex-guestbook-go", "b"], ["ex-guestbook", "a"]]  # '-' < '/'
