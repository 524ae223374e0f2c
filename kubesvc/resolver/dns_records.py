"""Which records a name of the cluster zone has, as CoreDNS's `kubernetes` plugin finds them
(coredns `plugin/kubernetes/parse.go` parseRequest, `kubernetes.go` Records, findServices,
findPods, endpointHostname, `object/endpoint.go` ready filter and port sentinel -1); `dns`
turns them into answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubesvc.api.objects import meta, spec
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.controllers.endpoints import service_slices
from kubesvc.resolver.corefile import KubernetesPlugin

SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


class RecordError(Exception):
    """errNoItems / errNsNotExposed / errInvalidRequest: the handler answers NXDOMAIN."""


@dataclass(frozen=True)
class ServiceRecord:
    """coredns msg.Service: a host (IP or name), a port (-1 = none) and its owner name."""

    host: str
    port: int
    domain: str


def find_records(view, base: str, zone: str, plugin: KubernetesPlugin) -> list[ServiceRecord]:
    """Records(): parseRequest, the namespace check (namespaceExposed: it exists, and is
    listed by `namespaces` if the plugin has it), then findPods or findServices."""
    req = _parse(base)
    if req is None:
        return []
    kind, ns, name, endpoint, port, proto = req
    if not namespace_exists(view, ns):
        raise RecordError(f"namespace {ns} does not exist", "dns-nxdomain")
    if not plugin.exposes(ns):
        raise RecordError(f"namespace {ns} is not among the plugin's namespaces "
                          f"({' '.join(plugin.namespaces)})", "dns-nxdomain")
    if kind == "pod" and plugin.pods == "disabled":  # findPods: before the empty-name NODATA
        raise RecordError("pod names are not answered: the kubernetes plugin has pods disabled "
                          "(its default without a pods line)", "dns-pods")
    if not name:
        return []  # <ns>.svc / <ns>.pod: NODATA
    if kind == "pod":
        return _pod(view, name, ns, zone, plugin.pods)
    return _services(view, ns, name, endpoint, port, proto, zone, plugin.endpoint_pod_names)


def _parse(base: str):
    """parseRequest: (pod|svc, namespace, service, endpoint, port, protocol) or None (NODATA)."""
    if base in ("", "svc", "pod"):
        return None
    segs = base.split(".")
    kind = segs.pop()
    if kind not in ("svc", "pod"):
        raise RecordError(f"'{kind}' is not svc or pod", "dns-nxdomain")
    ns, name = (segs.pop() if segs else ""), (segs.pop() if segs else "")
    endpoint = port = proto = ""
    if len(segs) == 1:
        endpoint = segs[0]
    elif len(segs) == 2:
        port, proto = segs[0].removeprefix("_"), segs[1].removeprefix("_")
    elif segs:
        raise RecordError("too many labels for a Service or pod name", "dns-nxdomain")
    return kind, ns, name, endpoint, port, proto


def _pod(view, name: str, ns: str, zone: str, mode: str) -> list[ServiceRecord]:
    """findPods: `insecure` answers the IP spelled in the name, whether or not a pod has it;
    `verified` only when a pod of that namespace has that status.podIP and is not
    terminating (object/pod.go ToPod drops terminating pods)."""
    if name.count("-") == 3 and "--" not in name:
        text = name.replace("-", ".")
    else:
        text = name.replace("-", ":")
    if mode == "verified":
        if not any(pod_has_ip(p, text, ns) for p in view.pods_by_ip(text)):
            raise RecordError(f"no running pod in namespace {ns} has IP {text} (pods verified)",
                              "dns-pods")
    elif not is_ip(text):
        raise RecordError(f"{name} does not spell an IP address", "dns-nxdomain")
    return [ServiceRecord(text, 0, f"{name}.{ns}.pod.{zone}")]


def pod_has_ip(pod: dict, ip: str, ns: str) -> bool:
    """podModeVerified: `ip == p.PodIP && match(namespace, p.Namespace)` (the primary IP only,
    compared as text)."""
    return ((pod.get("status") or {}).get("podIP") == ip
            and eu.namespace_of(pod).lower() == ns.lower()
            and not meta(pod).get("deletionTimestamp"))


def _services(view, ns, name, endpoint, port, proto, zone,
              pod_names: bool = False) -> list[ServiceRecord]:
    """findServices for one Service (names compare case-insensitively: stored names are
    lowercase, so the lowercased question finds them)."""
    svc = view.service(ns, name)
    if svc is None:
        raise RecordError(f"no Service {name} in namespace {ns}", "dns-nxdomain")
    domain = f"{name}.{ns}.svc.{zone}"
    if spec(svc).get("type") == "ExternalName":
        return _external_name(svc, endpoint)
    if not eu.is_service_ip_set(svc) or endpoint:
        found = _endpoint_records(view, svc, domain, (endpoint, port, proto), pod_names)
        if not found:
            raise RecordError(_why_no_endpoint(svc, endpoint, port, proto),
                             "dns-headless-empty" if not endpoint and not port else
                             "dns-nxdomain")
        return found
    out = [ServiceRecord(ip, p["port"], domain) for p in eu.service_ports(svc)
           if _port_match(port, p["name"], proto, p["protocol"])
           for ip in spec(svc).get("clusterIPs") or [spec(svc)["clusterIP"]]]
    if not any(_port_match(port, p["name"], proto, p["protocol"])
               for p in eu.service_ports(svc)):
        raise RecordError(f"Service {ns}/{name} has no port named {port!r} with protocol "
                         f"{proto.upper()} (unnamed ports never match)", "dns-nxdomain")
    return out


def _external_name(svc: dict, endpoint: str) -> list[ServiceRecord]:
    host = spec(svc).get("externalName") or ""
    if endpoint:
        raise RecordError("an ExternalName Service has no endpoint names", "dns-nxdomain")
    if is_ip(host):
        raise RecordError(f"externalName {host} is an IP address", "externalname-ip")
    return [ServiceRecord(host.rstrip("."), 0, "")]


def _endpoint_records(view, svc, domain, question, pod_names) -> list[ServiceRecord]:
    """Every ready address of every slice labelled for the Service, times its ports (a
    port-less slice gives the sentinel -1, which A answers use and SRV skips)."""
    endpoint, port, proto = question
    out = []
    for eps in slices_of(view, svc):
        ports = [(p.get("name") or "", p.get("protocol") or "", p.get("port") or -1)
                 for p in eps.get("ports") or ()] or [("", "", -1)]
        for ep in eps.get("endpoints") or ():
            if (ep.get("conditions") or {}).get("ready") is False:
                continue
            for ip in ep.get("addresses") or ():
                host = endpoint_hostname(ep, ip, pod_names)
                if endpoint and host.lower() != endpoint:
                    continue
                out += [ServiceRecord(ip, n, f"{host}.{domain}") for name, pr, n in ports
                        if _port_match(port, name, proto, pr)]
    return out


def _why_no_endpoint(svc, endpoint, port, proto) -> str:
    name = f"{eu.namespace_of(svc)}/{meta(svc)['name']}"
    if endpoint:
        return f"no ready endpoint of {name} is named {endpoint}"
    if port:
        return f"no ready endpoint of {name} has a port named {port!r} ({proto.upper()})"
    return f"headless Service {name} has no ready endpoint"


def endpoint_hostname(endpoint: dict, ip: str, pod_names: bool = False) -> str:
    """endpointHostname: the slice's hostname; with `endpoint_pod_names`, the targetRef's
    name when shorter than 64 (object/endpoint.go); else the dashed IP."""
    if endpoint.get("hostname"):
        return endpoint["hostname"]
    ref = (endpoint.get("targetRef") or {}).get("name") or ""
    if pod_names and 0 < len(ref) < 64:
        return ref
    dashed = ip.replace(".", "-").replace(":", "-")
    return dashed + "0" if dashed.endswith("-") else dashed


def slices_of(view, svc: dict) -> list:
    return service_slices(svc, view.slices_for(svc))


def _port_match(want_port, port, want_proto, proto) -> bool:
    """matchPortAndProtocol: an empty question part matches anything, case-insensitively."""
    return ((not want_port or want_port.lower() == (port or "").lower())
            and (not want_proto or want_proto.lower() == (proto or "").lower()))


# --- helpers ---------------------------------------------------------------------------------


def namespace_exists(view, ns: str) -> bool:
    """filteredNamespaceExists: system namespaces, Namespace objects, and (as the API server
    refuses objects in missing namespaces) any namespace that holds a Service or a pod."""
    ns = ns.lower()
    if ns in SYSTEM_NAMESPACES or any(meta(n).get("name") == ns
                                      for n in view.objects("Namespace")):
        return True
    return bool(view.services(ns) or view.pods(ns))


def is_ip(text: str) -> bool:
    return eu.parse_ip(text) is not None


def address_type(ip: str) -> str:
    return "AAAA" if ":" in ip else "A"
