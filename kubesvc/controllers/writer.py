"""How controllers write: through the same registry as users (metadata, indexes, change
tracking), and only when the object really differs."""

from __future__ import annotations

from kubesvc.api.objects import clone
from kubesvc.api.resources import for_gk


def apply_owned(ctx, gk: str, desired: dict, current: dict | None) -> dict:
    """Create `desired`, or update `current` to it; nothing when they already agree."""
    from kubesvc.apiserver import registry

    res = for_gk(gk)
    if current is None:
        return registry.create(ctx, res, clone(desired), keep_status=True, known_absent=True)
    if _same(desired, current):
        return current
    new = clone(desired)
    return registry.update(ctx, res, new, current, keep_status=True)


def remove(ctx, gk: str, obj: dict) -> None:
    from kubesvc.apiserver import registry

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
