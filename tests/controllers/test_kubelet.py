"""Pod status as the kubelet and the scheduler write it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from kubesvc.api.nodes import make_node
from kubesvc.api.qos import qos_class
from kubesvc.api.quantity import Quantity
from kubesvc.controllers.scheduling.kubelet import image_id, normalize_image, pending_pod, run_pod
from tests.param_ids import by_columns

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
T0 = "2025-03-01T12:00:00Z"
NODE = make_node("kind-worker", "172.18.0.3", "10.244.1.0/24", "worker", NOW)


def pod(containers=None, **spec):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": "default", "uid": "u-1", "generation": 1},
            "spec": {"containers": containers or [{"name": "nginx", "image": "nginx:1.25"}],
                     "nodeName": "kind-worker", **spec}}


def conditions(status):
    return [(c["type"], c["status"], c.get("reason")) for c in status["conditions"]]


def test_running_pod_status():
    status = run_pod(pod(), NODE, "10.244.1.2", NOW)
    assert status["phase"] == "Running"
    assert conditions(status) == [("PodReadyToStartContainers", "True", None),
                                  ("Initialized", "True", None), ("Ready", "True", None),
                                  ("ContainersReady", "True", None),
                                  ("PodScheduled", "True", None)]
    assert all(c["lastTransitionTime"] == T0 and c["lastProbeTime"] is None
               and c["observedGeneration"] == 1 for c in status["conditions"])
    assert status["hostIP"] == "172.18.0.3" and status["hostIPs"] == [{"ip": "172.18.0.3"}]
    assert status["podIP"] == "10.244.1.2" and status["podIPs"] == [{"ip": "10.244.1.2"}]
    assert status["startTime"] == T0 and status["qosClass"] == "BestEffort"
    assert status["observedGeneration"] == 1
    [cs] = status["containerStatuses"]
    assert cs["name"] == "nginx" and cs["ready"] is True and cs["started"] is True
    assert cs["restartCount"] == 0 and cs["lastState"] == {}
    assert cs["state"] == {"running": {"startedAt": T0}}
    assert cs["image"] == "docker.io/library/nginx:1.25"
    assert cs["imageID"].startswith("docker.io/library/nginx@sha256:")
    assert cs["containerID"].startswith("containerd://") and len(cs["containerID"]) == 77
    assert cs["resources"] == {}


def test_host_network_pod_uses_the_node_ip():
    status = run_pod(pod(hostNetwork=True), NODE, None, NOW)
    assert status["podIP"] == status["hostIP"] == "172.18.0.3"


def test_container_statuses_are_sorted_by_name():
    containers = [{"name": "zeta", "image": "busybox"}, {"name": "alpha", "image": "busybox"}]
    status = run_pod(pod(containers), NODE, "10.244.1.2", NOW)
    assert [c["name"] for c in status["containerStatuses"]] == ["alpha", "zeta"]


def test_rerun_keeps_times_and_ids():
    p = pod()
    p["status"] = run_pod(p, NODE, "10.244.1.2", NOW)
    again = run_pod(p, NODE, "10.244.1.2", NOW + timedelta(hours=1))
    assert again == p["status"]


def test_pending_then_running_moves_pod_scheduled():
    p = pod()
    p["status"] = pending_pod(p, "0/1 nodes are available: x.", NOW)
    later = NOW + timedelta(minutes=3)
    status = run_pod(p, NODE, "10.244.1.2", later)
    scheduled = next(c for c in status["conditions"] if c["type"] == "PodScheduled")
    assert scheduled["status"] == "True"
    assert scheduled["lastTransitionTime"] == "2025-03-01T12:03:00Z"


@by_columns((0, 1), "gates, existing, ready", [
    ([], [], ("Ready", "True", None)),
    (["example.com/lb"], [], ("Ready", "False", "ReadinessGatesNotReady")),
    (["example.com/lb"], [{"type": "example.com/lb", "status": "False"}],
     ("Ready", "False", "ReadinessGatesNotReady")),
    (["example.com/lb"], [{"type": "example.com/lb", "status": "True"}], ("Ready", "True", None)),
])
def test_readiness_gates(gates, existing, ready):
    p = pod(readinessGates=[{"conditionType": g} for g in gates])
    p["status"] = {"conditions": existing}
    status = run_pod(p, NODE, "10.244.1.2", NOW)
    # conditions owned by other controllers come first and are kept
    assert status["conditions"][:len(existing)] == existing
    assert ready in conditions(status)
    assert ("ContainersReady", "True", None) in conditions(status)


@pytest.mark.parametrize("existing, message", [
    ([], 'corresponding condition of pod readiness gate "example.com/lb" does not exist.'),
    ([{"type": "example.com/lb", "status": "False"}],
     'the status of pod readiness gate "example.com/lb" is not "True", but False'),
])
def test_readiness_gate_messages(existing, message):
    p = pod(readinessGates=[{"conditionType": "example.com/lb"}])
    p["status"] = {"conditions": existing}
    ready = next(c for c in run_pod(p, NODE, "10.244.1.2", NOW)["conditions"]
             if c["type"] == "Ready")
    assert ready["message"] == message


def test_init_containers():
    p = pod(initContainers=[{"name": "setup", "image": "busybox:1.36"},
                            {"name": "proxy", "image": "envoy", "restartPolicy": "Always"}])
    status = run_pod(p, NODE, "10.244.1.2", NOW)
    setup, proxy = status["initContainerStatuses"]
    assert setup["state"]["terminated"]["reason"] == "Completed"
    assert setup["state"]["terminated"]["exitCode"] == 0
    assert setup["ready"] is True and setup["started"] is False
    assert proxy["state"] == {"running": {"startedAt": T0}} and proxy["started"] is True
    assert proxy["image"] == "docker.io/library/envoy:latest"


def test_volume_mounts_and_resources_are_reported():
    container = {"name": "app", "image": "app", "volumeMounts": [
        {"name": "token", "mountPath": "/var/run/secrets", "readOnly": True},
        {"name": "data", "mountPath": "/data"}],
        "resources": {"limits": {"cpu": "500m", "memory": "128Mi", "nvidia.com/gpu": "1"}}}
    [cs] = run_pod(pod([container]), NODE, "10.244.1.2", NOW)["containerStatuses"]
    assert cs["volumeMounts"] == [
        {"name": "token", "mountPath": "/var/run/secrets", "readOnly": True,
         "recursiveReadOnly": "Disabled"},
        {"name": "data", "mountPath": "/data"}]
    assert cs["resources"] == {"limits": {"cpu": "500m", "memory": "128Mi"},
                               "requests": {"cpu": "500m", "memory": "128Mi"}}


@pytest.mark.parametrize("image, expected", [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.25", "docker.io/library/nginx:1.25"),
    ("bitnami/redis:7", "docker.io/bitnami/redis:7"),
    ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
    ("localhost/app", "localhost/app:latest"),
    ("localhost:5000/app:v1", "localhost:5000/app:v1"),
    ("ghcr.io/org/app", "ghcr.io/org/app:latest"),
    ("nginx@sha256:" + "a" * 64, "docker.io/library/nginx@sha256:" + "a" * 64),
])
def test_normalize_image(image, expected):
    assert normalize_image(image) == expected


def test_image_id_keeps_a_digest():
    ref = "docker.io/library/nginx@sha256:" + "a" * 64
    assert image_id(ref) == ref


@pytest.mark.parametrize("text, value", [
    ("100m", Decimal("0.1")), ("1", Decimal(1)), ("1.5", Decimal("1.5")),
    ("128Mi", Decimal(128 * 2**20)), ("1G", Decimal(10**9)), ("1e3", Decimal(1000)),
    ("2Ki", Decimal(2048)), (2, Decimal(2)),
])
def test_parse_quantity(text, value):
    assert Quantity.parse(text).value == value  # the parser the kubelet's QoS class uses


def res(requests=None, limits=None):
    out = {}
    if requests is not None:
        out["requests"] = requests
    if limits is not None:
        out["limits"] = limits
    return {"name": "c", "image": "x", "resources": out}


@pytest.mark.parametrize("containers, expected", [
    ([res()], "BestEffort"),
    ([res(requests={"cpu": "0"})], "BestEffort"),
    ([res(requests={"cpu": "100m"})], "Burstable"),
    ([res(limits={"cpu": "1", "memory": "1Gi"})], "Guaranteed"),  # requests default to limits
    ([res(requests={"cpu": "1000m", "memory": "1Gi"}, limits={"cpu": "1", "memory": "1024Mi"})],
     "Guaranteed"),
    ([res(requests={"cpu": "500m", "memory": "1Gi"}, limits={"cpu": "1", "memory": "1Gi"})],
     "Burstable"),
    ([res(limits={"cpu": "1"})], "Burstable"),
    ([res(limits={"cpu": "1", "memory": "1Gi"}), res()], "Burstable"),
    ([res(limits={"nvidia.com/gpu": "1"})], "BestEffort"),
], ids=["no-resources", "zero-cpu-request", "cpu-request", "limits-only",
        "equal-in-other-units", "request-below-limit", "cpu-limit-only", "one-of-two-containers",
        "extended-resource-only"])
def test_qos_class(containers, expected):
    assert qos_class({"containers": containers}) == expected


def test_pod_level_resources_decide_qos():
    spec = {"resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
            "containers": [res(requests={"cpu": "100m"})]}
    assert qos_class(spec) == "Guaranteed"


def test_pending_pod():
    message = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."
    status = pending_pod(pod(), message, NOW)
    assert status == {"phase": "Pending", "qosClass": "BestEffort", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
         "message": message, "lastProbeTime": None, "lastTransitionTime": T0,
         "observedGeneration": 1}]}


def test_pending_pod_keeps_its_transition_time():
    p = pod()
    p["status"] = pending_pod(p, "first", NOW)
    later = pending_pod(p, "second", NOW + timedelta(minutes=1))
    assert later["conditions"][0]["lastTransitionTime"] == T0
    assert later["conditions"][0]["message"] == "second"


def test_gated_pod_and_pod_no_scheduler_looked_at():
    gated = pending_pod(pod(), "Scheduling is blocked due to non-empty scheduling gates", NOW)
    assert gated["conditions"][0]["reason"] == "SchedulingGated"
    assert pending_pod(pod(), "", NOW) == {"phase": "Pending", "qosClass": "BestEffort"}


def test_same_input_same_status():
    p = pod(initContainers=[{"name": "i", "image": "busybox"}])
    first = run_pod(copy.deepcopy(p), NODE, "10.244.1.2", NOW)
    assert run_pod(copy.deepcopy(p), NODE, "10.244.1.2", NOW) == first
    other = copy.deepcopy(p)
    other["metadata"]["uid"] = "u-2"
    assert run_pod(other, NODE, "10.244.1.2", NOW)["containerStatuses"][0]["containerID"] != \
        first["containerStatuses"][0]["containerID"]
