"""Upstream Kubernetes JSON-schema validation, compiled once per kind.

The schemas come from the `kubernetes-validate` package (upstream OpenAPI turned into JSON
schema, strict variant: `additionalProperties: false`). One `_definitions.json` per Kubernetes
version holds every type; each kind is validated against its definition through a
`referencing` registry, and each validator is built once per process.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec

from kubesvc.api.errors import ClientError

try:  # compiled; a platform without its wheel falls back to the pure-Python validator
    import jsonschema_rs
except ImportError:  # pragma: no cover
    jsonschema_rs = None

DEFAULT_VERSION = "1.37"
_DEFS_ID = "https://kubernetes.io/api/_definitions.json"


@dataclass(frozen=True)
class SchemaIssue:
    """One problem the schema found. `kind` is unknown | type | required | other."""

    kind: str
    path: str  # kubectl-style path: spec.ports[0].port
    detail: str = ""
    steps: tuple = ()  # the same path as keys and indexes (any key, even "a.b")


def _schema_root() -> str:
    # find the package without importing it: its __init__ pulls in jsonschema, yaml, packaging

    spec = find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise ClientError("the kubernetes-validate package (upstream schemas) is not installed")
    return os.path.join(spec.submodule_search_locations[0], "kubernetes-json-schema")


def supported_versions() -> list[str]:
    names = os.listdir(_schema_root())
    found = {n[1:].split("-")[0].rsplit(".", 1)[0] for n in names if n.endswith("-local-strict")}
    return sorted(found, key=lambda v: tuple(int(p) for p in v.split(".")))


def normalise_version(version: str) -> str:
    """`1.37`, `v1.37.2` and `1.37.0` all mean the 1.37 schemas."""
    parts = version.lstrip("v").split(".")
    short = ".".join(parts[:2])
    if short not in supported_versions():
        raise ClientError(f'unsupported --kubernetes-version "{version}"; supported: '
                          + ", ".join(supported_versions()))
    return short


class SchemaSet:
    """Every kind's schema for one Kubernetes version."""

    def __init__(self, version: str = DEFAULT_VERSION):
        self.version = normalise_version(version)
        folder = os.path.join(_schema_root(), f"v{self.version}.0-local-strict")
        with open(os.path.join(folder, "_definitions.json"), "rb") as fh:
            self.document = json.load(fh)
        self.defs: dict = self.document["$defs"]
        self.by_gvk: dict[tuple[str, str], str] = {}
        for name, schema in self.defs.items():
            for gvk in schema.get("x-kubernetes-group-version-kind") or ():
                api = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
                self.by_gvk.setdefault((api, gvk["kind"]), name)
        self._validators: dict[str, object] = {}
        self._fast: dict = {}  # `check`'s fast validators by definition

    def definition(self, api_version: str, kind: str) -> str | None:
        return self.by_gvk.get((api_version, kind))

    def validator(self, def_name: str):
        if def_name not in self._validators:
            # lazy: ~60 ms to import; needed only to explain an object the fast path refused
            from jsonschema import Draft202012Validator  # noqa: PLC0415
            from referencing import Registry, Resource  # noqa: PLC0415

            resource = Resource.from_contents(self.document)
            registry = Registry().with_resource(_DEFS_ID, resource)
            schema = {"$ref": f"{_DEFS_ID}#/$defs/{def_name}"}
            self._validators[def_name] = Draft202012Validator(schema, registry=registry)
        return self._validators[def_name]

    def fast_validator(self, def_name: str):
        """jsonschema-rs (compiled, ~1 µs per object) for the common case: a valid object.
        None when it is not installed; the pure-Python validator then does all the work."""
        try:  # (asked for every object written: one dict lookup once compiled)
            return self._fast[def_name]
        except KeyError:
            pass
        fast = None
        if jsonschema_rs is not None:
            # only the definitions the kind refers to: compiling all ~700 costs ~100 ms,
            # a Service's 16 or a Deployment's ~120 a fifth of that
            defs = {name: self.defs[name] for name in self.referenced(def_name)}
            schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                      "$defs": defs, "$ref": f"#/$defs/{def_name}"}
            fast = jsonschema_rs.validator_for(schema)
        self._fast[def_name] = fast
        return fast

    def referenced(self, def_name: str) -> set[str]:
        """`def_name` and every definition it reaches through `$ref`s."""
        seen: set[str] = set()
        todo = [def_name]
        while todo:
            name = todo.pop()
            if name not in seen and name in self.defs:
                seen.add(name)
                todo.extend(_refs(self.defs[name]))
        return seen

    def check(self, obj: dict, def_name: str) -> list[SchemaIssue]:
        fast = self.fast_validator(def_name)
        if fast is not None and fast.is_valid(obj):
            return []
        issues: list[SchemaIssue] = []  # invalid: the Python validator explains why
        for err in self.validator(def_name).iter_errors(obj):
            issues.extend(self._issues(err, def_name))
        return sorted(issues, key=lambda i: (i.kind != "unknown", i.path))

    def _issues(self, err, def_name: str) -> list[SchemaIssue]:
        path = list(err.absolute_path)
        if err.validator == "additionalProperties":
            allowed = set((err.schema or {}).get("properties") or {})
            return [SchemaIssue("unknown", render_path(path + [key]), steps=(*path, key))
                    for key in err.instance if key not in allowed]
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else ""
            return [SchemaIssue("required", render_path(path + [missing]))]
        if err.validator in ("type", "oneOf", "format"):
            owner, go_type = self.go_field(def_name, path)
            detail = (f"json: cannot unmarshal {_json_type(err.instance)} into Go struct field "
                      f"{owner}.{'.'.join(str(p) for p in path if not isinstance(p, int))} "
                      f"of type {go_type}")
            return [SchemaIssue("type", render_path(path), detail)]
        return [SchemaIssue("other", render_path(path), err.message)]

    def go_field(self, def_name: str, path: list) -> tuple[str, str]:
        """(Go struct that owns the field, Go type of the field), as encoding/json names them."""
        owner, schema = def_name, {"$ref": f"#/$defs/{def_name}"}
        for step in path:
            schema, name = self._resolve(schema)
            if isinstance(step, int):
                schema = schema.get("items") or {}
            elif step in (schema.get("properties") or {}):
                owner = name or owner
                schema = schema["properties"][step]
            else:  # a map value: the owner stays the struct that holds the map
                schema = schema.get("additionalProperties") or {}
        resolved, name = self._resolve(schema)
        return owner.rsplit(".", 1)[-1], _go_type(resolved, name)

    def zero_null_items(self, obj: dict, def_name: str) -> None:
        """Nulls as Go's JSON decoder reads them: a null field is unset, a null list item is
        its type's zero value (`ports: [null]` is a port 0 to the API server, not a crash)."""
        if _has_null(obj):  # the common case has none: one plain walk instead of the schema's
            self._zero_nulls(obj, {"$ref": f"#/$defs/{def_name}"})

    def _zero_nulls(self, value, schema: dict) -> None:
        schema, _ = self._resolve(schema)
        if isinstance(value, dict):
            props, extra = schema.get("properties") or {}, schema.get("additionalProperties")
            for key in [k for k, v in value.items() if v is None and k in props]:
                del value[key]  # a null field is an unset one (`spec: null` is no spec)
            for key, child in value.items():
                sub = props.get(key) or (extra if isinstance(extra, dict) else None)
                if sub is not None and isinstance(child, (dict, list)):
                    self._zero_nulls(child, sub)
        elif isinstance(value, list):
            items = schema.get("items") or {}
            for i, child in enumerate(value):
                if child is None:
                    value[i] = zero_value(self._resolve(items)[0])
                elif isinstance(child, (dict, list)):
                    self._zero_nulls(child, items)

    def _resolve(self, schema: dict) -> tuple[dict, str | None]:
        name = None
        while isinstance(schema, dict) and "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.defs.get(name, {})
        return schema, name


def _has_null(obj) -> bool:
    """Whether a None is anywhere in the JSON data."""
    stack = [obj]
    while stack:
        node = stack.pop()
        for child in (node.values() if type(node) is dict else node):
            if child is None:
                return True
            if type(child) is dict or type(child) is list:
                stack.append(child)
    return False


def _refs(node) -> list[str]:
    """The definition names a schema node refers to, at any depth."""
    if isinstance(node, list):
        return [name for item in node for name in _refs(item)]
    if not isinstance(node, dict):
        return []
    found = [node["$ref"].rsplit("/", 1)[-1]] if isinstance(node.get("$ref"), str) else []
    return found + [name for key, value in node.items() if key != "$ref"
                    for name in _refs(value)]


def zero_value(schema: dict) -> object:
    """What Go's decoder makes of a JSON null in a list: the item type's zero value."""
    types = schema.get("type") or []
    types = [types] if isinstance(types, str) else [t for t in types if t != "null"]
    kind = types[0] if types else "object"
    return {"string": "", "integer": 0, "number": 0, "boolean": False, "array": []}.get(kind, {})


def _go_type(schema: dict, name: str | None) -> str:
    name = name or ""
    if name.endswith("IntOrString"):
        return "intstr.IntOrString"
    if name.endswith("Quantity"):
        return "resource.Quantity"
    if name:
        return "v1." + name.rsplit(".", 1)[-1]
    types = schema.get("type") or []
    types = [types] if isinstance(types, str) else [t for t in types if t != "null"]
    kind = types[0] if types else "object"
    if kind == "integer":
        return schema.get("format") or "int"
    if kind == "array":
        items = schema.get("items") or {}
        ref = items.get("$ref", "")
        return "[]" + (_go_type({}, ref.rsplit("/", 1)[-1]) if ref else _go_type(items, None))
    return {"boolean": "bool", "object": "map[string]string", "number": "float64"}.get(kind, kind)


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return "object"


def render_path(path: list) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


@lru_cache(maxsize=4)
def schemas(version: str = DEFAULT_VERSION) -> SchemaSet:
    return SchemaSet(version)
