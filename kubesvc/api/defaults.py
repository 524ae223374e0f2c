"""What kube-apiserver fills in for pods and workloads before it stores them.

Defaulting follows pkg/apis/core/v1/defaults.go and pkg/apis/apps/v1/defaults.go; `admit_pod`
adds what the admission plugins every kubeadm/kind cluster enables write into a new pod
(ServiceAccount, DefaultTolerationSeconds, Priority). Every function returns a new dict and is
idempotent, so applying it to an already-stored object changes nothing.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

from kubesvc.api.objects import clone, meta, stable_suffix

SA_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
DEFAULT_TOLERATION_SECONDS = 300
SYSTEM_PRIORITIES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}


# -- containers and pod specs --------------------------------------------------------------------

def image_pull_policy(image: str) -> str:
    """SetDefaults_Container: Always for `:latest` or no tag at all, else IfNotPresent
    (a digest without a tag counts as tagged)."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.partition(":")[2] if ":" in last else ("" if digest else "latest")
    return "Always" if tag == "latest" else "IfNotPresent"


def _default_probe(probe: Mapping | None) -> dict | None:
    if probe is None:
        return None
    out = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1,
           "failureThreshold": 3, **probe}
    if "httpGet" in out:
        out["httpGet"] = _default_http_get(out["httpGet"])
    if "grpc" in out:  # GRPCAction.service: `+default=""` (the generated defaulter)
        out["grpc"] = {"service": "", **out["grpc"]}
    return out


def _default_http_get(action: Mapping) -> dict:
    return {**action, "path": action.get("path") or "/", "scheme": action.get("scheme") or "HTTP"}


def _default_env(env: list) -> list:
    """The list itself when every fieldRef names its apiVersion already (a restored pod's, or
    the caller's own copy's): nothing to copy."""
    for var in env:
        ref = (var.get("valueFrom") or {}).get("fieldRef")
        if ref is not None and not ref.get("apiVersion"):
            break
    else:
        return env
    out = []
    for var in env:
        ref = (var.get("valueFrom") or {}).get("fieldRef")
        if ref is not None and not ref.get("apiVersion"):
            ref = {"apiVersion": "v1", **ref}
            var = {**var, "valueFrom": {**var["valueFrom"], "fieldRef": ref}}
        out.append(var)
    return out


def default_container(container: Mapping, copy: bool = True) -> dict:
    """SetDefaults_Container and the defaults of what a container holds. `copy=False`: the
    caller's own dict (nothing else holds it) is defaulted in place."""
    c = clone(dict(container)) if copy or type(container) is not dict else container
    if "imagePullPolicy" not in c:  # (setdefault would work out the default for nothing)
        c["imagePullPolicy"] = image_pull_policy(c.get("image", ""))
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    c.setdefault("resources", {})  # a struct, not a pointer: it always serialises
    ports = c.get("ports")
    if ports:
        for p in ports:
            if type(p) is not dict or not p.get("protocol"):
                c["ports"] = [{**p, "protocol": p.get("protocol") or "TCP"} for p in ports]
                break
        # (else each port already names its protocol: the same list, as the copies would be)
    env = c.get("env")
    if env:
        c["env"] = _default_env(env)
    for key in _PROBES:
        if key in c and c[key] is not None:
            c[key] = _default_probe(c[key])
    lifecycle = c.get("lifecycle")
    if lifecycle:
        for hook in ("postStart", "preStop"):
            handler = lifecycle.get(hook)
            if handler and "httpGet" in handler:
                lifecycle[hook] = {**handler, "httpGet": _default_http_get(handler["httpGet"])}
    return c


_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


def _default_volume(volume: Mapping, copy: bool = True) -> dict:
    v = clone(dict(volume)) if copy or type(volume) is not dict else volume
    sources = [k for k in v if k != "name"]
    if not sources:
        v["emptyDir"] = {}  # SetDefaults_Volume
    for key in ("secret", "configMap", "downwardAPI", "projected"):
        if key in v:
            v[key] = {"defaultMode": 420, **(v[key] or {})}
    if "hostPath" in v:
        v["hostPath"] = {"type": "", **v["hostPath"]}
    if "downwardAPI" in v and v["downwardAPI"].get("items"):
        v["downwardAPI"]["items"] = _default_env_like(v["downwardAPI"]["items"])
    for src in (v.get("projected") or {}).get("sources") or []:
        if "serviceAccountToken" in src:
            src["serviceAccountToken"] = {"expirationSeconds": 3600,
                                          **src["serviceAccountToken"]}
        if (src.get("downwardAPI") or {}).get("items"):
            src["downwardAPI"]["items"] = _default_env_like(src["downwardAPI"]["items"])
    return v


def _default_env_like(items: list) -> list:
    return [{**i, "fieldRef": {"apiVersion": "v1", **i["fieldRef"]}} if i.get("fieldRef") else i
            for i in items]


_COPIED_BELOW = frozenset(("containers", "initContainers", "ephemeralContainers", "volumes"))


def default_pod_spec(spec: Mapping, copy: bool = True) -> dict:
    """SetDefaults_PodSpec plus its containers and volumes (what a pod template gets).
    `copy=False`: see default_pod."""
    # a copy: containers and volumes are copied by their own defaulting below, once
    s = {k: v if v and k in _COPIED_BELOW else clone(v) for k, v in spec.items()} \
        if copy or type(spec) is not dict else spec
    s.setdefault("dnsPolicy", "ClusterFirst")
    s.setdefault("restartPolicy", "Always")
    s.setdefault("securityContext", {})
    s.setdefault("terminationGracePeriodSeconds", 30)
    s.setdefault("schedulerName", "default-scheduler")
    for key in ("containers", "initContainers", "ephemeralContainers"):
        if s.get(key):
            s[key] = [default_container(c, copy) for c in s[key]]
    if s.get("volumes"):
        s["volumes"] = [_default_volume(v, copy) for v in s["volumes"]]
    return s


def _requests_from_limits(container: dict) -> None:
    res = container.get("resources") or {}
    limits = res.get("limits")
    if limits is not None:
        requests = res.get("requests")
        # requests naming the same resources in the same order: the merge would give an equal
        # dict, keys in the same order (the container's own, as the caller's pod is)
        if type(requests) is dict and type(limits) is dict and tuple(requests) == tuple(limits):
            return
        res["requests"] = {**limits, **(requests or {})}


def _host_network_ports(container: dict) -> None:
    for port in container.get("ports") or []:
        port.setdefault("hostPort", port.get("containerPort"))


def default_pod(pod: Mapping, copy: bool = True) -> dict:
    """SetDefaults_Pod on top of the pod spec defaults: requests default to limits,
    enableServiceLinks true, host ports follow container ports on the host network.
    `copy=False`: the pod is the caller's own (nothing else holds any part of it, as a copy
    a bulk import decoded afresh): defaulted in place, not copied (a restored pod's copy was
    half of its defaulting's cost)."""
    # a copy (the spec is copied by default_pod_spec, once)
    p = {k: v if k == "spec" or not copy else clone(v) for k, v in pod.items()}
    spec = p["spec"] = default_pod_spec(p.get("spec") or {}, copy)
    spec.setdefault("enableServiceLinks", True)
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        _requests_from_limits(c)
        if spec.get("hostNetwork"):
            _host_network_ports(c)
    _plural_ips(p.get("status"))
    return p


def _plural_ips(status: dict | None) -> None:
    """Convert_v1_PodStatus_To_core_PodStatus: a status with `podIP`/`hostIP` but no
    `podIPs`/`hostIPs` gets the one-item lists the API server stores and serves."""
    if not status:
        return
    for single, plural in (("podIP", "podIPs"), ("hostIP", "hostIPs")):
        if status.get(single) and not status.get(plural):
            status[plural] = [{"ip": status[single]}]


def default_pod_template(template: Mapping | None) -> dict:
    t = clone(dict(template or {}))
    t["spec"] = default_pod_spec(t.get("spec") or {})
    return t


# -- admission -----------------------------------------------------------------------------------

def admit_pod(pod: Mapping, *, automount_service_account_token: bool = True) -> dict:
    """The mutating admission a new pod goes through on a kind cluster: ServiceAccount (the
    `default` account and its projected token volume `kube-api-access-xxxxx`),
    DefaultTolerationSeconds (300 s for not-ready/unreachable) and Priority."""
    p = clone(dict(pod))
    spec = p.setdefault("spec", {})
    spec["serviceAccountName"] = spec.get("serviceAccountName") or "default"
    spec["serviceAccount"] = spec["serviceAccountName"]  # the deprecated mirror field
    if spec.get("automountServiceAccountToken", automount_service_account_token):
        _mount_token(p)
    spec["tolerations"] = _default_tolerations(spec.get("tolerations") or [])
    spec.setdefault("priority", SYSTEM_PRIORITIES.get(spec.get("priorityClassName"), 0))
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    return p


def _mount_token(pod: dict) -> None:
    spec = pod["spec"]
    containers = (spec.get("initContainers") or []) + (spec.get("containers") or [])
    if any(m.get("mountPath") == SA_MOUNT_PATH
           for c in containers for m in c.get("volumeMounts") or []):
        return
    m = meta(pod)
    seed = f"{m.get('namespace', '')}/{m.get('name') or m.get('generateName', '')}"
    name = "kube-api-access-" + stable_suffix("sa/" + seed)
    spec.setdefault("volumes", []).append({"name": name, "projected": {
        "defaultMode": 420,
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt",
                           "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}})
    for c in containers:
        c.setdefault("volumeMounts", []).append(
            {"name": name, "mountPath": SA_MOUNT_PATH, "readOnly": True})


def _default_tolerations(tolerations: list) -> list:
    out = list(tolerations)
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if not any(t.get("key", "") in (key, "") and t.get("effect", "") in ("NoExecute", "")
                   for t in tolerations):
            out.append({"key": key, "operator": "Exists", "effect": "NoExecute",
                        "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})
    return out


# -- workloads -----------------------------------------------------------------------------------

def _with_template(obj: Mapping) -> tuple[dict, dict]:
    o = clone(dict(obj))
    spec = o.setdefault("spec", {})
    if spec.get("template") is not None:
        spec["template"] = default_pod_template(spec["template"])
    return o, spec


def default_deployment(deploy: Mapping) -> dict:
    """apps/v1 SetDefaults_Deployment."""
    o, spec = _with_template(deploy)
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    return o


def default_replicaset(rs: Mapping) -> dict:
    o, spec = _with_template(rs)
    spec.setdefault("replicas", 1)
    return o


def default_replication_controller(rc: Mapping) -> dict:
    """core/v1 SetDefaults_ReplicationController: selector and labels from the template."""
    o, spec = _with_template(rc)
    labels = (spec.get("template") or {}).get("metadata", {}).get("labels")
    if labels:
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        if not (o.get("metadata") or {}).get("labels"):
            o.setdefault("metadata", {})["labels"] = dict(labels)
    spec.setdefault("replicas", 1)
    return o


def default_statefulset(sts: Mapping) -> dict:
    """apps/v1 SetDefaults_StatefulSet, and the PVC defaults of its claim templates."""
    o, spec = _with_template(sts)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {}).setdefault("partition", 0)
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    policy = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
    policy.setdefault("whenDeleted", "Retain")
    policy.setdefault("whenScaled", "Retain")
    for claim in spec.get("volumeClaimTemplates") or []:
        claim.setdefault("apiVersion", "v1")
        claim.setdefault("kind", "PersistentVolumeClaim")
        claim.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
        claim.setdefault("status", {}).setdefault("phase", "Pending")
    return o


def default_daemonset(ds: Mapping) -> dict:
    """apps/v1 SetDefaults_DaemonSet."""
    o, spec = _with_template(ds)
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", 1)
        rolling.setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    return o


# -- configuration and autoscaling ---------------------------------------------------------------

def default_secret(secret: Mapping) -> dict:
    """core/v1 SetDefaults_Secret (type Opaque) and the v1 conversion, which folds `stringData`
    into `data` (base64), a `stringData` key winning over the same `data` key."""
    o = clone(dict(secret))
    if not o.get("type"):
        o["type"] = "Opaque"
    string_data = o.pop("stringData", None)
    if string_data:
        o["data"] = {**(o.get("data") or {}),
                     **{k: base64.b64encode(str(v).encode()).decode()
                        for k, v in string_data.items()}}
    return o


_SCALE_UP = {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
             "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                          {"type": "Percent", "value": 100, "periodSeconds": 15}]}
_SCALE_DOWN = {"selectPolicy": "Max",
               "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}


def default_hpa(hpa: Mapping) -> dict:
    """autoscaling/v2 SetDefaults_HorizontalPodAutoscaler (minReplicas 1, a CPU 80% metric when
    none is given, the behavior's missing rules from GenerateHPAScale{Up,Down}Rules); v1 objects
    get only minReplicas."""
    o = clone(dict(hpa))
    spec = o.setdefault("spec", {})
    spec.setdefault("minReplicas", 1)
    if not str(o.get("apiVersion", "")).endswith("/v2"):
        return o
    if not spec.get("metrics"):
        spec["metrics"] = [{"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": 80}}}]
    behavior = spec.get("behavior")
    if behavior is not None:
        for key, default in (("scaleUp", _SCALE_UP), ("scaleDown", _SCALE_DOWN)):
            rules = behavior.get(key) or {}
            behavior[key] = {**clone(default), **{k: v for k, v in rules.items()
                                                  if v is not None}}
    return o
