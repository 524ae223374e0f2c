"""`kubesvc check` past the Service's edges: NetworkPolicies that select nothing or leave pods
unreachable, and Ingresses that ingress-nginx cannot serve as written (a missing backend
Service or port, no class, a host and path two Ingresses claim)."""

from __future__ import annotations

from kubesvc.api.objects import meta, spec
from kubesvc.controllers.endpoints import endpoint_utils as eu
from kubesvc.resolver import ingress as ing
from kubesvc.resolver import netpol
from kubesvc.resolver.policy_route import index_for
from kubesvc.resolver.records import Problem, Reason


def network_problems(view, namespace: str | None = None) -> list[Problem]:
    return policy_problems(view, namespace) + ingress_problems(view, namespace)


# --- NetworkPolicy -------------------------------------------------------------------------------


def policy_problems(view, namespace: str | None = None) -> list[Problem]:
    policies = view.objects(netpol.GK, namespace)
    if not policies:
        return []
    index = index_for(view)
    pods = _PodsOf(view)
    out = [Problem(f"NetworkPolicy {netpol.name_of(p)}",
                   Reason("policy-selects-nothing", f"podSelector {_selector(p)} matches no pod "
                                                    f"of namespace {eu.namespace_of(p)}"))
           for p in policies if not pods.selected_by(p)]
    closed = [p for p in policies if netpol.INGRESS in netpol.policy_types(p)
              and not spec(p).get("ingress")]
    isolated: dict[tuple[str, ...], list[dict]] = {}  # a closed ingress policy set -> pods
    seen: set[tuple[str, str]] = set()
    for policy in closed:
        for pod in pods.selected_by(policy):
            key = (eu.namespace_of(pod), meta(pod)["name"])
            if key in seen:
                continue
            seen.add(key)
            ingress = [p for p in index.selecting(pod) if netpol.INGRESS in netpol.policy_types(p)]
            if not any(spec(p).get("ingress") for p in ingress):
                isolated.setdefault(tuple(netpol.name_of(p) for p in ingress), []).append(pod)
    for names, found in isolated.items():
        shown = ", ".join(meta(p)["name"] for p in found[:5]) + (
            f" and {len(found) - 5} more" if len(found) > 5 else "")
        why = (f"isolates {len(found)} pod(s) of {eu.namespace_of(found[0])} for ingress "
               f"({shown}) and no policy selecting them has an ingress rule: no connection "
               "reaches them but from their own node")
        out.append(Problem(f"NetworkPolicy {', '.join(names)}",
                           Reason("policy-unreachable-pod", why)))
    return out


class _PodsOf:
    """The live pod-network pods a policy selects: through the label index for a matchLabels
    selector (a few rows), reading a namespace's pods only for expression selectors."""

    def __init__(self, view):
        self.view = view
        self._ns: dict[str, list[dict]] = {}

    def selected_by(self, policy: dict) -> list[dict]:
        ns, ls = eu.namespace_of(policy), spec(policy).get("podSelector") or {}
        selector = netpol._selector(ls)
        if ls.get("matchLabels") and not ls.get("matchExpressions"):
            found = self.view.pods_selected(ns, {k: str(v) for k, v in
                                                 ls["matchLabels"].items()})
        else:
            if ns not in self._ns:
                self._ns[ns] = self.view.pods(ns)
            found = [p for p in self._ns[ns] if selector.matches(eu.labels_of(p))]
        return [p for p in found if not spec(p).get("hostNetwork") and not pod_done(p)]


def pod_done(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _selector(policy: dict) -> str:
    text = str(netpol._selector(spec(policy).get("podSelector") or {}))
    return text or "{}"


# --- Ingress -------------------------------------------------------------------------------------


def ingress_problems(view, namespace: str | None = None) -> list[Problem]:
    ingresses = view.objects(ing.GK, namespace)
    if not ingresses:
        return []
    out: list[Problem] = []
    default = ing.default_class(view)
    for obj in ingresses:
        name = f"Ingress {eu.namespace_of(obj)}/{meta(obj)['name']}"
        if ing.class_name(view, obj) is None and default is None:
            out.append(Problem(name, Reason("ingress-class", "no ingressClassName, no "
                                                             "kubernetes.io/ingress.class "
                                                             "annotation and no default "
                                                             "IngressClass: no controller "
                                                             "serves it")))
        out += [Problem(name, reason) for reason in _backends(view, obj)]
    return out + _conflicts(view, [i for i in view.objects(ing.GK) if ing.served(view, i)],
                            namespace)


def _backends(view, obj: dict) -> list[Reason]:
    refs = [("defaultBackend", spec(obj).get("defaultBackend"))] if spec(obj).get(
        "defaultBackend") else []
    for rule in spec(obj).get("rules") or ():
        for p in (rule.get("http") or {}).get("paths") or ():
            where = f"{rule.get('host') or '*'}{p.get('path') or '/'}"
            refs.append((where, p.get("backend")))
    out = []
    ns = eu.namespace_of(obj)
    for where, backend in refs:
        ref = (backend or {}).get("service")
        if not ref:
            continue
        svc = view.service(ns, ref.get("name") or "")
        port = ref.get("port") or {}
        shown = port.get("number") or port.get("name")
        if svc is None:
            out.append(Reason("ingress-backend-missing", f"{where}: Service {ns}/{ref.get('name')} "
                                                         "does not exist"))
        elif ing.backend_port(svc, port) is None:
            out.append(Reason("ingress-backend-missing", f"{where}: Service {ns}/{ref.get('name')} "
                                                         f"has no port {shown}"))
    return out


def _conflicts(view, served: list[dict], namespace: str | None) -> list[Problem]:
    """The same host and path in two served Ingresses: ingress-nginx keeps the oldest's."""
    claims: dict[tuple, list[dict]] = {}
    for obj in sorted(served, key=ing._age):
        for rule in spec(obj).get("rules") or ():
            for p in (rule.get("http") or {}).get("paths") or ():
                key = (rule.get("host") or "*", p.get("path") or "/", p.get("pathType"))
                if obj not in claims.setdefault(key, []):
                    claims[key].append(obj)
    out = []
    for (host, path, kind), objs in claims.items():
        if len(objs) < 2:
            continue
        names = [f"{eu.namespace_of(o)}/{meta(o)['name']}" for o in objs]
        for loser in objs[1:]:
            if namespace is not None and eu.namespace_of(loser) != namespace:
                continue
            out.append(Problem(f"Ingress {eu.namespace_of(loser)}/{meta(loser)['name']}",
                               Reason("ingress-host-conflict",
                                      f"host {host} path {path} ({kind}) is also claimed by "
                                      f"{names[0]}, the older Ingress, which ingress-nginx "
                                      f"serves it from")))
    return out
