"""Wires the pure controllers to the store: what changed in, derived objects out."""

from __future__ import annotations


def sync_all(ctx) -> None:
    """Services have no derived objects until workloads and endpoints are modelled."""
    return None
