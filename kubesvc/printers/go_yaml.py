"""YAML output as kubectl prints it (sigs.k8s.io/yaml = JSON -> go-yaml v2), checked against
kubectl 1.37.1: keys in go-yaml's *natural* order (non-letters before letters, digit runs
compared as numbers: `a9` before `a10`); strings that go-yaml would read back as another type
(`"80"`, `"yes"`, `"n"`, `""`, timestamps, `"1:20"`) are double-quoted; strings with a newline
use a literal block; lists are not indented under their key. The libyaml C emitter is used when
available (go-yaml's emitter is a port of libyaml, so their layout decisions match).

PyYAML is imported here only: `printers/structured.py` loads this module for `-o yaml` alone.
"""

from __future__ import annotations

import math
import re
from functools import cmp_to_key

import yaml
from yaml.representer import SafeRepresenter
from yaml.resolver import BaseResolver

from kubesvc.api.goformat import go_yaml_float

_BOOL = frozenset(["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
                   "n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"])
_NULL = frozenset(["", "~", "null", "Null", "NULL"])
_SPECIAL_FLOAT = frozenset([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf",
                            "-.INF", ".nan", ".NaN", ".NAN"])
_GO_INT = re.compile(r"[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)\Z")
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?\Z")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(([Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]*)?(Z|[-+][0-9]{2}:[0-9]{2})?)"
    r"|( [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]*)?))?\Z"
)
_BASE60 = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?\Z")


def go_yaml_tag(s: str) -> str:
    """go-yaml v2 `resolve("", s)` for a plain scalar: str, bool, null, int, float or timestamp.

    (`<<` resolves to the merge tag, but kubectl still prints it plain, so it counts as str.)"""
    if s in _BOOL:
        return "bool"
    if s in _NULL:
        return "null"
    if s in _SPECIAL_FLOAT:
        return "float"
    first = s[0]
    if first == ".":
        return "float" if _DOT_FLOAT.match(s) else "str"
    if (first.isdigit() and first.isascii()) or first in "+-":
        if first.isdigit() and _TIMESTAMP.match(s):
            return "timestamp"
        plain = s.replace("_", "")
        if _GO_INT.match(plain):
            return "int"
        if _YAML_FLOAT.match(plain):
            return "float"
    return "str"


def needs_double_quotes(s: str) -> bool:
    """go-yaml emits a string double-quoted when it would not read back as a string."""
    return go_yaml_tag(s) != "str" or bool(_BASE60.match(s))


def go_yaml_key_less(a: str, b: str) -> bool:
    """go-yaml v2 `keyList.Less` for string keys (natural order)."""
    for i in range(min(len(a), len(b))):
        ca, cb = a[i], b[i]
        if ca == cb:
            continue
        al, bl = ca.isalpha(), cb.isalpha()
        if al and bl:
            return ca < cb
        if al or bl:
            return bl
        an = bn = 0
        if ca == "0" or cb == "0":
            j = i - 1
            while j >= 0 and a[j].isdigit():
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(a) and a[ai].isdigit():
            an, ai = an * 10 + (ord(a[ai]) - 48), ai + 1
        bi = i
        while bi < len(b) and b[bi].isdigit():
            bn, bi = bn * 10 + (ord(b[bi]) - 48), bi + 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ca < cb
    return len(a) < len(b)


def _key_cmp(a: str, b: str) -> int:
    if go_yaml_key_less(a, b):
        return -1
    return 1 if go_yaml_key_less(b, a) else 0


_KEY = cmp_to_key(_key_cmp)




class _Match:
    def __init__(self, tag: str) -> None:
        self.tag = tag

    def match(self, value: str) -> bool:
        return go_yaml_tag(value) == self.tag

class GoResolver(BaseResolver):
    pass

for name in ("bool", "null", "int", "float", "timestamp"):
    GoResolver.add_implicit_resolver(f"tag:yaml.org,2002:{name}", _Match(name), None)

class GoRepresenter(SafeRepresenter):
    def represent_str(self, data):
        style = "|" if "\n" in data else ('"' if needs_double_quotes(data) else None)
        return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    def represent_float(self, data):
        if math.isfinite(data) and data.is_integer() and abs(data) < 1e21:
            return self.represent_int(int(data))
        return self.represent_scalar("tag:yaml.org,2002:float", go_yaml_float(data))

    def represent_dict(self, data):
        items = sorted(((str(k), v) for k, v in data.items()), key=lambda kv: _KEY(kv[0]))
        return self.represent_mapping("tag:yaml.org,2002:map", items)


GoRepresenter.ignore_aliases = lambda self, data: True  # type: ignore[method-assign]
GoRepresenter.add_representer(str, GoRepresenter.represent_str)
GoRepresenter.add_representer(float, GoRepresenter.represent_float)
GoRepresenter.add_representer(dict, GoRepresenter.represent_dict)

try:  # libyaml's emitter (it serializes too); the pure-Python one needs a Serializer
    from yaml._yaml import CEmitter as Emitter

    PURE_EMITTER = False
except ImportError:  # pure-Python emitter: long double-quoted strings fold differently
    from yaml.emitter import Emitter  # type: ignore[assignment]

    PURE_EMITTER = True


class GoDumper(Emitter, yaml.serializer.Serializer, GoRepresenter, GoResolver):
    def __init__(self, stream, **kw):
        Emitter.__init__(self, stream, allow_unicode=True)
        if PURE_EMITTER:
            yaml.serializer.Serializer.__init__(self)
        GoRepresenter.__init__(self, default_flow_style=False, sort_keys=False)
        GoResolver.__init__(self)


def dump(data) -> str:
    text = yaml.dump(data, Dumper=GoDumper)
    # newer libyaml closes a document that ends in a `|+` block with `...`; go-yaml does not
    return text[:-4] if text.endswith("\n...\n") else text
