"""What every verb shares: the options kubectl users type, and the invocation's Environment."""

from __future__ import annotations

import typer

from kubesvc.cli.runtime import (  # noqa: F401 (the verbs import them from here)
    check_output,
    current_namespace,
    examples,
    unexpected,
)
from kubesvc.kubectl.environment import Environment


def environment(ctx: typer.Context) -> Environment:
    """The Environment main.invoke built for this invocation: the context object every verb's
    context inherits (with the root command's global flags applied)."""
    return ctx.ensure_object(Environment)


# Options reused by every verb (kubectl's global flags, accepted after the verb as kubectl does)
STATE = typer.Option(None, "--state", metavar="PATH", envvar="KUBESVC_STATE",
                     help="State file (default: $XDG_STATE_HOME/kubesvc/state.db).")
NAMESPACE = typer.Option(None, "--namespace", "-n", help="The namespace scope for this request.")
ALL_NAMESPACES = typer.Option(False, "--all-namespaces", "-A",
                              help="List the requested object(s) across all namespaces.")
SELECTOR = typer.Option(None, "--selector", "-l",
                        help="Selector (label query) to filter on, supports '=', '==', '!=', "
                             "'in', 'notin', 'key' and '!key'.")
OUTPUT = typer.Option(None, "--output", "-o", help="Output format: yaml|json|name|wide.")
FILENAMES = typer.Option(None, "--filename", "-f",
                         help="Files, folders or - (stdin) holding manifests.")
RECURSIVE = typer.Option(False, "--recursive", "-R",
                         help="Process the folders given with -f recursively.")
