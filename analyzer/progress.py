"""Progress of a long command on stderr, shared by every command.

On a terminal a live bar (rich) redrawn in place and cleared at the end; otherwise a plain
line every few seconds; nothing with ``--quiet``.  Nothing at all is shown for work that
ends within ``delay_s`` (most bundles are small): rich is imported only when a bar is due.

Two ways to report, usable together:
* phases with counts (``collect``): :meth:`Progress.add` steps to a phase, :meth:`Progress.step`;
* an activity with a current phase and bytes (``analyze``, ``inspect``): :meth:`Progress.phase`
  (reading, building the model, rules, report) and :meth:`Progress.read`, which the bundle
  reader feeds through :func:`note_file` while a progress is active.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from types import TracebackType
from typing import Any, TextIO

from analyzer.console import is_terminal, settings

TTY_TICK_S = 0.1
TTY_DELAY_S = 0.3  # the bar appears once the work has taken this long
LINE_INTERVAL_S = 3.0  # one plain line every LINE_INTERVAL_S when stderr is not a terminal

_active: Progress | None = None


def _forget_in_child() -> None:
    """A forked child (the engine's text scan) has no progress thread: it must not report."""
    global _active
    _active = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


def note_file(nbytes: int) -> None:
    """One more file of ``nbytes`` read, for the progress being shown (if any)."""
    p = _active
    if p is not None:
        p.read(1, nbytes)


def human_size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


class Progress:
    """Thread-safe progress on ``stream`` (stderr); use as a context manager or call
    :meth:`start` and :meth:`close`."""

    def __init__(self, title: str, stream: TextIO | None = None, quiet: bool | None = None,
                 delay_s: float | None = None, interval_s: float = LINE_INTERVAL_S, tty: bool | None = None) -> None:
        self.title = title
        self.stream = stream if stream is not None else sys.stderr
        self.tty = is_terminal(self.stream) if tty is None else tty
        self.quiet = settings.quiet if quiet is None else quiet
        # Nothing for work shorter than this: 1 s on a terminal, LINE_INTERVAL_S for plain lines.
        self.delay_s = delay_s if delay_s is not None else (TTY_DELAY_S if self.tty else interval_s)
        self.interval_s = interval_s
        self._lock = threading.RLock()  # message() prints while the live display redraws
        self._counts: dict[str, list[int]] = {}  # phase -> [done, total, failed]
        self._phase = ""
        self._detail = ""
        self._phase_started = time.monotonic()
        self.phase_times: list[tuple[str, float]] = []  # (phase, seconds) of the phases ended
        self.files = 0
        self.bytes = 0
        self._started = time.monotonic()
        self._last_line = 0.0
        self._live: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lines_shown = 0
        self._closed = False

    # ------------------------------------------------------------------ reporting
    def phase(self, name: str) -> None:
        """The current phase (``reading``, ``building the model``, ``rules``, ``report``...)."""
        now = time.monotonic()
        with self._lock:
            if self._phase:
                self.phase_times.append((self._phase, now - self._phase_started))
            self._phase, self._phase_started, self._detail = name, now, ""

    def detail(self, text: str) -> None:
        """What the current phase is at (shown after its name), e.g. ``Pod objects 500/2000``."""
        with self._lock:
            self._detail = text

    def read(self, files: int, nbytes: int) -> None:
        with self._lock:
            self.files += files
            self.bytes += nbytes

    def add(self, phase: str, total: int) -> None:
        """Announce ``total`` more steps in ``phase``."""
        with self._lock:
            self._counts.setdefault(phase, [0, 0, 0])[1] += total

    def step(self, phase: str, ok: bool = True) -> None:
        with self._lock:
            c = self._counts.setdefault(phase, [0, 0, 0])
            c[0] += 1
            if not ok:
                c[2] += 1

    def message(self, text: str) -> None:
        """A line of its own (above the bar on a terminal); nothing with --quiet."""
        if self.quiet:
            return
        with self._lock:
            if self._live is not None:
                self._live.console.print(text, markup=False, highlight=False)
            else:
                print(text, file=self.stream, flush=True)

    # ------------------------------------------------------------------ life cycle
    def start(self) -> Progress:
        global _active
        _active = self
        if not self.quiet and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kbundle-progress", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        global _active
        if self._closed:
            return
        self._closed = True
        if _active is self:
            _active = None
        self.phase("")
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        with self._lock:
            if self._live is not None:
                try:
                    self._live.stop()
                except Exception:  # noqa: BLE001 - the terminal went away: nothing to clear
                    pass
                self._live = None
            elif self.lines_shown and not self.quiet:
                print(self.status(final=True), file=self.stream, flush=True)

    def __enter__(self) -> Progress:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # ------------------------------------------------------------------ drawing
    def status(self, final: bool = False) -> str:
        elapsed = time.monotonic() - self._started
        parts = []
        if self._phase and not final:
            parts.append(f"{self._phase} ({self._detail})" if self._detail else self._phase)
        if self.files or self.bytes:
            rate = self.bytes / elapsed if elapsed > 0 else 0
            parts.append(f"{self.files} files, {human_size(self.bytes)} read ({human_size(rate)}/s)")
        for name, (done, total, failed) in self._counts.items():
            parts.append(f"{name} {done}/{total}" + (f" ({failed} failed)" if failed else ""))
        return f"{self.title} [{elapsed:5.1f}s] " + ("; ".join(parts) if parts else "working")

    def __rich__(self) -> Any:
        from rich.progress_bar import ProgressBar
        from rich.table import Table

        with self._lock:
            text = self.status()
            done = sum(c[0] for c in self._counts.values())
            total = sum(c[1] for c in self._counts.values())
        grid = Table.grid(padding=(0, 1))
        grid.add_row(ProgressBar(total=total or None, completed=done, width=24), text)
        return grid

    def _run(self) -> None:
        if self.tty:  # the bar's library, loaded while the command starts its work
            try:
                import rich.console
                import rich.live
                import rich.progress_bar
                import rich.table  # noqa: F401
            except ImportError:
                return
        while not self._stop.wait(TTY_TICK_S if self.tty else min(self.interval_s, 0.5)):
            elapsed = time.monotonic() - self._started
            if elapsed < self.delay_s:
                continue
            try:
                if self.tty:
                    self._draw_live()
                elif time.monotonic() - self._last_line >= self.interval_s:
                    with self._lock:
                        line = self.status()
                    print(line, file=self.stream, flush=True)
                    self._last_line = time.monotonic()
                    self.lines_shown += 1
            except Exception:  # noqa: BLE001 - progress must never break the command
                return

    def _draw_live(self) -> None:
        if self._live is None:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self.stream, force_terminal=True, no_color=settings.no_color)
            live = Live(self, console=console, transient=True, auto_refresh=False, redirect_stdout=False,
                        redirect_stderr=False)
            with self._lock:
                if self._stop.is_set():
                    return
                self._live = live
            live.start()
            self.lines_shown += 1
        self._live.refresh()
