"""`apply_patch`: what `kubectl patch -p TEXT --type T` does with the text, against a
kube-apiserver (default) or client-side as `--local` does (`local=True`).

The three patch types are pure functions on decoded objects, one module each:
`json_merge.merge_patch` (RFC 7386), `json_patch.json_patch` (RFC 6902) and
`strategic.strategic_merge_patch` (Kubernetes' strategic merge patch); `decode` reads the text.

Errors are `kubesvc.api.errors` exceptions rendered the way kubectl prints them. The pure
functions raise `PatchError`, whose text is kubectl's `--local` one; `apply_patch` turns it
into the API server's answer unless `local`.
"""

from __future__ import annotations

from kubesvc.api.errors import ClientError, StatusError, invalid
from kubesvc.api.goformat import go_json, go_json_kind, go_quote
from kubesvc.apiserver.patch.decode import BadJSON, cannot_unmarshal, jsonable, parse_patch
from kubesvc.apiserver.patch.json_merge import merge_patch
from kubesvc.apiserver.patch.json_patch import json_patch
from kubesvc.apiserver.patch.patch_errors import PatchError, RequestInvalidError
from kubesvc.apiserver.patch.patch_meta import root_schema, unsupported_kind
from kubesvc.apiserver.patch.strategic import strategic_merge_patch

PATCH_TYPES = ("json", "merge", "strategic")
MAX_OPERATIONS = 10000  # kube-apiserver's limit on the operations of one JSON patch


# --- kubectl patch ---------------------------------------------------------------------------

def apply_patch(obj: dict, patch_text: str, patch_type: str = "strategic",
                kind: str | None = None, *, local: bool = False) -> dict:
    """`kubectl patch -p PATCH_TEXT --type PATCH_TYPE` on `obj`.

    Raises `ClientError` for what kubectl itself refuses (an unknown --type, text that is no
    YAML) and, for a patch that does not apply, the API server's `StatusError` or, with
    `local`, the `error: ...` of `kubectl patch --local`.
    """
    if not patch_text:
        raise ClientError("must specify --patch or --patch-file containing the contents of "
                          "the patch")
    chosen = (patch_type or "strategic").lower()
    if chosen not in PATCH_TYPES:
        raise ClientError("--type must be one of [json merge strategic], "
                          f"not {go_quote(patch_type)}")
    patch = parse_patch(patch_text)
    kind = kind or obj.get("kind") or ""
    try:
        if chosen == "strategic" and root_schema(kind, obj.get("apiVersion") or "") is None:
            raise unsupported_kind(kind, obj.get("apiVersion") or "")
        if not local:
            _server_decode(patch, chosen)
        result = _apply(obj, patch, chosen, kind)
    except PatchError as err:
        if local:
            raise
        raise err.server_error() from None
    if local:
        _check_decodable(result)
    elif not isinstance(result, dict):  # a JSON patch replaced the whole object by a list
        raise RequestInvalidError("Invalid", "patch: " + invalid(
            "patch", go_json(result), _NOT_AN_OBJECT).body(), 422)
    return jsonable(result)  # Go prints a float64 holding an integer as an integer


_NOT_AN_OBJECT = ("couldn't get version/kind; json parse error: json: cannot unmarshal array "
                  'into Go value of type struct { APIVersion string "json:\\"apiVersion,'
                  'omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }')


def _apply(obj: dict, patch, chosen: str, kind: str) -> dict:
    if isinstance(patch, BadJSON):
        local = {"json": patch.message, "merge": "Invalid JSON Patch",
                 "strategic": "invalid JSON document"}[chosen]
        raise PatchError(local, "BadRequest", 400)
    if chosen == "json":
        return json_patch(obj, patch)
    if chosen == "merge":
        return merge_patch(obj, patch)
    return strategic_merge_patch(obj, patch, kind)


def _server_decode(patch, chosen: str) -> None:
    """kube-apiserver decodes the body before patching (strictly, fieldValidation=Warn)."""
    prefix = "" if chosen == "strategic" else "error decoding patch: "
    if isinstance(patch, BadJSON):
        raise PatchError(prefix + patch.message, "BadRequest", 400)
    if chosen != "json":
        if patch is not None and not isinstance(patch, dict):
            raise PatchError(prefix + cannot_unmarshal(patch, "map[string]interface {}"),
                             "BadRequest", 400)
        return
    if patch is not None and not isinstance(patch, list):
        raise PatchError(prefix + cannot_unmarshal(patch, "[]handlers.jsonPatchOp"),
                         "BadRequest", 400)
    for op in patch or ():
        if op is not None and not isinstance(op, dict):
            raise PatchError(prefix + cannot_unmarshal(op, "handlers.jsonPatchOp"),
                             "BadRequest", 400)
        for name in ("op", "path", "from"):
            if op and op.get(name) is not None and not isinstance(op[name], str):
                raise PatchError(f"{prefix}json: cannot unmarshal {go_json_kind(op[name])} into "
                                 f"Go struct field jsonPatchOp.{name} of type string",
                                 "BadRequest", 400)
    if len(patch or ()) > MAX_OPERATIONS:
        raise StatusError("RequestEntityTooLarge", "Request entity too large: The allowed "
                          f"maximum operations in a JSON patch is {MAX_OPERATIONS}, got "
                          f"{len(patch)}", 413)


def _check_decodable(result) -> None:
    """kubectl --local decodes the patched JSON as an object with a kind."""
    if not isinstance(result, dict):
        raise ClientError(cannot_unmarshal(result, "unstructured.detector"))
    if not isinstance(result.get("kind"), str) or not result["kind"]:
        raise ClientError(f"Object 'Kind' is missing in '{go_json(result)}'")
