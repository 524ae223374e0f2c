"""One HTTP request as the handlers see it: the resource path parsed, the query, the body
decoded within the limits kubesvc puts on its other inputs."""

from __future__ import annotations

import json
from typing import NamedTuple
from urllib.parse import parse_qs

from kubesvc.input.load import MAX_DEPTH
from kubesvc.serve import protobuf
from kubesvc.serve.status import HttpError

MAX_BODY = 3 * 1024 * 1024  # kube-apiserver's MaxRequestBodyBytes (3 MiB)


class Target(NamedTuple):
    """/api/v1/namespaces/NS/PLURAL/NAME/SUB, /apis/GROUP/VERSION/... parsed."""

    group: str
    version: str
    namespace: str | None
    plural: str
    name: str | None
    sub: str | None


class Request:
    def __init__(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes):
        self.method = method
        self.path = path
        self.query = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in ("1", "true")

    @property
    def content_type(self) -> str:
        return self.header("content-type").split(";")[0].strip().lower()

    @property
    def dry_run(self) -> bool:
        value = self.query.get("dryRun")
        if value is None:
            return False
        if value != "All":
            raise HttpError(400, f'Invalid dryRun value "{value}": only "All" is supported')
        return True

    def text(self) -> str:
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError:
            raise HttpError(400, "the request body is not valid UTF-8") from None

    def json(self) -> dict:
        """The body as a JSON object (YAML is not what clients send outside apply-patch)."""
        if self.content_type == protobuf.CONTENT_TYPE:
            # kubectl's typed clients (`create namespace|deployment|configmap...`, `run`)
            try:
                return protobuf.decode(self.body)
            except protobuf.ProtobufError as exc:
                raise HttpError(400, f"the request body is not a valid protobuf object: "
                                     f"{exc}") from None
        if self.content_type == "application/cbor":
            raise HttpError(415, "the body of the request was in an unknown format - accepted "
                                 "media types include: application/json, "
                                 f"{protobuf.CONTENT_TYPE}")
        if not self.body:
            raise HttpError(400, "the request body is empty")
        try:
            doc = json.loads(self.text())
        except (json.JSONDecodeError, RecursionError) as exc:
            raise HttpError(400, f"the request body is not valid JSON: {exc}") from None
        check_depth(doc)
        if not isinstance(doc, dict):
            raise HttpError(400, "the request body must be a JSON object")
        return doc


def check_depth(doc: object) -> None:
    """Refuse documents nested deeper than the CLI's inputs may be (input/load.py)."""
    level, depth = [doc], 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise HttpError(400, f"the request body is nested more than {MAX_DEPTH} levels deep")
        nxt: list = []
        for item in level:
            if isinstance(item, dict):
                nxt.extend(v for v in item.values() if isinstance(v, (dict, list)))
            elif isinstance(item, list):
                nxt.extend(v for v in item if isinstance(v, (dict, list)))
        level = nxt


def parse_target(parts: list[str]) -> Target | None:
    """The resource a path names; None if it is not a resource path."""
    if parts[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces" and not (group == "" and len(rest) == 3
                                                            and rest[2] in ("status",
                                                                            "finalize")):
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        return None
    return Target(group, version, namespace, rest[0], rest[1] if len(rest) > 1 else None,
                  rest[2] if len(rest) > 2 else None)
