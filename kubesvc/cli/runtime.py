"""The CLI's helpers without Typer: output-format checks, help epilogs, and the one place that
turns an unexpected exception into a line. Everything here is cheap to import, so the fast
paths (shell completion, `get`) can use it. The streams, the state path, the global flags and
the clock are the Environment's (kubesvc.kubectl.environment), built once per invocation."""

from __future__ import annotations

import sys

from kubesvc.api.errors import ExitCode, UsageError
from kubesvc.kubectl.environment import Environment


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


def unexpected(env: Environment, exc: Exception) -> int:
    """What the environment does to us gets a clear line; anything else is a bug: one line
    for users, the traceback for bug reports (-v 6)."""
    if env.verbosity >= 6:
        import traceback

        traceback.print_exception(exc, file=env.stderr)
    message = _environment_error(env, exc)
    if message is None:
        message = (f"error: internal error: {type(exc).__name__}: {exc} (run with -v 6 for "
                   "the traceback, and please report it)")
    env.err(message)
    return ExitCode.ERROR


def _environment_error(env: Environment, exc: Exception) -> str | None:
    """SQLite failing on the state file, the OS refusing a file, memory running out."""
    sqlite3 = sys.modules.get("sqlite3")
    if sqlite3 is not None and (isinstance(exc, sqlite3.OperationalError)
                                or type(exc) is sqlite3.DatabaseError):
        from kubesvc.store.files import database_error

        return str(database_error(env.state_path or "(unknown)", exc))
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return f"error: {exc.strerror or exc}{where}"
    if isinstance(exc, MemoryError):
        return "error: out of memory (the input is too large for this machine)"
    return None
