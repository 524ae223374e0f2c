"""Figures the reliability tests measure (kills landed, objects checked, inputs tried...).

Tests call `record` (one measurement) or `count` (a running total, e.g. generated inputs);
the session's terminal summary prints them (tests/conftest.py: pytest_terminal_summary), so no
test exists only to print numbers. With KUBESVC_FIGURES=FILE they are also appended to FILE
(JSON lines), which is where docs/reliability.md takes its numbers from."""

from __future__ import annotations

import json
import os

STRESS = os.environ.get("KUBESVC_STRESS") == "1"

_RECORDED: dict[str, dict] = {}  # insertion-ordered: the summary lists them as they came


def record(test: str, **figures) -> None:
    """One test's measurement (a later record of the same name replaces it)."""
    _RECORDED[test] = {"test": test, "stress": STRESS, **figures}


def count(test: str, **increments: int) -> None:
    """Add to a running total, e.g. the inputs a property test generated."""
    entry = _RECORDED.setdefault(test, {"test": test, "stress": STRESS})
    for key, value in increments.items():
        entry[key] = entry.get(key, 0) + value


def lines() -> list[str]:
    return [json.dumps(entry) for entry in _RECORDED.values()]


def terminal_summary(terminalreporter) -> None:
    if not _RECORDED:
        return
    terminalreporter.section("figures")
    for line in lines():
        terminalreporter.write_line(line)
    target = os.environ.get("KUBESVC_FIGURES")
    if target:
        with open(target, "a") as fh:
            fh.writelines(line + "\n" for line in lines())
