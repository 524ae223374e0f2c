"""kubesvc scale, cordon, uncordon, drain: kubectl's what-if verbs for workloads and nodes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from kubesvc.api.errors import UsageError
from kubesvc.cli import common

if TYPE_CHECKING:
    from kubesvc.apiserver.context import ApiContext
    from kubesvc.kubectl.environment import Environment

T = TypeVar("T")

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


def run_write(env: Environment, state: str | None, func: Callable[[ApiContext], T]) -> T:
    """One verb's operation in a write session (controllers, then commit); its result."""
    from kubesvc.kubectl.session import Session

    with Session.open(env, state) as api:
        return func(api)


def scale(
    ctx: typer.Context,
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
    env = common.environment(ctx)
    lines = run_write(env, state, lambda api: [operations.scale(api, r.resource, ns, n, replicas)
                                               for r in requests for n in r.names])
    env.out("".join(line + "\n" for line in lines))


def cordon(ctx: typer.Context, node: str = typer.Argument(..., metavar="NODE"),
           state: str | None = common.STATE) -> None:
    """Mark node as unschedulable."""
    from kubesvc.kubectl import operations
    env = common.environment(ctx)
    env.out(run_write(env, state, lambda api: operations.set_unschedulable(api, node, True))
            + "\n")


def uncordon(ctx: typer.Context, node: str = typer.Argument(..., metavar="NODE"),
             state: str | None = common.STATE) -> None:
    """Mark node as schedulable."""
    from kubesvc.kubectl import operations
    env = common.environment(ctx)
    env.out(run_write(env, state, lambda api: operations.set_unschedulable(api, node, False))
            + "\n")


def drain(
    ctx: typer.Context,
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
    env = common.environment(ctx)
    try:
        lines, warnings = run_write(env, state, lambda api: operations.drain(
            api, node, ignore_daemonsets, force, delete_emptydir_data))
    except operations.DrainError as exc:
        _cordon_anyway(env, state, node)  # kubectl cordons before it finds what blocks the drain
        env.out("".join(line + "\n" for line in exc.lines))
        raise
    env.out(lines[0] + "\n")
    for warning in warnings:
        env.warn(warning)
    env.out("".join(line + "\n" for line in lines[1:]))


def _cordon_anyway(env: Environment, state: str | None, node: str) -> None:
    from kubesvc.kubectl import operations
    run_write(env, state, lambda api: operations.set_unschedulable(api, node, True))
