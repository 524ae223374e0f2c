"""The what-if verbs (scale, cordon, uncordon, drain, label, annotate, patch, delete pod) as
library functions over an ApiContext. Each returns the lines kubectl would print; the CLI
only parses arguments and prints. Controllers run afterwards in the same transaction, so a
deleted pod is replaced (new name, new IP, maybe another node) before the command ends."""

from __future__ import annotations

from kubesvc.api.errors import ClientError, NotFoundError
from kubesvc.api.objects import clone
from kubesvc.api.resources import Resource, for_gk
from kubesvc.apiserver import registry
from kubesvc.apiserver.patch.patches import apply_patch
from kubesvc.apiserver.validation.names import label_value, qualified_name
from kubesvc.store.queries import pods_on_node

SCALABLE = ("Deployment.apps", "ReplicaSet.apps", "StatefulSet.apps", "ReplicationController")


def _get(ctx, res: Resource, namespace: str, name: str) -> dict:
    obj = ctx.store.get(res.gk, namespace if res.namespaced else "", name)
    if obj is None:
        raise NotFoundError(res.qualified_plural, name)
    return obj


def _update(ctx, res: Resource, new: dict, old: dict, keep_status: bool = False) -> dict:
    return registry.update(ctx, res, new, old, keep_status)


def scale(ctx, res: Resource, namespace: str, name: str, replicas: int) -> str:
    if res.gk not in SCALABLE:
        raise ClientError(f'cannot scale {res.plural}: the resource has no "scale" subresource')
    if replicas < 0:
        raise ClientError("The --replicas=COUNT flag is required, and COUNT must be greater "
                          "than or equal to 0")
    old = _get(ctx, res, namespace, name)
    new = clone(old)
    new.setdefault("spec", {})["replicas"] = replicas
    _update(ctx, res, new, old)
    return f"{res.name_prefix}/{name} scaled"


def set_unschedulable(ctx, name: str, value: bool) -> str:
    node_res = for_gk("Node")
    old = _get(ctx, node_res, "", name)
    verb = "cordoned" if value else "uncordoned"
    if bool((old.get("spec") or {}).get("unschedulable")) == value:
        return f"node/{name} already {verb}"
    new = clone(old)
    if value:
        new.setdefault("spec", {})["unschedulable"] = True
    else:
        new.setdefault("spec", {}).pop("unschedulable", None)
    _update(ctx, node_res, new, old)
    return f"node/{name} {verb}"


def drain(ctx, name: str, ignore_daemonsets: bool, force: bool,
          delete_emptydir_data: bool) -> tuple[list[str], list[str]]:
    """kubectl drain: cordon, then evict every pod on the node. Returns (stdout, warnings);
    raises ClientError with kubectl's text when a pod blocks the drain."""

    lines = [set_unschedulable(ctx, name, True)]
    pods = [p for p in pods_on_node(ctx.store, name) if not _terminal(p)]
    daemon = [p for p in pods if _owner_kind(p) == "DaemonSet"]
    bare = [p for p in pods if _owner_kind(p) is None]
    local = [p for p in pods if _uses_empty_dir(p) and p not in daemon]
    problems = []
    if daemon and not ignore_daemonsets:
        problems.append("cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to "
                        f"ignore): {_names(daemon)}")
    if bare and not force:
        problems.append("cannot delete Pods that declare no controller (use --force to "
                        f"override): {_names(bare)}")
    if local and not delete_emptydir_data:
        problems.append("cannot delete Pods with local storage (use --delete-emptydir-data to "
                        f"override): {_names(local)}")
    if problems:
        raise DrainError(lines, f'unable to drain node "{name}" due to error: '
                                + ", ".join(problems))
    warnings = []
    if daemon:
        warnings.append(f"ignoring DaemonSet-managed Pods: {_names(daemon)}")
    if bare:
        warnings.append(f"deleting Pods that declare no controller: {_names(bare)}")
    evict = [p for p in pods if p not in daemon]
    lines += [f"evicting pod {_ns_name(p)}" for p in evict]
    for pod in evict:
        meta = pod["metadata"]
        registry.delete(ctx, for_gk("Pod"), meta.get("namespace", ""), meta["name"])
        lines.append(f"pod/{meta['name']} evicted")
    lines.append(f"node/{name} drained")
    return lines, warnings


class DrainError(ClientError):
    def __init__(self, lines: list[str], message: str):
        super().__init__(message)
        self.lines = lines


def _terminal(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _owner_kind(pod: dict) -> str | None:
    for ref in pod["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return ref.get("kind")
    return None


def _uses_empty_dir(pod: dict) -> bool:
    return any("emptyDir" in v for v in (pod.get("spec") or {}).get("volumes") or [])


def _ns_name(pod: dict) -> str:
    return f"{pod['metadata'].get('namespace', '')}/{pod['metadata']['name']}"


def _names(pods: list[dict]) -> str:
    return ", ".join(_ns_name(p) for p in pods)


def parse_pairs(pairs: list[str], what: str) -> tuple[dict, list[str]]:
    """`k=v` to set and `k-` to remove, as kubectl label/annotate take them."""

    add, remove = {}, []
    for pair in pairs:
        if pair.endswith("-") and "=" not in pair:
            remove.append(pair[:-1])
            continue
        key, sep, value = pair.partition("=")
        if not sep:
            raise ClientError(f"at least one {what} update is required")
        if qualified_name(key) or (what == "label" and label_value(value)):
            raise ClientError(f'invalid {what} spec: {pair}')
        add[key] = value
    return add, remove


def set_metadata_map(ctx, res: Resource, obj: dict, field: str, add: dict, remove: list[str],
                     overwrite: bool) -> str:
    """label/annotate one object; the message says what happened, as kubectl's does."""
    verb = "labeled" if field == "labels" else "annotated"
    current = obj["metadata"].get(field) or {}
    for key, value in add.items():
        if key in current and current[key] != value and not overwrite:
            raise ClientError(f"'{key}' already has a value ({current[key]}), and --overwrite "
                              "is false")
    updated = {k: v for k, v in current.items() if k not in remove}
    updated.update(add)
    name = f"{res.name_prefix}/{obj['metadata']['name']}"
    if updated == current:
        return f"{name} not {verb}"
    new = clone(obj)
    new["metadata"][field] = updated
    if not updated:
        new["metadata"].pop(field)
    _update(ctx, res, new, obj)
    if remove and not add:
        return f"{name} {'unlabeled' if field == 'labels' else 'annotated'}"
    return f"{name} {verb}"


def patch(ctx, res: Resource, namespace: str, name: str, patch_text: str, patch_type: str,
          subresource: str | None) -> str:

    old = _get(ctx, res, namespace, name)
    new = apply_patch(clone(old), patch_text, patch_type, res.kind)
    label = f"{res.name_prefix}/{name}"
    if subresource == "status":  # only the status changes; the rest of the patch is ignored
        merged = clone(old)
        merged["status"] = new.get("status")
        new = merged
    elif subresource:
        raise ClientError(f'invalid subresource value: "{subresource}". Must be one of '
                          "[status scale]")
    else:
        new["status"] = clone(old.get("status"))  # status only through /status
        if new["status"] is None:
            new.pop("status")
    if new == old:
        return f"{label} patched (no change)"
    _update(ctx, res, new, old, keep_status=subresource == "status")
    return f"{label} patched"
