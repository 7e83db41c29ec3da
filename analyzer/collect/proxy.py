"""Many small API reads through one ``kubectl proxy`` on a private unix socket.

Starting kubectl once per log costs ~0.1 s of CPU per container (it loads the kubeconfig,
runs auth plugins, builds a client); with hundreds of containers that dominates the whole
collection.  ``kubectl proxy --unix-socket`` authenticates exactly as kubectl does (same
kubeconfig, context, exec plugins, proxies) and lets the collector read logs over plain HTTP
on a socket in its private staging directory (mode 0700: no other local user can use the
proxy, unlike a TCP port).  If the proxy cannot start, logs fall back to ``kubectl logs``.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from analyzer.collect.kubectl import Cancelled, Kubectl


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


@dataclass
class ProxyResult:
    status: int  # HTTP status; 0 when the request failed before an answer
    body: bytes
    duration_s: float
    error: str = ""  # kubectl-style one line for a failure
    timed_out: bool = False
    truncated: bool = False
    dropped_bytes: int = 0
    proxy_failed: bool = False  # the proxy itself is unusable (fall back to kubectl)

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.timed_out and not self.error


class KubectlProxy:
    """``kubectl proxy --unix-socket=PATH`` for the duration of a collection phase."""

    def __init__(self, kubectl: Kubectl, socket_path: Path) -> None:
        self.kubectl = kubectl
        self.socket_path = socket_path
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: list[bytes] = []
        self._lock = threading.Lock()
        self.failed = False

    def start(self, wait_s: float = 15.0) -> bool:
        spawned = self.kubectl.spawn(["proxy", f"--unix-socket={self.socket_path}"])
        if spawned is None:
            return False
        self._proc, self._stderr = spawned
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            if self.socket_path.exists():
                probe = self.get("/version", timeout_s=5)
                if probe.ok:
                    return True
            time.sleep(0.05)
        self.stop()
        return False

    def start_error(self) -> str:
        text = b"".join(self._stderr).decode("utf-8", errors="replace").strip()
        return text.splitlines()[-1] if text else "kubectl proxy did not start"

    def get(self, path: str, timeout_s: float, max_bytes: int | None = None) -> ProxyResult:
        """GET ``path``; with ``max_bytes`` only the newest bytes of the body are kept."""
        if self.kubectl.cancelled:
            raise Cancelled()
        start = time.monotonic()
        deadline = start + timeout_s
        conn = _UnixConnection(os.fspath(self.socket_path), timeout=timeout_s)
        out = bytearray()
        dropped = 0
        try:
            conn.request("GET", path, headers={"Accept": "application/json, */*"})
            resp = conn.getresponse()
            while True:
                chunk = resp.read(1 << 16)
                if not chunk:
                    break
                out += chunk
                if max_bytes is not None and len(out) > 2 * max_bytes + (1 << 16):
                    cut = len(out) - max_bytes
                    dropped += cut
                    del out[:cut]
                if time.monotonic() > deadline:
                    raise TimeoutError()
            status = resp.status
        except TimeoutError:
            self._check_cancelled()
            return ProxyResult(0, b"", time.monotonic() - start, f"timed out after {timeout_s:.0f}s",
                               timed_out=True)
        except (OSError, http.client.HTTPException) as e:
            self._check_cancelled()
            self.failed = True
            return ProxyResult(0, b"", time.monotonic() - start, f"kubectl proxy: {e}", proxy_failed=True)
        finally:
            conn.close()
        self._check_cancelled()
        duration = time.monotonic() - start
        if status != 200:
            return ProxyResult(status, b"", duration, _status_error(status, bytes(out)))
        if max_bytes is not None and len(out) > max_bytes:
            dropped += len(out) - max_bytes
            del out[: len(out) - max_bytes]
        return ProxyResult(status, bytes(out), duration, truncated=dropped > 0, dropped_bytes=dropped)

    def _check_cancelled(self) -> None:
        if self.kubectl.cancelled:
            raise Cancelled()

    def stop(self) -> None:
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is not None:
            self.kubectl.release(proc)
        try:
            self.socket_path.unlink()
        except OSError:
            pass


def _status_error(status: int, body: bytes) -> str:
    """``Error from server (Reason): message``, as kubectl words a failed request."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        doc = None
    if isinstance(doc, dict) and doc.get("kind") == "Status":
        reason = doc.get("reason") or f"HTTP {status}"
        return " ".join(f"Error from server ({reason}): {doc.get('message') or ''}".split())[:500]
    text = body.decode("utf-8", errors="replace").strip().splitlines()
    return f"Error from server (HTTP {status}): {text[0][:300] if text else ''}".strip()
