"""`kubectl describe node`: conditions, addresses, capacity, the pods' requests and limits against
what the node can allocate, its lease, taints and system info.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kubesvc.api.quantity import Quantity, add_into, max_into, resource_list
from kubesvc.printers.describe.prefix_writer import (
    PrefixWriter,
    annotations_multiline,
    events,
    labels_multiline,
    now_or_local,
)
from kubesvc.printers.duration import rfc1123z, translate_timestamp_since
from kubesvc.printers.table.columns_core import node_roles

# --- Node ----------------------------------------------------------------------------------

def _go_int64(value: float) -> int:
    """int64(float64) as on amd64: NaN and out-of-range values become math.MinInt64."""
    if value != value or value in (float("inf"), float("-inf")) or abs(value) >= 2**63:
        return -(2**63)
    return int(value)


def pod_requests_and_limits(pod: dict) -> tuple[dict[str, Quantity], dict[str, Quantity]]:
    """kubectl resourcehelper.PodRequestsAndLimits (sidecars, init containers, overhead)."""
    sp = pod.get("spec") or {}
    out = []
    for field in ("requests", "limits"):
        total: dict[str, Quantity] = {}
        for c in sp.get("containers") or []:
            add_into(total, resource_list((c.get("resources") or {}).get(field)))
        sidecars: dict[str, Quantity] = {}
        init_max: dict[str, Quantity] = {}
        for c in sp.get("initContainers") or []:
            values = resource_list((c.get("resources") or {}).get(field))
            if c.get("restartPolicy") == "Always":
                add_into(total, values)
                add_into(sidecars, values)
                values = sidecars
            else:
                tmp: dict[str, Quantity] = {}
                add_into(tmp, values)
                add_into(tmp, sidecars)
                values = tmp
            max_into(init_max, values)
        max_into(total, init_max)
        overhead = resource_list(sp.get("overhead"))
        if field == "requests":
            add_into(total, overhead)
        else:
            for name, q in overhead.items():
                if name in total and not total[name].is_zero():
                    total[name] = total[name].add(q)
        out.append(total)
    return out[0], out[1]


def _pct(value: int, alloc: int, guard: bool) -> int:
    if guard and alloc == 0:
        return 0
    if alloc == 0:
        return _go_int64(float("nan") if value == 0 else float("inf") * (1 if value > 0 else -1))
    return _go_int64(float(value) / float(alloc) * 100)


def _node_resources(w: PrefixWriter, node: dict, pods: list[dict], now: datetime) -> None:
    st = node.get("status") or {}
    alloc = resource_list(st.get("allocatable") or st.get("capacity"))
    zero = Quantity()
    cpu, mem = alloc.get("cpu", zero), alloc.get("memory", zero)
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    totals: tuple[dict[str, Quantity], dict[str, Quantity]] = ({}, {})
    for pod in pods:
        req, lim = pod_requests_and_limits(pod)
        add_into(totals[0], req)
        add_into(totals[1], lim)
        cells = []
        pairs = ((req.get("cpu", zero), cpu, True), (lim.get("cpu", zero), cpu, True),
                 (req.get("memory", zero), mem, False), (lim.get("memory", zero), mem, False))
        for q, cap, milli in pairs:
            if milli:
                value, whole = q.milli_value(), cap.milli_value()
            else:
                value, whole = q.int_value(), cap.int_value()
            cells.append(f"{q} ({_pct(value, whole, False)}%)")
        pmd = pod.get("metadata") or {}
        w.write(1, f"{pmd.get('namespace', '')}\t{pmd.get('name', '')}\t\t{chr(9).join(cells)}\t"
                   f"{translate_timestamp_since(pmd.get('creationTimestamp'), now)}\n")
    w.write(0, "Allocated resources:\n"
               "  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    names = ["cpu", "memory", "ephemeral-storage"]
    names += sorted(n for n in alloc if n.startswith("hugepages-"))
    for name in names:
        cap = alloc.get(name, zero)
        r, lm = totals[0].get(name, zero), totals[1].get(name, zero)
        conv = (lambda q: q.milli_value()) if name == "cpu" else (lambda q: q.int_value())
        req_pct, lim_pct = _pct(conv(r), conv(cap), True), _pct(conv(lm), conv(cap), True)
        w.write(1, f"{name}\t{r} ({req_pct}%)\t{lm} ({lim_pct}%)\n")
    standard = {"cpu", "memory", "ephemeral-storage", "pods"}
    for name in sorted(n for n in alloc if n not in standard and not n.startswith("hugepages-")):
        w.write(1, f"{name}\t{totals[0].get(name, zero)}\t{totals[1].get(name, zero)}\n")


def _lease(w: PrefixWriter, node_name: str, lease: dict | None, tz) -> None:
    if lease is None:
        error = f'leases.coordination.k8s.io "{node_name}" not found'
        w.write(0, f"Lease:\tFailed to get lease: {error}\n")
        return
    sp = lease.get("spec") or {}
    w.write(0, "Lease:\n")
    holder = sp.get("holderIdentity")
    w.write(1, f"HolderIdentity:\t{'<unset>' if holder is None else holder}\n")
    for title, field in (("AcquireTime", "acquireTime"), ("RenewTime", "renewTime")):
        w.write(1, f"{title}:\t{rfc1123z(sp[field], tz) if sp.get(field) else '<unset>'}\n")


def describe_node(node: dict, pods: Sequence[dict] = (), *, lease: dict | None = None,
                  show_events: bool = True, now: datetime | None = None) -> str:
    """describeNode; `pods` are the non-terminated pods bound to it, `lease` its kube-node-lease."""
    now = now_or_local(now)
    md, sp, st = node.get("metadata") or {}, node.get("spec") or {}, node.get("status") or {}
    tz = now.tzinfo
    w = PrefixWriter()
    w.write(0, f"Name:\t{md.get('name', '')}\n")
    w.write(0, f"Roles:\t{','.join(node_roles(node)) or '<none>'}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{rfc1123z(md.get('creationTimestamp'), tz)}\n")
    _taints(w, sp.get("taints"))
    w.write(0, f"Unschedulable:\t{'true' if sp.get('unschedulable') else 'false'}\n")
    _lease(w, md.get("name", ""), lease, tz)
    if st.get("conditions"):
        w.write(0, "Conditions:\n"
                   "  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \t"
                       f"{rfc1123z(c.get('lastHeartbeatTime'), tz)} \t"
                       f"{rfc1123z(c.get('lastTransitionTime'), tz)} \t{c.get('reason', '')} \t"
                       f"{c.get('message', '')}\n")
    w.write(0, "Addresses:\n")
    for addr in st.get("addresses") or []:
        w.write(1, f"{addr.get('type', '')}:\t{addr.get('address', '')}\n")
    for title, field in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        values = resource_list(st.get(field))
        if st.get(field):
            w.write(0, f"{title}:\n")
            for name in sorted(values):
                w.write(0, f"  {name}:\t{values[name]}\n")
    _system_info(w, st.get("nodeInfo") or {})
    if sp.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{sp['podCIDR']}\n")
    if sp.get("podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(sp['podCIDRs'])}\n")
    if sp.get("providerID"):
        w.write(0, f"ProviderID:\t{sp['providerID']}\n")
    _node_resources(w, node, list(pods), now)
    events(w, show_events)
    return w.render()


def _taints(w: PrefixWriter, taints: list[dict] | None) -> None:
    w.write(0, "Taints:\t")
    if not taints:
        w.line("<none>")
        return
    ordered = sorted(taints, key=lambda t: f"{t.get('effect', '')},{t.get('key', '')}")
    for i, t in enumerate(ordered):
        if i:
            w.write(0, "\t")
        value = f"={t['value']}" if t.get("value") else ""
        w.write(0, f"{t.get('key', '')}{value}:{t.get('effect', '')}\n")


_SYSTEM_INFO = (("Machine ID", "machineID"), ("System UUID", "systemUUID"), ("Boot ID", "bootID"),
                ("Kernel Version", "kernelVersion"), ("OS Image", "osImage"),
                ("Operating System", "operatingSystem"), ("Architecture", "architecture"),
                ("Container Runtime Version", "containerRuntimeVersion"),
                ("Kubelet Version", "kubeletVersion"))


def _system_info(w: PrefixWriter, info: dict) -> None:
    w.write(0, "System Info:\n")
    for title, field in _SYSTEM_INFO:
        w.write(0, f"  {title}:\t{info.get(field) or ''}\n")
