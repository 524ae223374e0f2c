"""kubesvc resolve / kubesvc check: every way in to a Service, and from any address back to the
pods, answered offline as kube-proxy (iptables mode) and CoreDNS would."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from kubesvc.cli import common

if TYPE_CHECKING:
    from kubesvc.kubectl.environment import Environment

RESOLVE_EXAMPLES = """\b
Examples:
  # Every way in to a Service: cluster IP, NodePorts, load balancer, external IPs, DNS
  kubesvc resolve svc/web

  # Where a connection from a pod to a name goes (DNS search path, then kube-proxy)
  kubesvc resolve web:80 --from pod:default/client

  # An address from outside the cluster, or from a node's host network
  kubesvc resolve 172.18.0.2:30080
  kubesvc resolve 10.96.0.1:443 --from node:kind-worker

  # A DNS answer, as CoreDNS gives it (SRV for a named port)
  kubesvc resolve _http._tcp.web.default.svc.cluster.local --type SRV

  # An HTTP request through the Ingress rules ingress-nginx serves
  kubesvc resolve https://shop.example.com/api/v1/items

  # Who owns an IP, and which Services route to it
  kubesvc resolve 10.244.1.5

  # In CI: fail when the Service delivers nowhere
  kubesvc resolve web.default.svc.cluster.local:80 -o json
"""

CHECK_EXAMPLES = """\b
Examples:
  # Problems of every Service, MetalLB pool, NetworkPolicy and Ingress, errors first;
  # exit 1 on any error
  kubesvc check

  # For tools
  kubesvc check -o json
"""

FORMATS = ("json", "yaml")
OUTPUT = typer.Option(None, "--output", "-o", help="Output format: json|yaml (default: a "
                                                   "readable view).")


def resolve(
    ctx: typer.Context,
    target: str = typer.Argument(..., metavar="TARGET",
                                 help="svc/NAME, IP:PORT[/PROTO], NAME:PORT[/PROTO], "
                                      "http[s]://HOST[:PORT]/PATH (through an Ingress), a DNS "
                                      "name or an IP."),
    from_: str | None = typer.Option(None, "--from", metavar="CLIENT",
                                     help="The client: pod:[NS/]NAME, node:NAME or "
                                          "external[:SRC_IP] (default: a pod-less client in "
                                          "the namespace for cluster addresses and names, "
                                          "external for node and load-balancer addresses)."),
    qtype: str | None = typer.Option(None, "--type", "-t", metavar="TYPE",
                                     help="DNS record type for a name target: "
                                          "A|AAAA|SRV|CNAME|PTR|TXT (default A)."),
    namespace: str | None = common.NAMESPACE,
    output: str | None = OUTPUT,
    state: str | None = common.STATE,
) -> None:
    """Follow a Service, an address or a name to the pods, as the cluster would.

    Exit code 0 when the traffic is delivered or the name answers, 1 otherwise.
    """
    from kubesvc.kubectl.session import read_session
    from kubesvc.resolver.records import exit_code
    from kubesvc.resolver.resolve import resolve as run
    from kubesvc.resolver.view import StoreView

    env = common.environment(ctx)
    common.check_output(output, FORMATS)
    with read_session(env, state) as store:
        record = run(StoreView(store), target, from_, common.current_namespace(namespace), qtype)
    _print(env, record, output)
    raise typer.Exit(exit_code(record))


def check(
    ctx: typer.Context,
    namespace: str | None = typer.Option(None, "--namespace", "-n",
                                         help="Only the Services of this namespace (default: "
                                              "all)."),
    output: str | None = OUTPUT,
    state: str | None = common.STATE,
) -> None:
    """Diagnose every Service (and MetalLB address pool), most severe problems first.

    Exit code 1 when there is an error-level problem, 0 otherwise.
    """
    from kubesvc.kubectl.session import read_session
    from kubesvc.resolver.check import check_cluster
    from kubesvc.resolver.records import ERROR
    from kubesvc.resolver.view import StoreView

    env = common.environment(ctx)
    common.check_output(output, FORMATS)
    with read_session(env, state) as store:
        problems = check_cluster(StoreView(store), namespace)
    _print(env, problems, output)
    raise typer.Exit(1 if any(p.reason.severity == ERROR for p in problems) else 0)


def _print(env: Environment, record: object, output: str | None) -> None:
    import shutil

    from kubesvc.printers.resolve import render

    tty = env.stdout.isatty()
    width = shutil.get_terminal_size((100, 24)).columns if tty else None
    color = tty and "NO_COLOR" not in env.environ
    env.out(render(record, output, width=width, color=color))
