"""client-go's JSONPath parser (`util/jsonpath/parser.go`), made iterative: template text to nodes.

Nodes are tuples tagged by their first item. Errors are `JSONPathError` with client-go's wording.
"""

from __future__ import annotations

import re

from kubesvc.api.goformat import go_unicode


class JSONPathError(Exception):
    """A parse or execution error with client-go's wording (kubectl wraps it per command)."""


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
