"""The single-stack fast paths of the cluster IP checks (`service_ips.single_v4`) give the
answers the full checks give: each row is checked both ways, the slow way by turning the fast
path off."""

from __future__ import annotations

import copy

import pytest

from kubesvc.apiserver.validation import service_ip_families, service_ips
from kubesvc.apiserver.validation.service_ip_families import init_ip_family_fields
from kubesvc.apiserver.validation.service_ips import validate_cluster_ips_related_fields

V4 = {"clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "ipFamilies": ["IPv4"]}

SPECS = [
    pytest.param({**V4}, id="no-policy"),
    pytest.param({**V4, "ipFamilyPolicy": "SingleStack"}, id="single"),
    pytest.param({**V4, "ipFamilyPolicy": "PreferDualStack"}, id="prefer-dual"),
    pytest.param({**V4, "ipFamilyPolicy": "RequireDualStack"}, id="require-dual"),
    pytest.param({**V4, "ipFamilyPolicy": "Other"}, id="bad-policy"),
    pytest.param({**V4, "type": "NodePort"}, id="nodeport"),
    pytest.param({**V4, "type": "ExternalName"}, id="external-name"),
    pytest.param({**V4, "clusterIPs": ["10.96.0.11"]}, id="plural-differs"),
    pytest.param({**V4, "clusterIP": "10.96.00.10", "clusterIPs": ["10.96.00.10"]},
                 id="leading-zero"),
    pytest.param({**V4, "clusterIP": "10.96.0.300", "clusterIPs": ["10.96.0.300"]},
                 id="not-an-ip"),
    pytest.param({**V4, "ipFamilies": ["IPv6"]}, id="family-v6"),
    pytest.param({**V4, "ipFamilies": ["IPv4", "IPv4"]}, id="family-twice"),
    pytest.param({**V4, "ipFamilies": []}, id="no-family"),
    pytest.param({**V4, "clusterIP": "None", "clusterIPs": ["None"]}, id="headless"),
    pytest.param({**V4, "clusterIP": "fd00::10", "clusterIPs": ["fd00::10"]}, id="v6-ip"),
    pytest.param({**V4, "clusterIP": "::ffff:10.96.0.10", "clusterIPs": ["::ffff:10.96.0.10"]},
                 id="v4-mapped"),
    pytest.param({**V4, "clusterIPs": ["10.96.0.10", "fd00::10"]}, id="two-ips"),
]


def _service(spec: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "d"},
            "spec": {"type": "ClusterIP", "ports": [{"port": 80, "protocol": "TCP"}],
                     **copy.deepcopy(spec)}}


def _slow(monkeypatch) -> None:
    monkeypatch.setattr(service_ips, "single_v4", lambda spec: False)
    monkeypatch.setattr(service_ip_families, "single_v4", lambda spec: False)


@pytest.mark.parametrize("spec", SPECS)
def test_related_fields_fast_path_agrees(spec, monkeypatch):
    fast = validate_cluster_ips_related_fields(_service(spec))
    _slow(monkeypatch)
    assert fast == validate_cluster_ips_related_fields(_service(spec))


@pytest.mark.parametrize("spec", SPECS)
def test_init_ip_family_fields_fast_path_agrees(spec, monkeypatch):
    fast_svc, fast_passed = _service(spec), []
    fast = init_ip_family_fields(fast_svc, None, fast_passed)
    _slow(monkeypatch)
    slow_svc, slow_passed = _service(spec), []
    assert fast == init_ip_family_fields(slow_svc, None, slow_passed)
    assert (fast_svc, fast_passed) == (slow_svc, slow_passed)
    assert list(fast_svc["spec"]) == list(slow_svc["spec"])  # same keys, same order


def test_fast_path_taken():
    """The usual restored Service does take it (else the rows above prove nothing)."""
    assert service_ips.single_v4(_service({**V4, "ipFamilyPolicy": "SingleStack"})["spec"])
