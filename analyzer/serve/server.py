"""The HTTP side of ``kbundle serve``: a standard-library threading HTTP server answering
with :class:`~analyzer.serve.api.BundleAPI`.

For tests and tools::

    from analyzer.serve.server import serve_in_thread
    from analyzer.serve.kubeconfig import write_kubeconfig

    server, url = serve_in_thread("bundles/demo")      # or a Bundle; port 0 = a free port
    write_kubeconfig(tmp / "kubeconfig", url, "demo")
    ...  # kubectl --kubeconfig tmp/kubeconfig get pods -A
    server.shutdown()
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from analyzer.bundle.model import Bundle
from analyzer.serve.api import BundleAPI, Response, dumps, status_response
from analyzer.serve.hosts import DEFAULT_ACCEPT_HOSTS, HostFilter, parse_accept_hosts

MAX_REQUEST_BODY = 16 * 1024 * 1024
MAX_KEPT_BODY = 64 * 1024
# A connection that sends nothing for this long is closed (between requests, or a request
# that stalls); a watch stream is not idle.
IDLE_TIMEOUT_S = 60.0
# Connections served at once (one thread each); more are answered 503 and closed.
MAX_CONNECTIONS = 64
# A watch without timeoutSeconds ends after this long, as the API server's
# --min-request-timeout (1800 s) ends it; the client starts a new one.
MAX_WATCH_S = 1800.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stalls
    server_version = "kbundle-serve"
    sys_version = ""
    server: _HTTPServer

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    def setup(self) -> None:
        self.timeout = self.server.idle_timeout_s  # type: ignore[misc]  # read by StreamRequestHandler.setup
        super().setup()
        _enable_keepalive(self.connection)

    def version_string(self) -> str:
        return self.server_version

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed requests (bad request line, unsupported method) get a Status too."""
        reason = {400: "BadRequest", 405: "MethodNotAllowed", 414: "RequestURITooLong", 431: "BadRequest",
                  501: "MethodNotAllowed"}.get(code, "BadRequest")
        resp = status_response(code, reason, f"kbundle serve: {message or 'bad request'}")
        self.close_connection = True
        try:
            self._send(resp, with_body=self.command != "HEAD")
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            super().log_message(format, *args)

    def _read_body(self) -> bytes:
        """Read the request body (so the connection can be reused); only small bodies are
        kept (access reviews), the rest of a write is read and dropped."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            return b""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > MAX_REQUEST_BODY:
            self.close_connection = True
            return b""
        kept: list[bytes] = []
        size = 0
        while length > 0:
            chunk = self.rfile.read(min(length, 65536))
            if not chunk:
                break
            length -= len(chunk)
            if size < MAX_KEPT_BODY:
                kept.append(chunk)
                size += len(chunk)
        return b"".join(kept) if size <= MAX_KEPT_BODY else b""

    def _dispatch(self, method: str) -> None:
        try:
            body = self._read_body()
            host = self.headers.get("Host")
            if not self.server.hosts.accepts(host):
                self.close_connection = True
                resp = status_response(403, "Forbidden", f"kbundle serve: host {host!r} is not accepted "
                                       "(only loopback names by default; see --accept-hosts)")
            else:
                resp = self.server.api.handle(method, self.path, self.headers, body)
        except Exception as e:  # noqa: BLE001 - never a traceback to the client
            resp = status_response(500, "InternalError", f"kbundle serve: internal error: {type(e).__name__}: {e}")
        try:
            if resp.watch_events is not None and method == "GET":
                self._stream_watch(resp)
            else:
                self._send(resp, with_body=method != "HEAD")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send(self, resp: Response, with_body: bool = True) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if with_body:
            self.wfile.write(resp.body)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _stream_watch(self, resp: Response) -> None:
        """Send the watch events, then keep the stream open, with nothing more to say (a
        bundle never changes), until the timeout, the client leaving or the server stopping."""
        self.send_response(200)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        for event in resp.watch_events or []:
            self._chunk(dumps(event) + b"\n")
        self.wfile.flush()
        stopping = self.server.stopping
        remaining = MAX_WATCH_S if resp.watch_timeout is None else min(resp.watch_timeout, MAX_WATCH_S)
        while not stopping.is_set() and remaining > 0:
            step = min(0.5, remaining)
            readable, _, _ = select.select([self.connection], [], [], step)
            if readable:
                # A watch client has nothing to send: end of file means it left, and any byte
                # means it moved on (a request that cannot be answered on this stream).  Either
                # way the stream ends; the byte is consumed, never peeked at again.
                break
            remaining -= step
        with contextlib.suppress(OSError):
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        self.close_connection = True


def _enable_keepalive(conn: socket.socket) -> None:
    """TCP keepalive, so a watch whose client vanished (host gone, no FIN) ends in minutes."""
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for name, value in (("TCP_KEEPIDLE", 60), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3)):
            if hasattr(socket, name):
                conn.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    api: BundleAPI
    hosts: HostFilter
    stopping: threading.Event
    slots: threading.BoundedSemaphore
    idle_timeout_s: float = IDLE_TIMEOUT_S
    log_requests: bool = False

    def process_request(self, request: Any, client_address: Any) -> None:
        """One thread per connection, at most ``slots`` at once: beyond, a 503 and close."""
        if not self.slots.acquire(blocking=False):
            _refuse_busy(request)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away mid-request is not worth a traceback


def _refuse_busy(request: socket.socket) -> None:
    body = status_response(503, "ServiceUnavailable", "kbundle serve: too many connections; retry").body
    head = (f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n").encode()
    with contextlib.suppress(OSError):
        request.settimeout(1.0)
        request.sendall(head + body)


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class BundleServer:
    """A bundle served over HTTP.  ``port=0`` picks a free port; see :attr:`url`."""

    def __init__(self, bundle: Bundle, address: str = "127.0.0.1", port: int = 0, log_requests: bool = False,
                 accept_hosts: str = DEFAULT_ACCEPT_HOSTS, idle_timeout_s: float = IDLE_TIMEOUT_S,
                 max_connections: int = MAX_CONNECTIONS):
        """``accept_hosts``: comma-separated regular expressions a request's host must match
        (see :mod:`analyzer.serve.hosts`); raises ValueError when one is invalid."""
        patterns = parse_accept_hosts(accept_hosts)
        if isinstance(patterns, str):
            raise ValueError(patterns)
        self.bundle = bundle
        cls = _HTTPServer6 if ":" in address else _HTTPServer
        self.api = BundleAPI(bundle)
        self.httpd = cls((address, port), _Handler)
        self.httpd.api = self.api
        self.httpd.hosts = HostFilter(tuple(patterns), address)
        self.httpd.stopping = threading.Event()
        self.httpd.slots = threading.BoundedSemaphore(max(1, max_connections))
        self.httpd.idle_timeout_s = idle_timeout_s
        self.httpd.log_requests = log_requests
        self.address = address
        self.port: int = self.httpd.server_address[1]
        host = f"[{address}]" if ":" in address else address
        self.url = f"http://{host}:{self.port}"
        self.api.server_address = f"{host}:{self.port}"
        self._thread: threading.Thread | None = None
        self.owns_bundle = False  # close the bundle on shutdown (serve_in_thread opened it)

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`shutdown` (from another thread) or an exception
        such as KeyboardInterrupt."""
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self) -> BundleServer:
        """Serve on a daemon thread."""
        self._thread = threading.Thread(target=self.serve_forever, name=f"kbundle-serve:{self.port}", daemon=True)
        self._thread.start()
        return self

    def shutdown(self) -> None:
        """Stop serving, end open watches and close the socket.  Safe to call twice."""
        self.httpd.stopping.set()
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.server_close()
        if self.owns_bundle:
            self.owns_bundle = False
            close = getattr(self.bundle, "close", None)
            if callable(close):
                close()

    def __enter__(self) -> BundleServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def serve_in_thread(bundle: Bundle | str | os.PathLike[str], address: str = "127.0.0.1", port: int = 0
                    ) -> tuple[BundleServer, str]:
    """Serve ``bundle`` (a :class:`Bundle` or a path any reader understands) on a daemon
    thread; returns the server (call ``shutdown()``) and its base URL."""
    owns = False
    if not isinstance(bundle, Bundle):
        from analyzer.bundle.reader import open_bundle

        bundle = open_bundle(bundle)
        owns = True
    server = BundleServer(bundle, address, port)
    server.owns_bundle = owns
    server.start()
    return server, server.url
