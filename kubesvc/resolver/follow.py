"""Following an address or a name the way a client's packets go: DNS first (the client's
search path), then kube-proxy on the node that captures the traffic, down to the endpoints.
"""

from __future__ import annotations

from kubesvc.api.objects import meta, spec
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.resolver import dns, policy_route, routing
from kubesvc.resolver import records as rec
from kubesvc.resolver.diagnosis import ENDPOINT_CODES, diagnose_service
from kubesvc.resolver.records import EndpointRef, Reason, Route
from kubesvc.resolver.routing import Source
from kubesvc.resolver.targets import Client, in_service_cidr


def route_address(view, client: Client, ip: str, port: int, proto: str, text: str) -> Route:
    route = Route(text, client.to_dict(), rec.UNHANDLED, address=routing.address(ip, port, proto))
    svc = view.service_by_cluster_ip(ip)
    if svc is not None:
        return _via_cluster_ip(view, route, client, svc, ip, port, proto)
    for svc in view.services_by_external_ip(ip):
        sport = _sport(svc, port, proto, "port")
        if sport is not None:
            return _via_external(view, route, client, svc, sport, ip)
    node = view.node_by_ip(ip)
    if node is None and client.kind == "node" and ip.startswith("127."):
        node = view.node(client.node)  # localhost NodePorts (--iptables-localhost-nodeports)
    if node is not None:
        return _via_node(view, route, client, node, ip, port, proto)
    pods = [p for p in view.pods_by_ip(ip) if not spec(p).get("hostNetwork")]
    if pods:
        return _direct(view, route, pods[0], ip, port, proto)
    if view.services_by_external_ip(ip):
        owner = routing.ns_name(view.services_by_external_ip(ip)[0])
        return _unhandled(route, "port-not-intercepted", f"{owner} does not define port "
                                                         f"{port}/{proto} on {ip}")
    if in_service_cidr(view, ip):
        return _unhandled(route, "unallocated-ip", f"{ip} is in the service range "
                                                   f"{view.settings['serviceCIDR']} but no "
                                                   "Service has it")
    return _unhandled(route, "not-cluster-address", f"{ip} is not a cluster address")


def _sport(svc: dict, port: int, proto: str, field: str) -> dict | None:
    return next((p for p in routing.service_ports(svc)
                 if p.get(field) == port and p["protocol"] == proto), None)


def _unhandled(route: Route, code: str, message: str) -> Route:
    route.result = rec.UNHANDLED
    route.reasons.append(Reason(code, message))
    return route


def _describe(route: Route, svc: dict, sport: dict, way: str) -> None:
    route.service, route.way, route.port = routing.ns_name(svc), way, routing.port_view(sport)
    route.affinity = routing.affinity(svc)
    if route.affinity:
        route.reasons.append(Reason("affinity", f"sessionAffinity: ClientIP: each client IP "
                                                f"sticks to one endpoint for "
                                                f"{route.affinity['timeoutSeconds']}s"))


def _via_cluster_ip(view, route, client, svc, ip, port, proto) -> Route:
    route.service, route.way = routing.ns_name(svc), "ClusterIP"
    if routing.ignored_by_proxy(svc):
        return _unhandled(route, "proxy-ignored", f"{route.service} is not handled by "
                                                  "kube-proxy")
    sport = _sport(svc, port, proto, "port")
    if sport is None:
        return _unhandled(route, "port-not-intercepted", _port_hint(svc, port, proto))
    _describe(route, svc, sport, "ClusterIP")
    if client.kind == "external":
        return _unhandled(route, "cluster-ip-from-outside", f"{ip} is a cluster IP")
    nodes = [view.node(client.node)] if client.node else view.nodes() or [None]
    return _judge(view, route, svc, sport, ip, nodes, "ClusterIP", client.source())


def _port_hint(svc: dict, port: int, proto: str) -> str:
    text = f"{routing.ns_name(svc)} defines no port {port}/{proto}"
    ports = routing.service_ports(svc)
    if any(p["targetPort"] == port for p in ports):
        text += " (that is a targetPort: connect to the Service port instead)"
    return text + "; its ports: " + ", ".join(f"{p['port']}/{p['protocol']}" for p in ports)


def _via_external(view, route, client, svc, sport, ip) -> Route:
    way = "ExternalIP" if ip in (spec(svc).get("externalIPs") or []) else "LoadBalancer"
    _describe(route, svc, sport, way)
    if way == "LoadBalancer" and ip not in routing.lb_vips(svc):
        return _proxied_lb(view, route, svc, sport, ip)
    if client.kind != "external":
        nodes = [view.node(client.node)] if client.node else view.nodes() or [None]
    elif way == "ExternalIP":
        nodes = view.nodes()  # [model] the network delivers it to some node: the union
    else:
        nodes = routing.health_nodes(view, svc)
        route.reasons.append(Reason("lb-delivery", f"the load balancer at {ip} sends to "
                                                   f"{len(nodes)} of {len(view.nodes())} nodes"))
        if not nodes:
            route.result = rec.DROP
            route.reasons.append(Reason("lb-no-healthy-node", f"no node has a ready endpoint "
                                                              f"of {route.service}"))
            return _diagnose(view, route, svc)
    return _judge(view, route, svc, sport, ip, nodes, way, client.source())


def _proxied_lb(view, route, svc, sport, ip) -> Route:
    """[model] ipMode Proxy: the packet leaves for the load balancer, which proxies it to the
    NodePort of each healthy node; the node sees the LB as an external source."""
    route.reasons.append(Reason("lb-proxy-mode", f"{ip} has ipMode: Proxy"))
    if not sport.get("nodePort"):
        route.result = rec.DROP
        route.reasons.append(Reason("no-node-ports", "the load balancer has no NodePort to use"))
        return route
    nodes = routing.health_nodes(view, svc)
    routed = _judge(view, route, svc, sport, ip, nodes, "NodePort", Source("external", ip))
    if routed.result == rec.FORWARD:
        routed.result = rec.EXTERNAL_LB
    return routed


def _via_node(view, route, client, node, ip, port, proto) -> Route:
    name = meta(node)["name"]
    for svc in view.services_by_node_port(port):
        sport = _sport(svc, port, proto, "nodePort")
        if sport is not None:
            _describe(route, svc, sport, "NodePort")
            return _judge(view, route, svc, sport, ip, [node], "NodePort", client.source())
        if spec(svc).get("healthCheckNodePort") == port and proto == "TCP":
            return routing.health_route(view, route, svc, node)
    if port == routing.KUBE_PROXY_HEALTHZ_PORT and proto == "TCP":
        route.result, route.way = rec.HEALTH, "KubeProxyHealthz"
        route.health = {"status": 200, "node": name, "localEndpoints": None}
        route.reasons.append(Reason("health-check", f"kube-proxy on {name} answers /healthz "
                                                    "with 200 (kubesvc's kube-proxy is always "
                                                    "in sync)"))
        return route
    for pod in view.pods():
        target = _host_port(pod, name, port, proto)
        if target is not None:
            return _direct(view, route, pod, eu.pod_ips(pod)[0], target, proto)
    return _unhandled(route, "node-port-closed", f"no Service has node port {port}/{proto}, "
                                                 f"and no pod listens on {name}'s port {port}")


def _host_port(pod: dict, node: str, port: int, proto: str) -> int | None:
    """A hostNetwork pod's container port, or a hostPort mapping, on that node."""
    if spec(pod).get("nodeName") != node or not eu.pod_ips(pod):
        return None
    for c in (p for ct in spec(pod).get("containers") or () for p in ct.get("ports") or ()):
        if (c.get("protocol") or "TCP") != proto:
            continue
        if c.get("hostPort") == port or (spec(pod).get("hostNetwork")
                                         and c.get("containerPort") == port):
            return c.get("containerPort")
    return None


def _judge(view, route, svc, sport, ip, nodes, entry, source) -> Route:
    if not nodes:
        route.result = rec.DROP
        route.reasons.append(Reason("no-nodes", f"no node receives traffic for {ip}"))
        return route
    mode = view.settings.get("kubeProxyMode") or "iptables"
    if mode != "iptables":
        route.reasons.append(Reason("proxy-mode", f"the cluster runs kube-proxy in {mode} mode"))
    judge = routing.Judge(view, svc, sport, routing.proxy_endpoints(
        view, svc, sport, routing.family(ip)), route.reasons)
    route.nodes = [routing.verdict(judge, node, entry, source) for node in nodes]
    route.result, route.endpoints = routing.merge(route.nodes)
    if route.result != rec.FORWARD:
        return _diagnose(view, route, svc)
    return policy_route.judge_route(view, route, sport["protocol"])


def _diagnose(view, route: Route, svc: dict) -> Route:
    """Why the Service has no (usable) endpoint: the endpoint findings of the diagnosis (the
    route's own reasons already tell the traffic-policy and load-balancer part)."""
    known = {(r.code, r.message) for r in route.reasons}
    route.reasons += [r for r in diagnose_service(view, svc)
                      if r.code in ENDPOINT_CODES and (r.code, r.message) not in known]
    return route


def _direct(view, route: Route, pod: dict, ip: str, port: int, proto: str) -> Route:
    name = f"{eu.namespace_of(pod)}/{meta(pod)['name']}"
    state = "ready" if eu.is_pod_ready(pod) else "not-ready"
    route.result, route.way = rec.DIRECT, route.way or "Pod"
    route.endpoints = [EndpointRef(routing.address(ip, port, proto).rsplit("/", 1)[0], name,
                                   spec(pod).get("nodeName"), state)]
    route.reasons.append(Reason("pod-direct", f"{ip} is pod {name}"))
    declared = [(c.get("containerPort"), c.get("protocol") or "TCP")
                for ct in spec(pod).get("containers") or () for c in ct.get("ports") or ()]
    if (port, proto) not in declared:
        route.reasons.append(Reason("port-not-declared", f"pod {name} declares no container "
                                                         f"port {port}/{proto}"))
    return policy_route.judge_route(view, route, proto)


# --- following a name ------------------------------------------------------------------------


def client_lookup(view, client: Client, name: str, qtype: str = "A"):
    """The DNS answer this client gets: the search-path walk for cluster DNS users."""
    if client.kind == "external":
        res = dns.query(view, name, qtype)
        res.rcode, res.answers, res.additional = dns.UPSTREAM, [], []
        res.reasons = [Reason("external-dns", f"{client.ip} is outside the cluster")]
        return res
    if client.namespace is None:
        res = dns.query(view, name, qtype)
        res.reasons.insert(0, Reason("node-dns", f"{client.name} does not use a cluster search "
                                                 "path"))
    else:
        res = dns.lookup(view, name, qtype, client.namespace)
    warning = dns.server_warning(view)
    res.reasons += [warning] if warning else []
    blocked = policy_route.dns_reason(view, client.to_dict())
    if blocked is not None:
        res.reasons.append(blocked)
        if blocked.severity == rec.ERROR:  # the query never gets an answer
            res.rcode, res.answers, res.additional = dns.TIMEOUT, [], []
    return res


def route_name(view, client: Client, name: str, port: int, proto: str, text: str) -> Route:
    """Resolve `name` as the client would, then follow each address it gets."""
    answer = client_lookup(view, client, name)
    if not answer.addresses() and client.kind != "external":  # getaddrinfo asks AAAA too
        answer6 = client_lookup(view, client, name, "AAAA")
        answer = answer6 if answer6.addresses() else answer
    addresses = answer.addresses()
    if not addresses:
        route = Route(text, client.to_dict(), rec.NXDOMAIN, address=f"{name}:{port}/{proto}",
                      dns=answer, reasons=list(answer.reasons))
        if answer.rcode == dns.TIMEOUT:
            route.result = rec.DROP
            return route
        if any(a.split(" ")[1] == "CNAME" for a in answer.answers):
            route.result, route.way = rec.CNAME, "ExternalName"
            host = answer.answers[-1].rsplit(" ", 1)[1].rstrip(".")
            route.reasons.append(Reason("externalname", f"the client connects to {host}:{port} "
                                                        "itself: kube-proxy is not involved"))
        return route
    routes = [route_address(view, client, ip, port, proto, text) for ip in addresses]
    route = routes[0] if len(routes) == 1 else _combine(routes)
    route.dns, route.resolved = answer, addresses
    route.reasons = answer.reasons + route.reasons
    cnames = [a.split(" ") for a in answer.answers if a.split(" ")[1] == "CNAME"]
    route.reasons += [Reason("externalname", f"{owner} is an alias (ExternalName) of {target}")
                      for owner, _, target in cnames]
    svc = dns.service_of(view, answer.answers[-1].split(" ")[0])
    if svc is not None and not eu.is_service_ip_set(svc):
        route.way, route.service = "Headless", routing.ns_name(svc)
        route.reasons.append(Reason("headless", f"{route.service} is headless"))
    return route


def _combine(routes: list[Route]) -> Route:
    first = routes[0]
    seen = {(r.code, r.message) for r in first.reasons}
    for other in routes[1:]:
        first.endpoints += other.endpoints
        first.nodes += other.nodes
        first.blocked += other.blocked
        first.policy += other.policy
        first.reasons += [r for r in other.reasons if (r.code, r.message) not in seen]
        seen |= {(r.code, r.message) for r in other.reasons}
    results = {r.result for r in routes}
    for result in (rec.DIRECT, rec.FORWARD):
        if result in results:
            first.result = result
            break
    first.address = None
    return first
