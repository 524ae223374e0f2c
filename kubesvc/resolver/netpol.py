"""NetworkPolicy (networking.k8s.io/v1) as the network plugin enforces it: which policies
select a pod, and whether one connection (source -> destination pod IP:port/protocol, judged
after kube-proxy's DNAT) gets through.

The rules (k8s docs concepts/services-networking/network-policies.md, the API reference of
NetworkPolicySpec, and the conformance tests test/e2e/network/netpol):
- a pod is isolated for ingress (egress) when a policy whose policyTypes holds Ingress (Egress)
  selects it; policyTypes defaults to [Ingress], plus Egress when the policy has egress rules;
- a connection is delivered only when the source's egress AND the destination's ingress allow
  it; an isolated direction allows what at least one rule of one selecting policy admits;
- a rule admits a peer when one of its from/to entries matches (none: every peer) and one of its
  ports matches (none: every port); podSelector alone means the policy's namespace,
  namespaceSelector alone every pod of the selected namespaces, both together AND;
  ipBlock matches the address (after masquerade) and not its `except` ranges;
- ports by number, by range (endPort) or by name (a container port of the destination pod with
  that name and protocol); protocol TCP when unset;
- replies of an allowed connection pass (connection tracking); a pod can always reach itself;
  traffic from the node a pod runs on always reaches it (kubelet probes);
- hostNetwork pods are not subject to policies; as peers they are their node's address.

The index keeps each namespace's policies by the labels their podSelector requires, so finding
a pod's policies looks only at policies that could select it (not every policy x every pod).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from kubesvc.api.errors import ClientError
from kubesvc.api.objects import meta, spec
from kubesvc.api.selectors import NOTHING, Selector, from_label_selector
from kubesvc.bootstrap.settings import NETWORK_POLICY_SETTING
from kubesvc.controllers.endpoints import endpoint_utils as eu

GK = "NetworkPolicy.networking.k8s.io"
SETTING = NETWORK_POLICY_SETTING  # cluster setting: "on" (kindnet's default) | "off"
INGRESS, EGRESS = "Ingress", "Egress"


def enforced(view) -> bool:
    return str(view.settings.get(SETTING) or "on").lower() != "off"


def name_of(policy: dict) -> str:
    return f"{meta(policy).get('namespace', 'default')}/{meta(policy).get('name', '')}"


def policy_types(policy: dict) -> list[str]:
    """spec.policyTypes, or the API server's default: Ingress, and Egress when there are
    egress rules (SetDefaults_NetworkPolicy)."""
    types = spec(policy).get("policyTypes")
    if types:
        return list(types)
    return [INGRESS, EGRESS] if spec(policy).get("egress") else [INGRESS]


def _selector(ls) -> Selector:
    try:
        return from_label_selector(ls)
    except ClientError:
        return NOTHING  # validation refuses it; an unreadable selector selects nothing


@dataclass(frozen=True)
class Peer:
    """One end of a connection as the datapath sees it: its address, and the pod behind it
    (None for a node, a hostNetwork pod or an address outside the cluster)."""

    ip: str | None
    pod: dict | None = None
    node: str | None = None  # the node the pod runs on, or the node owning the address
    label: str = ""

    @property
    def namespace(self) -> str | None:
        return eu.namespace_of(self.pod) if self.pod is not None else None

    def describe(self) -> str:
        if self.label:
            return self.label
        if self.pod is None:
            return str(self.ip)
        name = f"pod {self.namespace}/{meta(self.pod)['name']}"
        return f"{name} ({self.ip})" if self.ip else name


@dataclass
class Decision:
    """One direction's answer: allowed or not, by which policies, and why."""

    direction: str  # Ingress | Egress
    allowed: bool
    policies: list[str] = field(default_factory=list)  # the isolating policies (NS/NAME)
    rule: str = ""  # the rule that admitted the connection, or why none did


@dataclass
class Verdict:
    """Both directions for one connection; `isolated` is False when no policy applies."""

    allowed: bool
    decisions: list[Decision] = field(default_factory=list)
    note: str = ""  # why no policy applied (hostNetwork, node traffic, itself...)

    @property
    def deciding(self) -> Decision | None:
        denied = [d for d in self.decisions if not d.allowed]
        return denied[0] if denied else (self.decisions[0] if self.decisions else None)


class PolicyIndex:
    """The policies of a cluster, indexed per namespace by the label pairs their podSelector
    requires (matchLabels); policies without such a pair are checked for every pod of their
    namespace. Namespaces' labels are read once."""

    def __init__(self, view):
        self.view = view
        self._ns: dict[str, tuple[dict, list]] = {}
        self._ns_labels: dict[str, dict] | None = None
        self._selected: dict[tuple, list[dict]] = {}  # (ns, name, labels) -> its policies
        self._reads: dict[str, int] = {}  # namespace -> policies read by key so far
        self.peers: dict[str, Peer] = {}  # backend address -> Peer, for the resolver's routes

    def _namespace(self, namespace: str) -> tuple[dict, list]:
        """(policies by their first matchLabels pair, the others) of one namespace: entries
        [policy, its podSelector parsed, podSelector, name]. A view that has `pod_selectors`
        (the store's) gives the selectors alone; a policy is then read whole (`get`) only
        once it selects a pod (a resolve reads the few that select its backends, not the
        namespace's hundreds)."""
        if namespace not in self._ns:
            by_label: dict[tuple[str, str], list] = {}
            rest: list = []
            lazy = getattr(self.view, "pod_selectors", None)
            if lazy is not None:
                entries = [[None, None, sel, name] for name, sel in lazy(GK, namespace)]
            else:
                entries = [[p, None, spec(p).get("podSelector"), meta(p).get("name")]
                           for p in self.view.objects(GK, namespace)]
            for entry in entries:  # the selector is parsed when a pod first needs it
                pairs = sorted(((entry[2] or {}).get("matchLabels") or {}).items())
                if pairs:
                    by_label.setdefault((pairs[0][0], str(pairs[0][1])), []).append(entry)
                else:
                    rest.append(entry)
            self._ns[namespace] = (by_label, rest)
        return self._ns[namespace]

    FEW = 16  # policies of a namespace read one by one before the rest are read at once

    def _read(self, namespace: str, entries: list) -> None:
        """Fill in the whole policies of entries made from selectors alone: by key while few
        have been, then every policy of the namespace in one read (`check` asks for every
        pod)."""
        if not entries:
            return
        done = self._reads.get(namespace, 0)
        if done + len(entries) <= self.FEW:
            self._reads[namespace] = done + len(entries)
            for entry in entries:
                entry[0] = self.view.get(GK, namespace, entry[3])
            return
        by_name = {meta(p).get("name"): p for p in self.view.objects(GK, namespace)}
        by_label, rest = self._ns[namespace]
        for entry in [e for group in by_label.values() for e in group] + rest:
            if entry[0] is None:
                entry[0] = by_name.get(entry[3])
        self._reads[namespace] = self.FEW + 1

    def any(self) -> bool:
        return bool(self.view.objects(GK))

    def selecting(self, pod: dict) -> list[dict]:
        """The policies of the pod's namespace whose podSelector matches its labels (kept per
        pod: a route judges the same backends from many nodes)."""
        labels = eu.labels_of(pod)
        key = (eu.namespace_of(pod), meta(pod).get("name"), tuple(sorted(labels.items())))
        found = self._selected.get(key)
        if found is None:
            by_label, rest = self._namespace(key[0])
            candidates = [e for k, v in labels.items() for e in by_label.get((k, str(v)), ())]
            for entry in candidates + rest:
                if entry[1] is None:
                    entry[1] = _selector(entry[2] or {})
            chosen = [e for e in candidates + rest if e[1].matches(labels)]
            self._read(key[0], [e for e in chosen if e[0] is None])
            found = sorted((e[0] for e in chosen if e[0] is not None), key=name_of)
            self._selected[key] = found
        return found

    def namespace_labels(self, namespace: str | None) -> dict:
        if self._ns_labels is None:
            self._ns_labels = {meta(n)["name"]: dict(eu.labels_of(n))
                               for n in self.view.objects("Namespace")}
        if namespace is None:
            return {}
        # the API server labels every namespace with its name (NamespaceDefaultLabelName)
        return {"kubernetes.io/metadata.name": namespace,
                **self._ns_labels.get(namespace, {})}


# --- judging one connection --------------------------------------------------------------------


def judge(index: PolicyIndex, src: Peer, dst: Peer, port: int, proto: str) -> Verdict:
    """Whether `src` reaches `dst` at port/proto (the destination after DNAT)."""
    if src.pod is not None and dst.pod is not None and _key(src.pod) == _key(dst.pod):
        return Verdict(True, note="a pod can always reach itself")
    decisions: list[Decision] = []
    notes: list[str] = []
    if src.pod is not None and _subject(src.pod):
        if _own_node(dst, src.pod):
            notes.append(f"traffic to the pod's own node {dst.node} is always allowed")
        else:
            out = _direction(index, src.pod, EGRESS, dst, port, proto)
            decisions += [out] if out else []
    if dst.pod is not None and _subject(dst.pod):
        if _own_node(src, dst.pod):
            notes.append(f"traffic from the pod's own node {src.node} is always allowed")
        else:
            into = _direction(index, dst.pod, INGRESS, src, port, proto, dst)
            decisions += [into] if into else []
    if not decisions and not notes:
        notes.append("no NetworkPolicy isolates either end")
    return Verdict(all(d.allowed for d in decisions), decisions, "; ".join(notes))


def _key(pod: dict) -> tuple[str, str]:
    return eu.namespace_of(pod), meta(pod).get("name", "")


def _subject(pod: dict | None) -> bool:
    """Policies apply to pods on the pod network, never to hostNetwork pods."""
    return pod is not None and not spec(pod).get("hostNetwork")


def _own_node(peer: Peer, pod: dict) -> bool:
    """The docs' ipBlock exception: traffic between a pod and its own node always passes."""
    host = peer.pod is None or bool(spec(peer.pod).get("hostNetwork"))
    return host and peer.node is not None and peer.node == spec(pod).get("nodeName")


def _direction(index: PolicyIndex, pod: dict, direction: str, peer: Peer, port: int,
               proto: str, dst: Peer | None = None) -> Decision | None:
    policies = [p for p in index.selecting(pod) if direction in policy_types(p)]
    if not policies:
        return None
    names = [name_of(p) for p in policies]
    target = dst.pod if dst is not None else peer.pod  # whose named ports count
    key = "ingress" if direction == INGRESS else "egress"
    for policy in policies:
        for i, rule in enumerate(spec(policy).get(key) or ()):
            why = _rule_admits(index, policy, rule, direction, peer, port, proto, target)
            if why is not None:
                return Decision(direction, True, names,
                                f"{name_of(policy)} {key} rule #{i + 1}{why}")
    verb = "admits" if direction == INGRESS else "allows"
    whom = (f"{peer.describe()} to port {port}/{proto}" if direction == INGRESS
            else f"traffic to {peer.describe()} port {port}/{proto}")
    return Decision(direction, False, names, f"no {key} rule {verb} {whom}")


def _rule_admits(index, policy, rule, direction, peer, port, proto, target) -> str | None:
    """None when the rule does not admit the peer; otherwise what matched (for the message)."""
    ports = _ports_match(rule.get("ports") or [], port, proto, target)
    if ports is None:
        return None
    peers = rule.get("from" if direction == INGRESS else "to") or []
    if not peers:
        return f" (every {'source' if direction == INGRESS else 'destination'}{ports})"
    for j, entry in enumerate(peers):
        what = _peer_matches(index, policy, entry, peer)
        if what:
            side = "from" if direction == INGRESS else "to"
            return f" ({side}[{j}] {what}{ports})"
    return None


def _peer_matches(index: PolicyIndex, policy: dict, entry: dict, peer: Peer) -> str:
    block = entry.get("ipBlock")
    if block is not None:
        return f"ipBlock {block.get('cidr')}" if _in_block(block, peer.ip) else ""
    if peer.pod is None or spec(peer.pod).get("hostNetwork"):
        return ""  # selectors only pick pods (a hostNetwork pod is its node's address)
    pod_sel, ns_sel = entry.get("podSelector"), entry.get("namespaceSelector")
    if pod_sel is None and ns_sel is None:
        return ""
    if ns_sel is None:
        same = peer.namespace == eu.namespace_of(policy)
        ok = same and _selector(pod_sel).matches(eu.labels_of(peer.pod))
        return f"podSelector {_show(pod_sel)}" if ok else ""
    if not _selector(ns_sel).matches(index.namespace_labels(peer.namespace)):
        return ""
    if pod_sel is not None and not _selector(pod_sel).matches(eu.labels_of(peer.pod)):
        return ""
    shown = f"namespaceSelector {_show(ns_sel)}"
    return shown + (f" and podSelector {_show(pod_sel)}" if pod_sel is not None else "")


def _show(ls) -> str:
    text = str(_selector(ls))
    return text or "{} (all)"


def _in_block(block: dict, ip: str | None) -> bool:
    if not ip:
        return False
    try:
        addr = ipaddress.ip_address(ip)
        net = ipaddress.ip_network(block.get("cidr") or "", strict=False)
        if addr.version != net.version or addr not in net:
            return False
        return not any(addr in ipaddress.ip_network(x, strict=False)
                       for x in block.get("except") or () if
                       ipaddress.ip_network(x, strict=False).version == addr.version)
    except ValueError:
        return False


def _ports_match(ports: list, port: int, proto: str, target: dict | None) -> str | None:
    """'' when the rule has no ports, the matching entry as text, or None."""
    if not ports:
        return ""
    for entry in ports:
        if (entry.get("protocol") or "TCP") != proto:
            continue
        want = entry.get("port")
        if want is None:
            return f", any {proto} port"
        if isinstance(want, int) or str(want).isdigit():
            low, high = int(want), entry.get("endPort") or int(want)
            if low <= port <= high:
                return f", port {low}" + (f"-{high}" if high != low else "") + f"/{proto}"
        elif target is not None and _named_port(target, str(want), proto) == port:
            return f", port {want}={port}/{proto}"
    return None


def _named_port(pod: dict, name: str, proto: str) -> int | None:
    for container in spec(pod).get("containers") or ():
        for p in container.get("ports") or ():
            if p.get("name") == name and (p.get("protocol") or "TCP") == proto:
                return p.get("containerPort")
    return None


# --- peers from addresses ----------------------------------------------------------------------


def peer_for_ip(view, ip: str | None, label: str = "") -> Peer:
    """The datapath's view of an address: a pod (not hostNetwork), a node, or outside."""
    if not ip:
        return Peer(None, label=label)
    pods = [p for p in view.pods_by_ip(ip) if not spec(p).get("hostNetwork")]
    if pods:
        return Peer(ip, pods[0], spec(pods[0]).get("nodeName"), label)
    node = view.node_by_ip(ip)
    if node is not None:
        return Peer(ip, None, meta(node)["name"], label or f"node {meta(node)['name']} ({ip})")
    return Peer(ip, None, None, label)
