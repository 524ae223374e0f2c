"""client-go's JSONPath evaluator (`util/jsonpath/jsonpath.go`) over JSON-like Python data.

Data is what `encoding/json` gives Go's unstructured objects: dicts, lists, str, int, float,
bool, None. Integral floats count as ints (kubectl reads YAML `1.0` as `1`). Go iterates maps
in random order (`*`, `..`); this module uses sorted keys so output is stable.
"""

from __future__ import annotations

from kubesvc.api.goformat import go_float, go_json, go_v_unstructured, int64_if_integral
from kubesvc.printers.jsonpath.parser import JSONPathError, parse_nodes


class Byte(int):
    """A uint8, as Go yields when `*` or `..` walks into a string."""


_NOTHING = object()  # what a `{range}` over nothing walks its body with (Go: an invalid Value)
_KINDS = {bool: "bool", str: "string", Byte: "uint8", int: "int64", float: "float64",
          dict: "map[string]interface {}", list: "[]interface {}"}


class Template:
    """A parsed template. `find_results` keeps client-go's range state machine."""

    def __init__(self, text: str, allow_missing_keys: bool = True):
        self.text = text
        self.allow_missing_keys = allow_missing_keys
        self.nodes = parse_nodes(text)

    def find_results(self, data) -> list[list]:
        self._begin = self._in = self._end = 0
        self._last_end = -1
        return self._find(data, 0)

    def execute(self, data) -> str:
        return "".join(" ".join(to_text(v) for v in found) for found in self.find_results(data))

    def _find(self, data, start: int) -> list[list]:
        full: list[list] = []
        i = start
        while i < len(self.nodes):
            results = self._walk([data], self.nodes[i])
            if 0 < self._end <= self._in:  # an {end}: close the innermost range
                self._end -= 1
                self._last_end = i
                break
            if self._begin > 0:  # a {range}: run the rest once per result
                self._begin -= 1
                self._in += 1
                for value in results or [_NOTHING]:
                    found = self._find(value, i + 1)
                    full.extend(found if results else [])
                self._in -= 1
                i = self._last_end if self._last_end > i else i
                i += 1
                continue
            full.append(results)
            i += 1
        return full

    def _walk(self, values: list, node: tuple) -> list:
        return getattr(self, "_" + node[0])(values, node)

    def _list(self, values, node):
        for child in node[1]:
            values = self._walk(values, child)
        return values

    def _text(self, values, node):
        return [node[1]]

    def _int(self, values, node):
        return [node[1]] * len(values)

    _float = _bool = _int

    def _ident(self, values, node):
        if node[1] == "range":
            self._begin += 1
            return values
        if node[1] == "end":
            if self._in <= 0:
                raise JSONPathError("not in range, nothing to end")
            self._end += 1
            return []
        raise JSONPathError(f"unrecognized identifier {node[1]}")

    def _field(self, values, node):
        found = [int64_if_integral(v[node[1]]) for v in values
                 if isinstance(v, dict) and node[1] in v]
        if not found and values and not self.allow_missing_keys:
            raise JSONPathError(f"{node[1]} is not found")
        return found

    def _array(self, values, node):
        out: list = []
        for value in values:
            if value is None or value is _NOTHING:
                continue
            if not isinstance(value, list):
                raise JSONPathError(f"{go_type(value)} is not array or slice")
            (known0, lo, _), (known1, hi, derived), (known2, step, _) = node[1]
            lo = lo if known0 else 0
            lo += len(value) if lo < 0 else 0
            hi = hi if known1 else len(value)
            hi += len(value) if hi < 0 or (hi == 0 and derived) else 0
            if hi == lo:  # an empty selection ends the whole walk (client-go returns early)
                return out
            if not 0 <= lo < len(value):
                raise JSONPathError(f"array index out of bounds: index {lo}, length {len(value)}")
            if not 0 <= hi <= len(value):
                raise JSONPathError(
                    f"array index out of bounds: index {hi - 1}, length {len(value)}")
            if lo > hi:
                raise JSONPathError(f"starting index {lo} is greater than ending index {hi}")
            if known2 and step <= 0:
                raise JSONPathError("step must be > 0")
            out.extend(int64_if_integral(v) for v in value[lo:hi:step if known2 else 1])
        return out

    def _union(self, values, node):
        return [v for branch in node[1] for v in self._list(values, ("list", branch))]

    def _wildcard(self, values, node):
        return [c for v in values for c in _children(v)]

    def _recursive(self, values, node):
        out: list = []
        for value in values:
            children = _children(value)
            if children:
                out.append(value)
                out.extend(self._recursive(children, node))
        return out

    def _filter(self, values, node):
        _, left_nodes, right_nodes, op = node
        out: list = []
        for value in values:
            if not isinstance(value, list):
                shown = "<invalid reflect.Value>" if value is _NOTHING else go_v_unstructured(value)
                raise JSONPathError(f"{shown} is not array or slice and cannot be filtered")
            for item in value:
                if self._keep(int64_if_integral(item), left_nodes, right_nodes, op):
                    out.append(int64_if_integral(item))
        return out

    def _keep(self, item, left_nodes, right_nodes, op) -> bool:
        if op == "exists":
            try:
                return bool(self._list([item], ("list", left_nodes)))
            except JSONPathError as err:  # client-go keeps the failing step's input: non-empty
                return str(err) != "not in range, nothing to end"
        sides = []
        for nodes in (left_nodes, right_nodes):
            found = self._list([item], ("list", nodes))
            if not found:
                return False
            if len(found) > 1:
                raise JSONPathError("can only compare one element at a time")
            sides.append(found[0])
        return compare(op, *sides)


def _children(value) -> list:
    if isinstance(value, dict):
        return [int64_if_integral(value[k]) for k in sorted(value)]
    if isinstance(value, list):
        return [int64_if_integral(v) for v in value]
    if isinstance(value, str):
        return [Byte(b) for b in value.encode()]
    return []


def _basic_kind(value) -> str:
    """text/template `basicKind` (client-go's fork)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Byte):
        return "uint"
    for kind, name in ((int, "int"), (float, "float"), (str, "string")):
        if isinstance(value, kind):
            return name
    raise JSONPathError("invalid type for comparison")


def compare(op: str, left, right) -> bool:
    """The forked text/template `eq`/`lt` family the filter operators map to."""
    if op not in ("==", "!=", "<", ">", "<=", ">="):
        raise JSONPathError(f"unrecognized filter operator {op}")
    kl, kr = _basic_kind(left), _basic_kind(right)
    if kl != kr and {kl, kr} != {"int", "uint"}:
        raise JSONPathError("incompatible types for comparison")
    if op in ("==", "!="):
        return (left == right) == (op == "==")
    if kl == "bool":
        raise JSONPathError("invalid type for comparison")
    less = left < right
    return {"<": less, ">=": not less, "<=": less or left == right,
            ">": not (less or left == right)}[op]


def to_text(value) -> str:
    """One result as client-go `PrintResults` writes it."""
    value = int64_if_integral(value)
    if isinstance(value, (dict, list)):
        return go_json(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    return str(value)


def go_type(value) -> str:
    return _KINDS.get(type(int64_if_integral(value)), "interface {}")
