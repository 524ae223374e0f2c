"""Why a Service's answer is empty or partial, as a learner needs it (spec routing-and-dns.md
§7): each finding is a `Reason` naming the Kubernetes rule that applied.

The checks follow the order the controllers and consumers apply their rules: which pods the
selector picks (k8s pkg/controller/endpointslice syncService), which of them become endpoints
(ShouldPodBeInEndpoints, podToEndpoint), which ports resolve (FindPort), and what kube-proxy's
traffic policies and the load balancer status then make of it.
"""

from __future__ import annotations

from kubesvc.controllers import endpointutil as eu
from kubesvc.resolver import records as rec
from kubesvc.resolver.records import Reason

WORKLOAD_GKS = ("Deployment.apps", "StatefulSet.apps", "DaemonSet.apps", "ReplicaSet.apps")
MAX_NAMES = 3


def diagnose_service(view, svc: dict) -> list[Reason]:
    """Every finding about one Service, most important first."""
    kind = eu.spec(svc).get("type") or "ClusterIP"
    if kind == "ExternalName":
        return _external_name(svc)
    out: list[Reason] = []
    if "service.kubernetes.io/service-proxy-name" in eu.labels_of(svc):
        out.append(Reason("proxy-ignored", f"{_key(svc)} is labelled "
                                           "service.kubernetes.io/service-proxy-name"))
    if eu.has_selector(svc):
        out += _selected(view, svc) + hostname_findings(view, svc)
    else:
        out += _selectorless(view, svc)
    out += _policies(view, svc) + _load_balancer(svc) + _extras(svc)
    return out


def _key(obj: dict) -> str:
    return f"{eu.namespace_of(obj)}/{eu.meta(obj).get('name', '')}"


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_NAMES])
    return shown + (f" and {len(items) - MAX_NAMES} more" if len(items) > MAX_NAMES else "")


def _external_name(svc: dict) -> list[Reason]:
    host = eu.spec(svc).get("externalName") or ""
    out = [Reason("externalname", f"{_key(svc)} is an alias: DNS answers CNAME {host}")]
    if eu.parse_ip(host):
        out.insert(0, Reason("externalname-ip", f"externalName {host} is an IP address: "
                                                "cluster DNS answers NXDOMAIN for the Service"))
    if eu.spec(svc).get("ports"):
        out.append(Reason("externalname-ports", "spec.ports are ignored for ExternalName"))
    return out


# --- endpoints: selector, pods, ports ---------------------------------------------------------


def _selectorless(view, svc: dict) -> list[Reason]:
    if _key(svc) == "default/kubernetes":
        return [Reason("no-selector", "kube-apiserver keeps the endpoints of default/kubernetes "
                                      "itself (not modelled by kubesvc)", severity=rec.INFO)]
    if any(eps.get("endpoints") for eps in view.slices_for(svc)):
        return []
    legacy = view.endpoints_for(svc)
    if legacy is not None and eu.labels_of(legacy).get(eu.SKIP_MIRROR_LABEL) == "true":
        return [Reason("skip-mirror", f"Endpoints {_key(legacy)} is not mirrored")]
    return [Reason("no-selector", f"{_key(svc)} has no selector, and no EndpointSlice or "
                                  "Endpoints object gives it addresses")]


def _selected(view, svc: dict) -> list[Reason]:
    from kubesvc.controllers.endpoints import service_selects

    pods = [p for p in view.pods(eu.namespace_of(svc)) if service_selects(svc, p)]
    if not pods:
        return _no_match(view, svc)
    out = _pod_states(view, svc, pods)
    for sport in eu.service_ports(svc):
        out += _port_findings(svc, sport, [p for p in pods if eu.pod_ips(p)])
    return out


def _no_match(view, svc: dict) -> list[Reason]:
    selector = dict(eu.spec(svc)["selector"])
    shown = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    out = [Reason("selector-no-match", f"selector {shown} matches no pod in namespace "
                                       f"{eu.namespace_of(svc)}")]
    out += _near_misses(view.pods(eu.namespace_of(svc)), selector)
    elsewhere = [p for p in view.pods() if eu.namespace_of(p) != eu.namespace_of(svc)
                 and _misses(p, selector) == []]
    for ns in sorted({eu.namespace_of(p) for p in elsewhere}):
        count = sum(1 for p in elsewhere if eu.namespace_of(p) == ns)
        out.append(Reason("selector-no-match", f"{count} pod(s) in namespace {ns} match, but a "
                                               "Service only selects pods of its own namespace",
                          severity=rec.INFO))
    return out + _workload_labels(view, svc, selector)


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


def _near_misses(pods: list[dict], selector: dict) -> list[Reason]:
    """The pods that miss the selector by the fewest labels, grouped by what they miss."""
    scored = [(len(d), tuple(d), eu.meta(p)["name"]) for p in pods
              if len(d := _misses(p, selector)) < len(selector)]
    if not scored:
        return []
    best = min(s[0] for s in scored)
    groups: dict[tuple, list[str]] = {}
    for score, diff, name in scored:
        if score == best:
            groups.setdefault(diff, []).append(name)
    return [Reason("selector-no-match", f"{len(names)} pod(s) ({_names(sorted(names))}) come "
                                        f"closest: {'; '.join(diff)}", severity=rec.INFO)
            for diff, names in sorted(groups.items())]


def _workload_labels(view, svc: dict, selector: dict) -> list[Reason]:
    """Workloads whose own labels match the selector while their pod template does not
    (kube-linter#179), or whose matching template makes no pods (replicas: 0)."""
    out = []
    for gk in WORKLOAD_GKS:
        for wl in view.objects(gk, eu.namespace_of(svc)):
            what = f"{gk.split('.')[0]} {eu.meta(wl)['name']}"
            template = ((eu.spec(wl).get("template") or {}).get("metadata") or {}).get(
                "labels") or {}
            diff = _label_diff(template, selector)
            if diff and not _misses(wl, selector):
                out.append(Reason("selector-deployment-labels",
                                  f"the selector matches {what}'s own labels, but its pods "
                                  f"carry {_fmt(template)}: {'; '.join(diff)}"))
            elif not diff and eu.spec(wl).get("replicas") == 0:
                out.append(Reason("selector-no-match", f"{what} would make matching pods but "
                                                       "has replicas: 0", severity=rec.INFO))
    return out


def _fmt(labels: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "no labels"


def pod_state(view, svc: dict, pod: dict) -> str | None:
    """The first rule that keeps the pod from a ready endpoint (None: it gives one)."""
    publish = bool(eu.spec(svc).get("publishNotReadyAddresses"))
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        return "pod-terminal"
    if not eu.pod_ips(pod):
        return "pod-no-ip"
    node = eu.spec(pod).get("nodeName")
    if not publish and node and view.node(node) is None:
        return "pod-node-missing"
    if eu.is_terminating(pod) and not publish:
        return "pod-terminating"
    if not eu.is_pod_ready(pod) and not publish:
        return "pod-not-ready"
    return None


_STATE_TEXT = {
    "pod-terminal": "are Succeeded or Failed",
    "pod-no-ip": "have no IP yet (Pending: not scheduled or not started)",
    "pod-node-missing": "run on a Node that does not exist",
    "pod-terminating": "are terminating",
    "pod-not-ready": "are not Ready",
}


def _pod_states(view, svc: dict, pods: list[dict]) -> list[Reason]:
    groups: dict[str, list[str]] = {}
    for pod in pods:
        state = pod_state(view, svc, pod)
        if state:
            groups.setdefault(state, []).append(eu.meta(pod)["name"])
    none_ready = sum(len(v) for v in groups.values()) == len(pods)
    out = []
    for code, names in groups.items():
        out.append(Reason(code, f"{len(names)} of {len(pods)} selected pods "
                                f"{_STATE_TEXT[code]}: {_names(sorted(names))}",
                          severity=rec.ERROR if none_ready else rec.WARNING))
    if eu.spec(svc).get("publishNotReadyAddresses"):
        out.append(Reason("pnra", f"{_key(svc)} publishes not-ready addresses"))
    return out


def _port_findings(svc: dict, sport: dict, pods: list[dict]) -> list[Reason]:
    target = sport["targetPort"]
    label = f"port {sport['port']}/{sport['protocol']} → targetPort {target!r}"
    if not isinstance(target, str):
        declared = {c.get("containerPort") for p in pods for c in _cports(p)}
        if pods and declared and int(target) not in declared:
            return [Reason("port-unchecked", f"{label}: no container declares {target} "
                                             f"(they declare {sorted(declared)}); it is used "
                                             "anyway", severity=rec.WARNING)]
        return []
    groups: dict[str, list[str]] = {}
    for pod in pods:
        if eu.find_port(pod, sport) is None:
            groups.setdefault(_why_port(pod, sport), []).append(eu.meta(pod)["name"])
    severity = rec.ERROR if sum(map(len, groups.values())) == len(pods) else rec.WARNING
    texts = {"named-port-absent": f"no container port is named {target!r}",
             "named-port-protocol": f"the container port {target!r} is not "
                                    f"{sport['protocol']} (containerPort protocol defaults to "
                                    "TCP)",
             "named-port-init": f"{target!r} is declared only on a (non-sidecar) init container"}
    return [Reason(code, f"{label}: {len(names)} pod(s) ({_names(sorted(names))}): "
                         f"{texts[code]}; they get no endpoint for this port", severity=severity)
            for code, names in sorted(groups.items())]


def _cports(pod: dict) -> list[dict]:
    return [c for ct in eu.spec(pod).get("containers") or () for c in ct.get("ports") or ()]


def _why_port(pod: dict, sport: dict) -> str:
    name = sport["targetPort"]
    if any(c.get("name") == name for c in _cports(pod)):
        return "named-port-protocol"
    inits = eu.spec(pod).get("initContainers") or ()
    if any(c.get("name") == name for ct in inits for c in ct.get("ports") or ()):
        return "named-port-init"
    return "named-port-absent"


# --- traffic policies, load balancer, extras --------------------------------------------------


def _policies(view, svc: dict) -> list[Reason]:
    from kubesvc.resolver import routing

    out = []
    nodes = [eu.meta(n)["name"] for n in view.nodes()]
    if routing.etp_local(svc):
        bare = [n for n in nodes if routing.local_ready_count(view, svc, n) == 0]
        if bare and _has_ready(view, svc):
            out.append(Reason("local-nodes", f"externalTrafficPolicy: Local: nodes "
                                             f"{_names(bare)} run no ready endpoint: NodePort "
                                             "and load-balancer traffic they receive is "
                                             "dropped, and their health check answers 503"))
    if routing.itp_local(svc):
        bare = [n for n in nodes if not _local_usable(view, svc, n)]
        if bare and _has_ready(view, svc):
            out.append(Reason("local-nodes", f"internalTrafficPolicy: Local: ClusterIP "
                                             f"traffic from pods on {_names(bare)} is dropped "
                                             "(no endpoint on their node)"))
    return out


def _has_ready(view, svc: dict) -> bool:
    from kubesvc.resolver import routing

    return any(e.ready for p in routing.service_ports(svc)
               for e in routing.proxy_endpoints(view, svc, p, None))


def _local_usable(view, svc: dict, node: str) -> bool:
    from kubesvc.resolver import routing

    return any(e.node == node and (e.ready or (e.serving and e.terminating))
               for p in routing.service_ports(svc)
               for e in routing.proxy_endpoints(view, svc, p, None))


def _load_balancer(svc: dict) -> list[Reason]:
    from kubesvc.resolver import routing

    if routing.svc_type(svc) != "LoadBalancer":
        return []
    out = []
    entries = routing.ingress(svc)
    if not entries:
        # a warning here: the cluster IP and NodePorts still work (the route says no-ingress)
        out.append(Reason("lb-pending", "EXTERNAL-IP <pending>: no address pool serves it",
                          severity=rec.WARNING))
    for entry in entries:
        if entry.get("ipMode") == "Proxy" or not entry.get("ip"):
            shown = entry.get("ip") or entry.get("hostname")
            out.append(Reason("lb-proxy-mode", f"ingress {shown}: kube-proxy installs no rule"))
    if eu.spec(svc).get("allocateLoadBalancerNodePorts") is False:
        out.append(Reason("no-node-ports", f"{_key(svc)} has no NodePorts"))
    if eu.spec(svc).get("loadBalancerSourceRanges"):
        ranges = ", ".join(eu.spec(svc)["loadBalancerSourceRanges"])
        out.append(Reason("source-range-nodeport", f"only sources in {ranges} reach the "
                                                   "load-balancer IP; its NodePorts stay open "
                                                   "to all"))
    return out


def _extras(svc: dict) -> list[Reason]:
    from kubesvc.resolver import routing

    out = []
    aff = routing.affinity(svc)
    if aff:
        out.append(Reason("affinity", f"sessionAffinity: ClientIP, timeout "
                                      f"{aff['timeoutSeconds']}s"))
    if not eu.is_service_ip_set(svc):
        out.append(Reason("headless", f"{_key(svc)} is headless"))
    return out


def hostname_findings(view, svc: dict) -> list[Reason]:
    """Pods that name this Service as their subdomain but get no per-pod DNS name."""
    from kubesvc.controllers.endpoints import service_selects

    out = []
    for pod in view.pods(eu.namespace_of(svc)):
        if eu.spec(pod).get("subdomain") != eu.meta(svc)["name"]:
            continue
        name = eu.meta(pod)["name"]
        if not service_selects(svc, pod):
            out.append(Reason("hostname-subdomain", f"pod {name} sets subdomain "
                                                    f"{eu.meta(svc)['name']} but the Service "
                                                    "does not select it"))
        elif not eu.spec(pod).get("hostname"):
            out.append(Reason("hostname-subdomain", f"pod {name} sets no hostname: it appears "
                                                    "only in the Service's A records",
                              severity=rec.INFO))
    return out

