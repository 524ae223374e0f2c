"""Cluster DNS as CoreDNS answers it, one table per rule of spec routing-and-dns.md §5."""

from __future__ import annotations

import pytest

from kubesvc.resolver import dns
from tests.param_ids import by_columns
from tests.resolver.world import cluster, node, pod, service

Z = "cluster.local."


def view(*extra, pods=None, slices=()):
    default_pods = (pod("web-1", "10.244.0.10", "n1"), pod("web-2", "10.244.1.10", "n2"))
    return cluster(node("n1"), node("n2"), *(default_pods if pods is None else pods), *extra,
                   extra_slices=slices)


def answer(v, name, qtype="A"):
    res = dns.query(v, name, qtype)
    return res.rcode, res.answers


def data(v, name, qtype="A"):
    rcode, answers = answer(v, name, qtype)
    return rcode, [a.split(" ", 2)[2] for a in answers]


WEB = service("web")
HEADLESS = service("db", "None", ports=[{"name": "pg", "port": 5432, "targetPort": "http",
                                         "protocol": "TCP"}])
ALIAS = service("ext", None, type="ExternalName", externalName="db.example.com", selector={})


# --- §5.1 name parsing ------------------------------------------------------------------------


@pytest.mark.parametrize("name, rcode", [
    (f"svc.{Z}", "NOERROR"), (f"pod.{Z}", "NOERROR"),
    (f"default.svc.{Z}", "NOERROR"),  # a namespace alone: NODATA
    (f"nope.svc.{Z}", "NXDOMAIN"),  # missing namespace
    (f"web.nope.svc.{Z}", "NXDOMAIN"),
    (f"a.b.c.web.default.svc.{Z}", "NXDOMAIN"),  # too many labels
    (f"web.default.other.{Z}", "NXDOMAIN"),  # neither svc nor pod
    (f"unknown.default.svc.{Z}", "NXDOMAIN"),
    ("example.com.", "UPSTREAM"),  # outside the zone: forwarded
])
def test_name_parsing(name, rcode):
    res = dns.query(view(WEB), name)
    assert (res.rcode, res.answers) == (rcode, [])


def test_answers_echo_the_question_case():
    assert answer(view(WEB), "WEB.Default.svc.Cluster.Local") == (
        "NOERROR", ["WEB.Default.svc.Cluster.Local. A 10.96.0.50"])


# --- §5.2 ClusterIP Service -------------------------------------------------------------------


@pytest.mark.parametrize("name, qtype, rcode, records", [
    (f"web.default.svc.{Z}", "A", "NOERROR", ["10.96.0.50"]),
    (f"web.default.svc.{Z}", "AAAA", "NOERROR", []),  # other family: NODATA
    (f"web.default.svc.{Z}", "TXT", "NOERROR", []),
    (f"web.default.svc.{Z}", "CNAME", "NOERROR", []),
    (f"_http._tcp.web.default.svc.{Z}", "SRV", "NOERROR", [f"80 web.default.svc.{Z}"]),
    (f"_HTTP._TCP.web.default.svc.{Z}", "SRV", "NOERROR", [f"80 web.default.svc.{Z}"]),
    (f"_http._udp.web.default.svc.{Z}", "SRV", "NXDOMAIN", []),  # wrong protocol
    (f"_grpc._tcp.web.default.svc.{Z}", "SRV", "NXDOMAIN", []),  # no such port name
    (f"web.default.svc.{Z}", "SRV", "NOERROR", [f"80 web.default.svc.{Z}"]),  # bare name
    (f"10-244-0-10.web.default.svc.{Z}", "A", "NOERROR", ["10.244.0.10"]),  # CoreDNS extension
    (f"dns-version.{Z}", "TXT", "NOERROR", ['"1.1.0"']),
    ("50.0.96.10.in-addr.arpa.", "PTR", "NOERROR", [f"web.default.svc.{Z}"]),
])
def test_cluster_ip_service(name, qtype, rcode, records):
    assert data(view(WEB), name, qtype) == (rcode, records)


def test_cluster_ip_answers_without_endpoints():
    assert data(view(WEB, pods=()), f"web.default.svc.{Z}") == ("NOERROR", ["10.96.0.50"])


def test_unnamed_port_never_matches_a_port_query():
    svc = service("web", ports=[{"port": 80, "targetPort": 8080, "protocol": "TCP"}])
    assert data(view(svc), f"__._tcp.web.default.svc.{Z}", "SRV")[0] == "NXDOMAIN"
    assert data(view(svc), f"web.default.svc.{Z}", "SRV") == (
        "NOERROR", [f"80 web.default.svc.{Z}"])


def test_srv_puts_the_address_in_additional():
    res = dns.query(view(WEB), f"_http._tcp.web.default.svc.{Z}", "SRV")
    assert res.additional == [f"web.default.svc.{Z} A 10.96.0.50"]


# --- §5.3 headless Service ----------------------------------------------------------------------


@pytest.mark.parametrize("pods, records", [
    ((pod("web-1", "10.244.0.10", "n1"), pod("web-2", "10.244.1.10", "n2")),
     ["10.244.0.10", "10.244.1.10"]),
    ((pod("web-1", "10.244.0.10", "n1"), pod("web-2", "10.244.1.10", "n2", ready=False)),
     ["10.244.0.10"]),  # not-ready pods are absent
    ((pod("web-1", "10.244.0.10", "n1", terminating=True),), None),  # none ready: NXDOMAIN
])
def test_headless_a_records(pods, records):
    got = data(view(HEADLESS, pods=pods), f"db.default.svc.{Z}")
    assert got == (("NOERROR", records) if records else ("NXDOMAIN", []))


def test_publish_not_ready_addresses_answers_every_pod():
    svc = service("db", "None", publishNotReadyAddresses=True)
    pods = (pod("web-1", "10.244.0.10", "n1", ready=False),)
    assert data(view(svc, pods=pods), f"db.default.svc.{Z}") == ("NOERROR", ["10.244.0.10"])


def test_headless_srv_uses_the_endpoint_port_and_name():
    assert data(view(HEADLESS), f"_pg._tcp.db.default.svc.{Z}", "SRV") == ("NOERROR", [
        f"8080 10-244-0-10.db.default.svc.{Z}", f"8080 10-244-1-10.db.default.svc.{Z}"])


def test_port_less_slice_is_in_a_records_but_never_in_srv():
    svc = service("db", "None", ports=[{"name": "pg", "port": 5432, "targetPort": "pg",
                                        "protocol": "TCP"}])
    v = view(svc)  # the pods have no port named pg: their slice has no ports
    assert data(v, f"db.default.svc.{Z}")[1] == ["10.244.0.10", "10.244.1.10"]
    assert data(v, f"db.default.svc.{Z}", "SRV") == ("NOERROR", [])
    assert data(v, f"_pg._tcp.db.default.svc.{Z}", "SRV")[0] == "NXDOMAIN"


def test_duplicate_addresses_are_answered_once():
    manual = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
              "metadata": {"name": "extra", "namespace": "default",
                           "labels": {"kubernetes.io/service-name": "db"}},
              "endpoints": [{"addresses": ["10.244.0.10"]}], "ports": []}
    assert data(view(HEADLESS, slices=(manual,)), f"db.default.svc.{Z}")[1] == [
        "10.244.0.10", "10.244.1.10"]


# --- §5.4 hostname / subdomain ------------------------------------------------------------------


def stateful_pods(subdomain="db"):
    return tuple(pod(f"db-{i}", f"10.244.{i}.20", f"n{i + 1}", hostname=f"db-{i}",
                     subdomain=subdomain) for i in (0, 1))


@pytest.mark.parametrize("name, rcode, records", [
    (f"db-0.db.default.svc.{Z}", "NOERROR", ["10.244.0.20"]),
    (f"db-1.db.default.svc.{Z}", "NOERROR", ["10.244.1.20"]),
    (f"db-2.db.default.svc.{Z}", "NXDOMAIN", []),
    (f"10-244-0-20.db.default.svc.{Z}", "NXDOMAIN", []),  # the hostname replaces the dashed IP
    (f"_pg._tcp.db.default.svc.{Z}", "NOERROR", [f"8080 db-0.db.default.svc.{Z}",
                                                 f"8080 db-1.db.default.svc.{Z}"]),
])
def test_pod_hostname_and_subdomain(name, rcode, records):
    qtype = "SRV" if name.startswith("_") else "A"
    assert data(view(HEADLESS, pods=stateful_pods()), name, qtype) == (rcode, records)


def test_subdomain_that_names_no_service_gives_no_name():
    v = view(HEADLESS, pods=stateful_pods(subdomain="other"))
    assert data(v, f"db-0.db.default.svc.{Z}")[0] == "NXDOMAIN"
    assert data(v, f"10-244-0-20.db.default.svc.{Z}") == ("NOERROR", ["10.244.0.20"])


def test_endpoints_sharing_a_hostname_give_several_records():
    pods = tuple(pod(f"db-{i}", f"10.244.{i}.20", f"n{i + 1}", hostname="same", subdomain="db")
                 for i in (0, 1))
    assert data(view(HEADLESS, pods=pods), f"same.db.default.svc.{Z}")[1] == [
        "10.244.0.20", "10.244.1.20"]


# --- §5.5 pod records (pods insecure) ------------------------------------------------------------


@pytest.mark.parametrize("name, rcode, records", [
    (f"10-244-0-10.default.pod.{Z}", "NOERROR", ["10.244.0.10"]),
    (f"1-2-3-4.default.pod.{Z}", "NOERROR", ["1.2.3.4"]),  # insecure: no pod check
    (f"1-2-3-4.nope.pod.{Z}", "NXDOMAIN", []),
    (f"not-an-ip.default.pod.{Z}", "NXDOMAIN", []),
])
def test_pod_records(name, rcode, records):
    assert data(view(WEB), name) == (rcode, records)


# --- §5.6 ExternalName ------------------------------------------------------------------------


@pytest.mark.parametrize("name, qtype, rcode, records", [
    (f"ext.default.svc.{Z}", "A", "NOERROR", ["db.example.com."]),
    (f"ext.default.svc.{Z}", "CNAME", "NOERROR", ["db.example.com."]),
    (f"ext.default.svc.{Z}", "SRV", "NOERROR", []),
    (f"x.ext.default.svc.{Z}", "A", "NXDOMAIN", []),
    # findServices ignores the port part for ExternalName, and SRV drops CNAMEs: NODATA
    (f"_p._tcp.ext.default.svc.{Z}", "SRV", "NOERROR", []),
])
def test_external_name(name, qtype, rcode, records):
    assert data(view(ALIAS), name, qtype) == (rcode, records)


def test_external_name_with_an_ip_is_nxdomain():
    svc = service("ext", None, type="ExternalName", externalName="192.0.2.1", selector={})
    res = dns.query(view(svc), f"ext.default.svc.{Z}")
    assert (res.rcode, res.reasons[-1].code) == ("NXDOMAIN", "externalname-ip")


def test_external_name_inside_the_zone_is_followed():
    svc = service("alias", None, type="ExternalName", externalName=f"web.default.svc.{Z}",
                  selector={})
    assert answer(view(WEB, svc), f"alias.default.svc.{Z}") == ("NOERROR", [
        f"alias.default.svc.{Z} CNAME web.default.svc.{Z}", f"web.default.svc.{Z} A 10.96.0.50"])


# --- PTR for endpoints, §5.7 summary ------------------------------------------------------------


@pytest.mark.parametrize("ip, rcode, records", [
    ("10.244.0.10", "NOERROR", [f"10-244-0-10.web.default.svc.{Z}"]),
    ("10.244.9.9", "UPSTREAM", []),  # fallthrough in-addr.arpa: not answered here
])
def test_ptr_for_endpoints(ip, rcode, records):
    assert data(view(WEB), dns.reverse_name(ip), "PTR") == (rcode, records)


# --- §5.8 search path ---------------------------------------------------------------------------


def two_namespaces():
    test_ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "test"}}
    return view(service("web", ns="prod", ip="10.96.0.60"),
                pod("web-p", "10.244.0.30", "n1", ns="prod"), test_ns)


@by_columns((0, 1), "name, ns, fqdn, tried", [
    ("web", "prod", f"web.prod.svc.{Z}", 1),
    ("web.prod", "test", f"web.prod.svc.{Z}", 2),  # web.prod.test.svc fails first
    (f"web.prod.svc.{Z[:-1]}", "test", f"web.prod.svc.{Z}", 4),  # 4 dots: search list first
    (f"web.prod.svc.{Z}", "test", f"web.prod.svc.{Z}", 1),  # absolute: as is
])
def test_search_path(name, ns, fqdn, tried):
    res = dns.lookup(two_namespaces(), name, "A", ns)
    assert (res.resolved_fqdn, len(res.tried), res.addresses()) == (fqdn, tried, ["10.96.0.60"])


def test_short_name_is_not_found_in_another_namespace():
    res = dns.lookup(two_namespaces(), "web", "A", "test")
    assert res.resolved_fqdn is None and res.rcode == "UPSTREAM"
    assert [r for _, r in res.tried] == ["NXDOMAIN", "NXDOMAIN", "NXDOMAIN", "UPSTREAM"]
    assert "no Service web in namespace test" in res.reasons[1].message


def test_a_name_with_five_dots_is_asked_as_is_first():
    res = dns.lookup(two_namespaces(), "a.b.c.d.e.f", "A", "prod")
    assert res.tried[0][0] == "a.b.c.d.e.f."


def test_nodata_counts_as_try_next():
    res = dns.lookup(view(WEB), "web", "AAAA", "default")
    assert res.tried[0] == (f"web.default.svc.{Z}", "NOERROR") and len(res.tried) == 4


# --- the DNS server -----------------------------------------------------------------------------


def test_dns_server_is_kube_dns_or_the_tenth_address():
    assert dns.dns_server(view()) == "10.96.0.10"
    kube_dns = service("kube-dns", "10.96.0.99", ns="kube-system", selector={"k8s-app": "x"})
    assert dns.dns_server(view(kube_dns)) == "10.96.0.99"
    assert data(view(), f"ns.dns.{Z}") == ("NOERROR", ["10.96.0.10"])
