"""Go's ways of printing values, for messages and output that must read as a Go binary writes them.

Values are what Go's decoders give: dicts, lists, str, int, float, bool, None. Two readings of
a number differ on purpose and have their own functions:
- `encoding/json` into `interface{}` makes every number a float64 (`go_v`: 1234567 prints
  `1.234567e+06`), as the API server's patch code sees a patch;
- apimachinery's unstructured decoding makes integral numbers int64 (`go_v_unstructured`,
  `go_sharp_v`: 1234567 prints `1234567`), as kubectl's jsonpath and describe see an object.

Floats: `go_float` is `strconv.FormatFloat(f, 'g', -1, 64)` (`%v`), `go_json_float` is
`encoding/json`'s form (`1e-7`, plain digits up to 1e21), `go_yaml_float` is go-yaml's
(`.nan`, `.inf`). JSON: `go_json` is `encoding/json` Marshal/MarshalIndent byte for byte;
`go_json_fast` is the C encoder with the same escapes, for hashing on the hot path, where
floats may print Python's way.
"""

from __future__ import annotations

import json

# -- floats --------------------------------------------------------------------------------------

def _shortest(value: float) -> tuple[str, str, int]:
    """Shortest round-trip digits of a finite non-zero float: (sign, digits, decimal point)."""
    # lazy: most output prints no float, and importing decimal costs start-up time
    # Python's repr is Go's shortest round-trip form too
    from decimal import Decimal  # noqa: PLC0415

    _, digits, exponent = Decimal(repr(abs(value))).as_tuple()
    text = "".join(map(str, digits)).lstrip("0")
    stripped = text.rstrip("0")
    point = int(exponent) + len(text)  # int(): a finite value's exponent is never 'n' or 'F'
    return ("-" if value < 0 else ""), stripped, point


def _fmt_e(sign: str, digits: str, point: int) -> str:
    exp = point - 1
    body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{body}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _fmt_f(sign: str, digits: str, point: int) -> str:
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def go_float(value: float) -> str:
    """strconv.FormatFloat(f, 'g', -1, 64), which is what %v prints: %e from exponent 6 on."""
    if value != value or value in (float("inf"), float("-inf")):
        return "NaN" if value != value else ("+Inf" if value > 0 else "-Inf")
    if value == 0:
        return "-0" if str(value).startswith("-") else "0"
    sign, digits, point = _shortest(value)
    if point - 1 < -4 or point - 1 >= 6:
        return _fmt_e(sign, digits, point)
    return _fmt_f(sign, digits, point)


def go_json_float(value: float) -> str:
    """encoding/json float64: shortest `%f`, or `%e` below 1e-6 / from 1e21 (`e-7`, not `e-07`)."""
    if value == 0:
        return "0"
    sign, digits, point = _shortest(value)
    if 1e-6 <= abs(value) < 1e21:
        return _fmt_f(sign, digits, point)
    text = _fmt_e(sign, digits, point)
    if len(text) >= 4 and text[-4] == "e" and text[-3] == "-" and text[-2] == "0":
        text = text[:-2] + text[-1]
    return text


def go_yaml_float(value: float) -> str:
    """strconv.FormatFloat(f, 'g', -1, 64) plus go-yaml's .inf/.nan spellings."""
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    if value == 0:
        return "0"
    sign, digits, point = _shortest(value)
    if point - 1 < -4 or point - 1 >= 6:
        return _fmt_e(sign, digits, point)
    return _fmt_f(sign, digits, point)


def int64_if_integral(value):
    """A number as apimachinery's unstructured decoding keeps it: integral floats are int64."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


# -- strings -------------------------------------------------------------------------------------

_QUOTE_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                  "\v": "\\v", '"': '\\"', "\\": "\\\\"}


def go_quote(text: str) -> str:
    """strconv.Quote, as Go's `%q` and `%#v` write a string."""
    out = []
    for ch in text:
        if ch in _QUOTE_ESCAPES:
            out.append(_QUOTE_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def go_quote_rune(ch: str) -> str:
    """strconv.QuoteRune, Go's `%q` of one character: `'x'`, `'\\n'`, `'\\''`."""
    return "'\\''" if ch == "'" else "'" + go_quote(ch)[1:-1].replace('\\"', '"') + "'"


def go_quote_list(items) -> str:
    """Go's `%q` of a slice of strings (or of net.IPs): `["1.2.3.4" "::1"]`."""
    return "[" + " ".join(go_quote(str(item)) for item in items) + "]"


def go_unicode(ch: str) -> str:
    """Go's `%#U`: `U+007E '~'`, without the quoted rune when it is not printable."""
    return f"U+{ord(ch):04X}" + (f" '{ch}'" if ch.isprintable() else "")


def go_json_kind(value) -> str:
    """The JSON kind `encoding/json` names in `json: cannot unmarshal KIND into ...`."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "bool"
    return "string" if isinstance(value, str) else "number"


# -- %v and %#v ----------------------------------------------------------------------------------

def go_v(value) -> str:
    """fmt's %v of a value `encoding/json` decoded into interface{}: map[k:v ...] with sorted
    keys, [a b], <nil>; numbers as float64 (`1e+07`)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_v(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_v(v) for v in value) + "]"
    if isinstance(value, float):
        return go_float(value)
    return str(value)


def go_v_unstructured(value) -> str:
    """fmt's %v of an unstructured value: like `go_v`, integral numbers as int64 (`10000000`)."""
    value = int64_if_integral(value)
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_v_unstructured(value[k])}"
                                 for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_v_unstructured(v) for v in value) + "]"
    return go_v(value)


def go_sharp_v(value) -> str:
    """Go's `%#v` of an unstructured value, as kubectl's jsonpath debug output shows it."""
    value = int64_if_integral(value)
    if isinstance(value, dict):
        inner = ", ".join(f"{go_quote(k)}:{go_sharp_v(value[k])}" for k in sorted(value))
        return "map[string]interface {}{" + inner + "}"
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(go_sharp_v(v) for v in value) + "}"
    if value is None:
        return "interface {}(nil)"
    return go_quote(value) if isinstance(value, str) else go_v(value)


# -- encoding/json -------------------------------------------------------------------------------

_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
                 "\f": "\\f", "<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _json_str(text: str) -> str:
    return '"' + "".join(_JSON_ESCAPES.get(c) or (f"\\u{ord(c):04x}" if c < " " else c)
                         for c in text) + '"'


def go_json(value, indent: str | None = None, _level: int = 0) -> str:
    """encoding/json Marshal (or MarshalIndent with `indent`): sorted keys, HTML escaping."""
    value = int64_if_integral(value)
    if isinstance(value, (dict, list)) and value:
        pad = "" if indent is None else "\n" + indent * (_level + 1)
        end = "" if indent is None else "\n" + indent * _level
        colon = ":" if indent is None else ": "
        if isinstance(value, dict):
            parts = [f"{_json_str(k)}{colon}{go_json(value[k], indent, _level + 1)}"
                     for k in sorted(value)]
            return "{" + pad + ("," + pad).join(parts) + end + "}"
        parts = [go_json(v, indent, _level + 1) for v in value]
        return "[" + pad + ("," + pad).join(parts) + end + "]"
    if isinstance(value, (dict, list)):
        return "{}" if isinstance(value, dict) else "[]"
    if isinstance(value, str):
        return _json_str(value)
    if isinstance(value, float):
        return go_json_float(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def go_json_fast(value) -> str:
    """encoding/json's compact output through the C encoder: sorted keys, HTML characters
    escaped. Floats print Python's way (`1.0`, `1e-07`): for hashes, not for output."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for ch in "<>&\u2028\u2029":
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text
