"""Create, update and delete any object: system metadata, the kind's strategy, the store.

A strategy is a module (or object) with `create(ctx, obj, keep_status)`,
`update(ctx, new, old, keep_status)` and `delete(ctx, obj)`; kinds without one are stored as
they are, after their metadata is checked (ConfigMap, ServiceAccount, ...).

`keep_status=False` is a write to the main resource, as a user's `apply`, `edit` or `patch`:
each kind's PrepareForCreate resets the status (a Node keeps the one it registers with), and
PrepareForUpdate keeps the stored one. `keep_status=True` is a write that owns the status: the
/status subresource, a controller, the kubelet. `restore=True` (`kubesvc import`) also keeps
the snapshot's creationTimestamp, uid and generation, validates the status as a status update
does, and marks the object restored so this command's controllers leave it as stated.

Every create and update first passes admission (apiserver/admission.py: decoding, strict
fields, CRD schemas, webhooks), so all verbs get the same answers. Only writes the caller
vouches for skip it, with `admit=False` and a comment saying why.
"""

from __future__ import annotations

from typing import Protocol

from kubesvc.api import defaults
from kubesvc.api.errors import AlreadyExistsError, InvalidError, NotFoundError
from kubesvc.api.resources import Resource
from kubesvc.apiserver import admission
from kubesvc.apiserver import meta as sysmeta
from kubesvc.apiserver.context import ApiContext
from kubesvc.apiserver.strategies import endpoints as ep_strategy
from kubesvc.apiserver.strategies import namespace as ns_strategy
from kubesvc.apiserver.strategies import networking, workloads
from kubesvc.apiserver.strategies import service as svc_strategy
from kubesvc.apiserver.strategies.config import Defaulted
from kubesvc.apiserver.validation.names import validate_object_meta
from kubesvc.apiserver.validation.status import default_status, validate_status
from kubesvc.store import pod_facts
from kubesvc.store.db import summary_row


class Strategy(Protocol):
    """A kind's create/update/delete steps (modules or objects alike)."""

    def create(self, ctx: ApiContext, obj: dict, keep_status: bool) -> None: ...

    def update(self, ctx: ApiContext, new: dict, old: dict, keep_status: bool) -> None: ...

    def delete(self, ctx: ApiContext, obj: dict) -> None: ...


class SplitStrategy(Strategy, Protocol):
    """A strategy whose create is `prepare` (reads no state) then `commit`."""

    def prepare(self, ctx: ApiContext, obj: dict, keep_status: bool) -> bool: ...

    def commit(self, ctx: ApiContext, obj: dict) -> None: ...


STRATEGIES: dict[str, Strategy] = {
    "Service": svc_strategy,
    "Namespace": ns_strategy,
    "Pod": workloads.pod,
    "Node": workloads.node,
    "Deployment.apps": workloads.deployment,
    "ReplicaSet.apps": workloads.replicaset,
    "StatefulSet.apps": workloads.statefulset,
    "DaemonSet.apps": workloads.daemonset,
    "ReplicationController": workloads.replicationcontroller,
    "Secret": Defaulted(defaults.default_secret),
    "HorizontalPodAutoscaler.autoscaling": Defaulted(defaults.default_hpa),
    "EndpointSlice.discovery.k8s.io": ep_strategy.endpointslice,
    "Endpoints": ep_strategy.endpoints,
    "NetworkPolicy.networking.k8s.io": networking.networkpolicy,
    "Ingress.networking.k8s.io": networking.ingress,
    "IngressClass.networking.k8s.io": networking.ingressclass,
}

_SPLIT: dict[str, SplitStrategy] = {"Pod": workloads.pod, "Service": svc_strategy}


class _Generic:
    """Kinds kubesvc stores as they are. A built-in kind's status is its /status subresource's
    (Ingress, Job, PersistentVolumeClaim...: PrepareForCreate resets it, PrepareForUpdate keeps
    the stored one); a custom resource's status was already handled by admission (the CRD
    says whether it has a status subresource)."""

    def create(self, ctx: ApiContext, obj: dict, keep_status: bool) -> None:
        if not keep_status and _builtin(ctx, obj):
            obj.pop("status", None)

    def update(self, ctx: ApiContext, new: dict, old: dict, keep_status: bool) -> None:
        if keep_status:
            return
        if _builtin(ctx, new):
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        elif "status" not in new and "status" in old:  # dropped by admission (/status only)
            new["status"] = old["status"]

    def delete(self, ctx: ApiContext, obj: dict) -> None:
        pass


_GENERIC = _Generic()


def _builtin(ctx: ApiContext, obj: dict) -> bool:
    return ctx.schemas.definition(obj.get("apiVersion", ""), obj.get("kind", "")) is not None


def strategy(gk: str) -> Strategy:
    return STRATEGIES.get(gk, _GENERIC)


def check_metadata(res: Resource, obj: dict) -> None:

    errors = validate_object_meta(obj.get("metadata") or {}, res.namespaced, name_check(res))
    if errors:
        raise InvalidError(res.kind, obj["metadata"].get("name", ""), errors)


_PATH_SEGMENT_KINDS = {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}


def name_check(res: Resource):
    """Which name format the kind's validation uses (ValidateObjectMeta's nameFn)."""
    if res.kind in ("Service", "Namespace"):
        return "dns1123_label"
    if res.kind in _PATH_SEGMENT_KINDS:  # RBAC names may hold ':' (system:controller:...)
        return path_segment_name
    return "dns1123_subdomain"


def path_segment_name(name: str) -> list[str]:
    """apimachinery path.IsValidPathSegmentName."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


def create(ctx: ApiContext, res: Resource, obj: dict, keep_status: bool, known_absent: bool = False,
           admit: bool = True, restore: bool = False, prepared: Prepared | None = None) -> dict:
    """`known_absent`: the caller just looked the object up and found nothing. `admit=False`:
    the object already passed admission (or was built by a controller) in this command.
    `restore`: see the module's doc. `prepared`: what `prepare` returned for this object,
    which then takes only the steps that read or write the state."""
    keep_status = keep_status or restore
    gk = res.gk
    if prepared is not None:
        return _commit_prepared(ctx, res, obj, known_absent, prepared)
    if admit:  # decoding comes before the storage lookup, as in the API server
        admission.admit(ctx, res, obj, keep_status)
    if not known_absent and ctx.store.get(gk, obj["metadata"].get("namespace", ""),
                                          obj["metadata"]["name"]):

        raise AlreadyExistsError(res.qualified_plural, obj["metadata"]["name"])
    sysmeta.fill_on_create(ctx, gk, obj, restore=restore)
    ctx.restoring = restore
    try:
        STRATEGIES.get(gk, _GENERIC).create(ctx, obj, keep_status)
    finally:
        ctx.restoring = False
    if gk not in _META_CHECKED:
        check_metadata(res, obj)
    if admit and keep_status:
        _check_status(res, obj)
    meta = obj["metadata"]
    if restore:
        ctx.mark_restored(gk, meta.get("namespace", ""), meta["name"])
    ctx.store.put(gk, obj, new=True)
    ctx.record(gk, meta.get("namespace", ""), meta["name"], None, obj)
    return obj


# -- a restored object's stateless steps, run ahead of its create ------------------------------
#
# `kubesvc import` parses a big file in a child process (kubectl/import_child.py), which also
# runs `prepare` on each Pod and Service that will be created: create(restore=True)'s steps
# that read no state, in create's order. The parent's create(prepared=...) then runs the rest.
# The answer is create's own: `prepare` gives up (None) on anything it cannot decide alone, and
# on any error or warning, and such an object takes the whole path, which reports it in its
# place; past `prepare`, only the steps that read the state can fail (a Service's allocation
# comes before its validation in create, and may fail here as there), in create's order.


# (summary, facts row): the store's rows derived from the prepared object (store/db.py `put`),
# which no step that `prepare` leaves to create changes
Prepared = tuple


# the kinds `prepare` takes: their strategy splits into `prepare` and `commit`
PREPARABLE = frozenset(_SPLIT)
# the resourceVersion `prepare` fills in for create's to replace: no step it runs reads it
_PLACEHOLDER_RV = "0"


def prepare(ctx: ApiContext, res: Resource, obj: dict) -> Prepared | None:
    """Run create(obj, keep_status=True, known_absent=True, restore=True)'s stateless steps on
    `obj` in place: admission, the metadata a snapshot keeps, the kind's validation and
    defaulting, the metadata and status checks; then the rows the store derives from the
    object. `ctx` needs no store (only its schemas, fieldValidation and `null_free`). None: the
    object must take the whole path (`obj` is then in no defined state): not a kind that
    splits, a snapshot without its uid or creationTimestamp (create makes them from the
    resourceVersion and the clock), an error or a warning."""
    gk = res.gk
    meta = obj.get("metadata")
    if gk not in PREPARABLE or not isinstance(meta, dict) or not meta.get("uid") or \
            not meta.get("creationTimestamp"):
        return None
    warnings = len(ctx.warnings)
    try:
        admission.admit(ctx, res, obj, True)
        sysmeta.fill_on_create(ctx, gk, obj, restore=True, rv=_PLACEHOLDER_RV)
        ctx.restoring = True
        try:
            whole = not _SPLIT[gk].prepare(ctx, obj, True)  # (the strategy says it may not)
        finally:
            ctx.restoring = False
        if whole:
            return None
        if gk not in _META_CHECKED:
            check_metadata(res, obj)
        _check_status(res, obj)
        derived = (summary_row(gk, obj), pod_facts.row(obj) if gk == "Pod" else None)
    except Exception:  # create, on the whole path, answers in its place
        return None
    if len(ctx.warnings) > warnings:
        del ctx.warnings[warnings:]
        return None
    return derived


def _commit_prepared(ctx: ApiContext, res: Resource, obj: dict, known_absent: bool,
                     prepared: Prepared) -> dict:
    """create's steps that `prepare` left: the lookup, the resourceVersion, the strategy's
    stateful part (a pod's IP held, a Service's addresses and ports allocated), the store."""
    gk = res.gk
    meta = obj["metadata"]
    if not known_absent and ctx.store.get(gk, meta.get("namespace", ""), meta["name"]):
        raise AlreadyExistsError(res.qualified_plural, meta["name"])
    # fill_on_create as `prepare` ran it, but for the resourceVersion (its key in its place)
    meta["resourceVersion"] = ctx.store.next_resource_version()
    _SPLIT[gk].commit(ctx, obj)
    ctx.mark_restored(gk, meta.get("namespace", ""), meta["name"])
    ctx.store.put(gk, obj, new=True, derived=prepared)
    ctx.record(gk, meta.get("namespace", ""), meta["name"], None, obj)
    return obj


def update(ctx: ApiContext, res: Resource, new: dict, old: dict, keep_status: bool,
           admit: bool = True, restore: bool = False) -> dict:
    keep_status = keep_status or restore
    if admit:
        admission.admit(ctx, res, new, keep_status)
    strategy(res.gk).update(ctx, new, old, keep_status)
    if res.gk not in _META_CHECKED:
        check_metadata(res, new)
    if admit and keep_status:
        _check_status(res, new)
    if restore:
        _mark_restored(ctx, res, new)
    sysmeta.fill_on_update(ctx, res.gk, new, old)
    ctx.store.put(res.gk, new)
    ctx.record(res.gk, new["metadata"].get("namespace", ""), new["metadata"]["name"], old, new)
    return new


# Kinds whose strategy's validation ends with ValidateObjectMeta of the object as stored, with
# the name check `check_metadata` would use: it already refused what check_metadata would
# (the Service strategy's validate_service / validate_service_update, dns1123_label names).
_META_CHECKED = frozenset({"Service"})


def _check_status(res: Resource, obj: dict) -> None:
    """A status someone wrote (the /status subresource, a restored snapshot) passes the API
    server's hand-written status validation, never the schema's `required` lists."""
    gk = res.gk
    if "status" not in obj:  # nothing to default or validate (validate_status: no status)
        return
    default_status(gk, obj)
    errors = validate_status(gk, obj)
    if errors:
        raise InvalidError(res.kind, obj["metadata"].get("name", ""), errors)


def _mark_restored(ctx: ApiContext, res: Resource, obj: dict) -> None:
    ctx.mark_restored(res.gk, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def delete(ctx: ApiContext, res: Resource, namespace: str, name: str) -> dict:
    obj = ctx.store.get(res.gk, namespace if res.namespaced else "", name)
    if obj is None:
        raise NotFoundError(res.qualified_plural, name)
    strategy(res.gk).delete(ctx, obj)  # first: it may refuse (admission runs before storage)
    if res.kind == "Namespace":
        _delete_namespace_contents(ctx, name)
    ctx.store.delete(res.gk, namespace if res.namespaced else "", name)
    ctx.record(res.gk, namespace if res.namespaced else "", name, obj, None)
    return obj


def _delete_namespace_contents(ctx: ApiContext, namespace: str) -> None:
    """The namespace controller: everything in a deleted namespace goes with it."""
    for gk in ctx.store.kinds_in_namespace(namespace):
        for name in ctx.store.names(gk, namespace):
            obj = ctx.store.get(gk, namespace, name)
            if obj is None:  # gone already: a strategy's delete removed it with its owner
                continue
            strategy(gk).delete(ctx, obj)
            ctx.store.delete(gk, namespace, name)
            ctx.record(gk, namespace, name, obj, None)
