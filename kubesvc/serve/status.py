"""API errors as `Status` objects, the way kube-apiserver returns them, so clients print their
usual `Error from server (Reason): message` lines."""

from __future__ import annotations

from kubesvc.api.errors import InvalidError, KubesvcError, NotFoundError, StatusError

REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
           405: "MethodNotAllowed", 406: "NotAcceptable", 409: "Conflict", 410: "Expired",
           413: "RequestEntityTooLarge", 415: "UnsupportedMediaType", 422: "Invalid",
           500: "InternalError", 503: "ServiceUnavailable",
           504: "Timeout"}


class HttpError(StatusError):
    """An error the serving layer itself raises (routing, decoding, limits)."""

    def __init__(self, code: int, message: str, reason: str | None = None,
                 details: dict | None = None):
        super().__init__(reason or REASONS.get(code, "Unknown"), message, code)
        self.details = details


def status(code: int, reason: str, message: str, details: dict | None = None) -> dict:
    body: dict = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return body


def success(details: dict) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": details}


def from_error(exc: KubesvcError, group: str = "", kind: str = "") -> dict:
    """The Status for any kubesvc error: API errors keep their reason and code; the
    client-side messages kubesvc's library functions raise are 400 BadRequest."""
    if isinstance(exc, HttpError):
        return status(exc.code, exc.reason, exc.message, exc.details)
    if isinstance(exc, InvalidError):
        causes = [{"reason": f"Field{e.type.replace(' ', '')}", "message": e.body(),
                   "field": e.field} for e in exc.errors]
        return status(422, "Invalid", exc.message,
                      {"name": exc.name, "group": group, "kind": kind or exc.kind,
                       "causes": causes})
    if isinstance(exc, NotFoundError):
        plural, _, grp = exc.resource.partition(".")
        return status(404, "NotFound", exc.message,
                      {"name": exc.name, "group": grp, "kind": plural})
    if isinstance(exc, StatusError):
        return status(exc.code, exc.reason, exc.message)
    return status(400, "BadRequest", exc.message)
