"""The control loops kubesvc runs after every change, inside the same transaction, in a fixed
order: workloads → scheduler → kubelet → endpoints. Each is a pure function over what the store
holds; this module only wires them to the store."""

from __future__ import annotations


def run_controllers(ctx) -> None:
    """Bring every derived object up to date with what the command changed."""
    # lazy: the resolver imports controllers.endpoints (pure helpers) for `check`/`resolve`;
    # importing sync here would load the API server's registry and schemas at their start-up
    from kubesvc.controllers.sync import sync_all  # noqa: PLC0415

    sync_all(ctx)
