"""The verbs on objects: get, list, create, update, patch, delete, and the status, scale and
eviction subresources. Reads use one read snapshot, writes one Session (one transaction, the
same admission as the CLI, the controllers on exit), exactly as the CLI verbs do."""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import yaml

from kubesvc.api import fieldselectors as fs
from kubesvc.api import selectors
from kubesvc.api.errors import ClientError, NotFoundError, StatusError
from kubesvc.api.objects import clone
from kubesvc.api.resources import Resource, for_gk
from kubesvc.apiserver import registry
from kubesvc.apiserver.context import ApiContext
from kubesvc.apiserver.patch.patches import apply_patch
from kubesvc.kubectl.environment import Environment
from kubesvc.kubectl.session import Session, open_state
from kubesvc.serve import status as st
from kubesvc.serve import tables
from kubesvc.serve.catalog import Catalog, Served
from kubesvc.serve.catalog import build as build_catalog
from kubesvc.serve.request import Request, Target, check_depth
from kubesvc.serve.status import HttpError
from kubesvc.store import queries
from kubesvc.store.db import Store

PATCH_TYPES = {"application/merge-patch+json": "merge",
               "application/json-patch+json": "json",
               "application/strategic-merge-patch+json": "strategic",
               "application/apply-patch+yaml": "apply",
               "application/apply-patch+cbor": "apply-cbor"}
_GENERATE = "bcdfghjklmnpqrstvwxz2456789"  # apiserver's names.SimpleNameGenerator alphabet


class Reply:
    """What a handler answers: a code, a JSON body and the API warnings to send. `raw`, when
    given, is the body already encoded (a large Table built as text); `body` then only
    carries its kind."""

    def __init__(self, code: int, body: dict, warnings: list[str] | None = None,
                 raw: bytes | None = None):
        self.code, self.body, self.warnings, self.raw = code, body, warnings or [], raw


class Server:
    """What every handler needs: the environment and the state. The state file is opened
    once, checked, and kept open while serving; each worker thread then gets its own
    connection from it (Store.reopen: never the file opened outside SQLite again)."""

    def __init__(self, env: Environment, state: str):
        self.env = env
        self.state = state
        self.root = open_state(env, state)
        self._local = threading.local()
        self._catalog: tuple[str | None, Catalog] | None = None
        self._rows: dict[tuple[str, str | None], tuple[str, list[tuple]]] = {}
        self._rows_lock = threading.Lock()

    def catalog(self, store: Store) -> Catalog:
        """The served resources, built again only when the state has changed since (every
        write bumps the state's resourceVersion): discovery and routing read it per request."""
        rv = store.get_meta("rv")
        cached = self._catalog
        if cached is None or cached[0] != rv:
            cached = self._catalog = (rv, build_catalog(store))
        return cached[1]

    def table_rows(self, store: Store, gk: str, namespace: str | None) -> tuple[list[tuple], str]:
        """A kind's summary rows with labels (queries.table_rows) and the state's
        resourceVersion, kept while the state is unchanged (as the API server's watch cache
        keeps its lists): `kubectl get pods` again reads nothing from the store."""
        rv = store.get_meta("rv") or "0"
        key = (gk, namespace)
        with self._rows_lock:
            cached = self._rows.get(key)
        if cached is None or cached[0] != rv:
            cached = (rv, queries.table_rows(store, gk, namespace, metadata=True))
            with self._rows_lock:
                if len(self._rows) >= 4:
                    self._rows.pop(next(iter(self._rows)))
                self._rows[key] = cached
        return cached[1], rv

    def store(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = self.root.reopen()
        return store

    # -- sessions ---------------------------------------------------------------------------

    def read(self, func: Callable[[Store], Any]) -> Any:
        store = self.store()
        with store.read():
            return func(store)

    def write(self, req: Request, func: Callable[[ApiContext], Any]) -> tuple[Any, list[str]]:
        session = Session(self.env, self.store(), dry_run=req.dry_run)
        with session as api:
            api.field_validation = req.query.get("fieldValidation", "Warn").lower()
            if api.field_validation not in ("strict", "warn", "ignore"):
                raise HttpError(400, "fieldValidation must be one of Strict, Warn, "
                                     f"Ignore, not {req.query['fieldValidation']!r}")
            result = func(api)
        return result, list(dict.fromkeys(api.warnings))


# -- reads ---------------------------------------------------------------------------------------

def get(server: Server, req: Request, served: Served, target: Target) -> Reply:
    res = served.res
    ns, name = _ns(res, target), target.name or ""

    def run(store: Store) -> dict:
        obj = store.get(res.gk, ns, name)
        if obj is None:
            raise NotFoundError(res.qualified_plural, name)
        return obj

    obj = server.read(run)
    _typed(res, obj)
    if target.sub == "scale":
        return Reply(200, scale_of(res, obj))
    if tables.wants_table(req.header("accept")):
        meta = {"resourceVersion": obj["metadata"].get("resourceVersion", "")}
        return Reply(200, tables.table(res.kind, [obj], server.env.now(),
                                       tables.include_of(req.query), meta))
    return Reply(200, obj)


def list_objects(server: Server, req: Request, served: Served, target: Target) -> Reply:
    res = served.res
    token = _token(req.query.get("continue"))
    as_table = tables.wants_table(req.header("accept"))
    if as_table and not token:
        found = _summary_table(server, req, res, target)
        if found is not None:
            return found
    cached = _SNAPSHOTS.take(token.get("id", "")) if token else None
    if cached is not None:  # the next page of a list already read: the same snapshot
        objs, rv = cached
    else:
        objs, rv = server.read(lambda store: matching(store, req, res, target.namespace))
    page, cont, remaining = _page(req, objs, rv, token, cached is not None)
    meta: dict = {"resourceVersion": rv}
    if cont:
        meta["continue"] = cont
        meta["remainingItemCount"] = remaining
    if as_table:
        return Reply(200, tables.table(res.kind, page, server.env.now(),
                                       tables.include_of(req.query), meta))
    for obj in page:
        _typed(res, obj)
    return Reply(200, {"kind": f"{res.kind}List", "apiVersion": res.api_version,
                       "metadata": meta, "items": page})


def _summary_table(server: Server, req: Request, res: Resource, target: Target
                   ) -> Reply | None:
    """A Table of every object of a kind with a summary (pods, Services), built from the
    store's summary rows and each object's metadata as SQLite extracts it, without decoding
    bodies: what `kubectl get pods -A` asks for. None when the request needs more (selectors,
    whole objects).

    Tables are not paged: `limit` is ignored, as the API lets a server do ("servers may
    choose not to support the limit argument and will return all of the available
    results"). kubectl asks 500 rows at a time and, at client-go's default 5 requests per
    second, a 50,000-pod list would spend 18 s waiting on its own rate limiter; kubectl
    prints the same table either way (its chunked printing only widens columns as pages
    come). Plain lists (informers, client libraries, `-o name|json|yaml`) are paged."""
    include = tables.include_of(req.query)
    if (not tables.from_summaries(res.kind, include) or res.gk != res.kind
            or req.query.get("labelSelector") or req.query.get("fieldSelector")):
        return None
    ns = target.namespace if res.namespaced else ""

    rows, rv = server.read(lambda store: server.table_rows(store, res.gk, ns))
    raw = tables.summary_table_json(res.kind, rows, server.env.now(), include,
                                    {"resourceVersion": rv})
    return Reply(200, {"kind": "Table"}, raw=raw)


class _Snapshots:
    """Lists being read page by page (kubectl asks 500 at a time): the rest of a list is
    kept for a while under its continue token's id, so a 50,000-pod list is read from the
    store once, not once per page, and every page comes from one snapshot (as etcd's do).
    A token whose snapshot is gone resumes after its last key from a fresh read."""

    TTL = 300.0
    MAX = 8

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[float, list[dict], str]] = {}

    def put(self, objs: list[dict], rv: str) -> str:
        ident = uuid.uuid4().hex
        with self._lock:
            now = time.monotonic()
            for key in [k for k, (t, _, _) in self._kept.items() if now - t > self.TTL]:
                del self._kept[key]
            while len(self._kept) >= self.MAX:
                del self._kept[next(iter(self._kept))]
            self._kept[ident] = (now, objs, rv)
        return ident

    def take(self, ident: str) -> tuple[list[dict], str] | None:
        with self._lock:
            found = self._kept.pop(ident, None)
        return (found[1], found[2]) if found else None


_SNAPSHOTS = _Snapshots()


def matching(store: Store, req: Request, res: Resource, namespace: str | None
             ) -> tuple[list[dict], str]:
    """The objects a list (or watch) request selects, and the state's resourceVersion."""
    ns = namespace if res.namespaced else None
    try:
        sel = selectors.parse(req.query["labelSelector"]) if req.query.get(
            "labelSelector") else None
    except ClientError as exc:
        raise HttpError(400, exc.message) from None
    objs = (store.list_by_labels(res.gk, ns, sel.equality_pairs()) if sel
            else store.list(res.gk, ns))
    if sel:
        objs = [o for o in objs if sel.matches(o["metadata"].get("labels"))]
    field = req.query.get("fieldSelector")
    if field:
        try:
            objs = fs.select(objs, field, res.kind, res.group)
        except fs.FieldSelectorError as exc:
            raise HttpError(400, str(exc)) from None
    return objs, store.get_meta("rv") or "0"


def _token(text: str | None) -> dict:
    if not text:
        return {}
    try:
        token = json.loads(base64.urlsafe_b64decode(text.encode()))
        str(token["start"])
    except (ValueError, KeyError, TypeError):
        raise HttpError(400, "continue key is not valid: illegal base64 data") from None
    if not isinstance(token, dict):
        raise HttpError(400, "continue key is not valid: illegal base64 data")
    return token


def _page(req: Request, objs: list[dict], rv: str, token: dict, cached: bool
          ) -> tuple[list[dict], str, int]:
    """limit/continue. The token carries the key of the last object sent (and the id of the
    kept snapshot, whose first object is the next one to send)."""
    start = 0
    if token and not cached:
        after = str(token["start"])
        start = next((i for i, o in enumerate(objs) if _key(o) > after), len(objs))
    limit = req.query.get("limit", "")
    if tables.wants_table(req.header("accept")):
        limit = ""  # Tables are answered whole (see _summary_table)
    if not limit.isdigit() or int(limit) == 0:
        return objs[start:], "", 0
    end = start + int(limit)
    page = objs[start:end]
    if end >= len(objs):
        return page, "", 0
    ident = _SNAPSHOTS.put(objs[end:], rv)
    encoded = base64.urlsafe_b64encode(json.dumps(
        {"rv": rv, "start": _key(page[-1]), "id": ident}).encode())
    return page, encoded.decode(), len(objs) - end


def _key(obj: dict) -> str:
    meta = obj["metadata"]
    return f"{meta.get('namespace', '')}/{meta['name']}"


def _typed(res: Resource, obj: dict) -> None:
    obj.setdefault("apiVersion", res.api_version)
    obj.setdefault("kind", res.kind)


def _ns(res: Resource, target: Target) -> str:
    if not res.namespaced:
        return ""
    if target.namespace is None:
        raise HttpError(404, "the server could not find the requested resource")
    return target.namespace


# -- writes --------------------------------------------------------------------------------------

def create(server: Server, req: Request, served: Served, target: Target) -> Reply:
    res = served.res
    obj = req.json()
    _check_kind(res, obj)
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = obj["metadata"] = {}
    if res.namespaced:
        ns = _ns(res, target)
        if meta.get("namespace") and meta["namespace"] != ns:
            raise HttpError(400, "the namespace of the provided object does not match the "
                                 "namespace sent on the request")
        meta["namespace"] = ns
    else:
        meta.pop("namespace", None)
    if not meta.get("name") and isinstance(meta.get("generateName"), str):
        meta["name"] = meta["generateName"] + "".join(random.choices(_GENERATE, k=5))

    def run(api: ApiContext) -> dict:
        if res.namespaced and api.store.get("Namespace", "", meta["namespace"]) is None:
            raise NotFoundError("namespaces", meta["namespace"])
        return registry.create(api, res, obj, keep_status=False)

    created, warnings = server.write(req, run)
    return Reply(201, created, warnings)


def _check_kind(res: Resource, obj: dict) -> None:
    kind, api_version = obj.setdefault("kind", res.kind), obj.setdefault("apiVersion",
                                                                         res.api_version)
    if kind != res.kind or api_version != res.api_version:
        raise HttpError(400, f"the API version in the data ({api_version}) does not match the "
                             f"expected API version ({res.api_version})"
                        if api_version != res.api_version else
                        f"the kind in the data ({kind}) does not match the expected kind "
                        f"({res.kind})")


def update(server: Server, req: Request, served: Served, target: Target) -> Reply:
    res = served.res
    ns, name = _ns(res, target), target.name or ""
    body = req.json()
    if target.sub == "scale":
        return _write_scale(server, req, res, ns, name, lambda scale: body)
    _check_kind(res, body)
    meta: dict = body["metadata"] if isinstance(body.get("metadata"), dict) else {}
    if meta.get("name", name) != name:
        raise HttpError(400, f'the name of the object ({meta.get("name")}) does not match the '
                             f"name on the URL ({name})")

    def run(api: ApiContext) -> dict:
        old = _live(api, res, ns, name)
        _check_version(res, name, meta, old)
        if target.sub == "status":
            new = clone(old)
            new["status"] = body.get("status")
            return registry.update(api, res, new, old, keep_status=True)
        new = clone(body)
        new.setdefault("metadata", {})
        if res.namespaced:
            new["metadata"]["namespace"] = ns
        return registry.update(api, res, new, old, keep_status=False)

    updated, warnings = server.write(req, run)
    return Reply(200, updated, warnings)


def _live(api: ApiContext, res: Resource, ns: str, name: str) -> dict:
    old = api.store.get(res.gk, ns, name)
    if old is None:
        raise NotFoundError(res.qualified_plural, name)
    return old


def _check_version(res: Resource, name: str, meta: dict, old: dict) -> None:
    sent = meta.get("resourceVersion")
    if sent and sent != old["metadata"].get("resourceVersion"):
        raise StatusError("Conflict", f'Operation cannot be fulfilled on {res.qualified_plural} '
                                      f'"{name}": the object has been modified; please apply '
                                      "your changes to the latest version and try again", 409)


def patch(server: Server, req: Request, served: Served, target: Target) -> Reply:
    res = served.res
    ns, name = _ns(res, target), target.name or ""
    kind = PATCH_TYPES.get(req.content_type)
    if kind is None or kind == "apply-cbor":
        raise HttpError(415, f'the body of the request was in an unknown format - accepted '
                             f"media types include: {', '.join(list(PATCH_TYPES)[:4])}")
    text = req.text()
    if not text.strip():
        raise HttpError(400, "the request body is empty")
    if target.sub == "scale":
        return _write_scale(server, req, res, ns, name,
                            lambda scale: apply_patch(scale, text, _plain(kind), "Scale"))

    def run(api: ApiContext) -> tuple[int, dict]:
        old = api.store.get(res.gk, ns, name)
        if kind == "apply":
            return _server_side_apply(api, req, res, ns, name, old, text)
        if old is None:
            raise NotFoundError(res.qualified_plural, name)
        new = apply_patch(clone(old), text, kind, res.kind)
        return 200, _save(api, res, old, new, target.sub)

    (code, obj), warnings = server.write(req, run)
    return Reply(code, obj, warnings)


def _plain(kind: str) -> str:
    return "merge" if kind == "apply" else kind


def _save(api: ApiContext, res: Resource, old: dict, new: dict, sub: str | None) -> dict:
    """Write a patched object: /status takes only the status, the main resource keeps it."""
    if sub == "status":
        merged = clone(old)
        merged["status"] = new.get("status")
        new = merged
    elif sub:
        raise HttpError(404, f"the server could not find the requested resource ({sub})")
    elif "status" in old:
        new["status"] = clone(old["status"])
    else:
        new.pop("status", None)
    if new == old:
        return old
    return registry.update(api, res, new, old, keep_status=sub == "status")


def _server_side_apply(api: ApiContext, req: Request, res: Resource, ns: str, name: str,
                       old: dict | None, text: str) -> tuple[int, dict]:
    """application/apply-patch+yaml, as far as `kubectl apply --server-side` needs: the
    applied configuration is created, or merged into the live object (strategic merge for
    built-in kinds, JSON merge for custom ones). Field ownership is not tracked, so fields a
    manager stops applying are not removed."""
    try:
        applied = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise HttpError(400, f"error decoding YAML: {exc}") from None
    check_depth(applied)
    if not isinstance(applied, dict):
        raise HttpError(400, "the apply configuration must be an object")
    _check_kind(res, applied)
    meta = applied.setdefault("metadata", {})
    if meta.get("name", name) != name:
        raise HttpError(400, f'the name of the object ({meta.get("name")}) does not match the '
                             f"name on the URL ({name})")
    meta["name"] = name
    if res.namespaced:
        meta["namespace"] = ns
    if old is None:
        if res.namespaced and api.store.get("Namespace", "", ns) is None:
            raise NotFoundError("namespaces", ns)
        return 201, registry.create(api, res, applied, keep_status=False)
    strategic = api.schemas.definition(res.api_version, res.kind) is not None
    new = apply_patch(clone(old), json.dumps(applied), "strategic" if strategic else "merge",
                      res.kind)
    return 200, _save(api, res, old, new, None)


# -- scale ---------------------------------------------------------------------------------------

def scale_of(res: Resource, obj: dict) -> dict:
    meta = obj["metadata"]
    status = obj.get("status") or {}
    selector = (obj.get("spec") or {}).get("selector") or {}
    text = (selectors.format_label_selector(selector) if "matchLabels" in selector
            or "matchExpressions" in selector else selectors.format_labels(selector))
    return {"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                               "creationTimestamp") if k in meta},
            "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
            "status": {"replicas": status.get("replicas", 0), "selector": text}}


def _write_scale(server: Server, req: Request, res: Resource, ns: str, name: str,
                 change: Callable[[dict], dict]) -> Reply:
    def run(api: ApiContext) -> dict:
        old = _live(api, res, ns, name)
        wanted = change(scale_of(res, old))
        replicas = (wanted.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise HttpError(422, f'Scale.autoscaling "{name}" is invalid: spec.replicas: '
                                 "Invalid value: must be greater than or equal to 0",
                            "Invalid")
        _check_version(res, name, wanted.get("metadata") or {}, old)
        new = clone(old)
        new.setdefault("spec", {})["replicas"] = replicas
        return scale_of(res, registry.update(api, res, new, old, keep_status=False))

    scaled, warnings = server.write(req, run)
    return Reply(200, scaled, warnings)


# -- delete --------------------------------------------------------------------------------------

def delete(server: Server, req: Request, served: Served, target: Target) -> Reply:
    res = served.res
    ns, name = _ns(res, target), target.name or ""
    options = _delete_options(req)
    policy = options.get("propagationPolicy") or req.query.get("propagationPolicy")
    if options.get("dryRun") == ["All"]:
        req.query["dryRun"] = "All"

    def run(api: ApiContext) -> dict:
        if policy == "Orphan":
            _orphan_dependents(api, _live(api, res, ns, name))
        return registry.delete(api, res, ns, name)

    gone, warnings = server.write(req, run)
    return Reply(200, st.success({"name": name, "group": res.group, "kind": res.plural,
                                  "uid": gone["metadata"].get("uid", "")}), warnings)


def delete_collection(server: Server, req: Request, served: Served, target: Target) -> Reply:
    """DELETE on a collection: every object the selectors match, in one transaction."""
    res = served.res
    options = _delete_options(req)
    if options.get("dryRun") == ["All"]:
        req.query["dryRun"] = "All"

    def run(api: ApiContext) -> int:
        objs, _ = matching(api.store, req, res, target.namespace)
        for obj in objs:
            meta = obj["metadata"]
            if api.store.get(res.gk, meta.get("namespace", ""), meta["name"]) is not None:
                registry.delete(api, res, meta.get("namespace", ""), meta["name"])
        return len(objs)

    _, warnings = server.write(req, run)
    return Reply(200, st.success({"group": res.group, "kind": res.plural}), warnings)


def _delete_options(req: Request) -> dict:
    if not req.body or not req.body.strip():
        return {}
    return req.json()


def _orphan_dependents(api: ApiContext, owner: dict) -> None:
    """propagationPolicy=Orphan: the dependents lose their owner reference and stay."""
    uid = owner["metadata"].get("uid")
    ns = owner["metadata"].get("namespace", "")
    for gk in ("ReplicaSet.apps", "Pod", "ControllerRevision.apps"):
        for obj in api.store.list(gk, ns):
            refs = obj["metadata"].get("ownerReferences") or []
            kept = [r for r in refs if r.get("uid") != uid]
            if len(kept) != len(refs):
                new = clone(obj)
                new["metadata"]["ownerReferences"] = kept
                if not kept:
                    del new["metadata"]["ownerReferences"]
                registry.update(api, for_gk(gk), new, obj, keep_status=True, admit=False)


def evict(server: Server, req: Request, served: Served, target: Target) -> Reply:
    """pods/NAME/eviction (kubectl drain): the pod goes (PodDisruptionBudgets not checked)."""
    ns, name = _ns(served.res, target), target.name or ""
    body = req.json()
    if body.get("kind") not in (None, "Eviction"):
        raise HttpError(400, f"the kind in the data ({body.get('kind')}) is not Eviction")
    server.write(req, lambda api: registry.delete(api, served.res, ns, name))
    return Reply(201, st.success({"name": name, "kind": "pods"}))
