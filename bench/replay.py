"""A recording HTTP front for `kubesvc serve`, to find kubectl's own floor.

While recording, each GET is forwarded to the upstream server and its answer (status, headers,
body) kept under (path, Accept). Once frozen, the same requests are answered from memory with
no upstream at all: a server that costs nothing. kubectl's time against the frozen front is what
kubectl itself spends (start-up, discovery cache, decoding and printing the Table), the floor no
server can go below; the rest of its time through `kubesvc serve` is the server's share.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


class Replay:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.frozen = False
        self.records: dict[tuple[str, str], tuple[int, list[tuple[str, str]], bytes]] = {}
        self.misses = 0
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                key = (self.path, self.headers.get("Accept", ""))
                record = replay.records.get(key)
                if record is None and not replay.frozen:
                    record = replay.forward(self.path, dict(self.headers.items()))
                    replay.records[key] = record
                if record is None:
                    replay.misses += 1
                    record = (404, [("Content-Type", "application/json")],
                              b'{"kind":"Status","apiVersion":"v1","status":"Failure",'
                              b'"reason":"NotFound","code":404}')
                status, headers, body = record
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def forward(self, path: str, headers: dict[str, str]) -> tuple[int, list, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=120)
        try:
            headers.pop("Host", None)
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            kept = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
            return resp.status, kept, body
        finally:
            conn.close()

    def __enter__(self) -> Replay:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def kubeconfig_for(port: int) -> str:
    return ("apiVersion: v1\nkind: Config\n"
            f"clusters: [{{name: replay, cluster: {{server: 'http://127.0.0.1:{port}'}}}}]\n"
            "users: [{name: replay, user: {}}]\n"
            "contexts: [{name: replay, context: {cluster: replay, user: replay}}]\n"
            "current-context: replay\n")
