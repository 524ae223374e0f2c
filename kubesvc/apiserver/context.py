"""What one command's API calls share: the store (inside its transaction), settings, clock,
and the log of what changed, which the controllers read to look only where it matters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kubesvc.apiserver.schema import SchemaSet, schemas
from kubesvc.store.db import Store


@dataclass(slots=True)
class Change:
    """One object written by this command: its key and the metadata controllers route by.
    Read-only by convention: not frozen, as a frozen dataclass's __init__ cost ~2 µs an object
    written, as much as the rest of the record (unhashable all the same: its fields are dicts)."""

    gk: str
    namespace: str
    name: str
    old_meta: dict | None  # labels and ownerReferences before (None: created)
    new_meta: dict | None  # after (None: deleted)
    gone: dict | None = None  # a deleted Pod whole: the kubelet's Killing events name it

    def labels(self) -> list[dict]:
        return [(m.get("labels") or {}) for m in (self.old_meta, self.new_meta) if m]

    def controller_refs(self) -> list[tuple[str, str]]:
        refs = []
        for m in (self.old_meta, self.new_meta):
            for ref in (m or {}).get("ownerReferences") or []:
                if ref.get("controller"):
                    refs.append((ref.get("kind", ""), ref.get("name", "")))
        return refs


class _Savepoint:
    """ApiContext.savepoint's context manager (a class: a generator-based one cost a bulk
    import ~3 µs an object)."""

    __slots__ = ("changes", "ctx", "restored", "store_savepoint")

    def __init__(self, ctx: ApiContext):
        self.ctx = ctx

    def __enter__(self) -> None:
        ctx = self.ctx
        self.changes, self.restored = len(ctx.changes), len(ctx._restored_log)
        self.store_savepoint = ctx.store.savepoint()
        self.store_savepoint.__enter__()

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.store_savepoint.__exit__(exc_type, exc, tb)
        except BaseException:
            self._forget()
            raise
        if exc_type is not None:
            self._forget()

    def _forget(self) -> None:
        ctx = self.ctx
        del ctx.changes[self.changes:]
        for key in ctx._restored_log[self.restored:]:
            ctx.restored.discard(key)
        del ctx._restored_log[self.restored:]


def _routing_meta(obj: dict | None) -> dict | None:
    if obj is None:
        return None
    meta = obj.get("metadata") or {}
    return {"labels": meta.get("labels"), "ownerReferences": meta.get("ownerReferences")}


@dataclass
class ApiContext:
    store: Store
    now: datetime
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    changes: list[Change] = field(default_factory=list)
    namespaces_seen: set[str] = field(default_factory=set)  # known to exist in this command
    # the request's ?fieldValidation= (kubectl --validate): Strict, Warn or Ignore, lower-cased
    field_validation: str = "strict"
    # objects this command restored from a snapshot (`kubesvc import`): (gk, namespace, name).
    # The controllers leave them as the snapshot states them (controllers/writer.py).
    restored: set[tuple[str, str, str]] = field(default_factory=set)
    restoring: bool = False  # during a restored object's strategy: no mutating admission
    # an object its caller knows holds no null anywhere (a bulk copy checked it): admission
    # skips looking for nulls to zero in it (compared by identity)
    null_free: object | None = field(default=None, repr=False)
    # what `restored` gained, in order: a savepoint forgets its own additions on a rollback
    # without copying the whole set (a copy per object made a bulk import quadratic)
    _restored_log: list[tuple[str, str, str]] = field(default_factory=list, repr=False)
    _schemas: SchemaSet | None = field(default=None, repr=False)
    # discovery's answers for built-in kinds, (apiVersion, kind) -> Resource, under `schemas`
    builtin_resources: dict = field(default_factory=dict, repr=False)

    def record(self, gk: str, namespace: str, name: str, old: dict | None,
               new: dict | None) -> None:
        gone = old if new is None and gk == "Pod" else None
        self.changes.append(Change(gk, namespace, name, _routing_meta(old), _routing_meta(new),
                                   gone))

    def savepoint(self) -> _Savepoint:
        """One object's writes, all or nothing: on an error the store rolls back to here and
        the change log forgets what was undone, so the controllers never act on it."""
        return _Savepoint(self)

    def mark_restored(self, gk: str, namespace: str, name: str) -> None:
        """This command restored the object from a snapshot (see `restored`)."""
        key = (gk, namespace, name)
        if key not in self.restored:
            self.restored.add(key)
            self._restored_log.append(key)

    def is_restored(self, gk: str, obj: dict) -> bool:
        meta = obj.get("metadata") or {}
        return (gk, meta.get("namespace", ""), meta.get("name", "")) in self.restored

    def changed_kinds(self, since: int = 0) -> set[str]:
        return {c.gk for c in self.changes[since:]}

    def track_keys(self, keys: set[tuple[str, str, str]], since: int) -> None:
        """Keep a bulk command's set of stored (gk, namespace, name) keys current with the
        changes recorded since index `since`: created objects added, deleted ones dropped."""
        for change in self.changes[since:]:
            key = (change.gk, change.namespace, change.name)
            if change.new_meta is None:
                keys.discard(key)
            else:
                keys.add(key)

    @property
    def settings(self) -> dict:
        return self.store.settings

    @property
    def schemas(self) -> SchemaSet:
        """The upstream schemas of the store's Kubernetes version, loaded on first use."""
        if self._schemas is None:
            self._schemas = schemas(self.settings.get("kubernetesVersion", "1.37"))
        return self._schemas

    @schemas.setter
    def schemas(self, value: SchemaSet) -> None:
        self._schemas = value
        self.builtin_resources.clear()  # another version's schemas may know other kinds
