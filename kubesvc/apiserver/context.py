"""What one command's API calls share: the store (inside its transaction), settings, clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kubesvc.store import Store


@dataclass
class ApiContext:
    store: Store
    now: datetime
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    # (group-kind, namespace) of every object this command changed: the controllers that run
    # afterwards look only where something changed
    changed: set[tuple[str, str]] = field(default_factory=set)

    def touch(self, gk: str, namespace: str) -> None:
        self.changed.add((gk, namespace))

    def changed_kinds(self) -> set[str]:
        return {gk for gk, _ in self.changed}

    def changed_namespaces(self, *gks: str) -> set[str]:
        return {ns for gk, ns in self.changed if gk in gks}

    @property
    def settings(self) -> dict:
        return self.store.settings
