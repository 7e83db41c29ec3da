"""``kbundle fleet analyze``: run :func:`analyzer.fleet.worker.analyze_task` over every bundle on
a local process pool (default) or a Dask distributed cluster (``--scheduler``), and write the
results to the dataset partition by partition.

Only this process writes the dataset; workers return rows.  Results that arrived are
written even when the run is interrupted, and a rerun skips every bundle already written
with the same rule pack, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TextIO

from analyzer.fleet.rulepack import RulePackSpec, cached_pack
from analyzer.fleet.worker import _empty_row, analyze_task, set_skip, source_id

PARTITION_BUNDLES = 200  # bundles per partition (a partition is also written after FLUSH_SECONDS)
FLUSH_SECONDS = 30.0
POOL_ATTEMPTS = 3  # a bundle whose worker process died this often is an error row


class Progress:
    """``fleet: 120/1000 bundles (3 failed, 40 skipped), 8.3/s, ETA 1m46s`` on stderr: one line
    rewritten on a terminal, a line every few seconds otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None, every: float | None = None):
        self.total = total
        self.stream = stream or sys.stderr
        try:
            self.tty = self.stream.isatty()
        except (AttributeError, ValueError):
            self.tty = False
        self.every = every if every is not None else (0.2 if self.tty else 5.0)
        self.started = time.monotonic()
        self.last = 0.0
        self.done = self.failed = self.skipped = 0

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = (self.done - self.skipped) / elapsed
        left = self.total - self.done
        eta = _duration(left / rate) if rate > 0 and left else ("0s" if not left else "?")
        extra = ", ".join(x for x in (f"{self.failed} failed" if self.failed else "",
                                      f"{self.skipped} skipped" if self.skipped else "") if x)
        return (f"fleet: {self.done}/{self.total} bundles{f' ({extra})' if extra else ''}, "
                f"{rate:.2f}/s, ETA {eta}")

    def update(self, failed: bool = False, skipped: bool = False, force: bool = False) -> None:
        self.done += 1
        self.failed += failed
        self.skipped += skipped
        now = time.monotonic()
        if force or self.done == self.total or now - self.last >= self.every:
            self.last = now
            self.stream.write(f"\r\x1b[K{self.line()}" if self.tty else f"{self.line()}\n")
            self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    s = int(seconds + 0.5)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


# ---------------------------------------------------------------------- executors

Results = Iterator[dict[str, Any]]


def run_local(sources: list[str], spec: RulePackSpec, skip: frozenset[str], workers: int) -> Results:
    """Results of every bundle, as they complete, from a pool of ``workers`` processes.  A
    process that dies (a crash, the OOM killer) breaks the pool: it is started again and the
    unfinished bundles are resubmitted; one that broke it ``POOL_ATTEMPTS`` times is an
    error row."""
    cached_pack(spec)  # loaded once here: forked workers inherit it
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    attempts = dict.fromkeys(sources, 0)
    pending = list(sources)
    while pending:
        broken: list[str] = []
        with ProcessPoolExecutor(max_workers=max(1, min(workers, len(pending))), mp_context=ctx,
                                 initializer=set_skip, initargs=(skip,)) as pool:
            futures: dict[Future[dict[str, Any]], str] = {pool.submit(analyze_task, s, spec): s for s in pending}
            try:
                while futures:
                    done, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for fut in done:
                        src = futures.pop(fut)
                        try:
                            yield fut.result()
                        except BrokenProcessPool:
                            broken.append(src)
                        except Exception as e:  # noqa: BLE001 - e.g. a result that did not pickle
                            yield _failed(src, spec, f"worker failed: {type(e).__name__}: {e}")
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        pending = []
        if broken:
            sys.stderr.write(f"fleet: a worker process died; {len(broken)} unfinished bundle(s) run again "
                             "on a new pool\n")
        for src in broken:
            attempts[src] += 1
            if attempts[src] >= POOL_ATTEMPTS:
                yield _failed(src, spec, f"the worker process died {attempts[src]} times while analysing this bundle")
            else:
                pending.append(src)


def run_dask(sources: list[str], spec: RulePackSpec, skip: frozenset[str], scheduler: str) -> Results:
    """Results of every bundle from a Dask distributed cluster.  Tasks of a worker that is lost
    are rescheduled by the scheduler on the others; a task that fails anyway (e.g. it killed
    every worker it ran on) is an error row."""
    from analyzer.fleet import require

    distributed = require("distributed")
    import uuid

    run = uuid.uuid4().hex[:12]
    with distributed.Client(scheduler, timeout="30s") as client:
        [skip_future] = client.scatter([skip], broadcast=True)
        futures = {client.submit(analyze_task, src, spec, skip_future, key=f"kbundle-fleet-{run}-{i}",
                                 pure=False, retries=1): src for i, src in enumerate(sources)}
        try:
            for fut in distributed.as_completed(list(futures)):
                src = futures[fut]
                if fut.status == "finished":
                    yield fut.result()
                else:
                    exc = fut.exception()
                    yield _failed(src, spec, f"task failed on the cluster: {type(exc).__name__}: {exc}")
                fut.release()
        finally:
            client.cancel([f for f in futures if not f.done()])


def _failed(source: str, spec: RulePackSpec, error: str) -> dict[str, Any]:
    """The error row of a bundle whose worker was lost (not the bundle's fault)."""
    from datetime import UTC, datetime

    from analyzer.fleet.sources import bundle_id

    row = _empty_row(source)
    row["rule_pack_hash"] = cached_pack(spec).hash
    try:
        row["bundle_id"] = bundle_id(source)
    except Exception:  # noqa: BLE001 - unreadable: identified by its source
        row["bundle_id"] = source_id(source)
    row["error"] = error
    row["worker_lost"] = True  # not the bundle's fault: a rerun tries it again
    row["analyzed_at"] = datetime.now(UTC)
    return {"bundle": row, "findings": []}


# ---------------------------------------------------------------------- the job


class PartitionWriter:
    """Buffers results and writes a partition every ``size`` bundles or ``seconds``."""

    def __init__(self, dataset: Any, size: int = PARTITION_BUNDLES, seconds: float = FLUSH_SECONDS):
        self.dataset = dataset
        self.size = max(1, size)
        self.seconds = seconds
        self.bundles: list[dict[str, Any]] = []
        self.findings: list[dict[str, Any]] = []
        self.last = time.monotonic()
        self.partitions = 0

    def add(self, result: dict[str, Any]) -> None:
        self.bundles.append(result["bundle"])
        self.findings.extend(result["findings"])
        if len(self.bundles) >= self.size or time.monotonic() - self.last >= self.seconds:
            self.flush()

    def flush(self) -> None:
        if self.bundles:
            self.dataset.write_partition(self.bundles, self.findings)
            self.partitions += 1
        self.bundles, self.findings = [], []
        self.last = time.monotonic()


def run_fleet(sources: list[str], dataset: Any, spec: RulePackSpec, scheduler: str | None = None,
              workers: int | None = None, partition_size: int = PARTITION_BUNDLES,
              progress: Progress | None = None,
              executor: Callable[..., Results] | None = None) -> dict[str, int]:
    """Analyse ``sources`` into ``dataset``; returns counts (analysed, failed, skipped,
    duplicates, partitions)."""
    from analyzer.engine.parallel import available_cpus

    pack = cached_pack(spec)
    skip = frozenset(bid for bid, h in dataset.done_keys() if h == pack.hash)
    if scheduler:
        results = run_dask(sources, spec, skip, scheduler)
    else:
        results = (executor or run_local)(sources, spec, skip, workers or available_cpus())
    writer = PartitionWriter(dataset, partition_size)
    counts = {"analysed": 0, "failed": 0, "skipped": 0, "duplicates": 0}
    written: set[str] = set()
    try:
        for result in results:
            if "skipped" in result:
                counts["skipped"] += 1
                if progress:
                    progress.update(skipped=True)
                continue
            row = result["bundle"]
            failed = row["error"] is not None
            if row["bundle_id"] in written:  # the same bundle under two names: analysed once
                counts["duplicates"] += 1
            else:
                written.add(row["bundle_id"])
                writer.add(result)
                counts["failed" if failed else "analysed"] += 1
            if progress:
                progress.update(failed=failed)
    finally:
        writer.flush()  # what arrived is kept, even on an interrupt
        if progress:
            progress.finish()
    counts["partitions"] = writer.partitions
    return counts


def analyze_fleet_command(sources: list[str], output: Path, rule_paths: list[Path], no_builtin: bool,
                          scheduler: str | None, workers: int | None, partition_size: int) -> int:
    from analyzer.fleet import MissingExtra, require
    from analyzer.fleet.dataset import Dataset, DatasetError
    from analyzer.fleet.sources import SourceProblem, expand_sources

    try:
        require("pyarrow")
        if scheduler:
            require("distributed")
        bundles = expand_sources(sources)
    except (MissingExtra, SourceProblem) as e:
        return _err(str(e))
    spec = RulePackSpec(tuple(str(p) for p in rule_paths), builtin=not no_builtin)
    pack = cached_pack(spec)
    if pack.user_problems:
        for problem in pack.user_problems[:-1]:
            sys.stderr.write(f"{problem}\n")
        return _err(pack.user_problems[-1] if len(pack.user_problems) == 1 else
                    f"{len(pack.user_problems)} problem(s) in the rule files given with --rules (see kbundle rules lint)")
    dataset = Dataset(output)
    try:
        dataset.prepare()
    except (DatasetError, OSError) as e:
        return _err(str(e))
    progress = Progress(len(bundles))
    try:
        counts = run_fleet(bundles, dataset, spec, scheduler=scheduler, workers=workers,
                           partition_size=partition_size, progress=progress)
    except KeyboardInterrupt:
        sys.stderr.write("kbundle: interrupted; the bundles analysed so far are in the dataset, run again to resume\n")
        return 130
    except OSError as e:
        return _err(f"cannot connect or write: {e}")
    sys.stdout.write(f"{counts['analysed']} analysed, {counts['failed']} failed, {counts['skipped']} already in "
                     f"the dataset{', ' + str(counts['duplicates']) + ' duplicates' if counts['duplicates'] else ''}"
                     f" (rule pack {pack.hash[:12]}) -> {output}\n")
    return 0


def _err(message: str) -> int:
    sys.stderr.write(f"kbundle: error: {' '.join(str(message).split())}\n")
    return 2
