"""The what-if verbs on workloads and nodes: kubectl's messages, refusals and their effects."""

import json

import pytest

from tests.conftest import REPO, write

BARE_POD = """apiVersion: v1
kind: Pod
metadata: {name: bare, labels: {app: bare}}
spec:
  nodeName: kind-worker
  containers: [{name: c, image: busybox}]
"""
DAEMONSET = """apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: a, image: agent:1}]
"""


@pytest.fixture
def cluster(cli):
    cli.ok("apply", "-f", str(REPO / "manifests"))
    return cli


def pods(cli, *args):
    return json.loads(cli.ok("get", "pods", "-o", "json", *args))["items"]


def test_daemonset_runs_one_pod_per_eligible_node(cluster, tmp_path):
    cluster.ok("apply", "-f", write(tmp_path, "ds.yaml", DAEMONSET))
    nodes = sorted(p["spec"]["nodeName"] for p in pods(cluster, "-n", "kube-system",
                                                       "-l", "app=agent"))
    assert nodes == ["kind-worker", "kind-worker2"]  # the control plane's taint keeps it off


def test_drain_refuses_daemonset_and_bare_pods_then_cordons(cluster, tmp_path):
    cluster.ok("apply", "-f", write(tmp_path, "ds.yaml", DAEMONSET))
    cluster.ok("apply", "-f", write(tmp_path, "bare.yaml", BARE_POD))
    result = cluster("drain", "kind-worker")
    assert result.code == 1
    assert result.out == "node/kind-worker cordoned\n"
    assert result.err.startswith('error: unable to drain node "kind-worker" due to error: '
                                 "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets "
                                 "to ignore): kube-system/agent-")
    assert "cannot delete Pods that declare no controller (use --force to override): " \
           "default/bare" in result.err
    assert "SchedulingDisabled" in cluster.ok("get", "node", "kind-worker")
    done = cluster("drain", "kind-worker", "--ignore-daemonsets", "--force")
    assert done.code == 0
    assert "Warning: ignoring DaemonSet-managed Pods: kube-system/agent-" in done.err
    assert "Warning: deleting Pods that declare no controller: default/bare" in done.err
    assert done.out.endswith("node/kind-worker drained\n")
    left = {p["metadata"]["name"] for p in pods(cluster, "-A")
            if p["spec"].get("nodeName") == "kind-worker"}
    assert left and all(name.startswith("agent-") for name in left)  # only the DaemonSet pod


def test_new_pods_avoid_a_cordoned_node(cluster):
    assert cluster.ok("cordon", "kind-worker2") == "node/kind-worker2 cordoned\n"
    assert cluster.ok("cordon", "kind-worker2") == "node/kind-worker2 already cordoned\n"
    cluster.ok("scale", "deployment/web", "--replicas", "6")
    new = [p for p in pods(cluster, "-l", "app=web")]
    assert sum(p["spec"]["nodeName"] == "kind-worker2" for p in new) <= 2  # the old ones only
    assert cluster.ok("uncordon", "kind-worker2") == "node/kind-worker2 uncordoned\n"


def test_unschedulable_pod_stays_pending_with_the_scheduler_reason(cluster, tmp_path):
    pod = BARE_POD.replace("  nodeName: kind-worker\n", "  nodeSelector: {disk: ssd}\n")
    cluster.ok("apply", "-f", write(tmp_path, "p.yaml", pod))
    (p,) = pods(cluster, "-l", "app=bare")
    assert p["status"]["phase"] == "Pending" and "podIP" not in p["status"]
    (cond,) = p["status"]["conditions"]
    assert (cond["type"], cond["status"], cond["reason"]) == ("PodScheduled", "False",
                                                            "Unschedulable")
    assert cond["message"].startswith("0/3 nodes are available: 1 node(s) had untolerated "
                                      "taint(s), 2 node(s) didn't match Pod's node "
                                      "affinity/selector.")


def test_scale_label_annotate_messages(cluster):
    assert cluster.ok("scale", "deploy/web", "--replicas", "2") == "deployment.apps/web scaled\n"
    assert len(pods(cluster, "-l", "app=web")) == 2
    assert cluster.ok("label", "svc", "web", "tier=fe") == "service/web labeled\n"
    refused = cluster("label", "svc", "web", "tier=be")
    assert (refused.code, refused.err) == (1, "error: 'tier' already has a value (fe), and "
                                              "--overwrite is false\n")
    assert cluster.ok("label", "svc", "web", "tier=be", "--overwrite") == "service/web labeled\n"
    assert cluster.ok("label", "svc", "web", "tier-") == "service/web unlabeled\n"
    assert cluster.ok("annotate", "svc", "web", "note=x") == "service/web annotated\n"
    bad = cluster("scale", "svc/web", "--replicas", "2")
    assert bad.code == 1 and "cannot scale services" in bad.err


def test_relabelled_pod_leaves_the_service_and_is_replaced(cluster):
    victim = pods(cluster, "-l", "app=web")[0]["metadata"]["name"]
    cluster.ok("label", "pod", victim, "app=debug", "--overwrite")
    web = pods(cluster, "-l", "app=web")
    assert len(web) == 3 and victim not in {p["metadata"]["name"] for p in web}
    eps = json.loads(cluster.ok("get", "endpoints", "web", "-o", "json"))
    names = {a["targetRef"]["name"] for s in eps["subsets"] for a in s["addresses"]}
    assert victim not in names and len(names) == 3


def test_rollout_to_a_new_template_replaces_every_pod(cluster, tmp_path):
    before = {p["metadata"]["name"] for p in pods(cluster, "-l", "app=web")}
    text = (REPO / "manifests" / "10-web-clusterip.yaml").read_text()
    cluster.ok("apply", "-f", write(tmp_path, "web.yaml", text.replace("nginx:1.27",
                                                                       "nginx:1.28")))
    after = pods(cluster, "-l", "app=web")
    assert len(after) == 3 and not before & {p["metadata"]["name"] for p in after}
    rs = json.loads(cluster.ok("get", "rs", "-o", "json"))["items"]
    assert sorted(r["spec"]["replicas"] for r in rs if r["metadata"]["name"].startswith("web-")) \
        == [0, 3]
