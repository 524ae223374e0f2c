"""The real kubectl writes through a served state: every verb lands in the state through the
same admission and controllers as the CLI's, and the CLI sees it (and the other way round)."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import REPO
from tests.serve.served import KUBECTL, Served, needs_kubectl, served_state

pytestmark = needs_kubectl

CONFIG = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  a: "{value}"
"""


@pytest.fixture
def served(tmp_path) -> Served:
    srv = served_state(tmp_path / "served", ["apply", "-f", str(REPO / "manifests")])
    yield srv
    srv.stop()


def _json(served: Served, *args: str) -> dict:
    return json.loads(served.cli.ok("get", *args, "-o", "json"))


@pytest.mark.parametrize(("args", "printed", "check"), [
    (["label", "svc", "web", "team=a"], "service/web labeled\n",
     lambda o: o["metadata"]["labels"]["team"] == "a"),
    (["annotate", "svc", "web", "note=x"], "service/web annotated\n",
     lambda o: o["metadata"]["annotations"]["note"] == "x"),
    (["patch", "svc", "web", "-p", '{"metadata":{"labels":{"p":"s"}}}'],
     "service/web patched\n", lambda o: o["metadata"]["labels"]["p"] == "s"),
    (["patch", "svc", "web", "--type", "merge", "-p", '{"spec":{"sessionAffinity":"ClientIP"}}'],
     "service/web patched\n", lambda o: o["spec"]["sessionAffinity"] == "ClientIP"),
    (["patch", "svc", "web", "--type", "json", "-p",
      '[{"op":"add","path":"/metadata/labels","value":{"j":"1"}}]'],
     "service/web patched\n", lambda o: o["metadata"]["labels"]["j"] == "1"),
])
def test_metadata_and_patch_verbs(served, args, printed, check):
    assert served.kubectl(*args).stdout == printed
    assert check(_json(served, "svc", "web"))


def test_scale_runs_the_controllers(served):
    assert served.kubectl("scale", "deploy", "web", "--replicas", "5").stdout == (
        "deployment.apps/web scaled\n")
    pods = served.cli.ok("get", "pods", "-l", "app=web", "-o", "name").split()
    assert len(pods) == 5
    slices = _json(served, "endpointslices", "-l", "kubernetes.io/service-name=web")
    assert sum(len(s.get("endpoints") or []) for s in slices["items"]) == 5


def test_wait_for_ready_pods(served):
    """kubectl wait reads status.observedGeneration against metadata.generation: a bound,
    started pod agrees (generation 1), so the condition is met at once."""
    done = served.kubectl("wait", "--for=condition=Ready", "pod", "-l", "app=web",
                          "--timeout", "10s")
    assert sorted(done.stdout.splitlines()) == sorted(
        f"{name} condition met"
        for name in served.cli.ok("get", "pods", "-l", "app=web", "-o", "name").split())


def test_cordon_drain_uncordon(served):
    assert served.kubectl("cordon", "kind-worker").stdout == "node/kind-worker cordoned\n"
    done = served.kubectl("drain", "kind-worker", "--ignore-daemonsets", "--force",
                          "--timeout", "30s")
    assert done.stdout.endswith("node/kind-worker drained\n")
    on_node = served.cli.ok("get", "pods", "-A", "--field-selector",
                            "spec.nodeName=kind-worker", "-o", "name")
    assert on_node == ""  # evicted, and their controllers put the new ones elsewhere
    assert served.kubectl("uncordon", "kind-worker").stdout == "node/kind-worker uncordoned\n"


def test_apply_then_cli_sees_it_and_diff(served, tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_text(CONFIG.format(value=1))
    assert served.kubectl("apply", "-f", str(path)).stdout == "configmap/cfg created\n"
    assert served.kubectl("apply", "-f", str(path)).stdout == "configmap/cfg unchanged\n"
    assert served.kubectl("diff", "-f", str(path)).returncode == 0
    path.write_text(CONFIG.format(value=2))
    diff = served.kubectl("diff", "-f", str(path), check=False)
    assert diff.returncode == 1 and '+  a: "2"' in diff.stdout
    assert _json(served, "cm", "cfg")["data"] == {"a": "1"}  # diff is a dry run
    assert served.kubectl("apply", "-f", str(path)).stdout == "configmap/cfg configured\n"
    assert _json(served, "cm", "cfg")["data"] == {"a": "2"}


def test_apply_server_side(served, tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_text(CONFIG.format(value=1))
    assert served.kubectl("apply", "--server-side", "-f", str(path)).stdout == (
        "configmap/cfg serverside-applied\n")
    path.write_text(CONFIG.format(value=3))
    served.kubectl("apply", "--server-side", "-f", str(path))
    assert _json(served, "cm", "cfg")["data"] == {"a": "3"}


@pytest.mark.parametrize("args", [
    ["patch", "svc", "db", "--type", "json", "-p",
     '[{"op":"add","path":"/metadata/labels/j","value":"1"}]'],
    ["patch", "svc", "web", "-p", '{"spec":{"ports":[{"port":80,"nodePort":"x"}]}}'],
    ["scale", "deploy", "nope", "--replicas", "2"],
    ["delete", "svc", "nope"],
])
def test_errors_are_the_clis(served, args):
    done = served.kubectl(*args, check=False)
    cli = served.cli(*args)
    assert (done.returncode, done.stderr) == (cli.code, cli.err)


def test_invalid_object_is_the_api_servers_error(served, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: bad}\n"
                    "spec: {ports: [{port: 70000}]}\n")
    done = served.kubectl("apply", "-f", str(path), check=False)
    cli = served.cli("apply", "-f", str(path))
    assert done.returncode == 1
    assert done.stderr == cli.err  # the same admission, the same words


def test_unknown_field_strict_and_warn(served, tmp_path):
    path = tmp_path / "extra.yaml"
    path.write_text(CONFIG.format(value=1) + "bogus: 1\n")
    strict = served.kubectl("apply", "-f", str(path), check=False)
    assert strict.returncode == 1 and 'unknown field "bogus"' in strict.stderr
    warn = served.kubectl("apply", "--validate=warn", "-f", str(path))
    assert 'Warning: unknown field "bogus"' in warn.stderr


def test_delete_and_cli_writes_show_up(served):
    assert served.kubectl("delete", "svc", "web").stdout == (
        'service "web" deleted from default namespace\n')
    assert served.cli("get", "svc", "web").code == 1
    served.cli.ok("apply", "-f", "-", stdin=CONFIG.format(value=1).replace("cfg", "from-cli"))
    assert served.kubectl("get", "cm", "from-cli", "-o", "name").stdout == "configmap/from-cli\n"


def test_dry_run_server_changes_nothing(served):
    before = served.cli.dump()
    served.kubectl("scale", "deploy", "web", "--replicas", "7", "--dry-run=server")
    served.kubectl("delete", "svc", "web", "--dry-run=server")
    assert served.cli.dump() == before


def test_get_watch_sees_cli_writes(served):
    env = {"KUBECONFIG": str(served.kubeconfig), "HOME": str(served.kubeconfig.parent)}
    watcher = subprocess.Popen([KUBECTL, "get", "cm", "-w", "--request-timeout", "4s"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    try:
        import time

        time.sleep(1.5)
        served.cli.ok("apply", "-f", "-", stdin=CONFIG.format(value=1).replace("cfg", "watched"))
        out, _ = watcher.communicate(timeout=30)
    finally:
        watcher.kill()
    assert "watched" in out.split("\n", 1)[1]  # after the list: an event


def test_cli_and_server_write_at_once_and_the_state_stays_whole(served):
    """Several HTTP writers (server threads, each with its own connection) and the CLI in
    another process, all at once: every write lands, and SQLite finds the file intact."""
    import http.client
    import sqlite3
    import threading
    from urllib.parse import urlparse

    url = urlparse(served.url)
    codes: list[int] = []

    def writer(n: int) -> None:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        for i in range(8):
            body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                               "metadata": {"name": f"http-{n}-{i}"}})
            conn.request("POST", "/api/v1/namespaces/default/configmaps", body=body,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            codes.append(resp.status)
        conn.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for i in range(4):
        served.cli.ok("apply", "-f", "-", stdin=CONFIG.format(value=i).replace("cfg", f"cli-{i}"))
    for t in threads:
        t.join(120)
    assert codes == [201] * 24
    names = served.cli.ok("get", "cm", "-o", "name").split()
    assert len([n for n in names if n.startswith(("configmap/http-", "configmap/cli-"))]) == 28
    conn = sqlite3.connect(served.state)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, shortNames: [wd]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, description: How big the widget is.}
"""


def test_custom_resources_through_kubectl(served, tmp_path):
    (tmp_path / "crd.yaml").write_text(CRD)
    (tmp_path / "w1.yaml").write_text("apiVersion: example.com/v1\nkind: Widget\n"
                                      "metadata: {name: w1}\nspec: {size: 3}\n")
    served.kubectl("apply", "-f", str(tmp_path / "crd.yaml"))
    assert served.kubectl("apply", "-f", str(tmp_path / "w1.yaml")).stdout == (
        "widget.example.com/w1 created\n")
    assert served.kubectl("get", "wd").stdout == served.cli.ok("get", "widgets")
    assert "How big the widget is." in served.kubectl("explain", "widget.spec.size").stdout
    served.kubectl("patch", "wd", "w1", "--type", "merge", "-p", '{"spec":{"size":4}}')
    assert _json(served, "widgets", "w1")["spec"] == {"size": 4}
    bad = served.kubectl("patch", "wd", "w1", "--type", "merge", "-p", '{"spec":{"size":"x"}}',
                         check=False)
    assert bad.returncode == 1 and "Invalid" in bad.stderr  # the CRD's schema, server side
