"""Pod status as the kubelet (and, for a pending pod, the scheduler) writes it.

`run_pod` is the status of a pod whose sandbox is up and whose containers all started and
passed their probes: pkg/kubelet/kubelet_pods.go `generateAPIPodStatus` and
`convertToAPIContainerStatuses`, pkg/kubelet/status/generate.go for the conditions, and the
status manager's merge rules (conditions the kubelet does not own come first and are kept;
an unchanged condition keeps its lastTransitionTime). Image and container IDs are what
containerd reports, with digests derived from a hash since kubesvc pulls nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from fractions import Fraction

from kubesvc.api.objects import meta, ts
from kubesvc.api.quantity import parse_or_none
from kubesvc.bootstrap.kind import node_internal_ip

KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                      "PodScheduled")
SCHEDULING_GATED_MESSAGE = "Scheduling is blocked due to non-empty scheduling gates"


def run_pod(pod: Mapping, node: Mapping, ip: str | None, now: datetime | str) -> dict:
    """The status of a started, ready pod on `node` with pod IP `ip` (the node's IP for
    hostNetwork pods). Calling it again on its own output changes nothing."""
    spec, old = pod.get("spec") or {}, pod.get("status") or {}
    t, gen = ts(now), meta(pod).get("generation", 1)
    host_ip = node_internal_ip(node)
    if spec.get("hostNetwork"):
        ip = host_ip
    init = [_init_status(pod, c, t, old) for c in spec.get("initContainers") or []]
    # convertToAPIContainerStatuses sorts app containers by name; init ones keep spec order
    main = sorted((_app_status(pod, c, t, old) for c in spec.get("containers") or []),
                  key=lambda s: s["name"])
    status = {"phase": "Running",
              "conditions": _conditions(pod, old, t, init + main, gen),
              "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
              "podIP": ip, "podIPs": [{"ip": ip}] if ip else [],
              "startTime": old.get("startTime") or t,
              "qosClass": qos_class(spec),
              "containerStatuses": main, "observedGeneration": gen}
    if init:
        status["initContainerStatuses"] = init
    return status


def pending_pod(pod: Mapping, message: str, now: datetime | str) -> dict:
    """An unscheduled pod: phase Pending, PodScheduled False with the scheduler's message
    (reason SchedulingGated for a gated pod, no condition at all when `message` is empty,
    i.e. no scheduler looked at it)."""
    old = pod.get("status") or {}
    gen = meta(pod).get("generation", 1)
    status: dict = {"phase": "Pending", "qosClass": qos_class(pod.get("spec") or {})}
    if not message:
        return status
    reason = "SchedulingGated" if message == SCHEDULING_GATED_MESSAGE else "Unschedulable"
    cond = {"type": "PodScheduled", "status": "False", "reason": reason, "message": message,
            "lastProbeTime": None, "lastTransitionTime": ts(now), "observedGeneration": gen}
    status["conditions"] = [_keep_transition(cond, old)]
    return status


# -- conditions ----------------------------------------------------------------------------------

def _keep_transition(cond: dict, old: Mapping) -> dict:
    for prev in old.get("conditions") or []:
        if prev.get("type") == cond["type"] and prev.get("status") == cond["status"]:
            return {**cond, "lastTransitionTime": prev.get("lastTransitionTime")}
    return cond


def _conditions(pod: Mapping, old: Mapping, t: str, statuses: list[dict], gen: int) -> list:
    foreign = [c for c in old.get("conditions") or [] if c.get("type") not in KUBELET_CONDITIONS]
    ready = _ready_condition(pod, foreign, statuses)
    rows = [("PodReadyToStartContainers", "True", None, None),
            ("Initialized", "True", None, None), ready,
            ("ContainersReady", "True", None, None), ("PodScheduled", "True", None, None)]
    out = list(foreign)
    for ctype, status, reason, message in rows:
        cond = {"type": ctype, "status": status, "lastProbeTime": None,
                "lastTransitionTime": t, "observedGeneration": gen}
        if reason:
            cond.update(reason=reason, message=message)
        out.append(_keep_transition(cond, old))
    return out


def _ready_condition(pod: Mapping, conditions: list, statuses: list[dict]) -> tuple:
    """GeneratePodReadyCondition: containers are ready, so only readiness gates can hold the
    pod back (their conditions are set by other controllers)."""
    unready = []
    for gate in (pod.get("spec") or {}).get("readinessGates") or []:
        ctype = gate.get("conditionType", "")
        cond = next((c for c in conditions if c.get("type") == ctype), None)
        if cond is None:
            unready.append(f'corresponding condition of pod readiness gate "{ctype}" '
                           "does not exist.")
        elif cond.get("status") != "True":
            unready.append(f'the status of pod readiness gate "{ctype}" is not "True", '
                           f'but {cond.get("status")}')
    if unready:
        return "Ready", "False", "ReadinessGatesNotReady", ", ".join(unready)
    return "Ready", "True", None, None


# -- container statuses --------------------------------------------------------------------------

def _base_status(pod: Mapping, container: Mapping, old_list) -> dict:
    name = container.get("name", "")
    image = normalize_image(container.get("image", ""))
    prev = next((s for s in old_list or [] if s.get("name") == name), {})
    restarts = prev.get("restartCount", 0)
    status = {"name": name, "image": image, "imageID": image_id(image),
              "containerID": container_id(pod, name, restarts),
              "restartCount": restarts, "lastState": prev.get("lastState") or {}}
    mounts = [_mount_status(m) for m in container.get("volumeMounts") or []]
    if mounts:
        status["volumeMounts"] = mounts
    return status


def _started_at(prev_list, name: str, cid: str, t: str) -> str:
    for s in prev_list or []:
        running = (s.get("state") or {}).get("running")
        if s.get("name") == name and s.get("containerID") == cid and running:
            return running.get("startedAt", t)
    return t


def _app_status(pod: Mapping, container: Mapping, t: str, old: Mapping) -> dict:
    prev = old.get("containerStatuses")
    status = _base_status(pod, container, prev)
    started = _started_at(prev, status["name"], status["containerID"], t)
    status.update(ready=True, started=True, state={"running": {"startedAt": started}},
                  resources=_status_resources(container))
    return status


def _init_status(pod: Mapping, container: Mapping, t: str, old: Mapping) -> dict:
    """A regular init container has completed (ready, not started); a sidecar
    (restartPolicy: Always) is running like an app container."""
    prev = old.get("initContainerStatuses")
    status = _base_status(pod, container, prev)
    if container.get("restartPolicy") == "Always":
        started = _started_at(prev, status["name"], status["containerID"], t)
        status.update(ready=True, started=True, state={"running": {"startedAt": started}},
                      resources=_status_resources(container))
        return status
    done = next((s["state"]["terminated"] for s in prev or []
                 if s.get("name") == status["name"] and (s.get("state") or {}).get("terminated")),
                None)
    status.update(ready=True, started=False, state={"terminated": done or {
        "containerID": status["containerID"], "exitCode": 0, "reason": "Completed",
        "startedAt": t, "finishedAt": t}})
    return status


def _mount_status(mount: Mapping) -> dict:
    out = {"name": mount.get("name", ""), "mountPath": mount.get("mountPath", "")}
    if mount.get("readOnly"):
        out["readOnly"] = True
        # runc on kind supports it, but only an explicit Enabled/IfPossible asks for it
        rro = mount.get("recursiveReadOnly")
        out["recursiveReadOnly"] = "Enabled" if rro in ("Enabled", "IfPossible") else "Disabled"
    return out


def _status_resources(container: Mapping) -> dict:
    """InPlacePodVerticalScaling: a running container reports cpu/memory/ephemeral-storage
    limits and its allocated requests (limits when requests were not given)."""
    res = container.get("resources") or {}
    keep = ("cpu", "memory", "ephemeral-storage")
    limits = {k: v for k, v in (res.get("limits") or {}).items() if k in keep}
    requests = {k: v for k, v in {**limits, **(res.get("requests") or {})}.items() if k in keep}
    out = {}
    if limits:
        out["limits"] = limits
    if requests:
        out["requests"] = requests
    return out


# -- images and IDs ------------------------------------------------------------------------------

def normalize_image(image: str) -> str:
    """docker reference ParseNormalizedNamed + TagNameOnly: `nginx` is
    `docker.io/library/nginx:latest`, as containerd reports it."""
    name, digest = image.split("@", 1) if "@" in image else (image, "")
    first, sep, _ = name.partition("/")
    if not sep or not (("." in first) or (":" in first) or first == "localhost"):
        name = "docker.io/" + (name if sep else "library/" + name)
    last = name.rsplit("/", 1)[-1]
    if digest:
        return f"{name}@{digest}"
    return name if ":" in last else name + ":latest"


def image_id(normalized: str) -> str:
    if "@" in normalized:
        return normalized
    repo = normalized.rsplit(":", 1)[0]
    return f"{repo}@sha256:{hashlib.sha256(normalized.encode()).hexdigest()}"


def container_id(pod: Mapping, name: str, restarts: int) -> str:
    m = meta(pod)
    key = f"{m.get('uid') or m.get('namespace', '') + '/' + m.get('name', '')}/{name}/{restarts}"
    return "containerd://" + hashlib.sha256(key.encode()).hexdigest()


# -- QoS -----------------------------------------------------------------------------------------

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
