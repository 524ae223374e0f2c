"""kubesvc apply -f: create or update objects from manifests, kubectl apply's way."""

from __future__ import annotations

import typer

from kubesvc.api.errors import ClientError, ExitCode, UsageError
from kubesvc.cli import common
from kubesvc.kubectl.environment import Environment

EXAMPLES = """\b
Examples:
  # Apply every manifest in a folder (and its sub-folders)
  kubesvc apply -f manifests/ -R

  # Apply from stdin (status is the cluster's; to restore a dump, see kubesvc import)
  cat web.yaml | kubesvc apply -f -

  # What would change, without changing anything
  kubesvc apply -f web.yaml --dry-run=server

  # A kustomization (kubectl's own kustomize: the kustomize extra)
  kubesvc apply -k overlays/dev
"""


def apply(
    ctx: typer.Context,
    filenames: list[str] = common.FILENAMES,
    kustomize: str | None = typer.Option(None, "--kustomize", "-k", metavar="DIR",
                                         help="Process a kustomization directory (kubectl's "
                                              "kustomize, from the kustomize extra)."),
    recursive: bool = common.RECURSIVE,
    namespace: str | None = common.NAMESPACE,
    output: str | None = common.OUTPUT,
    dry_run: str = typer.Option("none", "--dry-run",
                                help='Must be "none", "server", or "client".'),
    validate: str = typer.Option("strict", "--validate",
                                 help='Must be one of: strict (or true), warn, ignore (or false).'),
    kubernetes_version: str | None = typer.Option(
        None, "--kubernetes-version", help="Validate against this version's schemas "
        "(default: the store's, 1.37)."),
    state: str | None = common.STATE,
) -> None:
    """Apply a configuration to a resource by file name or stdin."""
    if bool(filenames) == bool(kustomize):
        raise UsageError("must specify one of -f and -k")
    mode = _validate_mode(validate)
    if dry_run not in ("none", "client", "server"):
        raise UsageError(f'Invalid dry-run value ({dry_run}). Must be "none", "server", or '
                         '"client".')
    common.check_output(output, ("yaml", "json", "name"))
    code = run_apply(common.environment(ctx), filenames or [], recursive, namespace, output,
                     dry_run, mode, kubernetes_version, state, kustomize)
    raise typer.Exit(code)


def _validate_mode(value: str) -> str:
    mode = {"true": "strict", "false": "ignore"}.get(value.lower(), value.lower())
    if mode not in ("strict", "warn", "ignore"):
        raise UsageError(f'invalid - validate option "{value}"; must be one of: strict (or '
                         "true), warn, ignore (or false)")
    return mode


def run_apply(env: Environment, filenames: list[str], recursive: bool, namespace: str | None,
              output: str | None, dry_run: str, mode: str, version: str | None,
              state: str | None, kustomize: str | None = None) -> int:
    from kubesvc.apiserver.schema import schemas
    from kubesvc.input.load import load_paths
    from kubesvc.kubectl.apply import ApplyOptions, apply_documents
    from kubesvc.kubectl.progress import Progress
    from kubesvc.kubectl.session import Session

    docs = kustomized(kustomize) if kustomize else load_paths(filenames, recursive)
    if not docs:
        raise ClientError("no objects passed to apply")
    session = Session.open(env, state, dry_run=dry_run != "none",
                           controllers=dry_run != "client")  # kubectl's client dry run
    schema_set = schemas(version or session.store.settings.get("kubernetesVersion", "1.37"))
    progress = Progress.on_terminal(env.stderr, len(docs), "applying")
    try:
        with session as api:
            results = apply_documents(api, docs, schema_set,
                                      ApplyOptions(namespace, mode, dry_run), progress)
    finally:
        if progress is not None:
            progress.close()
    return report_results(env, results, output, dry_run)


def kustomized(directory: str) -> list:
    from kubesvc.input.load import load_text
    from kubesvc.kubectl.kustomize import build

    return load_text(build(directory), directory)


def kustomize_cmd(ctx: typer.Context,
                  directory: str = typer.Argument(".", metavar="DIR")) -> None:
    """Build a kustomization target from a directory (kubectl's own kustomize)."""
    from kubesvc.kubectl.kustomize import build

    common.environment(ctx).out(build(directory))


def report_results(env: Environment, results: list, output: str | None, dry_run: str) -> int:
    from kubesvc.printers.structured import as_list, to_json, to_yaml

    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run, "")
    failed, objects = False, []
    for r in results:
        for message in r.warnings:
            env.warn(message)
        if r.error is not None:
            failed = True
            env.err(str(r.error))
            continue
        if output in ("yaml", "json"):
            objects.append(r.obj)
        elif output == "name":
            env.out(f"{r.resource.name_prefix}/{r.name}\n")
        else:
            env.out(f"{r.resource.name_prefix}/{r.name} {r.action}{suffix}\n")
    if objects:
        doc = objects[0] if len(objects) == 1 else as_list(objects)
        env.out(to_yaml(doc) if output == "yaml" else to_json(doc) + "\n")
    return ExitCode.ERROR if failed else ExitCode.OK
