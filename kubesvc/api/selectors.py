"""Label selectors: kubectl's `-l` syntax, metav1.LabelSelector, and label-map formatting.

Semantics follow apimachinery pkg/labels (selector.go, labels.go):
- `!=` and `notin` also match objects that lack the key;
- an empty selector matches everything; requirements print sorted by key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from kubesvc.api.errors import ClientError
from kubesvc.api.records import NamedTuple  # typing's, without importing typing

EQ, NEQ, IN, NOTIN, EXISTS, NOT_EXISTS = "=", "!=", "in", "notin", "exists", "!"


# A NamedTuple, not a dataclass: importing `dataclasses` (and inspect) costs ~15 ms of
# every `get`'s start-up.
class Requirement(NamedTuple):
    key: str
    op: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.op == EXISTS:
            return present
        if self.op == NOT_EXISTS:
            return not present
        if self.op in (EQ, IN):
            return present and labels[self.key] in self.values
        return not present or labels[self.key] not in self.values  # NEQ, NOTIN

    def __str__(self) -> str:
        if self.op == EXISTS:
            return self.key
        if self.op == NOT_EXISTS:
            return f"!{self.key}"
        if self.op in (EQ, NEQ):
            return f"{self.key}{self.op}{self.values[0]}"
        return f"{self.key} {self.op} ({','.join(sorted(self.values))})"


# A NamedTuple, not a dataclass: importing `dataclasses` (and inspect) costs ~15 ms of
# every `get`'s start-up.
class Selector(NamedTuple):
    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False  # a nil LabelSelector selects nothing

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self.nothing:
            return False
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    def empty(self) -> bool:
        return not self.nothing and not self.requirements

    def equality_pairs(self) -> list[tuple[str, str]]:
        """(key, value) pairs every match must carry: the part an index can answer."""
        return [(r.key, r.values[0]) for r in self.requirements
                if r.op in (EQ, IN) and len(r.values) == 1]

    def __str__(self) -> str:
        return ",".join(str(r) for r in sorted(self.requirements, key=lambda r: r.key))


EVERYTHING = Selector()
NOTHING = Selector(nothing=True)

_TOKEN = re.compile(r"\s*(!=|==|=|\(|\)|,|!|[^\s!=(),]+)")


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise ClientError(f"unable to parse requirement: invalid selector {text!r}")
        out.append(m.group(1))
        pos = m.end()
    return out


def _fail(found: str, expected: str) -> ClientError:
    return ClientError(f"unable to parse requirement: found '{found}', expected: {expected}")


def _values(toks: list[str], i: int) -> tuple[tuple[str, ...], int]:
    """`(a,b)` starting at toks[i]; returns the values and the index after `)`."""
    if i >= len(toks) or toks[i] != "(":
        raise _fail(toks[i] if i < len(toks) else "", "'('")
    j, values = i + 1, []
    while j < len(toks) and toks[j] != ")":
        if toks[j] != ",":
            values.append(toks[j])
        j += 1
    if j >= len(toks):
        raise _fail("", "')'")
    return tuple(values), j + 1


def _requirement(toks: list[str], i: int) -> tuple[Requirement, int]:
    """One requirement starting at toks[i]; returns it and the index after it."""
    if toks[i] == "!":
        if i + 1 >= len(toks):
            raise _fail("", "identifier")
        return Requirement(toks[i + 1], NOT_EXISTS), i + 2
    key = toks[i]
    if key in (",", "(", ")", "=", "==", "!="):
        raise _fail(key, "identifier")
    op = toks[i + 1] if i + 1 < len(toks) else ","
    if op == ",":
        return Requirement(key, EXISTS), i + 1
    if op in ("=", "==", "!="):
        has_value = i + 2 < len(toks) and toks[i + 2] not in (",", "(", ")")
        value = toks[i + 2] if has_value else ""
        return Requirement(key, NEQ if op == "!=" else EQ, (value,)), i + (3 if has_value else 2)
    if op in ("in", "notin"):
        values, j = _values(toks, i + 2)
        return Requirement(key, IN if op == "in" else NOTIN, values), j
    raise _fail(op, "in, notin, =, ==, !=")


def parse(text: str) -> Selector:
    """Parse kubectl's selector syntax: `a=b,c!=d,e in (f,g),h notin (i),j,!k`."""
    toks, i, reqs = _tokens(text), 0, []
    while i < len(toks):
        req, i = _requirement(toks, i)
        reqs.append(req)
        if i < len(toks):
            if toks[i] != ",":
                raise _fail(toks[i], "','")
            i += 1
            if i == len(toks):
                raise _fail("", "identifier")
    return Selector(tuple(reqs))


def from_map(selector: Mapping[str, str] | None) -> Selector:
    """A Service/ReplicationController selector map (labels.SelectorFromSet)."""
    items = sorted((selector or {}).items())
    return Selector(tuple(Requirement(k, EQ, (str(v),)) for k, v in items))


def from_label_selector(ls: Mapping | None) -> Selector:
    """metav1.LabelSelectorAsSelector: nil selects nothing, {} selects everything."""
    if ls is None:
        return NOTHING
    reqs = [Requirement(k, EQ, (str(v),)) for k, v in (ls.get("matchLabels") or {}).items()]
    ops = {"In": IN, "NotIn": NOTIN, "Exists": EXISTS, "DoesNotExist": NOT_EXISTS}
    for expr in ls.get("matchExpressions") or []:
        op = ops.get(expr.get("operator"))
        if op is None:
            raise ClientError(f"{expr.get('operator')!r} is not a valid label selector operator")
        reqs.append(Requirement(expr["key"], op, tuple(expr.get("values") or ())))
    return Selector(tuple(sorted(reqs, key=lambda r: r.key)))


def format_labels(labels: Mapping[str, str] | None) -> str:
    """labels.FormatLabels: sorted `k=v` strings joined by commas, `<none>` when empty."""
    if not labels:
        return "<none>"
    return ",".join(sorted(f"{k}={v}" for k, v in labels.items()))


def format_label_selector(ls: Mapping | None) -> str:
    """metav1.FormatLabelSelector: `<none>` for an empty selector, `<error>` when invalid."""
    try:
        text = str(from_label_selector(ls)) if ls is not None else ""
    except ClientError:
        return "<error>"
    return text or "<none>"


def matching(selector: Selector, objects: Iterable[Mapping]) -> list[Mapping]:
    return [o for o in objects if selector.matches((o.get("metadata") or {}).get("labels"))]
