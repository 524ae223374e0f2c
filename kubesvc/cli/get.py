"""kubesvc get: kubectl's tables, byte for byte, and its structured formats."""

from __future__ import annotations

import typer

from kubesvc.cli import common
from kubesvc.cli.get_view import (  # noqa: F401 (other verbs import fetch and _store_kinds)
    FORMATS,
    GetView,
    _output,
    _seconds,
    _store_kinds,
    fetch,
    format_key,
)

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

def get(
    ctx: typer.Context,
    args: list[str] = typer.Argument(None, metavar="TYPE[.VERSION][.GROUP] [NAME...]"),
    namespace: str | None = common.NAMESPACE,
    all_namespaces: bool = common.ALL_NAMESPACES,
    selector: str | None = common.SELECTOR,
    field_selector: str | None = typer.Option(
        None, "--field-selector", help="Selector (field query) to filter on, e.g. "
        "spec.type=NodePort, status.phase=Running, spec.nodeName=NODE."),
    output: str | None = typer.Option(
        None, "--output", "-o", help="Output format: yaml|json|name|wide|jsonpath=...|"
        "jsonpath-file=...|custom-columns=...|custom-columns-file=..."),
    sort_by: str | None = typer.Option(None, "--sort-by",
                                       help="Sort the list by this JSONPath expression."),
    label_columns: list[str] = typer.Option(None, "--label-columns", "-L",
                                            help="Labels to show as columns."),
    show_kind: bool = typer.Option(False, "--show-kind",
                                   help="List the resource type for the requested object(s)."),
    no_headers: bool = typer.Option(False, "--no-headers", help="Don't print headers."),
    show_labels: bool = typer.Option(False, "--show-labels",
                                     help="Show all labels as the last column."),
    watch: bool = typer.Option(False, "--watch", "-w", help="After listing, watch for changes "
                               "(made by other kubesvc commands)."),
    request_timeout: str | None = typer.Option(None, "--request-timeout",
                                               help="How long a watch lasts (e.g. 5s)."),
    state: str | None = common.STATE,
) -> None:
    """Display one or many resources."""
    common.check_output(format_key(output), FORMATS)
    fmt, arg = _output(output)
    from kubesvc.kubectl.session import read_session

    env = common.environment(ctx)
    view = GetView(args or [], namespace, all_namespaces, selector, field_selector, fmt, arg,
                   sort_by, [c for cols in label_columns or [] for c in cols.split(",")],
                   show_kind, no_headers, show_labels)
    with read_session(env, state) as store:
        code = view.run(env, store)
    if watch and code == 0:
        from kubesvc.cli.watch import watch as watch_loop

        watch_loop(env, store, view, _seconds(request_timeout))
    raise typer.Exit(code)


