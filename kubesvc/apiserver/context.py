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

    @property
    def settings(self) -> dict:
        return self.store.settings
