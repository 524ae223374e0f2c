"""`kubectl explain TYPE[.FIELD...]`, rendered like kubectl 1.37's plaintext template
(kubectl `pkg/explain/v2/templates/plaintext.tmpl` + `funcs.go`), from the upstream schemas.

kubectl reads the server's OpenAPI v3; kubesvc has the same definitions as JSON schema
(`kubesvc.apiserver.schema`), so `v3_view` maps each node to what the v3 document holds: one `type`
instead of `[type, "null"]`, and `{allOf: [{$ref}], ...}` for a reference that carries its own
description (so `explain svc.spec` prints the field's description, then ServiceSpec's).

Layout rules taken from the template: `KIND:`/`VERSION:` (and `GROUP:`) header; `FIELD: name
<type>` then two blank lines for a field path; `DESCRIPTION:` wrapped at 76 columns and
indented by 4; `FIELDS:` sorted by name, each `name<TAB><type>` (` -required-` when listed in
`required`) with its description wrapped at 78 - indent and indented by indent + 2. Wrapping
is go-wordwrap's: words never split, existing line breaks kept.
"""

from __future__ import annotations

from kubesvc.api import resources
from kubesvc.api.errors import ClientError, KubesvcError
from kubesvc.api.goformat import go_v
from kubesvc.apiserver.schema import schemas as load
from kubesvc.printers.jsonpath.parser import JSONPathError, parse_nodes

_GO_SPACE = frozenset("\t\n\v\f\r \x85\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
                      "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def explain(resource_path: str, schemas=None, *, recursive: bool = False,
            api_version: str | None = None, max_depth: int = 0) -> str:
    """The text `kubectl explain resource_path` prints (it ends with a newline).

    `resource_path` is `service`, `svc.spec.ports`, `deployments.apps.spec`... Errors:
    an unknown type is a plain `KubesvcError` (kubectl prints it without `error: `); a missing
    field is an `ExplainError`, `field "x" does not exist` naming the last element of the path
    whichever one is missing, after kubectl has already printed `.output` (the header).
    """

    schemas = schemas or load()
    res, fields = split_path(resource_path, resources.lookup)
    group, version = res.group, res.version
    if api_version:
        group, _, version = api_version.rpartition("/")
    gv = f"{group}/{version}" if group else version
    def_name = schemas.definition(gv, res.kind)
    if def_name is None:
        raise ClientError(f"GVK map[group:{group} kind:{res.kind} version:{version}] "
                          "not found in OpenAPI schema")
    return _Renderer(schemas.defs, recursive, max_depth).page(
        group, res.kind, version, v3_view(schemas.defs[def_name]), fields)


class ExplainError(ClientError):
    """`field "x" does not exist`; `output` is what kubectl printed on stdout before it."""

    def __init__(self, message: str, output: str):
        super().__init__(message)
        self.output = output


def split_path(path: str, lookup):
    """kubectl `SplitAndParseResourceRequestWithMatchingPrefix`: the path is parsed as the
    JSONPath `{.PATH}`; its first field names the resource (`lookup` resolves it), and a
    leading `plural.group` (`deployments.apps.spec`) is not taken for fields."""
    path = path.removesuffix(".")
    nodes = _path_nodes(path)
    if nodes[0][0] != "field":
        raise ClientError("invalid jsonpath syntax, first node must be field node")
    if not nodes[0][1]:
        raise ClientError("a resource must be present, got: /, Resource=")
    try:
        res = lookup(nodes[0][1])
    except ClientError as err:  # kubectl prints the mapper's error without `error: `
        raise KubesvcError(err.message) from None
    if path.startswith(res.qualified_plural):
        suffix = path[len(res.qualified_plural):]
        nodes = _path_nodes(suffix) if suffix else []
    fields = []
    for node in nodes[1:]:
        if node[0] != "field":
            raise ClientError("invalid jsonpath syntax, first node must be field node")
        fields.append(node[1])
    return res, fields


def _path_nodes(path: str) -> list:
    try:
        root = parse_nodes("{." + path + "}")
    except JSONPathError as err:
        raise ClientError(str(err)) from None
    if len(root) != 1:
        raise ClientError("must pass in 1 jsonpath string")
    return root[0][1]


def v3_view(node):
    """A JSON-schema node as the server's OpenAPI v3 document has it (see module doc)."""
    if not isinstance(node, dict):
        return node
    out = {k: v for k, v in node.items() if k not in ("enum", "$ref")}
    if isinstance(out.get("type"), list):
        types = [t for t in out["type"] if t != "null"]
        out["type"] = types[0] if types else "object"
    ref = node.get("$ref")
    if ref:
        if len(out) == 0:
            out["$ref"] = ref
        else:
            out["allOf"] = [{"$ref": ref}]
    if "enum" in node and not _is_api_literal(node):
        out["enum"] = node["enum"]
    return out


def _is_api_literal(node: dict) -> bool:
    # kubernetes-validate adds `enum: [v1]` / `enum: [Service]` to apiVersion and kind; the
    # server's document has no such enums.
    return node.get("description", "").startswith(("APIVersion defines", "Kind is a string"))


class _Renderer:
    def __init__(self, defs: dict, recursive: bool, max_depth: int):
        self.defs, self.recursive, self.max_depth = defs, recursive, max_depth

    def resolve(self, ref: str) -> dict | None:
        return v3_view(self.defs.get(ref.rsplit("/", 1)[-1])) if ref else None

    def page(self, group: str, kind: str, version: str, root: dict, fields: list[str]) -> str:
        head = (f"GROUP:      {group}\n" if group else "") + \
            f"KIND:       {kind}\nVERSION:    {version}\n\n"
        body = self.output(root, fields, set())
        if not body:
            raise ExplainError(f'field "{fields[-1]}" does not exist', head)
        return head + body + "\n"

    def output(self, schema: dict, fields: list[str], history: set) -> str:
        """Template "output": follow the field path, then describe what it reaches."""
        ref = schema.get("$ref") or ""
        seen = history | {ref}
        resolved = self.resolve(ref) or schema
        if not fields:
            text = "DESCRIPTION:\n" + indent(wrap(self.description(resolved) or "<empty>", 76),
                                             4) + "\n"
            docs = external_docs(resolved.get("externalDocs"), 0)
            text += "\n" + docs if docs else ""
            listed = self.field_list(resolved, 1, set())
            return text + ("FIELDS:\n" + listed if listed else "")
        if ref and ref in history:
            return ""  # a cycle
        sub = v3_view((resolved.get("properties") or {}).get(fields[0]))
        if sub:
            head = ""
            if len(fields) == 1:
                head = (f"FIELD: {fields[0]} <{self.type_guess(sub)}>\n"
                        f"{extract_enum(sub, True, -1, 0)}\n\n")
            return head + self.output(sub, fields[1:], set())
        for nxt in self._children(resolved, with_all_of=False):
            return self.output(nxt, fields, seen)
        for nxt in resolved.get("allOf") or []:
            found = self.output(v3_view(nxt), fields, seen)
            if found:
                return found
        return ""

    def _children(self, schema: dict, with_all_of: bool = True) -> list[dict]:
        """allOf entries, then items, then a map's value schema (the template's order)."""
        out = [v3_view(s) for s in schema.get("allOf") or []] if with_all_of else []
        if schema.get("items"):
            out.append(v3_view(schema["items"]))
        extra = schema.get("additionalProperties")
        if extra and isinstance(extra, dict):
            out.append(v3_view(extra))
        return out[:1] if not with_all_of else out

    def description(self, schema: dict) -> str:
        """Template "description": this schema's text, then its allOf/items/map values'."""
        node = self.resolve(schema.get("$ref") or "") or schema
        if not node:
            return ""
        text = node["description"] + "\n" if node.get("description") else ""
        for sub in self._children(node):
            text += self.description(sub)
        return text

    def field_list(self, schema: dict, level: int, history: set) -> str:
        ref = schema.get("$ref") or ""
        if ref and ref in history:
            return ""
        seen = history | {ref}
        resolved = self.resolve(ref) or schema
        props = resolved.get("properties") or {}
        text = ""
        for name in sorted(props):
            text += self.field_detail(name, resolved, level)
            if self.recursive and (self.max_depth == 0 or level < self.max_depth):
                text += self.field_list(v3_view(props[name]), level + 1, seen)
        for sub in self._children(resolved):
            text += self.field_list(sub, level, seen)
        return text

    def field_detail(self, name: str, parent: dict, level: int) -> str:
        pad = level * 2
        field = v3_view(parent["properties"][name])
        text = indent(name, pad) + f"\t<{self.type_guess(field)}>"
        text += " -required-" if name in (parent.get("required") or []) else ""
        text += extract_enum(field, False, 4, pad) + "\n"
        if not self.recursive:
            text += indent(wrap(field.get("description") or "<no description>", 78 - pad),
                           pad + 2) + "\n"
            docs = field.get("externalDocs")
            if docs:
                text += "\n" + external_docs(docs, pad + 2)
            text += "\n"
        return text

    def type_guess(self, schema: dict) -> str:
        if schema.get("items"):
            return "[]" + self.type_guess(v3_view(schema["items"]))
        extra = schema.get("additionalProperties")
        if extra and isinstance(extra, dict):
            return "map[string]" + self.type_guess(v3_view(extra))
        all_of = schema.get("allOf") or []
        if len(all_of) == 1 and not schema.get("properties"):
            return self.type_guess(v3_view(all_of[0]))
        if schema.get("$ref"):
            target = self.resolve(schema["$ref"])
            if not target or target.get("type") in (None, "", "object"):
                return schema["$ref"].rsplit("/", 1)[-1].rsplit(".", 1)[-1] or "Object"
            return target["type"]
        kind = schema.get("type")
        return "Object" if kind in (None, "", "object") else kind


def external_docs(docs: dict | None, pad: int) -> str:
    """Template "externalDocs" (pad 0, under DESCRIPTION) and its fieldDetail twin."""
    if not docs:
        return ""
    text = indent("EXTERNAL DOCS:", pad) + "\n"
    if docs.get("description"):
        text += indent(wrap(docs["description"], 76 - pad), pad + 4) + "\n"
    if docs.get("url"):
        text += indent("URL: " + docs["url"], pad + 4) + "\n"
    return text


def extract_enum(schema: dict, long_view: bool, limit: int, pad: int) -> str:
    """Template "extractEnum": `ENUM:` one per line, or `enum: a, b, c, d, ....`."""
    values = schema.get("enum")
    if not values:
        return ""
    text = "ENUM:" if long_view else "\n" + " " * pad + "enum: "
    for i, value in enumerate(values):
        if limit > -1 and i >= limit:
            return text + ", ...."
        text += "\n    " if long_view else (", " if i else "")
        text += '""' if value == "" else go_v(value)
    return text


def indent(text: str, amount: int) -> str:
    """funcs.go `indent`: pad the first line and every line after a newline."""
    pad = " " * amount
    return pad + text.replace("\n", "\n" + pad)


def wrap(text: str, limit: int) -> str:
    """mitchellh/go-wordwrap WrapString: break at spaces so lines fit `limit` runes where a
    word allows; a word longer than the limit stays whole; existing newlines are kept."""
    out: list[str] = []
    current = 0
    word: list[str] = []
    spaces: list[str] = []
    for ch in text:
        if ch == "\n":
            if not word:
                if current + len(spaces) <= limit:
                    out.extend(spaces)
            else:
                out.extend(spaces)
                out.extend(word)
            spaces, word = [], []
            out.append(ch)
            current = 0
        elif ch in _GO_SPACE:  # unicode.IsSpace, but never U+00A0
            if not spaces or word:
                current += len(spaces) + len(word)
                out.extend(spaces)
                out.extend(word)
                spaces, word = [], []
            spaces.append(ch)
        else:
            word.append(ch)
            if current + len(spaces) + len(word) > limit and len(word) < limit:
                out.append("\n")
                current = 0
                spaces = []
    if not word:
        if current + len(spaces) <= limit:
            out.extend(spaces)
    else:
        out.extend(spaces)
        out.extend(word)
    return "".join(out)
