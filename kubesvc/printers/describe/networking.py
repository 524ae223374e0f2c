"""`kubectl describe` for Ingress, IngressClass and NetworkPolicy, as kubectl 1.37
`pkg/describe/describe.go` writes them (IngressDescriber.describeIngressV1 with
describeBackendV1 and describeIngressTLSV1, IngressClassDescriber.describeIngressClassV1,
describeNetworkPolicy with describeNetworkPolicySpec and its ingress/egress printers).

An Ingress's backends are described from the namespace's Services and EndpointSlices the
caller passes in: `NAME:PORT (ENDPOINTS)`, or the API's NotFound error in place of the
endpoints when the Service does not exist, as kubectl shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kubesvc.api.selectors import format_label_selector
from kubesvc.printers.describe.prefix_writer import (
    PrefixWriter,
    annotations_multiline,
    events,
    labels_multiline,
    now_or_local,
)
from kubesvc.printers.describe.service_describer import format_endpoint_slices
from kubesvc.printers.duration import parse_time

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


# --- Ingress --------------------------------------------------------------------------------

def load_balancer_address(status: dict | None) -> str:
    """ingressLoadBalancerStatusStringerV1 (wide): the set of IPs or hostnames, sorted."""
    found = set()
    for item in ((status or {}).get("loadBalancer") or {}).get("ingress") or []:
        value = (item or {}).get("ip") or (item or {}).get("hostname")
        if value:
            found.add(value)
    return ",".join(sorted(found))


def service_backend_string(service: dict) -> str:
    """serviceBackendStringer: `name:number`, or `name:portName` when no number is set."""
    port = service.get("port") or {}
    number = port.get("number") or 0
    return f"{service.get('name', '')}:{number if number else port.get('name', '')}"


def describe_backend(backend: dict, services: Sequence[dict], slices: Sequence[dict]) -> str:
    """describeBackendV1: a Service backend with its ready endpoints, or a resource."""
    service = backend.get("service")
    if service is not None:
        name = service.get("name", "")
        text = service_backend_string(service)
        svc = next((s for s in services if (s.get("metadata") or {}).get("name") == name), None)
        if svc is None:
            return f'{text} (<error: services "{name}" not found>)'
        port = service.get("port") or {}
        number, port_name = port.get("number") or 0, port.get("name") or ""
        chosen = ""
        for sp in (svc.get("spec") or {}).get("ports") or []:
            if number and number == sp.get("port"):
                chosen = sp.get("name") or ""
            elif port_name and port_name == (sp.get("name") or ""):
                chosen = sp.get("name") or ""
        mine = [s for s in slices
                if ((s.get("metadata") or {}).get("labels") or {}).get(SERVICE_NAME_LABEL) == name]
        return f"{text} ({format_endpoint_slices(mine, chosen)})"
    resource = backend.get("resource")
    if resource is not None:
        group = resource.get("apiGroup")
        return (f"APIGroup: {'<none>' if group is None else group}, "
                f"Kind: {resource.get('kind', '')}, Name: {resource.get('name', '')}")
    return ""


def describe_ingress(ing: dict, services: Sequence[dict] = (), slices: Sequence[dict] = (), *,
                     show_events: bool = True, now: datetime | None = None) -> str:
    md, spec = ing.get("metadata") or {}, ing.get("spec") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    w.write(0, f"Address:\t{load_balancer_address(ing.get('status'))}\n")
    class_name = spec.get("ingressClassName")
    w.write(0, f"Ingress Class:\t{'<none>' if class_name is None else class_name}\n")
    default = spec.get("defaultBackend")
    default_text = "<default>" if default is None else describe_backend(default, services, slices)
    w.write(0, f"Default backend:\t{default_text}\n")
    if spec.get("tls"):
        w.write(0, "TLS:\n")
        for tls in spec["tls"]:
            hosts = ",".join((tls or {}).get("hosts") or [])
            secret = (tls or {}).get("secretName") or ""
            w.write(1, f"SNI routes {hosts}\n" if not secret else f"{secret} terminates {hosts}\n")
    w.write(0, "Rules:\n  Host\tPath\tBackends\n")
    w.write(1, "----\t----\t--------\n")
    count = 0
    for rule in spec.get("rules") or []:
        http = (rule or {}).get("http")
        if http is None:
            continue
        count += 1
        w.write(1, f"{rule.get('host') or '*'}\t\n")
        for path in http.get("paths") or []:
            backend = describe_backend(path.get("backend") or {}, services, slices)
            w.write(2, f"\t{path.get('path', '')} \t{backend}\n")
    if count == 0:
        w.write(1, f"*\t*\t{default_text}\n")
    annotations_multiline(w, "Annotations", md.get("annotations"))
    events(w, show_events)
    return w.render()


# --- IngressClass ---------------------------------------------------------------------------

def describe_ingress_class(ic: dict, *, show_events: bool = True,
                           now: datetime | None = None) -> str:
    md, spec = ic.get("metadata") or {}, ic.get("spec") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Controller:\t{spec.get('controller', '')}\n")
    params = spec.get("parameters")
    if params is not None:
        w.write(0, "Parameters:\n")
        if params.get("apiGroup") is not None:
            w.write(1, f"APIGroup:\t{params['apiGroup']}\n")
        w.write(1, f"Kind:\t{params.get('kind', '')}\n")
        w.write(1, f"Name:\t{params.get('name', '')}\n")
    events(w, show_events)
    return w.render()


# --- NetworkPolicy --------------------------------------------------------------------------

def go_time_string(timestamp: str | None, now: datetime | None) -> str:
    """metav1.Time printed with %s: Go's time.Time.String() in the local zone, e.g.
    `2026-01-01 00:00:00 +0000 UTC`; an unset time is Go's zero time."""
    parsed = parse_time(timestamp)
    if parsed is None:
        return "0001-01-01 00:00:00 +0000 UTC"
    local = parsed.astimezone(now_or_local(now).tzinfo)
    offset = local.strftime("%z")
    return f"{local.strftime('%Y-%m-%d %H:%M:%S')} {offset} {local.tzname() or offset}"


def _port_text(port: dict) -> str:
    """IntOrString's String(): the number or the name; `<nil>` for an unset port."""
    value = port.get("port")
    return "<nil>" if value is None else str(value)


# (policy type, rules key, peers key, peers title, line for no peers, line for no rules), as
# describe.go's printNetworkPolicySpecIngressFrom and printNetworkPolicySpecEgressTo word them
_DIRECTIONS = (
    ("Ingress", "ingress", "from", "From", "From: <any> (traffic not restricted by source)",
     "<none> (Selected pods are isolated for ingress connectivity)"),
    ("Egress", "egress", "to", "To", "To: <any> (traffic not restricted by destination)",
     "<none> (Selected pods are isolated for egress connectivity)"),
)


def _rules(w: PrefixWriter, rules: list, peers_key: str, peers_title: str,
           any_peer: str, isolated: str) -> None:
    """printNetworkPolicySpecIngressFrom / printNetworkPolicySpecEgressTo."""
    indent = "    "
    if not rules:
        w.write(0, f"{indent}{isolated}\n")
        return
    for i, rule in enumerate(rules):
        rule = rule or {}
        ports = rule.get("ports") or []
        if not ports:
            w.write(0, f"{indent}To Port: <any> (traffic allowed to all ports)\n")
        for port in ports:
            port = port or {}
            proto = port.get("protocol") or "TCP"
            if port.get("endPort") is None:
                w.write(0, f"{indent}To Port: {_port_text(port)}/{proto}\n")
            else:
                w.write(0, f"{indent}To Port Range: {_port_text(port)}-{port['endPort']}/{proto}\n")
        peers = rule.get(peers_key) or []
        if not peers:
            w.write(0, f"{indent}{any_peer}\n")
        for peer in peers:
            _peer(w, peer or {}, indent, peers_title)
        if i != len(rules) - 1:
            w.write(0, f"{indent}----------\n")


def _peer(w: PrefixWriter, peer: dict, indent: str, title: str) -> None:
    w.write(0, f"{indent}{title}:\n")
    pods, namespaces, block = (peer.get("podSelector"), peer.get("namespaceSelector"),
                               peer.get("ipBlock"))
    if namespaces is not None:
        w.write(1, f"{indent}NamespaceSelector: {format_label_selector(namespaces)}\n")
    if pods is not None:
        w.write(1, f"{indent}PodSelector: {format_label_selector(pods)}\n")
    if pods is None and namespaces is None and block is not None:
        w.write(1, f"{indent}IPBlock:\n")
        w.write(2, f"{indent}CIDR: {block.get('cidr', '')}\n")
        w.write(2, f"{indent}Except: {', '.join(block.get('except') or [])}\n")


def describe_network_policy(np: dict, *, show_events: bool = True,
                            now: datetime | None = None) -> str:
    """describeNetworkPolicy: kubectl never lists a NetworkPolicy's events."""
    md, spec = np.get("metadata") or {}, np.get("spec") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    w.write(0, f"Created on:\t{go_time_string(md.get('creationTimestamp'), now)}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, "Spec:\n")
    w.write(1, "PodSelector: ")
    selector = spec.get("podSelector") or {}
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        w.write(2, "<none> (Allowing the specific traffic to all pods in this namespace)\n")
    else:
        w.write(2, f"{format_label_selector(selector)}\n")
    types = spec.get("policyTypes") or []
    for policy_type, key, peers_key, peers_title, any_peer, isolated in _DIRECTIONS:
        if policy_type in types:
            w.write(1, f"Allowing {key} traffic:\n")
            _rules(w, spec.get(key) or [], peers_key, peers_title, any_peer, isolated)
        else:
            w.write(1, f"Not affecting {key} traffic\n")
    w.write(1, f"Policy Types: {', '.join(types) or '<none>'}\n")
    return w.render()
