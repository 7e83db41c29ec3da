"""A test-only HTTP proxy in front of ``kbundle serve`` that injects faults a real cluster has:
RBAC-forbidden resources (403 Status) and log requests that never answer (until released).
Everything else is forwarded unchanged."""

from __future__ import annotations

import http.client
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
               "proxy-authenticate", "host", "content-length"}


class FaultProxy:
    """``forbid``: resource plurals whose list answers 403; ``hang_logs``: (ns, pod, container)."""

    def __init__(self, upstream: str, forbid: set[str] | None = None,
                 hang_logs: set[tuple[str, str, str]] | None = None) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.forbid = forbid or set()
        self.hang_logs = hang_logs or set()
        self.release = threading.Event()
        self.hanging = threading.Event()  # set once a request is being held
        self.forbidden_hits = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                proxy._handle(self, "GET")

            def do_POST(self) -> None:
                proxy._handle(self, "POST")

            def do_PUT(self) -> None:
                proxy._handle(self, "PUT")

            def do_PATCH(self) -> None:
                proxy._handle(self, "PATCH")

            def do_DELETE(self) -> None:
                proxy._handle(self, "DELETE")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def shutdown(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # ------------------------------------------------------------------ faults
    def _forbidden(self, path: str) -> str | None:
        m = re.match(r"^/(?:api/v1|apis/(?P<group>[^/]+)/[^/]+)(?:/namespaces/[^/]+)?/(?P<res>[a-z0-9.-]+)$", path)
        if m and m.group("res") in self.forbid:
            return m.group("res")
        return None

    def _hung(self, path: str, query: dict[str, list[str]]) -> bool:
        m = re.match(r"^/api/v1/namespaces/(?P<ns>[^/]+)/pods/(?P<pod>[^/]+)/log$", path)
        if not m:
            return False
        container = (query.get("container") or [""])[0]
        return (m.group("ns"), m.group("pod"), container) in self.hang_logs

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else None
        parts = urlsplit(h.path)
        res = self._forbidden(parts.path) if method == "GET" else None
        if res is not None:
            self.forbidden_hits += 1
            status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                      "message": f'{res} is forbidden: User "system:serviceaccount:test:collector" cannot list '
                                 f'resource "{res}" in API group "" at the cluster scope',
                      "reason": "Forbidden", "details": {"kind": res}, "code": 403}
            self._reply(h, 403, json.dumps(status).encode(), "application/json")
            return
        if method == "GET" and self._hung(parts.path, parse_qs(parts.query)):
            self.hanging.set()
            self.release.wait(60)
            self._reply(h, 504, b'{"kind":"Status","code":504}', "application/json")
            return
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_HEADERS}
            conn.request(method, h.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            ctype = resp.getheader("Content-Type") or "application/json"
            self._reply(h, resp.status, data, ctype)
        finally:
            conn.close()

    @staticmethod
    def _reply(h: BaseHTTPRequestHandler, code: int, data: bytes, ctype: str) -> None:
        try:
            h.send_response(code)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
