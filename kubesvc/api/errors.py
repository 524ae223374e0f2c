"""One exception tree for kubesvc, rendered the way kubectl prints API errors.

The CLI catches `KubesvcError` in one place, prints `str(err)` on stderr and exits with
`err.exit_code`. Everything else that escapes is a bug (printed as a one-line internal error,
with the traceback only at -v 6 or more).
"""

from __future__ import annotations

import json
from enum import IntEnum

from kubesvc.api.records import NamedTuple  # typing's, without importing typing

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (get's start-up)
if TYPE_CHECKING:
    from typing import Any


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # a "server side" error: invalid object, not found, conflict
    USAGE = 1  # the command line itself is wrong: kubectl exits 1 for these too
    DIFF_FAILED = 2  # `diff` only: 1 means "differences found", so its own errors say 2


class KubesvcError(Exception):
    """An error shown to the user as one kubectl-style message."""

    exit_code: int = ExitCode.ERROR

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(KubesvcError):
    exit_code = ExitCode.USAGE

    def __str__(self) -> str:
        return f"error: {self.message}"


class ClientError(KubesvcError):
    """kubectl's client-side `error: ...` lines (bad file, unknown resource type...)."""

    def __str__(self) -> str:
        return f"error: {self.message}"


class StoreError(KubesvcError):
    """The state file cannot be used (not a kubesvc store, newer format, locked, corrupt)."""

    def __str__(self) -> str:
        return f"error: {self.message}"


class StatusError(KubesvcError):
    """An API status error: `Error from server (<Reason>): <message>`."""

    def __init__(self, reason: str, message: str, code: int = 500):
        super().__init__(message)
        self.reason = reason
        self.code = code

    def __str__(self) -> str:
        return f"Error from server ({self.reason}): {self.message}"


class NotFoundError(StatusError):
    def __init__(self, resource: str, name: str):
        super().__init__("NotFound", f'{resource} "{name}" not found', 404)
        self.resource = resource
        self.name = name


class AlreadyExistsError(StatusError):
    def __init__(self, resource: str, name: str):
        super().__init__("AlreadyExists", f'{resource} "{name}" already exists', 409)


class InternalError(StatusError):
    def __init__(self, message: str):
        super().__init__("InternalError", f"Internal error occurred: {message}", 500)


# ---------------------------------------------------------------------------------------------
# Field errors (apimachinery pkg/util/validation/field)

REQUIRED = "Required value"
INVALID = "Invalid value"
DUPLICATE = "Duplicate value"
UNSUPPORTED = "Unsupported value"
FORBIDDEN = "Forbidden"
TOO_LONG = "Too long"
TOO_MANY = "Too many"
NOT_FOUND = "Not found"
INTERNAL = "Internal error"

_NO_VALUE = object()
# Types whose rendering never shows the bad value (field.Error.ErrorBody)
_VALUELESS = {REQUIRED, FORBIDDEN, TOO_LONG, INTERNAL}


def render_value(value: Any) -> str:
    """A bad value as kube-apiserver 1.34+ renders it: scalars Go-style, composites as JSON."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"))


# A NamedTuple, not a dataclass: importing `dataclasses` (and inspect) costs ~15 ms of
# every `get`'s start-up.
class FieldError(NamedTuple):
    type: str
    field: str
    value: Any = _NO_VALUE  # not compared: the same error whatever value it quotes
    detail: str = ""

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, FieldError)
                and (self.type, self.field, self.detail) == (other.type, other.field, other.detail))

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((self.type, self.field, self.detail))

    def body(self) -> str:
        text = self.type
        if self.type not in _VALUELESS and self.value is not _NO_VALUE:
            text += f": {render_value(self.value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(REQUIRED, path, detail=detail)


def invalid(path: str, value: Any, detail: str = "") -> FieldError:
    return FieldError(INVALID, path, value, detail)


def duplicate(path: str, value: Any) -> FieldError:
    return FieldError(DUPLICATE, path, value)


def unsupported(path: str, value: Any, supported: list[str]) -> FieldError:
    detail = "supported values: " + ", ".join(json.dumps(s) for s in supported)
    return FieldError(UNSUPPORTED, path, value, detail)


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError(FORBIDDEN, path, detail=detail)


def too_long(path: str, detail: str) -> FieldError:
    return FieldError(TOO_LONG, path, detail=detail)


class InvalidError(StatusError):
    """HTTP 422: `The Service "web" is invalid: ...` as kubectl prints it."""

    def __init__(self, kind: str, name: str, errors: list[FieldError]):
        self.kind = kind
        self.name = name
        self.errors = errors
        super().__init__("Invalid", self._render(), 422)

    def _render(self) -> str:
        head = f'The {self.kind} "{self.name}" is invalid: '
        distinct: list[str] = []
        for err in self.errors:
            if str(err) not in distinct:
                distinct.append(str(err))
        if len(distinct) == 1:
            return head + distinct[0]
        return head + "\n" + "\n".join(f"* {line}" for line in distinct)

    def __str__(self) -> str:
        return self.message
