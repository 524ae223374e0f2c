"""kubesvc apply -f: create or update objects from manifests, kubectl apply's way."""

from __future__ import annotations

import typer

from kubesvc.api.errors import ClientError, ExitCode, UsageError
from kubesvc.cli import common

EXAMPLES = """\b
Examples:
  # Apply every manifest in a folder (and its sub-folders)
  kubesvc apply -f manifests/ -R

  # Bring a live cluster's state in (status is kept)
  kubectl get svc,pods,nodes -A -o yaml | kubesvc apply -f -

  # What would change, without changing anything
  kubesvc apply -f web.yaml --dry-run=server
"""


def apply(
    filenames: list[str] = common.FILENAMES,
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
    if not filenames:
        raise UsageError("must specify one of -f and -k")
    mode = _validate_mode(validate)
    if dry_run not in ("none", "client", "server"):
        raise UsageError(f'Invalid dry-run value ({dry_run}). Must be "none", "server", or '
                         '"client".')
    common.check_output(output, ("yaml", "json", "name"))
    code = run_apply(filenames, recursive, namespace, output, dry_run, mode,
                     kubernetes_version, state)
    raise typer.Exit(code)


def _validate_mode(value: str) -> str:
    mode = {"true": "strict", "false": "ignore"}.get(value.lower(), value.lower())
    if mode not in ("strict", "warn", "ignore"):
        raise UsageError(f'invalid - validate option "{value}"; must be one of: strict (or '
                         "true), warn, ignore (or false)")
    return mode


def run_apply(filenames, recursive, namespace, output, dry_run, mode, version, state) -> int:
    import gc

    from kubesvc.api import clock
    from kubesvc.apiserver.context import ApiContext
    from kubesvc.apiserver.schema import schemas
    from kubesvc.controllers import run_controllers
    from kubesvc.input.load import load_paths
    from kubesvc.kubectl.apply import ApplyOptions, apply_documents

    gc.disable()  # bulk decoding builds millions of containers: the cyclic GC only slows it
    docs = load_paths(filenames, recursive)
    if not docs:
        raise ClientError("no objects passed to apply")
    store = common.open_store(state)
    schema_set = schemas(version or store.settings.get("kubernetesVersion", "1.37"))
    opts = ApplyOptions(namespace, mode, dry_run)
    with store.write(commit=dry_run == "none"):
        ctx = ApiContext(store, clock.now(), dry_run=dry_run != "none")
        results = apply_documents(ctx, docs, schema_set, opts)
        if dry_run != "client":
            run_controllers(ctx)
    return _report(results, output, dry_run)


def _report(results, output: str | None, dry_run: str) -> int:
    from kubesvc.printers.structured import as_list, to_json, to_yaml

    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run, "")
    failed, objects = False, []
    for r in results:
        for message in r.warnings:
            common.warn(message)
        if r.error is not None:
            failed = True
            common.err(str(r.error))
            continue
        if output in ("yaml", "json"):
            objects.append(r.obj)
        elif output == "name":
            common.out(f"{r.resource.name_prefix}/{r.name}\n")
        else:
            common.out(f"{r.resource.name_prefix}/{r.name} {r.action}{suffix}\n")
    if objects:
        doc = objects[0] if len(objects) == 1 else as_list(objects)
        common.out(to_yaml(doc) if output == "yaml" else to_json(doc) + "\n")
    return ExitCode.ERROR if failed else ExitCode.OK
