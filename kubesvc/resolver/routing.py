"""kube-proxy in iptables mode, as pure functions over a ClusterView: what happens to a packet
sent to a Service address (spec routing-and-dns.md §3-4).

Paraphrases k8s `pkg/proxy/iptables/proxier.go` (`syncProxyRules`, `writeServiceToEndpointRules`),
`pkg/proxy/topology.go` (`CategorizeEndpoints`, `topologyModeFromHints`),
`pkg/proxy/serviceport.go` and `pkg/proxy/endpointslicecache.go`. A packet is judged by the
kube-proxy of the node that first captures it: the client's own node for cluster IPs, external
IPs and load-balancer VIPs, the node owning the address for NodePorts.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from kubesvc.api.objects import meta, spec
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.controllers.endpoints import service_backends
from kubesvc.resolver import records as rec
from kubesvc.resolver.records import EndpointRef, NodeVerdict, Reason, Route

PROXY_NAME_LABEL = "service.kubernetes.io/service-proxy-name"
EXCLUDE_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"
DEFAULT_CLUSTER_CIDR = "10.244.0.0/16"  # kind/kubeadm pod subnet: the local-traffic detector
DEFAULT_AFFINITY_TIMEOUT = 10800  # SetDefaults_Service: 3 hours
KUBE_PROXY_HEALTHZ_PORT = 10256
_ANY = object()  # a node name or zone no endpoint names (Judge.categorized)


@dataclass(frozen=True)
class Ep:
    """One endpoint of one Service port, as kube-proxy's endpointInfo holds it."""

    ip: str
    port: int
    node: str | None
    ready: bool
    serving: bool
    terminating: bool
    pod: str | None
    zones: frozenset
    nodes: frozenset

    def ref(self) -> EndpointRef:
        state = "ready" if self.ready else "terminating" if self.terminating else "not-ready"
        return EndpointRef(_join(self.ip, self.port), self.pod, self.node, state)


@dataclass(frozen=True)
class Source:
    """Who sends the packet: kind pod | node | external | cluster (a pod-less in-cluster
    client, evaluated on every node), its IP and the node it sits on."""

    kind: str
    ip: str | None = None
    node: str | None = None


# --- Service facts (pkg/proxy/serviceport.go newBaseServiceInfo) ---------------------------


def ns_name(svc: dict) -> str:
    return f"{eu.namespace_of(svc)}/{meta(svc).get('name', '')}"


def svc_type(svc: dict) -> str:
    return spec(svc).get("type") or "ClusterIP"


def itp_local(svc: dict) -> bool:
    return spec(svc).get("internalTrafficPolicy") == "Local"


def etp_local(svc: dict) -> bool:
    """ExternalPolicyLocal: only for externally accessible Services."""
    accessible = svc_type(svc) in ("NodePort", "LoadBalancer") or spec(svc).get("externalIPs")
    return bool(accessible) and spec(svc).get("externalTrafficPolicy") == "Local"


def ingress(svc: dict) -> list[dict]:
    return ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []


def lb_vips(svc: dict) -> list[str]:
    """Ingress IPs kube-proxy programs: ipMode unset or VIP (IsVIPMode); LB Services only."""
    if svc_type(svc) != "LoadBalancer":
        return []
    return [i["ip"] for i in ingress(svc) if i.get("ip") and i.get("ipMode") in (None, "VIP")]


def affinity(svc: dict) -> dict | None:
    if spec(svc).get("sessionAffinity") != "ClientIP":
        return None
    cfg = (spec(svc).get("sessionAffinityConfig") or {}).get("clientIP") or {}
    return {"type": "ClientIP", "timeoutSeconds": cfg.get("timeoutSeconds")
            or DEFAULT_AFFINITY_TIMEOUT}


def ignored_by_proxy(svc: dict) -> bool:
    """ShouldSkipService plus the informers' label selector on service-proxy-name."""
    return (not eu.is_service_ip_set(svc) or svc_type(svc) == "ExternalName"
            or PROXY_NAME_LABEL in eu.labels_of(svc))


def service_ports(svc: dict) -> list[dict]:
    """Defaulted Service ports with their nodePort."""
    raw = spec(svc).get("ports") or []
    return [{**p, "nodePort": r.get("nodePort")} for p, r in zip(eu.service_ports(svc), raw,
                                                                    strict=True)]


def port_view(sport: dict) -> dict:
    return {"name": sport["name"], "port": sport["port"], "protocol": sport["protocol"],
            "targetPort": sport["targetPort"], "nodePort": sport.get("nodePort")}


def externally_accessible(svc: dict, sport: dict) -> bool:
    return bool(sport.get("nodePort") or lb_vips(svc) or spec(svc).get("externalIPs"))


# --- endpoints (endpointslicecache.go, topology.go) ------------------------------------------


def proxy_endpoints(view, svc: dict, sport: dict, family: str | None) -> list[Ep]:
    """The port's endpoints from every slice labelled for the Service, minus the slices the
    kube-proxy informer filters out (headless or service-proxy-name labels)."""
    slices = [s for s in view.slices_for(svc) if not ({eu.HEADLESS_LABEL, PROXY_NAME_LABEL}
                                                      & set(eu.labels_of(s)))]
    backends = service_backends(svc, slices, family).get(sport["name"], [])
    return sorted((_ep(b) for b in backends), key=lambda e: (_ip_key(e.ip), e.port))


def _ep(backend) -> Ep:
    endpoint, ref = backend.endpoint, backend.endpoint.get("targetRef") or {}
    hints = endpoint.get("hints") or {}
    pod = f"{ref.get('namespace')}/{ref['name']}" if ref.get("kind") == "Pod" else None
    return Ep(backend.ip, backend.port, endpoint.get("nodeName"), backend.ready, backend.serving,
              backend.terminating, pod,
              frozenset(z.get("name") for z in hints.get("forZones") or ()),
              frozenset(n.get("name") for n in hints.get("forNodes") or ()))


def topology_mode(eps: list[Ep], node: str | None, zone: str | None) -> str:
    """topologyModeFromHints (PreferSameTrafficDistribution on): node hints, then zone hints,
    each only when every ready endpoint has one and one matches."""
    ready = [e for e in eps if e.ready]
    if ready and all(e.nodes for e in ready) and any(node in e.nodes for e in ready):
        return "PreferSameNode"
    if ready and all(e.zones for e in ready) and any(zone in e.zones for e in ready):
        return "PreferSameZone"
    return ""


def _topology_ok(ep: Ep, mode: str, node: str | None, zone: str | None) -> bool:
    if mode == "PreferSameNode":
        return node in ep.nodes
    return mode != "PreferSameZone" or zone in ep.zones


def categorize(eps: list[Ep], svc: dict, sport: dict, node: dict | None):
    """CategorizeEndpoints: (cluster endpoints, local endpoints, hasAnyEndpoints, topology)."""
    name = meta(node).get("name") if node else None
    zone = eu.labels_of(node).get(eu.ZONE_LABEL) if node else None
    external = externally_accessible(svc, sport)
    cluster: list[Ep] = []
    local: list[Ep] = []
    mode = ""
    has_any = False
    if not itp_local(svc) or external:
        mode = topology_mode(eps, name, zone)
        cluster = [e for e in eps if e.ready and _topology_ok(e, mode, name, zone)]
        cluster = cluster or [e for e in eps if e.serving and e.terminating]
        has_any = bool(cluster)
    if itp_local(svc) or (etp_local(svc) and external):
        has_any = has_any or any(e.ready or (e.serving and e.terminating) for e in eps)
        mine = [e for e in eps if name is not None and e.node == name]
        local = [e for e in mine if e.ready] or [e for e in mine if e.serving and e.terminating]
    return cluster, local, has_any, mode


# --- one node's verdict ----------------------------------------------------------------------


@dataclass
class Judge:
    """Everything kube-proxy knows about one Service port, and the reasons collected."""

    view: object
    svc: dict
    sport: dict
    eps: list[Ep]
    reasons: list[Reason]
    # categorize's answers by the (node name, zone) it can tell apart, and each endpoint's
    # EndpointRef (read only): a cluster IP is judged on every node, most of them alike
    _cats: dict = field(default_factory=dict, init=False, repr=False)
    _told: tuple | None = field(default=None, init=False, repr=False)
    _refs: dict = field(default_factory=dict, init=False, repr=False)

    def categorized(self, node: dict | None) -> tuple:
        """categorize(self.eps, self.svc, self.sport, node), remembered per what it reads of
        the node: its name only when an endpoint runs there or is hinted for it, its zone
        only when an endpoint is hinted for it (any other name or zone is treated alike)."""
        if self._told is None:
            self._told = ({e.node for e in self.eps} | {n for e in self.eps for n in e.nodes},
                          {z for e in self.eps for z in e.zones})
        names, zones = self._told
        name = meta(node).get("name") if node else None
        zone = eu.labels_of(node).get(eu.ZONE_LABEL) if node else None
        key = (name if name in names else _ANY, zone if zone in zones else _ANY)
        found = self._cats.get(key)
        if found is None:
            found = self._cats[key] = categorize(self.eps, self.svc, self.sport, node)
        return found

    def refs(self, eps: list[Ep]) -> list[EndpointRef]:
        out = []
        for e in eps:
            ref = self._refs.get(id(e))
            if ref is None:
                ref = self._refs[id(e)] = e.ref()
            out.append(ref)
        return out

    def say(self, code: str, message: str) -> None:
        if not any(r.code == code and r.message == message for r in self.reasons):
            self.reasons.append(Reason(code, message))


def verdict(judge: Judge, node: dict | None, entry: str, src: Source) -> NodeVerdict:
    """What kube-proxy on `node` does with a packet that entered through `entry`
    (ClusterIP | NodePort | ExternalIP | LoadBalancer)."""
    name = meta(node).get("name") if node else None
    cluster, local, has_any, mode = judge.categorized(node)
    if not has_any:
        judge.say("no-endpoints", f"{ns_name(judge.svc)} port {_port_label(judge.sport)} has no "
                                  "usable endpoint: kube-proxy rejects the connection "
                                  "(TCP reset / ICMP port unreachable)")
        return NodeVerdict(name, rec.REJECT)
    if mode:
        judge.say("topology", f"on {name}: only endpoints hinted for it are used ({mode})")
    if entry == "ClusterIP":
        return _internal(judge, name, cluster, local, src)
    if entry == "LoadBalancer" and not _source_allowed(judge, node, src):
        return NodeVerdict(name, rec.DROP)
    return _external(judge, name, cluster, local, src)


def _internal(judge, name, cluster, local, src) -> NodeVerdict:
    keep = "preserved" if src.kind in ("pod", "cluster") else "masqueraded"
    if not itp_local(judge.svc):
        return _forward(judge, name, cluster, "Cluster", keep)
    if not local:
        judge.say("itp-local-drop", f"no endpoint of {ns_name(judge.svc)} runs on node {name}: "
                                    "ClusterIP traffic from there is dropped")
        return NodeVerdict(name, rec.DROP, policy="Local")
    return _forward(judge, name, local, "Local", keep)


def _external(judge, name, cluster, local, src) -> NodeVerdict:
    if not etp_local(judge.svc):
        judge.say("client-ip", "externalTrafficPolicy: Cluster: the client IP is masqueraded "
                               "to the address of the node that forwards the packet, so the "
                               "pod does not see the client's own IP")
        return _forward(judge, name, cluster, "Cluster", "masqueraded")
    if src.kind in ("pod", "cluster") or _in_cluster_cidr(judge.view, src.ip):
        judge.say("etp-local-short-circuit", "pod traffic ignores externalTrafficPolicy: Local")
        return _forward(judge, name, cluster, "Cluster", "preserved")
    if src.kind == "node" and src.node == name:
        judge.say("etp-local-host", f"traffic from node {name} itself ignores "
                                    "externalTrafficPolicy: Local")
        return _forward(judge, name, cluster, "Cluster", "masqueraded")
    if not local:
        judge.say("etp-local-drop", f"node {name} runs no ready endpoint of "
                                    f"{ns_name(judge.svc)}: external traffic it receives is "
                                    "dropped")
        return NodeVerdict(name, rec.DROP, policy="Local")
    return _forward(judge, name, local, "Local", "preserved")


def _forward(judge, name, eps: list[Ep], policy: str, client_ip: str) -> NodeVerdict:
    if eps and not any(e.ready for e in eps):
        judge.say("terminating-fallback", f"only terminating endpoints serve "
                                          f"{ns_name(judge.svc)}" + (f" on {name}" if
                                                                     policy == "Local" else ""))
    return NodeVerdict(name, rec.FORWARD, judge.refs(eps), policy, client_ip)


def _source_allowed(judge: Judge, node: dict | None, src: Source) -> bool:
    """The FW chain (loadBalancerSourceRanges): a source inside a range, or the node itself
    when a range holds the node IP; anything else falls to KUBE-PROXY-FIREWALL's DROP."""
    ranges = _networks(spec(judge.svc).get("loadBalancerSourceRanges") or [])
    if not ranges:
        return True
    if src.kind == "cluster":
        cidr = ipaddress.ip_network(cluster_cidr(judge.view))
        ok = any(cidr.version == r.version and cidr.subnet_of(r) for r in ranges)
        shown = f"pod addresses ({cidr})"
    else:
        ip = src.ip if src.kind != "node" else (node_ips(node) or [src.ip])[0]
        ok = ip is not None and any(ipaddress.ip_address(ip) in r for r in ranges)
        shown = f"source {ip}"
    if not ok:
        judge.say("source-range-drop", f"{shown} is outside loadBalancerSourceRanges "
                                       f"{', '.join(map(str, ranges))}")
    return ok


# --- helpers ---------------------------------------------------------------------------------


def _networks(texts: list[str]) -> list:
    """Source ranges as networks; an unparsable one (validation refuses them) is skipped."""
    out = []
    for text in texts:
        try:
            out.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            continue
    return out


def cluster_cidr(view) -> str:
    return view.settings.get("podCIDR") or DEFAULT_CLUSTER_CIDR


def _in_cluster_cidr(view, ip: str | None) -> bool:
    if not ip:
        return False
    net = ipaddress.ip_network(cluster_cidr(view))
    addr = ipaddress.ip_address(ip)
    return addr.version == net.version and addr in net


def node_ips(node: dict | None) -> list[str]:
    addrs = ((node or {}).get("status") or {}).get("addresses") or []
    ordered = [a for a in addrs if a.get("type") == "InternalIP"] + [
        a for a in addrs if a.get("type") == "ExternalIP"]
    return [a["address"] for a in ordered if a.get("address")]


def family(ip: str) -> str | None:
    parsed = eu.parse_ip(ip)
    return parsed[0] if parsed else None


def _ip_key(ip: str) -> tuple:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return (9, ip)
    return (addr.version, int(addr))


def _join(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _port_label(sport: dict) -> str:
    return f"{sport['port']}/{sport['protocol']}" + (f" ({sport['name']})" if sport["name"]
                                                     else "")


def address(ip: str, port: int, proto: str) -> str:
    return f"{_join(ip, port)}/{proto}"


def merge(verdicts: list[NodeVerdict]) -> tuple[str, list[EndpointRef]]:
    """One result for several nodes: forward if any node forwards (endpoints united)."""
    if any(v.result == rec.FORWARD for v in verdicts):
        seen: dict[str, EndpointRef] = {}
        for v in verdicts:
            for e in v.endpoints:
                seen.setdefault(e.address, e)
        return rec.FORWARD, sorted(seen.values(), key=lambda e: _addr_key(e.address))
    results = {v.result for v in verdicts}
    return (results.pop() if len(results) == 1 else rec.DROP), []


def _addr_key(text: str) -> tuple:
    host, _, port = text.rpartition(":")
    return _ip_key(host.strip("[]")), int(port)


def health_nodes(view, svc: dict) -> list[dict]:
    """[model] The nodes a load balancer sends to: those passing its health check (all for
    Cluster; a local ready endpoint for Local), minus nodes excluded from load balancers."""
    nodes = [n for n in view.nodes() if EXCLUDE_LB_LABEL not in eu.labels_of(n)]
    if not etp_local(svc):
        return [n for n in nodes if meta(n).get("deletionTimestamp") is None]
    counts = local_ready_counts(view, svc)
    return [n for n in nodes if counts.get(meta(n)["name"], 0) > 0]


def local_ready_count(view, svc: dict, node_name: str) -> int:
    return local_ready_counts(view, svc).get(node_name, 0)


def local_ready_counts(view, svc: dict) -> dict[str, int]:
    """LocalReadyEndpoints per node: unique ready endpoint IPs, over all Service ports."""
    ips: dict[str, set] = {}
    for sport in service_ports(svc):
        for e in proxy_endpoints(view, svc, sport, None):
            if e.ready and e.node:
                ips.setdefault(e.node, set()).add(e.ip)
    return {node: len(found) for node, found in ips.items()}


def health_route(view, route: Route, svc: dict, node: dict) -> Route:
    """healthCheckNodePort: 200 with at least one local ready endpoint, else 503."""
    name = meta(node)["name"]
    count = local_ready_count(view, svc, name)
    route.service, route.way, route.result = ns_name(svc), "HealthCheckNodePort", rec.HEALTH
    route.health = {"status": 200 if count else 503, "node": name, "localEndpoints": count}
    route.reasons.append(Reason("health-check", f"{name} has {count} local ready endpoint(s) "
                                                f"of {route.service}: HTTP "
                                                f"{route.health['status']}"))
    return route
