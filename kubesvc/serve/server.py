"""Run the API server: waitress (a well-kept pure-Python WSGI server, chosen by measurement:
see pyproject.toml), a kubeconfig for the clients, a bearer token when the server listens
beyond the loopback interface, a graceful stop on SIGINT/SIGTERM."""

from __future__ import annotations

import base64
import ipaddress
import os
import secrets
import signal
import socket
import sys
import tempfile
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
from kubesvc.serve import tls, watch
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


def kubeconfig(url: str, token: str | None, ca: bytes | None = None) -> dict:
    user: dict = {"token": token} if token else {}
    cluster: dict = {"server": url}
    if ca is not None:  # --tls: the clients trust the CA kubesvc made, nothing else
        cluster["certificate-authority-data"] = base64.b64encode(ca).decode()
    return {"apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [{"name": "kubesvc", "cluster": cluster}],
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
           log: bool = False, tls_folder: Path | None = None):
    """A bound (not yet running) waitress server and the URL it serves. With `tls_folder`,
    clients connect over TLS (serve/tls.py) and the server's `kubesvc_ca` holds the CA."""
    if not is_loopback(address) and not token:
        raise ClientError(f"--address {address} is reachable from other machines: it needs a "
                          "bearer token (--token, or let kubesvc generate one)")
    ca = tls.certificates(tls_folder, address) if tls_folder is not None else None
    app = App(env, state, token=token, address=f"{_host(address)}:{port}", log=log)
    keep_changes(app.server.root)
    options = dict(threads=THREADS,
                   # past twice our limit: waitress's plain 413
                   max_request_body_size=2 * MAX_BODY,
                   clear_untrusted_proxy_headers=True, ident="kubesvc",
                   # a watch's headers and events go out as soon as written, not when
                   # 18 kB have piled up
                   send_bytes=1)
    try:
        if tls_folder is None:
            server = waitress.create_server(app, host=address, port=port, **options)
            actual, front = server.effective_port, None
        else:
            listening = socket.create_server(
                (address, port), family=socket.AF_INET6 if ":" in address else socket.AF_INET)
            actual = listening.getsockname()[1]
            backend = _backend_socket(tls_folder)
            server = waitress.create_server(app, unix_socket=backend,
                                            unix_socket_perms="600", **options)
            front = tls.Front(listening, backend, tls_folder)
    except OSError as exc:
        raise ClientError(f"cannot listen on {address}:{port}: {exc.strerror or exc}") from None
    server.kubesvc_front, server.kubesvc_ca = front, ca
    scheme = "https" if front is not None else "http"
    url = f"{scheme}://{_host(address)}:{actual}"
    app.address = f"{_host(address)}:{actual}"
    return server, url


def _backend_socket(folder: Path) -> str:
    """Where waitress listens behind the TLS front: a Unix socket in the private TLS folder
    (one a killed server left is replaced), or in a private temporary folder when that path
    is too long for a Unix socket's address."""
    path = folder / "api.sock"
    if len(os.fsencode(path)) > 100:
        path = Path(tempfile.mkdtemp(prefix="kubesvc-serve-")) / "api.sock"  # mode 0700
    path.unlink(missing_ok=True)
    return str(path)


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
    front = getattr(server, "kubesvc_front", None)
    if front is not None:
        front.start()
    try:
        while not stopping.is_set():
            wasyncore.loop(timeout=0.2, map=socket_map, count=1)
        # connections clients opened just before the signal: accept and answer them
        settle = time.monotonic() + 0.5
        while time.monotonic() < settle:
            wasyncore.loop(timeout=0.05, map=socket_map, count=1)
        wasyncore.dispatcher.close(server)  # the listening socket only: no new connections
        if front is not None:
            front.stop_accepting()
        deadline = time.monotonic() + grace
        while _busy(server) and time.monotonic() < deadline:
            wasyncore.loop(timeout=0.05, map=socket_map, count=1)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.task_dispatcher.shutdown(timeout=1)
        wasyncore.close_all(socket_map)
        if front is not None:
            front.drain(timeout=5)
            with suppress(OSError):
                os.unlink(front.backend)
                if os.path.basename(os.path.dirname(front.backend)).startswith("kubesvc-serve-"):
                    os.rmdir(os.path.dirname(front.backend))
        out.write("kubesvc serve: stopped\n")
        out.flush()


def _busy(server) -> bool:
    """A request still running in a worker thread, or an answer not yet sent."""
    if server.task_dispatcher.active_count or server.task_dispatcher.queue:
        return True
    return any(getattr(ch, "total_outbufs_len", 0) or getattr(ch, "requests", None)
               for ch in list(server._map.values()))
