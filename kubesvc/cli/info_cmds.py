"""kubesvc version and api-resources."""

from __future__ import annotations

import typer

from kubesvc.cli import common


def version(ctx: typer.Context, output: str | None = common.OUTPUT) -> None:
    """Print the kubesvc version and the Kubernetes version whose rules it follows."""
    from kubesvc import __version__

    env = common.environment(ctx)
    common.check_output(output, ("json", "yaml"))
    data = {"kubesvcVersion": __version__, "kubernetesVersion": "v1.37",
            "kubectlCompatibility": "v1.37"}
    if output:
        from kubesvc.printers.structured import to_json, to_yaml

        env.out(to_json(data) + "\n" if output == "json" else to_yaml(data))
        return
    env.out(f"kubesvc Version: v{__version__}\nKubernetes Version: v1.37 (API rules, "
            "schemas and kubectl output)\n")


def api_resources(
    ctx: typer.Context,
    namespaced: str | None = typer.Option(None, "--namespaced", metavar="true|false",
                                          help="If false, non-namespaced resources will be "
                                               "returned, otherwise namespaced ones."),
    output: str | None = common.OUTPUT,
    no_headers: bool = typer.Option(False, "--no-headers", help="Don't print headers."),
) -> None:
    """Print the supported API resources."""
    from kubesvc.api.resources import KNOWN
    from kubesvc.apiserver.crds import builtin_crds, crd_kinds, to_resource
    from kubesvc.printers.table.tabwriter import render_table

    common.check_output(output, ("wide", "name"))
    if namespaced not in (None, "true", "false"):
        from kubesvc.api.errors import UsageError

        raise UsageError(f'invalid argument "{namespaced}" for "--namespaced" flag')
    resources = list(KNOWN)
    for crd in builtin_crds():
        kinds = crd_kinds(crd)
        if kinds:
            resources.append(to_resource(crd, kinds[0]))
    resources = [r for r in resources
                 if namespaced is None or r.namespaced == (namespaced == "true")]
    resources.sort(key=lambda r: (r.group, r.plural))
    if output == "name":
        common.environment(ctx).out("".join(f"{r.qualified_plural}\n" for r in resources))
        return
    rows = [[r.plural, ",".join(r.short), r.api_version, str(r.namespaced).lower(), r.kind]
            for r in resources]
    common.environment(ctx).out(render_table(["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED",
                                           "KIND"], rows, no_headers))


def explain(
    ctx: typer.Context,
    path: str = typer.Argument(..., metavar="TYPE[.FIELD...]"),
    recursive: bool = typer.Option(False, "--recursive",
                                   help="Print the fields of fields (currently only 1 level)."),
    api_version: str | None = typer.Option(None, "--api-version",
                                           help="Use this API version (e.g. apps/v1)."),
) -> None:
    """Describe fields and structure of resources, from the upstream schema (kubectl explain).

    Examples:

      kubesvc explain service.spec.ports
    """
    from kubesvc.kubectl.explain import ExplainError
    from kubesvc.kubectl.explain import explain as explain_fields

    env = common.environment(ctx)
    try:
        env.out(explain_fields(path, recursive=recursive, api_version=api_version))
    except ExplainError as exc:
        env.out(exc.output)
        raise
