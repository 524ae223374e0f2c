"""Cluster settings and the fresh state a new store starts from.

Settings are fixed when the store is created (`kubesvc cluster init`, or the first command
with the defaults): the service CIDR, the node port range, the cluster domain and the
Kubernetes version whose schemas validate manifests.
"""

from __future__ import annotations

import ipaddress
import json
from importlib.resources import files

from kubesvc.api.errors import ClientError
from kubesvc.api.resources import for_gk
from kubesvc.apiserver import registry
from kubesvc.apiserver.allocation import ServiceCIDR
from kubesvc.apiserver.context import ApiContext
from kubesvc.apiserver.schema import normalise_version
from kubesvc.apiserver.strategies.namespace import SYSTEM_NAMESPACES, namespace_object
from kubesvc.apiserver.strategies.service import kubernetes_service
from kubesvc.bootstrap.settings import (  # noqa: F401 (cli/cluster.py imports them from here)
    DEFAULT_SETTINGS,
    NETWORK_POLICY_SETTING,
    NETWORK_POLICY_VALUES,
)


def make_settings(service_cidr: str | None = None, node_port_range: str | None = None,
                  cluster_domain: str | None = None, kubernetes_version: str | None = None,
                  **extra: str | None) -> dict:
    settings = dict(DEFAULT_SETTINGS)
    if service_cidr:
        settings["serviceCIDR"] = _check_cidr(service_cidr)
    if node_port_range:
        settings["nodePortRange"] = _check_port_range(node_port_range)
    if cluster_domain:
        settings["clusterDomain"] = cluster_domain.strip(".")
    if kubernetes_version:

        settings["kubernetesVersion"] = normalise_version(kubernetes_version)
    settings.update({k: v for k, v in extra.items() if v is not None})
    return settings


def _check_cidr(text: str) -> str:
    try:
        net = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        raise ClientError(f'invalid --service-cidr "{text}": {exc}') from None
    if net.version != 4:
        raise ClientError(f'invalid --service-cidr "{text}": kubesvc models single-stack IPv4 '
                          "clusters")
    if net.num_addresses < 8:
        raise ClientError(f'invalid --service-cidr "{text}": the range is too small')
    return str(net)


def _check_port_range(text: str) -> str:
    low, sep, high = text.partition("-")
    try:
        lo, hi = int(low), int(high if sep else low)
    except ValueError:
        lo = hi = -1
    if not (0 < lo <= hi <= 65535):
        raise ClientError(f'invalid --service-node-port-range "{text}": expected '
                          "<first>-<last>, e.g. 30000-32767")
    return f"{lo}-{hi}"


def seed(api: ApiContext, dns_addon: bool = False) -> None:
    """What a fresh kubeadm cluster holds for Services: four namespaces, default/kubernetes at
    the first address of the range, the kube-system/kube-dns Service at the tenth and the
    CoreDNS ConfigMap kube-system/coredns (kubeadm's Corefile, which cluster DNS answers by).
    The caller's session runs the controllers and commits (kubesvc.kubectl.session.create_store).

    `cluster init` also installs kubeadm's CoreDNS Deployment behind kube-dns. A state created
    implicitly (often to import a live cluster's dump, which brings its own DNS pods) gets the
    Service and the ConfigMap only, so no invented pod mixes with the imported ones."""

    for name in SYSTEM_NAMESPACES:
        registry.create(api, for_gk("Namespace"), namespace_object(name), keep_status=False)
    registry.create(api, for_gk("Service"), kubernetes_service(api.settings), keep_status=True)
    for obj in cluster_dns(api.settings):
        if obj["kind"] == "Deployment" and not dns_addon:
            continue
        res = for_gk({"Deployment": "Deployment.apps"}.get(obj["kind"], obj["kind"]))
        registry.create(api, res, obj, keep_status=False)


def cluster_dns(settings: dict) -> list[dict]:
    """kubeadm's DNS add-on, as `kubeadm init` creates it: the CoreDNS ConfigMap, kube-dns at
    the tenth address and the CoreDNS Deployment (ConfigMap only if the range is too small to
    hold the tenth address)."""
    cidr = ServiceCIDR(settings["serviceCIDR"])
    dns_ip = cidr.address(10)
    objs = json.loads(_addon_text(settings.get("clusterDomain") or "cluster.local")
                      .replace("@DNS_IP@", dns_ip))
    if not cidr.contains(int(ipaddress.ip_address(dns_ip))):
        return [o for o in objs if o["kind"] == "ConfigMap"]
    return objs


def _addon_text(domain: str) -> str:
    text = files("kubesvc").joinpath("data/kubeadm-dns.json").read_text()
    return text.replace("@DNS_DOMAIN@", domain.strip(".").lower())
