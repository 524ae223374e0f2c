"""Object builders shared by the tests: keyword arguments in, plain dicts out.

Each builder makes the smallest object the code under test accepts, with the fields a real
API server would have filled in where tests rely on them (uids, cluster IPs). Tests that need
more pass the extra fields as keyword arguments (`**spec`) or edit the returned dict."""

from __future__ import annotations

DEFAULT = object()  # "use the builder's default" where None has a meaning of its own


def service_port(name: str | None = "http", port: int = 80, target_port=DEFAULT,
                 protocol: str = "TCP", *, node_port: int | None = None,
                 app_protocol: str | None = None) -> dict:
    """One entry of a Service's spec.ports (targetPort defaults to the port's name)."""
    out: dict = {"port": port}
    if name is not None:
        out = {"name": name, **out}
    target = name if target_port is DEFAULT else target_port
    if target is not None:
        out["targetPort"] = target
    out["protocol"] = protocol
    if node_port is not None:
        out["nodePort"] = node_port
    if app_protocol:
        out["appProtocol"] = app_protocol
    return out


def service(name: str = "web", *, namespace: str = "default", selector=DEFAULT, ports=None,
            cluster_ip: str | None = "10.96.0.10", families=("IPv4",), labels=None,
            annotations=None, uid: str | None = "svc-uid", **spec) -> dict:
    """A Service as the API server stores it: selector app=NAME and one http port unless told,
    a single-stack cluster IP (cluster_ip=None: none yet, as before allocation)."""
    body: dict = {}
    if cluster_ip is not None:
        body["clusterIP"] = cluster_ip
    if families:
        body["ipFamilies"] = list(families)
    body["ports"] = [service_port()] if ports is None else ports
    body.update(spec)
    if selector is DEFAULT:
        body["selector"] = {"app": name}
    elif selector is not None:
        body["selector"] = selector
    metadata: dict = {"name": name, "namespace": namespace}
    if uid:
        metadata["uid"] = uid
    if labels:
        metadata["labels"] = labels
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": body}


def pod(name: str = "web-0", *, ip: str | None = "10.244.1.5", ips=None, namespace="default",
        labels=None, app: str = "web", node: str | None = "node-a", ready: bool | None = True,
        phase: str = "Running", deleting: bool = False, container: str = "main",
        container_ports=(("http", 8080, "TCP"),), uid=DEFAULT, **spec) -> dict:
    """A scheduled, running Pod: labels app=APP unless `labels`, ready unless told (None: no
    Ready condition at all), IPs from `ip` or the list `ips`, ports as (name, number, protocol)."""
    metadata: dict = {"name": name, "namespace": namespace}
    uid = f"uid-{name}" if uid is DEFAULT else uid
    if uid:
        metadata["uid"] = uid
    metadata["labels"] = {"app": app} if labels is None else labels
    if deleting:
        metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    ports = [{"name": n, "containerPort": c, "protocol": p} for n, c, p in container_ports]
    body: dict = {"containers": [{"name": container, "ports": ports}]}
    if node:
        body["nodeName"] = node
    body.update(spec)
    status: dict = {"phase": phase, "conditions": []}
    if ready is not None:
        status["conditions"].append({"type": "Ready", "status": "True" if ready else "False"})
    ips = ([ip] if ip else []) if ips is None else ips
    if ips:
        status["podIP"], status["podIPs"] = ips[0], [{"ip": i} for i in ips]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": body,
            "status": status}


def node(name: str = "node-a", *, zone: str | None = None, labels=None, internal_ip=None,
         pod_cidr: str | None = None, **spec) -> dict:
    """A Node with an optional zone label, InternalIP/Hostname addresses and pod CIDR."""
    all_labels = {**({"topology.kubernetes.io/zone": zone} if zone else {}), **(labels or {})}
    out: dict = {"apiVersion": "v1", "kind": "Node",
                 "metadata": {"name": name, "labels": all_labels}}
    body = {**({"podCIDR": pod_cidr} if pod_cidr else {}), **spec}
    if body:
        out["spec"] = body
    if internal_ip:
        out["status"] = {"addresses": [{"type": "InternalIP", "address": internal_ip},
                                       {"type": "Hostname", "address": name}]}
    return out


def pod_template(app: str = "web", *, image: str = "nginx:1.25", **spec) -> dict:
    """A workload's spec.template: labels app=APP, one container named after the app."""
    return {"metadata": {"labels": {"app": app}},
            "spec": {"containers": [{"name": app, "image": image}], **spec}}


def _workload(kind: str, name: str, namespace: str, spec: dict, **metadata) -> dict:
    return {"apiVersion": "apps/v1", "kind": kind,
            "metadata": {"name": name, "namespace": namespace, **metadata}, "spec": spec}


def deployment(name: str = "web", *, replicas: int = 3, namespace: str = "default",
               **spec) -> dict:
    return _workload("Deployment", name, namespace, {
        "replicas": replicas, "selector": {"matchLabels": {"app": name}},
        "template": pod_template(name), **spec})


def replicaset(name: str = "rs", *, replicas: int = 2, namespace: str = "default",
               **spec) -> dict:
    """A stored ReplicaSet (uid, generation and resourceVersion set, as the API server does)."""
    return _workload("ReplicaSet", name, namespace, {
        "replicas": replicas, "selector": {"matchLabels": {"app": name}},
        "template": pod_template(name), **spec},
        uid=f"uid-{name}", generation=1, resourceVersion="1")


def statefulset(name: str = "db", *, replicas: int = 3, namespace: str = "default",
                **spec) -> dict:
    return _workload("StatefulSet", name, namespace, {
        "replicas": replicas, "serviceName": name, "selector": {"matchLabels": {"app": name}},
        "template": pod_template(name), **spec})


def daemonset(name: str = "agent", *, namespace: str = "kube-system", **spec) -> dict:
    return _workload("DaemonSet", name, namespace, {
        "selector": {"matchLabels": {"app": name}}, "template": pod_template(name), **spec})


def ip_address_pool(name: str, *addresses: str, auto_assign: bool | None = None,
                    avoid_buggy_ips: bool | None = None, service_allocation: dict | None = None,
                    namespace: str = "metallb-system", labels: dict | None = None) -> dict:
    """A MetalLB IPAddressPool handing out `addresses` (CIDRs or ranges)."""
    spec: dict = {"addresses": list(addresses)}
    for key, value in (("autoAssign", auto_assign), ("avoidBuggyIPs", avoid_buggy_ips),
                       ("serviceAllocation", service_allocation)):
        if value is not None:
            spec[key] = value
    metadata = {"name": name, "namespace": namespace, **({"labels": labels} if labels else {})}
    return {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool", "metadata": metadata,
            "spec": spec}


def advertisement(kind: str = "L2Advertisement", name: str = "adv", *,
                  namespace: str = "metallb-system", **spec) -> dict:
    """A MetalLB L2Advertisement or BGPAdvertisement."""
    return {"apiVersion": "metallb.io/v1beta1", "kind": kind,
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def endpoint_slice(name: str = "web-abcde", endpoints=(), ports=(), *,
                   namespace: str = "default", service: str | None = "web",
                   address_type: str = "IPv4") -> dict:
    """An EndpointSlice labelled for `service` (None: no service label), as a user or another
    controller writes it (no managed-by label)."""
    labels = {"kubernetes.io/service-name": service} if service else {}
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "addressType": address_type,  # None stays None: the API allows a nil list
            "endpoints": None if endpoints is None else list(endpoints),
            "ports": None if ports is None else list(ports)}


def event(reason: str = "Scheduled", *, involved: dict | None = None, message: str = "",
          type: str = "Normal", count: int = 1, first: str = "2025-12-31T23:55:00Z",
          last: str | None = None, component: str = "default-scheduler", host: str = "",
          name: str | None = None, namespace: str | None = None, **extra) -> dict:
    """A core/v1 Event as client-go's recorder writes it: involvedObject{kind,namespace,name,
    uid}, count, first/lastTimestamp, source{component,host}, reportingComponent. `involved`
    is the object it is about (its kind and metadata are copied into the reference)."""
    obj = involved or pod()
    md = obj.get("metadata") or {}
    ref = {"kind": obj.get("kind", ""), "name": md.get("name", ""),
           **({"namespace": md["namespace"]} if md.get("namespace") else {}),
           **({"uid": md["uid"]} if md.get("uid") else {})}
    ns = namespace if namespace is not None else (md.get("namespace") or "default")
    source = {"component": component, **({"host": host} if host else {})}
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name or f"{md.get('name', '')}.{reason.lower()}",
                         "namespace": ns},
            "involvedObject": ref, "reason": reason, "message": message, "type": type,
            "count": count, "firstTimestamp": first, "lastTimestamp": last or first,
            "source": source, "reportingComponent": component, **extra}
