"""The HTTP surface itself: discovery documents, Table and watch responses, and what a client
that sends garbage gets (a Status, and a server that goes on serving)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from tests.serve.served import Served, serve_manifests


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    yield from serve_manifests(tmp_path_factory, "served-http")


def call(served: Served, method: str, path: str, body: bytes | str | None = None,
         headers: dict | None = None) -> tuple[int, dict, dict]:
    url = urlparse(served.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), json.loads(data) if data else {}


SVC = "/api/v1/namespaces/default/services"
DEEP = b'{"a":' * 300 + b"1" + b"}" * 300


@pytest.mark.parametrize(("method", "path", "body", "headers", "code", "reason"), [
    ("POST", SVC, b"{not json", {"Content-Type": "application/json"}, 400, "BadRequest"),
    ("POST", SVC, b"\xff\xfe", {"Content-Type": "application/json"}, 400, "BadRequest"),
    ("POST", SVC, b"[1, 2]", {"Content-Type": "application/json"}, 400, "BadRequest"),
    ("POST", SVC, DEEP, {"Content-Type": "application/json"}, 400, "BadRequest"),
    ("POST", SVC, b"x" * (3 * 1024 * 1024 + 1), {"Content-Type": "application/json"}, 413,
     "RequestEntityTooLarge"),
    ("PATCH", f"{SVC}/web", b"{}", {"Content-Type": "text/plain"}, 415,
     "UnsupportedMediaType"),
    ("PATCH", f"{SVC}/web", b"{]", {"Content-Type": "application/merge-patch+json"}, 400,
     "BadRequest"),
    ("POST", SVC, b'{"kind":"Pod","apiVersion":"v1","metadata":{"name":"x"}}',
     {"Content-Type": "application/json"}, 400, "BadRequest"),
    ("POST", SVC, b"k8s\x00\n\x0b", {"Content-Type": "application/vnd.kubernetes.protobuf"},
     400, "BadRequest"),
    ("POST", SVC, b"\xa1", {"Content-Type": "application/cbor"}, 415, "UnsupportedMediaType"),
    ("GET", "/api/v1/nothings", None, None, 404, "NotFound"),
    ("GET", "/no/such/path", None, None, 404, "NotFound"),
    ("GET", f"{SVC}?labelSelector=a%20in%20(", None, None, 400, "BadRequest"),
    ("GET", f"{SVC}?fieldSelector=spec.bogus%3D1", None, None, 400, "BadRequest"),
    ("GET", f"{SVC}?limit=1&continue=@@@", None, None, 400, "BadRequest"),
    ("GET", f"{SVC}/web?dryRun=Some", None, None, 200, None),
    ("POST", f"{SVC}?dryRun=Some", b"{}", {"Content-Type": "application/json"}, 400,
     "BadRequest"),
    ("OPTIONS", SVC, None, None, 405, "MethodNotAllowed"),
    ("GET", f"{SVC}/web/scale", None, None, 404, "NotFound"),
    ("DELETE", f"{SVC}/nope", None, None, 404, "NotFound"),
])
def test_bad_requests_get_a_status(served, method, path, body, headers, code, reason):
    status, _, doc = call(served, method, path, body, headers)
    assert status == code
    if reason:
        assert (doc["kind"], doc["reason"], doc["code"]) == ("Status", reason, code)
    assert call(served, "GET", "/version")[0] == 200  # still serving


def test_aggregated_discovery(served):
    accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    status, headers, doc = call(served, "GET", "/apis", headers={"Accept": accept})
    assert status == 200 and headers["Content-Type"] == accept
    groups = {g["metadata"]["name"] for g in doc["items"]}
    assert {"apps", "discovery.k8s.io", "metallb.io"} <= groups
    core = call(served, "GET", "/api", headers={"Accept": accept})[2]
    resources = {r["resource"]: r for r in core["items"][0]["versions"][0]["resources"]}
    assert resources["services"]["scope"] == "Namespaced"
    assert {s["subresource"] for s in resources["pods"]["subresources"]} >= {"status",
                                                                               "eviction"}


def test_table_rows_are_kubesvcs_cells(served):
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io"
    doc = call(served, "GET", SVC, headers={"Accept": accept})[2]
    assert doc["kind"] == "Table"
    assert [c["name"] for c in doc["columnDefinitions"]][:3] == ["NAME", "TYPE", "CLUSTER-IP"]
    printed = served.cli.ok("get", "svc", "-o", "wide", "--no-headers").splitlines()
    assert [r["cells"] for r in doc["rows"]] == [line.split() for line in printed]


def test_pages_carry_a_continue_token(served):
    first = call(served, "GET", f"{SVC}?limit=2")[2]
    assert len(first["items"]) == 2 and first["metadata"]["remainingItemCount"] > 0
    rest = call(served, "GET", f"{SVC}?continue={first['metadata']['continue']}")[2]
    names = [o["metadata"]["name"] for o in first["items"] + rest["items"]]
    assert names == [o["metadata"]["name"] for o in call(served, "GET", SVC)[2]["items"]]


def test_watch_streams_initial_events_and_a_bookmark(served):
    url = urlparse(served.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("GET", f"{SVC}?watch=1&sendInitialEvents=true&allowWatchBookmarks=true"
                        "&resourceVersionMatch=NotOlderThan&timeoutSeconds=1")
    resp = conn.getresponse()
    events = [json.loads(line) for line in resp.read().splitlines() if line.strip()]
    conn.close()
    assert resp.getheader("Transfer-Encoding") == "chunked"
    types = [e["type"] for e in events]
    first = types.index("BOOKMARK")  # after the ADDED events; then, maybe, the one a
    # watch gets before its timeoutSeconds run out
    assert set(types[:first]) == {"ADDED"} and set(types[first:]) == {"BOOKMARK"}
    assert events[first]["object"]["metadata"]["annotations"] == {
        "k8s.io/initial-events-end": "true"}


def test_warnings_are_headers(served):
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "warned"}, "bogus": 1})
    status, headers, _ = call(served, "POST", "/api/v1/namespaces/default/configmaps"
                                              "?fieldValidation=Warn", body,
                              {"Content-Type": "application/json"})
    assert status == 201 and headers["Warning"] == '299 - "unknown field \\"bogus\\""'
