"""The cluster settings a new state starts with, apart from seed.py: the resolver reads these
defaults and names on every `check` and `resolve`, and importing seed.py would load the API
server's registry, admission and schemas at their start-up."""

from __future__ import annotations

DEFAULT_SETTINGS = {
    "serviceCIDR": "10.96.0.0/12",  # kubeadm's default --service-cluster-ip-range
    "nodePortRange": "30000-32767",  # kube-apiserver's default --service-node-port-range
    "clusterDomain": "cluster.local",
    "kubernetesVersion": "1.37",
}
# Whether the network plugin enforces NetworkPolicies: "on" as kind's kindnet does (a state
# made before the setting existed reads as on); "off" for plugins that ignore them (flannel)
NETWORK_POLICY_SETTING = "networkPolicyEnforcement"
NETWORK_POLICY_VALUES = ("on", "off")
