"""A helper process for a sync of many Services: it builds the later namespaces' objects
while this process builds the first ones and writes.

A sync of every Service (an import, a from-scratch pass, a Node change) spends most of its
time in Python building new Services' EndpointSlices and Endpoints as text (texts.py), and
a third in SQLite writing them, all on one core. Here, past `MIN_SERVICES`, the namespaces
holding about `HELPER_SHARE` of the Services (the last ones, in sync order) are handed to a
helper process: it builds their objects as `write_new_service` would and sends them back,
namespace by namespace, while this process handles the first namespaces and writes its
objects (`take` is asked for each handed namespace in order, and waits for it). This process
then queues the helper's objects exactly where and as `write_new_service` would have queued
them (sync.py `_replay`), so the store gets the same rows in the same order: same
resourceVersions, uids, ids, change log. A Service the helper does not answer (not
`fast_case`, or `write_new_service` declined it) is synced here, in its place.

The helper is a fresh interpreter running this module (`main`), not a fork: a fork of a
process that has just imported 60,000 objects copies page after page of its heap as the
helper allocates (a third of the helper's time went to those faults), and forking a process
with threads (`serve`) is unsound. It never touches the store: what it reads (the handed
namespaces' Services, their pods' facts, the Nodes) is read here and written to an in-memory
file, and only namespaces without EndpointSlices and Endpoints are handed over (the
new-Service case: all their objects are to be made). It answers through another in-memory
file, the lengths through its stdout. It starts while this process reads its inputs (its
start-up, ~0.1 s, on the other core). Whatever goes wrong on its side (it is missing, dies,
answers nothing) only means this process builds those namespaces itself.
"""

from __future__ import annotations

import marshal
import os
import struct
import sys
from collections.abc import Mapping

from kubesvc.controllers.endpoints.built import Built
from kubesvc.controllers.endpoints.namespace import (
    FEW,
    SHARE,
    NamespaceView,
    fast_case,
    loads_all,
)
from kubesvc.controllers.endpoints.texts import write_new_service

SLICE_GK = "EndpointSlice.discovery.k8s.io"
# below this many Services to sync, a helper costs more than it saves (its start-up ~50 ms)
MIN_SERVICES = 2000
# how far past "all CPUs but one busy" the load average may be for a helper (core_free): the
# sync itself counts ~1 in it
LOAD_SLACK = 0.5
# the helper's share of the Services: this process also writes every object (SQL, ~1/3 of
# the work), so it builds the smaller part itself
HELPER_SHARE = 0.75
_LENGTH = struct.Struct("<q")


def can_spawn() -> bool:
    """A helper can run here: Linux (memfd_create), a Python that can run this module."""
    return sys.platform == "linux" and hasattr(os, "memfd_create") and bool(sys.executable)


def core_free() -> bool:
    """Another core is likely free for the helper: the processes runnable right now (Linux's
    /proc/loadavg) leave one of this process's CPUs idle, else the load average of the last
    minute does. On a machine busy with other work a helper only competes with this process
    for the same CPU time (the sync then took longer than alone). The count of the moment
    comes first: the average still counts an import's parsing child that has just ended."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return False
    runnable = runnable_now()
    if runnable is not None:
        return cpus > 1 and runnable - 1 <= cpus - 2  # (this process is one of them)
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return False
    return cpus > 1 and load <= cpus - 1 + LOAD_SLACK


def runnable_now() -> int | None:
    """How many tasks are runnable this moment, this one included (None: not Linux)."""
    try:
        with open("/proc/loadavg", "rb") as fh:
            return int(fh.read().split()[3].split(b"/")[0])
    except (OSError, ValueError, IndexError):
        return None


class Helper:
    """The helper process of one sync, and the namespaces handed to it."""

    def __init__(self, proc, memfd_in: int, memfd_out: int, handed: list[str]):
        self.proc, self.memfd_in, self.memfd_out = proc, memfd_in, memfd_out
        self.handed = handed
        self.next = 0  # index into `handed` of the next answer to read
        self.offset = 0  # where that answer starts in memfd_out
        self.alive = True
        self.inputs: dict[str, tuple] = {}  # namespace -> what was read for it

    def send(self, value) -> None:
        """Hand the helper one input (marshal data): to `memfd_in`, its length to stdin."""
        blob = marshal.dumps(value)
        _write_all(self.memfd_in, blob)
        _write_all(self.proc.stdin.fileno(), _LENGTH.pack(len(blob)))

    def handles(self, namespace: str) -> bool:
        return self.alive and self.next < len(self.handed) and \
            self.handed[self.next] == namespace

    def take(self, namespace: str) -> list | None:
        """The helper's answer for the next handed namespace (waits for it): per Service in
        sync order, its objects as (gk, name, head, tail, labels, owners) or None (sync it
        here); None when the helper answers nothing for the namespace."""
        self.next += 1
        try:
            head = _read_exactly(self.proc.stdout.fileno(), _LENGTH.size)
            if head is None:
                raise OSError("the endpoint helper ended early")
            (length,) = _LENGTH.unpack(head)
            blob = os.pread(self.memfd_out, length, self.offset)
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
        for fd in (self.memfd_in, self.memfd_out):
            os.close(fd)
        proc = self.proc
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def start(store, wanted: Mapping[str, set[str] | None], order: list[str],
          nodes) -> Helper | None:
    """Start a helper for the last namespaces of `order` when the sync is big enough, and
    hand it what it needs; None when there is none (this process does everything)."""
    if not can_spawn():
        return None
    # lazy: the helper itself starts without the store's queries (it never reads the store)
    from kubesvc.store.pod_facts import namespace_facts_text  # noqa: PLC0415
    from kubesvc.store.queries import counts_by_namespace  # noqa: PLC0415

    counts = counts_by_namespace(store, "Service")
    sizes = [(ns, counts.get(ns, 0) if (names := wanted[ns]) is None else len(names))
             for ns in order]
    total = sum(n for _, n in sizes)
    if total < MIN_SERVICES or not core_free():
        return None
    made = counts_by_namespace(store, SLICE_GK, "Endpoints")
    candidates, taken = [], 0
    for ns, n in reversed(sizes):
        if taken + n / 2 > HELPER_SHARE * total:
            break
        taken += n
        if n > FEW and not made.get(ns):  # (a few Services, or objects to reconcile: here)
            candidates.append(ns)
    if not candidates:
        return None
    helper = _spawn()
    if helper is None:
        return None
    try:
        # the Nodes first, then each namespace's inputs as soon as read: the helper starts on
        # the first while the next are read; the end of its stdin ends its work
        for node in store.list("Node"):  # every Node the pods may name (the helper cannot ask)
            nodes[node["metadata"]["name"]] = node
        helper.send({name: node for name, node in nodes.items() if node is not None})
        for ns in reversed(candidates):
            facts = namespace_facts_text(store.conn, ns)
            if facts is None:
                continue
            raw = store.list_raw("Service", ns)
            helper.inputs[ns] = (raw, facts)
            helper.handed.append(ns)
            names = wanted[ns]
            helper.send((ns, None if names is None else list(names), raw, facts))
        helper.proc.stdin.close()
    except OSError:  # the helper is gone already (EPIPE: Python ignores SIGPIPE): no helper
        helper.close()
        return None
    except BaseException:
        helper.close()
        raise
    if not helper.handed:
        helper.close()
        return None
    return helper


def _spawn() -> Helper | None:
    """Start the helper interpreter on this very kubesvc (its folder first on its path)."""
    import subprocess  # noqa: PLC0415 - lazy: only a big sync starts a helper (start-up)

    memfd_in = os.memfd_create("kubesvc-endpoints-in")
    memfd_out = os.memfd_create("kubesvc-endpoints-out")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    try:
        proc = subprocess.Popen(
            _command(memfd_in, memfd_out),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            pass_fds=(memfd_in, memfd_out), env=env, close_fds=True)
    except OSError:
        os.close(memfd_in)
        os.close(memfd_out)
        return None
    return Helper(proc, memfd_in, memfd_out, [])


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


def _command(memfd_in: int, memfd_out: int) -> list[str]:
    """The helper's command line: this module's `main`, in this Python (`-P`: no script or
    working folder before PYTHONPATH's first entry, this kubesvc)."""
    return [sys.executable, "-P", "-c",
            f"from {__name__} import main; main({memfd_in}, {memfd_out})"]


def main(memfd_in: int, memfd_out: int) -> None:
    """The helper: its inputs from `memfd_in` (each one's length from stdin): the Nodes, then
    namespace after namespace; each namespace's answer (see `Helper.take`) to `memfd_out`, its
    length to stdout, in order; done at the end of stdin."""
    offset = 0

    def receive():
        nonlocal offset
        head = _read_exactly(0, _LENGTH.size)
        if head is None:
            return None
        (length,) = _LENGTH.unpack(head)
        value = marshal.loads(os.pread(memfd_in, length, offset))
        offset += length
        return value

    nodes = receive()
    while nodes is not None and (job := receive()) is not None:
        ns, names, raw, facts = job
        answer = build_namespace(ns, None if names is None else set(names), raw, facts, nodes)
        blob = marshal.dumps(answer)
        _write_all(memfd_out, blob)
        _write_all(1, _LENGTH.pack(len(blob)))


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
    built: list[tuple] = []

    def emit(_ctx, gk: str, obj: Built, owners: list | None = None) -> None:
        built.append((gk, obj.name, obj.head, obj.tail, obj.labels, owners))

    out: list = []
    for svc in services:
        if fast_case(svc, view) and write_new_service(None, svc, view, nodes, emit):
            out.append(built)
            built = []
        else:
            out.append(None)
    return out
