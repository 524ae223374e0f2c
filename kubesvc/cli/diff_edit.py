"""kubesvc diff (live object vs what apply would make of it) and edit (through $EDITOR)."""

from __future__ import annotations

import typer

from kubesvc.api.errors import ClientError, ExitCode, UsageError
from kubesvc.cli import common

_VOLATILE = ("resourceVersion", "generation", "managedFields")


def _yaml(obj: dict | None) -> list[str]:
    from kubesvc.printers.structured import to_yaml

    if obj is None:
        return []
    shown = {**obj, "metadata": {k: v for k, v in obj["metadata"].items()
                                 if k not in _VOLATILE}}
    return to_yaml(shown).splitlines(keepends=True)


def diff(
    ctx: typer.Context,
    filenames: list[str] = common.FILENAMES,
    recursive: bool = common.RECURSIVE,
    namespace: str | None = common.NAMESPACE,
    state: str | None = common.STATE,
) -> None:
    """Diff the live objects against what `apply -f` would make of them (kubectl diff).

    Exit status: 0 no differences, 1 differences found, >1 kubesvc failed."""
    import difflib

    from kubesvc.apiserver.schema import schemas
    from kubesvc.input.load import load_paths
    from kubesvc.kubectl.apply import ApplyOptions, apply_documents
    from kubesvc.kubectl.session import Session

    if not filenames:
        raise UsageError("must specify one of -f and -k")
    env = common.environment(ctx)
    docs = load_paths(filenames, recursive)
    # a server-side dry run (rolled back); a read: a missing state is an error, not a cluster
    session = Session.open(env, state, dry_run=True, create=False)
    store = session.store
    with session as api:
        before = {id(doc): _live(store, doc, namespace) for doc in docs}
        results = apply_documents(api, docs, schemas(store.settings["kubernetesVersion"]),
                                  ApplyOptions(namespace, "strict", "server"))
        session.settle()  # what the controllers make of it, read before the rollback
        merged = {id(r.doc): _reread(store, r) for r in results}
    changed = False
    for r in results:
        if r.error is not None:
            env.err(str(r.error))
            raise typer.Exit(ExitCode.DIFF_FAILED)
        key = _diff_name(r)
        lines = list(difflib.unified_diff(_yaml(before[id(r.doc)]), _yaml(merged[id(r.doc)]),
                                          f"LIVE/{key}", f"MERGED/{key}"))
        if lines:
            changed = True
            env.out(f"diff -u -N LIVE/{key} MERGED/{key}\n" + "".join(lines))
    raise typer.Exit(ExitCode.ERROR if changed else ExitCode.OK)


def _live(store, doc, namespace):
    from kubesvc.api.resources import for_kind

    obj = doc.obj
    try:
        res = for_kind(str(obj.get("kind")), str(obj.get("apiVersion")))
    except ClientError:
        return None
    meta = obj.get("metadata") or {}
    ns = (meta.get("namespace") or common.current_namespace(namespace)) if res.namespaced else ""
    return store.get(res.gk, ns, meta.get("name", ""))


def _reread(store, result):
    if result.resource is None or result.obj is None:
        return None
    meta = result.obj["metadata"]
    return store.get(result.resource.gk, meta.get("namespace", ""), meta["name"])


def _diff_name(result) -> str:
    """kubectl diff's file names: <group>.<version>.<Kind>.<namespace>.<name>."""
    res, meta = result.resource, result.obj["metadata"]
    group = f"{res.group}." if res.group else ""
    ns = f"{meta['namespace']}." if meta.get("namespace") else ""
    return f"{group}{res.version}.{res.kind}.{ns}{meta['name']}"


def edit(
    ctx: typer.Context,
    args: list[str] = typer.Argument(..., metavar="(TYPE NAME | TYPE/NAME)"),
    namespace: str | None = common.NAMESPACE,
    state: str | None = common.STATE,
) -> None:
    """Edit a resource with the editor in $KUBE_EDITOR or $EDITOR (default vi); the result goes
    through the same validation as apply."""
    import os
    import subprocess
    import tempfile

    from kubesvc.cli.get import _store_kinds, fetch
    from kubesvc.cli.node_cmds import run_write
    from kubesvc.input.load import load_text
    from kubesvc.kubectl.resource_args import parse_targets
    from kubesvc.kubectl.session import read_session
    from kubesvc.printers.structured import to_yaml

    env = common.environment(ctx)
    with read_session(env, state) as store:
        requests = parse_targets(args, _store_kinds(store))
        if len(requests) != 1:
            raise UsageError("edit takes exactly one object")
        req = requests[0]
        objs, missing = fetch(store, req, common.current_namespace(namespace), None)
    if missing or len(objs) != 1:
        raise missing[0] if missing else UsageError("edit takes exactly one object")
    original = objs[0]
    editor = os.environ.get("KUBE_EDITOR") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w+", suffix=".yaml", delete=False) as fh:
        fh.write(to_yaml(original))
        path = fh.name
    try:
        if subprocess.call(f'{editor} "{path}"', shell=True) != 0:
            raise ClientError(f"the editor {editor} exited with an error; nothing was changed")
        with open(path, encoding="utf-8") as fh:
            docs = load_text(fh.read(), path)
    finally:
        os.unlink(path)
    if len(docs) != 1:
        raise ClientError("the edited file must hold exactly one object")
    edited = docs[0].obj
    if edited == original:
        env.err("Edit cancelled, no changes made.")
        return
    env.out(run_write(env, state, lambda api: _replace(api, req.resource, edited, original))
            + "\n")


def _replace(ctx, res, edited: dict, original: dict) -> str:
    from kubesvc.apiserver import registry

    registry.update(ctx, res, edited, original, keep_status=False)
    return f"{res.name_prefix}/{original['metadata']['name']} edited"
