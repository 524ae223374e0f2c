"""The readable view of `kubesvc resolve` and `kubesvc check`, drawn with rich: client ->
address -> node/kube-proxy -> pod IP:port and node, then the reasons with their rules.
The only module that imports rich (kubesvc/printers/ruff.toml allows it here alone)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from kubesvc.printers.check_text import WIDTH, grouped, totals
from kubesvc.resolver import records as rec

_STYLE = {rec.ERROR: "bold red", rec.WARNING: "yellow", rec.INFO: "cyan"}
_GOOD = {rec.FORWARD, rec.DIRECT, rec.CNAME, rec.EXTERNAL_LB, "NOERROR", "ok"}


def draw(record, width: int | None = None, color: bool = False) -> str:
    console, buffer = _console(width, color)
    if isinstance(record, list):
        _problems(console, record)
    else:
        drawers: dict[type, Callable[[Any, Any], None]] = {
            rec.Route: _route, rec.DnsResult: _dns, rec.ServiceRoutes: _service,
            rec.IPOwners: _owners}
        drawers[type(record)](console, record)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def _console(width: int | None, color: bool):
    buffer = io.StringIO()
    console = Console(file=buffer, width=width or WIDTH, color_system="standard" if color else
                      None, force_terminal=color, highlight=False, emoji=False, soft_wrap=False)
    return console, buffer


def _text(*parts):
    """A rich Text from (string, style) pairs or plain strings; no markup is interpreted."""
    text = Text()
    for part in parts:
        text.append(*(part if isinstance(part, tuple) else (part,)))
    return text


def _result(result: str):
    return (result.upper(), "bold green" if result in _GOOD else "bold red")


# --- one route --------------------------------------------------------------------------------


def _route(console, route: rec.Route) -> None:
    tree = Tree(_text(("from ", "dim"), _client(route.client)))
    branch = tree
    if route.dns is not None:
        cnames = [a.rsplit(" ", 1)[1] for a in route.dns.answers if " CNAME " in a]
        got = ", ".join(route.resolved) or (f"CNAME {cnames[-1]}" if cnames else
                                             route.dns.rcode)
        branch = branch.add(_text(("DNS ", "dim"), route.dns.name, " → ", got))
        for answer in route.dns.answers if " CNAME " in " ".join(route.dns.answers) else ():
            branch.add(_text((answer, "dim")))
    if route.address or route.way:
        branch = branch.add(_text((route.address or route.target, "bold"),
                                  f"  {_way(route)}"))
    if route.ingress:
        branch = branch.add(_ingress(route))
    _nodes(branch, route)
    console.print(_text(("resolve ", "dim"), (route.target, "bold"), "  ", _result(route.result),
                        f"  {_summary(route)}"))
    console.print(tree)
    _reasons(console, route.reasons)


def _client(client: dict) -> str:
    kind, name = str(client.get("kind") or ""), str(client.get("name") or "")
    where = " ".join(x for x in (client.get("ip"), client.get("node") and
                                 f"on {client['node']}") if x)
    label = {"pod": f"pod {name}", "node": f"node {name}", "external": "outside the cluster",
             "cluster": name}.get(kind, name or "")
    return f"{label} ({where})" if where else label


def _short_client(client: dict) -> str:
    kind = str(client.get("kind") or "")
    return {"cluster": "in-cluster", "external": "external"}.get(kind) or f"{kind} {client['name']}"


def _way(route: rec.Route) -> str:
    parts = [route.way or ""]
    if route.way == "Ingress":
        return "ingress-nginx"
    if route.service:
        parts.append(f"of {route.service}")
    if route.port:
        port = route.port
        name = f"{port['name']} " if port.get("name") else ""
        parts.append(f"(port {name}{port['port']} → targetPort {port['targetPort']})")
    return " ".join(p for p in parts if p)


def _summary(route: rec.Route) -> str:
    if route.result == rec.HEALTH and route.health:
        return f"HTTP {route.health['status']} from {route.health['node']}"
    if route.affinity:
        return (f"{len(route.endpoints)} backend(s), sticky per client IP for "
                f"{route.affinity['timeoutSeconds']}s")
    blocked = f"{len(route.blocked)} blocked by NetworkPolicy" if route.blocked else ""
    return ", ".join(x for x in (f"{len(route.endpoints)} backend(s)" if route.endpoints
                                 else "", blocked) if x)


def _nodes(branch, route: rec.Route) -> None:
    groups: dict[tuple, list[str]] = {}
    for v in route.nodes:
        key = (v.result, tuple(e.address for e in v.endpoints), v.policy, v.client_ip)
        groups.setdefault(key, []).append(v.node or "<no node>")
    by_address = {e.address: e for e in route.endpoints + route.blocked}
    verdicts = {v["backend"]: v for v in route.policy}
    for (result, addresses, policy, client_ip), names in groups.items():
        label = ", ".join(names)
        extra = ", ".join(x for x in (f"{policy} policy", client_ip and f"client IP {client_ip}")
                          if x)
        node = branch.add(_text(("kube-proxy on ", "dim"), (label, "bold"), ": ",
                                _result(result), f"  ({extra})"))
        for address in addresses:
            _endpoint(node, by_address.get(address) or rec.EndpointRef(address),
                      verdicts.get(address))
    if not route.nodes:
        for ep in route.endpoints + route.blocked:
            _endpoint(branch, ep, verdicts.get(ep.address))


def _endpoint(branch, ep: rec.EndpointRef, verdict: dict | None = None) -> None:
    state = "" if ep.state == "ready" else f"  {ep.state}"
    leaf = branch.add(_text((ep.address, "red" if verdict and verdict["result"] == "drop"
                             else "green"), f"  pod {ep.pod or '-'}",
                            f"  on {ep.node or '-'}", (state, "yellow")))
    if verdict and verdict["policies"]:
        names = ", ".join(verdict["policies"])
        word = "NetworkPolicies" if len(verdict["policies"]) > 1 else "NetworkPolicy"
        if verdict["result"] == "allow":
            leaf.add(_text((f"{verdict['direction']}: admitted by {verdict['rule']}", "dim")))
        elif verdict["result"] == "not-enforced":
            leaf.add(_text(f"{word} {names} ({verdict['direction']}): {verdict['rule']}: ",
                           ("not enforced by the network plugin", "yellow")))
        else:
            leaf.add(_text(f"{word} {names} ({verdict['direction']}): {verdict['rule']}: ",
                           _result(rec.DROP)))


def _ingress(route: rec.Route) -> Text:
    ing = route.ingress or {}
    where = f"host {ing['host']}" if ing.get("host") else "any host"
    what = (f"path {ing['path']} ({ing['pathType']})" if ing.get("path") is not None
            else "defaultBackend")
    return _text(("Ingress ", "dim"), (str(ing.get("name")), "bold"), f"  {where}, {what}",
                 ("  → ", "dim"), f"Service {route.service or '-'}",
                 ("  (ingress-nginx proxies to the endpoints)", "dim"))


def _reasons(console, reasons: list[rec.Reason], indent: int = 0) -> None:
    """Each reason with its severity and code, and under it (dimmed) the rule that applied."""
    if not reasons:
        return
    if not indent:
        console.print()
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=7, no_wrap=True)
    grid.add_column()
    for reason in reasons:
        body = _text((f"[{reason.code}] ", "dim"), reason.message)
        if reason.rule:
            body.append("\nrule: " + reason.rule, "dim")
        grid.add_row(_text((reason.severity, _STYLE[reason.severity])), body)
    console.print(Padding(grid, (0, 0, 0, indent)))


# --- DNS ------------------------------------------------------------------------------------


def _dns(console, res: rec.DnsResult) -> None:
    ttl = () if res.ttl is None else (("  ttl ", "dim"), str(res.ttl))
    console.print(_text(("dns ", "dim"), (f"{res.name} {res.qtype}", "bold"), "  ",
                        _result(res.rcode), ("  server ", "dim"), res.server or "-", *ttl))
    for name, rcode in res.tried:
        console.print(_text(("  tried ", "dim"), name, " ", (rcode, "dim")))
    if res.resolved_fqdn:
        console.print(_text(("  answered for ", "dim"), res.resolved_fqdn))
    _records(console, "ANSWER", res.answers)
    _records(console, "ADDITIONAL", res.additional)
    _reasons(console, res.reasons)


def _records(console, title: str, lines: list[str]) -> None:
    if not lines:
        return
    table = Table(title=None, box=None, show_header=True, header_style="bold", pad_edge=False)
    for column in (title, "TYPE", "DATA"):
        table.add_column(column)
    for line in lines:
        owner, rtype, data = line.split(" ", 2)
        table.add_row(owner, rtype, data)
    console.print(table)


# --- svc/NAME, IP owners, check --------------------------------------------------------------


def _service(console, report: rec.ServiceRoutes) -> None:
    headless = bool(report.routes) and all(r.way == "Headless" for r in report.routes)
    kind = f"{report.type} (headless)" if headless else report.type
    console.print(_text(("service ", "dim"), (report.service, "bold"), f"  {kind}  ",
                        _result("ok" if report.delivered() else "problem")))
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("WAY", "ADDRESS", "FROM", "RESULT"):
        table.add_column(column, no_wrap=True)
    table.add_column("BACKENDS", overflow="fold")
    for route in report.routes:
        table.add_row(route.way or "-", route.address or route.target,
                      _short_client(route.client), _text(_result(route.result)),
                      _backends(route))
    if report.routes:
        console.print(table)
    for res in report.dns:
        console.print(_text(("dns ", "dim"), f"{res.name} {res.qtype}  ", _result(res.rcode)))
        for answer in res.answers:
            console.print(_text("    ", answer.split(" ", 1)[1]))
    _reasons(console, report.reasons)


def _backends(route: rec.Route) -> str:
    if route.result == rec.HEALTH and route.health:
        return f"HTTP {route.health['status']} ({route.health['localEndpoints']} local)"
    blocked = f" ({len(route.blocked)} blocked by NetworkPolicy)" if route.blocked else ""
    return (", ".join(route.backends) or "-") + blocked


def _owners(console, report: rec.IPOwners) -> None:
    console.print(_text(("address ", "dim"), (report.ip, "bold")))
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("KIND", "NAME", "ROLE", "DETAIL"):
        table.add_column(column)
    for owner in report.owners:
        table.add_row(owner.kind, owner.name or "-", owner.role, owner.detail or "")
    if report.owners:
        console.print(table)
    for line in report.routed_by:
        console.print(_text(("routed by ", "dim"), line))
    if report.ptr is not None:
        answers = ", ".join(a.rsplit(" ", 1)[1] for a in report.ptr.answers) or "-"
        console.print(_text(("PTR ", "dim"), _result(report.ptr.rcode), f"  {answers}"))
    _reasons(console, report.reasons)


def _problems(console, problems: list[rec.Problem]) -> None:
    """Problems grouped by severity, then by object, each with the rule that applied."""
    if not problems:
        console.print(_text(("no problems found", "bold green")))
        return
    for severity, by_object in grouped(problems):
        count = sum(len(v) for v in by_object.values())
        console.print(_text((f"{severity.upper()}S ({count})", _STYLE[severity])))
        for obj, reasons in by_object.items():
            console.print(_text("  ", (obj, "bold")))
            _reasons(console, reasons, indent=4)
        console.print()
    console.print(_text(totals(problems)))
