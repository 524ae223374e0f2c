"""The API server's endpoint reconciler (pkg/controlplane/reconcilers/lease.go): default/kubernetes
lists every control-plane node's address at port 6443, as `kubectl get endpoints kubernetes`
shows on a kind cluster."""

from __future__ import annotations

import pytest

from kubesvc.api.nodes import make_node
from kubesvc.controllers.apiserver_endpoints import api_server_addresses, desired_slice

NOW = "2026-01-01T00:00:00Z"


def node(name: str, ip: str, role: str) -> dict:
    return make_node(name, ip, "10.244.0.0/24", role, NOW)


@pytest.mark.parametrize(("nodes", "expected"), [
    pytest.param([], [], id="no-nodes-no-api-server"),
    pytest.param([node("w", "172.18.0.3", "worker")], [], id="workers-only"),
    pytest.param([node("cp", "172.18.0.2", "control-plane"), node("w", "172.18.0.3", "worker")],
                 ["172.18.0.2"], id="kind-one-control-plane"),
    pytest.param([node("cp2", "172.18.0.4", "control-plane"),
                  node("cp", "172.18.0.2", "control-plane")],
                 ["172.18.0.2", "172.18.0.4"], id="ha-control-planes-sorted"),
])
def test_api_server_addresses(nodes, expected):
    assert api_server_addresses(nodes) == expected


def test_the_slice_is_named_for_the_service_without_a_controller():
    eps = desired_slice(["172.18.0.2"])
    assert eps["metadata"]["labels"] == {"kubernetes.io/service-name": "kubernetes"}
    assert eps["ports"] == [{"name": "https", "port": 6443, "protocol": "TCP"}]


def test_kubernetes_service_reaches_the_control_plane(cli):
    cli.ok("cluster", "init", "--nodes", "2")
    assert "172.18.0.2:6443" in cli.ok("get", "endpoints", "kubernetes")
    result = cli("resolve", "svc/kubernetes", "-o", "json")
    assert result.code == 0, result.out
    assert "172.18.0.2" in result.out
    cli.ok("delete", "node", "kind-control-plane")
    assert cli("get", "endpoints", "kubernetes").code == 1  # no API server address left
    assert cli("get", "endpointslice", "kubernetes").code == 1
