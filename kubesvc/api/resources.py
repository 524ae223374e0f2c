"""The API resources kubesvc knows: kubectl's names, short names and scopes (Kubernetes 1.37).

`kubectl api-resources` is the model. Kinds that are not listed here but have an upstream
schema are still accepted (stored, listed by kind); their plural and scope are derived.
"""

from __future__ import annotations

from kubesvc.api.errors import ClientError
from kubesvc.api.records import NamedTuple  # typing's, without importing typing


# A NamedTuple, not a dataclass: importing `dataclasses` (and inspect) costs ~15 ms of
# every `get`'s start-up.
class Resource(NamedTuple):
    kind: str
    group: str  # "" for the core group
    version: str
    plural: str
    short: tuple[str, ...] = ()
    namespaced: bool = True
    in_all: bool = False  # member of the "all" category (kubectl get all)

    @property
    def gk(self) -> str:
        """Group-kind key used by the store and `-o name`: Service, Deployment.apps."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def qualified_plural(self) -> str:
        """`services`, `deployments.apps`: what NotFound errors name."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def name_prefix(self) -> str:
        """`service`, `deployment.apps`: the prefix of `-o name` and apply messages."""
        return f"{self.singular}.{self.group}" if self.group else self.singular


_R = Resource
KNOWN: tuple[Resource, ...] = (
    _R("Pod", "", "v1", "pods", ("po",), in_all=True),
    _R("ReplicationController", "", "v1", "replicationcontrollers", ("rc",), in_all=True),
    _R("Service", "", "v1", "services", ("svc",), in_all=True),
    _R("DaemonSet", "apps", "v1", "daemonsets", ("ds",), in_all=True),
    _R("Deployment", "apps", "v1", "deployments", ("deploy",), in_all=True),
    _R("ReplicaSet", "apps", "v1", "replicasets", ("rs",), in_all=True),
    _R("StatefulSet", "apps", "v1", "statefulsets", ("sts",), in_all=True),
    _R("HorizontalPodAutoscaler", "autoscaling", "v2", "horizontalpodautoscalers", ("hpa",),
       in_all=True),
    _R("CronJob", "batch", "v1", "cronjobs", ("cj",), in_all=True),
    _R("Job", "batch", "v1", "jobs", (), in_all=True),
    _R("Namespace", "", "v1", "namespaces", ("ns",), namespaced=False),
    _R("Node", "", "v1", "nodes", ("no",), namespaced=False),
    _R("Endpoints", "", "v1", "endpoints", ("ep",)),
    _R("EndpointSlice", "discovery.k8s.io", "v1", "endpointslices"),
    _R("ConfigMap", "", "v1", "configmaps", ("cm",)),
    _R("Secret", "", "v1", "secrets"),
    _R("ServiceAccount", "", "v1", "serviceaccounts", ("sa",)),
    _R("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", ("pvc",)),
    _R("PersistentVolume", "", "v1", "persistentvolumes", ("pv",), namespaced=False),
    _R("Event", "", "v1", "events", ("ev",)),
    _R("LimitRange", "", "v1", "limitranges", ("limits",)),
    _R("ResourceQuota", "", "v1", "resourcequotas", ("quota",)),
    _R("PodTemplate", "", "v1", "podtemplates"),
    _R("Ingress", "networking.k8s.io", "v1", "ingresses", ("ing",)),
    _R("IngressClass", "networking.k8s.io", "v1", "ingressclasses", namespaced=False),
    _R("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies", ("netpol",)),
    _R("ServiceCIDR", "networking.k8s.io", "v1", "servicecidrs", namespaced=False),
    _R("IPAddress", "networking.k8s.io", "v1", "ipaddresses", ("ip",), namespaced=False),
    _R("PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", ("pdb",)),
    _R("Role", "rbac.authorization.k8s.io", "v1", "roles"),
    _R("RoleBinding", "rbac.authorization.k8s.io", "v1", "rolebindings"),
    _R("ClusterRole", "rbac.authorization.k8s.io", "v1", "clusterroles", namespaced=False),
    _R("ClusterRoleBinding", "rbac.authorization.k8s.io", "v1", "clusterrolebindings",
       namespaced=False),
    _R("StorageClass", "storage.k8s.io", "v1", "storageclasses", ("sc",), namespaced=False),
    _R("CSIDriver", "storage.k8s.io", "v1", "csidrivers", namespaced=False),
    _R("PriorityClass", "scheduling.k8s.io", "v1", "priorityclasses", ("pc",),
       namespaced=False),
    _R("RuntimeClass", "node.k8s.io", "v1", "runtimeclasses", namespaced=False),
    _R("CustomResourceDefinition", "apiextensions.k8s.io", "v1", "customresourcedefinitions",
       ("crd", "crds"), namespaced=False),
    _R("MutatingWebhookConfiguration", "admissionregistration.k8s.io", "v1",
       "mutatingwebhookconfigurations", namespaced=False),
    _R("ValidatingWebhookConfiguration", "admissionregistration.k8s.io", "v1",
       "validatingwebhookconfigurations", namespaced=False),
    _R("APIService", "apiregistration.k8s.io", "v1", "apiservices", namespaced=False),
    _R("Lease", "coordination.k8s.io", "v1", "leases"),
    _R("CertificateSigningRequest", "certificates.k8s.io", "v1", "certificatesigningrequests",
       ("csr",), namespaced=False),
)

# Kinds that are cluster-scoped although not in KNOWN (derived resources default to namespaced)
_CLUSTER_SCOPED_KINDS = {
    "ComponentStatus", "VolumeAttachment", "CSINode", "StorageVersion", "FlowSchema",
    "PriorityLevelConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding", "DeviceClass",
    "ResourceSlice", "ClusterTrustBundle", "VolumeAttributesClass", "StorageVersionMigration",
    "SelfSubjectReview", "TokenReview", "SubjectAccessReview", "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
}

# Applied first, in this order; everything else after, in manifest order (kubectl/helm habit:
# namespaces and cluster-wide definitions before what lives in them).
APPLY_ORDER = ("Namespace", "CustomResourceDefinition", "Node", "StorageClass", "PriorityClass",
               "ServiceAccount", "Secret", "ConfigMap", "ClusterRole", "ClusterRoleBinding",
               "Role", "RoleBinding", "IPAddressPool", "L2Advertisement")

_BY_GK = {r.gk: r for r in KNOWN}
_BY_NAME: dict[str, Resource] = {}
for _r in KNOWN:
    for _n in (_r.plural, _r.singular, *_r.short, _r.qualified_plural, _r.name_prefix,
               _r.kind.lower()):
        _BY_NAME.setdefault(_n.lower(), _r)


def _plural(kind: str) -> str:
    low = kind.lower()
    if low.endswith(("s", "x", "ch", "sh")):
        return low + "es"
    if low.endswith("y") and low[-2:-1] not in "aeiou":
        return low[:-1] + "ies"
    return low + "s"


def derived(kind: str, api_version: str) -> Resource:
    """A resource for a kind that only the schema knows (ConfigMap-like: stored, listed)."""
    group, _, version = api_version.rpartition("/")
    return Resource(kind, group, version, _plural(kind),
                    namespaced=kind not in _CLUSTER_SCOPED_KINDS)


def for_kind(kind: str, api_version: str) -> Resource:
    group = api_version.rpartition("/")[0]
    known = _BY_GK.get(f"{kind}.{group}" if group else kind)
    if known:
        return known if known.api_version == api_version else Resource(
            known.kind, known.group, api_version.rpartition("/")[2], known.plural, known.short,
            known.namespaced, known.in_all)
    return derived(kind, api_version)


def for_gk(gk: str) -> Resource:
    known = _BY_GK.get(gk)
    if known:
        return known
    kind, _, group = gk.partition(".")
    return derived(kind, f"{group}/v1" if group else "v1")


def lookup(name: str, extra_gks: list[str] = ()) -> Resource:
    """Resolve what the user typed (`svc`, `services`, `deployment.apps`, `Service`, and the
    fully qualified forms `get --help` shows: `deployments.v1.apps`, `svc.v1.`, `deploy.apps`)."""
    found = _lookup_word(name, extra_gks)
    if found is None:
        found = _lookup_qualified(name, extra_gks)
    if found is None:
        raise ClientError(f'the server doesn\'t have a resource type "{name}"')
    return found


def _lookup_word(name: str, extra_gks: list[str]) -> Resource | None:
    found = _BY_NAME.get(name.lower())
    if found:
        return found
    for gk in extra_gks:  # kinds present in the store that kubesvc only stores
        r = for_gk(gk)
        if name.lower() in (r.plural, r.singular, r.qualified_plural, r.name_prefix):
            return r
    return None


def _lookup_qualified(name: str, extra_gks: list[str]) -> Resource | None:
    """apimachinery's ParseResourceArg: RESOURCE.VERSION.GROUP first (the group may be empty,
    `svc.v1.` is the core group), then RESOURCE.GROUP; the resource part may be a short name
    (kubectl's shortcut expander runs on it)."""
    resource, _, rest = name.partition(".")
    res = _lookup_word(resource, extra_gks) if resource and rest else None
    if res is None:
        return None
    version, dot, group = rest.partition(".")
    if dot and res.group.lower() == group.lower() and res.version == version:
        return res
    return res if res.group and res.group.lower() == rest.lower() else None


def all_category() -> list[Resource]:
    return [r for r in KNOWN if r.in_all]
