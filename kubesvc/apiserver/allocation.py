"""Cluster IP, node port and health-check node port allocation, as kube-apiserver does it.

Ranges and bands follow the upstream allocators (pkg/registry/core/service/ipallocator,
portallocator): dynamic values come from the upper band first, then the lower (static) band.
Where upstream picks at random inside a band, kubesvc takes the lowest free value, so the same
input always gives the same result. Allocations live in the store's `allocations` table, whose
primary key makes a value impossible to hand out twice.
"""

from __future__ import annotations

import ipaddress

from kubesvc.api.errors import InternalError, InvalidError, invalid
from kubesvc.apiserver.validation.ip_addresses import canonical_v4

POOL_IP, POOL_NODEPORT = "clusterip", "nodeport"


def range_offset(size: int, minimum: int, maximum: int, step: int) -> int:
    """calculateRangeOffset: min(max(minimum, size/step), maximum); 0 for tiny ranges."""
    if size <= minimum:
        return 0
    return max(minimum, min(size // step, maximum))


class ServiceCIDR:
    def __init__(self, cidr: str):
        self.network = ipaddress.ip_network(cidr, strict=False)
        size = self.network.num_addresses
        self.first = int(self.network.network_address) + 1  # network address never handed out
        self.last = int(self.network.broadcast_address) - 1  # nor the broadcast address
        # ipallocator: min 16, max 256, step 16
        self.offset = range_offset(size, 16, 256, 16)

    def contains(self, value: int) -> bool:
        return self.first <= value <= self.last

    def bands(self) -> list[tuple[int, int]]:
        """Where dynamic allocation looks, in order: the upper band, then the static band."""
        split = self.first + self.offset
        return [(split, self.last), (self.first, split - 1)] if self.offset else [
            (self.first, self.last)]

    def address(self, index: int) -> str:
        """The index-th usable address (1 = first): kubernetes at 1, kube-dns at 10."""
        return str(ipaddress.ip_address(int(self.network.network_address) + index))


_CIDRS: dict[str, ServiceCIDR] = {}


def _service_cidr(text: str) -> ServiceCIDR:
    """The parsed range (read only after it is built), once per process: a bulk import makes
    an Allocator per Service."""
    cidr = _CIDRS.get(text)
    if cidr is None:
        cidr = _CIDRS[text] = ServiceCIDR(text)
    return cidr


class NodePortRange:
    def __init__(self, text: str):
        low, _, high = text.partition("-")
        self.base, self.max = int(low), int(high or low)
        size = self.max - self.base + 1
        self.offset = range_offset(size, 16, 128, 32)  # portallocator: min 16, max 128, step 32

    def contains(self, port: int) -> bool:
        return self.base <= port <= self.max

    def bands(self) -> list[tuple[int, int]]:
        split = self.base + self.offset
        return [(split, self.max), (self.base, split - 1)] if self.offset else [
            (self.base, self.max)]

    def __str__(self) -> str:
        return f"{self.base}-{self.max}"


def _lowest_free(store, pool: str, bands) -> int | None:
    for low, high in bands:
        if low <= high:
            found = store.lowest_free(pool, low, high)
            if found is not None and found <= high:
                return found
    return None


_RANGES: dict[str, NodePortRange] = {}


def _node_port_range(text: str) -> NodePortRange:
    """The parsed node port range (read only after it is built), once per process."""
    ports = _RANGES.get(text)
    if ports is None:
        ports = _RANGES[text] = NodePortRange(text)
    return ports


class Allocator:
    """Takes and releases one Service's cluster IPs and node ports inside the transaction."""

    def __init__(self, store, settings: dict):
        self.store = store
        self.cidr = _service_cidr(settings["serviceCIDR"])
        self.ports = _node_port_range(settings["nodePortRange"])

    # -- cluster IPs ----------------------------------------------------------------------

    def allocate_cluster_ip(self, svc: dict, owner: str) -> None:
        spec = svc["spec"]
        requested = spec.get("clusterIP") or ""
        if requested:
            self._take_requested_ip(svc, requested, owner)
            return
        value = _lowest_free(self.store, POOL_IP, self.cidr.bands())
        if value is None or not self.store.allocate(POOL_IP, value, owner):
            raise InternalError("failed to allocate a serviceIP: range is full")
        ip = str(ipaddress.ip_address(value))
        spec["clusterIP"], spec["clusterIPs"] = ip, [ip]

    def _take_requested_ip(self, svc: dict, ip_text: str, owner: str) -> None:
        ips = svc["spec"].get("clusterIPs") or [ip_text]
        quad = canonical_v4(ip_text)  # the usual form, ~10x faster than ipaddress
        value = int.from_bytes(quad, "big") if quad is not None else \
            int(ipaddress.ip_address(ip_text))
        reason = None
        if not self.cidr.contains(value):
            reason = "the provided network does not match the current range"
        elif not self.store.allocate(POOL_IP, value, owner):
            reason = "provided IP is already allocated"
        if reason:
            err = invalid("spec.clusterIPs", ips, f"failed to allocate IP {ip_text}: {reason}")
            raise InvalidError("Service", svc["metadata"].get("name", ""), [err])

    def release_cluster_ips(self, owner: str) -> None:
        self.store.release(owner, POOL_IP)

    # -- node ports -----------------------------------------------------------------------

    def take_node_port(self, svc: dict, index: int, port: int, owner: str) -> None:
        """An explicitly requested node port (422 at spec.ports[i].nodePort on failure)."""
        reason = None
        if not self.ports.contains(port):
            reason = ("provided port is not in the valid range. The range of valid ports is "
                      f"{self.ports}")
        elif self.store.holder(POOL_NODEPORT, port) not in (None,):
            reason = "provided port is already allocated"
        if reason:
            err = invalid(f"spec.ports[{index}].nodePort", port, reason)
            raise InvalidError("Service", svc["metadata"].get("name", ""), [err])
        self.store.allocate(POOL_NODEPORT, port, owner)

    def next_node_port(self, owner: str, what: str = "a nodePort") -> int:
        value = _lowest_free(self.store, POOL_NODEPORT, self.ports.bands())
        if value is None or not self.store.allocate(POOL_NODEPORT, value, owner):
            raise InternalError(f"failed to allocate {what}: range is full")
        return value

    def allocate_node_ports(self, svc: dict, owner: str, allocate_missing: bool) -> None:
        """initNodePorts: explicit ports first come first; same `port` number shares one."""
        by_port_number: dict[int, int] = {}
        for index, p in enumerate(svc["spec"].get("ports") or []):
            if p.get("nodePort"):
                # the lookup only when the port number already shares this node port (a pure
                # read: the test's answer is the same in either order)
                if by_port_number.get(p.get("port")) != p["nodePort"] or \
                        self.store.holder(POOL_NODEPORT, p["nodePort"]) != owner:
                    self.take_node_port(svc, index, p["nodePort"], owner)
                by_port_number[p.get("port")] = p["nodePort"]
        for p in svc["spec"].get("ports") or []:
            if p.get("nodePort") or not allocate_missing:
                continue
            shared = by_port_number.get(p.get("port"))
            p["nodePort"] = shared or self.next_node_port(owner)
            by_port_number[p.get("port")] = p["nodePort"]

    def update_node_ports(self, svc: dict, owner: str, allocate_missing: bool) -> None:
        """updateNodePorts: keep what this Service holds, take new ones, free the rest."""
        held = {v for _, v in self.store.owned(owner, POOL_NODEPORT)}
        wanted: set[int] = set()
        for index, p in enumerate(svc["spec"].get("ports") or []):
            port = p.get("nodePort")
            if port and port not in held and port not in wanted:
                self.take_node_port(svc, index, port, owner)
            if port:
                wanted.add(port)
        for p in svc["spec"].get("ports") or []:
            if not p.get("nodePort") and allocate_missing:
                p["nodePort"] = self.next_node_port(owner)
                wanted.add(p["nodePort"])
        hc = svc["spec"].get("healthCheckNodePort")
        for port in held - wanted - {hc}:
            self.store.release(owner, POOL_NODEPORT, port)

    def allocate_health_check(self, svc: dict, owner: str) -> None:
        spec = svc["spec"]
        requested = spec.get("healthCheckNodePort") or 0
        if not requested:
            spec["healthCheckNodePort"] = self.next_node_port(owner, "a HealthCheck NodePort")
            return
        # the allocator's transaction already holds this Service's node ports, so one of them
        # asked for again is "already allocated" (storage/alloc.go allocHealthCheckNodePort)
        own_node_ports = {p.get("nodePort") for p in spec.get("ports") or []}
        if self.store.holder(POOL_NODEPORT, requested) == owner and \
                requested not in own_node_ports:
            return
        reason = None
        if requested in own_node_ports:
            reason = "provided port is already allocated"
        elif not self.ports.contains(requested):
            reason = ("provided port is not in the valid range. The range of valid ports is "
                      f"{self.ports}")
        elif not self.store.allocate(POOL_NODEPORT, requested, owner):
            reason = "provided port is already allocated"
        if reason:
            raise InternalError(
                f"failed to allocate requested HealthCheck NodePort {requested}: {reason}")

    def release_node_port(self, owner: str, port: int) -> None:
        self.store.release(owner, POOL_NODEPORT, port)

    def release_all(self, owner: str) -> None:
        self.store.release(owner)
