"""How controllers write: through the same registry as users (metadata, indexes, change
tracking), and only when the object really differs.

Controller writes skip admission (`admit=False`): the controllers build these objects from
typed templates, never from user input, so decoding and strict-field checks could not refuse
them, and a schema pass over every pod, ReplicaSet and EndpointSlice a bulk apply produces
would cost more than the rest of the write. The kind's strategy still runs (defaults,
allocation, metadata checks).

Objects the command restored from a snapshot (`kubesvc import`, `ctx.restored`) are left as
the snapshot states them: no controller rewrites or deletes them in that command (later
commands find a cluster that lives on, as a restored cluster does)."""

from __future__ import annotations

from kubesvc.api.objects import clone
from kubesvc.api.resources import for_gk
from kubesvc.apiserver import registry
from kubesvc.apiserver.context import ApiContext


def apply_owned(ctx: ApiContext, gk: str, desired: dict, current: dict | None) -> dict:
    """Create `desired`, or update `current` to it; nothing when they already agree."""

    res = for_gk(gk)
    if current is not None and ctx.is_restored(gk, current):
        return current
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
