"""The allocator on its own (kubesvc/apiserver/allocation.py), one table per rule of
spec/service-validation.md §6.2-6.3: the upstream band split (ipallocator offset
min(max(16, n/16), 256), portallocator min(max(16, n/32), 128)), the upper band first and then
the lowest free value of the lower band, release, and "range is full"."""

from __future__ import annotations

import ipaddress

import pytest

from kubesvc.api.errors import InternalError
from kubesvc.apiserver.allocation import (
    POOL_IP,
    POOL_NODEPORT,
    Allocator,
    NodePortRange,
    ServiceCIDR,
    range_offset,
)
from kubesvc.store.db import Store
from tests.builders import service


@pytest.mark.parametrize("size, minimum, maximum, step, offset", [
    pytest.param(2**20, 16, 256, 16, 256, id="ip-/12-capped-at-256"),
    pytest.param(4096, 16, 256, 16, 256, id="ip-/20-exactly-256"),
    pytest.param(2048, 16, 256, 16, 128, id="ip-/21-size/16"),
    pytest.param(256, 16, 256, 16, 16, id="ip-/24-size/16-is-16"),
    pytest.param(32, 16, 256, 16, 16, id="ip-/27-raised-to-16"),
    pytest.param(16, 16, 256, 16, 0, id="ip-/28-too-small"),
    pytest.param(2768, 16, 128, 32, 86, id="port-default-range"),
    pytest.param(10000, 16, 128, 32, 128, id="port-capped-at-128"),
    pytest.param(100, 16, 128, 32, 16, id="port-raised-to-16"),
    pytest.param(16, 16, 128, 32, 0, id="port-too-small"),
])
def test_range_offset(size, minimum, maximum, step, offset):
    assert range_offset(size, minimum, maximum, step) == offset


def _ips(bands):
    return [(str(ipaddress.ip_address(low)), str(ipaddress.ip_address(high)))
            for low, high in bands]


@pytest.mark.parametrize("cidr, bands", [
    pytest.param("10.96.0.0/12", [("10.96.1.1", "10.111.255.254"), ("10.96.0.1", "10.96.1.0")],
                 id="kubeadm-/12"),
    pytest.param("10.0.0.0/24", [("10.0.0.17", "10.0.0.254"), ("10.0.0.1", "10.0.0.16")],
                 id="/24"),
    pytest.param("10.0.0.0/28", [("10.0.0.1", "10.0.0.14")], id="/28-one-band"),
])
def test_cluster_ip_bands_upper_first(cidr, bands):
    assert _ips(ServiceCIDR(cidr).bands()) == bands


@pytest.mark.parametrize("text, bands", [
    pytest.param("30000-32767", [(30086, 32767), (30000, 30085)], id="default"),
    pytest.param("30000-30099", [(30016, 30099), (30000, 30015)], id="small"),
    pytest.param("30000-30015", [(30000, 30015)], id="one-band"),
])
def test_node_port_bands_upper_first(text, bands):
    assert NodePortRange(text).bands() == bands


@pytest.fixture
def store(tmp_path):
    """An empty store (no default/kubernetes): each row seeds exactly what it holds."""
    s = Store.create(tmp_path / "state.db", {}, lambda _: None)
    yield s
    s.close()


def _allocator(store, cidr="10.0.0.0/24", ports="30000-30099") -> Allocator:
    return Allocator(store, {"serviceCIDR": cidr, "nodePortRange": ports})


def _hold(store, pool, values):
    for value in values:
        assert store.allocate(pool, value, "someone-else")


def _ip_range(cidr: str, first: int, last: int) -> list[int]:
    base = int(ipaddress.ip_network(cidr).network_address)
    return list(range(base + first, base + last + 1))


@pytest.mark.parametrize("cidr, held, want", [
    pytest.param("10.0.0.0/24", [], "10.0.0.17", id="empty-upper-band-first"),
    pytest.param("10.0.0.0/24", [17, 18], "10.0.0.19", id="next-after-held"),
    pytest.param("10.0.0.0/24", [17, 18, 20], "10.0.0.19", id="lowest-gap"),
    pytest.param("10.0.0.0/24", [1, 2, 3], "10.0.0.17", id="static-band-holds-do-not-matter"),
    pytest.param("10.0.0.0/27", list(range(17, 31)), "10.0.0.1", id="upper-full-then-lower"),
    pytest.param("10.0.0.0/27", [*range(17, 31), 1, 2], "10.0.0.3", id="lower-band-lowest"),
    pytest.param("10.0.0.0/28", [], "10.0.0.1", id="tiny-range-one-band"),
])
def test_dynamic_cluster_ip(store, cidr, held, want):
    _hold(store, POOL_IP, [v for i in held for v in _ip_range(cidr, i, i)])
    svc = service("web", cluster_ip=None)
    _allocator(store, cidr).allocate_cluster_ip(svc, "svc-uid")
    assert (svc["spec"]["clusterIP"], svc["spec"]["clusterIPs"]) == (want, [want])
    assert store.holder(POOL_IP, int(ipaddress.ip_address(want))) == "svc-uid"


@pytest.mark.parametrize("ports, held, want", [
    pytest.param("30000-30099", [], 30016, id="empty-upper-band-first"),
    pytest.param("30000-30099", [30016, 30017, 30019], 30018, id="lowest-gap"),
    pytest.param("30000-30099", range(30016, 30100), 30000, id="upper-full-then-lower"),
    pytest.param("30000-32767", [], 30086, id="default-range"),
    pytest.param("30000-30015", [30000], 30001, id="tiny-range-one-band"),
])
def test_dynamic_node_port(store, ports, held, want):
    _hold(store, POOL_NODEPORT, held)
    assert _allocator(store, ports=ports).next_node_port("svc-uid") == want
    assert store.holder(POOL_NODEPORT, want) == "svc-uid"


@pytest.mark.parametrize("pool, cidr, ports, message", [
    pytest.param(POOL_IP, "10.0.0.0/28", "30000-30099",
                 "failed to allocate a serviceIP: range is full", id="cluster-ip"),
    pytest.param(POOL_NODEPORT, "10.0.0.0/24", "30000-30015",
                 "failed to allocate a nodePort: range is full", id="node-port"),
])
def test_range_full(store, pool, cidr, ports, message):
    allocator = _allocator(store, cidr, ports)
    if pool == POOL_IP:
        _hold(store, POOL_IP, _ip_range(cidr, 1, 14))
        before = store.owned("someone-else")
        with pytest.raises(InternalError, match=message):
            allocator.allocate_cluster_ip(service("web", cluster_ip=None), "svc-uid")
    else:
        _hold(store, POOL_NODEPORT, range(30000, 30016))
        before = store.owned("someone-else")
        with pytest.raises(InternalError, match=message):
            allocator.next_node_port("svc-uid")
    assert store.owned("svc-uid") == [] and store.owned("someone-else") == before


@pytest.mark.parametrize("pool", [POOL_IP, POOL_NODEPORT])
def test_release_makes_the_value_free_again(store, pool):
    allocator = _allocator(store)
    first = service("a", cluster_ip=None)
    if pool == POOL_IP:
        allocator.allocate_cluster_ip(first, "a-uid")
        allocator.allocate_cluster_ip(service("b", cluster_ip=None), "b-uid")
        allocator.release_cluster_ips("a-uid")
        again = service("c", cluster_ip=None)
        allocator.allocate_cluster_ip(again, "c-uid")
        assert again["spec"]["clusterIP"] == first["spec"]["clusterIP"] == "10.0.0.17"
    else:
        port = allocator.next_node_port("a-uid")
        allocator.next_node_port("b-uid")
        allocator.release_node_port("a-uid", port)
        assert allocator.next_node_port("c-uid") == port == 30016
    assert store.owned("a-uid") == []
    assert len(store.owned("b-uid")) == len(store.owned("c-uid")) == 1


def test_release_all_frees_every_pool_of_one_owner_only(store):
    allocator = _allocator(store)
    allocator.allocate_cluster_ip(service("a", cluster_ip=None), "a-uid")
    allocator.next_node_port("a-uid")
    allocator.next_node_port("b-uid")
    allocator.release_all("a-uid")
    assert store.owned("a-uid") == []
    assert store.owned("b-uid") == [(POOL_NODEPORT, 30017)]
