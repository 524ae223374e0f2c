"""Events as the controllers record them (controllers/events.py and its callers): one rule
per row, each naming the upstream component and source it follows; then the recorder's
semantics: names, determinism, count/series aggregation, the event TTL, the spam cap."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from kubesvc.controllers import events
from kubesvc.controllers.scheduling import pod_events
from tests.conftest import REPO, write

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: REPLICAS
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
"""


NS = "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {}}}\n"


def deploy(tmp_path, replicas: int = 2) -> str:
    return write(tmp_path, f"web{replicas}.yaml", DEPLOY.replace("REPLICAS", str(replicas)))


def all_events(cli, ns: str = "default") -> list[dict]:
    return json.loads(cli.ok("get", "events", "-n", ns, "-o", "json"))["items"]


def rows(evs, **match) -> list[tuple]:
    """(type, reason, message, component) of the events whose fields match."""
    def ok(e):
        return all(_field(e, k) == v for k, v in match.items())
    return [(e["type"], e["reason"], e["message"], e["reportingComponent"])
            for e in evs if ok(e)]


def _field(ev, dotted):
    for part in dotted.split("__"):
        ev = (ev or {}).get(part)
    return ev


@pytest.fixture
def cluster(cli):
    cli.ok("cluster", "init", "--nodes", "2")
    return cli


# -- the rules, per component ---------------------------------------------------------------

def test_deployment_and_replicaset_events(cluster, tmp_path):
    """deployment-controller `ScalingReplicaSet` (pkg/controller/deployment/sync.go
    scaleReplicaSet), replicaset-controller `SuccessfulCreate`/`SuccessfulDelete`
    (pkg/controller/replicaset/replica_set.go manageReplicas)."""
    cluster.ok("apply", "-f", deploy(tmp_path, 2))
    evs = all_events(cluster)
    rs = next(e["involvedObject"]["name"] for e in evs if e["reason"] == "SuccessfulCreate")
    assert rows(evs, involvedObject__kind="Deployment") == [
        ("Normal", "ScalingReplicaSet", f"Scaled up replica set {rs} from 0 to 2",
         "deployment-controller")]
    creates = rows(evs, reason="SuccessfulCreate")
    assert len(creates) == 2 and all(c[2].startswith(f"Created pod: {rs}-") for c in creates)
    assert {c[3] for c in creates} == {"replicaset-controller"}
    cluster.ok("apply", "-f", deploy(tmp_path, 1))
    evs = all_events(cluster)
    assert ("Normal", "ScalingReplicaSet", f"Scaled down replica set {rs} from 2 to 1",
            "deployment-controller") in rows(evs)
    assert len(rows(evs, reason="SuccessfulDelete")) == 1


def test_scheduler_and_kubelet_events(cluster, tmp_path):
    """kube-scheduler `Scheduled` (events.k8s.io/v1 recorder: action Binding, eventTime,
    no source), then the kubelet's Pulling/Pulled/Created/Started about the container."""
    cluster.ok("apply", "-f", deploy(tmp_path, 1))
    evs = all_events(cluster)
    pod = json.loads(cluster.ok("get", "pods", "-o", "json"))["items"][0]
    name, node = pod["metadata"]["name"], pod["spec"]["nodeName"]
    mine = [e for e in evs if e["involvedObject"]["name"] == name]
    sched = mine[0]
    assert (sched["reason"], sched["message"], sched["action"], sched["source"]) == (
        "Scheduled", f"Successfully assigned default/{name} to {node}", "Binding", {})
    assert sched["reportingComponent"] == "default-scheduler"
    assert sched["eventTime"] == "2026-01-01T00:00:00.000000Z"
    assert sched["firstTimestamp"] is None and "count" not in sched
    took, size = pod_events.pull_figures("nginx:1.27")
    assert [(e["reason"], e["message"]) for e in mine[1:]] == [
        ("Pulling", 'Pulling image "nginx:1.27"'),
        ("Pulled", f'Successfully pulled image "nginx:1.27" in {took} ({took} including '
                   f"waiting). Image size: {size} bytes."),
        ("Created", "Created container: web"),
        ("Started", "Started container web")]
    for e in mine[1:]:
        assert e["source"] == {"component": "kubelet", "host": node}
        assert e["involvedObject"]["fieldPath"] == "spec.containers{web}"
        assert (e["count"], e["eventTime"]) == (1, None)
        assert e["firstTimestamp"] == e["lastTimestamp"] == "2026-01-01T00:00:00Z"
        assert e["involvedObject"]["uid"] == pod["metadata"]["uid"]


def test_kubelet_killing_and_image_already_present(cluster, tmp_path):
    """Deleting a running pod: the kubelet's `Killing` ("Stopping container web"); its
    replacement on the same node finds the image there (IfNotPresent)."""
    cluster.ok("apply", "-f", deploy(tmp_path, 1))
    pod = json.loads(cluster.ok("get", "pods", "-o", "json"))["items"][0]
    cluster.ok("delete", "pod", pod["metadata"]["name"])
    evs = all_events(cluster)
    assert ("Normal", "Killing", "Stopping container web", "kubelet") in rows(
        evs, involvedObject__name=pod["metadata"]["name"])
    new = json.loads(cluster.ok("get", "pods", "-o", "json"))["items"][0]
    pulled = rows(evs, involvedObject__name=new["metadata"]["name"], reason="Pulled")
    if new["spec"]["nodeName"] == pod["spec"]["nodeName"]:
        assert pulled[0][2] == 'Container image "nginx:1.27" already present on machine'


def test_failed_scheduling_without_nodes(cli, tmp_path):
    """ErrNoNodesAvailable: `no nodes available to schedule pods`, a Warning with action
    Scheduling; once nodes come, `Scheduled`."""
    cli.ok("cluster", "init")
    cli.ok("apply", "-f", deploy(tmp_path, 1))
    evs = all_events(cli)
    failed = [e for e in evs if e["reason"] == "FailedScheduling"]
    assert [(e["type"], e["message"], e["action"]) for e in failed] == [
        ("Warning", "no nodes available to schedule pods", "Scheduling")]


def test_failed_scheduling_names_each_node_reason(cluster, tmp_path):
    """FitError.Error(): the node count, each filter's reason, then the PostFilter's."""
    text = DEPLOY.replace("REPLICAS", "1").replace(
        "containers:", "nodeSelector: {disk: ssd}\n      containers:")
    cluster.ok("apply", "-f", write(tmp_path, "sel.yaml", text))
    (msg,) = [e["message"] for e in all_events(cluster) if e["reason"] == "FailedScheduling"]
    assert msg.startswith("0/2 nodes are available: ")
    assert "didn't match Pod's node affinity/selector" in msg and "preemption: 0/2" in msg


def test_node_controller_registered_node(cluster):
    """nodelifecycle `RegisteredNode`, about a namespace-less Node: stored in `default`."""
    evs = all_events(cluster)
    registered = rows(evs, reason="RegisteredNode")
    names = [n["metadata"]["name"] for n in json.loads(
        cluster.ok("get", "nodes", "-o", "json"))["items"]]
    assert registered == [("Normal", "RegisteredNode",
                           f"Node {n} event: Registered Node {n} in Controller",
                           "node-controller") for n in names]
    assert all("namespace" not in e["involvedObject"] for e in evs
               if e["reason"] == "RegisteredNode")


def test_metallb_ip_allocated_once(cluster):
    """MetalLB `IPAllocated` ("Assigned IP [...]") when it assigns, not on every command."""
    pool, lb = REPO / "manifests" / "05-metallb-pool.yaml", REPO / "manifests" / \
        "30-web-loadbalancer.yaml"
    cluster.ok("apply", "-f", str(pool), "-f", str(lb))
    cluster.ok("apply", "-f", str(lb))
    evs = rows(all_events(cluster), reason="IPAllocated")
    assert len(evs) == 1 and evs[0][2].startswith('Assigned IP ["172.18.255.')
    assert evs[0][3] == "metallb-controller"


def test_metallb_allocation_failed(cluster, tmp_path):
    """MetalLB `AllocationFailed` (Warning) when the pool cannot serve the Service."""
    pool = write(tmp_path, "pool.yaml", """apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: tiny, namespace: metallb-system}
spec: {addresses: [172.18.255.200/32]}
""")
    svcs = "\n---\n".join(f"""apiVersion: v1
kind: Service
metadata: {{name: lb{i}}}
spec: {{type: LoadBalancer, ports: [{{port: 80}}], selector: {{app: web}}}}""" for i in (1, 2))
    cluster.ok("apply", "-f", pool, "-f", write(tmp_path, "svcs.yaml", svcs))
    failed = rows(all_events(cluster), reason="AllocationFailed")
    assert len(failed) == 1 and failed[0][0] == "Warning"
    assert failed[0][2].startswith('Failed to allocate IP for "default/lb2"')


# -- the recorder -----------------------------------------------------------------------------

def test_names_and_determinism(tmp_path):
    """`<involvedObject.name>.<16 hex>`; the same commands under the same clock give the same
    events, byte for byte."""
    from tests.conftest import Cli

    outs = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        cli = Cli(tmp_path / run / "state.db")
        cli.ok("cluster", "init", "--nodes", "2")
        cli.ok("apply", "-f", deploy(tmp_path, 2))
        outs.append(cli.ok("get", "events", "-A", "-o", "yaml"))
    assert outs[0] == outs[1]
    for ev in all_events(cli):
        base, _, suffix = ev["metadata"]["name"].rpartition(".")
        assert base == ev["involvedObject"]["name"] and len(suffix) == 16
        int(suffix, 16)


def test_identical_event_counts_up(cluster, tmp_path, monkeypatch):
    """EventCorrelator: an identical event is the same object with count+1 and a new
    lastTimestamp; the events.k8s.io recorder makes a series instead."""
    monkeypatch.setenv("KUBESVC_NOW", "2026-01-01T00:00:00Z")
    cluster.ok("apply", "-f", deploy(tmp_path, 1))
    rs = next(e for e in all_events(cluster) if e["reason"] == "ScalingReplicaSet")
    monkeypatch.setenv("KUBESVC_NOW", "2026-01-01T00:01:00Z")
    cluster.ok("apply", "-f", deploy(tmp_path, 0))
    monkeypatch.setenv("KUBESVC_NOW", "2026-01-01T00:02:00Z")
    cluster.ok("apply", "-f", deploy(tmp_path, 1))
    again = [e for e in all_events(cluster) if e["reason"] == "ScalingReplicaSet"
             and "up" in e["message"]]
    assert len(again) == 1 and again[0]["metadata"]["name"] == rs["metadata"]["name"]
    assert (again[0]["count"], again[0]["firstTimestamp"], again[0]["lastTimestamp"]) == (
        2, "2026-01-01T00:00:00Z", "2026-01-01T00:02:00Z")


def test_series_for_repeated_scheduler_event(cli, tmp_path, monkeypatch):
    cli.ok("cluster", "init")
    cli.ok("apply", "-f", deploy(tmp_path, 1))
    monkeypatch.setenv("KUBESVC_NOW", "2026-01-01T00:03:00Z")
    cli.ok("apply", "-f", write(tmp_path, "n.yaml", "apiVersion: v1\nkind: Node\nmetadata:"
                                " {name: n1, labels: {disk: none}}\nspec: {unschedulable: true}\n"))
    failed = [e for e in all_events(cli) if e["reason"] == "FailedScheduling"]
    assert len(failed) == 1
    assert failed[0]["series"] == {"count": 2, "lastObservedTime": "2026-01-01T00:03:00.000000Z"}


def test_events_expire_after_the_ttl(cluster, tmp_path, monkeypatch):
    """kube-apiserver --event-ttl (1 h): older events are gone after the next command."""
    cluster.ok("apply", "-f", deploy(tmp_path, 1))
    assert all_events(cluster)
    monkeypatch.setenv("KUBESVC_NOW", "2026-01-01T00:59:00Z")
    cluster.ok("apply", "-f", write(tmp_path, "x.yaml", NS.format("x")))
    assert all_events(cluster)
    monkeypatch.setenv("KUBESVC_NOW", "2026-01-01T01:01:00Z")
    cluster.ok("apply", "-f", write(tmp_path, "w.yaml", NS.format("w")))
    assert all_events(cluster) == []
    assert all_events(cluster, "kube-system") == []


def test_spam_filter_caps_events_per_object():
    """EventSourceObjectSpamFilter: burst 25 per source and object."""
    ctx = SimpleNamespace()
    ref = {"kind": "Pod", "name": "p", "namespace": "default", "uid": "u"}
    for i in range(40):
        events.record(ctx, ref, "Normal", "R", f"m{i}", "kubelet", "node")
    events.record(ctx, {**ref, "name": "q"}, "Normal", "R", "m", "kubelet", "node")
    assert len(events.recorder(ctx).pending) == events.SPAM_BURST + 1


@pytest.mark.parametrize(("ms", "text"), [(450, "450ms"), (1000, "1s"), (3647, "3.647s"),
                                          (2500, "2.5s")])
def test_go_duration(ms, text):
    """time.Duration.String for whole milliseconds."""
    assert pod_events.go_millis(ms) == text


@pytest.mark.parametrize(("policy", "present", "reasons"), [
    ("IfNotPresent", set(), ["Pulling", "Pulled", "Created", "Started"]),
    ("IfNotPresent", {"nginx:1.27"}, ["Pulled", "Created", "Started"]),
    ("Always", {"nginx:1.27"}, ["Pulling", "Pulled", "Created", "Started"]),
    ("Never", set(), ["Pulled", "Created", "Started"]),
], ids=["kubelet images: first pull", "IfNotPresent and present", "Always pulls",
        "Never"])
def test_kubelet_pull_policy(policy, present, reasons):
    pod = {"spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                                    "imagePullPolicy": policy}]}}
    assert [r[1] for r in pod_events.started(pod, set(present))] == reasons


def test_init_containers_come_first():
    pod = {"spec": {"initContainers": [{"name": "init", "image": "busybox:1.36"}],
                    "containers": [{"name": "web", "image": "nginx:1.27"}]}}
    paths = [r[3] for r in pod_events.started(pod, set())]
    assert paths[0] == "spec.initContainers{init}" and paths[-1] == "spec.containers{web}"


def test_no_events_in_a_deleted_namespace(cluster, tmp_path):
    """Deleting a namespace deletes its pods: their Killing events would have no namespace
    to live in (the API server refuses them: the namespace is terminating)."""
    cluster.ok("apply", "-f", write(tmp_path, "ns.yaml", NS.format("shop")))
    cluster.ok("apply", "-n", "shop", "-f", deploy(tmp_path, 1))
    assert all_events(cluster, "shop")
    cluster.ok("delete", "namespace", "shop")
    assert all_events(cluster, "shop") == []


def test_similar_events_are_combined_and_capped(cluster, tmp_path):
    """EventAggregator: ten distinct `Created pod:` messages, then one combined event; the
    spam filter stops the ReplicaSet's events at 25 for the burst."""
    cluster.ok("apply", "-f", deploy(tmp_path, 30))
    creates = [e for e in all_events(cluster) if e["reason"] == "SuccessfulCreate"]
    plain = [e for e in creates if not e["message"].startswith(events.COMBINED)]
    combined = [e for e in creates if e["message"].startswith(events.COMBINED)]
    assert len(plain) == events.MAX_SIMILAR and len(combined) == 1
    assert combined[0]["count"] == events.SPAM_BURST - events.MAX_SIMILAR
    assert combined[0]["message"].startswith(f"{events.COMBINED}Created pod: ")
