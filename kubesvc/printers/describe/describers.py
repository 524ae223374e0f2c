"""`kubectl describe` output (kubectl `pkg/describe/describe.go`), checked against kubectl 1.37.1:
`describe_object` picks the kind's describer (Services and endpoints in `service_describer`,
Pods and Deployments in `workloads`, Nodes in `node_describer`; Namespaces and the generic
describer here).

Text is built with the same prefix-writer calls as kubectl and then aligned by `tabwrite`
(Go text/tabwriter with min width 0, padding 2), so label widths follow from the lines present.
Objects are plain API JSON dicts; nothing here reads a store. `show_events=True` ends the output
with the object's events (`events.describe_events`), or `Events:  <none>` when it has none.
`now` (timezone-aware) gives ages and the zone for RFC1123Z timestamps (kubectl uses local time).
"""

from __future__ import annotations

from datetime import datetime

from kubesvc.api.goformat import go_v_unstructured
from kubesvc.api.quantity import parse_or_none
from kubesvc.printers.describe.config import (
    describe_configmap,
    describe_hpa,
    describe_secret,
    describe_service_account,
)
from kubesvc.printers.describe.controllers import (
    describe_daemonset,
    describe_replicaset,
    describe_statefulset,
)
from kubesvc.printers.describe.events import describe_events
from kubesvc.printers.describe.networking import (
    describe_ingress,
    describe_ingress_class,
    describe_network_policy,
)
from kubesvc.printers.describe.node_describer import describe_node
from kubesvc.printers.describe.prefix_writer import (
    PrefixWriter,
    annotations_multiline,
    events,
    header,
    labels_multiline,
    now_or_local,
)
from kubesvc.printers.describe.service_describer import (
    describe_endpoints,
    describe_endpointslice,
    describe_service,
)
from kubesvc.printers.describe.workloads import describe_deployment, describe_pod
from kubesvc.printers.duration import LOCAL, rfc1123z

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
                    pods: list[dict] = (), lease: dict | None = None, secrets: list[dict] = (),
                    resource_quotas: list[dict] = (), limit_ranges: list[dict] = (),
                    show_events: bool = True, now: datetime | None = None,
                    events: list[dict] = (), services: list[dict] = ()) -> str:
    """Describe any object: the kind's own describer, else the generic one. `events` are the
    object's (see `events.events_for`); kubectl's table of them is flushed and aligned apart."""
    if show_events and events and obj.get("kind") not in NO_EVENTS:
        body = _describe_kind(obj, endpoint_slices, replica_sets, pods, lease, secrets,
                              resource_quotas, limit_ranges, show_events=False, now=now,
                              services=services)
        return body + describe_events(list(events), now_or_local(now))
    return _describe_kind(obj, endpoint_slices, replica_sets, pods, lease, secrets,
                          resource_quotas, limit_ranges, show_events=show_events, now=now,
                          services=services)


_WITH_PODS = {"ReplicaSet": describe_replicaset, "StatefulSet": describe_statefulset,
              "DaemonSet": describe_daemonset}
_PLAIN = {"ConfigMap": describe_configmap, "Secret": describe_secret,
          "HorizontalPodAutoscaler": describe_hpa, "IngressClass": describe_ingress_class,
          "NetworkPolicy": describe_network_policy}

# Describers that never search events (describeNamespace, describeSecret).
NO_EVENTS = frozenset({"Namespace", "Secret", "NetworkPolicy"})


def _describe_kind(obj: dict, endpoint_slices, replica_sets, pods, lease, secrets,
                   resource_quotas, limit_ranges, *, show_events: bool,
                   now: datetime | None, services: list[dict] = ()) -> str:
    kind = obj.get("kind", "")
    common = {"show_events": show_events, "now": now}
    if kind in _WITH_PODS:
        return _WITH_PODS[kind](obj, list(pods), **common)
    if kind in _PLAIN:
        return _PLAIN[kind](obj, **common)
    if kind == "ServiceAccount":
        return describe_service_account(obj, list(secrets), **common)
    if kind == "Service":
        return describe_service(obj, list(endpoint_slices), **common)
    if kind == "Ingress":
        return describe_ingress(obj, list(services), list(endpoint_slices), **common)
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
