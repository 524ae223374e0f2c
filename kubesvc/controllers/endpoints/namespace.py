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

from kubesvc.controllers import trusted
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.controllers.endpoints import legacy, slices
from kubesvc.controllers.endpoints.gohash import sort_core_ports, sort_slice_ports
from kubesvc.store import codec, pod_facts
from kubesvc.store.pod_facts import (
    HOSTNAME,
    IPS,
    LABELS,
    NAME,
    NODE,
    PHASE,
    POD_IP,
    PORTS,
    READY,
    SUBDOMAIN,
    TERMINATING,
    UID,
)

SLICE_GK = "EndpointSlice.discovery.k8s.io"
SERVICE_NAME_LABEL = eu.SERVICE_NAME_LABEL
TERMINAL = ("Succeeded", "Failed")
# past this many Services in a namespace, sync.py reads its pods, slices and Endpoints once
FEW = 4
SHARE = 8  # ... and they are at least 1/SHARE of the namespace's Services


# lazy (below): the endpoint helper (helper.py) starts without the API server's write path,
# and never writes nor reads the store


def queue_write(ctx, gk: str, obj: dict, current: dict | None, plain: bool = False,
                proven: bool = False) -> None:
    """writer.queue_write."""
    from kubesvc.controllers import writer  # noqa: PLC0415

    writer.queue_write(ctx, gk, obj, current, plain, proven)


def pods_for_endpoints(store, namespace: str, containers: bool) -> list[dict]:
    """queries.pods_for_endpoints."""
    from kubesvc.store import queries  # noqa: PLC0415

    return queries.pods_for_endpoints(store, namespace, containers)


def _loads_facts():
    """A JSON decoder for facts texts (no float, no null: orjson reads them exactly)."""
    return codec.decode if codec.enable() else json.loads


def loads_all(texts: list[str]) -> list[dict]:
    """Stored JSON texts decoded (orjson when a bulk command has it on: the same values)."""
    if codec.enable():
        decode = codec.decode
        out: list[dict] = []
        for text in texts:
            try:
                out.append(decode(text))  # type: ignore[arg-type]  # orjson reads str too
            except ValueError:  # beyond orjson (an integer past 64 bits): the slow way
                out.append(json.loads(text))
        return out
    return [json.loads(text) for text in texts]


class NamespaceView:
    """A namespace's pods (as facts, indexed by label set), EndpointSlices (by Service name)
    and Endpoints, read once for many Services."""

    def __init__(self, store, namespace: str, services: list[dict],
                 facts_text: str | None = None):
        """`facts_text`: the namespace's facts as `pod_facts.namespace_facts_text` read them,
        read before (helper.py: then `store` is None, and the namespace has no EndpointSlice
        and no Endpoints)."""
        self.store = store
        self.namespace = namespace
        self.slim: dict[int, dict] = {}
        self.usual = True  # every pod has facts: the fast path may run
        # no string of the facts needs escaping in JSON (their text holds no backslash):
        # json.dumps writes each as it is, between quotes (texts.py)
        self.plain = False
        decode = _loads_facts()

        def loads(text: str) -> list:
            self.plain = "\\" not in text
            return decode(text)

        if facts_text is not None:
            facts = pod_facts.facts_of_text(facts_text, loads)
        else:
            facts = pod_facts.namespace_facts(store.conn, namespace, loads)
        if facts is None and store is not None:
            facts = self._facts_from_bodies(store, namespace)
        if facts is None and store is None:  # (helper.py then hands the namespace back)
            self.usual = False
            facts = []
        elif facts is None:  # a pod the facts cannot describe: every Service the general way
            self.usual = False
            named = any(isinstance(p.get("targetPort"), str)
                        for s in services for p in (s.get("spec") or {}).get("ports") or ())
            pods = pods_for_endpoints(store, namespace, containers=named)
            facts = [[0, p["metadata"]["name"], "", p["metadata"].get("labels") or {}]
                     for p in pods]
            self.slim = dict(enumerate(pods))
        self.facts: list[list] = facts
        # pods by label set, label sets by label
        sets: dict[frozenset, list[int]] = {}
        # label sets as written first (a workload's pods write theirs alike), then as sets
        written: dict[tuple, list[int]] = {}
        for i, pod in enumerate(self.facts):
            items = tuple(pod[LABELS].items())
            same = written.get(items)
            if same is None:
                written[items] = [i]
            else:
                same.append(i)
        for items, indexes in written.items():
            label_set = frozenset(items)
            members = sets.get(label_set)
            if members is None:
                sets[label_set] = indexes
            else:
                members.extend(indexes)
                members.sort()
        self.set_members: list[list[int]] = list(sets.values())
        self.by_label: dict[tuple[str, str], set[int]] = defaultdict(set)
        for set_id, label_set in enumerate(sets):
            for item in label_set:
                self.by_label[item].add(set_id)
        self.slices: dict[str, list[dict]] = defaultdict(list)
        self.endpoints: dict[str, dict] = {}
        if store is not None:
            for eps in store.list(SLICE_GK, namespace):  # in name order, as list_by_labels
                owner = (eps["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL)
                if owner is not None:
                    self.slices[owner].append(eps)
            self.endpoints = {e["metadata"]["name"]: e
                              for e in store.list("Endpoints", namespace)}
        self.nodes: dict[str, tuple[bool, str | None, bool]] = {}
        self.node_texts: dict[str, tuple] = {}  # texts.py's, by node name
        self.texts_ok: bool | None = None  # texts.py's checks of the namespace

    @staticmethod
    def _facts_from_bodies(store, namespace: str) -> list[list] | None:
        """Facts where some are missing: computed from the bodies (and kept for next time);
        None when a pod has none to give."""
        out, computed = [], []
        parse = _loads_facts()
        for _name, text, body in pod_facts.namespace_rows(store.conn, namespace):
            if body is None:
                out.append(parse(text))
                continue
            facts = pod_facts.facts_list(json.loads(body))
            if facts is None:
                return None
            out.append(facts)
            computed.append(facts)
        pod_facts.remember(store.conn, namespace, computed)
        return out

    def selected(self, selector: dict) -> list[int]:
        """Indexes (name order) of the pods carrying every label of a string selector."""
        postings: list[set[int]] = []
        for item in selector.items():
            posting = self.by_label.get(item)
            if not posting:
                return []
            postings.append(posting)
        if not postings:
            return []
        postings.sort(key=len)
        found = postings[0].intersection(*postings[1:])
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
            self.slim[i] = pod = slim_pod(self.namespace, self.facts[i])
        return pod

    def node_info(self, nodes, node_name: str) -> tuple[bool, str | None, bool]:
        """(the node exists, its zone label, the name passes an endpoint's nodeName check)
        as the controllers read them."""
        got = self.nodes.get(node_name)
        if got is None:
            node = nodes.get(node_name)
            zone = None if node is None else (
                (node.get("metadata") or {}).get("labels", {}).get(eu.ZONE_LABEL))
            ok = not node_name or trusted.node_name_ok(node_name)
            self.nodes[node_name] = got = (node is not None, zone, ok)
        return got


def slim_pod(namespace: str, facts: list) -> dict:
    """The pod as `pods_for_endpoints` cuts it down, rebuilt from its facts."""
    metadata: dict = {"name": facts[NAME], "namespace": namespace}
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
    if facts[POD_IP]:
        status["podIP"] = facts[POD_IP]
    if facts[IPS]:
        status["podIPs"] = [{"ip": ip} for ip in facts[IPS]]
    status["conditions"] = [{"type": "Ready", "status": "True" if facts[READY] else "False"}]
    return {"metadata": metadata, "spec": spec, "status": status}


# -- the common case, fast ------------------------------------------------------------------


def fast_case(svc: dict, view: NamespaceView) -> bool:
    """Whether `sync_new_service` answers for this Service (see the module doc)."""
    if not view.usual:
        return False
    meta, spec = svc["metadata"], svc.get("spec")
    if type(spec) is not dict:
        return False
    name = meta["name"]
    selector = spec.get("selector")
    if (not selector or type(selector) is not dict or spec.get("type") == "ExternalName"
            or name in view.slices or name in view.endpoints
            or meta.get("deletionTimestamp") is not None
            or spec.get("publishNotReadyAddresses")
            or spec.get("trafficDistribution")):
        return False
    families = spec.get("ipFamilies")
    if not families or type(families) is not list or len(families) != 1 or \
            families[0] not in (eu.IPV4, eu.IPV6):
        return False
    return all(type(v) is str for v in selector.values())


class PortPlan:
    """A Service's ports as both controllers use them, worked out once per distinct list of
    ports (most Services of a cluster share a few): the defaulted Service ports, the numbers
    when no targetPort is a name, and per resolved numbers the slice ports (sorted), their
    port key, the Endpoints ports (sorted) and whether the trusted checks pass them."""

    def __init__(self, svc: dict):
        self.sports = eu.service_ports(svc)
        self.fixed: tuple | None = None
        if not any(isinstance(sp["targetPort"], str) for sp in self.sports):
            self.fixed = tuple(int(sp["targetPort"]) for sp in self.sports)
        self.by_numbers: dict[tuple, tuple] = {}
        self.texts: dict[tuple, tuple] = {}  # the same as text (texts.py)

    def numbers(self, facts: list) -> tuple:
        ports = facts[PORTS]
        return tuple(
            int(sp["targetPort"]) if not isinstance(sp["targetPort"], str)
            else _find_port(ports, sp["targetPort"], sp["protocol"]) for sp in self.sports)

    def resolved(self, numbers: tuple) -> tuple:
        """(slice ports sorted, port key, they pass, Endpoints ports sorted, they pass)."""
        got = self.by_numbers.get(numbers)
        if got is None:
            ports = slices._ports_for(self.sports, numbers)
            core, seen = [], set()
            for sport, number in zip(self.sports, numbers, strict=True):
                if number is None:
                    continue
                port = legacy._endpoint_port(sport, number)
                pkey = legacy._core_port_key(port)
                if pkey not in seen:
                    seen.add(pkey)
                    if pkey[1] > 0:
                        core.append(port)
            core = sort_core_ports(core)
            got = (sort_slice_ports(ports), eu.port_key(ports), trusted.slice_ports_ok(ports),
                   core, trusted.endpoint_ports_ok(core))
            self.by_numbers[numbers] = got
        return got


_PLANS: dict[tuple, PortPlan] = {}
# the same plans by their ports without nodePort (which neither controller reads): Services
# of type NodePort each have their own node ports, and the same few lists of ports otherwise
_PLANS_BY_USE: dict[tuple, PortPlan] = {}


def ports_plan(svc: dict) -> PortPlan:
    raw = svc["spec"].get("ports") or ()
    try:
        key = tuple(map(tuple, map(dict.items, raw)))  # (a TypeError for a port not a dict)
        plan = _PLANS.get(key)
    except (TypeError, AttributeError):  # an unhashable value: worked out for this one alone
        return PortPlan(svc)
    if plan is None:
        if len(_PLANS) > 4096:
            _PLANS.clear()
            _PLANS_BY_USE.clear()
        used = tuple(tuple(kv for kv in p.items() if kv[0] != "nodePort") for p in raw)
        plan = _PLANS_BY_USE.get(used)
        if plan is None:
            _PLANS_BY_USE[used] = plan = PortPlan(svc)
        _PLANS[key] = plan
    return plan


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
    v4 = family == eu.IPV4
    plan = ports_plan(svc)
    fixed = plan.fixed
    plain_v4, node_info = trusted.plain_v4, view.node_info
    facts_of = view.facts
    groups: dict[tuple, list] = {}  # resolved numbers -> endpoints
    rows = []  # the Endpoints controller's (ready, address, numbers)
    slice_proof = endpoints_proof = True  # the trusted checks would pass (see trusted.py)
    for i in view.selected(spec["selector"]):
        facts = facts_of[i]
        ips = facts[IPS]
        if not ips or facts[PHASE] in TERMINAL:
            continue
        numbers = fixed if fixed is not None else plan.numbers(facts)
        hostname = facts[HOSTNAME] if facts[HOSTNAME] and facts[SUBDOMAIN] == name else None
        if hostname is not None and not trusted.hostname_ok(hostname):
            slice_proof = endpoints_proof = False
        ready, terminating, node_name = facts[READY], facts[TERMINATING], facts[NODE]
        first: str | None
        addresses: list[str]
        if len(ips) == 1 and plain_v4(ips[0]):  # the common case: canonical, checks pass
            first = ips[0] if v4 else None
            addresses = [ips[0]] if v4 else []
        else:
            first, addresses = family_ips(ips, family)
            if not all(trusted.slice_address_ok(family, a) for a in addresses) or \
                    len(addresses) > 100:
                slice_proof = False
            if first is not None and not trusted.endpoints_address_ok(first):
                endpoints_proof = False
        exists, zone, node_ok = node_info(nodes, node_name)
        if not node_ok:
            slice_proof = endpoints_proof = False
        ref = {"kind": "Pod", "namespace": ns, "name": facts[NAME]}
        if facts[UID]:
            ref["uid"] = facts[UID]
        # the EndpointSlice controller: pods on a known node, canonical IPs of the family
        if exists and addresses:
            endpoint: dict = {
                "addresses": addresses,
                "conditions": {"ready": ready and not terminating, "serving": ready,
                               "terminating": terminating},
            }
            if hostname:
                endpoint["hostname"] = hostname
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
        if first is not None and not terminating:
            address: dict = {"ip": first}
            if hostname:
                address["hostname"] = hostname
            address["nodeName"] = node_name
            address["targetRef"] = dict(ref)
            rows.append((ready, address, numbers))
    for eps, proven in _slices(svc, ns, name, family, plan, groups, slice_proof):
        queue_write(ctx, SLICE_GK, eps, None, plain=True, proven=proven)
    endpoints, proven = _endpoints(svc, plan, rows, endpoints_proof)
    queue_write(ctx, "Endpoints", endpoints, None, plain=True, proven=proven)


def family_ips(ips: list, family: str) -> tuple[str | None, list[str]]:
    """(the first IP of the family as written, every IP of the family in canonical form)."""
    first, addresses = None, []
    for ip in ips:
        parsed = eu.parse_ip(ip)
        if parsed and parsed[0] == family:
            if first is None:
                first = ip
            addresses.append(parsed[1])
    return first, addresses


def _slices(svc, ns, name, family, plan, groups, proof) -> list[tuple[dict, bool]]:
    """reconcileByAddressType with nothing stored: each port mapping's endpoints, sorted,
    in new slices of up to 100; a placeholder when there is none. With whether the
    trusted checks would pass each slice."""
    keyed: dict[tuple, tuple[list, list, bool]] = {}
    for numbers, endpoints in groups.items():
        ports, key, ports_ok, _, _ = plan.resolved(numbers)
        if key in keyed:
            keyed[key][1].extend(endpoints)
        else:
            keyed[key] = (ports, endpoints, ports_ok)
    creates: list[tuple[dict, str]] = []
    proven: dict[int, bool] = {}
    labels = _slice_labels(svc, name)
    owner = eu.controller_ref(svc, "Service")
    prefix = eu.generate_name_prefix(name)
    size = slices.MAX_ENDPOINTS_PER_SLICE
    for key in sorted(keyed):
        ports, endpoints, ports_ok = keyed[key]
        endpoints.sort(key=_endpoint_order)
        for i, start in enumerate(range(0, len(endpoints), size)):
            eps = _new_slice(prefix, ns, labels, owner, family, endpoints[start:start + size],
                             [dict(p) for p in ports] or None)
            proven[id(eps)] = proof and ports_ok
            creates.append((eps, f"{family}/{key}/{i}"))
    if not creates:
        eps = _new_slice(prefix, ns, labels, owner, family, None, None)
        proven[id(eps)] = True
        creates.append((eps, f"{family}/placeholder/0"))
    eu.name_new_slices(creates, prefix, f"{ns}/{name}/", set())
    if len(creates) > 1:
        creates.sort(key=lambda c: c[0]["metadata"]["name"])
    return [(eps, proven[id(eps)]) for eps, _ in creates]


_RESERVED = (eu.SERVICE_NAME_LABEL, eu.MANAGED_BY_LABEL, eu.HEADLESS_LABEL)


def _slice_labels(svc: dict, name: str) -> dict:
    """setEndpointSliceLabels for a new slice (slices._slice_labels)."""
    labels = {k: v for k, v in (svc["metadata"].get("labels") or {}).items()
              if k not in _RESERVED}
    if svc["spec"].get("clusterIP") in (None, "", "None"):
        labels[eu.HEADLESS_LABEL] = ""
    labels[eu.SERVICE_NAME_LABEL] = name
    labels[eu.MANAGED_BY_LABEL] = eu.SLICE_CONTROLLER
    return labels


def _endpoint_order(endpoint: dict) -> tuple:
    return tuple(endpoint["addresses"]), endpoint["targetRef"]["name"]


def _new_slice(prefix, ns, labels, owner, family, endpoints, ports) -> dict:
    """newEndpointSlice, as stored (empty lists are null); named later."""
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"generateName": prefix, "namespace": ns, "labels": dict(labels),
                     "ownerReferences": [dict(owner)]},
        "addressType": family,
        "endpoints": endpoints,
        "ports": ports,
    }


def _endpoints(svc: dict, plan: PortPlan, rows: list, proof: bool) -> tuple[dict, bool]:
    """desired_endpoints for these addresses: one subset when every port resolved the same
    for every address (RepackSubsets then has a single group), the general repacking
    otherwise. With whether the trusted checks would pass it."""
    sports = plan.sports
    headless = svc["spec"].get("clusterIP") == "None"
    first = rows[0][2] if rows else ()
    if not rows or (not sports and not headless):
        subsets: list[dict] = []
    elif (None not in first and all(numbers == first for _, _, numbers in rows)
          and len({(a["ip"], a["targetRef"].get("uid", "")) for _, a, _ in rows}) == len(rows)):
        _, _, _, ports, ports_ok = plan.resolved(first)
        proof = proof and ports_ok
        ready = [a for r, a, _ in rows if r]
        not_ready = [a for r, a, _ in rows if not r]
        if len(ready) > 1:
            ready.sort(key=_address_order)
        if not_ready:
            not_ready.sort(key=_address_order)
        subsets = [{"addresses": ready or None, "notReadyAddresses": not_ready or None,
                    "ports": [dict(p) for p in ports] or None}]
    else:
        proof = False
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
    obj = legacy._endpoints_object(svc, subsets, None)
    return obj, proof and "annotations" not in obj["metadata"]


def _address_order(address: dict) -> tuple:
    return address["ip"], True, address["targetRef"].get("uid", "")
