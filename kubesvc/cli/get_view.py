"""`get` without Typer: what to fetch, how to filter it and how to print it. The Typer
command (cli/get.py) and the start-up fast path (cli/fast.py) both run a GetView."""

from __future__ import annotations

from kubesvc.api.errors import ExitCode
from kubesvc.cli import runtime as common

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (start-up)

if TYPE_CHECKING:
    from kubesvc.kubectl.environment import Environment
    from kubesvc.store.db import Store

FORMATS = ("wide", "yaml", "json", "name", "jsonpath=", "jsonpath-file=", "jsonpath-as-json=",
           "custom-columns=", "custom-columns-file=")
STRUCTURED = ("yaml", "json", "name", "jsonpath", "jsonpath-file", "jsonpath-as-json",
              "custom-columns", "custom-columns-file")


def format_key(output: str | None) -> str | None:
    """`jsonpath={.a}` → `jsonpath=`: the part of -o that names the printer."""
    return output if output is None or "=" not in output else output.split("=", 1)[0] + "="


def _output(output: str | None) -> tuple[str | None, str | None]:
    """`-o jsonpath={..}` → ("jsonpath", "{..}"); plain formats have no argument."""
    from kubesvc.api.errors import UsageError

    if output is None:
        return None, None
    fmt, sep, arg = output.partition("=")
    if sep and not arg and fmt.startswith("jsonpath"):
        common.check_output(output, tuple(f.rstrip("=") for f in FORMATS))
    if sep and fmt in ("jsonpath-file", "custom-columns-file"):
        try:
            with open(arg, encoding="utf-8") as fh:
                arg = fh.read()
        except OSError as exc:
            raise UsageError(f"error reading {fmt} {arg}: {exc.strerror}") from None
    return fmt, arg if sep else None


def _seconds(text: str | None) -> float | None:
    if not text or text in ("0", "0s"):
        return None
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for unit in sorted(units, key=len, reverse=True):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * units[unit]
    return float(text)


class GetView:
    """One `get` request: what to fetch, how to filter and how to print it."""

    def __init__(self, args, namespace, all_namespaces, selector, field_selector, fmt, arg,
                 sort_by, label_columns, show_kind, no_headers, show_labels):
        self.args, self.namespace, self.all_namespaces = args, namespace, all_namespaces
        self.selector, self.field_selector = selector, field_selector
        self.fmt, self.arg, self.sort_by = fmt, arg, sort_by
        self.label_columns, self.show_kind = label_columns, show_kind
        self.no_headers, self.show_labels = no_headers, show_labels

    def collect(self, store, summaries: bool = False):
        """([(resource, objects)], errors, requests) for this request against the store; with
        `summaries`, kinds printed as plain tables come as SummaryRows instead of objects."""
        from kubesvc.api.errors import UsageError
        from kubesvc.api.selectors import parse
        from kubesvc.kubectl.resource_args import parse_targets

        requests = parse_targets(self.args, _store_kinds(store))
        if self.field_selector and any(r.names for r in requests):
            raise UsageError("name cannot be provided when a selector is specified")
        sel = parse(self.selector) if self.selector else None
        ns = None if self.all_namespaces else common.current_namespace(self.namespace)
        found, errors = [], []
        for req in requests:
            if summaries and self._from_summaries(req, sel):
                found.append((req.resource, _table_rows(store, req, ns)))
                continue
            objs, missing = fetch(store, req, ns, sel)
            if self.field_selector:
                objs = self._field_filter(req.resource, objs)
            errors.extend(missing)
            if objs or len(requests) == 1 or self.fmt in STRUCTURED:
                found.append((req.resource, objs))
        return found, errors, requests, ns

    def _from_summaries(self, req, sel) -> bool:
        """A plain table of every object of a kind with a summary: printed from the store's
        summary column (table_rows) without decoding bodies."""
        from kubesvc.api.table_cells import CELLS  # the kinds of columns.FINISH (a test checks)

        return (self.fmt in (None, "wide") and not req.names and sel is None
                and not self.field_selector and not self.sort_by and not self.label_columns
                and not self.show_labels and req.resource.kind in CELLS
                and req.resource.gk == req.resource.kind)

    def _field_filter(self, res, objs):
        from kubesvc.api import fieldselectors as fs
        try:
            return fs.select(objs, self.field_selector, res.kind, res.group)
        except fs.FieldSelectorError as exc:
            raise fs.list_error(exc, res.plural, res.group, res.version, self.selector or "",
                                self.field_selector) from None

    def run(self, env: Environment, store: Store) -> int:
        self.env = env
        found, errors, requests, ns = self.collect(store, summaries=True)
        if any(r.resource.kind == "Endpoints" for r in requests):  # a server warning (1.33+)
            self.env.warn("v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 "
                        "EndpointSlice")
        self.single = len(requests) == 1 and len(requests[0].names) == 1
        self.prefix = len(requests) > 1 or self.show_kind
        printed = self.print(found, env.now())
        for e in errors:
            self.env.err(str(e))
        if not printed and not errors and self.fmt not in STRUCTURED:
            scoped = ns is not None and any(r.resource.namespaced for r in requests)
            self.env.err(f"No resources found in {ns} namespace." if scoped
                       else "No resources found")
        return ExitCode.ERROR if errors else ExitCode.OK

    def print(self, found, now) -> bool:
        if self.fmt in STRUCTURED:
            return self._print_structured(found)
        return self._print_tables(found, now)

    def _print_structured(self, found) -> bool:
        objs = [o for _, group in found for o in group]
        if self.sort_by and not self.single:
            from kubesvc.printers.table import sorting
            objs = sorting.sort_objects(objs, self.sort_by)
        if self.fmt == "name":
            self.env.out("".join(f"{res.name_prefix}/{o['metadata']['name']}\n"
                               for res, group in found for o in group
                               for o in [o] if o in objs))
            return bool(objs)
        if self.fmt in ("custom-columns", "custom-columns-file"):
            return self._print_columns(objs)
        if self.single and not objs:
            return False
        from kubesvc.printers.jsonpath.template import query_object

        doc = query_object(objs, self.single)
        if self.fmt.startswith("jsonpath"):
            from kubesvc.printers.jsonpath.template import render

            self.env.out(render(self.arg or "", doc, as_json=self.fmt == "jsonpath-as-json"))
        else:
            from kubesvc.printers.structured import to_json, to_yaml

            self.env.out(to_yaml(doc) if self.fmt == "yaml" else to_json(doc) + "\n")
        return True

    def _print_columns(self, objs) -> bool:
        from kubesvc.printers.table import custom_columns as cc
        columns = (cc.parse_file(self.arg or "") if self.fmt == "custom-columns-file"
                   else cc.parse_spec(self.arg or ""))
        try:
            self.env.out(cc.render(columns, objs, no_headers=self.no_headers))
        except cc.CustomColumnsError as exc:
            self.env.out(exc.output)
            raise
        return True

    def _print_tables(self, found, now) -> bool:
        from kubesvc.printers.table.service_text import (
            PodGroups,
            ServiceGroups,
            SummaryFields,
            pod_table,
            service_table,
        )

        if self.sort_by:
            from kubesvc.printers.table import sorting
        if self.sort_by and len(found) > 1:
            sorting.check_multi_kind_tables(self.sort_by)
        tables = []
        for res, objs in found:
            if self.sort_by:
                objs = sorting.sort_table(objs, self.sort_by)
                if objs is None:
                    continue
            if not objs:
                continue
            if isinstance(objs, ServiceGroups | PodGroups) and not self.prefix:  # no columns
                text = (service_table if isinstance(objs, ServiceGroups) else pod_table)(
                    objs, now, wide=self.fmt == "wide", all_namespaces=self.all_namespaces,
                    no_headers=self.no_headers)
                if text is not None:
                    tables.append(text)
                    continue
            if isinstance(objs, SummaryRows | SummaryFields | ServiceGroups | PodGroups):
                from kubesvc.printers.table.columns import summary_table

                tables.append(summary_table(
                    res.kind, objs, now, wide=self.fmt == "wide",
                    all_namespaces=self.all_namespaces, no_headers=self.no_headers,
                    show_kind_prefix=res.name_prefix if self.prefix else None))
                continue
            from kubesvc.printers.table.columns import table_for

            tables.append(table_for(res.kind, objs, now, wide=self.fmt == "wide",
                                    all_namespaces=self.all_namespaces,
                                    show_labels=self.show_labels,
                                    label_columns=tuple(self.label_columns),
                                    no_headers=self.no_headers,
                                    show_kind_prefix=res.name_prefix if self.prefix else None))
        for i, table in enumerate(tables):  # "\n".join(tables), a table in Chunks piecewise
            self.env.out(("\n" if i else "") + (table if isinstance(table, str) else ""))
            if not isinstance(table, str):
                for piece in table:
                    self.env.out(piece)
        return bool(tables)


class SummaryRows(list):
    """A kind's (namespace, name, summary, body) rows, to print as a table (never a
    structured format: those need whole objects)."""


def _table_rows(store, req, namespace: str | None) -> list:
    """SummaryRows of the kind; for Services, one flat list of their fields when the store
    can give it (SummaryFields: a big table's rows not made one tuple each)."""
    from kubesvc.store.queries import table_fields, table_groups, table_rows

    res = req.resource
    ns = namespace if res.namespaced else ""
    if res.gk == "Service":
        from kubesvc.printers.table.service_text import (
            SERVICE_FIELDS,
            ServiceGroups,
            SummaryFields,
        )

        groups = table_groups(store, res.gk, ns, SERVICE_FIELDS - 1)
        if groups is not None:
            return ServiceGroups(groups)
        parts = table_fields(store, res.gk, ns, SERVICE_FIELDS)
        if parts is not None:
            out = SummaryFields(parts)
            out.fields = SERVICE_FIELDS
            return out
    if res.gk == "Pod":
        from kubesvc.printers.table.service_text import POD_FIELDS, PodGroups

        groups = table_groups(store, res.gk, ns, POD_FIELDS, cut="[")  # not the pods' briefs
        if groups is not None:
            return PodGroups(groups)
    return SummaryRows(table_rows(store, res.gk, ns))


def _store_kinds(store) -> list[str]:
    """The group-kinds the store holds, for resource lookups: read when first iterated (a
    name that is not a built-in kind), so `get svc` never reads them (a DISTINCT over every
    object: ~12 ms at 60,000)."""
    return _StoreKinds(store)


class _StoreKinds(list):
    """A list of the store's group-kinds, read on first iteration (the only way resource
    lookups use it)."""

    def __init__(self, store):
        super().__init__()
        self._store: object | None = store

    def __iter__(self):
        if self._store is not None:
            from kubesvc.store.queries import kinds_present

            self.extend(kinds_present(self._store))
            self._store = None
        return super().__iter__()


def fetch(store, req, namespace: str | None, sel):
    """The objects a request names (or lists), and NotFound errors for missing names."""
    from kubesvc.api.errors import NotFoundError, UsageError

    res = req.resource
    ns = namespace if res.namespaced else ""
    if req.names:
        if ns is None:
            raise UsageError("a resource cannot be retrieved by name across all namespaces")
        objs, missing = [], []
        for name in req.names:
            obj = store.get(res.gk, ns, name)
            if obj is None:
                missing.append(NotFoundError(res.qualified_plural, name))
            elif sel is None or sel.matches(obj["metadata"].get("labels")):
                objs.append(obj)
        return objs, missing
    if sel is not None:
        objs = store.list_by_labels(res.gk, ns, sel.equality_pairs())
        return [o for o in objs if sel.matches(o["metadata"].get("labels"))], []
    return store.list(res.gk, ns), []
