"""The fast way through multi-document YAML: yaml-rs (Rust) where it reads a document exactly
as the libyaml loader (yamlsafe) does, yamlsafe everywhere else.

yaml-rs reads YAML 1.2; Kubernetes reads YAML 1.1 as go-yaml v2 resolves it, and yamlsafe does
too. The two differ only on some plain (unquoted) scalars, and yaml-rs does not say whether a
scalar was quoted. So the raw text is scanned first, with cheap regular expressions that only
ever err on the side of caution, for what could read differently:

- a plain token that go-yaml v2 reads as a boolean and YAML 1.2 as a string (`yes`, `on`,
  `y`, `off`...), or a number spelt in a way the two read differently (a leading zero `012`
  is octal in one and decimal in the other; `_`, more than 18 digits, `.Inf`-like spellings);
- anchors, aliases, tags, explicit and collection keys, merge keys `<<` (yamlsafe counts
  alias expansions, builds tagged values and refuses unhashable keys in its own way);
- anything that changes how the whole stream is read (directives, `...`, tabs, carriage
  returns, Unicode line breaks, characters YAML forbids).

The stream is split into documents at `---` lines (a `---` at the start of a line always ends
a document, inside block and quoted scalars too, in libyaml as in yaml-rs); each flagged
document goes through yamlsafe, runs of clean documents through yaml-rs in one call. Any error
anywhere, or yaml-rs missing, sends the whole stream through yamlsafe, which then produces the
same documents or the same error message as it always did.

Small streams skip all this: importing yaml-rs costs more than it saves (FAST_MIN_CHARS).

No process pool here: parsing half of a big stream in a forked worker does not pay on 2 cores
when the objects come back pickled (half the scale-0.1 bench stream: ~0.3 s CPU to parse,
~0.33 s to pickle and unpickle; end to end 1.15-1.4x slower than one process). What pays is
the other split, input/pipe.py: ONE child parses the whole file while the caller writes, and
hands the objects over as orjson text (its loads is ~10x cheaper than the parse); the
caller's figure for "the parse" is still this module's, in one process.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator

from kubesvc.input.yamlsafe import load_all as safe_load_all

# Below this many characters the libyaml loader is used: the fast path pays an import.
FAST_MIN_CHARS = 256 * 1024

# booleans only in YAML 1.1:
_TOKEN = (r"(?=[yYnNoOtTfF~0-9._+-])(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF"
          r"|[-+]?(?:0[0-9_][0-9_.eE+-]*"  # a leading zero: octal in 1.1 (and 09 a float)
          r"|[0-9.][0-9a-fA-FxXoO.+-]*_[0-9a-fA-FxXoO_.+-]*|_[0-9a-zA-Z_.+-]*"  # underscores
          r"|\.[iInN][a-zA-Z]*"  # .Inf-like spellings
          r"|[0-9.]+[eE][-+]?[0-9]{3,})"  # beyond a float's range (a string in go-yaml)
          r"|(?:[-+.0-9][0-9a-zA-Z_.+-]*|true|True|TRUE|false|False|FALSE|null|Null|NULL|~)"
          r"(?= *:(?:[ \n]|\Z)))"  # a key that is not a string (yamlsafe makes it one)
          r"(?= *(?:\n|\Z|[,\]\}:#]))")
# Each pattern starts with a literal (re finds a literal fast; a character class is ~10x slower)
# keys, values on their own line, sequence items; an empty key
_AT_LINE_START = re.compile(r"\n *+(?:- ++)*+(?:" + _TOKEN + "|:)")
_AT_START = re.compile(r" *+(?:- ++)*+(?:" + _TOKEN + "|:)")
# after a colon: a value; a JSON-like key's value (no space needed); and odd uses of ":" that
# yaml-rs reads but libyaml refuses (an empty key, ":" before a flow indicator, a plain scalar
# starting with ":")
_AFTER_COLON = re.compile(r":(?: ++" + _TOKEN + r"|[\]\},]|(?<=[ \[\{,]:)|(?<=[\"']:)(?:"
                          + _TOKEN + "|:))")
_GATED = [  # (literal that must be present, pattern)
    ("[", re.compile(r"\[ *+" + _TOKEN)), ("{", re.compile(r"\{ *+" + _TOKEN)),
    (",", re.compile(r", *+" + _TOKEN)), ("---", re.compile(r"--- ++" + _TOKEN)),
    ("<<", re.compile(r"<<")), ("]", re.compile(r"\] *:")), ("}", re.compile(r"\} *:")),
]
_INDICATORS = "&*!?"  # anchor, alias, tag, explicit key: where a token starts
_TOKEN_STARTS = frozenset(" \n[{,")
_DOCUMENT_START = re.compile(r"\n---(?=[ \n]|\Z)")
_EMPTY = re.compile(r"(?: *(?:#[^\n]*)?\n)* *(?:#[^\n]*)?\Z")  # blank lines, comments
_WHOLE_STREAM_MARKS = ("\t", "\r", "\n%", "\n...")
_PRINTABLE_ASCII = bytes([9, 10, 13, *range(0x20, 0x7F)])
# what PyYAML's reader refuses, and the line breaks of YAML 1.1 that YAML 1.2 reads as text
_NOT_PLAIN_TEXT = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
                             "|[\u2028\u2029\ufeff]")


def load_all(text: str, min_chars: int | None = None) -> Iterator:
    """Documents of a YAML stream, as yamlsafe.load_all gives them (None for an empty one)."""
    big = len(text) >= (FAST_MIN_CHARS if min_chars is None else min_chars)
    docs = fast_documents(text) if big else None
    if docs is None:
        yield from safe_load_all(text)
    else:
        yield from docs


def fast_documents(text: str) -> list | None:
    """Every document of the stream, or None where the whole stream must go through yamlsafe
    (yaml-rs missing, something unusual in the stream, or an error to report)."""
    try:
        # yaml-rs loads only where a big stream is parsed: it would slow every start-up
        import yaml_rs  # noqa: PLC0415
    except ImportError:
        return None
    if _whole_stream_fallback(text):
        return None
    starts, opened = document_starts(text)
    flagged = {bisect_right(starts, pos) - 1 for pos in risky_positions(text)}
    docs: list = []
    try:
        i, n = 0, len(starts)
        while i < n:
            if i in flagged:
                end = starts[i + 1] if i + 1 < n else len(text)
                docs.extend(safe_load_all(text[starts[i]:end]))
                i += 1
                continue
            j = i + 1
            if i > 0 or opened:  # a run of clean documents, each opened by `---`: one call
                while j < n and j not in flagged:
                    j += 1
            end = starts[j] if j < n else len(text)
            part = text[starts[i]:end]
            result = yaml_rs.loads(part, parse_datetime=False)
            if j - i > 1:
                if type(result) is not list or len(result) != j - i:
                    return None
                docs.extend(result)
            elif result is not None or i > 0 or opened or not _EMPTY.match(part):
                # (text before the first `---` is no document when only comments)
                docs.append(result)
            i = j
    except Exception:  # any failure: yamlsafe reads the whole stream and says why
        return None
    return docs


def _whole_stream_fallback(text: str) -> bool:
    if text.startswith(("%", "...")) or any(mark in text for mark in _WHOLE_STREAM_MARKS):
        return True
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _PRINTABLE_ASCII))
    return _NOT_PLAIN_TEXT.search(text) is not None


def document_starts(text: str) -> tuple[list[int], bool]:
    """Offsets where documents start (the first chunk may hold no document), and whether the
    stream opens with `---`."""
    opened = text.startswith("---") and (len(text) == 3 or text[3] in " \n")
    return [0] + [m.start() + 1 for m in _DOCUMENT_START.finditer(text)], opened


def risky_positions(text: str) -> list[int]:
    """Offsets of everything yaml-rs might read otherwise than yamlsafe (a superset)."""
    found = [m.end() - 1 for m in _AT_LINE_START.finditer(text)]
    found += [m.end() - 1 for m in _AFTER_COLON.finditer(text)]
    start = _AT_START.match(text)
    if start:
        found.append(max(start.end() - 1, 0))
    for literal, pattern in _GATED:
        if literal in text:
            found += [m.end() - 1 for m in pattern.finditer(text)]
    for char in _INDICATORS:
        pos = text.find(char)
        while pos >= 0:
            if pos == 0 or text[pos - 1] in _TOKEN_STARTS or text[pos - 2:pos] in ('":', "':"):
                found.append(pos)
            pos = text.find(char, pos + 1)
    return found
