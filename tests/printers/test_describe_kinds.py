"""kubectl's own describers for ReplicaSets, StatefulSets, DaemonSets, ServiceAccounts,
ConfigMaps, Secrets and HorizontalPodAutoscalers (kubectl `pkg/describe/describe.go`:
describeReplicaSet, describeStatefulSet, describeDaemonSet, describeServiceAccount,
describeConfigMap, describeSecret, describeHorizontalPodAutoscalerV2), not the generic dump."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from kubesvc.printers.describe.config import describe_hpa, describe_service_account
from kubesvc.printers.describe.controllers import pod_status_line
from kubesvc.printers.describe.describers import describe_object
from tests.builders import daemonset, pod, pod_template, replicaset, statefulset
from tests.conftest import check_golden

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CREATED = "2025-12-31T00:00:00Z"


def _owned(obj: dict, uid: str) -> dict:
    obj["metadata"].update(uid=uid, creationTimestamp=CREATED)
    return obj


def _pod(name: str, owner: dict, phase: str) -> dict:
    p = pod(name, app=owner["spec"]["selector"]["matchLabels"]["app"], phase=phase,
            namespace=owner["metadata"]["namespace"])
    p["metadata"]["ownerReferences"] = [{"kind": owner["kind"], "name": owner["metadata"]["name"],
                                         "uid": owner["metadata"]["uid"], "controller": True}]
    return p


RS = _owned(replicaset("web-5d4f8b9c7", replicas=3, template=pod_template(
    "web", containers=[{"name": "redis", "image": "redis:7",
                        "ports": [{"name": "redis", "containerPort": 6379, "protocol": "TCP"}]}])),
    "uid-rs")
RS["metadata"]["ownerReferences"] = [{"kind": "Deployment", "name": "web", "uid": "uid-d",
                                      "controller": True}]
RS["spec"]["selector"] = {"matchLabels": {"app": "web"}}
RS["status"] = {"replicas": 2}
STS = _owned(statefulset("db", replicas=2), "uid-sts")
STS["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
STS["spec"]["volumeClaimTemplates"] = [{"metadata": {"name": "data"}, "spec": {
    "accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
    "resources": {"requests": {"storage": "1Gi"}}}}]
STS["status"] = {"replicas": 2}
DS = _owned(daemonset("agent"), "uid-ds")
DS["spec"]["template"]["spec"]["nodeSelector"] = {"kubernetes.io/os": "linux"}
DS["status"] = {"desiredNumberScheduled": 3, "currentNumberScheduled": 3,
                "updatedNumberScheduled": 2, "numberAvailable": 2, "numberMisscheduled": 0}
PODS = [_pod("web-5d4f8b9c7-a", RS, "Running"), _pod("web-5d4f8b9c7-b", RS, "Pending"),
        _pod("db-0", STS, "Running"), _pod("db-1", STS, "Failed"),
        _pod("agent-x", DS, "Succeeded")]
SA = {"apiVersion": "v1", "kind": "ServiceAccount",
      "metadata": {"name": "robot", "namespace": "default", "uid": "uid-sa"},
      "secrets": [{"name": "robot-creds"}, {"name": "gone"}],
      "imagePullSecrets": [{"name": "registry"}]}
SECRETS = [
    {"kind": "Secret", "type": "kubernetes.io/service-account-token",
     "metadata": {"name": "robot-token", "annotations": {
         "kubernetes.io/service-account.name": "robot",
         "kubernetes.io/service-account.uid": "uid-sa"}}},
    {"kind": "Secret", "type": "Opaque", "metadata": {"name": "robot-creds"}},
    {"kind": "Secret", "type": "kubernetes.io/dockerconfigjson", "metadata": {"name": "registry"}},
]
CM = {"apiVersion": "v1", "kind": "ConfigMap",
      "metadata": {"name": "app-config", "namespace": "default", "labels": {"app": "web"}},
      "data": {"mode": "fast", "app.properties": "a=1\nb=2\n"},
      "binaryData": {"logo.png": base64.b64encode(b"\x89PNG....").decode()}}
SECRET = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
          "metadata": {"name": "db-pass", "namespace": "default"},
          "data": {"password": base64.b64encode(b"hunter2").decode(),
                   "user": base64.b64encode(b"admin").decode()}}
HPA = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
       "metadata": {"name": "web", "namespace": "default", "creationTimestamp": CREATED},
       "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 1, "maxReplicas": 10,
                "metrics": [
                    {"type": "Resource", "resource": {"name": "cpu", "target": {
                        "type": "Utilization", "averageUtilization": 50}}},
                    {"type": "Resource", "resource": {"name": "memory", "target": {
                        "type": "AverageValue", "averageValue": "500Mi"}}},
                    {"type": "Pods", "pods": {"metric": {"name": "packets"}, "target": {
                        "type": "AverageValue", "averageValue": "1k"}}}],
                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300, "policies": [
                    {"type": "Percent", "value": 100, "periodSeconds": 15}]}}},
       "status": {"currentReplicas": 2, "desiredReplicas": 2, "currentMetrics": [
           {"type": "Resource", "resource": {"name": "cpu", "current": {
               "averageUtilization": 12, "averageValue": "6m"}}}],
           "conditions": [{"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale",
                           "message": "recommended size matches current size"}]}}


@pytest.mark.parametrize(("name", "obj", "related"), [
    pytest.param("replicaset", RS, {"pods": PODS}, id="describeReplicaSet"),
    pytest.param("statefulset", STS, {"pods": PODS}, id="describeStatefulSet"),
    pytest.param("daemonset", DS, {"pods": PODS}, id="describeDaemonSet"),
    pytest.param("serviceaccount", SA, {"secrets": SECRETS}, id="describeServiceAccount"),
    pytest.param("configmap", CM, {}, id="describeConfigMap"),
    pytest.param("secret", SECRET, {}, id="describeSecret"),
    pytest.param("hpa", HPA, {}, id="describeHorizontalPodAutoscalerV2"),
])
def test_describer_golden(name, obj, related):
    check_golden(f"printers/describe_{name}.txt", describe_object(obj, now=NOW, **related))


@pytest.mark.parametrize(("owner", "line"), [
    pytest.param(RS, "1 Running / 1 Waiting / 0 Succeeded / 0 Failed", id="rs"),
    pytest.param(STS, "1 Running / 0 Waiting / 0 Succeeded / 1 Failed", id="sts"),
    pytest.param(DS, "0 Running / 0 Waiting / 1 Succeeded / 0 Failed", id="ds"),
])
def test_pod_status_counts_only_controlled_pods(owner, line):
    """getPodStatusForController: selector match AND controller uid."""
    assert pod_status_line(owner, PODS) == line


def test_service_account_without_secrets_lists_none():
    sa = {"kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "default"}}
    out = describe_service_account(sa, [], show_events=False)
    assert out.splitlines()[4:] == ["Image pull secrets:  <none>", "Mountable secrets:   <none>",
                                    "Tokens:              <none>"]


def test_hpa_v1_reads_as_v2_cpu_target():
    hpa = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "web", "namespace": "default"},
           "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 3,
                    "targetCPUUtilizationPercentage": 80}}
    out = describe_hpa(hpa, show_events=False, now=NOW)
    assert "resource cpu on pods  (as a percentage of request):  <unknown> / 80%" in out
    assert "Min replicas:" in out and "<unset>" in out


@pytest.mark.parametrize(("ports", "lines"), [
    pytest.param([{"name": "redis", "containerPort": 6379, "protocol": "TCP"}],
                 ["Port:          6379/TCP (redis)", "Host Port:     0/TCP (redis)"],
                 id="describeContainerPorts-named"),
    pytest.param([{"containerPort": 53, "protocol": "UDP", "hostPort": 53}],
                 ["Port:          53/UDP", "Host Port:     53/UDP"], id="unnamed"),
    pytest.param([{"name": "http", "containerPort": 80, "protocol": "TCP"},
                  {"name": "https", "containerPort": 443, "protocol": "TCP"}],
                 ["Ports:         80/TCP (http), 443/TCP (https)",
                  "Host Ports:    0/TCP (http), 0/TCP (https)"], id="several-ports"),
])
def test_container_ports(ports, lines):
    rs = replicaset("web", template=pod_template(
        "web", containers=[{"name": "c", "image": "nginx", "ports": ports}]))
    out = [line.strip() for line in describe_object(rs, now=NOW).splitlines()]
    assert [line for line in out if line.startswith(("Port", "Host Port"))] == [
        line.strip() for line in lines]
