"""A pod's quality-of-service class (pkg/apis/core/helper/qos `GetPodQOS`), which the kubelet
reports in `status.qosClass` and the API server sets on create, and the quantity values it sums."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

_SUFFIX = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
           "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"),
           "P": Decimal("1e15"), "E": Decimal("1e18"), "Ki": Decimal(2**10),
           "Mi": Decimal(2**20), "Gi": Decimal(2**30), "Ti": Decimal(2**40),
           "Pi": Decimal(2**50), "Ei": Decimal(2**60)}
_QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eE][+-]?[0-9]+|[a-zA-Z]*)$")


def parse_quantity(value) -> Decimal:
    """resource.Quantity's value (validation already rejected malformed ones)."""
    m = _QUANTITY.match(str(value).strip())
    if not m:
        return Decimal(0)
    number, suffix = Decimal(m.group(1)), m.group(2)
    if suffix[:1] in ("e", "E"):
        return number * (Decimal(10) ** int(suffix[1:]))
    return number * _SUFFIX.get(suffix, Decimal(1))


def qos_class(spec: Mapping) -> str:
    """qos.GetPodQOS: pod-level resources when set, else every container and init container;
    requests default to limits (SetDefaults_Pod)."""
    units = ([{"resources": spec["resources"]}] if spec.get("resources")
             else list(spec.get("containers") or []) + list(spec.get("initContainers") or []))
    requests: dict[str, Decimal] = {}
    limits: dict[str, Decimal] = {}
    guaranteed = True
    for unit in units:
        res = unit.get("resources") or {}
        lim = {k: parse_quantity(v) for k, v in (res.get("limits") or {}).items()
               if k in ("cpu", "memory")}
        req = {k: parse_quantity(v) for k, v in {**(res.get("limits") or {}),
                                                 **(res.get("requests") or {})}.items()
               if k in ("cpu", "memory")}
        for target, values in ((requests, req), (limits, lim)):
            for k, q in values.items():
                if q > 0:
                    target[k] = target.get(k, Decimal(0)) + q
        if {k for k, q in lim.items() if q > 0} != {"cpu", "memory"}:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and requests == limits:
        return "Guaranteed"
    return "Burstable"
