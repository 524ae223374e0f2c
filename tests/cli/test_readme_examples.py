"""The README's `$ kubesvc ...` examples print what kubesvc prints today, as test_docs.py keeps
the command reference current.

Each fenced block that holds `$ kubesvc` lines runs in a fresh state made as the README's first
command makes it (`kubesvc cluster init`), then `kubesvc apply -f manifests/` unless the block
applies them itself; the lines under a command, up to the next
`$` line, are its standard output. A command with nothing under it is run, not compared; a
last line `...` shows only the start of the output. `python -m tests.cli.test_readme_examples`
prints every block as it runs now, to paste back.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, Cli

FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.S | re.M)


def blocks(readme: str) -> list[list[tuple[str, list[str]]]]:
    """The example blocks: for each, (command line, the output lines shown under it)."""
    found = []
    for body in FENCE.findall(readme):
        steps: list[tuple[str, list[str]]] = []
        for line in body.splitlines():
            if line.startswith("$ kubesvc "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
        if steps:
            found.append(steps)
    return found


def run_block(cli: Cli, steps) -> list[tuple[str, str]]:
    """(command line, what it printed) for each step, in a fresh state."""
    cli.ok("cluster", "init")
    if not steps[0][0].startswith("kubesvc apply -f manifests"):
        cli.ok("apply", "-f", "manifests/")
    return [(line, cli(*shlex.split(line, comments=True)[1:]).out) for line, _ in steps]


def expected_output(shown: list[str]) -> tuple[str, bool]:
    """(the text shown, whether it is only the start)."""
    if shown and shown[-1] == "...":
        return "".join(line + "\n" for line in shown[:-1]), True
    return "".join(line + "\n" for line in shown), False


README_BLOCKS = blocks((REPO / "README.md").read_text())


@pytest.mark.parametrize("steps", README_BLOCKS, ids=lambda s: s[0][0][:40])
def test_readme_example_prints_what_kubesvc_prints(cli, monkeypatch, steps):
    monkeypatch.chdir(REPO)  # the examples name manifests/ relative to the repository
    for (line, shown), (_, out) in zip(steps, run_block(cli, steps), strict=True):
        text, partial = expected_output(shown)
        if not shown:
            continue
        if partial:
            assert out.startswith(text), f"README example `{line}` is stale:\n{out}"
        else:
            assert out == text, f"README example `{line}` is stale:\n{out}"


def test_the_examples_are_found():
    assert len(README_BLOCKS) >= 4
    assert sum(1 for steps in README_BLOCKS for _, shown in steps if shown) >= 8


def test_the_state_is_named_by_an_absolute_path():
    readme = (REPO / "README.md").read_text()
    assert "export KUBESVC_STATE=\"$PWD/" in readme  # a relative one moves with `cd`


if __name__ == "__main__":  # print the blocks as they run now
    import os
    import tempfile

    os.environ["KUBESVC_NOW"] = "2026-01-01T00:00:00Z"
    os.chdir(REPO)
    for n, steps in enumerate(README_BLOCKS):
        folder = Path(tempfile.mkdtemp())
        for line, out in run_block(Cli(folder / "state.db"), steps):
            sys.stdout.write(f"$ {line}\n{out}")
        sys.stdout.write(f"---- end of block {n}\n")
