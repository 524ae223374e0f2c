"""Shared pieces of the endpoint controllers: pod and Service predicates, FindPort, IPs, names.

Paraphrases k8s `staging/src/k8s.io/endpointslice/utils.go`, `.../util/controller_utils.go`,
`pkg/api/v1/pod/util.go` (FindPort) and the API server's generateName
(`apiserver/pkg/storage/names`). Objects are Kubernetes JSON dicts as the API server stores
them; missing defaulted fields are read with their API defaults so hand-made dicts work too.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache

from kubesvc.api.objects import meta, spec
from kubesvc.controllers.endpoints.gohash import slice_port_repr

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
HEADLESS_LABEL = "service.kubernetes.io/headless"
SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror"
ZONE_LABEL = "topology.kubernetes.io/zone"
SLICE_CONTROLLER = "endpointslice-controller.k8s.io"
MIRROR_CONTROLLER = "endpointslicemirroring-controller.k8s.io"
IPV4, IPV6 = "IPv4", "IPv6"
_REF_FIELDS = ("kind", "namespace", "name", "uid", "apiVersion", "fieldPath")

# k8s.io/apimachinery/pkg/util/rand: the alphabet generateName draws its 5 characters from.
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_MAX_GENERATED_BASE = 63 - 5  # names.MaxGeneratedNameLength
# each byte of the hash picks the alphabet character at (byte % 27)
_BYTE_TO_CHAR = bytes(ord(NAME_ALPHABET[b % len(NAME_ALPHABET)]) for b in range(256))


def namespace_of(obj: Mapping) -> str:
    return meta(obj).get("namespace") or "default"


def labels_of(obj: Mapping) -> dict:
    return dict(meta(obj).get("labels") or {})


def has_selector(service: Mapping) -> bool:
    """A non-empty `spec.selector`. An empty map is stored as nil (protobuf drops empty maps),
    so `selector: {}` behaves like no selector (kubernetes issues #25836, #25837)."""
    return bool(spec(service).get("selector"))


def controller_handles(service: Mapping) -> bool:
    """syncService in both controllers: ExternalName and nil selectors get nothing from them."""
    return spec(service).get("type") != "ExternalName" and has_selector(service)


def is_service_ip_set(service: Mapping) -> bool:
    return spec(service).get("clusterIP") not in (None, "", "None")


def is_pod_ready(pod: Mapping) -> bool:
    """IsPodReady: the first `Ready` condition decides; a missing one means not ready."""
    for cond in (pod.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def is_terminating(pod: Mapping) -> bool:
    return meta(pod).get("deletionTimestamp") is not None


def pod_ips(pod: Mapping) -> list[str]:
    """status.podIPs, or [podIP] when only podIP is given (the API server keeps them equal)."""
    status = pod.get("status") or {}
    ips = [p.get("ip") for p in status.get("podIPs") or () if p.get("ip")]
    if not ips and status.get("podIP"):
        ips = [status["podIP"]]
    return ips


def should_pod_be_in_endpoints(pod: Mapping, include_terminating: bool) -> bool:
    """ShouldPodBeInEndpoints: terminal phase, no IP, or (optionally) terminating excludes."""
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    if not pod_ips(pod):
        return False
    return include_terminating or not is_terminating(pod)


def should_set_hostname(pod: Mapping, service: Mapping) -> bool:
    """ShouldSetHostname: hostname set, subdomain == Service name, same namespace."""
    pod_spec = spec(pod)
    return (
        bool(pod_spec.get("hostname"))
        and pod_spec.get("subdomain") == meta(service).get("name")
        and namespace_of(pod) == namespace_of(service)
    )


def target_ref(pod: Mapping) -> dict:
    """The ObjectReference both controllers write (kind, namespace, name, uid)."""
    ref = {"kind": "Pod", "namespace": namespace_of(pod), "name": meta(pod)["name"]}
    if meta(pod).get("uid"):
        ref["uid"] = meta(pod)["uid"]
    return ref


def service_ports(service: Mapping) -> list[dict]:
    """Service ports with the API defaults applied (protocol TCP, targetPort = port)."""
    out = []
    for port in spec(service).get("ports") or ():
        target = port.get("targetPort")
        out.append(
            {
                "name": port.get("name") or "",
                "protocol": port.get("protocol") or "TCP",
                "port": port.get("port"),
                "targetPort": target if target not in (None, 0, "") else port.get("port"),
                "appProtocol": port.get("appProtocol"),
            }
        )
    return out


def find_port(pod: Mapping, service_port: Mapping) -> int | None:
    """FindPort: a number is used as is (never checked against the pod); a name must match a
    container port by name AND protocol, searching containers, then restartable init containers
    (sidecars). None when nothing matches: that Service port is left out for this pod."""
    target = service_port["targetPort"]
    if not isinstance(target, str):
        return int(target)
    pod_spec = spec(pod)
    sidecars = [
        c for c in pod_spec.get("initContainers") or () if c.get("restartPolicy") == "Always"
    ]
    for container in list(pod_spec.get("containers") or ()) + sidecars:
        for cport in container.get("ports") or ():
            if (
                cport.get("name") == target
                and (cport.get("protocol") or "TCP") == service_port["protocol"]
            ):
                return int(cport["containerPort"])
    return None


@lru_cache(maxsize=1 << 16)
def parse_ip(text: object) -> tuple[str, str] | None:
    """utilnet.ParseIPSloppy + IP.String(): (address type, canonical text), None if invalid.
    IPv4 fields may carry leading zeros (read as decimal); IPv4-mapped IPv6 counts as IPv4.
    Cached: the same pod IPs are parsed for every Service and both controllers."""
    if not isinstance(text, str) or "%" in text:
        return None
    if ":" not in text:
        parts = text.split(".")
        if len(parts) != 4 or not all(p.isascii() and p.isdigit() and int(p) < 256 for p in parts):
            return None
        return IPV4, ".".join(str(int(p)) for p in parts)
    try:
        ip = ipaddress.IPv6Address(text)
    except ValueError:
        return None
    if ip.ipv4_mapped is not None:
        return IPV4, str(ip.ipv4_mapped)
    return IPV6, str(ip)


def address_types(service: Mapping) -> list[str]:
    """getAddressTypesForService: from spec.ipFamilies; old objects fall back to the cluster IP's
    family, and headless ones without families get both."""
    families = spec(service).get("ipFamilies") or ()
    types = [t for t in (IPV4, IPV6) if t in families]
    if types:
        return types
    if is_service_ip_set(service):
        parsed = parse_ip(spec(service)["clusterIP"])
        return [parsed[0] if parsed else IPV4]
    return [IPV4, IPV6]


def generate_name_prefix(name: str) -> str:
    """getEndpointSlicePrefix: `<name>-`. A Service name is a DNS label (63 chars at most),
    so the dashed prefix is always a valid subdomain prefix."""
    return f"{name}-"


def generated_name(prefix: str, seed: str, taken: set[str]) -> str:
    """SimpleNameGenerator with a stable hash instead of randomness: the prefix cut to 58 chars,
    then 5 characters of the generateName alphabet. `taken` names are avoided (and extended)."""
    base = prefix[:_MAX_GENERATED_BASE]
    attempt = 0
    while True:
        digest = hashlib.sha256(f"{seed}#{attempt}".encode()).digest()
        name = base + digest[:5].translate(_BYTE_TO_CHAR).decode()
        if name not in taken:
            taken.add(name)
            return name
        attempt += 1


def name_new_slices(creates: list[tuple[dict, str]], prefix: str, seed: str, taken: set[str]):
    """Give each new (slice, seed) a generated name, set first in its metadata."""
    for eps, own_seed in creates:
        set_name(eps, generated_name(prefix, seed + own_seed, taken))


def controller_ref(owner: Mapping, kind: str) -> dict:
    """metav1.NewControllerRef: the owner as controller, blocking its deletion."""
    return {
        "apiVersion": "v1",
        "kind": kind,
        "name": meta(owner).get("name", ""),
        "uid": meta(owner).get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def owned_by(obj: Mapping, owner: Mapping, kind: str) -> bool:
    """ownedBy: an owner reference with the owner's uid, the kind and apiVersion v1."""
    uid = meta(owner).get("uid", "")
    return any(
        ref.get("uid", "") == uid and ref.get("kind") == kind and ref.get("apiVersion") == "v1"
        for ref in meta(obj).get("ownerReferences") or ()
    )


def slices_labelled(slices: Iterable[Mapping], namespace: str, name: str, managed_by: str | None):
    """The slices a lister returns for `service-name=<name>[,managed-by=<controller>]`, minus
    those being deleted (dropEndpointSlicesPendingDeletion), in name order."""
    out = []
    for eps in slices:
        labels = meta(eps).get("labels") or {}
        if namespace_of(eps) != namespace or labels.get(SERVICE_NAME_LABEL) != name:
            continue
        if managed_by is not None and labels.get(MANAGED_BY_LABEL) != managed_by:
            continue
        if meta(eps).get("deletionTimestamp") is None:
            out.append(eps)
    return sorted(out, key=lambda s: meta(s).get("name", ""))


# --- EndpointSlice pieces shared by the slice and mirroring controllers ---------------------


def port_key(ports: Iterable[Mapping]) -> tuple:
    """NewPortMapKey: the same set of ports, whatever their order."""
    return tuple(sorted(slice_port_repr(p) for p in ports))


def stored_port_key(eps: Mapping) -> tuple | None:
    """A stored slice with no ports reads back as a nil list, whose hash never equals the
    controller's empty (non-nil) list: such slices are recycled rather than refilled."""
    ports = eps.get("ports")
    return port_key(ports) if ports else None


def endpoint_order(endpoint: Mapping) -> tuple:
    return tuple(endpoint.get("addresses") or ()), (endpoint.get("targetRef") or {}).get("name", "")


def endpoint_identity(endpoint: Mapping) -> tuple:
    """hashEndpoint: sorted addresses, hostname and the target's namespace/name."""
    ref = endpoint.get("targetRef") or {}
    return (
        tuple(sorted(endpoint.get("addresses") or ())),
        endpoint.get("hostname") or "",
        ref.get("namespace", ""),
        ref.get("name", ""),
    )


def endpoints_equal_beyond_hash(desired: Mapping, current: Mapping) -> bool:
    """EndpointsEqualBeyondHash: node, zone, the three conditions and the target reference
    (its resourceVersion ignored); hints are reconciled separately."""
    if any(desired.get(f) != current.get(f) for f in ("nodeName", "zone")):
        return False
    want, have = desired.get("conditions") or {}, current.get("conditions") or {}
    if any(want.get(c) != have.get(c) for c in ("ready", "serving", "terminating")):
        return False
    return _ref_view(desired.get("targetRef")) == _ref_view(current.get("targetRef"))


def _ref_view(ref: Mapping | None) -> tuple | None:
    return None if ref is None else tuple(ref.get(f) or "" for f in _REF_FIELDS)


def set_name(eps: dict, name: str) -> None:
    rest = {k: v for k, v in eps["metadata"].items() if k != "name"}
    eps["metadata"] = {"name": name, **rest}


def as_stored(eps: dict) -> dict:
    """Empty lists come back from storage as null (protobuf), e.g. `ports: null`."""
    for field in ("endpoints", "ports"):
        if not eps.get(field):
            eps[field] = None
    return eps
