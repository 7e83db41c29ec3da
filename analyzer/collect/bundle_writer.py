"""Stage a native bundle under a temporary name next to the output, then publish it atomically.

The staging directory (``.kbundle-tmp-XXXXXXXX`` in the output's directory, mode 0700)
receives every file as it is collected; :meth:`StagedBundle.publish` writes
``manifest.json``, then either renames the directory to the output path or packs it into a
``.tar.gz`` (members under one top folder) that is linked into place.  Until then nothing
exists under the output name, and :meth:`StagedBundle.abort` (Ctrl-C, fatal error) removes
everything staged.  Writes are thread-safe.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tarfile
import tempfile
import threading
from pathlib import Path
from typing import Any

import orjson

TARBALL_SUFFIXES = (".tar.gz", ".tgz")


class OutputError(Exception):
    """The output path cannot be used (one line, names the path)."""


def is_tarball(path: Path) -> bool:
    return path.name.endswith(TARBALL_SUFFIXES)


def bundle_name(path: Path) -> str:
    """Top folder name inside a tarball: the file name without its suffix."""
    name = path.name
    for suffix in TARBALL_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)] or "kbundle"
    return name or "kbundle"


def check_output(path: Path) -> None:
    """Refuse an output that would overwrite something (raises :class:`OutputError`)."""
    if is_tarball(path):
        if path.exists() or path.is_symlink():
            raise OutputError(f"{path}: already exists; choose another -o or remove it")
    elif path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise OutputError(f"{path}: already exists and is not an empty directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"{parent}: output directory does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{parent}: output directory is not writable")


def safe_relpath(rel: str) -> str:
    """Validate a bundle-relative path: no absolute paths, ``..``, empty parts or NULs."""
    parts = rel.split("/")
    if not rel or rel.startswith("/") or any(p in ("", ".", "..") or "\x00" in p for p in parts):
        raise ValueError(f"unsafe bundle path {rel!r}")
    return rel


class StagedBundle:
    """A bundle being written.  ``put`` files, record ``error``s, then ``publish`` or ``abort``."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.tarball = is_tarball(output)
        parent = output.parent if str(output.parent) else Path(".")
        self.tmp = Path(tempfile.mkdtemp(prefix=".kbundle-tmp-", dir=parent))
        self.root = self.tmp / bundle_name(output)
        self.root.mkdir(mode=0o700)
        self.files: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.skipped: list[dict[str, Any]] = []
        self._paths: set[str] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.bytes_written = 0

    # ------------------------------------------------------------------ filling
    def put(
        self,
        rel: str,
        data: bytes,
        *,
        command: str,
        exit_code: int = 0,
        duration_s: float = 0.0,
        **extra: Any,
    ) -> None:
        """Write one file of the bundle and list it for the manifest."""
        safe_relpath(rel)
        with self._lock:
            if self._closed:
                raise RuntimeError("bundle already published or aborted")
            if rel in self._paths:
                raise ValueError(f"{rel}: written twice")
            self._paths.add(rel)
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as f:
            f.write(data)
        entry: dict[str, Any] = {
            "path": rel, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "command": command,
            "exit_code": exit_code, "duration_s": round(float(duration_s), 3),
        }
        entry.update({k: v for k, v in extra.items() if v is not None})
        with self._lock:
            self.files.append(entry)
            self.bytes_written += len(data)

    def has(self, rel: str) -> bool:
        with self._lock:
            return rel in self._paths

    def error(self, step: str, command: str, error: str, **extra: Any) -> None:
        """Record something that should have been collected and was not."""
        entry = {"step": step, "command": command, "error": " ".join(str(error).split())[:1000]}
        entry.update({k: v for k, v in extra.items() if v is not None})
        with self._lock:
            self.errors.append(entry)

    def skip(self, step: str, reason: str) -> None:
        """Record something that does not exist (a container that never ran); not an error."""
        with self._lock:
            self.skipped.append({"step": step, "reason": " ".join(reason.split())[:300]})

    # ------------------------------------------------------------------ finishing
    def publish(self, manifest: dict[str, Any]) -> Path:
        """Write the manifest and move the bundle to its output name (atomically)."""
        with self._lock:
            self._closed = True
            manifest = dict(manifest)
            manifest["files"] = sorted(self.files, key=lambda f: f["path"])
            manifest["errors"] = list(self.errors)
        data = orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n"
        with open(self.root / "manifest.json", "xb") as f:
            f.write(data)
        if self.tarball:
            staged = self.tmp / "bundle.tar.gz"
            fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
                    tar.add(self.root, arcname=self.root.name, filter=_normalise_member)
                raw.flush()
                os.fsync(raw.fileno())
            _link_no_clobber(staged, self.output)
        else:
            _sync_tree(self.root)
            if self.output.is_dir():
                self.output.rmdir()  # empty (checked before starting); rename needs it gone or empty
            os.rename(self.root, self.output)
        shutil.rmtree(self.tmp, ignore_errors=True)
        return self.output

    def abort(self) -> None:
        """Remove everything staged; the output name is left untouched."""
        with self._lock:
            self._closed = True
        shutil.rmtree(self.tmp, ignore_errors=True)


def _normalise_member(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    if not (info.isfile() or info.isdir()):
        return None
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o755 if info.isdir() else 0o644
    return info


def _link_no_clobber(src: Path, dst: Path) -> None:
    """Put ``src`` at ``dst`` in one step, never replacing an existing ``dst``."""
    try:
        os.link(src, dst)
    except FileExistsError:
        raise OutputError(f"{dst}: appeared while collecting; the bundle was not written") from None
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        # File systems without hard links: rename (atomic, but cannot refuse to overwrite).
        if dst.exists():
            raise OutputError(f"{dst}: appeared while collecting; the bundle was not written") from None
        os.replace(src, dst)
        return
    os.unlink(src)


def _sync_tree(root: Path) -> None:
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            try:
                fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fsync(fd)
            except OSError:
                pass
            finally:
                os.close(fd)
