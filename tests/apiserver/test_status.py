"""Status as the API server treats it (issue 14 §1): each kind's PrepareForCreate /
PrepareForUpdate on a main-resource write, a restored snapshot's status kept, status validated
by the server's hand-written rules and never by the OpenAPI schema's `required` lists."""

from __future__ import annotations

import io

import pytest

from kubesvc.api.errors import InvalidError
from kubesvc.api.objects import clone
from kubesvc.api.resources import for_kind
from kubesvc.apiserver import registry
from kubesvc.kubectl.environment import Environment
from kubesvc.kubectl.session import Session
from tests.conftest import FIXED_NOW

LABELS = {"app": "web"}
TEMPLATE = {"metadata": {"labels": LABELS},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
LB_STATUS = {"loadBalancer": {"ingress": [{"ip": "203.0.113.7", "ipMode": "VIP"}]}}
POD_STATUS = {"phase": "Running", "podIP": "10.244.0.5", "podIPs": [{"ip": "10.244.0.5"}],
              "containerStatuses": [{"name": "c", "image": "nginx", "ready": True,
                                     "restartCount": 0}]}  # no imageID: a kubelet's partial
NODE_STATUS = {"nodeInfo": {"kubeletVersion": "v1.37.0"},  # no kernelVersion, machineID...
               "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}]}
DEPLOY_STATUS = {"replicas": 2, "readyReplicas": 2, "availableReplicas": 2}


def _obj(api_version: str, kind: str, spec: dict | None, status: dict, ns: bool = True) -> dict:
    meta = {"name": "web", **({"namespace": "default"} if ns else {})}
    obj = {"apiVersion": api_version, "kind": kind, "metadata": meta, "status": clone(status)}
    if spec is not None:
        obj["spec"] = spec
    return obj


SERVICE = _obj("v1", "Service", {"type": "LoadBalancer", "selector": LABELS,
                                 "ports": [{"port": 80}]}, LB_STATUS)
POD = _obj("v1", "Pod", {"containers": [{"name": "c", "image": "nginx"}]}, POD_STATUS)
DEPLOY = _obj("apps/v1", "Deployment", {"replicas": 2, "selector": {"matchLabels": LABELS},
                                        "template": TEMPLATE}, DEPLOY_STATUS)
NAMESPACE = _obj("v1", "Namespace", None, {"phase": "Terminating"}, ns=False)
NODE = _obj("v1", "Node", {}, NODE_STATUS, ns=False)
INGRESS = _obj("networking.k8s.io/v1", "Ingress", {"defaultBackend": {"service": {
    "name": "web", "port": {"number": 80}}}}, {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}})


@pytest.fixture
def session(tmp_path):
    env = Environment(stdout=io.StringIO(), stderr=io.StringIO(),
                      environ={"KUBESVC_NOW": FIXED_NOW}, state=str(tmp_path / "state.db"))
    return Session.open(env, controllers=False)


def _res(obj: dict):
    return for_kind(obj["kind"], obj["apiVersion"])


# what the main resource's create leaves of a manifest's status (PrepareForCreate)
CREATE = [
    pytest.param(SERVICE, {"loadBalancer": {}},
                 id="service-status-reset(core/service/strategy.go)"),
    pytest.param(POD, {"phase": "Pending", "qosClass": "BestEffort"},
                 id="pod-pending-with-qos(core/pod/strategy.go)"),
    pytest.param(DEPLOY, None, id="deployment-status-reset(apps/deployment/strategy.go)"),
    pytest.param(NAMESPACE, {"phase": "Active"},
                 id="namespace-active(core/namespace/strategy.go)"),
    pytest.param(NODE, NODE_STATUS, id="node-keeps-all-fields(core/node/strategy.go)"),
    # Go encodes the empty IngressStatus struct (omitempty does not drop structs), as Service's
    pytest.param(INGRESS, {"loadBalancer": {}},
                 id="ingress-status-reset(networking/ingress/strategy.go)"),
]


@pytest.mark.parametrize("obj, status", CREATE)
def test_create_resets_status_as_prepare_for_create_does(session, obj, status):
    with session as api:
        stored = registry.create(api, _res(obj), clone(obj), keep_status=False)
    assert stored.get("status") == status


@pytest.mark.parametrize("obj", [p.values[0] for p in CREATE])
def test_update_keeps_the_stored_status_as_prepare_for_update_does(session, obj):
    with session as api:
        live = registry.create(api, _res(obj), clone(obj), keep_status=False)
        before = clone(live.get("status"))
        changed = clone(live)
        changed["status"] = clone(obj["status"])  # the manifest's status, sent again
        if obj["kind"] == "Node":
            changed["status"]["nodeInfo"] = {"kubeletVersion": "v1.38.0"}
        stored = registry.update(api, _res(obj), changed, live, keep_status=False)
    assert stored.get("status") == before


@pytest.mark.parametrize("obj", [p.values[0] for p in CREATE])
def test_a_restore_keeps_the_snapshots_status_and_creation_time(session, obj):
    snapshot = clone(obj)
    snapshot["metadata"].update(creationTimestamp="2020-01-02T03:04:05Z", uid="u-1")
    with session as api:
        stored = registry.create(api, _res(obj), clone(snapshot), keep_status=True,
                                 restore=True)
        assert api.is_restored(_res(obj).gk, stored)
    assert stored["status"] == obj["status"]
    assert (stored["metadata"]["creationTimestamp"], stored["metadata"]["uid"]) == (
        "2020-01-02T03:04:05Z", "u-1")


# the status rules a real server applies on a status write (pkg/apis/core/validation,
# pkg/apis/apps/validation), and what it stores although the schema lists it as required
def _with(obj: dict, **status) -> dict:
    out = clone(obj)
    out["status"].update(status)
    return out


STATUS_RULES = [
    pytest.param(POD, None, id="pod-container-status-without-imageID-stored"),
    pytest.param(NODE, None, id="node-info-without-kernelVersion-stored"),
    pytest.param(_with(POD, podIPs=[{"ip": "10.244.0.300"}]),
                 'status.podIPs[0].ip: Invalid value: "10.244.0.300": must be a valid IP '
                 "address, (e.g. 10.9.8.7 or 2001:db8::ffff)", id="validatePodIPs-ip"),
    pytest.param(_with(POD, podIPs=[{"ip": "10.244.0.5"}, {"ip": "10.244.0.6"}]),
                 "status.podIPs: Invalid value", id="validatePodIPs-one-per-family"),
    pytest.param(_with(POD, hostIP="172.18.0.2", hostIPs=[{"ip": "172.18.0.3"}]),
                 'status.hostIPs[0].ip: Invalid value: "172.18.0.3": must be equal to '
                 "`hostIP`", id="validateHostIPs-first-is-hostIP"),
    pytest.param(_with(NODE, addresses=[{"type": "InternalIP", "address": "172.18.0.2"}] * 2),
                 "status.addresses[1]: Duplicate value", id="ValidateNodeUpdate-duplicate"),
    pytest.param(_with(SERVICE, loadBalancer={"ingress": [{"ip": "1.2.3"}]}),
                 'status.loadBalancer.ingress[0].ip: Invalid value: "1.2.3"',
                 id="ValidateLoadBalancerStatus-ip"),
    pytest.param(_with(SERVICE, loadBalancer={"ingress": [{"hostname": "1.2.3.4"}]}),
                 "must be a DNS name, not an IP address",
                 id="ValidateLoadBalancerStatus-hostname-not-ip"),
    pytest.param(_with(SERVICE, loadBalancer={"ingress": [{"hostname": "lb.example.com",
                                                           "ipMode": "VIP"}]}),
                 "status.loadBalancer.ingress[0].ipMode: Forbidden: may not be specified "
                 "when `ip` is not set", id="ValidateLoadBalancerStatus-ipMode-needs-ip"),
    pytest.param(_with(SERVICE, loadBalancer={"ingress": [{"ip": "1.2.3.4",
                                                           "ipMode": "Magic"}]}),
                 'status.loadBalancer.ingress[0].ipMode: Unsupported value: "Magic"',
                 id="ValidateLoadBalancerStatus-ipMode-values"),
    pytest.param(_with(DEPLOY, replicas=-1), "status.replicas: Invalid value: -1: must be "
                 "greater than or equal to 0", id="ValidateDeploymentStatus-non-negative"),
    pytest.param(_with(DEPLOY, readyReplicas=3), "status.readyReplicas: Invalid value: 3: "
                 "cannot be greater than status.replicas", id="ValidateDeploymentStatus-ready"),
]


@pytest.mark.parametrize("obj, message", STATUS_RULES)
def test_a_written_status_meets_the_servers_own_rules(session, obj, message):
    with session as api:
        if message is None:
            registry.create(api, _res(obj), clone(obj), keep_status=True, restore=True)
            return
        with pytest.raises(InvalidError) as err:
            registry.create(api, _res(obj), clone(obj), keep_status=True, restore=True)
    assert message in str(err.value)


def test_a_restored_ingress_ip_gets_the_default_ip_mode(session):
    svc = _with(SERVICE, loadBalancer={"ingress": [{"ip": "203.0.113.7"}]})
    with session as api:
        stored = registry.create(api, _res(svc), svc, keep_status=True, restore=True)
    assert stored["status"]["loadBalancer"]["ingress"] == [{"ip": "203.0.113.7",
                                                            "ipMode": "VIP"}]


# required fields are the kinds' hand-written validation's to say; kubesvc's own stay
HAND_WRITTEN = [
    pytest.param(_obj("v1", "Service", {"selector": LABELS}, {}),
                 "spec.ports: Required value", id="service-ports(ValidateService)"),
    pytest.param(_obj("v1", "Pod", {}, {}), "spec.containers: Required value",
                 id="pod-containers(ValidatePodSpec)"),
    pytest.param(_obj("v1", "Pod", {"containers": [{"image": "nginx"}]}, {}),
                 "spec.containers[0].name: Required value",
                 id="container-name(validateContainers)"),
    pytest.param(_obj("v1", "Pod", {"containers": [{"name": "c"}]}, {}),
                 "spec.containers[0].image: Required value",
                 id="container-image(validateContainers)"),
    pytest.param(_obj("apps/v1", "Deployment", {"selector": {"matchLabels": LABELS},
                                                "template": {"metadata": {"labels": LABELS}}},
                      {}),
                 "spec.template.spec.containers: Required value",
                 id="template-containers(ValidatePodTemplateSpec)"),
    pytest.param(_obj("apps/v1", "Deployment", {"template": TEMPLATE}, {}),
                 "spec.selector: Required value", id="deployment-selector(ValidateDeploymentSpec)"),
]


@pytest.mark.parametrize("obj, message", HAND_WRITTEN)
def test_hand_written_required_checks_stay(session, obj, message):
    with session as api, pytest.raises(InvalidError) as err:
        registry.create(api, _res(obj), clone(obj), keep_status=False)
    assert message in str(err.value)
