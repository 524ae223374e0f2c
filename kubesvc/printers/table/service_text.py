"""The Service table of `get svc` from the store's summaries, without the other kinds' printers
(kubesvc.printers.table.columns imports them all): what a big `get svc -A -o wide` needs
and no more, for its start-up. columns.summary_table prints the cases this does not."""

from __future__ import annotations

from datetime import datetime
from itertools import chain

from kubesvc.api import table_cells
from kubesvc.printers.table import columns_core as core

SERVICE_FIELDS = 9  # namespace, name, version, TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S), created,
# SELECTOR: table_cells.service_cells after the row's key
HEADER = ["NAMESPACE", "NAME", "", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE",
          "SELECTOR"]  # SERVICE_FIELDS' headers ("" for the version tag, never shown)
SPECIAL = ("\t", "\n", "\r", "\f", "\x1b")  # cells render_flat prints otherwise
CHUNK_ROWS = 400  # a piece of ~60 KB: below malloc's mmap threshold, so each reuses memory


class SummaryFields(list):
    """A kind's rows from the store as one flat list of strings, `fields` a row: namespace,
    name, then its summary's version tag and cells (kubesvc.store.queries.table_fields)."""

    fields = 0

    def rows(self) -> list[tuple]:
        """The same rows as table_rows gives them: (namespace, name, summary, None)."""
        f, sep = self.fields, table_cells.SEP
        return [(self[i], self[i + 1], sep.join(self[i + 2:i + f]), None)
                for i in range(0, len(self), f)]


class ServiceGroups(list):
    """A kind's rows from the store a namespace at a time: (namespace, [name, then its
    summary's version tag and cells] × rows, plain: every string ASCII without the
    characters of SPECIAL) (kubesvc.store.queries.table_groups)."""

    def fields(self) -> SummaryFields:
        """The same rows as one SummaryFields (namespace first in each row)."""
        f = SERVICE_FIELDS
        out = SummaryFields()
        for ns, parts, _ in self:
            n = len(parts) // (f - 1)
            flat: list = [ns] * (n * f)
            for j in range(f - 1):
                flat[j + 1::f] = parts[j::f - 1]
            out.extend(flat)
        out.fields = f
        return out


def service_table(groups: ServiceGroups, now: datetime, *, wide: bool = False,
                  all_namespaces: bool = False, no_headers: bool = False):
    """columns.summary_table("Service", groups, now, ...) without a kind prefix, as
    groups_text pieces; None where groups_text declines (summary_table then prints it)."""
    return groups_text(groups, core.Ages(now), wide, all_namespaces, no_headers)


def groups_text(groups: ServiceGroups, ages: core.Ages, wide: bool, with_ns: bool,
                no_headers: bool):
    """columns.summary_table's Service table (no kind prefix) over ServiceGroups, as pieces
    of text made as they are written (a generator: nothing of the table is kept but its
    cells): the namespace's padded cell written into each namespace's line format (no
    string a row for it), the AGE column found in C loops (Ages.cells), one line format
    for every row, a `%.0s` swallowing each field not shown (the version tag; SELECTOR
    unless wide). None when a cell is not plain ASCII free of the characters render_flat
    prints otherwise (checked before any line is made: columns.summary_table then prints
    it). The groups' cells are changed in place (the timestamps become AGE cells)."""
    f = SERVICE_FIELDS - 1  # the strings of a row in a group: no namespace
    for ns, _, plain in groups:
        if not plain or not ns.isascii() or any(ch in ns for ch in SPECIAL):
            return None
    cells = ages.cells(list(chain.from_iterable(parts[6::f] for _, parts, _ in groups)))
    start = 0
    for _, parts, _ in groups:
        n = len(parts) // f
        parts[6::f] = cells[start:start + n]
        start += n
    shown = [with_ns, True, False, True, True, True, True, True, wide]
    last = max(i for i in range(f + 1) if shown[i])
    line = []
    for i in range(f + 1):
        if not shown[i]:
            line.append("%.0s")
        elif i == last:
            line.append("%s")
        else:
            longest = (max(len(ns) for ns, _, _ in groups) if i == 0 else
                       max(max(map(len, parts[i - 1::f])) for _, parts, _ in groups))
            if not no_headers:
                longest = max(longest, len(HEADER[i]))
            line.append(f"%-{max(6, longest + 3)}s")
    return _lines(groups, line, with_ns, no_headers)


def _lines(groups: ServiceGroups, line: list[str], with_ns: bool, no_headers: bool):
    """groups_text's pieces: the header, then each namespace's lines, CHUNK_ROWS at once."""
    if not no_headers:
        yield "".join(line) % tuple(HEADER) + "\n"
    rest = "".join(line[1:]) + "\n"
    f = len(line) - 1
    step = CHUNK_ROWS * f
    for ns, parts, _ in groups:
        fmt = (line[0] % ns).replace("%", "%%") + rest if with_ns else rest
        for start in range(0, len(parts), step):
            piece = parts[start:start + step]
            yield (fmt * (len(piece) // f)) % tuple(piece)
