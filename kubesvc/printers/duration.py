"""Ages and timestamps the way kubectl prints them.

- `human_duration` follows apimachinery `pkg/util/duration.HumanDuration`.
- `translate_timestamp_since` follows the printers' `translateTimestampSince`
  (`<unknown>` for a missing timestamp).
- `rfc1123z` follows Go's `time.RFC1123Z` layout used by `kubectl describe`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, tzinfo

_NS = 1_000_000_000
_MIN = 60 * _NS
_HOUR = 60 * _MIN

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Go's zero time.Time rendered with RFC1123Z (what describe prints for an unset timestamp).
ZERO_RFC1123Z = "Mon, 01 Jan 0001 00:00:00 +0000"


class LocalZone(tzinfo):
    """The machine's local zone with its real offset at each instant (Go's time.Local)."""

    def fromutc(self, dt: datetime) -> datetime:
        seconds = dt.replace(tzinfo=UTC).timestamp()
        return dt + timedelta(seconds=time.localtime(seconds).tm_gmtoff)

    def utcoffset(self, dt: datetime | None) -> timedelta:
        if dt is None:
            return timedelta(seconds=time.localtime().tm_gmtoff)
        seconds = time.mktime((*dt.timetuple()[:8], -1))
        return timedelta(seconds=time.localtime(seconds).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str:
        return time.strftime("%Z")


LOCAL = LocalZone()


def _to_ns(value: timedelta | int | float) -> int:
    if isinstance(value, timedelta):
        micros = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
        return micros * 1000
    if isinstance(value, int):
        return value * _NS
    return int(value * _NS)  # truncates toward zero like Go's Duration conversion


def _trunc_div(a: int, b: int) -> int:
    """Integer division truncating toward zero (Go semantics)."""
    q = abs(a) // b
    return q if a >= 0 else -q


def human_duration(value: timedelta | int | float) -> str:
    """HumanDuration: `5s`, `3m10s`, `70m`, `3h1m`, `2d1h`, `90d`, `2y1d`, `10y`."""
    d = _to_ns(value)
    seconds = _trunc_div(d, _NS)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = d // _MIN
    if minutes < 10:
        s = (d // _NS) % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = d // _HOUR
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if dy == 0 else f"{years}y{dy}d"
    return f"{hours // 24 // 365}y"


def parse_time(ts: str | None) -> datetime | None:
    """An RFC 3339 timestamp as stored by the API server; None when missing or invalid."""
    if not ts or not isinstance(ts, str):
        return None
    text = ts.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def translate_timestamp_since(ts: str | None, now: datetime) -> str:
    """The AGE cell: HumanDuration(now - ts), or `<unknown>` when there is no timestamp."""
    parsed = parse_time(ts)
    if parsed is None:
        return "<unknown>"
    return human_duration(now - parsed)


def rfc1123z(ts: str | None, tz: tzinfo | None = None) -> str:
    """Go's `Mon, 02 Jan 2006 15:04:05 -0700`, shown in `tz` (kubectl shows local time)."""
    parsed = parse_time(ts)
    if parsed is None:
        return ZERO_RFC1123Z
    if tz is not None:
        parsed = parsed.astimezone(tz)
    off = parsed.utcoffset() or timedelta(0)
    total = int(off.total_seconds()) // 60
    sign = "-" if total < 0 else "+"
    total = abs(total)
    month = _MONTHS[parsed.month - 1]
    day = f"{_DAYS[parsed.weekday()]}, {parsed.day:02d} {month} {parsed.year:04d}"
    clock = f"{parsed.hour:02d}:{parsed.minute:02d}:{parsed.second:02d}"
    return f"{day} {clock} {sign}{total // 60:02d}{total % 60:02d}"
