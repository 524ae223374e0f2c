"""/openapi/v3: the index of group-versions and one OpenAPI 3 document per group-version, as
far as kubectl needs them (the fieldValidation check before apply, explain, apply of CRDs).

The schemas are the upstream ones: kubernetes-validate ships the OpenAPI definitions of
Kubernetes 1.37 turned into JSON schema (types widened to `[T, "null"]`, refs under `$defs`,
every x-kubernetes-* extension kept); this module turns them back (one type, refs under
components/schemas, IntOrString and Quantity as the `int-or-string` string they are). Custom
resources get their CRD's openAPIV3Schema. The paths carry only what clients read from them:
the operations, their x-kubernetes-group-version-kind and their query parameters."""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache

from kubesvc import __version__
from kubesvc.apiserver.schema import _schema_root
from kubesvc.serve.catalog import Catalog, Served

_STRINGY = {"io.k8s.apimachinery.pkg.util.intstr.IntOrString": "int-or-string",
            "io.k8s.apimachinery.pkg.api.resource.Quantity": "quantity"}
_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_WRITE_PARAMS = ("dryRun", "fieldManager", "fieldValidation")


def gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def index(catalog: Catalog, crd_versions: str) -> dict:
    paths = {}
    for group, versions in catalog.groups().items():
        for version in versions:
            path = gv_path(group, version)
            digest = hashlib.sha256(f"{__version__}/{path}/{crd_versions}".encode()).hexdigest()
            paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest[:32].upper()}"}
    return {"paths": paths}


def document(catalog: Catalog, group: str, version: str) -> dict | None:
    served = catalog.in_version(group, version)
    if not served:
        return None
    schemas: dict = {}
    paths: dict = {}
    for s in served:
        name = _schema_for(s, schemas)
        paths.update(_paths(s, name))
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.37.0"},
            "paths": paths, "components": {"schemas": schemas}}


def _schema_for(s: Served, schemas: dict) -> str | None:
    """Put the kind's schema and everything it refers to into `schemas`; its name."""
    defs = _definitions()
    name = _by_gvk().get((s.res.group, s.res.version, s.res.kind))
    if name is not None:
        _closure(name, defs, schemas)
        return name
    if s.custom and s.schema:
        name = ".".join([*reversed(s.res.group.split(".")), s.res.version, s.res.kind])
        schema = json.loads(json.dumps(s.schema))
        schema.setdefault("type", "object")
        props = schema.setdefault("properties", {})
        props["metadata"] = {"$ref": f"#/components/schemas/{_OBJECT_META}"}
        schema["x-kubernetes-group-version-kind"] = [_gvk(s)]
        schemas[name] = schema
        _closure(_OBJECT_META, defs, schemas)
        return name
    return None


def _gvk(s: Served) -> dict:
    return {"group": s.res.group, "version": s.res.version, "kind": s.res.kind}


def _paths(s: Served, schema: str | None) -> dict:
    r = s.res
    prefix = "/" + gv_path(r.group, r.version)
    scope = "/namespaces/{namespace}" if r.namespaced else ""
    body = {"$ref": f"#/components/schemas/{schema}"} if schema else {"type": "object"}
    gvk = _gvk(s)

    def op(action: str, params: tuple[str, ...] = ()) -> dict:
        return {"operationId": f"{action}{r.kind}", "x-kubernetes-action": action,
                "x-kubernetes-group-version-kind": gvk,
                "parameters": [{"name": p, "in": "query", "schema": {"type": "string",
                                                                     "uniqueItems": True}}
                               for p in params],
                "responses": {"200": {"description": "OK", "content": {
                    "application/json": {"schema": body}}}}}

    collection = f"{prefix}{scope}/{r.plural}"
    return {collection: {"get": op("list", ("labelSelector", "fieldSelector", "limit",
                                            "continue", "watch", "resourceVersion")),
                         "post": op("post", _WRITE_PARAMS)},
            f"{collection}/{{name}}": {"get": op("get"), "put": op("put", _WRITE_PARAMS),
                                       "patch": op("patch", (*_WRITE_PARAMS, "force")),
                                       "delete": op("delete", ("dryRun",
                                                               "propagationPolicy"))}}


# -- the upstream definitions, back from JSON schema ----------------------------------------------

@lru_cache(maxsize=1)
def _definitions() -> dict:
    path = os.path.join(_schema_root(), "v1.37.0-local", "_definitions.json")
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)["$defs"]


@lru_cache(maxsize=1)
def _by_gvk() -> dict[tuple[str, str, str], str]:
    found: dict[tuple[str, str, str], str] = {}
    for name, schema in _definitions().items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or []:
            found.setdefault((gvk.get("group", ""), gvk.get("version", ""), gvk.get("kind", "")),
                             name)
    return found


def _closure(name: str, defs: dict, out: dict) -> None:
    todo = [name]
    while todo:
        current = todo.pop()
        if current in out or current not in defs:
            continue
        refs: list[str] = []
        out[current] = _convert(defs[current], refs, current)
        todo.extend(refs)


def _convert(node, refs: list[str], name: str = ""):
    if name in _STRINGY:
        return {"type": "string", "format": _STRINGY[name],
                "description": node.get("description", "") if isinstance(node, dict) else ""}
    if isinstance(node, list):
        return [_convert(n, refs) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            target = value.rsplit("/", 1)[-1]
            refs.append(target)
            out[key] = f"#/components/schemas/{target}"
        elif key == "type" and isinstance(value, list):
            kinds = [t for t in value if t != "null"]
            out[key] = kinds[0] if kinds else "string"
        elif key == "properties" and isinstance(value, dict):
            out[key] = {k: _convert(v, refs) for k, v in value.items()}
        else:
            out[key] = _convert(value, refs)
    return out
