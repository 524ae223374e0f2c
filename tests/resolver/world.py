"""The small cluster the resolver tests run in: three kind nodes with fixed addresses (n1 in
zone a; n2, n3 in zone b), objects from tests/builders.py with the resolver tests' defaults
(pods labelled app=web with an http port on 8080, Services selecting app=web), and the
EndpointSlices the real controller makes for each Service."""

from __future__ import annotations

from kubesvc.controllers.endpoints import desired_endpoint_slices, service_selects
from kubesvc.resolver.corefile import kubeadm_corefile
from kubesvc.resolver.view import MemoryView
from tests import builders

NODE_IPS = {"n1": "172.18.0.2", "n2": "172.18.0.3", "n3": "172.18.0.4"}
ZONES = {"n1": "a", "n2": "b", "n3": "b"}


def node(name: str, labels: dict | None = None) -> dict:
    return builders.node(name, zone=ZONES.get(name, "a"), labels=labels,
                         internal_ip=NODE_IPS[name], pod_cidr=f"10.244.{int(name[1:]) - 1}.0/24")


def pod(name: str, ip: str | None, on: str | None, labels: dict | None = None, *,
        ns: str = "default", ready: bool = True, terminating: bool = False,
        ports=(("http", 8080, "TCP"),), phase: str = "Running", **spec) -> dict:
    return builders.pod(name, ip=ip, node=on, labels=labels, namespace=ns, ready=ready,
                        deleting=terminating, container_ports=ports, phase=phase,
                        container="c", uid=None, **spec)


def service(name: str, ip: str | None = "10.96.0.50", *, ns: str = "default",
            selector: dict | None = None, ports: list | None = None, **spec) -> dict:
    status = spec.pop("status", {"loadBalancer": {}})
    chosen = {"app": "web"} if selector is None else selector
    obj = builders.service(name, namespace=ns, selector=chosen or None,
                           ports=ports or [builders.service_port()], cluster_ip=None,
                           families=None, uid=None, **{"type": "ClusterIP", **spec})
    if ip is not None:
        obj["spec"].update(clusterIP=ip, clusterIPs=[ip])
    obj["status"] = status
    return obj


KUBEADM = "kubeadm"


def coredns_configmap(corefile: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "coredns", "namespace": "kube-system"},
            "data": {"Corefile": corefile}}


def cluster(*objs: dict, extra_slices: tuple = (), settings: dict | None = None,
            corefile: str | None = KUBEADM) -> MemoryView:
    """A view holding `objs`, plus the EndpointSlices the controller makes for each Service
    and the CoreDNS ConfigMap (kubeadm's Corefile by default, none with corefile=None)."""
    if corefile is not None:
        domain = (settings or {}).get("clusterDomain") or "cluster.local"
        text = kubeadm_corefile(domain) if corefile == KUBEADM else corefile
        objs = (*objs, coredns_configmap(text))
    nodes = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Node"}
    pods = [o for o in objs if o["kind"] == "Pod"]
    slices = []
    for svc in (o for o in objs if o["kind"] == "Service"):
        slices += desired_endpoint_slices(svc, [p for p in pods if service_selects(svc, p)],
                                          nodes)
    return MemoryView([*objs, *slices, *extra_slices], settings)
