"""Patch metadata of the built-in kinds: which lists merge, and on which key, read from the
`x-kubernetes-patch-strategy` and `x-kubernetes-patch-merge-key` extensions of the upstream
1.37 OpenAPI definitions that `kubesvc.apiserver.schema` loads; and the directive keys a
strategic merge patch may hold.
"""

from __future__ import annotations

from functools import lru_cache

from kubesvc.apiserver.patch.patch_errors import PatchError
from kubesvc.apiserver.schema import schemas

DIRECTIVE = "$patch"
RETAIN_KEYS = "$retainKeys"
DELETE_PREFIX = "$deleteFromPrimitiveList"
ORDER_PREFIX = "$setElementOrder"
CRD_MEDIA_TYPES = ("application/json-patch+json, application/merge-patch+json, "
                   "application/apply-patch+yaml")


# --- patch metadata from the upstream definitions -------------------------------------------

@lru_cache(maxsize=1)
def _definitions():
    found = schemas()
    groups = {api.rpartition("/")[0] for api, _ in found.by_gvk} | {"extensions"}
    return found.defs, found.by_gvk, groups


def root_schema(kind: str, api_version: str) -> dict | None:
    """The definition kubectl's scheme would instantiate for this kind, or None (a CRD)."""
    _, by_gvk, groups = _definitions()
    name = by_gvk.get((api_version, kind))
    group = api_version.rpartition("/")[0]
    if name is None and group in groups:  # another version of a built-in kind
        name = next((n for (api, k), n in by_gvk.items() if k == kind
                     and group in (api.rpartition("/")[0], "extensions")), None)
    return {"$ref": f"#/$defs/{name}"} if name else None


def _resolve(node) -> tuple[dict, str]:
    defs, name = _definitions()[0], ""
    while isinstance(node, dict):
        ref = node.get("$ref") or next((s.get("$ref") for s in node.get("allOf") or ()), None)
        if not ref:
            break
        name = ref.rsplit("/", 1)[-1]
        node = defs.get(name, {})
    return (node if isinstance(node, dict) else {}), name


def field(schema, key: str) -> tuple[dict | None, str, str]:
    """(schema of the field's value, patch strategy, merge key) in a struct or map schema."""
    if schema is None:
        return None, "", ""
    resolved, name = _resolve(schema)
    props = resolved.get("properties")
    if props and key in props:
        prop = props[key]
        strategies = prop.get("x-kubernetes-patch-strategy", "").split(",")
        strategy = next((s for s in strategies if s != "retainKeys"), "")
        return prop, strategy, prop.get("x-kubernetes-patch-merge-key", "")
    extra = resolved.get("additionalProperties")
    if isinstance(extra, dict):
        return extra, "", ""
    if props:
        struct = name.rsplit(".", 1)[-1]
        raise PatchError(f'unable to find api field in struct {struct} for the json field "{key}"')
    return None, "", ""


def list_field(schema, key: str) -> tuple[dict | None, str, str]:
    """Like `field` for a list: the schema returned is the one of the list's items."""
    prop, strategy, merge_key = field(schema, key)
    if prop is None:
        return None, strategy, merge_key
    resolved, _ = _resolve(prop)
    if "items" not in resolved:
        parent, _ = _resolve(schema)
        kind = "struct" if parent.get("properties") else "map"
        raise PatchError(f"expected slice or array type, but got: {kind}")
    return resolved["items"], strategy, merge_key


def patch_meta(kind: str, api_version: str, path: str) -> tuple[str, str]:
    """(patchStrategy, patchMergeKey) of the field at dotted `path` in `kind`, stepping into
    list items on the way: ("merge", "port") for a v1 Service's spec.ports."""
    schema = root_schema(kind, api_version)
    *steps, last = path.split(".")
    for step in steps:
        schema, _, _ = field(schema, step)
        resolved, _ = _resolve(schema)
        schema = resolved.get("items", schema)
    prop = field(schema, last)[0] or {}
    return (prop.get("x-kubernetes-patch-strategy", ""),
            prop.get("x-kubernetes-patch-merge-key", ""))


# --- the patch -------------------------------------------------------------------------------

def unsupported_kind(kind: str, api_version: str) -> PatchError:
    group, _, version = api_version.rpartition("/")
    return PatchError(f"strategic merge patch is not supported for {group}/{version}, "
                      f"Kind={kind} locally, try --type merge", "UnsupportedMediaType", 415,
                      "the body of the request was in an unknown format - "
                      f"accepted media types include: {CRD_MEDIA_TYPES}")
