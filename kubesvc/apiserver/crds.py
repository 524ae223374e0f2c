"""Custom resources: the kinds CustomResourceDefinitions add, checked as kube-apiserver does.

apiextensions-apiserver handles a custom resource in three steps, and so does this module:
1. pruning (pkg/apiserver/schema/pruning): fields the structural schema does not declare are
   dropped, or refused with "strict decoding error: unknown field" under strict field
   validation. They come back as `SchemaIssue("unknown", path)` so the apply path's
   strict/warn/ignore handling applies unchanged;
2. defaulting (pkg/apiserver/schema/defaulting): `default` values fill absent fields, and a
   null in a field that is not `nullable` is dropped first;
3. validation of the result against the OpenAPI v3 schema (here with jsonschema, draft 4 being
   the closest dialect), reported as field errors in kube-openapi's wording
   ("spec.x in body must be of type boolean"), which make a 422 Invalid, not a 400.

Not modelled: CEL rules (`x-kubernetes-validations`), list-type set/map uniqueness, `format`
checks, and conversion webhooks between versions (the object is stored as sent).

kubesvc models a cluster with MetalLB installed, so MetalLB's CRDs are bundled
(`builtin_crds`), loaded only when a kind is not otherwise known (import cost matters).
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from kubesvc.api.errors import TOO_LONG, TOO_MANY, FieldError, invalid, required, unsupported
from kubesvc.api.resources import Resource
from kubesvc.apiserver.schema import SchemaIssue, render_path

CRD_GK = "CustomResourceDefinition.apiextensions.k8s.io"
# MetalLB's CRDs, copied unchanged from MetalLB's config/manifests/metallb-native.yaml (main
# branch: images quay.io/metallb/*:main, controller-gen v0.19.0), the file kept in the shared
# corpus as corpus/metallb/manifests/metallb-native.yaml. The JSON's "_source" says the same.
_BUILTIN_FILE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data",
                             "metallb-crds.json")
_ROOT_FIELDS = ("apiVersion", "kind", "metadata")  # every resource has them, schema or not


class CustomKind(NamedTuple):
    api_version: str  # "metallb.io/v1beta1"
    kind: str
    plural: str
    namespaced: bool
    schema: dict  # the version's openAPIV3Schema ({} when the CRD gives none)


@dataclass(frozen=True)
class CustomIssue(SchemaIssue):
    """A SchemaIssue that also carries the field error the API server would return."""

    error: FieldError | None = None


# -- the kinds a CRD defines -------------------------------------------------------------------

def crd_kinds(crd: dict) -> list[CustomKind]:
    """One entry per served version, in the CRD's order."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group, kind = spec.get("group", ""), names.get("kind", "")
    plural = names.get("plural") or kind.lower() + "s"
    namespaced = spec.get("scope", "Namespaced") == "Namespaced"
    return [CustomKind(f"{group}/{v['name']}", kind, plural, namespaced,
                       (v.get("schema") or {}).get("openAPIV3Schema") or {})
            for v in spec.get("versions") or [] if v.get("served")]


def find_kind(crds: list[dict], api_version: str, kind: str) -> tuple[dict, CustomKind] | None:
    """The CRD and served version that define `kind` in `api_version`, if any."""
    for crd in crds:
        for ck in crd_kinds(crd):
            if ck.api_version == api_version and ck.kind == kind:
                return crd, ck
    return None


def to_resource(crd: dict, ck: CustomKind):
    """The kubesvc Resource for a custom kind: names, short names, scope, `all` category."""

    names = (crd.get("spec") or {}).get("names") or {}
    group, _, version = ck.api_version.rpartition("/")
    return Resource(ck.kind, group, version, ck.plural, tuple(names.get("shortNames") or ()),
                    ck.namespaced, "all" in (names.get("categories") or ()))


def resource_named(crds: list[dict], name: str):
    """The Resource a user means by `ipaddresspools`, `ipaddresspool`, a short name, the kind
    or `ipaddresspools.metallb.io`, at discovery's preferred version; None if no CRD has it."""
    low = name.lower()
    for crd in crds:
        spec = crd.get("spec") or {}
        names, group = spec.get("names") or {}, spec.get("group", "")
        words = {names.get("plural", ""), names.get("singular", ""),
                 names.get("kind", "").lower(), *(names.get("shortNames") or ())}
        if low in words | {f"{w}.{group}" for w in words}:
            kinds = sorted(crd_kinds(crd), key=lambda ck: _version_rank(ck.api_version))
            return to_resource(crd, kinds[0]) if kinds else None
    return None


def _version_rank(api_version: str) -> tuple:
    """apimachinery's version priority: GA, then beta, then alpha, newest first; others last."""

    version = api_version.rpartition("/")[2]
    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not m:
        return (3, 0, 0, version)
    level = {None: 0, "beta": 1, "alpha": 2}[m.group(2)]
    return (level, -int(m.group(1)), -int(m.group(3) or 0), version)


def _version(crd: dict, api_version: str) -> dict:
    name = api_version.rpartition("/")[2]
    return next((v for v in (crd.get("spec") or {}).get("versions") or []
                 if v.get("name") == name), {})


def deprecation_warning(crd: dict, api_version: str) -> str | None:
    """The `Warning:` line kubectl prints for a deprecated version (apiextensions default text)."""
    v = _version(crd, api_version)
    if not v.get("deprecated"):
        return None
    kind = ((crd.get("spec") or {}).get("names") or {}).get("kind", "")
    return v.get("deprecationWarning") or f"{api_version} {kind} is deprecated"


def has_status_subresource(crd: dict, api_version: str) -> bool:
    """With a status subresource, create/update through the main resource ignore `status`."""
    return "status" in (_version(crd, api_version).get("subresources") or {})


@lru_cache(maxsize=1)
def builtin_crds() -> list[dict]:
    """MetalLB's CRDs (metallb.io: IPAddressPool, L2Advertisement, BGPAdvertisement, BGPPeer,
    BFDProfile, Community, ...). Shared and cached: copy before changing one."""
    with open(_BUILTIN_FILE, encoding="utf-8") as fh:
        return json.load(fh)["items"]


# -- pruning -------------------------------------------------------------------------------------

def unknown_fields(obj: dict, schema: dict) -> list[list]:
    """Paths (lists of keys and indexes) of the fields a structural schema would prune."""
    out: list[list] = []
    for key, value in obj.items():
        if key in _ROOT_FIELDS:
            continue  # metadata is ObjectMeta, checked by the API server itself
        _walk_unknown(value, key, schema, [], out)
    return out


def _walk_unknown(value, key, parent: dict, path: list, out: list) -> None:
    props = parent.get("properties") or {}
    extra = parent.get("additionalProperties")
    if key in props:
        child = props[key]
    elif isinstance(extra, dict):
        child = extra
    elif parent.get("x-kubernetes-preserve-unknown-fields") or extra is True:
        return
    elif parent.get("x-kubernetes-embedded-resource") and key in _ROOT_FIELDS:
        return
    else:
        out.append([*path, key])
        return
    _descend(value, child, [*path, key], out)


def _descend(value, schema: dict, path: list, out: list) -> None:
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _descend(item, schema["items"], [*path, i], out)
    elif isinstance(value, dict) and _object_like(schema):
        for key, item in value.items():
            _walk_unknown(item, key, schema, path, out)


def _object_like(schema: dict) -> bool:
    """Pruning walks into objects only; a wrong type is validation's business, not pruning's."""
    if schema.get("x-kubernetes-int-or-string"):
        return False
    return schema.get("type") in (None, "object")


def _drop(obj, path: list) -> None:
    for step in path[:-1]:
        obj = obj[step]
    obj.pop(path[-1], None)


# -- defaulting ----------------------------------------------------------------------------------

def apply_defaults(obj: dict, schema: dict) -> dict:
    """Fill `default`s and drop nulls of non-nullable fields, in place, as the API server does
    before storing (IPAddressPool gets `autoAssign: true`, `avoidBuggyIPs: false`)."""
    for key in list(obj):
        if key != "metadata":
            _default_field(obj, key, schema)
    _fill(obj, schema, skip=_ROOT_FIELDS)
    return obj


def _fill(obj: dict, schema: dict, skip=()) -> None:
    for key, child in (schema.get("properties") or {}).items():
        if key not in obj and "default" in child and key not in skip:
            obj[key] = copy.deepcopy(child["default"])
            _default_value(obj[key], child)


def _default_field(obj: dict, key, parent: dict) -> None:
    props = parent.get("properties") or {}
    extra = parent.get("additionalProperties")
    child = props.get(key) or (extra if isinstance(extra, dict) else None)
    if child is None:
        return
    if obj[key] is None and not child.get("nullable"):
        del obj[key]
        return
    _default_value(obj[key], child)


def _default_value(value, schema: dict) -> None:
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _default_value(item, schema["items"])
    elif isinstance(value, dict) and _object_like(schema):
        for key in list(value):
            _default_field(value, key, schema)
        _fill(value, schema)


# -- validation ----------------------------------------------------------------------------------

def check_custom(obj: dict, schema: dict) -> list[SchemaIssue]:
    """Unknown fields first, then what validation of the pruned, defaulted object finds."""
    paths = unknown_fields(obj, schema)
    issues: list[SchemaIssue] = [CustomIssue("unknown", render_path(p)) for p in paths]
    pruned = copy.deepcopy(obj)
    for path in paths:
        _drop(pruned, path)
    apply_defaults(pruned, schema)
    for err in _validator(json.dumps(schema, sort_keys=True)).iter_errors(pruned):
        issues.append(_issue(err))
    return sorted(issues, key=lambda i: (i.kind != "unknown", i.path))


def field_errors(issues: list[SchemaIssue]) -> list[FieldError]:
    """The 422 field errors among `issues` (unknown fields are not errors: they are pruned)."""
    return [i.error for i in issues if isinstance(i, CustomIssue) and i.error is not None]


@lru_cache(maxsize=64)
def _validator(schema_json: str):
    # lazy: jsonschema costs ~60 ms to import; only custom resources are checked with it
    from jsonschema import Draft4Validator  # noqa: PLC0415

    return Draft4Validator(_to_jsonschema(json.loads(schema_json)))


def _to_jsonschema(node):
    """OpenAPI v3 to JSON schema: `nullable` and int-or-string become type lists; `format` is
    dropped (kubesvc leaves formats alone); `x-kubernetes-*` keys are ignored anyway."""
    if isinstance(node, list):
        return [_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _to_jsonschema(v) for k, v in node.items() if k not in ("format", "default")}
    if node.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    if node.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def _issue(err) -> CustomIssue:
    path = render_path(list(err.absolute_path))
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else ""
        full = f"{path}.{missing}" if path else missing
        return CustomIssue("required", full, error=required(full))
    fe = _field_error(err, path or "<nil>")
    return CustomIssue("other", path, str(fe)[len(fe.field) + 2:], error=fe)


def _field_error(err, path: str) -> FieldError:
    """kube-openapi's messages (k8s.io/kube-openapi/pkg/validation/errors)."""
    v, want, value = err.validator, err.validator_value, err.instance
    if v == "type":
        want = [t for t in ([want] if isinstance(want, str) else want) if t != "null"]
        got = _json_type(value)
        return invalid(path, got, f"{path} in body must be of type {want[0]}: {json.dumps(got)}")
    if v == "enum":
        return unsupported(path, value, [str(x) for x in want])
    if v == "maxLength":
        return FieldError(TOO_LONG, path, detail=f"may not be more than {want} bytes")
    if v == "maxItems":
        return FieldError(TOO_MANY, path, len(value), f"must have at most {want} items")
    return invalid(path, value, f"{path} in body {_should(v, want, err.schema)}")


def _should(validator: str, want, schema: dict) -> str:
    if validator in ("minimum", "maximum"):
        strict = schema.get("exclusiveMinimum" if validator == "minimum" else "exclusiveMaximum")
        side = "greater" if validator == "minimum" else "less"
        return f"should be {side} than {'' if strict else 'or equal to '}{want}"
    return {
        "pattern": f"should match '{want}'",
        "minLength": f"should be at least {want} chars long",
        "minItems": f"should have at least {want} items",
        "minProperties": f"should have at least {want} properties",
        "maxProperties": f"should have at most {want} properties",
        "multipleOf": f"should be a multiple of {want}",
    }.get(validator, f"failed {validator} validation")


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "object")
