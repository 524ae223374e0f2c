"""kubesvc cluster init|info: the settings a store is created with, and what it holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from kubesvc.api.errors import ClientError
from kubesvc.cli import common

if TYPE_CHECKING:
    from kubesvc.kubectl.environment import Environment
    from kubesvc.store.db import Store

cluster_app = typer.Typer(help="Create the local cluster state and show its settings.",
                          no_args_is_help=True, add_completion=False)


@cluster_app.command("init")
def init(
    ctx: typer.Context,
    service_cidr: str | None = typer.Option(None, "--service-cidr",
                                               help="Service IP range (default 10.96.0.0/12)."),
    node_port_range: str | None = typer.Option(
        None, "--service-node-port-range", help="Node port range (default 30000-32767)."),
    cluster_domain: str | None = typer.Option(None, "--cluster-domain",
                                                 help="DNS domain (default cluster.local)."),
    kubernetes_version: str | None = typer.Option(
        None, "--kubernetes-version", help="Schemas to validate with (default 1.37)."),
    nodes: int | None = typer.Option(None, "--nodes", help="Add N Ready nodes laid out as kind "
                                     "does: a control plane (tainted when there are workers) "
                                     "and N-1 workers."),
    config: str | None = typer.Option(None, "--config", metavar="FILE",
                                      help="A kind cluster configuration (kind: Cluster, "
                                           "kind.x-k8s.io/v1alpha4): nodes, podSubnet, "
                                           "serviceSubnet."),
    network_policy: str | None = typer.Option(
        None, "--network-policy", metavar="on|off",
        help="Whether the network plugin enforces NetworkPolicies (default on, as kind's "
             "kindnet does)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing state file."),
    state: str | None = common.STATE,
) -> None:
    """Create a new cluster state with the given settings."""
    from kubesvc.bootstrap.seed import NETWORK_POLICY_SETTING, NETWORK_POLICY_VALUES, make_settings
    from kubesvc.kubectl.session import Session, open_state

    env = common.environment(ctx)
    if nodes is not None and config:
        raise ClientError("--nodes and --config cannot be used together")
    if network_policy is not None and network_policy not in NETWORK_POLICY_VALUES:
        raise ClientError(f'invalid --network-policy "{network_policy}": expected on or off')
    path = env.resolve_state(state)
    node_objs, extra = _nodes(env, nodes, config)
    settings = make_settings(service_cidr or extra.get("serviceCIDR"), node_port_range,
                             cluster_domain, kubernetes_version,
                             podCIDR=extra.get("podCIDR"), clusterName=extra.get("clusterName"),
                             **{NETWORK_POLICY_SETTING: network_policy or "on"})
    if path.exists() or path.is_symlink():
        if not force:
            raise ClientError(f"a cluster state already exists at {path}; pass --force to "
                              "replace it, or --state for another file")
        from kubesvc.store.db import Store

        Store.open(path).close()  # only ever replace a kubesvc store
        for leftover in (path, path.with_name(path.name + "-wal"),
                         path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
    store = open_state(env, state, settings=settings, dns_addon=True)
    if node_objs:
        from kubesvc.api.resources import for_gk
        from kubesvc.apiserver import registry

        with Session(env, store) as api:
            for node in node_objs:
                registry.create(api, for_gk("Node"), node, keep_status=True)
    env.out(f"cluster state created at {path}\n")
    env.out(info_text(store))


def _nodes(env: Environment, count: int | None,
           config: str | None) -> tuple[list[dict], dict]:
    from kubesvc.bootstrap import kind as cluster_config
    if count is not None:
        return cluster_config.default_nodes(count, env.now()), {}
    if not config:
        return [], {}
    from kubesvc.input.load import load_paths

    docs = load_paths([config])
    if len(docs) != 1:
        raise ClientError(f"{config}: expected one kind cluster configuration document")
    nodes, settings = cluster_config.nodes_from_kind_config(docs[0].obj, env.now())
    return nodes, settings


@cluster_app.command("info")
def info(ctx: typer.Context, state: str | None = common.STATE,
         output: str | None = common.OUTPUT) -> None:
    """Show the cluster settings and what the state holds."""
    from kubesvc.kubectl.session import read_session

    env = common.environment(ctx)
    common.check_output(output, ("json", "yaml"))
    with read_session(env, state) as store:
        if output:
            from kubesvc.printers.structured import to_json, to_yaml

            data = {**store.settings, "state": str(store.path)}
            env.out(to_json(data) + "\n" if output == "json" else to_yaml(data))
            return
        env.out(info_text(store))


def info_text(store: Store) -> str:
    from kubesvc.store.queries import counts_by_kind

    s = store.settings
    svc = store.get("Service", "default", "kubernetes")
    api = f"{svc['spec']['clusterIP']}:443" if svc else "<none>"
    nodes = store.names("Node")
    counts = counts_by_kind(store)
    rows = [("Kubernetes version", s["kubernetesVersion"]), ("Service CIDR", s["serviceCIDR"]),
            ("Service node port range", s["nodePortRange"]),
            ("Cluster domain", s["clusterDomain"]),
            ("Pod subnet", s.get("podCIDR") or "10.244.0.0/16"),
            ("Network policy enforcement", s.get("networkPolicyEnforcement") or "on"),
            ("kubernetes Service", api),
            ("Nodes", ", ".join(nodes) if nodes else "none"),
            ("State", str(store.path)),
            ("Objects", ", ".join(f"{gk} {n}" for gk, n in counts) or "none")]
    width = max(len(k) for k, _ in rows) + 2
    return "".join(f"{(k + ':').ljust(width)}{v}\n" for k, v in rows)
