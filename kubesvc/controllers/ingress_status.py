"""ingress-nginx's status sync: an Ingress's `status.loadBalancer.ingress` (kubectl's ADDRESS)
says where the ingress controller that serves it is reachable.

The rule is ingress-nginx's `internal/ingress/status/status.go` (runningAddresses), read from
the controller's own command line:
1. `--publish-status-address=A[,B]`: those addresses (an IP, else a hostname). The kind
   provider's manifest passes `localhost`, so Ingresses on kind read `localhost`;
2. `--publish-service=NS/NAME`: that Service's addresses by type (statusAddressFromService):
   a LoadBalancer's status IPs or hostnames plus its externalIPs, a NodePort's externalIPs or
   else its cluster IP, a ClusterIP's cluster IP, an ExternalName's name;
3. otherwise the nodes of the controller's Running and Ready pods (GetNodeIPOrName: the node's
   ExternalIP, else its InternalIP; only the InternalIP with
   `--report-node-internal-ip-address`).
Addresses are sorted by hostname then IP (lessLoadBalancerIngress) and written only when they
differ. Which Ingresses a controller serves is its class matching (store.GetIngressClass):
`ingressClassName` naming an IngressClass whose `spec.controller` is the controller's
`--controller-class` (default `k8s.io/ingress-nginx`), else the `kubernetes.io/ingress.class`
annotation equal to `--ingress-class` (default `nginx`), else no class at all when
`--watch-ingress-without-class=true`. A controller is a Deployment or DaemonSet whose container
runs `/nginx-ingress-controller`. Ingresses no controller serves are left as they are.

`decide` is pure; `sync_ingress_status` wires it to the store after each command.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from kubesvc.api.objects import clone
from kubesvc.api.selectors import from_label_selector
from kubesvc.apiserver.validation.ip_addresses import parse_ip
from kubesvc.controllers.writer import apply_owned

INGRESS_GK = "Ingress.networking.k8s.io"
CLASS_GK = "IngressClass.networking.k8s.io"
BINARY = "/nginx-ingress-controller"
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
# what can change an address or which Ingresses a controller serves
RELEVANT = {INGRESS_GK, CLASS_GK, "Pod", "Service", "Node", "Deployment.apps",
            "DaemonSet.apps"}


class Controller(NamedTuple):
    """One ingress-nginx installation, as its flags configure it."""

    namespace: str
    selector: dict  # the workload's pod selector
    controller_class: str = "k8s.io/ingress-nginx"
    ingress_class: str = "nginx"
    watch_without_class: bool = False
    publish_service: str = ""
    publish_status_address: str = ""
    internal_ip: bool = False


def _flags(args: list[str]) -> dict[str, str]:
    """pflag forms `--name=value`, `--name value` and bare booleans."""
    flags: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = str(args[i])
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            if not eq and i + 1 < len(args) and not str(args[i + 1]).startswith("-") and \
                    name not in ("watch-ingress-without-class", "report-node-internal-ip-address"):
                value, i = str(args[i + 1]), i + 1
            elif not eq:
                value = "true"
            flags[name] = value
        i += 1
    return flags


def controller_of(workload: dict) -> Controller | None:
    """The ingress-nginx configuration of a Deployment/DaemonSet, or None when it runs none."""
    spec = workload.get("spec") or {}
    namespace = workload["metadata"].get("namespace", "")
    for container in ((spec.get("template") or {}).get("spec") or {}).get("containers") or []:
        argv = [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]
        if BINARY not in argv:
            continue
        flags = {k: v.replace("$(POD_NAMESPACE)", namespace)
                 for k, v in _flags(argv[argv.index(BINARY) + 1:]).items()}
        return Controller(
            namespace, spec.get("selector") or {},
            flags.get("controller-class", "k8s.io/ingress-nginx"),
            flags.get("ingress-class", "nginx"),
            flags.get("watch-ingress-without-class", "false") == "true",
            flags.get("publish-service", ""), flags.get("publish-status-address", ""),
            flags.get("report-node-internal-ip-address", "false") == "true")
    return None


def serves(ctl: Controller, ingress: dict, classes: dict[str, dict]) -> bool:
    """GetIngressClass: ingressClassName first, then the annotation, then no class."""
    name = (ingress.get("spec") or {}).get("ingressClassName")
    if name is not None:
        klass = classes.get(name)
        return klass is not None and \
            (klass.get("spec") or {}).get("controller") == ctl.controller_class
    annotation = ((ingress.get("metadata") or {}).get("annotations") or {}).get(CLASS_ANNOTATION)
    if annotation is not None:
        return annotation == ctl.ingress_class
    return ctl.watch_without_class


def _entry(name_or_ip: str) -> dict:
    """nameOrIPToLoadBalancerIngress."""
    return {"ip": name_or_ip} if parse_ip(name_or_ip) is not None else {"hostname": name_or_ip}


def _from_service(svc: dict | None) -> list[dict]:
    """statusAddressFromService."""
    if svc is None:
        return []
    spec = svc.get("spec") or {}
    kind, external = spec.get("type") or "ClusterIP", spec.get("externalIPs") or []
    if kind == "ExternalName":
        return [{"hostname": spec.get("externalName", "")}]
    if kind == "ClusterIP" or (kind == "NodePort" and not external):
        return [{"ip": spec.get("clusterIP", "")}]
    if kind == "NodePort":
        return [{"ip": ip} for ip in external]
    found = [{"ip": i["ip"]} if i.get("ip") else {"hostname": i.get("hostname", "")}
             for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []]
    for ip in external:
        if not any(ip in (e.get("ip"), e.get("hostname")) for e in found):
            found.append({"ip": ip})
    return found


def _node_address(node: dict | None, internal_only: bool) -> str:
    """GetNodeIPOrName."""
    addresses = ((node or {}).get("status") or {}).get("addresses") or []
    internal = next((a["address"] for a in addresses
                     if a.get("type") == "InternalIP" and a.get("address")), "")
    if internal_only:
        return internal
    return next((a["address"] for a in addresses
                 if a.get("type") == "ExternalIP" and a.get("address")), internal)


def _ready(pod: dict) -> bool:
    status = pod.get("status") or {}
    return status.get("phase") == "Running" and any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or [])


def running_addresses(ctl: Controller, pods: list[dict], nodes: dict[str, dict],
                      services: dict[str, dict]) -> list[dict]:
    """runningAddresses, then standardizeLoadBalancerIngresses' order."""
    if ctl.publish_status_address:
        found = [_entry(a.strip()) for a in ctl.publish_status_address.split(",")]
    elif ctl.publish_service:
        found = _from_service(services.get(ctl.publish_service))
    else:
        found, seen = [], set()
        for pod in pods:
            if not _ready(pod):
                continue
            name = _node_address(nodes.get((pod.get("spec") or {}).get("nodeName", "")),
                                 ctl.internal_ip)
            if name not in seen:
                seen.add(name)
                found.append(_entry(name) if name else {"hostname": ""})
    return sorted(found, key=lambda e: (e.get("hostname", ""), e.get("ip", "")))


def decide(ingresses: list[dict], controllers: list[tuple[Controller, list[dict]]],
           classes: dict[str, dict], nodes: dict[str, dict],
           services: dict[str, dict]) -> dict[str, list[dict]]:
    """The load-balancer entries each served Ingress should have, by `NS/NAME` (the first
    controller that serves an Ingress decides; two controllers of one class would fight)."""
    wanted: dict[str, list[dict]] = {}
    for ctl, pods in controllers:
        addresses = running_addresses(ctl, pods, nodes, services)
        for ing in ingresses:
            key = f"{ing['metadata'].get('namespace', '')}/{ing['metadata']['name']}"
            if key not in wanted and serves(ctl, ing, classes):
                wanted[key] = addresses
    return wanted


# -- wiring -----------------------------------------------------------------------------------

def _controllers(store) -> list[tuple[Controller, list[dict]]]:
    found = []
    for gk in ("Deployment.apps", "DaemonSet.apps"):
        # the raw JSON is searched first: most workloads are not ingress-nginx, and parsing
        # every Deployment of a large state after each command would dominate the pass
        for raw in store.list_raw(gk):
            if BINARY not in raw:
                continue
            ctl = controller_of(json.loads(raw))
            if ctl is None:
                continue
            selector = from_label_selector(ctl.selector)
            pods = store.list_by_labels("Pod", ctl.namespace, selector.equality_pairs())
            found.append((ctl, [p for p in pods
                                if selector.matches((p.get("metadata") or {}).get("labels"))]))
    return found


def sync_ingress_status(ctx, changes) -> None:
    if not {c.gk for c in changes} & RELEVANT:
        return
    store = ctx.store
    ingresses = store.list(INGRESS_GK)
    if not ingresses:
        return
    controllers = _controllers(store)
    if not controllers:
        return
    classes = {c["metadata"]["name"]: c for c in store.list(CLASS_GK)}
    nodes = {n["metadata"]["name"]: n for n in store.list("Node")}
    services = {}
    for ctl, _ in controllers:
        namespace, _, name = ctl.publish_service.partition("/")
        svc = store.get("Service", namespace, name) if name else None
        if svc is not None:
            services[ctl.publish_service] = svc
    wanted = decide(ingresses, controllers, classes, nodes, services)
    for ing in ingresses:
        meta = ing["metadata"]
        key = f"{meta.get('namespace', '')}/{meta['name']}"
        if key not in wanted or ctx.is_restored(INGRESS_GK, ing):
            continue
        _write(ctx, ing, wanted[key])


def _write(ctx, ing: dict, entries: list[dict]) -> None:
    balancer = (ing.get("status") or {}).get("loadBalancer") or {}
    current = sorted(balancer.get("ingress") or [],
                     key=lambda e: (e.get("hostname", ""), e.get("ip", "")))
    if [(e.get("ip", ""), e.get("hostname", "")) for e in current] == \
            [(e.get("ip", ""), e.get("hostname", "")) for e in entries]:
        return  # ingressSliceEqual: no update
    desired = clone(ing)
    desired["status"] = {"loadBalancer": {"ingress": entries} if entries else {}}
    apply_owned(ctx, INGRESS_GK, desired, ing)

