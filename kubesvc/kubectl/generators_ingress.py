"""The Ingress that `kubectl create ingress` builds (kubectl pkg/cmd/create/create_ingress.go):
`--rule=host/path=service:port[,tls[=secret]]` (a path ending in `*` is pathType Prefix, else
Exact; rules of one host share its HTTP paths), `--default-backend=service:port`, `--class`,
`--annotation=key=value`. TLS entries group hosts by secret, each host once."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kubesvc.api.errors import ClientError, InvalidError, StatusError

RULE = re.compile(r"^(?P<host>[\w*\-.]*)(?P<path>/.*)=(?P<svcname>[\w\-]+):(?P<svcport>[\w\-]+)"
                  r"(,(?P<istls>tls)=?(?P<secretname>[\w\-]+)?)?")


def validate(rules: list[str], default_backend: str | None, annotations: list[str]) -> None:
    """CreateIngressOptions.Validate, with kubectl's messages."""
    if not default_backend and not rules:
        raise ClientError("not enough information provided: every ingress has to either "
                          "specify a default-backend (which catches all traffic) or a list of "
                          "rules (which catch specific paths)")
    for rule in rules:
        if not RULE.match(rule):
            raise ClientError(f"rule {rule} is invalid and should be in format "
                              "host/path=svcname:svcport[,tls[=secret]]")
    for annotation in annotations:
        if "=" not in annotation:
            raise ClientError(f"annotation {annotation} is invalid and should be in format "
                              "key=[value]")
    if default_backend and len(default_backend.split(":")) != 2:
        raise ClientError("default-backend should be in format servicename:serviceport")


def backend(service: str) -> dict:
    """buildIngressBackendSvc: a port that parses as an integer is a number, else a name."""
    name, port = service.split(":")[0], service.split(":")[1]
    port_ref = {"number": int(port)} if re.fullmatch(r"-?[0-9]+", port) else {"name": port}
    return {"service": {"name": name, "port": port_ref}}


def _path(path_service: str) -> dict:
    """buildHTTPIngressPath."""
    parts = path_service.split("=")
    path, kind = "/" + parts[0], "Exact"
    if path.endswith("*"):
        path, kind = path[:-1], "Prefix"
    return {"backend": backend(parts[1]), "path": path, "pathType": kind}


def _rules(rules: list[str]) -> list[dict]:
    """buildIngressRules."""
    built: list[dict] = []
    for rule in rules:
        host, _, rest = rule.split(",")[0].partition("/")
        path = _path(rest)
        same = next((r for r in built if r.get("host", "") == host), None)
        if same is not None:
            same["http"]["paths"].append(path)
            continue
        entry: dict = {"host": host} if host else {}
        entry["http"] = {"paths": [path]}
        built.append(entry)
    return built


def _tls(rules: list[str]) -> list[dict]:
    """buildTLSRules: hosts grouped under their secret, each host once."""
    entries: list[dict] = []
    seen: set[str] = set()
    for rule in rules:
        parts = rule.split(",")
        if len(parts) != 2:
            continue
        host = rule.split("/", 1)[0]
        secret_parts = parts[1].split("=")
        secret = secret_parts[1] if len(secret_parts) > 1 else ""
        if host in seen:
            continue
        seen.add(host)
        same = next((e for e in entries if e.get("secretName", "") == secret), None)
        if same is not None:
            same.setdefault("hosts", []).append(host)
            continue
        entry: dict = {}
        if host:
            entry["hosts"] = [host]
        if secret:
            entry["secretName"] = secret
        if entry:
            entries.append(entry)
    return entries


def ingress(name: str, rules: list[str], default_backend: str | None = None,
            class_name: str | None = None, annotations: Sequence[str] = ()) -> dict:
    validate(rules, default_backend, list(annotations))
    meta: dict = {"name": name}
    if annotations:
        meta = {"annotations": dict(a.split("=", 1) for a in annotations), **meta}
    spec: dict = {}
    if default_backend:
        spec["defaultBackend"] = backend(default_backend)
    if class_name:
        spec["ingressClassName"] = class_name
    if rules:
        spec["rules"] = _rules(rules)
    tls = _tls(rules)
    if tls:
        spec["tls"] = tls
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta,
            "spec": spec, "status": {"loadBalancer": {}}}


def failed_to_create(err: StatusError) -> ClientError:
    """`failed to create ingress: ERR`, ERR as the API error's Error() reads (an Invalid one
    names the qualified kind and aggregates its field errors: `[a, b]` when several)."""
    text = err.message
    if isinstance(err, InvalidError):
        distinct = list(dict.fromkeys(str(e) for e in err.errors))
        joined = distinct[0] if len(distinct) == 1 else "[" + ", ".join(distinct) + "]"
        text = f'{err.kind}.networking.k8s.io "{err.name}" is invalid: {joined}'
    return ClientError(f"failed to create ingress: {text}")
