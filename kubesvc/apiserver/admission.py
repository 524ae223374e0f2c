"""Admission: what kube-apiserver does to a request's object before the kind's strategy.

Every create and update goes through `admit`, whatever the client verb, in the API server's
order:
1. decoding (k8s.io/apimachinery runtime/serializer, with the request's fieldValidation):
   a wrong JSON type is a 400 ("cannot be handled as a Service: json: cannot unmarshal ...");
   an unknown field is a 400 under Strict ("strict decoding error: unknown field ..."), a
   warning under Warn, nothing under Ignore, and is dropped in both;
2. custom resources (apiextensions-apiserver): pruning as above, validation against the CRD's
   openAPIV3Schema (422 Invalid), defaulting;
3. validating admission webhooks: MetalLB's, for metallb.io objects (403 Forbidden).
Built-in kinds' own field validation (ports, names, IPs) runs afterwards in the strategies.
"""

from __future__ import annotations

import re

from kubesvc.api.errors import InvalidError, StatusError
from kubesvc.api.resources import Resource, for_kind
from kubesvc.apiserver import crds
from kubesvc.apiserver.context import ApiContext
from kubesvc.apiserver.schema import SchemaIssue
from kubesvc.apiserver.webhooks.metallb import admission_error

STRICT, WARN, IGNORE = "strict", "warn", "ignore"


class AdmissionError(StatusError):
    """Refused while decoding the body or by a webhook (400 BadRequest, 403 Forbidden).
    kubectl apply prefixes these with `error when creating "FILE": `; other verbs print them
    as they are."""


# -- which resource an object is -----------------------------------------------------------------

def custom_kind(store, api_version: str, kind: str) -> tuple[dict, crds.CustomKind] | None:
    """A kind defined by a CustomResourceDefinition: one stored in the state first, else one
    kubesvc bundles (MetalLB's, as on a cluster with MetalLB installed)."""
    return (crds.find_kind(store.list(crds.CRD_GK), api_version, kind)
            or crds.find_kind(crds.builtin_crds(), api_version, kind))


def resource_for(ctx: ApiContext, api_version: str, kind: str) -> Resource | None:
    """Discovery: the Resource serving `kind` in `api_version`, built-in or CRD-defined."""
    builtin = ctx.builtin_resources.get((api_version, kind))
    if builtin is not None:  # asked before in this command (a bulk one asks for every object)
        return builtin
    if ctx.schemas.definition(api_version, kind) is not None:
        builtin = ctx.builtin_resources[(api_version, kind)] = for_kind(kind, api_version)
        return builtin
    found = custom_kind(ctx.store, api_version, kind)
    return crds.to_resource(*found) if found else None


# -- the admission chain ---------------------------------------------------------------------------

def admit(ctx: ApiContext, res: Resource, obj: dict, keep_status: bool = False) -> None:
    """Check `obj` as the API server does on create/update; prune, zero and default it in
    place. `keep_status`: the write keeps the object's status (an imported snapshot)."""
    api_version, kind = obj.get("apiVersion") or res.api_version, obj.get("kind") or res.kind
    definition = ctx.schemas.definition(api_version, kind)
    if definition is not None:
        _decode_builtin(ctx, res, obj, definition)
        return
    found = custom_kind(ctx.store, api_version, kind)
    if found is not None:
        _admit_custom(ctx, res, obj, *found, keep_status=keep_status)


def _decode_builtin(ctx: ApiContext, res: Resource, obj: dict, definition: str) -> None:
    schemas = ctx.schemas
    issues = schemas.check(obj, definition)
    if not issues:  # the usual case: nothing to refuse, warn of or drop
        if ctx.null_free is not obj:
            schemas.zero_null_items(obj, definition)
        return
    typed = [i for i in issues if i.kind == "type"]
    if typed:
        raise _cannot_handle(res, typed[0].detail)
    _unknown_fields(ctx, res, obj, [i for i in issues if i.kind == "unknown"])
    if ctx.null_free is not obj:
        schemas.zero_null_items(obj, definition)  # a null list item is a zero value to Go
    # Decoding stops here: the schema's `required` lists are not the API server's rules (a
    # kubelet writes a container status without imageID, a Node without kernelVersion, and
    # the server stores them). Whether a field is required is the kind's hand-written
    # validation's to say (the strategies, apiserver/validation/).


def _admit_custom(ctx: ApiContext, res: Resource, obj: dict, crd: dict, ck: crds.CustomKind,
                  keep_status: bool) -> None:
    """A custom resource: pruned, validated and defaulted by its CRD's openAPIV3Schema."""
    if crds.has_status_subresource(crd, ck.api_version) and not keep_status:
        obj.pop("status", None)  # the main resource ignores status; /status writes it
    issues = crds.check_custom(obj, ck.schema)
    _unknown_fields(ctx, res, obj, [i for i in issues if i.kind == "unknown"])
    errors = crds.field_errors([i for i in issues if i.kind != "unknown"])
    if errors:
        raise InvalidError(res.kind, _name(obj), errors)
    crds.apply_defaults(obj, ck.schema)
    warning = crds.deprecation_warning(crd, ck.api_version)
    if warning:
        ctx.warnings.append(warning)
    if res.group == "metallb.io":
        _metallb_webhook(ctx, res, obj)


def _metallb_webhook(ctx: ApiContext, res: Resource, obj: dict) -> None:
    """MetalLB's validating webhooks (overlapping pools, objects outside metallb-system...)."""
    meta = obj.get("metadata") or {}
    probe = {**obj, "metadata": {**meta, "namespace": meta.get("namespace") or "default"}}
    message = admission_error(probe, ctx.store.list("IPAddressPool.metallb.io"))
    if message:
        hook = f"{res.kind.lower()}validationwebhook.metallb.io"
        raise AdmissionError("Forbidden", f'admission webhook "{hook}" denied the request: '
                             f"{message}", 403)


def _unknown_fields(ctx: ApiContext, res: Resource, obj: dict, issues: list[SchemaIssue]) -> None:
    """Strict refuses them, Warn reports them, Ignore says nothing; all drop them."""
    unknown = [i.path for i in issues]
    if unknown and ctx.field_validation == STRICT:
        fields = ", ".join(f'unknown field "{p}"' for p in unknown)
        raise _cannot_handle(res, f"strict decoding error: {fields}")
    if unknown and ctx.field_validation == WARN:
        ctx.warnings.extend(f'unknown field "{p}"' for p in unknown)
    for issue in issues:
        _drop(obj, list(issue.steps) if issue.steps else _steps(issue.path))


def _cannot_handle(res: Resource, detail: str) -> AdmissionError:
    return AdmissionError("BadRequest", f'{res.kind} in version "{res.version}" cannot be '
                          f"handled as a {res.kind}: {detail}", 400)


def _steps(path: str) -> list:
    return [int(s) if s.isdigit() else s for s in re.findall(r"[^.\[\]]+", path)]


def _drop(obj: dict, steps: list) -> None:
    target = obj
    for step in steps[:-1]:
        target = target[step]
    target.pop(steps[-1], None)


def _name(obj: dict) -> str:
    meta = obj.get("metadata")
    return str(meta.get("name", "")) if isinstance(meta, dict) else ""
