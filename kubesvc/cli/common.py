"""What every verb shares: the options kubectl users type, the store, the output streams."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from kubesvc.errors import UsageError

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

# Set by the root callback (global flags given before the verb)
GLOBAL: dict = {"state": None, "verbosity": 0, "state_path": None}


def state_path(state: str | None) -> Path:
    from kubesvc.store import default_state_path

    chosen = state or GLOBAL["state"]
    path = Path(chosen) if chosen else default_state_path()
    GLOBAL["state_path"] = path  # for the CLI's message when SQLite fails on it
    return path


def lock_timeout() -> float | None:
    raw = os.environ.get("KUBESVC_LOCK_TIMEOUT")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86400:  # also refuses nan and inf, which SQLite cannot take
        raise UsageError(f'KUBESVC_LOCK_TIMEOUT must be a number of seconds between 0 and '
                         f'86400, not "{raw}"')
    return seconds


def open_store(state: str | None, create: bool = True):
    from kubesvc.cluster import open_store as _open

    return _open(state_path(state), create=create, busy_timeout=lock_timeout())


def out(text: str) -> None:
    """Write to stdout; `text` carries its own newlines."""
    if text:
        sys.stdout.write(text)


def err(line: str) -> None:
    sys.stderr.write(line + "\n")


def warn(message: str) -> None:
    err(f"Warning: {message}")


def current_namespace(namespace: str | None) -> str:
    return namespace or "default"


def check_output(output: str | None, allowed: tuple[str, ...]) -> str | None:
    if output is not None and output not in allowed:
        raise UsageError(f'unable to match a printer suitable for the output format "{output}", '
                         f"allowed formats are: {','.join(sorted(allowed))}")
    return output


def examples(text: str) -> str:
    """An epilog whose paragraphs keep their line breaks (the help formatter's \\b marker)."""
    paragraphs = [p.strip("\n").replace("\b\n", "") for p in text.strip("\n").split("\n\n")]
    return "\n\n".join("\b\n" + p for p in paragraphs if p.strip())
