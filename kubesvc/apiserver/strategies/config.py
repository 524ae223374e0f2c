"""Strategies of kinds whose only server-side work is defaulting (Secret, HPA): the generic
strategy plus `api/defaults`, so stored objects look as a real API server stores them (a
Secret's `stringData` is folded into `data` and not kept)."""

from __future__ import annotations

from collections.abc import Callable


class Defaulted:
    def __init__(self, default: Callable[[dict], dict]) -> None:
        self.default = default

    def _apply(self, obj: dict) -> None:
        defaulted = self.default(obj)
        obj.clear()
        obj.update(defaulted)

    def create(self, ctx, obj: dict, keep_status: bool) -> None:
        self._apply(obj)

    def update(self, ctx, new: dict, old: dict, keep_status: bool) -> None:
        self._apply(new)
        if not keep_status and "status" in old:
            new["status"] = old["status"]

    def delete(self, ctx, obj: dict) -> None:
        pass
