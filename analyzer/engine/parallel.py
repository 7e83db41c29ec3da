"""Both cores: the analysis of a large bundle split between this process and a forked child.

After the bundle is loaded, the process forks.  The child shares the loaded model
copy-on-write (the collector is frozen first, so garbage collection does not touch the
shared objects), evaluates the object rules on the second half of each kind's objects and
all the text rules, and sends its findings back through a pipe as JSON; the parent
evaluates the first half and the bundle rules meanwhile.  The merge gives exactly the
sequential result: findings in the sequential order with duplicates dropped, and a rule that
failed in the first half contributes nothing from the second (it stops at its first error).

Used when ``os.fork`` exists, at least two CPUs are available and the bundle is large;
``KBUNDLE_JOBS=1`` (or ``jobs=1``) keeps everything in one process.  Anything going wrong in
the child (it died, its data does not decode) makes the parent run the child's share itself.
"""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import orjson

from analyzer.engine.findings import Evidence, Finding, ObjectRef, RuleError, Waived

if TYPE_CHECKING:
    from analyzer.engine.evaluate import Engine

MIN_OBJECTS = 20_000  # below this many objects (of the rules' kinds), one process is faster
MIN_TEXT_BYTES = 64 * 1024 * 1024  # ... unless there is this much text to scan
SPLIT = 0.5  # the child's share of each kind's objects starts here


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


def worth_two_processes(engine: Engine, jobs: int | None) -> bool:
    if jobs is None:
        jobs = _jobs_from_env()
    if jobs is not None and jobs < 2:
        return False
    if not hasattr(os, "fork") or available_cpus() < 2:
        return False
    if not any(r.scope in ("object", "text") for r in engine.rules):
        return False
    if jobs is None:
        kinds = {r.kind for r in engine.rules if r.scope == "object"}
        objects = sum(len(engine.bundle.objects(k)) for k in kinds if k)
        text = sum(tf.meta.get("size", 0) or 0 for tf in engine.bundle.text_files()) \
            if any(r.scope == "text" for r in engine.rules) else 0
        if objects < MIN_OBJECTS and text < MIN_TEXT_BYTES:
            return False
    return _forks_safely(engine)


# ---------------------------------------------------------------------- wire format
def finding_to_wire(f: Finding) -> dict[str, Any]:
    return asdict(f)


def finding_from_wire(d: dict[str, Any]) -> Finding:
    d = dict(d)
    d["objects"] = [ObjectRef(**o) for o in d["objects"]]
    d["evidence"] = [Evidence(**{**e, "lines": [tuple(x) for x in e["lines"]]}) for e in d["evidence"]]
    if d.get("waived") is not None:
        d["waived"] = Waived(**d["waived"])
    return Finding(**d)


def _child_share(engine: Engine, problems_before: int) -> bytes:
    object_rules = [r for r in engine.rules if r.scope == "object"]
    engine.run_object_rules(object_rules, share=(SPLIT, 1.0))
    engine.ev.fns.clear_caches()
    engine.run_text_rules()
    return orjson.dumps({
        "findings": [finding_to_wire(f) for f in engine.findings],
        "errors": [asdict(e) for e in engine.errors],
        "failed": sorted(engine.failed_rules),
        "skipped": engine.skipped,
        "problems": [p.as_dict() for p in engine.bundle.problems[problems_before:]],
        "profile": engine.profile,
    })


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


def run_in_two_processes(engine: Engine) -> None:
    """``engine.run()`` with the work split between this process and a forked child."""
    problems_before = len(engine.bundle.problems)
    progress = engine.progress
    sys.stdout.flush()
    sys.stderr.flush()
    gc.freeze()  # what exists now stays out of the collector's (copy-on-write-breaking) sight
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        _run_sequential(engine)
        return
    if pid == 0:  # the child: never returns into the caller
        code = 1
        try:
            os.close(read_fd)
            engine.progress = None
            _write_all(write_fd, _child_share(engine, problems_before))
            code = 0
        except BaseException:  # noqa: BLE001 - the parent notices the missing data and redoes the work
            pass
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        # The parent's share: the first half of the objects, then the bundle rules.
        engine.run_object_rules([r for r in engine.rules if r.scope == "object"], share=(0.0, SPLIT))
        engine.run_bundle_rules()
        engine.ev.fns.clear_caches()
        data = _read_all(read_fd)
    finally:
        os.close(read_fd)
        _, status = os.waitpid(pid, 0)
    engine.progress = progress
    child = None
    if os.waitstatus_to_exitcode(status) == 0:
        try:
            child = orjson.loads(data)
        except orjson.JSONDecodeError:
            child = None
    if child is None:  # the child failed: do its share here
        engine.run_object_rules([r for r in engine.rules if r.scope == "object"], share=(SPLIT, 1.0))
        engine.ev.fns.clear_caches()
        engine.run_text_rules()
        engine.ev.fns.clear_caches()
        return
    _merge(engine, child, problems_before)


def _run_sequential(engine: Engine) -> None:
    engine.run_object_rules([r for r in engine.rules if r.scope == "object"])
    engine.run_bundle_rules()
    engine.ev.fns.clear_caches()
    engine.run_text_rules()
    engine.ev.fns.clear_caches()


def _merge(engine: Engine, child: dict[str, Any], problems_before: int) -> None:
    stopped = set(engine.failed_rules)  # stopped in the first half: nothing from the second
    for d in child["findings"]:
        if d["rule_id"] in stopped:
            continue
        f = finding_from_wire(d)
        key = (f.rule_id, tuple(str(o) for o in f.objects), f.message)
        if key in engine._seen:
            continue
        engine._seen.add(key)
        engine.findings.append(f)
    for e in child["errors"]:
        if e["rule_id"] not in stopped:
            engine.errors.append(RuleError(**e))
    engine.failed_rules |= set(child["failed"])
    have = {(s["rule_id"], s["reason"]) for s in engine.skipped}
    engine.skipped += [s for s in child["skipped"] if (s["rule_id"], s["reason"]) not in have]
    mine = {(p.path, p.error) for p in engine.bundle.problems[problems_before:]}
    for p in child["problems"]:
        if (p["path"], p["error"]) not in mine:
            engine.bundle.add_problem(p["path"], p["error"])
    for rule_id, secs in child["profile"].items():
        engine._time(rule_id, secs)
