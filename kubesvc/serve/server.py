"""Run the API server: waitress (a well-kept pure-Python WSGI server, chosen by measurement:
see pyproject.toml), a kubeconfig for the clients, a bearer token when the server listens
beyond the loopback interface, a graceful stop on SIGINT/SIGTERM."""

from __future__ import annotations

import ipaddress
import os
import secrets
import signal
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path
from typing import TextIO

import waitress
import yaml
from waitress import wasyncore

from kubesvc.api.errors import ClientError, KubesvcError
from kubesvc.kubectl.environment import Environment
from kubesvc.serve import watch
from kubesvc.serve.app import App
from kubesvc.serve.request import MAX_BODY
from kubesvc.store import changes
from kubesvc.store.db import Store

THREADS = 32  # every open watch holds one worker thread
COMPACT_EVERY = 60.0  # seconds between trims of the change log


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
    keep_changes(app.server.root)
    try:
        server = waitress.create_server(app, host=address, port=port, threads=THREADS,
                                        # past twice our limit: waitress's plain 413
                                        max_request_body_size=2 * MAX_BODY,
                                        clear_untrusted_proxy_headers=True, ident="kubesvc",
                                        # a watch's headers and events go out as soon as
                                        # written, not when 18 kB have piled up
                                        send_bytes=1)
    except OSError as exc:
        raise ClientError(f"cannot listen on {address}:{port}: {exc.strerror or exc}") from None
    actual = server.effective_port
    if actual != port:
        url = f"http://{_host(address)}:{actual}"
        app.address = f"{_host(address)}:{actual}"
    return server, url


def keep_changes(store: Store, keep: int = changes.KEEP) -> None:
    """The change log the watches read (made the first time a state is served), trimmed to
    its newest `keep` rows."""
    with store.write():
        changes.ensure(store.conn)
        changes.compact(store.conn, keep)


def _compact_now_and_then(root: Store, stopping: threading.Event) -> None:
    store = root.reopen()
    try:
        while not stopping.wait(COMPACT_EVERY):
            with suppress(KubesvcError):  # a busy state: the next round
                keep_changes(store)
    finally:
        store.close()


def _host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def new_token() -> str:
    return secrets.token_urlsafe(32)


def run(server, out: TextIO = sys.stdout, grace: float = 30.0) -> None:
    """Serve until SIGINT or SIGTERM. Then: stop accepting connections, end the open watches,
    and keep the event loop running until every request in flight has finished and its
    answer has been sent (each request is one transaction: a write commits whole, and its
    client hears so), `grace` seconds at most."""
    stopping = threading.Event()

    def stop(signum, frame):
        stopping.set()
        watch.STOPPING.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    root = getattr(server.application, "server", None)
    if root is not None:
        threading.Thread(target=_compact_now_and_then, args=(root.root, stopping),
                         name="kubesvc-compact", daemon=True).start()
    socket_map = server._map
    try:
        while not stopping.is_set():
            wasyncore.loop(timeout=0.2, map=socket_map, count=1)
        # connections clients opened just before the signal: accept and answer them
        settle = time.monotonic() + 0.5
        while time.monotonic() < settle:
            wasyncore.loop(timeout=0.05, map=socket_map, count=1)
        wasyncore.dispatcher.close(server)  # the listening socket only: no new connections
        deadline = time.monotonic() + grace
        while _busy(server) and time.monotonic() < deadline:
            wasyncore.loop(timeout=0.05, map=socket_map, count=1)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.task_dispatcher.shutdown(timeout=1)
        wasyncore.close_all(socket_map)
        out.write("kubesvc serve: stopped\n")
        out.flush()


def _busy(server) -> bool:
    """A request still running in a worker thread, or an answer not yet sent."""
    if server.task_dispatcher.active_count or server.task_dispatcher.queue:
        return True
    return any(getattr(ch, "total_outbufs_len", 0) or getattr(ch, "requests", None)
               for ch in list(server._map.values()))
