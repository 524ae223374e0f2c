"""MetalLB's validating webhooks (metallb/metallb internal/k8s/webhooks: ipaddresspool,
l2advertisement, bgpadvertisement) and the pool configuration they check (internal/config
poolsFor, ParseCIDR).

The API server calls them during admission; MetalLB's controller parses pools with the same
code (controllers/metallb/pools re-exports it), as both run the same Go package upstream.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

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

def parse_pools(pools: list[dict], namespaces: Sequence[dict] = (), keep_order=False) -> list[Pool]:
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
    if int(lo) > int(hi):  # same family: checked above
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
