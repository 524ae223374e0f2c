"""apimachinery's format checks and ObjectMeta validation, with upstream's exact message texts.

Each `is`-style check returns a list of messages (empty = valid), like the Go functions in
`apimachinery: pkg/util/validation` (DNS names, port names, port numbers) and
`pkg/api/validate/content` (label keys and values). The 1.37 texts were confirmed against
kubectl 1.37.1, which links the same packages: label keys/values and the prefix part of a
qualified name count "bytes", while DNS labels, subdomains and port names count "characters".

IP and CIDR parsing mimics Go on purpose: `netutils.ParseIPSloppy` accepts leading zeros, and the
StrictIPCIDRValidation rules (beta, on in 1.36+) then reject them for values not already stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from kubesvc.api.errors import FieldError, forbidden, invalid, required, too_long

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + r"(\." + DNS1123_LABEL_FMT + ")*"
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE_FMT = "(" + LABEL_KEY_FMT + ")?"

_DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character"
)
_DNS1035_LABEL_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character"
)
_LABEL_KEY_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character"
)

IP_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
CIDR_MSG = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
PORT_RANGE_MSG = "must be between 1 and 65535, inclusive"
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024


def _size(value: str) -> int:
    # Go's len() counts bytes, whatever the message says.
    return len(value.encode("utf-8"))


def max_len_error(limit: int, unit: str = "characters") -> str:
    return f"must be no more than {limit} {unit}"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """`RegexError`: the odd double space after each example comma is upstream's."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{ex}', " for ex in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def _matches(fmt: str, value: str) -> bool:
    return re.fullmatch(fmt, value) is not None


def dns1123_label(value: str) -> list[str]:
    """`IsDNS1123Label`: Service names (1.36+), namespaces and port names."""
    errs = []
    if _size(value) > 63:
        errs.append(max_len_error(63))
    if not _matches(DNS1123_LABEL_FMT, value):
        if _matches(DNS1123_SUBDOMAIN_FMT, value):
            errs.append("must not contain dots")  # length already reported: it must be dots
        else:
            errs.append(regex_error(_DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def dns1123_subdomain(value: str, unit: str = "characters") -> list[str]:
    """`IsDNS1123Subdomain` (externalName); the label-key prefix copy in `content` says bytes."""
    errs = []
    if _size(value) > 253:
        errs.append(max_len_error(253, unit))
    if not _matches(DNS1123_SUBDOMAIN_FMT, value):
        errs.append(regex_error(_DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def dns1035_label(value: str) -> list[str]:
    """`IsDNS1035Label`: Service names before RelaxedServiceNameValidation."""
    errs = []
    if _size(value) > 63:
        errs.append(max_len_error(63))
    if not _matches(DNS1035_LABEL_FMT, value):
        errs.append(regex_error(_DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def qualified_name(value: str) -> list[str]:
    """`content.IsLabelKey` (alias IsQualifiedName): label keys, appProtocol, loadBalancerClass."""
    parts = value.split("/")
    if len(parts) > 2:
        return [
            "a valid label key "
            + regex_error(_LABEL_KEY_MSG, LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    errs = []
    name = parts[-1]
    if len(parts) == 2:
        if not parts[0]:
            errs.append("prefix part must be non-empty")
        else:
            errs += ["prefix part " + m for m in dns1123_subdomain(parts[0], "bytes")]
    if not name:
        errs.append("name part must be non-empty")
    elif _size(name) > 63:
        errs.append("name part " + max_len_error(63, "bytes"))
    if not _matches(LABEL_KEY_FMT, name):
        errs.append("name part " + regex_error(_LABEL_KEY_MSG, LABEL_KEY_FMT, "MyName", "my.name",
                                               "123-abc"))
    return errs


def label_value(value: str) -> list[str]:
    """`content.IsLabelValue`."""
    errs = []
    if _size(value) > 63:
        errs.append(max_len_error(63, "bytes"))
    if not _matches(LABEL_VALUE_FMT, value):
        errs.append(regex_error(_LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def port_name(value: str) -> list[str]:
    """`IsValidPortName`: IANA service names (RFC 6335), lower case only; every rule reports."""
    errs = []
    if _size(value) > 15:
        errs.append(max_len_error(15))
    if not re.fullmatch("[-a-z0-9]+", value):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", value):
        errs.append("must contain at least one letter (a-z)")
    if "--" in value:
        errs.append("must not contain consecutive hyphens")
    if value.startswith("-") or value.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def port_number(value: int) -> list[str]:
    """`IsValidPortNum`: 1..65535."""
    return [] if 1 <= value <= 65535 else [PORT_RANGE_MSG]


# ---------------------------------------------------------------------------------------------
# IP addresses (apimachinery ip.go on top of k8s.io/utils/net's forked Go 1.16 parser)


def _dec(text: str) -> int | None:
    # The forked parser reads any number of digits, so leading zeros are "valid" here.
    return int(text) if re.fullmatch("[0-9]+", text) and int(text) <= 255 else None


def _parse_v4(text: str) -> bytes | None:
    octets = [_dec(part) for part in text.split(".")]
    if len(octets) != 4 or None in octets:
        return None
    return bytes(10) + b"\xff\xff" + bytes(octets)  # Go keeps IPv4 in the v4-mapped form


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
        elif re.fullmatch("[0-9A-Fa-f]+", part) and int(part, 16) <= 0xFFFF:
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


def parse_ip(text: str) -> bytes | None:
    """`netutils.ParseIPSloppy`: 16 bytes (IPv4 in v4-mapped form), or None."""
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


def ip_address(value: str, strict: bool = True, valid_old: Iterable[str] = ()) -> list[str]:
    """`IsValidIPForLegacyField`: values already stored (`valid_old`) are not re-checked."""
    ip = parse_ip(value)
    if ip is None:
        return [IP_MSG]
    if not strict or value in set(valid_old):
        return []
    if _has_leading_zeros(value):
        return ["must not have leading 0s"]
    if is_4in6(value, ip):
        return ["must not be an IPv4-mapped IPv6 address"]
    return []


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
    return []


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


# ---------------------------------------------------------------------------------------------
# ObjectMeta (apimachinery pkg/api/validation/objectmeta.go, pkg/apis/meta/v1/validation)

NameCheck = Callable[[str], list[str]]
# ValidateNameFunc by name, for callers that pick the check from per-kind data.
NAME_CHECKS: dict[str, NameCheck] = {
    "dns1123_label": dns1123_label,
    "dns1123_subdomain": dns1123_subdomain,
    "dns1035_label": dns1035_label,
}


def validate_labels(labels: dict | None, path: str) -> list[FieldError]:
    """`ValidateLabels`: errors carry the map's path, not the key (upstream does the same)."""
    errs: list[FieldError] = []
    for key, value in (labels or {}).items():
        errs += [invalid(path, key, m) for m in qualified_name(key)]
        text = "" if value is None else str(value)
        errs += [invalid(path, text, m) for m in label_value(text)]
    return errs


def validate_annotations(annotations: dict | None, path: str) -> list[FieldError]:
    """`ValidateAnnotations`: keys are qualified names ignoring case; 256 KiB in total."""
    annotations = annotations or {}
    errs = [invalid(path, k, m) for k in annotations for m in qualified_name(k.lower())]
    size = sum(_size(k) + _size(str(v or "")) for k, v in annotations.items())
    if size > TOTAL_ANNOTATION_SIZE_LIMIT:
        # field.TooLong: "may not be more than N bytes" since 1.32 ("must have at most" before)
        errs.append(too_long(path, f"may not be more than {TOTAL_ANNOTATION_SIZE_LIMIT} bytes"))
    return errs


def validate_object_name(name: str, path: str, check: NameCheck) -> list[FieldError]:
    return [invalid(path, name, m) for m in check(name)]


def _mask_trailing_dash(name: str) -> str:
    # apimachinery maskTrailingDash: a generateName may end in '-' (a suffix follows).
    return name[:-2] + "a" if len(name) > 1 and name.endswith("-") else name


def validate_object_meta(meta: dict | None, namespaced: bool, name_check: NameCheck | str,
                         path: str = "metadata") -> list[FieldError]:
    """`ValidateObjectMeta` for a create: name, generateName, namespace, labels, annotations.

    `name_check` is the kind's name format: a check function or a key of NAME_CHECKS.
    """
    if isinstance(name_check, str):
        name_check = NAME_CHECKS[name_check]
    meta = meta or {}
    errs: list[FieldError] = []
    generate = meta.get("generateName") or ""
    if generate:
        errs += [invalid(f"{path}.generateName", generate, m)
                 for m in name_check(_mask_trailing_dash(generate))]
    name = meta.get("name") or ""
    if not name:
        errs.append(required(f"{path}.name", "name or generateName is required"))
    else:
        errs += validate_object_name(name, f"{path}.name", name_check)
    errs += _validate_namespace(meta.get("namespace") or "", namespaced, f"{path}.namespace")
    generation = meta.get("generation") or 0
    if generation < 0:
        errs.append(invalid(f"{path}.generation", generation, "must be greater than or equal to 0"))
    errs += validate_labels(meta.get("labels"), f"{path}.labels")
    errs += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    for finalizer in meta.get("finalizers") or []:
        errs += [invalid(f"{path}.finalizers", finalizer, m) for m in qualified_name(finalizer)]
    return errs


def _validate_namespace(namespace: str, namespaced: bool, path: str) -> list[FieldError]:
    if not namespaced:
        return [forbidden(path, "not allowed on this type")] if namespace else []
    if not namespace:
        return [required(path)]
    return validate_object_name(namespace, path, dns1123_label)


def validate_object_meta_update(new: dict | None, old: dict | None,
                                path: str = "metadata") -> list[FieldError]:
    """`ValidateObjectMetaUpdate`: identity fields are immutable; labels/annotations re-checked.

    As `rest.BeforeUpdate` does first, an empty uid means "the stored one" and the stored
    creationTimestamp always wins, so only a different uid can fail. resourceVersion is not
    required here: kubesvc always carries the live one into an update.
    """
    new, old = new or {}, old or {}
    errs = []
    for key in ("name", "namespace", "uid"):
        value = new.get(key) or ""
        if key == "uid" and not value:
            continue
        if value != (old.get(key) or ""):
            errs.append(invalid(f"{path}.{key}", value, "field is immutable"))
    errs += validate_labels(new.get("labels"), f"{path}.labels")
    errs += validate_annotations(new.get("annotations"), f"{path}.annotations")
    return errs
