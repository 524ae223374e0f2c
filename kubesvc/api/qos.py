"""A pod's quality-of-service class (pkg/apis/core/helper/qos `GetPodQOS`), which the kubelet
reports in `status.qosClass`, the API server sets on create and `describe pod` prints."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from kubesvc.api.quantity import parse_or_none


def _amount(value) -> Fraction:
    """A quantity's value; validation already refused malformed ones."""
    q = parse_or_none(value)
    return Fraction(0) if q is None else q.value


def qos_class(spec: Mapping) -> str:
    """qos.GetPodQOS: pod-level resources when set, else every container and init container;
    requests default to limits (SetDefaults_Pod)."""
    units = ([{"resources": spec["resources"]}] if spec.get("resources")
             else list(spec.get("containers") or []) + list(spec.get("initContainers") or []))
    requests: dict[str, Fraction] = {}
    limits: dict[str, Fraction] = {}
    guaranteed = True
    for unit in units:
        res = unit.get("resources") or {}
        lim = {k: _amount(v) for k, v in (res.get("limits") or {}).items()
               if k in ("cpu", "memory")}
        req = {k: _amount(v) for k, v in {**(res.get("limits") or {}),
                                          **(res.get("requests") or {})}.items()
               if k in ("cpu", "memory")}
        for target, values in ((requests, req), (limits, lim)):
            for k, q in values.items():
                if q > 0:
                    target[k] = target.get(k, Fraction(0)) + q
        if {k for k, q in lim.items() if q > 0} != {"cpu", "memory"}:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and requests == limits:
        return "Guaranteed"
    return "Burstable"
