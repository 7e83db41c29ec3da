"""Both cores: the text files of a large bundle are scanned in a forked child while this
process evaluates the object and bundle rules.

Reading and searching every log is the part of an analysis that touches the least of the
loaded model (the text files' descriptions, a few pods for ``group_by: node``), so a child
forked after loading shares nearly all of the model's memory with the parent instead of
copying it page by page (every Python object read is written to: its reference count).
Splitting the objects between two processes instead makes both copy the whole model and
costs more than it gains.  The child sends its matches back through a pipe as JSON; this
process turns them into findings exactly as after its own scan, so the result is the same.

Used when ``os.fork`` exists, at least two CPUs are available and there is enough text to
scan; ``KBUNDLE_JOBS=1`` (or ``jobs=1``) keeps everything in one process.  Anything going
wrong in the child (it died, its data does not decode) makes this process scan the files
itself.
"""

from __future__ import annotations

import gc
import os
import sys
from collections import deque
from typing import TYPE_CHECKING, Any

import orjson

from analyzer.engine.textscan import MAX_MATCHES_KEPT, FileHits, Group, Match, TextScanner

if TYPE_CHECKING:
    from analyzer.engine.evaluate import Engine

MIN_TEXT_BYTES = 32 * 1024 * 1024  # below this much text to scan, forking costs more than it saves


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _jobs_from_env() -> int | None:
    raw = os.environ.get("KBUNDLE_JOBS", "").strip()
    if not raw:
        return None
    try:
        return max(1, int(raw))
    except ValueError:
        return None


def _forks_safely(engine: Engine) -> bool:
    """A zip archive is read through one file handle, whose offset the two processes would
    share: analyse those in one process.  Directories and tar archives open per read."""
    source = engine.bundle.source
    if not source or os.path.isdir(source):
        return True
    try:
        with open(source, "rb") as f:
            return f.read(4) != b"PK\x03\x04"
    except OSError:
        return False


def text_bytes(engine: Engine) -> int:
    """Bytes of the text files the text rules will scan."""
    rules = [r for r in engine.rules if r.scope == "text" and r.files_re is not None]
    if not rules:
        return 0
    total = 0
    for tf in engine.bundle.text_files():
        if any(r.files_re.match(tf.vpath) for r in rules):  # type: ignore[union-attr]
            total += tf.meta.get("size", 0) or 0
    return total


def worth_two_processes(engine: Engine, jobs: int | None) -> bool:
    if jobs is None:
        jobs = _jobs_from_env()
    if jobs is not None and jobs < 2:
        return False
    if not hasattr(os, "fork") or available_cpus() < 2:
        return False
    if not any(r.scope == "text" for r in engine.rules):
        return False
    if jobs is None and text_bytes(engine) < MIN_TEXT_BYTES:
        return False
    return _forks_safely(engine)


# ---------------------------------------------------------------------- wire format
def scanner_to_wire(scanner: TextScanner, files: dict[int, int]) -> dict[str, Any]:
    """The scan's results with text files as their index in ``bundle.text_files()``."""
    return {
        "files_seen": scanner.files_seen,
        "failed": scanner.failed,
        "groups": {
            rule_id: [[list(grp.key), [[files[id(fh.tf)], fh.count, [[m.line, m.text, m.groups] for m in fh.matches]]
                                       for fh in grp.files]]
                      for grp in groups.values()]
            for rule_id, groups in scanner.groups.items()
        },
    }


def scanner_from_wire(scanner: TextScanner, data: dict[str, Any], files: list[Any]) -> TextScanner:
    scanner.files_seen = data["files_seen"]
    scanner.failed = data["failed"]
    for rule_id, groups in data["groups"].items():
        out: dict[tuple[str, ...], Group] = {}
        for key, hits in groups:
            grp = Group(tuple(key))
            for index, count, matches in hits:
                kept = deque((Match(line, text, groups_) for line, text, groups_ in matches), maxlen=MAX_MATCHES_KEPT)
                grp.files.append(FileHits(files[index], count, kept))
            out[grp.key] = grp
        scanner.groups[rule_id] = out
    return scanner


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def child_scan(engine: Engine, problems_before: int) -> bytes:
    """What the child does: scan, and encode what the parent needs."""
    scanner = engine.scan_text_files()
    files = {id(tf): i for i, tf in enumerate(engine.bundle.text_files())}
    return orjson.dumps({
        "scanner": scanner_to_wire(scanner, files),
        "problems": [p.as_dict() for p in engine.bundle.problems[problems_before:]],
        "profile": engine.profile,
    })


class PendingScan:
    """A scan running in a child process; :meth:`result` waits for it."""

    def __init__(self, engine: Engine, pid: int, read_fd: int, problems_before: int):
        self.engine = engine
        self.pid = pid
        self.read_fd = read_fd
        self.problems_before = problems_before

    def result(self) -> TextScanner:
        engine = self.engine
        try:
            data = _read_all(self.read_fd)
        finally:
            os.close(self.read_fd)
            _, status = os.waitpid(self.pid, 0)
        decoded = None
        if os.waitstatus_to_exitcode(status) == 0:
            try:
                decoded = orjson.loads(data)
            except orjson.JSONDecodeError:
                decoded = None
        if decoded is None:  # the child failed: scan here
            return engine.scan_text_files()
        scanner = TextScanner(engine.bundle, [r for r in engine.rules if r.scope == "text"])
        scanner_from_wire(scanner, decoded["scanner"], list(engine.bundle.text_files()))
        mine = {(p.path, p.error) for p in engine.bundle.problems[self.problems_before:]}
        for p in decoded["problems"]:
            if (p["path"], p["error"]) not in mine:  # e.g. invalid UTF-8 seen by both
                engine.bundle.add_problem(p["path"], p["error"])
        for rule_id, secs in decoded["profile"].items():
            engine._time(rule_id, secs)
        return scanner


def scan_in_child(engine: Engine) -> PendingScan | None:
    """Fork a child that scans the text files; None when forking failed (scan here later)."""
    problems_before = len(engine.bundle.problems)
    sys.stdout.flush()
    sys.stderr.flush()
    gc.freeze()  # what exists now stays out of the collector's (copy-on-write-breaking) sight
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: never returns into the caller
        code = 1
        try:
            os.close(read_fd)
            engine.progress = None
            engine.profile = {}
            _write_all(write_fd, child_scan(engine, problems_before))
            code = 0
        except BaseException:  # noqa: BLE001 - the parent notices the missing data and scans itself
            pass
        finally:
            os._exit(code)
    os.close(write_fd)
    return PendingScan(engine, pid, read_fd, problems_before)
