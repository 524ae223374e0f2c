"""RFC 7386 JSON merge patch (`kubectl patch --type merge`), as evanphx/json-patch v4 applies it:
maps merge, null deletes, anything else (lists too) replaces.
"""

from __future__ import annotations

import copy

from kubesvc.apiserver.patch.decode import cannot_unmarshal
from kubesvc.apiserver.patch.patch_errors import PatchError

# --- RFC 7386 --------------------------------------------------------------------------------

def merge_patch(obj: dict, patch) -> dict:
    """JSON merge patch: maps merge, null deletes, anything else (lists too) replaces."""
    if isinstance(patch, list):
        raise PatchError(cannot_unmarshal(patch, "unstructured.detector"))
    if not isinstance(patch, dict):
        raise PatchError("Invalid JSON Patch", "BadRequest", 400)
    doc = copy.deepcopy(obj)
    _merge_docs(doc, copy.deepcopy(patch))
    return doc


def _merge_docs(doc: dict, patch: dict) -> None:
    for key, value in patch.items():
        if value is None:
            doc.pop(key, None)
        elif doc.get(key) is None or not isinstance(doc[key], dict):
            doc[key] = _prune_nulls(value)
        elif isinstance(value, dict):
            _merge_docs(doc[key], value)
        else:
            doc[key] = value  # upstream keeps the nulls inside a non-map replacing a map


def _prune_nulls(value):
    if isinstance(value, dict):
        return {k: _prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune_nulls(v) for v in value]
    return value
