"""MetalLB's address pools as the resolver reads them: which addresses a pool holds, and what
MetalLB decided for a Service (so a pending LoadBalancer can say why)."""

from __future__ import annotations

import ipaddress

from kubesvc.api.objects import spec
from kubesvc.controllers.metallb import controller as mlb
from kubesvc.resolver.routing import ns_name

POOL_GK = "IPAddressPool.metallb.io"
ADVERTISEMENT_GKS = ("L2Advertisement.metallb.io", "BGPAdvertisement.metallb.io")


def metallb_assignment(view, svc: dict):
    """MetalLB's decision for one Service (controllers/metallb.py), or None without pools;
    computed once per view."""
    cached = getattr(view, "_kubesvc_metallb", None)
    if cached is None:
        pools, services = view.objects(POOL_GK), view.services()
        ads = [a for gk in ADVERTISEMENT_GKS for a in view.objects(gk)]
        cached = {} if not pools else mlb.assign_addresses(
            services, pools, ads, {mlb.service_key(s): mlb.held_ips(s) for s in services},
            namespaces=view.objects("Namespace"), nodes=view.nodes(),
            peers=view.objects("BGPPeer.metallb.io"))
        view._kubesvc_metallb = cached
    return cached.get(ns_name(svc))


def pending_reason(view, svc: dict) -> str:
    """Why a LoadBalancer has no ingress: MetalLB's reason when pools exist."""
    got = metallb_assignment(view, svc)
    why = got.reason if got is not None and got.reason else "no address pool serves it"
    return f"EXTERNAL-IP <pending>: {why}"


def pool_ranges(pool: dict) -> list[tuple]:
    """spec.addresses: CIDRs or `first-last` ranges, as (first, last) ip_address pairs."""
    out = []
    for entry in spec(pool).get("addresses") or []:
        if "-" in entry:
            first, last = (ipaddress.ip_address(x.strip()) for x in entry.split("-", 1))
            if first.version != last.version or int(first) > int(last):
                raise ValueError(f"{entry}: not a range")
        else:
            net = ipaddress.ip_network(entry.strip(), strict=False)
            first, last = net[0], net[-1]
        out.append((first, last))
    return out


def pool_contains(pool: dict, ip: str) -> bool:
    addr = ipaddress.ip_address(ip)
    try:
        return any(a.version == addr.version and a <= addr <= b for a, b in pool_ranges(pool))
    except ValueError:
        return False
