"""kubesvc describe: kubectl's describe layout, with name-prefix matching as kubectl does."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from kubesvc.api.errors import ExitCode
from kubesvc.cli import common

if TYPE_CHECKING:
    from kubesvc.api.resources import Resource
    from kubesvc.kubectl.environment import Environment
    from kubesvc.store.db import Store

EXAMPLES = """\b
Examples:
  # Describe a Service: its IPs, ports, node ports and endpoints
  kubesvc describe service web

  # Describe every Service whose name starts with "redis"
  kubesvc describe svc redis
"""


def describe(
    ctx: typer.Context,
    args: list[str] = typer.Argument(None, metavar="TYPE [NAME_PREFIX] | TYPE/NAME"),
    namespace: str | None = common.NAMESPACE,
    all_namespaces: bool = common.ALL_NAMESPACES,
    selector: str | None = common.SELECTOR,
    show_events: bool | None = typer.Option(
        None, "--show-events/--no-show-events",
        help="If true, display events related to the described object (`--show-events=false` "
             "as kubectl; unset: events when exactly one object is described)."),
    state: str | None = common.STATE,
) -> None:
    """Show details of a specific resource or group of resources."""
    from kubesvc.kubectl.session import read_session

    env = common.environment(ctx)
    with read_session(env, state) as store:
        text, errors, requests = _describe(env, store, args or [], namespace, all_namespaces,
                                           selector, show_events)
    if any(r.resource.kind == "Endpoints" for r in requests):  # a server warning (1.33+)
        env.warn("v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice")
    env.out(text)
    for e in errors:
        env.err(str(e))
    ns = None if all_namespaces else common.current_namespace(namespace)
    if not text and not errors:
        env.err(f"No resources found in {ns} namespace." if ns else "No resources found")
    raise typer.Exit(ExitCode.ERROR if errors else ExitCode.OK)


def _describe(env: Environment, store: Store, args: list[str], namespace: str | None,
              all_namespaces: bool, selector: str | None,
              show_events: bool | None) -> tuple[str, list[Exception], list]:
    """kubectl's describe Run: each object found, the first as is and the others after a blank
    line; events when a request finds exactly one object (an exact name, or a list or selector
    with one match). `TYPE NAME` with no such name is DescribeMatchingResources: every object
    whose name starts with NAME, each followed by one newline, without events."""
    from kubesvc.api.selectors import parse
    from kubesvc.cli.get import _store_kinds, fetch
    from kubesvc.kubectl.resource_args import parse_targets
    from kubesvc.printers.duration import LOCAL

    requests = parse_targets(args, _store_kinds(store))
    ns = None if all_namespaces else common.current_namespace(namespace)
    sel = parse(selector) if selector else None
    now = env.now().astimezone(LOCAL)  # kubectl prints times in the local zone (TZ)
    if len(args) == 2 and len(requests) == 1 and len(requests[0].names) == 1 and ns is not None:
        req = requests[0]
        objs, missing = fetch(store, req, ns, sel)
        if missing:
            matched = _prefixed(store, req, ns, req.names[0])
            text = "".join(render(store, req.resource, o, bool(show_events), now) + "\n"
                           for o in matched)
            return text, [] if matched else list(missing), requests
    blocks: list[str] = []
    errors: list[Exception] = []
    for req in requests:
        objs, missing = fetch(store, req, ns, sel)
        errors.extend(missing)
        events = show_events if show_events is not None else len(objs) == 1
        blocks.extend(render(store, req.resource, o, events, now) for o in objs)
    return "\n\n".join(blocks), errors, requests


def _prefixed(store, req, ns, prefix):
    res = req.resource
    return [o for o in store.list(res.gk, ns if res.namespaced else "")
            if o["metadata"]["name"].startswith(prefix)]


def render(store: Store, res: Resource, obj: dict, show_events: bool, now: datetime) -> str:
    """Fetch what the describer needs besides the object, then format with a pure function."""
    from kubesvc.printers.describe.describers import describe_object

    meta = obj["metadata"]
    ns = meta.get("namespace", "")
    related: dict[str, Any] = {}
    if res.kind == "Service":
        related["endpoint_slices"] = store.list_by_labels(
            "EndpointSlice.discovery.k8s.io", ns, [("kubernetes.io/service-name", meta["name"])])
    elif res.kind == "Ingress":  # describeBackendV1: each backend's Service and its slices
        related["services"] = store.list("Service", ns)
        related["endpoint_slices"] = store.list("EndpointSlice.discovery.k8s.io", ns)
    elif res.kind == "Deployment":
        related["replica_sets"] = [
            r for r in store.list("ReplicaSet.apps", ns)
            if any(o.get("uid") == meta.get("uid") for o in r["metadata"].get("ownerReferences")
                   or [])]
    elif res.kind == "Node":  # kubectl asks for status.phase!=Succeeded,status.phase!=Failed
        from kubesvc.store.queries import pods_on_node

        related["pods"] = [p for p in pods_on_node(store, meta["name"])
                           if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
        related["lease"] = store.get("Lease.coordination.k8s.io", "kube-node-lease", meta["name"])
    elif res.kind in ("ReplicaSet", "StatefulSet", "DaemonSet"):
        related["pods"] = store.list("Pod", ns)
    elif res.kind == "ServiceAccount":
        related["secrets"] = store.list("Secret", ns)
    elif res.kind == "Namespace":
        related["resource_quotas"] = store.list("ResourceQuota", meta["name"])
        related["limit_ranges"] = store.list("LimitRange", meta["name"])
    if show_events:
        from kubesvc.printers.describe.events import events_for

        candidates = store.list("Event", None if res.kind == "Node" else ns)
        related["events"] = events_for({**obj, "kind": res.kind}, candidates)
    return describe_object(obj, show_events=show_events, now=now, **related)
