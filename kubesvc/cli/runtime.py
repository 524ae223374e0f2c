"""The CLI's runtime without Typer: streams, the state file, global flags. Everything here is
cheap to import, so the fast paths (shell completion, `get`) can use it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kubesvc.api.errors import UsageError

# Set by the root callback (global flags given before the verb)
GLOBAL: dict = {"state": None, "verbosity": 0, "state_path": None}


def state_path(state: str | None) -> Path:
    from kubesvc.store.db import default_state_path

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
    from kubesvc.bootstrap.seed import open_store as _open

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
        shown = output.rstrip("=")
        names = ",".join(sorted(a.rstrip("=") for a in allowed))
        raise UsageError(f'unable to match a printer suitable for the output format "{shown}", '
                         f"allowed formats are: {names}")
    return output


def examples(text: str) -> str:
    """An epilog whose paragraphs keep their line breaks (the help formatter's \\b marker)."""
    paragraphs = [p.strip("\n").replace("\b\n", "") for p in text.strip("\n").split("\n\n")]
    return "\n\n".join("\b\n" + p for p in paragraphs if p.strip())


def unexpected(exc: Exception) -> int:
    """What the environment does to us gets a clear line; anything else is a bug: one line
    for users, the traceback for bug reports (-v 6)."""
    from kubesvc.api.errors import ExitCode

    if GLOBAL["verbosity"] >= 6:
        import traceback

        traceback.print_exception(exc)
    message = _environment_error(exc)
    if message is None:
        message = (f"error: internal error: {type(exc).__name__}: {exc} (run with -v 6 for "
                   "the traceback, and please report it)")
    err(message)
    return ExitCode.ERROR


def _environment_error(exc: Exception) -> str | None:
    """SQLite failing on the state file, the OS refusing a file, memory running out."""
    sqlite3 = sys.modules.get("sqlite3")
    if sqlite3 is not None and (isinstance(exc, sqlite3.OperationalError)
                                or type(exc) is sqlite3.DatabaseError):
        from kubesvc.store.db import database_error

        return str(database_error(GLOBAL["state_path"] or "(unknown)", exc))
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"error: {exc.strerror or exc}{where}"
    if isinstance(exc, MemoryError):
        return "error: out of memory (the input is too large for this machine)"
    return None
