"""Cheap proofs that an object a controller built passes the API server's checks.

A bulk write (writer.py `flush`) runs the kind's strategy (defaults, validation) and the
metadata check for every object, as `registry.create`/`update` do. Most of that cost is the
same few values checked again and again (the Service's labels on each of its slices, port
lists, node names) and IP addresses the controller itself printed in canonical form. Here
each part of the checks is answered from a cache or from a sufficient condition; when a part
cannot be proven (anything unusual), the caller runs the full checks, which then give the
exact error the one-by-one path gives. So the outcome is the same, only cheaper.

Only what the checks look at is examined: for an EndpointSlice `validate_slice`
(apiserver/validation/endpoints.py: address type, addresses, hostname, nodeName, ports), for
an Endpoints `validate_endpoints`, for every kind `validate_object_meta`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kubesvc.apiserver.validation.endpoints import validate_endpoints, validate_slice
from kubesvc.apiserver.validation.names import (
    NAME_CHECKS,
    dns1123_label,
    dns1123_subdomain,
    label_value,
    qualified_name,
    validate_annotations,
)

SLICE_GK = "EndpointSlice.discovery.k8s.io"
_CACHE = 1 << 14


def strategy_is_noop_and_valid(gk: str, obj: dict, old: dict | None) -> bool:
    """True when the kind's strategy would neither change `obj` (its defaults already hold)
    nor refuse it. False means: run the strategy."""
    if gk == SLICE_GK:
        return _slice_ok(obj, old)
    if gk == "Endpoints":
        return _endpoints_ok(obj)
    return False


def metadata_ok(obj: dict, namespaced: bool, name_check: object) -> bool:
    """True when `validate_object_meta` finds nothing (False: run it)."""
    if type(name_check) is not str or name_check not in NAME_CHECKS:
        return False
    meta = obj.get("metadata") or {}
    if meta.get("finalizers") or (meta.get("generation") or 0) < 0:
        return False
    name = meta.get("name") or ""
    if not name or NAME_CHECKS[name_check](name):
        return False
    generate = meta.get("generateName") or ""
    if generate and not _generate_name_ok(generate, name_check):
        return False
    if not _namespace_ok(meta.get("namespace") or "", namespaced):
        return False
    labels = meta.get("labels")
    if labels and not _labels_ok(labels):
        return False
    annotations = meta.get("annotations")
    if not annotations:
        return True
    items = tuple(annotations.items())
    return all(type(k) is str and type(v) is str for k, v in items) and _annotations_ok(items)


_DNS_LABEL = re.compile("[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?")


def service_names_ok(name: object) -> bool:
    """The names the endpoint controllers give a Service's objects pass `metadata_ok`'s
    checks when the Service's name is a DNS-1123 label (ASCII, at most 63 characters): the
    Endpoints' name is the Service's (a label is a subdomain, and a label value); a slice's
    generateName is `<name>-` (masked as the check does: a label again) and its name that
    cut to 58 characters plus five generated ones from a lower-case alphanumeric alphabet,
    which starts and ends alphanumeric and stays within 63: a label too."""
    return type(name) is str and _DNS_LABEL.fullmatch(name) is not None


def labels_ok(labels: dict) -> bool:
    """Every key and value of the labels passes its check (and is a string)."""
    return _labels_ok(labels)


def namespace_ok(namespace: str) -> bool:
    """A namespaced object's namespace passes its check."""
    return _namespace_ok(namespace, True)


@lru_cache(maxsize=_CACHE)
def _generate_name_ok(generate: str, name_check: str) -> bool:
    masked = generate[:-2] + "a" if len(generate) > 1 and generate.endswith("-") else generate
    return not NAME_CHECKS[name_check](masked)


@lru_cache(maxsize=_CACHE)
def _namespace_ok(namespace: str, namespaced: bool) -> bool:
    if not namespaced:
        return not namespace
    return bool(namespace) and not dns1123_label(namespace)


@lru_cache(maxsize=_CACHE)
def _label_ok(key: str, value: str) -> bool:
    return not qualified_name(key) and not label_value(value)


def _labels_ok(labels: dict) -> bool:
    for k, v in labels.items():
        if type(k) is not str or type(v) is not str or not _label_ok(k, v):
            return False
    return True


@lru_cache(maxsize=_CACHE)
def _annotations_ok(items: tuple) -> bool:
    return not validate_annotations(dict(items), "metadata.annotations")


# -- EndpointSlice ------------------------------------------------------------------------------

def _slice_ok(obj: dict, old: dict | None) -> bool:
    kind = obj.get("addressType")
    if kind not in ("IPv4", "IPv6"):
        return False
    if old is not None and old.get("addressType") != kind:
        return False
    endpoints, ports = obj.get("endpoints") or [], obj.get("ports") or []
    if len(endpoints) > 1000 or not _slice_ports_ok(_ports_key(ports)):
        return False
    for endpoint in endpoints:
        addresses = endpoint.get("addresses")
        if not addresses or len(addresses) > 100:
            return False
        for address in addresses:
            if type(address) is not str or not _ip_ok(kind, address):
                return False
        if "hostname" in endpoint and not _label_value_ok(endpoint["hostname"]):
            return False
        node = endpoint.get("nodeName")
        if node and not _subdomain_ok(node):
            return False
    return True


_SCALARS = (str, int, bool, type(None))


def _ports_key(ports: list) -> tuple | None:
    """The ports as a hashable key, or None when a default would change one (not a no-op)."""
    key = []
    for port in ports:
        if type(port) is not dict or "name" not in port or "protocol" not in port:
            return None
        if not all(type(v) in _SCALARS for v in port.values()):
            return None
        key.append(tuple(sorted(port.items())))
    return tuple(key)


@lru_cache(maxsize=_CACHE)
def _slice_ports_ok(key: tuple | None) -> bool:
    if key is None:
        return False
    probe = {"addressType": "IPv4", "endpoints": [], "ports": [dict(p) for p in key]}
    return not validate_slice(probe)


_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_PLAIN_V4 = re.compile(rf"(?!(?:0|127|169|224)\.){_OCTET}(?:\.{_OCTET}){{3}}")


def _plain_v4(address: str) -> bool:
    """A canonical dotted quad (no leading zeros) outside the special ranges (first octet
    0, 127, 169 or 224): every IP check passes it."""
    return _PLAIN_V4.fullmatch(address) is not None


@lru_cache(maxsize=1 << 17)
def _ip_ok(kind: str, address: str) -> bool:
    """The address passes the slice's address check for `kind` (anything but a plain IPv4
    address is checked in full)."""
    if kind == "IPv4" and _plain_v4(address):
        return True
    return not validate_slice({"addressType": kind, "endpoints": [{"addresses": [address]}]})


@lru_cache(maxsize=_CACHE)
def _label_value_ok(hostname: object) -> bool:
    return type(hostname) is str and not dns1123_label(hostname)


@lru_cache(maxsize=_CACHE)
def _subdomain_ok(node: object) -> bool:
    return type(node) is str and not dns1123_subdomain(node)


# -- Endpoints ----------------------------------------------------------------------------------

def _endpoints_ok(obj: dict) -> bool:
    for subset in obj.get("subsets") or []:
        ready, not_ready = subset.get("addresses") or [], subset.get("notReadyAddresses") or []
        if not ready and not not_ready:
            return False
        for address in (*ready, *not_ready):
            ip = address.get("ip")
            if type(ip) is not str or not _endpoint_ip_ok(ip):
                return False
            hostname = address.get("hostname")
            if hostname and not _label_value_ok(hostname):
                return False
            node = address.get("nodeName")
            if node and not _subdomain_ok(node):
                return False
        ports = subset.get("ports") or []
        if any(type(p) is not dict or not p.get("protocol")  # the strategy would default it
               or not all(type(v) in _SCALARS for v in p.values()) for p in ports):
            return False
        if not _endpoint_ports_ok(tuple(tuple(sorted(p.items())) for p in ports)):
            return False
    return True


@lru_cache(maxsize=_CACHE)
def _endpoint_ports_ok(key: tuple) -> bool:
    probe = {"subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [dict(p) for p in key]}]}
    return not validate_endpoints(probe)


@lru_cache(maxsize=1 << 17)
def _endpoint_ip_ok(ip: str) -> bool:
    """An Endpoints address passes its check (anything but plain IPv4 is checked in full)."""
    return _plain_v4(ip) or not validate_endpoints({"subsets": [{"addresses": [{"ip": ip}]}]})


# -- proofs for objects the endpoint controllers build (controllers/endpoints/namespace.py) -----
# Each answers one part of `strategy_is_noop_and_valid` for values the caller put in place;
# tests/controllers/test_endpoints_fast.py checks that what they prove, the full check finds.

plain_v4 = _plain_v4


def slice_ports_ok(ports: list) -> bool:
    """An EndpointSlice's ports pass its validation and need no default."""
    return _slice_ports_ok(_ports_key(ports))


def endpoint_ports_ok(ports: list) -> bool:
    """An Endpoints subset's ports pass its validation and need no default."""
    if any(type(p) is not dict or not p.get("protocol")
           or not all(type(v) in _SCALARS for v in p.values()) for p in ports):
        return False
    return _endpoint_ports_ok(tuple(tuple(sorted(p.items())) for p in ports))


def slice_address_ok(kind: str, address: str) -> bool:
    return _ip_ok(kind, address)


def endpoints_address_ok(ip: str) -> bool:
    return _endpoint_ip_ok(ip)


def hostname_ok(hostname: object) -> bool:
    return _label_value_ok(hostname)


def node_name_ok(node: object) -> bool:
    return _subdomain_ok(node)
