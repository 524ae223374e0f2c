"""The Caddyfile syntax a Corefile is written in (coredns/caddy caddyfile lexer and parser):
server blocks of keys and a braced body, one directive per line with its arguments and an
optional braced block of properties, `#` comments, quoted strings, snippets and `import`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class CorefileError(Exception):
    """Why CoreDNS would refuse to load this Corefile (its parse or setup error, paraphrased,
    with the line)."""


@dataclass
class Directive:
    name: str
    args: list[str]
    line: int
    block: list[Directive] = field(default_factory=list)


@dataclass
class RawBlock:
    keys: list[str]
    body: list[Directive]
    line: int


def server_blocks(text: str) -> list[RawBlock]:
    """The server blocks of `text`; snippet definitions and top-level `import` lines (of files
    kubesvc does not have, such as k3s's coredns-custom) are skipped."""
    tokens = _tokens(text)
    blocks: list[RawBlock] = []
    i = 0
    while i < len(tokens):
        line = tokens[i].line
        if _is(tokens[i], "}"):
            raise CorefileError(f"line {line}: unexpected '}}'")
        if _is(tokens[i], "import"):
            while i < len(tokens) and tokens[i].line == line:
                i += 1
            continue
        keys = []
        while i < len(tokens) and tokens[i].line == line and not _is(tokens[i], "{"):
            keys += [k for k in tokens[i].text.split(",") if k]
            i += 1
        if i < len(tokens) and _is(tokens[i], "{"):
            body, i = _block(tokens, i + 1, line)
        elif not blocks:  # Caddy's one-block form without braces: the rest of the file
            body, i = _directives(tokens[i:], line), len(tokens)
        else:
            raise CorefileError(f"line {line}: expected '{{' after the server block keys")
        if not keys:
            raise CorefileError(f"line {line}: a server block needs zone keys before '{{'")
        if not (keys[0].startswith("(") and keys[0].endswith(")")):  # not a snippet
            blocks.append(RawBlock(keys, body, line))
    return blocks


@dataclass
class _Token:
    text: str
    line: int
    quoted: bool = False


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw
        while line:
            line = line.lstrip()
            if not line or line.startswith("#"):
                break
            if line.startswith('"'):
                end = _closing_quote(line, number)
                out.append(_Token(line[1:end].replace('\\"', '"'), number, True))
                line = line[end + 1:]
                continue
            word = line.split(None, 1)[0]
            out.append(_Token(word, number))
            line = line[len(word):]
    return out


def _closing_quote(line: str, number: int) -> int:
    i = 1
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == '"':
            return i
        i += 1
    raise CorefileError(f"line {number}: unterminated quoted string")


def _is(token: _Token, text: str) -> bool:
    return not token.quoted and token.text == text


def _block(tokens: list[_Token], i: int, opened: int) -> tuple[list[Directive], int]:
    """The tokens up to the matching '}', as directives; returns the index after it."""
    depth, start = 1, i
    while i < len(tokens):
        if _is(tokens[i], "{"):
            depth += 1
        elif _is(tokens[i], "}"):
            depth -= 1
            if depth == 0:
                return _directives(tokens[start:i], opened), i + 1
        i += 1
    raise CorefileError(f"line {opened}: the block opened here is never closed (missing '}}')")


def _directives(tokens: list[_Token], opened: int) -> list[Directive]:
    out: list[Directive] = []
    i = 0
    while i < len(tokens):
        first = tokens[i]
        if _is(first, "}"):
            raise CorefileError(f"line {first.line}: unexpected '}}'")
        i += 1
        args = []
        while i < len(tokens) and tokens[i].line == first.line and not _is(tokens[i], "{"):
            args.append(tokens[i].text)
            i += 1
        directive = Directive(first.text, args, first.line)
        if i < len(tokens) and _is(tokens[i], "{") and tokens[i].line == first.line:
            directive.block, i = _block(tokens, i + 1, first.line)
        out.append(directive)
    return out
