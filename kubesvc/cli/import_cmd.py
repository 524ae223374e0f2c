"""kubesvc import -f: restore a live cluster's dump as it was (kubectl/restore.py)."""

from __future__ import annotations

import typer

from kubesvc.api.errors import ClientError, UsageError
from kubesvc.cli import common
from kubesvc.kubectl.environment import Environment

EXAMPLES = """\b
Examples:
  # Restore a live cluster's Services, workloads, pods and nodes, status included
  kubectl get nodes,pods,svc,endpointslices,deploy,rs,sts,ds -A -o yaml > dump.yaml
  kubesvc cluster init --force --service-cidr 10.96.0.0/12
  kubesvc import -f dump.yaml

  # From stdin, without changing anything
  kubectl get svc,pods -A -o yaml | kubesvc import -f - --dry-run
"""


def import_(
    ctx: typer.Context,
    filenames: list[str] = common.FILENAMES,
    recursive: bool = common.RECURSIVE,
    output: str | None = typer.Option(None, "--output", "-o",
                                      help="Output format: yaml|json|name."),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help="Compute the whole import, then change nothing."),
    state: str | None = common.STATE,
) -> None:
    """Restore objects from a cluster dump as they were: status, creation times, pod IPs.

    Unlike apply, which leaves status to the cluster as the API server does, import keeps what
    the dump states, and the controllers leave the restored objects as they are. Namespaces
    the dump's objects live in are created when the dump does not list them.
    """
    if not filenames:
        raise UsageError("must specify one of -f")
    common.check_output(output, ("yaml", "json", "name"))
    raise typer.Exit(run_import(common.environment(ctx), filenames, recursive, output, dry_run,
                                state))


def run_import(env: Environment, filenames: list[str], recursive: bool, output: str | None,
               dry_run: bool, state: str | None) -> int:
    from kubesvc.cli.apply import report_results
    from kubesvc.input.pipe import load_stream
    from kubesvc.kubectl.progress import Progress
    from kubesvc.kubectl.restore import import_documents
    from kubesvc.kubectl.session import Session

    # a big YAML file is parsed by a child while the objects are written (input/pipe.py)
    # (and YAML or JSON, the pods it creates have their stateless steps taken there too)
    docs = load_stream(filenames, recursive, child="kubesvc.kubectl.import_child")
    if not docs:
        raise ClientError("no objects passed to import")
    progress = Progress.on_terminal(env.stderr, len(docs), "importing")
    fresh = not isinstance(docs, list) and not env.resolve_state(state).exists()
    try:
        with Session.open(env, state, dry_run=dry_run) as api:
            report = import_documents(api, docs, objects=output in ("yaml", "json"),
                                      progress=progress)
    except ClientError:
        if fresh and getattr(docs, "failed", False):  # the file did not parse: as before the
            _remove_state(env.resolve_state(state))  # stream, no state is left behind
        raise
    finally:
        if progress is not None:
            progress.close()
    if report.created_namespaces:
        names = ", ".join(report.created_namespaces)
        count = len(report.created_namespaces)
        env.err(f"{'namespace' if count == 1 else f'{count} namespaces'} created for the "
                f"dump's objects (the dump does not list {'it' if count == 1 else 'them'}): "
                f"{names}")
    return report_results(env, report.results, output, "server" if dry_run else "none")


def _remove_state(path) -> None:
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        name.unlink(missing_ok=True)
