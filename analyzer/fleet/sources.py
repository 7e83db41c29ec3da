"""Which bundles a fleet run reads, what each one's identity is, and how a worker gets it.

A SOURCE on the command line is one of:

- a directory of bundles (one that holds only directories and archives at its top level):
  each non-hidden entry in it is a bundle;
- a bundle directory (one with files at its top level: a manifest, nodes.json, ...): one bundle;
- a glob (``/archive/2026-*/*.tar.gz``): each match is a bundle;
- ``@FILE``: a listing, one bundle path or URL a line (blank lines and ``#`` comments skipped);
- a URL (``s3://bucket/x.tar.gz``, ``gs://...``): one bundle, read through fsspec;
- any other path: one bundle.

A bundle's id is the sha256 of its bytes (an archive or a single file) or, for a directory,
of its file listing with every file's size and content hash: the same bundle has the same id
wherever it is stored and whatever it is called.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".zip")


class SourceProblem(ValueError):
    """A SOURCE argument names nothing usable.  ``str(e)`` is one line."""


def is_url(text: str) -> bool:
    return "://" in text and not text.startswith("file://")


def _local(text: str) -> str:
    return text[len("file://"):] if text.startswith("file://") else text


def expand_sources(sources: list[str]) -> list[str]:
    """The bundles named by ``sources``, in order, each once.  Raises :class:`SourceProblem`
    for a SOURCE that names nothing."""
    out: list[str] = []
    seen: set[str] = set()
    for src in sources:
        found = list(_expand_one(src))
        if not found:
            raise SourceProblem(f"{src}: no bundle found (not a file, a directory of bundles, a glob, a URL "
                                "or an @listing)")
        for item in found:
            if item not in seen:
                seen.add(item)
                out.append(item)
    return out


def _expand_one(src: str) -> Iterator[str]:
    if src.startswith("@"):
        listing = Path(src[1:])
        try:
            text = listing.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise SourceProblem(f"{listing}: cannot read the listing ({e})") from None
        base = listing.parent
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if is_url(line):
                yield line
            else:
                p = Path(_local(line))
                yield str(p if p.is_absolute() else base / p)
        return
    if is_url(src):
        yield src
        return
    path = _local(src)
    if glob.has_magic(path):
        yield from sorted(glob.glob(path))
        return
    if os.path.isdir(path) and is_folder_of_bundles(path):
        for name in sorted(os.listdir(path)):
            if not name.startswith("."):
                yield os.path.join(path, name)
        return
    if os.path.exists(path):
        yield path


def is_folder_of_bundles(path: str) -> bool:
    """A directory whose visible top-level entries are all directories or archives holds
    bundles; one with any other file (a manifest, ``nodes.json``, a dump) is a bundle."""
    entries = [e for e in os.scandir(path) if not e.name.startswith(".")]
    return bool(entries) and all(e.is_dir() or e.name.lower().endswith(ARCHIVE_SUFFIXES) for e in entries)


# ---------------------------------------------------------------------- identity


def _file_digest(fh: object) -> str:
    h = hashlib.sha256()
    read = fh.read  # type: ignore[attr-defined]
    while chunk := read(CHUNK):
        h.update(chunk)
    return h.hexdigest()


def bundle_id(path: str) -> str:
    """sha256 of the bundle: its bytes, or for a directory its listing with content hashes."""
    if is_url(path):
        return _remote_id(path)
    if os.path.isdir(path):
        h = hashlib.sha256(b"kbundle-dir-v1\n")
        for rel, full in _walk(path):
            with open(full, "rb") as fh:
                digest = _file_digest(fh)
            h.update(f"{rel}\0{os.path.getsize(full)}\0{digest}\n".encode("utf-8", "surrogateescape"))
        return h.hexdigest()
    with open(path, "rb") as fh:
        return _file_digest(fh)


def _walk(root: str) -> Iterator[tuple[str, str]]:
    """(relative posix path, full path) of every regular file under ``root``, sorted; symbolic
    links are not followed (the reader does not follow them out of the bundle either)."""
    items: list[tuple[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in filenames:
            full = os.path.join(dirpath, name)
            if os.path.isfile(full) and not os.path.islink(full):
                items.append((os.path.relpath(full, root).replace(os.sep, "/"), full))
    return iter(sorted(items))


def _fs(url: str):  # type: ignore[no-untyped-def]  # fsspec has no stubs
    from analyzer.fleet import require

    fsspec = require("fsspec")
    fs, fpath = fsspec.core.url_to_fs(url)
    return fs, fpath


def _remote_id(url: str) -> str:
    fs, fpath = _fs(url)
    if fs.isdir(fpath):
        h = hashlib.sha256(b"kbundle-dir-v1\n")
        base = fpath.rstrip("/") + "/"
        for full in sorted(fs.find(fpath)):
            with fs.open(full, "rb") as fh:
                digest = _file_digest(fh)
            h.update(f"{full[len(base):]}\0{fs.size(full)}\0{digest}\n".encode())
        return h.hexdigest()
    with fs.open(fpath, "rb") as fh:
        return _file_digest(fh)


@dataclass
class LocalCopy:
    """A bundle as a local path: the path itself, or a temporary copy of a remote bundle
    (removed by :meth:`close`)."""

    path: str
    temp_dir: str | None = None

    def close(self) -> None:
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            self.temp_dir = None


def local_copy(path: str) -> LocalCopy:
    """A local path for ``path``: local paths as they are, URLs fetched through fsspec into a
    temporary directory (the bundle readers need seekable local files)."""
    if not is_url(path):
        return LocalCopy(_local(path))
    fs, fpath = _fs(path)
    temp = tempfile.mkdtemp(prefix="kbundle-fleet-")
    name = os.path.basename(fpath.rstrip("/")) or "bundle"
    target = os.path.join(temp, name)
    try:
        if fs.isdir(fpath):
            fs.get(fpath.rstrip("/") + "/", target, recursive=True)
        else:
            fs.get(fpath, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return LocalCopy(target, temp)


def display_name(path: str) -> str:
    """A short name for a bundle: its file or directory name without the archive suffix."""
    from analyzer.report.render import bundle_name

    return bundle_name(Path(path.rstrip("/")))
