"""Real-world manifests nobody here wrote (../shared/corpus): applied folder by folder, each
gives the answer a real cluster (and kubectl) gives: what is created or refused and why, the
Services' addresses and ports, and their endpoints. Transcripts are golden files."""

import pytest

from tests.conftest import CORPUS, check_golden

FOLDERS = ["gke-guestbook", "istio-bookinfo", "kubernetes-examples", "kubernetes-website",
           "microservices-demo", "podinfo", "traefik-fixtures", "metallb"]
DUMPS = ["k9s", "kubectl-neat", "sonobuoy-kind", "troubleshoot-nodes"]

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not present")


def transcript(cli, *commands) -> str:
    parts = []
    for args in commands:
        result = cli(*args)
        shown = " ".join(a.replace(str(CORPUS), "corpus") for a in args)
        body = (result.out + result.err).replace(str(CORPUS), "corpus")
        parts.append(f"$ kubesvc {shown}\n{body}[exit {result.code}]\n")
    return "\n".join(parts)


@pytest.mark.parametrize("folder", FOLDERS)
def test_corpus_folder(cli, folder):
    cli.ok("cluster", "init", "--nodes", "3")
    text = transcript(
        cli,
        ("apply", "-R", "-f", str(CORPUS / folder)),
        ("get", "services", "-A", "-o", "wide"),
        ("get", "endpointslices", "-A"),
    )
    check_golden(f"corpus/{folder}.txt", text)


@pytest.mark.parametrize("dump", DUMPS)
def test_live_cluster_dump(cli, dump):
    """A dump of a live cluster imports as it was (status kept, nothing scheduled or
    re-addressed: a Pending pod stays Pending) and gives the endpoints that cluster had. Each
    dump is its own cluster: a fresh state each."""
    text = transcript(
        cli,
        ("import", "-R", "-f", str(CORPUS / "cluster-dumps" / dump)),
        ("get", "nodes", "-o", "wide"),
        ("get", "pods", "-A", "-o", "wide"),
        ("get", "services", "-A", "-o", "wide"),
        ("get", "endpointslices", "-A"),
    )
    check_golden(f"corpus/dump-{dump}.txt", text)
