"""kubectl's JSONPath templates (client-go `util/jsonpath`), over JSON-like Python data.

Behaviour follows client-go's parser and evaluator as shipped in kubectl 1.37 (checked against
the real binary): `{.a.b}`, `[i]`, `[-1]`, `[a:b:c]`, `[*]`, unions `[0,1]`, `['key']`, `..`,
`*`, filters `[?(@.x op y)]` with `== != < > <= >=` and existence `[?(@.x)]`, `{range}`/`{end}`,
quoted literals `{"\\n"}`, and text between actions. Results of one action are joined with a
space; maps and lists print as compact Go JSON, other values with Go's `fmt.Print`.

Data is what `encoding/json` gives Go's unstructured objects: dicts, lists, str, int, float,
bool, None. Integral floats count as ints (kubectl reads YAML `1.0` as `1`). Go iterates maps
in random order (`*`, `..`); this module uses sorted keys so output is stable.
"""

from __future__ import annotations

import re

from kubesvc.api.errors import ClientError
from kubesvc.api.goformat import (
    go_float,
    go_json,
    go_quote,
    go_sharp_v,
    go_unicode,
    go_v_unstructured,
    int64_if_integral,
)

EXEC_DEBUG = (
    "Error executing template: {err}. Printing more information for debugging the template:\n"
    "\ttemplate was:\n\t\t{tmpl}\n\tobject given to jsonpath engine was:\n\t\t{obj}\n\n"
)


class JSONPathError(Exception):
    """A parse or execution error with client-go's wording (kubectl wraps it per command)."""


class Byte(int):
    """A uint8, as Go yields when `*` or `..` walks into a string."""


_TERMINATORS = frozenset(" \t\r\n.,[]$@{}")
_DICT_KEY = re.compile(r"'([^']*)'")
_SLICE = re.compile(r"(-?[0-9]*)(:-?[0-9]*)?(:-?[0-9]*)?")
_FILTER = re.compile(r"([^!<>=]+)([!<>=]+)(.+?)")
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            "\\": "\\", "'": "'", '"': '"'}


def _alnum(ch: str) -> bool:
    return ch == "_" or ch.isalpha() or ch.isdecimal()


class _Parser:
    """client-go `parser.go`, made iterative. Nodes are tuples tagged by their first item."""

    def __init__(self, text: str):
        self.s, self.pos, self.start = text, 0, 0

    def parse(self) -> list:
        root: list = []
        s = self.s
        while True:
            i = s.find("{", self.pos)
            if i < 0:
                if len(s) > self.start:
                    root.append(("text", s[self.start:]))
                return root
            if i > self.start:
                root.append(("text", s[self.start:i]))
            self.pos = self.start = i + 1
            action: list = []
            root.append(("list", action))
            self._action(action)

    def _next(self) -> str:
        if self.pos >= len(self.s):
            return ""
        self.pos += 1
        return self.s[self.pos - 1]

    def _take(self) -> str:
        text, self.start = self.s[self.start:self.pos], self.pos
        return text

    def _action(self, cur: list) -> None:
        s = self.s
        while True:
            if s.startswith("}", self.pos):
                self.pos += 1
                self.start = self.pos
                return
            if s.startswith("[?(", self.pos):
                self._filter(cur)
                continue
            if s.startswith("..", self.pos):
                if cur and cur[-1][0] == "recursive":
                    raise JSONPathError("invalid multiple recursive descent")
                self.pos += 2
                self.start = self.pos
                cur.append(("recursive",))
                if self.pos < len(s) and _alnum(s[self.pos]):
                    self._field(cur)
                continue
            self._token(cur, self._next())

    def _token(self, cur: list, ch: str) -> None:
        if ch in ("", "\r", "\n"):
            raise JSONPathError("unclosed action")
        if ch in " @$":
            self.start = self.pos
        elif ch == "[":
            self._array(cur)
        elif ch in "\"'":
            self._quote(cur, ch)
        elif ch == ".":
            self._field(cur)
        elif ch in "+-" or ch.isdecimal():
            self.pos -= 1
            self._number(cur)
        elif _alnum(ch):
            self.pos -= 1
            while self.pos < len(self.s) and self.s[self.pos] not in _TERMINATORS:
                self.pos += 1
            word = self._take()
            cur.append(("bool", word == "true") if word in ("true", "false") else ("ident", word))
        else:
            raise JSONPathError(f"unrecognized character in action: {go_unicode(ch)}")

    def _field(self, cur: list) -> None:
        self.start = self.pos
        s = self.s
        while self.pos < len(s) and s[self.pos] not in _TERMINATORS:
            self.pos += 2 if s[self.pos] == "\\" else 1
        self.pos = min(self.pos, len(s))
        name = self._take()
        cur.append(("wildcard",) if name == "*" else ("field", name.replace("\\", "")))

    def _number(self, cur: list) -> None:
        if self.s[self.pos] in "+-":
            self.pos += 1
        while self.pos < len(self.s) and (self.s[self.pos] == "." or self.s[self.pos].isdecimal()):
            self.pos += 1
        text = self._take()
        if _INT.fullmatch(text) and -(2**63) <= int(text) < 2**63:
            cur.append(("int", int(text)))
        elif _FLOAT.fullmatch(text):
            cur.append(("float", float(text)))
        else:
            raise JSONPathError(f"cannot parse number {text}")

    def _array(self, cur: list) -> None:
        while (ch := self._next()) != "]":
            if ch in ("", "\n"):
                raise JSONPathError("unterminated array")
        inner = self._take()[1:-1]
        inner = ":" if inner == "*" else inner
        parts = inner.split(",")
        if len(parts) > 1:
            cur.append(("union", [parse_action(f"[{p.strip(' ')}]") for p in parts]))
        elif key := _DICT_KEY.fullmatch(inner):
            cur.extend(parse_action("." + key[1]))
        elif m := _SLICE.fullmatch(inner):
            cur.append(("array", _slice_params(m.groups())))
        else:
            raise JSONPathError(f"invalid array index {inner}")

    def _filter(self, cur: list) -> None:
        self.pos += 3
        self.start = self.pos
        begin = end = False
        pair = ""
        while True:
            ch = self._next()
            if ch in ("", "\n"):
                raise JSONPathError("unterminated filter")
            if ch in "\"'":
                if not begin:
                    begin, pair = True, ch
                elif self.s[self.pos - 2] != "\\" and ch == pair:
                    end = True
            elif ch == ")" and begin == end:
                break
        if self._next() != "]":
            raise JSONPathError("unclosed array expect ]")
        text = self._take()[:-2]
        m = _FILTER.fullmatch(text)
        if m is None:
            cur.append(("filter", parse_action(text), [], "exists"))
        else:
            cur.append(("filter", parse_action(m[1]), parse_action(m[3]), m[2]))

    def _quote(self, cur: list, quote: str) -> None:
        while True:
            ch = self._next()
            if ch in ("", "\n"):
                raise JSONPathError("unterminated quoted string")
            if ch == quote and self.s[self.pos - 2] != "\\":
                break
        raw = self._take()
        try:
            cur.append(("text", unquote(raw)))
        except ValueError:
            raise JSONPathError(f"unquote string {raw} error invalid syntax") from None


def _slice_params(groups: tuple) -> list[list]:
    """[known, value, derived] × 3, as client-go `parseArray` fills its ParamsEntry."""
    params = [[False, 0, False] for _ in range(3)]
    for i, text in enumerate(groups):
        text = text or ""
        if text:
            text = text[1:] if i > 0 else text
            if i > 0 and not text:
                continue
            if not _INT.fullmatch(text):
                raise JSONPathError(f"array index {text} is not a number")
            params[i][:2] = [True, int(text)]
        elif i == 1:
            params[1] = [True, params[0][1] + 1, True]
    return params


def parse_nodes(template: str) -> list:
    """The parsed template: text nodes and `("list", [...])` actions. Raises JSONPathError."""
    return _Parser(template).parse()


def parse_action(text: str) -> list:
    """client-go `parseAction`: the nodes of `{text}`'s first action."""
    return _Parser("{" + text + "}").parse()[0][1]


def unquote(raw: str) -> str:
    """client-go `UnquoteExtend`: strconv.Unquote that also takes multi-letter '...' strings."""
    quote, body = raw[:1], raw[1:-1]
    if len(raw) < 2 or quote not in "\"'" or raw[-1] != quote:
        raise ValueError(raw)
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == quote:
            raise ValueError(raw)
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        esc = body[i + 1:i + 2]
        size = {"x": 2, "u": 4, "U": 8}.get(esc, 0)
        if size:
            digits = body[i + 2:i + 2 + size]
            if len(digits) != size or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise ValueError(raw)
            code = int(digits, 16)
            if code > 0x10FFFF or 0xD800 <= code < 0xE000:
                raise ValueError(raw)
            out.append(chr(code))
            i += 2 + size
        elif esc and esc in "01234567":
            digits = body[i + 1:i + 4]
            if len(digits) != 3 or not all(c in "01234567" for c in digits) \
                    or int(digits, 8) > 255:
                raise ValueError(raw)
            out.append(chr(int(digits, 8)))
            i += 4
        elif esc in _ESCAPES and (esc not in "'\"" or esc == quote):
            out.append(_ESCAPES[esc])
            i += 2
        else:
            raise ValueError(raw)
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Evaluation (client-go `jsonpath.go`)

_NOTHING = object()  # what a `{range}` over nothing walks its body with (Go: an invalid Value)
_KINDS = {bool: "bool", str: "string", Byte: "uint8", int: "int64", float: "float64",
          dict: "map[string]interface {}", list: "[]interface {}"}


class Template:
    """A parsed template. `find_results` keeps client-go's range state machine."""

    def __init__(self, text: str, allow_missing_keys: bool = True):
        self.text = text
        self.allow_missing_keys = allow_missing_keys
        self.nodes = _Parser(text).parse()

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


# ---------------------------------------------------------------------------------------------
# What kubectl does around the engine

def list_object(items: list[dict]) -> dict:
    """What `kubectl get` prints structured output from when it lists (get.go `printGeneric`)."""
    return {"apiVersion": "v1", "items": list(items), "kind": "List",
            "metadata": {"resourceVersion": ""}}


def query_object(objects: list[dict], single_item: bool) -> dict:
    """The object `-o json|yaml|jsonpath` runs against: the object itself when one was named
    (`get svc web`, `get svc/web`), else a List of all matches (even zero or one)."""
    return objects[0] if single_item and len(objects) == 1 else list_object(objects)


def compile_template(template: str, allow_missing_keys: bool = True) -> Template:
    """Parse `template` for `-o jsonpath`; a syntax error is kubectl's client-side error."""
    try:
        return Template(template, allow_missing_keys)
    except JSONPathError as err:
        raise ClientError(f"error parsing jsonpath {template}, {err}") from None


def render(template: str, data, *, allow_missing_keys: bool = True, as_json: bool = False) -> str:
    """`kubectl get -o jsonpath=TEMPLATE` (`as_json`: `-o jsonpath-as-json=`) on one object.

    Errors: `ClientError` worded like kubectl (`error parsing jsonpath {.a, unclosed action`;
    execution errors carry kubectl's debug dump, which ends in two newlines of its own).
    """
    tmpl = compile_template(template, allow_missing_keys)
    try:
        results = tmpl.find_results(data)
    except JSONPathError as err:
        dump = EXEC_DEBUG.format(err=err, tmpl=template, obj=go_sharp_v(data))
        raise ClientError(f"error executing jsonpath {go_quote(template)}: {dump}") from None
    if as_json:
        return "".join(go_json(found, "    ") + "\n" for found in results)
    return "".join(" ".join(to_text(v) for v in found) for found in results)


def relaxed_expression(expr: str) -> str:
    """kubectl `RelaxedJSONPathExpression`: `a.b`, `.a.b`, `{a.b}` and `{.a.b}` → `{.a.b}`."""
    if not expr:
        return expr
    m = re.fullmatch(r"\{\.?([^{}]+)\}|\.?([^{}]+)", expr)
    if m is None:
        raise JSONPathError("unexpected path string, expected a 'name1.name2' or '.name1.name2' "
                            "or '{name1.name2}' or '{.name1.name2}'")
    return "{." + (m[1] or m[2]) + "}"
