"""`kubectl describe` output (kubectl `pkg/describe/describe.go`), checked against kubectl 1.37.1.

Text is built with the same prefix-writer calls as kubectl and then aligned by `tabwrite`
(Go text/tabwriter with min width 0, padding 2), so label widths follow from the lines present.
Objects are plain API JSON dicts; nothing here reads a store. `show_events=True` ends the output
with `Events:  <none>` as for a single described object (kubesvc has no events).
`now` (timezone-aware) gives ages and the zone for RFC1123Z timestamps (kubectl uses local time).
"""

from __future__ import annotations

from datetime import datetime

from kubesvc.api.goformat import go_v_unstructured
from kubesvc.api.quantity import parse_or_none
from kubesvc.api.selectors import format_labels
from kubesvc.printers.describe.node_describer import describe_node
from kubesvc.printers.describe.workloads import (
    describe_deployment,
    describe_pod,
)
from kubesvc.printers.describe.writer import (
    PrefixWriter,
    annotations_multiline,
    events,
    header,
    labels_multiline,
)
from kubesvc.printers.duration import LOCAL, rfc1123z
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


# --- Namespace ----------------------------------------------------------------------------

_SCOPE_HELP = {
    "Terminating": "Matches all pods that have an active deadline. These pods have a limited "
                   "lifespan on a node before being actively terminated by the system.",
    "NotTerminating": "Matches all pods that do not have an active deadline. These pods usually "
                      "include long running pods whose container command is not expected to "
                      "terminate.",
    "BestEffort": "Matches all pods that do not have resource requirements set. These pods have "
                  "a best effort quality of service.",
    "NotBestEffort": "Matches all pods that have at least one resource requirement set. These "
                     "pods have a burstable or guaranteed quality of service.",
}


def _quotas(w: PrefixWriter, quotas: list[dict]) -> None:
    if not quotas:
        w.write(0, "No resource quota.\n")
        return
    w.write(0, "Resource Quotas\n")
    for q in sorted(quotas, key=lambda q: (q.get("metadata") or {}).get("name", "")):
        st = q.get("status") or {}
        w.write(1, f"Name:\t{(q.get('metadata') or {}).get('name', '')}\n")
        scopes = sorted((q.get("spec") or {}).get("scopes") or [])
        if scopes:
            w.write(1, f"Scopes:\t{', '.join(scopes)}\n")
            for scope in scopes:
                if _SCOPE_HELP.get(scope):
                    w.write(1, f"* {_SCOPE_HELP[scope]}\n")
        w.write(1, "Resource\tUsed\tHard\n")
        w.write(1, "--------\t---\t---\n")
        hard, used = st.get("hard") or {}, st.get("used") or {}
        for name in sorted(hard):
            w.write(1, f"{name}\t{_quantity(used.get(name, 0))}\t{_quantity(hard[name])}\n")


def _limit_ranges(w: PrefixWriter, limit_ranges: list[dict]) -> None:
    if not limit_ranges:
        w.write(0, "No LimitRange resource.\n")
        return
    w.write(0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\t"
               "Max Limit/Request Ratio\n")
    w.write(0, " ----\t--------\t---\t---\t---------------\t-------------\t"
               "-----------------------\n")
    fields = ("min", "max", "defaultRequest", "default", "maxLimitRequestRatio")
    for lr in limit_ranges:
        for item in (lr.get("spec") or {}).get("limits") or []:
            names = sorted({n for f in fields for n in item.get(f) or {}})  # Go: map order
            for name in names:
                values = [_quantity(item[f][name]) if name in (item.get(f) or {}) else "-"
                          for f in fields]
                w.write(0, f" {item.get('type', '')}\t{name}\t" + "\t".join(values) + "\n")


def _quantity(raw) -> str:
    q = parse_or_none(raw)
    return str(raw) if q is None else str(q)


def describe_namespace(ns: dict, resource_quotas: list[dict] = (), limit_ranges: list[dict] = (),
                       *, show_events: bool = True, now: datetime | None = None) -> str:
    """describeNamespace: kubectl shows quotas and limit ranges, and never events."""
    md, st = ns.get("metadata") or {}, ns.get("status") or {}
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Status:\t{st.get('phase') or ''}\n")
    if st.get("conditions"):
        tz = now.tzinfo if now is not None else LOCAL
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t------------------\t------\t-------\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type', '')}\t{c.get('status', '')}\t"
                       f"{rfc1123z(c.get('lastTransitionTime'), tz)}\t{c.get('reason', '')}\t"
                       f"{c.get('message', '')}\n")
    w.write(0, "\n")
    _quotas(w, list(resource_quotas))
    w.write(0, "\n")
    _limit_ranges(w, list(limit_ranges))
    return w.render()


# --- Generic (any other kind) --------------------------------------------------------------

_ACRONYMS = {"API", "URL", "UID", "GUID"}  # kubectl 1.37.1 prints `osb` as `Osb`
_GENERIC_SKIP = {".metadata.managedFields", ".metadata.name", ".metadata.namespace",
                 ".metadata.labels", ".metadata.annotations"}


def _camel_split(field: str) -> list[str]:
    """How kubectl 1.37.1 splits field names (derived from its output, see the tests):
    at lower->upper changes, around `-`, and before the second of exactly two capitals
    followed by a lower-case letter (`aBCd` -> a, B, Cd but `aBCDe` -> a, BCDe)."""
    parts, start = [], 0
    for i in range(1, len(field)):
        cur, prev = field[i], field[i - 1]
        other_change = (cur == "-") != (prev == "-")
        lower_upper = cur.isupper() and prev.islower()
        short_caps = (cur.isupper() and prev.isupper() and i + 1 < len(field)
                      and field[i + 1].islower() and i - start == 1)
        if other_change or lower_upper or short_caps:
            parts.append(field[start:i])
            start = i
    parts.append(field[start:])
    return [p for p in parts if p]


def smart_label(field: str) -> str:
    """smartLabelFor: `creationTimestamp` -> `Creation Timestamp`, `apiVersion` -> `API Version`."""
    if any(not (ch.isalpha() or ch == "-") for ch in field):
        return field
    parts = []
    for part in _camel_split(field):
        if part == "_":
            continue
        parts.append(part.upper() if part.upper() in _ACRONYMS else part[:1].upper() + part[1:])
    return " ".join(parts)


def _unstructured(w: PrefixWriter, level: int, content: dict, prefix: str) -> None:
    for field in sorted(content):
        value, path = content[field], f"{prefix}.{field}"
        if path in _GENERIC_SKIP:
            continue
        if isinstance(value, dict):
            w.write(level, f"{smart_label(field)}:\n")
            _unstructured(w, level + 1, value, path)
        elif isinstance(value, list):
            w.write(level, f"{smart_label(field)}:\n")
            for child in value:
                if isinstance(child, dict):
                    _unstructured(w, level + 1, child, path)
                else:
                    w.write(level + 1, f"{go_v_unstructured(child)}\n")
        else:
            w.write(level, f"{smart_label(field)}:\t{go_v_unstructured(value)}\n")


def describe_generic(obj: dict, *, show_events: bool = True, now: datetime | None = None) -> str:
    """genericDescriber: Name/Namespace/Labels/Annotations, then every other field."""
    w = PrefixWriter()
    header(w, obj.get("metadata") or {})
    _unstructured(w, 0, obj, "")
    events(w, show_events)
    return w.render()


def describe_object(obj: dict, *, endpoint_slices: list[dict] = (), replica_sets: list[dict] = (),
                    pods: list[dict] = (), lease: dict | None = None,
                    resource_quotas: list[dict] = (), limit_ranges: list[dict] = (),
                    show_events: bool = True, now: datetime | None = None) -> str:
    """Describe any object: the kind's own describer, else the generic one."""
    kind = obj.get("kind", "")
    common = {"show_events": show_events, "now": now}
    if kind == "Service":
        return describe_service(obj, list(endpoint_slices), **common)
    if kind == "Pod":
        return describe_pod(obj, **common)
    if kind == "Deployment":
        return describe_deployment(obj, list(replica_sets), **common)
    if kind == "Node":
        return describe_node(obj, list(pods), lease=lease, **common)
    if kind == "Endpoints":
        return describe_endpoints(obj, **common)
    if kind == "EndpointSlice":
        return describe_endpointslice(obj, **common)
    if kind == "Namespace":
        return describe_namespace(obj, list(resource_quotas), list(limit_ranges), **common)
    return describe_generic(obj, **common)
