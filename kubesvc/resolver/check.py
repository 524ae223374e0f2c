"""Whole-cluster reports: every way in to one Service (`resolve svc/NAME`), everything that
owns or routes to one address (`resolve IP`), and the problems of every Service and address
pool (`kubesvc check`).

The ways in are the ones a real cluster opens (spec routing-and-dns.md §4-5): each cluster IP
and port, the NodePort on every node address, the health-check node port, each load-balancer
ingress, each external IP, and the cluster DNS names (A and SRV per named port).
"""

from __future__ import annotations

import ipaddress

from kubesvc.api.objects import meta, spec
from kubesvc.api.selectors import from_label_selector
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.controllers.endpoints import service_backends
from kubesvc.controllers.metallb.pools import NAMESPACE, Refused, parse_pools
from kubesvc.resolver import corefile, dns, routing
from kubesvc.resolver import records as rec
from kubesvc.resolver.address_pools import (
    ADVERTISEMENT_GKS,
    POOL_GK,
    pending_reason,
    pool_contains,
    pool_ranges,
)
from kubesvc.resolver.diagnosis import diagnose_service
from kubesvc.resolver.follow import route_address
from kubesvc.resolver.netcheck import network_problems
from kubesvc.resolver.records import EndpointRef, IPOwners, Problem, Reason, Route, ServiceRoutes
from kubesvc.resolver.routing import ns_name
from kubesvc.resolver.targets import resolve_client

_ORDER = {rec.ERROR: 0, rec.WARNING: 1, rec.INFO: 2}


# --- resolve svc/NAME ------------------------------------------------------------------------


def service_routes(view, svc: dict, client=None) -> ServiceRoutes:
    """Every way in to `svc`; `client` (a targets.Client) replaces the default clients."""
    out = ServiceRoutes(ns_name(svc), routing.svc_type(svc),
                        reasons=diagnose_service(view, svc))
    name = f"{meta(svc)['name']}.{eu.namespace_of(svc)}.svc.{dns.zone_of(view)}."
    out.dns.append(dns.query(view, name, "A"))
    out.reasons += [r for r in out.dns[0].reasons if r.code == "dns-corefile"]
    if out.type == "ExternalName":
        return out
    for sport in eu.service_ports(svc):
        if sport["name"]:
            srv = f"_{sport['name']}._{sport['protocol'].lower()}.{name}"
            out.dns.append(dns.query(view, srv, "SRV"))
    if not eu.is_service_ip_set(svc):
        out.routes = [_headless(view, svc, sport, name, client) for sport in
                      routing.service_ports(svc)]
        return out
    for sport in routing.service_ports(svc):
        out.routes += _ways(view, svc, sport, client)
    return out


def _client(view, svc: dict, client, kind: str):
    return client or resolve_client(view, None, eu.namespace_of(svc), kind)


def _ways(view, svc: dict, sport: dict, client) -> list[Route]:
    port, proto = sport["port"], sport["protocol"]
    inside, outside = _client(view, svc, client, "cluster"), _client(view, svc, client,
                                                                      "external")
    calls = [(inside, ip, port) for ip in spec(svc).get("clusterIPs") or []]
    if sport.get("nodePort"):
        calls += [(outside, ip, sport["nodePort"]) for node in view.nodes()
                  for ip in routing.node_ips(node)]
    calls += [(outside, ip, port) for ip in spec(svc).get("externalIPs") or []]
    calls += [(outside, i["ip"], port) for i in routing.ingress(svc) if i.get("ip")]
    routes = [route_address(view, c, ip, p, proto, routing.address(ip, p, proto))
              for c, ip, p in calls]
    return routes + _lb_extras(view, svc, sport, outside)


def _lb_extras(view, svc: dict, sport: dict, client) -> list[Route]:
    """A pending load balancer, hostname-only ingress, and the health check node port."""
    if routing.svc_type(svc) != "LoadBalancer":
        return []
    out = []
    label = f"{sport['port']}/{sport['protocol']}"
    if not routing.ingress(svc):
        route = Route(f"<pending>:{label}", client.to_dict(), rec.NO_INGRESS,
                      way="LoadBalancer", service=ns_name(svc),
                      port=routing.port_view(sport))
        route.reasons.append(Reason("lb-pending", pending_reason(view, svc)))
        out.append(route)
    for entry in (i for i in routing.ingress(svc) if not i.get("ip") and i.get("hostname")):
        route = Route(f"{entry['hostname']}:{label}", client.to_dict(), rec.EXTERNAL_LB,
                      way="LoadBalancer", service=ns_name(svc),
                      port=routing.port_view(sport))
        route.reasons.append(Reason("lb-proxy-mode", f"ingress hostname {entry['hostname']} "
                                                     "is resolved outside the cluster"))
        out.append(route)
    hc_port = spec(svc).get("healthCheckNodePort")
    if hc_port and sport == routing.service_ports(svc)[0]:  # one check per Service
        for node in view.nodes():
            ip = (routing.node_ips(node) or ["?"])[0]
            route = Route(routing.address(ip, hc_port, "TCP"), client.to_dict(), rec.HEALTH,
                          address=routing.address(ip, hc_port, "TCP"))
            out.append(routing.health_route(view, route, svc, node))
    return out


def _headless(view, svc: dict, sport: dict, name: str, client) -> Route:
    """A headless port: DNS gives the ready pod IPs; the client connects to each directly, at
    the endpoint's port (the resolved targetPort)."""
    inside = _client(view, svc, client, "cluster")
    label = f"{sport['port']}/{sport['protocol']}"
    route = Route(f"{name}:{label}", inside.to_dict(), rec.NXDOMAIN, way="Headless",
                  service=ns_name(svc), port=routing.port_view(sport))
    backends = service_backends(svc, view.slices_for(svc)).get(sport["name"], [])
    for b in (b for b in backends if b.ready):
        ref = b.endpoint.get("targetRef") or {}
        pod = f"{ref.get('namespace')}/{ref['name']}" if ref.get("name") else None
        route.endpoints.append(EndpointRef(f"{b.ip}:{b.port}", pod, b.endpoint.get("nodeName")))
    route.resolved = sorted({e.address.rsplit(":", 1)[0] for e in route.endpoints})
    route.result = rec.DIRECT if route.endpoints else rec.NXDOMAIN
    route.reasons.append(Reason("headless", f"{route.service} is headless"))
    return route


# --- kubesvc check ---------------------------------------------------------------------------


def check_cluster(view, namespace: str | None = None) -> list[Problem]:
    """Every error and warning of every Service (of one namespace, if given) and of the
    MetalLB pools, most severe first."""
    out = []
    for svc in view.services(namespace):
        out += [Problem(f"Service {ns_name(svc)}", r)
                for r in diagnose_service(view, svc) if r.severity != rec.INFO]
    out += [p for p in metallb_problems(view)
            if namespace is None or p.object.split(" ", 1)[1].startswith(namespace + "/")]
    if namespace in (None, corefile.CONFIGMAP_NAMESPACE):
        out += corefile_problems(view)
    out += unschedulable_pods(view, namespace)
    out += network_problems(view, namespace)
    return sorted(out, key=lambda p: (_ORDER[p.reason.severity], p.object))


def corefile_problems(view) -> list[Problem]:
    """The Corefile cluster DNS runs with: missing, unreadable, or not serving the cluster
    domain that pods search in."""
    config = corefile.load(view)
    where = f"ConfigMap {corefile.CONFIGMAP_NAMESPACE}/{corefile.CONFIGMAP_NAME}"
    if config.source == "default":
        why = ("there is none: cluster DNS is shown as kubeadm's default Corefile answers "
               "(kubeadm init writes it; restore it to match a real cluster)")
        return [Problem(where, Reason("dns-corefile", why))]
    if config.problem:
        why = (f"its Corefile cannot be read: {config.problem}; CoreDNS would not load it, "
               "kubesvc answers as kubeadm's default Corefile does")
        return [Problem(where, Reason("dns-corefile", why, severity=rec.ERROR))]
    if config.cluster_plugin is None or config.cluster_plugin.zone_for(
            f"svc.{config.domain}.") is None:
        why = (f"no kubernetes plugin serves the cluster domain {config.domain} that pods "
               "search in: their cluster names go to the next plugin")
        return [Problem(where, Reason("dns-corefile", why))]
    return []

NO_NODES_HINT = ("the cluster has no nodes: `kubesvc cluster init --nodes N --force` makes a "
                 "kind-like cluster of N nodes, or apply Node objects")
_UNSCHEDULABLE_RULE = ("kube-scheduler leaves a pod Pending while no node passes its filters "
                       "(FailedScheduling)")


def unschedulable_pods(view, namespace: str | None = None) -> list[Problem]:
    """Pods the scheduler could not place (PodScheduled False, Unschedulable), with its
    message; with no node in the cluster at all, one problem per namespace that says how to
    add nodes."""
    pending = [p for p in view.pods_not_scheduled(namespace) if _unschedulable(p) is not None]
    if view.nodes():
        return [Problem(f"Pod {ns_name(p)}", Reason("pod-unschedulable",
                                                    f"Pending: {_unschedulable(p)}",
                                                    severity=rec.WARNING,
                                                    rule=_UNSCHEDULABLE_RULE))
                for p in pending]
    by_ns: dict[str, list[str]] = {}
    for pod in pending:
        by_ns.setdefault(eu.namespace_of(pod), []).append(meta(pod)["name"])
    return [Problem(f"Pod {ns}/*", Reason(
        "pod-unschedulable", f"{len(names)} pod(s) Pending: no nodes available to schedule "
        f"pods ({', '.join(names)}); {NO_NODES_HINT}", severity=rec.WARNING,
        rule=_UNSCHEDULABLE_RULE)) for ns, names in by_ns.items()]


def _unschedulable(pod: dict) -> str | None:
    """The scheduler's message on a Pending pod it could not place, else None."""
    status = pod.get("status") or {}
    if status.get("phase", "Pending") != "Pending":
        return None
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and (cond.get("status"), cond.get(
                "reason")) == ("False", "Unschedulable"):
            return cond.get("message", "")
    return None


def metallb_problems(view) -> list[Problem]:
    """The address pools as MetalLB reads them: only from metallb-system, refused as a whole
    when one is invalid or two overlap (config.poolsFor), then per pool what keeps its
    addresses from working (service range, node addresses, no advertisement)."""
    pools = view.objects(POOL_GK)
    out = [Problem(f"IPAddressPool {ns_name(p)}", Reason("metallb-pool", f"MetalLB reads pools "
                                                                      f"from {NAMESPACE} only: "
                                                                      "this one is ignored",
                                                      severity=rec.WARNING))
           for p in pools if eu.namespace_of(p) != NAMESPACE]
    mine = [p for p in pools if eu.namespace_of(p) == NAMESPACE]
    try:
        parse_pools(mine, view.objects("Namespace"))
    except Refused as err:
        refused = Reason("metallb-pool", f"MetalLB rejects its IPAddressPools: {err.go}")
        return [*out, Problem(f"IPAddressPool {NAMESPACE}/*", refused)]
    for pool in mine:
        out += _overlaps(view, f"IPAddressPool {ns_name(pool)}", pool_ranges(pool))
    return out + _advertisements(view, mine)


def _overlaps(view, name: str, mine: list[tuple]) -> list[Problem]:
    out = []
    service = ipaddress.ip_network(view.settings["serviceCIDR"], strict=False)
    if any(x.version == service.version and x <= service[-1] and service[0] <= y
           for x, y in mine):
        out.append(Problem(name, Reason("metallb-pool", f"overlaps the service range {service}: "
                                                        "cluster IPs could collide",
                                        severity=rec.WARNING)))
    nodes = [ip for n in view.nodes() for ip in routing.node_ips(n)
             if any(x <= ipaddress.ip_address(ip) <= y for x, y in mine
                    if x.version == ipaddress.ip_address(ip).version)]
    if nodes:
        out.append(Problem(name, Reason("metallb-pool", f"holds node addresses "
                                                        f"{', '.join(nodes)}",
                                        severity=rec.WARNING)))
    return out


def _advertisements(view, pools: list[dict]) -> list[Problem]:
    """Pools no L2Advertisement or BGPAdvertisement selects are assigned but never announced
    (an advertisement without ipAddressPools or selectors announces every pool)."""
    ads = [a for gk in ADVERTISEMENT_GKS for a in view.objects(gk)]
    out = []
    for pool in pools:
        name = meta(pool)["name"]
        if not any(_selects(ad, pool) for ad in ads):
            out.append(Problem(f"IPAddressPool {eu.namespace_of(pool)}/{name}",
                               Reason("metallb-advertisement", f"no advertisement announces "
                                                               f"pool {name}: its addresses "
                                                               "are unreachable")))
    return out


def _selects(ad: dict, pool: dict) -> bool:
    if eu.namespace_of(ad) != eu.namespace_of(pool):
        return False
    names = spec(ad).get("ipAddressPools") or []
    selectors = spec(ad).get("ipAddressPoolSelectors") or []
    if not names and not selectors:
        return True
    return meta(pool)["name"] in names or any(
        from_label_selector(s).matches(eu.labels_of(pool)) for s in selectors)


# --- from an address back to its owners --------------------------------------------------------


def ip_owners(view, ip: str):
    """`resolve IP`: the Services, pods, nodes and ranges owning `ip`, the Service ports that
    route to it, and its PTR answer."""
    out = IPOwners(ip, owners=_service_owners(view, ip) + _pod_node_owners(view, ip))
    if ip == dns.dns_server(view) and not any(o.kind == "Service" for o in out.owners):
        out.owners.append(rec.Owner("DNS", "kube-system/kube-dns", "clusterIP",
                                    "cluster DNS (the tenth address of the service range)"))
    if not out.owners:
        out.owners = _range_owners(view, ip)
    out.owners += _pool_owners(view, ip)
    for svc in view.services():
        for sport in routing.service_ports(svc):
            out.routed_by += [f"{ns_name(svc)} port {sport['port']}/{sport['protocol']}"
                              f" → {e.ref().address}"
                              for e in routing.proxy_endpoints(view, svc, sport, None)
                              if e.ip == ip]
    out.ptr = dns.query(view, dns.reverse_name(ip), "PTR")
    out.reasons += [r for r in out.ptr.reasons if r.code == "dns-corefile"]
    if not out.owners:
        out.reasons.append(Reason("not-cluster-address", f"nothing in the cluster owns {ip}"))
    return out


def _service_owners(view, ip: str) -> list:
    out = []
    svc = view.service_by_cluster_ip(ip)
    if svc is not None:
        out.append(rec.Owner("Service", ns_name(svc), "clusterIP", routing.svc_type(svc)))
    for svc in view.services_by_external_ip(ip):
        external = ip in (spec(svc).get("externalIPs") or [])
        role = "externalIP" if external else "loadBalancer"
        mode = "" if external else next(
            (i.get("ipMode") or "VIP" for i in routing.ingress(svc) if i.get("ip") == ip), "")
        out.append(rec.Owner("Service", ns_name(svc), role, mode and f"ipMode {mode}"))
    return out


def _pod_node_owners(view, ip: str) -> list:
    out = []
    for pod in view.pods_by_ip(ip):
        host = bool(spec(pod).get("hostNetwork"))
        phase = (pod.get("status") or {}).get("phase") or "Pending"
        out.append(rec.Owner("Pod", ns_name(pod), "hostNetwork" if host else "podIP",
                             f"on {spec(pod).get('nodeName') or '<none>'}, {phase}"))
    node = view.node_by_ip(ip)
    if node is not None:
        role = next((a.get("type") for a in (node.get("status") or {}).get("addresses") or []
                     if a.get("address") == ip), "address")
        out.append(rec.Owner("Node", meta(node)["name"], role))
    return out


def _range_owners(view, ip: str) -> list:
    addr = ipaddress.ip_address(ip)
    cidr = ipaddress.ip_network(view.settings["serviceCIDR"], strict=False)
    if addr.version == cidr.version and addr in cidr:
        return [rec.Owner("ServiceCIDR", str(cidr), "unallocated", "no Service holds it")]
    for node in view.nodes():
        for text in spec(node).get("podCIDRs") or [spec(node).get("podCIDR")]:
            net = ipaddress.ip_network(text, strict=False) if text else None
            if net is not None and addr.version == net.version and addr in net:
                return [rec.Owner("PodCIDR", meta(node)["name"], "unassigned",
                                  f"in {net}, the pod range of node {meta(node)['name']}; "
                                  "no pod has it")]
    return []


def _pool_owners(view, ip: str) -> list:
    return [rec.Owner("IPAddressPool", ns_name(pool), "pool", "MetalLB address pool")
            for pool in view.objects(POOL_GK) if pool_contains(pool, ip)]
