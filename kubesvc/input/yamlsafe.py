"""A YAML loader that builds plain data only and refuses what a Kubernetes decoder refuses.

- libyaml's C parser when present (7-9x faster), the pure-Python one otherwise;
- plain scalars resolve as Kubernetes resolves them: sigs.k8s.io/yaml over go-yaml v2
  (`resolve()` in go-yaml v2's resolve.go, YAML 1.1 rules), not as PyYAML's YAML 1.1 resolver
  does: `y`/`n` are booleans too, `0o17`/`0X1F`/`0B1` are numbers, `1e3` and `09` are
  floats, `1:20` (sexagesimal) and `=` stay strings, timestamps stay strings;
- no tag ever constructs a Python object (safe constructors only);
- duplicate keys in a mapping are an error, as in kubectl (sigs.k8s.io/yaml is strict);
- aliases may not expand beyond a limit, so a "billion laughs" document cannot blow up
  memory downstream.
"""

from __future__ import annotations

import re
import struct

import yaml
from yaml import YAMLError
from yaml.constructor import ConstructorError

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_EXPANDED_NODES = 5_000_000  # far beyond any real manifest; a billion-laughs document is not


class StrictLoader(_Base):  # type: ignore[misc, valid-type]
    def construct_mapping(self, node, deep=False):
        seen = set()
        other_keys = False
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a collection as a key: the base class says "found unhashable key"
            key = key_node.value
            if key in seen and key_node.tag != "tag:yaml.org,2002:merge":
                raise ConstructorError(None, None, f'key "{key}" already set in map',
                                       key_node.start_mark)
            seen.add(key)
            other_keys = other_keys or key_node.tag != "tag:yaml.org,2002:str"
        mapping = super().construct_mapping(node, deep)
        if other_keys and any(type(key) is not str for key in mapping):
            mapping = {_json_key(key, node): value for key, value in mapping.items()}
        return mapping


def _json_key(key, node) -> str:
    """sigs.k8s.io/yaml turns go-yaml's non-string keys into JSON's strings: `on: x` is
    {"true": "x"}, `80: http` {"80": "http"}; a null key is refused."""
    if type(key) is bool:
        return "true" if key else "false"
    if type(key) is int:
        return str(key)
    if type(key) is float:
        return go_float32_string(key)
    if type(key) is str:
        return key
    raise ConstructorError(None, None, "unsupported map key of type: <nil>", node.start_mark)


def _float32(value: float) -> float:
    try:
        return struct.unpack("f", struct.pack("f", value))[0]
    except OverflowError:  # beyond float32: Go's FormatFloat says +Inf / -Inf
        return float("inf") if value > 0 else float("-inf")


def go_float32_string(value: float) -> str:
    """strconv.FormatFloat(v, 'g', -1, 32), as sigs.k8s.io/yaml spells a float key."""
    single = _float32(value)
    if single != single:
        return ".nan"
    if single in (float("inf"), float("-inf")):
        return ".inf" if single > 0 else "-.inf"
    for places in range(9):  # the shortest spelling that reads back as the same float32
        text = f"{single:.{places}e}"
        if _float32(float(text)) == single:
            break
    mantissa, exponent = text.split("e")
    exp = int(exponent)
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    if exp < -4 or exp >= 6:  # Go's %e for the shortest 'g' form
        return f"{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    sign, digits = ("-", mantissa[1:]) if mantissa.startswith("-") else ("", mantissa)
    digits = digits.replace(".", "")
    if exp >= 0:
        whole, fraction = digits[:exp + 1].ljust(exp + 1, "0"), digits[exp + 1:]
    else:
        whole, fraction = "0", "0" * (-exp - 1) + digits
    return sign + whole + ("." + fraction if fraction else "")


# Timestamps stay strings (Kubernetes fields are strings; a datetime would not serialise). A
# plain scalar is never resolved as one (below); this covers an explicit !!timestamp tag.
StrictLoader.add_constructor("tag:yaml.org,2002:timestamp",
                             StrictLoader.yaml_constructors["tag:yaml.org,2002:str"])


# --- Plain scalars, resolved as go-yaml v2's resolve() does ------------------------------------
# go-yaml v2 looks up the exact spellings below first (resolveMap), then, for a scalar starting
# with a digit or a sign, tries a timestamp (kept as a string by sigs.k8s.io/yaml's
# interface{} decoding), strconv.ParseInt(s without "_", base 0) (0x/0X, 0o/0O, 0b/0B, a
# leading 0 for octal), ParseUint, and a float of the yamlStyleFloat shape; a scalar starting
# with "." is tried with ParseFloat. Everything else is a string: no sexagesimal numbers, no
# `=` value key, and the merge key `<<` is a merge only as a mapping key.
GO_BOOLS = {**dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
                             "on", "On", "ON"), True),
            **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE",
                             "off", "Off", "OFF"), False)}
NUMBER_TAG = "tag:kubesvc,2026:go-number"  # private: the constructor decides int, float or str
_SPECIAL_FLOAT = re.compile(r"(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z")
_NUMBER_LIKE = re.compile(r"[-+.0-9][-+.0-9_a-fA-FxXoO]*\Z")
_GO_INT = re.compile(r"([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|0[oO]([0-7]+)|0([0-7]*)"
                     r"|([1-9][0-9]*))\Z")
_YAML_STYLE_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_DOT_FLOAT = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?\Z")


def go_number(text: str) -> int | float | str:
    """What go-yaml v2 makes of a plain scalar starting with a digit, a sign or a dot."""
    if text[0] == ".":
        if _DOT_FLOAT.match(text):
            value = float(text)
            return text if value in (float("inf"), float("-inf")) else value
        return text
    plain = text.replace("_", "")
    match = _GO_INT.match(plain)
    if match:
        sign, hexa, binary, octal, legacy_octal, decimal = match.groups()
        if hexa is not None:
            number = int(hexa, 16)
        elif binary is not None:
            number = int(binary, 2)
        elif octal is not None:
            number = int(octal, 8)
        elif decimal is not None:
            number = int(decimal)
        else:
            number = int(legacy_octal or "0", 8)
        if sign == "-":
            number = -number
        # go-yaml makes a float of a decimal beyond 64 bits (a big.Int of a hexadecimal one);
        # kubesvc keeps every integer exact, as PyYAML and yaml-rs read it: an API field
        # holding one is refused with the number as written
        return number
    if _YAML_STYLE_FLOAT.match(plain):
        value = float(plain)
        if value not in (float("inf"), float("-inf")):  # ParseFloat: out of range
            return value
    return text


def _construct_go_number(loader, node):
    return go_number(loader.construct_scalar(node))


def _construct_go_bool(loader, node):
    value = loader.construct_scalar(node)
    if value not in GO_BOOLS:
        raise ConstructorError(None, None, f"cannot decode !!str `{value}` as a !!bool",
                               node.start_mark)
    return GO_BOOLS[value]


StrictLoader.yaml_implicit_resolvers = {}
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile("(?:" + "|".join(GO_BOOLS) + r")\Z"),
    list("yYnNtTfFoO"))
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"(?:~|null|Null|NULL|)\Z"), ["~", "n", "N", ""])
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _SPECIAL_FLOAT, list("-+."))
StrictLoader.add_implicit_resolver(NUMBER_TAG, _NUMBER_LIKE, list("-+.0123456789"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"<<\Z"), ["<"])
StrictLoader.add_constructor("tag:yaml.org,2002:bool", _construct_go_bool)
StrictLoader.add_constructor(NUMBER_TAG, _construct_go_number)
# `<<` merges only as a mapping key (the mapping constructor sees to it); as a value it is text.
StrictLoader.add_constructor("tag:yaml.org,2002:merge",
                             lambda loader, node: loader.construct_scalar(node))


# The other YAML 1.1 tags PyYAML's safe loader knows would build bytes, sets and tuples, which
# are not JSON. Kubernetes' YAML decoder (go-yaml) keeps the data: !!binary gives the decoded
# text, !!set a mapping (of nulls), !!omap and !!pairs the sequence of one-key mappings.
def _binary_as_text(loader, node):
    data = loader.construct_yaml_binary(node)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConstructorError(None, None, "a !!binary value must decode to UTF-8 text in a "
                               "Kubernetes manifest (use a base64 string instead)",
                               node.start_mark) from None


StrictLoader.add_constructor("tag:yaml.org,2002:binary", _binary_as_text)
StrictLoader.add_constructor("tag:yaml.org,2002:set",
                             StrictLoader.yaml_constructors["tag:yaml.org,2002:map"])
for _tag in ("omap", "pairs"):
    StrictLoader.add_constructor(f"tag:yaml.org,2002:{_tag}",
                                 StrictLoader.yaml_constructors["tag:yaml.org,2002:seq"])


def load_all(text: str):
    may_alias = "&" in text  # no anchor, no alias: skip the expansion count (the common case)
    loader = StrictLoader(text)
    try:
        while loader.check_data():
            data = loader.get_data()
            if may_alias:
                _check_expansion(data, loader)
            yield data
    finally:
        loader.dispose()


def _check_expansion(data, loader) -> None:
    """Aliases share objects; the JSON they stand for is their full expansion. Count it."""
    sizes: dict[int, int] = {}
    IN_PROGRESS = -1

    def size(node) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        key = id(node)
        if key not in sizes:
            sizes[key] = IN_PROGRESS
            items = node.values() if isinstance(node, dict) else node
            sizes[key] = 1 + sum(size(child) for child in items)
        elif sizes[key] == IN_PROGRESS:  # an alias inside its own anchor
            cyclic.append(True)
            return MAX_EXPANDED_NODES + 1
        return sizes[key]

    cyclic: list[bool] = []
    if size(data) > MAX_EXPANDED_NODES:
        mark = loader.peek_event().start_mark if loader.check_event() else None
        problem = ("a YAML alias refers to its own anchor: the document would be infinitely "
                   "deep" if cyclic else "the document's YAML aliases expand to more than "
                   f"{MAX_EXPANDED_NODES:,} values: refusing it")
        raise ConstructorError(None, None, problem, mark)


__all__ = ["YAMLError", "load_all"]
