"""describe pieces shared by Pods and pod templates: containers, volumes, tolerations, QoS."""

from __future__ import annotations

import math

from kubesvc.api.quantity import Quantity, resource_list
from kubesvc.api.selectors import format_label_selector
from kubesvc.printers.describe.prefix_writer import PrefixWriter
from kubesvc.printers.duration import rfc1123z


def _bool(value) -> str:
    return "true" if value else "false"


def describe_resources(w: PrefixWriter, resources: dict | None, level: int) -> None:
    for title in ("limits", "requests"):
        values = resource_list((resources or {}).get(title))
        if values:
            w.write(level, f"{title.capitalize()}:\n")
        for name in sorted(values):
            w.write(level + 1, f"{name}:\t{values[name]}\n")


def _port_string(ports: list[dict], field: str) -> str:
    """describeContainerPorts / describeContainerHostPorts: `6379/TCP (redis)` for a named port."""
    return ", ".join(f"{int(p.get(field) or 0)}/{p.get('protocol') or ''}"
                     + (f" ({p['name']})" if p.get("name") else "") for p in ports)


def _int_or_str(value) -> str:
    return "" if value is None else str(value)


def describe_probe(probe: dict) -> str:
    attrs = (f"delay={int(probe.get('initialDelaySeconds') or 0)}s "
             f"timeout={int(probe.get('timeoutSeconds') or 0)}s "
             f"period={int(probe.get('periodSeconds') or 0)}s "
             f"successThreshold={int(probe.get('successThreshold') or 0)} "
             f"failureThreshold={int(probe.get('failureThreshold') or 0)}")
    if probe.get("exec") is not None:
        return f"exec [{' '.join(probe['exec'].get('command') or [])}] {attrs}"
    if probe.get("httpGet") is not None:
        get = probe["httpGet"]
        host, port = get.get("host") or "", _int_or_str(get.get("port"))
        hostport = (f"[{host}]:{port}" if ":" in host else f"{host}:{port}") if port else host
        path = get.get("path") or ""
        if path and not path.startswith("/") and hostport:
            path = "/" + path
        return f"http-get {(get.get('scheme') or '').lower()}://{hostport}{path} {attrs}"
    if probe.get("tcpSocket") is not None:
        tcp = probe["tcpSocket"]
        return f"tcp-socket {tcp.get('host') or ''}:{_int_or_str(tcp.get('port'))} {attrs}"
    if probe.get("grpc") is not None:
        grpc = probe["grpc"]
        return f"grpc <pod>:{int(grpc.get('port') or 0)} {grpc.get('service') or ''} {attrs}"
    return f"unknown {attrs}"


def _state(w: PrefixWriter, title: str, state: dict, tz) -> None:
    if state.get("running") is not None:
        w.write(2, f"{title}:\tRunning\n")
        w.write(3, f"Started:\t{rfc1123z(state['running'].get('startedAt'), tz)}\n")
    elif state.get("waiting") is not None:
        w.write(2, f"{title}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w.write(3, f"Reason:\t{state['waiting']['reason']}\n")
    elif state.get("terminated") is not None:
        term = state["terminated"]
        w.write(2, f"{title}:\tTerminated\n")
        if term.get("reason"):
            w.write(3, f"Reason:\t{term['reason']}\n")
        if term.get("message"):
            w.write(3, f"Message:\t{term['message']}\n")
        w.write(3, f"Exit Code:\t{int(term.get('exitCode') or 0)}\n")
        if int(term.get("signal") or 0) > 0:
            w.write(3, f"Signal:\t{int(term['signal'])}\n")
        w.write(3, f"Started:\t{rfc1123z(term.get('startedAt'), tz)}\n")
        w.write(3, f"Finished:\t{rfc1123z(term.get('finishedAt'), tz)}\n")
    else:
        w.write(2, f"{title}:\tWaiting\n")


def _field_value(pod: dict | None, path: str) -> str:
    """kubectl's EnvValueRetriever: only metadata fields resolve; anything else is empty."""
    if pod is None:
        return ""
    md = pod.get("metadata") or {}
    for field in ("annotations", "labels"):
        prefix = f"metadata.{field}['"
        if path.startswith(prefix) and path.endswith("']"):
            return (md.get(field) or {}).get(path[len(prefix):-2], "")
        if path == f"metadata.{field}":
            items = sorted((md.get(field) or {}).items())
            return "\n".join(f'{k}="{v}"' for k, v in items)
    if path in ("metadata.name", "metadata.namespace", "metadata.uid"):
        return md.get(path.split(".")[1], "")
    return ""


def _resource_value(ref: dict, container: dict) -> str:
    resource = ref.get("resource") or ""
    kind, _, name = resource.partition(".")
    if kind not in ("limits", "requests") or not name:
        return ""
    divisor = Quantity.parse(ref["divisor"]) if ref.get("divisor") else Quantity.parse("1")
    if divisor.is_zero():
        divisor = Quantity.parse("1")
    qty = resource_list((container.get("resources") or {}).get(kind)).get(name, Quantity())
    if name == "cpu":
        return str(math.ceil(qty.milli_value() / divisor.milli_value()))
    return str(math.ceil(qty.int_value() / divisor.int_value()))


def _env(w: PrefixWriter, container: dict, pod: dict | None) -> None:
    env = container.get("env") or []
    w.write(2, "Environment:" + ("\t<none>" if not env else "") + "\n")
    for e in env:
        src = e.get("valueFrom")
        name = e.get("name", "")
        if src is None:
            for i, part in enumerate(str(e.get("value", "")).split("\n")):
                w.write(3, f"{name}:\t{part}\n" if i == 0 else f"\t{part}\n")
        elif src.get("fieldRef") is not None:
            ref = src["fieldRef"]
            value = _field_value(pod, ref.get("fieldPath") or "")
            source = f"{ref.get('apiVersion', '')}:{ref.get('fieldPath', '')}"
            w.write(3, f"{name}:\t{value} ({source})\n")
        elif src.get("resourceFieldRef") is not None:
            ref = src["resourceFieldRef"]
            value = _resource_value(ref, container)
            if value == "0" and ref.get("resource") in ("limits.cpu", "limits.memory"):
                value = "node allocatable"
            w.write(3, f"{name}:\t{value} ({ref.get('resource', '')})\n")
        elif src.get("secretKeyRef") is not None:
            ref = src["secretKeyRef"]
            w.write(3, f"{name}:\t<set to the key '{ref.get('key', '')}' in secret "
                       f"'{ref.get('name', '')}'>\tOptional: {_bool(ref.get('optional'))}\n")
        elif src.get("configMapKeyRef") is not None:
            ref = src["configMapKeyRef"]
            w.write(3, f"{name}:\t<set to the key '{ref.get('key', '')}' of config map "
                       f"'{ref.get('name', '')}'>\tOptional: {_bool(ref.get('optional'))}\n")


def _env_from(w: PrefixWriter, container: dict) -> None:
    w.write(2, "Environment Variables from:\n")
    for e in container.get("envFrom") or []:
        source, ref = "", {}
        if e.get("configMapRef") is not None:
            source, ref = "ConfigMap", e["configMapRef"]
        elif e.get("secretRef") is not None:
            source, ref = "Secret", e["secretRef"]
        if e.get("prefix"):
            source = f"{source} with prefix '{e['prefix']}'"
        w.write(3, f"{ref.get('name', '')}\t{source}\tOptional: {_bool(ref.get('optional'))}\n")


def _mounts(w: PrefixWriter, container: dict) -> None:
    mounts = container.get("volumeMounts") or []
    w.write(2, "Mounts:" + ("\t<none>" if not mounts else "") + "\n")
    for m in sorted(mounts, key=lambda m: m.get("mountPath", "")):
        flags = ["ro" if m.get("readOnly") else "rw"]
        if m.get("subPath"):
            flags.append(f'path="{m["subPath"]}"')
        w.write(3, f"{m.get('mountPath', '')} from {m.get('name', '')} ({','.join(flags)})\n")
    devices = container.get("volumeDevices") or []
    if devices:
        w.write(2, "Devices:\n")
        for d in sorted(devices, key=lambda d: d.get("devicePath", "")):
            w.write(3, f"{d.get('devicePath', '')} from {d.get('name', '')}\n")


def describe_containers(w: PrefixWriter, label: str, containers: list[dict],
                        statuses: list[dict] | None, pod: dict | None, space: str, tz) -> None:
    by_name = {s.get("name"): s for s in statuses or []}
    w.write(0, f"{space}{label}:{' <none>' if not containers else ''}\n")
    indent = " " if space else ""
    for c in containers:
        st = by_name.get(c.get("name"))
        w.write(1, f"{indent}{c.get('name', '')}:\n")
        if st is not None:
            w.write(2, f"Container ID:\t{st.get('containerID', '')}\n")
        w.write(2, f"Image:\t{c.get('image', '')}\n")
        if st is not None:
            w.write(2, f"Image ID:\t{st.get('imageID', '')}\n")
        ports = c.get("ports") or []
        for title, field in (("Port", "containerPort"), ("Host Port", "hostPort")):
            text = _port_string(ports, field)
            w.write(2, f"{title}s:\t{text}\n" if "," in text else f"{title}:\t{text or '<none>'}\n")
        for title in ("command", "args"):
            if c.get(title):
                w.write(2, f"{title.capitalize()}:\n")
                for item in c[title]:
                    for part in str(item).split("\n"):
                        w.write(3, f"{part}\n")
        if st is not None:
            _state(w, "State", st.get("state") or {}, tz)
            if (st.get("lastState") or {}).get("terminated") is not None:
                _state(w, "Last State", st["lastState"], tz)
            w.write(2, f"Ready:\t{'True' if st.get('ready') else 'False'}\n")
            w.write(2, f"Restart Count:\t{int(st.get('restartCount') or 0)}\n")
        describe_resources(w, c.get("resources"), 2)
        for title, field in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"),
                             ("Startup", "startupProbe")):
            if c.get(field) is not None:
                w.write(2, f"{title}:\t{describe_probe(c[field])}\n")
        if c.get("envFrom"):
            _env_from(w, c)
        _env(w, c, pod)
        _mounts(w, c)


_VOLUME_TYPES = {
    "emptyDir": "EmptyDir (a temporary directory that shares a pod's lifetime)",
    "hostPath": "HostPath (bare host directory volume)",
    "secret": "Secret (a volume populated by a Secret)",
    "configMap": "ConfigMap (a volume populated by a ConfigMap)",
    "persistentVolumeClaim": "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in "
                             "the same namespace)",
    "nfs": "NFS (an NFS mount that lasts the lifetime of a pod)",
    "csi": "CSI (a Container Storage Interface (CSI) volume source)",
    "image": "Image (a container image or OCI artifact)",
    "projected": "Projected (a volume that contains injected data from multiple sources)",
    "downwardAPI": "DownwardAPI (a volume populated by information about the pod)",
}


def _volume_fields(kind: str, src: dict) -> list[tuple[str, object]]:
    if kind == "emptyDir":
        size = src.get("sizeLimit")
        qty = Quantity.parse(size) if size else None
        limit = str(qty) if qty is not None and qty.value > 0 else "<unset>"
        return [("Medium", src.get("medium") or ""), ("SizeLimit", limit)]
    if kind == "hostPath":
        kind_name = "<none>" if src.get("type") is None else src["type"]
        return [("Path", src.get("path", "")), ("HostPathType", kind_name)]
    if kind == "secret":
        return [("SecretName", src.get("secretName", "")), ("Optional", _bool(src.get("optional")))]
    if kind == "configMap":
        return [("Name", src.get("name", "")), ("Optional", _bool(src.get("optional")))]
    if kind == "persistentVolumeClaim":
        return [("ClaimName", src.get("claimName", "")), ("ReadOnly", _bool(src.get("readOnly")))]
    if kind == "nfs":
        return [("Server", src.get("server", "")), ("Path", src.get("path", "")),
                ("ReadOnly", _bool(src.get("readOnly")))]
    if kind == "csi":
        return [("Driver", src.get("driver", "")), ("FSType", src.get("fsType") or ""),
                ("ReadOnly", _bool(src.get("readOnly")))]
    if kind == "image":
        return [("Reference", src.get("reference", "")),
                ("PullPolicy", src.get("pullPolicy") or "")]
    return []


def _projected(w: PrefixWriter, src: dict) -> None:
    for source in src.get("sources") or []:
        if source.get("secret") is not None:
            ref = source["secret"]
            w.write(2, f"SecretName:\t{ref.get('name', '')}\n"
                       f"    Optional:\t{_bool(ref.get('optional'))}\n")
        elif source.get("downwardAPI") is not None:
            w.write(2, "DownwardAPI:\ttrue\n")
        elif source.get("configMap") is not None:
            ref = source["configMap"]
            w.write(2, f"ConfigMapName:\t{ref.get('name', '')}\n"
                       f"    Optional:\t{_bool(ref.get('optional'))}\n")
        elif source.get("serviceAccountToken") is not None:
            seconds = source["serviceAccountToken"].get("expirationSeconds")
            w.write(2, f"TokenExpirationSeconds:\t{int(seconds or 0)}\n")


def _csi_attributes(w: PrefixWriter, attributes: dict | None) -> None:
    w.write(2, "VolumeAttributes:\t")
    if not attributes:
        w.line("<none>")
        return
    for i, key in enumerate(sorted(attributes)):
        if i:
            w.write(2, "")
            w.write(2, "\t")
        line = f"{key}={attributes[key]}"
        w.write(2, f"{line[:140]}...\n" if len(line) > 140 else f"{line}\n")


def describe_volumes(w: PrefixWriter, volumes: list[dict] | None, space: str) -> None:
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for vol in volumes:
        w.write(1, f"{' ' if space else ''}{vol.get('name', '')}:\n")
        kind = next((k for k in _VOLUME_TYPES if vol.get(k) is not None), None)
        if kind is None:
            w.write(1, "<unknown>\n")
            continue
        src = vol[kind] or {}
        fields = _volume_fields(kind, src)
        text = f"Type:\t{_VOLUME_TYPES[kind]}\n" + "".join(f"    {k}:\t{v}\n" for k, v in fields)
        if kind == "downwardAPI":
            text += "    Items:\n"
        w.write(2, text)
        if kind == "projected":
            _projected(w, src)
        elif kind == "downwardAPI":
            for item in src.get("items") or []:
                ref = item.get("fieldRef") or item.get("resourceFieldRef")
                if item.get("fieldRef") is not None:
                    w.write(3, f"{ref.get('fieldPath', '')} -> {item.get('path', '')}\n")
                if item.get("resourceFieldRef") is not None:
                    resource = item["resourceFieldRef"].get("resource", "")
                    w.write(3, f"{resource} -> {item.get('path', '')}\n")
        elif kind == "csi":
            _csi_attributes(w, src.get("volumeAttributes"))


def tolerations_multiline(w: PrefixWriter, title: str, tolerations: list[dict] | None) -> None:
    w.write(0, f"{title}:\t")
    if not tolerations:
        w.line("<none>")
        return
    for i, t in enumerate(sorted(tolerations, key=lambda t: t.get("key") or "")):
        if i:
            w.write(0, "\t")
        key, value, effect = t.get("key") or "", t.get("value") or "", t.get("effect") or ""
        text = key + (f"={value}" if value else "") + (f":{effect}" if effect else "")
        if t.get("operator") == "Exists" and not value:
            text += " op=Exists" if key or effect else "op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {int(t['tolerationSeconds'])}s"
        w.write(0, text + "\n")


def topology_spread(w: PrefixWriter, constraints: list[dict] | None, space: str) -> None:
    if not constraints:
        return
    w.write(0, f"{space}Topology Spread Constraints:\t")
    for i, tsc in enumerate(sorted(constraints, key=lambda c: c.get("topologyKey") or "")):
        if i:
            w.write(0, space)
            w.write(0, "\t")
        text = (f"{tsc.get('topologyKey', '')}:{tsc.get('whenUnsatisfiable', '')} "
                f"when max skew {int(tsc.get('maxSkew') or 0)} is exceeded")
        if tsc.get("labelSelector") is not None:
            text += f" for selector {format_label_selector(tsc['labelSelector'])}"
        w.write(0, text + "\n")


def qos_class(pod: dict) -> str:
    """qos.GetPodQOS: status.qosClass when set, else computed from cpu/memory requests/limits."""
    if (pod.get("status") or {}).get("qosClass"):
        return pod["status"]["qosClass"]
    spec = pod.get("spec") or {}
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    guaranteed = True
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        res = c.get("resources") or {}
        for target, values in ((requests, res.get("requests")), (limits, res.get("limits"))):
            for name, q in resource_list(values).items():
                if name in ("cpu", "memory") and q.value > 0:
                    target[name] = target[name].add(q) if name in target else q
        found = {n for n, q in resource_list(res.get("limits")).items()
                 if n in ("cpu", "memory") and q.value > 0}
        if found != {"cpu", "memory"}:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(n in limits and limits[n].value == q.value for n, q in requests.items()):
        if len(requests) == len(limits):
            return "Guaranteed"
    return "Burstable"
