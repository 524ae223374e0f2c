"""The state the completion tests complete against, made by real kubesvc processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

DEMO = """\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      containers:
      - {name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, labels: {app: web}}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: https, port: 443, targetPort: 8443}
---
apiVersion: v1
kind: Service
metadata: {name: web-admin}
spec:
  selector: {app: web}
  ports: [{port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop, labels: {app: cart}}
spec:
  selector: {app: cart}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
spec:
  containers: [{name: c, image: busybox}]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: gear}
"""


def make_demo_state(folder: Path) -> Path:
    """A state with two nodes, Services web and web-admin (default) and cart (shop), a web
    Deployment's pods, a pod `client` in shop, and a custom kind (widgets, short name wd).
    Made by kubesvc processes, which leave the file closed (no -wal, no -shm) as users have it."""
    state = folder / "state.db"
    manifest = folder / "demo.yaml"
    manifest.write_text(DEMO)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("KUBESVC_STATE", None)
    for args in (["cluster", "init", "--nodes", "2"], ["apply", "-f", str(manifest)]):
        subprocess.run([sys.executable, "-m", "kubesvc", "--state", str(state), *args],
                       check=True, capture_output=True, env=env)
    return state
