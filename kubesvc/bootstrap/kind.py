"""Nodes of a kind cluster: from a `kind: Cluster` config, or from `cluster init --nodes N`.

Conventions follow kubernetes-sigs/kind (pkg/apis/config/v1alpha4 types.go and default.go,
pkg/cluster/internal/providers/common `MakeNodeNamer`) and what its clusters show:
- node names `<cluster>-control-plane`, `<cluster>-control-plane2`, `<cluster>-worker`,
  `<cluster>-worker2` ... (per-role counters, in config order);
- nodes sit on the docker network `kind` (172.18.0.0/16, gateway .1) from 172.18.0.2 on;
- the controller-manager cuts podSubnet (default 10.244.0.0/16) into /24s
  (--node-cidr-mask-size) in the order nodes register: control planes, then workers;
- kubeadm taints control planes `node-role.kubernetes.io/control-plane:NoSchedule`, which kind
  removes when the cluster is a single node (kubeadminit action).
Where docker or registration order is racy upstream, kubesvc takes config order.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from datetime import datetime

from kubesvc.api.errors import ClientError
from kubesvc.api.nodes import (
    CONTROL_PLANE,
    DEFAULT_POD_SUBNET,
    KUBE_VERSION,
    NODE_CIDR_MASK,
    NODE_NETWORK,
    WORKER,
    make_node,
)

KIND_API_VERSION = "kind.x-k8s.io/v1alpha4"
DEFAULT_SERVICE_SUBNET = "10.96.0.0/16"  # kind's default (kubeadm's would be a /12)


def nodes_from_kind_config(cfg: Mapping, now: datetime | str) -> tuple[list[dict], dict]:
    """The Node objects a `kind create cluster --config` would register, and its settings:
    clusterName, podCIDR, serviceCIDR, ipFamily, kubeProxyMode, apiServerAddress, nodeCIDR,
    and loadBalancer (name and IP of kind's haproxy when there are several control planes)."""
    _check_header(cfg)
    _check_fields(cfg)
    cluster = cfg.get("name") or "kind"
    specs = [dict(n or {}) for n in (cfg.get("nodes") or [{"role": CONTROL_PLANE}])]
    for spec in specs:
        spec.setdefault("role", CONTROL_PLANE)  # SetDefaultsNode
    _check_roles(specs)
    net = cfg.get("networking") or {}
    pod_subnet, service_subnet = _subnets(net)
    ordered = _name_nodes(cluster, specs)
    ips = _node_ips(len(ordered) + (1 if _count(specs, CONTROL_PLANE) > 1 else 0))
    cidrs = _pod_cidrs(pod_subnet, len(ordered))
    single = len(ordered) == 1
    nodes = [
        make_node(name, ips[i], cidrs[i], spec["role"], now, labels=spec.get("labels"),
                  cluster=cluster, ready=not net.get("disableDefaultCNI"),
                  tainted=spec["role"] == CONTROL_PLANE and not single,
                  kubelet_version=_image_version(spec.get("image")))
        for i, (name, spec) in enumerate(ordered)
    ]
    settings = {"clusterName": cluster, "podCIDR": pod_subnet, "serviceCIDR": service_subnet,
                "ipFamily": net.get("ipFamily", "ipv4"),
                "kubeProxyMode": net.get("kubeProxyMode", "iptables"),
                "apiServerAddress": net.get("apiServerAddress", "127.0.0.1"),
                "nodeCIDR": NODE_NETWORK}
    if len(ips) > len(ordered):
        settings["loadBalancer"] = {"name": f"{cluster}-external-load-balancer", "ip": ips[-1]}
    return nodes, settings


def default_nodes(count: int, now: datetime | str, cluster: str = "kind") -> list[dict]:
    """`cluster init --nodes N`: the nodes of a kind cluster of 1 control plane and N-1
    workers (`kind-control-plane`, `kind-worker`, `kind-worker2`...), laid out as kind lays
    them: the control plane keeps kubeadm's NoSchedule taint when there are workers, and
    loses it only in a single-node cluster (kind's kubeadminit action)."""
    if count < 1:
        raise ClientError(f"--nodes must be at least 1, got {count}")
    specs = [{"role": CONTROL_PLANE}] + [{"role": WORKER} for _ in range(count - 1)]
    ordered = _name_nodes(cluster, specs)
    ips, cidrs = _node_ips(count), _pod_cidrs(DEFAULT_POD_SUBNET, count)
    return [make_node(name, ips[i], cidrs[i], spec["role"], now, cluster=cluster,
                      tainted=spec["role"] == CONTROL_PLANE and count > 1)
            for i, (name, spec) in enumerate(ordered)]






# -- config checks -------------------------------------------------------------------------------

def _check_header(cfg: Mapping) -> None:
    if not isinstance(cfg, Mapping):
        raise ClientError("kind config: expected a mapping")
    if cfg.get("kind") != "Cluster":
        raise ClientError(f'kind config: unknown kind "{cfg.get("kind", "")}", expected "Cluster"')
    if cfg.get("apiVersion") != KIND_API_VERSION:
        raise ClientError(f'kind config: unknown apiVersion "{cfg.get("apiVersion", "")}", '
                          f'expected "{KIND_API_VERSION}"')


# v1alpha4's Go types (kind decodes strictly: an unknown field or a wrong type is an error)
_LIST, _MAP = "a list", "a mapping"
CLUSTER_FIELDS = {"kind": str, "apiVersion": str, "name": str, "nodes": _LIST,
                  "networking": _MAP, "featureGates": _MAP, "runtimeConfig": _MAP,
                  "kubeadmConfigPatches": _LIST, "kubeadmConfigPatchesJSON6902": _LIST,
                  "containerdConfigPatches": _LIST, "containerdConfigPatchesJSON6902": _LIST}
NODE_FIELDS = {"role": str, "image": str, "labels": _MAP, "extraMounts": _LIST,
               "extraPortMappings": _LIST, "kubeadmConfigPatches": _LIST,
               "kubeadmConfigPatchesJSON6902": _LIST}
NETWORKING_FIELDS = {"ipFamily": str, "apiServerPort": int, "apiServerAddress": str,
                     "podSubnet": str, "serviceSubnet": str, "disableDefaultCNI": bool,
                     "kubeProxyMode": str, "dnsSearch": _LIST}
CLUSTER_NAME = re.compile(r"^[a-z0-9.-]+$")  # kind's validNameRE


def _check_fields(cfg: Mapping) -> None:
    """Every field of the right type, as kind's strict decoding demands; a message naming
    the field instead of a crash further on."""
    _check_mapping("", cfg, CLUSTER_FIELDS)
    if cfg.get("networking") is not None:
        _check_mapping("networking.", cfg["networking"], NETWORKING_FIELDS)
    for i, node in enumerate(cfg.get("nodes") or []):
        if not isinstance(node, Mapping):
            raise ClientError(f"kind config: nodes[{i}]: expected a mapping, got {_a(node)}")
        _check_mapping(f"nodes[{i}].", node, NODE_FIELDS)
        for key, value in (node.get("labels") or {}).items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise ClientError(f"kind config: nodes[{i}].labels: {key!s}: labels are "
                                  "strings (quote numbers and booleans)")
    name = cfg.get("name")
    if name is not None and not CLUSTER_NAME.match(name):
        raise ClientError(f"kind config: '{name}' is not a valid cluster name, cluster names "
                          f"must match `{CLUSTER_NAME.pattern}`")


def _check_mapping(prefix: str, value: object, fields: dict) -> None:
    if not isinstance(value, Mapping):
        raise ClientError(f"kind config: {prefix.rstrip('.')}: expected a mapping, got "
                          f"{_a(value)}")
    for key, item in value.items():
        want = fields.get(key)
        if want is None:
            raise ClientError(f'kind config: {prefix}{key}: unknown field "{key}"')
        if item is None:
            continue
        if not _has_type(item, want):
            shown = want if isinstance(want, str) else {str: "a string", int: "a number",
                                                        bool: "true or false"}[want]
            raise ClientError(f"kind config: {prefix}{key}: expected {shown}, got {_a(item)}")


def _has_type(value: object, want: type | str) -> bool:
    if want == _LIST:
        return isinstance(value, list)
    if want == _MAP:
        return isinstance(value, Mapping)
    assert isinstance(want, type)
    return isinstance(value, want) and (want is bool or not isinstance(value, bool))


def _a(value: object) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f'the string "{value}"'


def _check_roles(specs: list[dict]) -> None:
    for i, spec in enumerate(specs):
        if spec["role"] not in (CONTROL_PLANE, WORKER):
            raise ClientError(f'kind config: nodes[{i}]: "{spec["role"]}" is not a valid node '
                              f'role, expected "{CONTROL_PLANE}" or "{WORKER}"')
    if _count(specs, CONTROL_PLANE) < 1:
        raise ClientError("kind config: must have at least one control-plane node")


def _count(specs: list[dict], role: str) -> int:
    return sum(1 for s in specs if s["role"] == role)


def _subnets(net: Mapping) -> tuple[str, str]:
    if net.get("ipFamily", "ipv4") != "ipv4":
        raise ClientError(f'kind config: networking.ipFamily "{net["ipFamily"]}": kubesvc '
                          "models single-stack IPv4 clusters")
    out = []
    for key, default in (("podSubnet", DEFAULT_POD_SUBNET),
                         ("serviceSubnet", DEFAULT_SERVICE_SUBNET)):
        text = net.get(key) or default
        try:
            cidr = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ClientError(f'kind config: invalid networking.{key} "{text}"') from None
        if cidr.version != 4:
            raise ClientError(f'kind config: networking.{key} "{text}": kubesvc models '
                              "single-stack IPv4 clusters")
        out.append(str(cidr))
    return out[0], out[1]


def _image_version(image: str | None) -> str:
    """kindest/node:v1.31.2@sha256:... runs kubelet v1.31.2."""
    tag = (image or "").split("@")[0].rpartition(":")[2] if ":" in (image or "") else ""
    return tag if tag.startswith("v1.") else KUBE_VERSION


# -- naming and addressing -----------------------------------------------------------------------

def _name_nodes(cluster: str, specs: list[dict]) -> list[tuple[str, dict]]:
    """MakeNodeNamer names by role in config order; nodes register control planes first."""
    seen: dict[str, int] = {}
    named = []
    for spec in specs:
        seen[spec["role"]] = seen.get(spec["role"], 0) + 1
        n = seen[spec["role"]]
        named.append((f"{cluster}-{spec['role']}{n if n > 1 else ''}", spec))
    return ([x for x in named if x[1]["role"] == CONTROL_PLANE]
            + [x for x in named if x[1]["role"] != CONTROL_PLANE])


def _node_ips(count: int) -> list[str]:
    base = ipaddress.ip_network(NODE_NETWORK).network_address
    return [str(base + 2 + i) for i in range(count)]  # .1 is the docker bridge gateway


def _pod_cidrs(pod_subnet: str, count: int) -> list[str]:
    net = ipaddress.ip_network(pod_subnet)
    mask = max(NODE_CIDR_MASK, net.prefixlen)
    subnets = net.subnets(new_prefix=mask)
    out = []
    for _ in range(count):
        sub = next(subnets, None)
        if sub is None:
            raise ClientError(f'kind config: podSubnet "{pod_subnet}" has no /{mask} left '
                              f"for {count} nodes")
        out.append(str(sub))
    return out


# -- node object parts ---------------------------------------------------------------------------









