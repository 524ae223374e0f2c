"""Endpoints for Services: the three controllers and the consumers' view, in one import.

- `desired_endpoint_slices`: the EndpointSlice controller (`endpointslices.py`);
- `desired_endpoints`: the legacy v1 Endpoints controller (`endpoints_legacy.py`);
- `mirrored_endpoint_slices`: the EndpointSlice mirroring controller (`mirroring.py`);
- `service_backends`: what kube-proxy (and DNS) read back from the slices
  (k8s `pkg/proxy/endpointslicecache.go` `endpointInfoByServicePort`, `addEndpoints`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from kubesvc.api.objects import meta, spec
from kubesvc.api.selectors import from_map
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.controllers.endpoints.legacy import desired_endpoints
from kubesvc.controllers.endpoints.mirroring import mirrored_endpoint_slices
from kubesvc.controllers.endpoints.slices import desired_endpoint_slices, pod_endpoint_ports

__all__ = [
    "Backend",
    "desired_endpoint_slices",
    "desired_endpoints",
    "endpoint_conditions",
    "mirrored_endpoint_slices",
    "pod_endpoint_ports",
    "service_backends",
    "service_selects",
    "service_slices",
]


class Backend(NamedTuple):
    """One `ip:port` behind a Service port, with the endpoint it came from."""

    ip: str
    port: int
    endpoint: Mapping
    ready: bool
    serving: bool
    terminating: bool


def service_selects(service: Mapping, pod: Mapping) -> bool:
    """The controllers' pod selection: same namespace, a (non-empty) selector, not
    ExternalName, and every selector key=value among the pod's labels."""
    if eu.namespace_of(service) != eu.namespace_of(pod) or not eu.controller_handles(service):
        return False
    return from_map(spec(service)["selector"]).matches(meta(pod).get("labels"))


def service_slices(service: Mapping, slices: Iterable[Mapping]) -> list[Mapping]:
    """Every slice consumers merge for a Service: label `kubernetes.io/service-name` in its
    namespace, whoever manages it (controller, mirroring or a user), in name order."""
    return eu.slices_labelled(slices, eu.namespace_of(service), meta(service)["name"], None)


def endpoint_conditions(endpoint: Mapping) -> tuple[bool, bool, bool]:
    """(ready, serving, terminating) as consumers read them: an unset ready or serving counts
    as true, an unset terminating as false (newEndpointSliceInfo; CoreDNS endpointsliceReady)."""
    cond = endpoint.get("conditions") or {}
    ready = cond.get("ready") is not False
    serving = cond.get("serving") is not False
    return ready, serving, cond.get("terminating") is True


def service_backends(
    service: Mapping, slices: Iterable[Mapping], address_type: str | None = None
) -> dict[str, list[Backend]]:
    """Per Service port name, the deduplicated `ip:port` backends from all the Service's slices.

    A slice port counts for the Service port with the same name and protocol; ports with no
    name or no (or zero) number are ignored. Only `addresses[0]` of an endpoint is used, and an
    `ip:port` seen twice is kept once (first slice by name wins). `address_type` keeps one
    family, as each kube-proxy family does. Port-less slices add nothing here.
    """
    wanted = {(p["name"], p["protocol"]) for p in eu.service_ports(service)}
    out: dict[str, list[Backend]] = {name: [] for name, _ in sorted(wanted)}
    seen: set[tuple[str, str, int]] = set()
    for eps in service_slices(service, slices):
        for port in eps.get("ports") or ():
            name, number = port.get("name"), port.get("port")
            if name is None or not number or (name, port.get("protocol") or "TCP") not in wanted:
                continue
            for endpoint in eps.get("endpoints") or ():
                backend = _backend(endpoint, number, address_type)
                if backend is not None and (name, backend.ip, number) not in seen:
                    seen.add((name, backend.ip, number))
                    out[name].append(backend)
    return out


def _backend(endpoint: Mapping, port: int, address_type: str | None) -> Backend | None:
    addresses = endpoint.get("addresses") or ()
    if not addresses:
        return None
    parsed = eu.parse_ip(addresses[0])
    if address_type is not None and (parsed is None or parsed[0] != address_type):
        return None
    return Backend(addresses[0], port, endpoint, *endpoint_conditions(endpoint))
