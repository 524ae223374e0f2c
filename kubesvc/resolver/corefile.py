"""The CoreDNS configuration the cluster holds: the `Corefile` of ConfigMap kube-system/coredns,
read as CoreDNS reads it (Caddyfile server blocks; coredns `core/dnsserver/register.go` for the
keys, `plugin/kubernetes/setup.go` ParseStanza for the `kubernetes` plugin).

Only what decides cluster-DNS answers is kept: which server block serves a name (zone keys on
port 53) and, in it, the `kubernetes` plugin's zones, `pods`, `ttl`, `fallthrough`,
`namespaces` and `endpoint_pod_names`. A top-level `import` (of files kubesvc does not have,
such as k3s's coredns-custom) is skipped. A Corefile kubesvc cannot read is never fatal: `load`
answers kubeadm's default configuration and says why in `problem` (`kubesvc check` reports it,
`resolve` notes it).
"""

from __future__ import annotations

import ipaddress
import json
import weakref
from dataclasses import dataclass
from importlib.resources import files

from kubesvc.resolver.caddyfile import CorefileError, Directive, server_blocks

CONFIGMAP_NAMESPACE, CONFIGMAP_NAME = "kube-system", "coredns"
DEFAULT_TTL = 5  # plugin/kubernetes/kubernetes.go defaultTTL, when the stanza has no `ttl`
DEFAULT_PODS = "disabled"  # kubernetes.go New(): podModeDisabled
POD_MODES = ("disabled", "verified", "insecure")
DNS_PORT = 53  # the port kube-dns sends to (kubeadm's Service targetPort)
REVERSE = (".in-addr.arpa.", ".ip6.arpa.")
# ParseStanza's other options: accepted, not modelled (they select what CoreDNS watches or how
# it talks to the API server, not which names answer in a one-cluster model)
_OTHER_OPTIONS = ("endpoint", "tls", "labels", "namespace_labels", "noendpoints", "zonal",
                  "ignore", "kubeconfig", "multicluster", "startup_timeout", "apiserver_qps",
                  "apiserver_burst", "apiserver_max_inflight")


@dataclass(frozen=True)
class KubernetesPlugin:
    """The `kubernetes` stanza: zones are normalised ("cluster.local."); `fallthrough` is None
    without the option, else the zones it covers ("." = every name)."""

    zones: tuple[str, ...]
    pods: str = DEFAULT_PODS
    ttl: int = DEFAULT_TTL
    fallthrough: tuple[str, ...] | None = None
    namespaces: tuple[str, ...] = ()
    endpoint_pod_names: bool = False

    @property
    def primary(self) -> str:
        """primaryZone(): the first non-reverse zone (PTR answers are named in it)."""
        return next(z for z in self.zones if not is_reverse(z))

    def zone_for(self, name: str) -> str | None:
        """plugin.Zones.Matches: the longest zone `name` is in, or None (next plugin)."""
        return longest_match(self.zones, name)

    def falls_through(self, name: str) -> bool:
        """fall.F.Through: a name error for `name` goes to the next plugin."""
        return self.fallthrough is not None and longest_match(self.fallthrough, name) is not None

    def exposes(self, namespace: str) -> bool:
        """configuredNamespace: with `namespaces`, only those are answered."""
        return not self.namespaces or namespace in self.namespaces


@dataclass(frozen=True)
class ServerBlock:
    zones: tuple[str, ...]  # the zones it serves on port 53
    plugins: tuple[str, ...]
    kubernetes: KubernetesPlugin | None = None


@dataclass(frozen=True)
class DnsConfig:
    """What cluster DNS runs with. `source`: configmap | default (no ConfigMap) | fallback
    (the ConfigMap's Corefile could not be read: `problem` says why)."""

    blocks: tuple[ServerBlock, ...]
    source: str = "configmap"
    problem: str | None = None
    domain: str = "cluster.local"

    def block_for(self, name: str) -> ServerBlock | None:
        """The port-53 server block whose key zone is the longest match for `name`."""
        best, length = None, -1
        for block in self.blocks:
            zone = longest_match(block.zones, name)
            if zone is not None and len(zone) > length:
                best, length = block, len(zone)
        return best

    def plugin_for(self, name: str) -> KubernetesPlugin | None:
        block = self.block_for(name)
        return block.kubernetes if block else None

    @property
    def cluster_plugin(self) -> KubernetesPlugin | None:
        """The `kubernetes` plugin serving the cluster domain pods search in."""
        return self.plugin_for(f"svc.{self.domain}.")


# --- reading the cluster's ConfigMap ------------------------------------------------------------

_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def load(view) -> DnsConfig:
    """The view's Corefile, parsed once per view."""
    try:
        return _CACHE[view]
    except (KeyError, TypeError):
        pass
    config = _load(view)
    try:
        _CACHE[view] = config
    except TypeError:  # a view that cannot be weakly referenced: parse every time
        pass
    return config


def _load(view) -> DnsConfig:
    domain = (view.settings.get("clusterDomain") or "cluster.local").strip(".").lower()
    cm = next((c for c in view.objects("ConfigMap", CONFIGMAP_NAMESPACE)
               if (c.get("metadata") or {}).get("name") == CONFIGMAP_NAME), None)
    if cm is None:
        return default_config(domain, "default")
    text = (cm.get("data") or {}).get("Corefile")
    if not isinstance(text, str):
        return default_config(domain, "fallback", "it has no data.Corefile key")
    try:
        return DnsConfig(parse(text), "configmap", None, domain)
    except CorefileError as exc:
        return default_config(domain, "fallback", str(exc))


def kubeadm_corefile(domain: str) -> str:
    """The Corefile kubeadm writes for the cluster domain `domain`
    (cmd/kubeadm/app/phases/addons/dns/manifests.go CoreDNSConfigMap), from the add-on data
    `bootstrap.seed` installs (read here directly: `resolve` need not import the seed)."""
    text = files("kubesvc").joinpath("data/kubeadm-dns.json").read_text()
    objs = json.loads(text.replace("@DNS_DOMAIN@", domain.strip(".").lower()))
    return next(o for o in objs if o["kind"] == "ConfigMap")["data"]["Corefile"]


def default_config(domain: str, source: str, problem: str | None = None) -> DnsConfig:
    """kubeadm's Corefile for `domain` (what `kubeadm init` writes)."""
    return DnsConfig(parse(kubeadm_corefile(domain)), source, problem, domain)


def parse(text: str) -> tuple[ServerBlock, ...]:
    """Server blocks of a Corefile; CorefileError names the first problem and its line."""
    blocks = [_server_block(b.keys, b.body, b.line) for b in server_blocks(text)]
    if not blocks:
        raise CorefileError("the Corefile has no server block")
    _no_duplicate_keys(blocks)
    return tuple(blocks)


# --- server blocks and the kubernetes plugin ----------------------------------------------------


def _server_block(keys: list[str], body: list[Directive], line: int) -> ServerBlock:
    """Zones are the keys' zones on port 53 (the only port kube-dns sends to); the plugin's
    default zones are every key's (OriginsFromArgsOrServerBlock)."""
    served, every = [], []
    for key in keys:
        zones, port = _key(key, line)
        every += zones
        served += zones if port == DNS_PORT else []
    stanzas = [d for d in body if d.name == "kubernetes"]
    if len(stanzas) > 1:
        raise CorefileError(f"line {stanzas[1].line}: plugin/kubernetes: this plugin can only "
                            "be used once per Server Block")
    plugin = _kubernetes(stanzas[0], every) if stanzas else None
    return ServerBlock(tuple(served), tuple(d.name for d in body), plugin)


def _key(key: str, line: int) -> tuple[list[str], int]:
    """A server block key, `[dns://]ZONE[:PORT]`: its zones and port (other transports, such
    as tls:// or https://, do not serve kube-dns's plain port-53 queries: port 0)."""
    scheme, sep, rest = key.partition("://")
    if not sep:
        scheme, rest = "dns", key
    host, port = rest, DNS_PORT
    head, colon, tail = rest.rpartition(":")
    if colon and tail.isdigit():
        host, port = head, int(tail)
    elif colon and "/" not in rest and head.count(":") == 0:
        raise CorefileError(f"line {line}: invalid port {tail!r} in server block key {key!r}")
    return normalize_zone(host or ".", line), (port if scheme == "dns" else 0)


def _kubernetes(stanza: Directive, block_zones: list[str]) -> KubernetesPlugin:
    where = f"line {stanza.line}: plugin/kubernetes"
    zones: list[str] = []
    for arg in stanza.args:
        zones += normalize_zone(arg, stanza.line)
    zones = zones or block_zones  # OriginsFromArgsOrServerBlock
    if not any(not is_reverse(z) for z in zones):
        raise CorefileError(f"{where}: non-reverse zone name must be used")
    options: dict = {"zones": tuple(zones)}
    for prop in stanza.block:
        _option(prop, options, f"line {prop.line}: plugin/kubernetes")
    return KubernetesPlugin(**options)


def _option(prop: Directive, options: dict, where: str) -> None:
    """One property of the stanza, with ParseStanza's checks."""
    name, args = prop.name, prop.args
    if name == "pods":
        if len(args) != 1:
            raise CorefileError(f"{where}: pods takes one value (disabled, verified, insecure)")
        if args[0] not in POD_MODES:
            raise CorefileError(f"{where}: wrong value for pods: {args[0]}, must be one of: "
                                "disabled, verified, insecure")
        options["pods"] = args[0]
    elif name == "ttl":
        options["ttl"] = _ttl(args, where)
    elif name == "fallthrough":
        zones = [z for a in args for z in normalize_zone(a, prop.line)]
        options["fallthrough"] = tuple(zones) or (".",)
    elif name == "endpoint_pod_names":
        if args:
            raise CorefileError(f"{where}: endpoint_pod_names takes no value")
        options["endpoint_pod_names"] = True
    elif name == "namespaces":
        if not args:
            raise CorefileError(f"{where}: namespaces needs at least one namespace")
        options["namespaces"] = tuple(args)
    elif name not in _OTHER_OPTIONS:
        raise CorefileError(f"{where}: unknown property '{name}'")


def _ttl(args: list[str], where: str) -> int:
    if not args:
        raise CorefileError(f"{where}: ttl needs a number of seconds")
    try:
        ttl = int(args[0])
    except ValueError:
        raise CorefileError(f"{where}: ttl {args[0]!r} is not a whole number of "
                            "seconds") from None
    if not 0 <= ttl <= 3600:
        raise CorefileError(f"{where}: ttl must be in range [0, 3600]: {ttl}")
    return ttl


def _no_duplicate_keys(blocks: list[ServerBlock]) -> None:
    """validateZonesAndListeningAddresses: one zone on one port belongs to one block."""
    seen: set[str] = set()
    for block in blocks:
        for zone in block.zones:
            if zone in seen:
                raise CorefileError(f"zone {zone} on port {DNS_PORT} is defined by two server "
                                    "blocks")
            seen.add(zone)


# --- names and zones ---------------------------------------------------------------------------


def normalize_zone(text: str, line: int = 0) -> list[str]:
    """plugin.Host(...).Normalize: lower case with a trailing dot; a CIDR becomes the reverse
    zones that cover it (split on octet or nibble boundaries)."""
    host = text.lower()
    if "/" in host:
        try:
            net = ipaddress.ip_network(host, strict=False)
        except ValueError:
            raise CorefileError(f"line {line}: {text!r} is neither a zone nor a CIDR") from None
        return _reverse_zones(net)
    return ["." if host in (".", "") else host.rstrip(".") + "."]


def _reverse_zones(net) -> list[str]:
    step = 8 if net.version == 4 else 4
    prefix = -(-net.prefixlen // step) * step
    labels = prefix // step
    out = []
    for sub in list(net.subnets(new_prefix=prefix))[:256]:
        pointer = sub.network_address.reverse_pointer.split(".")
        kept = pointer[len(pointer) - 2 - labels:]
        out.append(".".join(kept) + ".")
    return out


def longest_match(zones, name: str) -> str | None:
    lname = name.lower() if name.endswith(".") else name.lower() + "."
    best = None
    for zone in zones:
        if (zone == "." or lname == zone or lname.endswith("." + zone)) and (
                best is None or len(zone) > len(best)):
            best = zone
    return best


def is_reverse(zone: str) -> bool:
    return zone.endswith(REVERSE) or zone in ("in-addr.arpa.", "ip6.arpa.")
