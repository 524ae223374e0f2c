"""Strategies for Pods, Nodes and the workload kinds: the API server's defaulting on create
and update, and what deleting them does to what depends on them."""

from __future__ import annotations

import ipaddress
import socket

from kubesvc.api import defaults as d
from kubesvc.api.errors import InvalidError, invalid, required
from kubesvc.api.objects import clone
from kubesvc.api.qos import qos_class
from kubesvc.api.selectors import from_label_selector
from kubesvc.apiserver.node_ipam import complete_node
from kubesvc.apiserver.validation.ip_addresses import cidr
from kubesvc.store.db import object_key


class _Defaulted:
    """Workload kinds: defaulted on every write; status only through controllers."""

    def __init__(self, default_fn):
        self.default = default_fn

    def create(self, ctx, obj: dict, keep_status: bool) -> None:
        validate_replicas(obj)
        obj.update(self.default(obj))
        if not keep_status:
            obj.pop("status", None)

    def update(self, ctx, new: dict, old: dict, keep_status: bool) -> None:
        validate_replicas(new)
        new.update(self.default(new))
        if not keep_status:
            new["status"] = clone(old.get("status") or {})
            if not new["status"]:
                new.pop("status")

    def delete(self, ctx, obj: dict) -> None:
        """Garbage collection happens in the controllers' pass (owner references)."""


def validate_replicas(obj: dict) -> None:
    """The apps validation kubesvc needs to refuse what a real API server refuses: replicas not
    negative (ValidateNonnegativeField), a selector, and template labels it selects."""

    spec, errors = obj.get("spec") or {}, []
    replicas = spec.get("replicas")
    if isinstance(replicas, int) and replicas < 0:
        errors.append(invalid("spec.replicas", replicas, "must be greater than or equal to 0"))
    template_spec = ((spec.get("template") or {}).get("spec")) or {}
    errors += container_errors(template_spec, "spec.template.spec")
    if obj.get("kind") != "ReplicationController":  # an RC defaults its selector
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        if not spec.get("selector"):
            errors.append(required("spec.selector"))
        elif not from_label_selector(spec["selector"]).matches(labels):
            errors.append(invalid("spec.template.metadata.labels", labels,
                                  "`selector` does not match template `labels`"))
    if errors:
        raise InvalidError(obj.get("kind", ""), obj["metadata"].get("name", ""), errors)


deployment = _Defaulted(d.default_deployment)
replicaset = _Defaulted(d.default_replicaset)
replicationcontroller = _Defaulted(d.default_replication_controller)
statefulset = _Defaulted(d.default_statefulset)
daemonset = _Defaulted(d.default_daemonset)


def validate_pod(pod: dict) -> None:
    """ValidatePodSpec's first rules: a pod runs at least one container, each named and with
    an image."""
    errors = container_errors(pod.get("spec") or {}, "spec")
    if errors:
        raise InvalidError("Pod", pod["metadata"].get("name", ""), errors)


def container_errors(spec: dict, path: str) -> list:
    """validateContainers (pkg/apis/core/validation): the required fields the API server
    itself checks (the OpenAPI schema's `required` lists are not its rules)."""
    containers = spec.get("containers")
    if not containers:
        return [required(f"{path}.containers")]
    for container in containers:  # the usual case, every container named and with an image:
        if type(container) is not dict or not container.get("name") or \
                not container.get("image"):  # no error to build
            break
    else:
        return []
    errors = []
    for i, container in enumerate(c if isinstance(c, dict) else {} for c in containers):
        errors += [required(f"{path}.containers[{i}].{field}") for field in ("name", "image")
                   if not container.get(field)]
    return errors


class _Pod:
    def create(self, ctx, pod: dict, keep_status: bool) -> None:
        self.prepare(ctx, pod, keep_status)
        self.commit(ctx, pod)

    def prepare(self, ctx, pod: dict, keep_status: bool) -> bool:
        """create's part that reads no state (registry.prepare runs it ahead): every pod."""
        validate_pod(pod)
        # a restored pod went through the live cluster's admission plugins already
        source = pod if ctx.restoring else d.admit_pod(pod)
        if source is not pod:
            pod.update(source)
        # a restored pod is the import's own fresh copy (kubectl/restore.py): defaulted in place
        pod.update(_defaulted(source, copy=not ctx.restoring))
        if not keep_status:  # PrepareForCreate: the kubelet owns status
            pod["status"] = {"phase": "Pending", "qosClass": _qos(pod)}
        return True

    def commit(self, ctx, pod: dict) -> None:
        hold_pod_ip(ctx, pod)

    def update(self, ctx, new: dict, old: dict, keep_status: bool) -> None:
        new.update(_defaulted(new))
        if not keep_status:
            new["status"] = clone(old.get("status") or {})
        hold_pod_ip(ctx, new)

    def delete(self, ctx, pod: dict) -> None:
        """The pod's IP is released with the object (allocations are owned by it)."""


def _defaulted(pod: dict, copy: bool = True) -> dict:
    """The defaulted spec and status of a pod (the command's own object): default_pod copies
    what it is given, and only these two change, so the metadata is not copied for nothing.
    `copy=False`: the pod is the caller's private copy, defaulted in place."""
    return d.default_pod({k: pod[k] for k in ("spec", "status") if k in pod}, copy)


def _qos(pod: dict) -> str:
    return qos_class(pod.get("spec") or {})


def hold_pod_ip(ctx, pod: dict) -> None:
    """Record a pod IP (given by a snapshot, or assigned) so no other pod is handed it."""
    status, spec = pod.get("status") or {}, pod.get("spec") or {}
    ip = status.get("podIP")
    if not ip or spec.get("hostNetwork"):
        return
    try:
        value = _ip_value(ip)
    except ValueError:
        return
    meta = pod["metadata"]
    ctx.store.hold("podip", value, object_key("Pod", meta.get("namespace", ""), meta["name"]))


def _ip_value(ip) -> int:
    """int(ipaddress.ip_address(ip)), an IPv4 text ~10x faster (inet_pton refuses exactly
    what ip_address refuses in dotted IPv4: leading zeros, short forms, spaces)."""
    if type(ip) is str:
        try:
            return int.from_bytes(socket.inet_pton(socket.AF_INET, ip), "big")
        except (OSError, ValueError):
            pass
    return int(ipaddress.ip_address(ip))


def validate_node_spec(node: dict) -> None:
    """ValidateNode's pod CIDR rules (pkg/apis/core/validation): each a valid CIDR, and
    podCIDR equal to podCIDRs[0]."""

    spec = node.get("spec") or {}
    cidrs = spec.get("podCIDRs") or ([spec["podCIDR"]] if spec.get("podCIDR") else [])
    errors = [invalid(f"spec.podCIDRs[{i}]", value, msg)
              for i, value in enumerate(cidrs) for msg in cidr(str(value), strict=False)]
    if spec.get("podCIDR") and cidrs and spec["podCIDR"] != cidrs[0]:
        errors.append(invalid("spec.podCIDRs", cidrs, "first entry must match podCIDR"))
    if errors:
        raise InvalidError("Node", node["metadata"].get("name", ""), errors)


class _Node:
    def create(self, ctx, node: dict, keep_status: bool) -> None:
        validate_node_spec(node)
        complete_node(ctx, node)

    def update(self, ctx, new: dict, old: dict, keep_status: bool) -> None:
        validate_node_spec(new)
        if not keep_status:
            new["status"] = clone(old.get("status") or {})
        spec, old_spec = new.setdefault("spec", {}), old.get("spec") or {}
        for field in ("podCIDR", "podCIDRs", "providerID"):  # set once, by the node IPAM
            if field in old_spec and field not in spec:
                spec[field] = old_spec[field]

    def delete(self, ctx, node: dict) -> None:
        """The node's pod CIDR and IP go back to their pools; its pods are the pod garbage
        collector's (controllers/podgc.py)."""
        ctx.store.release(object_key("Node", "", node["metadata"]["name"]))


pod = _Pod()
node = _Node()
