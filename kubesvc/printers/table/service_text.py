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
    cells): the fields not shown (the version tag; SELECTOR unless wide) taken out of the
    rows, the namespace's padded cell written into each namespace's line format (no
    string a row for it), the AGE column found in C loops (Ages.cells), one line format
    for every row. None when a cell is not plain ASCII free of the characters render_flat
    prints otherwise (checked before any line is made: columns.summary_table then prints
    it). The groups' lists are changed in place."""
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
    shown = [i for i, on in enumerate([with_ns, True, False, True, True, True, True, True, wide])
             if on]
    specs = []
    for i in shown[:-1]:  # the last cell of a line is not padded
        longest = (max(len(ns) for ns, _, _ in groups) if i == 0 else
                   max(max(map(len, parts[i - 1::f])) for _, parts, _ in groups))
        if not no_headers:
            longest = max(longest, len(HEADER[i]))
        specs.append(f"%-{max(6, longest + 3)}s")
    specs.append("%s")
    hidden = [i - 1 for i in range(1, f + 1) if i not in shown]
    for _, parts, _ in groups:
        width = f
        for j in reversed(hidden):
            del parts[j::width]
            width -= 1
    header = "".join(specs) % tuple(HEADER[i] for i in shown) + "\n"
    return _lines(groups, specs[1:] if with_ns else specs, specs[0] if with_ns else None,
                  "" if no_headers else header)


def _lines(groups: ServiceGroups, specs: list[str], ns_spec: str | None, header: str):
    """groups_text's pieces: the header, then each namespace's lines, CHUNK_ROWS at once."""
    if header:
        yield header
    rest = "".join(specs) + "\n"
    f = len(specs)
    step = CHUNK_ROWS * f
    for ns, parts, _ in groups:
        fmt = (ns_spec % ns).replace("%", "%%") + rest if ns_spec else rest
        for start in range(0, len(parts), step):
            piece = parts[start:start + step]
            yield (fmt * (len(piece) // f)) % tuple(piece)
