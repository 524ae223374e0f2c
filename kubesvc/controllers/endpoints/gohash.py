"""Go's `DeepHashObject` orderings, reproduced so port and subset order match a real cluster.

Upstream sorts EndpointSlice ports (`NewPortMapKey`, `portsInOrder`) and Endpoints ports and
subsets (`pkg/api/v1/endpoints` `SortSubsets`) by the md5 of go-spew's `%#v` rendering of the
Go structs (`k8s.io/endpointslice/util` `deepHashObject`: SortKeys, DisableMethods, SpewKeys).
These functions write that exact text for the few structs involved; field order follows
`k8s.io/api` types.go. The tests pin vectors computed with go-spew itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence


def _ptr(value: object) -> str:
    """A pointer field: spew prints the pointed-to value, or <nil>."""
    return "<nil>" if value is None else str(value)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def slice_port_repr(port: Mapping) -> str:
    """discovery/v1 EndpointPort{Name *string, Protocol *Protocol, Port *int32, AppProtocol}."""
    return (
        f"(v1.EndpointPort){{Name:(*string){_ptr(port.get('name'))}"
        f" Protocol:(*v1.Protocol){_ptr(port.get('protocol'))}"
        f" Port:(*int32){_ptr(port.get('port'))}"
        f" AppProtocol:(*string){_ptr(port.get('appProtocol'))}}}"
    )


def _core_port_fields(port: Mapping) -> str:
    return (
        f"{{Name:(string){port.get('name') or ''} Port:(int32){port.get('port')}"
        f" Protocol:(v1.Protocol){port.get('protocol') or ''}"
        f" AppProtocol:(*string){_ptr(port.get('appProtocol'))}}}"
    )


def core_port_repr(port: Mapping) -> str:
    """core/v1 EndpointPort{Name string, Port int32, Protocol Protocol, AppProtocol *string}."""
    return "(v1.EndpointPort)" + _core_port_fields(port)


def _target_ref_repr(ref: Mapping | None) -> str:
    if ref is None:
        return "<nil>"
    fields = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
    types = ("string", "string", "string", "types.UID", "string", "string", "string")
    names = ("Kind", "Namespace", "Name", "UID", "APIVersion", "ResourceVersion", "FieldPath")
    parts = (f"{n}:({t}){ref.get(f) or ''}" for n, t, f in zip(names, types, fields, strict=True))
    return "{" + " ".join(parts) + "}"


def _address_repr(addr: Mapping) -> str:
    return (
        f"{{IP:(string){addr.get('ip', '')} Hostname:(string){addr.get('hostname') or ''}"
        f" NodeName:(*string){_ptr(addr.get('nodeName'))}"
        f" TargetRef:(*v1.ObjectReference){_target_ref_repr(addr.get('targetRef'))}}}"
    )


def _list_repr(items: Sequence | None, render) -> str:
    """A Go slice: <nil> when nil, else the elements (without their type) in brackets."""
    if items is None:
        return "<nil>"
    return "[" + " ".join(render(i) for i in items) + "]"


def subset_repr(
    addresses: Sequence | None, not_ready: Sequence | None, ports: Sequence | None
) -> str:
    """core/v1 EndpointSubset{Addresses, NotReadyAddresses, Ports}; None stands for a nil slice."""
    return (
        "(v1.EndpointSubset){"
        f"Addresses:([]v1.EndpointAddress){_list_repr(addresses, _address_repr)}"
        f" NotReadyAddresses:([]v1.EndpointAddress){_list_repr(not_ready, _address_repr)}"
        f" Ports:([]v1.EndpointPort){_list_repr(ports, _core_port_fields)}}}"
    )


def sort_slice_ports(ports: Sequence[Mapping]) -> list:
    """portsInOrder: EndpointSlice ports by the hash of each port."""
    return sorted(ports, key=lambda p: _md5(slice_port_repr(p)))


def sort_core_ports(ports: Sequence[Mapping]) -> list:
    """portsByHash: Endpoints subset ports by the hash of each port."""
    return sorted(ports, key=lambda p: _md5(core_port_repr(p)))


def subset_hash(addresses, not_ready, ports) -> str:
    """subsetsByHash key for one (already sorted) subset."""
    return _md5(subset_repr(addresses, not_ready, ports))
