"""kubectl apply's three-way merge, reduced to what it decides for kubesvc.

`original` is the last-applied configuration, `desired` the new manifest, `live` the stored
object. Fields the manifest sets win; fields the last manifest set and this one dropped are
removed; everything else the server filled in (cluster IPs, node ports, defaults, status)
stays. Lists are atomic unless the manifest's list is already contained in the live one, which
keeps server-filled fields of list items (ports' nodePort, containers' defaults).
"""

from __future__ import annotations

from kubesvc.api.objects import clone


def contained(desired, live) -> bool:
    """Every field the manifest sets already has that value in the live object."""
    if isinstance(desired, dict):
        return isinstance(live, dict) and all(
            k in live and contained(v, live[k]) for k, v in desired.items())
    if isinstance(desired, list):
        return isinstance(live, list) and len(desired) == len(live) and all(
            contained(d, x) for d, x in zip(desired, live, strict=True))
    return desired == live


def removed_fields(original: dict | None, desired: dict, prefix=()) -> list[tuple]:
    """Paths (as tuples) set by the last applied manifest that this one no longer sets."""
    out: list[tuple] = []
    for key, value in (original or {}).items():
        if key not in desired:
            out.append(prefix + (key,))
        elif isinstance(value, dict) and isinstance(desired[key], dict):
            out.extend(removed_fields(value, desired[key], prefix + (key,)))
    return out


def merge(original: dict | None, desired: dict, live: dict) -> dict:
    merged = clone(live)
    _overlay(merged, desired)
    for path in removed_fields(original, desired):
        _remove(merged, path)
    return merged


def _overlay(target: dict, desired: dict) -> None:
    for key, value in desired.items():
        current = target.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            _overlay(current, value)
        elif isinstance(value, list) and contained(value, current):
            continue
        else:
            target[key] = clone(value)


def _remove(target: dict, path: tuple) -> None:
    for key in path[:-1]:
        target = target.get(key)
        if not isinstance(target, dict):
            return
    target.pop(path[-1], None)
