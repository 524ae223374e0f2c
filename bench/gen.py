"""Deterministic bulk data for the benchmark: what `kubectl get ns,nodes,svc,pods -A -o yaml`
returns for a large cluster whose pods belong to Deployments.

At scale 1.0: 20 Namespaces, 200 Nodes, 10,000 Services and 50,000 Pods (60,220 objects).
* Nodes carry a live status (Ready, InternalIP, capacity), a podCIDR (10.244.K.0/24; past
  256 nodes 10.245.K-256.0/24 ...) and zone labels; they are named by the pods, so applying
  the dump needs no scheduling.
* Pods carry what a Deployment's pods carry (app, tier, pod-template-hash, env labels; an owner
  reference to their ReplicaSet) and a live status: phase Running, nodeName, podIP(s) from
  their node's podCIDR, conditions, containerStatuses. kubesvc keeps a manifest's status, so an
  apply of this data exercises endpoint computation but not scheduling or pod IP allocation.
* Service i lives in ns-(i % 20) and selects {app: app-i, tier: T(i)}; app i has 5 pods, 4 of
  them in that tier, so every selector matches exactly 4 pods (40,000 endpoints at scale 1).
  1-3 ports each; 1 Service in 13 is a NodePort (unique node ports), the rest ClusterIP, with
  cluster IPs from 10.96.16.0 up (clear of 10.96.0.1 and kube-dns at 10.96.0.10).
Every object validates against the strict upstream v1.37 schema (checked by run.py on a
sample with kubernetes-validate). Same scale, same bytes: the files are cached by content hash.
"""

from __future__ import annotations

import json
import random

N_NS = 20
TIERS = ("frontend", "backend", "cache")
ENVS = ("prod", "staging", "dev")
ZONES = ("zone-a", "zone-b", "zone-c")
PODS_PER_NODE = 250  # fits a /24 podCIDR (.2 .. .251)
ALNUM = "bcdfghjklmnpqrstvwxz2456789"
SEED = 20261126


def sizes(scale: float) -> tuple[int, int, int]:
    """(services, pods, nodes) for a scale factor."""
    n_svc = max(1, round(10_000 * scale))
    n_pod = 5 * n_svc
    n_node = max(1, -(-n_pod // PODS_PER_NODE))
    return n_svc, n_pod, n_node


class _Gen:
    def __init__(self, seed: int = SEED):
        self.rng = random.Random(seed)

    def rid(self, n: int) -> str:
        return "".join(self.rng.choice(ALNUM) for _ in range(n))

    def uid(self) -> str:
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def ts(self) -> str:
        r = self.rng
        day, hour, minute, sec = r.randint(1, 25), r.randint(0, 23), r.randint(0, 59), \
            r.randint(0, 59)
        return f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:{sec:02d}Z"


def ns_of(i: int) -> str:
    return f"ns-{i % N_NS:02d}"


def namespace(g: _Gen, i: int) -> dict:
    name = f"ns-{i:02d}"
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "uid": g.uid(), "resourceVersion": str(1000 + i),
                         "creationTimestamp": "2026-11-01T00:00:00Z",
                         "labels": {"kubernetes.io/metadata.name": name}},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"}}


def node_ip(k: int) -> str:
    return f"172.18.{k // 250}.{k % 250 + 2}"


def pod_net(k: int) -> str:
    """Node k's /24 (without the last octet): 10.244.K for the first 256 nodes, then on
    through 10.245, 10.246 ... (scale 3 has 600 nodes)."""
    return f"10.{244 + k // 256}.{k % 256}"


def node(g: _Gen, k: int) -> dict:
    name = f"node-{k:03d}"
    cidr = f"{pod_net(k)}.0/24"
    ready_at = "2026-11-01T00:05:00Z"
    cond = [{"type": t, "status": "False", "reason": r, "message": m,
             "lastHeartbeatTime": "2026-11-26T00:00:00Z", "lastTransitionTime": ready_at}
            for t, r, m in (("MemoryPressure", "KubeletHasSufficientMemory",
                             "kubelet has sufficient memory available"),
                            ("DiskPressure", "KubeletHasNoDiskPressure",
                             "kubelet has no disk pressure"),
                            ("PIDPressure", "KubeletHasSufficientPID",
                             "kubelet has sufficient PID available"))]
    cond.append({"type": "Ready", "status": "True", "reason": "KubeletReady",
                 "message": "kubelet is posting ready status",
                 "lastHeartbeatTime": "2026-11-26T00:00:00Z", "lastTransitionTime": ready_at})
    capacity = {"cpu": "8", "memory": "32Gi", "pods": "300", "ephemeral-storage": "100Gi"}
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {
            "name": name, "uid": g.uid(), "resourceVersion": str(5000 + k),
            "creationTimestamp": "2026-11-01T00:00:00Z",
            "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                       "kubernetes.io/arch": "amd64",
                       "topology.kubernetes.io/zone": ZONES[k % 3],
                       "topology.kubernetes.io/region": "region-1"},
        },
        "spec": {"podCIDR": cidr, "podCIDRs": [cidr], "providerID": f"kind://docker/b/{name}"},
        "status": {
            "addresses": [{"type": "InternalIP", "address": node_ip(k)},
                          {"type": "Hostname", "address": name}],
            "capacity": capacity, "allocatable": dict(capacity),
            "conditions": cond,
            "nodeInfo": {"architecture": "amd64", "bootID": g.uid(), "machineID": g.rid(32),
                         "systemUUID": g.uid(), "containerRuntimeVersion": "containerd://2.2.0",
                         "kernelVersion": "6.18.0", "kubeProxyVersion": "v1.37.0",
                         "kubeletVersion": "v1.37.0", "operatingSystem": "linux",
                         "osImage": "Debian GNU/Linux 12 (bookworm)"},
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        },
    }


def service(g: _Gen, i: int, namespace_name: str | None = None) -> dict:
    app = f"app-{i}"
    nports = 1 + (i % 3)
    # 13 and 20 coprime: NodePorts in every namespace; 922 of them at most (scale 3), so their
    # ports stay in 30000-32767
    nodeport = i % 13 == 0 and i // 13 < 922
    ports = []
    for p in range(nports):
        port = {"name": ("http", "grpc", "metrics")[p], "protocol": "TCP",
                "port": (80, 9090, 9100)[p], "targetPort": (8080, 9090, 9100)[p]}
        if nodeport:  # 770 Services at scale 1, at most 3 ports each: 30000..32309, unique
            port["nodePort"] = 30000 + (i // 13) * 3 + p
        ports.append(port)
    cip = f"10.96.{16 + (i >> 8)}.{i & 255}"
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": app, "namespace": namespace_name or ns_of(i),
                     "labels": {"app": app, "env": ENVS[i % 3]},
                     "uid": g.uid(), "resourceVersion": str(100000 + i),
                     "creationTimestamp": g.ts()},
        "spec": {"type": "NodePort" if nodeport else "ClusterIP",
                 "selector": {"app": app, "tier": TIERS[i % 3]},
                 "ports": ports, "clusterIP": cip, "clusterIPs": [cip],
                 "sessionAffinity": "None", "ipFamilies": ["IPv4"],
                 "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster",
                 **({"externalTrafficPolicy": "Cluster"} if nodeport else {})},
        "status": {"loadBalancer": {}},
    }


def pod(g: _Gen, j: int, n_svc: int, n_node: int, rs_hash: list[str]) -> dict:
    a, replica = j % n_svc, j // n_svc
    app, h = f"app-{a}", rs_hash[a]
    tier = TIERS[a % 3] if replica < 4 else TIERS[(a + 1) % 3]
    k, slot = j % n_node, j // n_node
    ip = f"{pod_net(k)}.{slot + 2}"
    containers, statuses = [], []
    for c in range(2 if j % 4 == 0 else 1):
        name = app if c == 0 else "envoy-sidecar"
        if c == 1:
            ports = [{"name": "admin", "containerPort": 15000, "protocol": "TCP"}]
        else:
            ports = [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
            if a % 3 != 0:
                ports.append({"name": "metrics", "containerPort": 9100, "protocol": "TCP"})
        image = f"registry.example.com/team-{a % 40}/{name}:1.{a % 17}.{replica}"
        containers.append({
            "name": name, "image": image, "imagePullPolicy": "IfNotPresent", "ports": ports,
            "env": [{"name": "APP_ENV", "value": ENVS[a % 3]},
                    {"name": "POD_NAME",
                     "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                "fieldPath": "metadata.name"}}}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                          "limits": {"cpu": "500m", "memory": "256Mi"}},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
        })
        statuses.append({"name": name, "image": image, "imageID": f"{image}@sha256:{g.rid(20)}",
                         "containerID": f"containerd://{g.rid(24)}", "ready": True,
                         "started": True, "restartCount": 0,
                         "state": {"running": {"startedAt": "2026-11-02T00:00:00Z"}}})
    start = g.ts()
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": f"{app}-{h}-{g.rid(5)}", "namespace": ns_of(a),
            "generateName": f"{app}-{h}-",
            "labels": {"app": app, "tier": tier, "pod-template-hash": h, "env": ENVS[a % 3]},
            "uid": g.uid(), "resourceVersion": str(200000 + j), "creationTimestamp": start,
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                 "name": f"{app}-{h}", "uid": g.uid(),
                                 "controller": True, "blockOwnerDeletion": True}],
        },
        "spec": {"containers": containers, "nodeName": f"node-{k:03d}",
                 "restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
                 "serviceAccountName": "default", "schedulerName": "default-scheduler",
                 "terminationGracePeriodSeconds": 30, "enableServiceLinks": True,
                 "priority": 0, "preemptionPolicy": "PreemptLowerPriority"},
        "status": {
            "phase": "Running", "hostIP": node_ip(k), "hostIPs": [{"ip": node_ip(k)}],
            "podIP": ip, "podIPs": [{"ip": ip}], "startTime": start, "qosClass": "Burstable",
            "conditions": [{"type": t, "status": "True", "lastTransitionTime": start}
                           for t in ("PodReadyToStartContainers", "Initialized", "Ready",
                                     "ContainersReady", "PodScheduled")],
            "containerStatuses": statuses,
        },
    }


def bulk_objects(scale: float) -> list[dict]:
    n_svc, n_pod, n_node = sizes(scale)
    g = _Gen()
    rs_hash = [g.rid(10) for _ in range(n_svc)]
    return ([namespace(g, i) for i in range(N_NS)]
            + [node(g, k) for k in range(n_node)]
            + [service(g, i) for i in range(n_svc)]
            + [pod(g, j, n_svc, n_node, rs_hash) for j in range(n_pod)])


def small_objects(n_services: int = 10) -> list[dict]:
    """The start-up state: 10 Services in `default`, their 50 pods and one node."""
    g = _Gen(SEED + 1)
    rs_hash = [g.rid(10) for _ in range(n_services)]
    objs = [node(g, 0)] + [service(g, i, "default") for i in range(n_services)]
    for j in range(5 * n_services):
        p = pod(g, j, n_services, 1, rs_hash)
        p["metadata"]["namespace"] = "default"
        objs.append(p)
    return objs


def manifest_object(obj: dict) -> dict:
    """The object as a user writes it for `apply`: no status, no server-set metadata (uid,
    resourceVersion, creation time, owner references), no allocated cluster IPs or node ports.
    Pods keep their nodeName: applying them exercises pod start and IP allocation, not the
    scheduler."""
    meta = {k: v for k, v in obj["metadata"].items()
            if k in ("name", "namespace", "labels", "annotations")}
    out = {k: v for k, v in obj.items() if k not in ("status", "metadata")}
    out["metadata"] = meta
    if obj["kind"] == "Service":
        spec = {k: v for k, v in obj["spec"].items() if k not in ("clusterIP", "clusterIPs")}
        spec["ports"] = [{k: v for k, v in p.items() if k != "nodePort"} for p in spec["ports"]]
        out["spec"] = spec
    return out


POLICY_KINDS = ("from-tier", "from-ns", "from-cidr", "env-and-egress")


def network_policies(scale: float) -> list[dict]:
    """2,000 NetworkPolicies at scale 1 (scaled), each selecting one app's pods by the bench's
    labels, with a mix of ingress rules: podSelector, namespaceSelector (+ podSelector),
    ipBlock with except, ports by number, by name and with endPort; one in four also limits
    egress (DNS to kube-system allowed). The first selects app-5 in ns-05, the Service the
    resolve rows follow."""
    n_svc = sizes(scale)[0]
    n_pol = max(1, round(2000 * scale))
    out = []
    for k in range(n_pol):
        a = (5 * (k + 1)) % n_svc
        ns, kind = ns_of(a), k % 4
        from_ = {0: [{"podSelector": {"matchLabels": {"tier": "frontend"}}}],
                 1: [{"namespaceSelector": {"matchLabels": {
                         "kubernetes.io/metadata.name": ns_of(a + 1)}},
                      "podSelector": {"matchLabels": {"app": f"app-{(a + 1) % n_svc}"}}}],
                 2: [{"ipBlock": {"cidr": "10.244.0.0/16", "except": [f"10.244.{k % 200}.0/24"]}}],
                 3: [{"podSelector": {"matchExpressions": [
                         {"key": "env", "operator": "In", "values": ["prod", "staging"]}]}},
                     {"namespaceSelector": {}}]}[kind]
        ports = {0: [{"protocol": "TCP", "port": 8080}],
                 1: [{"protocol": "TCP", "port": "http"}],
                 2: [{"protocol": "TCP", "port": 8080, "endPort": 8090}],
                 3: [{"protocol": "TCP", "port": 9100}, {"protocol": "UDP", "port": 53}]}[kind]
        spec: dict = {"podSelector": {"matchLabels": {"app": f"app-{a}", "tier": TIERS[a % 3]}},
                      "ingress": [{"from": from_, "ports": ports}]}
        if kind == 3:
            spec["policyTypes"] = ["Ingress", "Egress"]
            spec["egress"] = [{"to": [{"namespaceSelector": {"matchLabels": {
                "kubernetes.io/metadata.name": "kube-system"}}}],
                "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]
        out.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                    "metadata": {"name": f"app-{a}-{POLICY_KINDS[kind]}", "namespace": ns},
                    "spec": spec})
    return out


def write_yaml(objs: list[dict], path: str) -> None:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with open(path, "w") as fh:
        yaml.dump_all(objs, fh, Dumper=dumper, default_flow_style=False, sort_keys=False)


def write_yaml_list(objs: list[dict], path: str) -> None:
    """One `kind: List` document, as `kubectl get ... -A -o yaml` prints a dump (keys sorted,
    as Go's YAML marshalling of a map does)."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    with open(path, "w") as fh:
        yaml.dump({"apiVersion": "v1", "items": objs, "kind": "List",
                   "metadata": {"resourceVersion": ""}}, fh, Dumper=dumper,
                  default_flow_style=False, sort_keys=True)


def write_json_list(objs: list[dict], path: str) -> None:
    with open(path, "w") as fh:
        json.dump({"apiVersion": "v1", "kind": "List", "items": objs}, fh,
                  separators=(",", ":"))


WRITERS = {"yaml": write_yaml, "json": write_json_list, "dump": write_yaml_list,
           "manifest": write_json_list}


def main(argv: list[str]) -> None:
    """python bench/gen.py bulk SCALE FORM=PATH... | small YAML_PATH | netpol SCALE YAML_PATH

    Forms of the bulk objects: yaml (multi-document YAML), json (a JSON List), dump (a YAML
    `kind: List`, as kubectl get -o yaml prints it), manifest (a JSON List without status and
    server-set fields, for `apply`)."""
    if argv[0] == "bulk":
        objs = bulk_objects(float(argv[1]))
        for arg in argv[2:]:
            form, _, path = arg.partition("=")
            if form == "manifest":
                WRITERS[form]([manifest_object(o) for o in objs], path)
            else:
                WRITERS[form](objs, path)
    elif argv[0] == "small":
        write_yaml(small_objects(), argv[1])
    elif argv[0] == "netpol":
        write_yaml(network_policies(float(argv[1])), argv[2])
    else:
        raise SystemExit(main.__doc__)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
