"""Readable parametrize ids for values pytest would name `obj0`, `args3` or spell out whole.

Used by tests/conftest.py's pytest_make_parametrize_id: an object becomes Kind/name, another
dict its leaves as `key=value`, a list its items joined by `+`, a long text its first words.
Tables whose ids would still be long name their rows (`by_columns`, or `pytest.param(...,
id=...)`)."""

from __future__ import annotations

import re

import pytest

LIMIT = 24
# what a row expects says less about it than its input: a shorter excerpt keeps ids short
EXPECTED = re.compile(r"(expected|want|wanted|errs?|errors?|messages?|reason|detail|out(put)?|"
                      r"records|backends|counts|result|sizes|cells|lines)(_.*)?$")
SHORT = 14


def _leaves(value, prefix=""):
    if isinstance(value, dict):
        if not value:
            yield f"{prefix}{{}}" if prefix else "{}"
        for key, item in value.items():
            yield from _leaves(item, f"{prefix}{key}." if isinstance(item, dict) and item
                               else f"{prefix}{key}=")
    elif isinstance(value, (list, tuple)):
        yield f"{prefix}{'+'.join(_scalar(v) for v in value) or '[]'}"
    else:
        yield f"{prefix}{_scalar(value)}"


def _scalar(value) -> str:
    if isinstance(value, dict) and isinstance(value.get("metadata"), dict) and "kind" in value:
        return f"{value['kind']}/{value['metadata'].get('name', '')}"  # an object: Kind/name
    if isinstance(value, dict):
        return ",".join(_leaves(value))
    if isinstance(value, (list, tuple)):
        return "+".join(_scalar(v) for v in value) or "[]"
    if callable(value):
        return getattr(value, "__name__", type(value).__name__)
    return str(value)


def _shorten(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,:;") + "..."


def make_id(value, argname: str = "") -> str | None:
    """The id for one value, or None to keep pytest's own (numbers, short words, booleans)."""
    if value is None or isinstance(value, (bool, int, float)):
        return None
    limit = SHORT if EXPECTED.match(argname) else LIMIT
    if isinstance(value, str):
        if len(value) > limit or "\n" in value:
            return _no_index(_shorten(value, limit))
        return _no_index(value) if INDEX.search(value) else None
    if isinstance(value, (bytes, bytearray)):
        return f"{len(value)}-bytes"
    return _no_index(_shorten(_scalar(value), limit))


INDEX = re.compile(r"\[(-?\d+)\]")
OPEN_INDEX = re.compile(r"\[(-?\d+)$")  # "[1" at the end reads "[1]" once pytest closes it


def _no_index(text: str) -> str:
    """List indexes written `.N`, so an id never reads like pytest's own `[N]` suffix."""
    return OPEN_INDEX.sub(r".\1", INDEX.sub(r".\1", text))


def row_ids(rows, *columns: int) -> list[str]:
    """Ids for a table from the columns that say what each row tests (its inputs, or what it
    prints when that names the row best); a repeated id gets `-2`, `-3`..."""
    out: list[str] = []
    for row in rows:
        if getattr(row, "id", None):
            out.append(row.id)
            continue
        values = row.values if hasattr(row, "values") else row
        parts = [make_id(values[c]) or str(values[c]) or "empty" for c in columns]
        name = _no_index("-".join(parts))
        repeats = sum(1 for o in out if o == name or o.startswith(f"{name}-#"))
        out.append(f"{name}-#{repeats + 1}" if repeats else name)
    return out


def by_columns(columns: tuple[int, ...], argnames: str, rows: list, **kwargs):
    """`pytest.mark.parametrize` whose ids come from the given columns of each row."""
    return pytest.mark.parametrize(argnames, rows, ids=row_ids(rows, *columns), **kwargs)
