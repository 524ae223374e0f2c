"""Several kubesvc processes writing one state file at once: nothing is lost, no value is handed
out twice, nobody fails with "database is locked", and a writer that waits too long is told so.

The main test runs WRITERS processes (8 in CI, 16 with KUBESVC_STRESS=1), each applying
OBJECTS objects (100; 250) in several commands, then scaling, deleting and re-applying some of
them, while a reader lists everything in a loop. A model of what each writer did then
predicts the final state, which is checked object by object, along with the store's
invariants (tests/reliability/harness.py: check_store) and every Service's endpoints.
"""

from __future__ import annotations

import copy
import json
import os
import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tests import figures
from tests.reliability.harness import (
    KUBESVC,
    STRESS,
    check_store,
    kubesvc,
    objects_of,
)

WRITERS = 16 if STRESS else 8
OBJECTS = 250 if STRESS else 100  # per writer
PARTS = 5 if STRESS else 2  # the objects go in over this many apply commands
# CI keeps the default lock timeout (30 s). 16 writers can queue one for longer than that on a
# 2-core machine, so the stress run asks for a longer wait, as a user would.
LOCK_TIMEOUT = {"KUBESVC_LOCK_TIMEOUT": "600"} if STRESS else {}
NODES = WRITERS + 4  # 110 pods each, as a kubelet allows
LB_POOL = "172.30.0.0/22"


def _dump(path: Path, objs: list[dict]) -> str:
    path.write_text(yaml.safe_dump_all(objs, sort_keys=False))
    return str(path)


def cluster_setup() -> list[dict]:
    nodes = [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"node-{i}"}}
             for i in range(NODES)]
    pool = {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool",
            "metadata": {"name": "pool", "namespace": "metallb-system"},
            "spec": {"addresses": [LB_POOL]}}
    l2 = {"apiVersion": "metallb.io/v1beta1", "kind": "L2Advertisement",
          "metadata": {"name": "l2", "namespace": "metallb-system"}, "spec": {}}
    return [*nodes, pool, l2]


class Writer:
    """One writer's objects, the commands it runs, and the state they should leave."""

    def __init__(self, index: int, count: int, folder: Path):
        self.ns = f"w{index}"
        self.folder = folder / self.ns
        self.folder.mkdir()
        self.n_svc, self.n_pod, self.n_dep = count // 2, count // 5, count // 10
        self.n_cm = count - 1 - self.n_svc - self.n_pod - self.n_dep
        self.objects = ([self.namespace()] + [self.service(k) for k in range(self.n_svc)]
                        + [self.pod(k) for k in range(self.n_pod)]
                        + [self.deployment(k) for k in range(self.n_dep)]
                        + [self.configmap(k) for k in range(self.n_cm)])
        assert len(self.objects) == count

    # -- the objects ---------------------------------------------------------------------------

    def namespace(self) -> dict:
        return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.ns}}

    def service(self, k: int) -> dict:
        kind = ("ClusterIP", "ClusterIP", "NodePort", "LoadBalancer", "Headless")[k % 5]
        ports = [{"name": "http", "port": 80, "targetPort": "http"}]
        if kind in ("NodePort", "LoadBalancer"):
            ports.append({"name": "metrics", "port": 9090, "targetPort": 9090})
        spec = {"selector": {"app": f"a{k % 10}"}, "ports": ports}
        if kind == "Headless":
            spec["clusterIP"] = "None"
        else:
            spec["type"] = kind
        return {"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": f"s{k}", "namespace": self.ns,
                             "labels": {"writer": self.ns, "rev": "1"}},
                "spec": spec}

    def pod(self, k: int) -> dict:
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": f"p{k}", "namespace": self.ns,
                             "labels": {"writer": self.ns, "app": f"a{k % 10}", "rev": "1"}},
                "spec": {"containers": [{"name": "c", "image": "nginx",
                                         "ports": [{"name": "http", "containerPort": 8080}]}]}}

    def deployment(self, k: int) -> dict:
        labels = {"app": f"d{k}", "writer": self.ns}
        return {"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": f"d{k}", "namespace": self.ns, "labels": labels},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": f"d{k}"}},
                         "template": {"metadata": {"labels": labels},
                                      "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}

    def configmap(self, k: int) -> dict:
        shared = k % 4 == 0  # some in the namespace every writer uses
        return {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": f"{self.ns}-c{k}" if shared else f"c{k}",
                             "namespace": "default" if shared else self.ns,
                             "labels": {"writer": self.ns}},
                "data": {"k": str(k)}}

    # -- the commands, and a model of their effect ---------------------------------------------

    def commands(self) -> list[list[str]]:
        parts = [self.objects[i::PARTS] for i in range(PARTS)]
        relabelled = [self._relabelled(o) for o in parts[0] if o["kind"] in
                      ("Service", "Pod", "ConfigMap")]
        self.scaled = [f"d{k}" for k in range(0, self.n_dep, 2)]
        self.deleted = [o for o in self.objects[1:] if o["kind"] in ("Service", "Pod")][::5]
        cmds = [["apply", "-f", _dump(self.folder / f"part{i}.yaml", part)]
                for i, part in enumerate(parts)]
        cmds.append(["scale", "deployment", *self.scaled, "--replicas=2", "-n", self.ns])
        cmds.append(["get", "svc,pods", "-n", self.ns, "-o", "json"])
        cmds.append(["delete", "-f", _dump(self.folder / "deleted.yaml", self.deleted)])
        cmds.append(["apply", "-f", _dump(self.folder / "relabelled.yaml", relabelled)])
        self.expected = _model(self.objects, self.scaled, self.deleted, relabelled)
        return cmds

    @staticmethod
    def _relabelled(obj: dict) -> dict:
        obj = copy.deepcopy(obj)
        obj["metadata"]["labels"]["rev"] = "2"
        return obj


def _key(obj: dict) -> tuple[str, str, str]:
    group = obj["apiVersion"].rpartition("/")[0]
    gk = f"{obj['kind']}.{group}" if group else obj["kind"]
    return gk, obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def _model(objects, scaled, deleted, relabelled) -> dict:
    state = {_key(o): copy.deepcopy(o) for o in objects}
    for name in scaled:
        (dep,) = [o for o in state.values() if o["kind"] == "Deployment"
                  and o["metadata"]["name"] == name]
        dep["spec"]["replicas"] = 2
    for obj in deleted:
        del state[_key(obj)]
    for obj in relabelled:
        state[_key(obj)] = obj
    return state


# -- checks ------------------------------------------------------------------------------------

def check_writer(writer: Writer, live: dict) -> int:
    """Every object the writer should have left is there, as it should be. Returns how many."""
    pods = {k: o for k, o in live.items() if k[0] == "Pod" and k[1] == writer.ns}
    for key, want in writer.expected.items():
        got = live.get(key)
        assert got is not None, f"{key} lost"
        labels = got["metadata"].get("labels") or {}
        if want["kind"] == "Namespace":  # plus kubernetes.io/metadata.name
            assert labels["kubernetes.io/metadata.name"] == key[2]
        else:
            assert labels == want["metadata"]["labels"], key
        if want["kind"] == "Service":
            _check_service(key, want, got, pods)
        elif want["kind"] == "Pod":
            assert got["status"]["phase"] == "Running" and got["status"]["podIP"], key
        elif want["kind"] == "Deployment":
            assert got["spec"]["replicas"] == want["spec"]["replicas"], key
            mine = [p for p in pods.values()
                    if p["metadata"]["labels"].get("app") == key[2]
                    and p["metadata"].get("ownerReferences")]
            assert len(mine) == want["spec"]["replicas"], key
            assert all(p["status"]["phase"] == "Running" for p in mine), key
        elif want["kind"] == "ConfigMap":
            assert got["data"] == want["data"], key
    for key, obj in live.items():  # nothing deleted came back, nothing unknown appeared
        if key[1] != writer.ns:
            continue
        if key[0] in ("Service", "ConfigMap", "Deployment.apps") or \
                (key[0] == "Pod" and not obj["metadata"].get("ownerReferences")):
            assert key in writer.expected, f"{key} should not exist"
    return len(writer.expected)


def _check_service(key, want, got, pods) -> None:
    spec = got["spec"]
    assert spec["selector"] == want["spec"]["selector"], key
    assert [p["port"] for p in spec["ports"]] == [p["port"] for p in want["spec"]["ports"]]
    if want["spec"].get("clusterIP") == "None":
        assert spec["clusterIP"] == "None", key
    else:
        assert spec["clusterIP"].startswith("10.9"), key
    if spec.get("type") in ("NodePort", "LoadBalancer"):
        assert all(30000 <= p["nodePort"] <= 32767 for p in spec["ports"]), key
    if spec.get("type") == "LoadBalancer":
        (ingress,) = got["status"]["loadBalancer"]["ingress"]
        assert ingress["ip"].startswith("172.30."), key


def check_endpoints(live: dict) -> int:
    """Each selecting Service's EndpointSlices list exactly the ready pods it selects (with
    their resolved target ports). Returns how many Services were checked."""
    slices: dict[tuple[str, str], list] = {}
    for (gk, ns, _), obj in live.items():
        if gk == "EndpointSlice.discovery.k8s.io":
            owner = obj["metadata"]["labels"].get("kubernetes.io/service-name")
            slices.setdefault((ns, owner), []).append(obj)
    checked = 0
    for (gk, ns, name), svc in live.items():
        if gk != "Service" or not ns.startswith("w"):
            continue
        selector = svc["spec"]["selector"]
        want = {p["status"]["podIP"] for (g, n, _), p in live.items()
                if g == "Pod" and n == ns and p.get("status", {}).get("podIP")
                and selector.items() <= (p["metadata"].get("labels") or {}).items()}
        got, ports = set(), set()
        for eps in slices.get((ns, name), []):
            ports |= {(p["name"], p["port"]) for p in eps.get("ports") or []}
            for endpoint in eps.get("endpoints") or []:
                assert endpoint["conditions"]["ready"], endpoint
                got |= set(endpoint["addresses"])
        assert got == want, (ns, name)
        if want:
            resolved = {("http", 8080)} | ({("metrics", 9090)} if len(svc["spec"]["ports"]) > 1
                                           else set())
            assert ports == resolved, (ns, name, ports)
        checked += 1
    return checked


# -- the tests ---------------------------------------------------------------------------------

def test_concurrent_writers_lose_nothing_and_never_share_a_value(tmp_path):
    state = tmp_path / "state.db"
    setup = kubesvc(state, "apply", "-f", _dump(tmp_path / "cluster.yaml", cluster_setup()))
    assert setup.returncode == 0, setup.stderr
    writers = [Writer(i, OBJECTS, tmp_path) for i in range(WRITERS)]
    barrier = threading.Barrier(WRITERS + 1)
    done = threading.Event()

    def run_writer(writer: Writer) -> list[tuple]:
        commands = writer.commands()
        barrier.wait()
        out = []
        for cmd in commands:
            started = time.monotonic()
            result = kubesvc(state, *cmd, env=LOCK_TIMEOUT, timeout=900)
            out.append((cmd, result, time.monotonic() - started))
        return out

    def run_reader() -> list:
        barrier.wait()
        results = []
        while not done.wait(0.1):
            results.append(kubesvc(state, "get", "svc,pods,deploy", "-A", "-o", "name"))
        return results

    started = time.monotonic()
    with ThreadPoolExecutor(WRITERS + 1) as pool:
        reader = pool.submit(run_reader)
        futures = [pool.submit(run_writer, w) for w in writers]
        runs = [r for f in futures for r in f.result()]
        done.set()
        reads = reader.result()
    elapsed = time.monotonic() - started

    for cmd, result, _ in runs + [(["get"], r, 0) for r in reads]:
        assert result.returncode == 0, (cmd, result.stderr)
        assert "locked" not in result.stderr and "busy" not in result.stderr
    for cmd, result, _ in runs:
        if cmd[0] == "get":  # a reader in the middle of the writes sees well-formed output
            assert json.loads(result.stdout)["kind"] == "List"
    live = objects_of(state)
    checked = sum(check_writer(w, live) for w in writers)
    services = check_endpoints(live)
    counts = check_store(state)
    figures.record("concurrency", writers=WRITERS, objects_per_writer=OBJECTS,
                   lock_timeout=int(LOCK_TIMEOUT.get("KUBESVC_LOCK_TIMEOUT", 30)),
                   commands=len(runs), reads=len(reads), objects_checked=checked,
                   services_endpoints_checked=services, store_objects=counts["objects"],
                   allocations=counts["allocations"], lb_ips=counts["lb_ips"],
                   objects_lost=0, seconds=round(elapsed, 1),
                   longest_command_seconds=round(max(t for _, _, t in runs), 1))


def test_racing_first_commands_create_one_store(tmp_path):
    """Many processes find no store and create one at the same moment: one wins, the others
    use it; nothing is seeded twice and no temp file is left behind."""
    state = tmp_path / "fresh" / "state.db"
    state.parent.mkdir()
    manifest = tmp_path / "ns.yaml"  # a write verb: only those create a store
    manifest.write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n")
    procs = [subprocess.Popen([*KUBESVC, "--state", str(state), "apply", "-f", str(manifest)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(WRITERS)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * WRITERS, outputs
    expected = ("namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\n"
                "namespace/kube-system\nnamespace/metallb-system\nnamespace/team\n")
    assert kubesvc(state, "get", "ns", "-o", "name").stdout == expected
    assert os.listdir(state.parent) == ["state.db"]
    services = [k for k in objects_of(state) if k[0] == "Service"]
    assert sorted(services) == [("Service", "default", "kubernetes"),
                                ("Service", "kube-system", "kube-dns")]
    check_store(state)


def _hold_write_lock(state: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(state, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE meta SET value = value WHERE key = 'rv'")
    return conn


def test_writer_waits_for_the_lock_within_the_timeout(tmp_path):
    state = tmp_path / "state.db"
    assert kubesvc(state, "cluster", "init").returncode == 0
    manifest = tmp_path / "svc.yaml"
    manifest.write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n"
                        "  ports:\n  - port: 80\n")
    conn = _hold_write_lock(state)
    threading.Timer(1.5, conn.execute, ["COMMIT"]).start()
    started = time.monotonic()
    result = kubesvc(state, "apply", "-f", str(manifest), env={"KUBESVC_LOCK_TIMEOUT": "60"})
    waited = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert result.stdout == "service/web created\n"
    assert waited >= 1.4  # it waited for the other writer instead of failing
    conn.close()


def test_lock_timeout_gives_a_clear_message_and_changes_nothing(tmp_path):
    state = tmp_path / "state.db"
    assert kubesvc(state, "cluster", "init").returncode == 0
    manifest = tmp_path / "svc.yaml"
    manifest.write_text("apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n"
                        "  ports:\n  - port: 80\n")
    before = objects_of(state)
    conn = _hold_write_lock(state)
    try:
        started = time.monotonic()
        result = kubesvc(state, "apply", "-f", str(manifest),
                         env={"KUBESVC_LOCK_TIMEOUT": "0.5"})
        waited = time.monotonic() - started
        reader = kubesvc(state, "get", "svc", "-o", "name")  # readers are never blocked
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    assert result.returncode == 1
    assert result.stderr == (f"error: the state file {state} is busy: another kubesvc command "
                             "kept it locked past the timeout (set KUBESVC_LOCK_TIMEOUT to wait "
                             "longer)\n")
    assert 0.5 <= waited < 20
    assert reader.returncode == 0 and reader.stdout == "service/kubernetes\n"
    assert objects_of(state) == before


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_bad_lock_timeout_is_a_usage_error(cli, monkeypatch, value):
    monkeypatch.setenv("KUBESVC_LOCK_TIMEOUT", value)
    result = cli("get", "svc")
    assert result.code == 1, value  # kubectl exits 1 for usage errors
    assert result.err == ("error: KUBESVC_LOCK_TIMEOUT must be a number of seconds between "
                          f'0 and 86400, not "{value}"\n')
