"""`kubesvc import`: restore a snapshot of a live cluster (`kubectl get ... -A -o yaml`, or
kubesvc's own `-o yaml`) as it was, through the same API server path as every write.

What `apply` gives the cluster to decide (status, creationTimestamp, uid, generation), `import`
keeps: each object is written with `restore=True` (apiserver/registry.py), so its status is
validated as a status update is and kept, and this command's controllers leave it as the
snapshot states it (pods are not rescheduled, restarted or re-addressed, load-balancer ingress
is not re-allocated, restored EndpointSlices are not recomputed). Cluster IPs, node ports and
pod IPs the snapshot holds are allocated to their objects, so new ones never collide.

An object already in the state is replaced by the snapshot's (`configured`), or left alone when
the snapshot says what the state holds (`unchanged`). Namespaces the snapshot's objects live in
but that it does not list (`kubectl get pods,svc -A` lists none) are created; the caller says so
once. A bad object is reported and the others are imported, each in its own savepoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubesvc import __version__
from kubesvc.api.errors import ClientError, KubesvcError
from kubesvc.api.resources import Resource, for_gk
from kubesvc.apiserver import registry
from kubesvc.apiserver.context import ApiContext
from kubesvc.apiserver.meta import SYSTEM_FIELDS
from kubesvc.apiserver.strategies.namespace import namespace_object
from kubesvc.input.load import Document
from kubesvc.input.pipe import DocumentStream
from kubesvc.kubectl.apply import ApplyResult, find_resource, ordered
from kubesvc.kubectl.progress import Progress
from kubesvc.store import codec


@dataclass
class ImportReport:
    results: list[ApplyResult] = field(default_factory=list)
    created_namespaces: list[str] = field(default_factory=list)  # not in the snapshot


class _Unchanged(Exception):
    """Rolls back the savepoint of a replacement that changed nothing."""


# from this many documents on, a command turns on the bulk encoder (store/codec.py)
BULK = 200


def import_documents(ctx: ApiContext, docs: list[Document] | DocumentStream, objects: bool = True,
                     progress: Progress | None = None) -> ImportReport:
    """`objects=False`: the caller prints no objects, so a result found unchanged by its
    digest need not read the stored object back (its `obj` stays None). `progress` is told
    of each object done."""
    report = ImportReport()
    bulk = len(docs) >= BULK and codec.enable()
    digests = _Digests(ctx) if bulk else None
    # a bulk import reads the stored keys once, then looks up only objects that exist
    existing = ctx.store.keys() if bulk else None
    if digests is not None and isinstance(docs, DocumentStream):  # text the state holds as it
        # was made is not even parsed (stubs), and a child that prepares (import_child.py)
        # runs the stateless create steps of the Pods and Services this import creates
        docs.skip_known(digests.salt, digests.known, _preparing(ctx, existing))
    # and writes its new objects a batch at a time (store/db.py `buffer_creates`)
    if bulk:
        ctx.store.bulk(len(docs))
    for doc in ordered(docs):
        result = ApplyResult(doc)
        if progress is not None:
            progress.step()
        if doc.stub is not None:  # input/pipe.py
            if digests is not None and digests.unchanged_stub(doc, result, objects):
                report.results.append(result)
                continue
            assert isinstance(docs, DocumentStream)
            doc.obj, doc.stub = docs.materialize(doc), None
        if doc.prepared is not None and existing is not None and \
                (doc.obj["kind"], doc.obj["metadata"]["namespace"],  # (a core kind: gk)
                 doc.obj["metadata"]["name"]) in existing:
            assert isinstance(docs, DocumentStream)  # stored meanwhile: replaced, from the text
            doc.obj, doc.prepared = docs.materialize(doc), None
        # digested and copied from (a prepared object came with its input's digest)
        raw = codec.encode(doc.obj) if bulk and doc.prepared is None else None
        if digests is not None and digests.unchanged(doc, raw, result, objects):
            report.results.append(result)
            continue
        before, made = len(ctx.warnings), len(report.created_namespaces)
        changes = len(ctx.changes)
        res = digests.res if digests is not None else None
        try:
            with ctx.savepoint():
                _import_one(ctx, doc, result, report, existing, raw, res)
        except KubesvcError as err:
            result.error = err
            for name in report.created_namespaces[made:]:  # rolled back with the object
                ctx.namespaces_seen.discard(name)
            del report.created_namespaces[made:]
        if len(ctx.warnings) > before:  # (else the result's own empty list stays)
            result.warnings = ctx.warnings[before:]
        report.results.append(result)
        ctx.null_free = None
        if digests is not None:  # (a bulk import: `existing` too) the keys kept current
            digests.written(ctx.changes[changes:], result, existing)
        elif existing is not None:
            ctx.track_keys(existing, since=changes)
        if result.obj is not None:  # the document as read is no longer needed: one copy held
            doc.obj = result.obj
    if digests is not None:
        digests.record()
    ctx.store.buffer_creates = False  # the page cache stays as large until the command ends
    return report


def _preparing(ctx: ApiContext, existing: set[tuple[str, str, str]] | None) -> dict | None:
    """What a child needs to prepare the Pods this import creates (registry.prepare)."""
    if existing is None:
        return None
    return {"version": ctx.schemas.version, "fieldValidation": ctx.field_validation,
            "existing": [key for key in existing if key[0] in registry.PREPARABLE]}


class _Digests:
    """Re-importing the same dump: an object whose stored version an import wrote from this
    very document (same bytes, same kubesvc, same schemas) is `unchanged` without the API path.
    The store forgets a digest whenever the object is written again (store/db.py); built-in
    kinds only (a custom resource's admission may warn, e.g. of a deprecated version)."""

    def __init__(self, ctx: ApiContext):
        self.ctx = ctx
        self.known = ctx.store.input_digests()
        self.salt = f"import {__version__} {ctx.schemas.version} {ctx.field_validation}"
        self.pending: dict[tuple[str, str, str], str] = {}
        self.current: str | None = None
        self.res: Resource | None = None  # what `unchanged` found for its document

    def unchanged(self, doc: Document, raw: bytes | None, result: ApplyResult,
                  objects: bool) -> bool:
        self.current = self.res = None
        obj = doc.obj
        api_version, kind, meta = obj.get("apiVersion"), obj.get("kind"), obj.get("metadata")
        if (raw is None and doc.prepared is None) or not (
                isinstance(api_version, str) and isinstance(kind, str)
                and isinstance(meta, dict) and isinstance(meta.get("name"), str)):
            return False
        # discovery's answer for a built-in kind asked before (admission.resource_for keeps
        # only kinds with a schema definition), else the schema's definition decides
        res = self.ctx.builtin_resources.get((api_version, kind))
        if res is None:
            if self.ctx.schemas.definition(api_version, kind) is None:
                return False
            res = find_resource(self.ctx, doc, obj)
        self.res = res
        # the digest of the text it came from (input/pipe.py), else of its JSON text
        self.current = doc.digest or codec.digest(raw, self.salt)  # type: ignore[arg-type]
        if not self.known or doc.prepared is not None:  # a state no import wrote yet, or an
            return False  # object it does not hold (import_child.py): nothing is unchanged
        namespace = (meta.get("namespace") or "default") if res.namespaced else ""
        key = (res.gk, namespace, meta["name"])
        if not meta["name"] or self.known.get(key) != self.current:
            return False
        live = self.ctx.store.get(*key) if objects else None
        result.resource, result.name, result.action, result.obj = res, meta["name"], \
            "unchanged", live
        self.ctx.mark_restored(*key)
        return True

    def unchanged_stub(self, doc: Document, result: ApplyResult, objects: bool) -> bool:
        """A stub (input/pipe.py): text that made the stored object as it is, unparsed."""
        key = doc.stub
        if key is None or self.known.get(key) != doc.digest:
            return False
        live = self.ctx.store.get(*key) if objects else None
        result.resource, result.name, result.action, result.obj = for_gk(key[0]), key[2], \
            "unchanged", live
        self.ctx.mark_restored(*key)
        return True

    def written(self, changes: list, result: ApplyResult, existing: set | None) -> None:
        """After an object took the API path: whatever it wrote has no digest any more, and
        the object itself gets its document's. `existing`: the stored keys, kept current as
        ApiContext.track_keys does (created objects added, deleted ones dropped)."""
        known, pending = self.known, self.pending
        for change in changes:
            key = (change.gk, change.namespace, change.name)
            if existing is not None:
                if change.new_meta is None:
                    existing.discard(key)
                else:
                    existing.add(key)
            known.pop(key, None)
            pending.pop(key, None)
        if result.error is None and self.current is not None and result.resource is not None:
            meta = (result.obj or {}).get("metadata") or {}
            key = (result.resource.gk, meta.get("namespace", ""), result.name)
            self.pending[key] = self.current

    def record(self) -> None:
        self.ctx.store.record_input_digests(
            [(digest, *key) for key, digest in self.pending.items()])


def _import_one(ctx, doc: Document, result: ApplyResult, report: ImportReport,
                existing: set | None, raw: bytes | None, res: Resource | None = None) -> None:
    """`existing`: the keys of every stored object (a bulk import), or None: look it up;
    `raw`: the document's `codec.encode` text, when the caller has it; `res`: the document's
    Resource, when the caller found it already (the copy is of the same kind)."""
    if (raw is not None or doc.prepared is not None) and doc.fresh:  # no null in it (`raw`,
        obj, null_free = doc.obj, True  # or prepared), nothing shared: no copy needed, the
        # document is not read again once written
    else:
        obj, null_free = codec.copy_checked(doc.obj, raw)
    if null_free:
        ctx.null_free = obj  # admission need not look for nulls to zero
    if res is None:
        res = find_resource(ctx, doc, obj)
    result.resource = res
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not meta.get("name"):
        raise ClientError(f'error restoring {res.kind} from "{doc.source}" (document '
                          f"{doc.index}): resource name may not be empty")
    result.name = meta["name"]
    if res.namespaced:
        meta["namespace"] = meta.get("namespace") or "default"
        _ensure_namespace(ctx, meta["namespace"], report)
    else:
        meta.pop("namespace", None)
    key = (res.gk, meta.get("namespace", ""), meta["name"])
    live = ctx.store.get(*key) if existing is None or key in existing else None
    if live is None:
        result.action = "created"
        result.obj = registry.create(ctx, res, obj, keep_status=True, known_absent=True,
                                     restore=True, prepared=doc.prepared)
        return
    result.action, result.obj = _replace(ctx, res, obj, live)


def _replace(ctx, res, obj: dict, live: dict) -> tuple[str, dict]:
    """The snapshot's version wins; `unchanged` when it is what the state already holds."""
    if _same(obj, live, ignore=("resourceVersion", "managedFields", "selfLink")):
        ctx.mark_restored(res.gk, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        return "unchanged", live  # a re-import of the same dump: no write at all
    changes = len(ctx.changes)
    for system in SYSTEM_FIELDS:
        obj["metadata"].pop(system, None)
    try:
        with ctx.savepoint():
            new = registry.update(ctx, res, obj, live, keep_status=True, restore=True)
            if _same(new, live):
                raise _Unchanged
    except _Unchanged:
        del ctx.changes[changes:]
        return "unchanged", live
    return "configured", new


def _same(a: dict, b: dict, ignore: tuple[str, ...] = ("resourceVersion",)) -> bool:
    def strip(obj: dict) -> dict:
        meta = {k: v for k, v in obj["metadata"].items() if k not in ignore}
        return {**obj, "metadata": meta}
    return strip(a) == strip(b)


def _ensure_namespace(ctx, name: str, report: ImportReport) -> None:
    if name in ctx.namespaces_seen:
        return
    if ctx.store.get("Namespace", "", name) is None:
        registry.create(ctx, for_gk("Namespace"), namespace_object(name), keep_status=False)
        report.created_namespaces.append(name)
    ctx.namespaces_seen.add(name)
