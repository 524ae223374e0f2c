"""The Namespace strategy (pkg/registry/core/namespace/strategy.go, v1 defaults)."""

from __future__ import annotations

from kubesvc.api.errors import FORBIDDEN, StatusError

# plugin/pkg/admission/namespace/lifecycle (immortalNamespaces): the API server refuses to
# delete these, whatever the client asks
IMMORTAL_NAMESPACES = ("default", "kube-public", "kube-system")


def create(ctx, ns: dict, keep_status: bool) -> None:
    name = ns["metadata"]["name"]
    # the NamespaceDefaultLabelName feature: every namespace carries its own name as a label
    ns["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = name
    ns.setdefault("spec", {})["finalizers"] = ["kubernetes"]
    if not keep_status:
        ns["status"] = {"phase": "Active"}


def update(ctx, new: dict, old: dict, keep_status: bool) -> None:
    new["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = \
        new["metadata"]["name"]
    new["spec"] = old.get("spec") or {"finalizers": ["kubernetes"]}  # finalizers: own subresource
    if not keep_status:
        new["status"] = old.get("status") or {"phase": "Active"}


def delete(ctx, ns: dict) -> None:
    """Called before the namespace's contents go (registry.delete)."""
    name = ns["metadata"]["name"]
    if name in IMMORTAL_NAMESPACES:
        raise StatusError(FORBIDDEN, f'namespaces "{name}" is forbidden: this namespace may '
                                     "not be deleted", 403)


def namespace_object(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


# kubeadm's four, and metallb-system: kubesvc models a cluster with MetalLB installed
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system",
                     "metallb-system")
