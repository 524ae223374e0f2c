"""kubesvc scale, cordon, uncordon, drain: kubectl's what-if verbs for workloads and nodes."""

from __future__ import annotations

import typer

from kubesvc.api.errors import UsageError
from kubesvc.cli import common

SCALE_EXAMPLES = """
Examples:
  # Scale the web Deployment to 5 replicas; the endpoints follow
  kubesvc scale deployment/web --replicas=5
"""
DRAIN_EXAMPLES = """
Examples:
  # Move every pod off a node; the Service keeps its ClusterIP, the endpoints follow the pods
  kubesvc drain kind-worker --ignore-daemonsets
"""


def run_write(state, func):
    """One transaction around an operation, then the controllers, then its output."""
    from kubesvc.api import clock
    from kubesvc.apiserver.context import ApiContext
    from kubesvc.controllers import run_controllers

    store = common.open_store(state)
    with store.write():
        ctx = ApiContext(store, clock.now())
        result = func(ctx)
        run_controllers(ctx)
    return result


def scale(
    args: list[str] = typer.Argument(..., metavar="(TYPE NAME | TYPE/NAME)"),
    replicas: int = typer.Option(..., "--replicas", help="The new desired number of replicas."),
    namespace: str | None = common.NAMESPACE,
    state: str | None = common.STATE,
) -> None:
    """Set a new size for a deployment, replica set, replication controller, or stateful set."""
    from kubesvc.kubectl import operations
    from kubesvc.kubectl.resource_args import parse_targets

    requests = parse_targets(args)
    ns = common.current_namespace(namespace)
    if not any(r.names for r in requests):
        raise UsageError("resource(s) were provided, but no name was specified")
    lines = run_write(state, lambda ctx: [operations.scale(ctx, r.resource, ns, n, replicas)
                                          for r in requests for n in r.names])
    common.out("".join(line + "\n" for line in lines))


def cordon(node: str = typer.Argument(..., metavar="NODE"),
           state: str | None = common.STATE) -> None:
    """Mark node as unschedulable."""
    from kubesvc.kubectl import operations
    common.out(run_write(state, lambda ctx: operations.set_unschedulable(ctx, node, True)) + "\n")


def uncordon(node: str = typer.Argument(..., metavar="NODE"),
             state: str | None = common.STATE) -> None:
    """Mark node as schedulable."""
    from kubesvc.kubectl import operations
    common.out(run_write(state, lambda ctx: operations.set_unschedulable(ctx, node, False))
               + "\n")


def drain(
    node: str = typer.Argument(..., metavar="NODE"),
    ignore_daemonsets: bool = typer.Option(False, "--ignore-daemonsets",
                                           help="Ignore DaemonSet-managed pods."),
    force: bool = typer.Option(False, "--force", help="Continue even if there are pods that "
                               "do not declare a controller."),
    delete_emptydir_data: bool = typer.Option(False, "--delete-emptydir-data",
                                              help="Continue even if there are pods using "
                                                   "emptyDir (local data that will be deleted)."),
    state: str | None = common.STATE,
) -> None:
    """Drain node in preparation for maintenance: cordon it, then evict its pods."""
    from kubesvc.kubectl import operations
    try:
        lines, warnings = run_write(state, lambda ctx: operations.drain(
            ctx, node, ignore_daemonsets, force, delete_emptydir_data))
    except operations.DrainError as exc:
        _cordon_anyway(state, node)  # kubectl cordons before it finds what blocks the drain
        common.out("".join(line + "\n" for line in exc.lines))
        raise
    common.out(lines[0] + "\n")
    for warning in warnings:
        common.warn(warning)
    common.out("".join(line + "\n" for line in lines[1:]))


def _cordon_anyway(state, node: str) -> None:
    from kubesvc.kubectl import operations
    run_write(state, lambda ctx: operations.set_unschedulable(ctx, node, True))
