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
from dataclasses import dataclass, field

from kubesvc.api.goformat import go_quote_list
from kubesvc.api.selectors import from_label_selector

NAMESPACE = "metallb-system"  # MetalLB reads its CRs from its own namespace only
PREFIX, OLD_PREFIX = "metallb.io/", "metallb.universe.tf/"
LB_IPS, POOL_ANN, SHARED = "loadBalancerIPs", "address-pool", "allow-shared-ip"
FROM_POOL = PREFIX + "ip-allocated-from-pool"  # MetalLB writes it on the Service
V4, V6, DUAL = "ipv4", "ipv6", "dual"
MAX_INT64 = 2**63 - 1


class Refused(Exception):
    """An allocation refused: MetalLB's own error text (`go`) and kubesvc's explanation."""

    def __init__(self, go: str, why: str | None = None):
        super().__init__(go)
        self.go, self.why = go, why or go


@dataclass
class Pool:
    name: str
    nets: list  # ipaddress networks, in `addresses` order (ranges summarised to CIDRs)
    auto_assign: bool = True
    avoid_buggy: bool = False
    pinned: bool = False  # has serviceAllocation
    priority: int = 0
    namespaces: set = field(default_factory=set)
    selectors: list = field(default_factory=list)
    labels: dict = field(default_factory=dict)

    def owns(self, ip) -> bool:
        return not (self.avoid_buggy and buggy(ip)) and any(ip in n for n in self.nets)

    def compatible(self, svc: dict) -> bool:
        """isPoolCompatibleWithService: namespaces, then service selectors."""
        meta = svc["metadata"]
        if self.namespaces and meta.get("namespace", "") not in self.namespaces:
            return False
        return not self.selectors or any(s.matches(meta.get("labels")) for s in self.selectors)


def buggy(ip) -> bool:
    """.0 and .255 IPv4 addresses confuse smurf protection on some CPE firmwares."""
    return ip.version == 4 and int(ip) & 0xFF in (0, 255)


# -- configuration -----------------------------------------------------------------------------

def parse_pools(pools: list[dict], namespaces: list[dict] = (), keep_order=False) -> list[Pool]:
    """config.poolsFor: raises Refused with MetalLB's message when the set is invalid. Pools
    are checked in name order (the API's list order) unless `keep_order`."""
    out: list[Pool] = []
    seen: list = []
    key = (lambda p: 0) if keep_order else (lambda p: p["metadata"]["name"])
    for obj in sorted(pools, key=key):
        pool = _pool(obj, namespaces)
        for net in pool.nets:
            clash = next((m for m in seen if net.version == m.version and net.overlaps(m)), None)
            if clash is not None:
                raise Refused(f'CIDR "{net}" in pool "{pool.name}" overlaps with already '
                              f'defined CIDR "{clash}"')
            seen.append(net)
        out.append(pool)
    return out


def _pool(obj: dict, namespaces) -> Pool:
    name, spec = obj["metadata"]["name"], obj.get("spec") or {}
    if not spec.get("addresses"):
        raise Refused(f"parsing address pool {name}: pool has no prefixes defined")
    nets = [n for text in spec["addresses"] for n in _parse_cidr(name, text)]
    pool = Pool(name, nets, spec.get("autoAssign", True) is not False,
                bool(spec.get("avoidBuggyIPs")), labels=obj["metadata"].get("labels") or {})
    alloc = spec.get("serviceAllocation")
    if alloc is not None:
        pool.pinned, pool.priority = True, int(alloc.get("priority") or 0)
        pool.namespaces = set(alloc.get("namespaces") or ())
        for sel in alloc.get("namespaceSelectors") or ():
            pool.namespaces |= {n["metadata"]["name"] for n in namespaces
                                if from_label_selector(sel).matches(n["metadata"].get("labels"))}
        pool.selectors = [from_label_selector(s) for s in alloc.get("serviceSelectors") or ()]
    return pool


def _parse_cidr(pool: str, text: str) -> list:
    """config.ParseCIDR: `a.b.c.d/n` (host bits allowed) or `first-last`, summarised."""
    fail = f'parsing address pool {pool}: invalid CIDR "{text}" in pool "{pool}": '
    if "-" not in text:
        try:
            return [ipaddress.ip_network(text, strict=False)]
        except ValueError:
            raise Refused(fail + f'invalid CIDR "{text}"') from None
    first, _, last = (s.strip() for s in text.partition("-"))
    try:
        lo, hi = ipaddress.ip_address(first), ipaddress.ip_address(last)
        if lo.version != hi.version:
            raise ValueError
    except ValueError:
        raise Refused(fail + f'invalid IP range "{text}"') from None
    if lo > hi:
        raise Refused(fail + f'invalid IP range "{text}": start IP "{lo}" is after the end '
                      f'IP "{hi}"')
    return list(ipaddress.summarize_address_range(lo, hi))


def admission_error(obj: dict, pools: list[dict]) -> str | None:
    """What MetalLB's validating webhook denies for an IPAddressPool / L2Advertisement /
    BGPAdvertisement being applied (`pools`: the IPAddressPools stored now)."""
    if obj["metadata"].get("namespace") != NAMESPACE:
        return f"resource must be created in {NAMESPACE} namespace"
    if obj.get("kind") != "IPAddressPool":
        return None
    mine = sorted((p for p in pools if p["metadata"].get("namespace") == NAMESPACE),
                  key=lambda p: p["metadata"]["name"])
    names = [p["metadata"]["name"] for p in mine]
    name = obj["metadata"]["name"]
    if name in names:  # ipAddressListWithUpdate: replaced in place, else appended
        mine[names.index(name)] = obj
    else:
        mine.append(obj)
    try:
        parse_pools(mine, keep_order=True)
    except Refused as err:
        return err.go
    return None


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
