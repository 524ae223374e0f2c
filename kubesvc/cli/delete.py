"""kubesvc delete: by type and name, by file, by selector or --all; namespaces cascade."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from kubesvc.api.errors import ExitCode, KubesvcError, UsageError
from kubesvc.cli import common

if TYPE_CHECKING:
    from kubesvc.api.resources import Resource
    from kubesvc.apiserver.context import ApiContext
    from kubesvc.kubectl.environment import Environment

EXAMPLES = """\b
Examples:
  # Delete a Service, then every Service labelled app=web
  kubesvc delete service web
  kubesvc delete svc -l app=web

  # Delete what a manifest created
  kubesvc delete -f manifests/web.yaml
"""


def delete(
    ctx: typer.Context,
    args: list[str] = typer.Argument(None, metavar="TYPE NAME... | TYPE/NAME..."),
    filenames: list[str] = common.FILENAMES,
    recursive: bool = common.RECURSIVE,
    namespace: str | None = common.NAMESPACE,
    all_namespaces: bool = common.ALL_NAMESPACES,
    selector: str | None = common.SELECTOR,
    all_: bool = typer.Option(False, "--all", help="Delete all resources of the given types."),
    ignore_not_found: bool = typer.Option(False, "--ignore-not-found",
                                          help="Treat \"resource not found\" as a success."),
    output: str | None = common.OUTPUT,
    state: str | None = common.STATE,
) -> None:
    """Delete resources by file names, stdin, resources and names, or by resources and label
    selector."""
    common.check_output(output, ("name",))
    if not args and not filenames:
        raise UsageError("You must provide one or more resources by argument or filename.")
    if args and filenames:
        raise UsageError("Resources and filenames cannot be given together; use one or the "
                         "other")
    from kubesvc.kubectl.session import Session

    env = common.environment(ctx)
    with Session.open(env, state) as api:
        if filenames:
            targets = _from_files(filenames, recursive, namespace)
        else:
            targets = _from_args(api.store, args, namespace, all_namespaces, selector, all_)
        failed = False
        for res, ns, name, source in targets:
            failed |= _delete_one(env, api, res, ns, name, source, ignore_not_found, output)
        if not targets and not failed:
            env.err("No resources found")
    raise typer.Exit(ExitCode.ERROR if failed else ExitCode.OK)


def _delete_one(env: Environment, ctx: ApiContext, res: Resource, ns: str, name: str,
                source: str | None, ignore_not_found: bool, output: str | None) -> bool:
    from kubesvc.api.errors import NotFoundError, StatusError
    from kubesvc.apiserver import registry

    try:
        with ctx.savepoint():
            registry.delete(ctx, res, ns, name)
    except NotFoundError as exc:
        if ignore_not_found:
            return False
        if source:
            env.err(str(StatusError("NotFound", f'error when deleting "{source}": {exc.message}',
                                    404)))
        else:
            env.err(str(exc))
        return True
    except KubesvcError as exc:
        env.err(str(exc))
        return True
    if output == "name":
        env.out(f"{res.name_prefix}/{name}\n")
    elif res.namespaced:
        env.out(f'{res.name_prefix} "{name}" deleted from {ns} namespace\n')
    else:
        env.out(f'{res.name_prefix} "{name}" deleted\n')
    return False


def _from_args(store, args, namespace, all_namespaces, selector, all_) -> list[tuple]:
    from kubesvc.api.selectors import parse
    from kubesvc.cli.get import _store_kinds, fetch
    from kubesvc.kubectl.resource_args import parse_targets

    requests = parse_targets(args, _store_kinds(store))
    has_names = any(r.names for r in requests)
    if not has_names and not selector and not all_:
        raise UsageError("resource(s) were provided, but no name was specified")
    ns = None if all_namespaces and not has_names else common.current_namespace(namespace)
    out: list[tuple] = []
    for req in requests:
        if req.names:
            out.extend((req.resource, ns, n, None) for n in req.names)
            continue
        objs, _ = fetch(store, req, ns, parse(selector) if selector else None)
        out.extend((req.resource, o["metadata"].get("namespace", ""), o["metadata"]["name"],
                    None) for o in objs)
    return out


def _from_files(filenames, recursive, namespace) -> list[tuple]:
    from kubesvc.api.resources import for_kind
    from kubesvc.input.load import load_paths

    out = []
    for doc in load_paths(filenames, recursive):
        obj = doc.obj
        res = for_kind(str(obj.get("kind")), str(obj.get("apiVersion")))
        meta = obj.get("metadata") or {}
        ns = meta.get("namespace") or common.current_namespace(namespace)
        out.append((res, ns if res.namespaced else "", meta.get("name", ""), doc.source))
    return out
