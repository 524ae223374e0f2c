"""Objects that kubectl's imperative verbs build: `create service ...`, `create deployment`,
`expose` (kubectl pkg/cmd/create/create_service.go, create_deployment.go, pkg/cmd/expose)."""

from __future__ import annotations

from kubesvc.api.errors import ClientError, UsageError

SERVICE_TYPES = {"clusterip": "ClusterIP", "nodeport": "NodePort",
                 "loadbalancer": "LoadBalancer", "externalname": "ExternalName"}


def parse_tcp(specs: list[str]) -> list[dict]:
    """--tcp=PORT[:TARGET]: named `PORT-TARGET` (or `PORT`), protocol TCP, as kubectl does."""
    ports = []
    for spec in specs:
        port, _, target = spec.partition(":")
        try:
            number = int(port)
            target_value: int | str = int(target) if target.isdigit() else (target or number)
        except ValueError:
            raise ClientError(f'invalid --tcp value "{spec}": expected PORT[:TARGET]') from None
        name = f"{port}-{target}" if target else port
        ports.append({"name": name, "port": number, "protocol": "TCP",
                      "targetPort": target_value})
    return ports


def service(kind: str, name: str, tcp: list[str], node_port: int | None = None,
            external_name: str | None = None, cluster_ip: str | None = None) -> dict:
    svc_type = SERVICE_TYPES[kind]
    spec: dict = {}
    if svc_type == "ExternalName":
        if not external_name:
            raise UsageError("--external-name must be specified")
        spec["externalName"] = external_name
    else:
        if not tcp and cluster_ip != "None":
            raise ClientError("at least one tcp port specifier must be provided")
        if tcp:
            spec["ports"] = parse_tcp(tcp)
        if node_port:
            if svc_type != "NodePort":
                raise UsageError("--node-port is only allowed for nodeport services")
            spec["ports"][0]["nodePort"] = node_port
        if cluster_ip:
            spec["clusterIP"] = cluster_ip
    spec["selector"] = {"app": name}
    spec["type"] = svc_type
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"labels": {"app": name}, "name": name}, "spec": spec,
            "status": {"loadBalancer": {}}}


def deployment(name: str, images: list[str], replicas: int = 1, port: int | None = None) -> dict:
    if not images:
        raise UsageError("required flag(s) \"image\" not set")
    containers = []
    for image in images:
        cname = image.split("/")[-1].split(":")[0].split("@")[0]
        container: dict = {"image": image, "name": cname, "resources": {}}
        if port is not None:
            container["ports"] = [{"containerPort": port}]
        containers.append(container)
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"labels": labels, "name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
                     "strategy": {},
                     "template": {"metadata": {"labels": dict(labels)},
                                  "spec": {"containers": containers}}},
            "status": {}}


def selector_of(obj: dict) -> dict:
    """MapBasedSelectorForObject: the selector a Service exposing `obj` gets."""
    kind, spec = obj["kind"], obj.get("spec") or {}
    if kind == "Pod":
        labels = obj["metadata"].get("labels") or {}
        if not labels:
            raise ClientError('the pod has no labels and cannot be exposed')
        return dict(labels)
    if kind in ("Service", "ReplicationController"):
        if not spec.get("selector"):
            raise ClientError(f"the {kind.lower()} has no pod selector set")
        return dict(spec["selector"])
    if kind in ("Deployment", "ReplicaSet"):
        ls = spec.get("selector") or {}
        if ls.get("matchExpressions"):
            raise ClientError("couldn't retrieve selectors via --selector flag or introspection: "
                              "expressions cannot be exposed as a map-based selector")
        return dict(ls.get("matchLabels") or {})
    raise ClientError(f"cannot expose a {kind}")


def ports_of(obj: dict) -> list[dict]:
    """PortsForObject/ProtocolsForObject: container ports of the pod (template)."""
    kind, spec = obj["kind"], obj.get("spec") or {}
    if kind == "Service":
        return [{"port": p["port"], "protocol": p.get("protocol", "TCP")}
                for p in spec.get("ports") or []]
    pod_spec = spec if kind == "Pod" else (spec.get("template") or {}).get("spec") or {}
    return [{"port": cp["containerPort"], "protocol": cp.get("protocol", "TCP")}
            for c in pod_spec.get("containers") or [] for cp in c.get("ports") or []]


def expose(obj: dict, name: str | None, port: int | None, target_port: str | None,
           svc_type: str | None, protocol: str | None, selector: dict | None,
           external_ip: str | None = None) -> dict:
    found = [{"port": port, "protocol": protocol or "TCP"}] if port else ports_of(obj)
    if not found:
        raise ClientError("couldn't find port via --port flag or introspection")
    ports = []
    for i, p in enumerate(found):
        entry: dict = {"port": p["port"], "protocol": protocol or p["protocol"]}
        if len(found) > 1:
            entry = {"name": f"port-{i + 1}", **entry}
        entry["targetPort"] = (int(target_port) if target_port and target_port.isdigit()
                               else target_port or p["port"])
        ports.append(entry)
    spec: dict = {"ports": ports, "selector": selector or selector_of(obj)}
    if svc_type:
        spec["type"] = svc_type
    if external_ip:
        spec["externalIPs"] = [external_ip]
    meta: dict = {"name": name or obj["metadata"]["name"]}
    if obj["metadata"].get("labels"):
        meta = {"labels": dict(obj["metadata"]["labels"]), **meta}
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec,
            "status": {"loadBalancer": {}}}
