"""What the workload controllers share: the Plan they return, template hashes, pods built
from templates (pkg/controller/controller_utils.go `GetPodFromTemplate`), events."""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kubesvc.api.defaults import default_pod, default_pod_template
from kubesvc.api.goformat import go_json_fast
from kubesvc.api.objects import (
    clone,
    controller_ref,
    fnv32,
    fnv32a,
    generate_name,
    meta,
    safe_encode,
)


@dataclass
class Plan:
    """What one sync of a controller wants written.

    create: new objects, as the controller POSTs them (no uid/resourceVersion yet);
    update: whole objects to store in place of the current ones (owner status, scaled
            ReplicaSets, adopted children with their new ownerReferences);
    delete: the stored objects to delete;
    events: core/v1 Event-shaped dicts (type, reason, message, source.component,
            involvedObject) in the order the controller records them.
    A controller is settled when a sync returns an empty plan (events aside)."""

    create: list[dict] = field(default_factory=list)
    update: list[dict] = field(default_factory=list)
    delete: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.create or self.update or self.delete)


def event(obj: Mapping, reason: str, message: str, component: str,
          etype: str = "Normal") -> dict:
    m = meta(obj)
    ref = {"apiVersion": obj.get("apiVersion", ""), "kind": obj.get("kind", ""),
           "name": m.get("name", ""), "namespace": m.get("namespace", ""),
           "resourceVersion": m.get("resourceVersion", ""), "uid": m.get("uid", "")}
    ref = {k: v for k, v in ref.items() if v}  # ObjectReference fields are omitempty
    return {"type": etype, "reason": reason, "message": message,
            "source": {"component": component}, "involvedObject": ref}


# -- hashes --------------------------------------------------------------------------------------

def pod_template_hash(template: Mapping, collision_count: int | None = None) -> str:
    """controller.ComputeHash: fnv32a of the template, then collisionCount as a little-endian
    uint32 in an 8-byte buffer, printed in decimal and passed through rand.SafeEncodeString.

    Upstream hashes go-spew's dump of the Go struct; kubesvc hashes the defaulted template's
    canonical JSON instead, so values have the real shape (e.g. `6d4f8b7c9`) but not the
    real digits."""
    h = fnv32a(go_json_fast(default_pod_template(template)).encode())
    if collision_count is not None:
        h = fnv32a(struct.pack("<I", collision_count & 0xFFFFFFFF) + bytes(4), h)
    return safe_encode(str(h))


def revision_hash(template: Mapping, collision_count: int | None = None) -> str:
    """history.HashControllerRevision of the StatefulSet/DaemonSet revision data: fnv32 (not
    32a) of the JSON patch `{"spec":{"template":{...,"$patch":"replace"}}}` that `getPatch`
    marshals with sorted keys, then the collision count in decimal. This equals a real
    cluster's value when the stored template serialises byte for byte the same."""
    patch = {"spec": {"template": {**default_pod_template(template), "$patch": "replace"}}}
    h = fnv32(go_json_fast(patch).encode())
    if collision_count is not None:
        h = fnv32(str(collision_count).encode(), h)
    return safe_encode(str(h))


# -- pods ----------------------------------------------------------------------------------------

def pod_from_template(owner: Mapping, template: Mapping, *, name: str | None = None,
                      prefix: str | None = None, labels: Mapping | None = None,
                      spec_overrides: Mapping | None = None) -> dict:
    """GetPodFromTemplate: the template's labels, annotations, finalizers and spec, owned by
    `owner`. Either a fixed `name` (StatefulSet) or a generateName `prefix`; then the
    apiserver's pod defaults, so what is returned is what storage will hold before admission."""
    tmeta = (template or {}).get("metadata") or {}
    m: dict = {"namespace": meta(owner).get("namespace", "default"),
               "labels": {**(tmeta.get("labels") or {}), **(labels or {})},
               "ownerReferences": [controller_ref(owner)]}
    if prefix is not None:
        m["generateName"] = prefix
    m["name"] = name
    for key in ("annotations", "finalizers"):
        if tmeta.get(key):
            m[key] = clone(tmeta[key])
    spec = clone((template or {}).get("spec") or {})
    spec.update(clone(dict(spec_overrides or {})))
    return default_pod({"apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": spec})


def new_pod_names(owner: Mapping, count: int, existing: Iterable[str]) -> list[str]:
    """Names for `count` new pods of a ReplicaSet/DaemonSet: `<owner>-` + 5 characters.

    The suffix hashes the owner's identity, resourceVersion and status and the pods that
    exist, so a pod that replaces a deleted one gets a new name, and the same input the same
    names. Not the clock: like uids, names do not depend on when the commands ran, so the pod
    names a tutorial shows are the ones a reader who follows it gets."""
    m = meta(owner)
    taken = set(existing)
    identity = m.get("uid") or f"{m.get('namespace', '')}/{m.get('name', '')}"
    state = go_json_fast(owner.get("status") or {})
    seed = f"{identity}/{m.get('resourceVersion', '')}/{state}/{','.join(sorted(taken))}"
    names = []
    for i in range(count):
        name = generate_name(f"{m.get('name', '')}-", f"{seed}/{i}", taken)
        taken.add(name)
        names.append(name)
    return names


def with_status(obj: Mapping, status: Mapping) -> dict:
    out = clone(dict(obj))
    out["status"] = clone(dict(status))
    return out


def strip_zero(value):
    """Go zero values dropped, so `{}` vs missing or `false` vs missing compare equal the way
    apiequality.Semantic.DeepEqual sees two structs."""
    if isinstance(value, Mapping):
        out = {k: strip_zero(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, False, 0, "", {}, [])}
    if isinstance(value, list):
        return [strip_zero(v) for v in value]
    return value
