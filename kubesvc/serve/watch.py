"""WATCH: a stream of JSON events (`{"type": "ADDED", "object": {...}}`, one per line, sent as
HTTP chunks), fed by the state's change log (kubesvc/store/changes.py), so writes from any
client, the CLI in another process included, reach every watch.

A watch looks at the state's resourceVersion every POLL seconds (one indexed read); when it
has moved, the log says what changed since: the objects written since (ADDED when created
since, else MODIFIED) and the deletions (DELETED, with the object's last body at the
deletion's resourceVersion). As kube-apiserver's watch cache does:

- no resourceVersion, or "0": the current objects as ADDED events first, then the changes;
  `sendInitialEvents=true` (the watch-list clients): the same, then a BOOKMARK annotated
  `k8s.io/initial-events-end`;
- resourceVersion N: the changes after N only; N older than the log's floor (compacted
  history) is an ERROR event carrying a 410 Expired Status ("too old resource version"), and
  N ahead of the state is waited for 3 seconds, then an ERROR event with 504 Timeout;
- label and field selectors (`metadata.name=x` for one object): an object that starts to
  match is ADDED, one that stops matching is DELETED (with the body the watch last sent),
  as the cacher's watchers filter events;
- `allowWatchBookmarks=true`: a BOOKMARK with the state's resourceVersion every
  BOOKMARK_EVERY seconds, and one a second before the watch's timeoutSeconds run out.

The store keeps objects' latest bodies, not every version: several changes of one object
between two looks come out as one event with its latest body (what a client's cache ends up
with either way).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator

from kubesvc.api import fieldselectors as fs
from kubesvc.api import selectors
from kubesvc.api.errors import ClientError
from kubesvc.api.resources import Resource
from kubesvc.serve import status as st
from kubesvc.serve import tables, versions
from kubesvc.serve.catalog import Served
from kubesvc.serve.objects import Server, _typed, matching
from kubesvc.serve.request import Request, Target
from kubesvc.serve.status import HttpError
from kubesvc.store import changes
from kubesvc.store.changes import Change
from kubesvc.store.db import Store

POLL = 0.1  # seconds between looks at the state's resourceVersion
BOOKMARK_EVERY = 10.0
BOOKMARK_BEFORE_END = 1.0
DEFAULT_TIMEOUT = 1800.0  # kube-apiserver's --min-request-timeout
STOPPING = threading.Event()  # set on shutdown: every open watch ends

Key = tuple[str, str]


def watch(server: Server, req: Request, served: Served, target: Target) -> Iterator[bytes]:
    res = served.res
    ns = target.namespace if res.namespaced else None
    if target.name:  # ?fieldSelector=metadata.name=NAME is what clients send; a name works too
        field = f"metadata.name={target.name}"
        req.query["fieldSelector"] = ",".join(filter(None, (req.query.get("fieldSelector"),
                                                            field)))
    versions.validate_watch(req)
    since = versions.parse(req.query.get("resourceVersion", ""))
    # sendInitialEvents, when given, says whether the state comes first as ADDED events
    initial = (req.flag("sendInitialEvents") if "sendInitialEvents" in req.query
               else since is None)
    selected = _predicate(req, res)  # a bad selector: 400 before the stream
    as_table = tables.wants_table(req.header("accept"))
    include = req.query.get("includeObject", "Metadata")
    try:
        timeout = float(req.query.get("timeoutSeconds") or DEFAULT_TIMEOUT)
    except ValueError:
        timeout = DEFAULT_TIMEOUT
    bookmarks = req.flag("allowWatchBookmarks")
    store = server.store()  # this worker thread's: the stream runs in the same thread

    def event(kind: str, obj: dict) -> bytes:
        if kind != "ERROR":
            _typed(res, obj)
        body = (tables.table(res.kind, [obj], server.env.now(), include,
                             {"resourceVersion": obj["metadata"].get("resourceVersion", "")})
                if as_table and kind not in ("BOOKMARK", "ERROR") else obj)
        return json.dumps({"type": kind, "object": body}, separators=(",", ":")).encode() + b"\n"

    def bookmark(version: int, initial_end: bool = False) -> bytes:
        meta: dict = {"resourceVersion": str(version)}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return event("BOOKMARK", {"kind": res.kind, "apiVersion": res.api_version,
                                  "metadata": meta})

    def stream() -> Iterator[bytes]:
        known: dict[Key, dict] = {}  # with a selector: what the client was last sent
        if initial:
            with store.read():
                objs, rv = matching(store, req, res, ns)
            start = int(rv)
            for obj in objs:
                if selected:
                    known[_key(obj)] = obj
                yield event("ADDED", obj)
            if req.flag("sendInitialEvents") and bookmarks:
                yield bookmark(start, initial_end=True)
        else:
            fetch = (lambda: matching(store, req, res, ns)[0]) if selected else None
            failure, start, first, now = _catch_up(store, res.gk, ns, since, fetch)
            if failure is not None:
                yield event("ERROR", failure)
                return
            for change in first:
                if change.type == "DELETED":
                    if selected is None or selected(change.body):
                        yield event("DELETED", change.body)
                elif selected is None or selected(change.body):
                    yield event(change.type, change.body)
            known = {_key(o): o for o in now}
        yield from _follow(store, res.gk, ns, start, timeout, bookmarks, event, bookmark,
                           selected, known)

    return stream()


def _catch_up(store: Store, gk: str, ns: str | None, since: int | None,
              fetch: Callable[[], list[dict]] | None
              ) -> tuple[dict | None, int, list[Change], list[dict]]:
    """The changes after `since` (None: the most recent state) and (with `fetch`, a watch with
    a selector) the objects selected now, from one snapshot; or the Status of why not (410
    too old, 504 too new)."""
    waited = 0.0
    while True:
        with store.read():
            current = int(store.get_meta("rv") or 0)
            if since is None:
                since = current
            if since <= current:
                floor = changes.floor(store.conn)
                if since < floor:
                    return st.status(410, "Expired", f"too old resource version: {since} "
                                                     f"({floor})"), current, [], []
                return (None, current, changes.since(store.conn, gk, ns, since),
                        fetch() if fetch else [])
        if waited >= versions.TOO_LARGE_WAIT or STOPPING.is_set():
            return versions.too_large(since, current), current, [], []
        time.sleep(POLL)
        waited += POLL


def _follow(store: Store, gk: str, ns: str | None, rv: int, timeout: float, bookmarks: bool,
            event: Callable[[str, dict], bytes], bookmark: Callable[[int], bytes],
            selected: Callable[[dict], bool] | None, known: dict[Key, dict]
            ) -> Iterator[bytes]:
    ends = time.monotonic() + timeout
    # as the cacher: every BOOKMARK_EVERY seconds, and one shortly before the watch's end
    # (the client resumes from there)
    next_bookmark = min(time.monotonic() + BOOKMARK_EVERY, ends - BOOKMARK_BEFORE_END)
    while time.monotonic() < ends and not STOPPING.wait(POLL):
        batch: list[Change] = []
        with store.read():
            current = int(store.get_meta("rv") or 0)
            if current != rv:
                floor = changes.floor(store.conn)
                if rv < floor:  # the log was compacted past this watch: it must list again
                    yield event("ERROR", st.status(410, "Expired", f"too old resource "
                                                                   f"version: {rv} ({floor})"))
                    return
                batch = changes.since(store.conn, gk, ns, rv)
                rv = current
        for change in batch:
            if selected is None:
                yield event(change.type, change.body)
            else:
                yield from _filtered(change, selected, known, event)
        if bookmarks and time.monotonic() >= next_bookmark:
            last = ends - BOOKMARK_BEFORE_END
            next_bookmark = (float("inf") if next_bookmark >= last
                             else min(time.monotonic() + BOOKMARK_EVERY, last))
            yield bookmark(rv)


def _filtered(change: Change, selected: Callable[[dict], bool], known: dict[Key, dict],
              event: Callable[[str, dict], bytes]) -> Iterator[bytes]:
    """One change as a watch with a selector sees it (the cacher's rules): matching now and
    before: MODIFIED; now only: ADDED; before only: DELETED, with the body last sent at the
    change's resourceVersion."""
    key = (change.namespace, change.name)
    if change.type == "DELETED":
        if known.pop(key, None) is not None or selected(change.body):
            yield event("DELETED", change.body)
        return
    if selected(change.body):
        kind = "MODIFIED" if key in known else "ADDED"
        known[key] = change.body
        yield event(kind, change.body)
        return
    old = known.pop(key, None)
    if old is not None:
        old["metadata"]["resourceVersion"] = str(change.rv)
        yield event("DELETED", old)


def _predicate(req: Request, res: Resource) -> Callable[[dict], bool] | None:
    """Does an object match the request's label and field selectors? None: no selector."""
    label, field = req.query.get("labelSelector"), req.query.get("fieldSelector")
    kind, group = res.kind, res.group
    if not label and not field:
        return None
    try:
        sel = selectors.parse(label) if label else None
    except ClientError as exc:
        raise HttpError(400, exc.message) from None
    try:
        fields = fs.compile_selector(field, kind, group) if field else []
    except fs.FieldSelectorError as exc:
        raise HttpError(400, str(exc)) from None

    def matches(obj: dict) -> bool:
        _typed(res, obj)  # the field values depend on the kind
        if sel is not None and not sel.matches(obj.get("metadata", {}).get("labels")):
            return False
        return not fields or fs.matches(fields, obj)

    return matches


def _key(obj: dict) -> Key:
    meta = obj["metadata"]
    return meta.get("namespace", ""), meta["name"]
