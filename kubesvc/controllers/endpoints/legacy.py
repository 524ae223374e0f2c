"""The legacy v1 Endpoints controller for one Service, as a pure function over plain dicts.

Paraphrases k8s `pkg/controller/endpoint/endpoints_controller.go` (`syncService`,
`podToEndpointAddressForService`, `addEndpointSubset`, `truncateEndpoints`) and
`pkg/api/v1/endpoints/util.go` (`RepackSubsets`, `SortSubsets`), whose order is a real
cluster's order: addresses by IP text then pod uid, ports and subsets by Go hash.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from kubesvc.api.objects import meta, spec
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.controllers.endpoints.gohash import sort_core_ports, subset_hash

MAX_CAPACITY = 1000  # endpoints_controller.go maxCapacity
MANAGED_BY_LABEL = "endpoints.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpoint-controller"
OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
_SENTINEL = ("", -1, "", None)  # RepackSubsets keeps port-less addresses under port -1


def desired_endpoints(
    service: Mapping, pods: Iterable[Mapping], existing: Mapping | None = None
) -> dict | None:
    """The Endpoints object the controller writes for `service`, or None when it leaves the
    Service alone (ExternalName, no selector): then any existing Endpoints stays as it is.

    `pods` are the pods the Service selects. Terminating pods are left out unless the Service
    publishes not-ready addresses, and there is no Node lookup. `existing` (the stored
    Endpoints, if any) keeps its other annotations, as the controller updates a copy of it.
    """
    if not eu.controller_handles(service):
        return None
    publish = bool(spec(service).get("publishNotReadyAddresses"))
    ports = eu.service_ports(service)
    headless = spec(service).get("clusterIP") == "None"
    subsets = []
    for pod in pods:
        if not eu.should_pod_be_in_endpoints(pod, publish):
            continue
        address = _pod_address(service, pod)
        if address is None:
            continue
        key = "addresses" if publish or eu.is_pod_ready(pod) else "notReadyAddresses"
        if not ports:
            if headless:  # a headless Service may have no ports: the address alone
                subsets.append({key: [address]})
            continue
        for sport in ports:
            number = eu.find_port(pod, sport)
            if number is not None:
                subsets.append({key: [address], "ports": [_endpoint_port(sport, number)]})
    return _endpoints_object(service, repack_subsets(subsets), existing)


def _pod_address(service: Mapping, pod: Mapping) -> dict | None:
    """podToEndpointAddressForService: one IP, of the family ipFamilies[0] (older objects: the
    cluster IP's family, or the pod's own for headless), written as the pod reports it."""
    family = _address_family(service, pod)
    for ip in eu.pod_ips(pod):
        parsed = eu.parse_ip(ip)
        if parsed and parsed[0] == family:
            address = {"ip": ip}
            if eu.should_set_hostname(pod, service):
                address["hostname"] = spec(pod)["hostname"]
            address["nodeName"] = spec(pod).get("nodeName") or ""
            address["targetRef"] = eu.target_ref(pod)
            return address
    return None


def _address_family(service: Mapping, pod: Mapping) -> str:
    families = spec(service).get("ipFamilies") or ()
    if families:
        return families[0]
    probe = spec(service)["clusterIP"] if eu.is_service_ip_set(service) else None
    if probe is None:
        probe = (pod.get("status") or {}).get("podIP") or ""
    parsed = eu.parse_ip(probe)
    return parsed[0] if parsed else eu.IPV4


def _endpoint_port(sport: Mapping, number: int) -> dict:
    """endpointPortFromServicePort: Service port name and protocol, the resolved number."""
    port = {"name": sport["name"], "port": number, "protocol": sport["protocol"]}
    if sport["appProtocol"] is not None:
        port["appProtocol"] = sport["appProtocol"]
    return port


# --- RepackSubsets -------------------------------------------------------------------------


def repack_subsets(subsets: Iterable[Mapping]) -> list[dict]:
    """RepackSubsets + SortSubsets: expand to (port, address) pairs, regroup ports that share
    exactly the same addresses (with the same readiness), and sort. Addresses are deduplicated
    by (IP, target uid); not-ready wins over ready. None stands for a nil list."""
    all_addresses: dict[tuple, Mapping] = {}
    by_port: dict[tuple, dict[tuple, bool]] = {}
    port_objects: dict[tuple, Mapping] = {}
    for subset in subsets:
        for port in subset.get("ports") or [None]:
            pkey = _SENTINEL if port is None else _core_port_key(port)
            port_objects.setdefault(pkey, port)
            ready_map = by_port.setdefault(pkey, {})
            for field, ready in (("addresses", True), ("notReadyAddresses", False)):
                for address in subset.get(field) or ():
                    akey = _address_key(address)
                    all_addresses.setdefault(akey, address)
                    if ready_map.get(akey, True):  # not ready always trumps ready
                        ready_map[akey] = ready
    groups: dict[frozenset, list] = {}
    for pkey, ready_map in by_port.items():
        ports = groups.setdefault(frozenset(ready_map.items()), [])
        if pkey[1] > 0:  # sentinels (and port 0) only keep their addresses
            ports.append(port_objects[pkey])
    return _sort_subsets(
        [_subset(members, ports, all_addresses) for members, ports in groups.items()]
    )


def _core_port_key(port: Mapping) -> tuple:
    return (
        port.get("name") or "",
        port.get("port") or 0,
        port.get("protocol") or "TCP",
        port.get("appProtocol"),
    )


def _address_key(address: Mapping) -> tuple:
    ref = address.get("targetRef")
    return address.get("ip", ""), (ref or {}).get("uid", "") if ref is not None else ""


def _address_order(address: Mapping) -> tuple:
    """LessEndpointAddress: IP text, then no target before a target, then target uid."""
    ref = address.get("targetRef")
    return address.get("ip", ""), ref is not None, (ref or {}).get("uid", "")


def _subset(members: frozenset, ports: list, all_addresses: Mapping) -> dict:
    ready = sorted((all_addresses[k] for k, r in members if r), key=_address_order)
    not_ready = sorted((all_addresses[k] for k, r in members if not r), key=_address_order)
    return {
        "addresses": ready or None,
        "notReadyAddresses": not_ready or None,
        "ports": sort_core_ports(ports) or None,
    }


def _sort_subsets(subsets: list[dict]) -> list[dict]:
    """subsetsByHash: by the Go hash of each (already sorted) subset."""
    if len(subsets) < 2:
        return subsets  # nothing to order: spare the hash
    return sorted(
        subsets, key=lambda s: subset_hash(s["addresses"], s["notReadyAddresses"], s["ports"])
    )


# --- capacity and the object ---------------------------------------------------------------


def _truncate(subsets: list[dict]) -> bool:
    """truncateEndpoints: past 1000 addresses, keep ready ones first; the budget is shared
    between subsets in proportion to their size, rounded up, the last ones taking the rest."""
    total_ready = sum(len(s["addresses"] or ()) for s in subsets)
    total_not_ready = sum(len(s["notReadyAddresses"] or ()) for s in subsets)
    if total_ready + total_not_ready <= MAX_CAPACITY:
        return False
    trim_ready = total_ready > MAX_CAPACITY
    budget = MAX_CAPACITY if trim_ready else MAX_CAPACITY - total_ready
    total = total_ready if trim_ready else total_not_ready
    left = budget
    for subset in subsets:
        field = "addresses" if trim_ready else "notReadyAddresses"
        count = len(subset[field] or ())
        keep = min(math.ceil((count / total) * budget), left)
        subset[field] = (subset[field] or [])[:keep]
        if trim_ready:
            subset["notReadyAddresses"] = []
        left -= len(subset[field])
    return True


def _endpoints_object(service: Mapping, subsets: list[dict], existing: Mapping | None) -> dict:
    """The labels are the Service's, plus managed-by and the headless label when there is no
    cluster IP; over-capacity is set only when addresses were dropped. No owner reference."""
    labels = eu.labels_of(service)
    labels[MANAGED_BY_LABEL] = CONTROLLER_NAME
    if eu.is_service_ip_set(service):
        labels.pop(eu.HEADLESS_LABEL, None)
    else:
        labels[eu.HEADLESS_LABEL] = ""
    annotations = dict(meta(existing or {}).get("annotations") or {})
    annotations.pop(TRIGGER_TIME, None)  # needs the controller's clock and history
    annotations.pop(OVER_CAPACITY, None)
    if _truncate(subsets):
        annotations[OVER_CAPACITY] = "truncated"
    metadata = {
        "name": meta(service)["name"],
        "namespace": eu.namespace_of(service),
        "labels": labels,
    }
    if annotations:
        metadata["annotations"] = annotations
    out = {"apiVersion": "v1", "kind": "Endpoints", "metadata": metadata}
    # the subsets are this call's own (addresses and ports built above): no copy needed
    json_subsets = [{k: v for k, v in s.items() if v} for s in subsets]
    if json_subsets:
        out["subsets"] = json_subsets
    return out
