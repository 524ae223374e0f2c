"""NetworkPolicy, Ingress and IngressClass validation and defaulting, table-driven.

Rows restate upstream's pkg/apis/networking/validation/validation_test.go
(TestValidateNetworkPolicy, TestValidateNetworkPolicyUpdate, TestValidateIngress*,
TestValidateIngressClass*) with the exact text a 1.37 API server renders; each row names the
upstream function whose rule it checks. Defaulting rows follow pkg/apis/networking/v1
defaults_test.go.
"""

from __future__ import annotations

import copy

import pytest

from kubesvc.apiserver.strategies.networking import default_ingress_class, default_network_policy
from kubesvc.apiserver.validation.networking import (
    network_policy_warnings,
    validate_network_policy,
)
from kubesvc.apiserver.validation.networking_ingress import (
    validate_ingress,
    validate_ingress_class,
    validate_ingress_status,
)

SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
WILDCARD = (
    "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which "
    "must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric "
    "character (e.g. '*.example.com', regex used for validation is "
    "'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
NAME_PART = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
LABEL_VALUE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value', "
    " or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
CIDR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
RANGE = "must be between 1 and 65535, inclusive"


def _apply(obj: dict, tweaks) -> dict:
    obj = copy.deepcopy(obj)
    for tweak in tweaks:
        tweak(obj)
    return obj


def at(path: str, value):
    """Set `value` (or delete it, value None) at a dotted path with [i] indexes."""
    def tweak(obj):
        steps = [int(s) if s.isdigit() else s for s in path.replace("[", ".").replace("]", "")
                 .split(".")]
        target = obj
        for step in steps[:-1]:
            target = target[step]
        if value is None:
            target.pop(steps[-1], None)
        else:
            target[steps[-1]] = copy.deepcopy(value)
    return tweak


def row(name: str, *tweaks, errs=()):
    return pytest.param(tweaks, list(errs), id=name)


def messages(errors) -> list[str]:
    return [str(e) for e in errors]


# -- NetworkPolicy -----------------------------------------------------------------------------

POLICY = {
    "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
    "metadata": {"name": "np", "namespace": "default"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "web"}},
        "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "client"}}}],
                     "ports": [{"protocol": "TCP", "port": 80}]}],
        "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}],
        "policyTypes": ["Ingress", "Egress"],
    },
}

POLICY_ROWS = [
    row("valid"),
    row("valid: empty podSelector selects every pod", at("spec.podSelector", {})),
    row("valid: namespaceSelector and podSelector together (ValidateNetworkPolicyPeer)",
        at("spec.ingress[0].from[0].namespaceSelector", {"matchLabels": {"team": "a"}})),
    row("valid: named port", at("spec.ingress[0].ports[0].port", "http")),
    row("valid: endPort >= port", at("spec.ingress[0].ports[0].endPort", 90)),
    row("valid: IPv6 ipBlock", at("spec.egress[0].to[0].ipBlock",
                                  {"cidr": "fd00::/64", "except": ["fd00::/96"]})),
    # ValidateNetworkPolicyPort
    row("protocol unsupported", at("spec.ingress[0].ports[0].protocol", "ICMP"),
        errs=['spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: '
              '"TCP", "UDP", "SCTP"']),
    row("port number out of range", at("spec.ingress[0].ports[0].port", 65536),
        errs=[f"spec.ingress[0].ports[0].port: Invalid value: 65536: {RANGE}"]),
    row("port name invalid", at("spec.ingress[0].ports[0].port", "-http"),
        errs=['spec.ingress[0].ports[0].port: Invalid value: "-http": must not begin or end '
              "with a hyphen"]),
    row("endPort below port", at("spec.ingress[0].ports[0].endPort", 79),
        errs=["spec.ingress[0].ports[0].endPort: Invalid value: 79: must be greater than or "
              "equal to `port`"]),
    row("endPort out of range", at("spec.ingress[0].ports[0].endPort", 65536),
        errs=[f"spec.ingress[0].ports[0].endPort: Invalid value: 65536: {RANGE}"]),
    row("endPort with a named port", at("spec.ingress[0].ports[0].port", "http"),
        at("spec.ingress[0].ports[0].endPort", 90),
        errs=["spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when "
              "`port` is non-numeric"]),
    row("endPort without port", at("spec.ingress[0].ports[0].port", None),
        at("spec.ingress[0].ports[0].endPort", 90),
        errs=["spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when "
              "`port` is not specified"]),
    # ValidateNetworkPolicyPeer
    row("peer with nothing", at("spec.ingress[0].from[0]", {}),
        errs=["spec.ingress[0].from[0]: Required value: must specify a peer"]),
    row("ipBlock with a podSelector",
        at("spec.egress[0].to[0].podSelector", {}),
        errs=["spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer"]),
    # ValidateIPBlock
    row("ipBlock without cidr", at("spec.egress[0].to[0].ipBlock", {"cidr": ""}),
        errs=["spec.egress[0].to[0].ipBlock.cidr: Required value"]),
    row("ipBlock cidr invalid", at("spec.egress[0].to[0].ipBlock", {"cidr": "10.0.0.0/33"}),
        errs=[f'spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": {CIDR}']),
    row("ipBlock cidr with host bits (StrictIPCIDRValidation)",
        at("spec.egress[0].to[0].ipBlock", {"cidr": "10.0.0.1/8"}),
        errs=['spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0.1/8": must not have '
              "bits set beyond the prefix length"]),
    row("except outside cidr",
        at("spec.egress[0].to[0].ipBlock", {"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16"]}),
        errs=['spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "11.0.0.0/16": must be a '
              "strict subset of `cidr`"]),
    row("except equal to cidr",
        at("spec.egress[0].to[0].ipBlock", {"cidr": "10.0.0.0/8", "except": ["10.0.0.0/8"]}),
        errs=['spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "10.0.0.0/8": must be a '
              "strict subset of `cidr`"]),
    row("except of the other family",
        at("spec.egress[0].to[0].ipBlock", {"cidr": "10.0.0.0/8", "except": ["fd00::/64"]}),
        errs=['spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "fd00::/64": must be a '
              "strict subset of `cidr`"]),
    # ValidateLabelSelector / ValidateLabelSelectorRequirement
    row("podSelector label key invalid", at("spec.podSelector", {"matchLabels": {"a b": "x"}}),
        errs=[f'spec.podSelector.matchLabels: Invalid value: "a b": {NAME_PART}']),
    row("In without values",
        at("spec.podSelector", {"matchExpressions": [{"key": "app", "operator": "In"}]}),
        errs=["spec.podSelector.matchExpressions[0].values: Required value: must be specified "
              "when `operator` is 'In' or 'NotIn'"]),
    row("Exists with values", at("spec.podSelector", {"matchExpressions": [
        {"key": "app", "operator": "Exists", "values": ["x"]}]}),
        errs=["spec.podSelector.matchExpressions[0].values: Forbidden: may not be specified "
              "when `operator` is 'Exists' or 'DoesNotExist'"]),
    row("unknown operator", at("spec.podSelector", {"matchExpressions": [
        {"key": "app", "operator": "Equals", "values": ["x"]}]}),
        errs=['spec.podSelector.matchExpressions[0].operator: Invalid value: "Equals": not a '
              "valid selector operator"]),
    row("selector value invalid", at("spec.ingress[0].from[0].namespaceSelector", {
        "matchExpressions": [{"key": "team", "operator": "In", "values": ["a b"]}]}),
        errs=["spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values[0]: "
              f'Invalid value: "a b": {LABEL_VALUE}']),
    # ValidateNetworkPolicySpec: policyTypes
    row("policyType unsupported", at("spec.policyTypes", ["Ingress", "Both"]),
        errs=['spec.policyTypes[1]: Unsupported value: "Both": supported values: "Ingress", '
              '"Egress"']),
    row("three policyTypes", at("spec.policyTypes", ["Ingress", "Egress", "Ingress"]),
        errs=['spec.policyTypes: Invalid value: ["Ingress","Egress","Ingress"]: may not specify '
              "more than two policyTypes"]),
    # ValidateObjectMeta with NameIsDNSSubdomain: dots are fine, upper case is not
    row("name with dots", at("metadata.name", "allow.web")),
    row("name invalid", at("metadata.name", "Web"),
        errs=[f'metadata.name: Invalid value: "Web": {SUBDOMAIN}']),
]


@pytest.mark.parametrize(("tweaks", "errs"), POLICY_ROWS)
def test_validate_network_policy(tweaks, errs):
    assert messages(validate_network_policy(_apply(POLICY, tweaks))) == errs


STORED_HOST_BITS = at("spec.egress[0].to[0].ipBlock", {"cidr": "10.0.0.1/8"})


@pytest.mark.parametrize(("old_tweaks", "new_tweaks", "errs"), [
    pytest.param((STORED_HOST_BITS,), (STORED_HOST_BITS,), [],
                 id="a stored non-strict cidr is let through (ValidateNetworkPolicyUpdate)"),
    pytest.param((), (STORED_HOST_BITS,),
                 ['spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0.1/8": must not '
                  "have bits set beyond the prefix length"], id="a new one is not"),
    pytest.param((at("spec.podSelector", {"matchExpressions": [
        {"key": "a", "operator": "In", "values": ["a b"]}]}),),
        (at("spec.podSelector", {"matchExpressions": [
            {"key": "a", "operator": "In", "values": ["c d"]}]}),), [],
        id="stored invalid selector values let values through (ValidationOptionsForNetworking)"),
    pytest.param((), (at("metadata.namespace", "other"),),
                 ['metadata.namespace: Invalid value: "other": field is immutable'],
                 id="namespace is immutable (ValidateObjectMetaUpdate)"),
])
def test_validate_network_policy_update(old_tweaks, new_tweaks, errs):
    old, new = _apply(POLICY, old_tweaks), _apply(POLICY, new_tweaks)
    assert messages(validate_network_policy(new, old)) == errs


@pytest.mark.parametrize(("spec", "expected"), [
    pytest.param({"podSelector": {}}, {"podSelector": {}, "policyTypes": ["Ingress"]},
                 id="no rules: Ingress"),
    pytest.param({"podSelector": {}, "egress": [{}]},
                 {"podSelector": {}, "egress": [{}], "policyTypes": ["Ingress", "Egress"]},
                 id="an empty egress rule counts: Ingress and Egress"),
    pytest.param({"podSelector": {}, "egress": [], "ingress": [{}]},
                 {"podSelector": {}, "egress": [], "ingress": [{}], "policyTypes": ["Ingress"]},
                 id="empty egress list: Ingress"),
    pytest.param({"podSelector": {}, "egress": [{}], "policyTypes": ["Egress"]},
                 {"podSelector": {}, "egress": [{}], "policyTypes": ["Egress"]},
                 id="set policyTypes are kept"),
    pytest.param({"podSelector": {}, "ingress": [{"ports": [{"port": 80}, {"protocol": "UDP"}]}]},
                 {"podSelector": {}, "ingress": [{"ports": [{"port": 80, "protocol": "TCP"},
                                                            {"protocol": "UDP"}]}],
                  "policyTypes": ["Ingress"]},
                 id="ports default to TCP (SetDefaults_NetworkPolicyPort)"),
])
def test_default_network_policy(spec, expected):
    np = {"spec": copy.deepcopy(spec)}
    default_network_policy(np)
    assert np["spec"] == expected


# -- Ingress -----------------------------------------------------------------------------------

def backend(name: str = "web", number: int | None = 80, port_name: str | None = None) -> dict:
    port = {"number": number} if number is not None else {}
    if port_name is not None:
        port["name"] = port_name
    return {"service": {"name": name, "port": port}}


INGRESS = {
    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "shop", "namespace": "default"},
    "spec": {
        "ingressClassName": "nginx",
        "rules": [{"host": "shop.example.com", "http": {"paths": [
            {"path": "/api", "pathType": "Prefix", "backend": backend()}]}}],
        "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
    },
}
P0 = "spec.rules[0].http.paths[0]"

INGRESS_ROWS = [
    row("valid"),
    row("valid: default backend only", at("spec.rules", None),
        at("spec.defaultBackend", backend())),
    row("valid: wildcard host", at("spec.rules[0].host", "*.example.com")),
    row("valid: ImplementationSpecific without path", at(f"{P0}.pathType",
                                                         "ImplementationSpecific"),
        at(f"{P0}.path", None)),
    row("valid: backend port by name", at(f"{P0}.backend", backend(number=None, port_name="http"))),
    row("valid: resource backend", at(f"{P0}.backend", {"resource": {
        "apiGroup": "k8s.example.com", "kind": "StorageBucket", "name": "static"}})),
    # ValidateIngressSpec
    row("neither rules nor defaultBackend", at("spec.rules", None),
        errs=["spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"]),
    row("empty rules and no defaultBackend", at("spec.rules", []),
        errs=["spec: Invalid value: []: either `defaultBackend` or `rules` must be specified"]),
    row("ingressClassName invalid", at("spec.ingressClassName", "Nginx"),
        errs=[f'spec.ingressClassName: Invalid value: "Nginx": {SUBDOMAIN}']),
    # validateIngressRules
    row("host is an IP", at("spec.rules[0].host", "10.0.0.1"),
        errs=['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP '
              "address"]),
    row("host invalid", at("spec.rules[0].host", "Shop.example.com"),
        errs=[f'spec.rules[0].host: Invalid value: "Shop.example.com": {SUBDOMAIN}']),
    row("wildcard of two labels", at("spec.rules[0].host", "*.*.example.com"),
        errs=[f'spec.rules[0].host: Invalid value: "*.*.example.com": {WILDCARD}']),
    # validateHTTPIngressRuleValue / validateHTTPIngressPath
    row("http without paths", at("spec.rules[0].http.paths", []),
        errs=["spec.rules[0].http.paths: Required value"]),
    row("no pathType (the backend is not checked then)", at(f"{P0}.pathType", None),
        at(f"{P0}.backend", {}),
        errs=[f"{P0}.pathType: Required value: pathType must be specified"]),
    row("pathType unsupported", at(f"{P0}.pathType", "Regex"),
        errs=[f'{P0}.pathType: Unsupported value: "Regex": supported values: "Exact", '
              '"ImplementationSpecific", "Prefix"']),
    row("Prefix path relative", at(f"{P0}.path", "api"),
        errs=[f'{P0}.path: Invalid value: "api": must be an absolute path']),
    row("Exact path with //", at(f"{P0}.pathType", "Exact"), at(f"{P0}.path", "/a//b"),
        errs=[f"{P0}.path: Invalid value: \"/a//b\": must not contain '//'"]),
    row("Prefix path ending in /..", at(f"{P0}.path", "/a/.."),
        errs=[f"{P0}.path: Invalid value: \"/a/..\": cannot end with '/..'"]),
    row("Prefix path with %2F", at(f"{P0}.path", "/a%2Fb"),
        errs=[f"{P0}.path: Invalid value: \"/a%2Fb\": must not contain '%2F'"]),
    row("ImplementationSpecific relative path", at(f"{P0}.pathType", "ImplementationSpecific"),
        at(f"{P0}.path", "a//b"),
        errs=[f'{P0}.path: Invalid value: "a//b": must be an absolute path']),
    # validateIngressBackend
    row("backend with nothing", at(f"{P0}.backend", {}),
        errs=[f'{P0}.backend: Invalid value: "": resource or service backend is required']),
    row("backend with service and resource", at(f"{P0}.backend", {
        **backend(), "resource": {"kind": "Bucket", "name": "b"}}),
        errs=[f'{P0}.backend: Invalid value: "": cannot set both resource and service '
              "backends"]),
    row("service name missing", at(f"{P0}.backend", backend(name="")),
        errs=[f"{P0}.backend.service.name: Required value"]),
    row("service name with dots", at(f"{P0}.backend", backend(name="web.v2")),
        errs=[f'{P0}.backend.service.name: Invalid value: "web.v2": must not contain dots']),
    row("service name may start with a digit (RelaxedServiceNameValidation)",
        at(f"{P0}.backend", backend(name="1web"))),
    row("port name and number", at(f"{P0}.backend", backend(port_name="http")),
        errs=[f'{P0}.backend: Invalid value: "": cannot set both port name & port number']),
    row("no port", at(f"{P0}.backend", backend(number=None)),
        errs=[f"{P0}.backend: Required value: port name or number is required"]),
    row("port number out of range", at(f"{P0}.backend", backend(number=70000)),
        errs=[f"{P0}.backend.service.port.number: Invalid value: 70000: {RANGE}"]),
    row("port name invalid", at(f"{P0}.backend", backend(number=None, port_name="HTTP")),
        errs=[f'{P0}.backend.service.port.name: Invalid value: "HTTP": must contain only '
              "alpha-numeric characters (a-z, 0-9), and hyphens (-)",
              f'{P0}.backend.service.port.name: Invalid value: "HTTP": must contain at least '
              "one letter (a-z)"]),
    row("resource backend without kind and name", at(f"{P0}.backend", {"resource": {}}),
        errs=[f"{P0}.backend.resource.kind: Required value",
              f"{P0}.backend.resource.name: Required value"]),
    row("resource backend name with /", at(f"{P0}.backend", {"resource": {"kind": "B",
                                                                         "name": "a/b"}}),
        errs=[f"{P0}.backend.resource.name: Invalid value: \"a/b\": may not contain '/'"]),
    # validateIngressTLS
    row("tls host invalid", at("spec.tls[0].hosts", ["Shop"]),
        errs=[f'spec.tls[0].hosts[0]: Invalid value: "Shop": {SUBDOMAIN}']),
    row("tls wildcard host", at("spec.tls[0].hosts", ["*.example.com"])),
    row("tls secret name invalid", at("spec.tls[0].secretName", "Shop_TLS"),
        errs=[f'spec.tls[0].secretName: Invalid value: "Shop_TLS": {SUBDOMAIN}']),
    # ValidateIngressCreate: the class annotation
    row("class annotation disagrees", at("metadata.annotations",
                                         {"kubernetes.io/ingress.class": "traefik"}),
        errs=['annotations.kubernetes.io/ingress.class: Invalid value: "traefik": must match '
              "`ingressClassName` when both are specified"]),
    row("class annotation agrees", at("metadata.annotations",
                                      {"kubernetes.io/ingress.class": "nginx"})),
]


@pytest.mark.parametrize(("tweaks", "errs"), INGRESS_ROWS)
def test_validate_ingress(tweaks, errs):
    assert messages(validate_ingress(_apply(INGRESS, tweaks))) == errs


BAD_SECRET = at("spec.tls[0].secretName", "Shop_TLS")
BAD_WILDCARD_RULE = (at("spec.rules[0].host", "*.example.com"), at("spec.rules[0].http.paths",
                                                                    []))


@pytest.mark.parametrize(("old_tweaks", "new_tweaks", "errs"), [
    pytest.param((BAD_SECRET,), (BAD_SECRET,), [],
                 id="stored invalid secret name ratchets (allowInvalidSecretName)"),
    pytest.param(BAD_WILDCARD_RULE, BAD_WILDCARD_RULE, [],
                 id="stored invalid wildcard rule ratchets (allowInvalidWildcardHostRule)"),
    pytest.param((), BAD_WILDCARD_RULE, ["spec.rules[0].http.paths: Required value"],
                 id="a new invalid wildcard rule does not"),
    pytest.param((), (at("metadata.annotations", {"kubernetes.io/ingress.class": "x"}),), [],
                 id="the class annotation rule is create-only (ValidateIngressUpdate)"),
])
def test_validate_ingress_update(old_tweaks, new_tweaks, errs):
    old, new = _apply(INGRESS, old_tweaks), _apply(INGRESS, new_tweaks)
    assert messages(validate_ingress(new, old)) == errs


@pytest.mark.parametrize(("item", "errs"), [
    pytest.param({"ip": "172.18.0.2"}, [], id="ip"),
    pytest.param({"hostname": "lb.example.com"}, [], id="hostname"),
    pytest.param({"ip": "172.18.0"}, ['status.loadBalancer.ingress[0].ip: Invalid value: '
                                      '"172.18.0": must be a valid IP address, (e.g. 10.9.8.7 '
                                      "or 2001:db8::ffff)"], id="bad ip"),
    pytest.param({"hostname": "172.18.0.2"}, ['status.loadBalancer.ingress[0].hostname: Invalid '
                                              'value: "172.18.0.2": must be a DNS name, not an '
                                              "IP address"], id="hostname is an IP"),
])
def test_validate_ingress_status(item, errs):
    """ValidateIngressLoadBalancerStatus."""
    ing = _apply(INGRESS, (at("status", {"loadBalancer": {"ingress": [item]}}),))
    assert messages(validate_ingress_status(ing)) == errs


# -- IngressClass ------------------------------------------------------------------------------

CLASS = {
    "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
    "metadata": {"name": "nginx"},
    "spec": {"controller": "k8s.io/ingress-nginx"},
}
PARAMS = {"apiGroup": "k8s.example.com", "kind": "IngressParameters", "name": "external-lb",
          "scope": "Namespace", "namespace": "ingress"}

CLASS_ROWS = [
    row("valid"),
    row("valid: namespaced parameters", at("spec.parameters", PARAMS)),
    row("valid: cluster parameters", at("spec.parameters", {**PARAMS, "scope": "Cluster",
                                                           "namespace": None})),
    # validateIngressClassSpec
    row("no controller", at("spec.controller", None),
        errs=["spec.controller: Required value"]),
    row("controller too long", at("spec.controller", "k8s.io/" + "a" * 250),
        errs=["spec.controller: Too long: may not be more than 250 bytes"]),
    row("controller not domain-prefixed", at("spec.controller", "ingress-nginx"),
        errs=['spec.controller: Invalid value: "ingress-nginx": must be a domain-prefixed path '
              '(such as "acme.io/foo")']),
    row("controller domain invalid", at("spec.controller", "K8s.io/nginx"),
        errs=[f'spec.controller: Invalid value: "K8s.io": {SUBDOMAIN}']),
    row("controller path invalid", at("spec.controller", "k8s.io/a b"),
        errs=['spec.controller: Invalid value: "a b": Invalid path (regex used for validation '
              "is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"]),
    # validateIngressClassParametersReference
    row("parameters without kind and name", at("spec.parameters", {"scope": "Cluster"}),
        errs=["spec.parameters.kind: Required value", "spec.parameters.name: Required value"]),
    row("parameters without scope", at("spec.parameters", {**PARAMS, "scope": None}),
        errs=["spec.parameters.scope: Required value"]),
    row("parameters scope unsupported", at("spec.parameters", {**PARAMS, "scope": "Node"}),
        errs=['spec.parameters.scope: Unsupported value: "Node": supported values: "Cluster", '
              '"Namespace"']),
    row("Namespace scope without namespace", at("spec.parameters", {**PARAMS,
                                                                    "namespace": None}),
        errs=["spec.parameters.namespace: Required value: `parameters.scope` is set to "
              "'Namespace'"]),
    row("Cluster scope with namespace", at("spec.parameters", {**PARAMS, "scope": "Cluster"}),
        errs=["spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'"]),
    row("parameters kind with %", at("spec.parameters", {**PARAMS, "kind": "a%b"}),
        errs=["spec.parameters.kind: Invalid value: \"a%b\": may not contain '%'"]),
    # ValidateObjectMeta: cluster-scoped
    row("namespace set", at("metadata.namespace", "default"),
        errs=["metadata.namespace: Forbidden: not allowed on this type"]),
]


@pytest.mark.parametrize(("tweaks", "errs"), CLASS_ROWS)
def test_validate_ingress_class(tweaks, errs):
    assert messages(validate_ingress_class(_apply(CLASS, tweaks))) == errs


def test_ingress_class_controller_is_immutable():
    """validateIngressClassSpecUpdate: ValidateImmutableField on spec.controller."""
    new = _apply(CLASS, (at("spec.controller", "example.com/other"),))
    assert messages(validate_ingress_class(new, CLASS)) == [
        'spec.controller: Invalid value: "example.com/other": field is immutable']


@pytest.mark.parametrize(("params", "scope"), [
    pytest.param({"kind": "K", "name": "n"}, "Cluster", id="no scope: Cluster"),
    pytest.param({"kind": "K", "name": "n", "scope": "Namespace"}, "Namespace", id="kept"),
])
def test_default_ingress_class(params, scope):
    """SetDefaults_IngressClass."""
    ic = _apply(CLASS, (at("spec.parameters", params),))
    default_ingress_class(ic)
    assert ic["spec"]["parameters"]["scope"] == scope


@pytest.mark.parametrize(("block", "warnings"), [
    pytest.param({"cidr": "10.0.0.0/8"}, [], id="standard"),
    pytest.param({"cidr": "2001:DB8::/64"},
                 ['spec.egress[0].to[0].ipBlock.cidr: IPv6 CIDR value "2001:DB8::/64" should be '
                  'in RFC 5952 canonical format ("2001:db8::/64")'], id="non-canonical IPv6"),
    pytest.param({"cidr": "10.0.0.0/8", "except": ["10.1.0.1/16"]},
                 ['spec.egress[0].to[0].ipBlock.except[0]: CIDR value "10.1.0.1/16" is ambiguous '
                  'in this context (should be "10.1.0.0/16" or "10.1.0.1/32"?)'],
                 id="except with host bits (a stored value)"),
])
def test_network_policy_warnings(block, warnings):
    """networkPolicyWarnings: GetWarningsForCIDR on ipBlock cidr and except."""
    np = _apply(POLICY, (at("spec.egress[0].to[0].ipBlock", block),))
    assert network_policy_warnings(np) == warnings
