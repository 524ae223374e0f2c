"""The one event recorder the controllers call: core/v1 Events as client-go records them.

Two recorders exist upstream and both are modelled, because their objects differ:
- the legacy one (client-go tools/record), used by the kubelet and the controller-manager:
  `source` {component, host}, `firstTimestamp`/`lastTimestamp`, `count`, `eventTime: null`,
  `reportingComponent`/`reportingInstance` copied from the source. Its correlator's
  EventLogger turns an identical event (same source, object, type, reason, message) into
  `count`+1 with a new `lastTimestamp` on the first event, not a new object; its
  EventAggregator folds similar events (same source, object, type and reason) past ten
  distinct messages into one `(combined from similar events): ...` event;
- the events.k8s.io/v1 one (client-go tools/events), used by kube-scheduler: `eventTime`,
  `action`, `reportingComponent`/`reportingInstance`, `source: {}`, null first/last
  timestamps; an isomorphic event (same object, action, reason, reporter, type; the note
  may differ) within six minutes becomes a `series` {count, lastObservedTime}.

Upstream the correlator's cache lives in a long-running process; kubesvc keeps it in the
store, so the same event seen in a later command still aggregates: the `allocations` table
holds a digest of each event's correlation key owned by the Event (deleting the Event, by
TTL or by hand, frees the key with it).

Names are `<involvedObject.name>.<UnixNano in hex>` as both recorders make them; kubesvc
adds a per-store sequence to the nanoseconds so names are unique and the same inputs give
the same names under KUBESVC_NOW.

Bounded: the API server stores events with a one-hour TTL (`--event-ttl`), applied here on
every command that runs the controllers; and the correlator's spam filter (a token bucket
of burst 25 per source and object) caps what one command records about one object.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from kubesvc.api.clock import parse_time, rfc3339
from kubesvc.api.resources import for_gk
from kubesvc.apiserver import registry
from kubesvc.controllers import writer
from kubesvc.store.db import object_key

EVENT_TTL = timedelta(hours=1)  # kube-apiserver --event-ttl default
SPAM_BURST = 25  # client-go record.EventSourceObjectSpamFilter defaultSpamBurst
SERIES_WINDOW = timedelta(minutes=6)  # tools/events: isomorphic events within it form a series
# EventAggregator: past 10 distinct messages of similar events (same source, object, type,
# reason) they are folded into one event whose message says so
MAX_SIMILAR = 10
COMBINED = "(combined from similar events): "
_COMBINED = "_combined"  # marks a pending aggregate (its key leaves the message out)
KEY_POOL = "event-key"
_OLDEST = "events/oldest"  # the oldest write time among stored events (skips needless GC)
_SEQ = "events/seq"
_RV = "events/rv"
_ATTR = "_event_recorder"


@dataclass
class Recorder:
    """Events recorded during one controllers' pass, written when the pass ends."""

    pending: list[dict] = field(default_factory=list)
    spam: dict[tuple, int] = field(default_factory=dict)
    similar: dict[tuple, set[str]] = field(default_factory=dict)
    seen: set[tuple] = field(default_factory=set)

    def once(self, *key) -> bool:
        """True the first time `key` is asked in this command (a controller looking at the
        same object twice in one pass records once, as one sync would)."""
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def recorder(ctx) -> Recorder:
    """The recorder of this command, kept on its ApiContext so every controller shares it
    without threading it through each sync function."""
    rec = getattr(ctx, _ATTR, None)
    if rec is None:
        rec = Recorder()
        setattr(ctx, _ATTR, rec)
    return rec


def object_ref(obj: dict, field_path: str = "") -> dict:
    """reference.GetReference: what `involvedObject` says about the object."""
    m = obj.get("metadata") or {}
    ref = {"apiVersion": obj.get("apiVersion", "v1"), "kind": obj.get("kind", ""),
           "name": m.get("name", ""), "namespace": m.get("namespace", ""),
           "resourceVersion": m.get("resourceVersion", ""), "uid": m.get("uid", "")}
    if field_path:
        ref["fieldPath"] = field_path
    return {k: v for k, v in ref.items() if v}


def record(ctx, ref: dict, etype: str, reason: str, message: str, component: str,
           host: str = "") -> None:
    """An event from the legacy recorder (kubelet, controller-manager, MetalLB)."""
    rec = recorder(ctx)
    spam_key = (component, host, ref.get("kind"), ref.get("namespace"), ref.get("name"),
                ref.get("uid"))
    if rec.spam.get(spam_key, 0) >= SPAM_BURST:
        return
    rec.spam[spam_key] = rec.spam.get(spam_key, 0) + 1
    messages = rec.similar.setdefault((*spam_key, etype, reason), set())
    combined = message not in messages and len(messages) >= MAX_SIMILAR
    if not combined:
        messages.add(message)
    source = {"component": component, **({"host": host} if host else {})}
    rec.pending.append({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "", "namespace": ref.get("namespace") or "default"},
        "involvedObject": ref, "reason": reason,
        "message": f"{COMBINED}{message}" if combined else message, "source": source,
        "firstTimestamp": None, "lastTimestamp": None, "count": 1, "type": etype,
        "eventTime": None, "reportingComponent": component, "reportingInstance": host,
        **({_COMBINED: True} if combined else {})})


def record_v1(ctx, ref: dict, etype: str, reason: str, action: str, note: str,
              controller: str, instance: str) -> None:
    """An event from the events.k8s.io/v1 recorder (kube-scheduler)."""
    recorder(ctx).pending.append({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "", "namespace": ref.get("namespace") or "default"},
        "involvedObject": ref, "reason": reason, "message": note, "source": {},
        "firstTimestamp": None, "lastTimestamp": None, "type": etype, "eventTime": None,
        "action": action, "reportingComponent": controller, "reportingInstance": instance})


# -- writing ----------------------------------------------------------------------------------

def flush(ctx) -> None:
    """Expire old events, then write (or aggregate) what this pass recorded."""
    rec = recorder(ctx)
    collect_expired(ctx)
    if not rec.pending:
        return
    pending, rec.pending = rec.pending, []
    seq = int(ctx.store.get_meta(_SEQ) or 0)
    oldest = ctx.store.get_meta(_OLDEST)
    live: dict[str, bool] = {}
    writer.flush(ctx)  # what the controllers queued takes the main resourceVersions
    with _own_revisions(ctx.store), writer.bulk_writes(ctx):  # events go in bulk
        for ev in pending:
            ns = ev["metadata"]["namespace"]
            if ns not in live:
                live[ns] = ctx.store.get("Namespace", "", ns) is not None
            if not live[ns]:
                continue  # the namespace went away in this command (its pods' Killing)
            digest = _key_digest(ev)
            if not _aggregate(ctx, ev, digest):
                _create(ctx, ev, seq, digest)
                seq += 1
    ctx.store.set_meta(_SEQ, str(seq))
    now = rfc3339(ctx.now)
    if oldest is None or now < oldest:
        ctx.store.set_meta(_OLDEST, now)


@contextmanager
def _own_revisions(store) -> Iterator[None]:
    """Events get resourceVersions from a sequence of their own, as when the API server keeps
    them in an etcd of their own (`--etcd-servers-overrides=/events#...`): recording an event
    never shifts the resourceVersions, and so the uids and generated names, of the objects
    written after it."""
    main = store.get_meta("rv")
    store.set_meta("rv", store.get_meta(_RV) or "0")
    try:
        yield
    finally:
        store.set_meta(_RV, store.get_meta("rv"))
        store.set_meta("rv", main)


@lru_cache(maxsize=4)
def _micro(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@lru_cache(maxsize=4)
def _stamp(moment: datetime) -> str:
    """rfc3339, once per command rather than once per event."""
    return rfc3339(moment)


def _key_digest(ev: dict) -> int:
    """The correlation key: the EventLogger's for legacy events (message included), the
    series key for v1 ones (note excluded), as a 63-bit index value."""
    ref = ev["involvedObject"]
    parts = [ref.get("kind"), ref.get("namespace"), ref.get("name"), ref.get("uid"),
             ref.get("apiVersion"), ref.get("fieldPath"), ev["type"], ev["reason"],
             ev["reportingComponent"], ev["reportingInstance"]]
    parts += [ev.get("action")] if "action" in ev else [
        "" if ev.get(_COMBINED) else ev["message"]]
    digest = hashlib.blake2b("\x00".join(str(p or "") for p in parts).encode(),
                             digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def _aggregate(ctx, ev: dict, digest: int) -> bool:
    """Fold `ev` into the stored event it repeats; False when there is none to fold into."""
    holder = ctx.store.holder(KEY_POOL, digest)
    if holder is None:
        return False
    ns, _, name = holder.removeprefix("Event/").partition("/")
    if writer.is_queued(ctx, "Event", ns, name):  # this pass wrote it: flush first (rare)
        writer.flush(ctx)
    current = ctx.store.get("Event", ns, name)
    if current is None:
        return False
    new = dict(current)
    if "action" in ev:
        last = (current.get("series") or {}).get("lastObservedTime") or current.get("eventTime")
        if not last or ctx.now - parse_time(last) > SERIES_WINDOW:
            return False
        count = (current.get("series") or {}).get("count", 1) + 1
        new["series"] = {"count": count, "lastObservedTime": _micro(ctx.now)}
    else:
        new["count"] = current.get("count", 1) + 1
        new["lastTimestamp"] = _stamp(ctx.now)
        new["message"] = ev["message"]  # an aggregate shows the latest message
    writer.queue_write(ctx, "Event", new, current)
    return True


def _create(ctx, ev: dict, seq: int, digest: int) -> None:
    ev.pop(_COMBINED, None)
    nanos = int(ctx.now.timestamp()) * 1_000_000_000 + seq
    ev["metadata"]["name"] = f"{ev['involvedObject'].get('name', '')}.{nanos:x}"
    if "action" in ev:
        ev["eventTime"] = _micro(ctx.now)
    else:
        ev["firstTimestamp"] = ev["lastTimestamp"] = _stamp(ctx.now)
    ns, name = ev["metadata"]["namespace"], ev["metadata"]["name"]
    # known_absent: the per-store sequence makes the name new (a hand-made event would
    # have to guess it)
    writer.queue_write(ctx, "Event", ev, None)
    owner = object_key("Event", ns, name)
    if not ctx.store.allocate(KEY_POOL, digest, owner):  # a series that ended: the new one
        ctx.store.release(ctx.store.holder(KEY_POOL, digest) or "", KEY_POOL, digest)
        ctx.store.allocate(KEY_POOL, digest, owner)


# -- TTL ----------------------------------------------------------------------------------------

def last_write(ev: dict) -> str:
    """When the API server last wrote the event (its TTL lease starts there)."""
    times = [ev.get("lastTimestamp"), ev.get("eventTime"),
             (ev.get("series") or {}).get("lastObservedTime"),
             (ev.get("metadata") or {}).get("creationTimestamp")]
    return max((t for t in times if t), default="")


def collect_expired(ctx) -> None:
    """Delete events whose TTL ran out. Listing events is skipped while the oldest one
    stored is younger than the TTL."""
    oldest = ctx.store.get_meta(_OLDEST)
    if oldest is not None and ctx.now - parse_time(oldest) <= EVENT_TTL:
        return
    new_oldest = None
    for ev in ctx.store.list("Event"):
        written = last_write(ev)
        if written and ctx.now - parse_time(written) > EVENT_TTL:
            registry.delete(ctx, for_gk("Event"), ev["metadata"]["namespace"],
                            ev["metadata"]["name"])
        elif written:
            at = rfc3339(parse_time(written))
            new_oldest = at if new_oldest is None or at < new_oldest else new_oldest
    ctx.store.set_meta(_OLDEST, new_oldest or rfc3339(ctx.now))
