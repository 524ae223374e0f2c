"""kubesvc create service|deployment and expose: kubectl's imperative generators, then the same
API-server path as apply (validation, defaults, allocation, controllers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from kubesvc.api.errors import UsageError
from kubesvc.cli import common

if TYPE_CHECKING:
    from kubesvc.api.resources import Resource
    from kubesvc.kubectl.environment import Environment

create_app = typer.Typer(help="Create a resource from the command line.", no_args_is_help=True,
                         add_completion=False)
service_app = typer.Typer(help="Create a service using a specified subcommand.",
                          no_args_is_help=True, add_completion=False)
create_app.add_typer(service_app, name="service")
create_app.add_typer(service_app, name="svc", hidden=True)

DRY_RUN = typer.Option("none", "--dry-run", help='Must be "none", "server", or "client".')
TCP = typer.Option(None, "--tcp", help="Port pairs can be specified as '<port>:<targetPort>'.")


def create_object(env: Environment, obj: dict, namespace: str | None, dry_run: str,
                  output: str | None, state: str | None, verb: str = "created") -> None:
    """Create one object (never update it: AlreadyExists, as kubectl create says)."""
    from kubesvc.api.resources import for_kind
    from kubesvc.apiserver import registry
    from kubesvc.kubectl.session import Session

    common.check_output(output, ("yaml", "json", "name"))
    if dry_run not in ("none", "client", "server"):
        raise UsageError(f'Invalid dry-run value ({dry_run}). Must be "none", "server", or '
                         '"client".')
    res = for_kind(obj["kind"], obj["apiVersion"])
    if res.namespaced and (namespace or dry_run != "client"):  # kubectl's client dry run
        obj["metadata"]["namespace"] = common.current_namespace(namespace)  # omits it
    if dry_run != "client":
        with Session.open(env, state, dry_run=dry_run != "none") as api:
            obj.pop("status", None)
            obj = registry.create(api, res, obj, keep_status=False)
        for warning in api.warnings:
            env.warn(warning)
    _print(env, res, obj, output, verb, dry_run)


def _print(env: Environment, res: Resource, obj: dict, output: str | None, verb: str,
           dry_run: str) -> None:
    from kubesvc.printers.structured import to_json, to_yaml

    if output == "yaml":
        env.out(to_yaml(obj))
    elif output == "json":
        env.out(to_json(obj) + "\n")
    else:
        suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run, "")
        name = f"{res.name_prefix}/{obj['metadata']['name']}"
        env.out(name + "\n" if output == "name" else f"{name} {verb}{suffix}\n")


def _service_command(kind: str):
    def command(
        ctx: typer.Context,
        name: str = typer.Argument(..., metavar="NAME"),
        tcp: list[str] = TCP,
        node_port: int = typer.Option(0, "--node-port", help="Port used to expose the service "
                                      "on each node in a cluster (nodeport only)."),
        external_name: str = typer.Option(None, "--external-name",
                                          help="External name of service (externalname only)."),
        cluster_ip: str = typer.Option(None, "--clusterip",
                                       help="Assign your own ClusterIP or set to 'None' for a "
                                            "'headless' service (clusterip only)."),
        namespace: str | None = common.NAMESPACE,
        dry_run: str = DRY_RUN,
        output: str | None = common.OUTPUT,
        state: str | None = common.STATE,
    ) -> None:
        from kubesvc.kubectl import generators
        obj = generators.service(kind, name, tcp or [], node_port or None, external_name,
                                 cluster_ip)
        create_object(common.environment(ctx), obj, namespace, dry_run, output, state)

    command.__doc__ = f"Create a {kind.replace('ip', 'IP')} service."
    return command


for _kind in ("clusterip", "nodeport", "loadbalancer", "externalname"):
    service_app.command(_kind)(_service_command(_kind))


@create_app.command("deployment")
def create_deployment(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME"),
    image: list[str] = typer.Option(None, "--image", help="Image names to run."),
    replicas: int = typer.Option(1, "--replicas", "-r", help="Number of replicas to create."),
    port: int | None = typer.Option(None, "--port", help="The containerPort to expose."),
    namespace: str | None = common.NAMESPACE,
    dry_run: str = DRY_RUN,
    output: str | None = common.OUTPUT,
    state: str | None = common.STATE,
) -> None:
    """Create a deployment with the specified name."""
    from kubesvc.kubectl import generators
    create_object(common.environment(ctx), generators.deployment(name, image or [], replicas,
                                                                 port),
                  namespace, dry_run, output, state)


@create_app.command("ingress")
def create_ingress(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME"),
    rule: list[str] = typer.Option(None, "--rule", help="Rule in format "
                                   "host/path=service:port[,tls=secretname]. Paths containing the "
                                   "leading character '*' are considered pathType=Prefix. tls "
                                   "argument is optional."),
    class_name: str | None = typer.Option(None, "--class", help="Ingress Class to be used"),
    default_backend: str | None = typer.Option(None, "--default-backend", help="Default service "
                                               "for backend, in format of svcname:port"),
    annotation: list[str] = typer.Option(None, "--annotation", help="Annotation to insert in "
                                         "the ingress object, in the format annotation=value"),
    namespace: str | None = common.NAMESPACE,
    dry_run: str = DRY_RUN,
    output: str | None = common.OUTPUT,
    state: str | None = common.STATE,
) -> None:
    """Create an ingress with the specified name."""
    from kubesvc.api.errors import StatusError
    from kubesvc.kubectl.generators_ingress import failed_to_create, ingress
    obj = ingress(name, rule or [], default_backend, class_name, annotation or [])
    try:
        create_object(common.environment(ctx), obj, namespace, dry_run, output, state)
    except StatusError as err:  # kubectl wraps the API error: fmt.Errorf("failed to create...")
        raise failed_to_create(err) from None


create_app.command("ing", hidden=True)(create_ingress)


def expose(
    ctx: typer.Context,
    args: list[str] = typer.Argument(..., metavar="(TYPE NAME | TYPE/NAME)"),
    port: int | None = typer.Option(None, "--port", help="The port that the service should "
                                    "serve on. Copied from the resource being exposed, if "
                                    "unspecified."),
    target_port: str | None = typer.Option(None, "--target-port", help="Name or number for "
                                           "the port on the container that the service should "
                                           "direct traffic to."),
    svc_type: str | None = typer.Option(None, "--type", help="Type for this service: "
                                        "ClusterIP, NodePort, LoadBalancer, or ExternalName."),
    name: str | None = typer.Option(None, "--name", help="The name for the newly created "
                                    "object."),
    protocol: str | None = typer.Option(None, "--protocol", help="The network protocol for the "
                                        "service to be created."),
    selector: str | None = typer.Option(None, "--selector", help="A label selector to use for "
                                        "this service. Only equality-based selectors."),
    external_ip: str | None = typer.Option(None, "--external-ip", help="Additional external IP "
                                           "address to accept for the service."),
    namespace: str | None = common.NAMESPACE,
    dry_run: str = DRY_RUN,
    output: str | None = common.OUTPUT,
    state: str | None = common.STATE,
) -> None:
    """Expose a resource as a new Kubernetes service."""
    from kubesvc.cli.get import _store_kinds, fetch
    from kubesvc.kubectl import generators
    from kubesvc.kubectl.resource_args import parse_targets
    from kubesvc.kubectl.session import read_session

    env = common.environment(ctx)
    with read_session(env, state) as store:
        requests = parse_targets(args, _store_kinds(store))
        if len(requests) != 1 or len(requests[0].names) != 1:
            raise UsageError("You must provide one resource by type and name")
        objs, missing = fetch(store, requests[0], common.current_namespace(namespace), None)
    if missing:
        raise missing[0]
    sel = dict(p.split("=", 1) for p in selector.split(",")) if selector else None
    obj = generators.expose(objs[0], name, port, target_port, svc_type, protocol, sel,
                            external_ip)
    create_object(env, obj, namespace, dry_run, output, state, verb="exposed")
