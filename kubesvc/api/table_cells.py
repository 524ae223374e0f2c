"""The cells of `kubectl get` tables that do not depend on the clock, computed from an object
alone, so the store can keep them next to the object (its `summary` column) and `get` can
print a large list without decoding every body.

A summary is the row's cells after NAME, in column order, with the AGE cell holding the raw
`metadata.creationTimestamp` (the printer turns it into an age at print time) and, for pods, a
last cell listing the `lastState.terminated.finishedAt` values RESTARTS takes its
`(N ago)` from, then (pods only) the brief `kubesvc check` reads instead of the body (see
pod_brief below). Cells are joined with US (0x1f) behind a version tag; an object whose cells
hold a separator gets no summary (the printer then reads its body). The printers
(kubesvc/printers/table/) build their rows from these same functions, so a row printed from a
summary and one printed from the body are the same bytes.

Bump SUMMARY_VERSION whenever a cell computed here changes: summaries written by another
version are then ignored (the body is read instead).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from kubesvc.api.selectors import format_labels

SUMMARY_VERSION = "1"
SEP = "\x1f"  # between cells
LIST_SEP = "\x1e"  # between the finishedAt values of the pods' last cell

Obj = Mapping


def _meta(obj: Obj) -> Mapping:
    return obj.get("metadata") or {}


def _spec(obj: Obj) -> Mapping:
    return obj.get("spec") or {}


def _status(obj: Obj) -> Mapping:
    return obj.get("status") or {}


def created(obj: Obj) -> str:
    """The raw creationTimestamp, "" when missing or not a string (both print `<unknown>`)."""
    ts = _meta(obj).get("creationTimestamp")
    return ts if isinstance(ts, str) else ""


# --- Pod -----------------------------------------------------------------------------------

def is_restartable_init(container: Mapping | None) -> bool:
    return bool(container) and container.get("restartPolicy") == "Always"  # type: ignore[union-attr]


def _condition_true(st: Mapping, ctype: str) -> bool:
    conditions = st.get("conditions") or []
    return any(c.get("type") == ctype and c.get("status") == "True" for c in conditions)


class Tally:
    """Restart counts and the `lastState.terminated.finishedAt` values seen (the printer
    takes the newest of them)."""

    __slots__ = ("count", "finished")

    def __init__(self) -> None:
        self.count = 0
        self.finished: list[str] = []

    def add(self, cs: Mapping) -> None:
        self.count += int(cs.get("restartCount") or 0)
        term = (cs.get("lastState") or {}).get("terminated")
        if term is not None:
            finished = term.get("finishedAt")
            if finished and isinstance(finished, str):
                self.finished.append(finished)


def _exit_text(term: Mapping, prefix: str = "") -> str:
    signal = int(term.get("signal") or 0)
    if signal != 0:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{int(term.get('exitCode') or 0)}"


def _init_status(pod: Obj, reason: str, all_restarts: Tally, sidecars: Tally) -> tuple:
    """Walk init container statuses; returns (reason, ready, initializing)."""
    return _init_walk(_spec(pod), _status(pod), reason, all_restarts, sidecars)


def _init_walk(sp: Mapping, st: Mapping, reason: str, all_restarts: Tally,
               sidecars: Tally) -> tuple:
    inits = sp.get("initContainers") or []
    init_specs = {c.get("name"): c for c in inits}
    n_init = len(inits)
    ready = 0
    for i, cs in enumerate(st.get("initContainerStatuses") or []):
        all_restarts.add(cs)
        sidecar = is_restartable_init(init_specs.get(cs.get("name")))
        if sidecar:
            sidecars.add(cs)
        state = cs.get("state") or {}
        term, wait = state.get("terminated"), state.get("waiting")
        if term is not None and int(term.get("exitCode") or 0) == 0:
            continue
        if sidecar and cs.get("started") is True:
            ready += 1 if cs.get("ready") else 0
            continue
        if term is not None:
            reason = "Init:" + term["reason"] if term.get("reason") else _exit_text(term, "Init:")
        elif wait is not None and wait.get("reason") and wait.get("reason") != "PodInitializing":
            reason = "Init:" + wait["reason"]
        else:
            reason = f"Init:{i}/{n_init}"
        return reason, ready, True
    return reason, ready, False


def _main_status(pod: Obj, reason: str, tally: Tally) -> tuple[str, int]:
    return _main_walk(_status(pod), reason, tally)


def _main_walk(st: Mapping, reason: str, tally: Tally) -> tuple[str, int]:
    ready, has_running = 0, False
    for cs in reversed(st.get("containerStatuses") or []):
        tally.add(cs)
        state = cs.get("state") or {}
        term, wait = state.get("terminated"), state.get("waiting")
        if wait is not None and wait.get("reason"):
            reason = wait["reason"]
        elif term is not None and term.get("reason"):
            reason = term["reason"]
        elif term is not None:
            reason = _exit_text(term)
        elif cs.get("ready") and state.get("running") is not None:
            has_running = True
            ready += 1
    if reason == "Completed" and has_running:
        reason = "Running" if _condition_true(st, "Ready") else "NotReady"
    return reason, ready


def pod_status(pod: Obj) -> tuple[str, int, int, Tally]:
    """printPod's STATUS algorithm: (reason, ready, total, restart tally)."""
    return _pod_status(_meta(pod), _spec(pod), _status(pod))


def _pod_status(md: Mapping, sp: Mapping, st: Mapping) -> tuple[str, int, int, Tally]:
    phase = st.get("phase") or ""
    reason = st.get("reason") or phase
    for cond in st.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    total = len(sp.get("containers") or [])
    total += sum(1 for c in sp.get("initContainers") or [] if is_restartable_init(c))
    all_restarts, sidecars = Tally(), Tally()
    reason, ready, initializing = _init_walk(sp, st, reason, all_restarts, sidecars)
    tally = all_restarts
    if not initializing or _condition_true(st, "Initialized"):
        tally = sidecars
        reason, main_ready = _main_walk(st, reason, tally)
        ready += main_ready
    if md.get("deletionTimestamp"):
        if st.get("reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return reason, ready, total, tally


def pod_ip(pod: Obj) -> str:
    return _pod_ip(_status(pod))


def _pod_ip(st: Mapping) -> str:
    ips = st.get("podIPs") or ([{"ip": st["podIP"]}] if st.get("podIP") else [])
    return (ips[0].get("ip") if ips else "") or "<none>"


def readiness_gates(pod: Obj) -> str:
    return _readiness_gates(_spec(pod), _status(pod))


def _readiness_gates(sp: Mapping, st: Mapping) -> str:
    gates = sp.get("readinessGates") or []
    if not gates:
        return "<none>"
    conditions = st.get("conditions") or []
    true_count = 0
    for gate in gates:
        for cond in conditions:
            if cond.get("type") == gate.get("conditionType"):
                true_count += cond.get("status") == "True"
                break
    return f"{true_count}/{len(gates)}"


def pod_cells(pod: Obj) -> list[str]:
    """READY, STATUS, restart count, creationTimestamp, IP, NODE, NOMINATED NODE, READINESS
    GATES, then the finishedAt values (LIST_SEP-joined; only when there were restarts)."""
    return _pod_cells(_meta(pod), _spec(pod), _status(pod))


def _pod_cells(md: Mapping, sp: Mapping, st: Mapping) -> list[str]:
    reason, ready, total, tally = _pod_status(md, sp, st)
    ts = md.get("creationTimestamp")
    return [
        f"{ready}/{total}", reason, str(tally.count), ts if isinstance(ts, str) else "",
        _pod_ip(st), sp.get("nodeName") or "<none>", st.get("nominatedNodeName") or "<none>",
        _readiness_gates(sp, st), _finished(tally),
    ]


def _finished(tally: Tally) -> str:
    if not tally.count:
        return ""
    if any(LIST_SEP in f for f in tally.finished):
        raise ValueError("a finishedAt holds the list separator")
    return LIST_SEP.join(tally.finished)


# --- Service -------------------------------------------------------------------------------

def load_balancer_ips(svc: Obj) -> list[str]:
    """loadBalancerStatusStringer (never clipped): ip, else hostname; deduplicated and sorted."""
    found = set()
    for ing in (_status(svc).get("loadBalancer") or {}).get("ingress") or []:
        value = ing.get("ip") or ing.get("hostname")
        if value:
            found.add(value)
    return sorted(found)


def service_external_ip(svc: Obj) -> str:
    s = _spec(svc)
    svc_type = s.get("type") or ""
    external = list(s.get("externalIPs") or [])
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if svc_type == "LoadBalancer":
        lb = load_balancer_ips(svc)
        if external:
            return ",".join(lb + external)
        return ",".join(lb) if lb else "<pending>"
    if svc_type == "ExternalName":
        return s.get("externalName") or ""
    return "<unknown>"


def service_ports(svc: Obj) -> str:
    pieces = []
    for p in _spec(svc).get("ports") or []:
        proto = p.get("protocol") or ""
        node_port = int(p.get("nodePort") or 0)
        if node_port > 0:
            pieces.append(f"{p.get('port', 0)}:{node_port}/{proto}")
        else:
            pieces.append(f"{p.get('port', 0)}/{proto}")
    return ",".join(pieces) or "<none>"


def service_cells(svc: Obj) -> list[str]:
    """TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S), creationTimestamp, SELECTOR."""
    s = _spec(svc)
    ips = s.get("clusterIPs") or []
    return [s.get("type") or "", ips[0] if ips else "<none>", service_external_ip(svc),
            service_ports(svc), created(svc), format_labels(s.get("selector"))]


CELLS: dict[str, Callable[[Obj], list[str]]] = {"Pod": pod_cells, "Service": service_cells}


# --- Pod brief: what `kubesvc check` reads of a pod ------------------------------------------
# A pod's summary ends with one more cell after the table's: a JSON array holding the fields
# the resolver's diagnosis reads (labels; phase, IPs, the Ready condition, deletionTimestamp,
# nodeName; the container ports), so `check` over tens of thousands of pods decodes a few
# hundred bytes per pod instead of its whole body. The table printers index their cells and
# never see it; a summary written before it existed simply has no such cell (the reader then
# decodes the body). `expand_brief` turns it back into a pod-shaped dict on which
# endpoint_utils' pod questions (pod_ips, is_pod_ready, is_terminating, find_port) and label
# selectors answer as on the whole pod.

def _ports(container: Mapping) -> list[list]:
    return [[p.get("name"), p.get("containerPort"), p.get("protocol")]
            for p in container.get("ports") or ()]


def _first_ready(st: Mapping) -> bool:
    for cond in st.get("conditions") or ():
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def pod_brief(pod: Obj) -> list:
    """[labels, [phase] (or [] without one), IPs, ready, deletionTimestamp, nodeName,
    container ports, init container ports (each with restartPolicy), subdomain, hostname,
    the PodScheduled conditions that are False] of a pod (JSON-able)."""
    return _pod_brief(_meta(pod), _spec(pod), _status(pod))


def _pod_brief(md: Mapping, sp: Mapping, st: Mapping) -> list:
    ips = [p.get("ip") for p in st.get("podIPs") or () if p.get("ip")]
    if not ips and st.get("podIP"):
        ips = [st["podIP"]]
    unscheduled = [{k: c[k] for k in ("status", "reason", "message") if k in c}
                   for c in st.get("conditions") or ()
                   if c.get("type") == "PodScheduled" and c.get("status") == "False"]
    return [md.get("labels") or None, [st["phase"]] if "phase" in st else [], ips,
            1 if _first_ready(st) else 0, md.get("deletionTimestamp"), sp.get("nodeName"),
            [p for c in sp.get("containers") or () for p in _ports(c)],
            [[c.get("restartPolicy"), _ports(c)] for c in sp.get("initContainers") or ()
             if c.get("ports")], sp.get("subdomain"), sp.get("hostname"), unscheduled]


BRIEF_LENGTH = 11


_PORT_KEYS = ("name", "containerPort", "protocol")


def _port_dicts(ports: list[list]) -> list[dict]:
    return [dict(zip(_PORT_KEYS, p)) if None not in p else  # noqa: B905 - 3 and 3
            {k: v for k, v in zip(_PORT_KEYS, p, strict=True) if v is not None}
            for p in ports]


def expand_brief(namespace: str, name: str, brief: list) -> dict:
    """A pod-shaped dict from `pod_brief`'s array (see above)."""
    (labels, phase, ips, ready, deleted, node, ports, inits, subdomain, hostname,
     unscheduled) = brief
    md: dict = {"name": name, "namespace": namespace}
    if labels is not None:
        md["labels"] = labels
    if deleted is not None:
        md["deletionTimestamp"] = deleted
    sp: dict = {"containers": [{"ports": _port_dicts(ports)}]}
    for key, value in (("nodeName", node), ("subdomain", subdomain), ("hostname", hostname)):
        if value is not None:
            sp[key] = value
    if inits:
        sp["initContainers"] = [{"restartPolicy": policy, "ports": _port_dicts(p)}
                                for policy, p in inits]
    st: dict = {"podIPs": [{"ip": ip} for ip in ips],
                "conditions": [{"type": "Ready", "status": "True" if ready else "False"},
                               *({"type": "PodScheduled", **c} for c in unscheduled)]}
    if phase:
        st["phase"] = phase[0]
    return {"metadata": md, "spec": sp, "status": st}


POD_BRIEF_SEPS = 10  # separators in a pod summary that ends with its brief (tag + 10 cells)


# one encoder for every brief: json.dumps with these arguments builds a new one per call
_BRIEF_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

EXTRA: dict[str, Callable[[Obj], str]] = {"Pod": lambda pod: _BRIEF_JSON.encode(pod_brief(pod))}


def _pod_summary(pod: Obj, brief_json: BriefJson | None) -> list[str]:
    """pod_cells and the brief's JSON (EXTRA) of a pod, its metadata, spec and status
    looked up once for both."""
    md, sp, st = _meta(pod), _spec(pod), _status(pod)
    values = _pod_cells(md, sp, st)
    brief = _pod_brief(md, sp, st)
    if brief_json is None:
        values.append(_BRIEF_JSON.encode(brief))
        return values
    # the None values the brief surely holds (where a pod usually has them); one the count
    # misses (a None label value) only makes brief_json take its slower way
    nulls = brief.count(None) + brief[1].count(None)
    for port in brief[6]:
        nulls += port.count(None)
    for policy, ports in brief[7]:
        nulls += policy is None
        for port in ports:
            nulls += port.count(None)
    values.append(brief_json(brief, nulls))
    return values


# (data, n) -> the text json.dumps(data, separators=(",", ":"), ensure_ascii=False) writes,
# for data holding at least n None values (store/codec.py's dumps_counted)
BriefJson = Callable[[list, int], str]


def summary(gk: str, obj: Obj, brief_json: BriefJson | None = None) -> str | None:
    """The summary the store keeps for an object of group-kind `gk`; None for kinds without
    one, and for cells that hold a separator or cannot be computed from this object.
    `brief_json`: a faster way to write a pod's brief (the store's bulk encoder)."""
    try:
        if gk == "Pod":
            values = _pod_summary(obj, brief_json)
        else:
            cells = CELLS.get(gk)
            if cells is None:
                return None
            values = cells(obj)
            extra = EXTRA.get(gk)
            if extra is not None:
                values.append(extra(obj))
    except (AttributeError, TypeError, ValueError, KeyError, IndexError):  # malformed object:
        return None  # the printer reads the body and fails (or not) as it always did
    text = SEP.join((SUMMARY_VERSION, *values))
    if text.count(SEP) != len(values):
        return None  # a cell holds the separator
    return text
