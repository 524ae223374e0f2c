"""The text of `kubectl patch -p`, decoded as kubectl's `yaml.ToJSON` and Go's `encoding/json`
read it, with their error messages (`invalid character 'x' looking for beginning of value`,
`json: cannot unmarshal array into Go value of type ...`, go-yaml's `yaml: line N: ...`).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from kubesvc.api.errors import ClientError
from kubesvc.api.goformat import go_float, go_json_kind, go_quote, go_quote_rune

# --- the patch text, as kubectl's yaml.ToJSON reads it ---------------------------------------

class BadJSON:
    """Patch text that starts with `{` but is no JSON: each patch type words it its own way."""

    def __init__(self, message: str):
        self.message = message


def parse_patch(text: str):
    """Decoded patch, or `BadJSON`. Text starting with `{` is JSON; anything else is YAML,
    read as sigs.k8s.io/yaml reads it (YAML 1.1 scalars, the first document only)."""
    if text.lstrip().startswith("{"):  # kept as is: 80.0 stays a float, as in Go
        try:
            return json.loads(text, parse_constant=lambda name: _no_constant(text, name))
        except json.JSONDecodeError as err:
            return BadJSON(_go_json_error(err))
    # lazy: a JSON patch, the common case, never pays for importing PyYAML
    import yaml  # noqa: PLC0415

    loader = _yaml_loader()(text)
    try:
        return jsonable(loader.get_data() if loader.check_data() else None)
    except (yaml.YAMLError, ValueError) as err:
        reason = _yaml_message(err, text) if isinstance(err, yaml.YAMLError) else str(err)
        raise ClientError(f"unable to parse {go_quote(text)}: {reason}") from None
    finally:
        loader.dispose()


def _no_constant(text: str, name: str):
    raise json.JSONDecodeError("Expecting value", text, text.index(name))  # Go has no NaN


# go-yaml v2's implicit types: y/n are booleans, 0o17 and 1e3 numbers; no sexagesimal, no dates
_GO_YAML_TYPES = (
    ("bool", "y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|"
             "Off|OFF", "yYnNtTfFoO"),
    ("null", "~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("int", "[-+]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)",
     "-+0123456789"),
    ("float", r"[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
              r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)", "-+.0123456789"),
    ("merge", "<<", "<"),
)


@lru_cache(maxsize=1)
def _yaml_loader():
    # lazy like `parse_patch`'s import of yaml: only YAML patch text needs these
    from yaml.constructor import SafeConstructor  # noqa: PLC0415
    from yaml.nodes import MappingNode, ScalarNode  # noqa: PLC0415
    from yaml.resolver import BaseResolver  # noqa: PLC0415

    try:
        from yaml.cyaml import CParser as Parser  # noqa: PLC0415
    except ImportError:  # no libyaml: the pure-Python front end
        from yaml.loader import BaseLoader as Parser  # noqa: PLC0415

    class Resolver(BaseResolver):
        pass

    Resolver.yaml_implicit_resolvers = {}
    for tag, pattern, first in _GO_YAML_TYPES:
        Resolver.add_implicit_resolver(f"tag:yaml.org,2002:{tag}",
                                       re.compile(f"^(?:{pattern})$"), list(first))

    class Constructor(SafeConstructor):
        def construct_yaml_int(self, node):
            text = self.construct_scalar(node).replace("_", "")
            body = text.lstrip("+-")
            base = {"0x": 16, "0o": 8, "0b": 2}.get(body[:2].lower())
            try:
                value = int(body[2:], base) if base else int(body, 8 if body[:1] == "0" else 10)
            except ValueError:
                return float(text)  # 09 is no octal number: upstream reads a float
            return -value if text.startswith("-") else value

        def construct_mapping(self, node, deep=False):  # keys as JSON has them: 1, true
            self.flatten_mapping(node)
            return {_go_key(self.construct_object(k, deep=True)): self.construct_object(v, deep)
                    for k, v in node.value}

        def construct_other(self, _suffix, node):  # an unknown tag decodes as no tag
            if isinstance(node, ScalarNode):
                return self.construct_scalar(node)
            if isinstance(node, MappingNode):
                return self.construct_mapping(node, deep=True)
            return self.construct_sequence(node, deep=True)

    Constructor.bool_values = {**SafeConstructor.bool_values, "y": True, "n": False}
    Constructor.add_constructor("tag:yaml.org,2002:int", Constructor.construct_yaml_int)
    Constructor.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)
    Constructor.add_multi_constructor("", Constructor.construct_other)

    class Loader(Parser, Constructor, Resolver):
        def __init__(self, text):
            Parser.__init__(self, text)
            Constructor.__init__(self)
            Resolver.__init__(self)

    return Loader


def _yaml_message(err, text: str) -> str:
    """go-yaml's wording: `yaml: line N: <problem>` (libyaml's problems, go-yaml's lines)."""
    problem = getattr(err, "problem", None) or getattr(err, "reason", None) or str(err)
    mark, context = getattr(err, "problem_mark", None), getattr(err, "context_mark", None)
    if problem.startswith("found undefined alias") and mark is not None:
        name = re.match(r"\*([^\s,\]}]*)", text[mark.index:])
        return f"yaml: unknown anchor '{name.group(1) if name else ''}' referenced"
    line = 0
    if mark is not None and mark.line:
        line = mark.line + (type(err).__name__ == "ScannerError")
    elif context is not None and context.line:
        line = context.line
    return f"yaml: line {line}: {problem}" if line else f"yaml: {problem}"


def jsonable(value, budget=None):
    """What encoding/json makes of the decoded patch: string keys, integral floats printed
    as integers. Aliases that expand past a limit are refused, as go-yaml refuses them."""
    budget = [5_000_000] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError("yaml: document contains excessive aliasing")
    if isinstance(value, dict):
        return {_go_key(k): jsonable(v, budget) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, budget) for v in value]
    if isinstance(value, (set, frozenset)):
        return {_go_key(k): None for k in value}
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"json: unsupported value: {go_float(value)}")
        if value.is_integer() and abs(value) < 2**63:
            return int(value)
    return value


def _go_key(key) -> str:
    if isinstance(key, bool) or key is None:
        return json.dumps(key)
    return go_float(key) if isinstance(key, float) else str(key)


def _go_json_error(err: json.JSONDecodeError) -> str:
    """encoding/json's syntax error for the text Python's decoder choked on."""
    text, pos = err.doc, err.pos
    if not text[pos:].strip() or err.msg.startswith("Unterminated string"):
        return "unexpected end of JSON input"
    ch = text[pos]
    if err.msg.startswith("Invalid control character"):
        return f"invalid character {go_quote_rune(ch)} in string literal"
    if err.msg.startswith("Invalid \\escape"):
        return f"invalid character {go_quote_rune(text[pos + 1])} in string escape code"
    where = {"Expecting property name enclosed in double quotes": "looking for beginning of "
             "object key string", "Expecting ':' delimiter": "after object key",
             "Extra data": "after top-level value"}.get(err.msg)
    if err.msg == "Expecting ',' delimiter":
        where = "after object key:value pair" if _innermost(text, pos) == "{" \
            else "after array element"
    return f"invalid character {go_quote_rune(ch)} {where or 'looking for beginning of value'}"


def _innermost(text: str, pos: int) -> str:
    stack, in_string, escaped = [], False, False
    for ch in text[:pos]:
        if in_string:
            escaped, in_string = (not escaped and ch == "\\"), in_string and (escaped or ch != '"')
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append(ch)
        elif ch in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def cannot_unmarshal(value, go_type: str) -> str:
    return f"json: cannot unmarshal {go_json_kind(value)} into Go value of type {go_type}"
