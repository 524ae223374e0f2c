"""MetalLB's controller: which load-balancer IPs Services get (pure functions, no store).

Follows metallb/metallb controller/service.go (convergeBalancer, allocateIPs, getDesiredLbIPs),
internal/allocator/k8salloc (ports, backend key), internal/k8s/controllers/service_controller.go
(loadBalancerClass filter) and the website's usage and configuration pages. The pools and the
allocator are in metallb_alloc.

MetalLB rebuilds its allocator by replaying the Services that already have an ingress IP first
(service_controller_reload.go), then the others; `assign_addresses` does the same in one pass,
so a Service keeps its address while it is still valid. Services then go by
creationTimestamp, namespace, name (upstream: event order). Pool order: see metallb_alloc.
Deviation: a PreferDualStack Service only gets a second family when its cluster IPs are
dual-stack (upstream adds one, then drops it on its next pass, and flaps).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from kubesvc.api.goformat import go_quote_list
from kubesvc.api.selectors import from_label_selector
from kubesvc.apiserver.webhooks.metallb import (
    DUAL,
    FROM_POOL,
    LB_IPS,
    MAX_INT64,
    NAMESPACE,
    OLD_PREFIX,
    POOL_ANN,
    PREFIX,
    SHARED,
    V4,
    V6,
    Pool,
    Refused,
    admission_error,
    buggy,
    parse_pools,
)
from kubesvc.controllers.metallb.pools import Allocator, Request

__all__ = ["FROM_POOL", "NAMESPACE", "Assignment", "admission_error", "assign_addresses",
           "held_ips", "pool_status", "service_key"]


@dataclass
class Assignment:
    """What MetalLB does to one Service. Empty `ips` means EXTERNAL-IP <pending>."""

    ips: list[str] = field(default_factory=list)
    pool: str | None = None
    reason: str | None = None  # why no IP (kubesvc's words)
    warnings: list[str] = field(default_factory=list)  # e.g. assigned but not announced
    events: list[tuple[str, str, str]] = field(default_factory=list)  # (type, reason, message)
    managed: bool = True  # False: MetalLB ignores the Service (status left alone)

    @property
    def ingress(self) -> list[dict]:
        """status.loadBalancer.ingress; MetalLB writes the ip, the API server defaults ipMode."""
        return [{"ip": ip, "ipMode": "VIP"} for ip in self.ips]


def service_key(svc: dict) -> str:
    """MetalLB's key for a Service, and the keys of `assign_addresses`: "namespace/name"."""
    meta = svc["metadata"]
    return f"{meta.get('namespace', '')}/{meta['name']}"


def annotation(svc: dict, name: str) -> str | None:
    """The metallb.io/ value, else the deprecated metallb.universe.tf/ one (valueForAnnotation)."""
    ann = svc["metadata"].get("annotations") or {}
    return ann.get(PREFIX + name, ann.get(OLD_PREFIX + name))


# -- convergence --------------------------------------------------------------------------------

def assign_addresses(services: list[dict], pools: list[dict], advertisements: list[dict],
                     held: dict[str, list[str]], *, namespaces: list[dict] = (),
                     nodes: list[dict] | None = None, peers: list[dict] = (),
                     lb_class: str | None = None) -> dict[str, Assignment]:
    """Every LoadBalancer Service's assignment ("ns/name" keys), plus non-LoadBalancer ones
    that still hold IPs (to be cleared). `held`: the IPs each Service has now
    (status.loadBalancer.ingress, see `held_ips`). Pools, advertisements and peers outside
    metallb-system are ignored, as MetalLB does."""
    def mine(objs):
        return [o for o in objs if o["metadata"].get("namespace") == NAMESPACE]
    try:
        alloc, broken = Allocator(parse_pools(mine(pools), namespaces)), None
    except Refused as err:  # MetalLB keeps its last good configuration and logs this
        alloc, broken = Allocator([]), f"MetalLB rejects its IPAddressPools: {err.go}"
    out: dict[str, Assignment] = {}
    for svc in sorted(services, key=lambda s: _order(s, held)):
        key = service_key(svc)
        got = _converge(alloc, svc, held.get(key) or [], lb_class, broken or _no_pool(pools))
        if broken and got and got.reason == broken and held.get(key):
            got = Assignment(list(held[key]), warnings=[broken])  # nothing changes meanwhile
        if got:
            got.warnings += _announcement(got, svc, alloc.pools, mine(advertisements), nodes,
                                          mine(peers))
            out[key] = got
    return out


def held_ips(svc: dict) -> list[str]:
    """The IPs a Service has now, as MetalLB reads them back (status.loadBalancer.ingress)."""
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    return [i["ip"] for i in ingress if i.get("ip")]


def _order(svc: dict, held: dict) -> tuple:
    meta = svc["metadata"]
    return (not held.get(service_key(svc)), meta.get("creationTimestamp") or "",
            meta.get("namespace", ""), meta["name"])


def _no_pool(pools: list[dict]) -> str:
    elsewhere = [f"{p['metadata'].get('namespace')}/{p['metadata']['name']}" for p in pools]
    return f"no IPAddressPool in {NAMESPACE}" + (
        f" (MetalLB ignores {', '.join(elsewhere)}: wrong namespace)" if elsewhere else "")


def _converge(alloc: Allocator, svc: dict, held: list, lb_class, no_pool: str):
    """convergeBalancer for one Service."""
    spec, key = svc.get("spec") or {}, service_key(svc)
    if (spec.get("loadBalancerClass") or "") != (lb_class or ""):
        return Assignment(managed=False, reason=f"loadBalancerClass other than MetalLB's "
                          f"({spec.get('loadBalancerClass') or 'none'})") \
            if spec.get("type") == "LoadBalancer" else None
    if spec.get("type") != "LoadBalancer":
        return Assignment(reason="not a LoadBalancer Service") if held else None
    family = _family([*(spec.get("clusterIPs") or [spec.get("clusterIP") or ""])])
    if not alloc.pools or family is None:
        return Assignment(reason=no_pool if not alloc.pools else "no cluster IP yet")
    req = Request(key, svc, family, {(p.get("protocol") or "TCP", p.get("port"))
                                  for p in spec.get("ports") or []},
               annotation(svc, SHARED) or "", _backend(spec))
    out = Assignment(events=[("Warning", "deprecatedAnnotation", f"Service uses deprecated "
                              f"annotation {a}") for a in svc["metadata"].get("annotations") or
                             {} if a.startswith(OLD_PREFIX)])
    ips = _keep(alloc, req, held, out)
    if ips is None:  # LoadBalancerFailed: MetalLB changes nothing
        return out
    if not ips:
        try:
            ips = _allocate(alloc, req)
        except Refused as err:
            out.reason = err.why
            out.events.append(("Warning", "AllocationFailed",
                               f'Failed to allocate IP for "{key}": {err.go}'))
            return out
        out.events.append(("Normal", "IPAllocated", f"Assigned IP {go_quote_list(ips)}"))
    elif len(ips) == 1 and family == DUAL and req.policy == "PreferDualStack":
        ips = _add_family(alloc, req, ips, out)
    out.ips, out.pool = [str(ip) for ip in ips], alloc.pool_of(key)
    return out


def _keep(alloc: Allocator, req: Request, held: list, out: Assignment):
    """The current IPs if still valid; [] to allocate afresh; None to stop (LoadBalancerFailed).
    Same steps as convergeBalancer: family, Assign, pool annotation, requested IPs."""
    ips = _parse_ips(held)
    fam = _family([str(ip) for ip in ips]) if ips else None
    if fam is None or (fam != req.family and not (req.family == DUAL and
                                                   req.policy == "PreferDualStack")):
        return []
    try:
        alloc.assign(req, ips)
    except Refused as err:
        out.events.append(("Normal", "ClearAssignment", f'current IP for "{req.key}" not '
                           f"allowed by config, will attempt for new IP assignment: {err.go}"))
        ips = []
    wanted = annotation(req.svc, POOL_ANN)
    if ips and wanted and alloc.pool_of(req.key) != wanted:
        alloc.unassign(req.key)
        ips = []
    try:
        desired = _desired(req.svc)[0]
    except Refused as err:
        out.events.append(("Warning", "LoadBalancerFailed",
                           f"invalid requested loadbalancer IPs: {err.go}"))
        out.ips, out.pool = [str(ip) for ip in ips], alloc.pool_of(req.key)
        if ips:
            out.warnings.append(err.why)
        else:
            out.reason = err.why
        return None
    if desired and sorted(map(str, desired)) != sorted(map(str, ips)):
        alloc.unassign(req.key)
        return []
    return ips


def _allocate(alloc: Allocator, req: Request) -> list:
    """allocateIPs: requested IPs, else the requested pool, else any pool."""
    desired, family = _desired(req.svc)
    wanted = annotation(req.svc, POOL_ANN)
    if not desired:
        return alloc.from_pool(req, wanted) if wanted else alloc.allocate(req)
    if family != req.family:
        raise Refused(f"requested loadBalancer IP(s) {go_quote_list(desired)} does not match "
                      "the ipFamily of the service")
    alloc.assign(req, desired)
    if wanted and alloc.pool_of(req.key) != wanted:
        alloc.unassign(req.key)
        raise Refused(f"requested loadBalancer IP(s) {go_quote_list(desired)} is not compatible "
                      f"with requested address pool {wanted}")
    return desired


def _add_family(alloc: Allocator, req: Request, ips: list, out: Assignment) -> list:
    """AllocateFromPoolForAdditionalFamily, from the pool the first IP came from."""
    pool = next(p for p in alloc.pools if p.name == alloc.pool_of(req.key))
    extra = alloc.free_ips(pool, req).get(V6 if ips[0].version == 4 else V4)
    if extra is None:
        return ips
    try:
        alloc.assign(req, [*ips, extra])
    except Refused:
        return ips
    out.events.append(("Normal", "IPAllocated", f'Assigned additional IP "{extra}"'))
    return [*ips, extra]


def _desired(svc: dict) -> tuple[list, str | None]:
    """getDesiredLbIPs: the annotation or spec.loadBalancerIP, never both."""
    text, field_ip = annotation(svc, LB_IPS) or "", svc["spec"].get("loadBalancerIP") or ""
    if text and field_ip:
        raise Refused(f"service can not have both {PREFIX}{LB_IPS} and "
                      "svc.Spec.LoadBalancerIP")
    if not text and not field_ip:
        return [], None
    ips = _parse_ips(text.split(",") if text else [field_ip])
    if len(ips) != len(text.split(",") if text else [1]):
        raise Refused(f'invalid {PREFIX}{LB_IPS}: "{text}"' if text else
                      f'invalid spec.loadBalancerIP "{field_ip}"')
    family = _family([str(ip) for ip in ips])
    if family is None:
        shown = go_quote_list(ips)
        raise Refused(f"IPFamilyForAddresses: same address family {shown}" if len(ips) == 2
                      else f"IPFamilyForAddresses: invalid ips length {len(ips)} {shown}")
    return ips, family


def _parse_ips(texts) -> list:
    out = []
    for text in texts:
        try:
            out.append(ipaddress.ip_address(text.strip()))
        except ValueError:
            continue
    return out


def _family(texts: list[str]) -> str | None:
    """ipfamily.ForAddresses: one address, or one of each family."""
    ips = _parse_ips(texts)
    if len(ips) != len(texts) or not 1 <= len(ips) <= 2:
        return None
    if len(ips) == 2:
        return DUAL if ips[0].version != ips[1].version else None
    return V4 if ips[0].version == 4 else V6


def _backend(spec: dict) -> str:
    """k8salloc.BackendKey: Local Services may only share with the very same selector."""
    if spec.get("externalTrafficPolicy") != "Local":
        return ""
    return ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items()))


# -- announcement and pool status ----------------------------------------------------------------

def _announcement(got: Assignment, svc: dict, pools: list[Pool], advs: list[dict],
                  nodes: list[dict] | None, peers: list[dict]) -> list[str]:
    """Speakers announce a pool's IPs only through an L2Advertisement or a BGPAdvertisement
    (with a BGPPeer) that selects the pool (config.go setL2AdvertisementsToPools)."""
    pool = next((p for p in pools if p.name == got.pool), None)
    if not got.ips or pool is None:
        return []
    l2, bgp = ([a for a in advs if a.get("kind") == kind and _selects(a, pool, svc)]
               for kind in ("L2Advertisement", "BGPAdvertisement"))
    what = f"{' '.join(got.ips)} (pool {pool.name}) is assigned but not announced"
    if not l2 and not bgp:
        return [f"{what}: no L2Advertisement or BGPAdvertisement in {NAMESPACE} selects it"]
    if nodes is not None:
        l2, bgp = ([a for a in advs if _on_some_node(a, nodes)] for advs in (l2, bgp))
        if not l2 and not bgp:
            return [f"{what}: the advertisements that select it match no node"]
    if not l2 and not peers:
        names = ", ".join(a["metadata"]["name"] for a in bgp)
        return [f"{what}: BGPAdvertisement {names} selects it but there is no BGPPeer"]
    return []


def _selects(adv: dict, pool: Pool, svc: dict) -> bool:
    """No pool list and no pool selector: every pool. serviceSelectors narrow to Services."""
    spec = adv.get("spec") or {}
    names, sels = spec.get("ipAddressPools") or [], spec.get("ipAddressPoolSelectors") or []
    picked = (not names and not sels) or pool.name in names or any(
        from_label_selector(s).matches(pool.labels) for s in sels)
    by_svc = spec.get("serviceSelectors") or []
    labels = svc["metadata"].get("labels")
    return picked and (not by_svc or any(from_label_selector(s).matches(labels) for s in by_svc))


def _on_some_node(adv: dict, nodes: list[dict]) -> bool:
    sels = (adv.get("spec") or {}).get("nodeSelectors") or []
    return any(not sels or any(from_label_selector(s).matches(n["metadata"].get("labels"))
                               for s in sels) for n in nodes)


def pool_status(pool: dict, assignments: dict[str, Assignment]) -> dict:
    """IPAddressPool.status as MetalLB's pool status controller writes it (poolCount)."""
    try:
        parsed = parse_pools([pool])[0]
    except Refused:
        return {"assignedIPv4": 0, "assignedIPv6": 0, "availableIPv4": 0, "availableIPv6": 0}
    used = {ipaddress.ip_address(ip) for a in assignments.values()
            if a.managed and a.pool == parsed.name for ip in a.ips}
    v4 = sum(1 for ip in used if ip.version == 4)
    cap4, cap6 = _capacity(parsed)
    return {"assignedIPv4": v4, "assignedIPv6": len(used) - v4,
            "availableIPv4": cap4 - v4, "availableIPv6": cap6 - (len(used) - v4)}


def _capacity(pool: Pool) -> tuple[int, int]:
    """allocator.poolCount: avoidBuggyIPs takes 2 per /24 (or the ends of a smaller range);
    an IPv6 range of 2^62 addresses or more counts as MaxInt64."""
    caps = {4: 0, 6: 0}
    for net in pool.nets:
        bits = net.max_prefixlen - net.prefixlen
        size = MAX_INT64 if bits >= 62 else 2**bits
        if pool.avoid_buggy and net.version == 4:
            size -= 2 ** (25 - net.prefixlen) if net.prefixlen <= 24 else (
                buggy(net.network_address) + buggy(net.broadcast_address))
        caps[net.version] = min(MAX_INT64, caps[net.version] + size)
    return caps[4], caps[6]
