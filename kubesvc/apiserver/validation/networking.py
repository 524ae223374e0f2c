"""NetworkPolicy API-server validation (networking.k8s.io/v1), as pure functions over dicts.

Upstream source: `pkg/apis/networking/validation/validation.go` (ValidateNetworkPolicy,
ValidateNetworkPolicySpec, ValidateNetworkPolicyPort, ValidateNetworkPolicyPeer,
ValidateIPBlock, ValidateNetworkPolicyUpdate) and apimachinery's `ValidateLabelSelector`
(pkg/apis/meta/v1/validation). Every error is collected, in upstream order, with upstream's
field paths and texts; the registry renders them as kube-apiserver does.

Ratcheting, as upstream: on update, an invalid label value already in the stored policy's pod
selector lets selector values through (ValidationOptionsForNetworking), and a CIDR already in
the stored policy is not re-checked against the strict rules (AllowCIDRsEvenIfInvalid).
"""

from __future__ import annotations

from collections.abc import Iterable

from kubesvc.api.errors import (
    FieldError,
    forbidden,
    invalid,
    required,
    unsupported,
)
from kubesvc.apiserver.validation.ip_addresses import cidr, cidr_warnings, parse_cidr
from kubesvc.apiserver.validation.names import (
    dns1123_subdomain,
    label_value,
    port_name,
    port_number,
    qualified_name,
    validate_labels,
    validate_object_meta,
    validate_object_meta_update,
)

PROTOCOLS = ["TCP", "UDP", "SCTP"]  # upstream's order in the NotSupported message
POLICY_TYPES = ["Ingress", "Egress"]
SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


# ---------------------------------------------------------------------------------------------
# apimachinery ValidateLabelSelector (metav1.LabelSelector), shared with the Ingress kinds


def validate_label_selector(selector: dict | None, path: str,
                            allow_invalid_values: bool = False) -> list[FieldError]:
    """`ValidateLabelSelector`: matchLabels as labels, each matchExpressions requirement."""
    if selector is None:
        return []
    errs = validate_labels(selector.get("matchLabels"), f"{path}.matchLabels")
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        errs += _requirement(expr or {}, f"{path}.matchExpressions[{i}]", allow_invalid_values)
    return errs


def _requirement(expr: dict, path: str, allow_invalid_values: bool) -> list[FieldError]:
    """`ValidateLabelSelectorRequirement`."""
    operator, values = expr.get("operator") or "", expr.get("values") or []
    errs: list[FieldError] = []
    if operator in ("In", "NotIn"):
        if not values:
            errs.append(required(f"{path}.values",
                                 "must be specified when `operator` is 'In' or 'NotIn'"))
    elif operator in ("Exists", "DoesNotExist"):
        if values:
            errs.append(forbidden(f"{path}.values", "may not be specified when `operator` is "
                                                    "'Exists' or 'DoesNotExist'"))
    else:
        errs.append(invalid(f"{path}.operator", operator, "not a valid selector operator"))
    key = str(expr.get("key") or "")
    errs += [invalid(f"{path}.key", key, m) for m in qualified_name(key)]
    if not allow_invalid_values:
        errs += [invalid(f"{path}.values[{j}]", str(v), m)
                 for j, v in enumerate(values) for m in label_value(str(v))]
    return errs


def selector_has_invalid_values(selector: dict | None) -> bool:
    return bool(validate_label_selector(selector, "", False)) if selector is not None else False


# ---------------------------------------------------------------------------------------------
# ValidateNetworkPolicy


def validate_network_policy(np: dict, old: dict | None = None) -> list[FieldError]:
    """The strategy's Validate (create: ValidateNetworkPolicy) or ValidateUpdate (update:
    ValidateNetworkPolicyUpdate, which checks the metadata change and the whole new spec with
    the stored policy's values let through)."""
    spec = np.get("spec") or {}
    if old is None:
        errs = validate_object_meta(np.get("metadata"), True, dns1123_subdomain)
        return errs + validate_network_policy_spec(spec, False, ())
    allow_values = selector_has_invalid_values((old.get("spec") or {}).get("podSelector") or {})
    errs = validate_object_meta_update(np.get("metadata"), old.get("metadata"))
    return errs + validate_network_policy_spec(spec, allow_values, existing_cidrs(old))


def existing_cidrs(old: dict) -> list[str]:
    """Every CIDR of the stored policy: kept values are not re-validated (ValidateIPBlock)."""
    spec, found = old.get("spec") or {}, []
    for key, peers in (("ingress", "from"), ("egress", "to")):
        for rule in spec.get(key) or []:
            for peer in (rule or {}).get(peers) or []:
                block = (peer or {}).get("ipBlock")
                if isinstance(block, dict):
                    found.append(str(block.get("cidr") or ""))
                    found += [str(e) for e in block.get("except") or []]
    return found


def validate_network_policy_spec(spec: dict, allow_values: bool,
                                 valid_old: Iterable[str]) -> list[FieldError]:
    """`ValidateNetworkPolicySpec`: pod selector, ingress then egress rules, policyTypes."""
    valid_old = list(valid_old)
    errs = validate_label_selector(spec.get("podSelector") or {}, "spec.podSelector",
                                   allow_values)
    for key, peers in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(spec.get(key) or []):
            rule, path = rule or {}, f"spec.{key}[{i}]"
            for j, port in enumerate(rule.get("ports") or []):
                errs += validate_port(port or {}, f"{path}.ports[{j}]")
            for j, peer in enumerate(rule.get(peers) or []):
                errs += validate_peer(peer or {}, f"{path}.{peers}[{j}]", allow_values,
                                      valid_old)
    types = spec.get("policyTypes") or []
    if len(types) > len(POLICY_TYPES):
        return [*errs, invalid("spec.policyTypes", types,
                               "may not specify more than two policyTypes")]
    errs += [unsupported(f"spec.policyTypes[{i}]", t, POLICY_TYPES)
             for i, t in enumerate(types) if t not in POLICY_TYPES]
    return errs


def validate_port(port: dict, path: str) -> list[FieldError]:
    """`ValidateNetworkPolicyPort`: protocol, a port number or name, and endPort's rules."""
    errs: list[FieldError] = []
    protocol, number, end = port.get("protocol"), port.get("port"), port.get("endPort")
    if protocol is not None and protocol not in PROTOCOLS:
        errs.append(unsupported(f"{path}.protocol", protocol, PROTOCOLS))
    if number is None:
        if end is not None:
            errs.append(invalid(f"{path}.endPort", end,
                                "may not be specified when `port` is not specified"))
    elif isinstance(number, int):
        errs += [invalid(f"{path}.port", number, m) for m in port_number(number)]
        if end is not None:
            if end < number:
                errs.append(invalid(f"{path}.endPort", end,
                                    "must be greater than or equal to `port`"))
            errs += [invalid(f"{path}.endPort", end, m) for m in port_number(end)]
    else:
        if end is not None:
            errs.append(invalid(f"{path}.endPort", end,
                                "may not be specified when `port` is non-numeric"))
        errs += [invalid(f"{path}.port", number, m) for m in port_name(str(number))]
    return errs


def validate_peer(peer: dict, path: str, allow_values: bool,
                  valid_old: list[str]) -> list[FieldError]:
    """`ValidateNetworkPolicyPeer`: exactly one kind of peer, or pod and namespace selectors
    together; an ipBlock stands alone."""
    errs: list[FieldError] = []
    count = 0
    for key in ("podSelector", "namespaceSelector"):
        if peer.get(key) is not None:
            count += 1
            errs += validate_label_selector(peer[key], f"{path}.{key}", allow_values)
    block = peer.get("ipBlock")
    if block is not None:
        count += 1
        errs += validate_ip_block(block, f"{path}.ipBlock", valid_old)
    if count == 0:
        errs.append(required(path, "must specify a peer"))
    elif count > 1 and block is not None:
        errs.append(forbidden(path, "may not specify both ipBlock and another peer"))
    return errs


def validate_ip_block(block: dict, path: str, valid_old: list[str]) -> list[FieldError]:
    """`ValidateIPBlock`: a CIDR, and `except` entries strictly inside it."""
    value = str(block.get("cidr") or "")
    if not value:
        return [required(f"{path}.cidr")]
    errs = [invalid(f"{path}.cidr", value, m) for m in cidr(value, valid_old=valid_old)]
    outer = parse_cidr(value)
    if outer is None:
        return errs
    for i, text in enumerate(block.get("except") or []):
        text, except_path = str(text), f"{path}.except[{i}]"
        errs += [invalid(except_path, text, m) for m in cidr(text, valid_old=valid_old)]
        inner = parse_cidr(text)
        if inner is not None and not _strict_subset(outer, inner):
            errs.append(invalid(except_path, text, "must be a strict subset of `cidr`"))
    return errs


def _strict_subset(outer: tuple[bytes, int, int], inner: tuple[bytes, int, int]) -> bool:
    """net.IPNet.Contains(except's network address) and a longer prefix than `cidr`."""
    (o_ip, o_len, o_width), (i_ip, i_len, i_width) = outer, inner
    if o_width != i_width or o_len >= i_len:
        return False
    shift = o_width - o_len
    o_net = int.from_bytes(o_ip[16 - o_width // 8:], "big") >> shift
    i_net = (int.from_bytes(i_ip[16 - i_width // 8:], "big")
             >> (i_width - i_len) << (i_width - i_len)) >> shift
    return o_net == i_net


def network_policy_warnings(np: dict) -> list[str]:
    """The strategy's WarningsOnCreate/WarningsOnUpdate (networkPolicyWarnings):
    GetWarningsForCIDR on every ipBlock's cidr and except entries (ambiguous host bits,
    non-standard or non-canonical forms that validation still lets through)."""
    spec, warnings = np.get("spec") or {}, []
    for key, peers in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(spec.get(key) or []):
            for j, peer in enumerate((rule or {}).get(peers) or []):
                block = (peer or {}).get("ipBlock")
                if not isinstance(block, dict):
                    continue
                path = f"spec.{key}[{i}].{peers}[{j}].ipBlock"
                warnings += cidr_warnings(f"{path}.cidr", str(block.get("cidr") or ""))
                for k, text in enumerate(block.get("except") or []):
                    warnings += cidr_warnings(f"{path}.except[{k}]", str(text))
    return warnings
