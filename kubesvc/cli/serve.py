"""kubesvc serve: the Kubernetes API over HTTP in front of the state, for the real kubectl,
client libraries and dashboards. The server (kubesvc/serve/, waitress) is imported only when
this verb runs: the other verbs' start-up does not pay for it."""

from __future__ import annotations

from pathlib import Path

import typer

from kubesvc.cli import common

EXAMPLES = """\b
Examples:
  # Serve the state on 127.0.0.1:6443 and point kubectl at it
  kubesvc serve --port 6443 --kubeconfig ./kubesvc.kubeconfig &
  KUBECONFIG=./kubesvc.kubeconfig kubectl get svc

  # Reachable from other machines: a bearer token is generated into the kubeconfig
  kubesvc serve --address 0.0.0.0 --kubeconfig ./kubesvc.kubeconfig

  # HTTPS: a CA made in ./kubesvc.kubeconfig.tls/ and trusted by the kubeconfig
  kubesvc serve --tls --kubeconfig ./kubesvc.kubeconfig
"""


def serve(
    ctx: typer.Context,
    port: int = typer.Option(6443, "--port", help="Port to listen on (0: any free port)."),
    address: str = typer.Option("127.0.0.1", "--address",
                                help="Address to listen on; anything but a loopback address "
                                     "needs a bearer token."),
    kubeconfig: Path = typer.Option(Path("kubesvc.kubeconfig"), "--kubeconfig",
                                    metavar="PATH",
                                    help="Where to write the kubeconfig clients use (mode 0600)."),
    token: str | None = typer.Option(None, "--token", envvar="KUBESVC_TOKEN",
                                     help="Bearer token clients must send (generated when "
                                          "--address is not a loopback address, or "
                                          "with --tls)."),
    tls: bool = typer.Option(False, "--tls",
                             help="Serve HTTPS with a self-signed CA made next to the kubeconfig "
                                  "(PATH.tls/) and written into it (needs kubesvc[tls])."),
    log_requests: bool = typer.Option(False, "--log-requests",
                                      help="Print one line per request on stderr."),
    state: str | None = common.STATE,
) -> None:
    """Serve the Kubernetes API for the state (real kubectl, client libraries, dashboards)."""
    from kubesvc.serve import server as api_server

    env = common.environment(ctx)
    path = str(env.resolve_state(state))
    # over TLS kubectl asks for a user name when the kubeconfig names no credentials
    if token is None and (tls or not api_server.is_loopback(address)):
        token = api_server.new_token()
    from kubesvc.serve import tls as api_tls

    folder = api_tls.folder_for(kubeconfig) if tls else None
    srv, url = api_server.create(env, path, address, port, token, log=log_requests,
                                 tls_folder=folder)
    api_server.write_kubeconfig(kubeconfig, api_server.kubeconfig(url, token, srv.kubesvc_ca))
    env.out(f"kubesvc serve: the Kubernetes API for {path} at {url}\n"
            f"kubeconfig written to {kubeconfig} (export KUBECONFIG={kubeconfig.resolve()})\n")
    env.stdout.flush()
    api_server.run(srv, env.stdout)
