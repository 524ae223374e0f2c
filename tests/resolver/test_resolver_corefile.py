"""Cluster DNS follows the Corefile of ConfigMap kube-system/coredns: one table per rule, each
row naming the CoreDNS source (or doc) it follows. `setup.go` is coredns
plugin/kubernetes/setup.go ParseStanza; `handler.go` its ServeDNS; `kubernetes.go` findPods /
Records; README is plugin/kubernetes/README.md."""

from __future__ import annotations

import pytest

from kubesvc.resolver import corefile, dns
from kubesvc.resolver.check import check_cluster
from kubesvc.resolver.corefile import CorefileError, kubeadm_corefile, parse
from tests.resolver.world import cluster, node, pod, service

Z = "cluster.local."


def block(body: str, keys: str = ".:53") -> str:
    return f"{keys} {{\n    errors\n{body}\n    forward . /etc/resolv.conf\n}}\n"


def k8s(options: str = "", zones: str = "cluster.local in-addr.arpa ip6.arpa") -> str:
    inner = "".join(f"       {line}\n" for line in options.splitlines() if line)
    return block(f"    kubernetes {zones} {{\n{inner}    }}" if inner else
                 f"    kubernetes {zones}")


def view(text: str | None, *extra, settings=None):
    web = (pod("web-1", "10.244.0.10", "n1"), pod("web-2", "10.244.1.10", "n2"),
           pod("other-1", "10.244.1.20", "n2", {"app": "other"}, ns="other"))
    return cluster(node("n1"), node("n2"), *web, service("web"), *extra,
                   corefile=text, settings=settings)


K3S = """.:53 {
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
      pods insecure
      fallthrough in-addr.arpa ip6.arpa
    }
    hosts /etc/coredns/NodeHosts {
      ttl 60
      reload 15s
      fallthrough
    }
    forward . /etc/resolv.conf
    import /etc/coredns/custom/*.override
}
import /etc/coredns/custom/*.server
"""


def plugin_of(text: str):
    return next(b.kubernetes for b in parse(text) if b.kubernetes)


# --- reading the Corefile ----------------------------------------------------------------------


@pytest.mark.parametrize("text, zones, pods, ttl, fall", [
    pytest.param(kubeadm_corefile("cluster.local"), ("cluster.local.", "in-addr.arpa.",
                                                     "ip6.arpa."), "insecure", 30,
                 ("in-addr.arpa.", "ip6.arpa."), id="kubeadm manifests.go CoreDNSConfigMap"),
    pytest.param(k8s(), (Z, "in-addr.arpa.", "ip6.arpa."), "disabled", 5, None,
                 id="kubernetes.go New: pods disabled, defaultTTL 5, no fallthrough"),
    pytest.param(k8s("fallthrough"), (Z, "in-addr.arpa.", "ip6.arpa."), "disabled", 5, (".",),
                 id="fall.go SetZonesFromArgs: no zones = every name"),
    pytest.param(k8s("pods verified\nttl 0"), (Z, "in-addr.arpa.", "ip6.arpa."), "verified", 0,
                 None, id="setup.go ttl: 0 is allowed"),
    pytest.param(block("    kubernetes"), (".",), "disabled", 5, None,
                 id="setup.go OriginsFromArgsOrServerBlock: zones from the block keys"),
    pytest.param(k8s(zones="Example.ORG 10.0.0.0/16"), ("example.org.", "0.10.in-addr.arpa."),
                 "disabled", 5, None, id="plugin.Host Normalize: lower case, CIDR to reverse"),
    pytest.param("# kubeadm\ncluster.local:53 dns://.:53 {\n  kubernetes cluster.local\n}\n",
                 (Z,), "disabled", 5, None, id="Caddyfile: comments, several keys, dns://"),
    pytest.param(k8s('pods "insecure"  # why\nnamespaces default other\nendpoint_pod_names'),
                 (Z, "in-addr.arpa.", "ip6.arpa."), "insecure", 5, None,
                 id="Caddyfile: quoted values, trailing comments; setup.go known options"),
    pytest.param(".:53 { kubernetes cluster.local { ttl 7 } }\n", (Z,), "disabled", 7, None,
                 id="Caddyfile: blocks opened and closed on one line"),
    pytest.param(K3S, (Z, "in-addr.arpa.", "ip6.arpa."), "insecure", 5,
                 ("in-addr.arpa.", "ip6.arpa."),
                 id="k3s: another plugin's fallthrough, a top-level import of files"),
])
def test_parse(text, zones, pods, ttl, fall):
    plugin = plugin_of(text)
    assert (plugin.zones, plugin.pods, plugin.ttl, plugin.fallthrough) == (zones, pods, ttl, fall)


@pytest.mark.parametrize("text, message", [
    pytest.param(k8s("pods secure"), "wrong value for pods: secure, must be one of: disabled, "
                                     "verified, insecure", id="setup.go pods"),
    pytest.param(k8s("ttl 3601"), "ttl must be in range [0, 3600]: 3601", id="setup.go ttl range"),
    pytest.param(k8s("ttl soon"), "ttl 'soon' is not a whole number", id="setup.go ttl Atoi"),
    pytest.param(k8s("ttl"), "ttl needs a number of seconds", id="setup.go ttl ArgErr"),
    pytest.param(k8s("upstream"), "unknown property 'upstream'", id="setup.go default case"),
    pytest.param(k8s(zones="in-addr.arpa"), "non-reverse zone name must be used",
                 id="setup.go primaryZoneIndex"),
    pytest.param(block("    kubernetes cluster.local\n    kubernetes example.org"),
                 "can only be used once per Server Block", id="setup.go plugin.ErrOnce"),
    pytest.param(".:53 {\n  kubernetes cluster.local {\n    pods insecure\n}\n",
                 "line 1: the block opened here is never closed", id="Caddyfile: missing '}'"),
    pytest.param(".:53 {\n}\n}\n", "line 3: unexpected '}'", id="Caddyfile: a stray '}'"),
    pytest.param(block("") + block(""), "zone . on port 53 is defined by two server blocks",
                 id="register.go validateZonesAndListeningAddresses"),
    pytest.param("", "no server block", id="an empty Corefile"),
    pytest.param('.:53 {\n  hosts "unterminated\n}\n', "unterminated quoted string",
                 id="Caddyfile: quotes"),
])
def test_parse_errors(text, message):
    with pytest.raises(CorefileError) as caught:
        parse(text)
    assert message in str(caught.value)


# --- which names the plugin answers --------------------------------------------------------------


@pytest.mark.parametrize("text, name, qtype, rcode, records", [
    pytest.param(k8s(zones="example.org"), "web.default.svc.example.org.", "A", "NOERROR",
                 ["10.96.0.50"], id="README zones: names answer in the plugin's zone"),
    pytest.param(k8s(zones="example.org"), f"web.default.svc.{Z}", "A", "UPSTREAM", [],
                 id="handler.go: a name outside the zones goes to the next plugin"),
    pytest.param(k8s(zones="cluster.local example.org"), "web.default.svc.example.org.", "A",
                 "NOERROR", ["10.96.0.50"], id="README zones: every zone listed answers"),
    pytest.param(k8s(zones="example.org in-addr.arpa"), "50.0.96.10.in-addr.arpa.", "PTR",
                 "NOERROR", ["web.default.svc.example.org."],
                 id="reverse.go: PTR names use the primary (first non-reverse) zone"),
    pytest.param(k8s(zones="cluster.local"), "50.0.96.10.in-addr.arpa.", "PTR", "UPSTREAM", [],
                 id="handler.go: no reverse zone, PTR goes to the next plugin"),
    pytest.param(block("    kubernetes cluster.local", keys="cluster.local:53") +
                 block("", keys=".:53"), "example.com.", "A", "UPSTREAM", [],
                 id="register.go: the root block without kubernetes serves other names"),
    pytest.param(block("    kubernetes cluster.local", keys="cluster.local:53"), "example.com.",
                 "A", "REFUSED", [], id="server.go ServeDNS: no block serves the name"),
    pytest.param(block("    kubernetes cluster.local", keys="cluster.local:1053") +
                 block("", keys=".:53"), f"web.default.svc.{Z}", "A", "UPSTREAM", [],
                 id="register.go: a block on another port is not kube-dns's"),
])
def test_zones(text, name, qtype, rcode, records):
    res = dns.query(view(text), name, qtype)
    assert (res.rcode, [a.split(" ", 2)[2] for a in res.answers]) == (rcode, records)


POD_NAME = "10-244-0-10.default.pod." + Z


@pytest.mark.parametrize("mode, name, rcode, records", [
    pytest.param("insecure", POD_NAME, "NOERROR", ["10.244.0.10"], id="findPods insecure"),
    pytest.param("insecure", "10-9-9-9.default.pod." + Z, "NOERROR", ["10.9.9.9"],
                 id="findPods insecure: no pod needed"),
    pytest.param("insecure", "10-9-9-9.nope.pod." + Z, "NXDOMAIN", [],
                 id="Records namespaceExposed: the namespace must exist (insecure)"),
    pytest.param("insecure", "not-an-ip.default.pod." + Z, "NXDOMAIN", [],
                 id="findPods insecure: net.ParseIP fails"),
    pytest.param("verified", POD_NAME, "NOERROR", ["10.244.0.10"],
                 id="findPods verified: a pod of the namespace has the IP"),
    pytest.param("verified", "10-244-1-20.default.pod." + Z, "NXDOMAIN", [],
                 id="findPods verified: the pod with the IP is in another namespace"),
    pytest.param("verified", "10-244-1-20.other.pod." + Z, "NOERROR", ["10.244.1.20"],
                 id="findPods verified: same namespace"),
    pytest.param("verified", "10-9-9-9.default.pod." + Z, "NXDOMAIN", [],
                 id="findPods verified: no pod has the IP"),
    pytest.param("verified", "10-244-0-10.nope.pod." + Z, "NXDOMAIN", [],
                 id="Records namespaceExposed: the namespace must exist (verified)"),
    pytest.param("disabled", POD_NAME, "NXDOMAIN", [], id="findPods disabled: always NXDOMAIN"),
    pytest.param("disabled", "default.pod." + Z, "NXDOMAIN", [],
                 id="findPods disabled: before the empty-name NODATA"),
    pytest.param("insecure", "default.pod." + Z, "NOERROR", [],
                 id="findPods: an empty pod name is NODATA"),
])
def test_pods_mode(mode, name, rcode, records):
    res = dns.query(view(k8s(f"pods {mode}")), name)
    assert (res.rcode, [a.split(" ", 2)[2] for a in res.answers]) == (rcode, records)


def test_verified_ignores_terminating_pods():
    """object/pod.go ToPod: a pod with a deletionTimestamp is left out of the pod index."""
    gone = pod("gone-1", "10.244.0.30", "n1", terminating=True)
    res = dns.query(view(k8s("pods verified"), gone), "10-244-0-30.default.pod." + Z)
    assert res.rcode == "NXDOMAIN"
    assert "pods verified" in res.reasons[-1].message


@pytest.mark.parametrize("options, name, qtype, ttl", [
    pytest.param("ttl 30", f"web.default.svc.{Z}", "A", 30, id="setup.go ttl"),
    pytest.param("", f"web.default.svc.{Z}", "A", 5, id="kubernetes.go defaultTTL"),
    pytest.param("ttl 0", f"web.default.svc.{Z}", "A", 0, id="README ttl 0: never cached"),
    pytest.param("ttl 30", f"nope.default.svc.{Z}", "A", 30,
                 id="kubernetes.go MinTTL: the negative answer's SOA minimum"),
    pytest.param("ttl 30", f"dns-version.{Z}", "TXT", 28800,
                 id="kubernetes.go Services: dns-version TXT has TTL 28800"),
    pytest.param("ttl 30", "example.com.", "A", None, id="not cluster DNS's answer"),
])
def test_ttl(options, name, qtype, ttl):
    res = dns.query(view(k8s(options)), name, qtype)
    assert res.ttl == ttl
    assert res.to_dict()["ttl"] == ttl


@pytest.mark.parametrize("options, name, qtype, rcode", [
    pytest.param("fallthrough in-addr.arpa ip6.arpa", "9.9.244.10.in-addr.arpa.", "PTR",
                 "UPSTREAM", id="handler.go Fall.Through: unknown reverse name"),
    pytest.param("", "9.9.244.10.in-addr.arpa.", "PTR", "NXDOMAIN",
                 id="handler.go: no fallthrough, the name error is NXDOMAIN"),
    pytest.param("", "50.0.96.10.in-addr.arpa.", "A", "NXDOMAIN",
                 id="Records: any other question for a reverse name is a name error"),
    pytest.param("fallthrough in-addr.arpa ip6.arpa", f"nope.default.svc.{Z}", "A", "NXDOMAIN",
                 id="fall.go Through: only the zones listed"),
    pytest.param("fallthrough", f"nope.default.svc.{Z}", "A", "UPSTREAM",
                 id="fall.go: fallthrough without zones covers every name"),
    pytest.param("fallthrough cluster.local", f"web.nope.svc.{Z}", "A", "UPSTREAM",
                 id="handler.go IsNameError: errNsNotExposed falls through too"),
    pytest.param("fallthrough", f"default.svc.{Z}", "A", "NOERROR",
                 id="handler.go: NODATA is an answer, it never falls through"),
    pytest.param("fallthrough", f"web.default.svc.{Z}", "A", "NOERROR",
                 id="a name with records is answered"),
])
def test_fallthrough(options, name, qtype, rcode):
    res = dns.query(view(k8s(options)), name, qtype)
    assert res.rcode == rcode
    if rcode == "UPSTREAM":
        assert res.reasons[-1].code == "dns-fallthrough"


@pytest.mark.parametrize("name, qtype, rcode", [
    pytest.param(f"web.default.svc.{Z}", "A", "NOERROR", id="setup.go namespaces: listed"),
    pytest.param(f"other.other.svc.{Z}", "A", "NXDOMAIN", id="namespace.go configuredNamespace"),
    pytest.param("20.1.244.10.in-addr.arpa.", "PTR", "NXDOMAIN",
                 id="reverse.go serviceRecordForIP: only exposed namespaces"),
])
def test_namespaces(name, qtype, rcode):
    other = service("other", "10.96.0.60", ns="other", selector={"app": "other"})
    res = dns.query(view(k8s("namespaces default"), other), name, qtype)
    assert res.rcode == rcode


HEADLESS = service("db", "None")


@pytest.mark.parametrize("options, name, qtype, records", [
    pytest.param("", f"10-244-0-10.db.default.svc.{Z}", "A", ["10.244.0.10"],
                 id="kubernetes.go endpointHostname: the dashed IP by default"),
    pytest.param("endpoint_pod_names", f"web-1.db.default.svc.{Z}", "A", ["10.244.0.10"],
                 id="README endpoint_pod_names: the pod's name"),
    pytest.param("endpoint_pod_names", f"10-244-0-10.db.default.svc.{Z}", "A", [],
                 id="endpoint_pod_names: the dashed IP no longer names it"),
    pytest.param("endpoint_pod_names", "10.0.244.10.in-addr.arpa.", "PTR",
                 [f"web-1.db.default.svc.{Z}", f"web-1.web.default.svc.{Z}"],
                 id="reverse.go serviceRecordForIP: PTR uses the same hostname"),
])
def test_endpoint_pod_names(options, name, qtype, records):
    res = dns.query(view(k8s(options), HEADLESS), name, qtype)
    assert sorted(a.split(" ", 2)[2] for a in res.answers) == records


# --- no ConfigMap, or one kubesvc cannot read ---------------------------------------------


def test_no_configmap_answers_as_kubeadm_with_a_check_warning():
    v = view(None)
    res = dns.query(v, POD_NAME)
    assert (res.rcode, res.ttl) == ("NOERROR", 30)  # pods insecure, ttl 30
    assert dns.query(v, "9.9.244.10.in-addr.arpa.", "PTR").rcode == "UPSTREAM"
    problems = [(p.object, p.reason.severity, p.reason.code) for p in check_cluster(v)]
    assert problems == [("ConfigMap kube-system/coredns", "warning", "dns-corefile")]


def test_unreadable_corefile_is_a_check_error_and_resolve_says_so():
    v = view(k8s("pods secure"))
    res = dns.query(v, POD_NAME)
    assert (res.rcode, res.ttl) == ("NOERROR", 30)  # kubeadm's defaults
    assert res.reasons[0].code == "dns-corefile"
    assert "wrong value for pods: secure" in res.reasons[0].message
    [problem] = check_cluster(v)
    assert (problem.object, problem.reason.severity) == ("ConfigMap kube-system/coredns", "error")
    assert "line 4: plugin/kubernetes: wrong value for pods: secure" in problem.reason.message


def test_configmap_without_corefile_key():
    v = view(None, {"apiVersion": "v1", "kind": "ConfigMap", "data": {},
                    "metadata": {"name": "coredns", "namespace": "kube-system"}})
    [problem] = check_cluster(v)
    assert "it has no data.Corefile key" in problem.reason.message


def test_check_warns_when_no_plugin_serves_the_cluster_domain():
    [problem] = check_cluster(view(k8s(zones="example.org")))
    assert problem.reason.code == "dns-corefile"
    assert "cluster domain cluster.local" in problem.reason.message


def test_check_limited_to_a_namespace_leaves_the_corefile_out():
    assert check_cluster(view(None), "default") == []


def test_kubeadm_corefile_of_the_cluster_domain():
    """`cluster init --cluster-domain` makes kubeadm's Corefile for that domain."""
    v = view(None, settings={"clusterDomain": "corp.example", "serviceCIDR": "10.96.0.0/12"})
    config = corefile.load(v)
    assert config.cluster_plugin is not None
    assert config.cluster_plugin.zones[0] == "corp.example."
    assert dns.query(v, "web.default.svc.corp.example.").rcode == "NOERROR"
