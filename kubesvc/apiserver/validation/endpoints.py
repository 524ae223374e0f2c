"""Validation of user-written EndpointSlices (pkg/apis/discovery/validation) and Endpoints
(pkg/apis/core/validation ValidateEndpoints). The controllers write valid ones; a hand-written
slice that a real API server refuses must not reach `check` and `resolve` either."""

from __future__ import annotations

from kubesvc.api.errors import (
    TOO_MANY,
    FieldError,
    duplicate,
    invalid,
    required,
    unsupported,
)
from kubesvc.apiserver.validation.ip_addresses import ip_address, is_v4, non_special_ip, parse_ip
from kubesvc.apiserver.validation.names import dns1123_label, dns1123_subdomain, qualified_name

# discovery/validation: supportedAddressTypes, deprecatedAddressTypes, the limits
ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"]
DEPRECATED_ADDRESS_TYPES = ["IP"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
MAX_ENDPOINTS, MAX_ADDRESSES, MAX_PORTS = 1000, 100, 100


def too_many(path: str, actual: int, limit: int) -> FieldError:
    return FieldError(TOO_MANY, path, actual, f"must have at most {limit} items")


def validate_slice(sl: dict, old: dict | None = None) -> list[FieldError]:
    """ValidateEndpointSliceCreate / ValidateEndpointSliceUpdate (metadata is checked by the
    registry)."""
    kind = sl.get("addressType") or ""
    allowed = ADDRESS_TYPES + (DEPRECATED_ADDRESS_TYPES if old is not None else [])
    errs: list[FieldError] = []
    if not kind:
        errs.append(required("addressType"))
    elif kind not in allowed:
        errs.append(unsupported("addressType", kind, sorted(allowed)))
    errs += _endpoints(sl.get("endpoints") or [], kind)
    errs += _slice_ports(sl.get("ports") or [])
    if old is not None and kind != (old.get("addressType") or ""):
        errs.append(invalid("addressType", kind, "field is immutable"))
    return errs


def _endpoints(endpoints: list, kind: str) -> list[FieldError]:
    if len(endpoints) > MAX_ENDPOINTS:
        return [too_many("endpoints", len(endpoints), MAX_ENDPOINTS)]
    errs: list[FieldError] = []
    for i, ep in enumerate(endpoints):
        path = f"endpoints[{i}]"
        addresses = ep.get("addresses") or []
        if not addresses:
            errs.append(required(f"{path}.addresses", "must contain at least 1 address"))
        elif len(addresses) > MAX_ADDRESSES:
            errs.append(too_many(f"{path}.addresses", len(addresses), MAX_ADDRESSES))
        for j, address in enumerate(addresses):
            errs += _address(f"{path}.addresses[{j}]", str(address), kind)
        errs += _host_and_node(path, ep, ep.get("hostname") is not None)
    return errs


def _host_and_node(path: str, obj: dict, check_hostname: bool) -> list[FieldError]:
    """hostname a DNS label, nodeName a DNS subdomain: the same rules for slice endpoints
    (a set hostname, even empty) and Endpoints addresses (a non-empty one)."""
    errs: list[FieldError] = []
    if check_hostname:
        errs += [invalid(f"{path}.hostname", obj["hostname"], m)
                 for m in dns1123_label(str(obj["hostname"]))]
    if obj.get("nodeName"):
        errs += [invalid(f"{path}.nodeName", obj["nodeName"], m)
                 for m in dns1123_subdomain(str(obj["nodeName"]))]
    return errs


def _address(path: str, address: str, kind: str) -> list[FieldError]:
    """Unknown address types fall through unvalidated, as upstream's switch does."""
    if kind in ("IPv4", "IPv6"):
        ip = parse_ip(address)
        family_ok = ip is not None and is_v4(ip) == (kind == "IPv4")
        if not family_ok:
            return [invalid(path, address, f"must be a valid {kind} address")]
        return [invalid(path, address, m) for m in non_special_ip(address)]
    if kind == "IP":
        return [invalid(path, address, m) for m in ip_address(address, strict=False)]
    if kind == "FQDN":
        return _fqdn(path, address)
    return []


def _fqdn(path: str, name: str) -> list[FieldError]:
    """IsFullyQualifiedDomainName."""
    if not name:
        return [required(path)]
    name = name.removesuffix(".")
    errs = dns1123_subdomain(name)
    if errs:
        return [invalid(path, name, m) for m in errs]
    if len(name.split(".")) < 2:
        return [invalid(path, name, "should be a domain with at least two segments separated "
                                    "by dots")]
    return [invalid(path, label, m) for label in name.split(".") for m in dns1123_label(label)]


def _slice_ports(ports: list) -> list[FieldError]:
    if len(ports) > MAX_PORTS:
        return [too_many("ports", len(ports), MAX_PORTS)]
    errs: list[FieldError] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        path = f"ports[{i}]"
        name = port.get("name") or ""
        if name:
            errs += [invalid(f"{path}.name", name, m) for m in dns1123_label(name)]
        if name in names:
            errs.append(duplicate(f"{path}.name", name))
        names.add(name)
        errs += _protocol(f"{path}.protocol", port.get("protocol"))
        errs += _app_protocol(f"{path}.appProtocol", port.get("appProtocol"))
    return errs


def _protocol(path: str, protocol) -> list[FieldError]:
    if protocol is None:
        return [required(path)]
    if protocol not in PROTOCOLS:
        return [unsupported(path, protocol, PROTOCOLS)]
    return []


def _app_protocol(path: str, value) -> list[FieldError]:
    if value is None:
        return []
    return [invalid(path, value, m) for m in qualified_name(str(value))]


def validate_endpoints(ep: dict) -> list[FieldError]:
    """core/validation ValidateEndpointsSpecific: subsets, their addresses and ports."""
    errs: list[FieldError] = []
    for i, subset in enumerate(ep.get("subsets") or []):
        path = f"subsets[{i}]"
        ready, not_ready = subset.get("addresses") or [], subset.get("notReadyAddresses") or []
        if not ready and not not_ready:
            errs.append(required(path, "must specify `addresses` or `notReadyAddresses`"))
        for key, addresses in (("addresses", ready), ("notReadyAddresses", not_ready)):
            for j, address in enumerate(addresses):
                errs += _endpoint_address(f"{path}.{key}[{j}]", address)
        ports = subset.get("ports") or []
        for j, port in enumerate(ports):
            errs += _endpoint_port(f"{path}.ports[{j}]", port, len(ports) > 1)
    return errs


def _endpoint_address(path: str, address: dict) -> list[FieldError]:
    ip = str(address.get("ip") or "")
    errs = [invalid(f"{path}.ip", ip, m) for m in ip_address(ip, strict=False)]
    if not errs:
        errs = [invalid(f"{path}.ip", ip, m) for m in non_special_ip(ip)]
    errs += _host_and_node(path, address, bool(address.get("hostname")))
    return errs


def _endpoint_port(path: str, port: dict, name_required: bool) -> list[FieldError]:
    errs: list[FieldError] = []
    name = port.get("name") or ""
    if name_required and not name:
        errs.append(required(f"{path}.name"))
    elif name:
        errs += [invalid(f"{path}.name", name, m) for m in dns1123_label(name)]
    number = port.get("port")
    if not isinstance(number, int) or not 1 <= number <= 65535:
        errs.append(invalid(f"{path}.port", number, "must be between 1 and 65535, inclusive"))
    errs += _protocol(f"{path}.protocol", port.get("protocol"))
    errs += _app_protocol(f"{path}.appProtocol", port.get("appProtocol"))
    return errs
