"""User-written EndpointSlices and Endpoints get the API server's defaults and validation
(pkg/apis/discovery/v1/defaults.go, pkg/apis/discovery/validation/validation.go; core/v1
SetDefaults_Endpoints, pkg/apis/core/validation ValidateEndpoints), so what `check` and
`resolve` read is only ever what a real cluster would hold."""

import pytest
import yaml

from kubesvc.apiserver.validation.endpoints import validate_endpoints, validate_slice


def slice_(address_type="IPv4", addresses=("10.1.2.3",), ports=({"name": "http", "port": 80,
                                                                "protocol": "TCP"},), **ep):
    return {"addressType": address_type,
            "endpoints": [{"addresses": list(addresses), **ep}],
            "ports": [dict(p) for p in ports]}


@pytest.mark.parametrize("obj, expected", [
    pytest.param(slice_(), [], id="valid"),
    pytest.param(slice_(address_type=""), ["addressType: Required value"],
                 id="validateAddressType-required"),
    pytest.param(slice_(address_type="IP"), ['addressType: Unsupported value: "IP": supported '
                                             'values: "FQDN", "IPv4", "IPv6"'],
                 id="validateAddressType-IP-deprecated-on-create"),
    pytest.param(slice_(addresses=("fd00::1",)), ['endpoints[0].addresses[0]: Invalid value: '
                                                  '"fd00::1": must be a valid IPv4 address'],
                 id="IsValidIPv4Address"),
    pytest.param(slice_("IPv6", ("10.1.2.3",)), ['endpoints[0].addresses[0]: Invalid value: '
                                                 '"10.1.2.3": must be a valid IPv6 address'],
                 id="IsValidIPv6Address"),
    pytest.param(slice_(addresses=("127.0.0.1",)), [
        'endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback '
        'range (127.0.0.0/8, ::1/128)'], id="ValidateNonSpecialIP"),
    pytest.param(slice_("FQDN", ("db",)), [
        'endpoints[0].addresses[0]: Invalid value: "db": should be a domain with at least two '
        'segments separated by dots'], id="IsFullyQualifiedDomainName"),
    pytest.param(slice_("FQDN", ("db.example.com.",)), [], id="fqdn-trailing-dot"),
    pytest.param(slice_(addresses=()), ["endpoints[0].addresses: Required value: must contain "
                                        "at least 1 address"], id="addresses-required"),
    pytest.param(slice_(addresses=[f"10.0.0.{i % 250 + 1}" for i in range(101)]),
                 ["endpoints[0].addresses: Too many: 101: must have at most 100 items"],
                 id="maxAddresses"),
    pytest.param({**slice_(), "endpoints": [{"addresses": ["10.0.0.1"]}] * 1001},
                 ["endpoints: Too many: 1001: must have at most 1000 items"], id="maxEndpoints"),
    pytest.param({**slice_(), "ports": [{"name": f"p{i}", "protocol": "TCP", "port": i + 1}
                                        for i in range(101)]},
                 ["ports: Too many: 101: must have at most 100 items"], id="maxPorts"),
    pytest.param(slice_(ports=({"name": "a", "protocol": "TCP"}, {"name": "a", "protocol": "UDP"})),
                 ['ports[1].name: Duplicate value: "a"'], id="port-name-duplicate"),
    pytest.param(slice_(ports=({"name": "a_b", "protocol": "TCP"},)),
                 ['ports[0].name: Invalid value: "a_b": a lowercase RFC 1123 label'],
                 id="port-name-dns1123-label"),
    pytest.param(slice_(ports=({"name": "a", "protocol": "ICMP"},)),
                 ['ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", '
                  '"TCP", "UDP"'], id="supportedPortProtocols"),
    pytest.param(slice_(hostname="Web_1"), ['endpoints[0].hostname: Invalid value: "Web_1"'],
                 id="hostname-dns1123-label"),
])
def test_validate_endpoint_slice(obj, expected):
    errors = [str(e) for e in validate_slice(obj)]
    assert len(errors) == len(expected), errors
    for got, want in zip(errors, expected, strict=True):
        assert got.startswith(want)


def test_address_type_is_immutable_and_ip_is_kept_on_update():
    old = slice_(address_type="IP")
    assert [str(e) for e in validate_slice(slice_(address_type="IP"), old)] == []
    assert [str(e) for e in validate_slice(slice_(), old)] == [
        'addressType: Invalid value: "IPv4": field is immutable']


@pytest.mark.parametrize("subset, expected", [
    pytest.param({"addresses": [{"ip": "10.1.2.3"}], "ports": [{"port": 80, "protocol": "TCP"}]},
                 [], id="valid"),
    pytest.param({"ports": [{"port": 80, "protocol": "TCP"}]},
                 ["subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`"],
                 id="addresses-or-notReadyAddresses"),
    pytest.param({"addresses": [{"ip": "ten"}], "ports": []},
                 ['subsets[0].addresses[0].ip: Invalid value: "ten": must be a valid IP '
                  'address'], id="validateEndpointAddress-ip"),
    pytest.param({"addresses": [{"ip": "10.1.2.3"}],
                  "ports": [{"port": 80, "protocol": "TCP"}, {"port": 81, "protocol": "TCP"}]},
                 ["subsets[0].ports[0].name: Required value",
                  "subsets[0].ports[1].name: Required value"], id="names-required-when-several"),
    pytest.param({"addresses": [{"ip": "10.1.2.3"}], "ports": [{"port": 0, "protocol": "TCP"}]},
                 ["subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535"],
                 id="IsValidPortNum"),
])
def test_validate_endpoints(subset, expected):
    errors = [str(e) for e in validate_endpoints({"subsets": [subset]})]
    assert len(errors) == len(expected), errors
    for got, want in zip(errors, expected, strict=True):
        assert got.startswith(want)


SLICE = """apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: ext-1, labels: {kubernetes.io/service-name: ext}}
addressType: IPv4
endpoints: [{addresses: [ADDRESS]}]
ports: [{port: 80}]
"""


def test_defaults_as_the_api_server_stores_them(cli):
    cli.ok("apply", "-f", "-", stdin=SLICE.replace("ADDRESS", "10.1.2.3"))
    stored = yaml.safe_load(cli.ok("get", "endpointslice", "ext-1", "-o", "yaml"))
    assert stored["ports"] == [{"name": "", "port": 80, "protocol": "TCP"}]
    cli.ok("apply", "-f", "-", stdin="apiVersion: v1\nkind: Endpoints\nmetadata: {name: ext}\n"
           "subsets: [{addresses: [{ip: 10.1.2.3}], ports: [{port: 80}]}]\n")
    stored = yaml.safe_load(cli.ok("get", "endpoints", "ext", "-o", "yaml"))
    assert stored["subsets"][0]["ports"] == [{"port": 80, "protocol": "TCP"}]


def test_a_slice_resolve_would_reject_is_refused_before_check_sees_it(cli):
    cli.ok("cluster", "init", "--nodes", "1")  # CoreDNS has a node: check is clean
    before = cli("apply", "-f", "-", stdin=SLICE.replace("ADDRESS", "fd00::1"))
    assert before.code == 1
    assert 'must be a valid IPv4 address' in before.err
    assert cli("get", "endpointslice", "ext-1").code == 1
    assert cli.ok("check") == "no problems found\n"
