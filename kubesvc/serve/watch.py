"""WATCH: a stream of JSON events (`{"type": "ADDED", "object": {...}}`, one per line, sent as
HTTP chunks). The store keeps no history of past versions, so a watch polls the state: the
state's resourceVersion (one counter, bumped by every write from any client, the CLI
included) says when to look again, and comparing the matching objects' resourceVersions
gives the ADDED, MODIFIED and DELETED events."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

from kubesvc.serve import tables
from kubesvc.serve.catalog import Served
from kubesvc.serve.objects import Server, _key, _typed, matching
from kubesvc.serve.request import Request, Target

POLL = 0.1  # seconds between looks at the state's resourceVersion
BOOKMARK_EVERY = 10.0
DEFAULT_TIMEOUT = 1800.0  # kube-apiserver's --min-request-timeout
STOPPING = threading.Event()  # set on shutdown: every open watch ends


def watch(server: Server, req: Request, served: Served, target: Target) -> Iterator[bytes]:
    res = served.res
    ns = target.namespace if res.namespaced else None
    if target.name:  # ?fieldSelector=metadata.name=NAME is what clients send; a name works too
        field = f"metadata.name={target.name}"
        req.query["fieldSelector"] = ",".join(filter(None, (req.query.get("fieldSelector"),
                                                            field)))
    as_table = tables.wants_table(req.header("accept"))
    include = req.query.get("includeObject", "Metadata")
    try:
        timeout = float(req.query.get("timeoutSeconds") or DEFAULT_TIMEOUT)
    except ValueError:
        timeout = DEFAULT_TIMEOUT
    bookmarks = req.flag("allowWatchBookmarks")
    store = server.store()  # this worker thread's: the stream runs in the same thread
    with store.read():  # before the first byte: a bad selector is a 400, not a broken stream
        objs, rv = matching(store, req, res, ns)

    def event(kind: str, obj: dict) -> bytes:
        _typed(res, obj)
        body = (tables.table(res.kind, [obj], server.env.now(), include,
                             {"resourceVersion": obj["metadata"].get("resourceVersion", "")})
                if as_table and kind != "BOOKMARK" else obj)
        return json.dumps({"type": kind, "object": body}, separators=(",", ":")).encode() + b"\n"

    def bookmark(version: str, initial_end: bool = False) -> bytes:
        meta: dict = {"resourceVersion": version}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return event("BOOKMARK", {"kind": res.kind, "apiVersion": res.api_version,
                                  "metadata": meta})

    def stream() -> Iterator[bytes]:
        known = {_key(o): o for o in objs}
        since = req.query.get("resourceVersion") or "0"
        initial = since == "0" or req.flag("sendInitialEvents")
        for obj in objs:
            if initial or _newer(obj, since):
                yield event("ADDED" if initial else "MODIFIED", obj)
        if req.flag("sendInitialEvents") and bookmarks:
            yield bookmark(rv, initial_end=True)
        yield from _follow(store, known, rv, timeout, bookmarks, event, bookmark,
                           lambda: matching(store, req, res, ns))

    return stream()


def _newer(obj: dict, since: str) -> bool:
    try:
        return int(obj["metadata"].get("resourceVersion", "0")) > int(since)
    except ValueError:
        return False


def _follow(store, known, rv, timeout, bookmarks, event, bookmark, fetch) -> Iterator[bytes]:
    waited = since_bookmark = 0.0
    while waited < timeout and not STOPPING.wait(POLL):
        waited += POLL
        since_bookmark += POLL
        with store.read():
            current = store.get_meta("rv") or "0"
            if current != rv:
                objs, rv = fetch()
            else:
                objs = None
        if objs is not None:
            seen = {_key(o): o for o in objs}
            for key, obj in seen.items():
                old = known.get(key)
                if old is None:
                    yield event("ADDED", obj)
                elif old["metadata"].get("resourceVersion") != obj["metadata"].get(
                        "resourceVersion"):
                    yield event("MODIFIED", obj)
            for key, obj in known.items():
                if key not in seen:
                    yield event("DELETED", obj)
            known = seen
        if bookmarks and since_bookmark >= BOOKMARK_EVERY:
            since_bookmark = 0.0
            yield bookmark(rv)
