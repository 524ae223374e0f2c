"""Just enough of apimachinery `resource.Quantity`: parse, add, compare, print. The one
quantity parser: `describe`'s sums, the kubelet's QoS class and `--sort-by`'s comparisons.

String() is the canonical form: `0.5` -> `500m`, `1024Mi` -> `1Gi`, `2000` -> `2k`.
Values are rounded up to nano units, like ParseQuantity.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT = "DecimalSI", "BinarySI", "DecimalExponent"

_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DEC_SUFFIX = {v: k for k, v in _DECIMAL.items()}
_BIN_SUFFIX = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)\Z")
_EXP = re.compile(r"[eE]([+-]?[0-9]+)\Z")


class Quantity:
    __slots__ = ("fmt", "value")

    def __init__(self, value: Fraction | int = 0, fmt: str = "") -> None:
        self.value = Fraction(value)
        self.fmt = fmt

    @classmethod
    def parse(cls, text) -> Quantity:
        if isinstance(text, (int, float)) and not isinstance(text, bool):
            text = repr(text) if isinstance(text, float) else str(text)
        m = _NUMBER.match(str(text).strip())
        if not m or not (m.group(2) or m.group(3)):
            raise ValueError(f"quantities must match the regular expression: {text!r}")
        parsed = parse_exact(m.group(0))
        if parsed is None:
            raise ValueError(f"unable to parse quantity's suffix: {text!r}")
        value, fmt = parsed
        return cls(Fraction(math.ceil(value * 10**9), 10**9), fmt)  # round up to nano

    def add(self, other: Quantity) -> Quantity:
        fmt = self.fmt if (self.fmt or self.value) else other.fmt
        return Quantity(self.value + other.value, fmt)

    def milli_value(self) -> int:
        return math.ceil(self.value * 1000)

    def int_value(self) -> int:
        return math.ceil(self.value)

    def is_zero(self) -> bool:
        return self.value == 0

    def __str__(self) -> str:
        if self.value == 0:
            return "0"
        fmt = self.fmt or DECIMAL_EXPONENT
        if fmt == BINARY_SI and (abs(self.value) < 1024 or self.value.denominator != 1):
            fmt = DECIMAL_SI
        sign = "-" if self.value < 0 else ""
        if fmt == BINARY_SI:
            amount, power = abs(self.value.numerator), 0
            while amount % 1024 == 0 and power < 6:
                amount, power = amount // 1024, power + 1
            return f"{sign}{amount}{_BIN_SUFFIX[power]}"
        amount, exp = math.ceil(abs(self.value) * 10**9), -9
        while amount % 10 == 0:
            amount, exp = amount // 10, exp + 1
        shift = exp % 3
        amount, exp = amount * 10**shift, exp - shift
        if fmt == DECIMAL_EXPONENT:
            return f"{sign}{amount}" + (f"e{exp}" if exp else "")
        return f"{sign}{amount}{_DEC_SUFFIX.get(exp, f'e{exp}')}"


def parse_exact(text: str) -> tuple[Fraction, str] | None:
    """ParseQuantity's grammar (sign, digits, optional `.digits`, then a SI or binary suffix
    or an `e`/`E` exponent) as an exact, unrounded value and its format; None where it fails.
    No number at all (`m`, `+`) reads 0, as upstream's scanner does."""
    m = _NUMBER.match(text)
    if m is None:
        return None
    sign, whole, frac, suffix = m.groups()
    number = Fraction(int(whole or "0")) + (Fraction(int(frac), 10 ** len(frac)) if frac else 0)
    if suffix in _BINARY:
        value, fmt = number * (1 << _BINARY[suffix]), BINARY_SI
    elif suffix in _DECIMAL:
        value, fmt = number * Fraction(10) ** _DECIMAL[suffix], DECIMAL_SI
    elif (exp := _EXP.match(suffix)) is not None:
        value, fmt = number * Fraction(10) ** int(exp.group(1)), DECIMAL_EXPONENT
    else:
        return None
    return (-value if sign == "-" else value), fmt


def parse_or_none(text) -> Quantity | None:
    try:
        return Quantity.parse(text)
    except ValueError:
        return None


def resource_list(mapping: dict | None) -> dict[str, Quantity]:
    """A ResourceList from JSON; unparsable values are skipped."""
    out = {}
    for name, raw in (mapping or {}).items():
        q = parse_or_none(raw)
        if q is not None:
            out[name] = q
    return out


def add_into(target: dict[str, Quantity], new: dict[str, Quantity]) -> None:
    for name, q in new.items():
        target[name] = target[name].add(q) if name in target else Quantity(q.value, q.fmt)


def max_into(target: dict[str, Quantity], new: dict[str, Quantity]) -> None:
    for name, q in new.items():
        if name not in target or q.value > target[name].value:
            target[name] = Quantity(q.value, q.fmt)
