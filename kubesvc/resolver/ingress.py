"""Ingress (networking.k8s.io/v1) as ingress-nginx serves it on kind: which Ingress rule an
HTTP request `http[s]://HOST[:PORT]/PATH` meets, and the Service endpoints the controller
proxies it to (directly, not through the cluster IP).

What ingress-nginx does (internal/ingress/controller/controller.go createServers and
getBackendServers, the nginx.tmpl location blocks; k8s docs concepts/services-networking/
ingress.md for the API's path and host rules):
- it serves the Ingresses whose class is one of its IngressClasses (spec.controller
  k8s.io/ingress-nginx): spec.ingressClassName, else the legacy kubernetes.io/ingress.class
  annotation; an Ingress created without a class got the default class (the IngressClass
  annotated ingressclass.kubernetes.io/is-default-class: "true") from the DefaultIngressClass
  admission plugin;
- the server is chosen by the Host header: an exact host first, then a wildcard `*.domain` that
  matches exactly one label (the API's rule), else the catch-all server of host-less rules;
- within a server every Ingress's paths merge: an Exact path equal to the request path wins,
  then the longest matching Prefix (element-wise: /api matches /api and /api/v1, not /apis) or
  ImplementationSpecific path (ingress-nginx: a plain nginx prefix location, so /api matches
  /apis too); on equal paths the oldest Ingress wins;
- nothing matches: the Ingress's defaultBackend when one is given, else the controller's
  default backend answers 404; a backend Service, port or endpoint missing answers 503;
- TLS: https uses the certificate of the tls entry that lists the host (else the controller's
  self-signed default); plain http to a TLS host is redirected to https (308, ssl-redirect).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from kubesvc.api.errors import UsageError
from kubesvc.api.objects import meta, spec
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.resolver import netpol, policy_route, routing
from kubesvc.resolver import records as rec
from kubesvc.resolver.records import Reason, Route

GK = "Ingress.networking.k8s.io"
CLASS_GK = "IngressClass.networking.k8s.io"
CONTROLLER = "k8s.io/ingress-nginx"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
LEGACY_CLASS = "nginx"  # ingress-nginx's --ingress-class default
CONTROLLER_NAMESPACE = "ingress-nginx"
CONTROLLER_LABELS = {"app.kubernetes.io/name": "ingress-nginx",
                     "app.kubernetes.io/component": "controller"}


@dataclass(frozen=True)
class Url:
    scheme: str
    host: str
    port: int
    path: str


def parse_url(text: str) -> Url:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f'invalid target "{text}": expected http[s]://HOST[:PORT]/PATH')
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UsageError(f'invalid port in "{text}": must be between 1 and 65535') from None
    return Url(parts.scheme, parts.hostname.lower().rstrip("."), port, parts.path or "/")


# --- classes ---------------------------------------------------------------------------------


def default_class(view) -> dict | None:
    """The class DefaultIngressClass admission would give: the one annotated default (the
    newest when several are)."""
    marked = [c for c in view.objects(CLASS_GK)
              if (meta(c).get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION) == "true"]
    marked.sort(key=lambda c: (meta(c).get("creationTimestamp") or "", meta(c)["name"]))
    return marked[-1] if marked else None


def class_name(view, ing: dict) -> str | None:
    name = spec(ing).get("ingressClassName") or (meta(ing).get("annotations") or {}).get(
        LEGACY_CLASS_ANNOTATION)
    if name:
        return name
    default = default_class(view)
    return meta(default)["name"] if default else None


def served(view, ing: dict) -> bool:
    """ingress-nginx serves the Ingress (its class is one of the controller's classes)."""
    name = class_name(view, ing)
    if name is None:
        return False
    if not spec(ing).get("ingressClassName") and name == LEGACY_CLASS:
        return True  # the annotation equal to --ingress-class (default nginx) is enough
    found = next((c for c in view.objects(CLASS_GK) if meta(c)["name"] == name), None)
    return found is not None and spec(found).get("controller") == CONTROLLER


def _age(ing: dict) -> tuple:
    return (meta(ing).get("creationTimestamp") or "", eu.namespace_of(ing), meta(ing)["name"])


# --- matching --------------------------------------------------------------------------------


def host_matches(rule_host: str, host: str) -> bool:
    if rule_host.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == rule_host[2:]
    return rule_host == host


def path_matches(kind: str, path: str, request: str) -> bool:
    if kind == "Exact":
        return request == path
    if kind == "Prefix":
        base = path.rstrip("/")
        return not base or request == base or request.startswith(base + "/")
    return request.startswith(path)  # ImplementationSpecific: nginx's plain prefix


@dataclass
class Match:
    ingress: dict
    host: str | None  # the rule's host (None: the catch-all server)
    path: str | None
    path_type: str | None
    backend: dict  # IngressBackend


def server_host(ingresses: list[dict], host: str) -> str | None:
    """The server the Host header selects: exact, else a one-label wildcard, else catch-all."""
    hosts = {r.get("host") for i in ingresses for r in spec(i).get("rules") or () if r.get("host")}
    if host in hosts:
        return host
    wild = sorted(h for h in hosts if h.startswith("*.") and host_matches(h, host))
    return wild[0] if wild else None


def match(view, url: Url) -> tuple[Match | None, list[dict]]:
    """The matching rule (or default backend) and the Ingresses of the chosen server."""
    ingresses = sorted((i for i in view.objects(GK) if served(view, i)), key=_age)
    server = server_host(ingresses, url.host)
    mine = [(i, r) for i in ingresses for r in spec(i).get("rules") or ()
            if r.get("host") == server or (server is None and not r.get("host"))]
    paths = [(i, r, p) for i, r in mine for p in (r.get("http") or {}).get("paths") or ()]
    exact = [t for t in paths if t[2].get("pathType") == "Exact"
             and path_matches("Exact", t[2].get("path") or "", url.path)]
    if exact:
        return _found(exact[0], server), [i for i, _ in mine]
    prefix = [t for t in paths if t[2].get("pathType") != "Exact"
              and path_matches(t[2].get("pathType") or "ImplementationSpecific",
                               t[2].get("path") or "/", url.path)]
    if prefix:
        best = max(len(t[2].get("path") or "/") for t in prefix)
        return _found(next(t for t in prefix if len(t[2].get("path") or "/") == best),
                      server), [i for i, _ in mine]
    owners = [i for i, _ in mine] if server is not None else ingresses
    fallback = next((i for i in owners if spec(i).get("defaultBackend")), None)
    if fallback is not None:
        return Match(fallback, server, None, None, spec(fallback)["defaultBackend"]), \
            [i for i, _ in mine]
    return None, [i for i, _ in mine]


def _found(triple, server) -> Match:
    ing, _rule, p = triple
    return Match(ing, server, p.get("path") or "/", p.get("pathType"), p.get("backend") or {})


# --- the route -----------------------------------------------------------------------------------


def route_url(view, client, text: str) -> Route:
    url = parse_url(text)
    route = Route(text, client.to_dict(), rec.NOT_FOUND, way="Ingress")
    found, server_ings = match(view, url)
    route.address = _address(view, url, found.ingress if found else None)
    _tls(route, url, server_ings, found)
    if found is None:
        route.reasons.append(Reason("ingress-no-match", f"no Ingress rule matches host "
                                                        f"{url.host} path {url.path} and no "
                                                        "defaultBackend is set: 404 Not Found"))
        _unserved(view, route)
        return route
    ing = found.ingress
    route.ingress = {"name": routing.ns_name(ing), "host": found.host, "path": found.path,
                     "pathType": found.path_type}
    what = (f"path {found.path} ({found.path_type})" if found.path is not None
            else "its defaultBackend")
    server = f"host {found.host}" if found.host else "catch-all (no host)"
    route.reasons.append(Reason("ingress-route", f"Ingress {routing.ns_name(ing)} {server}: "
                                                 f"{what}"))
    return _backend(view, route, ing, found.backend)


def _address(view, url: Url, matched: dict | None) -> str:
    """Where the controller is reached: the matched Ingress's status address (ADDRESS, written
    by the controller's status sync), else the host itself."""
    for entry in (((matched or {}).get("status") or {}).get("loadBalancer") or {}).get(
            "ingress") or ():
        if entry.get("ip"):
            return routing.address(entry["ip"], url.port, "TCP")
        if entry.get("hostname"):
            return f"{entry['hostname']}:{url.port}/TCP"
    return f"{url.host}:{url.port}/TCP"


def _tls(route: Route, url: Url, ingresses: list[dict], found: Match | None) -> None:
    secured = [(i, t) for i in ingresses for t in spec(i).get("tls") or ()
               if any(host_matches(h, url.host) for h in t.get("hosts") or ())]
    if url.scheme == "https":
        if secured:
            ing, entry = secured[0]
            secret = entry.get("secretName") or "<default>"
            msg = (f"https: certificate from Secret {eu.namespace_of(ing)}/{secret} "
                   f"(tls of Ingress {routing.ns_name(ing)})")
            route.reasons.append(Reason("ingress-tls", msg))
        else:
            route.reasons.append(Reason("ingress-tls", f"https: no tls entry lists {url.host}: "
                                                       "ingress-nginx serves its self-signed "
                                                       "default certificate",
                                        severity=rec.WARNING))
    elif secured and found is not None:
        route.reasons.append(Reason("ingress-tls", f"http to {url.host}, a TLS host: "
                                                   "ingress-nginx answers 308 Permanent "
                                                   f"Redirect to https://{url.host}{url.path}"))


def _unserved(view, route: Route) -> None:
    """Say which Ingresses ingress-nginx ignores for want of a class it owns."""
    for ing in view.objects(GK):
        if served(view, ing):
            continue
        name = class_name(view, ing)
        why = (f"class {name} is not an IngressClass of {CONTROLLER}" if name
               else "it has no class and no IngressClass is the default")
        route.reasons.append(Reason("ingress-class", f"Ingress {routing.ns_name(ing)} is "
                                                     f"not served: {why}"))


def backend_port(svc: dict, port: dict) -> dict | None:
    for sport in routing.service_ports(svc):
        if ("number" in port and sport["port"] == port["number"]) or (
                port.get("name") and sport["name"] == port["name"]):
            return sport
    return None


def _backend(view, route: Route, ing: dict, backend: dict) -> Route:
    ref = backend.get("service")
    if ref is None:
        route.result = rec.UNAVAILABLE
        route.reasons.append(Reason("ingress-no-service", "the backend is a resource backend, "
                                                          "which ingress-nginx does not serve"))
        return route
    ns = eu.namespace_of(ing)
    route.service = f"{ns}/{ref.get('name')}"
    svc = view.service(ns, ref.get("name") or "")
    sport = backend_port(svc, ref.get("port") or {}) if svc is not None else None
    if svc is None or sport is None:
        port = (ref.get("port") or {}).get("number") or (ref.get("port") or {}).get("name")
        missing = f"Service {route.service}" if svc is None else f"port {port} of {route.service}"
        route.result = rec.UNAVAILABLE
        route.reasons.append(Reason("ingress-no-service", f"{missing} does not exist: "
                                                          "503 Service Unavailable"))
        return route
    route.port = routing.port_view(sport)
    eps = [e for e in routing.proxy_endpoints(view, svc, sport, None) if e.ready]
    route.endpoints = [e.ref() for e in eps]
    if not eps:
        route.result = rec.UNAVAILABLE
        route.reasons.append(Reason("ingress-no-endpoints", f"{route.service} port "
                                                            f"{sport['port']} has no ready "
                                                            "endpoint: 503 Service Unavailable"))
        return route
    route.result = rec.FORWARD
    controller = controller_pod(view)
    if controller is None:
        if index_has_policies(view):
            route.reasons.append(Reason("ingress-route", "no ingress-nginx controller pod "
                                                         f"(namespace {CONTROLLER_NAMESPACE}) "
                                                         "in the state: NetworkPolicies are "
                                                         "not judged on its connections to "
                                                         "the backends"))
        return route
    source = netpol.peer_for_ip(view, eu.pod_ips(controller)[0])
    return policy_route.judge_route(view, route, sport["protocol"], source)


def index_has_policies(view) -> bool:
    return bool(view.objects(netpol.GK))


def controller_pod(view) -> dict | None:
    """An ingress-nginx controller pod (the deploy manifests' namespace and labels), if the
    state has one: the source of the proxied connections NetworkPolicies judge."""
    pods = view.pods_selected(CONTROLLER_NAMESPACE, CONTROLLER_LABELS)
    return next((p for p in pods if eu.pod_ips(p)), None)
