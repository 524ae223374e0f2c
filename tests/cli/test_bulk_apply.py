"""A bulk apply (from kubectl/apply.py's BULK documents on: orjson copies and texts, stored
keys read once) stores exactly what an apply of a few objects stores, and says the same."""

from __future__ import annotations

import pytest

from tests.conftest import REPO, Cli

MANIFESTS = str(REPO / "manifests")


@pytest.mark.parametrize("args", [(), ("--dry-run=client",), ("--dry-run=server",)],
                         ids=["apply", "client-dry-run", "server-dry-run"])
def test_bulk_apply_is_the_per_object_apply(tmp_path, monkeypatch, args):
    from kubesvc.kubectl import apply

    small, bulk = Cli(tmp_path / "small.db"), Cli(tmp_path / "bulk.db")
    outputs = []
    for cli, threshold in ((small, apply.BULK), (bulk, 1)):
        monkeypatch.setattr(apply, "BULK", threshold)
        cli.ok("cluster", "init", "--force")
        first = cli("apply", "-f", MANIFESTS, *args)
        again = cli("apply", "-f", MANIFESTS, *args)
        outputs.append((first.out, first.err, again.out, again.err, cli.dump()))
    assert outputs[0] == outputs[1]
    if not args:
        assert {line.rsplit(" ", 1)[1] for line in outputs[1][2].splitlines()} == {"unchanged"}
