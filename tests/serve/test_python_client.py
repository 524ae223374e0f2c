"""The official Python client (`kubernetes`) lists, creates and watches through serve."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import REPO
from tests.serve.served import Served, served_state

kubernetes = pytest.importorskip("kubernetes")


@pytest.fixture
def served(tmp_path) -> Served:
    srv = served_state(tmp_path / "served", ["apply", "-f", str(REPO / "manifests")])
    yield srv
    srv.stop()


@pytest.fixture
def core(served):
    from kubernetes import client, config

    api_client = config.new_client_from_config(str(served.kubeconfig))
    yield client.CoreV1Api(api_client)
    api_client.close()


def test_lists_services(served, core):
    names = [s.metadata.name for s in core.list_namespaced_service("default").items]
    expected = served.cli.ok("get", "svc", "-o", "name").split()
    assert [f"service/{n}" for n in names] == expected


def test_creates_and_the_cli_sees_it(served, core):
    from kubernetes import client

    body = client.V1Service(metadata=client.V1ObjectMeta(name="made-by-client"),
                            spec=client.V1ServiceSpec(selector={"app": "web"},
                                                      ports=[client.V1ServicePort(port=81)]))
    made = core.create_namespaced_service("default", body)
    assert made.spec.cluster_ip  # allocated by kubesvc's admission, as for the CLI
    assert made.spec.cluster_ip in served.cli.ok("get", "svc", "made-by-client")


def test_not_found_is_an_api_exception(core):
    from kubernetes.client.exceptions import ApiException

    with pytest.raises(ApiException) as err:
        core.read_namespaced_service("nope", "default")
    assert err.value.status == 404 and '"reason":"NotFound"' in err.value.body


def test_watch_sees_a_cli_write(served, core):
    from kubernetes import watch

    seen: list[tuple[str, str]] = []
    listed = core.list_namespaced_config_map("default")
    w = watch.Watch()

    def follow():
        for event in w.stream(core.list_namespaced_config_map, "default",
                              resource_version=listed.metadata.resource_version,
                              timeout_seconds=5):
            seen.append((event["type"], event["object"].metadata.name))
            if event["object"].metadata.name == "from-cli":
                w.stop()

    thread = threading.Thread(target=follow)
    thread.start()
    served.cli.ok("apply", "-f", "-", stdin="apiVersion: v1\nkind: ConfigMap\n"
                                           "metadata: {name: from-cli}\n")
    thread.join(30)
    assert ("ADDED", "from-cli") in seen


def test_delete_collection_by_label(served, core):
    from kubernetes import client

    for name in ("a", "b"):
        core.create_namespaced_config_map("default", client.V1ConfigMap(
            metadata=client.V1ObjectMeta(name=name, labels={"batch": "x"})))
    done = core.delete_collection_namespaced_config_map("default", label_selector="batch=x")
    assert done.status == "Success"
    assert served.cli.ok("get", "cm", "-l", "batch=x", "-o", "name") == ""
