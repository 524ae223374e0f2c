"""`kubesvc apply`: documents in, one result per object out, inside one store transaction.

As kubectl does, a bad object is reported and the good ones are applied; a failed object
leaves no trace (its savepoint is rolled back, freeing anything allocated for it).

This is kubectl's side: finding the resource (discovery), the namespace flag checks, the
last-applied annotation, the three-way merge, created/configured/unchanged, --dry-run=client.
Schema, strict-field, CRD and webhook checks are the API server's (apiserver/admission.py);
the manifest passes them before its annotation is recorded, so the annotation holds what the
server keeps (unknown fields dropped, CRD defaults filled) and a re-apply is `unchanged`.

Status is the server's, as on a cluster: a manifest's `status` is reset on create (a Node keeps
the one it registers with) and ignored on update; one warning says so and points at
`kubesvc import`, which restores a cluster dump as it was (kubectl/restore.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from kubesvc.api.errors import ClientError, KubesvcError, StatusError
from kubesvc.api.objects import clone
from kubesvc.api.resources import APPLY_ORDER, Resource
from kubesvc.apiserver import admission, registry
from kubesvc.apiserver.admission import AdmissionError
from kubesvc.apiserver.context import ApiContext
from kubesvc.apiserver.meta import LAST_APPLIED, strip_system_fields
from kubesvc.apiserver.schema import SchemaSet
from kubesvc.input.load import Document
from kubesvc.input.pipe import DocumentStream
from kubesvc.kubectl.progress import Progress
from kubesvc.kubectl.three_way import contained, merge, removed_fields
from kubesvc.store import codec


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


def ordered(docs: list[Document] | DocumentStream) -> Iterable[Document]:
    """Namespaces and cluster-wide definitions first, the rest in manifest order."""
    if isinstance(docs, DocumentStream):  # parsed while it is written: sorts what may move
        return docs.in_order(ordered)
    rank = {kind: i for i, kind in enumerate(APPLY_ORDER)}
    return sorted(docs, key=lambda d: rank.get(d.obj.get("kind"), len(rank)))


def apply_documents(ctx: ApiContext, docs: list[Document], schemas: SchemaSet | None = None,
                    opts: ApplyOptions | None = None,
                    progress: Progress | None = None) -> list[ApplyResult]:
    """`schemas`: the --kubernetes-version's (default: the store's, loaded by the context).
    `progress` is told of each object done."""
    opts = opts or ApplyOptions()
    if schemas is not None:
        ctx.schemas = schemas
    ctx.field_validation = opts.validate  # sent as the request's fieldValidation
    results, ignored = [], []
    bulk = len(docs) >= BULK and codec.enable()
    # a bulk apply reads the stored keys once, then looks up only objects that exist
    existing = ctx.store.keys() if bulk else None
    # and writes its new objects a batch at a time (store/db.py `buffer_creates`)
    if bulk:
        ctx.store.bulk(len(docs))
    for doc in ordered(docs):
        if progress is not None:
            progress.step()
        result = ApplyResult(doc)
        before, changes = len(ctx.warnings), len(ctx.changes)
        try:
            with ctx.savepoint():
                _apply_one(ctx, doc, opts, result, existing)
        except AdmissionError as err:  # kubectl names the file the refused object came from
            result.error = StatusError(err.reason, f'error when creating "{doc.source}": '
                                       f"{err.message}", err.code)
        except KubesvcError as err:
            result.error = err
        result.warnings = ctx.warnings[before:]
        results.append(result)
        ctx.null_free = None
        if existing is not None:
            ctx.track_keys(existing, since=changes)
        if result.error is None and _status_ignored(result):
            ignored.append(result)
        if bulk and result.obj is not None:  # the document as read is no longer needed
            doc.obj = result.obj
    if ignored:
        ignored[0].warnings.insert(0, status_warning(len(ignored)))
    ctx.store.buffer_creates = False  # the page cache stays as large until the command ends
    return results


def _status_ignored(result: ApplyResult) -> bool:
    """The manifest carried a status the server did not keep (a Node keeps its status on
    create, nodeStrategy.PrepareForCreate allowing every field; so does a custom resource
    without a status subresource)."""
    status = result.doc.obj.get("status")
    return bool(status) and (result.obj or {}).get("status") != status


def status_warning(count: int) -> str:
    objects = "1 object" if count == 1 else f"{count} objects"
    return (f"status is set by the cluster: the status of {objects} was ignored, as the API "
            'server ignores it; to restore a cluster dump as it was, use "kubesvc import -f"')


# from this many documents on, a command turns on the bulk encoder (store/codec.py)
BULK = 200


def _apply_one(ctx, doc: Document, opts: ApplyOptions, result, existing: set | None) -> None:
    """`existing`: the keys of every stored object (a bulk apply), or None: look it up."""
    if existing is None:
        manifest = clone(doc.obj)  # the document stays as read, for messages
    else:
        manifest, null_free = codec.copy_checked(doc.obj)
        if null_free:
            ctx.null_free = manifest  # admission need not look for nulls to zero
    strip_system_fields(manifest)
    res = find_resource(ctx, doc, manifest)
    result.resource = res
    # the server's admission, before kubectl records the annotation (see the module doc)
    admission.admit(ctx, res, manifest)
    meta = manifest.get("metadata")
    if not isinstance(meta, dict) or not meta.get("name"):
        raise ClientError(f"error when retrieving current configuration of {res.kind} from "
                          f'"{doc.source}" (document {doc.index}): resource name may not be empty')
    result.name = meta["name"]
    _set_namespace(ctx, res, manifest, opts, doc)
    key = (res.gk, meta.get("namespace", ""), meta["name"])
    live = ctx.store.get(*key) if existing is None or key in existing else None
    if opts.dry_run == "client":
        result.action, result.obj = ("configured" if live else "created"), manifest
        return
    result.action, result.obj = _create_or_update(ctx, res, manifest, live)


def find_resource(ctx, doc: Document, obj: dict) -> Resource:
    """kubectl's discovery (RESTMapper): which resource serves the document's kind."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    missing = [f"{f} not set" for f, v in (("apiVersion", api_version), ("kind", kind)) if not v]
    if missing:
        raise ClientError(f'error validating "{doc.source}" (document {doc.index}): error '
                          f"validating data: [{', '.join(missing)}]; if you choose to ignore "
                          "these errors, turn validation off with --validate=false")
    if isinstance(api_version, str) and isinstance(kind, str):
        found = admission.resource_for(ctx, api_version, kind)
        if found is not None:
            return found
    raise ClientError(f'resource mapping not found for name: "{_name(obj)}" namespace: '
                      f'"{_namespace(obj)}" from "{doc.source}": no matches for kind '
                      f'"{kind}" in version "{api_version}"')


def _name(obj: dict) -> str:
    meta = obj.get("metadata")
    return str(meta.get("name", "")) if isinstance(meta, dict) else ""


def _namespace(obj: dict) -> str:
    meta = obj.get("metadata")
    return str(meta.get("namespace", "")) if isinstance(meta, dict) else ""


def _set_namespace(ctx, res: Resource, obj: dict, opts: ApplyOptions, doc: Document) -> None:
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
        raise StatusError("NotFound", f'error when creating "{doc.source}": namespaces '
                          f'"{meta["namespace"]}" not found', 404)


def last_applied(manifest: dict) -> str:
    """kubectl's annotation: the manifest as compact sorted JSON, without the annotation."""
    meta = manifest.get("metadata") or {}
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != LAST_APPLIED}
    obj = {**manifest, "metadata": {**meta, "annotations": annotations}}  # shallow: no copy
    return codec.dumps(obj, sort_keys=True) + "\n"  # json.dumps' own text


def _create_or_update(ctx, res: Resource, manifest: dict, live: dict | None) -> tuple[str, dict]:
    """`live`: the stored object, None when there is none."""
    meta = manifest["metadata"]
    applied = last_applied(manifest)
    if live is None:
        obj = manifest  # this command's own copy: nothing else holds it
        obj["metadata"]["annotations"] = {**(obj["metadata"].get("annotations") or {}),
                                          LAST_APPLIED: applied}
        # admitted in _apply_one already; the annotation added since is kubectl's own
        return "created", registry.create(ctx, res, obj, keep_status=False, known_absent=True,
                                          admit=False)
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
    new.pop("status", None)  # the main resource's update keeps the stored status
    return "configured", registry.update(ctx, res, new, live, keep_status=False)


def _missing_annotation_warning(res: Resource, name: str) -> str:
    return (f"resource {res.plural}/{name} is missing the {LAST_APPLIED} annotation which is "
            "required by kubectl apply. kubectl apply should only be used on resources created "
            "declaratively by either kubectl create --save-config or kubectl apply. The missing "
            "annotation will be patched automatically.")
