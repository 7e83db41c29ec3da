"""Progress on stderr: a redrawn bar on a terminal, a line every few seconds otherwise."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from typing import TextIO


class Progress:
    """Thread-safe progress of the collection's phases (``resources``, ``logs``, ``nodes``)."""

    def __init__(self, stream: TextIO | None = None, interval_s: float = 5.0, quiet: bool = False) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval_s = interval_s
        self.quiet = quiet
        self._lock = threading.Lock()
        self._phases: dict[str, list[int]] = {}  # name -> [done, total, failed]
        self._order: list[str] = []
        self._last_draw = 0.0
        self._bar_shown = False
        self._started = time.monotonic()

    def add(self, phase: str, total: int) -> None:
        """Announce ``total`` more steps in ``phase``."""
        with self._lock:
            if phase not in self._phases:
                self._phases[phase] = [0, 0, 0]
                self._order.append(phase)
            self._phases[phase][1] += total
            self._draw(force=True)

    def step(self, phase: str, ok: bool = True) -> None:
        with self._lock:
            p = self._phases.setdefault(phase, [0, 0, 0])
            if phase not in self._order:
                self._order.append(phase)
            p[0] += 1
            if not ok:
                p[2] += 1
            self._draw(force=p[0] >= p[1])

    def message(self, text: str) -> None:
        """A line of its own (the bar is redrawn below it)."""
        if self.quiet:
            return
        with self._lock:
            self._clear()
            print(text, file=self.stream, flush=True)
            self._draw(force=True)

    def close(self) -> None:
        with self._lock:
            if self.tty and self._bar_shown:
                self._clear()
            elif not self.tty and self._phases and not self.quiet:
                print(self._status(), file=self.stream, flush=True)

    # ------------------------------------------------------------------ drawing
    def _status(self) -> str:
        parts = []
        for name in self._order:
            done, total, failed = self._phases[name]
            s = f"{name} {done}/{total}"
            if failed:
                s += f" ({failed} failed)"
            parts.append(s)
        elapsed = time.monotonic() - self._started
        return f"collect [{elapsed:5.1f}s] " + ", ".join(parts)

    def _draw(self, force: bool = False) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if self.tty:
            if not force and now - self._last_draw < 0.1:
                return
            width = shutil.get_terminal_size((100, 20)).columns - 1
            line = self._status()
            total = sum(p[1] for p in self._phases.values())
            done = sum(p[0] for p in self._phases.values())
            if total:
                bar_w = 20
                filled = int(bar_w * done / total)
                line = f"[{'#' * filled}{'.' * (bar_w - filled)}] " + line
            self.stream.write("\r" + line[:width].ljust(width))
            self.stream.flush()
            self._bar_shown = True
            self._last_draw = now
        elif force or now - self._last_draw >= self.interval_s:
            print(self._status(), file=self.stream, flush=True)
            self._last_draw = now

    def _clear(self) -> None:
        if self.tty and self._bar_shown:
            width = shutil.get_terminal_size((100, 20)).columns - 1
            self.stream.write("\r" + " " * width + "\r")
            self.stream.flush()
