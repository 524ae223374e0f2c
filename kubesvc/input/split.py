"""Cutting a big YAML stream into pieces that parse on their own exactly as they parse in place.

Two shapes are cut, and anything else is not (the caller then parses the stream whole):

- a multi-document stream, at its `---` lines (yamlfast.document_starts: a `---` at the start
  of a line ends a document wherever it is, in libyaml as in yaml-rs);
- ONE `kind: List` document as `kubectl get -o yaml` prints it, at its items: a top-level
  `items:` line followed by `- ` items at column 0 or 2 where every other line of the items is
  blank or indented past the dash. A run of consecutive items is then a block sequence of its
  own, and parses to those items. A cut through a quoted scalar or a flow collection (the only
  constructs whose lines need not be indented) leaves it unclosed in the piece before the cut,
  which refuses to parse: every such doubt ends as a parse of the whole text.

`order_bound` finds where the documents that `kubectl.apply.ordered` moves to the front can
be: past the last mention of one of their kinds, every object keeps its place.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from kubesvc.api.resources import APPLY_ORDER

_ITEMS_LINE = re.compile(r"\nitems: *\n")
_TOP_LEVEL = re.compile(r"^[^ \n][^\n]*", re.M)  # (only over the short text around the items)
# where the items end: the next top-level line (that is no item, at column 0)
_ITEMS_END = {0: re.compile(r"\n(?!- )[^ \n]"), 2: re.compile(r"\n[^ \n]")}
_ITEM_START = {0: re.compile(r"\n- "), 2: re.compile(r"\n  - ")}
_LINE_KINDS = {0: ("\n ", "\n- ", "\n\n"), 2: ("\n   ", "\n  - ", "\n\n", "\n \n", "\n  \n")}
# an item whose first line holds no value, or more spaces than a dash's: in doubt
_ODD_STARTS = {0: ("\n- \n", "\n-  "), 2: ("\n  - \n", "\n  -  ")}


@dataclass
class ListCut:
    """A `kind: List` document cut at its items: `skeleton` is the document with `items: []`,
    `starts` the offsets of the items' first lines, `end` where the last item ends, `column`
    the dashes' (0 or 2). Its lines are checked by `items_plain`, piece by piece."""
    skeleton: str
    starts: list[int]
    end: int
    column: int


def cut_list(text: str) -> ListCut | None:
    """The items of the stream's single List document, or None where that is in any doubt."""
    if text.startswith(("---", "#", " ", "items:")) or "\n---" in text:
        return None
    found = _ITEMS_LINE.search(text)
    if found is None or _ITEMS_LINE.search(text, found.end()) is not None:
        return None
    head, first = found.start() + 1, found.end()
    column = 2 if text.startswith("  - ", first) else 0 if text.startswith("- ", first) else -1
    if column < 0:
        return None
    after = _ITEMS_END[column].search(text, first - 1)
    end = after.start() + 1 if after is not None else len(text)
    if not text.endswith("\n", 0, end):
        return None
    # every top-level line outside the items is a plain `key:` (no comment that could be read
    # as structure, no flow or block value that reaches into the items)
    for line in _TOP_LEVEL.finditer(text[:head] + text[end:]):
        if not re.match(r"[A-Za-z][A-Za-z0-9_-]*:( |$)", line.group()):
            return None
    starts = [first] + [m.start() + 1 for m in _ITEM_START[column].finditer(text, first - 1, end)]
    if starts[1:2] == [first]:
        del starts[1]
    return ListCut(text[:head] + "items: []\n" + text[end:], starts, end, column)


def items_plain(text: str, cut: ListCut, start: int, end: int) -> bool:
    """Whether every line of the items in text[start:end] (whole items) is an item's first
    line, a line indented past the dash, or blank; checked piece by piece as the pieces are
    parsed (str.count is ~10x faster than a regular expression trying each line start)."""
    lines = text.count("\n", start - 1, end - 1)  # the newline before each line
    kinds, odd = _LINE_KINDS[cut.column], _ODD_STARTS[cut.column]
    return (sum(text.count(kind, start - 1, end - 1) for kind in kinds) == lines
            and not any(text.count(o, start - 1, end) for o in odd))


def order_bound(text: str, start: int = 0, end: int | None = None) -> int:
    """The offset past the last place in text[start:end] where a ranked kind may be named
    (`start` when none is): objects that begin after it keep their place in the apply order.
    A kind is named in the text of the document that holds it: plain and single-quoted
    scalars fold lines with a space, anchors and merge keys stay in their document, a typed
    list's items take its kind from its `XxxList`; only a double-quoted escape (\\x, \\u, \\U,
    a line broken with a backslash) could spell one otherwise, and is counted as one.
    Searched from the end, a literal at a time (a regular expression over 150 MB takes
    seconds); past _MAX_LOOKS candidates, the whole text is in doubt."""
    end = len(text) if end is None else end
    last, looks = start, 0
    for kind in APPLY_ORDER:
        stop = end
        while stop > last:
            pos = text.rfind(kind, last, stop)
            if pos < 0:
                break
            after = pos + len(kind)
            if text.startswith("List", after):
                after += 4
            if (pos == 0 or not text[pos - 1].isalnum()) and (
                    after >= len(text) or not text[after].isalnum()):
                last = max(last, after)
                break
            stop, looks = pos + len(kind) - 1, looks + 1
            if looks > _MAX_LOOKS:
                return end
    stop = end
    while stop > last:
        pos = text.rfind("\\", last, stop)
        if pos < 0:
            break
        if text[pos + 1:pos + 2] in ("x", "u", "U", "\n"):
            return max(last, pos + 2)
        stop, looks = pos, looks + 1
        if looks > _MAX_LOOKS:
            return end
    return last


_MAX_LOOKS = 10_000


def salted_digest(salt: str, raw: str) -> str:
    """What the store keeps for an object written from a piece of text (store/db.py
    input_digests): the piece's raw digest (pipechild: blake2b of its kind of piece and its
    bytes) under the importing command's salt (kubesvc version, schemas, field validation)."""
    return hashlib.blake2b(salt.encode() + b"\0text\0" + raw.encode(), digest_size=16).hexdigest()


# -- a JSON List -------------------------------------------------------------------------------

_JSON_ITEMS = re.compile(r'"items"\s*:\s*\[')
# where one item ends and the next begins: best before an item's first key as kubectl writes it
_JSON_NEXT_ITEM = re.compile(r'\}\s*,\s*(\{\s*"apiVersion"\s*:)')
_JSON_BETWEEN = re.compile(r"\}\s*,\s*(\{)")  # else wherever two objects meet across a comma


def json_list_items(text: str) -> tuple[int, int] | None:
    """[start, end) of the text between the brackets of a JSON List's `items`, when its key is
    the top-level object's for sure (no other object or array opens before it) and the text's
    last `]` closes it; None: not found so. The caller proves the rest: the text around, with
    `items` empty, must read as an object, and the text between as a run of values."""
    found = _JSON_ITEMS.search(text)
    if found is None:
        return None
    before = text[:found.start()]
    if before.count("{") != 1 or "[" in before or not before.lstrip().startswith("{"):
        return None
    end = text.rfind("]")
    return (found.end(), end) if end >= found.end() else None


def json_item_cut(text: str, pos: int, end: int) -> tuple[int, int] | None:
    """The first place from `pos` on where two items of a List may meet: (where one ends,
    where the next begins), or None. It may be a place inside an item (two objects of a nested
    list, a string): the text up to it then does not read as a run of values."""
    found = _JSON_NEXT_ITEM.search(text, pos, end) or _JSON_BETWEEN.search(text, pos, end)
    return (found.start() + 1, found.start(1)) if found is not None else None
