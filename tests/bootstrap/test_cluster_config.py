"""Nodes from kind cluster configs and from `cluster init --nodes N`."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from kubesvc.api.errors import ClientError
from kubesvc.api.nodes import KUBE_VERSION, make_node, node_internal_ip
from kubesvc.bootstrap.kind import default_nodes, nodes_from_kind_config

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
API = "kind.x-k8s.io/v1alpha4"
CP_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


def cfg(*roles, **extra):
    out = {"kind": "Cluster", "apiVersion": API, **extra}
    if roles:
        out["nodes"] = [{"role": r} for r in roles]
    return out


def config_id(value) -> str | None:
    """A kind config named by what differs from the default: kind, roles, name, networking."""
    if isinstance(value, list) and not all(isinstance(v, tuple) for v in value):
        return "not-a-mapping"
    if not isinstance(value, dict):
        return f"{len(value)}-nodes" if isinstance(value, list) else None
    parts = [] if value.get("kind") == "Cluster" else [f"kind {value.get('kind')}"]
    if value.get("apiVersion") != API:
        parts.append(str(value.get("apiVersion")))
    roles = [n.get("role", "no-role") for n in value.get("nodes", [])]
    if roles:
        parts.append("+".join(roles))
    if "name" in value:
        parts.append(f"name={value['name']}")
    parts += [f"{k}={v}" for k, v in (value.get("networking") or {}).items()]
    text = " ".join(parts) or "default"
    return text if len(text) <= 36 else text[:33] + "..."


def summary(nodes):
    return [(n["metadata"]["name"], node_internal_ip(n), n["spec"]["podCIDR"],
             bool(n["spec"].get("taints"))) for n in nodes]


@pytest.mark.parametrize("config, expected", [
    # kind's default: one control plane, which kind untaints because it is alone
    (cfg(), [("kind-control-plane", "172.18.0.2", "10.244.0.0/24", False)]),
    (cfg("control-plane"), [("kind-control-plane", "172.18.0.2", "10.244.0.0/24", False)]),
    (cfg("control-plane", "worker", "worker"), [
        ("kind-control-plane", "172.18.0.2", "10.244.0.0/24", True),
        ("kind-worker", "172.18.0.3", "10.244.1.0/24", False),
        ("kind-worker2", "172.18.0.4", "10.244.2.0/24", False)]),
    # per-role counters in config order; control planes register first
    (cfg("worker", "control-plane", "worker", "control-plane"), [
        ("kind-control-plane", "172.18.0.2", "10.244.0.0/24", True),
        ("kind-control-plane2", "172.18.0.3", "10.244.1.0/24", True),
        ("kind-worker", "172.18.0.4", "10.244.2.0/24", False),
        ("kind-worker2", "172.18.0.5", "10.244.3.0/24", False)]),
    (cfg("control-plane", "worker", name="dev", networking={"podSubnet": "10.100.0.0/16"}), [
        ("dev-control-plane", "172.18.0.2", "10.100.0.0/24", True),
        ("dev-worker", "172.18.0.3", "10.100.1.0/24", False)]),
    # role defaults to control-plane (SetDefaultsNode)
    ({"kind": "Cluster", "apiVersion": API, "nodes": [{}, {"role": "worker"}]}, [
        ("kind-control-plane", "172.18.0.2", "10.244.0.0/24", True),
        ("kind-worker", "172.18.0.3", "10.244.1.0/24", False)]),
], ids=config_id)
def test_kind_config_nodes(config, expected):
    nodes, _ = nodes_from_kind_config(config, NOW)
    assert summary(nodes) == expected


@pytest.mark.parametrize("config, key, value", [
    (cfg(), "serviceCIDR", "10.96.0.0/16"),
    (cfg(), "podCIDR", "10.244.0.0/16"),
    (cfg(), "clusterName", "kind"),
    (cfg(), "kubeProxyMode", "iptables"),
    (cfg(), "apiServerAddress", "127.0.0.1"),
    (cfg(name="dev"), "clusterName", "dev"),
    (cfg(networking={"serviceSubnet": "10.200.0.0/16"}), "serviceCIDR", "10.200.0.0/16"),
    (cfg(networking={"kubeProxyMode": "ipvs"}), "kubeProxyMode", "ipvs"),
    pytest.param(cfg("control-plane", "control-plane", "worker"), "loadBalancer",
                 {"name": "kind-external-load-balancer", "ip": "172.18.0.5"},
                 id="two-control-planes-loadBalancer"),
], ids=config_id)
def test_kind_config_settings(config, key, value):
    _, settings = nodes_from_kind_config(config, NOW)
    assert settings[key] == value


def test_single_control_plane_has_no_load_balancer():
    _, settings = nodes_from_kind_config(cfg("control-plane", "worker"), NOW)
    assert "loadBalancer" not in settings


@pytest.mark.parametrize("config, message", [
    ({"kind": "Config", "apiVersion": API}, 'unknown kind "Config"'),
    ({"kind": "Cluster", "apiVersion": "kind.x-k8s.io/v1alpha3"}, "unknown apiVersion"),
    (cfg("master"), '"master" is not a valid node role'),
    (cfg("worker"), "must have at least one control-plane node"),
    (cfg(networking={"ipFamily": "ipv6"}), "single-stack IPv4"),
    (cfg(networking={"podSubnet": "not-a-cidr"}), 'invalid networking.podSubnet "not-a-cidr"'),
    (cfg(networking={"serviceSubnet": "fd00::/108"}), "single-stack IPv4"),
    (cfg("control-plane", "worker", "worker", networking={"podSubnet": "10.0.0.0/23"}),
     "has no /24 left for 3 nodes"),
    (["not", "a", "mapping"], "expected a mapping"),
], ids=config_id)
def test_kind_config_errors(config, message):
    with pytest.raises(ClientError, match=message.replace("(", r"\(")):
        nodes_from_kind_config(config, NOW)


def test_config_labels_are_added():
    config = cfg()
    config["nodes"] = [{"role": "control-plane"},
                       {"role": "worker", "labels": {"tier": "frontend", "gpu": "true"}}]
    nodes, _ = nodes_from_kind_config(config, NOW)
    assert nodes[1]["metadata"]["labels"]["tier"] == "frontend"
    assert nodes[1]["metadata"]["labels"]["gpu"] == "true"
    assert "tier" not in nodes[0]["metadata"]["labels"]


@pytest.mark.parametrize("change, message", [
    # kind decodes v1alpha4 strictly (sigs.k8s.io/yaml): a wrong type or unknown field is an error
    ({"nodes": "abc"}, 'kind config: nodes: expected a list, got the string "abc"'),
    ({"nodes": ["worker"]}, 'kind config: nodes[0]: expected a mapping, got the string "worker"'),
    ({"networking": "x"}, 'kind config: networking: expected a mapping, got the string "x"'),
    ({"nodes": [{"role": "control-plane", "labels": {"gpu": True}}]},
     "kind config: nodes[0].labels: gpu: labels are strings (quote numbers and booleans)"),
    ({"nodes": [{"role": "control-plane", "image": 5}]},
     "kind config: nodes[0].image: expected a string, got the number 5"),
    ({"networking": {"podSubnet": 5}},
     "kind config: networking.podSubnet: expected a string, got the number 5"),
    ({"networking": {"apiServerPort": True}},
     "kind config: networking.apiServerPort: expected a number, got the boolean true"),
    ({"networking": {"disableDefaultCNI": "x"}},
     'kind config: networking.disableDefaultCNI: expected true or false, got the string "x"'),
    ({"bogus": 1}, 'kind config: bogus: unknown field "bogus"'),
    # kind's validNameRE
    ({"name": "Bad_Name"}, "kind config: 'Bad_Name' is not a valid cluster name, cluster names "
                           "must match `^[a-z0-9.-]+$`"),
], ids=lambda v: str(v)[:30] if isinstance(v, dict) else None)
def test_malformed_config_is_a_validation_message(change, message):
    with pytest.raises(ClientError) as err:
        nodes_from_kind_config({**cfg(), **change}, NOW)
    assert err.value.message == message


def test_node_image_sets_kubelet_version():
    config = cfg()
    config["nodes"] = [{"role": "control-plane", "image": "kindest/node:v1.31.2@sha256:abc"},
                       {"role": "worker", "image": "localhost:5000/node"}]
    nodes, _ = nodes_from_kind_config(config, NOW)
    versions = [n["status"]["nodeInfo"]["kubeletVersion"] for n in nodes]
    assert versions == ["v1.31.2", KUBE_VERSION]


def test_disable_default_cni_leaves_nodes_not_ready():
    nodes, _ = nodes_from_kind_config(cfg(networking={"disableDefaultCNI": True}), NOW)
    ready = next(c for c in nodes[0]["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False" and ready["reason"] == "KubeletNotReady"
    assert "cni plugin not initialized" in ready["message"]
    assert {(t["key"], t["effect"]) for t in nodes[0]["spec"]["taints"]} == {
        ("node.kubernetes.io/not-ready", "NoSchedule"),
        ("node.kubernetes.io/not-ready", "NoExecute")}


@pytest.mark.parametrize("count, names", [
    (1, ["kind-control-plane"]),
    (3, ["kind-control-plane", "kind-worker", "kind-worker2"]),
])
def test_default_nodes_are_laid_out_as_kind_does(count, names):
    nodes = default_nodes(count, NOW)
    assert [n["metadata"]["name"] for n in nodes] == names
    # kubeadm taints the control plane; kind's kubeadminit action removes the taint only for a
    # single-node cluster
    taints = [[t["key"] for t in n["spec"].get("taints") or []] for n in nodes]
    assert taints == ([[]] if count == 1 else
                      [["node-role.kubernetes.io/control-plane"]] + [[]] * (count - 1))
    assert [node_internal_ip(n) for n in nodes] == [f"172.18.0.{i + 2}" for i in range(count)]
    assert [n["spec"]["podCIDR"] for n in nodes] == [f"10.244.{i}.0/24" for i in range(count)]


@pytest.mark.parametrize("count", [0, -1], ids=lambda n: f"{n}-nodes")
def test_default_nodes_needs_one(count):
    with pytest.raises(ClientError, match="at least 1"):
        default_nodes(count, NOW)


def test_control_plane_node_shape():
    node = make_node("kind-control-plane", "172.18.0.2", "10.244.0.0/24", "control-plane", NOW)
    assert node["apiVersion"] == "v1" and node["kind"] == "Node"
    assert node["metadata"]["labels"] == {
        "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": "kind-control-plane",
        "kubernetes.io/os": "linux", "node-role.kubernetes.io/control-plane": "",
        "node.kubernetes.io/exclude-from-external-load-balancers": ""}
    assert node["spec"]["taints"] == [CP_TAINT]
    assert node["spec"]["podCIDRs"] == ["10.244.0.0/24"]
    assert node["spec"]["providerID"] == "kind://docker/kind/kind-control-plane"
    assert node["status"]["addresses"] == [
        {"type": "InternalIP", "address": "172.18.0.2"},
        {"type": "Hostname", "address": "kind-control-plane"}]
    assert [c["type"] for c in node["status"]["conditions"]] == [
        "MemoryPressure", "DiskPressure", "PIDPressure", "Ready"]
    assert node["status"]["conditions"][-1]["status"] == "True"
    assert node["status"]["nodeInfo"]["kubeletVersion"].startswith("v1.37.")
    assert node["status"]["allocatable"]["pods"] == "110"
    assert node["status"]["capacity"] == node["status"]["allocatable"]
    assert node["metadata"]["creationTimestamp"] == "2025-03-01T12:00:00Z"


def test_worker_node_has_no_role_label_and_no_taint():
    node = make_node("kind-worker", "172.18.0.3", "10.244.1.0/24", "worker", NOW)
    assert not any(k.startswith("node-role.kubernetes.io/") for k in node["metadata"]["labels"])
    assert "taints" not in node["spec"]


def test_nodes_differ_in_their_machine_ids():
    a = make_node("a", "172.18.0.2", "10.244.0.0/24", "worker", NOW)["status"]["nodeInfo"]
    b = make_node("b", "172.18.0.3", "10.244.1.0/24", "worker", NOW)["status"]["nodeInfo"]
    assert a["machineID"] != b["machineID"] and a["systemUUID"] != b["systemUUID"]


def test_same_config_same_nodes():
    config = cfg("control-plane", "worker", "worker")
    first = nodes_from_kind_config(copy.deepcopy(config), NOW)
    assert nodes_from_kind_config(copy.deepcopy(config), NOW) == first
    assert default_nodes(3, NOW) == default_nodes(3, NOW)


def test_now_as_string_is_accepted():
    nodes = default_nodes(1, "2025-03-01T12:00:00Z")
    assert nodes == default_nodes(1, NOW)
