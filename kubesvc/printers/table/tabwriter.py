"""Column alignment exactly like Go's text/tabwriter, as kubectl uses it.

Two users:
- `render_table`: kubectl `get` tables (cli-runtime `GetNewTabWriter`: min width 6, padding 3,
  pad with spaces). Checked against kubectl 1.37.1: every tab-terminated cell is padded (so an
  empty last cell leaves trailing spaces), the last cell of a line is never padded and an empty
  table prints nothing at all. With non-ASCII text kubectl 1.37.1 measures most cells in bytes
  (see `_measure`); that rule and the handling of cells holding tabs or control characters
  match kubectl in the common cases, not in every corner case (such cells cannot occur in
  the names, IPs and label values of the kinds kubesvc prints).
- `tabwrite`: the general algorithm (used by `describe`, min width 0, padding 2).

Go's tabwriter aligns a column over a *block*: the maximal run of consecutive lines that have a
tab-terminated cell in that column. Width = max(min width, longest cell + padding), in runes.
"""

from __future__ import annotations

_SPECIAL = ("\t", "\n", "\r", "\f", "\x1b")


def escape_terminal(text: str) -> str:
    """cli-runtime `EscapeTerminal`: ESC becomes `^[`, CR becomes a literal `\\r`."""
    if "\x1b" in text:
        text = text.replace("\x1b", "^[")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    return text


def sanitize_cell(value: str) -> str:
    """tableprinter `appendCellValue`: cut at the first CR/LF/FF and add `...`, then escape."""
    found = [i for i in (value.find("\n"), value.find("\r"), value.find("\f")) if i >= 0]
    cut = min(found, default=-1)
    if cut >= 0:
        return escape_terminal(value[:cut]) + "..."
    return escape_terminal(value)


def _is_special(value: str) -> bool:
    return any(ch in value for ch in _SPECIAL[1:])


def _measure(value: str, first: bool, in_bytes: bool) -> tuple[str, int]:
    """(text written, width it claims in its column), as observed with kubectl 1.37.1: below the
    first line, a column whose first cell is plain ASCII measures cells in bytes (a cut or
    escaped cell claims at least its original byte length); padding counts characters."""
    special = _is_special(value)
    text = sanitize_cell(value) if special else value
    if not in_bytes or first:
        return text, len(text)
    if special:
        return text, max(len(value.encode()), len(text))
    return text, len(text.encode())


def tabwrite(text: str, minwidth: int = 0, padding: int = 2) -> str:
    """Format tab-separated `text` like a flushed Go `tabwriter.Writer` (pad char ' ', no flags)."""
    lines = [line.split("\t") for line in text.split("\n")]
    widths: list[list[int]] = [[] for _ in lines]
    ncols = max((len(cells) - 1 for cells in lines), default=0)
    for col in range(ncols):
        start, best = -1, 0
        for i, cells in enumerate([*lines, []]):
            if len(cells) - 1 > col:
                if start < 0:
                    start, best = i, minwidth
                best = max(best, len(cells[col]) + padding)
            elif start >= 0:
                for k in range(start, i):
                    widths[k].append(best)
                start = -1
    out = []
    for cells, wid in zip(lines, widths, strict=True):
        parts = [cell.ljust(w) for cell, w in zip(cells, wid, strict=False)]
        parts.append(cells[-1])
        out.append("".join(parts))
    return "\n".join(out)


def _layout(lines: list[list[str]]) -> str:
    """Column widths from the widest claimed width, padding by characters."""
    ncols = len(lines[0])
    modes = [cell.isascii() for cell in lines[0]]
    measured = [[_measure(c, i == 0, m) for c, m in zip(row, modes, strict=False)]
                for i, row in enumerate(lines)]
    widths = [max(6, max(row[j][1] for row in measured) + 3) for j in range(ncols - 1)]
    out = []
    for row in measured:
        parts = [text + " " * (w - len(text)) for (text, _), w in zip(row, widths, strict=False)]
        parts.append(row[-1][0])
        out.append("".join(parts))
    return "\n".join(out) + "\n"


def render_table(headers: list[str], rows: list[list[str]], no_headers: bool = False) -> str:
    """A kubectl `get` table: one header line (unless `no_headers`) then one line per row.

    Returns "" when there are no rows (kubectl prints nothing, not even the header).
    Every line ends with a newline.
    """
    if not rows:
        return ""
    lines = rows if no_headers else [list(headers), *rows]
    blob = "\x1f".join(["\x1f".join(r) for r in lines])
    ncols = len(lines[0])
    if "\t" in blob or any(len(r) != ncols for r in lines):
        clean = ["\t".join(sanitize_cell(c) for c in r) for r in lines]
        return tabwrite("\n".join(clean) + "\n", minwidth=6, padding=3)
    if not blob.isascii() or any(ch in blob for ch in _SPECIAL):
        return _layout(lines)
    if ncols == 1:
        return "\n".join(r[0] for r in lines) + "\n"
    columns = list(zip(*lines, strict=True))
    widths = [max(6, max(map(len, col)) + 3) for col in columns[:-1]]
    fmt = "".join(f"%-{w}s" for w in widths) + "%s"
    return "\n".join([fmt % tuple(r) for r in lines]) + "\n"


def render_flat(headers: list[str], cells: list[str], ncols: int,
                no_headers: bool = False) -> str:
    """render_table of rows given as one flat list of cells, `ncols` a row (a big table's
    rows are not built one list each): the same text."""
    if not cells:
        return ""
    if not no_headers:
        cells = [*headers, *cells]
    blob = "\x1f".join(cells)
    if ncols < 2 or "\t" in blob or not blob.isascii() or any(ch in blob for ch in _SPECIAL):
        rows = [cells[i:i + ncols] for i in range(0, len(cells), ncols)]
        return render_table(rows[0], rows[1:]) if not no_headers else render_table(
            headers, rows, no_headers=True)
    widths = [max(6, max(map(len, cells[j::ncols])) + 3) for j in range(ncols - 1)]
    line = "".join(f"%-{w}s" for w in widths) + "%s\n"
    return (line * (len(cells) // ncols)) % tuple(cells)
