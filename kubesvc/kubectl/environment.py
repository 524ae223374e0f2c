"""What one kubesvc invocation runs in: its output streams, its process environment (state
file, lock timeout, pinned clock), the global flags and the clock. kubectl passes IOStreams
down every command, httpie an Environment; kubesvc builds one Environment at the entry point
from argv and os.environ and hands it down, and tests build one with captured streams.

Imported by the `get` fast path before anything else: only os, sys and the clock (no typing,
no pathlib: the state path is a str there, see `state_file`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from datetime import datetime

from kubesvc.api import clock as _clock
from kubesvc.api.errors import UsageError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (get's start-up)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import TextIO

Clock = Callable[[], datetime]


class Environment:
    """One invocation's surroundings. Cheap to build; nothing is read until it is needed, so
    a bad KUBESVC_LOCK_TIMEOUT is reported as a usage error by the command that needs it."""

    __slots__ = ("_clock", "environ", "state", "state_path", "stderr", "stdout", "verbosity")

    def __init__(self, *, stdout: TextIO | None = None, stderr: TextIO | None = None,
                 environ: Mapping[str, str] | None = None, state: str | None = None,
                 verbosity: int = 0, clock: Clock | None = None):
        self.stdout: TextIO = stdout if stdout is not None else sys.stdout
        self.stderr: TextIO = stderr if stderr is not None else sys.stderr
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.state = state  # the global --state flag (a verb's own --state wins)
        self.verbosity = verbosity  # -v LEVEL; 6 or more prints tracebacks of internal errors
        self._clock = clock
        # the state file this invocation opened last, for the one-line message when SQLite
        # fails on it in the middle of a command
        self.state_path: str | None = None  # as str(Path(...))

    # -- the clock -------------------------------------------------------------------------

    def now(self) -> datetime:
        """Now, as the API server stamps it: KUBESVC_NOW (RFC 3339) pins it for tests and
        golden files, unless the Environment was given its own clock."""
        if self._clock is not None:
            return self._clock()
        return _clock.now(self.environ)

    # -- the state file ----------------------------------------------------------------------

    def resolve_state(self, state: str | None = None) -> Path:
        """The state file: the verb's --state, else the global --state, else the store's
        default (KUBESVC_STATE, else $XDG_STATE_HOME/kubesvc/state.db)."""
        from pathlib import Path  # noqa: PLC0415 - lazy: `get` uses state_file (start-up)

        return Path(self.state_file(state))

    def state_file(self, state: str | None = None) -> str:
        """`resolve_state(state)` as a string, without pathlib (`get`'s start-up)."""
        # lazy: the store module (sqlite3, pathlib rules) is not needed to answer a TAB
        from kubesvc.store.files import default_state_file, path_text  # noqa: PLC0415

        if self.state and state is not None and state == self.environ.get("KUBESVC_STATE"):
            state = None  # the verb's --state read KUBESVC_STATE: a global --state beats it
        chosen = state or self.state
        path = path_text(chosen) if chosen else default_state_file(self.environ)
        self.state_path = path
        return path

    def lock_timeout(self) -> float | None:
        """KUBESVC_LOCK_TIMEOUT: how long a writer waits for another one (None: the store's
        default)."""
        raw = self.environ.get("KUBESVC_LOCK_TIMEOUT")
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

    # -- the streams -----------------------------------------------------------------------

    def out(self, text: str) -> None:
        """Write to stdout; `text` carries its own newlines."""
        if text:
            self.stdout.write(text)

    def err(self, line: str) -> None:
        self.stderr.write(line + "\n")

    def warn(self, message: str) -> None:
        self.err(f"Warning: {message}")
