"""Runs the endpoint controllers against the store, for the Services a change can affect.

The pure functions in `endpoints.py` decide; this module finds which Services a command's
changes concern (the Services themselves, the Services whose selectors match a changed pod's
old or new labels, the owners of changed manual Endpoints; every Service after a Node change),
fetches their inputs through the store's indexes, and writes back only what differs.

Past a few Services in a namespace (a bulk apply, an import, a Node change) the namespace's
pods (as their facts: store/pod_facts.py), slices and Endpoints are read once
(namespace.py `NamespaceView`); a new selector Service of the common kind is answered by
the fast path: its objects written straight as JSON text (texts.py `write_new_service`), or,
where that cannot prove or write them, built as dicts (namespace.py `sync_new_service`);
same bytes as the general controllers either way. Any other Service takes `sync_service`.
The slices and Endpoints are written through the controllers' bulk path
(writer.py `queue_owned`), in the order the one-by-one writes had, so they get the same
resourceVersions, uids and names. A sync of thousands of Services hands its last namespaces
to a helper process (helper.py), which builds their new Services' objects as text on the
other core while this process builds the first namespaces and writes, namespace by
namespace; its objects are queued here in their places, so nothing stored differs.
"""

from __future__ import annotations

from collections import defaultdict

from kubesvc.api.selectors import from_map
from kubesvc.controllers import endpoints as ep
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.controllers.endpoints import helper as helpers
from kubesvc.controllers.endpoints.namespace import (
    FEW,
    SHARE,
    NamespaceView,
    fast_case,
    loads_all,
    sync_new_service,
)
from kubesvc.controllers.endpoints.texts import write_new_service
from kubesvc.controllers.writer import bulk_writes, flush, queue_built_many, queue_owned, remove
from kubesvc.store.bulk import expect_big_write
from kubesvc.store.queries import namespaces_with, service_selectors

SLICE_GK = "EndpointSlice.discovery.k8s.io"
SLICE_MANAGERS = ("endpointslice-controller.k8s.io", "endpointslicemirroring-controller.k8s.io")
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def affected_services(ctx, changes) -> dict[str, set[str]] | None:
    """namespace -> names of Services to sync; None means every Service."""
    if any(c.gk == "Node" for c in changes):
        return None  # a node coming or going changes zones and which pods count
    out: dict[str, set[str]] = defaultdict(set)
    pod_labels: dict[str, list[dict]] = defaultdict(list)
    for c in changes:
        if c.gk == "Service":
            if c.new_meta is None:
                _deleted_service(ctx, c.namespace, c.name)
            else:
                out[c.namespace].add(c.name)
        elif c.gk == "Endpoints":
            out[c.namespace].add(c.name)  # a manual Endpoints object is mirrored
        elif c.gk == "Pod":
            pod_labels[c.namespace].extend(c.labels())
    for ns, label_sets in pod_labels.items():
        selects = _LabelSetIndex(label_sets).any_selected
        for name, selector in service_selectors(ctx.store, ns):
            if selector and selects(selector):
                out[ns].add(name)
    return out


class _LabelSetIndex:
    """The changed pods' label sets of a namespace, indexed by label: whether a Service's
    selector picks any of them costs a few set lookups, not a pass over every pod (an apply
    of many Services and pods at once would otherwise be Services x pods)."""

    def __init__(self, label_sets: list[dict]):
        self.odd: list[dict] = []  # label sets with a non-string value: matched one by one
        self.sets: dict[frozenset, int] = {}
        self.by_label: dict[tuple[str, str], set[int]] = defaultdict(set)
        for labels in label_sets:
            if not all(type(v) is str for v in labels.values()):
                self.odd.append(labels)
                continue
            items = frozenset(labels.items())
            if items not in self.sets:
                self.sets[items] = i = len(self.sets)
                for item in items:
                    self.by_label[item].add(i)

    def any_selected(self, selector: dict) -> bool:
        if not all(type(v) is str for v in selector.values()):
            return any(from_map(selector).matches(lbl)
                       for lbl in [*map(dict, self.sets), *self.odd])
        postings = sorted((self.by_label.get(item, set()) for item in selector.items()), key=len)
        if postings and postings[0] and postings[0].intersection(*postings[1:]):
            return True
        return any(_selects(selector, lbl) for lbl in self.odd)


def _selects(selector: dict, labels: dict) -> bool:
    """`from_map(selector).matches(labels)`: every key=value among the labels; a plain subset
    test of the two maps when the values are strings, as validation makes them."""
    items = selector.items()
    if all(type(v) is str for _, v in items):
        return items <= labels.items()
    return from_map(selector).matches(labels)




class LazyNodes(dict):
    """Nodes by name, read from the store only when a pod names them (a one-pod change needs
    one or two of them, not every node of the cluster)."""

    def __init__(self, store):
        super().__init__()
        self.store = store

    def __missing__(self, name):
        node = self.store.get("Node", "", name)
        self[name] = node
        return node

    def get(self, name, default=None):
        node = self[name]
        return default if node is None else node


def sync_endpoints(ctx, changes) -> None:
    wanted = affected_services(ctx, changes)
    store = ctx.store
    if wanted is not None and not any(wanted.values()):
        return
    nodes = LazyNodes(store)
    if wanted is None:
        wanted = {ns: None for ns in namespaces_with(store, "Service")}
    order = sorted(wanted)
    helper = helpers.start(store, wanted, order, nodes) if len(order) > 1 else None
    if helper is not None:  # written namespace by namespace: as many rows as one big batch
        expect_big_write(store)
    try:
        with bulk_writes(ctx):
            for ns in order:
                if helper is not None and helper.handles(ns):
                    answer = helper.take(ns)
                    if answer is not None:
                        _replay(ctx, ns, wanted[ns], answer, helper.inputs.pop(ns), nodes)
                        flush(ctx)
                        continue
                _sync_namespace(ctx, ns, wanted[ns], nodes)
                if helper is not None:
                    flush(ctx)  # written while the helper builds the next namespaces
    finally:
        if helper is not None:
            helper.close()


def _replay(ctx, ns: str, names: set[str] | None, answer: list, inputs: tuple,
            nodes) -> None:
    """Queue what the helper built for a namespace (helper.py), and sync here, in their
    places, the Services it left (with the view it would have read)."""
    view: NamespaceView | None = None
    services: list[dict] = []
    for i, objects in enumerate(answer):
        if objects is not None:
            queue_built_many(ctx, ns, objects)
            continue
        if view is None:
            raw, facts = inputs
            every = loads_all(raw)
            services = [s for s in every if names is None or s["metadata"]["name"] in names]
            view = NamespaceView(ctx.store, ns, services, facts)
        svc = services[i]
        if fast_case(svc, view):
            if not write_new_service(ctx, svc, view, nodes):
                sync_new_service(ctx, svc, view, nodes)
        else:
            sync_service(ctx, svc, nodes, view)


def _sync_namespace(ctx, ns: str, names: set[str] | None, nodes) -> None:
    """Sync a namespace's wanted Services (`names`, None: every one)."""
    store = ctx.store
    view = None
    if names is None or len(names) > FEW:  # many: one read of the namespace
        every = loads_all(store.list_raw("Service", ns))
        services = [s for s in every if names is None or s["metadata"]["name"] in names]
        # and one read of its pods, unless these few Services are a small part of it
        # (their pods then come cheaper through the label index)
        if len(services) > FEW and len(services) * SHARE >= len(every):
            view = NamespaceView(store, ns, services)
    else:
        services = [s for s in (store.get("Service", ns, n) for n in sorted(names)) if s]
    for svc in services:
        if view is not None and fast_case(svc, view):
            if not write_new_service(ctx, svc, view, nodes):
                sync_new_service(ctx, svc, view, nodes)
        else:
            sync_service(ctx, svc, nodes, view)


def service_pods(store, svc: dict, index: NamespaceView | None = None) -> list[dict]:
    """The pods the Service selects (`ep.service_selects`, its selector built once)."""
    selector = (svc.get("spec") or {}).get("selector") or {}
    if not eu.controller_handles(svc):
        return []
    ns = eu.namespace_of(svc)
    pods = index.select(selector) if index else store.list_by_labels(
        "Pod", ns, sorted(selector.items()))
    match = from_map(selector).matches
    return [p for p in pods
            if eu.namespace_of(p) == ns and match(p["metadata"].get("labels"))]


def sync_service(ctx, svc: dict, nodes: dict, view: NamespaceView | None = None) -> None:
    store, meta = ctx.store, svc["metadata"]
    ns, name = meta.get("namespace", ""), meta["name"]
    spec = svc.get("spec") or {}
    if spec.get("type") == "ExternalName":
        return
    if view is not None:
        existing = view.slices.get(name, [])
    else:
        existing = store.list_by_labels(SLICE_GK, ns, [(SERVICE_NAME_LABEL, name)])
    # slices or Endpoints a snapshot restored in this command stay as it states them
    slices_restored = any(ctx.is_restored(SLICE_GK, s) for s in existing)
    if not spec.get("selector"):
        if not slices_restored:
            _mirror(ctx, svc, existing)
        return
    pods = service_pods(store, svc, view)
    if not slices_restored:
        desired = ep.desired_endpoint_slices(svc, pods, nodes, existing)
        _write_slices(ctx, desired, existing, "endpointslice-controller.k8s.io")
    current_eps = view.endpoints.get(name) if view is not None else store.get(
        "Endpoints", ns, name)
    if current_eps is not None and ctx.is_restored("Endpoints", current_eps):
        return
    wanted_eps = ep.desired_endpoints(svc, pods, current_eps)
    if wanted_eps is not None:
        queue_owned(ctx, "Endpoints", wanted_eps, current_eps)


def _mirror(ctx, svc: dict, existing: list[dict]) -> None:
    meta = svc["metadata"]
    endpoints = ctx.store.get("Endpoints", meta.get("namespace", ""), meta["name"])
    desired = ep.mirrored_endpoint_slices(svc, endpoints, existing) if endpoints else []
    _write_slices(ctx, desired, existing, "endpointslicemirroring-controller.k8s.io")


def _write_slices(ctx, desired: list[dict], existing: list[dict], manager: str) -> None:
    by_name = {s["metadata"]["name"]: s for s in existing}
    for obj in desired:
        queue_owned(ctx, SLICE_GK, obj, by_name.get(obj["metadata"]["name"]))
    keep = {s["metadata"]["name"] for s in desired}
    for old in existing:
        labels = old["metadata"].get("labels") or {}
        managed = labels.get("endpointslice.kubernetes.io/managed-by")
        if managed == manager and old["metadata"]["name"] not in keep:
            remove(ctx, SLICE_GK, old)


def _deleted_service(ctx, ns: str, name: str) -> None:
    """Garbage collection: a deleted Service's controller-made slices and Endpoints go too."""
    store = ctx.store
    for old in store.list_by_labels(SLICE_GK, ns, [("kubernetes.io/service-name", name)]):
        managed = (old["metadata"].get("labels") or {}).get(
            "endpointslice.kubernetes.io/managed-by")
        if managed in SLICE_MANAGERS:
            remove(ctx, SLICE_GK, old)
    eps = store.get("Endpoints", ns, name)
    labels = (eps or {}).get("metadata", {}).get("labels") or {}
    if eps and labels.get("endpoints.kubernetes.io/managed-by") == "endpoint-controller":
        remove(ctx, "Endpoints", eps)
