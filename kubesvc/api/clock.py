"""The one clock kubesvc reads. `KUBESVC_NOW` (RFC 3339) pins it, so tests and golden files
never drift; otherwise it is the real UTC time."""

from __future__ import annotations

import os
from datetime import UTC, datetime


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def now() -> datetime:
    pinned = os.environ.get("KUBESVC_NOW")
    if pinned:
        return parse_time(pinned)
    return datetime.now(UTC).replace(microsecond=0)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
