"""Read-only views of a cluster for the resolver: the questions routing and DNS ask, answered
from in-memory lists (tests) or straight from the store's indexes (the CLI).

Every method returns Kubernetes objects as plain dicts; lists come in (namespace, name) order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Protocol

from kubesvc.api import table_cells
from kubesvc.api.selectors import from_map
from kubesvc.bootstrap.settings import DEFAULT_SETTINGS
from kubesvc.store import queries
from kubesvc.store.db import Store

SLICE_GK = "EndpointSlice.discovery.k8s.io"


def _key(obj: dict) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return meta.get("namespace", ""), meta.get("name", "")


class ClusterView(Protocol):
    """What the resolver asks of a cluster (routing, DNS, diagnosis): answered from memory
    (MemoryView) or from the store's indexes (StoreView). `settings` holds serviceCIDR,
    nodePortRange, clusterDomain."""

    settings: dict

    def services(self, namespace: str | None = None) -> list[dict]: ...
    def service(self, namespace: str, name: str) -> dict | None: ...
    def service_by_cluster_ip(self, ip: str) -> dict | None: ...
    def services_by_external_ip(self, ip: str) -> list[dict]: ...
    def services_by_node_port(self, port: int) -> list[dict]: ...
    def pods(self, namespace: str | None = None) -> list[dict]: ...
    def pod(self, namespace: str, name: str) -> dict | None: ...
    def pods_by_ip(self, ip: str) -> list[dict]: ...
    def pods_selected(self, namespace: str, selector: dict) -> list[dict]: ...
    def pod_briefs(self, namespace: str | None = None) -> list[dict]: ...
    def briefs_selected(self, namespace: str, selector: dict) -> list[dict]: ...
    def selected_briefs(self, namespace: str, selector: dict) -> list[tuple[str, list]]:
        """(name, table_cells.pod_brief) of the pods selectors.from_map(selector) matches."""
    def pods_not_scheduled(self, namespace: str | None = None) -> list[dict]: ...
    def pods_with_subdomain(self, namespace: str, subdomain: str) -> list[dict]: ...
    def nodes(self) -> list[dict]: ...
    def node(self, name: str) -> dict | None: ...
    def node_by_ip(self, ip: str) -> dict | None: ...
    def slices_for(self, service: dict) -> list[dict]: ...
    def endpoints_for(self, service: dict) -> dict | None: ...
    def objects(self, gk: str, namespace: str | None = None) -> list[dict]: ...
    def pods_mentioning(self, text: str, namespace: str | None = None) -> list[dict]: ...


def _external_ips(svc: dict) -> list[str]:
    spec, status = svc.get("spec") or {}, svc.get("status") or {}
    ingress = [i.get("ip") for i in (status.get("loadBalancer") or {}).get("ingress") or []]
    return list(spec.get("externalIPs") or []) + [ip for ip in ingress if ip]


def _node_ips(node: dict) -> list[str]:
    return [a.get("address") for a in (node.get("status") or {}).get("addresses") or []
            if a.get("type") in ("InternalIP", "ExternalIP")]


def _pod_ips(pod: dict) -> list[str]:
    status = pod.get("status") or {}
    ips = [p.get("ip") for p in status.get("podIPs") or []]
    return ips or ([status["podIP"]] if status.get("podIP") else [])


_LABELS, _SUBDOMAIN, _UNSCHEDULED = 0, 8, 10  # elements of table_cells.pod_brief


def _brief(pod: dict) -> dict:
    ns, name = _key(pod)
    return table_cells.expand_brief(ns, name, table_cells.pod_brief(pod))


class MemoryView(ClusterView):
    """A view over lists of objects (any kinds mixed), for tests and small tools."""

    def __init__(self, objects: Iterable[dict], settings: dict | None = None):
        self.settings = {**DEFAULT_SETTINGS, **(settings or {})}
        self._by_gk: dict[str, list[dict]] = {}
        for obj in objects:
            group = obj.get("apiVersion", "v1").rpartition("/")[0]
            gk = f"{obj['kind']}.{group}" if group else obj["kind"]
            self._by_gk.setdefault(gk, []).append(obj)
        for items in self._by_gk.values():
            items.sort(key=_key)

    def objects(self, gk: str, namespace: str | None = None) -> list[dict]:
        items = self._by_gk.get(gk, [])
        return [o for o in items if namespace is None or _key(o)[0] == namespace]

    def services(self, namespace: str | None = None) -> list[dict]:
        return self.objects("Service", namespace)

    def service(self, namespace: str, name: str) -> dict | None:
        return next((s for s in self.services(namespace) if _key(s)[1] == name), None)

    def service_by_cluster_ip(self, ip: str) -> dict | None:
        return next((s for s in self.services()
                     if ip in ((s.get("spec") or {}).get("clusterIPs") or [])), None)

    def services_by_external_ip(self, ip: str) -> list[dict]:
        return [s for s in self.services() if ip in _external_ips(s)]

    def services_by_node_port(self, port: int) -> list[dict]:
        return [s for s in self.services()
                if any(p.get("nodePort") == port for p in (s.get("spec") or {}).get("ports") or [])
                or (s.get("spec") or {}).get("healthCheckNodePort") == port]

    def pods(self, namespace: str | None = None) -> list[dict]:
        return self.objects("Pod", namespace)

    def pods_mentioning(self, text: str, namespace: str | None = None) -> list[dict]:
        """A superset of the pods whose JSON contains `text` (here: all of them)."""
        return self.pods(namespace)

    def pod(self, namespace: str, name: str) -> dict | None:
        return next((p for p in self.pods(namespace) if _key(p)[1] == name), None)

    def pods_by_ip(self, ip: str) -> list[dict]:
        return [p for p in self.pods() if ip in _pod_ips(p)]

    def pods_with_subdomain(self, namespace: str, subdomain: str) -> list[dict]:
        return [p for p in self.pods(namespace)
                if (p.get("spec") or {}).get("subdomain") == subdomain]

    def pods_selected(self, namespace: str, selector: dict) -> list[dict]:
        return [p for p in self.pods(namespace)
                if selector.items() <= ((p.get("metadata") or {}).get("labels") or {}).items()]

    def pod_briefs(self, namespace: str | None = None) -> list[dict]:
        """The pods cut down to what diagnosis reads (table_cells.pod_brief), as the store
        keeps them."""
        return [_brief(p) for p in self.pods(namespace)]

    def briefs_selected(self, namespace: str, selector: dict) -> list[dict]:
        return [_brief(p) for p in self.pods_selected(namespace, selector)]

    def selected_briefs(self, namespace: str, selector: dict) -> list[tuple[str, list]]:
        """The pods of `namespace` whose labels match a Service's `selector` map
        (selectors.from_map) as (name, table_cells.pod_brief array), as the store keeps
        them."""
        match = from_map(selector).matches
        return [(_key(p)[1], table_cells.pod_brief(p)) for p in self.pods(namespace)
                if match((p.get("metadata") or {}).get("labels"))]

    def pods_not_scheduled(self, namespace: str | None = None) -> list[dict]:
        """A superset of the pods with a PodScheduled condition that is False (all here)."""
        return self.pod_briefs(namespace)

    def nodes(self) -> list[dict]:
        return self.objects("Node")

    def node(self, name: str) -> dict | None:
        return next((n for n in self.nodes() if _key(n)[1] == name), None)

    def node_by_ip(self, ip: str) -> dict | None:
        return next((n for n in self.nodes() if ip in _node_ips(n)), None)

    def slices_for(self, service: dict) -> list[dict]:
        ns, name = _key(service)
        return [s for s in self.objects(SLICE_GK, ns)
                if ((s.get("metadata") or {}).get("labels") or {}).get(
                    "kubernetes.io/service-name") == name]

    def endpoints_for(self, service: dict) -> dict | None:
        ns, name = _key(service)
        return next((e for e in self.objects("Endpoints", ns) if _key(e)[1] == name), None)


class StoreView(ClusterView):
    """The same questions, answered by indexed queries on the store (no full loads). A view
    serves one command on one snapshot: the nodes are read once, and when many Services are
    asked about (`check`), selectors and subdomains are answered from one read of the pods'
    labels / subdomains instead of a query each."""

    BULK_AFTER = 2  # calls answered by a query each before one read answers all the rest

    def __init__(self, store: Store):
        self.store = store
        queries.map_file(store)  # a resolve or check reads pages all over the file
        self.settings = store.settings
        self._nodes: list[dict] | None = None
        self._node_by_name: dict[str, dict] = {}
        self._calls = {"selected": 0, "subdomain": 0, "briefs": 0, "node": 0}
        self._labels: dict[str, dict[tuple[str, str], set[int]]] | None = None
        self._subdomains: dict[tuple[str, str], list[dict]] | None = None
        self._briefs: dict[str, list[tuple[int, str, list | None, dict | None]]] | None = None
        # (namespace, label key) -> value -> places of the pods with it in their namespace's
        # briefs, built per key when a selector first asks for it
        self._brief_labels: dict[tuple[str, str], dict[str, list[int]]] = {}
        self._expanded: dict[int, dict] = {}
        self._made_briefs: dict[int, list] = {}  # briefs made from whole pods
        self._by_cluster_ip: dict[str, dict | None] = {}

    def _bulk(self, what: str) -> bool:
        self._calls[what] += 1
        return self._calls[what] > self.BULK_AFTER

    def objects(self, gk: str, namespace: str | None = None) -> list[dict]:
        return self.store.list(gk, namespace)

    def pod_selectors(self, gk: str, namespace: str) -> list[tuple[str, object]]:
        """(name, spec.podSelector) of a namespace's objects of `gk`, by name: what finds the
        NetworkPolicies that select a pod, before any policy is read whole (`get`)."""
        return queries.pod_selectors(self.store, gk, namespace)

    def get(self, gk: str, namespace: str, name: str) -> dict | None:
        return self.store.get(gk, namespace, name)

    def services(self, namespace: str | None = None) -> list[dict]:
        """Store.list's Services, their bodies decoded as one JSON array (`check` reads every
        one: ~15% quicker than a decode each)."""
        return json.loads("[" + ",".join(self.store.list_raw("Service", namespace)) + "]")

    def service(self, namespace: str, name: str) -> dict | None:
        return self.store.get("Service", namespace, name)

    def service_by_cluster_ip(self, ip: str) -> dict | None:
        """Remembered per address: one `resolve` asks for the same one several times."""
        if ip not in self._by_cluster_ip:
            self._by_cluster_ip[ip] = queries.service_by_cluster_ip(self.store, ip)
        return self._by_cluster_ip[ip]

    def services_by_external_ip(self, ip: str) -> list[dict]:
        return [s for s in queries.objects_mentioning(self.store, "Service", f'"{ip}"')
                if ip in _external_ips(s)]

    def services_by_node_port(self, port: int) -> list[dict]:
        return [s for s in queries.objects_mentioning(
            self.store, "Service", f'"nodePort":{port}', f'"healthCheckNodePort":{port}')
            if any(p.get("nodePort") == port for p in s["spec"].get("ports") or [])
            or s["spec"].get("healthCheckNodePort") == port]

    def pods(self, namespace: str | None = None) -> list[dict]:
        return self.store.list("Pod", namespace)

    def pods_mentioning(self, text: str, namespace: str | None = None) -> list[dict]:
        """The pods whose stored JSON contains `text` (a pre-filter: the caller checks the
        field it means)."""
        return [p for p in queries.objects_mentioning(self.store, "Pod", text)
                if namespace is None or _key(p)[0] == namespace]

    def pod(self, namespace: str, name: str) -> dict | None:
        return self.store.get("Pod", namespace, name)

    def pods_with_subdomain(self, namespace: str, subdomain: str) -> list[dict]:
        if self._subdomains is None and self._bulk("subdomain"):
            self._subdomains = {}  # from the briefs, which hold all hostname_findings reads
            for pod in self._briefs_where(_SUBDOMAIN, "subdomain"):
                sub = (pod.get("spec") or {}).get("subdomain")
                if sub is not None:
                    self._subdomains.setdefault((_key(pod)[0], str(sub)), []).append(pod)
        if self._subdomains is None:
            return queries.pods_with_subdomain(self.store, namespace, subdomain)
        return [p for p in self._subdomains.get((namespace, subdomain), [])
                if (p.get("spec") or {}).get("subdomain") == subdomain]

    def pods_selected(self, namespace: str, selector: dict) -> list[dict]:
        """Through the label index: one Service's pods without reading the namespace."""
        if not selector:
            return self.store.list_by_labels("Pod", namespace, [])
        if self._labels is None and self._bulk("selected"):
            self._labels = {}
            for oid, ns, key, value in queries.label_rows(self.store, "Pod"):
                self._labels.setdefault(ns, {}).setdefault((key, value), set()).add(oid)
        if self._labels is None:
            return self.store.list_by_labels("Pod", namespace,
                                             sorted((k, str(v)) for k, v in selector.items()))
        index = self._labels.get(namespace, {})
        sets = sorted((index.get((k, str(v)), set()) for k, v in selector.items()), key=len)
        ids = set(sets[0]).intersection(*sets[1:])
        return queries.objects_by_id(self.store, sorted(ids))

    def _load_briefs(self) -> dict[str, list[tuple[int, str, list | None, dict | None]]]:
        """Every pod's brief from one read, by namespace."""
        if self._briefs is None:
            self._briefs = {}
            for oid, ns, name, brief, pod in queries.pod_briefs(self.store):
                rows = self._briefs.get(ns)
                if rows is None:
                    rows = self._briefs[ns] = []
                rows.append((oid, name, brief, pod))
        return self._briefs

    FEW = 16  # candidates few enough to check one by one rather than index another key

    def _places(self, namespace: str, selector: dict) -> list[int]:
        """The places, in `namespace`'s loaded briefs, in order, of the pods whose labels hold
        every key=value of a non-empty `selector` (selectors.from_map(selector).matches: a
        label equal to the value's text). The candidates come from the index of one key (one
        already built first), of more keys only while they are many; each is then checked."""
        rows = (self._briefs or {}).get(namespace, ())
        found: list[int] | None = None
        for key in sorted(selector, key=lambda k: (namespace, k) not in self._brief_labels):
            if found is not None and len(found) <= self.FEW:
                break
            index = self._brief_labels.get((namespace, key))
            if index is None:
                index = self._brief_labels[(namespace, key)] = {}
                for at, row in enumerate(rows):
                    labels = self._labels_of(row)
                    if labels and key in labels:
                        index.setdefault(str(labels[key]), []).append(at)
            places = index.get(str(selector[key]))
            if not places:
                return []
            if found is None or len(places) < len(found):
                found = places
        wanted = [(k, str(v)) for k, v in selector.items()]
        out = []
        for at in found or ():
            labels = self._labels_of(rows[at])
            if labels and all(labels.get(k) == v for k, v in wanted):
                out.append(at)
        return out

    @staticmethod
    def _labels_of(row: tuple[int, str, list | None, dict | None]) -> dict | None:
        _, _, brief, pod = row
        return brief[_LABELS] if brief is not None else (
            (pod or {}).get("metadata") or {}).get("labels")

    def _expand(self, ns: str, row: tuple[int, str, list | None, dict | None]) -> dict:
        oid, name, brief, pod = row
        if brief is None:
            return pod or {}
        out = self._expanded.get(oid)
        if out is None:
            out = self._expanded[oid] = table_cells.expand_brief(ns, name, brief)
        return out

    def pod_briefs(self, namespace: str | None = None) -> list[dict]:
        """The pods cut down to what diagnosis reads (table_cells.pod_brief), in
        (namespace, name) order, all of them read at once (their summaries); a pod whose
        summary holds no brief comes whole."""
        briefs = self._load_briefs()
        spaces = sorted(briefs) if namespace is None else [namespace]
        return [self._expand(ns, row) for ns in spaces for row in briefs.get(ns, ())]

    def _briefs_where(self, index: int, field: str, namespace: str | None = None) -> list[dict]:
        """The briefs whose element `index` is set (a whole pod: whose spec or status has
        `field`), in (namespace, name) order, without expanding the others."""
        briefs = self._load_briefs()
        spaces = sorted(briefs) if namespace is None else [namespace]
        return [self._expand(ns, row) for ns in spaces for row in briefs.get(ns, ())
                if (row[2][index] if row[2] is not None else
                    field in ((row[3] or {}).get("spec") or {})
                    or field in ((row[3] or {}).get("status") or {}))]

    def pods_not_scheduled(self, namespace: str | None = None) -> list[dict]:
        """A superset of the pods with a PodScheduled condition that is False (briefs)."""
        return self._briefs_where(_UNSCHEDULED, "conditions", namespace)

    def briefs_selected(self, namespace: str, selector: dict) -> list[dict]:
        """pods_selected as briefs: the first calls read the selected pods (a single
        `resolve`), later ones all briefs at once (`check`)."""
        if self._briefs is None and not self._bulk("briefs"):
            return self.pods_selected(namespace, selector)
        briefs = self._load_briefs()
        if not selector:
            return self.pod_briefs(namespace)
        rows = briefs.get(namespace, [])
        return [self._expand(namespace, rows[i]) for i in self._places(namespace, selector)]

    def selected_briefs(self, namespace: str, selector: dict) -> list[tuple[str, list]]:
        """The pods of `namespace` whose labels match a Service's `selector` map
        (selectors.from_map) as (name, table_cells.pod_brief array), without building
        pod-shaped dicts: what `check` reads of each selected pod. The first calls read the
        selected pods (a single `resolve`), later ones all briefs at once (`check`)."""
        if self._briefs is None and not self._bulk("briefs"):
            match = from_map(selector).matches
            return [(_key(p)[1], table_cells.pod_brief(p))
                    for p in self.pods_selected(namespace, selector)
                    if match((p.get("metadata") or {}).get("labels"))]
        rows = self._load_briefs().get(namespace, [])
        places = self._places(namespace, selector) if selector else range(len(rows))
        out = []
        for i in places:
            oid, name, brief, pod = rows[i]
            if brief is None:
                brief = self._made_briefs.get(oid)
                if brief is None:
                    brief = self._made_briefs[oid] = table_cells.pod_brief(pod or {})
            out.append((name, brief))
        return out

    def pods_by_ip(self, ip: str) -> list[dict]:
        return [p for p in queries.objects_mentioning(self.store, "Pod", f'"{ip}"')
                if ip in _pod_ips(p)]

    def nodes(self) -> list[dict]:
        if self._nodes is None:
            self._nodes = self.store.list("Node")
            self._node_by_name = {_key(n)[1]: n for n in self._nodes}
        return list(self._nodes)

    def node(self, name: str) -> dict | None:
        if self._nodes is None:
            if not self._bulk("node"):
                return self.store.get("Node", "", name)
            self.nodes()
        return self._node_by_name.get(name)

    def node_by_ip(self, ip: str) -> dict | None:
        return next((n for n in self.nodes() if ip in _node_ips(n)), None)

    def slices_for(self, service: dict) -> list[dict]:
        ns, name = _key(service)
        return self.store.list_by_labels(SLICE_GK, ns, [("kubernetes.io/service-name", name)])

    def endpoints_for(self, service: dict) -> dict | None:
        ns, name = _key(service)
        return self.store.get("Endpoints", ns, name)
