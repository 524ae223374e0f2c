"""Watches fed by the store's change log, and resourceVersion on reads: what the real kubectl,
the official Python client and a plain HTTP client see when the CLI writes in another
process (creations, updates, deletions, objects entering and leaving a selector), and when
they ask for a resourceVersion the state no longer has."""

from __future__ import annotations

import http.client
import json
import queue
import subprocess
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from tests.serve.served import KUBECTL, Served, needs_kubectl, serve_manifests

CM = "/api/v1/namespaces/default/configmaps"
CONFIG = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{labels}data: {{v: '{v}'}}\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    yield from serve_manifests(tmp_path_factory, "served-watch")


def apply_cm(served: Served, name: str, v: int = 1, labels: dict | None = None) -> None:
    text = "".join(f"    {k}: '{val}'\n" for k, val in (labels or {}).items())
    served.cli.ok("apply", "-f", "-", stdin=CONFIG.format(
        name=name, v=v, labels=f"  labels:\n{text}" if labels else ""))


def call(served: Served, path: str) -> tuple[int, dict]:
    url = urlparse(served.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = json.loads(resp.read())
    conn.close()
    return resp.status, body


class Watch:
    """A watch request read line by line in a thread."""

    def __init__(self, served: Served, path: str):
        url = urlparse(served.url)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        self.conn.request("GET", path)
        self.resp = self.conn.getresponse()
        self.events: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self.resp:
                if line.strip():
                    self.events.put(json.loads(line))
        except (OSError, ValueError):
            pass
        self.events.put(None)

    def next(self, timeout: float = 20) -> dict | None:
        return self.events.get(timeout=timeout)

    def seen(self, name: str, timeout: float = 20) -> list[tuple[str, str]]:
        """(type, name) of the events up to and including the first about `name`."""
        out = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ev = self.next(deadline - time.monotonic())
            if ev is None:
                break
            out.append((ev["type"], ev["object"]["metadata"].get("name", "")))
            if out[-1][1] == name:
                return out
        raise AssertionError(f"no event about {name}: {out}")

    def close(self) -> None:
        self.conn.close()


def list_rv(served: Served, path: str = CM) -> str:
    return call(served, path)[1]["metadata"]["resourceVersion"]


def test_watch_from_a_list_sees_cli_creations_updates_and_deletions(served):
    watch = Watch(served, f"{CM}?watch=1&resourceVersion={list_rv(served)}")
    try:
        apply_cm(served, "w1")
        assert watch.seen("w1") == [("ADDED", "w1")]
        apply_cm(served, "w1", v=2)
        assert watch.seen("w1") == [("MODIFIED", "w1")]
        served.cli.ok("delete", "cm", "w1")
        assert watch.seen("w1") == [("DELETED", "w1")]
    finally:
        watch.close()


@pytest.mark.parametrize("path", [
    "/api/v1/watch/namespaces/default/configmaps/old-path",  # the deprecated watch paths
    "/api/v1/namespaces/default/configmaps/old-path?watch=1",
])
def test_one_object_watch_paths(served, path):
    apply_cm(served, "old-path")
    sep = "&" if "?" in path else "?"
    watch = Watch(served, f"{path}{sep}resourceVersion={list_rv(served)}")
    try:
        served.cli.ok("delete", "cm", "old-path")
        assert watch.seen("old-path") == [("DELETED", "old-path")]
    finally:
        watch.close()


def test_watch_from_an_older_version_replays_what_changed_since(served):
    apply_cm(served, "r1")
    since = list_rv(served)
    apply_cm(served, "r2")
    apply_cm(served, "r1", v=2)
    served.cli.ok("delete", "cm", "r2")
    watch = Watch(served, f"{CM}?watch=1&resourceVersion={since}")
    try:
        events = [watch.next() for _ in range(2)]
    finally:
        watch.close()
    # r2 was made and deleted since: its deletion; r1 was changed: MODIFIED
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("MODIFIED", "r1"), ("DELETED", "r2")]
    assert int(events[1]["object"]["metadata"]["resourceVersion"]) > int(
        events[0]["object"]["metadata"]["resourceVersion"])


def test_a_watch_from_before_the_log_is_410_gone(served):
    watch = Watch(served, f"{CM}?watch=1&resourceVersion=1")
    try:
        event = watch.next()
        assert watch.next() is None  # and the stream ends
    finally:
        watch.close()
    assert event["type"] == "ERROR"
    assert {k: event["object"][k] for k in ("kind", "code", "reason")} == {
        "kind": "Status", "code": 410, "reason": "Expired"}
    assert event["object"]["message"].startswith("too old resource version: 1 (")


def test_label_selector_watch_sees_objects_enter_and_leave(served):
    watch = Watch(served, f"{CM}?watch=1&labelSelector=tier%3Dfront"
                          f"&resourceVersion={list_rv(served)}")
    try:
        apply_cm(served, "sel", labels={"tier": "back"})  # not selected: no event
        apply_cm(served, "sel", v=2, labels={"tier": "front"})
        assert watch.seen("sel") == [("ADDED", "sel")]
        apply_cm(served, "sel", v=3, labels={"tier": "front"})
        assert watch.seen("sel") == [("MODIFIED", "sel")]
        served.cli.ok("label", "cm", "sel", "tier=back", "--overwrite")
        left = watch.next()
        assert (left["type"], left["object"]["metadata"]["labels"]) == (
            "DELETED", {"tier": "front"})  # the body the watch last sent
    finally:
        watch.close()


def test_watch_list_initial_events_end_with_a_bookmark(served):
    apply_cm(served, "initial")
    watch = Watch(served, f"{CM}?watch=1&sendInitialEvents=true&allowWatchBookmarks=true"
                          "&resourceVersionMatch=NotOlderThan")
    try:
        names = []
        while (ev := watch.next())["type"] == "ADDED":
            names.append(ev["object"]["metadata"]["name"])
        assert "initial" in names and ev["type"] == "BOOKMARK"
        assert ev["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
        served.cli.ok("delete", "cm", "initial")
        assert watch.seen("initial") == [("DELETED", "initial")]
    finally:
        watch.close()


def test_without_initial_events_a_watch_starts_at_the_most_recent_state(served):
    watch = Watch(served, f"{CM}?watch=1&sendInitialEvents=false"
                          "&resourceVersionMatch=NotOlderThan")
    try:
        time.sleep(0.5)
        apply_cm(served, "fresh")
        assert watch.seen("fresh") == [("ADDED", "fresh")]  # nothing of the state before
    finally:
        watch.close()


def test_a_bookmark_before_the_watch_ends_and_none_unasked(served):
    for asked in (True, False):
        watch = Watch(served, f"{CM}?watch=1&timeoutSeconds=2&resourceVersion="
                              f"{list_rv(served)}&allowWatchBookmarks={str(asked).lower()}")
        events = []
        while (ev := watch.next()) is not None:
            events.append(ev)
        watch.close()
        assert [e["type"] for e in events] == (["BOOKMARK"] if asked else [])
        if asked:
            assert events[0]["object"]["metadata"]["resourceVersion"].isdigit()


def test_a_watch_from_a_version_ahead_waits_then_times_out(served):
    watch = Watch(served, f"{CM}?watch=1&resourceVersion={int(list_rv(served)) + 1000}")
    try:
        event = watch.next()
    finally:
        watch.close()
    assert (event["type"], event["object"]["code"], event["object"]["reason"]) == (
        "ERROR", 504, "Timeout")


@pytest.mark.parametrize(("query", "code", "reason"), [
    ("resourceVersionMatch=Exact", 422, "Invalid"),
    ("resourceVersion=0&resourceVersionMatch=Exact", 422, "Invalid"),
    ("resourceVersion=1&resourceVersionMatch=Sometimes", 422, "Invalid"),
    ("sendInitialEvents=true", 422, "Invalid"),
    ("resourceVersion=abc", 400, "BadRequest"),
    ("resourceVersion=1&resourceVersionMatch=Exact", 410, "Expired"),
    ("resourceVersion=1&resourceVersionMatch=NotOlderThan", 200, None),
    ("resourceVersion=1", 200, None),
    ("resourceVersion=0", 200, None),
    ("watch=1&resourceVersionMatch=NotOlderThan", 422, "Invalid"),
    ("watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan", 422, "Invalid"),
])
def test_list_resource_version_options(served, query, code, reason):
    status, body = call(served, f"{CM}?{query}")
    assert (status, body.get("reason")) == (code, reason)


def test_exact_list_at_the_current_version_and_a_version_ahead(served):
    rv = list_rv(served)
    status, body = call(served, f"{CM}?resourceVersion={rv}&resourceVersionMatch=Exact")
    assert (status, body["metadata"]["resourceVersion"]) == (200, rv)
    status, body = call(served, f"{CM}?resourceVersion={int(rv) + 1000}")
    assert (status, body["reason"]) == (504, "Timeout")
    assert body["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge"


@needs_kubectl
def test_kubectl_get_watch_sees_cli_writes_and_deletions(served):
    apply_cm(served, "kw")
    env = {"KUBECONFIG": str(served.kubeconfig), "HOME": str(served.kubeconfig.parent)}
    watcher = subprocess.Popen([KUBECTL, "get", "cm", "kw", "-w", "--output-watch-events",
                                "--request-timeout", "5s"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    try:
        time.sleep(2)
        apply_cm(served, "kw", v=2)
        time.sleep(1)  # a watch sends an object's latest state: one look per change here
        served.cli.ok("delete", "cm", "kw")
        out, err = watcher.communicate(timeout=30)
    finally:
        watcher.kill()
    events = [line.split()[0] for line in out.splitlines()[1:]]
    assert events == ["ADDED", "MODIFIED", "DELETED"], out + err


@needs_kubectl
def test_kubectl_raw_watch_from_a_compacted_version_is_410(served):
    done = served.kubectl("get", "--raw", f"{CM}?watch=1&resourceVersion=1")
    event = json.loads(done.stdout.splitlines()[0])
    assert (event["type"], event["object"]["code"]) == ("ERROR", 410)


def test_python_client_watch_sees_the_whole_life_of_an_object(served):
    kubernetes = pytest.importorskip("kubernetes")
    from kubernetes import client, config, watch

    api = client.CoreV1Api(config.new_client_from_config(str(served.kubeconfig)))
    listed = api.list_namespaced_config_map("default")
    seen: list[str] = []
    w = watch.Watch()

    def follow():
        for event in w.stream(api.list_namespaced_config_map, "default",
                              resource_version=listed.metadata.resource_version,
                              field_selector="metadata.name=life", timeout_seconds=10):
            seen.append(event["type"])
            if event["type"] == "DELETED":
                w.stop()

    thread = threading.Thread(target=follow)
    thread.start()
    time.sleep(1)
    for step in (lambda: apply_cm(served, "life"), lambda: apply_cm(served, "life", v=2),
                 lambda: served.cli.ok("delete", "cm", "life")):
        step()
        time.sleep(1)  # a watch sends an object's latest state: one look per change here
    thread.join(30)
    assert kubernetes and seen == ["ADDED", "MODIFIED", "DELETED"]
