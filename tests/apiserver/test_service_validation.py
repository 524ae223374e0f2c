"""ValidateService / ValidateServiceUpdate / GetWarningsForService, table-driven.

The rows follow upstream's TestValidateServiceCreate and TestValidateServiceUpdate
(validation_test.go), restated here with the exact text a 1.37 API server renders (spec sections
3, 3.1, 4, 5, 9, 10). Each row starts from an already-defaulted valid Service, as upstream's
makeValidService does, so rows can also reach states v1 defaulting never produces.
"""

from __future__ import annotations

import copy

import pytest

from kubesvc.apiserver.validation.service import (
    validate_service,
    validate_service_name,
    validate_service_update,
)
from kubesvc.apiserver.validation.service_defaults import default_service, prepare_for_create
from kubesvc.apiserver.validation.service_ip_families import init_ip_family_fields
from kubesvc.apiserver.validation.service_ips import normalize_cluster_ips
from kubesvc.apiserver.validation.service_warnings import service_warnings

DEL = object()

LABEL_1123 = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
NAME_PART = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
IP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
CIDR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
RANGE = "must be between 1 and 65535, inclusive"
ONLY_LB = "may only be used when `type` is 'LoadBalancer'"
SRC_ANN = "service.beta.kubernetes.io/load-balancer-source-ranges"
HINTS = "service.kubernetes.io/topology-aware-hints"
MODE = "service.kubernetes.io/topology-mode"


def base() -> dict:
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "valid", "namespace": "default", "labels": {}, "annotations": {}},
        "spec": {
            "selector": {"key": "val"}, "sessionAffinity": "None", "type": "ClusterIP",
            "ports": [{"name": "p", "protocol": "TCP", "port": 8675, "targetPort": 8675}],
            "internalTrafficPolicy": "Cluster",
        },
    }


def _set(target: dict, values: dict) -> None:
    for key, value in values.items():
        if value is DEL:
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(value)


def spec(**values):
    return lambda svc: _set(svc["spec"], values)


def meta(**values):
    return lambda svc: _set(svc["metadata"], values)


def ann(key: str, value: str):
    return lambda svc: svc["metadata"]["annotations"].__setitem__(key, value)


def port(index: int, **values):
    return lambda svc: _set(svc["spec"]["ports"][index], values)


def add_port(name: str, number: int, protocol: str = "TCP", **values):
    entry = {"name": name, "protocol": protocol, "port": number, "targetPort": number, **values}
    return lambda svc: svc["spec"]["ports"].append(copy.deepcopy(entry))


LB = spec(type="LoadBalancer", externalTrafficPolicy="Cluster", allocateLoadBalancerNodePorts=True)
NODE_PORT = spec(type="NodePort", externalTrafficPolicy="Cluster")
HEADLESS = spec(clusterIP="None", clusterIPs=["None"])
EXT_NAME = spec(type="ExternalName", externalName="foo.bar.example.com")
DUAL = spec(ipFamilyPolicy="RequireDualStack")


def build(*tweaks) -> dict:
    svc = base()
    for tweak in tweaks:
        tweak(svc)
    return svc


def row(name: str, *tweaks, errs=()):
    return pytest.param(tweaks, list(errs), id=name)


CREATE_ROWS = [
    # -- metadata (row 1) --
    row("valid"),
    row("missing namespace", meta(namespace=""), errs=["metadata.namespace: Required value"]),
    row("invalid namespace", meta(namespace="-123"),
        errs=[f'metadata.namespace: Invalid value: "-123": {LABEL_1123}']),
    row("missing name", meta(name=""),
        errs=["metadata.name: Required value: name or generateName is required"]),
    row("invalid name", meta(name="-123"),
        errs=[f'metadata.name: Invalid value: "-123": {LABEL_1123}']),
    row("name may start with a digit (RelaxedServiceNameValidation)", meta(name="1-test")),
    row("name with dots", meta(name="web.v2"),
        errs=['metadata.name: Invalid value: "web.v2": must not contain dots']),
    row("too long name", meta(name="a" * 64),
        errs=[f'metadata.name: Invalid value: "{"a" * 64}": must be no more than 63 characters']),
    row("invalid generateName", meta(generateName="-123"),
        errs=[f'metadata.generateName: Invalid value: "-123": {LABEL_1123}']),
    row("too long generateName", meta(generateName="a" * 64),
        errs=[f'metadata.generateName: Invalid value: "{"a" * 64}": must be no more than 63 '
              'characters']),
    row("invalid label", meta(labels={"NoUppercaseOrSpecialCharsLike=Equals": "bar"}),
        errs=[f'metadata.labels: Invalid value: "NoUppercaseOrSpecialCharsLike=Equals": '
              f'{NAME_PART}']),
    row("invalid annotation", ann("NoSpecialCharsLike=Equals", "bar"),
        errs=[f'metadata.annotations: Invalid value: "NoSpecialCharsLike=Equals": {NAME_PART}']),
    row("annotations too large", ann("big", "x" * 262142),
        errs=["metadata.annotations: Too long: may not be more than 262144 bytes"]),
    # -- topology annotations (row 2) --
    row("topology annotations agree", ann(HINTS, "Auto"), ann(MODE, "Auto")),
    row("topology annotations are mismatched", ann(HINTS, "original"), ann(MODE, "different"),
        errs=[f'metadata.annotations[{MODE}]: Invalid value: "different": must match '
              f'annotations[{HINTS}] when both are specified']),
    # -- ports required, headless, ExternalName (rows 3-5) --
    row("missing ports", spec(ports=DEL), errs=["spec.ports: Required value"]),
    row("missing ports but headless", spec(ports=DEL), HEADLESS),
    row("missing ports on ExternalName", spec(ports=DEL), EXT_NAME),
    row("LoadBalancer type cannot have None ClusterIP", LB, HEADLESS,
        errs=['spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for '
              'LoadBalancer services']),
    row("NodePort with clusterIP None", NODE_PORT, HEADLESS, add_port("q", 1, nodePort=1),
        errs=['spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for '
              'NodePort services']),
    row("valid ExternalName", EXT_NAME),
    row("valid ExternalName (trailing dot)", EXT_NAME, spec(externalName="foo.bar.example.com.")),
    row("ExternalName may look like an IP", EXT_NAME, spec(externalName="1.2.3.4")),
    row("ExternalName without ITP", EXT_NAME, spec(internalTrafficPolicy=DEL)),
    row("invalid ExternalName clusterIP (valid IP)", EXT_NAME,
        spec(clusterIP="1.2.3.4", clusterIPs=["1.2.3.4"]),
        errs=["spec.clusterIPs: Forbidden: may not be set for ExternalName services"]),
    row("invalid ExternalName clusterIP (None)", EXT_NAME, HEADLESS,
        errs=["spec.clusterIPs: Forbidden: may not be set for ExternalName services"]),
    row("ExternalName with IP family fields", EXT_NAME,
        spec(ipFamilies=["IPv4"], ipFamilyPolicy="SingleStack"),
        errs=["spec.ipFamilies: Forbidden: may not be set for ExternalName services",
              "spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services"]),
    row("ExternalName missing name", EXT_NAME, spec(externalName=DEL),
        errs=["spec.externalName: Required value"]),
    row("ExternalName only a dot", EXT_NAME, spec(externalName="."),
        errs=["spec.externalName: Required value"]),
    row("invalid ExternalName (not a DNS name)", EXT_NAME, spec(externalName="-123"),
        errs=[f'spec.externalName: Invalid value: "-123": {SUBDOMAIN}']),
    row("ExternalName error shows the trimmed name", EXT_NAME, spec(externalName="Foo.com."),
        errs=[f'spec.externalName: Invalid value: "Foo.com": {SUBDOMAIN}']),
    # -- selector, session affinity (rows 7-9) --
    row("nil selector", spec(selector=DEL)),
    row("invalid selector", spec(selector={"NoSpecialCharsLike=Equals": "bar"}),
        errs=[f'spec.selector: Invalid value: "NoSpecialCharsLike=Equals": {NAME_PART}']),
    row("missing session affinity", spec(sessionAffinity=""),
        errs=["spec.sessionAffinity: Required value"]),
    row("unsupported session affinity", spec(sessionAffinity="Sticky"),
        errs=['spec.sessionAffinity: Unsupported value: "Sticky": supported values: '
              '"ClientIP", "None"']),
    row("ClientIP without config", spec(sessionAffinity="ClientIP"),
        errs=["spec.sessionAffinityConfig: Required value: when session affinity type is "
              "ClientIP"]),
    row("ClientIP without clientIP", spec(sessionAffinity="ClientIP", sessionAffinityConfig={}),
        errs=["spec.sessionAffinityConfig.clientIP: Required value: when session affinity type "
              "is ClientIP"]),
    row("ClientIP without timeout",
        spec(sessionAffinity="ClientIP", sessionAffinityConfig={"clientIP": {}}),
        errs=["spec.sessionAffinityConfig.clientIP.timeoutSeconds: Required value: when session "
              "affinity type is ClientIP"]),
    row("invalid timeoutSeconds field",
        spec(sessionAffinity="ClientIP",
             sessionAffinityConfig={"clientIP": {"timeoutSeconds": -1}}),
        errs=["spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: -1: must be "
              "greater than 0 and less than 86400"]),
    row("timeoutSeconds 0", spec(sessionAffinity="ClientIP",
                                 sessionAffinityConfig={"clientIP": {"timeoutSeconds": 0}}),
        errs=["spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be "
              "greater than 0 and less than 86400"]),
    row("timeoutSeconds 86400 is allowed",
        spec(sessionAffinity="ClientIP",
             sessionAffinityConfig={"clientIP": {"timeoutSeconds": 86400}})),
    row("timeoutSeconds 86401",
        spec(sessionAffinity="ClientIP",
             sessionAffinityConfig={"clientIP": {"timeoutSeconds": 86401}}),
        errs=["spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be "
              "greater than 0 and less than 86400"]),
    row("sessionAffinityConfig with affinity None", LB,
        spec(sessionAffinityConfig={"clientIP": {"timeoutSeconds": 90}}),
        errs=["spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is "
              "None"]),
    # -- external IPs (row 11) --
    row("valid publicIPs", spec(externalTrafficPolicy="Cluster", externalIPs=["1.2.3.4"])),
    row("invalid publicIPs localhost", spec(externalTrafficPolicy="Cluster",
                                            externalIPs=["127.0.0.1"]),
        errs=['spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback '
              'range (127.0.0.0/8, ::1/128)']),
    row("invalid publicIPs unspecified", spec(externalTrafficPolicy="Cluster",
                                              externalIPs=["0.0.0.0"]),
        errs=['spec.externalIPs[0]: Invalid value: "0.0.0.0": may not be unspecified '
              '(0.0.0.0)']),
    row("invalid publicIPs link-local", spec(externalTrafficPolicy="Cluster",
                                             externalIPs=["169.254.169.254"]),
        errs=['spec.externalIPs[0]: Invalid value: "169.254.169.254": may not be in the '
              'link-local range (169.254.0.0/16, fe80::/10)']),
    row("invalid publicIPs multicast", spec(externalTrafficPolicy="Cluster",
                                            externalIPs=["1.2.3.4", "224.0.0.1"]),
        errs=['spec.externalIPs[1]: Invalid value: "224.0.0.1": may not be in the link-local '
              'multicast range (224.0.0.0/24, ff02::/10)']),
    row("invalid publicIPs host", spec(externalTrafficPolicy="Cluster",
                                       externalIPs=["myhost.mydomain"]),
        errs=[f'spec.externalIPs[0]: Invalid value: "myhost.mydomain": {IP}']),
    row("externalIPs with leading zeros (strict)", spec(externalTrafficPolicy="Cluster",
                                                        externalIPs=["010.1.2.3"]),
        errs=['spec.externalIPs[0]: Invalid value: "010.1.2.3": must not have leading 0s']),
    # -- type (row 12) --
    row("missing type", spec(type=""), errs=["spec.type: Required value"]),
    row("unsupported type", spec(type="Foo"),
        errs=['spec.type: Unsupported value: "Foo": supported values: "ClusterIP", '
              '"ExternalName", "LoadBalancer", "NodePort"']),
    row("valid type - nodeport", NODE_PORT),
    row("valid type - loadbalancer", LB),
    row("valid LoadBalancer without node ports", LB,
        spec(allocateLoadBalancerNodePorts=False)),
    # -- node ports and duplicates (rows 13-15) --
    row("invalid cluster service with NodePort", add_port("q", 12345, nodePort=12345),
        errs=["spec.ports[1].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]),
    row("valid type=NodePort service with NodePort", NODE_PORT,
        add_port("q", 12345, nodePort=12345)),
    row("valid type loadbalancer with NodePort", LB, add_port("q", 12345, nodePort=12345)),
    row("duplicate nodeports", NODE_PORT, add_port("q", 1, nodePort=1),
        add_port("r", 2, nodePort=1),
        errs=["spec.ports[2].nodePort: Duplicate value: 1"]),
    row("duplicate nodeports (different protocols)", NODE_PORT, add_port("q", 1, nodePort=1),
        add_port("r", 2, "UDP", nodePort=1), add_port("s", 3, "SCTP", nodePort=1)),
    row("invalid duplicate ports (with same protocol)", add_port("q", 12345, targetPort=8080),
        add_port("r", 12345, targetPort=80),
        errs=['spec.ports[2]: Duplicate value: {"Name":"","Protocol":"TCP","AppProtocol":null,'
              '"Port":12345,"TargetPort":0,"NodePort":0}']),
    row("valid duplicate ports (with different protocols)", add_port("q", 12345),
        add_port("r", 12345, "UDP"), add_port("s", 12345, "SCTP")),
    row("load balancer with mix protocol", LB, add_port("q", 12345, "UDP")),
    row("valid port type=LoadBalancer (10250 is allowed)", LB, add_port("kubelet", 10250)),
    # -- loadBalancerSourceRanges and the annotation (rows 16-17) --
    row("valid LoadBalancer source range", LB,
        spec(loadBalancerSourceRanges=["1.2.3.0/24", "5.6.0.0/16"])),
    row("valid LoadBalancer source range with whitespace", LB,
        spec(loadBalancerSourceRanges=["1.2.3.0/24  ", " 5.6.0.0/16"])),
    row("invalid empty LoadBalancer source range", LB, spec(loadBalancerSourceRanges=["   "]),
        errs=[f'spec.LoadBalancerSourceRanges[0]: Invalid value: "": {CIDR}']),
    row("invalid LoadBalancer source range (hostname)", LB,
        spec(loadBalancerSourceRanges=["foo.bar"]),
        errs=[f'spec.LoadBalancerSourceRanges[0]: Invalid value: "foo.bar": {CIDR}']),
    row("invalid LoadBalancer source range (invalid CIDR)", LB,
        spec(loadBalancerSourceRanges=["1.2.3.4/33"]),
        errs=[f'spec.LoadBalancerSourceRanges[0]: Invalid value: "1.2.3.4/33": {CIDR}']),
    row("source range with host bits (strict)", LB, spec(loadBalancerSourceRanges=["10.0.0.1/8"]),
        errs=['spec.LoadBalancerSourceRanges[0]: Invalid value: "10.0.0.1/8": must not have bits '
              'set beyond the prefix length']),
    row("source range with leading zeros (strict)", LB,
        spec(loadBalancerSourceRanges=["010.0.0.0/8"]),
        errs=['spec.LoadBalancerSourceRanges[0]: Invalid value: "010.0.0.0/8": must not have '
              'leading 0s in IP or prefix length']),
    row("invalid source range for non LoadBalancer type service",
        spec(loadBalancerSourceRanges=["1.2.3.0/24", "5.6.0.0/16"]),
        errs=[f"spec.LoadBalancerSourceRanges: Forbidden: {ONLY_LB}"]),
    row("valid LoadBalancer source range annotation", LB,
        ann(SRC_ANN, "1.2.3.0/24,  5.6.0.0/16")),
    row("valid empty LoadBalancer source range annotation", LB, ann(SRC_ANN, "")),
    row("valid whitespace-only LoadBalancer source range annotation", LB, ann(SRC_ANN, "  ")),
    row("invalid LoadBalancer source range annotation (hostname)", LB, ann(SRC_ANN, "foo.bar"),
        errs=[f'metadata.annotations[{SRC_ANN}]: Invalid value: "foo.bar": {CIDR}']),
    row("invalid LoadBalancer source range annotation (invalid CIDR)", LB,
        ann(SRC_ANN, "1.2.3.0/24,1.2.3.4/33"),
        errs=[f'metadata.annotations[{SRC_ANN}]: Invalid value: "1.2.3.4/33": {CIDR}']),
    row("source range annotation on non-LoadBalancer",
        ann(SRC_ANN, "1.2.3.0/24"),
        errs=[f"metadata.annotations[{SRC_ANN}]: Forbidden: {ONLY_LB}"]),
    row("empty source range annotation on non-LoadBalancer",
        ann(SRC_ANN, ""), errs=[f"metadata.annotations[{SRC_ANN}]: Forbidden: {ONLY_LB}"]),
    row("bad annotation ignored with source range field", LB,
        ann(SRC_ANN, "foo.bar"), spec(loadBalancerSourceRanges=["1.2.3.0/24", "5.6.0.0/16"])),
    # -- allocateLoadBalancerNodePorts, loadBalancerClass (rows 18-19) --
    row("allocateLoadBalancerNodePorts on non-LoadBalancer",
        spec(allocateLoadBalancerNodePorts=True),
        errs=[f"spec.allocateLoadBalancerNodePorts: Forbidden: {ONLY_LB}"]),
    row("LoadBalancer missing allocateLoadBalancerNodePorts", LB,
        spec(allocateLoadBalancerNodePorts=DEL),
        errs=["allocateLoadBalancerNodePorts: Required value"]),
    row("valid LoadBalancerClass when type is LoadBalancer", LB,
        spec(loadBalancerClass="test.com/test-load-balancer-class")),
    row("invalid LoadBalancerClass", LB, spec(loadBalancerClass="Bad/LoadBalancerClass"),
        errs=['spec.loadBalancerClass: Invalid value: "Bad/LoadBalancerClass": prefix part '
              + SUBDOMAIN]),
    row("loadBalancerClass on non-LoadBalancer",
        spec(loadBalancerClass="test.com/test-load-balancer-class"),
        errs=[f"spec.loadBalancerClass: Forbidden: {ONLY_LB}"]),
    # -- traffic policies and health check node port (rows 20-23) --
    row("invalid externalTraffic field", LB, spec(externalTrafficPolicy="invalid"),
        errs=['spec.externalTrafficPolicy: Unsupported value: "invalid": supported values: '
              '"Cluster", "Local"']),
    row("externalTrafficPolicy is required on NodePort service", spec(type="NodePort"),
        errs=["spec.externalTrafficPolicy: Required value"]),
    row("ClusterIP with externalIPs needs the policy",
        spec(externalIPs=["1.2.3.4"]), errs=["spec.externalTrafficPolicy: Required value"]),
    row("externalTrafficPolicy on ExternalName", EXT_NAME,
        spec(externalTrafficPolicy="Local"),
        errs=['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for '
              'externally-accessible services']),
    row("policy and health check port on ClusterIP",
        spec(externalTrafficPolicy="Local", healthCheckNodePort=34567),
        errs=['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for '
              'externally-accessible services',
              "spec.healthCheckNodePort: Invalid value: 34567: may only be set when `type` is "
              "'LoadBalancer' and `externalTrafficPolicy` is 'Local'"]),
    row("valid LoadBalancer with policy and health check port", LB,
        spec(externalTrafficPolicy="Local", healthCheckNodePort=34567)),
    row("valid nodePort service with externalTrafficPolicy set", NODE_PORT,
        spec(externalTrafficPolicy="Local")),
    row("health check port with policy Cluster", LB,
        spec(healthCheckNodePort=34567),
        errs=["spec.healthCheckNodePort: Invalid value: 34567: may only be set when `type` is "
              "'LoadBalancer' and `externalTrafficPolicy` is 'Local'"]),
    row("cannot set healthCheckNodePort field on nodePort service", NODE_PORT,
        spec(externalTrafficPolicy="Local", healthCheckNodePort=34567),
        errs=["spec.healthCheckNodePort: Invalid value: 34567: may only be set when `type` is "
              "'LoadBalancer' and `externalTrafficPolicy` is 'Local'"]),
    row("missing healthCheckNodePort", LB, spec(externalTrafficPolicy="Local"),
        errs=["spec.healthCheckNodePort: Required value"]),
    row("negative healthCheckNodePort field", LB,
        spec(externalTrafficPolicy="Local", healthCheckNodePort=-1),
        errs=[f"spec.healthCheckNodePort: Invalid value: -1: {RANGE}"]),
    row("nil internalTraffic field", spec(internalTrafficPolicy=DEL),
        errs=["spec.internalTrafficPolicy: Required value"]),
    row("internalTrafficPolicy set to Local", spec(internalTrafficPolicy="Local")),
    row("invalid internalTraffic field", spec(internalTrafficPolicy="invalid"),
        errs=['spec.internalTrafficPolicy: Unsupported value: "invalid": supported values: '
              '"Cluster", "Local"']),
    row("trafficDistribution PreferClose", spec(trafficDistribution="PreferClose")),
    row("trafficDistribution PreferSameZone", spec(trafficDistribution="PreferSameZone")),
    row("trafficDistribution PreferSameNode", spec(trafficDistribution="PreferSameNode")),
    row("invalid: trafficDistribution field set to Random", spec(trafficDistribution="Random"),
        errs=['spec.trafficDistribution: Unsupported value: "Random": supported values: '
              '"PreferClose", "PreferSameNode", "PreferSameZone"']),
]

PORT_ROWS = [
    row("empty first port name", port(0, name="")),
    row("empty second port name", add_port("", 12345), errs=["spec.ports[1].name: Required value"]),
    row("empty multi-port first name", port(0, name=""), add_port("q", 12345),
        errs=["spec.ports[0].name: Required value"]),
    row("invalid port name", port(0, name="INVALID"),
        errs=[f'spec.ports[0].name: Invalid value: "INVALID": {LABEL_1123}']),
    row("all-digit port name is a valid label", port(0, name="8080")),
    row("port name with dots", port(0, name="a.b"),
        errs=['spec.ports[0].name: Invalid value: "a.b": must not contain dots']),
    row("dup port name", add_port("p", 12345),
        errs=['spec.ports[1].name: Duplicate value: "p"']),
    row("missing protocol", port(0, protocol=""), errs=["spec.ports[0].protocol: Required value"]),
    row("invalid protocol", port(0, protocol="tcp"),
        errs=['spec.ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", '
              '"TCP", "UDP"']),
    row("missing port (defaulted targetPort follows)", port(0, port=0, targetPort=0),
        errs=[f"spec.ports[0].port: Invalid value: 0: {RANGE}",
              f"spec.ports[0].targetPort: Invalid value: 0: {RANGE}"]),
    row("invalid port", port(0, port=65536),
        errs=[f"spec.ports[0].port: Invalid value: 65536: {RANGE}"]),
    row("invalid TargetPort int", port(0, targetPort=65536),
        errs=[f"spec.ports[0].targetPort: Invalid value: 65536: {RANGE}"]),
    row("named targetPort", port(0, targetPort="http")),
    row("digits as a named targetPort", port(0, targetPort="8080"),
        errs=['spec.ports[0].targetPort: Invalid value: "8080": must contain at least one letter '
              '(a-z)']),
    row("upper-case named targetPort", port(0, targetPort="HTTP"),
        errs=['spec.ports[0].targetPort: Invalid value: "HTTP": must contain only alpha-numeric '
              'characters (a-z, 0-9), and hyphens (-)',
              'spec.ports[0].targetPort: Invalid value: "HTTP": must contain at least one letter '
              '(a-z)']),
    row("too long named targetPort", port(0, targetPort="abcdefghijklmnop"),
        errs=['spec.ports[0].targetPort: Invalid value: "abcdefghijklmnop": must be no more than '
              '15 characters']),
    row("valid port headless", port(0, port=11722, targetPort=11722), HEADLESS),
    row("headless targetPort may differ (tolerated in v1)", port(0, port=11722, targetPort=11721),
        HEADLESS),
    row("headless named targetPort (tolerated in v1)", port(0, targetPort="target"), HEADLESS),
    row("valid appProtocol", port(0, appProtocol="HTTP")),
    row("valid custom appProtocol", port(0, appProtocol="example.com/protocol")),
    row("invalid appProtocol", port(0, appProtocol="example.com/protocol_with{invalid}[chars]"),
        errs=['spec.ports[0].appProtocol: Invalid value: "example.com/protocol_with{invalid}'
              f'[chars]": {NAME_PART}']),
]

CLUSTER_IP_ROWS = [
    row("valid cluster ip - none", HEADLESS),
    row("valid cluster ip", spec(clusterIP="10.96.0.10", clusterIPs=["10.96.0.10"])),
    row("invalid cluster ip", spec(clusterIP="invalid", clusterIPs=["invalid"]),
        errs=[f'spec.clusterIPs[0]: Invalid value: "invalid": {IP}']),
    row("cluster ip with leading zeros (strict)",
        spec(clusterIP="010.096.0.10", clusterIPs=["010.096.0.10"]),
        errs=['spec.clusterIPs[0]: Invalid value: "010.096.0.10": must not have leading 0s']),
    row("singular without plural", spec(clusterIP="10.96.0.10"),
        errs=["spec.clusterIPs: Required value"]),
    row("invalid cluster ip != clusterIP in single ip service",
        spec(clusterIP="10.0.0.10", clusterIPs=["10.0.0.1"]),
        errs=['spec.clusterIPs: Invalid value: ["10.0.0.1"]: first value must match '
              '`clusterIP`']),
    row("invalid cluster ip != clusterIP in multi ip service", DUAL,
        spec(clusterIP="10.0.0.10", clusterIPs=["10.0.0.1", "2001::1"]),
        errs=['spec.clusterIPs: Invalid value: ["10.0.0.1","2001::1"]: first value must match '
              '`clusterIP`']),
    row("invalid, EMPTY STRING + IP", DUAL, spec(clusterIP="", clusterIPs=["", "2001::1"]),
        errs=['spec.clusterIPs: Invalid value: ["","2001::1"]: must be empty when `clusterIP` is '
              'not specified',
              f'spec.clusterIPs[0]: Invalid value: "": {IP}']),
    row("invalid, service with invalid ipFamilies", spec(ipFamilies=["not-a-valid-ip-family"]),
        errs=['spec.ipFamilies[0]: Unsupported value: "not-a-valid-ip-family": supported '
              'values: "IPv4", "IPv6"']),
    row("invalid, service with invalid ipFamilies (2nd)", DUAL,
        spec(ipFamilies=["IPv4", "not-a-valid-ip-family"]),
        errs=['spec.ipFamilies[1]: Unsupported value: "not-a-valid-ip-family": supported '
              'values: "IPv4", "IPv6"']),
    row("invalid, service with 2+ ipFamilies", DUAL, spec(ipFamilies=["IPv4", "IPv6", "IPv4"]),
        errs=['spec.ipFamilies[2]: Duplicate value: "IPv4"']),
    row("invalid, service with same ip families", DUAL, spec(ipFamilies=["IPv6", "IPv6"]),
        errs=['spec.ipFamilies[1]: Duplicate value: "IPv6"']),
    row("invalid ipFamilyPolicy", spec(ipFamilyPolicy="DualStack"),
        errs=['spec.ipFamilyPolicy: Unsupported value: "DualStack": supported values: '
              '"PreferDualStack", "RequireDualStack", "SingleStack"']),
    row("SingleStack with two families",
        spec(ipFamilyPolicy="SingleStack", ipFamilies=["IPv4", "IPv6"])),
    row("invalid, garbage ips", DUAL,
        spec(clusterIP="garbage-ip", clusterIPs=["garbage-ip", "garbage-second-ip"]),
        errs=[f'spec.clusterIPs[0]: Invalid value: "garbage-ip": {IP}',
              f'spec.clusterIPs[1]: Invalid value: "garbage-second-ip": {IP}']),
    row("invalid, garbage second ip", DUAL,
        spec(clusterIP="2001::1", clusterIPs=["2001::1", "garbage-ip"]),
        errs=[f'spec.clusterIPs[1]: Invalid value: "garbage-ip": {IP}']),
    row("invalid, NONE + IP", DUAL, spec(clusterIP="None", clusterIPs=["None", "2001::1"]),
        errs=['spec.clusterIPs: Invalid value: ["None","2001::1"]: \'None\' must be the first '
              'and only value']),
    row("invalid, IP + NONE", DUAL, spec(clusterIP="2001::1", clusterIPs=["2001::1", "None"]),
        errs=[f'spec.clusterIPs[1]: Invalid value: "None": {IP}']),
    row("invalid, same ip family (v6)", DUAL,
        spec(clusterIP="2001::1", clusterIPs=["2001::1", "2001::4"], ipFamilies=["IPv4", "IPv6"]),
        errs=['spec.clusterIPs: Invalid value: ["2001::1","2001::4"]: may specify no more than '
              'one IP for each IP family',
              'spec.clusterIPs[0]: Invalid value: "2001::1": expected an IPv4 value as indicated '
              'by `ipFamilies[0]`']),
    row("invalid, same ip family (v4)", DUAL,
        spec(clusterIP="10.0.0.1", clusterIPs=["10.0.0.1", "10.0.0.10"],
             ipFamilies=["IPv4", "IPv6"]),
        errs=['spec.clusterIPs: Invalid value: ["10.0.0.1","10.0.0.10"]: may specify no more '
              'than one IP for each IP family',
              'spec.clusterIPs[1]: Invalid value: "10.0.0.10": expected an IPv6 value as '
              'indicated by `ipFamilies[1]`']),
    row("invalid, more than two ips", DUAL,
        spec(clusterIP="10.0.0.1", clusterIPs=["10.0.0.1", "2001::1", "10.0.0.10"],
             ipFamilies=["IPv4", "IPv6"]),
        errs=['spec.clusterIPs: Invalid value: ["10.0.0.1","2001::1","10.0.0.10"]: may only '
              'hold up to 2 values']),
    row("invalid, families don't match (v4=>v6)",
        spec(clusterIP="10.0.0.1", clusterIPs=["10.0.0.1"], ipFamilies=["IPv6"]),
        errs=['spec.clusterIPs[0]: Invalid value: "10.0.0.1": expected an IPv6 value as '
              'indicated by `ipFamilies[0]`']),
    row("invalid, families don't match (v6=>v4)",
        spec(clusterIP="2001::1", clusterIPs=["2001::1"], ipFamilies=["IPv4"]),
        errs=['spec.clusterIPs[0]: Invalid value: "2001::1": expected an IPv4 value as '
              'indicated by `ipFamilies[0]`']),
    row("valid, headless-no-selector + multi family", DUAL, HEADLESS, spec(selector=DEL),
        spec(ipFamilies=["IPv4", "IPv6"])),
    row("valid, multi ips, multi ipfamilies (4,6)", DUAL,
        spec(clusterIP="10.0.0.1", clusterIPs=["10.0.0.1", "2001::1"],
             ipFamilies=["IPv4", "IPv6"])),
    row("valid, multi ip, single ipfamilies preferDualStack",
        spec(ipFamilyPolicy="PreferDualStack", clusterIP="10.0.0.1",
             clusterIPs=["10.0.0.1", "2001::1"], ipFamilies=["IPv4"])),
    row(" multi ip, dualstack not set (request for downgrade)",
        spec(ipFamilyPolicy="SingleStack", clusterIP="10.0.0.1",
             clusterIPs=["10.0.0.1", "2001::1"], ipFamilies=["IPv4", "IPv6"])),
]


@pytest.mark.parametrize(("tweaks", "expected"), CREATE_ROWS + PORT_ROWS + CLUSTER_IP_ROWS)
def test_validate_service(tweaks, expected):
    assert [str(e) for e in validate_service(build(*tweaks))] == expected


def test_stored_non_standard_ips_are_ratcheted():
    tweaks = (spec(clusterIP="010.096.0.10", clusterIPs=["010.096.0.10"],
                   externalTrafficPolicy="Cluster", externalIPs=["010.1.2.3"]),)
    old = build(*tweaks)
    new = build(*tweaks, spec(externalIPs=["010.1.2.3", "010.1.2.4"]))
    assert [str(e) for e in validate_service(new, old)] == [
        'spec.externalIPs[1]: Invalid value: "010.1.2.4": must not have leading 0s']


def test_errors_are_all_collected_in_upstream_order():
    svc = build(meta(name="-x"), spec(type="NodePort", sessionAffinity="Sticky"),
                port(0, port=0, targetPort="8080"), add_port("", 1, "tcp"))
    assert [str(e) for e in validate_service(svc)] == [
        f'metadata.name: Invalid value: "-x": {LABEL_1123}',
        f"spec.ports[0].port: Invalid value: 0: {RANGE}",
        'spec.ports[0].targetPort: Invalid value: "8080": must contain at least one letter (a-z)',
        "spec.ports[1].name: Required value",
        'spec.ports[1].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", '
        '"UDP"',
        'spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"',
        "spec.externalTrafficPolicy: Required value",
    ]


@pytest.mark.parametrize(("name", "expected"), [
    pytest.param("1-test", [], id="relaxed name"),
    pytest.param("", ["metadata.name: Required value: name or generateName is required"],
                 id="missing"),
    pytest.param("Web", [f'metadata.name: Invalid value: "Web": {LABEL_1123}'], id="invalid"),
])
def test_validate_service_name_before_allocation(name, expected):
    assert [str(e) for e in validate_service_name(build(meta(name=name)))] == expected


# ---------------------------------------------------------------------------------------------
# ValidateServiceUpdate (section 5)


def stored(*tweaks) -> dict:
    return build(spec(clusterIP="10.96.0.10", clusterIPs=["10.96.0.10"], ipFamilies=["IPv4"],
                      ipFamilyPolicy="SingleStack"), *tweaks)


DUAL_STORED = (spec(clusterIP="10.96.0.10", clusterIPs=["10.96.0.10", "2001:db8::10"],
                    ipFamilies=["IPv4", "IPv6"], ipFamilyPolicy="RequireDualStack"),)
LB_CLASS = (LB, spec(loadBalancerClass="example.com/a"))
LB_LOCAL = (LB, spec(externalTrafficPolicy="Local", healthCheckNodePort=30200))


def update(name: str, old_tweaks=(), new_tweaks=(), errs=()):
    return pytest.param(tuple(old_tweaks), tuple(new_tweaks), list(errs), id=name)


UPDATE_ROWS = [
    update("no change"),
    update("change name", new_tweaks=[meta(name="other")],
           errs=['metadata.name: Invalid value: "other": field is immutable']),
    update("change namespace", new_tweaks=[meta(namespace="other")],
           errs=['metadata.namespace: Invalid value: "other": field is immutable']),
    update("invalid label is reported by both meta checks",
           new_tweaks=[meta(labels={"a": "-x"})],
           errs=2 * ['metadata.labels: Invalid value: "-x": a valid label must be an empty string '
                     "or consist of alphanumeric characters, '-', '_' or '.', and must start and "
                     "end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
                     "'12345', regex used for validation is "
                     "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]),
    update("change type", new_tweaks=[NODE_PORT]),
    update("change cluster IP", new_tweaks=[spec(clusterIP="10.96.0.11",
                                                 clusterIPs=["10.96.0.11"])],
           errs=['spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set']),
    update("ClusterIP to headless", new_tweaks=[HEADLESS],
           errs=['spec.clusterIPs[0]: Invalid value: ["None"]: may not change once set']),
    update("headless to ClusterIP", old_tweaks=[HEADLESS],
           new_tweaks=[spec(clusterIP="10.96.0.11", clusterIPs=["10.96.0.11"])],
           errs=['spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set']),
    update("headless may change families", old_tweaks=[HEADLESS],
           new_tweaks=[HEADLESS, spec(ipFamilies=["IPv6"])]),
    update("primary cluster IP unset", new_tweaks=[spec(clusterIP=DEL, clusterIPs=DEL)],
           errs=["spec.clusterIPs[0]: Invalid value: null: primary clusterIP can not be unset"]),
    update("primary cluster IP and family unset",
           new_tweaks=[spec(clusterIP=DEL, clusterIPs=DEL, ipFamilies=DEL)],
           errs=["spec.clusterIPs[0]: Invalid value: null: primary clusterIP can not be unset",
                 "spec.ipFamilies[0]: Invalid value: null: primary ipFamily can not be unset"]),
    update("change primary family", new_tweaks=[spec(ipFamilies=["IPv6"])],
           errs=['spec.ipFamilies[0]: Invalid value: ["IPv6"]: may not change once set',
                 'spec.clusterIPs[0]: Invalid value: "10.96.0.10": expected an IPv6 value as '
                 'indicated by `ipFamilies[0]`']),
    update("upgrade to dual stack", new_tweaks=DUAL_STORED),
    update("upgrade changing the primary IP", new_tweaks=[
        *DUAL_STORED, spec(clusterIP="10.96.0.11", clusterIPs=["10.96.0.11", "2001:db8::10"])],
        errs=['spec.clusterIPs[0]: Invalid value: ["10.96.0.11","2001:db8::10"]: may not change '
              'once set']),
    update("downgrade with SingleStack", old_tweaks=DUAL_STORED,
           new_tweaks=[spec(clusterIPs=["10.96.0.10"], ipFamilies=["IPv4"],
                            ipFamilyPolicy="SingleStack")]),
    update("downgrade without SingleStack", old_tweaks=DUAL_STORED,
           new_tweaks=[*DUAL_STORED, spec(clusterIPs=["10.96.0.10"], ipFamilies=["IPv4"])],
           errs=['spec.ipFamilyPolicy: Invalid value: "RequireDualStack": must be set to '
                 "'SingleStack' when releasing the secondary clusterIP",
                 'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": must be set to '
                 "'SingleStack' when releasing the secondary ipFamily"]),
    update("downgrade with no policy at all", old_tweaks=DUAL_STORED,
           new_tweaks=[spec(clusterIPs=["10.96.0.10"], ipFamilies=["IPv4"],
                            ipFamilyPolicy=DEL)],
           errs=["spec.ipFamilyPolicy: Invalid value: null: must be set to 'SingleStack' when "
                 "releasing the secondary clusterIP",
                 "spec.ipFamilyPolicy: Invalid value: null: must be set to 'SingleStack' when "
                 "releasing the secondary ipFamily"]),
    update("ExternalName to ClusterIP skips the IP rules",
           old_tweaks=[EXT_NAME, spec(clusterIP=DEL, clusterIPs=DEL, ipFamilies=DEL,
                                      ipFamilyPolicy=DEL)],
           new_tweaks=[spec(clusterIP="10.96.0.99", clusterIPs=["10.96.0.99"])]),
    update("ClusterIP to ExternalName after the drop",
           new_tweaks=[EXT_NAME, spec(clusterIP=DEL, clusterIPs=DEL, ipFamilies=DEL,
                                      ipFamilyPolicy=DEL)]),
    update("ClusterIP to ExternalName needs a name",
           new_tweaks=[EXT_NAME, spec(externalName=DEL, clusterIP=DEL, clusterIPs=DEL,
                                      ipFamilies=DEL, ipFamilyPolicy=DEL)],
           errs=["spec.externalName: Required value"]),
    update("change load balancer class", old_tweaks=LB_CLASS,
           new_tweaks=[*LB_CLASS, spec(loadBalancerClass="example.com/b")],
           errs=['spec.loadBalancerClass: Invalid value: "example.com/b": may not change once '
                 'set']),
    update("unset load balancer class", old_tweaks=LB_CLASS,
           new_tweaks=[*LB_CLASS, spec(loadBalancerClass=DEL)],
           errs=["spec.loadBalancerClass: Invalid value: null: may not change once set"]),
    update("set load balancer class", old_tweaks=[LB],
           new_tweaks=[*LB_CLASS],
           errs=['spec.loadBalancerClass: Invalid value: "example.com/a": may not change once '
                 'set']),
    update("class set while coming back to LoadBalancer", new_tweaks=LB_CLASS),
    update("class left on a ClusterIP (not dropped) fails twice", old_tweaks=LB_CLASS,
           new_tweaks=[*LB_CLASS, spec(type="ClusterIP")],
           errs=[f"spec.loadBalancerClass: Forbidden: {ONLY_LB}",
                 f"spec.allocateLoadBalancerNodePorts: Forbidden: {ONLY_LB}",
                 f"spec.loadBalancerClass: Forbidden: {ONLY_LB}",
                 'spec.externalTrafficPolicy: Invalid value: "Cluster": may only be set for '
                 'externally-accessible services']),
    update("change health check node port", old_tweaks=LB_LOCAL,
           new_tweaks=[*LB_LOCAL, spec(healthCheckNodePort=30201)],
           errs=["spec.healthCheckNodePort: Forbidden: field is immutable"]),
    update("keep health check node port", old_tweaks=LB_LOCAL, new_tweaks=LB_LOCAL),
]


@pytest.mark.parametrize(("old_tweaks", "new_tweaks", "expected"), UPDATE_ROWS)
def test_validate_service_update(old_tweaks, new_tweaks, expected):
    old = stored(*old_tweaks)
    new = stored(*new_tweaks)
    assert [str(e) for e in validate_service_update(new, old)] == expected


# ---------------------------------------------------------------------------------------------
# The create pipeline as the registry runs it (section 1)


def _create(manifest_spec: dict):
    svc = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": "web", "namespace": "default"}, "spec": manifest_spec}
    default_service(svc)
    normalize_cluster_ips(svc)
    errs = init_ip_family_fields(svc)
    if errs:
        return svc, [str(e) for e in errs]
    if not svc["spec"].get("clusterIPs") and svc["spec"]["type"] != "ExternalName":
        svc["spec"]["clusterIP"] = "10.96.0.50"  # stands in for the allocator
        svc["spec"]["clusterIPs"] = ["10.96.0.50"]
    prepare_for_create(svc)
    return svc, [str(e) for e in validate_service(svc)]


def test_plain_create_is_valid():
    svc, errs = _create({"selector": {"app": "web"}, "ports": [{"port": 80}]})
    assert errs == []
    assert svc["spec"]["ipFamilies"] == ["IPv4"]
    assert svc["status"] == {"loadBalancer": {}}


def test_defaulting_hides_required_errors():
    svc, errs = _create({"type": "LoadBalancer", "ports": [{"port": 80}]})
    assert errs == []
    assert svc["spec"]["allocateLoadBalancerNodePorts"] is True


def test_session_affinity_config_with_none_is_dropped_not_refused():
    _, errs = _create({"ports": [{"port": 80}], "sessionAffinityConfig": {
        "clientIP": {"timeoutSeconds": 1}}})
    assert errs == []


def test_cluster_ip_errors_come_from_allocation_first():
    _, errs = _create({"ports": [{"port": 80}], "clusterIP": "None",
                       "clusterIPs": ["None", "10.96.0.1"]})
    assert errs == ['spec.clusterIPs: Invalid value: ["None","10.96.0.1"]: \'None\' must be the '
                    'first and only value']


# ---------------------------------------------------------------------------------------------
# Warnings (section 10)


@pytest.mark.parametrize(("tweaks", "expected"), [
    row("none"),
    row("headless ignores fields", HEADLESS, spec(loadBalancerIP="1.2.3.4",
                                                  externalTrafficPolicy="Cluster",
                                                  externalIPs=["1.2.3.4"],
                                                  sessionAffinity="ClientIP"),
        errs=["spec.loadBalancerIP is ignored for headless services",
              "spec.externalIPs is ignored for headless services",
              "spec.SessionAffinity is ignored for headless services"]),
    row("externalIPs are deprecated", spec(externalTrafficPolicy="Cluster",
                                           externalIPs=["010.1.2.3"]),
        errs=['spec.externalIPs[0]: non-standard IP address "010.1.2.3" will be considered '
              'invalid in a future Kubernetes release: use "10.1.2.3"',
              "spec.externalIPs is deprecated and may no longer be implemented in some clusters"]),
    row("externalIPs on ExternalName", EXT_NAME, spec(externalIPs=["1.2.3.4"]),
        errs=['spec.externalIPs is ignored when spec.type is "ExternalName"']),
    row("externalName on ClusterIP", spec(externalName="x.example.com"),
        errs=['spec.externalName is ignored when spec.type is not "ExternalName"']),
    row("PreferClose is deprecated", spec(trafficDistribution="PreferClose"),
        errs=['spec.trafficDistribution: "PreferClose" is deprecated; use "PreferSameZone"']),
    row("topology-aware-hints annotation", ann(HINTS, "auto"),
        errs=[f"annotation {HINTS} is deprecated, please use {MODE} instead"]),
    row("non-canonical IPv6 cluster IP", spec(clusterIP="2001:db8:0:0::1",
                                              clusterIPs=["2001:db8:0:0::1"]),
        errs=['spec.clusterIPs[0]: IPv6 address "2001:db8:0:0::1" should be in RFC 5952 '
              'canonical format ("2001:db8::1")']),
    row("loadBalancerIP with leading zeros", LB, spec(loadBalancerIP="010.0.0.1"),
        errs=['spec.loadBalancerIP: non-standard IP address "010.0.0.1" will be considered '
              'invalid in a future Kubernetes release: use "10.0.0.1"']),
    row("ambiguous source range", LB, spec(loadBalancerSourceRanges=["10.0.0.1/8"]),
        errs=['spec.loadBalancerSourceRanges[0]: CIDR value "10.0.0.1/8" is ambiguous in this '
              'context (should be "10.0.0.0/8" or "10.0.0.1/32"?)']),
])
def test_service_warnings(tweaks, expected):
    assert service_warnings(build(*tweaks)) == expected
