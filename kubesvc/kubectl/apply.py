"""`kubesvc apply`: documents in, one result per object out, inside one store transaction.

As kubectl does, a bad object is reported and the good ones are applied; a failed object
leaves no trace (its savepoint is rolled back, freeing anything allocated for it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from kubesvc.api.errors import (
    ClientError,
    InvalidError,
    KubesvcError,
    StatusError,
    invalid,
    required,
)
from kubesvc.api.objects import clone
from kubesvc.api.resources import APPLY_ORDER, Resource, for_kind
from kubesvc.apiserver import registry
from kubesvc.apiserver.context import ApiContext
from kubesvc.apiserver.meta import LAST_APPLIED, strip_system_fields
from kubesvc.apiserver.schema import SchemaSet
from kubesvc.input.load import Document
from kubesvc.kubectl.three_way import contained, merge, removed_fields


@dataclass
class ApplyResult:
    doc: Document
    resource: Resource | None = None
    name: str = ""
    action: str = ""  # created | configured | unchanged
    obj: dict | None = None
    error: KubesvcError | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class ApplyOptions:
    namespace: str | None = None  # -n: default namespace, and a check against the manifests
    validate: str = "strict"  # strict | warn | ignore
    dry_run: str = "none"  # none | client | server


def ordered(docs: list[Document]) -> list[Document]:
    """Namespaces and cluster-wide definitions first, the rest in manifest order."""
    rank = {kind: i for i, kind in enumerate(APPLY_ORDER)}
    return sorted(docs, key=lambda d: rank.get(d.obj.get("kind"), len(rank)))


def apply_documents(ctx: ApiContext, docs: list[Document], schemas: SchemaSet,
                    opts: ApplyOptions) -> list[ApplyResult]:
    results = []
    for doc in ordered(docs):
        result = ApplyResult(doc)
        before = len(ctx.warnings)
        try:
            with ctx.store.savepoint():
                _apply_one(ctx, doc, schemas, opts, result)
        except KubesvcError as err:
            result.error = err
        result.warnings = ctx.warnings[before:]
        results.append(result)
    return results


def _apply_one(ctx, doc: Document, schemas: SchemaSet, opts: ApplyOptions, result) -> None:
    manifest = clone(doc.obj)  # the document stays as read, for messages
    snapshot = _is_snapshot(manifest)
    strip_system_fields(manifest)
    res = _resource(ctx, doc, manifest, schemas)
    result.resource = res
    _schema_check(ctx, doc, manifest, res, schemas, opts)
    meta = manifest.get("metadata")
    if not isinstance(meta, dict) or not meta.get("name"):
        raise ClientError(f"error when retrieving current configuration of {res.kind} from "
                          f'"{doc.source}" (document {doc.index}): resource name may not be empty')
    result.name = meta["name"]
    _set_namespace(ctx, res, manifest, opts, doc, snapshot)
    if opts.dry_run == "client":
        live = ctx.store.get(res.gk, meta.get("namespace", ""), meta["name"])
        result.action, result.obj = ("configured" if live else "created"), manifest
        return
    result.action, result.obj = _create_or_update(ctx, res, manifest, doc)


def _resource(ctx, doc: Document, obj: dict, schemas: SchemaSet) -> Resource:
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    missing = [f"{f} not set" for f, v in (("apiVersion", api_version), ("kind", kind)) if not v]
    if missing:
        raise ClientError(f'error validating "{doc.source}" (document {doc.index}): error '
                          f"validating data: [{', '.join(missing)}]; if you choose to ignore "
                          "these errors, turn validation off with --validate=false")
    if isinstance(api_version, str) and isinstance(kind, str):
        if schemas.definition(api_version, kind) is not None:
            return for_kind(kind, api_version)
        found = custom_kind(ctx.store, api_version, kind)
        if found:
            from kubesvc.apiserver.crds import to_resource

            return to_resource(*found)
    raise ClientError(f'resource mapping not found for name: "{_name(obj)}" namespace: '
                      f'"{_namespace(obj)}" from "{doc.source}": no matches for kind '
                      f'"{kind}" in version "{api_version}"')


def _name(obj: dict) -> str:
    meta = obj.get("metadata")
    return str(meta.get("name", "")) if isinstance(meta, dict) else ""


def _namespace(obj: dict) -> str:
    meta = obj.get("metadata")
    return str(meta.get("namespace", "")) if isinstance(meta, dict) else ""


def custom_kind(store, api_version: str, kind: str):
    """A kind defined by a CustomResourceDefinition: one stored in the state first, else one
    kubesvc bundles (MetalLB's, as on a cluster with MetalLB installed)."""
    from kubesvc.apiserver.crds import CRD_GK, builtin_crds, find_kind

    return (find_kind(store.list(CRD_GK), api_version, kind)
            or find_kind(builtin_crds(), api_version, kind))


def _custom_check(ctx, doc, obj: dict, res: Resource, opts) -> None:
    """A custom resource: pruned, validated and defaulted by its CRD's openAPIV3Schema."""
    from kubesvc.apiserver.crds import (
        apply_defaults,
        check_custom,
        deprecation_warning,
        field_errors,
        has_status_subresource,
    )

    crd, ck = custom_kind(ctx.store, obj["apiVersion"], obj["kind"])
    if has_status_subresource(crd, ck.api_version) and not _is_snapshot(obj):
        obj.pop("status", None)
    issues = check_custom(obj, ck.schema)
    _unknown_fields(ctx, doc, obj, res, opts, [i for i in issues if i.kind == "unknown"])
    errors = field_errors([i for i in issues if i.kind != "unknown"])
    if errors:
        raise InvalidError(res.kind, _name(obj), errors)
    apply_defaults(obj, ck.schema)
    warning = deprecation_warning(crd, ck.api_version)
    if warning:
        ctx.warnings.append(warning)
    if res.group == "metallb.io":
        _metallb_admission(ctx, doc, obj, res)


def _metallb_admission(ctx, doc, obj: dict, res: Resource) -> None:
    """MetalLB's validating webhooks (overlapping pools, bad advertisements...)."""
    from kubesvc.controllers.metallb.controller import admission_error

    meta = obj.get("metadata") or {}
    probe = {**obj, "metadata": {**meta, "namespace": meta.get("namespace") or "default"}}
    message = admission_error(probe, ctx.store.list("IPAddressPool.metallb.io"))
    if message:
        hook = f"{res.kind.lower()}validationwebhook.metallb.io"
        raise StatusError("Forbidden", f'error when creating "{doc.source}": admission webhook '
                          f'"{hook}" denied the request: {message}', 403)


def _unknown_fields(ctx, doc, obj: dict, res: Resource, opts, issues: list) -> None:
    """strict refuses them, warn reports them, ignore says nothing; a server drops them."""
    unknown = [i.path for i in issues]
    if unknown and opts.validate == "strict":
        fields = ", ".join(f'unknown field "{p}"' for p in unknown)
        raise StatusError("BadRequest", f'error when creating "{doc.source}": {res.kind} in '
                          f'version "{res.version}" cannot be handled as a {res.kind}: '
                          f"strict decoding error: {fields}", 400)
    if unknown and opts.validate == "warn":
        ctx.warnings.extend(f'unknown field "{p}"' for p in unknown)
    for issue in issues:
        if issue.steps:
            _drop_steps(obj, issue.steps)
        else:
            _drop_path(obj, issue.path)


def _drop_steps(obj: dict, steps: tuple) -> None:
    target = obj
    for step in steps[:-1]:
        target = target[step]
    target.pop(steps[-1], None)


def _schema_check(ctx, doc, obj: dict, res: Resource, schemas: SchemaSet, opts) -> None:
    definition = schemas.definition(obj["apiVersion"], obj["kind"])
    if definition is None:
        _custom_check(ctx, doc, obj, res, opts)
        return
    issues = schemas.check(obj, definition)
    unknown = [i for i in issues if i.kind == "unknown"]
    typed = [i for i in issues if i.kind == "type"]
    verb = "creating"
    if typed:
        raise StatusError("BadRequest", f'error when {verb} "{doc.source}": {res.kind} in '
                          f'version "{res.version}" cannot be handled as a {res.kind}: '
                          f"{typed[0].detail}", 400)
    _unknown_fields(ctx, doc, obj, res, opts, unknown)
    schemas.zero_null_items(obj, definition)  # a null list item is a zero value to Go
    others = [required(i.path) for i in issues if i.kind == "required"]
    others += [invalid(i.path, None, i.detail) for i in issues if i.kind == "other"]
    if others and res.kind != "Service":  # Services get the API server's own rules instead
        raise InvalidError(res.kind, _name(obj), others)


def _drop_path(obj: dict, path: str) -> None:
    import re

    steps = [int(s) if s.isdigit() else s for s in re.findall(r"[^.\[\]]+", path)]
    target = obj
    for step in steps[:-1]:
        target = target[step]
    target.pop(steps[-1], None)


def _is_snapshot(obj: dict) -> bool:
    """An object read from a live cluster (`kubectl get -o yaml`): it has a uid or a status."""
    meta = obj.get("metadata")
    return bool(obj.get("status")) or (isinstance(meta, dict) and bool(meta.get("uid")))


def _set_namespace(ctx, res: Resource, obj: dict, opts: ApplyOptions, doc: Document,
                   snapshot: bool) -> None:
    meta = obj["metadata"]
    if not res.namespaced:
        meta.pop("namespace", None)
        return
    given = meta.get("namespace")
    if given and opts.namespace and given != opts.namespace:
        raise ClientError(f'the namespace from the provided object "{given}" does not match '
                          f'the namespace "{opts.namespace}". You must pass '
                          f"'--namespace={given}' to perform this operation.")
    meta["namespace"] = given or opts.namespace or "default"
    if meta["namespace"] in ctx.namespaces_seen:
        return
    if ctx.store.get("Namespace", "", meta["namespace"]) is not None:
        ctx.namespaces_seen.add(meta["namespace"])
    else:
        if snapshot:  # `kubectl get pods,svc -A -o yaml` lists no namespaces: bring them along
            _create_namespace(ctx, meta["namespace"])
            return
        raise StatusError("NotFound", f'error when creating "{doc.source}": namespaces '
                          f'"{meta["namespace"]}" not found', 404)


def _create_namespace(ctx, name: str) -> None:
    from kubesvc.api.resources import for_gk
    from kubesvc.apiserver.strategies.namespace import namespace_object

    registry.create(ctx, for_gk("Namespace"), namespace_object(name), keep_status=False)
    ctx.warnings.append(f'namespace "{name}" created for objects imported from a live cluster')


def last_applied(manifest: dict) -> str:
    """kubectl's annotation: the manifest as compact sorted JSON, without the annotation."""
    meta = manifest.get("metadata") or {}
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED}
    obj = {**manifest, "metadata": {**meta, "annotations": annotations}}  # shallow: no copy
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def _create_or_update(ctx, res: Resource, manifest: dict, doc: Document) -> tuple[str, dict]:
    meta = manifest["metadata"]
    applied = last_applied(manifest)
    keep_status = bool(manifest.get("status"))
    live = ctx.store.get(res.gk, meta.get("namespace", ""), meta["name"])
    if live is None:
        obj = manifest  # this command's own copy: nothing else holds it
        obj["metadata"]["annotations"] = {**(obj["metadata"].get("annotations") or {}),
                                          LAST_APPLIED: applied}
        return "created", registry.create(ctx, res, obj, keep_status, known_absent=True)
    previous = (live["metadata"].get("annotations") or {}).get(LAST_APPLIED)
    original = json.loads(previous) if previous else None
    desired = json.loads(applied)  # the manifest as kubectl records it (annotations: {})
    if previous == applied and contained(desired, live) and \
            not removed_fields(original, desired):
        return "unchanged", live
    if previous is None:
        ctx.warnings.append(_missing_annotation_warning(res, meta["name"]))
    new = merge(original, desired, live)
    new["metadata"]["annotations"] = {**(new["metadata"].get("annotations") or {}),
                                      LAST_APPLIED: applied}
    if not keep_status:
        new.pop("status", None)
    return "configured", registry.update(ctx, res, new, live, keep_status)


def _missing_annotation_warning(res: Resource, name: str) -> str:
    return (f"resource {res.plural}/{name} is missing the {LAST_APPLIED} annotation which is "
            "required by kubectl apply. kubectl apply should only be used on resources created "
            "declaratively by either kubectl create --save-config or kubectl apply. The missing "
            "annotation will be patched automatically.")
