"""A helper process for a sync of many Services: it builds the later namespaces' objects
while this process builds the first ones and writes.

A sync of every Service (an import, a from-scratch pass, a Node change) spends most of its
time in Python building new Services' EndpointSlices and Endpoints as text (texts.py), and
a third in SQLite writing them, all on one core. Here, past `MIN_SERVICES`, the namespaces
holding about `HELPER_SHARE` of the Services (the last ones, in sync order) are handed to a
forked copy of this process: it builds their objects as `write_new_service` would and sends
them back, namespace by namespace, while this process handles the first namespaces and
writes its objects (`take` is asked for each handed namespace in order, and waits for it).
This process then queues the helper's objects exactly where and as `write_new_service` would
have queued them (`replay`), so the store gets the same rows in the same order: same
resourceVersions, uids, ids, change log. A Service the helper does not answer (not
`fast_case`, or `write_new_service` declined it) is synced here, in its place.

The helper never touches the store: everything it reads (the namespaces' Services, their
pods' facts, the Nodes) is read before the fork, and only namespaces without EndpointSlices
and Endpoints are handed over (the new-Service case: its slices and Endpoints are all to be
made). It sends its answers through an in-memory file (lengths through a pipe) and ends with
`os._exit` (no buffer flushed twice, no finalizer, no store connection closed). Whatever goes
wrong on its side (it dies, sends nothing) only means this process builds those namespaces
itself. Only where forking is sound: Linux (memfd), one thread in the process (a `serve`
process never forks here).
"""

from __future__ import annotations

import marshal
import os
import struct
import sys
import threading
from collections.abc import Mapping

from kubesvc.controllers.endpoints.namespace import (
    FEW,
    SHARE,
    NamespaceView,
    fast_case,
    loads_all,
)
from kubesvc.controllers.endpoints.texts import write_new_service
from kubesvc.controllers.writer import _QUEUE, Built, queue_built
from kubesvc.store.queries import counts_by_namespace, namespace_facts_text

SLICE_GK = "EndpointSlice.discovery.k8s.io"
# below this many Services to sync, a fork costs more than it saves
MIN_SERVICES = 1500
# the helper's share of the Services: this process also writes every object (SQL, ~1/3 of
# the work), so it builds the smaller part itself
HELPER_SHARE = 0.85
_LENGTH = struct.Struct("<q")


def can_fork() -> bool:
    return (sys.platform == "linux" and hasattr(os, "memfd_create")
            and threading.active_count() == 1)


class _Recorder:
    """The ApiContext `write_new_service` writes to in the helper: its queue and changes."""

    def __init__(self) -> None:
        self.changes: list = []


class Helper:
    """The helper process of one sync, and the namespaces handed to it."""

    def __init__(self, pid: int, rfd: int, memfd: int, handed: list[str]):
        self.pid, self.rfd, self.memfd = pid, rfd, memfd
        self.handed = handed
        self.next = 0  # index into `handed` of the next answer to read
        self.offset = 0  # where that answer starts in the memfd
        self.alive = True
        self.inputs: dict[str, tuple] = {}  # namespace -> what was read for it

    def handles(self, namespace: str) -> bool:
        return self.alive and self.next < len(self.handed) and \
            self.handed[self.next] == namespace

    def take(self, namespace: str) -> list | None:
        """The helper's answer for the next handed namespace (waits for it): per Service in
        sync order, its objects as (gk, name, head, tail, labels, owners) or None (sync it
        here); None when the helper answers nothing for the namespace."""
        self.next += 1
        try:
            head = _read_exactly(self.rfd, _LENGTH.size)
            if head is None:
                raise OSError("the endpoint helper ended early")
            (length,) = _LENGTH.unpack(head)
            blob = os.pread(self.memfd, length, self.offset)
            if len(blob) != length:
                raise OSError("the endpoint helper's answer is short")
            self.offset += length
            return marshal.loads(blob)
        except (OSError, EOFError, ValueError, TypeError):
            self.close()
            return None

    def close(self) -> None:
        """Stop the helper (if it still runs) and reap it; idempotent."""
        if not self.alive:
            return
        self.alive = False
        for fd in (self.rfd, self.memfd):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.kill(self.pid, 9)
        except OSError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except OSError:
            pass


def start(store, wanted: Mapping[str, set[str] | None], order: list[str],
          nodes) -> Helper | None:
    """Fork a helper for the last namespaces of `order` when the sync is big enough, after
    reading what it needs; None when there is none (this process does everything)."""
    if not can_fork():
        return None
    counts = counts_by_namespace(store, "Service")
    sizes = [(ns, counts.get(ns, 0) if (names := wanted[ns]) is None else len(names))
             for ns in order]
    total = sum(n for _, n in sizes)
    if total < MIN_SERVICES:
        return None
    made = counts_by_namespace(store, SLICE_GK, "Endpoints")
    handed: list[str] = []
    inputs: dict[str, tuple] = {}
    taken = 0
    for ns, n in reversed(sizes):
        if taken + n / 2 > HELPER_SHARE * total:
            break
        taken += n
        if n <= FEW or made.get(ns):
            continue  # (a few Services, or objects to reconcile: synced here)
        facts = namespace_facts_text(store, ns)
        if facts is None:
            continue
        inputs[ns] = (store.list_raw("Service", ns), facts)
        handed.append(ns)
    if not handed:
        return None
    handed.reverse()
    for node in store.list("Node"):  # every Node the pods may name (the helper cannot ask)
        nodes[node["metadata"]["name"]] = node
    all_nodes = {name: node for name, node in nodes.items() if node is not None}
    rfd, wfd = os.pipe()
    memfd = os.memfd_create("kubesvc-endpoints", os.MFD_CLOEXEC)
    try:
        pid = os.fork()
    except OSError:
        for fd in (rfd, wfd, memfd):
            os.close(fd)
        return None
    if pid == 0:  # the helper
        code = 1
        try:
            os.close(rfd)
            _serve(handed, wanted, inputs, all_nodes, memfd, wfd)
            code = 0
        finally:
            os._exit(code)
    os.close(wfd)
    helper = Helper(pid, rfd, memfd, handed)
    helper.inputs = inputs
    return helper


def _read_exactly(fd: int, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _serve(handed, wanted, inputs, nodes, memfd: int, wfd: int) -> None:
    """The helper's work: each handed namespace's answer (see `Helper.take`), in order."""
    for ns in handed:
        raw, facts = inputs[ns]
        blob = marshal.dumps(build_namespace(ns, wanted[ns], raw, facts, nodes))
        _write_all(memfd, blob)
        _write_all(wfd, _LENGTH.pack(len(blob)))


def build_namespace(ns: str, names: set[str] | None, raw: list[str], facts: str,
                    nodes: dict) -> list | None:
    """What the helper answers for a namespace (see `Helper.take`)."""
    every = loads_all(raw)
    services = [s for s in every if names is None or s["metadata"]["name"] in names]
    if not (len(services) > FEW and len(services) * SHARE >= len(every)):
        return None  # (sync.py reads such a namespace otherwise)
    view = NamespaceView(None, ns, services, facts)
    if not view.usual:
        return None
    ctx = _Recorder()
    out: list = []
    for svc in services:
        if fast_case(svc, view) and write_new_service(ctx, svc, view, nodes):
            queue = getattr(ctx, _QUEUE)
            out.append([(gk, built.name, built.head, built.tail, built.labels,
                         change.new_meta["ownerReferences"])
                        for (gk, built, _, _, _), change in zip(queue, ctx.changes,
                                                                 strict=True)])
            queue.clear()
            ctx.changes.clear()
        else:
            out.append(None)
    return out


def replay(ctx, ns: str, objects: list) -> None:
    """Queue one Service's objects the helper built, as `write_new_service` queues them."""
    for gk, name, head, tail, labels, owners in objects:
        queue_built(ctx, gk, Built(ns, name, head, tail, labels), owners)
