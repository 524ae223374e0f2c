"""apimachinery format checks (spec section 11) and ObjectMeta validation.

Message texts are written out here on purpose (not imported) so a drift in the module shows up.
The 1.37 wording of label keys/values was checked against kubectl 1.37.1, which links the same
apimachinery code (`kubectl set selector --local`, `kubectl label --local`).
"""

from __future__ import annotations

import pytest

from kubesvc.apiserver.validation import ip_addresses, names

LABEL_1123 = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
LABEL_1035 = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
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
LABEL_KEY_SLASHES = (
    "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
    "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
    "subdomain prefix and '/' (e.g. 'example.com/MyName')"
)
LABEL_VALUE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value', "
    " or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
IP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
CIDR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
ALNUM = "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"


@pytest.mark.parametrize(("check", "value", "expected"), [
    pytest.param(names.dns1123_label, "my-name", [], id="label ok"),
    pytest.param(names.dns1123_label, "123-abc", [], id="label may start with a digit"),
    pytest.param(names.dns1123_label, "a" * 63, [], id="label 63 chars"),
    pytest.param(names.dns1123_label, "a" * 64, ["must be no more than 63 characters"],
                 id="label too long"),
    pytest.param(names.dns1123_label, "-123", [LABEL_1123], id="label leading dash"),
    pytest.param(names.dns1123_label, "Web", [LABEL_1123], id="label upper case"),
    pytest.param(names.dns1123_label, "a.b", ["must not contain dots"], id="label with dots"),
    pytest.param(names.dns1123_label, "", [LABEL_1123], id="label empty"),
    pytest.param(names.dns1123_label, "a" * 64 + ".b",
                 ["must be no more than 63 characters", "must not contain dots"],
                 id="label long and dotted"),
    pytest.param(names.dns1035_label, "1web", [LABEL_1035], id="1035 leading digit"),
    pytest.param(names.dns1035_label, "web-1", [], id="1035 ok"),
    pytest.param(names.dns1035_label, "a" * 64, ["must be no more than 63 characters"],
                 id="1035 too long"),
    pytest.param(names.dns1123_subdomain, "foo.bar.example.com", [], id="subdomain ok"),
    pytest.param(names.dns1123_subdomain, "1.2.3.4", [], id="subdomain dotted ip"),
    pytest.param(names.dns1123_subdomain, "-123", [SUBDOMAIN], id="subdomain leading dash"),
    pytest.param(names.dns1123_subdomain, "a..b", [SUBDOMAIN], id="subdomain empty label"),
    pytest.param(names.dns1123_subdomain, "a" * 254, ["must be no more than 253 characters"],
                 id="subdomain too long"),
    pytest.param(names.qualified_name, "example.com/protocol", [], id="qname prefixed"),
    pytest.param(names.qualified_name, "MyName", [], id="qname upper case ok"),
    pytest.param(names.qualified_name, "a/b/c", [LABEL_KEY_SLASHES], id="qname two slashes"),
    pytest.param(names.qualified_name, "/k", ["prefix part must be non-empty"],
                 id="qname empty prefix"),
    pytest.param(names.qualified_name, "k/", ["name part must be non-empty", NAME_PART],
                 id="qname empty name"),
    pytest.param(names.qualified_name, "a" * 64, ["name part must be no more than 63 bytes"],
                 id="qname long name"),
    pytest.param(names.qualified_name, "Bad/x", ["prefix part " + SUBDOMAIN],
                 id="qname bad prefix"),
    pytest.param(names.qualified_name, "a" * 254 + "/k",
                 ["prefix part must be no more than 253 bytes"], id="qname long prefix"),
    pytest.param(names.qualified_name, "NoUppercaseOrSpecialCharsLike=Equals", [NAME_PART],
                 id="qname equals sign"),
    pytest.param(names.label_value, "", [], id="label value empty ok"),
    pytest.param(names.label_value, "my_value.1", [], id="label value ok"),
    pytest.param(names.label_value, "-x", [LABEL_VALUE], id="label value leading dash"),
    pytest.param(names.label_value, "a" * 64, ["must be no more than 63 bytes"],
                 id="label value too long"),
    pytest.param(names.port_name, "http", [], id="port name ok"),
    pytest.param(names.port_name, "8080", ["must contain at least one letter (a-z)"],
                 id="port name digits only"),
    pytest.param(names.port_name, "Http", [ALNUM], id="port name upper case"),
    pytest.param(names.port_name, "-a--b-",
                 ["must not contain consecutive hyphens", "must not begin or end with a hyphen"],
                 id="port name hyphens"),
    pytest.param(names.port_name, "abcdefghijklmnop", ["must be no more than 15 characters"],
                 id="port name too long"),
    pytest.param(names.port_name, "",
                 [ALNUM, "must contain at least one letter (a-z)"], id="port name empty"),
    pytest.param(names.port_number, 1, [], id="port 1"),
    pytest.param(names.port_number, 65535, [], id="port 65535"),
    pytest.param(names.port_number, 0, ["must be between 1 and 65535, inclusive"], id="port 0"),
    pytest.param(names.port_number, 65536, ["must be between 1 and 65535, inclusive"],
                 id="port 65536"),
])
def test_format_checks(check, value, expected):
    assert check(value) == expected


@pytest.mark.parametrize(("value", "strict", "old", "expected"), [
    pytest.param("10.96.0.1", True, (), [], id="ipv4"),
    pytest.param("2001:db8::1", True, (), [], id="ipv6"),
    pytest.param("2001:DB8:0:0::1", True, (), [], id="non-canonical ipv6 is only a warning"),
    pytest.param("myhost.mydomain", True, (), [IP], id="hostname"),
    pytest.param("1.2.3", True, (), [IP], id="three octets"),
    pytest.param("256.1.1.1", True, (), [IP], id="octet too big"),
    pytest.param("fe80::1%eth0", True, (), [IP], id="zone"),
    pytest.param("010.096.0.1", True, (), ["must not have leading 0s"], id="leading zeros"),
    pytest.param("010.096.0.1", False, (), [], id="leading zeros without the gate"),
    pytest.param("010.096.0.1", True, ("010.096.0.1",), [], id="leading zeros already stored"),
    pytest.param("::ffff:1.2.3.4", True, (), ["must not be an IPv4-mapped IPv6 address"],
                 id="v4 mapped"),
    pytest.param("2001:db8::00001", True, (), ["must not have leading 0s"],
                 id="five hex digits"),
])
def test_ip_address(value, strict, old, expected):
    assert ip_addresses.ip_address(value, strict, old) == expected


@pytest.mark.parametrize(("value", "expected"), [
    pytest.param("10.0.0.0/8", [], id="v4 subnet"),
    pytest.param("2001:db8::/64", [], id="v6 subnet"),
    pytest.param("1.2.3.4/33", [CIDR], id="prefix too long"),
    pytest.param("foo.bar", [CIDR], id="hostname"),
    pytest.param("10.0.0.0", [CIDR], id="no prefix"),
    pytest.param("10.0.0.1/8", ["must not have bits set beyond the prefix length"],
                 id="host bits"),
    pytest.param("10.0.0.0/08", ["must not have leading 0s in IP or prefix length"],
                 id="prefix leading zero"),
    pytest.param("010.0.0.0/8", ["must not have leading 0s in IP or prefix length"],
                 id="ip leading zero"),
    pytest.param("::ffff:1.2.3.0/120", ["must not have an IPv4-mapped IPv6 address"],
                 id="v4 mapped"),
])
def test_cidr(value, expected):
    assert ip_addresses.cidr(value) == expected


def test_cidr_ratchets_stored_values():
    assert ip_addresses.cidr("10.0.0.1/8", True, ["10.0.0.1/8"]) == []
    assert ip_addresses.cidr("10.0.0.1/8", False) == []


@pytest.mark.parametrize(("value", "expected"), [
    pytest.param("1.2.3.4", [], id="public"),
    pytest.param("0.0.0.0", ["may not be unspecified (0.0.0.0)"], id="v4 unspecified"),
    pytest.param("::", ["may not be unspecified (::)"], id="v6 unspecified"),
    pytest.param("127.0.0.1", ["may not be in the loopback range (127.0.0.0/8, ::1/128)"],
                 id="v4 loopback"),
    pytest.param("::1", ["may not be in the loopback range (127.0.0.0/8, ::1/128)"],
                 id="v6 loopback"),
    pytest.param("169.254.169.254",
                 ["may not be in the link-local range (169.254.0.0/16, fe80::/10)"],
                 id="v4 link local"),
    pytest.param("fe80::1", ["may not be in the link-local range (169.254.0.0/16, fe80::/10)"],
                 id="v6 link local"),
    pytest.param("224.0.0.251",
                 ["may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"],
                 id="v4 link-local multicast"),
    pytest.param("ff02::fb",
                 ["may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"],
                 id="v6 link-local multicast"),
    pytest.param("224.0.1.1", [], id="other multicast allowed"),
])
def test_non_special_ip(value, expected):
    assert ip_addresses.non_special_ip(value) == expected


@pytest.mark.parametrize(("value", "canonical"), [
    ("10.96.0.1", "10.96.0.1"),
    ("010.096.000.001", "10.96.0.1"),
    ("::ffff:1.2.3.4", "1.2.3.4"),
    ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
    ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
    ("2001:db8:1:1:1:1:1:1", "2001:db8:1:1:1:1:1:1"),
    ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
    ("::", "::"),
])
def test_ip_string_is_go_canonical(value, canonical):
    assert ip_addresses.ip_string(ip_addresses.parse_ip(value)) == canonical


@pytest.mark.parametrize(("value", "expected"), [
    pytest.param("10.96.0.1", [], id="clean"),
    pytest.param("010.96.0.1", [('f: non-standard IP address "010.96.0.1" will be considered '
                                'invalid in a future Kubernetes release: use "10.96.0.1"')],
                 id="leading zeros"),
    pytest.param("2001:db8:0:0::1", [('f: IPv6 address "2001:db8:0:0::1" should be in RFC 5952 '
                                     'canonical format ("2001:db8::1")')], id="non canonical"),
    pytest.param("nonsense", [], id="unparseable is left to validation"),
])
def test_ip_warnings(value, expected):
    assert ip_addresses.ip_warnings("f", value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    pytest.param("10.0.0.0/8", [], id="clean"),
    pytest.param("10.0.0.1/8", [('f: CIDR value "10.0.0.1/8" is ambiguous in this context '
                                '(should be "10.0.0.0/8" or "10.0.0.1/32"?)')], id="host bits"),
    pytest.param("010.0.0.0/8", [('f: non-standard CIDR value "010.0.0.0/8" will be considered '
                                 'invalid in a future Kubernetes release: use "10.0.0.0/8"')],
                 id="leading zeros"),
    pytest.param("2001:DB8::/64", [('f: IPv6 CIDR value "2001:DB8::/64" should be in RFC 5952 '
                                   'canonical format ("2001:db8::/64")')], id="non canonical"),
])
def test_cidr_warnings(value, expected):
    assert ip_addresses.cidr_warnings("f", value) == expected


def _meta(**fields):
    meta = {"name": "web", "namespace": "default", "labels": {}, "annotations": {}}
    meta.update(fields)
    return meta


@pytest.mark.parametrize(("meta", "expected"), [
    pytest.param(_meta(), [], id="valid"),
    pytest.param(_meta(name=""), [("metadata.name: Required value: name or generateName is "
                                  "required")], id="missing name"),
    pytest.param(_meta(name="-123"), [f'metadata.name: Invalid value: "-123": {LABEL_1123}'],
                 id="bad name"),
    pytest.param(_meta(generateName="web-"), [], id="generateName may end in a dash"),
    pytest.param(_meta(generateName="-123"),
                 [f'metadata.generateName: Invalid value: "-123": {LABEL_1123}'],
                 id="bad generateName"),
    pytest.param(_meta(namespace=""), ["metadata.namespace: Required value"],
                 id="missing namespace"),
    pytest.param(_meta(namespace="Kube_System"),
                 [f'metadata.namespace: Invalid value: "Kube_System": {LABEL_1123}'],
                 id="bad namespace"),
    pytest.param(_meta(labels={"a/b/c": "x"}),
                 [f'metadata.labels: Invalid value: "a/b/c": {LABEL_KEY_SLASHES}'],
                 id="label key"),
    pytest.param(_meta(labels={"app": "-x"}),
                 [f'metadata.labels: Invalid value: "-x": {LABEL_VALUE}'], id="label value"),
    pytest.param(_meta(annotations={"Example.COM/Key": "x"}), [],
                 id="annotation keys ignore case"),
    pytest.param(_meta(annotations={"a b": "x"}),
                 [f'metadata.annotations: Invalid value: "a b": {NAME_PART}'],
                 id="annotation key"),
    pytest.param(_meta(annotations={"big": "x" * 262141}), [], id="annotations at the limit"),
    pytest.param(_meta(annotations={"big": "x" * 262142}),
                 ["metadata.annotations: Too long: may not be more than 262144 bytes"],
                 id="annotations too big"),
    pytest.param(_meta(generation=-1),
                 ["metadata.generation: Invalid value: -1: must be greater than or equal to 0"],
                 id="negative generation"),
    pytest.param(_meta(finalizers=["a/b/c"]),
                 [f'metadata.finalizers: Invalid value: "a/b/c": {LABEL_KEY_SLASHES}'],
                 id="finalizer"),
])
def test_validate_object_meta(meta, expected):
    errs = names.validate_object_meta(meta, True, names.dns1123_label)
    assert [str(e) for e in errs] == expected


def test_name_check_may_be_given_by_name():
    errs = names.validate_object_meta(_meta(name="a.b"), True, "dns1123_subdomain")
    assert errs == []
    errs = names.validate_object_meta(_meta(name="a.b"), True, "dns1123_label")
    assert [str(e) for e in errs] == ['metadata.name: Invalid value: "a.b": must not contain dots']


def test_cluster_scoped_meta_refuses_a_namespace():
    errs = names.validate_object_meta(_meta(), False, names.dns1123_subdomain)
    assert [str(e) for e in errs] == ["metadata.namespace: Forbidden: not allowed on this type"]


@pytest.mark.parametrize(("new", "expected"), [
    pytest.param(_meta(), [], id="unchanged"),
    pytest.param(_meta(name="api"), ['metadata.name: Invalid value: "api": field is immutable'],
                 id="name"),
    pytest.param(_meta(namespace="prod"),
                 ['metadata.namespace: Invalid value: "prod": field is immutable'],
                 id="namespace"),
    pytest.param(_meta(uid="x"), ['metadata.uid: Invalid value: "x": field is immutable'],
                 id="uid"),
    pytest.param(_meta(uid=""), [], id="empty uid means the stored one"),
    pytest.param(_meta(labels={"app": "-x"}),
                 [f'metadata.labels: Invalid value: "-x": {LABEL_VALUE}'], id="labels"),
])
def test_validate_object_meta_update(new, expected):
    errs = names.validate_object_meta_update(new, _meta())
    assert [str(e) for e in errs] == expected


# -- answers kept between calls (parse_ip's memo, the seen-valid sets) ---------------------------

@pytest.mark.parametrize("text", [
    "10.96.0.1", "0.0.0.0", "255.255.255.255", "010.96.0.1", "10.96.0.01", "1.2.3", "1.2.3.4.5",
    "256.1.1.1", " 10.0.0.1", "10.0.0.1 ", "1.2.3.4\x00", "١.2.3.4", "::ffff:1.2.3.4", "::1",
    "", "abc",
])
def test_parse_ip_fast_path_agrees_with_the_go_parser(text):
    """inet_pton's canonical dotted quads and the sloppy parser give the same 16 bytes; what
    inet_pton refuses (leading zeros, short forms) still gets the sloppy parser's answer."""
    assert ip_addresses.parse_ip(text) == ip_addresses._parse_ip(text)
    assert ip_addresses.parse_ip(text) == ip_addresses._parse_ip(text)  # second: the memo's


@pytest.mark.parametrize(("check", "value"), [
    (lambda v: ip_addresses.ip_address(v), "10.0.0.1"),
    (lambda v: ip_addresses.ip_address(v), "010.0.0.1"),
    (lambda v: ip_addresses.ip_warnings("f", v), "10.0.0.1"),
    (lambda v: ip_addresses.ip_warnings("f", v), "::ffff:10.0.0.1"),
    (names.dns1123_label, "http"),
    (names.dns1123_label, "Http"),
    (names.port_name, "metrics"),
    (names.port_name, "a--b"),
])
def test_checks_answer_alike_when_asked_again(check, value):
    assert check(value) == check(value)


def test_a_generate_name_checked_once_is_still_checked_per_name_format():
    meta = {"generateName": "web.x-", "name": "web", "namespace": "default"}
    assert names.validate_object_meta(meta, True, "dns1123_subdomain") == []
    errors = names.validate_object_meta(meta, True, "dns1123_label")
    assert [e.field for e in errors] == ["metadata.generateName"]
