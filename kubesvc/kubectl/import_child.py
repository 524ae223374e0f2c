"""`kubesvc import`'s parsing child (input/pipe.py), run as `python -m kubesvc.kubectl.import_child
FILE ...`: input/pipechild.py's, and two things more.

- Each Pod and Service the import will create takes its stateless create steps here
  (apiserver/registry.py `prepare`: admission, validation, defaulting, the metadata and status
  checks, the store's derived rows), while the parent writes the previous ones; the parent then
  runs only the steps that read or write the state (registry.create's `prepared`). An object
  the state holds, or one an earlier document of the file names, is not prepared (the parent
  replaces it), nor one `prepare` gives up on: it comes as read and takes the whole path.
- A JSON file is read here too (load.json_fast, as load_text reads it), and handed over in
  the apply order (kubectl/apply.py `ordered`), with each object's digest as the parent
  computes it for JSON (store/codec.py). A JSON text json_fast does not prove is read by the
  parent, as before.

The parent tells what preparing needs in its message (input/pipe.py `skip_known`): the state's
Kubernetes version (its schemas), the fieldValidation, the stored Pods' and Services' keys.
"""

from __future__ import annotations

import array
import itertools
import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import orjson

from kubesvc.api.resources import Resource
from kubesvc.apiserver import admission, registry
from kubesvc.apiserver.context import ApiContext
from kubesvc.apiserver.schema import schemas
from kubesvc.input import pipechild
from kubesvc.input.load import (
    JSON_FAST_BYTES,
    Document,
    _read,
    flatten,
    json_fast,
    json_head_proven,
    json_items_proven,
)
from kubesvc.input.split import json_item_cut, json_list_items, order_bound
from kubesvc.kubectl.apply import ordered
from kubesvc.store import codec

PIECE_OBJECTS = 64  # a JSON file's objects are handed over this many at a time
PIECE_BYTES = 256 * 1024  # and a YAML file's pieces: several wait in the pipe (see `ahead`)
# KUBESVC_PREPARE=0 prepares nothing, =1 every Pod it may (tests, A/B measurements); by
# default, a Pod is prepared while the parent has work waiting (`ahead`)
ENV_SWITCH = "KUBESVC_PREPARE"
F_GETPIPE_SZ = 1032  # Linux
BACKLOG_BYTES = PIECE_BYTES // 2


class Preparer:
    """registry.prepare for a piece's objects (pipechild.Preparer)."""

    def __init__(self, prepare: dict, salt: str | None):
        codec.enable()
        # no store: prepare reads none; no clock: it prepares only what keeps its own time
        self.ctx = ApiContext(store=None, now=datetime.fromtimestamp(0, UTC),  # type: ignore[arg-type]
                              field_validation=prepare["fieldValidation"])
        self.ctx.schemas = schemas(prepare["version"])
        # the kinds it prepares (registry.PREPARABLE: all in the core group, version v1)
        self.resources: dict[str, Resource] = {}
        for kind in registry.PREPARABLE:
            res = admission.resource_for(self.ctx, "v1", kind)
            assert res is not None and res.gk == kind
            self.resources[kind] = res
        self.taken = {tuple(key) for key in prepare["existing"]}  # keys the parent replaces
        self.salt = salt
        mode = os.environ.get(ENV_SWITCH)
        self.ahead = _Backlog.open() if mode is None else (lambda: mode == "1")

    def __call__(self, objects: list, digests: list, raws: list | None = None) -> list | None:
        """`raws`: the objects' codec.encode texts (None: not made yet)."""
        prepared: list | None = None
        ctx, resources, taken, ahead = self.ctx, self.resources, self.taken, self.ahead
        for i, obj in enumerate(objects):
            res = resources.get(obj.get("kind")) if obj is not None else None
            if res is None or obj.get("apiVersion") != "v1":
                continue
            meta = obj.get("metadata")
            if not isinstance(meta, dict):
                continue
            name, namespace = meta.get("name"), meta.get("namespace") or "default"
            if not isinstance(name, str) or not name or not isinstance(namespace, str):
                continue
            key = (res.gk, namespace, name)
            if key in taken:  # stored, or an earlier document's: the parent replaces it
                continue
            taken.add(key)
            if not ahead():  # the parent is about to wait for this piece: it prepares it
                continue
            raw = codec.encode(obj) if raws is None else raws[i]  # (None: a null in it)
            if raw is None:
                continue
            if digests[i] is None and self.salt is not None:  # as restore.py's for JSON text
                digests[i] = codec.digest(raw, self.salt)
            meta["namespace"] = namespace  # as restore.py's _import_one
            ctx.null_free = obj
            made = registry.prepare(ctx, res, obj)
            ctx.null_free = None
            if made is None:
                objects[i] = codec.decode(raw)  # as read: the whole path
                continue
            if prepared is None:
                prepared = [None] * len(objects)
            prepared[i] = made
        return prepared


class _Backlog:
    """Whether the parent has work waiting: besides the frame it works on, at least half a
    piece's text unread in the pipe (BACKLOG_BYTES; at most half the pipe). Preparing
    costs the child what it saves the parent, so the child prepares while the parent is
    behind (it would wait for the pipe anyway), and hands pieces over as read while the parent
    is catching up: the two cores stay busy whichever is the slower."""

    def __init__(self, fd: int, threshold: int, ioctl: Callable, request: int):
        self.fd, self.threshold, self.ioctl, self.request = fd, threshold, ioctl, request
        self.buffer = array.array("i", [0])

    @classmethod
    def open(cls) -> Callable[[], bool]:
        if pipechild.PART:  # the parent reads this child's frames only later: all prepared
            return lambda: True
        try:
            import fcntl  # noqa: PLC0415 - Unix only
            import termios  # noqa: PLC0415 - Unix only

            fd = sys.stdout.fileno()
            threshold = min(BACKLOG_BYTES, fcntl.fcntl(fd, F_GETPIPE_SZ) // 2)
            backlog = cls(fd, threshold, fcntl.ioctl, termios.FIONREAD)
            backlog()
        except (ImportError, OSError, ValueError, AttributeError):  # not a Linux pipe: all
            return lambda: True
        return backlog

    def __call__(self) -> bool:
        self.ioctl(self.fd, self.request, self.buffer, True)
        return self.buffer[0] >= self.threshold


def preparer(message: dict) -> Preparer | None:
    prepare = message.get("prepare")
    return Preparer(prepare, message.get("salt")) if prepare is not None else None


def run(path: str, out, stdin) -> None:
    with open(path, "rb") as fh:
        text = _read(fh, path)
    if text.lstrip().startswith(("{", "[")):
        _run_json(text, path, out, stdin)
    else:
        pipechild.run_yaml(text, path, out, stdin)


def _run_json(text: str, path: str, out, stdin) -> None:
    """A JSON List is read a run of items at a time (the parent starts on the first while the
    rest is read); any other JSON, or a List whose runs are not proven, as a whole."""
    items = json_list_items(text) if len(text) >= JSON_FAST_BYTES else None
    head = json_head_proven(text[:items[0]] + text[items[1]:]) if items is not None else None
    if items is None or head is None or head.get("items") != [] or \
            not isinstance(head.get("kind"), str) or not head["kind"].endswith("List"):
        _run_json_whole(text, path, out, stdin)
        return
    flatten(head, path, 1)  # the list's own apiVersion, kind and metadata
    start, end = items
    # this child reads the PART-th of PARTS stretches of the items, from the first place two
    # items meet past its stretch's start to the first past its end; the parent checks that
    # each child began where the previous one ended (the H frame's `from`, the E frame's `to`)
    part, parts = pipechild.PART, pipechild.PARTS
    stop = start + (end - start) * (part + 1) // parts if part + 1 < parts else end
    begin, runs, first = _json_begin(text, start + (end - start) * part // parts, start, end,
                                     stop)
    # how many items: an estimate (the progress bar's), from the first run's
    per_char = len(first[0]) / max(1, first[2] - first[1])
    pipechild.frame(out, b"H", orjson.dumps({"count": max(len(first[0]), round(
        per_char * (end - start))), "from": begin}))
    # a typed list gives its kind to items that lack one: all of them may move
    bound = order_bound(text, start, end) if head["kind"] == "List" else end
    if bound <= start and part == 0:
        pipechild.frame(out, b"S")
    skip = pipechild.Skip(stdin)
    ended = begin
    for values, a, b, after in itertools.chain([first], runs):
        objects: list = []
        for value in values:
            objects.extend(flatten({**head, "items": [value]}, path, 1))
        _send(out, skip, objects)
        if a < bound <= b:
            pipechild.frame(out, b"S")
        ended = after
    pipechild.frame(out, b"E", orjson.dumps({"to": ended}))


def _json_begin(text: str, pos: int, start: int, end: int, stop: int) -> tuple:
    """(where this child's items begin, its runs, the first run): at `start` for the first
    child, else at the first place from `pos` on where two items meet and a run that reads as
    values begins."""
    if pos == start:
        runs = _json_runs(text, start, end, stop)
        return start, runs, next(runs)
    for _ in range(_MAX_RECUTS):
        cut = json_item_cut(text, pos, end)
        if cut is None:  # no item begins in this child's stretch: it reads none
            return end, iter(()), ([], end, end, end)
        runs = _json_runs(text, cut[1], end, stop)
        try:
            return cut[1], runs, next(runs)
        except pipechild.Fail:
            pos = cut[1]
    raise pipechild.Fail


# a run that does not read as values (cut inside an item) is taken on to the next cut, at most
# this many times
_MAX_RECUTS = 16


def _json_runs(text: str, a: int, end: int,
               stop: int) -> Iterator[tuple[list, int, int, int]]:
    """(values, a, b, after): the List's items text[a:end] in runs of about PIECE_BYTES (the
    first FIRST_BYTES), each proven (load.json_items_proven), up to the first place past `stop`
    where two items meet (`after`: where the next item begins); Fail when a run is not."""
    size = pipechild.FIRST_BYTES
    while True:
        target = min(a + size, stop)
        cut = json_item_cut(text, target, end) if target < end else None
        for _ in range(_MAX_RECUTS):
            b, after = cut if cut is not None else (end, end)
            values = json_items_proven(text[a:b])
            if values is not None or cut is None:
                break
            cut = json_item_cut(text, after, end)  # (cut inside an item: on to the next)
        if values is None:
            raise pipechild.Fail  # (the parent reads the rest itself)
        yield values, a, b, after
        if cut is None or target >= stop:
            return
        a, size = after, pipechild.PIECE_BYTES


def _send(out, skip: pipechild.Skip, objects: list) -> None:
    """A frame of objects read from JSON, with their digests as the parent's (restore.py's
    for JSON text); stubs for those the state holds as they were made."""
    digests: list = [None] * len(objects)
    raws: list | None = None
    if skip.salt is not None:
        raws = [codec.encode(obj) for obj in objects]
        for i, raw in enumerate(raws):
            if raw is not None:
                digests[i] = codec.digest(raw, skip.salt)
                if skip.skipped(digests[i]):
                    objects[i] = None  # a stub: the state holds what it made
    pipechild.frame(out, b"D", pipechild.dumps(
        [1] * len(objects), objects, digests, "", skip.prepared(objects, digests, raws)))


def _run_json_whole(text: str, path: str, out, stdin) -> None:
    if pipechild.PART:  # read whole by the first child: the others read nothing
        pipechild.frame(out, b"H", orjson.dumps({"count": 0}))
        pipechild.frame(out, b"E")
        return
    found = json_fast(text)
    if found is None or type(found[0]) is not dict:  # the parent reads it (or says why not)
        raise pipechild.Fail
    docs = list(ordered([Document(item, path, 1, fresh=True)
                         for item in flatten(found[0], path, 1)]))
    del found
    pipechild.frame(out, b"H", orjson.dumps({"count": len(docs)}))
    pipechild.frame(out, b"S")  # handed over in the apply order: none may move
    skip = pipechild.Skip(stdin)
    for start in range(0, len(docs), PIECE_OBJECTS):
        _send(out, skip, [doc.obj for doc in docs[start:start + PIECE_OBJECTS]])
        for doc in docs[start:start + PIECE_OBJECTS]:
            doc.obj = {}  # handed over: its memory can go
    pipechild.frame(out, b"E")


def main() -> int:
    codec.enable()
    pipechild.PREPARE = preparer
    if len(sys.argv) < 6:  # (tests give the piece sizes)
        pipechild.PIECE_BYTES = PIECE_BYTES
    return pipechild.main(run)


if __name__ == "__main__":
    sys.exit(main())
