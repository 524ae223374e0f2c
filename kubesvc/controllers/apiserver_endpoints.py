"""The API server's endpoint reconciler (pkg/controlplane/reconcilers/lease.go): the
selectorless `default/kubernetes` Service gets an Endpoints and an EndpointSlice of its own,
listing every control-plane node's address at the API server's secure port, as
`kubectl get endpoints kubernetes` shows on a kind cluster (`172.18.0.2:6443`). A cluster
without a control-plane node has no API server address to list, and none is written."""

from __future__ import annotations

from kubesvc.api.nodes import node_internal_ip
from kubesvc.apiserver.context import ApiContext
from kubesvc.controllers.writer import apply_owned, remove

SECURE_PORT = 6443  # kube-apiserver --secure-port on kubeadm and kind
CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"
PORT = {"name": "https", "port": SECURE_PORT, "protocol": "TCP"}


def desired_endpoints(addresses: list[str]) -> dict:
    return {"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [{"addresses": [{"ip": ip} for ip in addresses], "ports": [PORT]}]}


def desired_slice(addresses: list[str]) -> dict:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": "kubernetes"}},
            "endpoints": [{"addresses": [ip], "conditions": {"ready": True}}
                          for ip in addresses],
            "ports": [PORT]}


def api_server_addresses(nodes: list[dict]) -> list[str]:
    """The control-plane nodes' InternalIPs, sorted as the reconciler sorts them."""
    found = (node_internal_ip(n) for n in nodes
             if CONTROL_PLANE_LABEL in ((n.get("metadata") or {}).get("labels") or {}))
    return sorted(ip for ip in found if ip)


def sync_api_server_endpoints(ctx: ApiContext, changes) -> None:
    """After a Node or the kubernetes Service changed: the endpoints follow the control plane."""
    if not any(c.gk == "Node" or (c.gk == "Service" and c.namespace == "default"
                                 and c.name == "kubernetes") for c in changes):
        return
    store = ctx.store
    addresses = (api_server_addresses(store.list("Node"))
                 if store.get("Service", "default", "kubernetes") is not None else [])
    for gk, build in (("Endpoints", desired_endpoints),
                      ("EndpointSlice.discovery.k8s.io", desired_slice)):
        current = store.get(gk, "default", "kubernetes")
        if addresses:
            apply_owned(ctx, gk, build(addresses), current)
        elif current is not None:
            remove(ctx, gk, current)
