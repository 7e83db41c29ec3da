"""kbundle's private temporary directories (``$TMPDIR/kbundle-XXXXXXXX``, mode 0700), and
their removal on every way the process can end but SIGKILL:

* ``remove()`` (a bundle closed), garbage collection, or interpreter exit (also after
  Ctrl-C, which unwinds as KeyboardInterrupt);
* SIGTERM, SIGHUP and SIGQUIT, whose default action ends the process without running any
  Python code: while a directory exists, a handler removes this process's directories and
  then ends the process by the same signal (so the exit status still says which).

The handlers are installed when the first directory is made, only in the main thread and
only for signals still at their default action (a command with its own handler, such as
``kbundle serve`` or ``kbundle collect``, keeps it; an ignored SIGHUP under ``nohup`` stays
ignored).  A forked child (the analysis's text scanner) never removes its parent's
directories.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import weakref
from types import FrameType

# Signals whose default action ends the process (SIGINT raises KeyboardInterrupt instead).
CLEANUP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, name))

_live: dict[str, int] = {}  # directory -> id of the process that made it
_installed = False


def _remove(path: str) -> None:
    owner = _live.pop(path, None)
    if owner is None or owner == os.getpid():
        shutil.rmtree(path, ignore_errors=True)


def remove_own_dirs() -> None:
    """Remove every live directory this process made."""
    for path, owner in list(_live.items()):
        if owner == os.getpid():
            _live.pop(path, None)
            shutil.rmtree(path, ignore_errors=True)


def _end_by_signal(signum: int, _frame: FrameType | None) -> None:
    remove_own_dirs()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_signal_cleanup() -> None:
    global _installed
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    _installed = True
    for signum in CLEANUP_SIGNALS:
        try:
            if signal.getsignal(signum) == signal.SIG_DFL:
                signal.signal(signum, _end_by_signal)
        except (OSError, ValueError):  # pragma: no cover - a platform without it
            continue


def _block(signals: tuple[int, ...] | set[int], unblock: bool = False) -> set[int]:
    """Block (or unblock) ``signals`` in this thread; the ones newly blocked."""
    if not signals or not hasattr(signal, "pthread_sigmask"):
        return set()
    if unblock:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, signals)
        return set()
    before = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    return {s for s in signals if s not in before}


class TempDir:
    """A private temporary directory removed on :meth:`remove`, on garbage collection, at
    interpreter exit, or when a signal ends the process."""

    def __init__(self) -> None:
        _install_signal_cleanup()
        blocked = _block(CLEANUP_SIGNALS)  # a signal between making and registering it waits
        try:
            self.path = tempfile.mkdtemp(prefix="kbundle-")
            _live[self.path] = os.getpid()
        finally:
            _block(blocked, unblock=True)
        self._finalizer = weakref.finalize(self, _remove, self.path)

    def remove(self) -> None:
        self._finalizer()
