"""The Service and Pod tables of `get svc` / `get pods` from the store's summaries, a namespace
at a time, without the other kinds' printers (kubesvc.printers.table.columns imports them
all): what a big `get svc -A -o wide` or `get pods -A` needs and no more, for its start-up.
columns.summary_table prints the cases this declines."""

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


class PodGroups(list):
    """Pods' rows from the store a namespace at a time, as ServiceGroups: (namespace, [name,
    then its summary's version tag and table cells, not its brief] × rows, plain)."""

    def rows(self) -> list[tuple]:
        """The same rows as table_rows gives them (namespace, name, summary, None), each
        summary without its brief (the table never reads it)."""
        f, sep = POD_FIELDS, table_cells.SEP
        return [(ns, parts[i], sep.join(parts[i + 1:i + f]), None)
                for ns, parts, _ in self for i in range(0, len(parts), f)]


POD_FIELDS = 11  # name, version, READY, STATUS, RESTARTS, created, IP, NODE, NOMINATED NODE,
# READINESS GATES, the finishedAt list: table_cells.pod_cells after the row's name
# (kind -> strings a row, the created timestamp's place, each string's column (None: never
# shown), the columns shown only when wide)
LAYOUTS: dict[str, tuple[int, int, list, set[int]]] = {
    "Service": (SERVICE_FIELDS - 1, 6, ["NAME", None, "TYPE", "CLUSTER-IP", "EXTERNAL-IP",
                                         "PORT(S)", "AGE", "SELECTOR"], {7}),
    "Pod": (POD_FIELDS, 5, ["NAME", None, "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
                            "NOMINATED NODE", "READINESS GATES", None], {6, 7, 8, 9}),
}


def service_table(groups: list, now: datetime, *, wide: bool = False,
                  all_namespaces: bool = False, no_headers: bool = False):
    """columns.summary_table("Service", groups, now, ...) without a kind prefix, as
    groups_text pieces; None where groups_text declines (summary_table then prints it)."""
    return groups_text("Service", groups, core.Ages(now), wide, all_namespaces, no_headers)


def pod_table(groups: list, now: datetime, *, wide: bool = False,
              all_namespaces: bool = False, no_headers: bool = False):
    """service_table for pods: summary_table("Pod", ...)'s text, or None."""
    return groups_text("Pod", groups, core.Ages(now), wide, all_namespaces, no_headers)


def groups_text(kind: str, groups: list, ages: core.Ages, wide: bool, with_ns: bool,
                no_headers: bool):
    """columns.summary_table's table of a Service or Pod (no kind prefix) over its groups
    (ServiceGroups, PodGroups), as pieces of text made as they are written (a generator:
    nothing of the table is kept but its cells): the fields not shown (the version tag, a
    pod's finishedAt list, the wide columns unless wide) taken out of the rows, the
    namespace's padded cell written into each namespace's line format (no string a row for
    it), the AGE column found in C loops (Ages.cells), one line format for every row. None
    when a cell is not plain ASCII free of the characters render_flat prints otherwise, or
    a pod's RESTARTS cell needs the time of its last restart (checked before any line is
    made: columns.summary_table then prints it). The groups' lists are changed in place."""
    f, created, columns, wide_only = LAYOUTS[kind]
    for ns, _, plain in groups:
        if not plain or not ns.isascii() or any(ch in ns for ch in SPECIAL):
            return None
    if kind == "Pod" and not all(  # finish_pod adds `(5m ago)` to a count after a restart
            parts[4::f].count("0") * f == len(parts) or parts[10::f].count("") * f == len(parts)
            for _, parts, _ in groups):
        return None
    cells = ages.cells(list(chain.from_iterable(parts[created::f] for _, parts, _ in groups)))
    start = 0
    for _, parts, _ in groups:
        n = len(parts) // f
        parts[created::f] = cells[start:start + n]
        start += n
    shown = [j for j, name in enumerate(columns) if name and (wide or j not in wide_only)]
    specs = []
    if with_ns:
        longest = max(len(ns) for ns, _, _ in groups)
        specs.append(f"%-{max(6, longest + 3 if no_headers else max(longest, 9) + 3)}s")
    for j in shown[:-1]:  # the last cell of a line is not padded
        longest = max(max(map(len, parts[j::f])) for _, parts, _ in groups)
        if not no_headers:
            longest = max(longest, len(columns[j]))
        specs.append(f"%-{max(6, longest + 3)}s")
    specs.append("%s")
    for _, parts, _ in groups:
        width = f
        for j in reversed(range(f)):
            if j not in shown:
                del parts[j::width]
                width -= 1
    names = (["NAMESPACE"] if with_ns else []) + [columns[j] for j in shown]
    header = "".join(specs) % tuple(names) + "\n"
    return _lines(groups, specs[1:] if with_ns else specs, specs[0] if with_ns else None,
                  "" if no_headers else header)


def _lines(groups: list, specs: list[str], ns_spec: str | None, header: str):
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
