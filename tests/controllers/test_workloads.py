"""Workload controllers, hashes and apiserver defaults; end to end through a tiny in-memory
control plane that runs the controllers, the scheduler and the kubelet to a fixed point."""

from __future__ import annotations

import copy
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from kubesvc.api.objects import fnv32, fnv32a, safe_encode
from kubesvc.bootstrap.kind import nodes_from_kind_config
from kubesvc.controllers import workloads as w
from kubesvc.controllers.scheduling.kubelet import pending_pod, run_pod
from kubesvc.controllers.scheduling.scheduler import assign_pod_ip, schedule
from tests.builders import daemonset, deployment, pod_template, replicaset, statefulset

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
KIND3, _ = nodes_from_kind_config(
    {"kind": "Cluster", "apiVersion": "kind.x-k8s.io/v1alpha4",
     "nodes": [{"role": "control-plane"}, {"role": "worker"}, {"role": "worker"}]}, NOW)
SUFFIX = "[bcdfghjklmnpqrstvwxz2456789]{5}"
HASH_CHARS = set("456789bcdf")  # SafeEncodeString of decimal digits


class Cluster:
    """Stores objects like the apiserver (uid, resourceVersion, generation) and runs every
    controller, then the scheduler and kubelet, until nothing changes."""

    def __init__(self, nodes=KIND3, now=NOW):
        self.objs, self.rv, self.now, self.events = {}, 0, now, []
        for n in nodes:
            self.put(n)

    @staticmethod
    def key(o):
        return o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]

    def put(self, obj):
        o, self.rv = copy.deepcopy(obj), self.rv + 1
        m, old = o["metadata"], self.objs.get(self.key(o))
        if old is None:
            m["uid"] = str(uuid.uuid5(uuid.NAMESPACE_OID, "/".join(self.key(o))))
            m["creationTimestamp"] = self.now.strftime("%Y-%m-%dT%H:%M:%SZ")
            m["generation"] = 1
        else:
            for k in ("uid", "creationTimestamp"):
                m[k] = old["metadata"][k]
            bump = o.get("spec") != old.get("spec")
            m["generation"] = old["metadata"]["generation"] + bump
        m["resourceVersion"] = str(self.rv)
        self.objs[self.key(o)] = o
        return o

    def get(self, kind, name, ns="default"):
        return self.objs[(kind, ns if kind != "Node" else "", name)]

    def list(self, kind):
        return [o for k, o in sorted(self.objs.items()) if k[0] == kind]

    def apply(self, plan):
        for o in plan.create:
            self.put(w.admit_pod(o) if o["kind"] == "Pod" else o)
        for o in plan.update:
            self.put(o)
        for o in plan.delete:
            self.objs.pop(self.key(o), None)
        self.events += plan.events
        return not plan.empty()

    def controllers(self):
        changed = False
        for d in self.list("Deployment"):
            changed |= self.apply(w.reconcile_deployment(d, self.list("ReplicaSet"), self.now))
        for rs in self.list("ReplicaSet") + self.list("ReplicationController"):
            changed |= self.apply(w.reconcile_replicaset(rs, self.list("Pod"), self.now))
        for s in self.list("StatefulSet"):
            changed |= self.apply(w.reconcile_statefulset(s, self.list("Pod"), self.now))
        for ds in self.list("DaemonSet"):
            plan = w.reconcile_daemonset(ds, self.list("Pod"), self.list("Node"), self.now)
            changed |= self.apply(plan)
        return changed

    def kubelets(self, ready=True):
        changed = False
        for pod in self.list("Pod"):
            if (pod.get("status") or {}).get("phase") in ("Running", "Failed"):
                continue
            counts = {}
            for p in self.list("Pod"):
                if p["spec"].get("nodeName"):
                    counts[p["spec"]["nodeName"]] = counts.get(p["spec"]["nodeName"], 0) + 1
            name, message = schedule(pod, self.list("Node"), counts)
            if name and ready:
                node = self.get("Node", name)
                used = {p.get("status", {}).get("podIP") for p in self.list("Pod")}
                pod["spec"]["nodeName"] = name
                ip = assign_pod_ip(node, used, host_network=pod["spec"].get("hostNetwork"))
                pod["status"] = run_pod(pod, node, ip, self.now)
            elif name is None:
                status = pending_pod(pod, message, self.now)
                if status == pod.get("status"):
                    continue
                pod["status"] = status
            else:
                continue
            self.put(pod)
            changed = True
        return changed

    def settle(self, limit=60):
        for _ in range(limit):
            if not (self.controllers() | self.kubelets()):
                return
        raise AssertionError("no fixed point")

    def pods(self, prefix=""):
        return [p for p in self.list("Pod") if p["metadata"]["name"].startswith(prefix)]

    def messages(self, component):
        return [e["message"] for e in self.events if e["source"]["component"] == component]


# -- hashes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, a, plain", [
    (b"", 0x811C9DC5, 0x811C9DC5),
    (b"a", 0xE40C292C, 0x050C5D7E),
    (b"foobar", 0xBF9CF968, 0x31F0B262),
])
def test_fnv_vectors(data, a, plain):
    assert fnv32a(data) == a and fnv32(data) == plain


@pytest.mark.parametrize("text, encoded", [
    ("0123456789", "456789bcdf"), ("a", "v"), ("", "")])
def test_safe_encode_string(text, encoded):
    assert safe_encode(text) == encoded


def test_pod_template_hash():
    tpl = pod_template()
    h = w.pod_template_hash(tpl)
    assert set(h) <= HASH_CHARS and 1 <= len(h) <= 10
    assert w.pod_template_hash(copy.deepcopy(tpl)) == h
    assert w.pod_template_hash(w.default_pod_template(tpl)) == h  # stored form hashes the same
    assert w.pod_template_hash(tpl, 1) != h and w.pod_template_hash(tpl, 1) != \
        w.pod_template_hash(tpl, 2)
    assert w.pod_template_hash(pod_template(image="nginx:1.26")) != h


def test_revision_hash_uses_collision_count():
    tpl = pod_template()
    assert w.revision_hash(tpl) != w.revision_hash(tpl, 0) != w.revision_hash(tpl, 1)
    assert set(w.revision_hash(tpl, 0)) <= HASH_CHARS


# -- defaults ----------------------------------------------------------------------------------

@pytest.mark.parametrize("image, policy", [
    ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.25", "IfNotPresent"),
    ("nginx@sha256:" + "a" * 64, "IfNotPresent"), ("nginx:latest@sha256:" + "a" * 64, "Always"),
    ("localhost:5000/app", "Always"), ("localhost:5000/app:v1", "IfNotPresent"),
])
def test_image_pull_policy(image, policy):
    assert w.image_pull_policy(image) == policy


def test_pod_spec_defaults():
    spec = w.default_pod_spec({"containers": [{
        "name": "c", "image": "nginx", "ports": [{"containerPort": 80}],
        "env": [{"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}],
        "readinessProbe": {"httpGet": {"port": 80}}}],
        "volumes": [{"name": "cfg", "configMap": {"name": "x"}}, {"name": "tmp"}]})
    assert {k: spec[k] for k in ("dnsPolicy", "restartPolicy", "schedulerName",
                                 "terminationGracePeriodSeconds", "securityContext")} == {
        "dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
        "schedulerName": "default-scheduler", "terminationGracePeriodSeconds": 30,
        "securityContext": {}}
    c = spec["containers"][0]
    assert c["imagePullPolicy"] == "Always" and c["resources"] == {}
    assert c["terminationMessagePath"] == "/dev/termination-log"
    assert c["terminationMessagePolicy"] == "File"
    assert c["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert c["env"][0]["valueFrom"]["fieldRef"]["apiVersion"] == "v1"
    assert c["readinessProbe"] == {"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
                                   "timeoutSeconds": 1, "periodSeconds": 10,
                                   "successThreshold": 1, "failureThreshold": 3}
    assert spec["volumes"] == [{"name": "cfg", "configMap": {"defaultMode": 420, "name": "x"}},
                               {"name": "tmp", "emptyDir": {}}]
    assert "enableServiceLinks" not in spec  # a pod, not a template, gets that


def test_pod_defaults():
    pod = w.default_pod({"spec": {"hostNetwork": True, "containers": [{
        "name": "c", "image": "x", "ports": [{"containerPort": 8080}],
        "resources": {"limits": {"cpu": "1"}, "requests": {"memory": "1Gi"}}}]}})
    c = pod["spec"]["containers"][0]
    assert pod["spec"]["enableServiceLinks"] is True
    assert c["resources"]["requests"] == {"cpu": "1", "memory": "1Gi"}
    assert c["ports"][0]["hostPort"] == 8080


@pytest.mark.parametrize("fn, obj", [
    (w.default_pod, {"spec": {"containers": [{"name": "c", "image": "x"}]}}),
    (w.default_deployment, deployment()),
    (w.default_statefulset, statefulset()),
    (w.default_daemonset, daemonset()),
    (w.default_replicaset, replicaset()),
    (w.admit_pod, {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}}),
])
def test_defaults_are_idempotent(fn, obj):
    once = fn(obj)
    assert fn(once) == once and once is not obj


def test_workload_defaults():
    d = w.default_deployment({"spec": {}})["spec"]
    assert (d["replicas"], d["revisionHistoryLimit"], d["progressDeadlineSeconds"]) == (1, 10, 600)
    assert d["strategy"] == {"type": "RollingUpdate",
                             "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert w.default_deployment({"spec": {"strategy": {"type": "Recreate"}}})["spec"][
        "strategy"] == {"type": "Recreate"}
    s = w.default_statefulset(statefulset(volumeClaimTemplates=[{"metadata": {"name": "d"}}]))
    assert s["spec"]["podManagementPolicy"] == "OrderedReady"
    assert s["spec"]["updateStrategy"] == {"type": "RollingUpdate",
                                           "rollingUpdate": {"partition": 0}}
    assert s["spec"]["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain",
                                                                 "whenScaled": "Retain"}
    assert s["spec"]["volumeClaimTemplates"][0]["spec"]["volumeMode"] == "Filesystem"
    ds = w.default_daemonset(daemonset())["spec"]
    assert ds["updateStrategy"] == {"type": "RollingUpdate",
                                    "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert ds["template"]["spec"]["dnsPolicy"] == "ClusterFirst"


def test_replication_controller_defaults_from_template():
    rc = w.default_replication_controller({"metadata": {"name": "rc"},
                                            "spec": {"template": pod_template("rc")}})
    assert rc["spec"]["selector"] == {"app": "rc"} and rc["metadata"]["labels"] == {"app": "rc"}
    assert rc["spec"]["replicas"] == 1


def test_admit_pod():
    pod = w.admit_pod({"metadata": {"name": "p", "namespace": "default"},
                       "spec": {"containers": [{"name": "c", "image": "x"}]}})
    spec = pod["spec"]
    assert spec["serviceAccountName"] == spec["serviceAccount"] == "default"
    assert (spec["priority"], spec["preemptionPolicy"]) == (0, "PreemptLowerPriority")
    [vol] = spec["volumes"]
    assert re.fullmatch(f"kube-api-access-{SUFFIX}", vol["name"])
    assert spec["containers"][0]["volumeMounts"] == [{
        "name": vol["name"], "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
        "readOnly": True}]
    assert spec["tolerations"] == [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300}]


def test_admit_pod_respects_opt_outs():
    pod = w.admit_pod({"metadata": {"name": "p"}, "spec": {
        "automountServiceAccountToken": False, "priorityClassName": "system-node-critical",
        "tolerations": [{"operator": "Exists"}], "containers": [{"name": "c"}]}})
    assert "volumes" not in pod["spec"]
    assert pod["spec"]["tolerations"] == [{"operator": "Exists"}]
    assert pod["spec"]["priority"] == 2000001000


# -- ReplicaSet --------------------------------------------------------------------------------

def running(pod, node="kind-worker", ready=True):
    p = copy.deepcopy(pod)
    p["spec"]["nodeName"] = node
    p["status"] = run_pod(p, next(n for n in KIND3 if n["metadata"]["name"] == node),
                          "10.244.1.9", NOW)
    if not ready:
        p["status"]["conditions"][2]["status"] = "False"
    return p


def test_replicaset_creates_owned_pods():
    rs = replicaset(replicas=3)
    plan = w.reconcile_replicaset(rs, [], NOW)
    assert len(plan.create) == 3 and not plan.delete
    for pod in plan.create:
        m = pod["metadata"]
        assert re.fullmatch(f"rs-{SUFFIX}", m["name"]) and m["generateName"] == "rs-"
        assert m["labels"] == {"app": "rs"} and m["namespace"] == "default"
        assert m["ownerReferences"] == [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                         "name": "rs", "uid": "uid-rs", "controller": True,
                                         "blockOwnerDeletion": True}]
        assert pod["spec"]["restartPolicy"] == "Always"
    assert len({p["metadata"]["name"] for p in plan.create}) == 3
    assert [e["message"] for e in plan.events] == [
        f"Created pod: {p['metadata']['name']}" for p in plan.create]
    assert plan.update[-1]["status"] == {"replicas": 0, "observedGeneration": 1}


def test_replicaset_is_deterministic():
    rs = replicaset(replicas=3)
    assert w.reconcile_replicaset(rs, [], NOW) == w.reconcile_replicaset(rs, [], NOW)


def test_replicaset_status_and_scale_down_order():
    rs = replicaset(replicas=1)
    pods = w.reconcile_replicaset(replicaset(replicas=3), [], NOW).create
    owned = [running(pods[0]), running(pods[1], ready=False), pods[2]]  # pods[2] unscheduled
    plan = w.reconcile_replicaset(rs, owned, NOW)
    assert [p["metadata"]["name"] for p in plan.delete] == [
        pods[2]["metadata"]["name"], pods[1]["metadata"]["name"]]
    assert plan.update[-1]["status"] == {"replicas": 3, "fullyLabeledReplicas": 3,
                                         "readyReplicas": 1, "availableReplicas": 1,
                                         "observedGeneration": 1}


def test_replicaset_replaces_deleted_pods_with_new_names():
    rs = replicaset(replicas=2)
    first = w.reconcile_replicaset(rs, [], NOW).create
    rs["metadata"]["resourceVersion"] = "2"
    again = w.reconcile_replicaset(rs, first[1:], NOW).create
    assert len(again) == 1 and again[0]["metadata"]["name"] not in {
        p["metadata"]["name"] for p in first}


def test_replicaset_adopts_orphans_and_ignores_others():
    orphan = {"apiVersion": "v1", "kind": "Pod",
              "metadata": {"name": "orphan", "namespace": "default", "labels": {"app": "rs"}},
              "spec": {"containers": [{"name": "c", "image": "x"}]}}
    foreign = copy.deepcopy(orphan)
    foreign["metadata"]["name"] = "foreign"
    foreign["metadata"]["ownerReferences"] = [{"kind": "ReplicaSet", "name": "other",
                                               "uid": "uid-other", "controller": True}]
    elsewhere = copy.deepcopy(orphan)
    elsewhere["metadata"].update(name="elsewhere", namespace="prod")
    plan = w.reconcile_replicaset(replicaset(replicas=1), [orphan, foreign, elsewhere], NOW)
    assert not plan.create and not plan.delete
    adopted = plan.update[0]
    assert adopted["metadata"]["name"] == "orphan"
    assert adopted["metadata"]["ownerReferences"][0]["uid"] == "uid-rs"


def test_replication_controller_uses_a_map_selector():
    rc = {"apiVersion": "v1", "kind": "ReplicationController",
          "metadata": {"name": "rc", "namespace": "default", "uid": "uid-rc"},
          "spec": {"replicas": 2, "selector": {"app": "rc"}, "template": pod_template("rc")}}
    plan = w.reconcile_replication_controller(rc, [], NOW)
    assert len(plan.create) == 2
    assert plan.create[0]["metadata"]["ownerReferences"][0]["kind"] == "ReplicationController"
    assert plan.events[0]["source"]["component"] == "replication-controller"


# -- Deployment --------------------------------------------------------------------------------

def test_deployment_first_sync():
    plan = w.reconcile_deployment(w.default_deployment(deployment()), [], NOW)
    [rs] = plan.create
    h = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{h}" and set(h) <= HASH_CHARS
    assert rs["spec"]["replicas"] == 3
    assert rs["spec"]["selector"] == {"matchLabels": {"app": "web", "pod-template-hash": h}}
    assert rs["spec"]["template"]["metadata"]["labels"] == {"app": "web", "pod-template-hash": h}
    assert rs["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "1",
                                             "deployment.kubernetes.io/desired-replicas": "3",
                                             "deployment.kubernetes.io/max-replicas": "4"}
    assert rs["metadata"]["ownerReferences"][0]["kind"] == "Deployment"
    assert plan.events[0]["message"] == f"Scaled up replica set web-{h} from 0 to 3"
    d = plan.update[-1]
    assert d["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "1"}
    assert [(c["type"], c["status"], c["reason"]) for c in d["status"]["conditions"]] == [
        ("Progressing", "True", "NewReplicaSetCreated"),
        ("Available", "False", "MinimumReplicasUnavailable")]


def test_deployment_rolls_out_and_settles():
    c = Cluster()
    c.put(deployment())
    c.settle()
    d = c.get("Deployment", "web")
    [rs] = c.list("ReplicaSet")
    assert d["status"] == {
        "observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
        "availableReplicas": 3, "conditions": [
            {"type": "Available", "status": "True", "lastUpdateTime": "2025-03-01T12:00:00Z",
             "lastTransitionTime": "2025-03-01T12:00:00Z", "reason": "MinimumReplicasAvailable",
             "message": "Deployment has minimum availability."},
            {"type": "Progressing", "status": "True", "lastUpdateTime": "2025-03-01T12:00:00Z",
             "lastTransitionTime": "2025-03-01T12:00:00Z", "reason": "NewReplicaSetAvailable",
             "message": f'ReplicaSet "{rs["metadata"]["name"]}" has successfully progressed.'}]}
    pods = c.pods("web-")
    assert len(pods) == 3 and all(p["status"]["phase"] == "Running" for p in pods)
    assert all(re.fullmatch(f"{rs['metadata']['name']}-{SUFFIX}", p["metadata"]["name"])
               for p in pods)
    assert sorted(p["spec"]["nodeName"] for p in pods) == [
        "kind-worker", "kind-worker", "kind-worker2"]
    assert sorted(p["status"]["podIP"] for p in pods) == ["10.244.1.2", "10.244.1.3",
                                                           "10.244.2.2"]


def rollout(c, image):
    d = copy.deepcopy(c.get("Deployment", "web"))
    d["spec"]["template"]["spec"]["containers"][0]["image"] = image
    c.put(d)
    c.settle()


def test_new_template_makes_a_new_replicaset_and_scales_the_old_one_to_zero():
    c = Cluster()
    c.put(deployment())
    c.settle()
    old = c.list("ReplicaSet")[0]["metadata"]["name"]
    c.now += timedelta(minutes=5)
    rollout(c, "nginx:1.26")
    rss = {rs["metadata"]["name"]: rs for rs in c.list("ReplicaSet")}
    new = next(n for n in rss if n != old)
    assert rss[old]["spec"]["replicas"] == 0 and rss[new]["spec"]["replicas"] == 3
    assert rss[new]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert all(p["metadata"]["labels"]["pod-template-hash"] == new.split("-")[1]
               for p in c.pods("web-"))
    assert len(c.pods("web-")) == 3
    d = c.get("Deployment", "web")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert d["status"]["updatedReplicas"] == 3 and d["status"]["observedGeneration"] == 2
    # the rollout went one surge step at a time (maxSurge 1, maxUnavailable 0 for 3 replicas)
    scaling = c.messages("deployment-controller")[1:]
    assert scaling == [f"Scaled up replica set {new} from 0 to 1",
                       f"Scaled down replica set {old} from 3 to 2",
                       f"Scaled up replica set {new} from 1 to 2",
                       f"Scaled down replica set {old} from 2 to 1",
                       f"Scaled up replica set {new} from 2 to 3",
                       f"Scaled down replica set {old} from 1 to 0"]


def test_rollback_reuses_the_old_replicaset():
    c = Cluster()
    c.put(deployment())
    c.settle()
    first = c.list("ReplicaSet")[0]["metadata"]["name"]
    rollout(c, "nginx:1.26")
    rollout(c, "nginx:1.25")
    assert len(c.list("ReplicaSet")) == 2
    rs = c.get("ReplicaSet", first)
    assert rs["spec"]["replicas"] == 3
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"


def test_stuck_rollout_keeps_old_pods_then_times_out():
    c = Cluster()
    c.put(deployment())
    c.settle()
    old = c.list("ReplicaSet")[0]["metadata"]["name"]
    d = copy.deepcopy(c.get("Deployment", "web"))
    d["spec"]["template"]["spec"]["nodeSelector"] = {"disktype": "ssd"}
    c.put(d)
    c.settle()
    assert c.get("ReplicaSet", old)["spec"]["replicas"] == 3  # maxUnavailable 0 protects them
    pending = [p for p in c.pods("web-") if p["status"]["phase"] == "Pending"]
    assert len(pending) == 1
    assert pending[0]["status"]["conditions"][0]["message"].startswith(
        "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match")
    progressing = c.get("Deployment", "web")["status"]["conditions"][-1]
    assert progressing["reason"] == "ReplicaSetUpdated"
    c.now += timedelta(seconds=601)
    c.settle()
    progressing = c.get("Deployment", "web")["status"]["conditions"][-1]
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert progressing["message"].endswith("has timed out progressing.")


@pytest.mark.parametrize("replicas", [5, 1, 0], ids=lambda n: f"to-{n}")
def test_deployment_scales(replicas):
    c = Cluster()
    c.put(deployment())
    c.settle()
    d = copy.deepcopy(c.get("Deployment", "web"))
    d["spec"]["replicas"] = replicas
    c.put(d)
    c.settle()
    [rs] = c.list("ReplicaSet")
    assert rs["spec"]["replicas"] == replicas and len(c.pods("web-")) == replicas
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == \
        str(replicas)
    assert c.get("Deployment", "web")["status"].get("availableReplicas", 0) == replicas


def test_recreate_strategy_removes_old_pods_first():
    c = Cluster()
    c.put(deployment(strategy={"type": "Recreate"}))
    c.settle()
    rollout(c, "nginx:1.26")
    messages = c.messages("deployment-controller")
    assert messages[1].startswith("Scaled down replica set") and messages[1].endswith("3 to 0")
    assert messages[2].endswith("from 0 to 3")


def test_revision_history_limit_deletes_old_replicasets():
    c = Cluster()
    c.put(deployment(revisionHistoryLimit=1))
    c.settle()
    for image in ("nginx:1.26", "nginx:1.27", "nginx:1.28"):
        rollout(c, image)
    revisions = sorted(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
                       for rs in c.list("ReplicaSet"))
    assert revisions == ["3", "4"]


def test_paused_deployment_does_not_roll_out():
    c = Cluster()
    c.put(deployment())
    c.settle()
    d = copy.deepcopy(c.get("Deployment", "web"))
    d["spec"]["paused"] = True
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26"
    c.put(d)
    c.settle()
    assert len(c.list("ReplicaSet")) == 1
    progressing = c.get("Deployment", "web")["status"]["conditions"][-1]
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "Unknown", "DeploymentPaused", "Deployment is paused")


@pytest.mark.parametrize("replicas, surge, unavailable", [(3, 1, 0), (4, 1, 1), (10, 3, 2),
                                                        (1, 1, 0)],
                         ids=["3-replicas", "4-replicas", "10-replicas", "1-replica"])
def test_max_surge_and_unavailable_of_25_percent(replicas, surge, unavailable):
    d = w.default_deployment(deployment(replicas=replicas))
    assert (w.max_surge(d), w.max_unavailable(d)) == (surge, unavailable)


def test_zero_surge_and_unavailable_still_lets_one_go():
    zero = deployment(strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}})
    assert w.max_unavailable(zero) == 1  # ResolveFenceposts


# -- StatefulSet -------------------------------------------------------------------------------

def test_statefulset_pod_identity():
    plan = w.reconcile_statefulset(statefulset(volumeClaimTemplates=[
        {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]), [], NOW)
    [pod] = plan.create  # OrderedReady: one at a time
    rev = w.update_revision(statefulset())
    assert pod["metadata"]["name"] == "db-0" and "generateName" not in pod["metadata"]
    assert pod["metadata"]["labels"] == {
        "app": "db", "controller-revision-hash": rev,
        "statefulset.kubernetes.io/pod-name": "db-0", "apps.kubernetes.io/pod-index": "0"}
    assert re.fullmatch(r"db-[456789bcdf]+", rev)
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("db-0", "db")
    assert pod["spec"]["volumes"] == [{"name": "data",
                                       "persistentVolumeClaim": {"claimName": "data-db-0"}}]
    assert plan.events[0]["message"] == "create Pod db-0 in StatefulSet db successful"


def test_statefulset_ordered_ready_waits_for_each_pod():
    sts = statefulset()
    [p0] = w.reconcile_statefulset(sts, [], NOW).create
    assert w.reconcile_statefulset(sts, [p0], NOW).create == []  # db-0 not running yet
    plan = w.reconcile_statefulset(sts, [running(p0)], NOW)
    assert [p["metadata"]["name"] for p in plan.create] == ["db-1"]


def test_statefulset_parallel_and_start_ordinal():
    plan = w.reconcile_statefulset(statefulset(podManagementPolicy="Parallel",
                                               ordinals={"start": 5}), [], NOW)
    assert [p["metadata"]["name"] for p in plan.create] == ["db-5", "db-6", "db-7"]


def test_statefulset_settles_scales_down_and_updates():
    c = Cluster()
    c.put(statefulset())
    c.settle()
    s = c.get("StatefulSet", "db")
    rev = s["status"]["updateRevision"]
    assert s["status"] == {"observedGeneration": 1, "replicas": 3, "readyReplicas": 3,
                           "availableReplicas": 3, "currentReplicas": 3, "updatedReplicas": 3,
                           "currentRevision": rev, "updateRevision": rev, "collisionCount": 0}
    s = copy.deepcopy(s)
    s["spec"]["replicas"] = 1
    c.put(s)
    c.settle()
    assert [p["metadata"]["name"] for p in c.pods("db-")] == ["db-0"]
    assert c.messages("statefulset-controller")[-2:] == [
        "delete Pod db-2 in StatefulSet db successful",
        "delete Pod db-1 in StatefulSet db successful"]
    s = copy.deepcopy(c.get("StatefulSet", "db"))
    s["spec"]["template"]["spec"]["containers"][0]["image"] = "postgres:17"
    c.put(s)
    c.settle()
    s = c.get("StatefulSet", "db")
    assert s["status"]["currentRevision"] == s["status"]["updateRevision"] != rev
    assert c.pods("db-")[0]["metadata"]["labels"]["controller-revision-hash"] != rev


# -- DaemonSet ---------------------------------------------------------------------------------

def test_daemonset_pod_per_eligible_node():
    plan = w.reconcile_daemonset(daemonset(), [], KIND3, NOW)
    assert len(plan.create) == 2  # the control plane's taint is not tolerated
    pinned = sorted(p["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0][
        "matchFields"][0]["values"][0] for p in plan.create)
    assert pinned == ["kind-worker", "kind-worker2"]
    pod = plan.create[0]
    assert re.fullmatch(f"agent-{SUFFIX}", pod["metadata"]["name"])
    assert pod["metadata"]["labels"]["pod-template-generation"] == "1"
    assert [(t["key"], t["effect"]) for t in pod["spec"]["tolerations"]] == [
        ("node.kubernetes.io/not-ready", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
        ("node.kubernetes.io/unschedulable", "NoSchedule")]


def test_daemonset_tolerating_everything_runs_everywhere():
    ds = daemonset()
    ds["spec"]["template"]["spec"]["tolerations"] = [{"operator": "Exists"}]
    ds["spec"]["template"]["spec"]["hostNetwork"] = True
    plan = w.reconcile_daemonset(ds, [], KIND3, NOW)
    assert len(plan.create) == 3
    assert plan.create[0]["spec"]["tolerations"][0] == {"operator": "Exists"}
    assert plan.create[0]["spec"]["tolerations"][-1]["key"] == \
        "node.kubernetes.io/network-unavailable"


def test_daemonset_settles_and_follows_node_selector():
    c = Cluster()
    c.put(daemonset())
    c.settle()
    pods = c.pods("agent-")
    assert sorted(p["spec"]["nodeName"] for p in pods) == ["kind-worker", "kind-worker2"]
    ds = c.get("DaemonSet", "agent", "kube-system")
    assert ds["status"] == {"currentNumberScheduled": 2, "desiredNumberScheduled": 2,
                            "numberMisscheduled": 0, "numberReady": 2, "observedGeneration": 1,
                            "updatedNumberScheduled": 2, "numberAvailable": 2}
    ds = copy.deepcopy(ds)
    ds["spec"]["template"]["spec"]["nodeSelector"] = {"kubernetes.io/hostname": "kind-worker"}
    c.put(ds)
    c.settle()
    assert [p["spec"]["nodeName"] for p in c.pods("agent-")] == ["kind-worker"]
    assert c.get("DaemonSet", "agent", "kube-system")["status"]["desiredNumberScheduled"] == 1


def test_daemonset_removes_extra_and_failed_pods():
    ds = daemonset()
    ds["metadata"]["uid"] = "uid-ds"
    pods = w.reconcile_daemonset(ds, [], KIND3, NOW).create
    pods[0]["metadata"]["creationTimestamp"] = "2025-03-01T12:00:00Z"
    extra = copy.deepcopy(pods[0])
    extra["metadata"]["name"] = "agent-extra"
    extra["metadata"]["creationTimestamp"] = "2025-03-01T13:00:00Z"
    failed = copy.deepcopy(pods[1])
    failed["status"] = {"phase": "Failed"}
    plan = w.reconcile_daemonset(ds, [pods[0], extra, failed], KIND3, NOW)
    assert sorted(p["metadata"]["name"] for p in plan.delete) == sorted(
        ["agent-extra", failed["metadata"]["name"]])
    assert len(plan.create) == 1


def test_plan_empty():
    assert w.Plan().empty()
    assert not w.Plan(delete=[{}]).empty()
    assert w.Plan(events=[{}]).empty()


def test_daemonset_rolling_update_replaces_every_pod():
    c = Cluster()
    c.put(daemonset())
    c.settle()
    before = {p["metadata"]["name"] for p in c.pods("agent-")}
    ds = copy.deepcopy(c.get("DaemonSet", "agent", "kube-system"))
    ds["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox:1.37"
    c.put(ds)
    c.settle()
    pods = c.pods("agent-")
    assert len(pods) == 2 and not before & {p["metadata"]["name"] for p in pods}
    assert {p["metadata"]["labels"]["pod-template-generation"] for p in pods} == {"2"}
    status = c.get("DaemonSet", "agent", "kube-system")["status"]
    assert status["updatedNumberScheduled"] == 2 and status["observedGeneration"] == 2


def test_scaling_mid_rollout_is_proportional():
    c = Cluster()
    c.put(deployment())
    c.settle()
    d = copy.deepcopy(c.get("Deployment", "web"))
    d["spec"]["template"]["spec"]["nodeSelector"] = {"disktype": "ssd"}  # never schedulable
    c.put(d)
    c.settle()
    d = copy.deepcopy(c.get("Deployment", "web"))
    d["spec"]["replicas"] = 6
    d = c.put(d)
    plan = w.reconcile_deployment(d, c.list("ReplicaSet"), c.now)
    sizes = sorted((rs["spec"]["replicas"], rs["metadata"]["annotations"][
        "deployment.kubernetes.io/max-replicas"]) for rs in plan.update if rs["kind"] ==
        "ReplicaSet")
    assert sizes == [(2, "8"), (6, "8")]  # 3:1 of 4 grows to 6:2 of 8 (6 + maxSurge 2)


@pytest.mark.parametrize("call", [
    lambda objs: w.reconcile_deployment(objs["deploy"], objs["rss"], NOW),
    lambda objs: w.reconcile_replicaset(objs["rs"], objs["pods"], NOW),
    lambda objs: w.reconcile_statefulset(objs["sts"], objs["pods"], NOW),
    lambda objs: w.reconcile_daemonset(objs["ds"], objs["pods"], KIND3, NOW),
], ids=["deployment", "replicaset", "statefulset", "daemonset"])
def test_reconcilers_are_pure(call):
    objs = {"deploy": deployment(), "rs": replicaset(), "sts": statefulset(),
            "ds": daemonset(), "rss": [replicaset("web", replicas=1)],
            "pods": [running(p) for p in w.reconcile_replicaset(replicaset(), [], NOW).create]}
    before = copy.deepcopy(objs)
    first = call(objs)
    assert objs == before
    assert call(copy.deepcopy(objs)) == first
