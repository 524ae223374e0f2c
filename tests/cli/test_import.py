"""`kubesvc import` restores a cluster dump as it was; `apply` leaves status to the cluster, as
the API server does (issue 14 §1)."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import FIXED_NOW, REPO, Cli, write

MANIFESTS = str(REPO / "manifests")
DUMP_KINDS = "nodes,pods,svc,endpointslices,deploy,rs,sts,ds"
VIEWS = [("get", "pods", "-A", "-o", "wide"), ("get", "svc", "-A", "-o", "wide"),
         ("get", "endpointslices", "-A"), ("get", "deploy,rs,sts", "-A")]
POOL = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: other, namespace: metallb-system}
spec: {addresses: [192.0.2.0/28]}
"""
LB_WITH_STATUS = """\
apiVersion: v1
kind: Service
metadata: {name: web-lb}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]}
status: {loadBalancer: {ingress: [{ip: 203.0.113.7}]}}
"""


@pytest.fixture(scope="module")
def live_dump(tmp_path_factory) -> str:
    """`kubectl get ... -A -o yaml` of a running cluster: kubesvc's own, with the bundled
    manifests applied (nodes, a MetalLB pool, one Service of each type and their workloads)."""
    folder = tmp_path_factory.mktemp("live")
    live = Cli(folder / "live.db")
    with pytest.MonkeyPatch.context() as mp:  # the module's tests' clock (conftest)
        mp.setenv("KUBESVC_NOW", FIXED_NOW)
        live.ok("cluster", "init", "--force")
        live.ok("apply", "-f", MANIFESTS)
        path = folder / "dump.yaml"
        path.write_text(live.ok("get", DUMP_KINDS, "-A", "-o", "yaml"))
        (folder / "views.txt").write_text(_views(live))
    return str(path)


def _views(cli) -> str:
    return "\n".join(cli.ok(*v) for v in VIEWS)


def test_a_dump_restores_as_it_was(cli, live_dump):
    """Pods keep their names, nodes and IPs, the Deployments their ReplicaSets, the
    load-balancer its address (the restoring state has no pool), the slices their names."""
    cli.ok("cluster", "init", "--force")
    result = cli("import", "-f", live_dump)
    assert result.code == 0, result.err
    expected = (REPO / live_dump).parent.joinpath("views.txt").read_text()
    assert _views(cli) == expected


@pytest.fixture(params=["per-object", "bulk"])
def bulk(request, monkeypatch) -> bool:
    """Both ways in: a small import, and a bulk one (store/codec.py, input digests)."""
    from kubesvc.kubectl import restore

    if request.param == "bulk":
        monkeypatch.setattr(restore, "BULK", 1)
    return request.param == "bulk"


def _actions(out: str) -> dict[str, str]:
    return dict(line.rsplit(" ", 1) for line in out.splitlines())


def test_a_second_import_of_the_same_dump_changes_nothing(cli, live_dump, bulk):
    cli.ok("import", "-f", live_dump)
    before = cli.dump()
    out = cli.ok("import", "-f", live_dump)
    assert set(_actions(out).values()) == {"unchanged"}
    assert cli.dump() == before
    assert cli.ok("import", "-f", live_dump, "-o", "yaml") == cli.ok(
        "get", DUMP_KINDS, "-A", "-o", "yaml")  # the unchanged objects, as stored


def test_a_bulk_import_stores_what_a_small_one_does(cli, live_dump, tmp_path, monkeypatch):
    from kubesvc.kubectl import restore

    cli.ok("import", "-f", live_dump)
    other = Cli(tmp_path / "bulk.db")
    monkeypatch.setattr(restore, "BULK", 1)
    other.ok("import", "-f", live_dump)
    assert other.dump() == cli.dump()


@pytest.mark.parametrize("change", [
    ("label", "nodes", "--all", "touched=yes"),
    ("delete", "nodes", "--all"),
], ids=["labelled", "deleted"])
def test_a_reimport_restores_what_changed_since(cli, live_dump, bulk, change):
    """Whatever wrote an object since the last import (another verb, a deletion) takes it
    off the shortcut: the dump's version is written again."""
    first = _actions(cli.ok("import", "-f", live_dump))
    restored = cli.dump()
    cli.ok(*change)
    again = _actions(cli.ok("import", "-f", live_dump))
    touched = {name for name in first if name.startswith("node/")}
    assert touched and all(again[name] in ("configured", "created") for name in touched)
    assert cli.dump() != restored or change[0] == "delete"
    assert _actions(cli.ok("import", "-f", live_dump)) == {name: "unchanged" for name in first}


def test_metallb_does_not_reallocate_a_restored_address(cli, live_dump):
    cli.ok("apply", "-f", write(cli.state.parent.parent, "pool.yaml", POOL))
    cli.ok("import", "-f", live_dump)
    # the live cluster's address from its pool, outside this state's pool: kept
    assert "172.18.255.200" in cli.ok("get", "svc", "web-lb")


def test_missing_namespaces_are_created_with_one_line(cli, tmp_path):
    pods = [{"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": f"p{i}", "namespace": ns},
             "spec": {"containers": [{"name": "c", "image": "nginx"}]},
             "status": {"phase": "Running", "podIP": f"10.244.0.{i + 2}"}}
            for i, ns in enumerate(["shop", "shop", "tools"])]
    path = write(tmp_path, "pods.yaml", yaml.safe_dump_all(pods))
    result = cli("import", "-f", path)
    assert result.code == 0
    assert result.err == ("2 namespaces created for the dump's objects (the dump does not "
                          "list them): shop, tools\n")
    assert result.out == "pod/p0 created\npod/p1 created\npod/p2 created\n"
    assert "Running   0          0s    10.244.0.4" in cli.ok("get", "pods", "-n", "tools",
                                                          "-o", "wide")


def test_a_restored_pending_pod_stays_pending(cli, tmp_path):
    """The scheduler leaves a restored Pending pod as the dump states it; a new pod applied
    afterwards is scheduled as usual."""
    cli.ok("cluster", "init", "--force", "--nodes", "1")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "waiting"},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]},
           "status": {"phase": "Pending", "qosClass": "BestEffort"}}
    cli.ok("import", "-f", write(tmp_path, "pod.yaml", yaml.safe_dump(pod)))
    assert "Pending" in cli.ok("get", "pod", "waiting")
    fresh = {**pod, "metadata": {"name": "fresh"}, "status": {"phase": "Running"}}
    result = cli("apply", "-f", write(tmp_path, "fresh.yaml", yaml.safe_dump(fresh)))
    assert "Running" in cli.ok("get", "pod", "fresh")
    assert "status of 1 object was ignored" in result.err


def test_dry_run_and_output_name(cli, live_dump):
    cli.ok("cluster", "init", "--force")
    before = cli.dump()
    out = cli.ok("import", "-f", live_dump, "--dry-run", "-o", "name")
    assert "service/web-lb\n" in out and " created" not in out
    assert cli.dump() == before


def test_import_reads_stdin_and_reports_a_refused_object(cli):
    bad = LB_WITH_STATUS.replace("203.0.113.7", "203.0.113")
    other = LB_WITH_STATUS.replace("web-lb", "ok-lb")
    result = cli("import", "-f", "-", stdin=bad + "---\n" + other)
    assert result.code == 1
    assert 'status.loadBalancer.ingress[0].ip: Invalid value: "203.0.113"' in result.err
    assert result.out == "service/ok-lb created\n"
    assert "203.0.113.7" in cli.ok("get", "svc", "ok-lb")


def test_apply_leaves_status_to_the_cluster_with_one_warning(cli, tmp_path):
    """A LoadBalancer Service applied with an ingress shows <pending> on a cluster without a
    pool, as on a real cluster (the Service strategy's PrepareForCreate resets status)."""
    second = LB_WITH_STATUS.replace("web-lb", "api-lb")
    result = cli("apply", "-f", write(tmp_path, "lb.yaml", LB_WITH_STATUS + "---\n" + second))
    assert result.code == 0
    assert result.err == ('Warning: status is set by the cluster: the status of 2 objects was '
                          "ignored, as the API server ignores it; to restore a cluster dump as "
                          'it was, use "kubesvc import -f"\n')
    assert "<pending>" in cli.ok("get", "svc", "web-lb")


@pytest.mark.parametrize("args, message", [
    pytest.param([], "error: must specify one of -f"),
    pytest.param(["-f", "x.yaml", "-o", "wide"], "unable to match a printer"),
])
def test_usage_errors(cli, args, message):
    result = cli("import", *args)
    assert result.code != 0 and message in result.err


def test_a_restored_deployment_is_not_rolled(cli, live_dump, tmp_path):
    """A dump from another Kubernetes version names its ReplicaSet with a template hash kubesvc
    would not compute: the restored Deployment keeps that ReplicaSet and its pods (the
    deployment controller's FindNewReplicaSet compares templates, not hashes)."""
    text = open(live_dump).read()
    old_hash = text.split("name: web-", 1)[1].split("-", 1)[0].split("\n", 1)[0]
    dump = write(tmp_path, "dump.yaml", text.replace(old_hash, "legacy1234"))
    cli.ok("import", "-f", dump)
    replicasets = cli.ok("get", "rs", "-l", "app=web", "-o", "name")
    assert replicasets == "replicaset.apps/web-legacy1234\n"
    pods = cli.ok("get", "pods", "-l", "app=web", "-o", "name").split()
    assert pods and all(p.startswith("pod/web-legacy1234-") for p in pods)


def _tables(cli) -> list:
    """Every row of the objects, labels and allocations tables, rowids included."""
    import sqlite3

    conn = sqlite3.connect(cli.state)
    try:
        return [conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                for table in ("objects", "labels", "allocations", "meta")]
    finally:
        conn.close()


def _pod(name: str, ip: str, labels: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "shop", "labels": labels,
                         "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "nginx"}]},
            "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]}}


def test_a_bulk_import_with_refused_objects_stores_what_a_small_one_does(tmp_path,
                                                                           monkeypatch):
    """Refused objects among the good ones (a bad label, a bad IP, a name taken twice): each
    leaves nothing, in a bulk import (creates written a batch at a time) as in a small one."""
    from kubesvc.kubectl import restore

    pods = [_pod(f"p{i}", f"10.244.0.{i + 2}", {"app": "web", "n": str(i)}) for i in range(8)]
    pods[2]["metadata"]["labels"]["bad"] = "-x-"  # an invalid label value
    pods[4]["status"]["podIPs"] = [{"ip": "10.244.0.300"}]  # an invalid pod IP
    pods[6]["metadata"]["name"] = "p5"  # the second p5: configured over the first
    pods.append({"apiVersion": "v1", "kind": "Service",
                 "metadata": {"name": "web", "namespace": "shop"},
                 "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    dump = write(tmp_path, "dump.yaml", yaml.safe_dump_all(pods))
    outputs = []
    for name, threshold in (("small", restore.BULK), ("bulk", 1)):
        monkeypatch.setattr(restore, "BULK", threshold)
        cli = Cli(tmp_path / f"{name}.db")
        result = cli("import", "-f", dump)
        outputs.append((result.code, result.out, result.err, _tables(cli)))
    assert outputs[0] == outputs[1]
    code, _out, err, tables = outputs[1]
    assert code != 0 and "p2" in err and "p4" in err
    assert [row[3] for row in tables[0] if row[1] == "Pod"] == \
        ["p0", "p1", "p3", "p5", "p7"]
