"""How controllers write: through the same registry as users (metadata, indexes, change
tracking), and only when the object really differs.

Controller writes skip admission (`admit=False`): the controllers build these objects from
typed templates, never from user input, so decoding and strict-field checks could not refuse
them, and a schema pass over every pod, ReplicaSet and EndpointSlice a bulk apply produces
would cost more than the rest of the write. The kind's strategy still runs (defaults,
allocation, metadata checks).

Objects the command restored from a snapshot (`kubesvc import`, `ctx.restored`) are left as
the snapshot states them: no controller rewrites or deletes them in that command (later
commands find a cluster that lives on, as a restored cluster does).

Bulk writes (`queue_owned` ... `flush`): the endpoint controllers and the event recorder write
thousands of objects a command. They take the same steps as `registry.create`/`update` with
`admit=False` (system metadata, the kind's strategy: defaults and validation, the metadata
check, the change log) but without an SQL round trip per object: the objects wait in a queue
on the ApiContext and go to the store together (`store/bulk.py`: one resourceVersion range,
`executemany`), in the order they were queued, so they get the same resourceVersions and uids
as one-by-one writes. Every other write of the controllers (`apply_owned`, `remove`) flushes
the queue first, so the store sees writes in the order they were made; a queue is flushed
inside the savepoint it was filled in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from kubesvc.api.clock import rfc3339
from kubesvc.api.objects import clone
from kubesvc.api.resources import for_gk
from kubesvc.apiserver import meta as sysmeta
from kubesvc.apiserver import registry
from kubesvc.apiserver.context import ApiContext, Change
from kubesvc.controllers.endpoints.built import Built
from kubesvc.controllers.trusted import metadata_ok, strategy_is_noop_and_valid
from kubesvc.store import codec
from kubesvc.store.bulk import (
    has_summary,
    object_row,
    put_rows,
    reserve_resource_versions,
    text_row,
)

_QUEUE = "_bulk_writes"


def apply_owned(ctx: ApiContext, gk: str, desired: dict, current: dict | None) -> dict:
    """Create `desired`, or update `current` to it; nothing when they already agree."""

    res = for_gk(gk)
    if current is not None and ctx.is_restored(gk, current):
        return current
    flush(ctx)
    if current is None:
        return registry.create(ctx, res, clone(desired), keep_status=True, known_absent=True,
                               admit=False)
    if _same(desired, current):
        return current
    new = clone(desired)
    return registry.update(ctx, res, new, current, keep_status=True, admit=False)


def remove(ctx: ApiContext, gk: str, obj: dict) -> None:
    if ctx.is_restored(gk, obj):
        return
    flush(ctx)
    meta = obj["metadata"]
    registry.delete(ctx, for_gk(gk), meta.get("namespace", ""), meta["name"])


_SYSTEM = ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields")


def _same(desired: dict, current: dict) -> bool:
    """Equal apart from the system fields the store sets."""
    def strip(obj: dict) -> dict:
        out = dict(obj)
        out["metadata"] = {k: v for k, v in obj.get("metadata", {}).items() if k not in _SYSTEM}
        return out

    return strip(desired) == strip(current)


# -- bulk writes --------------------------------------------------------------------------------

@contextmanager
def bulk_writes(ctx: ApiContext) -> Iterator[None]:
    """A stretch of queued writes: flushed at its end; forgotten if it fails (the caller's
    savepoint undoes the rest), so no stale object is written by a later flush."""
    try:
        yield
    except BaseException:
        setattr(ctx, _QUEUE, None)
        raise
    flush(ctx)


def queue_owned(ctx: ApiContext, gk: str, desired: dict, current: dict | None) -> None:
    """`apply_owned` for many objects: create or update later, at the next `flush`. `desired`
    is the caller's to give away (freshly built, no one else holds it): it is stored as is."""
    if current is not None and (ctx.is_restored(gk, current) or _same(desired, current)):
        return
    queue_write(ctx, gk, desired, current)


def queue_write(ctx: ApiContext, gk: str, obj: dict, current: dict | None,
                plain: bool = False, proven: bool = False) -> None:
    """Create `obj` (`current` None: its name is known to be free) or update `current` to it,
    at the next `flush`: registry.create/update with `keep_status=True, admit=False`.
    `plain`: the caller built `obj` from strings, integers, booleans and None only (no float,
    no NaN), so orjson's text of it is json.dumps' own. `proven`: the caller checked what
    `strategy_is_noop_and_valid` checks (trusted.py's proofs), and it holds."""
    meta = obj["metadata"]
    queue = _queue(ctx)
    queue.append((gk, obj, current, plain, proven))
    queue.keys.add((gk, meta.get("namespace", ""), meta["name"]))
    ctx.record(gk, meta.get("namespace", ""), meta["name"], current, obj)


def is_queued(ctx: ApiContext, gk: str, namespace: str, name: str) -> bool:
    """Whether a write of this object waits for the next `flush` (the store does not have
    it yet: read it after a flush)."""
    queue: _Queue | None = getattr(ctx, _QUEUE, None)
    return queue is not None and (gk, namespace, name) in queue.keys


class _Queue(list):
    """Queued (gk, object, current) writes, and the keys they write."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: set[tuple[str, str, str]] = set()


def _queue(ctx: ApiContext) -> _Queue:
    queue = getattr(ctx, _QUEUE, None)
    if queue is None:
        queue = _Queue()
        setattr(ctx, _QUEUE, queue)
    return queue


def queue_built(ctx: ApiContext, gk: str, built: Built, owners: list | None = None) -> None:
    """Create an object at the next flush from its text (`Built`), as `queue_write` with
    `current=None, plain=True, proven=True` would create the object the text is of: the
    caller has checked what `strategy_is_noop_and_valid` and `metadata_ok` check (the text
    is json.dumps' own text of an object they pass unchanged, system fields aside).
    `owners`: its ownerReferences (for the change log). Not for kinds whose create sets a
    generation, nor for pods (their facts are kept from the object)."""
    queue = _queue(ctx)
    queue.append((gk, built, None, True, True))
    queue.keys.add((gk, built.namespace, built.name))
    # ctx.record(gk, namespace, name, None, {"metadata": {...}}), its routing metadata made here
    ctx.changes.append(Change(gk, built.namespace, built.name, None,
                              {"labels": built.labels, "ownerReferences": owners}))


def queue_built_many(ctx: ApiContext, namespace: str, objects: list[tuple]) -> None:
    """`queue_built(ctx, gk, Built(namespace, name, head, tail, labels), owners)` for each
    (gk, name, head, tail, labels, owners) of `objects`, in order."""
    queue = _queue(ctx)
    append, keys, changes = queue.append, queue.keys, ctx.changes
    for gk, name, head, tail, labels, owners in objects:
        append((gk, Built(namespace, name, head, tail, labels), None, True, True))
        keys.add((gk, namespace, name))
        changes.append(Change(gk, namespace, name, None,
                              {"labels": labels, "ownerReferences": owners}))


def flush(ctx: ApiContext) -> None:
    """Write the queued objects: registry.create/update's steps for `admit=False` writes with
    `keep_status=True`, then one bulk store write."""
    queue = getattr(ctx, _QUEUE, None)
    if not queue:
        return
    setattr(ctx, _QUEUE, None)
    store = ctx.store
    rv = reserve_resource_versions(store, len(queue))
    rows: list[tuple] = []
    pods: list[dict] = []
    kinds: dict[str, tuple] = {}
    created = rfc3339(ctx.now)
    dumps = _plain_dumps()
    summarized: dict[str, bool] = {}  # has_summary, by kind
    for gk, obj, old, plain, proven in queue:
        if type(obj) is Built:
            ns, name = obj.namespace, obj.name
            uid = _uuid5(f"{gk}/{ns}/{name}/{rv}")
            body = (f'{obj.head},"creationTimestamp":"{created}","resourceVersion":"{rv}",'
                    f'"uid":"{uid}"{obj.tail}')
            summary = summarized.get(gk)
            if summary is None:
                summarized[gk] = summary = has_summary(store, gk)
            rows.append(text_row(store, gk, ns, name, body, obj.labels) if summary
                        else (gk, ns, name, body, None, obj.labels, None))  # (text_row's)
            rv += 1
            continue
        kind = kinds.get(gk)
        if kind is None:
            res = for_gk(gk)
            kinds[gk] = kind = (res, res.namespaced, registry.name_check(res),
                                gk not in registry.STRATEGIES)
        res, namespaced, name_check, generic = kind
        # the strategy and the metadata check run in full only where no cheap proof says
        # they would pass unchanged (trusted.py): the same outcome, the same errors
        trusted = proven or generic or strategy_is_noop_and_valid(gk, obj, old)
        if old is None:
            _fill_on_create(gk, obj, str(rv), created)
            if not trusted:
                registry.strategy(gk).create(ctx, obj, True)
            if not metadata_ok(obj, namespaced, name_check):
                registry.check_metadata(res, obj)
        else:
            if not trusted:
                registry.strategy(gk).update(ctx, obj, old, True)
            if not metadata_ok(obj, namespaced, name_check):
                registry.check_metadata(res, obj)
            sysmeta.fill_on_update(ctx, gk, obj, old, rv=str(rv))
        text = dumps(obj) if plain and dumps is not None else None
        rows.append(object_row(store, gk, obj, None if old is None else
                               old["metadata"].get("labels") or {}, text))
        if gk == "Pod":
            pods.append(obj)
        rv += 1
    put_rows(store, rows, pods)


def _fill_on_create(gk: str, obj: dict, rv: str, created: str) -> None:
    """`sysmeta.fill_on_create(ctx, gk, obj, rv=rv)` with the creation time formatted once
    for the whole queue and the uid hashed without building a UUID object."""
    meta = obj.setdefault("metadata", {})
    for system in sysmeta.SYSTEM_FIELDS:
        if system in meta:
            del meta[system]
    meta["creationTimestamp"] = created
    meta["resourceVersion"] = rv
    meta["uid"] = _uuid5(f"{gk}/{meta.get('namespace', '')}/{meta['name']}/{rv}")
    if gk in sysmeta._SPEC_GENERATION:
        meta["generation"] = 1


# the apiserver's uid namespace and the kinds whose generation starts at 1 (apiserver/meta.py;
# tests/controllers/test_bulk_writes.py checks this fill against fill_on_create)
_UID_NAMESPACE = sysmeta._UID_NAMESPACE.bytes


_SHA1_NAMESPACE = hashlib.sha1(_UID_NAMESPACE)
# the variant's hex digit for each first hex digit of byte 8 (its two top bits set to 10)
_VARIANT = {f"{n:x}": f"{(n & 0x3) | 0x8:x}" for n in range(16)}


def _uuid5(name: str) -> str:
    """`str(uuid.uuid5(UID_NAMESPACE, name))`: SHA-1, version 5, RFC 4122 variant."""
    sha = _SHA1_NAMESPACE.copy()
    sha.update(name.encode())
    h = sha.hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


def _plain_dumps():
    """A serializer for `plain` objects, orjson's when a bulk command turned it on (None:
    put_objects serializes them as any other)."""
    if not codec.enable():
        return None
    import orjson  # noqa: PLC0415 - lazy (start-up): codec.enable() has just loaded it

    def dumps(obj: dict) -> str | None:
        try:
            return orjson.dumps(obj).decode()
        except TypeError:  # a lone surrogate, an integer past 64 bits: json.dumps' way
            return None

    return dumps
