"""`kubectl explain`. The expected pages were printed by the real kubectl 1.37.1, pointed at a
stub API server whose OpenAPI v3 document was built from the same upstream schemas
(`kubesvc.apiserver.schema`) through `explain.v3_view`: the layout, wrapping and ordering
are kubectl's own, the text is the schemas'."""

from __future__ import annotations

import pytest

from kubesvc.api.errors import ClientError, KubesvcError
from kubesvc.kubectl.explain import ExplainError, explain, indent, wrap

SPEC_PORTS = (
    'KIND:       Service\n'
    'VERSION:    v1\n'
    '\n'
    'FIELD: ports <[]ServicePort>\n'
    '\n'
    '\n'
    'DESCRIPTION:\n'
    '    The list of ports that are exposed by this service. More info:\n'
    '    https://kubernetes.io/docs/concepts/services-networking/service/#v'
    'irtual-ips-and-service-proxies\n'
    "    ServicePort contains information on service's port.\n"
    '    \n'
    'FIELDS:\n'
    '  appProtocol\t<string>\n'
    '    The application protocol for this port. This is used as a hint for\n'
    '    implementations to offer richer behavior for protocols that they understand.\n'
    '    This field follows standard Kubernetes label syntax. Valid values are\n'
    '    either:\n'
    '    \n'
    '    * Un-prefixed protocol names - reserved for IANA standard service names (as\n'
    '    per RFC-6335 and https://www.iana.org/assignments/service-names).\n'
    '    \n'
    '    * Kubernetes-defined prefixed names:\n'
    "      * 'kubernetes.io/h2c' - HTTP/2 prior knowledge over cleartext as described\n"
    '    in\n'
    '    https://www.rfc-editor.org/rfc/rfc9113.html#name-starting-http-2-with-prior-\n'
    "      * 'kubernetes.io/ws'  - WebSocket over cleartext as described in\n"
    '    https://www.rfc-editor.org/rfc/rfc6455\n'
    "      * 'kubernetes.io/wss' - WebSocket over TLS as described in\n"
    '    https://www.rfc-editor.org/rfc/rfc6455\n'
    '    \n'
    '    * Other protocols should use implementation-defined prefixed names such as\n'
    '    mycompany.com/my-custom-protocol.\n'
    '\n'
    '  name\t<string>\n'
    '    The name of this port within the service. This must be a DNS_LABEL. All\n'
    '    ports within a ServiceSpec must have unique names. When considering the\n'
    "    endpoints for a Service, this must match the 'name' field in the\n"
    '    EndpointPort. Optional if only one ServicePort is defined on this service.\n'
    '\n'
    '  nodePort\t<integer>\n'
    '    The port on each node on which this service is exposed when type is NodePort\n'
    '    or LoadBalancer.  Usually assigned by the system. If a value is specified,\n'
    '    in-range, and not in use it will be used, otherwise the operation will fail.\n'
    '    If not specified, a port will be allocated if this Service requires one.  If\n'
    '    this field is specified when creating a Service which does not need it,\n'
    '    creation will fail. This field will be wiped when updating a Service to no\n'
    '    longer need it (e.g. changing type from NodePort to ClusterIP). More info:\n'
    '    https://kubernetes.io/docs/concepts/services-networking/service/#t'
    'ype-nodeport\n'
    '\n'
    '  port\t<integer> -required-\n'
    '    The port that will be exposed by this service.\n'
    '\n'
    '  protocol\t<string>\n'
    '    The IP protocol for this port. Supports "TCP", "UDP", and "SCTP". Default is\n'
    '    TCP.\n'
    '\n'
    '  targetPort\t<IntOrString>\n'
    '    Number or name of the port to access on the pods targeted by the service.\n'
    '    Number must be in the range 1 to 65535. Name must be an IANA_SVC_NAME. If\n'
    "    this is a string, it will be looked up as a named port in the target Pod's\n"
    "    container ports. If this is not specified, the value of the 'port' field is\n"
    '    used (an identity map). This field is ignored for services with\n'
    "    clusterIP=None, and should be omitted or set equal to the 'port' field. More\n"
    '    info:\n'
    '    https://kubernetes.io/docs/concepts/services-networking/service/#d'
    'efining-a-service\n'
    '\n'
    '\n'
)

SPEC_TYPE = (
    'KIND:       Service\n'
    'VERSION:    v1\n'
    '\n'
    'FIELD: type <string>\n'
    '\n'
    '\n'
    'DESCRIPTION:\n'
    '    type determines how the Service is exposed. Defaults to ClusterIP. Valid\n'
    '    options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP"\n'
    '    allocates a cluster-internal IP address for load-balancing to endpoints.\n'
    '    Endpoints are determined by the selector or if that is not specified, by\n'
    '    manual construction of an Endpoints object or EndpointSlice objects. If\n'
    '    clusterIP is "None", no virtual IP is allocated and the endpoints are\n'
    '    published as a set of endpoints rather than a virtual IP. "NodePort" builds\n'
    '    on ClusterIP and allocates a port on every node which routes to the same\n'
    '    endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an\n'
    '    external load-balancer (if supported in the current cloud) which routes to\n'
    '    the same endpoints as the clusterIP. "ExternalName" aliases this service to\n'
    '    the specified externalName. Several other fields do not apply to\n'
    '    ExternalName services. More info:\n'
    '    https://kubernetes.io/docs/concepts/services-networking/service/#p'
    'ublishing-services-service-types\n'
    '    \n'
    '\n'
)

CREATION_TIMESTAMP = (
    'KIND:       Service\n'
    'VERSION:    v1\n'
    '\n'
    'FIELD: creationTimestamp <string>\n'
    '\n'
    '\n'
    'DESCRIPTION:\n'
    '    CreationTimestamp is a timestamp representing the server time when this\n'
    '    object was created. It is not guaranteed to be set in happens-before order\n'
    '    across separate operations. Clients may not set this value. It is\n'
    '    represented in RFC3339 form and is in UTC.\n'
    '    \n'
    '    Populated by the system. Read-only. Null for lists. More info:\n'
    '    https://git.k8s.io/community/contributors/devel/sig-architecture/a'
    'pi-conventions.md#metadata\n'
    '    Time is a wrapper around time.Time which supports correct marshaling to YAML\n'
    '    and JSON.  Wrappers are provided for many of the factory methods that the\n'
    '    time package offers.\n'
    '    \n'
    '\n'
)

STATUS_RECURSIVE = (
    'KIND:       Service\n'
    'VERSION:    v1\n'
    '\n'
    'FIELD: status <ServiceStatus>\n'
    '\n'
    '\n'
    'DESCRIPTION:\n'
    '    Most recently observed status of the service. Populated by the system.\n'
    '    Read-only. More info:\n'
    '    https://git.k8s.io/community/contributors/devel/sig-architecture/a'
    'pi-conventions.md#spec-and-status\n'
    '    ServiceStatus represents the current status of a service.\n'
    '    \n'
    'FIELDS:\n'
    '  conditions\t<[]Condition>\n'
    '    lastTransitionTime\t<string> -required-\n'
    '    message\t<string> -required-\n'
    '    observedGeneration\t<integer>\n'
    '    reason\t<string> -required-\n'
    '    status\t<string> -required-\n'
    '    type\t<string> -required-\n'
    '  loadBalancer\t<LoadBalancerStatus>\n'
    '    ingress\t<[]LoadBalancerIngress>\n'
    '      hostname\t<string>\n'
    '      ip\t<string>\n'
    '      ipMode\t<string>\n'
    '      ports\t<[]PortStatus>\n'
    '        error\t<string>\n'
    '        port\t<integer> -required-\n'
    '        protocol\t<string> -required-\n'
    '\n'
)


@pytest.mark.parametrize(("path", "recursive", "expected"), [
    ("svc.spec.ports", False, SPEC_PORTS),
    ("service.spec.ports", False, SPEC_PORTS),
    ("services.spec.ports", False, SPEC_PORTS),
    ("svc.spec.ports.", False, SPEC_PORTS),
    ("svc.spec.type", False, SPEC_TYPE),
    # a $ref with its own description: the field's text, then the referenced type's
    ("svc.metadata.creationTimestamp", False, CREATION_TIMESTAMP),
    ("svc.status", True, STATUS_RECURSIVE),
])
def test_pages(path, recursive, expected):
    assert explain(path, recursive=recursive) == expected


def test_top_level_page():
    page = explain("svc")
    assert page.startswith("KIND:       Service\nVERSION:    v1\n\nDESCRIPTION:\n    Service is a "
                           "named abstraction of software service (for example, mysql)\n")
    assert "\nFIELDS:\n  apiVersion\t<string>\n" in page
    assert "\n  spec\t<ServiceSpec>\n" in page
    assert page.endswith("\n\n\n")


def test_unknown_field_names_the_last_path_element():
    with pytest.raises(ExplainError) as err:
        explain("svc.spec.foo.bar")
    assert str(err.value) == 'error: field "bar" does not exist'
    assert err.value.output == "KIND:       Service\nVERSION:    v1\n\n"  # already on stdout


@pytest.mark.parametrize(("path", "message"), [
    ("svc..spec", "error: invalid jsonpath syntax, first node must be field node"),
    ("svc.spec.ports[0]", "error: invalid jsonpath syntax, first node must be field node"),
    ("svc}x", "error: must pass in 1 jsonpath string"),
    ("svc.spec{", "error: unrecognized character in action: U+007B '{'"),
    ("[0]", "error: a resource must be present, got: /, Resource="),
])
def test_bad_paths(path, message):
    with pytest.raises(ClientError) as err:
        explain(path)
    assert str(err.value) == message


def test_unknown_type_has_no_error_prefix():
    with pytest.raises(KubesvcError) as err:
        explain("foo.spec")
    assert not isinstance(err.value, ClientError)
    assert str(err.value) == 'the server doesn\'t have a resource type "foo"'


def test_group_header():
    assert explain("deployments.apps.spec.replicas").startswith(
        "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: replicas <integer>\n")
    assert explain("deploy.spec.replicas") == explain("deployments.apps.spec.replicas")


@pytest.mark.parametrize(("text", "limit", "wrapped"), [
    ("aaa bbb ccc", 7, "aaa bbb\nccc"),
    ("aaa  bbb", 4, "aaa\nbbb"),
    ("a verylongword b", 5, "a\nverylongword\nb"),
    ("keep\n\nbreaks  ", 80, "keep\n\nbreaks  "),
    ("x" * 10, 4, "x" * 10),
])
def test_wrap_is_go_wordwrap(text, limit, wrapped):
    assert wrap(text, limit) == wrapped


def test_indent():
    assert indent("a\nb\n", 4) == "    a\n    b\n    "
