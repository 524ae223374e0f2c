"""kubectl's JSONPath templates (client-go `util/jsonpath`), over JSON-like Python data: the
entry point (`render`, `compile_template`) and what kubectl does around the engine
(`parser` reads a template, `evaluate` runs it).

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
from kubesvc.api.goformat import go_json, go_quote, go_sharp_v
from kubesvc.printers.jsonpath.evaluate import Template, to_text
from kubesvc.printers.jsonpath.parser import JSONPathError

EXEC_DEBUG = (
    "Error executing template: {err}. Printing more information for debugging the template:\n"
    "\ttemplate was:\n\t\t{tmpl}\n\tobject given to jsonpath engine was:\n\t\t{obj}\n\n"
)


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
