"""`--field-selector`: the API server's parser, per-kind field labels and matching.

Parsing is apimachinery `fields.ParseSelector`: terms split on unescaped `,`, sorted, each split
at its first `!=`, `==` or `=`; values may escape `\\`, `,` and `=` with a backslash. Each term
then goes through the kind's field-label conversion (`pkg/apis/core/v1/conversion.go` and
friends; kinds without one accept only `metadata.name` and `metadata.namespace`,
`runtime.DefaultMetaV1FieldSelectorConversion`). Matching compares against the string
values the registry's `...ToSelectableFields` builds (`pkg/registry/<group>/<kind>/strategy.go`);
a field it does not set reads as "".

kubectl sends the selector as typed (trimmed) and wraps a rejection as
`Error from server (BadRequest): Unable to find "/v1, Resource=services" that match label
selector "", field selector "spec.foo=x": "spec.foo" is not a known field selector: only
"metadata.name", "metadata.namespace"` (wording checked against kubectl 1.37).
"""

from __future__ import annotations

from dataclasses import dataclass

from kubesvc.api.errors import StatusError
from kubesvc.api.goformat import go_quote

_META = ("metadata.name", "metadata.namespace")


@dataclass(frozen=True)
class Requirement:
    field: str
    op: str  # "=" or "!="
    value: str

    def matches(self, fields: dict[str, str]) -> bool:
        return (fields.get(self.field, "") == self.value) == (self.op == "=")


class FieldSelectorError(Exception):
    """The API server's message for a selector it rejects (sent back as 400 BadRequest)."""


# ---------------------------------------------------------------------------------------------
# Parsing (apimachinery pkg/fields/selector.go)

def parse(selector: str) -> list[Requirement]:
    """Parse a field selector; an empty one selects everything. Raises FieldSelectorError."""
    out = []
    for term in sorted(_split_terms(selector)):
        if not term:
            continue
        for i in range(len(term)):
            op = next((o for o in ("!=", "==", "=") if term.startswith(o, i)), None)
            if op:
                out.append(Requirement(term[:i], "!=" if op == "!=" else "=",
                                       _unescape(term[i + len(op):])))
                break
        else:
            raise FieldSelectorError(f"invalid selector: '{selector}'; can't understand '{term}'")
    return out


def _split_terms(selector: str) -> list[str]:
    if not selector:
        return []
    terms, start, escaped = [], 0, False
    for i, ch in enumerate(selector):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(selector[start:i])
            start = i + 1
    return [*terms, selector[start:]]


def _unescape(value: str) -> str:
    out, escaped = [], False
    for ch in value:
        if escaped:
            if ch not in "\\,=":
                raise FieldSelectorError("invalid field selector: invalid escape sequence: \\" + ch)
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",=":  # Go prints the rune with %v: its code point
            raise FieldSelectorError(
                f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if escaped:
        raise FieldSelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Field labels per kind: (labels the conversion accepts, renames, how it words a rejection)

_NOT_SUPPORTED = "field label not supported: {}"
_POD = ("metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
        "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
        "status.podIP", "status.podIPs", "status.nominatedNodeName")
_EVENT = ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
          "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
          "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type", *_META)

CONVERSIONS: dict[tuple[str, str], tuple[tuple[str, ...], dict[str, str], str]] = {
    ("", "Pod"): (_POD, {"spec.host": "spec.nodeName"}, _NOT_SUPPORTED),
    ("", "Node"): (("metadata.name", "spec.unschedulable"), {}, _NOT_SUPPORTED),
    ("", "ReplicationController"): ((*_META, "status.replicas"), {}, _NOT_SUPPORTED),
    ("", "Event"): (_EVENT, {}, _NOT_SUPPORTED),
    ("", "Namespace"): (("status.phase", "metadata.name"), {}, _NOT_SUPPORTED),
    ("", "Secret"): (("type", *_META), {}, _NOT_SUPPORTED),
    ("", "Service"): ((*_META, "spec.clusterIP", "spec.type"), {}, _NOT_SUPPORTED),
    ("batch", "Job"): ((*_META, "status.successful"), {},
                       'field label "{}" not supported for batchv1.Job'),
}
_DEFAULT = (_META, {}, '"{}" is not a known field selector: only "metadata.name", '
                       '"metadata.namespace"')


def group_of(api_version: str) -> str:
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def supported_fields(kind: str, group: str = "") -> tuple[str, ...]:
    """The field labels the API server accepts for `kind` (in its conversion's order)."""
    return CONVERSIONS.get((group, kind), _DEFAULT)[0]


def convert(requirements: list[Requirement], kind: str, group: str = "") -> list[Requirement]:
    """Run each term through the kind's field-label conversion, in the parser's sorted order.

    Raises FieldSelectorError with the server's text for the first label it rejects.
    """
    accepted, renames, reject = CONVERSIONS.get((group, kind), _DEFAULT)
    out = []
    for req in requirements:
        if req.field in renames:
            req = Requirement(renames[req.field], req.op, req.value)
        elif req.field not in accepted:
            raise FieldSelectorError(reject.format(req.field))
        out.append(req)
    return out


# ---------------------------------------------------------------------------------------------
# The values an object offers (registry `...ToSelectableFields`)

def _get(obj: dict, path: str, default=""):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return default
        cur = cur[part]
    return default if cur is None else cur


def _bool(value) -> str:
    return "true" if value is True else "false"


def _pod_ip(pod: dict) -> str:
    ips = _get(pod, "status.podIPs", [])
    if ips and isinstance(ips[0], dict):
        return str(ips[0].get("ip") or "")
    return str(_get(pod, "status.podIP"))


def selectable_fields(obj: dict) -> dict[str, str]:
    """The field set the API server matches `obj` against."""
    kind, group = obj.get("kind", ""), group_of(obj.get("apiVersion", ""))
    fields = {"metadata.name": str(_get(obj, "metadata.name")),
              "metadata.namespace": str(_get(obj, "metadata.namespace"))}
    if group == "" and kind == "Pod":
        for path in ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                     "spec.serviceAccountName", "status.phase", "status.nominatedNodeName"):
            fields[path] = str(_get(obj, path))
        fields["spec.hostNetwork"] = _bool(_get(obj, "spec.hostNetwork", False))
        fields["status.podIP"] = _pod_ip(obj)
    elif group == "" and kind == "Node":
        fields = {"metadata.name": fields["metadata.name"],
                  "spec.unschedulable": _bool(_get(obj, "spec.unschedulable", False))}
    elif group == "" and kind == "Namespace":
        fields = {"metadata.name": fields["metadata.name"], "name": fields["metadata.name"],
                  "status.phase": str(_get(obj, "status.phase"))}
    elif group == "" and kind in ("Service", "Secret", "Event"):
        for path in {"Service": ("spec.clusterIP", "spec.type"), "Secret": ("type",),
                     "Event": [f for f in _EVENT if f not in ("source", *_META)]}[kind]:
            fields[path] = str(_get(obj, path))
        if kind == "Event":
            fields["source"] = str(_get(obj, "source.component") or
                                   _get(obj, "reportingComponent"))
    elif (group, kind) in (("", "ReplicationController"), ("batch", "Job")):
        field, path = (("status.replicas", "status.replicas") if kind != "Job"
                       else ("status.successful", "status.succeeded"))
        fields[field] = str(int(_get(obj, path, 0) or 0))
    return fields


# ---------------------------------------------------------------------------------------------
# Public entry points

def compile_selector(selector: str, kind: str, group: str = "") -> list[Requirement]:
    """Parse and convert `selector` for `kind`, as the API server does before it lists."""
    return convert(parse(selector.strip()), kind, group)


def matches(requirements: list[Requirement], obj: dict) -> bool:
    fields = selectable_fields(obj)
    return all(req.matches(fields) for req in requirements)


def select(objects: list[dict], selector: str, kind: str, group: str = "") -> list[dict]:
    """The objects a list request with `--field-selector=selector` returns."""
    requirements = compile_selector(selector, kind, group)
    return [obj for obj in objects if matches(requirements, obj)]


def list_error(err: FieldSelectorError, resource: str, group: str = "", version: str = "v1",
               label_selector: str = "", field_selector: str = "") -> StatusError:
    """The error kubectl prints when a list is rejected (cli-runtime `EnhanceListError`).

    `resource` is the plural (`services`); the selectors are as the user typed them (kubectl
    trims the field selector, not the label selector).
    """
    gvr = go_quote(f"{group}/{version}, Resource={resource}")
    return StatusError("BadRequest", f"Unable to find {gvr} that match label selector "
                                     f"{go_quote(label_selector)}, field selector "
                                     f"{go_quote(field_selector.strip())}: {err}", 400)
