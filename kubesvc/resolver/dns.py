"""Cluster DNS as CoreDNS's `kubernetes` plugin answers it with kubeadm's Corefile (`pods
insecure`, `fallthrough in-addr.arpa ip6.arpa`), plus the client's search-path walk (spec
routing-and-dns.md §5).

Paraphrases coredns `plugin/kubernetes/kubernetes.go` (Services), `reverse.go` and
`plugin/backend_lookup.go` (A, AAAA, SRV, CNAME, TXT, PTR); which records a name has is
`dns_records`.
Answers are "OWNER TYPE DATA" strings; SRV data is "PORT TARGET".
"""

from __future__ import annotations

import ipaddress

from kubesvc.api.objects import meta, spec
from kubesvc.apiserver.allocation import ServiceCIDR
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.controllers.endpoints import service_backends
from kubesvc.resolver.dns_records import (
    RecordError,
    ServiceRecord,
    address_type,
    endpoint_hostname,
    find_records,
    is_ip,
    slices_of,
)
from kubesvc.resolver.records import DnsResult, Reason

TYPES = ("A", "AAAA", "SRV", "CNAME", "PTR", "TXT")
NOERROR, NXDOMAIN, UPSTREAM = "NOERROR", "NXDOMAIN", "UPSTREAM"
SCHEMA_VERSION = "1.1.0"  # coredns DNSSchemaVersion
NDOTS = 5
MAX_CNAME_CHAIN = 8  # backend_lookup.go: more than 7 previous records stops the chain


# --- entry points ----------------------------------------------------------------------------


def zone_of(view) -> str:
    return (view.settings.get("clusterDomain") or "cluster.local").strip(".").lower()


def dns_server(view) -> str:
    """kube-system/kube-dns's cluster IP, or the tenth address of the range (kubeadm)."""
    svc = view.service("kube-system", "kube-dns")
    if svc and eu.is_service_ip_set(svc):
        return spec(svc)["clusterIP"]
    return ServiceCIDR(view.settings["serviceCIDR"]).address(10)


def server_warning(view) -> Reason | None:
    """A kube-dns Service with no ready endpoint: kube-proxy rejects the real queries."""
    svc = view.service("kube-system", "kube-dns")
    if svc is None or not eu.has_selector(svc) or any(
            b.ready for bs in service_backends(svc, view.slices_for(svc)).values() for b in bs):
        return None
    return Reason("dns-no-server", "kube-system/kube-dns has no ready CoreDNS endpoint: a real "
                                   "client's query would fail; shown is what CoreDNS would "
                                   "answer")


def lookup(view, name: str, qtype: str = "A", namespace: str | None = None) -> DnsResult:
    """What a pod of `namespace` gets (ClusterFirst resolv.conf, ndots:5); with no namespace,
    the name is asked as is."""
    zone = zone_of(view)
    if namespace is None:
        return query(view, name, qtype)
    searched = [f"{name}.{s}" for s in (f"{namespace}.svc.{zone}", f"svc.{zone}", zone)]
    if name.endswith("."):
        candidates = [name]
    else:
        candidates = [name, *searched] if name.count(".") >= NDOTS else [*searched, name]
    tried, reasons, res = [], [], None
    for candidate in candidates:
        res = query(view, candidate, qtype)
        tried.append((fqdn(candidate), res.rcode))
        if res.rcode == NOERROR and res.answers:
            res.resolved_fqdn = fqdn(candidate)
            break
        reasons += [r for r in res.reasons if r.code != "dns-upstream" or candidate == name]
    else:
        res.reasons = reasons
    res.name, res.tried = name, tried
    res.reasons.insert(0, Reason("dns-search", f"search path from namespace {namespace}: "
                                               + ", then ".join(n for n, _ in tried)))
    return res


def query(view, name: str, qtype: str = "A") -> DnsResult:
    """CoreDNS's answer for one absolute name."""
    qtype = qtype.upper()
    res = DnsResult(fqdn(name), qtype, NOERROR, server=dns_server(view))
    lname = fqdn(name).lower()
    zone = zone_of(view) + "."
    try:
        if lname.endswith((".in-addr.arpa.", ".ip6.arpa.")):
            _reverse(view, res, lname, zone)
        elif lname == zone or lname.endswith("." + zone):
            _forward(view, res, lname[: -len(zone)].rstrip("."), zone)
        else:
            res.rcode = UPSTREAM
            res.reasons.append(Reason("dns-upstream", f"{res.name} is outside {zone}"))
    except RecordError as exc:
        res.rcode, res.answers, res.additional = NXDOMAIN, [], []
        res.reasons.append(Reason(exc.args[1], f"{res.name}: {exc.args[0]}"))
    if res.rcode == NOERROR and not res.answers:
        res.reasons.append(Reason("dns-nodata", f"{res.name} exists but has no {qtype} record"))
    return res


def fqdn(name: str) -> str:
    return name if name.endswith(".") else name + "."


# --- forward zone (kubernetes.go Services / Records) -----------------------------------------


def _forward(view, res: DnsResult, base: str, zone: str) -> None:
    qtype, lbase = res.qtype, base.lower()
    if qtype == "TXT":  # Services(): only dns-version.<zone> has a TXT record
        if lbase == "dns-version":
            res.answers.append(f'{res.name} TXT "{SCHEMA_VERSION}"')
        return
    if lbase == "ns.dns":  # isDefaultNS: the DNS server's own address
        if qtype == "A":
            res.answers.append(f"{res.name} A {dns_server(view)}")
        return
    if qtype == "PTR":  # Reverse() on a forward name: Records() only tells NXDOMAIN from NODATA
        find_records(view, lbase, zone)
        return
    svcs = find_records(view, lbase, zone)
    if qtype == "CNAME":
        if svcs and not is_ip(svcs[0].host):
            res.answers.append(f"{res.name} CNAME {fqdn(svcs[0].host)}")
    elif qtype == "SRV":
        _srv(view, res, [s for s in svcs if is_ip(s.host)], zone)
    else:
        _address(view, res, svcs, zone, [])


# --- record types (backend_lookup.go) --------------------------------------------------------


def _address(view, res: DnsResult, svcs: list[ServiceRecord], zone: str, chain: list[str]) -> None:
    """A / AAAA: addresses of the wanted family once each; a CNAME inside the zone is
    followed here, one outside is left to the upstream resolver."""
    seen = set()
    for s in svcs:
        if not is_ip(s.host):
            _follow_cname(view, res, s.host, zone, chain)
        elif address_type(s.host) == res.qtype and s.host not in seen:
            seen.add(s.host)
            res.answers.append(f"{res.name} {res.qtype} {s.host}")


def _follow_cname(view, res: DnsResult, target: str, zone: str, chain: list[str]) -> None:
    record = f"{res.name} CNAME {fqdn(target)}"
    if fqdn(target).lower() == res.name.lower() or len(chain) > MAX_CNAME_CHAIN - 1 \
            or record in chain:
        return
    if not fqdn(target).lower().endswith("." + zone):
        res.answers.append(record)
        res.reasons.append(Reason("dns-upstream", f"{fqdn(target)} is resolved by the "
                                                  "upstream resolver, not by cluster DNS"))
        return
    inner = DnsResult(fqdn(target), res.qtype, NOERROR)
    try:
        svcs = find_records(view, fqdn(target).lower()[: -len(zone)].rstrip("."), zone)
        _address(view, inner, svcs, zone, [*chain, record])
    except RecordError:
        return
    if inner.answers:
        res.answers += [record, *inner.answers]


def _srv(view, res: DnsResult, svcs: list[ServiceRecord], zone: str) -> None:
    """SRV: target = the record's own name (Service, or endpoint.Service), port = the
    Service port for a cluster IP, the endpoint's port for endpoints; -1 skipped."""
    seen, extra = set(), set()
    for s in svcs:
        if s.port == -1:
            continue
        target = fqdn(s.domain)
        if (target, s.port) not in seen:
            seen.add((target, s.port))
            res.answers.append(f"{res.name} SRV {s.port} {target}")
        if (target, s.host) not in extra:
            extra.add((target, s.host))
            res.additional.append(f"{target} {address_type(s.host)} {s.host}")


# --- reverse zones (reverse.go) --------------------------------------------------------------


def _reverse(view, res: DnsResult, lname: str, zone: str) -> None:
    ip = reverse_ip(lname)
    if ip is None or res.qtype != "PTR":
        res.rcode = UPSTREAM  # fallthrough in-addr.arpa ip6.arpa: the next plugin answers
        res.reasons.append(Reason("dns-upstream", f"{res.name} is not answered by cluster DNS"))
        return
    names = ptr_names(view, ip, zone)
    if not names:
        res.rcode = UPSTREAM
        res.reasons.append(Reason("dns-upstream", f"{ip} is neither a cluster IP nor a ready "
                                                  "endpoint: CoreDNS falls through to the "
                                                  "upstream resolver"))
    res.answers += [f"{res.name} PTR {n}" for n in names]


def ptr_names(view, ip: str, zone: str) -> list[str]:
    """serviceRecordForIP: the Service holding the cluster IP, else every ready endpoint
    with that address (<endpoint name>.<svc>.<ns>.svc.<zone>.), once each."""
    svc = view.service_by_cluster_ip(ip)
    if svc is not None:
        return [f"{meta(svc)['name']}.{eu.namespace_of(svc)}.svc.{zone}"]
    out: list[str] = []
    for svc in view.services():
        for eps in slices_of(view, svc):
            for ep in eps.get("endpoints") or ():
                if ip in (ep.get("addresses") or ()) and \
                        (ep.get("conditions") or {}).get("ready") is not False:
                    name = (f"{endpoint_hostname(ep, ip)}.{meta(svc)['name']}."
                            f"{eu.namespace_of(svc)}.svc.{zone}")
                    if name not in out:
                        out.append(name)
    return out


def reverse_ip(name: str) -> str | None:
    """dnsutil.ExtractAddressFromReverse: a full in-addr.arpa or ip6.arpa name, else None."""
    labels = name.rstrip(".").split(".")
    if name.endswith(".in-addr.arpa.") and len(labels) == 6:
        text = ".".join(reversed(labels[:4]))
    elif name.endswith(".ip6.arpa.") and len(labels) == 34:
        nibbles = "".join(reversed(labels[:32]))
        text = ":".join(nibbles[i:i + 4] for i in range(0, 32, 4))
    else:
        return None
    parsed = eu.parse_ip(text)
    return parsed[1] if parsed else None


def reverse_name(ip: str) -> str:
    return ipaddress.ip_address(ip).reverse_pointer + "."


def service_of(view, name: str) -> dict | None:
    """The Service a record name belongs to (<svc>.<ns>.svc.<zone>, or one label more)."""
    zone = "." + zone_of(view) + "."
    lname = fqdn(name).lower()
    if not lname.endswith(zone):
        return None
    segs = lname[: -len(zone)].split(".")
    if len(segs) < 3 or segs[-1] != "svc":
        return None
    return view.service(segs[-2], segs[-3])
