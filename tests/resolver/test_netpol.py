"""NetworkPolicy semantics, one row per rule. Each row names where the rule comes from:
  DOCS  = kubernetes/website content/en/docs/concepts/services-networking/network-policies.md
  API   = the NetworkPolicy API reference (networking.k8s.io/v1 types.go comments)
  E2E   = kubernetes/kubernetes test/e2e/network/netpol/network_policy.go (the test's name)

The cluster: nodes n1..n3; server pods web (app=web, port http 8080/TCP, dns 53/UDP) in
default, client pods in default (app=client), in ns-b (labelled team=b) and ns-c.
"""

from __future__ import annotations

import pytest

from kubesvc.resolver import netpol
from kubesvc.resolver.netpol import PolicyIndex, judge, peer_for_ip, policy_types
from tests.resolver.netpol_world import namespace, policy
from tests.resolver.world import cluster, node, pod

WEB_IP, CLIENT_IP, B_IP, C_IP, HOST_IP = ("10.244.0.10", "10.244.1.5", "10.244.2.5",
                                          "10.244.2.6", "172.18.0.4")
EXTERNAL = "203.0.113.10"
PORTS = (("http", 8080, "TCP"), ("dns", 53, "UDP"), ("metrics", 9090, "TCP"))


def world(*policies: dict):
    return cluster(
        node("n1"), node("n2"), node("n3"),
        namespace("default"), namespace("ns-b", {"team": "b"}), namespace("ns-c"),
        pod("web", WEB_IP, "n1", {"app": "web"}, ports=PORTS),
        pod("client", CLIENT_IP, "n2", {"app": "client"}),
        pod("client-b", B_IP, "n3", {"app": "client"}, ns="ns-b"),
        pod("other-c", C_IP, "n3", {"app": "other"}, ns="ns-c"),
        pod("host", HOST_IP, "n3", {"app": "host"}, hostNetwork=True),
        *policies)


def verdict(policies, src: str, dst: str, port: int = 8080, proto: str = "TCP"):
    view = world(*policies)
    return judge(PolicyIndex(view), peer_for_ip(view, src), peer_for_ip(view, dst), port, proto)


WEB = {"matchLabels": {"app": "web"}}
CLIENT = {"matchLabels": {"app": "client"}}
TEAM_B = {"matchLabels": {"team": "b"}}
DENY_ALL_INGRESS = policy("deny-all", {}, types=["Ingress"])
DENY_ALL_EGRESS = policy("deny-egress", {}, types=["Egress"])


def from_peers(*peers, ports=None):
    rule: dict = {"from": list(peers)}
    if ports is not None:
        rule["ports"] = ports
    return [rule]


ROWS = [
    # (source, policies, src, dst, port, proto, allowed)
    ("DOCS 'default: non-isolated' — no policy allows everything",
     [], CLIENT_IP, WEB_IP, 8080, "TCP", True),
    ("E2E 'should support a default-deny ingress policy'",
     [DENY_ALL_INGRESS], CLIENT_IP, WEB_IP, 8080, "TCP", False),
    ("DOCS 'Allow all ingress traffic' (ingress: [{}])",
     [DENY_ALL_INGRESS, policy("allow-all", {}, ingress=[{}])], CLIENT_IP, WEB_IP, 8080,
     "TCP", True),
    ("E2E 'should enforce policy to allow traffic only from a pod in a different namespace"
     " based on PodSelector and NamespaceSelector' (same ns pod refused)",
     [policy("p", WEB, ingress=from_peers({"namespaceSelector": TEAM_B,
                                           "podSelector": CLIENT}))],
     CLIENT_IP, WEB_IP, 8080, "TCP", False),
    ("E2E same, the pod in the selected namespace admitted (AND of both selectors)",
     [policy("p", WEB, ingress=from_peers({"namespaceSelector": TEAM_B,
                                           "podSelector": CLIENT}))],
     B_IP, WEB_IP, 8080, "TCP", True),
    ("DOCS 'Behavior of to and from selectors': two entries are OR",
     [policy("p", WEB, ingress=from_peers({"namespaceSelector": TEAM_B},
                                          {"podSelector": CLIENT}))],
     CLIENT_IP, WEB_IP, 8080, "TCP", True),
    ("E2E 'should enforce policy based on PodSelector with MatchExpressions'",
     [policy("p", WEB, ingress=from_peers({"podSelector": {"matchExpressions": [
         {"key": "app", "operator": "In", "values": ["client"]}]}}))],
     CLIENT_IP, WEB_IP, 8080, "TCP", True),
    ("API podSelector alone selects pods of the policy's own namespace only",
     [policy("p", WEB, ingress=from_peers({"podSelector": CLIENT}))],
     B_IP, WEB_IP, 8080, "TCP", False),
    ("E2E 'should enforce policy to allow traffic from pods within server namespace based on"
     " PodSelector' — namespaceSelector {} selects every namespace",
     [policy("p", WEB, ingress=from_peers({"namespaceSelector": {}}))],
     C_IP, WEB_IP, 8080, "TCP", True),
    ("E2E 'should enforce policy based on NamespaceSelector with MatchExpressions'",
     [policy("p", WEB, ingress=from_peers({"namespaceSelector": {"matchExpressions": [
         {"key": "team", "operator": "DoesNotExist"}]}}))],
     B_IP, WEB_IP, 8080, "TCP", False),
    ("API kubernetes.io/metadata.name selects a namespace by name",
     [policy("p", WEB, ingress=from_peers({"namespaceSelector": {"matchLabels": {
         "kubernetes.io/metadata.name": "ns-c"}}}))],
     C_IP, WEB_IP, 8080, "TCP", True),
    ("E2E 'should enforce policy based on Ports' (numbered port admitted)",
     [policy("p", WEB, ingress=[{"ports": [{"port": 8080}]}])],
     CLIENT_IP, WEB_IP, 8080, "TCP", True),
    ("E2E 'should enforce policy based on Ports' (other port refused)",
     [policy("p", WEB, ingress=[{"ports": [{"port": 8080}]}])],
     CLIENT_IP, WEB_IP, 9090, "TCP", False),
    ("E2E 'should allow ingress access on one named port'",
     [policy("p", WEB, ingress=[{"ports": [{"port": "http"}]}])],
     CLIENT_IP, WEB_IP, 8080, "TCP", True),
    ("E2E 'should allow ingress access on one named port' (another port refused)",
     [policy("p", WEB, ingress=[{"ports": [{"port": "http"}]}])],
     CLIENT_IP, WEB_IP, 9090, "TCP", False),
    ("DOCS 'Targeting a range of ports' (endPort, inside the range)",
     [policy("p", WEB, ingress=[{"ports": [{"port": 9000, "endPort": 9100}]}])],
     CLIENT_IP, WEB_IP, 9090, "TCP", True),
    ("DOCS 'Targeting a range of ports' (outside the range)",
     [policy("p", WEB, ingress=[{"ports": [{"port": 9000, "endPort": 9050}]}])],
     CLIENT_IP, WEB_IP, 9090, "TCP", False),
    ("API protocol defaults to TCP: a UDP packet does not match",
     [policy("p", WEB, ingress=[{"ports": [{"port": 53}]}])],
     CLIENT_IP, WEB_IP, 53, "UDP", False),
    ("E2E 'should enforce policy based on Ports' with protocol UDP",
     [policy("p", WEB, ingress=[{"ports": [{"port": "dns", "protocol": "UDP"}]}])],
     CLIENT_IP, WEB_IP, 53, "UDP", True),
    ("E2E 'should enforce policy based on Ports' with a named port of another protocol",
     [policy("p", WEB, ingress=[{"ports": [{"port": "dns"}]}])],
     CLIENT_IP, WEB_IP, 53, "UDP", False),
    ("E2E 'should allow ingress access from namespace on one named port' — AND of ports and"
     " peers",
     [policy("p", WEB, ingress=from_peers({"namespaceSelector": TEAM_B},
                                          ports=[{"port": "http"}]))],
     B_IP, WEB_IP, 9090, "TCP", False),
    ("E2E 'should enforce policy based on any PodSelectors' (two policies add up)",
     [policy("p1", WEB, ingress=from_peers({"podSelector": {"matchLabels": {"app": "x"}}})),
      policy("p2", WEB, ingress=from_peers({"podSelector": CLIENT}))],
     CLIENT_IP, WEB_IP, 8080, "TCP", True),
    ("E2E 'should enforce except clause while egress access to server in CIDR block'"
     " (ingress form: cidr admits the external client)",
     [policy("p", WEB, ingress=from_peers({"ipBlock": {"cidr": "203.0.113.0/24"}}))],
     EXTERNAL, WEB_IP, 8080, "TCP", True),
    ("E2E 'should enforce except clause while egress access to server in CIDR block'",
     [policy("p", WEB, ingress=from_peers({"ipBlock": {"cidr": "203.0.113.0/24",
                                                       "except": ["203.0.113.0/28"]}}))],
     EXTERNAL, WEB_IP, 8080, "TCP", False),
    ("DOCS ipBlock caveat (pod IPs are implementation-defined); kindnet's"
     " kube-network-policies evaluateIPBlocks matches any address, pod IPs included",
     [policy("p", WEB, ingress=from_peers({"ipBlock": {"cidr": f"{CLIENT_IP}/32"}}))],
     CLIENT_IP, WEB_IP, 8080, "TCP", True),
    ("DOCS 'IP blocks (exception: traffic to and from the node where a Pod is running is"
     " always allowed)'",
     [DENY_ALL_INGRESS], "172.18.0.2", WEB_IP, 8080, "TCP", True),
    ("DOCS ipBlock: another node's address is judged like any address",
     [DENY_ALL_INGRESS], "172.18.0.3", WEB_IP, 8080, "TCP", False),
    ("DOCS 'hostNetwork pods': a hostNetwork source is its node's address (selectors miss)",
     [policy("p", WEB, ingress=from_peers({"podSelector": {}}))],
     HOST_IP, WEB_IP, 8080, "TCP", False),
    ("DOCS 'hostNetwork pods': policies do not apply to a hostNetwork destination",
     [DENY_ALL_INGRESS], CLIENT_IP, HOST_IP, 10250, "TCP", True),
    ("E2E 'should support a default-deny egress policy'",
     [DENY_ALL_EGRESS], CLIENT_IP, WEB_IP, 8080, "TCP", False),
    ("E2E 'should enforce egress policy allowing traffic to a server in a different namespace"
     " based on PodSelector and NamespaceSelector'",
     [policy("e", CLIENT, egress=[{"to": [{"namespaceSelector": {}, "podSelector": WEB}]}])],
     CLIENT_IP, WEB_IP, 8080, "TCP", True),
    ("E2E 'should allow egress access on one named port' (destination pod's named port)",
     [policy("e", CLIENT, egress=[{"ports": [{"port": "http"}]}])],
     CLIENT_IP, WEB_IP, 8080, "TCP", True),
    ("E2E 'should allow egress access to server in CIDR block'",
     [policy("e", CLIENT, egress=[{"to": [{"ipBlock": {"cidr": "10.244.0.0/24"}}]}])],
     CLIENT_IP, WEB_IP, 8080, "TCP", True),
    ("E2E 'should enforce ingress policy allowing any port traffic to a server on a specific"
     " protocol' — both ends: egress allowed but ingress denied drops",
     [policy("e", CLIENT, egress=[{}]), DENY_ALL_INGRESS], CLIENT_IP, WEB_IP, 8080, "TCP",
     False),
    ("API policyTypes defaults to [Ingress]: an egress-less policy does not isolate egress",
     [policy("p", CLIENT)], CLIENT_IP, WEB_IP, 8080, "TCP", True),
    ("API policyTypes [Egress] only: the selected pod stays open for ingress",
     [policy("p", WEB, types=["Egress"])], CLIENT_IP, WEB_IP, 8080, "TCP", True),
    ("DOCS 'a pod cannot block access to itself'",
     [DENY_ALL_INGRESS, DENY_ALL_EGRESS], WEB_IP, WEB_IP, 8080, "TCP", True),
    ("E2E 'should work with Ingress, Egress specified together'",
     [policy("p", WEB, ingress=[{}], egress=[], types=["Ingress", "Egress"])],
     CLIENT_IP, WEB_IP, 8080, "TCP", True),
    ("API a policy of another namespace does not select the pod",
     [policy("deny", {}, ns="ns-b", types=["Ingress"])], CLIENT_IP, WEB_IP, 8080, "TCP", True),
]


@pytest.mark.parametrize("source, policies, src, dst, port, proto, allowed", ROWS,
                         ids=[r[0][:60] for r in ROWS])
def test_network_policy_semantics(source, policies, src, dst, port, proto, allowed):
    assert verdict(policies, src, dst, port, proto).allowed is allowed, source


@pytest.mark.parametrize("spec, types", [
    ({"podSelector": {}}, ["Ingress"]),
    ({"podSelector": {}, "egress": [{}]}, ["Ingress", "Egress"]),
    ({"podSelector": {}, "egress": [{}], "policyTypes": ["Egress"]}, ["Egress"]),
])
def test_policy_types_default_as_the_api_server_sets_them(spec, types):
    """API SetDefaults_NetworkPolicy (pkg/apis/networking/v1/defaults.go)."""
    assert policy_types({"spec": spec}) == types


def test_denial_names_the_policy_and_says_no_rule_matched():
    result = verdict([DENY_ALL_INGRESS], CLIENT_IP, WEB_IP)
    decision = result.deciding
    assert decision is not None
    assert (decision.direction, decision.policies) == ("Ingress", ["default/deny-all"])
    assert decision.rule == ("no ingress rule admits pod default/client (10.244.1.5) to port "
                             "8080/TCP")


def test_admission_names_the_rule_that_matched():
    allow = policy("allow-client", WEB, ingress=from_peers({"podSelector": CLIENT},
                                                           ports=[{"port": "http"}]))
    decision = verdict([allow], CLIENT_IP, WEB_IP).deciding
    assert decision is not None and decision.allowed
    assert decision.rule == ("default/allow-client ingress rule #1 (from[0] podSelector "
                             "app=client, port http=8080/TCP)")


def test_index_looks_only_at_policies_that_could_select_the_pod():
    view = world(*[policy(f"p{i}", {"matchLabels": {"app": f"x{i}"}}) for i in range(50)],
                 policy("mine", WEB), policy("all", {}))
    index = PolicyIndex(view)
    web = view.pod("default", "web")
    assert web is not None
    assert [netpol.name_of(p) for p in index.selecting(web)] == ["default/all", "default/mine"]
    by_label, rest = index._namespace("default")
    assert len(by_label[("app", "web")]) == 1 and len(rest) == 1
