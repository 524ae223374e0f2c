"""kubesvc cluster init|info: the settings a store is created with, and what it holds."""

from __future__ import annotations

import typer

from kubesvc.cli import common
from kubesvc.errors import ClientError

cluster_app = typer.Typer(help="Create the local cluster state and show its settings.",
                          no_args_is_help=True, add_completion=False)


@cluster_app.command("init")
def init(
    service_cidr: str | None = typer.Option(None, "--service-cidr",
                                               help="Service IP range (default 10.96.0.0/12)."),
    node_port_range: str | None = typer.Option(
        None, "--service-node-port-range", help="Node port range (default 30000-32767)."),
    cluster_domain: str | None = typer.Option(None, "--cluster-domain",
                                                 help="DNS domain (default cluster.local)."),
    kubernetes_version: str | None = typer.Option(
        None, "--kubernetes-version", help="Schemas to validate with (default 1.37)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing state file."),
    state: str | None = common.STATE,
) -> None:
    """Create a new cluster state with the given settings.

    Examples:
      kubesvc cluster init --service-cidr 10.43.0.0/16 --service-node-port-range 30000-32767
    """
    from kubesvc.cluster import make_settings, open_store

    path = common.state_path(state)
    settings = make_settings(service_cidr, node_port_range, cluster_domain, kubernetes_version)
    if path.exists() or path.is_symlink():
        if not force:
            raise ClientError(f"a cluster state already exists at {path}; pass --force to "
                              "replace it, or --state for another file")
        from kubesvc.store import Store

        Store.open(path).close()  # only ever replace a kubesvc store
        for leftover in (path, path.with_name(path.name + "-wal"),
                         path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
    store = open_store(path, settings=settings)
    common.out(f"cluster state created at {path}\n")
    common.out(info_text(store))


@cluster_app.command("info")
def info(state: str | None = common.STATE,
         output: str | None = common.OUTPUT) -> None:
    """Show the cluster settings and what the state holds."""
    common.check_output(output, ("json", "yaml"))
    store = common.open_store(state)
    if output:
        from kubesvc.printers.structured import to_json, to_yaml

        data = {**store.settings, "state": str(store.path)}
        common.out(to_json(data) + "\n" if output == "json" else to_yaml(data))
        return
    common.out(info_text(store))


def info_text(store) -> str:
    s = store.settings
    svc = store.get("Service", "default", "kubernetes")
    api = f"{svc['spec']['clusterIP']}:443" if svc else "<none>"
    counts = store.conn.execute(
        "SELECT gk, COUNT(*) FROM objects GROUP BY gk ORDER BY gk").fetchall()
    rows = [("Kubernetes version", s["kubernetesVersion"]), ("Service CIDR", s["serviceCIDR"]),
            ("Service node port range", s["nodePortRange"]),
            ("Cluster domain", s["clusterDomain"]), ("kubernetes Service", api),
            ("State", str(store.path)),
            ("Objects", ", ".join(f"{gk} {n}" for gk, n in counts) or "none")]
    width = max(len(k) for k, _ in rows) + 2
    return "".join(f"{(k + ':').ljust(width)}{v}\n" for k, v in rows)
