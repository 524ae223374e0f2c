"""A pod's generation and its status's observedGeneration (PodObservedGenerationTracking):
the scheduler's binding (pods/binding, setPodNodeAndMetadata in kube-apiserver) writes the pod
directly, not through the pod strategy, so it does not move the generation; a change of the
pod's spec through the API does (podStrategy.PrepareForUpdate)."""

import json

import pytest

from tests.conftest import REPO

POD = """apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: "nginx:1.27"}]
"""


def _generations(cli):
    pod = json.loads(cli.ok("get", "pod", "p", "-o", "json"))
    return (pod["metadata"]["generation"], pod["status"].get("observedGeneration"),
            bool(pod["spec"].get("nodeName")))


@pytest.fixture
def cli(cli):
    cli.ok("apply", "-f", str(REPO / "manifests" / "00-cluster-nodes.yaml"))  # kind's nodes
    return cli


def test_binding_keeps_generation_1(cli):
    cli.ok("apply", "-f", "-", stdin=POD)
    assert _generations(cli) == (1, 1, True)


@pytest.mark.parametrize("patch, expected", [
    ('{"spec":{"containers":[{"name":"c","image":"nginx:1.28"}]}}', 2),  # spec: bumps
    ('{"metadata":{"labels":{"a":"b"}}}', 1),                            # metadata: does not
])
def test_spec_updates_move_generation(cli, patch, expected):
    cli.ok("apply", "-f", "-", stdin=POD)
    cli.ok("patch", "pod", "p", "-p", patch)
    assert _generations(cli)[0] == expected
