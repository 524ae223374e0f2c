"""`kubesvc resolve TARGET`: which report a target asks for (the printers show it)."""

from __future__ import annotations

from kubesvc.api.errors import NotFoundError, UsageError
from kubesvc.resolver import dns, ingress
from kubesvc.resolver.check import ip_owners, service_routes
from kubesvc.resolver.follow import client_lookup, route_address, route_name
from kubesvc.resolver.targets import default_client, parse_target, resolve_client


def resolve(view, text: str, client_text: str | None = None, namespace: str = "default",
            qtype: str | None = None):
    """`kubesvc resolve TARGET [--from CLIENT] [--type TYPE]`: one record to print."""
    target = parse_target(text)
    if qtype is not None and qtype.upper() not in dns.TYPES:
        raise UsageError(f"--type {qtype}: expected one of {'|'.join(dns.TYPES)}")
    if qtype is not None and target.kind != "name" and not (
            target.kind == "ip" and qtype.upper() == "PTR"):
        raise UsageError("--type applies to a bare DNS name target")
    if target.kind == "service":
        svc = view.service(namespace, target.name)
        if svc is None:
            raise NotFoundError("services", target.name)
        client = resolve_client(view, client_text, namespace, "cluster") if client_text else None
        return _with_policy_reasons(service_routes(view, svc, client))
    if target.kind == "ip":
        return ip_owners(view, target.ip)
    if target.kind == "url":
        return ingress.route_url(view, resolve_client(view, client_text, namespace, "external"),
                                 text)
    default = default_client(view, target.ip) if target.kind == "address" else "cluster"
    client = resolve_client(view, client_text, namespace, default)
    if target.kind == "name":
        return client_lookup(view, client, target.name, (qtype or "A").upper())
    if target.kind == "address":
        return route_address(view, client, target.ip, target.port, target.protocol, text)
    return route_name(view, client, target.name, target.port, target.protocol, text)


def _with_policy_reasons(report):
    """The table of ways shows each route's result; the NetworkPolicy reasons that decided
    them are the report's too (once each)."""
    seen = {(r.code, r.message) for r in report.reasons}
    for route in report.routes:
        for reason in route.reasons:
            if reason.code.startswith("network-policy") and (reason.code,
                                                             reason.message) not in seen:
                seen.add((reason.code, reason.message))
                report.reasons.append(reason)
    return report
