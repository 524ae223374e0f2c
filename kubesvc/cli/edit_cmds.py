"""kubesvc label, annotate, patch: change one field of live objects, as kubectl does."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from kubesvc.api.errors import UsageError
from kubesvc.cli import common
from kubesvc.cli.node_cmds import run_write

if TYPE_CHECKING:
    from kubesvc.apiserver.context import ApiContext
    from kubesvc.kubectl.environment import Environment

LABEL_EXAMPLES = """
Examples:
  # Label a pod so that a Service's selector stops matching it
  kubesvc label pod web-6d4f8b7c9-x7k2p app=debug --overwrite

  # Remove a label
  kubesvc label svc web tier-
"""
PATCH_EXAMPLES = """
Examples:
  # Mark a pod not ready: it leaves the Service's ready endpoints
  kubesvc patch pod web-6d4f8b7c9-x7k2p --subresource status --type merge \\
    -p '{"status":{"conditions":[{"type":"Ready","status":"False"}]}}'

  # Turn a Service into a NodePort
  kubesvc patch svc web -p '{"spec":{"type":"NodePort"}}'
"""


def _split_args(args: list[str]) -> tuple[list[str], list[str]]:
    """kubectl label TYPE NAME... KEY=VAL... KEY-: the resource words come first."""
    resource: list[str] = []
    pairs: list[str] = []
    for arg in args:
        (pairs if ("=" in arg or (arg.endswith("-") and pairs) or
                   (arg.endswith("-") and len(resource) >= 2)) else resource).append(arg)
    return resource, pairs


def _metadata_verb(env: Environment, field: str, what: str, args, namespace, selector, all_,
                   overwrite, state):
    from kubesvc.api.selectors import parse
    from kubesvc.cli.get import _store_kinds, fetch
    from kubesvc.kubectl import operations
    from kubesvc.kubectl.resource_args import parse_targets

    resource, pairs = _split_args(args)
    if not pairs:
        raise UsageError(f"at least one {what} update is required")
    add, remove = operations.parse_pairs(pairs, what)
    ns = common.current_namespace(namespace)

    def run(api: ApiContext) -> list[str]:
        requests = parse_targets(resource, _store_kinds(api.store))
        lines = []
        for req in requests:
            if not req.names and not selector and not all_:
                raise UsageError("resource(s) were provided, but no name was specified")
            objs, missing = fetch(api.store, req, ns, parse(selector) if selector else None)
            if missing:
                raise missing[0]
            lines += [operations.set_metadata_map(api, req.resource, o, field, add, remove,
                                                  overwrite) for o in objs]
        return lines

    env.out("".join(line + "\n" for line in run_write(env, state, run)))


def label(
    ctx: typer.Context,
    args: list[str] = typer.Argument(..., metavar="(TYPE NAME | TYPE/NAME) KEY=VAL ... KEY-"),
    namespace: str | None = common.NAMESPACE,
    selector: str | None = common.SELECTOR,
    all_: bool = typer.Option(False, "--all", help="Select all resources of the type."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Allow labels to be overwritten."),
    state: str | None = common.STATE,
) -> None:
    """Update the labels on a resource."""
    _metadata_verb(common.environment(ctx), "labels", "label", args, namespace, selector, all_,
                   overwrite, state)


def annotate(
    ctx: typer.Context,
    args: list[str] = typer.Argument(..., metavar="(TYPE NAME | TYPE/NAME) KEY=VAL ... KEY-"),
    namespace: str | None = common.NAMESPACE,
    selector: str | None = common.SELECTOR,
    all_: bool = typer.Option(False, "--all", help="Select all resources of the type."),
    overwrite: bool = typer.Option(False, "--overwrite",
                                   help="Allow annotations to be overwritten."),
    state: str | None = common.STATE,
) -> None:
    """Update the annotations on a resource."""
    _metadata_verb(common.environment(ctx), "annotations", "annotation", args, namespace,
                   selector, all_, overwrite, state)


def patch(
    ctx: typer.Context,
    args: list[str] = typer.Argument(..., metavar="(TYPE NAME | TYPE/NAME)"),
    patch_text: str = typer.Option(..., "--patch", "-p", help="The patch to be applied."),
    patch_type: str = typer.Option("strategic", "--type",
                                   help="The type of patch: json, merge or strategic."),
    subresource: str | None = typer.Option(None, "--subresource",
                                              help="Patch the status subresource."),
    namespace: str | None = common.NAMESPACE,
    state: str | None = common.STATE,
) -> None:
    """Update fields of a resource using strategic merge patch, a JSON merge patch, or a JSON
    patch."""
    from kubesvc.cli.get import _store_kinds
    from kubesvc.kubectl import operations
    from kubesvc.kubectl.resource_args import parse_targets

    ns = common.current_namespace(namespace)

    def run(api: ApiContext) -> list[str]:
        requests = parse_targets(args, _store_kinds(api.store))
        return [operations.patch(api, r.resource, ns, name, patch_text, patch_type, subresource)
                for r in requests for name in r.names]

    env = common.environment(ctx)
    env.out("".join(line + "\n" for line in run_write(env, state, run)))
