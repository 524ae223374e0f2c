"""Many Services of one namespace at once: their inputs read once, their common case computed
straight from the pods' facts.

`NamespaceView` reads a namespace's pods as their facts (store/pod_facts.py: the fields the
controllers read, kept next to each pod's body), its EndpointSlices and its Endpoints once,
and indexes the pods by label set: a Service's selector picks label sets (a Deployment's pods
share one), not pods one by one.

`sync_new_service` is the controllers' answer for the most common Service of a bulk apply, an
import or a from-scratch sync, written for speed: a selector Service with one IP family and
nothing stored for it yet (no slice, no Endpoints), not published-not-ready, without traffic
distribution hints, and not being deleted. It builds the same objects as
`desired_endpoint_slices` and `desired_endpoints` (slices.py, legacy.py) in the same order,
byte for byte (tests/controllers/test_endpoints_fast.py compares them on generated
namespaces), without their generality: no existing slices to reconcile, no pods to dedupe.
Every other Service goes the general way (`sync.sync_service`), with the pods the facts
describe (`NamespaceView.select`).
"""

from __future__ import annotations

import json
from collections import defaultdict

from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.controllers.endpoints import legacy, slices
from kubesvc.controllers.endpoints.gohash import sort_core_ports, sort_slice_ports
from kubesvc.controllers.writer import queue_write
from kubesvc.store import codec, pod_facts
from kubesvc.store.pod_facts import (
    HOSTNAME,
    IPS,
    LABELS,
    NODE,
    PHASE,
    PORTS,
    READY,
    SUBDOMAIN,
    TERMINATING,
    UID,
)
from kubesvc.store.queries import pods_for_endpoints

SLICE_GK = "EndpointSlice.discovery.k8s.io"
SERVICE_NAME_LABEL = eu.SERVICE_NAME_LABEL
_TERMINAL = ("Succeeded", "Failed")


def loads_all(texts: list[str]) -> list[dict]:
    """Stored JSON texts decoded (orjson when a bulk command has it on: the same values)."""
    if codec.enable():
        decode = codec.decode
        out = []
        for text in texts:
            try:
                out.append(decode(text))
            except ValueError:  # beyond orjson (an integer past 64 bits): the slow way
                out.append(json.loads(text))
        return out
    return [json.loads(text) for text in texts]


class NamespaceView:
    """A namespace's pods (as facts, indexed by label set), EndpointSlices (by Service name)
    and Endpoints, read once for many Services."""

    def __init__(self, store, namespace: str, services: list[dict]):
        self.store = store
        self.namespace = namespace
        self.names: list[str] = []
        self.facts: list[list] = []
        self.slim: dict[int, dict] = {}
        backfill: list[tuple[int, str]] = []
        parse = pod_facts.parse
        self.usual = True  # every pod has facts: the fast path may run
        for oid, name, text, body in pod_facts.namespace_rows(store.conn, namespace):
            facts = parse(text) if body is None else None
            if facts is None:
                facts = pod_facts.facts_list(json.loads(body))
                if facts is None:
                    self.usual = False
                    break
                backfill.append((oid, codec.dumps(facts)))
            self.names.append(name)
            self.facts.append(facts)
        if not self.usual:  # a pod the facts cannot describe: every Service the general way
            named = any(isinstance(p.get("targetPort"), str)
                        for s in services for p in (s.get("spec") or {}).get("ports") or ())
            self.pods = pods_for_endpoints(store, namespace, containers=named)
            self.names = [p["metadata"]["name"] for p in self.pods]
            self.facts = [[0, "", p["metadata"].get("labels") or {}] for p in self.pods]
            self.slim = dict(enumerate(self.pods))
        else:
            pod_facts.remember(store.conn, backfill)
        # pods by label set, label sets by label
        sets: dict[frozenset, list[int]] = {}
        for i, facts in enumerate(self.facts):
            key = frozenset(facts[LABELS].items())
            members = sets.get(key)
            if members is None:
                sets[key] = [i]
            else:
                members.append(i)
        self.set_members: list[list[int]] = list(sets.values())
        self.by_label: dict[tuple[str, str], set[int]] = defaultdict(set)
        for set_id, key in enumerate(sets):
            for item in key:
                self.by_label[item].add(set_id)
        self.slices: dict[str, list[dict]] = defaultdict(list)
        for eps in store.list(SLICE_GK, namespace):  # in name order, as list_by_labels
            owner = (eps["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL)
            if owner is not None:
                self.slices[owner].append(eps)
        self.endpoints = {e["metadata"]["name"]: e for e in store.list("Endpoints", namespace)}
        self.zones: dict[str, tuple[bool, str | None]] = {}

    def selected(self, selector: dict) -> list[int]:
        """Indexes (name order) of the pods carrying every label of a string selector."""
        postings = [self.by_label.get(item) for item in selector.items()]
        if not postings or not all(postings):
            return []
        postings.sort(key=len)  # type: ignore[arg-type]
        found = postings[0].intersection(*postings[1:])  # type: ignore[union-attr]
        members = self.set_members
        if len(found) == 1:
            return members[next(iter(found))]
        return sorted(i for set_id in found for i in members[set_id])

    def select(self, selector: dict) -> list[dict]:
        """The pods (as the controllers read them) carrying every (key, value) pair."""
        if not all(type(v) is str for v in selector.values()):
            return []  # no pod label is anything but a string here
        return [self.slim_pod(i) for i in self.selected(selector)]

    def slim_pod(self, i: int) -> dict:
        """A pod dict with what its facts say, for the general controllers."""
        pod = self.slim.get(i)
        if pod is None:
            self.slim[i] = pod = slim_pod(self.namespace, self.names[i], self.facts[i])
        return pod

    def node_zone(self, nodes, node_name: str) -> tuple[bool, str | None]:
        """(the node exists, its zone label) as the slice controller reads them."""
        got = self.zones.get(node_name)
        if got is None:
            node = nodes.get(node_name)
            zone = None if node is None else (
                (node.get("metadata") or {}).get("labels", {}).get(eu.ZONE_LABEL))
            self.zones[node_name] = got = (node is not None, zone)
        return got


def slim_pod(namespace: str, name: str, facts: list) -> dict:
    """The pod as `pods_for_endpoints` cuts it down, rebuilt from its facts."""
    metadata: dict = {"name": name, "namespace": namespace}
    if facts[UID]:
        metadata["uid"] = facts[UID]
    metadata["labels"] = facts[LABELS]
    if facts[TERMINATING]:
        metadata["deletionTimestamp"] = "(set)"
    spec: dict = {}
    for key, index in (("nodeName", NODE), ("hostname", HOSTNAME), ("subdomain", SUBDOMAIN)):
        if facts[index]:
            spec[key] = facts[index]
    if facts[PORTS]:
        spec["containers"] = [{"ports": [{"name": n, "protocol": p, "containerPort": c}
                                         for n, p, c in facts[PORTS]]}]
    status: dict = {}
    if facts[PHASE]:
        status["phase"] = facts[PHASE]
    if facts[IPS]:
        status["podIPs"] = [{"ip": ip} for ip in facts[IPS]]
    status["conditions"] = [{"type": "Ready", "status": "True" if facts[READY] else "False"}]
    return {"metadata": metadata, "spec": spec, "status": status}


# -- the common case, fast ------------------------------------------------------------------


def fast_case(svc: dict, view: NamespaceView) -> bool:
    """Whether `sync_new_service` answers for this Service (see the module doc)."""
    if not view.usual:
        return False
    meta, spec = svc["metadata"], svc.get("spec") or {}
    name = meta["name"]
    selector = spec.get("selector")
    if (not selector or type(selector) is not dict or spec.get("type") == "ExternalName"
            or view.slices.get(name) or name in view.endpoints
            or meta.get("deletionTimestamp") is not None
            or spec.get("publishNotReadyAddresses")
            or spec.get("trafficDistribution")):
        return False
    families = spec.get("ipFamilies")
    if not families or eu.address_types(svc) != [families[0]]:
        return False
    return all(type(v) is str for v in selector.values())


def _find_port(ports: list, target: str, protocol: str) -> int | None:
    for name, proto, number in ports:
        if name == target and proto == protocol:
            return number
    return None


def sync_new_service(ctx, svc: dict, view: NamespaceView, nodes) -> None:
    """Queue the EndpointSlices and the Endpoints of a Service `fast_case` accepts."""
    meta, spec = svc["metadata"], svc["spec"]
    ns, name = view.namespace, meta["name"]
    family = spec["ipFamilies"][0]
    sports = eu.service_ports(svc)
    fixed = None  # the port numbers when no targetPort is a name: the same for every pod
    if not any(isinstance(sp["targetPort"], str) for sp in sports):
        fixed = tuple(int(sp["targetPort"]) for sp in sports)
    parse_ip = eu.parse_ip
    facts_of, names = view.facts, view.names
    groups: dict[tuple, list] = {}  # resolved numbers -> endpoints
    legacy_rows = []  # (ready, address, numbers)
    for i in view.selected(spec["selector"]):
        facts = facts_of[i]
        ips = facts[IPS]
        if not ips or facts[PHASE] in _TERMINAL:
            continue
        pod_name = names[i]
        if fixed is None:
            ports = facts[PORTS]
            numbers = tuple(
                int(sp["targetPort"]) if not isinstance(sp["targetPort"], str)
                else _find_port(ports, sp["targetPort"], sp["protocol"]) for sp in sports)
        else:
            numbers = fixed
        hostname = facts[HOSTNAME] if facts[HOSTNAME] and facts[SUBDOMAIN] == name else None
        uid = facts[UID]
        serving, terminating = facts[READY], facts[TERMINATING]
        node_name = facts[NODE]
        # the EndpointSlice controller: pods on a known node, canonical IPs of the family
        exists, zone = view.node_zone(nodes, node_name)
        if exists:
            addresses = []
            for ip in ips:
                parsed = parse_ip(ip)
                if parsed and parsed[0] == family:
                    addresses.append(parsed[1])
            if addresses:
                endpoint: dict = {
                    "addresses": addresses,
                    "conditions": {"ready": serving and not terminating, "serving": serving,
                                   "terminating": terminating},
                }
                if hostname:
                    endpoint["hostname"] = hostname
                ref = {"kind": "Pod", "namespace": ns, "name": pod_name}
                if uid:
                    ref["uid"] = uid
                endpoint["targetRef"] = ref
                if node_name:
                    endpoint["nodeName"] = node_name
                if zone:
                    endpoint["zone"] = zone
                group = groups.get(numbers)
                if group is None:
                    groups[numbers] = [endpoint]
                else:
                    group.append(endpoint)
        # the Endpoints controller: not terminating, the first IP of the family as written
        if terminating:
            continue
        for ip in ips:
            parsed = parse_ip(ip)
            if parsed and parsed[0] == family:
                address: dict = {"ip": ip}
                if hostname:
                    address["hostname"] = hostname
                address["nodeName"] = node_name
                ref = {"kind": "Pod", "namespace": ns, "name": pod_name}
                if uid:
                    ref["uid"] = uid
                address["targetRef"] = ref
                legacy_rows.append((serving, address, numbers))
                break
    for eps in _slices(svc, ns, name, family, sports, groups):
        queue_write(ctx, SLICE_GK, eps, None)
    queue_write(ctx, "Endpoints", _endpoints(svc, sports, legacy_rows), None)


def _slices(svc, ns, name, family, sports, groups) -> list[dict]:
    """reconcileByAddressType with nothing stored: each port mapping's endpoints, sorted,
    in new slices of up to 100; a placeholder when there is none."""
    keyed: dict[tuple, tuple[list, list]] = {}
    for numbers, endpoints in groups.items():
        ports = slices._ports_for(sports, numbers)
        key = eu.port_key(ports)
        if key in keyed:
            keyed[key][1].extend(endpoints)
        else:
            keyed[key] = (ports, endpoints)
    creates: list[tuple[dict, str]] = []
    labels = slices._slice_labels(svc, None)[0]
    owner = [eu.controller_ref(svc, "Service")]
    prefix = eu.generate_name_prefix(name)
    size = slices.MAX_ENDPOINTS_PER_SLICE
    for key in sorted(keyed):
        ports, endpoints = keyed[key]
        ports = sort_slice_ports(ports)
        endpoints.sort(key=_endpoint_order)
        for i, start in enumerate(range(0, len(endpoints), size)):
            eps = _new_slice(prefix, ns, labels, owner, family, endpoints[start:start + size],
                             [dict(p) for p in ports])
            creates.append((eps, f"{family}/{key}/{i}"))
    if not creates:
        creates.append((_new_slice(prefix, ns, labels, owner, family, None, None),
                        f"{family}/placeholder/0"))
    eu.name_new_slices(creates, prefix, f"{ns}/{name}/", set())
    return sorted((eps for eps, _ in creates), key=lambda s: s["metadata"]["name"])


def _endpoint_order(endpoint: dict) -> tuple:
    return tuple(endpoint["addresses"]), endpoint["targetRef"]["name"]


def _new_slice(prefix, ns, labels, owner, family, endpoints, ports) -> dict:
    """newEndpointSlice, named already, as stored (empty lists are null)."""
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"generateName": prefix, "namespace": ns, "labels": dict(labels),
                     "ownerReferences": [dict(r) for r in owner]},
        "addressType": family,
        "endpoints": endpoints or None,
        "ports": ports or None,
    }


def _endpoints(svc: dict, sports: list[dict], rows: list) -> dict:
    """desired_endpoints for these addresses: one subset when every port resolved for every
    address (RepackSubsets then has a single group), the general repacking otherwise."""
    headless = svc["spec"].get("clusterIP") == "None"
    keys = {(address["ip"], address["targetRef"].get("uid", "")) for _, address, _ in rows}
    first = rows[0][2] if rows else ()
    uniform = (len(keys) == len(rows) and None not in first
               and all(numbers == first for _, _, numbers in rows))
    if not rows or (not sports and not headless):
        subsets: list[dict] = []
    elif uniform:
        ports = []
        seen = set()
        for sport, number in zip(sports, first, strict=True):
            port = legacy._endpoint_port(sport, number)
            pkey = legacy._core_port_key(port)
            if pkey not in seen:
                seen.add(pkey)
                if pkey[1] > 0:
                    ports.append(port)
        ready = sorted((a for r, a, _ in rows if r), key=_address_order)
        not_ready = sorted((a for r, a, _ in rows if not r), key=_address_order)
        subsets = [{"addresses": ready or None, "notReadyAddresses": not_ready or None,
                    "ports": sort_core_ports(ports) or None}]
    else:
        pieces = []
        for ready, address, numbers in rows:
            key = "addresses" if ready else "notReadyAddresses"
            if not sports:
                pieces.append({key: [address]})
            for sport, number in zip(sports, numbers, strict=True):
                if number is not None:
                    pieces.append({key: [address],
                                   "ports": [legacy._endpoint_port(sport, number)]})
        subsets = legacy.repack_subsets(pieces)
    return legacy._endpoints_object(svc, subsets, None)


def _address_order(address: dict) -> tuple:
    return address["ip"], True, address["targetRef"].get("uid", "")
