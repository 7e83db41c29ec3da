"""Run the user's own ``kubectl``: one subprocess per call, with a timeout, bounded output,
and a registry of live processes so that Ctrl-C can stop them all.

Every call gets the user's ``--kubeconfig``/``--context`` and ``--request-timeout``; the
subprocess itself is killed (its whole process group) a few seconds after that, should
kubectl hang.  Nothing here writes to disk.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# Grace after --request-timeout before the process is killed.
KILL_GRACE_S = 5.0
MAX_STDERR_BYTES = 64 * 1024


class Cancelled(Exception):
    """The collection was interrupted; no new kubectl call starts."""


@dataclass
class CallResult:
    """Outcome of one kubectl call."""

    command: str  # for the manifest: "kubectl get pods -A -o json" (no kubeconfig/context flags)
    returncode: int
    stdout: bytes
    stderr: str
    duration_s: float
    timed_out: bool = False
    truncated: bool = False  # stdout exceeded the cap; only the newest bytes are kept
    dropped_bytes: int = 0

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def error_line(self) -> str:
        """One line saying why the call failed."""
        if self.timed_out:
            return f"timed out after {self.duration_s:.0f}s"
        lines = [ln.strip() for ln in self.stderr.splitlines() if ln.strip()]
        # kubectl prints warnings first ("Warning: ..."); the error is usually the last line.
        errors = [ln for ln in lines if not ln.startswith(("Warning:", "W0", "I0"))]
        msg = (errors or lines or [f"exit status {self.returncode}"])[-1]
        return msg[:500]


def missing_kubeconfig(environ: Mapping[str, str]) -> str | None:
    """Why kubectl, given no ``--kubeconfig``, would find no configuration, or None.

    kubectl then talks to ``http://localhost:8080`` and says "connection refused", which
    hides the real problem: ``KUBECONFIG`` naming no existing file, or (outside a pod) no
    ``KUBECONFIG`` and no ``~/.kube/config``."""
    raw = environ.get("KUBECONFIG") or ""
    files = [p for p in raw.split(os.pathsep) if p]
    if files:
        if any(Path(p).is_file() for p in files):
            return None
        what = "file does not exist" if len(files) == 1 else "files exist"
        return f"KUBECONFIG={raw}: no kubeconfig (the {what}); set KUBECONFIG or give --kubeconfig"
    if environ.get("KUBERNETES_SERVICE_HOST"):
        return None  # inside a pod: kubectl uses the service account
    home = environ.get("HOME")
    default = (Path(home) if home else Path.home()) / ".kube" / "config"
    if default.is_file():
        return None
    return f"no kubeconfig: {default} does not exist and KUBECONFIG is not set; give --kubeconfig"


@dataclass
class Kubectl:
    """The user's kubectl, with their kubeconfig and context."""

    binary: str
    kubeconfig: Path | None = None
    context: str | None = None
    timeout_s: float = 60.0
    _procs: set[subprocess.Popen[bytes]] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cancelled: threading.Event = field(default_factory=threading.Event, repr=False)

    def base_args(self) -> list[str]:
        args = [self.binary]
        if self.kubeconfig is not None:
            args.append(f"--kubeconfig={self.kubeconfig}")
        if self.context:
            args.append(f"--context={self.context}")
        return args

    def run(
        self,
        args: Sequence[str],
        *,
        stdin: bytes | None = None,
        timeout_s: float | None = None,
        max_stdout: int | None = None,
        request_timeout: bool = True,
    ) -> CallResult:
        """Run ``kubectl <args>``.  ``max_stdout`` keeps only the newest bytes of stdout.

        Never raises for kubectl failures (see :class:`CallResult`); raises
        :class:`Cancelled` once :meth:`cancel` was called."""
        if self._cancelled.is_set():
            raise Cancelled()
        timeout = self.timeout_s if timeout_s is None else timeout_s
        argv = self.base_args()
        if request_timeout:
            argv.append(f"--request-timeout={max(1, int(round(timeout)))}s")
        argv += list(args)
        shown = "kubectl " + " ".join(shlex.quote(a) for a in args)
        start = time.monotonic()
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # Ctrl-C reaches us; we stop kubectl ourselves
            )
        except OSError as e:
            return CallResult(shown, 127, b"", f"cannot run {self.binary}: {e.strerror or e}", 0.0)
        with self._lock:
            self._procs.add(proc)
        if self._cancelled.is_set():  # cancelled while the process was starting
            _kill(proc)
            proc.wait()
            with self._lock:
                self._procs.discard(proc)
            raise Cancelled()
        timed_out = threading.Event()

        def on_timeout() -> None:
            timed_out.set()
            _kill(proc)

        timer = threading.Timer(timeout + KILL_GRACE_S, on_timeout)
        timer.daemon = True
        timer.start()
        stderr_chunks: list[bytes] = []
        err_thread = threading.Thread(target=_drain, args=(proc.stderr, stderr_chunks, MAX_STDERR_BYTES), daemon=True)
        err_thread.start()
        if stdin is not None:
            threading.Thread(target=_feed, args=(proc, stdin), daemon=True).start()
        out = bytearray()
        dropped = 0
        try:
            assert proc.stdout is not None
            fd = proc.stdout.fileno()
            while True:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                out += chunk
                if max_stdout is not None and len(out) > 2 * max_stdout + (1 << 16):
                    cut = len(out) - max_stdout
                    dropped += cut
                    del out[:cut]
            proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                _kill(proc)
                proc.wait()
            err_thread.join(timeout=2)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
            with self._lock:
                self._procs.discard(proc)
        if max_stdout is not None and len(out) > max_stdout:
            dropped += len(out) - max_stdout
            del out[: len(out) - max_stdout]
        duration = time.monotonic() - start
        stderr = b"".join(stderr_chunks).decode("utf-8", errors="replace")
        if self._cancelled.is_set():
            raise Cancelled()
        rc = proc.returncode
        return CallResult(shown, rc, bytes(out), stderr, round(duration, 3), timed_out=timed_out.is_set(),
                          truncated=dropped > 0, dropped_bytes=dropped)

    def spawn(self, args: Sequence[str]) -> tuple[subprocess.Popen[bytes], list[bytes]] | None:
        """Start a long-running ``kubectl <args>`` (``kubectl proxy``), stopped by :meth:`cancel`
        or :meth:`release`.  Returns the process and the list its stderr is collected into."""
        if self._cancelled.is_set():
            raise Cancelled()
        try:
            proc = subprocess.Popen([*self.base_args(), *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, start_new_session=True)
        except OSError:
            return None
        with self._lock:
            self._procs.add(proc)
        if self._cancelled.is_set():
            self.release(proc)
            raise Cancelled()
        chunks: list[bytes] = []
        threading.Thread(target=_drain, args=(proc.stderr, chunks, MAX_STDERR_BYTES), daemon=True).start()
        return proc, chunks

    def release(self, proc: subprocess.Popen[bytes]) -> None:
        """Stop a process started by :meth:`spawn`."""
        _kill(proc)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        with self._lock:
            self._procs.discard(proc)

    def cancel(self) -> None:
        """Stop every running kubectl and refuse new calls."""
        self._cancelled.set()
        with self._lock:
            procs = list(self._procs)
        for p in procs:
            _kill(p)

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()


def _drain(stream: IO[bytes] | None, chunks: list[bytes], cap: int) -> None:
    if stream is None:
        return
    total = 0
    read = stream.read1 if hasattr(stream, "read1") else stream.read
    try:
        while True:
            chunk = read(1 << 14)
            if not chunk:
                return
            if total < cap:
                chunks.append(chunk[: cap - total])
                total += len(chunk)
    except (OSError, ValueError):
        return


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    try:
        assert proc.stdin is not None
        proc.stdin.write(data)
        proc.stdin.close()
    except (OSError, ValueError):
        pass


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        try:
            proc.kill()
        except OSError:
            pass
