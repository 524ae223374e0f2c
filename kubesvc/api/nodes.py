"""Node objects as a kind node's kubelet registers them: labels, taints, capacity, addresses
and status (what `kubectl get node -o yaml` shows on a kind cluster), and the InternalIP every
component reads. Pure data: the kind config reader (bootstrap/kind.py), the node IPAM step of
the API server and the scheduler and kubelets all build or read nodes through this module."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from datetime import datetime

from kubesvc.api.objects import ts

KUBE_VERSION = "v1.37.0"
CONTAINER_RUNTIME = "containerd://2.2.0"
NODE_NETWORK = "172.18.0.0/16"  # the `kind` docker network
DEFAULT_POD_SUBNET = "10.244.0.0/16"
NODE_CIDR_MASK = 24  # kube-controller-manager --node-cidr-mask-size for IPv4
CONTROL_PLANE, WORKER = "control-plane", "worker"
CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
# A kind node on a typical laptop; kind reserves nothing, so allocatable == capacity.
CAPACITY = {"cpu": "8", "ephemeral-storage": "102625208Ki", "hugepages-1Gi": "0",
            "hugepages-2Mi": "0", "memory": "16318420Ki", "pods": "110"}
NO_CNI_MESSAGE = ("container runtime network not ready: NetworkReady=false "
                  "reason:NetworkPluginNotReady message:Network plugin returns error: "
                  "cni plugin not initialized")


def make_node(name: str, internal_ip: str, pod_cidr: str, role: str, now: datetime | str, *,
              labels: Mapping | None = None, cluster: str = "kind", ready: bool = True,
              tainted: bool | None = None, kubelet_version: str = KUBE_VERSION) -> dict:
    """A registered kind node as `kubectl get node -o yaml` shows it, Ready unless told not.
    `tainted` defaults to "control planes are tainted"."""
    if tainted is None:
        tainted = role == CONTROL_PLANE
    spec = {"podCIDR": pod_cidr, "podCIDRs": [pod_cidr],
            "providerID": f"kind://docker/{cluster}/{name}"}
    taints = ([dict(CONTROL_PLANE_TAINT)] if tainted else []) + _not_ready_taints(ready, now)
    if taints:
        spec["taints"] = taints
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "creationTimestamp": ts(now),
                     "labels": _node_labels(name, role, labels),
                     "annotations": {
                         "kubeadm.alpha.kubernetes.io/cri-socket":
                             "unix:///run/containerd/containerd.sock",
                         "node.alpha.kubernetes.io/ttl": "0",
                         "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
        "spec": spec,
        "status": _node_status(name, internal_ip, now, ready, kubelet_version),
    }


def node_internal_ip(node: Mapping) -> str | None:
    for addr in (node.get("status") or {}).get("addresses") or []:
        if addr.get("type") == "InternalIP":
            return addr.get("address")
    return None


def _node_labels(name: str, role: str, extra: Mapping | None) -> dict:
    labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
              "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name,
              "kubernetes.io/os": "linux"}
    if role == CONTROL_PLANE:  # kubeadm marks control planes; kind workers have no role label
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    labels.update({str(k): str(v) for k, v in (extra or {}).items()})
    return labels


def _not_ready_taints(ready: bool, now) -> list[dict]:
    """The kubelet registers with not-ready:NoSchedule; the node lifecycle controller adds the
    NoExecute twin (with timeAdded) while Ready is not True."""
    if ready:
        return []
    return [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"},
            {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute", "timeAdded": ts(now)}]


def _node_conditions(now, ready: bool) -> list[dict]:
    t = ts(now)
    rows = [("MemoryPressure", "False", "KubeletHasSufficientMemory",
             "kubelet has sufficient memory available"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID",
             "kubelet has sufficient PID available"),
            ("Ready", "True", "KubeletReady", "kubelet is posting ready status")
            if ready else ("Ready", "False", "KubeletNotReady", NO_CNI_MESSAGE)]
    return [{"type": c, "status": s, "reason": r, "message": m,
             "lastHeartbeatTime": t, "lastTransitionTime": t} for c, s, r, m in rows]


def _hex(name: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}/{name}".encode()).hexdigest()


def _node_status(name: str, ip: str, now, ready: bool, kubelet_version: str) -> dict:
    return {
        "addresses": [{"type": "InternalIP", "address": ip},
                      {"type": "Hostname", "address": name}],
        "allocatable": dict(CAPACITY), "capacity": dict(CAPACITY),
        "conditions": _node_conditions(now, ready),
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "features": {"supplementalGroupsPolicy": True},
        "nodeInfo": {
            "architecture": "amd64", "bootID": str(uuid.UUID(_hex(name, "boot")[:32])),
            "containerRuntimeVersion": CONTAINER_RUNTIME, "kernelVersion": "6.8.0-60-generic",
            "kubeletVersion": kubelet_version, "machineID": _hex(name, "machine")[:32],
            "operatingSystem": "linux", "osImage": "Debian GNU/Linux 12 (bookworm)",
            "systemUUID": str(uuid.UUID(_hex(name, "system")[:32]))},
        "runtimeHandlers": [
            {"name": "", "features": {"recursiveReadOnlyMounts": True, "userNamespaces": True}},
            {"name": "runc",
             "features": {"recursiveReadOnlyMounts": True, "userNamespaces": True}}],
    }
