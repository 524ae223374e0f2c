"""Objects for the NetworkPolicy and Ingress tests: policies, namespaces, Ingresses and
IngressClasses as users write them (the API server's defaults left out on purpose: the
resolver applies policyTypes defaulting itself)."""

from __future__ import annotations

NP = "networking.k8s.io/v1"


def policy(name: str, selector: dict | None = None, *, ns: str = "default",
           ingress: list | None = None, egress: list | None = None,
           types: list[str] | None = None) -> dict:
    spec: dict = {"podSelector": selector or {}}
    if ingress is not None:
        spec["ingress"] = ingress
    if egress is not None:
        spec["egress"] = egress
    if types is not None:
        spec["policyTypes"] = types
    return {"apiVersion": NP, "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}


def namespace(name: str, labels: dict | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name,
                                                  **(labels or {})}}}


def ingress_class(name: str = "nginx", default: bool = False,
                  controller: str = "k8s.io/ingress-nginx") -> dict:
    annotations = {"ingressclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {"apiVersion": NP, "kind": "IngressClass",
            "metadata": {"name": name, "annotations": annotations},
            "spec": {"controller": controller}}


def backend(service: str, port: int | str = 80) -> dict:
    key = "number" if isinstance(port, int) else "name"
    return {"service": {"name": service, "port": {key: port}}}


def path(p: str, service: str, port: int | str = 80, kind: str = "Prefix") -> dict:
    return {"path": p, "pathType": kind, "backend": backend(service, port)}


def ingress(name: str, rules: list, *, ns: str = "default", cls: str | None = "nginx",
            default_backend: dict | None = None, tls: list | None = None,
            created: str = "2026-01-01T00:00:00Z", annotations: dict | None = None) -> dict:
    spec: dict = {"rules": rules}
    if cls:
        spec["ingressClassName"] = cls
    if default_backend:
        spec["defaultBackend"] = default_backend
    if tls:
        spec["tls"] = tls
    return {"apiVersion": NP, "kind": "Ingress",
            "metadata": {"name": name, "namespace": ns, "creationTimestamp": created,
                         "annotations": annotations or {}},
            "spec": spec}


def rule(host: str | None, *paths: dict) -> dict:
    out: dict = {"http": {"paths": list(paths)}}
    if host:
        out["host"] = host
    return out
