"""Protobuf request bodies (what kubectl's typed commands send): the decoder on hand-built
messages and bodies kubectl 1.37 sent, and the real kubectl's `create`/`run` through serve
storing what the same object sent as JSON stores."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from kubesvc.serve import protobuf
from tests.serve.served import Served, needs_kubectl, serve_manifests

# `kubectl create namespace x` (kubectl 1.37.1), as it went over the wire
NAMESPACE_X = bytes.fromhex(
    "6b3873000a0f0a02763112094e616d65737061636512190a110a017812001a0022002a0032003800420012"
    "001a020a001a002200")


def varint(n: int) -> bytes:
    out = b""
    while True:
        byte, n = n & 0x7F, n >> 7
        if not n:
            return out + bytes([byte])
        out += bytes([byte | 0x80])


def field(number: int, value: bytes | str | int | bool) -> bytes:
    if isinstance(value, (bool, int)):
        return varint(number << 3) + varint(int(value) & (2**64 - 1))
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = field(1, api_version) + field(2, kind)
    return protobuf.MAGIC + field(1, type_meta) + field(2, raw) + field(3, "") + field(4, "")


def entry(key: str, value: bytes | str) -> bytes:
    return field(1, key) + field(2, value)


def test_kubectls_namespace_body():
    assert protobuf.decode(NAMESPACE_X) == {"apiVersion": "v1", "kind": "Namespace",
                                            "metadata": {"name": "x"}, "spec": {},
                                            "status": {}}


def test_maps_bytes_times_and_zero_values():
    meta = (field(1, "s") + field(3, "ns") + field(7, 0)
            + field(8, field(1, 1767225600)) + field(11, entry("app", "web")))
    secret = field(1, meta) + field(2, entry("key", b"\x00\xff")) + field(3, "Opaque")
    assert protobuf.decode(envelope("v1", "Secret", secret)) == {
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "s", "namespace": "ns", "creationTimestamp": "2026-01-01T00:00:00Z",
                     "labels": {"app": "web"}},
        "data": {"key": base64.b64encode(b"\x00\xff").decode()}, "type": "Opaque"}


def test_int_or_string_repeated_pointers_and_inline_structs():
    port = field(1, "http") + field(3, 80) + field(4, field(1, 0) + field(2, 8080)) + field(5, 0)
    named = field(4, field(1, 1) + field(3, "web"))
    spec = field(1, port) + field(1, field(3, 81) + named) + field(2, entry("app", "w"))
    svc = field(1, field(1, "web")) + field(2, spec)
    got = protobuf.decode(envelope("v1", "Service", svc))
    assert got["spec"] == {"ports": [{"name": "http", "port": 80, "targetPort": 8080},
                                     {"port": 81, "targetPort": "web"}],
                           "selector": {"app": "w"}}
    deploy = field(1, field(1, "d")) + field(2, field(1, 0))  # replicas: 0 is meant
    assert protobuf.decode(envelope("apps/v1", "Deployment", deploy))["spec"] == {
        "replicas": 0}
    rule = field(1, "foo.com") + field(2, field(1, field(1, field(1, "/x"))))  # inline
    ingress = field(1, field(1, "i")) + field(2, field(3, rule))
    assert protobuf.decode(envelope("networking.k8s.io/v1", "Ingress", ingress))["spec"] == {
        "rules": [{"host": "foo.com", "http": {"paths": [{"path": "/x"}]}}]}


@pytest.mark.parametrize(("body", "message"), [
    (b'{"kind":"Namespace"}', "prefix"),
    (NAMESPACE_X[:-7], "truncated"),
    (protobuf.MAGIC + b"\xff", "varint"),
    (envelope("v1", "Namespace", field(99, "x")), "unknown protobuf field 99"),
    (envelope("v1", "Namespace", b"\x0b"), "wire type 3"),
    (envelope("v9", "Thing", b""), "no protobuf decoding for Thing of v9"),
    (envelope("v1", "Namespace", field(1, field(1, b"\xff"))), "UTF-8"),
    (envelope("v1", "Namespace", field(1, 5)), "not length-delimited"),
])
def test_bad_bodies_are_errors(body, message):
    with pytest.raises(protobuf.ProtobufError, match=message):
        protobuf.decode(body)


# --- the real kubectl --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    yield from serve_manifests(tmp_path_factory, "served-protobuf")


COMMANDS = [
    ["create", "namespace", "pb-ns"],
    ["create", "deployment", "pb-deploy", "--image=nginx", "--replicas=2", "--port=80"],
    ["create", "configmap", "pb-cm", "--from-literal=a=b", "--from-literal=c=d"],
    ["create", "secret", "generic", "pb-secret", "--from-literal=p=q"],
    ["create", "service", "clusterip", "pb-svc", "--tcp=80:8080", "--tcp=443:https"],
    ["create", "service", "nodeport", "pb-np", "--tcp=80:80", "--node-port=30123"],
    ["create", "service", "externalname", "pb-ext", "--external-name=example.com"],
    ["run", "pb-pod", "--image=busybox", "--labels=app=pb", "--env=A=B", "--port=8080",
     "--", "sleep", "100"],
    ["create", "job", "pb-job", "--image=busybox", "--", "echo", "hi"],
    ["create", "cronjob", "pb-cron", "--image=busybox", "--schedule=*/5 * * * *"],
    ["create", "serviceaccount", "pb-sa"],
    ["create", "role", "pb-role", "--verb=get", "--resource=pods"],
    ["create", "rolebinding", "pb-rb", "--role=pb-role", "--serviceaccount=default:pb-sa"],
    ["create", "clusterrole", "pb-cr", "--verb=get", "--resource=nodes"],
    ["create", "quota", "pb-quota", "--hard=pods=10,cpu=2"],
    ["create", "poddisruptionbudget", "pb-pdb", "--selector=app=pb", "--min-available=50%"],
    ["create", "priorityclass", "pb-pc", "--value=1000"],
    ["create", "ingress", "pb-ing", "--rule=foo.com/bar*=pb-svc:80"],
]
VOLATILE = ("uid", "creationTimestamp", "resourceVersion")


def _stored(text: str) -> dict:
    """The object the server answered, less what differs between any two creations, and
    less `status`: kubectl prints a typed command's answer from its Go struct, which adds
    the zero status fields the server did not send."""
    obj = json.loads(text)
    obj.pop("status", None)
    for key in VOLATILE:
        obj["metadata"].pop(key, None)
    return obj


def _with(args: list[str], *flags: str) -> list[str]:
    """The command with flags added before its `--` (after it they are the container's)."""
    cut = args.index("--") if "--" in args else len(args)
    return [*args[:cut], *flags, *args[cut:]]


@needs_kubectl
@pytest.mark.parametrize("args", COMMANDS)
def test_typed_commands_store_what_json_stores(served, args):
    """The protobuf body (the command itself) and the JSON of the same object (kubectl's own
    client-side rendering, sent with `create -f -`) make the same object on the server."""
    sent_pb = served.kubectl(*_with(args, "--dry-run=server", "-o", "json"))
    rendered = served.kubectl(*_with(args, "--dry-run=client", "-o", "json")).stdout
    sent_json = served.kubectl("create", "-f", "-", "--dry-run=server", "-o", "json",
                               stdin=rendered)
    assert _stored(sent_pb.stdout) == _stored(sent_json.stdout)


@needs_kubectl
def test_create_namespace_then_get_it(served):
    assert served.kubectl("create", "namespace", "made-by-kubectl").stdout == (
        "namespace/made-by-kubectl created\n")
    assert served.cli.ok("get", "ns", "made-by-kubectl", "-o", "name") == (
        "namespace/made-by-kubectl\n")
