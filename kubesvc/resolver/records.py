"""What `kubesvc resolve` and `kubesvc check` compute, as plain dataclasses with one stable JSON
shape each (documented in docs/resolve.md; `to_dict` is the contract; printed with sorted keys).

Every explanation is a `Reason`: a severity, a short code, the message a learner reads, and the
Kubernetes rule that applied (with the upstream place it comes from). The catalogue of codes
lives here so routing, DNS and diagnosis cite the same rule the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)

# Route results (docs/resolve.md "result")
FORWARD, DIRECT, REJECT, DROP = "forward", "direct", "reject", "drop"
UNHANDLED, EXTERNAL_LB, NO_INGRESS = "unhandled", "external-lb", "no-ingress"
NOT_FOUND, UNAVAILABLE = "not-found", "unavailable"  # an Ingress answers 404 / 503
HEALTH, CNAME, NXDOMAIN = "health", "cname", "nxdomain"
DELIVERED = (FORWARD, DIRECT, EXTERNAL_LB, CNAME)

_KP = "kube-proxy iptables mode (k8s pkg/proxy/iptables/proxier.go syncProxyRules)"
_CAT = "k8s pkg/proxy/topology.go CategorizeEndpoints"
_EPS = "EndpointSlice controller (k8s staging/src/k8s.io/endpointslice/utils.go podToEndpoint)"
_DNS = "CoreDNS kubernetes plugin (coredns plugin/kubernetes/kubernetes.go findServices)"
_SETUP = "coredns plugin/kubernetes/setup.go ParseStanza"

# code -> (default severity, the rule that applied)
RULES: dict[str, tuple[str, str]] = {
    # kube-proxy
    "no-endpoints": (ERROR, f"a Service port with no ready (or serving terminating) endpoint is "
                            f"REJECTed, comment \"has no endpoints\": {_KP}"),
    "itp-local-drop": (ERROR, "internalTrafficPolicy: Local sends ClusterIP traffic only to "
                              "endpoints on the client's node and DROPs it where there is none "
                              f"(\"has no local endpoints\"): {_KP}"),
    "etp-local-drop": (ERROR, "externalTrafficPolicy: Local sends external traffic only to "
                              "endpoints on the receiving node and DROPs it where there is none "
                              f"(KUBE-EXTERNAL-SERVICES): {_KP}"),
    "etp-local-short-circuit": (INFO, "externalTrafficPolicy: Local does not apply to pod "
                                      "traffic: it goes to every cluster endpoint, as if it had "
                                      f"left and come back in (\"pod traffic for ... external "
                                      f"destinations\"): {_KP}"),
    "etp-local-host": (INFO, "externalTrafficPolicy: Local does not apply to traffic from the "
                             "node itself: it is masqueraded and goes to every cluster endpoint "
                             f"(\"route LOCAL traffic\"): {_KP}"),
    "client-ip": (INFO, "externalTrafficPolicy: Cluster masquerades external traffic (the pod "
                        "sees a node IP); Local keeps the client IP: " + _KP),
    "terminating-fallback": (WARNING, "with no ready endpoint, kube-proxy uses serving "
                                      "terminating endpoints (ProxyTerminatingEndpoints): " + _CAT),
    "topology": (INFO, "topology hints: a node uses only the endpoints hinted for its zone (or "
                       "node) when every ready endpoint has a hint and one matches: " + _CAT),
    "affinity": (INFO, "sessionAffinity: ClientIP pins each client IP to one endpoint for "
                       "timeoutSeconds (default 10800) with the iptables recent module: " + _KP),
    "port-not-intercepted": (ERROR, "kube-proxy intercepts only the ports a Service defines; any "
                                    "other port of a cluster IP is routed like an address nobody "
                                    "owns and times out (nftables mode would reject it): " + _KP),
    "unallocated-ip": (ERROR, "no Service holds this address: iptables mode does not intercept "
                              "it and the packet goes unanswered: " + _KP),
    "not-cluster-address": (ERROR, "the address belongs to no Service, pod or node kubesvc "
                                   "knows; routing outside the cluster is not modelled"),
    "proxy-ignored": (ERROR, "kube-proxy ignores Services labelled "
                             "service.kubernetes.io/service-proxy-name (another proxy owns them): "
                             "k8s cmd/kube-proxy/app/server.go"),
    "headless": (INFO, "a headless Service (clusterIP: None) has no virtual IP and no kube-proxy "
                       "rules: DNS answers with the ready pod IPs and clients connect directly "
                       "(k8s pkg/proxy/util ShouldSkipService)"),
    "externalname": (INFO, "kube-proxy does nothing for ExternalName: DNS answers a CNAME and the "
                           "client connects to that host at the port it asked for "
                           "(k8s pkg/proxy/util ShouldSkipService)"),
    "cluster-ip-from-outside": (ERROR, "cluster IPs are virtual: only kube-proxy on a node "
                                       "knows them, nothing routes them from outside the "
                                       "cluster [kubesvc model]"),
    "pod-direct": (INFO, "a pod IP is not a Service address: the packet goes straight to the pod "
                         "over the pod network, kube-proxy is not involved"),
    "port-not-declared": (WARNING, "no container of the pod declares this port; containerPorts "
                                   "are informational, so something may still listen"),
    "node-port-closed": (ERROR, "no Service owns this node port: the packet reaches the node "
                                "itself and only a host process could answer: " + _KP),
    "lb-pending": (ERROR, "status.loadBalancer.ingress is empty, so EXTERNAL-IP stays <pending> "
                          "until a load-balancer implementation (cloud controller, MetalLB) "
                          "writes it; the NodePorts and the cluster IP still work "
                          "(kubernetes#23562)"),
    "lb-proxy-mode": (INFO, "ipMode: Proxy (or a hostname-only ingress): kube-proxy installs no "
                            "rule for it, so even pod traffic goes out to the load balancer "
                            "(k8s pkg/proxy/serviceport.go IsVIPMode) [kubesvc model of the LB]"),
    "lb-delivery": (INFO, "the load balancer sends traffic to every node whose health check "
                          "passes (all nodes for Cluster, nodes with a local ready endpoint for "
                          "Local); each node then applies its kube-proxy rules [kubesvc model]"),
    "lb-no-healthy-node": (ERROR, "no node passes the load balancer's health check (503 "
                                  "everywhere): it has nowhere to send traffic [kubesvc model; "
                                  "some cloud LBs fail open]"),
    "no-nodes": (ERROR, "only a node's kube-proxy handles a Service address: with no node to "
                        "receive the packet, nothing does"),
    "source-range-drop": (ERROR, "loadBalancerSourceRanges: traffic to the LB IP from a source "
                                 "outside every range is DROPped (KUBE-PROXY-FIREWALL): " + _KP),
    "source-range-nodeport": (INFO, "NodePorts are not subject to loadBalancerSourceRanges: "
                                    + _KP),
    "no-node-ports": (INFO, "allocateLoadBalancerNodePorts: false leaves the Service without "
                            "NodePorts"),
    "health-check": (INFO, "kube-proxy answers the healthCheckNodePort with 200 when the node "
                           "has a local ready endpoint and 503 otherwise; terminating endpoints "
                           "do not count (k8s pkg/proxy/healthcheck/service_health.go)"),
    "external-dns": (ERROR, "cluster DNS serves clients inside the cluster; a client outside "
                            "asks its own resolver, which knows no cluster names"),
    "node-dns": (INFO, "a node resolves with its own resolv.conf; kubesvc asks cluster DNS "
                       "directly for it, without a search path [kubesvc model]"),
    "proxy-mode": (INFO, "kubesvc models kube-proxy in iptables mode; nftables and IPVS differ "
                         "in details (spec §4.10)"),
    # DNS
    "dns-nxdomain": (ERROR, "cluster DNS answers NXDOMAIN for this name: " + _DNS),
    "dns-nodata": (WARNING, "the name exists but has no record of this type (NOERROR, empty "
                            "answer): " + _DNS),
    "dns-no-server": (WARNING, "a pod's resolv.conf names the kube-system/kube-dns cluster IP; "
                               "kube-proxy rejects queries to it while it has no endpoint "
                               "(kubelet --cluster-dns)"),
    "dns-search": (INFO, "a name with fewer than 5 dots is tried with each search domain of the "
                         "client's resolv.conf first (<ns>.svc.<zone> svc.<zone> <zone>, "
                         "ndots:5); the first candidate with records wins "
                         "(web: dns-pod-service.md)"),
    "dns-absolute": (INFO, "a name ending in a dot is fully qualified: the client's resolver "
                           "asks it as is, never with the search domains (resolv.conf(5))"),
    "dns-upstream": (INFO, "names outside the kubernetes plugin's zones go to the next plugin "
                           "of the server block (kubeadm's: forward . /etc/resolv.conf, the "
                           "upstream resolver), which kubesvc does not ask"),
    "dns-fallthrough": (INFO, "fallthrough [ZONES]: a name in those zones that the kubernetes "
                              "plugin would answer NXDOMAIN goes to the next plugin instead "
                              "(coredns plugin/kubernetes/handler.go ServeDNS, "
                              "plugin/pkg/fall)"),
    "dns-pods": (ERROR, "pods disabled (the plugin's default) answers no <ip>.<ns>.pod name; "
                        "insecure answers the IP the name spells; verified only an IP a pod of "
                        "that namespace has (coredns plugin/kubernetes/kubernetes.go findPods)"),
    "dns-refused": (ERROR, "CoreDNS answers REFUSED for a name no server block serves "
                           "(coredns core/dnsserver/server.go ServeDNS)"),
    "dns-corefile": (WARNING, "CoreDNS runs with the Corefile of ConfigMap kube-system/coredns; "
                              "it refuses to start (or to reload) a Corefile it cannot parse: "
                              + _SETUP),
    "dns-headless-empty": (ERROR, "a headless Service answers with one record per ready "
                                  "endpoint; with none, the name is NXDOMAIN (dns-spec 2.4.1)"),
    "externalname-ip": (ERROR, "an externalName that is an IP address gets no record: CoreDNS "
                               "only answers names (NXDOMAIN): " + _DNS),
    "externalname-ports": (INFO, "ports of an ExternalName Service are not used: clients "
                                 "connect to the target at the port they ask for"),
    # endpoints (diagnosis)
    "selector-no-match": (ERROR, "the EndpointSlice controller selects the pods of the Service's "
                                 "namespace whose labels contain every selector key=value "
                                 "(k8s pkg/controller/endpointslice syncService)"),
    "selector-deployment-labels": (ERROR, "a Service selects pod labels "
                                          "(spec.template.metadata.labels of the workload), not "
                                          "the workload's own metadata.labels"),
    "no-selector": (ERROR, "a Service without selector gets endpoints only from EndpointSlices "
                           "labelled kubernetes.io/service-name=<name> or from a same-named "
                           "Endpoints object, which is mirrored "
                           "(k8s pkg/controller/endpointslicemirroring)"),
    "skip-mirror": (ERROR, "Endpoints labelled endpointslice.kubernetes.io/skip-mirror=true are "
                           "not mirrored into EndpointSlices, which kube-proxy and DNS read"),
    "pod-not-ready": (WARNING, "a pod whose Ready condition is not True gives an endpoint with "
                               "ready: false, which kube-proxy and DNS skip: " + _EPS),
    "pod-no-ip": (WARNING, "a pod without an IP (not scheduled or not started) is left out "
                           "(ShouldPodBeInEndpoints): " + _EPS),
    "pod-terminal": (WARNING, "a pod in phase Succeeded or Failed is left out "
                              "(ShouldPodBeInEndpoints): " + _EPS),
    "pod-terminating": (WARNING, "a terminating pod gives ready: false (serving may stay true); "
                                 "it is used only as a fallback: " + _EPS),
    "pod-node-missing": (WARNING, "the EndpointSlice controller skips a pod whose Node does not "
                                  "exist (unless publishNotReadyAddresses): " + _EPS),
    "pnra": (INFO, "publishNotReadyAddresses: true marks every endpoint ready, whatever the "
                   "pod's readiness: " + _EPS),
    "named-port-absent": (ERROR, "a named targetPort must match a container port by name and "
                                 "protocol (FindPort, k8s pkg/api/v1/pod/util.go); a pod without "
                                 "it gets no endpoint port for that Service port"),
    "named-port-protocol": (ERROR, "the named container port exists with another protocol; "
                                   "FindPort matches name and protocol (kubernetes#84160)"),
    "named-port-init": (ERROR, "the named port is declared on an init container; FindPort only "
                               "searches containers and restartPolicy: Always init containers"),
    "port-unchecked": (INFO, "a numeric targetPort is used as is, never checked against the "
                             "pod's containerPorts: " + _EPS),
    "local-nodes": (WARNING, "with a Local traffic policy, nodes without a local ready endpoint "
                             "drop the traffic they receive: " + _CAT),
    "hostname-subdomain": (WARNING, "a pod gets <hostname>.<subdomain>.<ns>.svc only when "
                                    "spec.subdomain names a Service that selects it, in its "
                                    "namespace (ShouldSetHostname; dns-pod-service.md)"),
    # MetalLB (check)
    "metallb-pool": (ERROR, "an IPAddressPool hands out the addresses listed in spec.addresses "
                            "(metallb.io/v1beta1)"),
    # NetworkPolicy (resolver/netpol.py) and Ingress (resolver/ingress.py)
    "network-policy": (ERROR, "a pod selected by a NetworkPolicy of type Ingress (Egress) "
                              "accepts (sends) only what one rule of one such policy admits; "
                              "a connection needs the source's egress and the destination's "
                              "ingress, judged on the pod IP and target port after kube-proxy's "
                              "DNAT (k8s docs network-policies.md; NetworkPolicySpec)"),
    "network-policy-off": (WARNING, "NetworkPolicies are enforced by the network plugin; with "
                                    "enforcement off (cluster setting networkPolicyEnforcement) "
                                    "they are stored but change nothing [kubesvc setting]"),
    "policy-selects-nothing": (WARNING, "a NetworkPolicy's podSelector matches no pod of its "
                                        "namespace: it isolates nothing (yet)"),
    "policy-unreachable-pod": (WARNING, "every NetworkPolicy selecting this pod for Ingress has "
                                        "no rule that any peer can match: only its own node "
                                        "reaches it"),
    "ingress-route": (INFO, "ingress-nginx matches the Host header (exact, then *.domain of one "
                            "label), then the longest path (Exact before Prefix); it proxies to "
                            "the Service's endpoints directly (ingress-nginx "
                            "internal/ingress/controller/controller.go)"),
    "ingress-no-match": (ERROR, "no rule matches and no defaultBackend: ingress-nginx answers "
                                "404 from its default backend"),
    "ingress-no-service": (ERROR, "the backend Service (or its port) does not exist: "
                                  "ingress-nginx answers 503"),
    "ingress-no-endpoints": (ERROR, "the backend Service port has no ready endpoint: "
                                    "ingress-nginx answers 503"),
    "ingress-class": (WARNING, "ingress-nginx handles an Ingress whose ingressClassName (or "
                               "kubernetes.io/ingress.class annotation) names an IngressClass of "
                               "controller k8s.io/ingress-nginx; the DefaultIngressClass "
                               "admission plugin sets the class marked "
                               "ingressclass.kubernetes.io/is-default-class at creation"),
    "ingress-tls": (INFO, "https: the certificate comes from the tls entry listing the host; "
                          "without one ingress-nginx serves its self-signed default "
                          "certificate; http to a TLS host is redirected (308) to https "
                          "(ssl-redirect)"),
    "ingress-host-conflict": (WARNING, "two Ingresses claim the same host and path: ingress-nginx "
                                       "keeps the oldest one's rule"),
    "ingress-backend-missing": (ERROR, "an Ingress backend names a Service or port that does "
                                       "not exist: ingress-nginx answers 503 for it"),
    "metallb-advertisement": (WARNING, "MetalLB announces pool addresses only when an "
                                       "L2Advertisement or BGPAdvertisement selects the pool"),
}


@dataclass
class Reason:
    code: str
    message: str
    severity: str = ""
    rule: str = ""

    def __post_init__(self):
        default_severity, rule = RULES.get(self.code, (INFO, ""))
        self.severity = self.severity or default_severity
        self.rule = self.rule or rule

    def to_dict(self) -> dict:
        return {"severity": self.severity, "code": self.code, "message": self.message,
                "rule": self.rule}


@dataclass
class EndpointRef:
    """One `ip:port` a packet may be DNATed to, with the pod and node behind it."""

    address: str
    pod: str | None = None
    node: str | None = None
    state: str = "ready"  # ready | terminating | not-ready

    def to_dict(self) -> dict:
        return {"address": self.address, "pod": self.pod, "node": self.node, "state": self.state}


@dataclass
class NodeVerdict:
    """What kube-proxy on one node does with the packet."""

    node: str | None
    result: str
    endpoints: list[EndpointRef] = field(default_factory=list)
    policy: str = "Cluster"  # the traffic policy chain used: Cluster | Local
    client_ip: str = ""  # preserved | masqueraded | ""

    def to_dict(self) -> dict:
        return {"node": self.node, "result": self.result,
                "backends": [e.address for e in self.endpoints], "policy": self.policy,
                "clientIP": self.client_ip or None}


@dataclass
class DnsResult:
    """A cluster DNS answer; `tried` holds the search-path candidates with their rcodes."""

    name: str
    qtype: str
    rcode: str  # NOERROR | NXDOMAIN | UPSTREAM | REFUSED
    answers: list[str] = field(default_factory=list)
    additional: list[str] = field(default_factory=list)
    resolved_fqdn: str | None = None
    server: str | None = None
    tried: list[tuple[str, str]] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    ttl: int | None = None  # of the answers (or the negative answer); None: not cluster DNS's

    def addresses(self) -> list[str]:
        return [a.rsplit(" ", 1)[1] for a in self.answers if a.split(" ")[1] in ("A", "AAAA")]

    def to_dict(self) -> dict:
        return {"kind": "DNSAnswer", "name": self.name, "type": self.qtype, "rcode": self.rcode,
                "answers": self.answers, "additional": self.additional,
                "resolved_fqdn": self.resolved_fqdn, "server": self.server, "ttl": self.ttl,
                "tried": [{"name": n, "rcode": r} for n, r in self.tried],
                "reasons": [r.to_dict() for r in self.reasons]}


@dataclass
class Route:
    """The path of one connection attempt: client -> address -> node/kube-proxy -> endpoints."""

    target: str
    client: dict
    result: str
    address: str | None = None
    way: str | None = None
    service: str | None = None
    port: dict | None = None
    resolved: list[str] = field(default_factory=list)
    endpoints: list[EndpointRef] = field(default_factory=list)
    nodes: list[NodeVerdict] = field(default_factory=list)
    affinity: dict | None = None
    health: dict | None = None
    dns: DnsResult | None = None
    reasons: list[Reason] = field(default_factory=list)
    blocked: list[EndpointRef] = field(default_factory=list)  # dropped by NetworkPolicies
    policy: list[dict] = field(default_factory=list)  # the verdict per backend
    ingress: dict | None = None  # way Ingress: name, host, path, pathType

    @property
    def backends(self) -> list[str]:
        return [e.address for e in self.endpoints]

    def delivered(self) -> bool:
        if self.result == HEALTH:
            return (self.health or {}).get("status") == 200
        return self.result in DELIVERED

    def to_dict(self) -> dict:
        return {"kind": "Route", "target": self.target, "client": self.client,
                "result": self.result, "address": self.address, "way": self.way,
                "service": self.service, "port": self.port, "resolved": self.resolved,
                "backends": self.backends, "endpoints": [e.to_dict() for e in self.endpoints],
                "nodes": [n.to_dict() for n in self.nodes], "affinity": self.affinity,
                "health": self.health, "dns": self.dns.to_dict() if self.dns else None,
                "blocked": [e.to_dict() for e in self.blocked], "policy": self.policy,
                **({"ingress": self.ingress} if self.ingress is not None else {}),
                "reasons": [r.to_dict() for r in self.reasons]}


@dataclass
class ServiceRoutes:
    """Every way in to one Service (`resolve svc/NAME`), with the diagnosis of its endpoints."""

    service: str
    type: str
    routes: list[Route] = field(default_factory=list)
    dns: list[DnsResult] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)

    def delivered(self) -> bool:
        """Every way in delivers from at least one entry point (one node is enough)."""
        if not self.routes and not self.dns:
            return False
        ways: dict[tuple, bool] = {}
        for route in self.routes:
            per_node = route.way in ("NodePort", "HealthCheckNodePort")
            key = (route.way, (route.port or {}).get("name"),
                   None if per_node else route.address)
            ways[key] = ways.get(key, False) or route.delivered()
        return all(ways.values()) and all(d.rcode == "NOERROR" and d.answers for d in self.dns)

    def to_dict(self) -> dict:
        return {"kind": "ServiceRoutes", "service": self.service, "type": self.type,
                "result": "ok" if self.delivered() else "problem",
                "routes": [r.to_dict() for r in self.routes],
                "dns": [d.to_dict() for d in self.dns],
                "reasons": [r.to_dict() for r in self.reasons]}


@dataclass
class Owner:
    """Something that owns, or routes, an IP address."""

    kind: str  # Service | Pod | Node | ServiceCIDR | PodCIDR | IPAddressPool | DNS
    name: str | None
    role: str  # clusterIP | externalIP | loadBalancer | podIP | hostNetwork | InternalIP ...
    detail: str = ""

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "role": self.role,
                "detail": self.detail or None}


@dataclass
class IPOwners:
    """`resolve IP`: who owns the address, which Services route to it, and its PTR answer."""

    ip: str
    owners: list[Owner] = field(default_factory=list)
    routed_by: list[str] = field(default_factory=list)
    ptr: DnsResult | None = None
    reasons: list[Reason] = field(default_factory=list)

    def delivered(self) -> bool:
        return bool(self.owners)

    def to_dict(self) -> dict:
        return {"kind": "IPOwners", "ip": self.ip, "owners": [o.to_dict() for o in self.owners],
                "routed_by": self.routed_by, "ptr": self.ptr.to_dict() if self.ptr else None,
                "reasons": [r.to_dict() for r in self.reasons]}


@dataclass
class Problem:
    """One `kubesvc check` finding: the object it is about and the reason."""

    object: str
    reason: Reason

    def to_dict(self) -> dict:
        return {"object": self.object, **self.reason.to_dict()}


def exit_code(record) -> int:
    """0 when traffic is delivered or the name answers, 1 otherwise (docs/resolve.md)."""
    if isinstance(record, DnsResult):
        return 0 if record.rcode == "NOERROR" and record.answers else 1
    return 0 if record.delivered() else 1
