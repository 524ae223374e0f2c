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
    show_events: bool | None = typer.Option(None, "--show-events",
                                               help="Show events (kubesvc records none)."),
    state: str | None = common.STATE,
) -> None:
    """Show details of a specific resource or group of resources."""
    from kubesvc.kubectl.session import read_session

    env = common.environment(ctx)
    with read_session(env, state) as store:
        blocks, errors = _describe(env, store, args or [], namespace, all_namespaces, selector,
                                   show_events)
    env.out("\n\n".join(blocks) if len(blocks) > 1 else "".join(blocks))
    for e in errors:
        env.err(str(e))
    ns = None if all_namespaces else common.current_namespace(namespace)
    if not blocks and not errors:
        env.err(f"No resources found in {ns} namespace." if ns else "No resources found")
    raise typer.Exit(ExitCode.ERROR if errors else ExitCode.OK)


def _describe(env: Environment, store: Store, args: list[str], namespace: str | None,
              all_namespaces: bool, selector: str | None,
              show_events: bool | None) -> tuple[list[str], list[Exception]]:
    from kubesvc.api.selectors import parse
    from kubesvc.cli.get import _store_kinds, fetch
    from kubesvc.kubectl.resource_args import parse_targets

    requests = parse_targets(args, _store_kinds(store))
    ns = None if all_namespaces else common.current_namespace(namespace)
    sel = parse(selector) if selector else None
    blocks: list[str] = []
    errors: list[Exception] = []
    for req in requests:
        if len(req.names) == 1 and ns is not None:
            objs, missing = fetch(store, req, ns, sel)
            if missing:  # no exact match: every object whose name starts with it
                objs = _prefixed(store, req, ns, req.names[0])
                errors.extend([] if objs else missing)
            one = len(objs) == 1 and not missing
        else:
            objs, missing = fetch(store, req, ns, sel)
            errors.extend(missing)
            one = False
        events = show_events if show_events is not None else one
        blocks.extend(render(store, req.resource, o, events, env.now()) for o in objs)
    return blocks, errors


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
    elif res.kind == "Deployment":
        related["replica_sets"] = [
            r for r in store.list("ReplicaSet.apps", ns)
            if any(o.get("uid") == meta.get("uid") for o in r["metadata"].get("ownerReferences")
                   or [])]
    elif res.kind == "Node":
        from kubesvc.store.queries import pods_on_node

        related["pods"] = pods_on_node(store, meta["name"])
    elif res.kind == "Namespace":
        related["resource_quotas"] = store.list("ResourceQuota", meta["name"])
        related["limit_ranges"] = store.list("LimitRange", meta["name"])
    return describe_object(obj, show_events=show_events, now=now, **related)
