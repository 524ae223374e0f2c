"""JSON encoding for bulk writes: orjson where its text is json.dumps' own, json otherwise.

A bulk `apply`/`import` serializes every object once to store it and copies every manifest
once before the API path changes it; with the standard library that is ~60% of the per-object
work. orjson does both ~8x faster, but it is imported only once a command turns the fast path
on (`enable()`: ~15 ms of start-up that a one-object command would not win back), and its
output is used only where it is byte for byte what `json.dumps(separators=(",", ":"),
ensure_ascii=False)` writes (a copy only needs orjson to read back what it wrote):
* a float orjson may spell otherwise in a stored text (below 1e-4 orjson writes `0.00001`
  and `1.5e-7` where Python writes `1e-05` and `1.5e-07`; see _may_spell_float_otherwise),
  an integer beyond 64 bits, a non-string key, a lone surrogate or any type JSON has no
  word for: the standard library does it, as before;
* `null` anywhere in the output: an explicit null (or a NaN) takes the standard path too, so
  what a copy holds is never changed (a NaN would otherwise come back as None).
"""

from __future__ import annotations

import json
import re
from _blake2 import blake2b  # hashlib.blake2b itself, without hashlib's OpenSSL (see digest)
from types import ModuleType

from kubesvc.api.objects import clone

_orjson: ModuleType | None = None
# orjson's options for `_fast` (set by `enable`): types JSON has no word for are passed to the
# `TypeError` below, as json.dumps would refuse or spell them otherwise
_OPTION = _OPTION_SORTED = 0
# a float (a number with a fraction or an exponent): orjson and Python spell some of them
# differently (`0.00001` and `1e-05`), so a text with a float is written by the standard
# library. In compact JSON a value follows a key's `":`, a `,` or a `[`: candidates are found
# by one quick scan, and a candidate after ':' counts only when a quote comes before it (an
# image tag's ":1.0" inside a string does not; a string holding ",1.5" does, and merely takes
# the standard path).
_FLOAT_CANDIDATE = re.compile(rb"[:,\[]-?[0-9]++[.eE]")
_COLON, _QUOTE = ord(":"), ord('"')


def _has_float(out: bytes) -> bool:
    for m in _FLOAT_CANDIDATE.finditer(out):
        start = m.start()
        if out[start] != _COLON or out[start - 1] == _QUOTE:
            return True
    return False


def _may_spell_float_otherwise(out: bytes) -> bool:
    """Whether orjson's text may hold a float json.dumps spells otherwise, for an orjson whose
    floats passed `_spelling_checked`: both write the shortest digits that read back, and
    differ only where Python writes a negative exponent (below 1e-4: `1e-05`), which orjson
    writes plainly (`0.00001`) or with its own exponent (`1.5e-7`). So a text without
    "0.0000" and without a number token holding digit, "e-", digit is written alike.

    A number token starts the text or follows `:`, `,` or `[` (compact JSON), then `-`?,
    digits and dots: an "e-" whose digits are preceded by anything else (a uid's
    "6813-94c0-3e-4" or "a335e-42") is inside a string and cannot be a float. One that is
    (a string holding ",1e-5" too) takes the standard path. Substring and regex searches in
    C; Python only looks back from the rare digit-e-digit (the full scan per character cost
    more than orjson's encoding itself)."""
    if b"0.0000" in out:
        return True
    for m in _EXPONENT.finditer(out):
        at = m.start() - 1  # the digit before "e-"
        while at >= 0 and out[at] in _NUMBER:
            at -= 1
        if at >= 0 and out[at] == _MINUS:
            at -= 1
        if at < 0 or out[at] in _BOUNDARY:
            return True
    return False


# a digit, "e-", a digit (found from its literal "e-": a fast search, not a scan per byte);
# the match starts at the "e"
_EXPONENT = re.compile(rb"e-(?<=[0-9]e-)[0-9]")
_NUMBER = frozenset(b"0123456789.")
_MINUS = ord("-")
_BOUNDARY = frozenset(b":,[")


def _spelling_checked(orjson: ModuleType) -> bool:
    """Whether this orjson spells floats as `_may_spell_float_otherwise` expects: every probe
    either as json.dumps does, or with one of the marks that sends a text the standard way.
    Another orjson (an older one wrote `1e16` for `1e+16`) keeps the full float scan."""
    probes = [m * 10.0 ** e for e in range(-30, 310, 7) for m in (1.0, 1.5, -2.25, 9.875)]
    probes += [0.1, 1e-4, 1e-5, 1e16, 1e22, 5e-324, 2.5e-3, 123456789.125, 2.0 ** 60]
    for probe in probes:
        text = orjson.dumps(probe)
        if text != json.dumps(probe).encode() and not _may_spell_float_otherwise(text):
            return False
    return True


_float_check = _has_float  # until `enable` has checked orjson's spelling


def enable() -> bool:
    """Turn the orjson path on for this process (a bulk command). False when not installed."""
    global _orjson, _float_check, _OPTION, _OPTION_SORTED
    if _orjson is None:
        try:
            import orjson  # noqa: PLC0415 - lazy: ~15 ms of start-up, paid only by bulk writes
        except ImportError:  # pragma: no cover - a runtime dependency; json does the work then
            return False
        if _spelling_checked(orjson):
            _float_check = _may_spell_float_otherwise
        _OPTION = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS | \
            orjson.OPT_PASSTHROUGH_DATACLASS
        _OPTION_SORTED = _OPTION | orjson.OPT_SORT_KEYS
        _orjson = orjson
    return True


def enabled() -> bool:
    """Is the orjson path on (`enable`)?"""
    return _orjson is not None


def _fast(obj, sort_keys: bool = False, floats: bool = False,
          nulls: int | None = None) -> bytes | None:
    """orjson's text of `obj` when it is exactly json.dumps' compact text (`floats`: or when
    it differs at most in how a float is spelled, for a copy); None otherwise. `nulls`: the
    text may hold that many "null" (the caller counted that many None in `obj`; a NaN,
    which orjson also writes null, or a string holding "null" makes the count differ)."""
    if _orjson is None:
        return None
    try:
        out = _orjson.dumps(obj, option=_OPTION_SORTED if sort_keys else _OPTION)
    except TypeError:  # orjson.JSONEncodeError: big int, non-str key, surrogate, other types
        return None
    if (b"null" in out if nulls is None else out.count(b"null") != nulls) or (
            not floats and _float_check(out)):
        return None
    return out


# json.dumps with arguments builds an encoder per call: these are built once
_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_JSON_SORTED = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def dumps(obj, sort_keys: bool = False) -> str:
    """`json.dumps(obj, separators=(",", ":"), ensure_ascii=False, sort_keys=...)`."""
    out = _fast(obj, sort_keys)
    if out is not None:
        return out.decode()
    return (_JSON_SORTED if sort_keys else _JSON).encode(obj)


def dumps_counted(obj, nulls: int) -> str:
    """`dumps(obj)`, for data the caller knows holds at least `nulls` None values (orjson's
    text is used when it holds exactly that many "null": no NaN then)."""
    out = _fast(obj, nulls=nulls)
    if out is not None:
        return out.decode()
    return _JSON.encode(obj)


def encode(obj) -> bytes | None:
    """orjson's text of JSON data as given, for `digest` and `decode`: None when orjson is off
    or the data holds what the text could not give back (a null and a NaN look alike)."""
    return _fast(obj, floats=True)  # orjson reads back the very float it wrote


def digest(raw: bytes, salt: str) -> str:
    """A digest of `encode`'s text (key order included). blake2b is hashlib.blake2b (hashlib
    takes blake2 from the built-in _blake2, never OpenSSL): importing hashlib would load
    OpenSSL's libcrypto (_hashlib, ~3 ms) at every command's start."""
    return blake2b(salt.encode() + b"\0" + raw, digest_size=16).hexdigest()


def decode(raw: bytes):
    """A new copy of what `encode` was given (no null in it)."""
    return _orjson.loads(raw)  # type: ignore[union-attr,unused-ignore]


def copy(obj):
    """A deep copy of JSON data (no shared sub-objects, even where a YAML alias shared one)."""
    return copy_checked(obj)[0]


def copy_checked(obj, raw: bytes | None = None) -> tuple:
    """(a deep copy, True when it is known to hold no null anywhere); `raw`: `encode(obj)`
    when the caller has it already."""
    out = raw if raw is not None else encode(obj)
    if out is not None:  # no null in its text: none in the data
        return decode(out), True
    return clone(obj), False
