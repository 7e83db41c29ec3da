"""Both cores: the text files of a large bundle are scanned by a child process while this
process reads the Kubernetes objects and evaluates the object and bundle rules.

The child is forked as soon as the bundle's files are listed, before any object is parsed:
it shares nothing large with this process, so neither copies memory page by page (every
Python object read is written to: its reference count; forking after loading a model of
gigabytes costs more than the scan it moves).  It reads the bundle again with a reader
view that skips the objects (:class:`TextOnlyContext`), which lists the same text files,
scans them with every text rule, and sends the matches back through a pipe as JSON.  This
process then takes each file's matches from the child instead of scanning the file
(:meth:`analyzer.engine.textscan.TextScanner.scan`), and scans itself any file the child did
not report, so the findings are exactly those of one process.

Used by ``kbundle analyze`` when ``os.fork`` exists, at least two CPUs are available, the
bundle holds enough text and is not a zip archive (read through one file handle the two
processes would share); ``KBUNDLE_JOBS=1`` keeps everything in one process.  Anything going
wrong in the child (it died, its data does not decode) makes this process scan the files
itself.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from typing import Any

import orjson

from analyzer.bundle.formats.common import ReadContext
from analyzer.bundle.safe_source import Source
from analyzer.engine.textscan import MAX_MATCHES_KEPT, Match, TextScanner
from analyzer.rules.model import Rule

MIN_TEXT_BYTES = 32 * 1024 * 1024  # below this much text, one process is as fast
STRUCTURED_SUFFIXES = (".json", ".yaml", ".yml")

Scanned = dict[str, list[tuple[str, int, deque[Match]]] | None]


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def jobs_from_env() -> int | None:
    raw = os.environ.get("KBUNDLE_JOBS", "").strip()
    if not raw:
        return None
    try:
        return max(1, int(raw))
    except ValueError:
        return None


class TextOnlyContext(ReadContext):
    """A reader's view of the bundle that skips the Kubernetes objects (what a format reads
    through ``json``, ``yaml_docs`` and ``structured``): the text files only."""

    def json(self, full: str, data: bytes | None = None) -> Any:
        return None

    def yaml_docs(self, full: str, data: bytes | None = None) -> list[Any] | None:
        return None

    def structured(self, full: str) -> list[Any] | None:
        return None


def worth_a_child(source: Source, rules: list[Rule], jobs: int | None) -> bool:
    if jobs is None:
        jobs = jobs_from_env()
    if jobs is not None and jobs < 2:
        return False
    if not hasattr(os, "fork") or available_cpus() < 2 or getattr(source, "kind", "") == "zip":
        return False
    if not any(r.scope == "text" for r in rules):
        return False
    if jobs is None:
        text = sum(size for path, size in source.files.items() if not path.endswith(STRUCTURED_SUFFIXES))
        if text < MIN_TEXT_BYTES:
            return False
    return True


# ---------------------------------------------------------------------- the child
def _child_work(name: str, source: Source, rules: list[Rule]) -> bytes:
    from analyzer.bundle.reader import _read

    bundle = _read(name, source, source.limits, context=TextOnlyContext)
    problems_before = len(bundle.problems)
    scanner = TextScanner(bundle, rules)
    profile: dict[str, float] = {}

    def timer(key: str, secs: float) -> None:
        profile[key] = profile.get(key, 0.0) + secs

    files: dict[str, Any] = {}
    for tf in bundle.text_files():
        applicable = scanner.applicable(tf)
        if not applicable:
            continue
        hits = scanner.scan_file(tf, applicable, timer)
        files[tf.path] = None if hits is None else [
            [rule_id, count, [[m.line, m.text, m.groups] for m in kept]] for rule_id, count, kept in hits]
    return orjson.dumps({
        "files": files,
        "failed": scanner.failed,
        "problems": [p.as_dict() for p in bundle.problems[problems_before:]],
        "profile": profile,
    })


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


class TextScan:
    """Starts the child (:meth:`on_source`, given to ``open_bundle``) and collects its
    results (:meth:`result`)."""

    def __init__(self, rules: list[Rule], jobs: int | None = None):
        self.rules = [r for r in rules if r.scope == "text"]
        self.jobs = jobs
        self.pid: int | None = None
        self.read_fd: int | None = None
        self.started = 0.0

    def on_source(self, source: Source) -> None:
        if not worth_a_child(source, self.rules, self.jobs):
            return
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            read_fd, write_fd = os.pipe()
        except OSError:
            return
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            return
        if pid == 0:  # the child: never returns into the caller
            code = 1
            try:
                os.close(read_fd)
                _write_all(write_fd, _child_work(source.origin, source, self.rules))
                code = 0
            except BaseException:  # noqa: BLE001 - the parent notices the missing data and scans itself
                pass
            finally:
                os._exit(code)
        os.close(write_fd)
        self.pid, self.read_fd, self.started = pid, read_fd, time.perf_counter()

    def result(self) -> tuple[Scanned, dict[str, str], list[dict[str, str]], dict[str, float]] | None:
        """``(files scanned, failed rules, problems, profile)`` from the child; None when
        there is no child or it failed (the caller scans the files itself)."""
        if self.pid is None or self.read_fd is None:
            return None
        try:
            data = _read_all(self.read_fd)
        finally:
            os.close(self.read_fd)
            _, status = os.waitpid(self.pid, 0)
            self.pid = self.read_fd = None
        if os.waitstatus_to_exitcode(status) != 0:
            return None
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None
        scanned: Scanned = {}
        for path, hits in doc["files"].items():
            scanned[path] = None if hits is None else [
                (rule_id, count, deque((Match(line, text, groups) for line, text, groups in matches),
                                       maxlen=MAX_MATCHES_KEPT))
                for rule_id, count, matches in hits]
        return scanned, doc["failed"], doc["problems"], doc["profile"]

    def abandon(self) -> None:
        """Stop waiting for the child (the analysis ended early)."""
        if self.pid is not None:
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            if self.read_fd is not None:
                os.close(self.read_fd)
            self.pid = self.read_fd = None
