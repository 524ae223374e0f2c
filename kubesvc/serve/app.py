"""The WSGI application: authentication, routing, and the one place that turns any failure
into a `Status` (never a traceback, never a dead server)."""

from __future__ import annotations

import hmac
import json
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus

from kubesvc import __version__
from kubesvc.api.errors import KubesvcError
from kubesvc.kubectl.environment import Environment
from kubesvc.serve import catalog, discovery, objects, openapi, versions, watch
from kubesvc.serve import status as st
from kubesvc.serve.objects import Reply, Server
from kubesvc.serve.request import MAX_BODY, Request, Target, parse_target
from kubesvc.serve.status import HttpError

JSON = "application/json"
StartResponse = Callable[..., Callable[[bytes], object]]


class App:
    def __init__(self, env: Environment, state: str, token: str | None = None,
                 address: str = "127.0.0.1:6443", log: bool = False):
        self.server = Server(env, state)
        self.token = token
        self.address = address
        self.log = log

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        try:
            req = _request(environ)
            self._authenticate(req)
            result = self.route(req)
        except KubesvcError as exc:
            result = Reply(getattr(exc, "code", 400), st.from_error(exc))
        except Exception as exc:  # a bug: the client gets a 500 Status, the server lives on
            traceback.print_exc(file=sys.stderr)
            result = Reply(500, st.status(500, "InternalError",
                                          f"Internal error occurred: {exc}"))
        if self.log:
            print(f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"
                  f"?{environ.get('QUERY_STRING', '')} "
                  f"{result.code if isinstance(result, Reply) else 200}", file=sys.stderr)
        if isinstance(result, Reply):
            return _send(start_response, result)
        write = start_response("200 OK", [("Content-Type", JSON), ("Cache-Control", "no-cache")])
        write(b"")  # a watch's status line and headers go out now, not with its first event
        return result

    def _authenticate(self, req: Request) -> None:
        if self.token is None:
            return
        given = req.header("authorization")
        if not hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
            raise HttpError(401, "Unauthorized")

    def route(self, req: Request) -> Reply | Iterator[bytes]:
        parts = [p for p in req.path.split("/") if p]
        if req.method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            raise HttpError(405, f"the server does not allow this method on the requested "
                                 f"resource ({req.method})")
        at = 2 if parts[:1] == ["api"] else 3  # the deprecated /api/v1/watch/... paths
        if req.method == "GET" and len(parts) > at + 1 and parts[at] == "watch":
            del parts[at]
            req.query["watch"] = "true"
        if req.method == "GET":
            found = self._info(req, parts)
            if found is not None:
                return found
        target = parse_target(parts)
        if target is None:
            raise HttpError(404, "the server could not find the requested resource")
        return self._resource(req, target)

    def _info(self, req: Request, parts: list[str]) -> Reply | None:
        """/version, /healthz, discovery; None for resource paths."""
        if parts in (["healthz"], ["livez"], ["readyz"]):
            return Reply(200, {"status": "ok"})
        if parts == ["version"]:
            return Reply(200, discovery.version(__version__))
        if parts[:2] == ["openapi", "v3"]:
            return self._openapi(parts[2:])
        if parts[:1] in (["openapi"], ["swagger.json"]):
            raise HttpError(404, "the server could not find the requested resource")
        if parts in (["api"], ["apis"]) or (len(parts) in (2, 3) and parts[0] == "apis") or (
                parts == ["api", "v1"]):
            cat = self.server.read(self.server.catalog)
            return self._discovery(req, parts, cat)
        return None

    def _openapi(self, rest: list[str]) -> Reply:
        cat = self.server.read(self.server.catalog)
        if not rest:
            return Reply(200, openapi.index(cat, cat.crd_versions))
        found = None
        if rest[:1] == ["api"] and len(rest) == 2:
            found = openapi.document(cat, "", rest[1])
        elif rest[:1] == ["apis"] and len(rest) == 3:
            found = openapi.document(cat, rest[1], rest[2])
        if found is None:
            raise HttpError(404, "the server could not find the requested resource")
        return Reply(200, found)

    def _discovery(self, req: Request, parts: list[str], cat: catalog.Catalog) -> Reply:
        if len(parts) == 1 and discovery.wants_aggregated(req.header("accept")):
            return Reply(200, discovery.aggregated(cat, core=parts == ["api"]))
        if parts == ["api"]:
            return Reply(200, discovery.core_versions(self.address))
        if parts == ["apis"]:
            return Reply(200, discovery.group_list(cat))
        if len(parts) == 2 and parts[0] == "apis":
            found = discovery.group(cat, parts[1])
        else:
            group, version = ("", "v1") if parts[0] == "api" else (parts[1], parts[2])
            found = discovery.resource_list(cat, group, version)
        if found is None:
            raise HttpError(404, "the server could not find the requested resource")
        return Reply(200, found)

    def _resource(self, req: Request, target: Target) -> Reply | Iterator[bytes]:
        cat = self.server.read(self.server.catalog)
        served = cat.find(target.group, target.version, target.plural)
        if served is None:
            raise HttpError(404, "the server could not find the requested resource")
        if target.sub and target.sub not in served.subresources:
            raise HttpError(404, "the server could not find the requested resource")
        handler = _handler(req, target)
        exact = None
        if handler in (objects.get, objects.list_objects):  # resourceVersion(Match): versions.py
            exact = versions.check_read(self.server, req, served.res.gk, target,
                                        served.res.namespaced, handler is objects.list_objects)
        result = handler(self.server, req, served, target)
        if exact is not None and isinstance(result, Reply):
            result.body["metadata"]["resourceVersion"] = exact
        return result


def _handler(req: Request, target: Target):
    method, named = req.method, target.name is not None
    if target.sub == "eviction":
        if method != "POST":
            raise HttpError(405, "the server does not allow this method on the requested "
                                 "resource")
        return objects.evict
    if method == "GET":
        if req.flag("watch"):
            return watch.watch
        return objects.get if named else objects.list_objects
    table = {("POST", False): objects.create, ("PUT", True): objects.update,
             ("PATCH", True): objects.patch, ("DELETE", True): objects.delete,
             ("DELETE", False): objects.delete_collection}
    handler = table.get((method, named))
    if handler is None or (target.sub and method in ("POST", "DELETE")):
        raise HttpError(405, "the server does not allow this method on the requested resource")
    return handler


def _request(environ: dict) -> Request:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise HttpError(400, "invalid Content-Length") from None
    if length > MAX_BODY:
        raise HttpError(413, f"the request body is too large ({length} bytes; at most "
                             f"{MAX_BODY})")
    body = environ["wsgi.input"].read(length) if length else b""
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items()
               if k.startswith("HTTP_")}
    headers["content-type"] = environ.get("CONTENT_TYPE", "")
    path = environ.get("PATH_INFO", "/")
    return Request(environ.get("REQUEST_METHOD", "GET"), path,
                   environ.get("QUERY_STRING", ""), headers, body)


def _send(start_response: StartResponse, reply: Reply) -> list[bytes]:
    data = reply.raw if reply.raw is not None else json.dumps(
        reply.body, separators=(",", ":"), ensure_ascii=False).encode()
    content_type = JSON
    if reply.body.get("kind") == "APIGroupDiscoveryList":
        content_type = discovery.AGGREGATED
    headers = [("Content-Type", content_type), ("Content-Length", str(len(data))),
               ("Cache-Control", "no-cache, private")]
    headers += [("Warning", _warning(w)) for w in reply.warnings]
    start_response(f"{reply.code} {HTTPStatus(reply.code).phrase}", headers)
    return [data]


def _warning(text: str) -> str:
    """RFC 7234 warning: 299 - "text" (what kubectl prints as `Warning: text`)."""
    return '299 - "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
