"""What the control plane fills in for a Node that a manifest describes only in part: the
node IPAM controller's podCIDR (next free /24 of the pod subnet), and, for a Node with no
status, the status its kubelet would report (Ready, an InternalIP on the node network)."""

from __future__ import annotations

import ipaddress

from kubesvc.api.errors import InternalError
from kubesvc.api.nodes import (
    DEFAULT_POD_SUBNET,
    NODE_CIDR_MASK,
    NODE_NETWORK,
    make_node,
)
from kubesvc.store.db import object_key

POOL_POD_CIDR, POOL_NODE_IP = "podcidr", "nodeip"


def complete_node(ctx, node: dict) -> None:
    name = node["metadata"]["name"]
    owner = object_key("Node", "", name)
    spec = node.setdefault("spec", {})
    if not spec.get("podCIDR"):
        cidr = _next_pod_cidr(ctx, owner)
        spec["podCIDR"], spec["podCIDRs"] = cidr, [cidr]
    else:
        net = ipaddress.ip_network(spec["podCIDR"], strict=False)
        ctx.store.allocate(POOL_POD_CIDR, int(net.network_address), owner)
    if not node.get("status"):
        ip = _next_node_ip(ctx, owner)
        made = make_node(name, ip, spec["podCIDR"], _role(node), ctx.now, tainted=False)
        node["status"] = made["status"]
        labels = node["metadata"].setdefault("labels", {})
        for key, value in made["metadata"]["labels"].items():
            labels.setdefault(key, value)
    else:
        for addr in node["status"].get("addresses") or []:
            if addr.get("type") == "InternalIP":
                _hold(ctx, POOL_NODE_IP, addr.get("address"), owner)


def _role(node: dict) -> str:
    labels = node["metadata"].get("labels") or {}
    return "control-plane" if "node-role.kubernetes.io/control-plane" in labels else "worker"


def _next_pod_cidr(ctx, owner: str) -> str:
    subnet = ipaddress.ip_network(ctx.settings.get("podCIDR") or DEFAULT_POD_SUBNET)
    step = 1 << (32 - NODE_CIDR_MASK)
    first = int(subnet.network_address)
    count = subnet.num_addresses // step
    for i in range(count):  # at most 256 blocks for a /16: a short walk
        value = first + i * step
        if ctx.store.allocate(POOL_POD_CIDR, value, owner):
            return f"{ipaddress.ip_address(value)}/{NODE_CIDR_MASK}"
    raise InternalError("failed to allocate a pod CIDR for the node: the pod subnet is full")


def _next_node_ip(ctx, owner: str) -> str:
    net = ipaddress.ip_network(NODE_NETWORK)
    low, high = int(net.network_address) + 2, int(net.broadcast_address) - 1  # .1 is the gateway
    value = ctx.store.lowest_free(POOL_NODE_IP, low, high)
    if value is None or not ctx.store.allocate(POOL_NODE_IP, value, owner):
        raise InternalError("failed to allocate a node address: the node network is full")
    return str(ipaddress.ip_address(value))


def _hold(ctx, pool: str, ip: str | None, owner: str) -> None:
    try:
        ctx.store.allocate(pool, int(ipaddress.ip_address(ip)), owner)
    except (TypeError, ValueError):
        pass
