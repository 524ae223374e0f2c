"""Why a Service's answer is empty or partial, as a learner needs it (spec routing-and-dns.md
§7): each finding is a `Reason` naming the Kubernetes rule that applied.

The checks follow the order the controllers and consumers apply their rules: which pods the
selector picks (k8s pkg/controller/endpointslice syncService), which of them become endpoints
(ShouldPodBeInEndpoints, podToEndpoint), which ports resolve (FindPort), and what kube-proxy's
traffic policies and the load balancer status then make of it.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from kubesvc.api.objects import meta, spec
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.controllers.endpoints import service_selects
from kubesvc.resolver import records as rec
from kubesvc.resolver import routing
from kubesvc.resolver.address_pools import metallb_assignment, pending_reason
from kubesvc.resolver.records import Reason
from kubesvc.resolver.routing import ns_name

# The findings that explain missing or unusable endpoints (as opposed to policy findings)
ENDPOINT_CODES = frozenset({
    "selector-no-match", "selector-deployment-labels", "no-selector", "skip-mirror",
    "pod-not-ready", "pod-no-ip", "pod-terminal", "pod-terminating", "pod-node-missing", "pnra",
    "named-port-absent", "named-port-protocol", "named-port-init", "port-unchecked"})
WORKLOAD_GKS = ("Deployment.apps", "StatefulSet.apps", "DaemonSet.apps", "ReplicaSet.apps")
MAX_NAMES = 3


def diagnose_service(view, svc: dict) -> list[Reason]:
    """Every finding about one Service, most important first."""
    kind = spec(svc).get("type") or "ClusterIP"
    if kind == "ExternalName":
        return _external_name(svc)
    out: list[Reason] = []
    if "service.kubernetes.io/service-proxy-name" in eu.labels_of(svc):
        out.append(Reason("proxy-ignored", f"{ns_name(svc)} is labelled "
                                           "service.kubernetes.io/service-proxy-name"))
    if eu.has_selector(svc):
        out += _selected(view, svc) + hostname_findings(view, svc)
    else:
        out += _selectorless(view, svc)
    out += _policies(view, svc) + _load_balancer(view, svc) + _extras(svc)
    return out


def pods_in(view, namespace: str | None = None) -> list[dict]:
    """The view's pods (of one namespace) as briefs (labels, name and namespace are all the
    callers read), read once per view: `check` asks for every Service."""
    cache = view.__dict__.setdefault("_kubesvc_pods", {})
    if namespace not in cache:
        if namespace is not None and None in cache:
            cache[namespace] = [p for p in cache[None] if eu.namespace_of(p) == namespace]
        else:
            cache[namespace] = view.pod_briefs(namespace)
    return cache[namespace]


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_NAMES])
    return shown + (f" and {len(items) - MAX_NAMES} more" if len(items) > MAX_NAMES else "")


def _external_name(svc: dict) -> list[Reason]:
    host = spec(svc).get("externalName") or ""
    out = [Reason("externalname", f"{ns_name(svc)} is an alias: DNS answers CNAME {host}")]
    if eu.parse_ip(host):
        out.insert(0, Reason("externalname-ip", f"externalName {host} is an IP address: "
                                                "cluster DNS answers NXDOMAIN for the Service"))
    if spec(svc).get("ports"):
        out.append(Reason("externalname-ports", "spec.ports are ignored for ExternalName"))
    return out


# --- endpoints: selector, pods, ports ---------------------------------------------------------


def _selectorless(view, svc: dict) -> list[Reason]:
    if ns_name(svc) == "default/kubernetes":
        return [Reason("no-selector", "kube-apiserver keeps the endpoints of default/kubernetes "
                                      "itself: its own address on every control-plane node, "
                                      "port 6443", severity=rec.INFO)]
    if any(eps.get("endpoints") for eps in view.slices_for(svc)):
        return []
    legacy = view.endpoints_for(svc)
    if legacy is not None and eu.labels_of(legacy).get(eu.SKIP_MIRROR_LABEL) == "true":
        return [Reason("skip-mirror", f"Endpoints {ns_name(legacy)} is not mirrored")]
    return [Reason("no-selector", f"{ns_name(svc)} has no selector, and no EndpointSlice or "
                                  "Endpoints object gives it addresses")]


# The elements of a pod's brief (table_cells.pod_brief) diagnosis reads; a brief holds what
# the helpers below would read of the whole pod (tests/resolver/test_store_view_bulk.py)
_LABELS, _PHASE, _IPS, _READY, _DELETED, _NODE, _PORTS, _INITS = range(8)
_PORT_NAME, _PORT_NUMBER, _PORT_PROTOCOL = range(3)


def _selected(view, svc: dict) -> list[Reason]:
    """The selected pods' findings, read from their briefs (`check` asks for every Service:
    no pod-shaped dict is built)."""
    pods = view.selected_briefs(eu.namespace_of(svc), spec(svc)["selector"])
    if not pods:
        return _no_match(view, svc)
    out = _pod_states(view, svc, pods)
    with_ip = [pod for pod in pods if pod[1][_IPS]]
    for sport in eu.service_ports(svc):
        out += _port_findings(svc, sport, with_ip)
    return out


def _no_match(view, svc: dict) -> list[Reason]:
    """One error with the details a learner needs: the nearest pods and what they miss, the
    namespaces where pods do match, workloads that would match but make no pods."""
    selector = dict(spec(svc)["selector"])
    if ns_name(svc) == "kube-system/kube-dns":
        return [Reason("selector-no-match", "cluster DNS has no CoreDNS pod: in a real cluster "
                                            "every DNS query would fail (kubesvc still "
                                            "answers as CoreDNS would; `kubesvc cluster init` "
                                            "installs CoreDNS)", severity=rec.WARNING)]
    details = _near_misses(pods_in(view, eu.namespace_of(svc)), selector)
    elsewhere = [p for p in pods_in(view) if eu.namespace_of(p) != eu.namespace_of(svc)
                 and not _misses(p, selector)]
    for ns in sorted({eu.namespace_of(p) for p in elsewhere}):
        count = sum(1 for p in elsewhere if eu.namespace_of(p) == ns)
        details.append(f"{count} pod(s) in namespace {ns} match, but a Service only selects "
                       "pods of its own namespace")
    mistakes, idle = _workload_labels(view, svc, selector)
    message = f"selector {_fmt(selector)} matches no pod in namespace {eu.namespace_of(svc)}"
    return [Reason("selector-no-match", message + "".join(f"\n- {d}" for d in details + idle)),
            *mistakes]


def _misses(obj: dict, selector: dict) -> list[str]:
    return _label_diff(eu.labels_of(obj), selector)


def _label_diff(labels: dict, selector: dict) -> list[str]:
    out = []
    for key, want in sorted(selector.items()):
        if key not in labels:
            out.append(f"has no label {key}")
        elif labels[key] != want:
            out.append(f"{key} is {labels[key]!r}, not {want!r}")
    return out


def _near_misses(pods: list[dict], selector: dict) -> list[str]:
    """The pods that share a selector key and miss the fewest labels, grouped by what they
    miss, the groups whose values look most like the wanted ones first (a typo)."""
    groups: dict[tuple, list[dict]] = {}
    for p in pods:
        if set(eu.labels_of(p)) & set(selector):
            groups.setdefault(tuple(_misses(p, selector)), []).append(p)
    if not groups:
        return []
    best = min(len(diff) for diff in groups)
    near = sorted((d for d in groups if len(d) == best),
                  key=lambda d: (-_likeness(eu.labels_of(groups[d][0]), selector), d))
    return [f"closest: {len(groups[d])} pod(s) "
            f"({_names(sorted(meta(p)['name'] for p in groups[d]))}): {'; '.join(d)}"
            for d in near[:MAX_NAMES]]


def _likeness(labels: dict, selector: dict) -> float:
    return sum(SequenceMatcher(None, labels.get(k, ""), v).ratio() for k, v in selector.items())


def _workload_labels(view, svc: dict, selector: dict) -> tuple[list[Reason], list[str]]:
    """Workloads whose own labels match the selector while their pod template does not
    (kube-linter#179), and those whose matching template makes no pods (replicas: 0)."""
    mistakes, idle = [], []
    for gk in WORKLOAD_GKS:
        for wl in view.objects(gk, eu.namespace_of(svc)):
            what = f"{gk.split('.')[0]} {meta(wl)['name']}"
            template = ((spec(wl).get("template") or {}).get("metadata") or {}).get(
                "labels") or {}
            diff = _label_diff(template, selector)
            if diff and not _misses(wl, selector):
                mistakes.append(Reason("selector-deployment-labels",
                                       f"the selector matches {what}'s own labels, but its pods "
                                       f"carry {_fmt(template)}: {'; '.join(diff)}"))
            elif not diff and spec(wl).get("replicas") == 0:
                idle.append(f"{what} would make matching pods but has replicas: 0")
    return mistakes, idle


def _fmt(labels: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "no labels"


_STATE_TEXT = {
    "pod-terminal": "are Succeeded or Failed",
    "pod-no-ip": "have no IP yet (Pending: not scheduled or not started)",
    "pod-node-missing": "run on a Node that does not exist",
    "pod-terminating": "are terminating",
    "pod-not-ready": "are not Ready",
}


def _brief_state(view, publish: bool, brief: list) -> str | None:
    """The first rule that keeps the pod (its brief) from a ready endpoint (None: it gives
    one)."""
    if brief[_PHASE] and brief[_PHASE][0] in ("Succeeded", "Failed"):
        return "pod-terminal"
    if not brief[_IPS]:
        return "pod-no-ip"
    if publish:
        return None
    node = brief[_NODE]
    if node and view.node(node) is None:
        return "pod-node-missing"
    if brief[_DELETED] is not None:
        return "pod-terminating"
    if not brief[_READY]:
        return "pod-not-ready"
    return None


def _pod_states(view, svc: dict, pods: list[tuple[str, list]]) -> list[Reason]:
    groups: dict[str, list[str]] = {}
    publish = bool(spec(svc).get("publishNotReadyAddresses"))
    for name, brief in pods:
        state = _brief_state(view, publish, brief)
        if state:
            groups.setdefault(state, []).append(name)
    none_ready = sum(len(v) for v in groups.values()) == len(pods)
    out = []
    for code, names in groups.items():
        out.append(Reason(code, f"{len(names)} of {len(pods)} selected pods "
                                f"{_STATE_TEXT[code]}: {_names(sorted(names))}",
                          severity=rec.ERROR if none_ready else rec.WARNING))
    if spec(svc).get("publishNotReadyAddresses"):
        out.append(Reason("pnra", f"{ns_name(svc)} publishes not-ready addresses"))
    return out


def _port_findings(svc: dict, sport: dict, pods: list[tuple[str, list]]) -> list[Reason]:
    target = sport["targetPort"]
    label = f"port {sport['port']}/{sport['protocol']} → targetPort {target!r}"
    if not isinstance(target, str):
        declared = {c[_PORT_NUMBER] for _, b in pods for c in b[_PORTS]}
        if pods and declared and int(target) not in declared:
            return [Reason("port-unchecked", f"{label}: no container declares {target} "
                                             f"(they declare {sorted(declared)}); it is used "
                                             "anyway", severity=rec.WARNING)]
        return []
    groups: dict[str, list[str]] = {}
    for name, brief in pods:
        if _find_port(brief, sport) is None:
            groups.setdefault(_why_port(brief, sport), []).append(name)
    severity = rec.ERROR if sum(map(len, groups.values())) == len(pods) else rec.WARNING
    texts = {"named-port-absent": f"no container port is named {target!r}",
             "named-port-protocol": f"the container port {target!r} is not "
                                    f"{sport['protocol']} (containerPort protocol defaults to "
                                    "TCP)",
             "named-port-init": f"{target!r} is declared only on a (non-sidecar) init container"}
    return [Reason(code, f"{label}: {len(names)} pod(s) ({_names(sorted(names))}): "
                         f"{texts[code]}; they get no endpoint for this port", severity=severity)
            for code, names in sorted(groups.items())]


def _find_port(brief: list, sport: dict) -> int | None:
    """eu.find_port (FindPort) of a named targetPort, read from a pod's brief: a container
    port, then a restartable init container's (sidecar's), of that name and protocol."""
    name, protocol = sport["targetPort"], sport["protocol"]
    sidecars = [ports for policy, ports in brief[_INITS] if policy == "Always"]
    for ports in (brief[_PORTS], *sidecars):
        for c in ports:
            if c[_PORT_NAME] == name and (c[_PORT_PROTOCOL] or "TCP") == protocol:
                return int(c[_PORT_NUMBER])
    return None


def _why_port(brief: list, sport: dict) -> str:
    name = sport["targetPort"]
    if any(c[_PORT_NAME] == name for c in brief[_PORTS]):
        return "named-port-protocol"
    if any(c[_PORT_NAME] == name for _, ports in brief[_INITS] for c in ports):
        return "named-port-init"
    return "named-port-absent"


# --- traffic policies, load balancer, extras --------------------------------------------------


def _policies(view, svc: dict) -> list[Reason]:
    out: list[Reason] = []
    if not (routing.etp_local(svc) or routing.itp_local(svc)):
        return out  # the node names below are only needed then (check asks per Service)
    nodes = [meta(n)["name"] for n in view.nodes()]
    if routing.etp_local(svc):
        counts = routing.local_ready_counts(view, svc)
        bare = [n for n in nodes if not counts.get(n)]
        if bare and _has_ready(view, svc):
            out.append(Reason("local-nodes", f"externalTrafficPolicy: Local: "
                                             f"{_nodes_run(bare)} no ready endpoint: NodePort "
                                             "and load-balancer traffic arriving there is "
                                             "dropped, and the health check answers 503"))
    if routing.itp_local(svc):
        usable = _local_usable(view, svc)
        bare = [n for n in nodes if n not in usable]
        if bare and _has_ready(view, svc):
            out.append(Reason("local-nodes", f"internalTrafficPolicy: Local: ClusterIP "
                                             f"traffic from pods on {_names(bare)} is dropped "
                                             "(no endpoint on their node)"))
    return out


def _nodes_run(names: list[str]) -> str:
    return f"node {names[0]} runs" if len(names) == 1 else f"nodes {_names(names)} run"


def _has_ready(view, svc: dict) -> bool:
    return any(e.ready for p in routing.service_ports(svc)
               for e in routing.proxy_endpoints(view, svc, p, None))


def _local_usable(view, svc: dict) -> set[str]:
    """The nodes with a ready, or serving terminating, endpoint (iTP Local's fallback)."""
    return {e.node for p in routing.service_ports(svc)
            for e in routing.proxy_endpoints(view, svc, p, None)
            if e.ready or (e.serving and e.terminating)}


def _load_balancer(view, svc: dict) -> list[Reason]:
    if routing.svc_type(svc) != "LoadBalancer":
        return []
    out = []
    entries = routing.ingress(svc)
    if not entries:
        # a warning here: the cluster IP and NodePorts still work (the route says no-ingress)
        out.append(Reason("lb-pending", pending_reason(view, svc), severity=rec.WARNING))
    got = metallb_assignment(view, svc)
    out += [Reason("metallb-advertisement", w) for w in (got.warnings if got else [])]
    for entry in entries:
        if entry.get("ipMode") == "Proxy" or not entry.get("ip"):
            shown = entry.get("ip") or entry.get("hostname")
            out.append(Reason("lb-proxy-mode", f"ingress {shown}: kube-proxy installs no rule"))
    if spec(svc).get("allocateLoadBalancerNodePorts") is False:
        out.append(Reason("no-node-ports", f"{ns_name(svc)} has no NodePorts"))
    if spec(svc).get("loadBalancerSourceRanges"):
        ranges = ", ".join(spec(svc)["loadBalancerSourceRanges"])
        out.append(Reason("source-range-nodeport", f"only sources in {ranges} reach the "
                                                   "load-balancer IP; its NodePorts stay open "
                                                   "to all"))
    return out


def _extras(svc: dict) -> list[Reason]:
    out = []
    aff = routing.affinity(svc)
    if aff:
        out.append(Reason("affinity", f"sessionAffinity: ClientIP, timeout "
                                      f"{aff['timeoutSeconds']}s"))
    if not eu.is_service_ip_set(svc):
        out.append(Reason("headless", f"{ns_name(svc)} is headless"))
    return out


def hostname_findings(view, svc: dict) -> list[Reason]:
    """Pods that name this Service as their subdomain but get no per-pod DNS name."""
    out = []
    for pod in view.pods_with_subdomain(eu.namespace_of(svc), meta(svc)["name"]):
        if spec(pod).get("subdomain") != meta(svc)["name"]:
            continue
        name = meta(pod)["name"]
        if not service_selects(svc, pod):
            out.append(Reason("hostname-subdomain", f"pod {name} sets subdomain "
                                                    f"{meta(svc)['name']} but the Service "
                                                    "does not select it"))
        elif not spec(pod).get("hostname"):
            out.append(Reason("hostname-subdomain", f"pod {name} sets no hostname: it appears "
                                                    "only in the Service's A records",
                              severity=rec.INFO))
    return out

