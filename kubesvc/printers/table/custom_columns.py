"""`kubectl get -o custom-columns=SPEC` and `-o custom-columns-file=FILE` (kubectl
`pkg/cmd/get/customcolumn.go`, `customcolumn_flags.go`; checked against kubectl 1.37).

- SPEC is `HEADER:EXPR,HEADER:EXPR`, split on every `,` and then on the first `:`; EXPR may be
  `a.b`, `.a.b`, `{a.b}` or `{.a.b}` (kubectl's "relaxed" JSONPath) and is evaluated with
  missing keys allowed.
- A file holds one line of whitespace-separated headers and one line of expressions; it
  always prints the header line (kubectl ignores `--no-headers` for it).
- A cell is every value found, Go-`fmt.Sprint`ed (maps print as `map[k:v]`, lists as `[a b]`,
  null as `<nil>`) and joined with `,`; `<none>` when nothing is found. Terminal escapes are
  neutralised (ESC -> `^[`, CR -> `\\r`); a newline inside a value starts a new table line.
- Layout: kubectl's tabwriter (min width 6, padding 3); the last column is never padded.
- The header is printed even when there are no objects (and kubectl then says nothing on
  stderr), and before an expression or evaluation error.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubesvc.api.errors import ClientError
from kubesvc.api.goformat import go_v_unstructured
from kubesvc.printers.jsonpath import template as jp
from kubesvc.printers.jsonpath.evaluate import Template
from kubesvc.printers.jsonpath.parser import JSONPathError
from kubesvc.printers.table.tabwriter import escape_terminal, tabwrite

FILE_FORMAT = ("Expected format is one line of space separated headers, one line of space "
               "separated column specs.")


@dataclass(frozen=True)
class Column:
    header: str
    expression: str  # the full `{.a.b}` form


class CustomColumnsError(ClientError):
    """An error raised while printing: `output` is what kubectl wrote to stdout before it."""

    def __init__(self, message: str, output: str):
        super().__init__(message)
        self.output = output


def parse_spec(spec: str) -> list[Column]:
    """The columns of `-o custom-columns=SPEC`."""
    if not spec:
        raise ClientError("custom-columns format specified but no custom columns given")
    columns = []
    for part in spec.split(","):
        header, sep, expr = part.partition(":")
        if not sep:
            raise ClientError(f"unexpected custom-columns spec: {part}, expected "
                              "<header>:<json-path-expr>")
        columns.append(Column(header, _relaxed(expr)))
    return columns


def parse_file(text: str) -> list[Column]:
    """The columns of a `-o custom-columns-file=` template (its text)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # bufio.Scanner: a final newline ends the last line, it is not a line
    if not lines:
        raise ClientError(f"invalid template, missing header line. {FILE_FORMAT}")
    if len(lines) < 2:
        raise ClientError(f"invalid template, missing spec line. {FILE_FORMAT}")
    headers, specs = (line.removesuffix("\r").split() for line in lines[:2])
    if len(headers) != len(specs):
        raise ClientError(f"number of headers ({len(headers)}) and field specifications "
                          f"({len(specs)}) don't match")
    return [Column(h, _relaxed(s)) for h, s in zip(headers, specs, strict=True)]


def _relaxed(expr: str) -> str:
    try:
        return jp.relaxed_expression(expr)
    except JSONPathError as err:
        raise ClientError(str(err)) from None


def render(columns: list[Column], objects: list[dict], *, no_headers: bool = False) -> str:
    """The table for `objects` (the items of a listing, or the one object `get` named).

    Raises `CustomColumnsError` (with the partial stdout) on a bad expression or a failed
    lookup such as an out-of-range index; kubectl prints `error: <message>` after it.
    """
    lines = [] if no_headers else ["\t".join(c.header for c in columns)]
    try:
        templates = [Template(c.expression) for c in columns]
        for obj in objects:
            lines.append("\t".join(_cell(t, obj) for t in templates))
    except JSONPathError as err:
        raise CustomColumnsError(str(err), _layout(lines)) from None
    return _layout(lines)


def _cell(template: Template, obj: dict) -> str:
    found = template.find_results(obj)
    values = [escape_terminal(go_v_unstructured(v)) for group in found for v in group]
    if not found or not found[0]:
        values.insert(0, "<none>")
    return ",".join(values)


def _layout(lines: list[str]) -> str:
    if not lines:
        return ""
    return tabwrite("\n".join(lines) + "\n", minwidth=6, padding=3)
