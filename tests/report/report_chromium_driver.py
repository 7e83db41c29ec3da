"""Drive headless Chromium over the DevTools protocol with the standard library only.

Chromium is started with ``--remote-debugging-pipe``: it reads NUL-terminated JSON commands on
fd 3 and writes replies and events on fd 4.  Tests use it to load a report, evaluate
expressions in the page, record every network request and emulate print media.

Also here: a small PNG decoder (zlib + scanline filters) to check a screenshot is not blank.
"""

from __future__ import annotations

import fcntl
import json
import os
import queue
import shutil
import struct
import subprocess
import threading
import time
import zlib
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars",
]


class DevToolsError(RuntimeError):
    pass


class Chromium:
    """One headless browser with one page, attached over a DevTools pipe."""

    def __init__(self, user_data_dir: Path, window: tuple[int, int] = (1366, 768)):
        if CHROMIUM is None:
            raise DevToolsError("chromium not found")
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # Move the child's ends above fd 10 so that dup2 onto 3 and 4 never clobbers one with the other.
        child_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        child_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        args = [CHROMIUM, *FLAGS, f"--user-data-dir={user_data_dir}", f"--window-size={window[0]},{window[1]}",
                "--remote-debugging-pipe", "about:blank"]
        def wire_pipe() -> None:  # in the child, before exec: the DevTools pipe on fds 3 and 4
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)

        # close_fds=False: Python's own descriptors are close-on-exec anyway; dup2 clears it on 3/4.
        self.proc = subprocess.Popen(
            args, preexec_fn=wire_pipe, close_fds=False, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(child_r)
        os.close(child_w)
        self._w = os.fdopen(to_chrome_w, "wb", buffering=0)
        self._r = os.fdopen(from_chrome_r, "rb", buffering=0)
        self._next_id = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self.session: str | None = None
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=None)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=None)[
            "sessionId"
        ]

    def _read_loop(self) -> None:
        buf = b""
        while True:
            chunk = self._r.read(65536)
            if not chunk:
                self._inbox.put(None)
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                self._inbox.put(json.loads(raw))

    def _pump(self, timeout: float) -> bool:
        try:
            msg = self._inbox.get(timeout=timeout)
        except queue.Empty:
            return False
        if msg is None:
            raise DevToolsError("chromium closed the DevTools pipe")
        if "id" in msg:
            self._replies[msg["id"]] = msg
        else:
            self.events.append(msg)
        return True

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None | bool = True,
             timeout: float = 60.0) -> dict[str, Any]:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        sid = self.session if session is True else session
        if sid:
            msg["sessionId"] = sid
        self._w.write(json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while self._next_id not in self._replies:
            if time.monotonic() > deadline:
                raise DevToolsError(f"no reply to {method}")
            self._pump(0.5)
        reply = self._replies.pop(self._next_id)
        if "error" in reply:
            raise DevToolsError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method: str, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for ev in self.events[seen:]:
                if ev.get("method") == method:
                    return ev
            seen = len(self.events)
            if time.monotonic() > deadline:
                raise DevToolsError(f"no {method} event")
            self._pump(0.5)

    def drain(self, seconds: float) -> None:
        """Collect events for a while (late requests, console messages)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._pump(max(0.01, deadline - time.monotonic()))

    def evaluate(self, expression: str) -> Any:
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in res:
            raise DevToolsError(f"evaluate {expression!r}: {res['exceptionDetails']}")
        return res["result"].get("value")

    def load(self, url: str, before_load_script: str | None = None, timeout: float = 120.0) -> float:
        """Navigate and wait for the load event; returns the seconds it took."""
        self.send("Page.enable")
        self.send("Network.enable")
        self.send("Runtime.enable")
        if before_load_script:
            self.send("Page.addScriptToEvaluateOnNewDocument", {"source": before_load_script})
        self.events.clear()
        start = time.monotonic()
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired", timeout=timeout)
        return time.monotonic() - start

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def close(self) -> None:
        try:
            self.send("Browser.close", session=None, timeout=10)
        except (DevToolsError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for f in (self._w, self._r):
            try:
                f.close()
            except OSError:
                pass

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def screenshot(html: Path, png: Path, user_data_dir: Path, size: tuple[int, int] = (1366, 768)) -> None:
    """``chromium --screenshot`` of a local file."""
    if CHROMIUM is None:
        raise DevToolsError("chromium not found")
    subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={user_data_dir}", f"--screenshot={png}",
         f"--window-size={size[0]},{size[1]}", html.resolve().as_uri()],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=True,
    )


def decode_png(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """(width, height, bytes per pixel, rows of raw pixel bytes) of an 8-bit RGB/RGBA/gray PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", 0
    height = bpp = 0
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if ctype == b"IHDR":
            width, height, depth, color, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or interlace:
                raise ValueError("only 8-bit non-interlaced PNGs")
            bpp = {0: 1, 2: 3, 4: 2, 6: 4}[color]
        elif ctype == b"IDAT":
            idat += body
        elif ctype == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev, strict=True))
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def pixel_stats(width: int, bpp: int, rows: list[bytes], step: int = 4) -> tuple[float, int]:
    """(variance of the grey level, number of distinct colours) over a sample of pixels."""
    values: list[int] = []
    colours: set[bytes] = set()
    for y in range(0, len(rows), step):
        row = rows[y]
        for x in range(0, width, step):
            px = row[x * bpp : x * bpp + min(bpp, 3)]
            colours.add(px)
            values.append(sum(px) // len(px))
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values), len(colours)
