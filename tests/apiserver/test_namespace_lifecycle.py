"""Namespace deletion as the API server's NamespaceLifecycle admission plugin allows it
(plugin/pkg/admission/namespace/lifecycle/admission.go: immortalNamespaces)."""

import pytest

from tests.conftest import REPO


@pytest.mark.parametrize("name, refused", [
    ("default", True),  # lifecycle: metav1.NamespaceDefault
    ("kube-system", True),  # lifecycle: metav1.NamespaceSystem
    ("kube-public", True),  # lifecycle: metav1.NamespacePublic
    ("kube-node-lease", False),  # not immortal: a cluster lets it go
    ("metallb-system", False),
])
def test_immortal_namespaces(cli, name, refused):
    cli.ok("apply", "-f", str(REPO / "manifests"))
    before = cli.ok("get", "all,endpointslices,configmaps", "-A", "-o", "name")
    result = cli("delete", "namespace", name)
    if refused:
        assert (result.code, result.out) == (1, "")
        assert result.err == (f'Error from server (Forbidden): namespaces "{name}" is '
                              "forbidden: this namespace may not be deleted\n")
        assert cli.ok("get", "all,endpointslices,configmaps", "-A", "-o", "name") == before
    else:
        assert (result.code, result.out) == (0, f'namespace "{name}" deleted\n')


def test_the_others_in_the_same_command_are_deleted(cli):
    cli.ok("apply", "-f", "-", stdin="apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n")
    result = cli("delete", "ns", "default", "team-a")
    assert (result.code, result.out) == (1, 'namespace "team-a" deleted\n')
    assert "Forbidden" in result.err
    assert "default" in cli.ok("get", "ns")
