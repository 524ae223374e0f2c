"""`kubectl get` cells per kind, table decorations and `-o yaml|json|name`.

Cell tables restate upstream printers_test.go (TestPrintPod, TestPrintPodWithRestartableInit-
Container, TestPrintPodwide, TestPrintNode*, TestPrintService*, TestPrintDeployment, ...) as
plain JSON objects with a fixed clock. Golden tables and documents were compared with what
kubectl 1.37.1 prints for the same objects.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kubesvc.printers.go_yaml import go_yaml_key_less
from kubesvc.printers.structured import as_list, to_json, to_name, to_yaml
from kubesvc.printers.table.columns import headers_for, row_for, table_for
from tests.conftest import check_golden
from tests.param_ids import by_columns

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def ago(**kw) -> str:
    return (NOW - timedelta(**kw)).strftime("%Y-%m-%dT%H:%M:%SZ")


def cells(kind: str, obj: dict, wide: bool = False) -> list[str]:
    return row_for(kind, obj, NOW, wide)


# --- Pod -----------------------------------------------------------------------------------

RUNNING = {"running": {}}
COMPLETED = {"terminated": {"reason": "Completed", "exitCode": 0}}


def pod(name="test1", containers=2, init=None, **status) -> dict:
    spec = {"containers": [{"name": f"c{i}"} for i in range(containers)]}
    if init is not None:
        spec["initContainers"] = init
    return {"metadata": {"name": name}, "spec": spec, "status": status}


def cs(ready=False, restarts=0, state=None, finished=None, **extra) -> dict:
    out = {"ready": ready, "restartCount": restarts, "state": state or {}, **extra}
    if finished is not None:
        out["lastState"] = {"terminated": {"finishedAt": finished}}
    return out


PLAIN_INIT = [{"name": "i0"}, {"name": "i1"}]
SIDECARS = [{"name": "restartable-init-1", "restartPolicy": "Always"},
            {"name": "restartable-init-2", "restartPolicy": "Always"}]

POD_CASES = [
    ("restarts add up, one container ready",
     pod(phase="podPhase", containerStatuses=[cs(True, 3, RUNNING), cs(restarts=3)]),
     ["1/2", "podPhase", "6"]),
    ("a waiting reason replaces the phase",
     pod(phase="podPhase", containerStatuses=[
         cs(True, 3, RUNNING),
         cs(restarts=3, state={"waiting": {"reason": "ContainerWaitingReason"}})]),
     ["1/2", "ContainerWaitingReason", "6"]),
    ("the first container's reason wins",
     pod(phase="podPhase", containerStatuses=[
         cs(restarts=3, state={"waiting": {"reason": "ContainerWaitingReason"}}),
         cs(restarts=3, state={"terminated": {"reason": "ContainerTerminatedReason"}})]),
     ["0/2", "ContainerWaitingReason", "6"]),
    ("ready without running does not count",
     pod(phase="podPhase", containerStatuses=[cs(True, 3, RUNNING), cs(True, 3)]),
     ["1/2", "podPhase", "6"]),
    ("status.reason replaces the phase",
     pod(phase="podPhase", reason="podReason",
         containerStatuses=[cs(True, 3, RUNNING), cs(True, 3)]),
     ["1/2", "podReason", "6"]),
    ("completed plus running without Ready condition is NotReady",
     pod(phase="Running", containerStatuses=[
         cs(True, 3, COMPLETED), cs(True, 3, RUNNING)]),
     ["1/2", "NotReady", "6"]),
    ("completed plus running with Ready condition is Running",
     pod(phase="Running", conditions=[{"type": "Ready", "status": "True"}], containerStatuses=[
         cs(True, 3, COMPLETED), cs(True, 3, RUNNING)]),
     ["1/2", "Running", "6"]),
    ("an init container restarting",
     pod(containers=1, init=[{"name": "i0"}], phase="podPhase",
         initContainerStatuses=[cs(restarts=3, state=RUNNING, finished=ago(seconds=10))],
         containerStatuses=[cs(state={"waiting": {}})]),
     ["0/1", "Init:0/1", "3 (10s ago)"]),
    ("two init containers, the first restarting",
     pod(containers=1, init=PLAIN_INIT, phase="podPhase",
         initContainerStatuses=[cs(restarts=3, state=RUNNING, finished=ago(seconds=10)),
                                cs(state={"waiting": {}})],
         containerStatuses=[cs(state={"waiting": {}})]),
     ["0/1", "Init:0/2", "3 (10s ago)"]),
    ("first init done, second restarting",
     pod(containers=1, init=PLAIN_INIT, phase="podPhase",
         initContainerStatuses=[cs(state={"terminated": {}}),
                                cs(restarts=3, state=RUNNING, finished=ago(seconds=10))],
         containerStatuses=[cs(state={"waiting": {}})]),
     ["0/1", "Init:1/2", "3 (10s ago)"]),
    ("init restarts from both, newest time",
     pod(containers=1, init=PLAIN_INIT, phase="podPhase",
         initContainerStatuses=[cs(restarts=2, state={"terminated": {}}, finished=ago(minutes=2)),
                                cs(restarts=3, state=RUNNING, finished=ago(seconds=10))],
         containerStatuses=[cs(state={"waiting": {}})]),
     ["0/1", "Init:1/2", "5 (10s ago)"]),
    ("after init, only container restarts count",
     pod(containers=1, init=[{"name": "i0"}], phase="Running",
         initContainerStatuses=[cs(restarts=2, state={"terminated": {}}, finished=ago(minutes=2))],
         containerStatuses=[cs(restarts=4, state=RUNNING, finished=ago(seconds=20))]),
     ["0/1", "Running", "4 (20s ago)"]),
    ("restarted five days ago",
     pod(containers=1, phase="Running",
         containerStatuses=[cs(True, 3, RUNNING, finished=ago(days=5))]),
     ["1/1", "Running", "3 (5d ago)"]),
    ("one never restarted, one ten days ago",
     pod(phase="Running", containerStatuses=[cs(True, 0, RUNNING),
                                             cs(True, 3, RUNNING, finished=ago(days=10))]),
     ["2/2", "Running", "3 (10d ago)"]),
    ("the newest restart time is shown",
     pod(phase="Running", containerStatuses=[cs(True, 6, RUNNING, finished=ago(days=5)),
                                             cs(True, 3, RUNNING, finished=ago(days=20))]),
     ["2/2", "Running", "9 (5d ago)"]),
    ("scheduling gated",
     pod(phase="podPhase", conditions=[
         {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]),
     ["0/2", "SchedulingGated", "0"]),
    ("succeeded", pod(containers=1, phase="Succeeded", containerStatuses=[
        cs(state={"terminated": {"reason": "Completed", "exitCode": 0}})]),
     ["0/1", "Completed", "0"]),
    ("failed", pod(containers=1, phase="Failed", containerStatuses=[
        cs(state={"terminated": {"reason": "Error", "exitCode": 1}})]),
     ["0/1", "Error", "0"]),
    ("exit code without reason", pod(containers=1, phase="Failed", containerStatuses=[
        cs(state={"terminated": {"exitCode": 3}})]), ["0/1", "ExitCode:3", "0"]),
    ("signal without reason", pod(containers=1, phase="Failed", containerStatuses=[
        cs(state={"terminated": {"exitCode": 137, "signal": 9}})]), ["0/1", "Signal:9", "0"]),
    ("init failure with reason", pod(containers=1, init=[{"name": "i0"}], phase="Pending",
                                     initContainerStatuses=[cs(state={"terminated": {
                                         "exitCode": 1, "reason": "Error"}})]),
     ["0/1", "Init:Error", "0"]),
    ("init failure with a signal", pod(containers=1, init=[{"name": "i0"}], phase="Pending",
                                       initContainerStatuses=[cs(state={"terminated": {
                                           "exitCode": 1, "signal": 15}})]),
     ["0/1", "Init:Signal:15", "0"]),
    ("init waiting with a reason", pod(containers=1, init=[{"name": "i0"}], phase="Pending",
                                       initContainerStatuses=[cs(state={"waiting": {
                                           "reason": "ImagePullBackOff"}})]),
     ["0/1", "Init:ImagePullBackOff", "0"]),
    ("PodInitializing is not a reason to show", pod(containers=1, init=[{"name": "i0"}],
                                                    phase="Pending", initContainerStatuses=[
        cs(state={"waiting": {"reason": "PodInitializing"}})]), ["0/1", "Init:0/1", "0"]),
]


@pytest.mark.parametrize(("obj", "want"), [c[1:] for c in POD_CASES], ids=[c[0] for c in POD_CASES])
def test_pod_ready_status_restarts(obj, want):
    assert cells("Pod", obj)[1:4] == want


def deleting(obj: dict, reason: str | None = None) -> dict:
    obj["metadata"]["deletionTimestamp"] = ago(seconds=10)
    if reason:
        obj["status"]["reason"] = reason
    return obj


@by_columns((1,), ("obj", "status"), [
    (deleting(pod(containers=1, phase="Succeeded", containerStatuses=[
        cs(state={"terminated": {"reason": "Completed", "exitCode": 0}})])), "Completed"),
    (deleting(pod(containers=1, phase="Running", containerStatuses=[cs(state=RUNNING)])),
     "Terminating"),
    (deleting(pod(containers=1, phase="Pending")), "Terminating"),
    (deleting(pod(containers=1, phase="Running"), reason="NodeLost"), "Unknown"),
])
def test_pod_being_deleted(obj, status):
    assert cells("Pod", obj)[2] == status


SIDECAR_CASES = [
    ("first sidecar running but not started",
     pod(containers=1, init=SIDECARS, phase="Pending",
         conditions=[{"type": "Initialized", "status": "False"}],
         initContainerStatuses=[
             cs(restarts=3, state=RUNNING, finished=ago(seconds=10), name="restartable-init-1",
                started=False),
             cs(state={"waiting": {}}, name="restartable-init-2", started=False)],
         containerStatuses=[cs(state={"waiting": {}})]),
     ["0/3", "Init:0/2", "3 (10s ago)"]),
    ("first sidecar started, second not yet",
     pod(containers=1, init=SIDECARS, phase="Pending",
         conditions=[{"type": "Initialized", "status": "False"}],
         initContainerStatuses=[
             cs(restarts=3, state=RUNNING, finished=ago(seconds=10), name="restartable-init-1",
                started=True),
             cs(state=RUNNING, name="restartable-init-2", started=False)],
         containerStatuses=[cs(state={"waiting": {}})]),
     ["0/3", "Init:1/2", "3 (10s ago)"]),
    ("sidecars started and the container running",
     pod(containers=1, init=SIDECARS, phase="Running",
         conditions=[{"type": "Initialized", "status": "True"}],
         initContainerStatuses=[
             cs(restarts=3, state=RUNNING, finished=ago(seconds=10), name="restartable-init-1",
                started=True),
             cs(state=RUNNING, name="restartable-init-2", started=True)],
         containerStatuses=[cs(True, 4, RUNNING, finished=ago(seconds=20))]),
     ["1/3", "Running", "7 (10s ago)"]),
    ("sidecars failed, container completed",
     pod(containers=1, init=SIDECARS, phase="Succeeded",
         conditions=[{"type": "Initialized", "status": "True"}],
         initContainerStatuses=[
             cs(restarts=3, state={"terminated": {"reason": "Error", "exitCode": 137}},
                finished=ago(seconds=10), name="restartable-init-1", started=False),
             cs(state={"terminated": {"reason": "Error", "exitCode": 137}},
                name="restartable-init-2", started=False)],
         containerStatuses=[cs(restarts=4, state={"terminated": {"reason": "Completed",
                                                                 "exitCode": 0}},
                               finished=ago(seconds=20))]),
     ["0/3", "Completed", "7 (10s ago)"]),
    ("statuses for containers the spec does not have",
     {"metadata": {"name": "test4"},
      "spec": {"initContainers": [{"name": "init1"},
                                  {"name": "sidecar1", "restartPolicy": "Always"}],
               "containers": [{"name": "container1"}]},
      "status": {"phase": "Running",
                 "initContainerStatuses": [{"name": "initinvalid"}, {"name": "init1"},
                                           {"name": "sidecar1"}],
                 "containerStatuses": [{"name": "containerinvalid"}, {"name": "container1"}]}},
     ["0/2", "Init:0/2", "0"]),
]


@pytest.mark.parametrize(("obj", "want"), [c[1:] for c in SIDECAR_CASES],
                         ids=[c[0] for c in SIDECAR_CASES])
def test_pod_with_restartable_init_containers(obj, want):
    assert cells("Pod", obj)[1:4] == want


def test_pod_wide_columns():
    gates = [{"conditionType": c} for c in ("condition1", "condition2", "condition3")]
    obj = pod(phase="podPhase", podIPs=[{"ip": "1.1.1.1"}, {"ip": "2001:db8::"}],
              nominatedNodeName="node1",
              conditions=[{"type": "condition1", "status": "False"},
                          {"type": "condition2", "status": "True"}],
              containerStatuses=[cs(True, 3, RUNNING), cs(restarts=3)])
    obj["spec"].update(nodeName="test1", readinessGates=gates)
    assert cells("Pod", obj, wide=True) == [
        "test1", "1/2", "podPhase", "6", "<unknown>", "1.1.1.1", "test1", "node1", "1/3"]
    bare = pod("test2", phase="podPhase")
    assert cells("Pod", bare, wide=True)[5:] == ["<none>", "<none>", "<none>", "<none>"]
    only_pod_ip = pod("test3", phase="Running", podIP="10.0.0.7")
    assert cells("Pod", only_pod_ip, wide=True)[5] == "10.0.0.7"
    assert headers_for("Pod", wide=True)[5:] == ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]


# --- Node ----------------------------------------------------------------------------------

def node(name="foo", conditions=None, unschedulable=False, labels=None, info=None, addrs=None):
    return {"metadata": {"name": name, "labels": labels or {}},
            "spec": {"unschedulable": unschedulable} if unschedulable else {},
            "status": {"conditions": conditions or [], "nodeInfo": info or {},
                       "addresses": addrs or []}}


READY, NOT_READY = {"type": "Ready", "status": "True"}, {"type": "Ready", "status": "False"}


@by_columns((1,), ("obj", "status"), [
    (node(conditions=[READY]), "Ready"),
    (node(conditions=[READY], unschedulable=True), "Ready,SchedulingDisabled"),
    (node(conditions=[READY, READY]), "Ready"),
    (node(conditions=[NOT_READY]), "NotReady"),
    (node(conditions=[NOT_READY], unschedulable=True), "NotReady,SchedulingDisabled"),
    (node(conditions=[{"type": "InvalidValue", "status": "True"}]), "Unknown"),
    (node(conditions=[{}]), "Unknown"),
    (node(conditions=[{"type": "InvalidValue", "status": "True"}], unschedulable=True),
     "Unknown,SchedulingDisabled"),
    (node(conditions=[{"type": "Ready", "status": "Unknown"}]), "NotReady"),
])
def test_node_status(obj, status):
    assert cells("Node", obj) == ["foo", status, "<none>", "<unknown>", ""]


@pytest.mark.parametrize(("labels", "roles"), [
    ({}, "<none>"),
    ({"node-role.kubernetes.io/master": "", "node-role.kubernetes.io/control-plane": "",
      "node-role.kubernetes.io/proxy": "", "kubernetes.io/role": "node"},
     "control-plane,master,node,proxy"),
    ({"kubernetes.io/role": "node"}, "node"),
    ({"node-role.kubernetes.io/": "x", "kubernetes.io/role": ""}, "<none>"),
])
def test_node_roles(labels, roles):
    assert cells("Node", node(labels=labels))[2] == roles


@by_columns((0, 1), ("info", "addrs", "wide"), [
    ({"osImage": "fake-os-image"}, [{"type": "ExternalIP", "address": "1.1.1.1"}],
     ["<none>", "1.1.1.1", "fake-os-image", "<unknown>", "<unknown>"]),
    ({"kernelVersion": "fake-kernel-version"}, [{"type": "ExternalIP", "address": "1.1.1.1"}],
     ["<none>", "1.1.1.1", "<unknown>", "fake-kernel-version", "<unknown>"]),
    ({"containerRuntimeVersion": "foo://1.2.3"}, [{"type": "InternalIP", "address": "1.1.1.1"}],
     ["1.1.1.1", "<none>", "<unknown>", "<unknown>", "foo://1.2.3"]),
    ({}, [{"type": "ExternalIP", "address": "2.2.2.2"},
          {"type": "InternalIP", "address": "3.3.3.3"},
          {"type": "ExternalIP", "address": "4.4.4.4"}],
     ["3.3.3.3", "2.2.2.2", "<unknown>", "<unknown>", "<unknown>"]),
])
def test_node_wide_columns(info, addrs, wide):
    assert cells("Node", node(info=info, addrs=addrs), wide=True)[5:] == wide


def test_node_version_and_name():
    assert cells("Node", node("127.0.0.1", info={"kubeletVersion": "v1.37.1"})) == [
        "127.0.0.1", "Unknown", "<none>", "<unknown>", "v1.37.1"]


# --- Service -------------------------------------------------------------------------------

def svc(name, svc_type, ports=(), cluster_ips=("10.9.8.7",), external=(), ingress=None, **spec):
    obj = {"metadata": {"name": name},
           "spec": {"type": svc_type, "clusterIPs": list(cluster_ips), "ports": list(ports),
                    "externalIPs": list(external), **spec}}
    if ingress is not None:
        obj["status"] = {"loadBalancer": {"ingress": ingress}}
    return obj


TCP = [{"protocol": "tcp", "port": 2233}]


@pytest.mark.parametrize(("obj", "want"), [
    (svc("test1", "ClusterIP", TCP), ["ClusterIP", "10.9.8.7", "<none>", "2233/tcp"]),
    (svc("test2", "NodePort", [{"protocol": "tcp", "port": 8888, "nodePort": 9999}]),
     ["NodePort", "10.9.8.7", "<none>", "8888:9999/tcp"]),
    (svc("test3", "LoadBalancer", TCP), ["LoadBalancer", "10.9.8.7", "<pending>", "2233/tcp"]),
    (svc("test4", "LoadBalancer", TCP, external=["80.11.12.10"]),
     ["LoadBalancer", "10.9.8.7", "80.11.12.10", "2233/tcp"]),
    (svc("test5", "LoadBalancer", TCP, external=["80.11.12.10"],
         ingress=[{"ip": "3.4.5.6", "hostname": "test.cluster.com"}]),
     ["LoadBalancer", "10.9.8.7", "3.4.5.6,80.11.12.10", "2233/tcp"]),
    (svc("test6", "LoadBalancer", TCP, external=["80.11.12.10", "80.11.12.11"],
         ingress=[{"ip": "2.3.4.5", "hostname": "a"}, {"ip": "3.4.5.6", "hostname": "b"}]),
     ["LoadBalancer", "10.9.8.7", "2.3.4.5,3.4.5.6,80.11.12.10,80.11.12.11", "2233/tcp"]),
    (svc("test7", "ExternalName", cluster_ips=(), externalName="my.database.example.com"),
     ["ExternalName", "<none>", "my.database.example.com", "<none>"]),
    (svc("test8", "ClusterIP", TCP, cluster_ips=("None",)),
     ["ClusterIP", "None", "<none>", "2233/tcp"]),
    (svc("test9", "", TCP), ["", "10.9.8.7", "<unknown>", "2233/tcp"]),
    (svc("test10", "ClusterIP", TCP, external=["1.2.3.4", "1.1.1.1"]),
     ["ClusterIP", "10.9.8.7", "1.2.3.4,1.1.1.1", "2233/tcp"]),
])
def test_service_cells(obj, want):
    assert cells("Service", obj)[1:5] == want


def test_service_load_balancer_list_is_a_sorted_set_and_never_clipped():
    ports = [{"port": 80, "protocol": "TCP"}, {"port": 8090, "protocol": "UDP"},
             {"port": 8000, "protocol": "TCP"}, {"port": 7777, "protocol": "SCTP"}]
    obj = svc("service4", "LoadBalancer", ports, ingress=[
        {"ip": "2.3.4.5"}, {"ip": "3.4.5.6"}, {"ip": "5.6.7.8", "hostname": "host5678"},
        {"hostname": "lb.example.com"}, {"ip": "10.0.0.10"}, {"ip": "2.3.4.5"}, {}],
        selector={"foo": "bar"})
    assert cells("Service", obj, wide=True)[3:] == [
        "10.0.0.10,2.3.4.5,3.4.5.6,5.6.7.8,lb.example.com",
        "80/TCP,8090/UDP,8000/TCP,7777/SCTP", "<unknown>", "foo=bar"]


# --- Endpoints / EndpointSlice -------------------------------------------------------------

def ep(*subsets) -> dict:
    return {"metadata": {"name": "ep"}, "subsets": list(subsets)}


def addrs(*ips) -> list[dict]:
    return [{"ip": ip} for ip in ips]


@by_columns((1,), ("obj", "want"), [
    (ep(), "<none>"),
    (ep({"addresses": addrs("127.0.0.1")}), "127.0.0.1"),
    (ep({"addresses": addrs("127.0.0.1"), "ports": [{"port": 8001}]}), "127.0.0.1:8001"),
    (ep({"addresses": addrs("2001:db8::1"), "ports": [{"port": 80}]}), "[2001:db8::1]:80"),
    (ep({"addresses": addrs("1.1.1.1", "2.2.2.2"), "ports": [{"port": 80}, {"port": 443}]}),
     "1.1.1.1:80,2.2.2.2:80,1.1.1.1:443 + 1 more..."),
    (ep({"addresses": addrs("1.1.1.1", "2.2.2.2", "3.3.3.3"), "ports": [{"port": 80}]}),
     "1.1.1.1:80,2.2.2.2:80,3.3.3.3:80"),
    (ep({"addresses": addrs("1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"),
         "ports": [{"port": 80}]}), "1.1.1.1:80,2.2.2.2:80,3.3.3.3:80 + 2 more..."),
    (ep({"notReadyAddresses": addrs("1.1.1.1"), "ports": [{"port": 80}]}), ""),
    (ep({"addresses": addrs("1.1.1.1")}, {"addresses": addrs("2.2.2.2"), "ports": [{"port": 8}]}),
     "1.1.1.1,2.2.2.2:8"),
])
def test_endpoints_cell(obj, want):
    assert cells("Endpoints", obj)[1] == want


def eps(ports=None, endpoints=None, address_type="IPv4") -> dict:
    obj = {"metadata": {"name": "eps"}, "addressType": address_type}
    if ports is not None:
        obj["ports"] = ports
    if endpoints is not None:
        obj["endpoints"] = endpoints
    return obj


@pytest.mark.parametrize(("obj", "want"), [
    (eps(), ["IPv4", "<unset>", "<unset>"]),
    (eps([{"port": 80}], [{"addresses": ["10.1.2.3", "2001:db8::1234:5678"]}], "IPv6"),
     ["IPv6", "80", "10.1.2.3,2001:db8::1234:5678"]),
    (eps([{"port": 80}, {"name": "https"}, {}, {"name": ""}],
         [{"addresses": ["10.1.2.3"], "conditions": {"ready": False}},
          {"addresses": ["10.2.3.4", "10.3.4.5"]}, {"addresses": ["10.9.9.9"]}]),
     ["IPv4", "80,https,* + 1 more...", "10.1.2.3,10.2.3.4,10.3.4.5 + 1 more..."]),
    (eps([{"port": 1}, {"port": 2}, {"port": 3}], [{"addresses": ["a.example.com"]}], "FQDN"),
     ["FQDN", "1,2,3", "a.example.com"]),
])
def test_endpointslice_cells(obj, want):
    assert cells("EndpointSlice", obj)[1:4] == want


# --- Workloads -----------------------------------------------------------------------------

TEMPLATE = {"spec": {"containers": [{"name": "fake-container1", "image": "fake-image1"},
                                    {"name": "fake-container2", "image": "fake-image2"}]}}
MATCH_FOO = {"matchLabels": {"foo": "bar"}}
JUST_NOW = (NOW + timedelta(seconds=1.9)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def workload(spec: dict, status: dict) -> dict:
    return {"metadata": {"name": "test1", "creationTimestamp": JUST_NOW},
            "spec": {"template": TEMPLATE, "selector": MATCH_FOO, **spec}, "status": status}


def test_deployment_cells():
    d = workload({"replicas": 5}, {"replicas": 10, "updatedReplicas": 2, "availableReplicas": 1,
                                   "unavailableReplicas": 4})
    assert cells("Deployment", d) == ["test1", "0/5", "2", "1", "0s"]
    assert cells("Deployment", d, wide=True)[5:] == [
        "fake-container1,fake-container2", "fake-image1,fake-image2", "foo=bar"]
    d["spec"]["selector"] = {}
    assert cells("Deployment", d, wide=True)[7] == ""
    d["spec"]["selector"] = {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]}
    assert cells("Deployment", d, wide=True)[7] == "<invalid>"
    del d["spec"]["replicas"]
    assert cells("Deployment", d)[1] == "0/1"


def test_daemonset_cells():
    ds = workload({}, {"currentNumberScheduled": 2, "desiredNumberScheduled": 3, "numberReady": 1,
                       "updatedNumberScheduled": 2, "numberAvailable": 0})
    assert cells("DaemonSet", ds, wide=True) == [
        "test1", "3", "2", "1", "2", "0", "<none>", "0s",
        "fake-container1,fake-container2", "fake-image1,fake-image2", "foo=bar"]
    assert cells("DaemonSet", workload({}, {}))[1:7] == ["0", "0", "0", "0", "0", "<none>"]


def test_replicaset_statefulset_and_replicationcontroller_cells():
    rs = workload({"replicas": 5}, {"replicas": 5, "readyReplicas": 2})
    assert cells("ReplicaSet", rs, wide=True) == [
        "test1", "5", "5", "2", "0s", "fake-container1,fake-container2",
        "fake-image1,fake-image2", "foo=bar"]
    rs["spec"]["selector"] = {}
    assert cells("ReplicaSet", rs, wide=True)[7] == "<none>"
    sts = workload({"replicas": 3}, {"readyReplicas": 2})
    assert cells("StatefulSet", sts, wide=True) == [
        "test1", "2/3", "0s", "fake-container1,fake-container2", "fake-image1,fake-image2"]
    rc = workload({"replicas": 2, "selector": {"app": "web"}}, {"replicas": 1})
    assert cells("ReplicationController", rc, wide=True)[1:4] == ["2", "1", "0"]
    assert cells("ReplicationController", rc, wide=True)[7] == "app=web"


def test_namespace_and_generic_cells():
    ns = {"metadata": {"name": "namespace1", "creationTimestamp": JUST_NOW},
          "status": {"phase": "FooStatus"}}
    assert cells("Namespace", ns) == ["namespace1", "FooStatus", "0s"]
    bare = {"metadata": {"name": "namespace2"}}
    assert cells("Namespace", bare) == ["namespace2", "", "<unknown>"]
    widget = {"kind": "Widget", "metadata": {"name": "w", "creationTimestamp": ago(days=3)}}
    assert headers_for("Widget") == ["NAME", "AGE"]
    assert cells("Widget", widget) == ["w", "3d"]


def test_configmap_secret_serviceaccount_ingress_cells():
    assert cells("ConfigMap", {"metadata": {"name": "c"}, "data": {"a": "1"},
                               "binaryData": {"b": "AA=="}})[1] == "2"
    secret = {"metadata": {"name": "s"}, "type": "Opaque", "data": {"k": "dg=="}}
    assert cells("Secret", secret)[1:3] == ["Opaque", "1"]
    assert cells("ServiceAccount", {"metadata": {"name": "sa"}, "secrets": [{}, {}]})[1] == "2"
    ing = {"metadata": {"name": "i"},
           "spec": {"ingressClassName": "nginx", "tls": [{}],
                    "rules": [{"host": "a"}, {}, {"host": "c"}, {"host": "d"}, {"host": "e"}]},
           "status": {"loadBalancer": {"ingress": [{"ip": "5.5.5.5"}, {"hostname": "lb"}]}}}
    assert cells("Ingress", ing)[1:5] == ["nginx", "a,c,d + 2 more...", "5.5.5.5,lb", "80, 443"]
    bare = {"metadata": {"name": "j"}, "spec": {}}
    assert cells("Ingress", bare)[1:5] == ["<none>", "*", "", "80"]


# --- Decorations and goldens ---------------------------------------------------------------

SERVICES = [
    {"metadata": {"name": "web", "namespace": "default", "creationTimestamp": ago(days=3),
                  "labels": {"app": "web", "app.kubernetes.io/name": "shop"}},
     "spec": {"type": "ClusterIP", "clusterIPs": ["10.96.12.34"], "selector": {"app": "web"},
              "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]}},
    {"metadata": {"name": "public-lb", "namespace": "prod", "creationTimestamp": ago(minutes=5)},
     "spec": {"type": "LoadBalancer", "clusterIPs": ["10.96.0.20"],
              "selector": {"app": "shop", "tier": "frontend"},
              "ports": [{"port": 80, "nodePort": 31080, "protocol": "TCP"},
                        {"port": 443, "nodePort": 31443, "protocol": "TCP"}]},
     "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.10", "ipMode": "VIP"}]}}},
    {"metadata": {"name": "db", "namespace": "prod", "creationTimestamp": ago(days=400)},
     "spec": {"type": "ExternalName", "externalName": "db.example.com"}},
    {"metadata": {"name": "headless", "namespace": "prod", "creationTimestamp": ago(hours=30)},
     "spec": {"type": "ClusterIP", "clusterIPs": ["None"], "selector": {"app": "db"}}},
]


def test_all_namespaces_wide_labels_golden():
    out = table_for("Service", SERVICES, NOW, wide=True, all_namespaces=True, show_labels=True,
                    label_columns=["app.kubernetes.io/name"])
    check_golden("printers/get_services_all_wide_labels.txt", out)
    assert out.splitlines()[0].split() == [
        "NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR",
        "NAME", "LABELS"]


def test_plain_and_prefixed_goldens():
    check_golden("printers/get_services.txt", table_for("Service", SERVICES, NOW))
    check_golden("printers/get_services_kind_prefix_no_headers.txt",
                 table_for("Service", SERVICES, NOW, show_kind_prefix="service", no_headers=True))


def test_cluster_scoped_kinds_never_get_a_namespace_column():
    nodes = [node("node-1", [READY], labels={"node-role.kubernetes.io/control-plane": ""},
                  info={"kubeletVersion": "v1.37.1", "osImage": "Debian GNU/Linux 12 (bookworm)",
                        "kernelVersion": "6.8.0", "containerRuntimeVersion": "containerd://2.1.0"},
                  addrs=[{"type": "InternalIP", "address": "172.18.0.2"}])]
    nodes[0]["metadata"]["creationTimestamp"] = ago(days=12)
    out = table_for("Node", nodes, NOW, wide=True, all_namespaces=True)
    check_golden("printers/get_nodes_wide.txt", out)
    assert not out.startswith("NAMESPACE")
    assert table_for("Namespace", [{"metadata": {"name": "default"}}], NOW,
                     all_namespaces=True).startswith("NAME ")


def test_pods_wide_golden():
    running = pod("web-7d4b9c6f5-abcde", containers=1, phase="Running", podIP="10.244.1.5",
                  conditions=[{"type": "Ready", "status": "True"}],
                  containerStatuses=[cs(True, 1, RUNNING, finished=ago(hours=2))])
    running["spec"]["nodeName"] = "node-1"
    pending = pod("web-7d4b9c6f5-fghij", containers=1, phase="Pending")
    for p, age in ((running, {"hours": 5}), (pending, {"seconds": 42})):
        p["metadata"].update(namespace="default", creationTimestamp=ago(**age))
    check_golden("printers/get_pods_wide.txt", table_for("Pod", [running, pending], NOW, wide=True))


def test_empty_list_prints_nothing():
    assert table_for("Service", [], NOW) == ""
    assert table_for("Service", [], NOW, all_namespaces=True, show_labels=True) == ""


# --- Structured output ---------------------------------------------------------------------

def test_name_and_list_wrapper():
    assert to_name("service", "web") == "service/web"
    assert to_name("Deployment.apps", "web") == "deployment.apps/web"
    assert as_list([{"a": 1}]) == {"apiVersion": "v1", "items": [{"a": 1}], "kind": "List",
                                   "metadata": {"resourceVersion": ""}}


DOC = {"kind": "Service", "apiVersion": "v1",
       "metadata": {"name": "web", "namespace": "default",
                    "labels": {"node-10": "a", "node-2": "b", "A": "x", "_x": "y"},
                    "annotations": {"note": "<none> & more", "when": "2025-01-01T00:00:00Z",
                                    "port": "80", "yes": "yes", "empty": "", "multi": "l1\nl2\n",
                                    "colon": "a: b"}},
       "spec": {"ports": [{"targetPort": 8080, "port": 80, "protocol": "TCP", "name": "http"}],
                "ratio": 1.5, "small": 1.5e-05, "whole": 3.0, "none": None, "flag": True,
                "list": [], "map": {}}}


def test_yaml_and_json_goldens():
    check_golden("printers/service.yaml", to_yaml(DOC))
    check_golden("printers/service.json", to_json(DOC) + "\n")
    pod_doc = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}}
    check_golden("printers/list.yaml", to_yaml([DOC, pod_doc]))


def test_yaml_details():
    out = to_yaml(DOC)
    assert "  ports:\n    - " not in out and "  ports:\n  - name: http\n" in out
    assert '  _x: "y"\n    A: x\n' in out  # go-yaml order: non-letters first, then natural
    assert out.index("node-2") < out.index("node-10")
    assert '    port: "80"\n' in out and '    "yes": "yes"\n' in out and '    empty: ""\n' in out
    assert "    when: \"2025-01-01T00:00:00Z\"\n" in out and "    colon: 'a: b'\n" in out
    assert "    multi: |\n      l1\n      l2\n" in out
    assert "  small: 1.5e-05\n" in out and "  whole: 3\n" in out and "  none: null\n" in out


def test_json_details():
    out = to_json(DOC)
    assert not out.endswith("\n")
    assert '"note": "\\u003cnone\\u003e \\u0026 more"' in out
    assert '"small": 0.000015,' in out and '"whole": 3\n' in out
    assert out.index('"A"') < out.index('"_x"') < out.index('"node-10"') < out.index('"node-2"')
    assert '\n    "metadata": {\n        "annotations": {' in out


@pytest.mark.parametrize(("a", "b"), [("a9", "a10"), ("_x", "A"), ("A", "a"), ("a.b", "ab"),
                                      ("x-", "x1"), ("a", "ab"), ("a1", "a01")])
def test_go_yaml_key_order(a, b):
    assert go_yaml_key_less(a, b) and not go_yaml_key_less(b, a)
