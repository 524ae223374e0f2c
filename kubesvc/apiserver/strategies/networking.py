"""Strategies of the networking.k8s.io/v1 kinds kubesvc models: NetworkPolicy, Ingress and
IngressClass.

Defaulting is upstream's `pkg/apis/networking/v1/defaults.go` (it runs when a request is
decoded, so on create and update alike):
- SetDefaults_NetworkPolicy: no policyTypes means ["Ingress"], plus "Egress" when the policy
  has egress rules (even one empty rule `- {}`);
- SetDefaults_NetworkPolicyPort: a port without protocol is TCP;
- SetDefaults_IngressClass: parameters without scope are "Cluster".
The registry strategies (`pkg/registry/networking/{networkpolicy,ingress,ingressclass}`) then
prepare the object (an Ingress's status belongs to its /status subresource: a create starts
it empty, an update keeps the stored one; generation moves with the spec, see
apiserver/meta.py) and validate it (apiserver/validation/networking*.py).
"""

from __future__ import annotations

from collections.abc import Callable

from kubesvc.api.errors import FieldError, InvalidError
from kubesvc.api.objects import clone
from kubesvc.apiserver.validation.networking import (
    network_policy_warnings,
    validate_network_policy,
)
from kubesvc.apiserver.validation.networking_ingress import (
    validate_ingress,
    validate_ingress_class,
    validate_ingress_status,
)


def default_network_policy(np: dict) -> None:
    spec = np.get("spec")
    if not isinstance(spec, dict):
        spec = np["spec"] = {}
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
    for key in ("ingress", "egress"):
        for rule in spec.get(key) or []:
            for port in (rule or {}).get("ports") or []:
                if isinstance(port, dict) and port.get("protocol") is None:
                    port["protocol"] = "TCP"


def default_ingress_class(ic: dict) -> None:
    params = (ic.get("spec") or {}).get("parameters")
    if isinstance(params, dict) and params.get("scope") is None:
        params["scope"] = "Cluster"


DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"


def default_ingress_class_name(ing: dict, classes: list[dict]) -> None:
    """The DefaultIngressClass admission plugin (on by default), on create only: an Ingress
    with neither `ingressClassName` nor the `kubernetes.io/ingress.class` annotation gets the
    default IngressClass (annotated is-default-class "true"); of several, the newest, then
    the first by name (plugin/pkg/admission/network/defaultingressclass)."""
    spec = ing.setdefault("spec", {})
    annotations = (ing.get("metadata") or {}).get("annotations") or {}
    if not isinstance(spec, dict) or spec.get("ingressClassName") is not None or \
            "kubernetes.io/ingress.class" in annotations:
        return
    defaults = [c for c in classes if ((c.get("metadata") or {}).get("annotations") or {})
                .get(DEFAULT_CLASS_ANNOTATION) == "true"]
    if defaults:
        newest = max(c["metadata"].get("creationTimestamp") or "" for c in defaults)
        spec["ingressClassName"] = min(c["metadata"]["name"] for c in defaults
                                       if (c["metadata"].get("creationTimestamp") or "")
                                       == newest)


def _raise(obj: dict, errors: list[FieldError]) -> None:
    if errors:
        meta = obj.get("metadata") or {}
        raise InvalidError(obj.get("kind") or "", meta.get("name", ""), errors)


class _Networking:
    """Default, prepare, validate: one class for the three kinds, told apart by data."""

    def __init__(self, default: Callable[[dict], None] | None,
                 validate: Callable[[dict, dict | None], list[FieldError]],
                 status: bool,
                 warnings: Callable[[dict], list[str]] | None = None) -> None:
        self.default = default
        self.warnings = warnings
        self.validate = validate
        self.status = status  # the kind has a /status subresource (Ingress)

    def create(self, ctx, obj: dict, keep_status: bool) -> None:
        if self.default:
            self.default(obj)
        if self.status and not ctx.restoring:  # mutating admission, before validation
            default_ingress_class_name(obj, ctx.store.list("IngressClass.networking.k8s.io"))
        if self.status:
            if not keep_status or not isinstance(obj.get("status"), dict):
                obj["status"] = {}  # PrepareForCreate: a create cannot set status
            obj["status"].setdefault("loadBalancer", {})  # Go encodes the empty struct
        _raise(obj, self.validate(obj, None))
        if self.status and keep_status:
            _raise(obj, validate_ingress_status(obj))
        if self.warnings:
            ctx.warnings.extend(self.warnings(obj))

    def update(self, ctx, new: dict, old: dict, keep_status: bool) -> None:
        if self.default:
            self.default(new)
        if self.status:
            if not keep_status or not isinstance(new.get("status"), dict):
                # PrepareForUpdate: the main resource keeps the stored status
                new["status"] = clone(old.get("status") or {})
            new["status"].setdefault("loadBalancer", {})
        _raise(new, self.validate(new, old))
        if self.status and keep_status:
            _raise(new, validate_ingress_status(new, old))
        if self.warnings:
            ctx.warnings.extend(self.warnings(new))

    def delete(self, ctx, obj: dict) -> None:
        pass


networkpolicy = _Networking(default_network_policy, validate_network_policy, status=False,
                            warnings=network_policy_warnings)
ingress = _Networking(None, validate_ingress, status=True)
ingressclass = _Networking(default_ingress_class, validate_ingress_class, status=False)
