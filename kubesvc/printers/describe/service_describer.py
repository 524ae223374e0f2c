"""`kubectl describe` for Services (ports with their endpoints, ingress), Endpoints and
EndpointSlices, as kubectl `pkg/describe/describe.go` writes them.
"""

from __future__ import annotations

from datetime import datetime

from kubesvc.api.selectors import format_labels
from kubesvc.printers.describe.prefix_writer import (
    PrefixWriter,
    annotations_multiline,
    events,
    header,
    labels_multiline,
)
from kubesvc.printers.table.columns_core import join_host_port

# --- Service -------------------------------------------------------------------------------

def ingress_string(ingress: list[dict]) -> str:
    """buildIngressString: given order, `ip (ipMode)` or hostname, joined with `, `."""
    parts = []
    for ing in ingress:
        if ing.get("ip"):
            mode = ing.get("ipMode")
            parts.append(ing["ip"] + (f" ({mode})" if mode is not None else ""))
        else:
            parts.append(ing.get("hostname") or "")
    return ", ".join(parts)


def _is_ready(endpoint: dict) -> bool:
    ready = (endpoint.get("conditions") or {}).get("ready")
    return ready is None or bool(ready)


def format_endpoint_slices(slices: list[dict], port_name: str | None, limit: int = 3) -> str:
    """formatEndpointSlices (kubectl >= 1.31): ready endpoints of the slices, 3 shown."""
    if not slices:
        return "<none>"
    items: list[str] = []
    more, count = False, 0
    for eps in slices:
        ports = eps.get("ports") or []
        targets = [None] if not ports else [
            p for p in ports if port_name is None or (p.get("name") or "") == port_name
        ]
        for port in targets:
            for ep in eps.get("endpoints") or []:
                if len(items) == limit:
                    more = True
                if not _is_ready(ep) or not ep.get("addresses"):
                    continue
                if not more:
                    addr = ep["addresses"][0]
                    if port is not None and port.get("port") is not None:
                        addr = join_host_port(addr, port["port"])
                    items.append(addr)
                count += 1
    ret = ",".join(items)
    return f"{ret} + {count - limit} more..." if more else ret


def _target_port(port: dict) -> str:
    target = port.get("targetPort", 0)
    return str(target if target is not None else 0)


def _service_ports(w: PrefixWriter, s: dict, slices: list[dict]) -> None:
    for p in s.get("ports") or []:
        name = p.get("name") or "<unset>"
        proto = p.get("protocol") or ""
        w.write(0, f"Port:\t{name}\t{p.get('port', 0)}/{proto}\n")
        w.write(0, f"TargetPort:\t{_target_port(p)}/{proto}\n")
        if p.get("appProtocol") is not None:
            w.write(0, f"AppProtocol:\t{p['appProtocol']}\n")
        if p.get("nodePort"):
            w.write(0, f"NodePort:\t{name}\t{p['nodePort']}/{proto}\n")
        w.write(0, f"Endpoints:\t{format_endpoint_slices(slices, p.get('name') or '')}\n")


def describe_service(svc: dict, endpoint_slices: list[dict], *, show_events: bool = True,
                     now: datetime | None = None) -> str:
    """describeService; `endpoint_slices` are the slices labelled with the Service's name."""
    md, s = svc.get("metadata") or {}, svc.get("spec") or {}
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Selector:\t{format_labels(s.get('selector'))}\n")
    w.write(0, f"Type:\t{s.get('type') or ''}\n")
    if s.get("ipFamilyPolicy") is not None:
        w.write(0, f"IP Family Policy:\t{s['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(s.get('ipFamilies') or []) or '<none>'}\n")
    w.write(0, f"IP:\t{s.get('clusterIP') or ''}\n")
    w.write(0, f"IPs:\t{','.join(s.get('clusterIPs') or []) or '<none>'}\n")
    if s.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(s['externalIPs'])}\n")
    if s.get("loadBalancerIP"):
        w.write(0, f"Desired LoadBalancer IP:\t{s['loadBalancerIP']}\n")
    if s.get("externalName"):
        w.write(0, f"External Name:\t{s['externalName']}\n")
    if ingress:
        w.write(0, f"LoadBalancer Ingress:\t{ingress_string(ingress)}\n")
    _service_ports(w, s, list(endpoint_slices or []))
    w.write(0, f"Session Affinity:\t{s.get('sessionAffinity') or ''}\n")
    if s.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{s['externalTrafficPolicy']}\n")
    if s.get("internalTrafficPolicy") is not None:
        w.write(0, f"Internal Traffic Policy:\t{s['internalTrafficPolicy']}\n")
    if s.get("healthCheckNodePort"):
        w.write(0, f"HealthCheck NodePort:\t{s['healthCheckNodePort']}\n")
    if s.get("loadBalancerSourceRanges"):
        w.write(0, f"LoadBalancer Source Ranges:\t{','.join(s['loadBalancerSourceRanges'])}\n")
    if s.get("trafficDistribution") is not None:
        w.write(0, f"Traffic Distribution:\t{s['trafficDistribution']}\n")
    events(w, show_events)
    return w.render()


# --- Endpoints / EndpointSlice -------------------------------------------------------------

def describe_endpoints(ep: dict, *, show_events: bool = True, now: datetime | None = None) -> str:
    w = PrefixWriter()
    header(w, ep.get("metadata") or {})
    w.write(0, "Subsets:\n")
    for ss in ep.get("subsets") or []:
        ready = ",".join(a.get("ip", "") for a in ss.get("addresses") or [])
        not_ready = ",".join(a.get("ip", "") for a in ss.get("notReadyAddresses") or [])
        w.write(1, f"Addresses:\t{ready or '<none>'}\n")
        w.write(1, f"NotReadyAddresses:\t{not_ready or '<none>'}\n")
        if ss.get("ports"):
            w.write(1, "Ports:\n")
            w.write(2, "Name\tPort\tProtocol\n")
            w.write(2, "----\t----\t--------\n")
            for p in ss["ports"]:
                name, proto = p.get("name") or "<unset>", p.get("protocol") or ""
                w.write(2, f"{name}\t{p.get('port', 0)}\t{proto}\n")
        w.write(0, "\n")
    events(w, show_events)
    return w.render()


def _unset(value) -> str:
    return "<unset>" if value is None else str(value)


def describe_endpointslice(eps: dict, *, show_events: bool = True,
                           now: datetime | None = None) -> str:
    w = PrefixWriter()
    header(w, eps.get("metadata") or {})
    w.write(0, f"AddressType:\t{eps.get('addressType') or ''}\n")
    if not eps.get("ports"):
        w.write(0, "Ports: <unset>\n")
    else:
        w.write(0, "Ports:\n")
        w.write(1, "Name\tPort\tProtocol\n")
        w.write(1, "----\t----\t--------\n")
        for p in eps["ports"]:
            port = "<unset>" if p.get("port") is None else str(p["port"])
            w.write(1, f"{p.get('name') or '<unset>'}\t{port}\t{p.get('protocol') or ''}\n")
    if not eps.get("endpoints"):
        w.write(0, "Endpoints: <none>\n")
    else:
        w.write(0, "Endpoints:\n")
        for ep in eps["endpoints"]:
            ready = (ep.get("conditions") or {}).get("ready")
            w.write(1, f"- Addresses:\t{', '.join(ep.get('addresses') or []) or '<none>'}\n")
            w.write(2, "Conditions:\n")
            w.write(3, f"Ready:\t{'<unset>' if ready is None else str(bool(ready)).lower()}\n")
            w.write(2, f"Hostname:\t{_unset(ep.get('hostname'))}\n")
            if ep.get("targetRef") is not None:
                ref = ep["targetRef"]
                w.write(2, f"TargetRef:\t{ref.get('kind', '')}/{ref.get('name', '')}\n")
            w.write(2, f"NodeName:\t{_unset(ep.get('nodeName'))}\n")
            w.write(2, f"Zone:\t{_unset(ep.get('zone'))}\n")
    events(w, show_events)
    return w.render()
