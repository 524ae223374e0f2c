"""Service builders shared by the endpoint controller tests (slices and legacy Endpoints)."""


def port(name="http", number=80, target="http", protocol="TCP", app=None):
    out = {"name": name, "port": number, "targetPort": target, "protocol": protocol}
    if app:
        out["appProtocol"] = app
    return out


def svc(
    name="web",
    ns="default",
    selector="default",
    ports=None,
    cluster_ip="10.96.0.10",
    families=("IPv4",),
    labels=None,
    uid="svc-uid",
    **spec,
):
    body = {
        "clusterIP": cluster_ip,
        "ipFamilies": list(families),
        "ports": [port()] if ports is None else ports,
        **spec,
    }
    if selector == "default":
        body["selector"] = {"app": name}
    elif selector is not None:
        body["selector"] = selector
    metadata = {"name": name, "namespace": ns, "uid": uid}
    if labels:
        metadata["labels"] = labels
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": body}
