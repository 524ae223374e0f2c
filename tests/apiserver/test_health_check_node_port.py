"""spec.healthCheckNodePort comes from the same node-port allocator, in the same operation
as the Service's node ports (pkg/registry/core/service/storage/alloc.go:
allocHealthCheckNodePort), so a port the Service already uses is "already allocated"."""

import pytest

SERVICE = """apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  type: LoadBalancer
  externalTrafficPolicy: {policy}
  selector: {{app: web}}
  ports: [{{port: 80, nodePort: {node_port}}}]
"""


def svc(name="lb", policy="Local", node_port=30111, hc=None):
    text = SERVICE.format(name=name, policy=policy, node_port=node_port)
    return text + (f"  healthCheckNodePort: {hc}\n" if hc else "")


REFUSED = ("Error from server (InternalError): Internal error occurred: failed to allocate "
           "requested HealthCheck NodePort {port}: provided port is already allocated")


@pytest.mark.parametrize("others, manifest, refused_port", [
    # alloc.go allocHealthCheckNodePort: the same op already holds spec.ports[0].nodePort
    ([], svc(hc=30111), 30111),
    # another Service's node port: portallocator.ErrAllocated
    ([svc("other", "Cluster", 30222)], svc(hc=30222), 30222),
    # a free port is taken as asked
    ([], svc(hc=30112), None),
], ids=["own-node-port", "other-service-node-port", "free-port"])
def test_requested_health_check_node_port(cli, others, manifest, refused_port):
    for other in others:
        cli.ok("apply", "-f", "-", stdin=other)
    result = cli("apply", "-f", "-", stdin=manifest)
    if refused_port is None:
        assert result.code == 0, result.err
        assert "30112" in cli.ok("get", "svc", "lb", "-o", "jsonpath={.spec.healthCheckNodePort}")
    else:
        assert result.code == 1
        assert REFUSED.format(port=refused_port) in result.err
        assert cli("get", "svc", "lb").code == 1  # nothing was created


def test_switching_to_local_with_an_own_node_port_is_refused(cli):
    cli.ok("apply", "-f", "-", stdin=svc(policy="Cluster"))
    result = cli("apply", "-f", "-", stdin=svc(hc=30111))
    assert result.code == 1
    assert REFUSED.format(port=30111) in result.err
    assert cli.ok("get", "svc", "lb", "-o", "jsonpath={.spec.externalTrafficPolicy}") == "Cluster"
