"""apimachinery's format checks and ObjectMeta validation, with upstream's exact message texts.

Each `is`-style check returns a list of messages (empty = valid), like the Go functions in
`apimachinery: pkg/util/validation` (DNS names, port names, port numbers) and
`pkg/api/validate/content` (label keys and values). The 1.37 texts were confirmed against
kubectl 1.37.1, which links the same packages: label keys/values and the prefix part of a
qualified name count "bytes", while DNS labels, subdomains and port names count "characters".
IP addresses and CIDRs are checked in `ip_addresses`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

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
PORT_RANGE_MSG = "must be between 1 and 65535, inclusive"
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024


def _size(value: str) -> int:
    # Go's len() counts bytes, whatever the message says (ASCII text: one byte a character).
    return len(value) if value.isascii() else len(value.encode("utf-8"))


def max_len_error(limit: int, unit: str = "characters") -> str:
    return f"must be no more than {limit} {unit}"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """`RegexError`: the odd double space after each example comma is upstream's."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{ex}', " for ex in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


_COMPILED: dict[str, re.Pattern] = {}


def _matches(fmt: str, value: str) -> bool:
    pattern = _COMPILED.get(fmt)
    if pattern is None:
        pattern = _COMPILED[fmt] = re.compile(fmt)
    return pattern.fullmatch(value) is not None


# Strings already found valid (a bulk apply checks the same label keys and values, the same
# namespaces thousands of times); bounded, and only the valid answer (an empty list) is kept.
_VALID_MAX = 50_000
_valid_keys: set[str] = set()
_valid_values: set[str] = set()
_valid_namespaces: set[str] = set()
_valid_labels: set[str] = set()  # dns1123_label's
_valid_port_names: set[str] = set()
_valid_generate_names: set[tuple[Callable, str]] = set()  # (name check, generateName)


def _remembered(valid: set[str], check: Callable[[str], list[str]], value: str) -> list[str]:
    """`check(value)`, remembering the text values it found valid (up to _VALID_MAX): the same
    label keys and values, namespaces and port names come back on object after object."""
    if type(value) is not str:
        return check(value)
    if value in valid:
        return []
    errs = check(value)
    if not errs and len(valid) < _VALID_MAX:
        valid.add(value)
    return errs


def dns1123_label(value: str) -> list[str]:
    """`IsDNS1123Label`: Service names (1.36+), namespaces and port names."""
    return _remembered(_valid_labels, _dns1123_label, value)  # port names, namespaces


def _dns1123_label(value: str) -> list[str]:
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
    return _remembered(_valid_keys, _qualified_name, value)


def _qualified_name(value: str) -> list[str]:
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
    return _remembered(_valid_values, _label_value, value)


def _label_value(value: str) -> list[str]:
    errs = []
    if _size(value) > 63:
        errs.append(max_len_error(63, "bytes"))
    if not _matches(LABEL_VALUE_FMT, value):
        errs.append(regex_error(_LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def port_name(value: str) -> list[str]:
    """`IsValidPortName`: IANA service names (RFC 6335), lower case only; every rule reports."""
    return _remembered(_valid_port_names, _port_name, value)


def _port_name(value: str) -> list[str]:
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
    if not labels:
        return []
    try:  # every pair seen valid before: no error (a set of str holds no other type)
        if _valid_keys.issuperset(labels) and _valid_values.issuperset(labels.values()):
            return []
    except TypeError:  # an unhashable value: checked below
        pass
    errs: list[FieldError] = []
    for key, value in (labels or {}).items():
        if key not in _valid_keys:  # (a text found valid before: qualified_name's answer is [])
            errs += [invalid(path, key, m) for m in qualified_name(key)]
        text = "" if value is None else str(value)
        if text not in _valid_values:
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
    if generate and not (type(generate) is str
                         and (name_check, generate) in _valid_generate_names):
        generate_errs = [invalid(f"{path}.generateName", generate, m)
                         for m in name_check(_mask_trailing_dash(generate))]
        if not generate_errs and len(_valid_generate_names) < _VALID_MAX:
            # a ReplicaSet's pods share theirs: checked once
            _valid_generate_names.add((name_check, generate))
        errs += generate_errs
    name = meta.get("name") or ""
    if not name:
        errs.append(required(f"{path}.name", "name or generateName is required"))
    else:
        name_errs = name_check(name)  # (validate_object_name, the path built only if needed)
        if name_errs:
            errs += [invalid(f"{path}.name", name, m) for m in name_errs]
    namespace = meta.get("namespace") or ""
    if not (namespaced and namespace in _valid_namespaces):
        errs += _validate_namespace(namespace, namespaced, f"{path}.namespace")
    generation = meta.get("generation") or 0
    if generation < 0:
        errs.append(invalid(f"{path}.generation", generation, "must be greater than or equal to 0"))
    if meta.get("labels"):
        errs += validate_labels(meta["labels"], f"{path}.labels")
    if meta.get("annotations"):
        errs += validate_annotations(meta["annotations"], f"{path}.annotations")
    for finalizer in meta.get("finalizers") or []:
        errs += [invalid(f"{path}.finalizers", finalizer, m) for m in qualified_name(finalizer)]
    return errs


def _validate_namespace(namespace: str, namespaced: bool, path: str) -> list[FieldError]:
    if not namespaced:
        return [forbidden(path, "not allowed on this type")] if namespace else []
    if not namespace:
        return [required(path)]
    errs = validate_object_name(namespace, path, dns1123_label)
    if not errs and len(_valid_namespaces) < _VALID_MAX:
        _valid_namespaces.add(namespace)
    return errs


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
