"""The seed's story, step by step: pods are deleted, nodes drained and deleted, pods come back
with new names and IPs on other nodes, and the Service keeps its ClusterIP while its endpoints
follow the pods. The whole transcript is a golden file (tests/golden/scenarios/)."""

import json

from tests.conftest import REPO, check_golden


class Transcript:
    def __init__(self, cli):
        self.cli, self.text = cli, []

    def run(self, *args: str) -> str:
        result = self.cli(*args)
        status = "" if result.code == 0 else f"[exit {result.code}]\n"
        shown = " ".join(a.replace(str(REPO) + "/", "") for a in args)  # no checkout path
        self.text.append(f"$ kubesvc {shown}\n{result.out}{result.err}{status}")
        return result.out

    def value(self) -> str:
        return "\n".join(self.text)


def pod_names(cli, selector="app=web") -> list[str]:
    return cli.ok("get", "pods", "-l", selector, "-o", "name").split()


def test_pods_move_services_follow(cli):
    t = Transcript(cli)
    t.run("apply", "-f", str(REPO / "manifests"))
    t.run("get", "pods", "-o", "wide")
    t.run("get", "endpoints", "web")
    cluster_ip = json.loads(cli.ok("get", "svc", "web", "-o", "json"))["spec"]["clusterIP"]

    victim = pod_names(cli)[0].split("/")[1]
    t.run("delete", "pod", victim)
    after_delete = pod_names(cli)
    assert f"pod/{victim}" not in after_delete and len(after_delete) == 3  # replaced
    t.run("get", "pods", "-l", "app=web", "-o", "wide")

    t.run("drain", "kind-worker", "--ignore-daemonsets")
    t.run("get", "pods", "-o", "wide")
    wide = cli.ok("get", "pods", "-o", "wide")
    assert " kind-worker " not in wide  # nothing left on the drained node
    t.run("get", "svc", "web")
    t.run("get", "endpointslices", "-l", "kubernetes.io/service-name=web")
    assert json.loads(cli.ok("get", "svc", "web", "-o", "json"))["spec"]["clusterIP"] == \
        cluster_ip

    t.run("uncordon", "kind-worker")
    t.run("scale", "deployment/web", "--replicas", "4")
    t.run("get", "endpoints", "web")
    t.run("delete", "node", "kind-worker2")
    t.run("get", "pods", "-o", "wide")
    t.run("describe", "service", "web")
    check_golden("scenarios/pods-move.txt", t.value())


def test_pod_marked_not_ready_leaves_the_ready_endpoints(cli):
    t = Transcript(cli)
    cli.ok("apply", "-f", str(REPO / "manifests"))
    pod = pod_names(cli)[0].split("/")[1]
    t.run("patch", "pod", pod, "--subresource", "status", "--type", "merge", "-p",
          '{"status":{"conditions":[{"type":"Ready","status":"False"}]}}')
    eps = json.loads(cli.ok("get", "endpoints", "web", "-o", "json"))
    not_ready = [a["targetRef"]["name"] for s in eps["subsets"]
                 for a in s.get("notReadyAddresses") or []]
    assert not_ready == [pod]
    t.run("get", "endpoints", "web")
    t.run("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o",
          "yaml")
    check_golden("scenarios/pod-not-ready.txt", t.value())
