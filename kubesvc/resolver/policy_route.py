"""NetworkPolicy verdicts on a computed Route: each backend kube-proxy picked (the pod IP and
target port, after DNAT) is judged with the source address the pod sees (the client's own
address, or the forwarding node's after masquerade), and DNS lookups of a pod client are judged
on their way to kube-dns (53/UDP and 53/TCP).
"""

from __future__ import annotations

from kubesvc.api.objects import meta, spec
from kubesvc.resolver import netpol, routing
from kubesvc.resolver import records as rec
from kubesvc.resolver.netpol import Peer, PolicyIndex
from kubesvc.resolver.records import EndpointRef, Reason, Route

_INDEX_ATTR = "_kubesvc_policy_index"


def index_for(view) -> PolicyIndex:
    """One index per view (a resolve asks for many connections of the same cluster)."""
    index = getattr(view, _INDEX_ATTR, None)
    if index is None:
        index = PolicyIndex(view)
        setattr(view, _INDEX_ATTR, index)
    return index


def client_peer(view, client: dict, source_kind: str | None = None) -> Peer:
    """The sender as the datapath sees it before any masquerade."""
    kind, ip = client.get("kind"), client.get("ip")
    if kind == "cluster" or (kind is None and source_kind == "cluster"):
        ns = client.get("namespace") or "default"
        pseudo: dict = {"metadata": {"namespace": ns, "name": "<any pod>", "labels": {}},
                        "spec": {}}
        return Peer(None, pseudo, None, f"a pod without labels in namespace {ns}")
    if kind == "external":
        return Peer(ip, None, None, f"external client {ip}")
    if kind == "pod":
        return _pod_peer(view, str(client.get("name") or ""), ip)
    return netpol.peer_for_ip(view, ip)


def _pod_peer(view, ns_name: str | None, ip: str | None) -> Peer:
    """A pod known by name (an endpoint's targetRef, a --from pod): read by key, not found by
    its address (which scans the pods)."""
    ns, _, name = (ns_name or "").partition("/")
    pod = view.pod(ns, name) if name else None
    if pod is None or spec(pod).get("hostNetwork"):
        return netpol.peer_for_ip(view, ip)
    return Peer(ip, pod, spec(pod).get("nodeName"))


def _masqueraded(view, node_name: str | None) -> Peer:
    node = view.node(node_name) if node_name else None
    ips = routing.node_ips(node)
    ip = ips[0] if ips else None
    return Peer(ip, None, node_name, f"node {node_name} ({ip}, after masquerade)")


def judge_route(view, route: Route, proto: str, source: Peer | None = None) -> Route:
    """Split the route's endpoints into reachable and blocked; DROP when none is reachable.
    `source` replaces the client (an Ingress controller pod proxies for it)."""
    if route.result not in (rec.FORWARD, rec.DIRECT) or not route.endpoints:
        return route
    index = index_for(view)
    paths: dict[str, list[tuple[Peer, EndpointRef]]] = {}
    if source is not None:
        paths = {ep.address: [(source, ep)] for ep in route.endpoints}
    elif route.nodes:
        client = client_peer(view, route.client)
        by_source: dict[str | None, tuple[Peer, dict[str, EndpointRef]]] = {}
        for v in route.nodes:  # one path per distinct source (many nodes share the client)
            masq = v.client_ip == "masqueraded"
            key = v.node if masq else None
            if key not in by_source:
                by_source[key] = (_masqueraded(view, v.node) if masq else client, {})
            eps = by_source[key][1]
            for ep in v.endpoints:
                eps.setdefault(ep.address, ep)
        for src, eps in by_source.values():
            for address, ep in eps.items():
                paths.setdefault(address, []).append((src, ep))
    else:
        paths = {ep.address: [(client_peer(view, route.client), ep)] for ep in route.endpoints}
    on = netpol.enforced(view)
    pods = index.peers  # backends read once per resolve (a Service's ports share them)
    kept: list[EndpointRef] = []
    blocked: list[EndpointRef] = []
    said: dict[tuple, list[EndpointRef]] = {}
    for ep in route.endpoints:
        entry = _backend(view, index, paths.get(ep.address) or [(client_peer(view, route.client),
                                                                 ep)], proto, pods)
        if not on and not entry["verdict"].allowed:
            entry["view"]["result"] = "not-enforced"  # would be dropped; the plugin lets it by
        route.policy.append(entry["view"])
        (kept if entry["verdict"].allowed or not on else blocked).append(ep)
        decision = entry["verdict"].deciding
        if decision is not None:
            said_key = (entry["verdict"].allowed, decision.direction, tuple(decision.policies),
                        decision.rule, entry["src"].describe())
            said.setdefault(said_key, []).append(ep)
    for said_key, same in said.items():
        _say(route, said_key, same, on)
    route.endpoints, route.blocked = kept, blocked
    if not kept:
        route.result = rec.DROP
    return route


def _backend(view, index: PolicyIndex, paths, proto: str, pods: dict[str, Peer]) -> dict:
    """The first path that gets through, or the last refused one."""
    chosen = None
    for src, ep in paths:
        host, _, port = ep.address.rpartition(":")
        dst = pods.get(ep.address)
        if dst is None:
            dst = pods[ep.address] = _pod_peer(view, ep.pod, host.strip("[]"))
        result = netpol.judge(index, src, dst, int(port), proto)
        chosen = (src, ep, result)
        if result.allowed:
            break
    assert chosen is not None
    src, ep, result = chosen
    decision = result.deciding
    data = {"backend": ep.address, "pod": ep.pod, "from": src.describe(),
            "result": "allow" if result.allowed else "drop",
            "direction": decision.direction if decision else None,
            "policies": decision.policies if decision else [],
            "rule": decision.rule if decision else result.note}
    return {"verdict": result, "view": data, "src": src, "ep": ep}


def _say(route: Route, key: tuple, eps: list[EndpointRef], on: bool) -> None:
    """One reason per (verdict, policies, rule, source), naming the backends it covers."""
    allowed, direction, policies, rule, src = key
    names = ", ".join(f"NetworkPolicy {n}" for n in policies)
    verb = "select" if len(policies) > 1 else "selects"
    pods = ", ".join(e.pod or e.address for e in eps)
    if direction == netpol.EGRESS:
        subject = f"the client ({src}), which sends to {pods}"
    else:
        subject = f"the pod{'s' if len(eps) > 1 else ''} ({pods})"
    if allowed:
        reason = Reason("network-policy", f"{names} {verb} {subject} for "
                                          f"{direction.lower()}; {rule} admits {src}",
                        severity=rec.INFO)
    elif not on:
        reason = Reason("network-policy-off", f"{names} {verb} {subject} and {rule}, but the "
                                              "cluster's network plugin does not enforce "
                                              "NetworkPolicies: delivered anyway")
    else:
        reason = Reason("network-policy", f"{names} {verb} {subject} and {rule}: DROP (the SYN "
                                          "is dropped; the client times out)")
    route.reasons.append(reason)


# --- DNS from a pod ------------------------------------------------------------------------------


def dns_reason(view, client: dict) -> Reason | None:
    """A pod's queries go to the kube-dns cluster IP, DNATed to a CoreDNS pod on 53/UDP (and
    53/TCP for long answers): a policy that blocks every CoreDNS backend makes lookups time
    out."""
    if client.get("kind") not in ("pod", "cluster") or client.get("namespace") is None:
        return None
    svc = view.service("kube-system", "kube-dns")
    if svc is None:
        return None
    index, src = index_for(view), client_peer(view, client)
    verdicts: dict[str, list] = {}
    for sport in routing.service_ports(svc):
        if sport["port"] != 53:
            continue
        for ep in routing.proxy_endpoints(view, svc, sport, None):
            if ep.ready:
                dst = _pod_peer(view, ep.pod, ep.ip)
                verdicts.setdefault(sport["protocol"], []).append(
                    netpol.judge(index, src, dst, ep.port, sport["protocol"]))
    udp, tcp = verdicts.get("UDP") or [], verdicts.get("TCP") or []
    if udp and any(v.allowed for v in udp) and tcp and not any(v.allowed for v in tcp):
        decision = tcp[0].deciding
        assert decision is not None
        return Reason("network-policy", f"DNS over TCP: {decision.rule} (to the CoreDNS pods of "
                                        "kube-system/kube-dns, 53/TCP): answers too large for "
                                        "UDP (truncated, retried over TCP) time out",
                      severity=rec.WARNING)
    if not udp or any(v.allowed for v in udp):
        return None
    decision = udp[0].deciding
    assert decision is not None
    names = ", ".join(f"NetworkPolicy {n}" for n in decision.policies)
    on = netpol.enforced(view)
    tail = ("but the cluster's network plugin does not enforce NetworkPolicies"
            if not on else "the lookup times out (no answer)")
    return Reason("network-policy" if on else "network-policy-off",
                  f"DNS: {names}: {decision.rule} (from {src.describe()} to the CoreDNS pods of "
                  f"kube-system/kube-dns, 53/UDP): {tail}")


def policy_names(view, pod: dict) -> list[str]:
    return [netpol.name_of(p) for p in index_for(view).selecting(pod)]


def pod_label(pod: dict) -> str:
    return f"{meta(pod).get('namespace', 'default')}/{meta(pod)['name']}"
