"""The EndpointSlice mirroring controller for one user-made Endpoints, as a pure function.

Paraphrases k8s `pkg/controller/endpointslicemirroring/endpointslicemirroring_controller.go`
(`syncEndpoints`, `shouldMirror`), `reconciler.go` (`reconcile`, `reconcileByPortMapping`,
`totalChanges`), `reconciler_helpers.go` (`recycleSlices`) and `utils.go`
(`newEndpointSlice`, `addressToEndpoint`): one slice per repacked subset and address family,
at most 1000 addresses mirrored per subset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kubesvc.api.objects import clone, meta
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.controllers.endpoints.gohash import sort_slice_ports
from kubesvc.controllers.endpoints.legacy import TRIGGER_TIME, repack_subsets

MAX_ENDPOINTS_PER_SUBSET = 1000  # endpointslicemirroring/config/v1alpha1 defaults
LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"
_NOT_MIRRORED_ANNOTATIONS = (TRIGGER_TIME, "kubectl.kubernetes.io/last-applied-configuration")


def mirrored_endpoint_slices(
    service: Mapping | None, endpoints: Mapping | None, existing_slices: Iterable[Mapping] = ()
) -> list[dict]:
    """The EndpointSlices mirrored from a user-made Endpoints object.

    Mirrored only when a Service of the same name exists and has no selector, and the
    Endpoints has neither `endpointslice.kubernetes.io/skip-mirror: "true"` nor a leader
    election annotation; otherwise the result is empty (mirrored slices are deleted).
    `existing_slices` lets earlier mirrored slices keep their names; mirrored slices of this
    Endpoints missing from the result are to be deleted.
    """
    if not _should_mirror(service, endpoints):
        return []
    existing_slices = list(existing_slices)
    name, namespace = meta(endpoints)["name"], eu.namespace_of(endpoints)
    mine = eu.slices_labelled(existing_slices, namespace, name, eu.MIRROR_CONTROLLER)
    creates, kept, to_delete = _reconcile(endpoints, _desired(endpoints), mine)
    kept += _recycle(creates, sorted(to_delete, key=lambda s: meta(s).get("name", "")))
    if meta(endpoints).get("deletionTimestamp") is not None:
        creates = []  # finalize: nothing new for an Endpoints being deleted
    taken = {meta(s).get("name") for s in existing_slices}
    eu.name_new_slices(creates, eu.generate_name_prefix(name), f"{namespace}/{name}/mirror/", taken)
    out = [eu.as_stored(s) for s in kept + [s for s, _ in creates]]
    return sorted(out, key=lambda s: (s["addressType"], s["metadata"]["name"]))


def _reconcile(endpoints: Mapping, desired: dict, mine: list) -> tuple[list, list, list]:
    """reconcile: per (address type, ports) key; keys no longer desired lose their slices."""
    by_key: dict = {}
    for eps in mine:
        by_key.setdefault((eps.get("addressType"), eu.stored_port_key(eps)), []).append(eps)
    creates, kept, to_delete = [], [], []
    for key, (ports, wanted) in sorted(desired.items()):
        made, keep, drop = _reconcile_port_map(
            endpoints, by_key.get(key, []), wanted, ports, key[0]
        )
        creates += [(s, str(key)) for s in made]
        kept += keep
        to_delete += drop
    to_delete += [s for key, slices in by_key.items() if key not in desired for s in slices]
    return creates, kept, to_delete


def _should_mirror(service: Mapping | None, endpoints: Mapping | None) -> bool:
    """syncEndpoints + shouldMirror: a same-named, selector-less Service and no opt-out."""
    if not service or not endpoints:
        return False
    if (meta(service).get("name"), eu.namespace_of(service)) != (
        meta(endpoints).get("name"),
        eu.namespace_of(endpoints),
    ):
        return False
    if eu.labels_of(endpoints).get(eu.SKIP_MIRROR_LABEL) == "true":
        return False
    if LEADER_ANNOTATION in (meta(endpoints).get("annotations") or {}):
        return False
    return not eu.has_selector(service)


def _desired(endpoints: Mapping) -> dict:
    """(address type, port key) -> (ports, {identity: endpoint}) from the repacked subsets;
    every subset reserves a key for both families, so a family it lacks deletes old slices."""
    desired: dict = {}
    for subset in repack_subsets(endpoints.get("subsets") or ()):
        ports = sort_slice_ports([_slice_port(p) for p in subset["ports"] or ()])
        key = eu.port_key(ports)
        for addr_type in (eu.IPV4, eu.IPV6):
            desired.setdefault((addr_type, key), (ports, []))
        added = 0
        for field, ready in (("addresses", True), ("notReadyAddresses", False)):
            for address in subset[field] or ():
                if added >= MAX_ENDPOINTS_PER_SUBSET:
                    break
                endpoint, addr_type = _address_to_endpoint(address, ready)
                if endpoint is not None:  # invalid IPs are skipped (and not counted)
                    desired[(addr_type, key)][1].append(endpoint)
                    added += 1
    return {
        key: (ports, {eu.endpoint_identity(e): e for e in sorted(eps, key=eu.endpoint_order)})
        for key, (ports, eps) in desired.items()
    }


def _slice_port(port: Mapping) -> dict:
    """epPortsToEpsPorts: name, port and protocol always set, appProtocol when given."""
    out = {
        "name": port.get("name") or "",
        "protocol": port.get("protocol") or "TCP",
        "port": port.get("port"),
    }
    if port.get("appProtocol") is not None:
        out["appProtocol"] = port["appProtocol"]
    return out


def _address_to_endpoint(address: Mapping, ready: bool) -> tuple[dict | None, str | None]:
    """addressToEndpoint: the IP re-printed, ready from the list it came from, hostname,
    targetRef and nodeName copied; serving and terminating stay unset."""
    parsed = eu.parse_ip(address.get("ip"))
    if parsed is None:
        return None, None
    endpoint: dict = {"addresses": [parsed[1]], "conditions": {"ready": ready}}
    if address.get("hostname"):
        endpoint["hostname"] = address["hostname"]
    if address.get("targetRef") is not None:
        endpoint["targetRef"] = clone(address["targetRef"])
    if address.get("nodeName") is not None:
        endpoint["nodeName"] = address["nodeName"]
    return endpoint, parsed[0]


def _reconcile_port_map(endpoints, existing, desired, ports, addr_type):
    """reconcileByPortMapping: one slice per key; the first existing slice is kept when it
    already matches, else rewritten under its name; the others are deleted."""
    if not desired:
        return [], [], list(existing)
    name = None
    if existing:
        first = existing[0]
        if _matches(first, desired, endpoints):
            return [], [clone(first)], list(existing[1:])
        name = meta(first)["name"]
    new = _new_slice(endpoints, ports, addr_type, name)
    new["endpoints"] = list(desired.values())[:MAX_ENDPOINTS_PER_SUBSET]
    if name is None:
        return [new], [], list(existing[1:])
    return [], [new], list(existing[1:])


def _matches(eps: Mapping, desired: Mapping, endpoints: Mapping) -> bool:
    """totalChanges is zero and the labels and annotations already mirror the Endpoints."""
    current = eps.get("endpoints") or ()
    matched = 0
    for endpoint in current:
        got = desired.get(eu.endpoint_identity(endpoint))
        if got is None or not eu.endpoints_equal_beyond_hash(got, endpoint):
            return False
        matched += 1
    own_labels = {
        k: v
        for k, v in eu.labels_of(eps).items()
        if k not in (eu.MANAGED_BY_LABEL, eu.SERVICE_NAME_LABEL)
    }
    return (
        matched == len(desired)
        and own_labels == eu.labels_of(endpoints)
        and (meta(eps).get("annotations") or {}) == _mirrored_annotations(endpoints)
    )


def _mirrored_annotations(endpoints: Mapping) -> dict:
    annotations = meta(endpoints).get("annotations") or {}
    return {k: v for k, v in annotations.items() if k not in _NOT_MIRRORED_ANNOTATIONS}


def _new_slice(endpoints: Mapping, ports: list, addr_type: str, name: str | None) -> dict:
    """newEndpointSlice: the Endpoints' labels and annotations, owned by the Endpoints."""
    labels = eu.labels_of(endpoints)
    labels[eu.SERVICE_NAME_LABEL] = meta(endpoints)["name"]
    labels[eu.MANAGED_BY_LABEL] = eu.MIRROR_CONTROLLER
    metadata: dict = (
        {"name": name}
        if name
        else {"generateName": eu.generate_name_prefix(meta(endpoints)["name"])}
    )
    metadata.update(namespace=eu.namespace_of(endpoints), labels=labels)
    if _mirrored_annotations(endpoints):
        metadata["annotations"] = _mirrored_annotations(endpoints)
    metadata["ownerReferences"] = [eu.controller_ref(endpoints, "Endpoints")]
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": metadata,
        "addressType": addr_type,
        "endpoints": [],
        "ports": clone(ports),
    }


def _recycle(creates: list, to_delete: list) -> list[dict]:
    """recycleSlices: per address type, the i-th slice to create takes the i-th deleted name."""
    recycled = []
    for addr_type in (eu.IPV4, eu.IPV6):
        news = [c for c in creates if c[0]["addressType"] == addr_type]
        olds = [s for s in to_delete if s.get("addressType") == addr_type]
        for (new, seed), old in zip(news, olds, strict=False):  # the shorter list bounds
            eu.set_name(new, meta(old)["name"])
            creates.remove((new, seed))
            recycled.append(new)
    return recycled
