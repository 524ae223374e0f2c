"""`kubectl describe` for ServiceAccounts, ConfigMaps, Secrets and HorizontalPodAutoscalers
(kubectl `pkg/describe/describe.go`: describeServiceAccount, describeConfigMap, describeSecret,
describeHorizontalPodAutoscalerV2). Go ranges over the data maps in random order; keys are
printed sorted here so output is stable."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime

from kubesvc.printers.describe.prefix_writer import (
    PrefixWriter,
    events,
    header,
    now_or_local,
)
from kubesvc.printers.duration import rfc1123z

SA_TOKEN = "kubernetes.io/service-account-token"
_PULL, _MOUNT, _TOKENS = "Image pull secrets:", "Mountable secrets: ", "Tokens:            "
_EMPTY = " " * len(_PULL)


def describe_service_account(sa: dict, secrets: Sequence[dict] = (), *, show_events: bool = True,
                             now: datetime | None = None) -> str:
    """`secrets` are the namespace's: tokens are the service-account-token Secrets annotated
    with this account's name and uid; a referenced Secret that is absent is `(not found)`."""
    md = sa.get("metadata") or {}
    existing = {(s.get("metadata") or {}).get("name") for s in secrets}
    tokens = [s["metadata"]["name"] for s in secrets if s.get("type") == SA_TOKEN
              and ((s.get("metadata") or {}).get("annotations") or {}).get(
                  "kubernetes.io/service-account.name") == md.get("name")
              and ((s.get("metadata") or {}).get("annotations") or {}).get(
                  "kubernetes.io/service-account.uid", "") == md.get("uid", "")]
    names = {_PULL: [r.get("name", "") for r in sa.get("imagePullSecrets") or []],
             _MOUNT: [r.get("name", "") for r in sa.get("secrets") or []],
             _TOKENS: tokens}
    missing = {n for key in (_PULL, _MOUNT) for n in names[key] if n not in existing}
    w = PrefixWriter()
    header(w, md)
    for title in sorted(names):
        if not names[title]:
            w.write(0, f"{title}\t<none>\n")
        prefix = title
        for name in names[title]:
            w.write(0, f"{prefix}\t{name}{' (not found)' if name in missing else ''}\n")
            prefix = _EMPTY
    events(w, show_events)
    return w.render()


def _decoded_len(value: str) -> int:
    try:
        return len(base64.b64decode(value, validate=False))
    except (binascii.Error, ValueError):
        return len(value)


def describe_configmap(cm: dict, *, show_events: bool = True, now: datetime | None = None) -> str:
    w = PrefixWriter()
    header(w, cm.get("metadata") or {})
    w.write(0, "\nData\n====\n")
    data = cm.get("data") or {}
    for key in sorted(data):
        w.write(0, f"{key}:\n----\n")
        w.write(0, f"{data[key]}\n")
        w.write(0, "\n")
    w.write(0, "\nBinaryData\n====\n")
    binary = cm.get("binaryData") or {}
    for key in sorted(binary):
        w.write(0, f"{key}: {_decoded_len(binary[key])} bytes\n")
    w.write(0, "\n")
    events(w, show_events)
    return w.render()


def describe_secret(secret: dict, *, show_events: bool = True, now: datetime | None = None) -> str:
    """describeSecret: sizes only (a service-account token is shown); never events."""
    w = PrefixWriter()
    header(w, secret.get("metadata") or {})
    w.write(0, f"\nType:\t{secret.get('type') or ''}\n")
    w.write(0, "\nData\n====\n")
    data = secret.get("data") or {}
    for key in sorted(data):
        if key == "token" and secret.get("type") == SA_TOKEN:
            w.write(0, f"{key}:\t{base64.b64decode(data[key]).decode(errors='replace')}\n")
        else:
            w.write(0, f"{key}:\t{_decoded_len(data[key])} bytes\n")
    return w.render()


# --- HorizontalPodAutoscaler ----------------------------------------------------------------

def _v2_metrics(hpa: dict) -> list[dict]:
    """autoscaling/v1 objects as the v2 endpoint serves them (targetCPUUtilizationPercentage)."""
    sp = hpa.get("spec") or {}
    if "metrics" in sp or not hpa.get("apiVersion", "").endswith("/v1"):
        return sp.get("metrics") or []
    target = {"type": "Utilization"}
    if sp.get("targetCPUUtilizationPercentage") is not None:
        target["averageUtilization"] = sp["targetCPUUtilizationPercentage"]
    return [{"type": "Resource", "resource": {"name": "cpu", "target": target}}]


def _current(hpa: dict, i: int, field: str) -> dict | None:
    current = (hpa.get("status") or {}).get("currentMetrics") or []
    return (current[i].get(field) or {}).get("current") if i < len(current) else None


def _resource_metric(w: PrefixWriter, hpa: dict, i: int, metric: dict, field: str) -> None:
    src = metric.get(field) or {}
    target, cur = src.get("target") or {}, _current(hpa, i, field)
    where = f" of container \"{src.get('container', '')}\"" if field == "containerResource" else ""
    w.write(1, f"resource {src.get('name', '')}{where} on pods")
    if target.get("averageValue") is not None:
        current = "<unknown>" if cur is None else str(cur.get("averageValue", "0"))
        w.write(0, f":\t{current} / {target['averageValue']}\n")
        return
    current = "<unknown>"
    if cur is not None and cur.get("averageUtilization") is not None:
        current = f"{int(cur['averageUtilization'])}% ({cur.get('averageValue', '0')})"
    want = ("<auto>" if target.get("averageUtilization") is None
            else f"{int(target['averageUtilization'])}%")
    w.write(1, f"(as a percentage of request):\t{current} / {want}\n")


def _pods_metric(w: PrefixWriter, hpa: dict, i: int, metric: dict) -> None:
    src = metric.get("pods") or {}
    cur = _current(hpa, i, "pods")
    current = "<unknown>" if cur is None else str(cur.get("averageValue", "0"))
    w.write(1, f"\"{(src.get('metric') or {}).get('name', '')}\" on pods:\t{current} / "
               f"{(src.get('target') or {}).get('averageValue', '0')}\n")


def _direction(w: PrefixWriter, title: str, rules: dict | None) -> None:
    if rules is None:
        return
    w.write(1, f"{title}:\n")
    if rules.get("stabilizationWindowSeconds") is not None:
        w.write(2, f"Stabilization Window: {int(rules['stabilizationWindowSeconds'])} seconds\n")
    if rules.get("policies"):
        w.write(2, f"Select Policy: {rules.get('selectPolicy') or 'Max'}\n")
        w.write(2, "Policies:\n")
        for p in rules["policies"]:
            w.write(3, f"- Type: {p.get('type', '')}\tValue: {int(p.get('value') or 0)}\t"
                       f"Period: {int(p.get('periodSeconds') or 0)} seconds\n")


def describe_hpa(hpa: dict, *, show_events: bool = True, now: datetime | None = None) -> str:
    """describeHorizontalPodAutoscalerV2 (Resource, ContainerResource and Pods metrics)."""
    now = now_or_local(now)
    md, sp, st = hpa.get("metadata") or {}, hpa.get("spec") or {}, hpa.get("status") or {}
    ref = sp.get("scaleTargetRef") or {}
    w = PrefixWriter()
    header(w, md)
    w.write(0, f"CreationTimestamp:\t{rfc1123z(md.get('creationTimestamp'), now.tzinfo)}\n")
    w.write(0, f"Reference:\t{ref.get('kind', '')}/{ref.get('name', '')}\n")
    w.write(0, "Metrics:\t( current / target )\n")
    for i, metric in enumerate(_v2_metrics(hpa)):
        kind = metric.get("type", "")
        if kind in ("Resource", "ContainerResource"):
            _resource_metric(w, hpa, i, metric, kind[0].lower() + kind[1:])
        elif kind == "Pods":
            _pods_metric(w, hpa, i, metric)
        else:
            w.write(1, f"<unknown metric type \"{kind}\">\n")
    low = sp.get("minReplicas")
    w.write(0, f"Min replicas:\t{'<unset>' if low is None else int(low)}\n")
    w.write(0, f"Max replicas:\t{int(sp.get('maxReplicas') or 0)}\n")
    behavior = sp.get("behavior")
    if behavior is not None:
        w.write(0, "Behavior:\n")
        _direction(w, "Scale Up", behavior.get("scaleUp"))
        _direction(w, "Scale Down", behavior.get("scaleDown"))
    w.write(0, f"{ref.get('kind', '')} pods:\t")
    w.write(0, f"{int(st.get('currentReplicas') or 0)} current / "
               f"{int(st.get('desiredReplicas') or 0)} desired\n")
    if st.get("conditions"):
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tReason\tMessage\n")
        w.write(1, "----\t------\t------\t-------\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type', '')}\t{c.get('status', '')}\t{c.get('reason', '')}\t"
                       f"{c.get('message', '')}\n")
    events(w, show_events)
    return w.render()
