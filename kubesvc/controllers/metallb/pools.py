"""MetalLB's address pools and allocator (metallb/metallb internal/config/config.go poolsFor,
ParseCIDR; internal/allocator/allocator.go Assign, Allocate, AllocateFromPool, checkSharing;
allocation.go selectIPsForFamilyAndPolicy). Pure: one Allocator lives for one pass.

Order where upstream has none (pools come from a Go map, equal priorities go through an
unstable sort): the `serviceAllocation` pools that pin a Service by priority (lower first,
unset last), then the other `autoAssign` pools without `serviceAllocation`; ties by pool name.
Inside a pool, `addresses` in order, each walked from its first address (a /24 starts with .0
unless avoidBuggyIPs); the first address free or shareable wins, as upstream. Dual-stack
answers are [IPv4, IPv6], as upstream.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from kubesvc.api.goformat import go_quote_list
from kubesvc.apiserver.webhooks.metallb import (  # the pool parser the webhooks share
    DUAL,
    NAMESPACE,
    PREFIX,
    SHARED,
    V4,
    V6,
    Pool,
    Refused,
    buggy,
)
from kubesvc.apiserver.webhooks.metallb import parse_pools as parse_pools  # resolver.check

# -- the allocator ------------------------------------------------------------------------------

@dataclass
class Request:
    """One Service as the allocator sees it (k8salloc.Ports, SharingKey, BackendKey)."""

    key: str
    svc: dict
    family: str
    ports: set
    sharing: str
    backend: str  # the selector for externalTrafficPolicy Local, else ""

    @property
    def policy(self) -> str:
        return self.svc["spec"].get("ipFamilyPolicy") or "SingleStack"


class Allocator:
    """allocator.Allocator for one pass: who holds which IP, with which ports and keys."""

    def __init__(self, pools: list[Pool]):
        self.pools = pools
        self.held: dict[str, tuple[str, list]] = {}  # key -> (pool, ips)
        self.users: dict[object, dict[str, Request]] = {}  # ip -> key -> request

    def pool_of(self, key: str) -> str | None:
        return self.held[key][0] if key in self.held else None

    def check_sharing(self, req: Request, ip) -> None:
        others = {k: r for k, r in self.users.get(ip, {}).items() if k != req.key}
        if not others:
            return
        names = ",".join(sorted(others))
        why = _sharing_problem(next(iter(others.values())), req, ip, names)
        if why:
            raise Refused(f'can\'t change sharing key for "{req.key}", address also in use by '
                          f"{names}", why)
        for other, held in sorted(others.items()):
            for proto, port in sorted(req.ports & held.ports):
                raise Refused(f'port {proto}/{port} is already in use on "{ip}"',
                              f"port {proto}/{port} of IP {ip} is already used by {other}")

    def assign(self, req: Request, ips: list) -> None:
        pool = next((p for p in self.pools if all(p.owns(ip) for ip in ips)), None)
        if pool is None:
            raise Refused(f"{go_quote_list(ips)} is not allowed in config",
                          f"requested IP {' '.join(map(str, ips))} is not in any IPAddressPool"
                          f" of {NAMESPACE}{_buggy_hint(self.pools, ips)}")
        if not pool.compatible(req.svc):
            raise Refused(f"pool {pool.name} not compatible for ip assignment", f"pool "
                          f"{pool.name} is kept by its serviceAllocation for other Services")
        if len(ips) == 2 and ips[0].version == ips[1].version:
            raise Refused(f'"{ips[0]}" "{ips[1]}" has the same family')
        for ip in ips:
            self.check_sharing(req, ip)
        self.unassign(req.key)
        self.held[req.key] = (pool.name, list(ips))
        for ip in ips:
            self.users.setdefault(ip, {})[req.key] = req

    def unassign(self, key: str) -> None:
        for ip in self.held.pop(key, ("", []))[1]:
            self.users[ip].pop(key, None)

    def free_ips(self, pool: Pool, req: Request) -> dict:
        """getFreeIPsFromPool: per family, the first address free or shareable."""
        found: dict = {}
        for net in pool.nets:
            family = V4 if net.version == 4 else V6
            if found.get(family) is None:
                found[family] = self._first_usable(net, pool.avoid_buggy, req)
        return {f: ip for f, ip in found.items() if ip is not None}

    def _first_usable(self, net, avoid_buggy: bool, req: Request):
        first = int(net.network_address)  # network and broadcast addresses included, as upstream
        for offset in range(net.num_addresses):
            ip = ipaddress.ip_address(first + offset)
            if avoid_buggy and buggy(ip):
                continue
            try:
                self.check_sharing(req, ip)
            except Refused:
                continue
            return ip
        return None

    def from_pool(self, req: Request, name: str) -> list:
        """AllocateFromPool (the metallb.io/address-pool annotation): autoAssign not needed."""
        pool = next((p for p in self.pools if p.name == name), None)
        if pool is None:
            raise Refused(f'unknown pool "{name}"', f"no IPAddressPool {name} in {NAMESPACE}")
        ips = _select(self.free_ips(pool, req), req, pool.name)
        self.assign(req, ips)
        return ips

    def allocate(self, req: Request) -> list:
        """Allocate: the pools pinning the Service, then every plain autoAssign pool."""
        ns = req.svc["metadata"].get("namespace", "")
        pinned = sorted((p for p in self.pools if p.pinned and p.auto_assign
                         and (ns in p.namespaces or p.selectors) and p.compatible(req.svc)),
                        key=lambda p: (p.priority <= 0, p.priority, p.name))
        plain = [p for p in self.pools if p.auto_assign and not p.pinned]
        for pools in (pinned, plain):
            found = self._best_pool(pools, req)
            if found is None:
                continue
            try:
                ips = _select(found[1], req, found[0].name)
                self.assign(req, ips)
            except Refused:  # upstream: "no available IPs" from these pools, try the next set
                continue
            return ips
        names = [p.name for p in (*pinned, *plain)]
        why = (f"pool{'s' * (len(names) > 1)} {', '.join(names)} exhausted: no free "
               f"{req.family} address" if names else "no IPAddressPool serves it (none with "
               "autoAssign and without a serviceAllocation for other Services)")
        raise Refused("no available IPs", why)

    def _best_pool(self, pools: list[Pool], req: Request):
        """findBestPoolForService: IPv4 preferred unless ipFamilies[0] is IPv6."""
        families = req.svc["spec"].get("ipFamilies") or ["IPv4"]
        order = (V6, V4) if families[0] == "IPv6" else (V4, V6)
        fallback = []
        for pool in pools:
            found = self.free_ips(pool, req)
            if req.family in found or all(f in found for f in order):
                return pool, found
            if req.family == DUAL and req.policy == "PreferDualStack" and found:
                fallback.append((order.index(min(found, key=order.index)), pool, found))
        return min(fallback, key=lambda c: c[0])[1:] if fallback else None


def _select(found: dict, req: Request, pool: str) -> list:
    """selectIPsForFamilyAndPolicy; dual-stack answers are [IPv4, IPv6]."""
    if req.family in (V4, V6):
        if req.family not in found:  # upstream hands the allocator a nil IP here
            raise Refused('["<nil>"] is not allowed in config',
                          f"pool {pool} exhausted: no free {req.family} address")
        return [found[req.family]]
    both = [found[f] for f in (V4, V6) if f in found]
    if (len(both) == 2 and req.policy == "RequireDualStack") or \
            (both and req.policy == "PreferDualStack"):
        return both
    raise Refused(f"no available IPs in pool {pool} for {req.family} IPFamily",
                  f"pool {pool} exhausted: no free address for a {req.family} Service")


def _sharing_problem(held: Request, req: Request, ip, users: str) -> str | None:
    """sharingOK, explained."""
    if not held.sharing:
        return f"IP {ip} is already in use by {users}, which does not share it ({SHARED})"
    if not req.sharing:
        return f"IP {ip} is already in use by {users}; sharing needs {PREFIX}{SHARED} here too"
    if held.sharing != req.sharing:
        return f"IP {ip} is already in use by {users} with sharing key {held.sharing!r}"
    if held.backend != req.backend:
        return (f"IP {ip} is already in use by {users}: sharing Services must all use "
                "externalTrafficPolicy Cluster, or Local with the very same selector")
    return None


def _buggy_hint(pools: list[Pool], ips) -> str:
    hit = [p.name for p in pools for ip in ips
           if p.avoid_buggy and buggy(ip) and any(ip in n for n in p.nets)]
    return f" (pool {hit[0]} has avoidBuggyIPs: no .0 or .255)" if hit else ""
