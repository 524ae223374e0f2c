"""Label selectors: kubectl's `-l` syntax, metav1.LabelSelector, and label-map formatting.

Semantics follow apimachinery pkg/labels (selector.go, labels.go):
- `!=` and `notin` also match objects that lack the key;
- an empty selector matches everything; requirements print sorted by key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kubesvc.errors import ClientError

EQ, NEQ, IN, NOTIN, EXISTS, NOT_EXISTS = "=", "!=", "in", "notin", "exists", "!"


@dataclass(frozen=True)
class Requirement:
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


@dataclass(frozen=True)
class Selector:
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
        return [(r.key, r.values[0]) for r in self.requirements if r.op in (EQ, IN) and len(r.values) == 1]

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


def parse(text: str) -> Selector:
    """Parse kubectl's selector syntax: `a=b,c!=d,e in (f,g),h notin (i),j,!k`."""
    toks, i, reqs = _tokens(text), 0, []
    while i < len(toks):
        if toks[i] == "!":
            if i + 1 >= len(toks):
                raise ClientError("unable to parse requirement: found '', expected: identifier")
            reqs.append(Requirement(toks[i + 1], NOT_EXISTS))
            i += 2
        else:
            key = toks[i]
            if key in (",", "(", ")", "=", "==", "!="):
                raise ClientError(f"unable to parse requirement: found '{key}', expected: "
                                  "identifier")
            nxt = toks[i + 1] if i + 1 < len(toks) else ","
            if nxt == ",":
                reqs.append(Requirement(key, EXISTS))
                i += 1
            elif nxt in ("=", "==", "!="):
                if i + 2 >= len(toks) or toks[i + 2] in (",", "(", ")"):
                    value, i = "", i + 2
                else:
                    value, i = toks[i + 2], i + 3
                reqs.append(Requirement(key, NEQ if nxt == "!=" else EQ, (value,)))
            elif nxt in ("in", "notin"):
                if i + 2 >= len(toks) or toks[i + 2] != "(":
                    raise ClientError(f"unable to parse requirement: found '{toks[i + 2] if i + 2 < len(toks) else ''}', expected: '('")
                j, values = i + 3, []
                while j < len(toks) and toks[j] != ")":
                    if toks[j] != ",":
                        values.append(toks[j])
                    j += 1
                if j >= len(toks):
                    raise ClientError("unable to parse requirement: found '', expected: ')'")
                reqs.append(Requirement(key, IN if nxt == "in" else NOTIN, tuple(values)))
                i = j + 1
            else:
                raise ClientError(f"unable to parse requirement: found '{nxt}', expected: in, notin, =, ==, !=")
        if i < len(toks):
            if toks[i] != ",":
                raise ClientError(f"unable to parse requirement: found '{toks[i]}', expected: ','")
            i += 1
            if i == len(toks):
                raise ClientError("unable to parse requirement: found '', expected: identifier")
    return Selector(tuple(reqs))


def from_map(selector: Mapping[str, str] | None) -> Selector:
    """A Service/ReplicationController selector map (labels.SelectorFromSet)."""
    return Selector(tuple(Requirement(k, EQ, (str(v),)) for k, v in sorted((selector or {}).items())))


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
