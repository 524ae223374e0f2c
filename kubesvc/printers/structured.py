"""`-o yaml`, `-o json`, `-o name` and the `List` wrapper, byte for byte like kubectl 1.37.

Checked against kubectl 1.37.1 itself:
- JSON (`json.MarshalIndent`, 4 spaces): map keys sorted by byte order, `<`, `>`, `&`, U+2028
  and U+2029 escaped as `\\u003c`...; floats in Go's `encoding/json` form.
- YAML (sigs.k8s.io/yaml = JSON -> go-yaml v2): keys in go-yaml's *natural* order (non-letters
  before letters, digit runs compared as numbers: `a9` before `a10`); strings that go-yaml would
  read back as another type (`"80"`, `"yes"`, `"n"`, `""`, timestamps, `"1:20"`) are double-quoted;
  strings with a newline use a literal block; lists are not indented under their key
(printers/go_yaml.py, loaded for `-o yaml` only).
"""

from __future__ import annotations

import json
import math
import re

from kubesvc.api.goformat import go_json_float

LIST_KIND = "List"


def as_list(items: list[dict]) -> dict:
    """What kubectl prints for several objects with `-o yaml|json`."""
    return {"apiVersion": "v1", "items": list(items), "kind": LIST_KIND,
            "metadata": {"resourceVersion": ""}}


def to_name(kind_with_group: str, name: str) -> str:
    """`-o name`: `service/web`, `deployment.apps/web`."""
    return f"{kind_with_group.lower()}/{name}"


def _wrap(obj_or_list):
    return as_list(obj_or_list) if isinstance(obj_or_list, list) else obj_or_list


# --- JSON ----------------------------------------------------------------------------------

_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_HTML_RE = re.compile("[<>&\u2028\u2029]")
_FLOAT_MARK = "@@kubesvc-float-{}@@"


def _json_ready(value, floats: list[str]):
    if isinstance(value, dict):
        return {str(k): _json_ready(v, floats) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v, floats) for v in value]
    if isinstance(value, float) and not isinstance(value, bool):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e21:
            return int(value)
        floats.append(go_json_float(value))
        return _FLOAT_MARK.format(len(floats) - 1)
    return value


def to_json(obj) -> str:
    """`kubectl get -o json` (a list becomes a `List`), without the final newline kubectl adds."""
    floats: list[str] = []
    ready = _json_ready(_wrap(obj), floats)
    text = json.dumps(ready, indent=4, ensure_ascii=False, sort_keys=True, separators=(",", ": "))
    text = _HTML_RE.sub(lambda m: _HTML[m.group()], text)
    for i, f in enumerate(floats):
        text = text.replace(f'"{_FLOAT_MARK.format(i)}"', f)
    return text

def to_yaml(obj_or_list) -> str:
    """`kubectl get -o yaml` (a Python list becomes a `List`)."""
    # lazy: PyYAML and the emitter classes cost ~15 ms that `-o json` and tables never need
    from kubesvc.printers.go_yaml import dump  # noqa: PLC0415

    return dump(_wrap(obj_or_list))
