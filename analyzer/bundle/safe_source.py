"""Safe, read-only access to the files of a bundle: a directory, a tar archive (plain,
gzip, xz or bzip2), a zip archive, or one single file.

Nothing is ever extracted blindly.  A :class:`Source` lists the *regular files* of the
bundle by their path inside it (POSIX, relative, no leading ``./``) and reads them on
demand.  Entries that could escape the bundle (absolute paths, ``..``, links leading
outside, device files, FIFOs) are refused and recorded as problems; caps on the number of
entries, on the size of one file and on the total size stop decompression bombs.

Compressed tar archives are read once, as a stream; each accepted member is copied to a
private temporary directory under a numbered name (never under its archive name, so no
archive path can reach outside it).  The directory lives as long as the :class:`Source`
(``close()``, garbage collection, or interpreter exit, whichever comes first).  Plain tar
and zip archives are read in place, without any copy.
"""

from __future__ import annotations

import os
import posixpath
import stat
import tarfile
import threading
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, fields

from analyzer.bundle.decompress import DATA_ERRORS, DecompressingReader, RatioExceeded
from analyzer.bundle.tempdirs import TempDir
from analyzer.progress import note_file

GIB = 1024**3
BLOCK = tarfile.BLOCKSIZE


@dataclass(frozen=True)
class ReadLimits:
    """Caps applied while reading a bundle (see docs/limits.md).

    The defaults fit bundles of large clusters (5,000 nodes, 150,000 pods, gigabytes of
    logs) while refusing decompression bombs.
    """

    max_total_bytes: int = 16 * GIB  # sum of the (uncompressed) sizes of all files read
    max_file_bytes: int = 1 * GIB  # one file, uncompressed
    max_members: int = 1_000_000  # entries of an archive / files of a directory
    max_compression_ratio: int = 1000  # decompressed / compressed bytes of an archive (bombs)
    max_yaml_alias_expansion: int = 10_000  # YAML alias uses per document (billion laughs)
    max_yaml_alias_bytes: int = 16 * 1024 * 1024  # bytes aliases may add to one YAML document

    def replace(self, **overrides: int | None) -> ReadLimits:
        """A copy with the given limits changed; ``None`` keeps the current value."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for key, val in overrides.items():
            if key not in values:
                raise TypeError(f"unknown limit {key!r}")
            if val is not None:
                if int(val) <= 0:
                    raise ValueError(f"{key.replace('_', '-')} must be positive")
                values[key] = int(val)
        return ReadLimits(**values)


class SourceError(Exception):
    """The input cannot be read at all (the message names the file and the problem)."""


class FileTooLarge(Exception):
    pass


def _human(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)  # pragma: no cover


def clean_member_path(name: str) -> tuple[str | None, str | None]:
    """Normalise an archive member name; ``(path, None)`` when safe, ``(None, reason)`` when not."""
    if "\x00" in name:
        return None, "path contains a NUL byte"
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":" and name[0].isalpha()):
        return None, "absolute path refused"
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None, "path with '..' refused"
    if not parts:
        return "", None
    return "/".join(parts), None


# --------------------------------------------------------------------------- sources
class Source:
    """Regular files of a bundle by path, with size; read on demand."""

    kind = "source"

    def __init__(self, origin: str, limits: ReadLimits) -> None:
        self.origin = origin  # the path the user gave
        self.limits = limits
        self.files: dict[str, int] = {}  # bundle path -> size
        self.dirs: set[str] = set()
        self.problems: list[tuple[str, str]] = []
        self.newest_mtime: float | None = None
        self.full = False  # the total-size cap was reached: listing stopped
        self._total = 0

    # -- listing helpers
    def _problem(self, path: str, reason: str) -> None:
        self.problems.append((path, reason))

    def _note_mtime(self, mtime: float | int | None) -> None:
        if mtime and (self.newest_mtime is None or mtime > self.newest_mtime):
            self.newest_mtime = float(mtime)

    def _admit(self, path: str, size: int) -> bool:
        """Check a regular file against the size caps; True when it may be read."""
        lim = self.limits
        if size > lim.max_file_bytes:
            self._problem(path, f"file of {_human(size)} exceeds --max-file-bytes ({_human(lim.max_file_bytes)}); skipped")
            return False
        if self._total + size > lim.max_total_bytes:
            self._problem(
                path, f"total size would exceed --max-total-bytes ({_human(lim.max_total_bytes)}); "
                      "this file and the rest are not read"
            )
            self.full = True
            return False
        self._total += size
        note_file(size)  # progress of `kbundle analyze` / `inspect`, when shown
        return True

    def _add_dirs(self, path: str) -> None:
        d = posixpath.dirname(path)
        while d and d not in self.dirs:
            self.dirs.add(d)
            d = posixpath.dirname(d)

    # -- reading
    def read(self, path: str) -> bytes:
        """The bytes of one listed file (raises OSError / FileTooLarge)."""
        raise NotImplementedError

    def read_head(self, path: str, n: int) -> bytes:
        """The first ``n`` bytes of a listed file."""
        return self.read(path)[:n]

    def expect(self, paths: Iterable[str]) -> None:
        """Hint: these files will be read later (a source copying on demand fetches them
        together, in one pass)."""

    def close(self) -> None:
        pass

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DirectorySource(Source):
    """A bundle directory.  Symbolic links are followed only when they stay inside it."""

    kind = "directory"

    def __init__(self, root: str, limits: ReadLimits) -> None:
        super().__init__(root, limits)
        self.root = os.path.realpath(root)
        self._real: dict[str, str] = {}  # bundle path -> real file path when it is a link
        self._walk()

    def _inside(self, real: str) -> bool:
        return real == self.root or real.startswith(self.root.rstrip(os.sep) + os.sep)

    def _walk(self) -> None:
        """List the files depth first, in directory order (what ``os.walk`` does), with one
        ``scandir`` per directory and the type and size from its entries: a bundle of a
        large cluster has a directory per pod."""
        count = 0
        max_members = self.limits.max_members
        stack: list[tuple[str, str]] = [("", self.root)]
        while stack:
            reldir, dirpath = stack.pop()
            if reldir:
                self.dirs.add(reldir)
            try:
                with os.scandir(dirpath) as it:
                    entries = list(it)
            except OSError as e:
                self._problem(reldir or ".", f"cannot read: {e.strerror or e}")
                continue
            subdirs: list[tuple[str, str]] = []
            files = []
            for entry in entries:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if not is_dir:
                    files.append(entry)
                    continue
                rel = f"{reldir}/{entry.name}" if reldir else entry.name
                if entry.is_symlink():  # never descend through a link
                    if not self._inside(os.path.realpath(entry.path)):
                        self._problem(rel, "symbolic link leaves the bundle; not followed")
                    continue
                subdirs.append((rel, entry.path))
            for entry in files:
                name = entry.name
                count += 1
                rel = f"{reldir}/{name}" if reldir else name
                if count > max_members:
                    self._problem(rel, f"more than --max-members ({max_members}) files; the rest is not read")
                    return
                try:
                    st = entry.stat(follow_symlinks=False)
                    if stat.S_ISLNK(st.st_mode):
                        real = os.path.realpath(entry.path)
                        if not self._inside(real):
                            self._problem(rel, "symbolic link leaves the bundle; ignored")
                            continue
                        st = os.stat(real)
                        self._real[rel] = real
                except OSError as e:
                    self._problem(rel, f"cannot read: {e.strerror or e}")
                    continue
                if not stat.S_ISREG(st.st_mode):
                    self._problem(rel, "not a regular file (device, FIFO or socket); ignored")
                    continue
                if self._admit(rel, st.st_size):
                    self.files[rel] = st.st_size
                    self._note_mtime(st.st_mtime)
                elif self.full:
                    return
            stack.extend(reversed(subdirs))

    def read(self, path: str) -> bytes:
        real = self._real.get(path) or os.path.join(self.root, *path.split("/"))
        limit = self.limits.max_file_bytes
        with open(real, "rb") as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise FileTooLarge(f"file grew beyond --max-file-bytes ({_human(limit)})")
        return data


class SingleFileSource(Source):
    """One file given directly (a cluster-info dump saved from stdout, one kubectl output)."""

    kind = "file"

    def __init__(self, path: str, limits: ReadLimits, data_path: str | None = None, name: str | None = None) -> None:
        super().__init__(path, limits)
        self._path = data_path or path
        self.name = name or os.path.basename(path)
        size = os.path.getsize(self._path)
        if size > limits.max_file_bytes:
            raise SourceError(f"{path}: file of {_human(size)} exceeds --max-file-bytes ({_human(limits.max_file_bytes)})")
        self.files[self.name] = size
        self._note_mtime(os.path.getmtime(self._path))

    def read(self, path: str) -> bytes:
        with open(self._path, "rb") as f:
            return f.read(self.limits.max_file_bytes + 1)[: self.limits.max_file_bytes]

    def read_head(self, path: str, n: int) -> bytes:
        with open(self._path, "rb") as f:
            return f.read(n)


MAX_HEADER_BYTES = 1024 * 1024  # one PAX extended header or GNU long name/link
# Members of a compressed tar are copied while they are read (no second pass for what the
# readers open) as long as the data read so far expands at most EAGER_RATIO times (after
# EAGER_FREE_BYTES); beyond that (zeros, a bomb: real bundles compress 5 to 30 times) a
# member is only indexed, and copied when a reader first opens it.
EAGER_RATIO = 100
EAGER_FREE_BYTES = 16 * 1024 * 1024
MAX_FETCH_PASSES = 4  # on-demand passes over the archive before the next copies every deferred member
_CHUNK = 1024 * 1024
# tarfile's stream buffer: every read copies what remains of it, so a large one makes
# archives of many small files slow (64 KiB: 100,000 entries read in seconds).
_STREAM_BUFFER = 64 * 1024
_TRAILING_CHECK_BYTES = 1024 * 1024  # decompressed bytes looked at after the end-of-archive blocks


class _StopReading(Exception):
    """An entry that cannot be skipped safely: reading stops there (recorded as a problem)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


class _BoundedTarInfo(tarfile.TarInfo):
    """tarfile's header parsing, refusing extended headers (PAX, GNU long names) larger
    than MAX_HEADER_BYTES before tarfile reads them into memory."""

    def _proc_gnulong(self, tarfile: tarfile.TarFile) -> tarfile.TarInfo:  # type: ignore[override]
        _check_header_size(self)
        return super()._proc_gnulong(tarfile)  # type: ignore[misc, no-any-return]

    def _proc_pax(self, tarfile: tarfile.TarFile) -> tarfile.TarInfo:  # type: ignore[override]
        _check_header_size(self)
        return super()._proc_pax(tarfile)  # type: ignore[misc, no-any-return]


def _check_header_size(info: tarfile.TarInfo) -> None:
    if info.size > MAX_HEADER_BYTES:
        raise _StopReading(info.name, f"extended tar header of {_human(info.size)} (more than "
                                      f"{_human(MAX_HEADER_BYTES)}); reading stopped here")


_ARCHIVE_ERRORS: tuple[type[Exception], ...] = (tarfile.TarError, ValueError, UnicodeError, *DATA_ERRORS)
_END_ERRORS: tuple[type[Exception], ...] = (RatioExceeded, *DATA_ERRORS)
_FETCH_ERRORS: tuple[type[Exception], ...] = (_StopReading, RatioExceeded, *_ARCHIVE_ERRORS)


class TarSource(Source):
    """A tar archive.  Plain tar is read in place (seek to each member's data); compressed
    tar is streamed with :class:`DecompressingReader` and its members copied to a private
    temporary directory: at once while that stays proportionate to the archive, else when
    a reader first opens them."""

    kind = "tar"

    def __init__(self, path: str, limits: ReadLimits, compression: str) -> None:
        super().__init__(path, limits)
        self.compression = compression  # "", "gz", "xz", "bz2"
        self._offsets: dict[str, tuple[int, int]] = {}  # plain tar: path -> (offset, size)
        self._stored: dict[str, str] = {}  # compressed: path -> temp file
        self._deferred: dict[str, int] = {}  # compressed: path -> entry number, copied when read
        self._wanted: set[str] = set()  # deferred paths the readers will open (see expect())
        self._fetch_passes = 0
        self._fetch_lock = threading.Lock()
        self._written = 0  # bytes written to the temporary directory
        self._copies = 0  # files written there (their numbered names)
        self._tmp: TempDir | None = None
        self._links: list[tuple[str, str, bool]] = []  # (path, target, is_symlink)
        self._entry = ""  # name of the entry being read (named by a problem that stops reading)
        try:
            self._scan()
        except _StopReading as e:
            self._problem(e.path, e.reason)
        except RatioExceeded as e:
            self._problem(self._entry or os.path.basename(path),
                          f"{e}; reading stopped here (raise --max-compression-ratio to read on)")
        except _ARCHIVE_ERRORS as e:
            if not self.files and not self.problems:
                self.close()
                raise SourceError(f"{path}: not a readable tar archive ({e})") from None
            self._problem(os.path.basename(path), f"archive damaged or truncated, reading stopped: {e}")
        except BaseException:
            self.close()
            raise
        self._resolve_links()

    # -- listing
    def _scan(self) -> None:
        if not self.compression:
            with tarfile.open(self.origin, "r:", tarinfo=_BoundedTarInfo) as tf:
                self._members(tf, None)
            return
        self._tmp = TempDir()
        reader = DecompressingReader(self.origin, self.compression, self.limits.max_compression_ratio)
        with reader, tarfile.open(fileobj=reader, mode="r|", bufsize=_STREAM_BUFFER, tarinfo=_BoundedTarInfo) as tf:
            if self._members(tf, reader):
                self._check_end(reader)

    def _members(self, tf: tarfile.TarFile, reader: DecompressingReader | None) -> bool:
        """List (and copy, from a stream) the entries; True when the archive's end was reached."""
        max_members = self.limits.max_members
        for count, m in enumerate(tf, 1):
            self._entry = m.name
            if count > max_members:
                self._problem(m.name, f"more than --max-members ({max_members}) entries; the rest is not read")
                return False
            if not self._member(tf, m, count - 1, reader):
                return False
            if reader is not None:
                self._skip_to_next_header(tf, m)
        return True

    def _member(self, tf: tarfile.TarFile, m: tarfile.TarInfo, index: int, reader: DecompressingReader | None) -> bool:
        """Record one entry; False when reading must stop."""
        lim = self.limits
        path, reason = clean_member_path(m.name)
        if path is None:
            self._problem(m.name, reason or "refused")
            return True
        if m.isdir():
            if path:
                self.dirs.add(path)
            return True
        if not path:
            return True
        if m.issym() or m.islnk():
            self._links.append((path, m.linkname, m.issym()))
            return True
        if not m.isreg():
            self._problem(path, "not a regular file (device, FIFO or other special entry); ignored")
            return True
        if m.issparse():
            self._problem(path, "sparse archive entry refused")
            return True
        if m.size > lim.max_total_bytes:
            # Skipping it would mean walking its declared size (up to 8 EiB in a PAX header).
            self._problem(path, f"declares {_human(m.size)} of data, more than --max-total-bytes "
                                f"({_human(lim.max_total_bytes)}); reading stopped here")
            return False
        if not self._admit(path, m.size):
            return not self.full
        self._note_mtime(m.mtime)
        if reader is None:
            self._offsets[path] = (m.offset_data, m.size)
        else:
            dest = self._copy(tf, m, reader, eager=True)
            if dest is None:
                self._deferred[path] = index
            else:
                self._stored[path] = dest
        self.files[path] = m.size
        self._add_dirs(path)
        return True

    def _skip_to_next_header(self, tf: tarfile.TarFile, m: tarfile.TarInfo) -> None:
        """Walk the stream to the next header ourselves: tarfile's stream seek walks the
        declared size even past the end of the data, one empty read at a time."""
        stream = tf.fileobj
        assert stream is not None
        left = tf.offset - stream.tell()
        if left > self.limits.max_total_bytes + BLOCK:
            raise _StopReading(m.name, f"declares {_human(left)} of data; reading stopped here")
        while left > 0:
            chunk = stream.read(min(left, _CHUNK))
            if not chunk:
                raise EOFError(f"archive ends inside {m.name}")
            left -= len(chunk)

    def _check_end(self, reader: DecompressingReader) -> None:
        """Report what follows the end-of-archive blocks (ignored: gzip -d does the same)."""
        extra = 0
        try:
            while extra <= _TRAILING_CHECK_BYTES:
                chunk = reader.read(_CHUNK)
                if not chunk:
                    break
                extra += len(chunk.strip(b"\0"))
        except _END_ERRORS as e:
            self._problem(os.path.basename(self.origin), f"damaged data after the end of the archive ignored ({e})")
            return
        if extra:
            self._problem(os.path.basename(self.origin), "data after the end of the tar archive ignored")
        if reader.trailing:
            self._problem(os.path.basename(self.origin), f"{reader.trailing} bytes of trailing data after the "
                                                         f"{self.compression} data ignored")

    # -- copying members of a compressed archive
    def _dest(self) -> str:
        """A new numbered file name in the temporary directory (per process: a forked text
        scanner may copy members too)."""
        assert self._tmp is not None
        n = self._copies
        self._copies += 1
        sub = os.path.join(self._tmp.path, f"{os.getpid()}-{n // 4096}")
        if not os.path.isdir(sub):
            os.mkdir(sub)  # not makedirs: never recreate a temporary directory already removed
        return os.path.join(sub, str(n))

    def _copy(self, tf: tarfile.TarFile, m: tarfile.TarInfo, reader: DecompressingReader, eager: bool) -> str | None:
        """Copy the data of ``m`` (the stream is at its start) to a new temporary file; with
        ``eager``, give up (None, nothing kept) when the copy would be out of proportion to
        the archive."""
        stream = tf.fileobj
        assert stream is not None
        dest = self._dest()
        left = m.size
        with open(dest, "wb") as out:
            while left > 0:
                n = min(left, _CHUNK)
                if eager and reader.produced > EAGER_RATIO * reader.consumed + EAGER_FREE_BYTES:
                    break
                chunk = stream.read(n)
                if not chunk:
                    raise EOFError(f"archive ends inside {m.name}")
                out.write(chunk)
                self._written += len(chunk)
                left -= len(chunk)
        if left > 0:
            os.remove(dest)
            return None
        return dest

    def expect(self, paths: Iterable[str]) -> None:
        self._wanted.update(p for p in paths if p in self._deferred)

    def _fetch(self, path: str) -> None:
        """Copy a deferred member (and the other deferred members the readers will open)
        in one more pass over the archive."""
        self._fetch_passes += 1
        if self._fetch_passes > MAX_FETCH_PASSES:
            wanted_indexes = set(self._deferred.values())
        else:
            wanted_indexes = {self._deferred[p] for p in self._wanted | {path} if p in self._deferred}
        by_index: dict[int, list[str]] = {}
        for p, index in self._deferred.items():
            if index in wanted_indexes:
                by_index.setdefault(index, []).append(p)
        last = max(by_index)
        reader = DecompressingReader(self.origin, self.compression, self.limits.max_compression_ratio)
        try:
            with reader, tarfile.open(fileobj=reader, mode="r|", bufsize=_STREAM_BUFFER, tarinfo=_BoundedTarInfo) as tf:
                for index, m in enumerate(tf):
                    if index in by_index:
                        dest = self._copy(tf, m, reader, eager=False)
                        for p in by_index[index]:
                            self._stored[p] = dest  # type: ignore[assignment]  # not eager: never None
                            self._deferred.pop(p, None)
                            self._wanted.discard(p)
                    if index >= last:
                        break
                    self._skip_to_next_header(tf, m)
        except _FETCH_ERRORS as e:
            raise OSError(f"cannot read it from the archive again: {e}") from None

    def _resolve_links(self) -> None:
        for path, target, is_sym in self._links:
            if is_sym:
                if target.startswith("/"):
                    self._problem(path, f"symbolic link to {target} leaves the bundle; ignored")
                    continue
                joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            else:  # hard link: target is a member name
                joined = target
            resolved, reason = clean_member_path(joined)
            if resolved is None or joined.startswith("../") or joined == "..":
                self._problem(path, f"link to {target} leaves the bundle; ignored")
                continue
            if resolved in self.files:
                self.files[path] = self.files[resolved]
                if resolved in self._stored:
                    self._stored[path] = self._stored[resolved]
                if resolved in self._deferred:
                    self._deferred[path] = self._deferred[resolved]
                if resolved in self._offsets:
                    self._offsets[path] = self._offsets[resolved]
                self._add_dirs(path)
            elif resolved in self.dirs:
                continue  # a link to a directory of the bundle: its files are listed already
            else:
                self._problem(path, f"link to {target}, which is not a file of the bundle; ignored")

    def read(self, path: str) -> bytes:
        if path in self._deferred:
            with self._fetch_lock:  # kbundle serve reads from several threads
                if path in self._deferred:
                    self._fetch(path)
        if path in self._stored:
            with open(self._stored[path], "rb") as f:
                return f.read()
        offset, size = self._offsets[path]
        with open(self.origin, "rb") as f:
            f.seek(offset)
            return f.read(size)

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.remove()

    @property
    def temp_dir(self) -> str | None:
        return self._tmp.path if self._tmp else None


_ZIP_MEMBER_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, *DATA_ERRORS)


class ZipSource(Source):
    """A zip archive, read in place."""

    kind = "zip"

    def __init__(self, path: str, limits: ReadLimits) -> None:
        super().__init__(path, limits)
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise SourceError(f"{path}: not a readable zip archive ({e})") from None
        self._names: dict[str, str] = {}
        for count, zi in enumerate(infos, 1):
            if count > limits.max_members:
                self._problem(zi.filename, f"more than --max-members ({limits.max_members}) entries; the rest is not read")
                break
            p, reason = clean_member_path(zi.filename)
            if p is None:
                self._problem(zi.filename, reason or "refused")
                continue
            if zi.is_dir() or not p:
                if p:
                    self.dirs.add(p)
                continue
            mode = (zi.external_attr >> 16) & 0o170000
            if mode and not stat.S_ISREG(mode):
                kind = "symbolic link" if stat.S_ISLNK(mode) else "special file"
                self._problem(p, f"{kind} in zip archive; ignored")
                continue
            if not self._admit(p, zi.file_size):
                if self.full:
                    break
                continue
            self.files[p] = zi.file_size
            self._names[p] = zi.filename
            self._add_dirs(p)

    def read(self, path: str) -> bytes:
        # ZipExtFile never returns more than the declared file_size (checked by _admit).
        try:
            with self._zip.open(self._names[path]) as f:
                return f.read(self.limits.max_file_bytes + 1)[: self.limits.max_file_bytes]
        except _ZIP_MEMBER_ERRORS as e:
            # a damaged member (bad CRC or data, an unsupported method, encryption): that
            # file is unreadable, the others are not
            raise OSError(f"damaged zip member ({type(e).__name__}: {e})") from None

    def close(self) -> None:
        self._zip.close()


# --------------------------------------------------------------------------- opening
_GZ, _XZ, _BZ2, _ZIP, _ZSTD = b"\x1f\x8b", b"\xfd7zXZ\x00", b"BZh", b"PK\x03\x04", b"\x28\xb5\x2f\xfd"


def _looks_like_tar(block: bytes) -> bool:
    if len(block) < 512:
        return False
    if block[257:262] == b"ustar":
        return True
    try:
        tarfile.TarInfo.frombuf(block[:512], "utf-8", "surrogateescape")
        return True
    except tarfile.TarError:
        return False


def open_source(path: str | os.PathLike[str], limits: ReadLimits) -> Source:
    """Open whatever the user gave: a directory, an archive (detected by its first bytes,
    not by its name), or a single file."""
    p = os.fspath(path)
    if not os.path.exists(p):
        raise SourceError(f"{p}: no such file or directory")
    if os.path.isdir(p):
        return DirectorySource(p, limits)
    if not os.path.isfile(p):
        raise SourceError(f"{p}: not a regular file or directory")
    try:
        with open(p, "rb") as f:
            head = f.read(512)
    except OSError as e:
        raise SourceError(f"{p}: cannot read ({e.strerror or e})") from None
    if not head:
        raise SourceError(f"{p}: empty file")
    if head.startswith(_ZSTD):
        raise SourceError(f"{p}: zstd-compressed archives are not supported; decompress it first (zstd -d)")
    if head.startswith(_ZIP):
        return ZipSource(p, limits)
    compression = ""
    if head.startswith(_GZ):
        compression = "gz"
    elif head.startswith(_XZ):
        compression = "xz"
    elif head.startswith(_BZ2):
        compression = "bz2"
    if compression:
        try:
            with DecompressingReader(p, compression) as f:
                inner = f.read(512)
        except DATA_ERRORS as e:
            raise SourceError(f"{p}: damaged {compression} data ({e})") from None
        if _looks_like_tar(inner):
            return TarSource(p, limits, compression)
        return _single_compressed(p, limits, compression)
    if _looks_like_tar(head):
        return TarSource(p, limits, "")
    return SingleFileSource(p, limits)


def _single_compressed(path: str, limits: ReadLimits, compression: str) -> Source:
    """One compressed file that is not a tar (e.g. ``dump.txt.gz``): decompress it, capped."""
    tmp = TempDir()
    name = os.path.basename(path)
    for suffix in (".gz", ".xz", ".bz2", ".tgz"):
        if name.endswith(suffix):
            name = name[: -len(suffix)] or name
            break
    dest = os.path.join(tmp.path, "0")
    try:
        with DecompressingReader(path, compression, limits.max_compression_ratio) as src, open(dest, "wb") as out:
            left = limits.max_file_bytes
            while True:
                chunk = src.read(1 << 20)
                if not chunk:
                    break
                left -= len(chunk)
                if left < 0:
                    raise SourceError(
                        f"{path}: decompressed size exceeds --max-file-bytes ({_human(limits.max_file_bytes)})"
                    )
                out.write(chunk)
    except SourceError:
        tmp.remove()
        raise
    except RatioExceeded as e:
        tmp.remove()
        raise SourceError(f"{path}: {e} (see --max-compression-ratio)") from None
    except DATA_ERRORS as e:
        tmp.remove()
        raise SourceError(f"{path}: damaged {compression} data ({e})") from None
    src_obj = SingleFileSource(path, limits, data_path=dest, name=name)
    src_obj._tmp = tmp  # type: ignore[attr-defined]  # keeps the temp dir alive with the source
    src_obj.close = tmp.remove  # type: ignore[method-assign]
    return src_obj
