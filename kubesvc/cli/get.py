"""kubesvc get: kubectl's tables, byte for byte, and its structured formats."""

from __future__ import annotations

import typer

from kubesvc.cli import common
from kubesvc.errors import ExitCode, KubesvcError

EXAMPLES = """\b
Examples:
  # List all Services in the default namespace, then with their selectors
  kubesvc get services
  kubesvc get svc -o wide

  # Everything, everywhere
  kubesvc get all -A

  # One Service as YAML, with every field the API server filled in
  kubesvc get service web -o yaml

  # Services labelled app=web or app=api
  kubesvc get svc -l 'app in (web,api)'
"""

FORMATS = ("wide", "yaml", "json", "name")


def get(
    args: list[str] = typer.Argument(None, metavar="TYPE[.VERSION][.GROUP] [NAME...]"),
    namespace: str | None = common.NAMESPACE,
    all_namespaces: bool = common.ALL_NAMESPACES,
    selector: str | None = common.SELECTOR,
    output: str | None = common.OUTPUT,
    no_headers: bool = typer.Option(False, "--no-headers", help="Don't print headers."),
    show_labels: bool = typer.Option(False, "--show-labels",
                                     help="Show all labels as the last column."),
    state: str | None = common.STATE,
) -> None:
    """Display one or many resources."""
    common.check_output(output, FORMATS)
    store = common.open_store(state)
    code = run_get(store, args or [], namespace, all_namespaces, selector, output, no_headers,
                   show_labels)
    raise typer.Exit(code)


def run_get(store, args, namespace, all_namespaces, selector, output, no_headers,
            show_labels) -> int:
    from kubesvc import clock
    from kubesvc.cli.targets import parse_targets
    from kubesvc.selectors import parse

    requests = parse_targets(args, _store_kinds(store))
    if any(r.resource.kind == "Endpoints" for r in requests):  # a server warning since 1.33
        common.warn("v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 "
                    "EndpointSlice")
    sel = parse(selector) if selector else None
    ns = None if all_namespaces else common.current_namespace(namespace)
    found: list[tuple] = []
    errors: list[KubesvcError] = []
    for req in requests:
        objs, missing = fetch(store, req, ns, sel)
        errors.extend(missing)
        if objs or len(requests) == 1 or output in ("yaml", "json", "name"):
            found.append((req.resource, objs))
    printed = _print(found, output, clock.now(), all_namespaces, no_headers, show_labels,
                     single=len(requests) == 1 and len(requests[0].names) == 1,
                     prefix=len(requests) > 1)
    for e in errors:
        common.err(str(e))
    if not printed and not errors and output not in ("yaml", "json", "name"):
        scoped = ns is not None and any(r.resource.namespaced for r in requests)
        common.err(f"No resources found in {ns} namespace." if scoped else "No resources found")
    return ExitCode.ERROR if errors else ExitCode.OK


def _store_kinds(store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT DISTINCT gk FROM objects")]


def fetch(store, req, namespace: str | None, sel):
    """The objects a request names (or lists), and NotFound errors for missing names."""
    from kubesvc.errors import NotFoundError, UsageError

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


def _print(found, output, now, all_namespaces, no_headers, show_labels, single, prefix) -> bool:
    if output in ("yaml", "json"):
        from kubesvc.printers.structured import as_list, to_json, to_yaml

        objs = [o for _, group in found for o in group]
        if not objs and single:
            return False
        doc = objs[0] if single and len(objs) == 1 else as_list(objs)
        common.out(to_yaml(doc) if output == "yaml" else to_json(doc) + "\n")
        return True
    if output == "name":
        lines = [f"{res.name_prefix}/{o['metadata']['name']}\n" for res, g in found for o in g]
        common.out("".join(lines))
        return bool(lines)
    from kubesvc.printers.columns import table_for

    tables = []
    for res, objs in found:
        if not objs:
            continue
        tables.append(table_for(res.kind, objs, now, wide=output == "wide",
                                all_namespaces=all_namespaces, show_labels=show_labels,
                                no_headers=no_headers,
                                show_kind_prefix=res.name_prefix if prefix else None))
    common.out("\n".join(tables))
    return bool(tables)
