"""What the reliability tests share: running kubesvc as its own process, and checking a
store's invariants (integrity, allocations consistent with the objects, no value handed to two
objects)."""

from __future__ import annotations

import ctypes
import ipaddress
import json
import os
import sqlite3
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from kubesvc.store.db import APPLICATION_ID
from tests.figures import STRESS

__all__ = ["KUBESVC", "STRESS", "check_store", "kubesvc", "objects_of", "without_root_privileges"]

KUBESVC = [sys.executable, "-m", "kubesvc"]


def kubesvc(state: Path, *args: str, env: dict | None = None, preexec_fn=None,
            timeout: float = 120) -> subprocess.CompletedProcess:
    """`kubesvc --state STATE ARGS` as its own process."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*KUBESVC, "--state", str(state), *args], capture_output=True,
                          text=True, env=full_env, preexec_fn=preexec_fn, timeout=timeout)


def objects_of(path: Path) -> dict[tuple[str, str, str], dict]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT gk, namespace, name, body FROM objects").fetchall()
    finally:
        conn.close()
    return {(gk, ns, name): json.loads(body) for gk, ns, name, body in rows}


def _ip(text: str) -> int:
    return int(ipaddress.ip_address(text))


def carried_values(gk: str, obj: dict) -> set[tuple[str, int]]:
    """The allocated values an object carries in its fields, by pool."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    out: set[tuple[str, int]] = set()
    if gk == "Service":
        for ip in spec.get("clusterIPs") or [spec.get("clusterIP")]:
            if ip not in (None, "", "None"):
                out.add(("clusterip", _ip(ip)))
        for port in spec.get("ports") or []:
            if port.get("nodePort"):
                out.add(("nodeport", port["nodePort"]))
        if spec.get("healthCheckNodePort"):
            out.add(("nodeport", spec["healthCheckNodePort"]))
    elif gk == "Pod" and status.get("podIP") and not spec.get("hostNetwork"):
        out.add(("podip", _ip(status["podIP"])))
    elif gk == "Node":
        if spec.get("podCIDR"):
            out.add(("podcidr", int(ipaddress.ip_network(spec["podCIDR"]).network_address)))
        for addr in status.get("addresses") or []:
            if addr.get("type") == "InternalIP":
                out.add(("nodeip", _ip(addr["address"])))
    return out


CHECKED_POOLS = {"clusterip", "nodeport", "podip", "podcidr", "nodeip"}


def check_store(path: Path) -> dict:
    """Everything a healthy store satisfies, whatever happened to it. Returns counts.

    * SQLite's integrity and foreign-key checks pass; the file is a kubesvc store;
    * every allocation belongs to an object that exists, and that object carries the value
      (no leak); every value an object carries is allocated to it (no double hand-out);
    * no two objects carry the same cluster IP, node port, pod IP, node address or pod CIDR,
      and no two Services (not sharing on purpose) the same load-balancer address.
    """
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        allocations = conn.execute("SELECT pool, value, owner FROM allocations").fetchall()
        labels = conn.execute("SELECT o.gk, o.namespace, o.name, l.key, l.value FROM labels l "
                              "JOIN objects o ON o.id = l.object_id").fetchall()
    finally:
        conn.close()
    objects = objects_of(path)
    held: dict[str, set] = defaultdict(set)
    for pool, value, owner in allocations:
        gk, ns, name = owner.split("/")
        assert (gk, ns, name) in objects, f"{pool} {value} is held by {owner}, which is gone"
        if pool in CHECKED_POOLS:
            held[owner].add((pool, value))
    carried: dict[str, set] = defaultdict(set)
    first_owner: dict[tuple[str, int], str] = {}
    lb_owner: dict[str, str] = {}
    for (gk, ns, name), obj in objects.items():
        owner = f"{gk}/{ns}/{name}"
        for value in carried_values(gk, obj):
            carried[owner].add(value)
            other = first_owner.setdefault(value, owner)
            assert other == owner, f"{value} handed to both {other} and {owner}"
        if gk == "Service" and not _shares_lb_ip(obj):
            for ingress in ((obj.get("status") or {}).get("loadBalancer") or {}).get(
                    "ingress") or []:
                if ingress.get("ip"):
                    other = lb_owner.setdefault(ingress["ip"], owner)
                    assert other == owner, f"LB {ingress['ip']} given to {other} and {owner}"
    for owner in set(held) | set(carried):
        assert carried[owner] <= held[owner], f"{owner} carries unallocated " \
            f"{sorted(carried[owner] - held[owner])}"
        assert held[owner] <= carried[owner], f"{owner} holds unused (leaked) " \
            f"{sorted(held[owner] - carried[owner])}"
    index = defaultdict(dict)
    for gk, ns, name, key, value in labels:
        index[(gk, ns, name)][key] = value
    for key, obj in objects.items():  # the label index agrees with the objects
        want = {k: str(v) for k, v in ((obj.get("metadata") or {}).get("labels") or {}).items()}
        assert index.get(key, {}) == want, f"label index of {key} is stale"
    return {"objects": len(objects), "allocations": len(allocations),
            "lb_ips": len(lb_owner)}


def _shares_lb_ip(svc: dict) -> bool:
    annotations = (svc.get("metadata") or {}).get("annotations") or {}
    return any(k.endswith("/allow-shared-ip") for k in annotations)


def without_root_privileges():
    """A preexec_fn under which root is refused what file modes refuse (CAP_DAC_OVERRIDE etc.
    dropped from the bounding set before exec); None for ordinary users."""
    if os.geteuid() != 0:
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def drop() -> None:
        for cap in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
            if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    try:
        subprocess.run([sys.executable, "-c", "pass"], preexec_fn=drop, check=True)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE")
    return drop
