"""SIGKILL at random moments: every command happens whole or not at all.

`kubesvc apply` (creating, then updating a batch of objects) and `kubesvc delete -f` are
killed at a random moment, KILLS times (30 in CI, 300 with KUBESVC_STRESS=1). After each kill
the store must open, pass SQLite's integrity check, hold each batch either exactly as it was
before the command or exactly as the command leaves it (derived objects too: pods, replica
sets, endpoint slices), and keep its allocations consistent with its objects (check_store).

Where a kill landed is read from /proc/locks just before it: a process holding SQLite's WAL
write lock was inside its transaction. The test insists that some kills land there.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
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

KILLS = 300 if STRESS else 30
CREATION_KILLS = 60 if STRESS else 8
BATCHES = 4
SEED = int(os.environ.get("KUBESVC_SEED", "0")) or random.randrange(1 << 30)
WAL_WRITE_LOCK = 120  # byte offset of SQLite's WAL writer lock in the -shm file


def batch(j: int, rev: int) -> list[dict]:
    """Objects labelled batch=bJ; revision 2 changes every one of them (and adds a replica)."""
    name, labels = f"b{j}", {"batch": f"b{j}"}
    meta = lambda n: {"name": f"{name}-{n}", "labels": dict(labels),  # noqa: E731
                      "annotations": {"rev": str(rev)}}
    pod_spec = {"containers": [{"name": "c", "image": "nginx",
                                "ports": [{"name": "http", "containerPort": 8080}]}]}
    objs: list[dict] = []
    for k in range(16):
        kind = ("ClusterIP", "NodePort", "LoadBalancer", "ClusterIP")[k % 4]
        objs.append({"apiVersion": "v1", "kind": "Service", "metadata": meta(f"s{k}"),
                     "spec": {"type": kind, "selector": {"app": name},
                              "ports": [{"name": "http", "port": 80 + rev,
                                         "targetPort": "http"}]}})
    objs.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta("d"),
                 "spec": {"replicas": rev + 1, "selector": {"matchLabels": {"app": name}},
                          "template": {"metadata": {"labels": {"app": name, **labels}},
                                       "spec": pod_spec}}})
    for k in range(3):
        objs.append({"apiVersion": "v1", "kind": "Pod", "metadata": meta(f"p{k}"),
                     "spec": pod_spec})
        objs[-1]["metadata"]["labels"]["app"] = name
        objs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(f"c{k}"),
                     "data": {"rev": str(rev)}})
    return objs


def batch_state(live: dict, j: int) -> str:
    """'absent', 'rev1' or 'rev2'; fails on anything in between."""
    name = f"b{j}"

    def belongs(key, obj) -> bool:
        labels = obj["metadata"].get("labels") or {}
        return labels.get("batch") == name or key[2].startswith(f"{name}-") or \
            labels.get("kubernetes.io/service-name", "").startswith(f"{name}-")

    # Events outlive what they are about (until the event TTL), as on a cluster
    mine = {k: o for k, o in live.items() if belongs(k, o) and k[0] != "Event"}
    if not mine:
        return "absent"
    manifests = {(o["kind"], o["metadata"]["name"]) for o in batch(j, 1)}
    applied = {(o["kind"], o["metadata"]["name"]): o for o in mine.values()
               if (o["kind"], o["metadata"]["name"]) in manifests}
    assert set(applied) == manifests, f"{name}: only part of the batch is there"
    revs = {o["metadata"]["annotations"]["rev"] for o in applied.values()}
    assert len(revs) == 1, f"{name}: revisions mixed: {revs}"
    rev = int(revs.pop())
    for (kind, obj_name), obj in applied.items():
        if kind == "Service":
            assert obj["spec"]["ports"][0]["port"] == 80 + rev, obj_name
        elif kind == "ConfigMap":
            assert obj["data"] == {"rev": str(rev)}, obj_name
    replicas = [o for o in mine.values() if o["kind"] == "Pod"
                and o["metadata"].get("ownerReferences")]
    assert len(replicas) == rev + 1, f"{name}: {len(replicas)} pods for {rev + 1} replicas"
    running = {o["status"]["podIP"] for o in mine.values()  # none while no node exists
               if o["kind"] == "Pod" and (o.get("status") or {}).get("podIP")}
    slices = [o for o in mine.values() if o["kind"] == "EndpointSlice"]
    assert len(slices) == 16, f"{name}: {len(slices)} endpoint slices"
    for eps in slices:
        assert {a for e in eps.get("endpoints") or [] for a in e["addresses"]} == running, name
    return f"rev{rev}"


def _writer_lock_held(pid: int, shm: Path) -> bool:
    """Does `pid` hold SQLite's WAL write lock, i.e. is it inside a write transaction?"""
    try:
        inode = os.stat(shm).st_ino
        text = Path("/proc/locks").read_text()
    except OSError:
        return False
    for line in text.splitlines():
        # "1: POSIX  ADVISORY  WRITE 4242 fe:00:123456 120 120" (waiters have a "->")
        fields = line.split()
        if len(fields) != 8 or fields[3] != "WRITE" or fields[4] != str(pid):
            continue
        start, end = int(fields[6]), (1 << 62) if fields[7] == "EOF" else int(fields[7])
        if fields[5].rsplit(":", 1)[-1] == str(inode) and start <= WAL_WRITE_LOCK <= end:
            return True
    return False


def _kill_at(cmd: list[str], delay: float, shm: Path) -> tuple[str, int]:
    """Run `cmd`, SIGKILL it after `delay` seconds. Returns (where the kill landed, code)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        inside = _writer_lock_held(proc.pid, shm)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
        return ("in_transaction" if inside else "outside_transaction"), proc.returncode
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.returncode == 0, err
    return "completed", 0


def _timed(state: Path, *args: str) -> float:
    started = time.monotonic()
    result = kubesvc(state, *args)
    assert result.returncode == 0, result.stderr
    return time.monotonic() - started


def test_sigkill_at_random_moments_leaves_each_command_whole_or_absent(tmp_path):
    rng = random.Random(SEED)
    state = tmp_path / "state.db"
    shm = Path(f"{state}-shm")
    nodes = [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"n{i}"}}
             for i in range(3)]
    files = {}
    for j in range(BATCHES):
        for rev in (1, 2):
            path = tmp_path / f"b{j}-rev{rev}.yaml"
            path.write_text(yaml.safe_dump_all(batch(j, rev)))
            files[j, rev] = str(path)
    (tmp_path / "nodes.yaml").write_text(yaml.safe_dump_all(nodes))
    assert kubesvc(state, "apply", "-f", str(tmp_path / "nodes.yaml")).returncode == 0
    # how long each kind of command takes when nobody kills it (batch 0 goes the whole way)
    duration = {"create": _timed(state, "apply", "-f", files[0, 1]),
                "update": _timed(state, "apply", "-f", files[0, 2]),
                "delete": _timed(state, "delete", "-f", files[0, 2])}
    known = dict.fromkeys(range(BATCHES), "absent")
    landed = {"in_transaction": 0, "outside_transaction": 0, "completed": 0}
    outcomes = {"before": 0, "after": 0}
    for i in range(KILLS):
        j = i % BATCHES
        op, args, after = {"absent": ("create", ["apply", "-f", files[j, 1]], "rev1"),
                           "rev1": ("update", ["apply", "-f", files[j, 2]], "rev2"),
                           "rev2": ("delete", ["delete", "-f", files[j, 2]], "absent")
                           }[known[j]]
        # most kills aim past the start-up (imports, parsing) where the transaction runs
        low = 0.0 if rng.random() < 0.3 else 0.35 * duration[op]
        delay = rng.uniform(low, duration[op] * 1.05)
        where, _ = _kill_at([*KUBESVC, "--state", str(state), *args], delay, shm)
        landed[where] += 1
        live = objects_of(state)
        try:
            check_store(state)
            now = {b: batch_state(live, b) for b in range(BATCHES)}
        except AssertionError as exc:
            raise AssertionError(f"kill {i} ({op} b{j}, {where}, after {delay:.3f} s; "
                                 f"KUBESVC_SEED={SEED}): {exc}") from None
        for other in range(BATCHES):
            if other != j:
                assert now[other] == known[other], f"kill {i} changed batch {other}"
        assert now[j] in (known[j], after), f"kill {i} ({op}, seed {SEED}): {now[j]}"
        if where == "completed":
            assert now[j] == after
        outcomes["after" if now[j] == after else "before"] += 1
        known[j] = now[j]
    assert landed["in_transaction"] >= min(3, KILLS // 10), landed
    final = kubesvc(state, "apply", "-f", files[1, 1])  # the store is still perfectly usable
    assert final.returncode == 0, final.stderr
    figures.record("sigkill", kills=KILLS, seed=SEED, **landed, commands_whole=outcomes["after"],
                   commands_absent=outcomes["before"], objects_lost=0,
                   store_objects=check_store(state)["objects"])


@pytest.mark.parametrize("verb", ["init", "apply"])  # the writing verbs create a store
def test_sigkill_while_creating_the_store_leaves_none_or_a_whole_one(tmp_path, verb):
    rng = random.Random(SEED + 1)
    manifest = tmp_path / "batch.yaml"
    manifest.write_text(yaml.safe_dump_all(batch(0, 1)))
    args = ["cluster", "init"] if verb == "init" else ["apply", "-f", str(manifest)]
    probe = tmp_path / "probe" / "state.db"
    probe.parent.mkdir()
    started = time.monotonic()
    assert kubesvc(probe, *args).returncode == 0
    duration = time.monotonic() - started
    leftovers = made = 0
    for i in range(CREATION_KILLS // 2):
        state = tmp_path / f"try{i}" / "state.db"
        state.parent.mkdir()
        _kill_at([*KUBESVC, "--state", str(state), *args], rng.uniform(0, duration), state)
        if state.exists():
            made += 1
            check_store(state)
            live = objects_of(state)
            assert ("Namespace", "", "kube-system") in live
            if verb == "apply":
                batch_state(live, 0)  # all of the batch or none of it
        if state.parent.exists():
            leftovers += len([n for n in os.listdir(state.parent) if n.endswith(".tmp")])
        # the next command creates or uses it, whatever is left (a second `cluster init` over a
        # whole store needs --force, as it would after a kill that came too late)
        again = kubesvc(state, *args, *(["--force"] if verb == "init" else []))
        assert again.returncode == 0, again.stderr
        check_store(state)
    figures.record(f"sigkill-creation-{verb}", kills=CREATION_KILLS // 2, stores_made=made,
                   temp_files_left=leftovers)
