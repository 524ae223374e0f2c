"""The EndpointSlice controller for one Service, as a pure function over plain dicts.

Paraphrases k8s `staging/src/k8s.io/endpointslice/reconciler.go` (`Reconcile`,
`reconcileByAddressType`, `reconcileByPortMapping`, `finalize`), `utils.go` (`podToEndpoint`,
`getEndpointPorts`, `newEndpointSlice`, `setEndpointSliceLabels`, `getSliceToFill`) and
`trafficdist/trafficdist.go`. Where upstream picks at random (Go map order, `PopAny`,
generateName) this module picks deterministically: endpoints in address order, slices in name
order, and names from a stable hash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kubesvc.api.objects import clone, meta, spec
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.controllers.endpoints.gohash import sort_slice_ports

MAX_ENDPOINTS_PER_SLICE = 100  # endpointslice/config/v1alpha1 defaults
_RESERVED_LABELS = (eu.SERVICE_NAME_LABEL, eu.MANAGED_BY_LABEL, eu.HEADLESS_LABEL)


def pod_endpoint_ports(service: Mapping, pod: Mapping) -> list[dict]:
    """getEndpointPorts: one entry per Service port that resolves for this pod (FindPort), in
    Service port order; the slice itself stores them in upstream's hash order."""
    sports = eu.service_ports(service)
    return _ports_for(sports, [eu.find_port(pod, sport) for sport in sports])


def _ports_for(sports: list[dict], numbers) -> list[dict]:
    out = []
    for sport, number in zip(sports, numbers, strict=True):
        if number is None:
            continue
        port = {"name": sport["name"], "protocol": sport["protocol"], "port": number}
        if sport["appProtocol"] is not None:
            port["appProtocol"] = sport["appProtocol"]
        out.append(port)
    return out


def desired_endpoint_slices(
    service: Mapping,
    pods: Iterable[Mapping],
    nodes_by_name: Mapping[str, Mapping],
    existing_slices: Iterable[Mapping] = (),
) -> list[dict]:
    """Every EndpointSlice the controller keeps for `service` after one sync.

    `pods` are the pods the Service selects (see `service_selects`); `existing_slices` may hold
    any slices, only this controller's slices for this Service are reconciled; those missing
    from the result are to be deleted. Unchanged slices come back equal to their input; a slice
    without `metadata.uid` is new or rewritten under an old name. ExternalName and selector-less
    Services are left alone, so their old controller slices come back as they are.
    """
    existing_slices = list(existing_slices)
    mine = eu.slices_labelled(
        existing_slices, eu.namespace_of(service), meta(service)["name"], eu.SLICE_CONTROLLER
    )
    if not eu.controller_handles(service):
        return [clone(s) for s in mine]
    types = eu.address_types(service)
    groups = _desired_groups(service, pods, nodes_by_name, types)
    taken = {meta(s).get("name") for s in existing_slices}
    out: list[dict] = []
    for addr_type in types:
        own = [s for s in mine if s.get("addressType") == addr_type]
        type_groups = {key: g for (t, key), g in groups.items() if t == addr_type}
        out += _reconcile_address_type(service, addr_type, type_groups, own, taken)
    _apply_hints(service, out)
    return sorted(out, key=lambda s: (types.index(s["addressType"]), s["metadata"]["name"]))


# --- desired state -------------------------------------------------------------------------


def _desired_groups(service, pods, nodes_by_name, types) -> dict:
    """(address type, port key) -> (sorted ports, {endpoint identity: endpoint}), filled in the
    order of reconcileByAddressType; endpoints end up sorted by address then pod name."""
    publish = bool(spec(service).get("publishNotReadyAddresses"))
    sports = eu.service_ports(service)
    port_sets: dict[tuple, tuple[list, tuple]] = {}  # resolved numbers -> (ports, port key)
    groups: dict[tuple, tuple[list, list]] = {}
    for pod in pods:
        if not eu.should_pod_be_in_endpoints(pod, True):
            continue
        node = nodes_by_name.get(spec(pod).get("nodeName") or "")
        if node is None and not publish:
            continue  # Node not found: skipped (and retried) unless the Service publishes all
        numbers = tuple(eu.find_port(pod, sport) for sport in sports)
        if numbers not in port_sets:
            ports = _ports_for(sports, numbers)
            port_sets[numbers] = (ports, eu.port_key(ports))
        ports, key = port_sets[numbers]
        for addr_type in types:
            endpoint = _pod_endpoint(pod, node, service, addr_type, publish)
            if endpoint is not None:
                groups.setdefault((addr_type, key), (ports, []))[1].append(endpoint)
    return {
        key: (
            sort_slice_ports(ports),
            {eu.endpoint_identity(e): e for e in sorted(eps, key=eu.endpoint_order)},
        )
        for key, (ports, eps) in groups.items()
    }


def _pod_endpoint(pod, node, service, addr_type, publish) -> dict | None:
    """podToEndpoint for one address family; None when the pod has no IP of that family."""
    addresses = []
    for ip in eu.pod_ips(pod):  # getEndpointAddresses re-prints each IP in canonical form
        parsed = eu.parse_ip(ip)
        if parsed and parsed[0] == addr_type:
            addresses.append(parsed[1])
    if not addresses:
        return None
    serving, terminating = eu.is_pod_ready(pod), eu.is_terminating(pod)
    endpoint: dict = {
        "addresses": addresses,
        # ready is never true for a terminating pod unless the Service publishes not-ready ones
        "conditions": {
            "ready": publish or (serving and not terminating),
            "serving": serving,
            "terminating": terminating,
        },
    }
    if eu.should_set_hostname(pod, service):
        endpoint["hostname"] = spec(pod)["hostname"]
    endpoint["targetRef"] = eu.target_ref(pod)
    if spec(pod).get("nodeName"):
        endpoint["nodeName"] = spec(pod)["nodeName"]
    zone = ((node or {}).get("metadata") or {}).get("labels", {}).get(eu.ZONE_LABEL)
    if zone:
        endpoint["zone"] = zone
    return endpoint


# --- reconciling existing slices ---------------------------------------------------------


def _reconcile_address_type(service, addr_type, groups, existing, taken) -> list[dict]:
    """reconcileByAddressType + finalize: the slices kept for one address type."""
    by_key: dict = {}
    to_delete: list = []
    for eps in existing:
        if eu.owned_by(eps, service, "Service"):
            by_key.setdefault(eu.stored_port_key(eps), []).append(eps)
        else:
            to_delete.append(eps)  # a managed slice of an older Service with the same name
    creates: list[tuple[dict, str]] = []
    kept: list[dict] = []
    for key in sorted(groups):
        ports, desired = groups[key]
        made, keep, drop = _reconcile_port_map(
            service, by_key.get(key, []), desired, ports, addr_type
        )
        creates += [(s, f"{addr_type}/{key}/{i}") for i, s in enumerate(made)]
        kept += keep
        to_delete += drop
    to_delete += [s for key, slices in by_key.items() if key not in groups for s in slices]
    if len(existing) == len(to_delete) and not creates:
        placeholder = _new_slice(service, [], addr_type)
        if len(to_delete) == 1 and _same_placeholder(to_delete[0], placeholder):
            return [clone(to_delete[0])]  # keep it rather than delete and recreate it
        creates.append((placeholder, f"{addr_type}/placeholder/0"))
    kept += _recycle(service, creates, sorted(to_delete, key=lambda s: meta(s).get("name", "")))
    if meta(service).get("deletionTimestamp") is not None:
        creates = []  # finalize: nothing new for a Service being deleted (races the GC)
    name = meta(service)["name"]
    seed = f"{eu.namespace_of(service)}/{name}/"
    eu.name_new_slices(creates, eu.generate_name_prefix(name), seed, taken)
    return [eu.as_stored(s) for s in kept + [s for s, _ in creates]]


def _reconcile_port_map(service, existing, desired, ports, addr_type):
    """reconcileByPortMapping: keep endpoints where they are, fill changed slices, then fill an
    unchanged slice that fits or create new ones. Returns (created, kept, deleted)."""
    desired = dict(desired)
    updated, unchanged, to_delete = [], [], []
    for eps in existing:
        current = eps.get("endpoints") or []
        kept_eps, changed = [], False
        for endpoint in current:
            got = desired.pop(eu.endpoint_identity(endpoint), None)
            if got is not None:
                kept_eps.append(got)
                changed = changed or not eu.endpoints_equal_beyond_hash(got, endpoint)
        labels, labels_changed = _slice_labels(service, eps)
        if changed or len(kept_eps) != len(current):
            if not kept_eps:
                to_delete.append(eps)
            else:
                updated.append(_copy_with(eps, endpoints=kept_eps, labels=labels))
        elif labels_changed:
            updated.append(_copy_with(eps, labels=labels))
        else:
            unchanged.append(eps)
    remaining = list(desired.values())
    created = _fill(service, ports, addr_type, remaining, updated, unchanged)
    return created, updated + [clone(s) for s in unchanged], to_delete


def _fill(service, ports, addr_type, remaining, updated, unchanged) -> list[dict]:
    """Steps 2 and 3 of reconcileByPortMapping; consumes `remaining` in order."""
    pos = 0
    if remaining and updated:
        for eps in sorted(updated, key=lambda s: -len(s["endpoints"])):  # fullest first
            room = MAX_ENDPOINTS_PER_SLICE - len(eps["endpoints"])
            eps["endpoints"] += remaining[pos : pos + room]
            pos += max(room, 0)
    created = []
    while pos < len(remaining):
        left = len(remaining) - pos
        target = _slice_to_fill(unchanged, left) if left < MAX_ENDPOINTS_PER_SLICE else None
        if target is None:
            target = _new_slice(service, ports, addr_type)
            created.append(target)
        else:
            unchanged.remove(target)
            target = _copy_with(target)
            updated.append(target)
        room = MAX_ENDPOINTS_PER_SLICE - len(target["endpoints"])
        target["endpoints"] += remaining[pos : pos + room]
        pos += room
    return created


def _slice_to_fill(slices: list, count: int):
    """getSliceToFill: the slice that ends up closest to full, among those with room."""
    best, best_diff = None, MAX_ENDPOINTS_PER_SLICE
    for eps in slices:
        diff = MAX_ENDPOINTS_PER_SLICE - (count + len(eps.get("endpoints") or ()))
        if 0 <= diff < best_diff:
            best, best_diff = eps, diff
    return best


def _recycle(service, creates: list, to_delete: list) -> list[dict]:
    """finalize: a slice to create takes over the name of an owned slice of the same address
    type that would be deleted (last create first), turning delete+create into one update."""
    recycled, i = [], 0
    while i < len(to_delete) and creates:
        old, (new, _seed) = to_delete[i], creates[-1]
        if old.get("addressType") == new["addressType"] and eu.owned_by(old, service, "Service"):
            eu.set_name(new, meta(old)["name"])
            recycled.append(creates.pop()[0])
            to_delete.pop(i)
        else:
            i += 1
    return recycled


# --- slice objects -------------------------------------------------------------------------


def _slice_labels(service: Mapping, eps: Mapping | None) -> tuple[dict, bool]:
    """setEndpointSliceLabels: the Service's labels (minus reserved keys), the headless label
    when there is no cluster IP, then service-name and managed-by; and whether the slice's own
    non-reserved labels differ from the Service's."""
    svc_labels = {k: v for k, v in eu.labels_of(service).items() if k not in _RESERVED_LABELS}
    own = {k: v for k, v in eu.labels_of(eps or {}).items() if k not in _RESERVED_LABELS}
    labels = dict(svc_labels)
    if not eu.is_service_ip_set(service):
        labels[eu.HEADLESS_LABEL] = ""
    labels[eu.SERVICE_NAME_LABEL] = meta(service)["name"]
    labels[eu.MANAGED_BY_LABEL] = eu.SLICE_CONTROLLER
    return labels, own != svc_labels


def _new_slice(service: Mapping, ports: list, addr_type: str) -> dict:
    """newEndpointSlice: generateName `<service>-`, the Service as controlling owner."""
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "generateName": eu.generate_name_prefix(meta(service)["name"]),
            "namespace": eu.namespace_of(service),
            "labels": _slice_labels(service, None)[0],
            "ownerReferences": [eu.controller_ref(service, "Service")],
        },
        "addressType": addr_type,
        "endpoints": [],
        "ports": clone(ports),
    }


def _same_placeholder(eps: Mapping, placeholder: Mapping) -> bool:
    """placeholderSliceCompare: namespace, labels, address type, no endpoints, no ports."""
    return (
        eu.namespace_of(eps) == placeholder["metadata"]["namespace"]
        and eu.labels_of(eps) == placeholder["metadata"]["labels"]
        and eps.get("addressType") == placeholder["addressType"]
        and not eps.get("endpoints")
        and not eps.get("ports")
    )


def _copy_with(eps: Mapping, **fields) -> dict:
    """A deep copy to update (DeepCopy upstream), with a real endpoints list to fill."""
    out = clone(dict(eps))
    out["endpoints"] = list(out.get("endpoints") or [])
    for field, value in fields.items():
        if field == "labels":
            out["metadata"] = {**out.get("metadata", {}), "labels": value}
        else:
            out[field] = value
    return out


# --- hints ---------------------------------------------------------------------------------


def _hint_mode(service: Mapping) -> str | None:
    """trafficDistribution PreferClose/PreferSameZone give zone hints, PreferSameNode zone and
    node hints. The topology-mode annotation takes precedence upstream (proportional CPU
    heuristic, not modelled), so it yields no hints here."""
    annotations = meta(service).get("annotations") or {}
    auto = annotations.get(
        "service.kubernetes.io/topology-aware-hints",
        annotations.get("service.kubernetes.io/topology-mode"),
    )
    if auto in ("Auto", "auto"):
        return None
    return {"PreferClose": "zone", "PreferSameZone": "zone", "PreferSameNode": "node"}.get(
        spec(service).get("trafficDistribution") or ""
    )


def _apply_hints(service: Mapping, slices: list[dict]) -> None:
    """trafficdist.ReconcileHints: hint every ready endpoint for its own zone (and node);
    without a trafficDistribution all hints are removed."""
    mode = _hint_mode(service)
    for eps in slices:
        for endpoint in eps.get("endpoints") or ():
            if mode is None:
                endpoint.pop("hints", None)
            elif (endpoint.get("conditions") or {}).get("ready") is True:
                hints = {}
                if endpoint.get("zone"):
                    hints["forZones"] = [{"name": endpoint["zone"]}]
                if mode == "node" and endpoint.get("nodeName"):
                    hints["forNodes"] = [{"name": endpoint["nodeName"]}]
                if hints:
                    endpoint["hints"] = hints
                else:
                    endpoint.pop("hints", None)
