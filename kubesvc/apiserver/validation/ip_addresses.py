"""IP address and CIDR checks with upstream's exact texts: apimachinery `pkg/util/validation/ip.go`
on top of k8s.io/utils/net's forked Go 1.16 parser.

Parsing mimics Go on purpose: `netutils.ParseIPSloppy` accepts leading zeros, and the
StrictIPCIDRValidation rules (beta, on in 1.36+) then reject them for values not already stored.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable

IP_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
CIDR_MSG = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"


_HEX = re.compile("[0-9A-Fa-f]+")


# four dot-separated runs of digits, each at most 255: the forked parser reads any number of
# digits, so leading zeros are "valid" here
_V4 = re.compile(r"([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+)")
_V4_MAPPED = bytes(10) + b"\xff\xff"


def _parse_v4(text: str) -> bytes | None:
    match = _V4.fullmatch(text)
    if match is None:
        return None
    octets = [int(part) for part in match.groups()]
    if max(octets) > 255:
        return None
    return _V4_MAPPED + bytes(octets)  # Go keeps IPv4 in the v4-mapped form


def _hex_groups(text: str) -> list[int] | None:
    if text == "":
        return []
    groups = []
    for i, part in enumerate(text.split(":")):
        if "." in part and i == text.count(":"):
            v4 = _parse_v4(part)
            if v4 is None:
                return None
            groups += [v4[12] << 8 | v4[13], v4[14] << 8 | v4[15]]
        elif _HEX.fullmatch(part) and int(part, 16) <= 0xFFFF:
            groups.append(int(part, 16))
        else:
            return None
    return groups


def _parse_v6(text: str) -> bytes | None:
    if text.count("::") > 1:
        return None
    head, sep, tail = text.partition("::")
    if sep and "." in head:
        return None  # an embedded IPv4 part may only come last
    left, right = _hex_groups(head), _hex_groups(tail)
    if left is None or right is None:
        return None
    missing = 8 - len(left) - len(right)
    if (sep and missing < 1) or (not sep and missing != 0):
        return None
    groups = left + [0] * missing + right
    return b"".join(g.to_bytes(2, "big") for g in groups)


# parse_ip's answers for strings seen lately: a Service's cluster IPs are parsed a dozen times
# on its way in (normalise, families, validation twice, warnings), a pod's IPs three times.
# Bounded: cleared when full. Values are immutable (bytes or None).
_PARSED: dict[str, bytes | None] = {}
_PARSED_MAX = 4096


def parse_ip(text: str) -> bytes | None:
    """`netutils.ParseIPSloppy`: 16 bytes (IPv4 in v4-mapped form), or None."""
    if type(text) is not str:
        return _parse_ip(text)
    try:
        return _PARSED[text]
    except KeyError:
        pass
    try:  # a canonical dotted quad (~10x faster than the regex); inet_pton refuses a subset
        # of what _parse_v4 takes (leading zeros), and gives the same bytes for the rest
        ip: bytes | None = _V4_MAPPED + socket.inet_pton(socket.AF_INET, text)
    except (OSError, ValueError):
        ip = _parse_ip(text)
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[text] = ip
    return ip


def _parse_ip(text: str) -> bytes | None:
    for ch in text:
        if ch == ".":
            return _parse_v4(text)
        if ch == ":":
            return _parse_v6(text)
    return None


def is_v4(ip: bytes) -> bool:
    """`net.IP.To4() != nil`: a v4-mapped IPv6 address counts as IPv4, as in Go."""
    return ip[:12] == bytes(10) + b"\xff\xff"


def ip_string(ip: bytes) -> str:
    """`net.IP.String()`: dotted quad for IPv4, RFC 5952 for the rest."""
    if is_v4(ip):
        return ".".join(str(b) for b in ip[12:])
    groups = [int.from_bytes(ip[i:i + 2], "big") for i in range(0, 16, 2)]
    start, length = -1, 0
    for i in range(8):  # longest run of 2+ zero groups, the first one on a tie
        run = next((j for j in range(i, 8) if groups[j]), 8) - i
        if run > length and run > 1:
            start, length = i, run
    text = [f"{g:x}" for g in groups]
    if start < 0:
        return ":".join(text)
    return ":".join(text[:start]) + "::" + ":".join(text[start + length:])


def _has_leading_zeros(text: str) -> bool:
    # What netip.ParseAddr refuses but the sloppy parser took: 0-prefixed IPv4 octets and
    # IPv6 groups longer than 4 hex digits.
    groups, _, last = text.rpartition(":")
    if any(len(g) > 4 for g in groups.split(":")):
        return True
    if "." in last:
        return any(len(octet) > 1 and octet[0] == "0" for octet in last.split("."))
    return len(last) > 4


def is_4in6(text: str, ip: bytes) -> bool:
    return ":" in text and is_v4(ip)


def canonical_v4(text: str) -> bytes | None:
    """The 4 bytes of a dotted quad in its one canonical form (four decimal octets 0-255, no
    leading zeros, nothing around them: what inet_pton(AF_INET) takes), else None. Such a
    text parses, has no leading zeros, is no v4-mapped IPv6 form and is its own `ip_string`:
    every strict check passes and no warning applies, so callers answer without the rest."""
    try:
        return socket.inet_pton(socket.AF_INET, text)
    except (OSError, TypeError, ValueError):
        return None


def ip_address(value: str, strict: bool = True, valid_old: Iterable[str] = ()) -> list[str]:
    """`IsValidIPForLegacyField`: values already stored (`valid_old`) are not re-checked."""
    if strict and type(value) is str and value in _STRICT_VALID:  # (valid_old: only excuses)
        return []
    if type(value) is str and canonical_v4(value) is not None:
        return []
    ip = parse_ip(value)
    if ip is None:
        return [IP_MSG]
    if not strict or value in set(valid_old):
        return []
    if _has_leading_zeros(value):
        return ["must not have leading 0s"]
    if is_4in6(value, ip):
        return ["must not be an IPv4-mapped IPv6 address"]
    if type(value) is str:
        if len(_STRICT_VALID) >= _PARSED_MAX:
            _STRICT_VALID.clear()
        _STRICT_VALID.add(value)
    return []


# texts found valid under the strict rules lately (a Service's cluster IPs are checked twice)
_STRICT_VALID: set[str] = set()


def parse_cidr(value: str) -> tuple[bytes, int, int] | None:
    """`netutils.ParseCIDRSloppy`: (address, prefix length, address bits) or None."""
    addr, sep, bits = value.partition("/")
    ip = parse_ip(addr)
    if not sep or ip is None or not re.fullmatch("[0-9]+", bits):
        return None
    width = 32 if "." in addr and ":" not in addr else 128
    return (ip, int(bits), width) if int(bits) <= width else None


def _host_bits_set(ip: bytes, prefix: int, width: int) -> bool:
    raw = int.from_bytes(ip[16 - width // 8:], "big")
    return raw & ((1 << (width - prefix)) - 1) != 0


def cidr(value: str, strict: bool = True, valid_old: Iterable[str] = ()) -> list[str]:
    """`IsValidCIDRForLegacyField`: the strict rules apply to new values only."""
    parsed = parse_cidr(value)
    if parsed is None:
        return [CIDR_MSG]
    if not strict or value in set(valid_old):
        return []
    ip, prefix, width = parsed
    bits = value.partition("/")[2]
    if _has_leading_zeros(value.partition("/")[0]) or (len(bits) > 1 and bits[0] == "0"):
        return ["must not have leading 0s in IP or prefix length"]
    if is_4in6(value, ip):
        return ["must not have an IPv4-mapped IPv6 address"]
    if _host_bits_set(ip, prefix, width):
        return ["must not have bits set beyond the prefix length"]
    return []


def non_special_ip(value: str) -> list[str]:
    """`ValidateNonSpecialIP` (externalIPs): unspecified, loopback and link-local are refused."""
    ip = parse_ip(value)
    if ip is None:
        return ["must be a valid IP address"]
    v4 = ip[12:] if is_v4(ip) else None
    errs = []
    if ip == bytes(16) or v4 == bytes(4):
        errs.append(f"may not be unspecified ({value})")
    if (v4 and v4[0] == 127) or ip == bytes(15) + b"\x01":
        errs.append("may not be in the loopback range (127.0.0.0/8, ::1/128)")
    if (v4 and v4[:2] == b"\xa9\xfe") or (not v4 and ip[0] == 0xFE and ip[1] & 0xC0 == 0x80):
        errs.append("may not be in the link-local range (169.254.0.0/16, fe80::/10)")
    if (v4 and v4[:3] == b"\xe0\x00\x00") or (not v4 and ip[0] == 0xFF and ip[1] & 0x0F == 2):
        errs.append("may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")
    return errs


def ip_warnings(path: str, value: str) -> list[str]:
    """`GetWarningsForIP`: non-standard forms that are (still) accepted."""
    if type(value) is str and (value in _NO_WARNINGS or canonical_v4(value) is not None):
        return []  # whatever the path: no warning
    ip = parse_ip(value)
    if ip is None:
        return []  # upstream only logs: the value was validated elsewhere
    canonical = ip_string(ip)
    if _has_leading_zeros(value) or is_4in6(value, ip):
        return [f'{path}: non-standard IP address "{value}" will be considered invalid in a '
                + f'future Kubernetes release: use "{canonical}"']
    if not is_v4(ip) and canonical != value:
        return [f'{path}: IPv6 address "{value}" should be in RFC 5952 canonical format '
                + f'("{canonical}")']
    if type(value) is str:
        if len(_NO_WARNINGS) >= _PARSED_MAX:
            _NO_WARNINGS.clear()
        _NO_WARNINGS.add(value)
    return []


_NO_WARNINGS: set[str] = set()  # IP texts ip_warnings found nothing to say about lately


def cidr_warnings(path: str, value: str) -> list[str]:
    """`GetWarningsForCIDR`: ambiguous host bits, non-standard or non-canonical forms."""
    parsed = parse_cidr(value)
    if parsed is None:
        return []
    ip, prefix, width = parsed
    raw = int.from_bytes(ip, "big") & ~((1 << (width - prefix)) - 1)
    network = f"{ip_string(raw.to_bytes(16, 'big'))}/{prefix}"
    warnings = []
    if _host_bits_set(ip, prefix, width):
        warnings.append(f'{path}: CIDR value "{value}" is ambiguous in this context (should be '
                        f'"{network}" or "{ip_string(ip)}/{width}"?)')
    if _has_leading_zeros(value.partition("/")[0]) or is_4in6(value, ip) or \
            re.fullmatch("0[0-9]+", value.partition("/")[2]):
        warnings.append(f'{path}: non-standard CIDR value "{value}" will be considered invalid '
                        f'in a future Kubernetes release: use "{network}"')
    canonical = f"{ip_string(ip)}/{prefix}"
    if not warnings and not is_v4(ip) and canonical != value:
        warnings.append(f'{path}: IPv6 CIDR value "{value}" should be in RFC 5952 canonical '
                        f'format ("{canonical}")')
    return warnings
