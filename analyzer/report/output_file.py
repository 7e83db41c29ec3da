"""Writing a report file (``kbundle analyze -o``) so that it is whole or not there.

The report goes to a temporary file in the target's directory, then is renamed over the
target: a failed write (disk full, file size limit, interrupted run) leaves the previous
report as it was, and a symlink at the target is replaced by the report, never followed (a
link planted in a shared directory cannot redirect the write to another file).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def write_output_atomically(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8; a lone surrogate from a bundle string becomes ``?``) to
    ``path`` through a temporary file and a rename.

    Keeps the mode of the regular file it replaces (else the usual mode for a new file);
    raises OSError (the temporary file removed) when anything fails."""
    target = Path(path)
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    mode = _mode_for(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_report_file(path: Path, data: str | bytes) -> str | None:
    """Write a report (creating its folder) atomically; a one-line reason when it failed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_output_atomically(path, data)
    except OSError as e:
        return f"cannot write {path}: {e.strerror or e}"
    return None


def _mode_for(target: Path) -> int:
    try:
        st = os.lstat(target)
    except OSError:
        st = None
    if st is not None and stat.S_ISREG(st.st_mode):
        return stat.S_IMODE(st.st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
