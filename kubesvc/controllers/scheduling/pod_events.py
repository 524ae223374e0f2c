"""What kube-scheduler and the kubelet say about a pod, as (type, reason, message, fieldPath)
rows; controllers/events.py writes them.

Wording (Kubernetes 1.37): the scheduler's `Scheduled` ("Successfully assigned %v/%v to %v",
pkg/scheduler/schedule_one.go) and `FailedScheduling` (the FitError text, the same as the
PodScheduled condition's message); the kubelet's image manager (pkg/kubelet/images
image_manager.go: `Pulling image %q`, `Successfully pulled image %q in %v (%v including
waiting). Image size: %v bytes.`, `Container image %q already present on machine`) and
container runtime manager (pkg/kubelet/kuberuntime: `Created container: %v`, `Started
container %v`, `Stopping container %v`), each about the container's field path
`spec.containers{NAME}` (`spec.initContainers{NAME}` for init containers).

kubesvc pulls nothing: a pull's duration and the image's size are derived from the image
name, so the same image always reads the same."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kubesvc.api.defaults import image_pull_policy
from kubesvc.api.objects import fnv32a

SCHEDULER = "default-scheduler"
KUBELET = "kubelet"
Row = tuple[str, str, str, str]  # type, reason, message, fieldPath


def scheduled(pod: Mapping, node: str) -> str:
    m = pod.get("metadata") or {}
    return f"Successfully assigned {m.get('namespace', '')}/{m.get('name', '')} to {node}"


def _containers(pod: Mapping) -> Iterable[tuple[str, Mapping]]:
    spec = pod.get("spec") or {}
    for c in spec.get("initContainers") or []:
        yield f"spec.initContainers{{{c.get('name', '')}}}", c
    for c in spec.get("containers") or []:
        yield f"spec.containers{{{c.get('name', '')}}}", c


def go_millis(ms: int) -> str:
    """time.Duration.String of a whole number of milliseconds."""
    if ms < 1000:
        return f"{ms}ms"
    whole, frac = divmod(ms, 1000)
    return f"{whole}.{frac:03d}".rstrip("0").rstrip(".") + "s"


def pull_figures(image: str) -> tuple[str, int]:
    """A stand-in pull duration (0.4-5 s) and image size (20-200 MB), fixed per image."""
    h = fnv32a(image.encode())
    return go_millis(400 + h % 4600), 20_000_000 + (h >> 8) % 180_000_000


def started(pod: Mapping, present: set[str]) -> list[Row]:
    """The kubelet starting every container of a pod on a node that holds the images in
    `present` (updated with what it pulls)."""
    rows: list[Row] = []
    for path, c in _containers(pod):
        image, name = c.get("image", ""), c.get("name", "")
        policy = c.get("imagePullPolicy") or image_pull_policy(image)
        if policy == "Never" or (policy == "IfNotPresent" and image in present):
            rows.append(("Normal", "Pulled",
                         f'Container image "{image}" already present on machine', path))
        else:
            took, size = pull_figures(image)
            rows.append(("Normal", "Pulling", f'Pulling image "{image}"', path))
            rows.append(("Normal", "Pulled", f'Successfully pulled image "{image}" in {took} '
                         f"({took} including waiting). Image size: {size} bytes.", path))
            present.add(image)
        rows.append(("Normal", "Created", f"Created container: {name}", path))
        rows.append(("Normal", "Started", f"Started container {name}", path))
    return rows


def killed(pod: Mapping) -> list[Row]:
    """The kubelet stopping a deleted pod's running containers (init containers have ended)."""
    spec = pod.get("spec") or {}
    return [("Normal", "Killing", f"Stopping container {c.get('name', '')}",
             f"spec.containers{{{c.get('name', '')}}}") for c in spec.get("containers") or []]


def was_running(pod: Mapping) -> bool:
    status = pod.get("status") or {}
    return bool((pod.get("spec") or {}).get("nodeName")) and status.get("phase") == "Running"
