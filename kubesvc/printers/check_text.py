"""The `kubesvc check` report as plain text, without rich: the same bytes the rich view
(resolve_view._problems) prints when there is no colour, at a small fraction of its cost (a
report of thousands of problems took rich ~20 s to lay out as tables).

It wraps lines the way rich does for text whose characters are each one cell wide (greedy, at
the start of a word; a word longer than the line is cut into line-long pieces): `draw` answers
None for any other text, and the caller draws it with rich."""

from __future__ import annotations

import re

from kubesvc.resolver import records as rec

# rich's `\s*\S+\s*`: a word with the blanks after it (the first one also with those before)
_WORD = re.compile(r"\s*\S+\s*")
# characters this module knows the width of (one cell each) and that rich prints unchanged:
# printable ASCII, newline, and the non-ASCII ones kubesvc's messages use
_PLAIN = re.compile(r"[\n\x20-\x7e→←…—–‘’“”·×≠≤≥]*")
WIDTH = 100  # when stdout is not a terminal: golden files and pipes get a stable layout
SEVERITY_WIDTH = 7  # the severity column (resolve_view._reasons)
MIN_WIDTH = 40  # narrower terminals: rich lays the columns out its own way


def wrap(text: str, width: int, fold: bool = True) -> list[str]:
    """`text` cut into lines of at most `width` characters as rich.Text.wrap does: at the start
    of a word; a word longer than a line is cut into line-long pieces (`fold`), else it gets a
    line of its own, cut short with an ellipsis (a table cell's overflow). Trailing blanks are
    left on the lines (the caller strips them)."""
    out = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        breaks = _breaks(line, width, fold)
        for start, end in zip([0, *breaks], [*breaks, len(line)], strict=True):
            out.append(_truncate(line[start:end], width, fold))
    return out


def _breaks(line: str, width: int, fold: bool) -> list[int]:
    """Where rich (rich._wrap.divide_line) breaks a line too long for `width`."""
    out: list[int] = []
    offset = 0
    for m in _WORD.finditer(line):
        word, start = m.group(), m.start()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            if not fold:  # on a line of its own, truncated
                if start:
                    out.append(start)
                offset = len(word)
                continue
            pieces = [word[i:i + width] for i in range(0, len(word), width)]
            for piece in pieces[:-1]:
                if start:
                    out.append(start)
                start += len(piece)
            if start:
                out.append(start)
            offset = len(pieces[-1])
        elif offset and start:
            out.append(start)
            offset = len(word)
    return out


def _truncate(line: str, width: int, fold: bool) -> str:
    """rich's Text.rstrip_end then truncate: blanks beyond the width go first, then the
    excess (with an ellipsis in a table cell)."""
    excess = len(line) - width
    if excess <= 0:
        return line
    stripped = line.rstrip()
    line = line[:len(line) - min(len(line) - len(stripped), excess)]
    if len(line) <= width:
        return line
    return line[:width] if fold else line[:width - 1] + "…"


def grouped(problems: list[rec.Problem]) -> list[tuple[str, dict[str, list[rec.Reason]]]]:
    """(severity, {object: its reasons}) in severity order, objects in first-seen order."""
    out = []
    for severity in rec.SEVERITIES:
        by_object: dict[str, list[rec.Reason]] = {}
        for p in problems:
            if p.reason.severity == severity:
                by_object.setdefault(p.object, []).append(p.reason)
        if by_object:
            out.append((severity, by_object))
    return out


def totals(problems: list[rec.Problem]) -> str:
    errors = sum(1 for p in problems if p.reason.severity == rec.ERROR)
    warnings = sum(1 for p in problems if p.reason.severity == rec.WARNING)
    return f"{errors} error(s), {warnings} warning(s)"


def draw(problems: list[rec.Problem], width: int) -> str | None:
    """The report's text; None when a character in it is not one this module can lay out
    (the caller falls back to rich)."""
    if width < MIN_WIDTH:
        return None
    if not problems:
        return "no problems found\n"
    out: list[str] = []
    add = out.append
    indent = " " * 4
    body_width = width - len(indent) - SEVERITY_WIDTH - 1
    pad = " " * (len(indent) + SEVERITY_WIDTH + 1)
    fits = _PLAIN.fullmatch
    laid_out: dict[str, list[str] | None] = {}  # many Services share one message and rule
    for severity, by_object in grouped(problems):
        count = sum(len(v) for v in by_object.values())
        add(f"{severity.upper()}S ({count})")
        head = f"{indent}{severity:<{SEVERITY_WIDTH}} "
        for obj, reasons in by_object.items():
            line = "  " + obj
            if not fits(line):
                return None
            out += wrap(line, width)
            for reason in reasons:
                body = f"[{reason.code}] {reason.message}"
                if reason.rule:
                    body += "\nrule: " + reason.rule
                lines = laid_out.get(body, [])
                if lines == []:
                    lines = laid_out[body] = (wrap(body, body_width, fold=False)
                                              if fits(body) else None)
                if lines is None:
                    return None
                add(head + lines[0])
                out += [pad + x for x in lines[1:]]
        add("")
    add(totals(problems))
    return "".join(x.rstrip() + "\n" for x in out)
