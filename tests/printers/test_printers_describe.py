"""`kubectl describe` layout.

The Service cases restate upstream describe_test.go `TestDescribeService` (test1, test2,
test-ServiceIPFamily, test-ServiceIPFamilyPolicy+ClusterIPs, test-AppProtocol) and
`TestDescribePodVolumes`; the golden files were compared with kubectl 1.37.1's own output for
the same objects (served to it by a stub API server), so they are what a real cluster prints.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from kubesvc.api.quantity import Quantity
from kubesvc.printers.describe.describers import (
    describe_generic,
    describe_namespace,
    describe_object,
    smart_label,
)
from kubesvc.printers.describe.node_describer import describe_node
from kubesvc.printers.describe.service_describer import (
    describe_endpoints,
    describe_endpointslice,
    describe_service,
)
from kubesvc.printers.describe.workloads import (
    describe_deployment,
    describe_pod,
    split_replica_sets,
)
from tests.builders import endpoint_slice
from tests.conftest import check_golden

NOW = datetime(2026, 1, 1, tzinfo=UTC)

# --- Service: upstream cases -----------------------------------------------------------------


def upstream_service(**spec) -> dict:
    base = {"type": "LoadBalancer", "selector": {"blah": "heh"}, "clusterIP": "1.2.3.4",
            "ipFamilies": ["IPv4"], "loadBalancerIP": "5.6.7.8", "sessionAffinity": "None",
            "externalTrafficPolicy": "Local", "healthCheckNodePort": 32222,
            "ports": [{"name": "port-tcp", "port": 8080, "protocol": "TCP", "targetPort": 9527,
                       "nodePort": 31111}]}
    return {"metadata": {"name": "bar", "namespace": "foo"}, "spec": {**base, **spec}}


def slice_of(name: str, addresses: list[str], ready=None, protocol="TCP") -> dict:
    """Slices of upstream's describe tests: Service bar in namespace foo, one port 9527."""
    conditions = {} if ready is None else {"ready": ready}
    return endpoint_slice(name, [{"addresses": [a], "conditions": conditions} for a in addresses],
                          [{"name": "port-tcp", "port": 9527, "protocol": protocol}],
                          namespace="foo", service="bar")


HEAD = """\
Name:                     bar
Namespace:                foo
Labels:                   <none>
Annotations:              <none>
Selector:                 blah=heh
Type:                     LoadBalancer
"""


def test_upstream_test1():
    svc = upstream_service(internalTrafficPolicy="Cluster")
    slices = [slice_of("bar-abcde", ["10.244.0.1", "10.244.0.2", "10.244.0.3"])]
    assert describe_service(svc, slices) == HEAD + """\
IP Families:              IPv4
IP:                       1.2.3.4
IPs:                      <none>
Desired LoadBalancer IP:  5.6.7.8
Port:                     port-tcp  8080/TCP
TargetPort:               9527/TCP
NodePort:                 port-tcp  31111/TCP
Endpoints:                10.244.0.1:9527,10.244.0.2:9527,10.244.0.3:9527
Session Affinity:         None
External Traffic Policy:  Local
Internal Traffic Policy:  Cluster
HealthCheck NodePort:     32222
Events:                   <none>
"""


def test_upstream_test2_named_target_port_and_more_than_three():
    svc = upstream_service(internalTrafficPolicy="Local")
    svc["spec"]["ports"][0]["targetPort"] = "targetPort"
    slices = [slice_of("bar-12345", ["10.244.0.1", "10.244.0.2"], protocol="UDP"),
              slice_of("bar-54321", ["10.244.0.3", "10.244.0.4", "10.244.0.5"], protocol="UDP")]
    out = describe_service(svc, slices)
    assert "TargetPort:               targetPort/TCP\n" in out
    assert ("Endpoints:                10.244.0.1:9527,10.244.0.2:9527,10.244.0.3:9527"
            " + 2 more...\n") in out
    assert "Internal Traffic Policy:  Local\n" in out


def test_upstream_ip_family_cases():
    svc = upstream_service()
    svc["spec"]["ports"][0]["targetPort"] = "targetPort"
    out = describe_service(svc, [slice_of("bar-123ab", ["10.244.0.1"])])
    assert "Endpoints:                10.244.0.1:9527\n" in out
    assert "Internal Traffic Policy" not in out and "IP Family Policy" not in out
    svc["spec"].update(ipFamilyPolicy="SingleStack", clusterIPs=["1.2.3.4"])
    out = describe_service(svc, [])
    assert HEAD + "IP Family Policy:         SingleStack\nIP Families:              IPv4\n" in out
    assert "IPs:                      1.2.3.4\n" in out
    assert "Endpoints:                <none>\n" in out


def test_upstream_app_protocol_and_ip_mode():
    svc = upstream_service(internalTrafficPolicy="Cluster")
    svc["spec"]["ports"][0]["appProtocol"] = "example.com/custom-protocol"
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "5.6.7.8", "ipMode": "VIP"}]}}
    slices = [slice_of("bar-abcde", ["10.244.0.1", "10.244.0.2", "10.244.0.3"], ready=True)]
    assert describe_service(svc, slices) == HEAD + """\
IP Families:              IPv4
IP:                       1.2.3.4
IPs:                      <none>
Desired LoadBalancer IP:  5.6.7.8
LoadBalancer Ingress:     5.6.7.8 (VIP)
Port:                     port-tcp  8080/TCP
TargetPort:               9527/TCP
AppProtocol:              example.com/custom-protocol
NodePort:                 port-tcp  31111/TCP
Endpoints:                10.244.0.1:9527,10.244.0.2:9527,10.244.0.3:9527
Session Affinity:         None
External Traffic Policy:  Local
Internal Traffic Policy:  Cluster
HealthCheck NodePort:     32222
Events:                   <none>
"""


# --- Service: endpoints from slices, layout details ------------------------------------------

def endpoints_line(svc: dict, slices: list[dict]) -> str:
    lines = describe_service(svc, slices).splitlines()
    return next(line for line in lines if line.startswith("Endpoints:"))


def test_slices_but_nothing_ready_leave_the_value_empty():
    svc = upstream_service()
    line = endpoints_line(svc, [slice_of("s", ["10.0.0.1"], ready=False)])
    assert line == "Endpoints:                "  # the label is still padded


def test_readiness_unset_counts_as_ready_and_port_names_must_match():
    svc = upstream_service()
    svc["spec"]["ports"].append({"port": 53, "protocol": "UDP", "targetPort": 53})
    named = slice_of("s", ["10.0.0.1"])
    unnamed = {"endpoints": [{"addresses": ["10.0.0.2"]}], "ports": [{"name": "", "port": 5353}]}
    out = describe_service(svc, [named, unnamed])
    assert "Endpoints:                10.0.0.1:9527\n" in out
    assert "Port:                     <unset>  53/UDP\n" in out
    assert "Endpoints:                10.0.0.2:5353\n" in out


def test_a_not_ready_fourth_endpoint_still_adds_plus_zero_more():
    svc = upstream_service()
    eps = slice_of("s", ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"])
    eps["endpoints"][3]["conditions"] = {"ready": False}
    want = "10.0.0.1:9527,10.0.0.2:9527,10.0.0.3:9527 + 0 more..."
    assert endpoints_line(svc, [eps]).endswith(want)


def test_slices_without_ports_give_bare_addresses_and_ipv6_brackets():
    svc = upstream_service()
    portless = {"endpoints": [{"addresses": [f"10.0.0.{i}"]} for i in range(1, 6)]}
    assert endpoints_line(svc, [portless]).endswith("10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...")
    v6 = slice_of("s", ["fd00::1"])
    assert endpoints_line(svc, [v6]).endswith("[fd00::1]:9527")


def test_external_name_service_and_no_events_for_several_objects():
    svc = {"metadata": {"name": "db", "namespace": "prod"},
           "spec": {"type": "ExternalName", "externalName": "db.example.com",
                    "sessionAffinity": "None"}}
    out = describe_service(svc, [], show_events=False)
    assert out == """\
Name:              db
Namespace:         prod
Labels:            <none>
Annotations:       <none>
Selector:          <none>
Type:              ExternalName
IP Families:       <none>
IP:{pad}
IPs:               <none>
External Name:     db.example.com
Session Affinity:  None
""".format(pad=" " * 16)  # an empty value still gets its padding


def test_labels_and_annotations_blocks():
    svc = upstream_service()
    svc["metadata"]["labels"] = {"tier": "frontend", "app": "web"}
    svc["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": '{"kind":"Service"}\n',
        "note": "hello\n", "long": "x" * 200, "multi": "line1\nline2"}
    out = describe_service(svc, [])
    assert "Labels:                   app=web\n                          tier=frontend\n" in out
    assert "last-applied" not in out
    assert ("Annotations:              long:\n                            " + "x" * 138 + "...\n"
            "                          multi:\n                            line1\n"
            "                            line2\n                          note: hello\n") in out


def test_only_last_applied_means_no_annotations():
    svc = upstream_service()
    svc["metadata"]["annotations"] = {"kubectl.kubernetes.io/last-applied-configuration": "{}"}
    assert "Annotations:              <none>\n" in describe_service(svc, [])


# --- Service golden: a defaulted LoadBalancer as a real cluster stores it ---------------------

LB_SERVICE = {
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "web", "namespace": "default", "uid": "6f1c2d3e",
                 "creationTimestamp": "2025-12-30T10:00:00Z",
                 "labels": {"app": "web", "tier": "frontend"},
                 "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}\n",
                                 "team": "payments"}},
    "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "clusterIP": "10.96.0.10",
             "clusterIPs": ["10.96.0.10"], "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
             "externalIPs": ["198.51.100.7"], "sessionAffinity": "None",
             "externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster",
             "allocateLoadBalancerNodePorts": True, "trafficDistribution": "PreferClose",
             "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080,
                        "nodePort": 30080, "appProtocol": "http"},
                       {"name": "metrics", "port": 9090, "protocol": "TCP",
                        "targetPort": "metrics", "nodePort": 30090}]},
    "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.10", "ipMode": "VIP"},
                                            {"hostname": "lb.example.com"}]}},
}
LB_SLICES = [
    {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
     "metadata": {"name": "web-x7k2p", "namespace": "default",
                  "labels": {"kubernetes.io/service-name": "web"}},
     "ports": [{"name": "http", "port": 8080, "protocol": "TCP"},
               {"name": "metrics", "port": 9100, "protocol": "TCP"}],
     "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": True}},
                   {"addresses": ["10.244.2.7"], "conditions": {"ready": False}},
                   {"addresses": ["10.244.3.9"], "conditions": {"ready": True}}]},
]


def test_service_golden():
    check_golden("printers/describe_service.txt", describe_service(LB_SERVICE, LB_SLICES))


# --- Endpoints, EndpointSlice, generic -------------------------------------------------------

ENDPOINTS = {
    "apiVersion": "v1", "kind": "Endpoints",
    "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
    "subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
                 "notReadyAddresses": [{"ip": "10.0.0.3"}],
                 "ports": [{"name": "http", "port": 8080, "protocol": "TCP"},
                           {"port": 53, "protocol": "UDP"}]},
                {"notReadyAddresses": [{"ip": "10.0.0.9"}]}],
}
SLICE = {
    "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
    "metadata": {"name": "web-abc", "namespace": "default",
                 "labels": {"kubernetes.io/service-name": "web"}},
    "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}, {"name": "", "protocol": "UDP"}],
    "endpoints": [{"addresses": ["10.0.0.1", "10.0.0.2"], "conditions": {"ready": True},
                   "hostname": "h", "nodeName": "node-1", "zone": "z1",
                   "targetRef": {"kind": "Pod", "name": "web-1", "namespace": "default"}},
                  {"addresses": ["10.0.0.3"], "conditions": {}}],
}
WIDGET = {
    "apiVersion": "example.com/v1", "kind": "Widget",
    "metadata": {"name": "w1", "namespace": "default", "uid": "x", "resourceVersion": "5",
                 "creationTimestamp": "2025-01-01T00:00:00Z", "generation": 2,
                 "labels": {"a": "b"}, "managedFields": [{"manager": "kubectl"}]},
    "spec": {"replicas": 3, "ratio": 1.5, "enabled": True, "nothing": None, "apiURL": "http://x",
             "hostIPs": ["1.2.3.4"], "getHTTPResponseCode": 200, "ipv4": "yes",
             "some-field": "v", "items": ["a", 1, {"k": "v", "z": [1, 2]}, [1, "x"]],
             "nested": {"innerValue": {"deep": "x"}}, "emptyList": [], "emptyMap": {}},
    "status": {"conditions": [{"type": "Ready", "status": "True"}]},
}


def test_endpoints_endpointslice_and_generic_goldens():
    check_golden("printers/describe_endpoints.txt", describe_endpoints(ENDPOINTS))
    check_golden("printers/describe_endpointslice.txt", describe_endpointslice(SLICE))
    check_golden("printers/describe_generic.txt", describe_generic(WIDGET))
    empty = {"metadata": {"name": "e", "namespace": "default"}, "addressType": "FQDN"}
    assert "Ports: <unset>\nEndpoints: <none>\n" in describe_endpointslice(empty)


@pytest.mark.parametrize(("field", "label"), [
    ("apiVersion", "API Version"), ("creationTimestamp", "Creation Timestamp"),
    ("apiURL", "API URL"),
    ("myUID", "My UID"), ("osbGuid", "Osb GUID"), ("HTTPServer", "HTTPServer"), ("ABc", "A Bc"),
    ("aBCd", "A B Cd"), ("aBCDe", "A BCDe"), ("getIPs", "Get I Ps"),
    ("getHTTPResponseCode", "Get HTTPResponse Code"), ("nodeIPAddress", "Node IPAddress"),
    ("zz-Top", "Zz - Top"), ("ipv4", "ipv4"), ("a_b", "a_b"),
    ("oneTwoTHREEFour", "One Two THREEFour"),
])
def test_smart_labels_like_kubectl(field, label):
    assert smart_label(field) == label


# --- Pod ---------------------------------------------------------------------------------------

POD = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web-7d4b9c6f5-abcde", "namespace": "default", "uid": "p1",
                 "creationTimestamp": "2025-12-31T00:00:00Z",
                 "labels": {"app": "web", "pod-template-hash": "7d4b9c6f5"},
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                      "name": "web-7d4b9c6f5", "uid": "rs1", "controller": True}]},
    "spec": {
        "nodeName": "node-1", "serviceAccountName": "default", "priority": 0,
        "containers": [{
            "name": "app", "image": "nginx:1.27",
            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "resources": {"requests": {"cpu": "0.5", "memory": "128Mi"},
                          "limits": {"memory": "1024Mi"}},
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                               "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1,
                               "failureThreshold": 3},
            "env": [{"name": "MODE", "value": "prod"},
                    {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                                    "fieldPath": "metadata.name"}}},
                    {"name": "NODE", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                                "fieldPath": "spec.nodeName"}}},
                    {"name": "CPU_LIMIT", "valueFrom": {"resourceFieldRef": {
                        "resource": "limits.cpu"}}},
                    {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
            "volumeMounts": [{"name": "kube-api-access-4x2vz", "readOnly": True,
                              "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"},
                             {"name": "data", "mountPath": "/data", "subPath": "sub"}]}],
        "volumes": [
            {"name": "data", "emptyDir": {}},
            {"name": "kube-api-access-4x2vz", "projected": {"sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt",
                               "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                    "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}],
        "tolerations": [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": 300}],
    },
    "status": {
        "phase": "Running", "hostIP": "172.18.0.2", "podIP": "10.244.1.5",
        "podIPs": [{"ip": "10.244.1.5"}], "startTime": "2025-12-31T00:00:01Z",
        "qosClass": "Burstable",
        "conditions": [{"type": "PodReadyToStartContainers", "status": "True"},
                       {"type": "Initialized", "status": "True"},
                       {"type": "Ready", "status": "True"},
                       {"type": "ContainersReady", "status": "True"},
                       {"type": "PodScheduled", "status": "True"}],
        "containerStatuses": [{
            "name": "app", "ready": True, "restartCount": 1,
            "image": "docker.io/library/nginx:1.27",
            "imageID": "docker.io/library/nginx@sha256:0123abcd", "containerID": "containerd://c0ffee",
            "state": {"running": {"startedAt": "2025-12-31T00:05:00Z"}},
            "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                                         "startedAt": "2025-12-31T00:00:02Z",
                                         "finishedAt": "2025-12-31T00:04:59Z"}}}],
    },
}


def test_pod_golden():
    check_golden("printers/describe_pod.txt", describe_pod(POD, now=NOW))


def test_upstream_pod_volumes_case():
    pod = {"metadata": {"name": "bar", "namespace": "foo"},
           "spec": {"volumes": [{"name": "image", "image": {"reference": "image",
                                                            "pullPolicy": "IfNotPresent"}}]}}
    assert describe_pod(pod, now=NOW) == """\
Name:         bar
Namespace:    foo
Node:         <none>
Labels:       <none>
Annotations:  <none>
Status:{status_pad}
IP:{ip_pad}
IPs:          <none>
Containers: <none>
Volumes:
  image:
    Type:        Image (a container image or OCI artifact)
    Reference:   image
    PullPolicy:  IfNotPresent
QoS Class:       BestEffort
Node-Selectors:  <none>
Tolerations:     <none>
Events:          <none>
""".format(status_pad=" " * 7, ip_pad=" " * 11)


def test_upstream_pod_terminating_tolerations_and_spread():
    pod = {"metadata": {"name": "bar", "namespace": "foo",
                        "deletionTimestamp": "2016-01-01T00:00:00Z",
                        "deletionGracePeriodSeconds": 1234},
           "spec": {"tolerations": [
               {"operator": "Exists"}, {"effect": "NoSchedule", "operator": "Exists"},
               {"key": "key0", "operator": "Exists"}, {"key": "key1", "value": "value1"},
               {"key": "key2", "operator": "Equal", "value": "value2", "effect": "NoSchedule"},
               {"key": "key3", "value": "value3", "effect": "NoExecute", "tolerationSeconds": 300},
               {"key": "key4", "effect": "NoExecute", "tolerationSeconds": 60}],
               "topologySpreadConstraints": [
                   {"maxSkew": 3, "topologyKey": "topology.kubernetes.io/test1",
                    "whenUnsatisfiable": "DoNotSchedule",
                    "labelSelector": {"matchLabels": {"key1": "val1", "key2": "val2"}}},
                   {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/test2",
                    "whenUnsatisfiable": "ScheduleAnyway"}]},
           "status": {"phase": "Running"}}
    out = describe_pod(pod, now=NOW)
    assert "Terminating (lasts 10y)" in out and "Termination Grace Period:  1234s" in out
    for piece in ("  op=Exists\n", ":NoSchedule op=Exists\n", "key0 op=Exists\n", "key1=value1\n",
                  "key2=value2:NoSchedule\n", "key3=value3:NoExecute for 300s\n",
                  "key4:NoExecute for 60s\n"):
        assert piece in out
    assert ("topology.kubernetes.io/test1:DoNotSchedule when max skew 3 is exceeded for selector "
            "key1=val1,key2=val2\n") in out
    assert "topology.kubernetes.io/test2:ScheduleAnyway when max skew 1 is exceeded\n" in out
    pod["status"]["phase"] = "Succeeded"
    done = describe_pod(pod, now=NOW)
    assert "Status:" in done and "Terminating" not in done


@pytest.mark.parametrize(("resources", "qos"), [
    ([{}], "BestEffort"),
    # limits without requests: a real API server copies limits into requests; kubectl computes
    # from the object as given, and then the request count differs from the limit count
    ([{"limits": {"cpu": "1", "memory": "1Gi"}}], "Burstable"),
    ([{"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}],
     "Guaranteed"),
    ([{"requests": {"cpu": "500m"}, "limits": {"cpu": "1", "memory": "1Gi"}}], "Burstable"),
    ([{"limits": {"cpu": "1", "memory": "1Gi"}}, {}], "Burstable"),
    ([{"requests": {"cpu": "0"}}], "BestEffort"),
])
def test_qos_class_when_status_has_none(resources, qos):
    pod = {"metadata": {"name": "p"},
           "spec": {"containers": [{"name": f"c{i}", "resources": r}
                                   for i, r in enumerate(resources)]}}
    lines = describe_pod(pod, now=NOW).splitlines()
    assert ["QoS", "Class:", qos] in [line.split() for line in lines]


# --- Deployment --------------------------------------------------------------------------------

TEMPLATE = {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.27",
                                     "ports": [{"containerPort": 8080, "protocol": "TCP"}]}]}}
DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default", "uid": "d1",
                 "creationTimestamp": "2025-12-30T10:00:00Z", "labels": {"app": "web"},
                 "annotations": {"deployment.kubernetes.io/revision": "2"}},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE,
             "strategy": {"type": "RollingUpdate",
                          "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
             "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
    "status": {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
               "conditions": [{"type": "Available", "status": "True",
                               "reason": "MinimumReplicasAvailable"},
                              {"type": "Progressing", "status": "True",
                               "reason": "NewReplicaSetAvailable"}]},
}


def replica_set(name: str, image: str, created: str, desired: int, current: int, uid: str,
                owner: str = "d1") -> dict:
    template = copy.deepcopy(TEMPLATE)
    template["metadata"]["labels"]["pod-template-hash"] = name.rsplit("-", 1)[1]
    template["spec"]["containers"][0]["image"] = image
    return {"metadata": {"name": name, "namespace": "default", "uid": uid,
                         "creationTimestamp": created, "labels": template["metadata"]["labels"],
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                              "name": "web", "uid": owner, "controller": True}]},
            "spec": {"replicas": desired, "template": template}, "status": {"replicas": current}}


REPLICA_SETS = [
    replica_set("web-5d8f7", "nginx:1.27", "2025-12-31T09:00:00Z", 3, 3, "r3"),
    replica_set("web-6c9a1", "nginx:1.26", "2025-12-30T10:00:00Z", 0, 0, "r2"),
    replica_set("web-4b2e0", "nginx:1.25", "2025-12-29T10:00:00Z", 1, 1, "r1"),
    replica_set("web-9z9z9", "nginx:1.27", "2025-12-28T10:00:00Z", 1, 1, "r0", owner="other"),
]


def test_deployment_golden():
    check_golden("printers/describe_deployment.txt",
                 describe_deployment(DEPLOYMENT, REPLICA_SETS, now=NOW))


def test_replica_sets_new_and_old():
    old, new = split_replica_sets(DEPLOYMENT, REPLICA_SETS)
    assert new["metadata"]["name"] == "web-5d8f7"
    assert [rs["metadata"]["name"] for rs in old] == ["web-4b2e0", "web-6c9a1"]
    out = describe_deployment(DEPLOYMENT, [], now=NOW, show_events=False)
    assert "OldReplicaSets:" not in out and "NewReplicaSet:" not in out and "Events" not in out


# --- Node --------------------------------------------------------------------------------------

NODE = {
    "apiVersion": "v1", "kind": "Node",
    "metadata": {"name": "node-1", "uid": "n1", "creationTimestamp": "2025-12-20T08:00:00Z",
                 "labels": {"kubernetes.io/hostname": "node-1", "kubernetes.io/os": "linux",
                            "node-role.kubernetes.io/control-plane": ""},
                 "annotations": {"node.alpha.kubernetes.io/ttl": "0"}},
    "spec": {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"],
             "providerID": "kind://docker/kind/node-1",
             "taints": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]},
    "status": {
        "capacity": {"cpu": "4", "memory": "8024912Ki", "pods": "110",
                     "ephemeral-storage": "102626232Ki", "hugepages-2Mi": "0"},
        "allocatable": {"cpu": "4", "memory": "8024912Ki", "pods": "110",
                        "ephemeral-storage": "102626232Ki", "hugepages-2Mi": "0"},
        "conditions": [
            {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory",
             "message": "kubelet has sufficient memory available",
             "lastHeartbeatTime": "2025-12-31T23:59:00Z",
             "lastTransitionTime": "2025-12-20T08:00:00Z"},
            {"type": "Ready", "status": "True", "reason": "KubeletReady",
             "message": "kubelet is posting ready status",
             "lastHeartbeatTime": "2025-12-31T23:59:00Z",
             "lastTransitionTime": "2025-12-20T08:00:30Z"}],
        "addresses": [{"type": "InternalIP", "address": "172.18.0.2"},
                      {"type": "Hostname", "address": "node-1"}],
        "nodeInfo": {"machineID": "m1", "systemUUID": "s1", "bootID": "b1",
                     "kernelVersion": "6.8.0", "osImage": "Debian GNU/Linux 12 (bookworm)",
                     "containerRuntimeVersion": "containerd://2.1.0", "kubeletVersion": "v1.37.1",
                     "operatingSystem": "linux", "architecture": "amd64"},
    },
}
NODE_POD = {"metadata": {"name": "web-1", "namespace": "default"},
            "spec": {"containers": [{"name": "a", "resources": {
                "requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}}}],
                     "initContainers": [{"name": "sidecar", "restartPolicy": "Always",
                                         "resources": {"requests": {"cpu": "100m"}}}]}}


def test_node_golden():
    lease = {"spec": {"holderIdentity": "node-1", "renewTime": "2025-12-31T23:59:30.123456Z"}}
    out = describe_node(NODE, [NODE_POD], lease=lease, now=NOW)
    check_golden("printers/describe_node.txt", out)


def test_node_without_lease_or_status():
    out = describe_node({"metadata": {"name": "bare"}}, [NODE_POD], now=NOW)
    lease_line = ('Lease:              Failed to get lease: '
                  'leases.coordination.k8s.io "bare" not found')
    assert lease_line + "\n" in out
    # nothing allocatable: kubectl's float division yields the int64 minimum on amd64
    assert "350m (-9223372036854775808%)" in out
    assert "  cpu                350m (0%)  0 (0%)\n" in out


# --- Namespace ------------------------------------------------------------------------------

NAMESPACE = {
    "apiVersion": "v1", "kind": "Namespace",
    "metadata": {"name": "ns2", "labels": {"kubernetes.io/metadata.name": "ns2", "team": "a"},
                 "annotations": {"x": "y"}, "creationTimestamp": "2024-01-01T00:00:00Z"},
    "status": {"phase": "Active", "conditions": [{
        "type": "NamespaceDeletionContentFailure", "status": "False",
        "lastTransitionTime": "2024-01-02T03:04:05Z", "reason": "ContentDeleted",
        "message": "All content successfully deleted"}]},
}
QUOTAS = [
    {"kind": "ResourceQuota", "metadata": {"name": "zq", "namespace": "ns2"},
     "spec": {"scopes": ["NotTerminating", "BestEffort"]},
     "status": {"hard": {"pods": "10", "requests.cpu": "2", "requests.memory": "1Gi"},
                "used": {"pods": "2", "requests.cpu": "500m"}}},
    {"kind": "ResourceQuota", "metadata": {"name": "aq", "namespace": "ns2"},
     "status": {"hard": {"services": "5", "count/deployments.apps": "3"},
                "used": {"services": "1", "count/deployments.apps": "0"}}},
]
LIMIT_RANGES = [{"kind": "LimitRange", "metadata": {"name": "lr", "namespace": "ns2"}, "spec": {
    "limits": [{"type": "Container", "max": {"cpu": "2"},
                "defaultRequest": {"cpu": "500m", "memory": "128Mi"},
                "default": {"memory": "256Mi"}, "maxLimitRequestRatio": {"cpu": "4"}},
               {"type": "Pod", "min": {"memory": "0.5Gi"}}]}}]


def test_namespace_golden():
    # quotas sorted by name, scopes sorted with their help text, used defaults to 0
    out = describe_namespace(NAMESPACE, QUOTAS, LIMIT_RANGES, now=NOW)
    check_golden("printers/describe_namespace.txt", out)
    assert describe_object(NAMESPACE, resource_quotas=QUOTAS, limit_ranges=LIMIT_RANGES) == out


def test_namespace_without_quotas_or_limits_and_never_events():
    ns = {"kind": "Namespace", "metadata": {"name": "ns3"}, "status": {"phase": "Terminating"}}
    assert describe_namespace(ns) == (
        "Name:         ns3\nLabels:       <none>\nAnnotations:  <none>\nStatus:       Terminating\n"
        "\nNo resource quota.\n\nNo LimitRange resource.\n")


# --- Dispatcher and quantities -------------------------------------------------------------

def test_describe_object_dispatch():
    assert describe_object(LB_SERVICE, endpoint_slices=LB_SLICES) == describe_service(
        LB_SERVICE, LB_SLICES)
    assert describe_object(WIDGET, show_events=False) == describe_generic(WIDGET, show_events=False)
    assert describe_object(ENDPOINTS).startswith("Name:         web\n")


@pytest.mark.parametrize(("text", "canonical"), [
    ("0.5", "500m"), ("1", "1"), ("1.5", "1500m"), ("100m", "100m"), ("128Mi", "128Mi"),
    ("1024Mi", "1Gi"), ("1000Mi", "1000Mi"), ("1.5Gi", "1536Mi"), ("2000", "2k"), ("1G", "1G"),
    ("1e3", "1e3"), ("0", "0"), ("100Ki", "100Ki"), ("512", "512"), ("0.1Gi", "107374182400m"),
])
def test_quantity_canonical_form(text, canonical):
    assert str(Quantity.parse(text)) == canonical


def test_quantity_sums_keep_the_first_format():
    total = Quantity.parse("250m").add(Quantity.parse("1"))
    assert str(total) == "1250m" and total.milli_value() == 1250
    assert str(Quantity.parse("64Mi").add(Quantity.parse("64Mi"))) == "128Mi"
