"""How a strategic merge patch fails: the error types (`kubectl patch --local` wording and the
API server's answer) and Go-worded messages about the values involved.
"""

from __future__ import annotations

from kubesvc.api.errors import ClientError, StatusError
from kubesvc.api.goformat import go_v

REJECTED = "the server rejected our request due to an error in our request"


class RequestInvalidError(StatusError):
    """A bare 422 (no kind, name or causes): kubectl prints `The request is invalid: ...`."""

    def __str__(self) -> str:
        return f"The request is invalid: {self.message}"


class UnknownStatusError(StatusError):
    """A 500 without a reason (a plain Go error on the server): `Error from server: ...`."""

    def __str__(self) -> str:
        return f"Error from server: {self.message}"


class PatchError(ClientError):
    """A patch that does not apply. `str()` is what `kubectl patch --local` prints;
    `server_error()` is what kubectl prints when kube-apiserver applied it."""

    def __init__(self, message: str, reason: str = "", code: int = 500,
                 server_message: str | None = None):
        super().__init__(message)
        self.reason = reason
        self.code = code
        self.server_message = message if server_message is None else server_message

    def server_error(self) -> StatusError:
        if self.code == 422:  # NewGenericServerResponse: the library's text is dropped
            return RequestInvalidError("Invalid", REJECTED, 422)
        if not self.reason:
            return UnknownStatusError("", self.server_message, self.code)
        return StatusError(self.reason, self.server_message, self.code)


def bad_request(message: str) -> PatchError:
    return PatchError(message, "BadRequest", 400)


# --- Go's rendering of values in error messages ---------------------------------------------

def go_type(value) -> str:
    """reflect.TypeOf(v).String() for decoded JSON."""
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if value is None:
        return "%!s(<nil>)"
    return {bool: "bool", int: "int64", float: "float64"}.get(type(value), "string")


def no_merge_key(item: dict, key: str) -> PatchError:
    return PatchError(f"map: {go_v(item)} does not contain declared merge key: {key}")


def bad_arg_type(expected: str, actual) -> PatchError:
    return PatchError(f"expected a {expected}, but received a {go_type(actual)}")
