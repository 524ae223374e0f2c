"""AGE formatting: apimachinery HumanDuration and the printers' translateTimestampSince.

The tables restate upstream `duration_test.go` (TestHumanDuration, TestHumanDurationBoundaries)
and `printers_test.go` (TestTranslateTimestampSince) with a fixed clock.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from kubesvc.printers.duration import (
    LOCAL,
    ZERO_RFC1123Z,
    human_duration,
    parse_time,
    rfc1123z,
    translate_timestamp_since,
)

SEC, MIN, HOUR, DAY, MS = (timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1),
                           timedelta(days=1), timedelta(milliseconds=1))
YEAR = 365 * DAY
NOW = datetime(2026, 1, 1, tzinfo=UTC)

HUMAN = [
    # plain values
    (SEC, "1s"), (70 * SEC, "70s"), (190 * SEC, "3m10s"), (70 * MIN, "70m"), (47 * HOUR, "47h"),
    (49 * HOUR, "2d1h"), ((8 * 24 + 2) * HOUR, "8d"), (367 * DAY, "367d"),
    ((365 * 2 * 24 + 25) * HOUR, "2y1d"), ((365 * 8 * 24 + 2) * HOUR, "8y"),
    # every boundary between two formats
    (-2 * SEC, "<invalid>"), (-2 * SEC + timedelta(microseconds=1), "0s"), (timedelta(0), "0s"),
    (SEC - MS, "0s"), (2 * MIN - MS, "119s"), (2 * MIN, "2m"), (2 * MIN + SEC, "2m1s"),
    (10 * MIN - MS, "9m59s"), (10 * MIN, "10m"), (10 * MIN + SEC, "10m"), (3 * HOUR - MS, "179m"),
    (3 * HOUR, "3h"), (3 * HOUR + MIN, "3h1m"), (8 * HOUR - MS, "7h59m"), (8 * HOUR, "8h"),
    (8 * HOUR + 59 * MIN, "8h"), (2 * DAY - MS, "47h"), (2 * DAY, "2d"), (2 * DAY + HOUR, "2d1h"),
    (8 * DAY - MS, "7d23h"), (8 * DAY, "8d"), (8 * DAY + 23 * HOUR, "8d"), (2 * YEAR - MS, "729d"),
    (2 * YEAR, "2y"), (2 * YEAR + 23 * HOUR, "2y"), (2 * YEAR + 23 * HOUR + 59 * MIN, "2y"),
    (2 * YEAR + DAY - MS, "2y"), (2 * YEAR + DAY, "2y1d"), (3 * YEAR, "3y"), (4 * YEAR, "4y"),
    (5 * YEAR, "5y"), (6 * YEAR, "6y"), (7 * YEAR, "7y"), (8 * YEAR - MS, "7y364d"),
    (8 * YEAR, "8y"), (8 * YEAR + 364 * DAY, "8y"), (9 * YEAR, "9y"),
]


@pytest.mark.parametrize(("delta", "want"), HUMAN, ids=[w + "-" + str(d) for d, w in HUMAN])
def test_human_duration(delta, want):
    assert human_duration(delta) == want


@pytest.mark.parametrize(("seconds", "want"), [(0, "0s"), (5, "5s"), (119, "119s"), (120, "2m"),
                                               (-1, "0s"), (-2, "<invalid>"), (1.9, "1s"),
                                               (-1.9, "0s"), (-2.1, "<invalid>")])
def test_human_duration_accepts_seconds(seconds, want):
    assert human_duration(seconds) == want


def _ago(delta: timedelta) -> str:
    return (NOW - delta).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.mark.parametrize(("ts", "want"), [
    (_ago(-timedelta(seconds=2.1)), "<invalid>"),   # a while from now
    (_ago(-timedelta(seconds=1.9)), "0s"),          # almost now
    (_ago(timedelta(0)), "0s"),
    (None, "<unknown>"),
    ("", "<unknown>"),
    (_ago(30 * SEC), "30s"),
    (_ago(5 * MIN), "5m"),
    (_ago(100 * MIN), "100m"),                      # "an hour ago" in upstream's words
    (_ago(2 * DAY), "2d"),
    (_ago(90 * DAY), "90d"),
    (_ago(10 * YEAR), "10y"),
    ("2025-12-31T23:59:00Z", "60s"),
    ("2025-12-31T23:00:00+01:00", "120m"),  # an explicit offset is honoured
])
def test_translate_timestamp_since(ts, want):
    assert translate_timestamp_since(ts, NOW) == want


def test_parse_time_forms():
    assert parse_time("2025-01-02T03:04:05Z") == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_time("2025-01-02T03:04:05.123456Z").microsecond == 123456
    assert parse_time("not a time") is None
    assert parse_time(None) is None


def test_rfc1123z_like_go():
    assert rfc1123z("2006-01-02T22:04:05Z") == "Mon, 02 Jan 2006 22:04:05 +0000"
    minus_seven = timezone(timedelta(hours=-7))
    assert rfc1123z("2006-01-02T22:04:05Z", minus_seven) == "Mon, 02 Jan 2006 15:04:05 -0700"
    assert rfc1123z(None) == ZERO_RFC1123Z == "Mon, 01 Jan 0001 00:00:00 +0000"


@pytest.fixture
def new_york(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_local_zone_uses_the_offset_of_each_instant_like_go_time_local(new_york):
    # kubectl describe prints in the local zone, with summer and winter offsets
    assert rfc1123z("2024-07-01T12:00:00Z", LOCAL) == "Mon, 01 Jul 2024 08:00:00 -0400"
    assert rfc1123z("2024-01-15T06:30:00Z", LOCAL) == "Mon, 15 Jan 2024 01:30:00 -0500"
    now = datetime(2024, 3, 10, 12, 0, tzinfo=UTC).astimezone(LOCAL)
    assert now.hour == 8 and now - datetime(2024, 3, 10, 12, 0, tzinfo=UTC) == timedelta(0)
