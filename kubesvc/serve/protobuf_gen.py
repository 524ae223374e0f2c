"""Regenerate kubesvc/data/k8s-protobuf.json, the field tables serve/protobuf.py decodes
kubectl's protobuf request bodies with, from the upstream `generated.proto` files (data: the
field numbers, names and types go-to-protobuf assigned; no upstream code is used).

    python -m kubesvc.serve.protobuf_gen API_REPO APIMACHINERY_REPO

where the two folders are checkouts of kubernetes/api and kubernetes/apimachinery (of the
release kubesvc targets). Only the messages reachable from the kinds of GROUPS are kept."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

# the API groups whose kinds kubectl's typed commands create (create, run, drain, ...)
GROUPS = {"core/v1": "", "apps/v1": "apps", "batch/v1": "batch", "policy/v1": "policy",
          "rbac/v1": "rbac.authorization.k8s.io", "networking/v1": "networking.k8s.io",
          "scheduling/v1": "scheduling.k8s.io", "autoscaling/v1": "autoscaling",
          "discovery/v1": "discovery.k8s.io", "coordination/v1": "coordination.k8s.io",
          "authentication/v1": "authentication.k8s.io"}
MACHINERY = ["pkg/apis/meta/v1", "pkg/runtime", "pkg/util/intstr", "pkg/api/resource"]
UNKNOWN = "k8s.io.apimachinery.pkg.runtime.Unknown"  # the envelope of every body
OUT = Path(__file__).resolve().parent.parent / "data" / "k8s-protobuf.json"

_PACKAGE = re.compile(r"^package ([\w.]+);", re.M)
_MESSAGE = re.compile(r"^message (\w+) \{\n(.*?)^\}", re.M | re.S)
_FIELD = re.compile(r"^\s*(optional|repeated|map<(\w+), ?([\w.]+)>)\s*([\w.]*)\s+(\w+) = (\d+);",
                    re.M)


def parse(text: str) -> dict[str, dict[str, list]]:
    """{qualified message name: {field number: [name, type, label]}}; label is "repeated",
    "map" (type then names the value type) or ""."""
    package = _PACKAGE.search(text)
    assert package, "no package line"
    out: dict[str, dict[str, list]] = {}
    for name, body in _MESSAGE.findall(text):
        fields: dict[str, list] = {}
        for label, _key, map_value, ftype, fname, number in _FIELD.findall(body):
            if label.startswith("map<"):
                fields[number] = [fname, _qualify(map_value, package[1]), "map"]
            else:
                fields[number] = [fname, _qualify(ftype, package[1]),
                                  "repeated" if label == "repeated" else ""]
        out[f"{package[1]}.{name}"] = fields
    return out


SCALARS = {"string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "double", "float",
           "sint32", "sint64", "fixed32", "fixed64"}


def _qualify(ftype: str, package: str) -> str:
    if ftype in SCALARS:
        return ftype
    if ftype.startswith("."):
        return ftype[1:]
    return f"{package}.{ftype}"


def build(api: Path, machinery: Path) -> dict:
    messages: dict[str, dict[str, list]] = {}
    kinds: dict[str, str] = {}
    for folder, group in GROUPS.items():
        found = parse((api / folder / "generated.proto").read_text())
        messages.update(found)
        version = folder.split("/")[1]
        api_version = f"{group}/{version}" if group else version
        for qualified, fields in found.items():
            names = {f[0]: f[1] for f in fields.values()}
            if names.get("metadata") == "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta":
                kinds[f"{api_version}/{qualified.rsplit('.', 1)[1]}"] = qualified
    for folder in MACHINERY:
        messages.update(parse((machinery / folder / "generated.proto").read_text()))
    kinds["meta.k8s.io/v1/DeleteOptions"] = "k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions"
    kinds["v1/DeleteOptions"] = "k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions"
    keep: set[str] = set()
    todo = [*kinds.values(), UNKNOWN]
    while todo:
        name = todo.pop()
        if name in keep or name not in messages:
            continue
        keep.add(name)
        todo.extend(f[1] for f in messages[name].values() if f[1] not in SCALARS)
    return {"kinds": dict(sorted(kinds.items())),
            "messages": {k: messages[k] for k in sorted(keep)}}


def main(argv: list[str]) -> None:
    api, machinery = Path(argv[0]), Path(argv[1])
    OUT.write_text(json.dumps(build(api, machinery), separators=(",", ":"), sort_keys=True)
                   + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
