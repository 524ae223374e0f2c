"""Cluster DNS as CoreDNS answers it with the Corefile the cluster holds (`corefile`: the
server block serving the name, its `kubernetes` plugin's zones, `pods`, `ttl` and
`fallthrough`; kubeadm's Corefile when there is none), plus the client's search-path walk (spec
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
from kubesvc.resolver import corefile
from kubesvc.resolver.corefile import KubernetesPlugin
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
NOERROR, NXDOMAIN, UPSTREAM, REFUSED = "NOERROR", "NXDOMAIN", "UPSTREAM", "REFUSED"
TIMEOUT = "TIMEOUT"  # no answer: a NetworkPolicy drops the query (resolver/policy_route.py)
SCHEMA_VERSION = "1.1.0"  # coredns DNSSchemaVersion
SCHEMA_TTL = 28800  # kubernetes.go Services: the dns-version TXT record's fixed TTL
NDOTS = 5
MAX_CNAME_CHAIN = 8  # backend_lookup.go: more than 7 previous records stops the chain


# --- entry points ----------------------------------------------------------------------------


def zone_of(view) -> str:
    """The cluster domain of the pods' search path (kubelet --cluster-domain)."""
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
    if name.endswith("."):
        res.reasons.insert(0, Reason("dns-absolute", f"{name} ends with a dot: it is asked as "
                                                     "is, without the search path"))
    else:
        res.reasons.insert(0, Reason("dns-search", f"search path from namespace {namespace}: "
                                                   + ", then ".join(n for n, _ in tried)))
    return res


def query(view, name: str, qtype: str = "A") -> DnsResult:
    """CoreDNS's answer for one absolute name: the server block serving it, then its
    `kubernetes` plugin (handler.go ServeDNS), or the next plugin."""
    qtype = qtype.upper()
    config = corefile.load(view)
    res = DnsResult(fqdn(name), qtype, NOERROR, server=dns_server(view))
    lname = res.name.lower()
    if config.problem:
        res.reasons.append(Reason("dns-corefile", "the Corefile of ConfigMap kube-system/coredns "
                                                  f"cannot be read ({config.problem}): shown is "
                                                  "what kubeadm's default Corefile answers"))
    block = config.block_for(lname)
    if block is None:
        res.rcode = REFUSED
        res.reasons.append(Reason("dns-refused", f"no server block of the Corefile serves "
                                                 f"{res.name} on port 53"))
        return res
    plugin = block.kubernetes
    zone = plugin.zone_for(lname) if plugin else None
    if plugin is None or zone is None:
        res.rcode = UPSTREAM
        res.reasons.append(Reason("dns-upstream", _outside(res.name, plugin)))
        return res
    _answer(view, res, lname, zone, plugin)
    if res.rcode == NOERROR and not res.answers:
        res.reasons.append(Reason("dns-nodata", f"{res.name} exists but has no {qtype} record"))
    return res


def _answer(view, res: DnsResult, lname: str, zone: str, plugin: KubernetesPlugin) -> None:
    """The plugin's records; a name error is NXDOMAIN unless `fallthrough` covers the name,
    which then goes to the next plugin (kubeadm's: forward to the upstream resolver)."""
    res.ttl = plugin.ttl  # answers, and the SOA minimum of a negative answer (MinTTL)
    try:
        if corefile.is_reverse(zone):
            _reverse(view, res, lname, plugin)
        else:
            _forward(view, res, lname[: -len(zone)].rstrip("."), zone, plugin)
    except RecordError as exc:
        res.answers, res.additional = [], []
        if plugin.falls_through(lname):
            res.rcode, res.ttl = UPSTREAM, None
            covered = " ".join(z.rstrip(".") or "." for z in plugin.fallthrough or ())
            res.reasons.append(Reason("dns-fallthrough", f"{res.name}: {exc.args[0]}; "
                                                         f"fallthrough {covered} passes it to "
                                                         "the next plugin"))
        else:
            res.rcode = NXDOMAIN
            res.reasons.append(Reason(exc.args[1], f"{res.name}: {exc.args[0]}"))


def _outside(name: str, plugin: KubernetesPlugin | None) -> str:
    if plugin is None:
        return f"{name}: the server block serving it has no kubernetes plugin"
    return f"{name} is outside the kubernetes plugin's zones ({', '.join(plugin.zones)})"


def fqdn(name: str) -> str:
    return name if name.endswith(".") else name + "."


# --- forward zone (kubernetes.go Services / Records) -----------------------------------------


def _forward(view, res: DnsResult, base: str, zone: str, plugin: KubernetesPlugin) -> None:
    qtype, lbase = res.qtype, base.lower()
    if qtype == "TXT":  # Services(): only dns-version.<zone> has a TXT record
        if lbase == "dns-version":
            res.answers.append(f'{res.name} TXT "{SCHEMA_VERSION}"')
            res.ttl = SCHEMA_TTL
        return
    if lbase == "ns.dns":  # isDefaultNS: the DNS server's own address
        if qtype == "A":
            res.answers.append(f"{res.name} A {dns_server(view)}")
        return
    if qtype == "PTR":  # Reverse() on a forward name: Records() only tells NXDOMAIN from NODATA
        find_records(view, lbase, zone, plugin)
        return
    svcs = find_records(view, lbase, zone, plugin)
    if qtype == "CNAME":
        if svcs and not is_ip(svcs[0].host):
            res.answers.append(f"{res.name} CNAME {fqdn(svcs[0].host)}")
    elif qtype == "SRV":
        _srv(res, [s for s in svcs if is_ip(s.host)])
    else:
        _address(view, res, svcs, plugin, [])


# --- record types (backend_lookup.go) --------------------------------------------------------


def _address(view, res: DnsResult, svcs: list[ServiceRecord], plugin: KubernetesPlugin,
             chain: list[str]) -> None:
    """A / AAAA: addresses of the wanted family once each; a CNAME inside the zone is
    followed here, one outside is left to the upstream resolver."""
    seen = set()
    for s in svcs:
        if not is_ip(s.host):
            _follow_cname(view, res, s.host, plugin, chain)
        elif address_type(s.host) == res.qtype and s.host not in seen:
            seen.add(s.host)
            res.answers.append(f"{res.name} {res.qtype} {s.host}")


def _follow_cname(view, res: DnsResult, target: str, plugin: KubernetesPlugin,
                  chain: list[str]) -> None:
    record = f"{res.name} CNAME {fqdn(target)}"
    if fqdn(target).lower() == res.name.lower() or len(chain) > MAX_CNAME_CHAIN - 1 \
            or record in chain:
        return
    zone = plugin.zone_for(fqdn(target))
    if zone is None or corefile.is_reverse(zone):
        res.answers.append(record)
        res.reasons.append(Reason("dns-upstream", f"{fqdn(target)} is resolved by the "
                                                  "upstream resolver, not by cluster DNS"))
        return
    inner = DnsResult(fqdn(target), res.qtype, NOERROR)
    try:
        svcs = find_records(view, fqdn(target).lower()[: -len(zone)].rstrip("."), zone, plugin)
        _address(view, inner, svcs, plugin, [*chain, record])
    except RecordError:
        return
    if inner.answers:
        res.answers += [record, *inner.answers]


def _srv(res: DnsResult, svcs: list[ServiceRecord]) -> None:
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


def _reverse(view, res: DnsResult, lname: str, plugin: KubernetesPlugin) -> None:
    """reverse.go Reverse: a PTR question for a whole address names the Service holding it or
    its ready endpoints; anything else in a reverse zone is a name error (Records)."""
    ip = reverse_ip(lname)
    if ip is None or res.qtype != "PTR":
        raise RecordError("the kubernetes plugin answers only PTR questions for whole "
                          "addresses here", "dns-nxdomain")
    names = ptr_names(view, ip, plugin.primary, plugin)
    if not names:
        raise RecordError(f"{ip} is neither a cluster IP nor a ready endpoint", "dns-nxdomain")
    res.answers += [f"{res.name} PTR {n}" for n in names]


def ptr_names(view, ip: str, zone: str, plugin: KubernetesPlugin | None = None) -> list[str]:
    """serviceRecordForIP: the Service holding the cluster IP, else every ready endpoint
    with that address (<endpoint name>.<svc>.<ns>.svc.<zone>.), once each; with
    `namespaces`, only Services of those namespaces."""
    exposed = plugin.exposes if plugin else (lambda ns: True)
    svc = view.service_by_cluster_ip(ip)
    if svc is not None and exposed(eu.namespace_of(svc)):
        return [f"{meta(svc)['name']}.{eu.namespace_of(svc)}.svc.{zone}"]
    out: list[str] = []
    for svc in view.services():
        if not exposed(eu.namespace_of(svc)):
            continue
        for eps in slices_of(view, svc):
            for ep in eps.get("endpoints") or ():
                if ip in (ep.get("addresses") or ()) and \
                        (ep.get("conditions") or {}).get("ready") is not False:
                    host = endpoint_hostname(ep, ip, bool(plugin and plugin.endpoint_pod_names))
                    name = (f"{host}.{meta(svc)['name']}."
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
