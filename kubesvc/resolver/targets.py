"""Targets and clients of `kubesvc resolve`: parse them, then follow an address or a name the
way the client's packets go (DNS first, then kube-proxy on the node that captures it).

Targets: `svc/NAME` (every way in), `IP:PORT[/PROTO]`, `NAME:PORT[/PROTO]`, a bare DNS name,
a bare IP (who owns it). Clients (`--from`): `pod:[NS/]NAME`, `node:NAME`, `external[:SRC_IP]`;
by default a pod-less client inside the cluster for cluster addresses and names, and an
external one for node and load-balancer addresses.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from kubesvc.api.errors import NotFoundError, UsageError
from kubesvc.api.objects import spec
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.resolver import routing
from kubesvc.resolver.routing import Source

PROTOCOLS = ("TCP", "UDP", "SCTP")
DEFAULT_EXTERNAL_IP = "203.0.113.10"  # TEST-NET-3 (RFC 5737): a client on the internet
_SERVICE_PREFIXES = ("svc/", "service/", "services/")
_NAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$")
_TYPE_NAME = re.compile(r"^([A-Za-z][A-Za-z0-9.-]*)/([^/:]+)$")  # kubectl's TYPE/NAME
_POD_TYPES = ("pod", "pods", "po")
FORMS = ("svc/NAME, IP:PORT[/PROTO], NAME:PORT[/PROTO], http[s]://HOST[:PORT]/PATH, a DNS "
         "name or an IP")


@dataclass(frozen=True)
class Target:
    kind: str  # service | address | name-port | name | ip | url
    text: str
    name: str = ""
    ip: str = ""
    port: int = 0
    protocol: str = "TCP"


@dataclass(frozen=True)
class Client:
    kind: str  # pod | node | external | cluster
    namespace: str | None  # the search path's namespace (None: no cluster search path)
    name: str | None = None
    ip: str | None = None
    node: str | None = None
    host_network: bool = False

    def source(self) -> Source:
        return Source("node" if self.host_network else self.kind, self.ip, self.node)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "ip": self.ip, "node": self.node,
                "namespace": self.namespace}


# --- parsing -----------------------------------------------------------------------------------


def parse_target(text: str) -> Target:
    raw = text.strip()
    if raw.lower().startswith(_SERVICE_PREFIXES):
        name = raw.split("/", 1)[1]
        if not name or "/" in name:
            raise UsageError(f'invalid target "{text}": expected svc/NAME (use -n NAMESPACE)')
        return Target("service", text, name=name)
    if raw.lower().startswith(("http://", "https://")):
        return Target("url", text, name=raw)  # an HTTP request through an Ingress
    _refuse_other_types(raw)
    body, protocol = _split_protocol(raw)
    parsed = eu.parse_ip(body.strip("[]"))
    if parsed:
        return Target("ip", text, ip=parsed[1])
    host, sep, port = body.rpartition(":")
    if not sep or not port.isdigit() or "]" in port:
        if _NAME.match(body) and protocol is None:
            return Target("name", text, name=body)
        raise UsageError(f'invalid target "{text}": expected {FORMS}')
    number = int(port)
    if not 1 <= number <= 65535:
        raise UsageError(f'invalid port in "{text}": must be between 1 and 65535')
    parsed = eu.parse_ip(host.strip("[]")) if host.startswith("[") or ":" not in host else None
    if parsed:
        return Target("address", text, ip=parsed[1], port=number, protocol=protocol or "TCP")
    if not host:
        raise UsageError(f'invalid target "{text}": a port needs a name or an address before '
                         "it: NAME:PORT or IP:PORT")
    if not _NAME.match(host):
        raise UsageError(f'invalid target "{text}": "{host}" is neither an IP nor a DNS name')
    return Target("name-port", text, name=host, port=number, protocol=protocol or "TCP")


def _refuse_other_types(raw: str) -> None:
    """`deploy/web` or `pod/web` read as kubectl's TYPE/NAME, and URLs: say what resolve takes
    instead of reading the name as a protocol."""
    _scheme, sep, rest = raw.partition("://")
    if sep:
        raise UsageError(f'invalid target "{raw}": resolve takes {FORMS}, without a URL scheme '
                         f'(e.g. "{rest.split("/", 1)[0] or "NAME:PORT"}")')
    match = _TYPE_NAME.match(raw)
    if not match or match.group(2).upper() in PROTOCOLS:
        return
    kind, name = match.group(1).lower(), match.group(2)
    if kind in _POD_TYPES:
        hint = (f"a pod is reached at its IP (IP or IP:PORT; `kubesvc get pod {name} -o wide` "
                f"shows it), and sends with --from pod:{name}")
    else:
        hint = f"a {kind} is reached through a Service that selects its pods: svc/NAME"
    raise UsageError(f'invalid target "{raw}": resolve takes {FORMS}; {hint}')


def _split_protocol(text: str) -> tuple[str, str | None]:
    body, sep, proto = text.rpartition("/")
    if sep and proto.upper() in PROTOCOLS:
        return body, proto.upper()
    if sep and not body.lower().startswith(_SERVICE_PREFIXES):
        raise UsageError(f'invalid protocol "{proto}": expected one of {", ".join(PROTOCOLS)}')
    return text, None


def resolve_client(view, text: str | None, namespace: str, default: str) -> Client:
    """The client `--from` names (checked against the view), or the default kind."""
    kind, _, rest = (text or default).partition(":")
    if kind == "pod":
        return _pod_client(view, rest, namespace)
    if kind == "node":
        node = view.node(rest) if rest else None
        if node is None:
            raise NotFoundError("nodes", rest) if rest else UsageError(
                f'invalid --from "{text}": expected node:NAME')
        return Client("node", None, rest, (routing.node_ips(node) or [None])[0], rest)
    if kind == "external":
        ip = eu.parse_ip(rest or DEFAULT_EXTERNAL_IP)
        if ip is None:
            raise UsageError(f'invalid --from "{text}": external[:SRC_IP] needs an IP address')
        return Client("external", None, "external", ip[1])
    if kind == "cluster" and not rest:
        return Client("cluster", namespace, f"a pod in namespace {namespace}")
    raise UsageError(f'invalid --from "{text}": expected pod:[NS/]NAME, node:NAME or '
                     "external[:SRC_IP]")


def _pod_client(view, rest: str, namespace: str) -> Client:
    ns, _, name = rest.rpartition("/")
    ns = ns or namespace
    pod = view.pod(ns, name) if name else None
    if pod is None:
        raise NotFoundError("pods", name) if name else UsageError(
            f'invalid --from "pod:{rest}": expected pod:[NS/]NAME')
    ips = eu.pod_ips(pod)
    if not ips:
        raise UsageError(f"pod {ns}/{name} has no IP (not scheduled or not started): it "
                         "sends no traffic")
    pod_spec = spec(pod)
    host = bool(pod_spec.get("hostNetwork"))
    policy = pod_spec.get("dnsPolicy") or "ClusterFirst"
    cluster_dns = policy == "ClusterFirstWithHostNet" or (policy == "ClusterFirst" and not host)
    return Client("pod", ns if cluster_dns else None, f"{ns}/{name}", ips[0],
                  pod_spec.get("nodeName"), host)


def default_client(view, ip: str) -> str:
    """Cluster addresses (cluster IPs, pod IPs, the service range) get an in-cluster client;
    node, external and load-balancer addresses an external one."""
    if view.service_by_cluster_ip(ip) is not None or in_service_cidr(view, ip):
        return "cluster"
    if view.node_by_ip(ip) is None and view.pods_by_ip(ip):
        return "cluster"
    return "external"


# --- following an address ------------------------------------------------------------------


def in_service_cidr(view, ip: str) -> bool:
    net = ipaddress.ip_network(view.settings["serviceCIDR"], strict=False)
    addr = ipaddress.ip_address(ip)
    return addr.version == net.version and addr in net
