"""Cluster IP and node port allocation through `apply`, as kube-apiserver's allocators do it:
upper band first (lowest free instead of random), requested values honoured when free and in
range, released on delete and on type change."""

import pytest

from tests.conftest import write

SVC = """apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  type: {type}
  selector: {{app: x}}
  ports:
{ports}
"""


def service(name, type_="ClusterIP", ports="  - port: 80", **spec):
    text = SVC.format(name=name, type=type_, ports=ports)
    for key, value in spec.items():
        text = text.replace("spec:\n", f"spec:\n  {key}: {value}\n", 1)
    return text


def apply(cli, tmp_path, text, name="m.yaml"):
    return cli("apply", "-f", write(tmp_path, name, text))


def spec(cli, name):
    import json

    return json.loads(cli.ok("get", "svc", name, "-o", "json"))["spec"]


def test_dynamic_cluster_ips_come_from_the_upper_band_lowest_first(cli, tmp_path):
    for name in ("a", "b", "c"):
        assert apply(cli, tmp_path, service(name)).code == 0
    # /12: offset 256, so the static band is 10.96.0.1-10.96.1.0 and dynamic starts at .1.1
    assert [spec(cli, n)["clusterIP"] for n in "abc"] == ["10.96.1.1", "10.96.1.2", "10.96.1.3"]


def test_requested_cluster_ip_in_the_static_band(cli, tmp_path):
    assert apply(cli, tmp_path, service("a", clusterIP="10.96.0.20")).code == 0
    assert spec(cli, "a")["clusterIPs"] == ["10.96.0.20"]


@pytest.mark.parametrize("ip, reason", [
    ("10.96.0.1", "provided IP is already allocated"),  # default/kubernetes holds it
    ("10.200.0.5", "the provided network does not match the current range"),
    ("10.111.255.255", "the provided network does not match the current range"),  # broadcast
])
def test_requested_cluster_ip_refused(cli, tmp_path, ip, reason):
    # something allocated first, so a refused request that leaked a value would show
    seed = service("seed", "NodePort", clusterIP="10.96.0.30")
    assert apply(cli, tmp_path, seed, "seed.yaml").code == 0
    before = cli.dump()
    result = apply(cli, tmp_path, service("a", "LoadBalancer", clusterIP=ip))
    assert result.code == 1
    assert result.err == (f'The Service "a" is invalid: spec.clusterIPs: Invalid value: ["{ip}"]: '
                          f"failed to allocate IP {ip}: {reason}\n")
    assert cli.dump() == before  # nothing allocated: no IP, no node port, no object


def test_node_ports_upper_band_explicit_and_shared_by_port_number(cli, tmp_path):
    ports = ("  - {name: a, port: 80}\n  - {name: b, port: 80, protocol: UDP}\n"
             "  - {name: c, port: 81}")
    assert apply(cli, tmp_path, service("np", "NodePort", ports)).code == 0
    got = [p["nodePort"] for p in spec(cli, "np")["ports"]]
    assert got == [30086, 30086, 30087]  # same port number shares one node port
    explicit = "  - {port: 80, nodePort: 30000}"
    assert apply(cli, tmp_path, service("np2", "NodePort", explicit), "n2.yaml").code == 0
    assert spec(cli, "np2")["ports"][0]["nodePort"] == 30000


@pytest.mark.parametrize("node_port, detail", [
    (80, "provided port is not in the valid range. The range of valid ports is 30000-32767"),
    (30080, "provided port is already allocated"),
])
def test_node_port_refused(cli, tmp_path, node_port, detail):
    first = service("first", "NodePort", "  - {port: 80, nodePort: 30080}")
    assert apply(cli, tmp_path, first, "first.yaml").code == 0
    before = cli.dump()
    result = apply(cli, tmp_path, service("web", "NodePort",
                                          f"  - {{port: 80, nodePort: {node_port}}}"))
    assert result.code == 1
    assert result.err == (f'The Service "web" is invalid: spec.ports[0].nodePort: Invalid value: '
                          f"{node_port}: {detail}\n")
    assert cli.dump() == before  # nothing stays allocated


def test_health_check_node_port_for_local_load_balancers(cli, tmp_path):
    lb = service("lb", "LoadBalancer", externalTrafficPolicy="Local")
    assert apply(cli, tmp_path, lb).code == 0
    s = spec(cli, "lb")
    assert s["ports"][0]["nodePort"] == 30086 and s["healthCheckNodePort"] == 30087
    assert s["allocateLoadBalancerNodePorts"] is True


def test_health_check_port_refused_is_an_internal_error(cli, tmp_path):
    lb = service("lb", "LoadBalancer", externalTrafficPolicy="Local", healthCheckNodePort="80")
    result = apply(cli, tmp_path, lb)
    assert result.code == 1
    assert result.err == ("Error from server (InternalError): Internal error occurred: failed to "
                          "allocate requested HealthCheck NodePort 80: provided port is not in "
                          "the valid range. The range of valid ports is 30000-32767\n")


def test_no_node_ports_when_load_balancer_opts_out(cli, tmp_path):
    lb = service("lb", "LoadBalancer", allocateLoadBalancerNodePorts="false")
    assert apply(cli, tmp_path, lb).code == 0
    assert "nodePort" not in spec(cli, "lb")["ports"][0]


@pytest.mark.parametrize("extra, cluster_ips", [
    ({"clusterIP": "None"}, ["None"]),
])
def test_headless_gets_no_address(cli, tmp_path, extra, cluster_ips):
    assert apply(cli, tmp_path, service("h", **extra)).code == 0
    assert spec(cli, "h")["clusterIPs"] == cluster_ips
    assert apply(cli, tmp_path, service("next"), "n.yaml").code == 0
    assert spec(cli, "next")["clusterIP"] == "10.96.1.1"  # nothing was taken by the headless one


def test_external_name_gets_no_address(cli, tmp_path):
    text = "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  type: ExternalName\n" \
           "  externalName: db.example.com\n"
    assert apply(cli, tmp_path, text).code == 0
    assert "clusterIP" not in spec(cli, "db")


def test_delete_releases_everything(cli, tmp_path):
    text = service("np", "NodePort", "  - {port: 80, nodePort: 30100}")
    assert apply(cli, tmp_path, text).code == 0
    cli.ok("delete", "svc", "np")
    assert apply(cli, tmp_path, text).code == 0  # same IP and port are free again
    assert spec(cli, "np")["clusterIP"] == "10.96.1.1"


def test_type_change_to_cluster_ip_releases_node_ports(cli, tmp_path):
    assert apply(cli, tmp_path, service("s", "NodePort")).code == 0
    assert spec(cli, "s")["ports"][0]["nodePort"] == 30086
    assert apply(cli, tmp_path, service("s", "ClusterIP")).code == 0
    assert "nodePort" not in spec(cli, "s")["ports"][0]
    assert apply(cli, tmp_path, service("t", "NodePort"), "t.yaml").code == 0
    assert spec(cli, "t")["ports"][0]["nodePort"] == 30086  # free again


def test_type_change_to_external_name_releases_the_cluster_ip(cli, tmp_path):
    assert apply(cli, tmp_path, service("s")).code == 0
    text = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: ExternalName\n" \
           "  externalName: db.example.com\n"
    assert apply(cli, tmp_path, text).code == 0
    assert "clusterIP" not in spec(cli, "s")
    assert apply(cli, tmp_path, service("t"), "t.yaml").code == 0
    assert spec(cli, "t")["clusterIP"] == "10.96.1.1"


def test_small_range_without_a_static_band_and_range_full(cli, tmp_path):
    cli.ok("cluster", "init", "--service-cidr", "10.0.0.0/29")  # 6 usable, offset 0
    for i in range(5):
        assert apply(cli, tmp_path, service(f"s{i}"), f"s{i}.yaml").code == 0
    assert spec(cli, "s0")["clusterIP"] == "10.0.0.2"  # .1 is default/kubernetes
    result = apply(cli, tmp_path, service("full"), "full.yaml")
    assert result.code == 1
    assert result.err == ("Error from server (InternalError): Internal error occurred: failed to "
                          "allocate a serviceIP: range is full\n")
