"""Defaults the API server adds that kubectl's describe relies on (issue 14 §4): each row names
the upstream source of the rule."""

from __future__ import annotations

import copy

import pytest

from kubesvc.api.defaults import default_hpa, default_pod, default_secret


def _pod(status=None, probe=None) -> dict:
    c = {"name": "c", "image": "redis:7"}
    if probe is not None:
        c["readinessProbe"] = probe
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
            "spec": {"containers": [c]}, **({"status": status} if status is not None else {})}


@pytest.mark.parametrize(("probe", "grpc"), [
    pytest.param({"grpc": {"port": 9000}}, {"port": 9000, "service": ""},
                 id="GRPCAction.service-default-empty"),
    pytest.param({"grpc": {"port": 9000, "service": "health"}},
                 {"port": 9000, "service": "health"}, id="GRPCAction.service-kept"),
])
def test_grpc_probe_service_default(probe, grpc):
    out = default_pod(_pod(probe=probe))
    assert out["spec"]["containers"][0]["readinessProbe"]["grpc"] == grpc


@pytest.mark.parametrize(("status", "want"), [
    pytest.param({"podIP": "10.244.1.5", "hostIP": "172.18.0.2"},
                 {"podIPs": [{"ip": "10.244.1.5"}], "hostIPs": [{"ip": "172.18.0.2"}]},
                 id="Convert_v1_PodStatus_To_core_PodStatus-singular-to-plural"),
    pytest.param({"podIP": "10.244.1.5", "podIPs": [{"ip": "10.244.1.5"}, {"ip": "fd00::5"}]},
                 {"podIPs": [{"ip": "10.244.1.5"}, {"ip": "fd00::5"}]},
                 id="Convert_v1_PodStatus_To_core_PodStatus-plural-kept"),
    pytest.param({"phase": "Pending"}, {}, id="no-ip-no-list"),
])
def test_pod_ips_from_pod_ip(status, want):
    out = default_pod(_pod(status=dict(status)))["status"]
    assert {k: out[k] for k in ("podIPs", "hostIPs") if k in out} == want


def test_idempotent():
    once = default_pod(_pod(status={"podIP": "10.0.0.1"}, probe={"grpc": {"port": 1}}))
    assert default_pod(once) == once


@pytest.mark.parametrize(("secret", "want"), [
    pytest.param({"stringData": {"password": "hunter2"}},
                 {"type": "Opaque", "data": {"password": "aHVudGVyMg=="}},
                 id="SetDefaults_Secret-Opaque+v1-conversion-stringData"),
    pytest.param({"type": "kubernetes.io/tls", "data": {"a": "eA==", "b": "eQ=="},
                  "stringData": {"b": "z"}},
                 {"type": "kubernetes.io/tls", "data": {"a": "eA==", "b": "eg=="}},
                 id="stringData-wins-over-data"),
])
def test_secret_defaults(secret, want):
    out = default_secret({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                          **secret})
    assert {k: out[k] for k in ("type", "data")} == want and "stringData" not in out


def test_hpa_v2_defaults():
    """autoscaling/v2 SetDefaults_HorizontalPodAutoscaler and GenerateHPAScale{Up,Down}Rules."""
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "spec": {"maxReplicas": 3,
                    "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}}
    spec = default_hpa(hpa)["spec"]
    assert spec["minReplicas"] == 1
    assert spec["metrics"] == [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 80}}}]
    assert spec["behavior"]["scaleUp"] == {
        "stabilizationWindowSeconds": 0, "selectPolicy": "Max",
        "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                     {"type": "Percent", "value": 100, "periodSeconds": 15}]}
    assert spec["behavior"]["scaleDown"] == {
        "stabilizationWindowSeconds": 60, "selectPolicy": "Max",
        "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}
    assert "behavior" not in default_hpa({**hpa, "spec": {"maxReplicas": 3}})["spec"]


@pytest.mark.parametrize(("resources", "want"), [
    ({"limits": {"cpu": "1"}}, {"cpu": "1"}),
    ({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "2", "memory": "2Gi"}},
     {"cpu": "2", "memory": "2Gi"}),
    # the merge's order is the limits', then what only requests name
    ({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"memory": "2Gi", "cpu": "2"}},
     {"cpu": "2", "memory": "2Gi"}),
    ({"limits": {"cpu": "1"}, "requests": {"memory": "2Gi"}}, {"cpu": "1", "memory": "2Gi"}),
    ({"requests": {"memory": "2Gi"}}, {"memory": "2Gi"}),
], ids=["limits-only", "same-order", "other-order", "extra", "no-limits"])
def test_requests_default_to_limits(resources, want):
    """SetDefaults_Pod: requests default to limits, in place (a restored pod) or on a copy."""
    for copy_it in (True, False):
        pod = {"spec": {"containers": [{"name": "c", "image": "i",
                                        "resources": copy.deepcopy(resources)}]}}
        out = default_pod(pod, copy_it)["spec"]["containers"][0]["resources"]["requests"]
        assert (out, list(out)) == (want, list(want))


def test_env_field_ref_api_version():
    env = [{"name": "A", "value": "x"},
           {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
    for copy_it in (True, False):
        pod = {"spec": {"containers": [{"name": "c", "image": "i", "env": copy.deepcopy(env)}]}}
        out = default_pod(pod, copy_it)["spec"]["containers"][0]["env"]
        assert out[1]["valueFrom"]["fieldRef"] == {"apiVersion": "v1",
                                                   "fieldPath": "metadata.name"}
        assert out[0] == env[0]
