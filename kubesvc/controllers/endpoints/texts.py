"""A new Service's EndpointSlices and Endpoints written straight as JSON text.

`namespace.sync_new_service` builds, as dicts, the objects the general controllers make for
the common new Service (see namespace.py), and the bulk writer then fills their system
fields, checks them and serializes them. Here the same objects are written as the text
`json.dumps(obj, separators=(",", ":"), ensure_ascii=False)` gives for them, system fields
left for the flush to put in (writer.py `Built`), and what the API server's strategy and
metadata checks would look at is proven on the way (trusted.py). Whatever this cannot write
or prove (several port mappings, a repacked Endpoints, more than 1000 addresses, an address,
hostname, node name, label or port the cheap proofs do not pass, a value of an unexpected
type) makes `write_new_service` answer False before it queues anything: the Service then
takes `sync_new_service`, which handles every case. Same objects, same order, same bytes
(tests/controllers/test_endpoints_fast.py compares the stored rows).
"""

from __future__ import annotations

import hashlib
import json
import re
from operator import itemgetter

from kubesvc.api.resources import for_gk
from kubesvc.controllers import trusted
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.controllers.endpoints import legacy, slices
from kubesvc.controllers.endpoints.built import Built
from kubesvc.controllers.endpoints.namespace import (
    TERMINAL,
    NamespaceView,
    PortPlan,
    family_ips,
    ports_plan,
)
from kubesvc.store import pod_facts

# the facts' layout, unpacked by position below
if (pod_facts.NAME, pod_facts.UID, pod_facts.TERMINATING, pod_facts.NODE, pod_facts.HOSTNAME,
        pod_facts.SUBDOMAIN, pod_facts.PHASE, pod_facts.IPS, pod_facts.READY,
        pod_facts.PORTS) != (1, 2, 4, 5, 6, 7, 8, 10, 11, 12):
    raise ImportError("texts.py reads pod facts of another layout")

SLICE_GK = "EndpointSlice.discovery.k8s.io"
_str = json.encoder.encode_basestring  # json.dumps' own string encoder (ensure_ascii=False)
_BOOL = ("false", "true")
_RESERVED = (eu.SERVICE_NAME_LABEL, eu.MANAGED_BY_LABEL, eu.HEADLESS_LABEL)
_first = itemgetter(0)
# an endpoint's conditions, by (pod ready, pod terminating)
_CONDITIONS = {
    r: {t: f'{{"ready":{_BOOL[r and not t]},"serving":{_BOOL[r]},"terminating":{_BOOL[t]}}}'
        for t in (False, True)} for r in (False, True)}


_sha256 = hashlib.sha256
_NAME_BASE = eu._MAX_GENERATED_BASE  # a generated name's prefix is cut to this length
# a label key without prefix, or a label value, that passes its check (IsQualifiedName's
# name part, IsValidLabelValue: at most 63 alphanumerics, '-', '_', '.', alphanumeric at both
# ends) and needs no escaping in JSON
_PLAIN_NAME = re.compile(r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")


def _labels_pass(labels: dict) -> bool:
    """`trusted.labels_ok(labels)`, answered here for labels of plain names and values (the
    common kind: `app=web`) and by it for the others."""
    match = _PLAIN_NAME.fullmatch
    for key, value in labels.items():
        if not (type(key) is str and type(value) is str and match(key)
                and (not value or match(value))):
            return trusted.labels_ok(labels)
    return True


def _esc(text: str) -> str:
    """json.dumps' text of a string, without its quotes."""
    return _str(text)[1:-1]


def _node_texts(view: NamespaceView, nodes, node_name: str) -> tuple:
    """(the node exists, the slice endpoint's nodeName and zone fields, the Endpoints
    address's nodeName field, None when the name or zone does not pass the cheap checks)."""
    exists, zone, ok = view.node_info(nodes, node_name)
    if not ok or (zone and type(zone) is not str):
        got: tuple = (exists, "", None)
    else:
        suffix = (f',"nodeName":{_str(node_name)}' if node_name else "") + (
            f',"zone":{_str(zone)}' if zone else "")
        got = (exists, suffix, f'"nodeName":{_str(node_name)}')
    view.node_texts[node_name] = got
    return got
_NO_PORTS = ("null", "", "", True, True)


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _labels_text(labels: dict) -> str:
    """Labels that pass their checks (trusted.labels_ok: keys and values of letters, digits,
    '-', '_', '.' and one '/'), whose JSON strings are themselves between quotes."""
    return "{" + ",".join([f'"{k}":"{v}"' for k, v in labels.items()]) + "}"


def _port_texts(plan: PortPlan, numbers: tuple) -> tuple[str, str, str, bool, bool]:
    """For a port plan and the numbers its ports resolved to: the slice ports' text (null
    for none), the Endpoints ports' text ("" for none), the port key (as the slice names'
    seeds spell it) and whether the slice's and the Endpoints' ports pass their checks."""
    got = plan.texts.get(numbers)
    if got is None:
        ports, pkey, ports_ok, core, core_ok = plan.resolved(numbers)
        got = (_dumps([dict(p) for p in ports]) if ports else "null",
               _dumps([dict(p) for p in core]) if core else "", str(pkey), ports_ok, core_ok)
        plan.texts[numbers] = got
    return got


def _checks_known() -> bool:
    """Both kinds' names are checked as DNS-1123 subdomains (what `service_names_ok` proves)."""
    global _CHECKS_KNOWN
    if _CHECKS_KNOWN is None:
        # lazy: the endpoint helper (helper.py) starts without the API server's write path
        from kubesvc.apiserver.registry import name_check  # noqa: PLC0415

        _CHECKS_KNOWN = all(name_check(for_gk(gk)) == "dns1123_subdomain"
                            for gk in (SLICE_GK, "Endpoints"))
    return _CHECKS_KNOWN


def _queue_built():
    """writer.queue_built: write_new_service's `emit` unless told otherwise."""
    global _QUEUE_BUILT
    if _QUEUE_BUILT is None:
        # lazy: the endpoint helper (helper.py) starts without the API server's write path
        from kubesvc.controllers.writer import queue_built  # noqa: PLC0415

        _QUEUE_BUILT = queue_built
    return _QUEUE_BUILT


_QUEUE_BUILT = None


_CHECKS_KNOWN: bool | None = None


def write_new_service(ctx, svc: dict, view: NamespaceView, nodes, emit=None) -> bool:
    """Queue the EndpointSlices and the Endpoints of a Service `fast_case` accepts, as text;
    False (nothing queued) where this cannot (see the module doc). `emit`: what queues
    each object (writer.queue_built, its signature; helper.py collects them instead)."""
    meta, spec = svc["metadata"], svc["spec"]
    ns, name = view.namespace, meta["name"]
    svc_labels = meta.get("labels") or {}
    uid = meta.get("uid", "")
    # the metadata checks, proven once for both objects: names (trusted.service_names_ok),
    # namespace, the Service's labels (the objects' labels are those and fixed ones)
    ns_ok = view.texts_ok
    if ns_ok is None:  # (the same for every Service of the namespace)
        view.texts_ok = ns_ok = trusted.namespace_ok(ns) and _checks_known()
    if (not ns_ok or not trusted.service_names_ok(name) or type(uid) is not str
            or type(svc_labels) is not dict or meta.get("namespace") != ns
            or (svc_labels and not _labels_pass(svc_labels))):
        return False
    if emit is None:
        emit = _QUEUE_BUILT or _queue_built()
    family = spec["ipFamilies"][0]
    v4 = family == eu.IPV4
    plan = ports_plan(svc)
    fixed = plan.fixed
    plain_v4, facts_of, plain = trusted.plain_v4, view.facts, view.plain
    node_texts = view.node_texts
    numbers: tuple | None = fixed
    endpoints: list[tuple] = []  # (order, text) of the slice's endpoints
    ready_rows: list[tuple] = []  # (order, text) of the Endpoints' addresses
    not_ready_rows: list[tuple] = []
    seen: set[tuple[str, str]] = set()
    ref_head = f'"targetRef":{{"kind":"Pod","namespace":"{ns}","name":'
    for i in view.selected(spec["selector"]):
        (_, pod_name, pod_uid, _, terminating, node_name, hostname, subdomain, phase, _, ips,
         ready, _) = facts_of[i]
        if not ips or phase in TERMINAL:
            continue
        if fixed is None:
            mine = plan.numbers(facts_of[i])
            if numbers is None:
                numbers = mine
            elif mine != numbers:
                return False  # several port mappings
        if hostname and subdomain == name:
            if not trusted.hostname_ok(hostname):
                return False
            host = f',"hostname":"{hostname if plain else _esc(hostname)}"'
        else:
            host = ""
        # the Endpoints address (as written), its text, the slice's addresses' text
        first: str | None
        first_text: str | None
        quoted: str | None
        if len(ips) == 1 and plain_v4(ips[0]):  # the common case: canonical, checks pass
            if v4:
                first = ips[0]
                first_text = quoted = f'"{first}"'
                order: tuple = (first,)
            else:
                first = first_text = quoted = None
        else:
            first, addresses = family_ips(ips, family)
            if len(addresses) > 100 or not all(
                    trusted.slice_address_ok(family, a) for a in addresses):
                return False
            if first is not None and not trusted.endpoints_address_ok(first):
                return False
            first_text = None if first is None else _str(first)
            quoted = ",".join(map(_str, addresses)) if addresses else None
            order = tuple(addresses)
        node = node_texts.get(node_name)
        if node is None:
            node = _node_texts(view, nodes, node_name)
        exists, node_suffix, node_field = node
        if node_field is None:
            return False  # a node name or zone the cheap proofs do not pass
        if plain:
            ref = (f'{ref_head}"{pod_name}","uid":"{pod_uid}"}}' if pod_uid
                   else f'{ref_head}"{pod_name}"}}')
        else:
            ref = (f'{ref_head}{_str(pod_name)},"uid":{_str(pod_uid)}}}' if pod_uid
                   else f'{ref_head}{_str(pod_name)}}}')
        if exists and quoted is not None:
            endpoints.append((
                (order, pod_name),
                f'{{"addresses":[{quoted}],"conditions":{_CONDITIONS[ready][terminating]}'
                f'{host},{ref}{node_suffix}}}'))
        if first is not None and not terminating:
            if (first, pod_uid) in seen:
                return False  # a repeated address: the general repacking
            seen.add((first, pod_uid))
            (ready_rows if ready else not_ready_rows).append((
                (first, True, pod_uid),
                f'{{"ip":{first_text}{host},'
                f'{node_field},{ref}}}'))
    if numbers is None:  # no pod with an IP: no endpoints, no addresses, no ports
        slice_ports, core_ports, port_key, slice_ports_ok, core_ports_ok = _NO_PORTS
    elif None in numbers:
        return False  # a port that resolves for no pod: the general repacking
    else:
        slice_ports, core_ports, port_key, slice_ports_ok, core_ports_ok = _port_texts(
            plan, numbers)
    if endpoints and not slice_ports_ok:
        return False
    headless = spec.get("clusterIP") in (None, "", "None")
    slice_labels, slice_labels_text, eps_labels, eps_labels_text = _label_texts(
        svc_labels, name, headless)
    eps = _endpoints_text(svc, ns, name, eps_labels, eps_labels_text, plan, ready_rows,
                          not_ready_rows, core_ports, core_ports_ok)
    if eps is None:
        return False
    owners = [{"apiVersion": "v1", "kind": "Service", "name": name, "uid": uid,
               "controller": True, "blockOwnerDeletion": True}]  # eu.controller_ref
    # the namespace, the names and the labels were proven above to be plain: quoted as they are
    rest = (f'","generateName":"{name}-","namespace":"{ns}",'
            f'"labels":{slice_labels_text},"ownerReferences":[{{"apiVersion":"v1",'
            f'"kind":"Service","name":"{name}","uid":{_str(uid)},'
            f'"controller":true,"blockOwnerDeletion":true}}]')
    if 0 < len(endpoints) <= slices.MAX_ENDPOINTS_PER_SLICE:  # one slice (_slice_bodies)
        if len(endpoints) > 1:
            endpoints.sort(key=_first)
        # eu.generated_name(f"{name}-", f"{ns}/{name}/{family}/{port_key}/0", set())
        slice_name = f"{name}-"[:_NAME_BASE] + _sha256(
            f"{ns}/{name}/{family}/{port_key}/0#0".encode()).digest()[:5].translate(
            eu._BYTE_TO_CHAR).decode()
        text = (f'}},"addressType":"{family}","endpoints":['
                + ",".join([text for _, text in endpoints]) + f'],"ports":{slice_ports}}}')
        emit(ctx, SLICE_GK, Built(ns, slice_name, _SLICE_START + slice_name + rest, text,
                                  slice_labels), owners)
    else:
        for slice_name, text in _slice_bodies(ns, name, family, endpoints, slice_ports,
                                              port_key):
            emit(ctx, SLICE_GK, Built(ns, slice_name, _SLICE_START + slice_name + rest, text,
                                      slice_labels), owners)
    emit(ctx, "Endpoints", eps)
    return True


# what the objects' labels add to the Service's, and those keys
_SLICE_ADDS = _labels_text({eu.SERVICE_NAME_LABEL: "", eu.MANAGED_BY_LABEL: eu.SLICE_CONTROLLER})
_SLICE_NAME_KEY, _SLICE_MANAGED = _SLICE_ADDS[1:-1].split(",")
_EPS_MANAGED = _labels_text({legacy.MANAGED_BY_LABEL: legacy.CONTROLLER_NAME})[1:-1]
_HEADLESS = _labels_text({eu.HEADLESS_LABEL: ""})[1:-1]
_ADDED_KEYS = frozenset((*_RESERVED, legacy.MANAGED_BY_LABEL))


def _label_texts(svc_labels: dict, name: str, headless: bool) -> tuple[dict, str, dict, str]:
    """The labels of the Service's slices (setEndpointSliceLabels for a new slice,
    namespace._slice_labels) and of its Endpoints (legacy._endpoints_object), each with its
    text (`_labels_text`). The Service's labels are proven plain."""
    eps_labels = dict(svc_labels)
    if svc_labels.keys() & _ADDED_KEYS:  # a label the controllers set or drop: in order
        slice_labels = {k: v for k, v in svc_labels.items() if k not in _RESERVED}
        if headless:
            slice_labels[eu.HEADLESS_LABEL] = ""
        slice_labels[eu.SERVICE_NAME_LABEL] = name
        slice_labels[eu.MANAGED_BY_LABEL] = eu.SLICE_CONTROLLER
        eps_labels[legacy.MANAGED_BY_LABEL] = legacy.CONTROLLER_NAME
        if headless:
            eps_labels[eu.HEADLESS_LABEL] = ""
        else:
            eps_labels.pop(eu.HEADLESS_LABEL, None)
        return (slice_labels, _labels_text(slice_labels), eps_labels,
                _labels_text(eps_labels))
    # the Service's labels first, in their order, then the added ones
    base = ",".join([f'"{k}":"{v}"' for k, v in svc_labels.items()])
    sep = "," if base else ""
    slice_labels = dict(svc_labels)
    eps_labels[legacy.MANAGED_BY_LABEL] = legacy.CONTROLLER_NAME
    if headless:
        slice_labels[eu.HEADLESS_LABEL] = ""
        eps_labels[eu.HEADLESS_LABEL] = ""
        slice_text = f'{{{base}{sep}{_HEADLESS},{_SLICE_NAME_KEY[:-1]}{name}",{_SLICE_MANAGED}}}'
        eps_text = f"{{{base}{sep}{_EPS_MANAGED},{_HEADLESS}}}"
    else:
        slice_text = f'{{{base}{sep}{_SLICE_NAME_KEY[:-1]}{name}",{_SLICE_MANAGED}}}'
        eps_text = f"{{{base}{sep}{_EPS_MANAGED}}}"
    slice_labels[eu.SERVICE_NAME_LABEL] = name
    slice_labels[eu.MANAGED_BY_LABEL] = eu.SLICE_CONTROLLER
    return slice_labels, slice_text, eps_labels, eps_text


_SLICE_START = '{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"'


def _slice_bodies(ns, name, family, endpoints, ports, port_key) -> list[tuple[str, str]]:
    """(name, text from the metadata's closing brace) of each new slice, by name:
    reconcileByAddressType with nothing stored (slices._new_slice, namespace._slices): the
    endpoints in address order, in slices of up to 100; a placeholder when there is none."""
    prefix = eu.generate_name_prefix(name)
    seed = f"{ns}/{name}/"
    taken: set[str] = set()
    tail = f'}},"addressType":"{family}","endpoints":'
    if not endpoints:
        return [(eu.generated_name(prefix, f"{seed}{family}/placeholder/0", taken),
                 f'{tail}null,"ports":null}}')]
    endpoints.sort(key=_first)
    size = slices.MAX_ENDPOINTS_PER_SLICE
    made = []
    for i, start in enumerate(range(0, len(endpoints), size)):
        chunk = ",".join([text for _, text in endpoints[start:start + size]])
        made.append((eu.generated_name(prefix, f"{seed}{family}/{port_key}/{i}", taken),
                     f'{tail}[{chunk}],"ports":{ports}}}'))
    if len(made) > 1:
        made.sort(key=_first)
    return made


def _endpoints_text(svc, ns, name, labels, labels_text, plan, ready, not_ready, ports,
                    ports_ok) -> Built | None:
    """`legacy._endpoints_object` for one subset (or none), or None when that is not it."""
    tail = "}}"
    if (ready or not_ready) and (plan.sports or svc["spec"].get("clusterIP") == "None"):
        if len(ready) + len(not_ready) > legacy.MAX_CAPACITY or not ports_ok:
            return None  # truncated and annotated, or ports to check: the general way
        parts = []
        if ready:
            if len(ready) > 1:
                ready.sort(key=_first)
            parts.append('"addresses":[' + ",".join([t for _, t in ready]) + "]")
        if not_ready:
            not_ready.sort(key=_first)
            parts.append('"notReadyAddresses":[' + ",".join([t for _, t in not_ready]) + "]")
        if ports:
            parts.append(f'"ports":{ports}')
        tail = '},"subsets":[{' + ",".join(parts) + "}]}"
    head = (f'{{"apiVersion":"v1","kind":"Endpoints","metadata":{{"name":"{name}",'
            f'"namespace":"{ns}","labels":{labels_text}')
    return Built(ns, name, head, tail, labels)
