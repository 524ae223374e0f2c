"""Run the API server: waitress (a well-kept pure-Python WSGI server, chosen by measurement:
see pyproject.toml), a kubeconfig for the clients, a bearer token when the server listens
beyond the loopback interface, a graceful stop on SIGINT/SIGTERM."""

from __future__ import annotations

import ipaddress
import os
import secrets
import signal
import sys
from pathlib import Path
from typing import TextIO

import waitress
import yaml

from kubesvc.api.errors import ClientError
from kubesvc.kubectl.environment import Environment
from kubesvc.serve import watch
from kubesvc.serve.app import App
from kubesvc.serve.request import MAX_BODY

THREADS = 32  # every open watch holds one worker thread


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def kubeconfig(url: str, token: str | None) -> dict:
    user: dict = {"token": token} if token else {}
    return {"apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [{"name": "kubesvc", "cluster": {"server": url}}],
            "users": [{"name": "kubesvc", "user": user}],
            "contexts": [{"name": "kubesvc", "context": {"cluster": "kubesvc",
                                                         "user": "kubesvc",
                                                         "namespace": "default"}}],
            "current-context": "kubesvc"}


def write_kubeconfig(path: Path, config: dict) -> None:
    """Written whole with mode 0600 (it may hold the token), replacing an older one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        yaml.safe_dump(config, fh, sort_keys=False)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def create(env: Environment, state: str, address: str, port: int, token: str | None,
           log: bool = False):
    """A bound (not yet running) waitress server and the URL it serves."""
    if not is_loopback(address) and not token:
        raise ClientError(f"--address {address} is reachable from other machines: it needs a "
                          "bearer token (--token, or let kubesvc generate one)")
    url = f"http://{_host(address)}:{port}"
    app = App(env, state, token=token, address=f"{_host(address)}:{port}", log=log)
    try:
        server = waitress.create_server(app, host=address, port=port, threads=THREADS,
                                        # past twice our limit: waitress's plain 413
                                        max_request_body_size=2 * MAX_BODY,
                                        clear_untrusted_proxy_headers=True, ident="kubesvc")
    except OSError as exc:
        raise ClientError(f"cannot listen on {address}:{port}: {exc.strerror or exc}") from None
    actual = server.effective_port
    if actual != port:
        url = f"http://{_host(address)}:{actual}"
        app.address = f"{_host(address)}:{actual}"
    return server, url


def _host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def new_token() -> str:
    return secrets.token_urlsafe(32)


def run(server, out: TextIO = sys.stdout) -> None:
    """Serve until SIGINT or SIGTERM; then stop accepting, end the watches and let the
    requests in flight finish (each is one transaction: it commits whole or not at all)."""

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        watch.STOPPING.set()
        server.close()  # waits for the worker threads: no write is cut short
        out.write("kubesvc serve: stopped\n")
        out.flush()
