"""The one clock kubesvc reads. `KUBESVC_NOW` (RFC 3339) pins it, so tests and golden files
never drift; otherwise it is the real UTC time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def now(environ: Mapping[str, str] | None = None) -> datetime:
    """Now in UTC, to the second; `environ` (default: the process's) may pin it."""
    pinned = (os.environ if environ is None else environ).get("KUBESVC_NOW")
    if pinned:
        return parse_time(pinned)
    return datetime.now(UTC).replace(microsecond=0)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
