"""Benchmark of ``kbundle fleet analyze``: throughput (bundles/s) on many small bundles, on the
local process pool and on a 2-worker Dask cluster on this machine.

    python bench/fleet.py                      # 1,000 bundles (generated once under bench/data/)
    python bench/fleet.py --count 200 --no-append

The bundles are small synthetic native bundles from bench/synth.py (``--pods`` pods on
``--nodes`` nodes, ``--log-bytes`` of logs, one seed each, so every bundle differs).  Each mode
runs the real CLI in a fresh process into a fresh dataset; the Dask mode starts ``dask
scheduler`` and two ``dask worker --nworkers 1 --nthreads 1`` processes on 127.0.0.1 (not
timed) and tears them down.  CPU seconds: the CLI and its pool, or the CLI, the scheduler and
the workers (start-up included); on a machine shared with other work, CPU per bundle says
more than wall time.  The two datasets are then compared (equal but for the timing columns).
Results are appended to bench/results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
ENV = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def generate(out: Path, count: int, pods: int, nodes: int, log_bytes: str) -> Path:
    """``count`` bundles under ``out`` (kept between runs: only missing ones are written)."""
    import synth

    from analyzer.bundle.native_writer import write_native

    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    made = 0
    for i in range(count):
        target = out / f"b{i:05d}"
        if (target / "manifest.json").is_file():
            continue
        if target.exists():
            shutil.rmtree(target)
        objects, logs, node_files = synth.build(pods, nodes, synth.parse_size(log_bytes), seed=1000 + i)
        write_native(target, objects, logs, node_files, cluster_version=synth.CLUSTER_VERSION,
                     collected_at=synth.COLLECTED_AT.strftime("%Y-%m-%dT%H:%M:%SZ"), pretty=False,
                     manifest_extra={"options": {"generator": "bench/fleet.py", "seed": 1000 + i}})
        made += 1
    if made:
        print(f"fleet bench: wrote {made} bundles to {out} in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_dask(workdir: Path, workers: int) -> tuple[str, list[subprocess.Popen[bytes]]]:
    from distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port",
                               str(port), "--no-dashboard"], env=ENV, cwd=workdir, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    for i in range(workers):
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "1",
                                       "--nthreads", "1", "--no-dashboard", "--local-directory", str(workdir / f"w{i}")],
                                      env=ENV, cwd=workdir, start_new_session=True,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    with Client(address, timeout="60s") as client:
        client.wait_for_workers(workers, timeout=120)
    return address, procs


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def timed_run(data: Path, out: Path, extra: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the CLI and its local pool) of one ``fleet analyze``."""
    before = os.times()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "analyzer.cli", "fleet", "analyze", str(data), "-o", str(out), *extra],
                   env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def same_datasets(a: Path, b: Path) -> bool:
    from analyzer.fleet.dataset import Dataset

    def rows(root: Path) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        ds = Dataset(root)
        bundles = sorted(({k: v for k, v in r.items() if k not in ("duration_s", "analyzed_at")}
                          for r in ds.read("bundles").to_pylist()), key=lambda r: str(r["bundle_id"]))
        findings = sorted(ds.read("findings").to_pylist(), key=lambda r: (r["bundle_id"], r["idx"]))
        return bundles, findings

    return rows(a) == rows(b)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--pods", type=int, default=12)
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--log-bytes", default="16K")
    ap.add_argument("--dask-workers", type=int, default=2)
    ap.add_argument("--note", default="", help="a line written above the table")
    ap.add_argument("--no-append", action="store_true", help="print, do not append to bench/results.md")
    args = ap.parse_args(argv)
    data = generate(HERE / "data" / f"fleet-{args.count}-{args.pods}p", args.count, args.pods, args.nodes,
                    args.log_bytes)
    size_mb = sum(f.stat().st_size for f in data.rglob("*") if f.is_file()) / 1e6
    rows = []
    with tempfile.TemporaryDirectory(prefix="kbundle-fleet-bench-") as tmp:
        work = Path(tmp)
        load = os.getloadavg()
        wall, cpu = timed_run(data, work / "local", [])
        rows.append(("local pool", os.cpu_count() or 1, wall, cpu, load))
        print(f"local pool: {args.count} bundles in {wall:.1f}s = {args.count / wall:.2f}/s", file=sys.stderr)
        before = os.times()
        address, procs = start_dask(work, args.dask_workers)
        try:
            load = os.getloadavg()
            wall, _ = timed_run(data, work / "dask", ["--scheduler", address])
        finally:
            stop(procs)
        after = os.times()  # the scheduler and workers were waited for: their CPU time is counted
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        rows.append((f"Dask, {args.dask_workers} workers", args.dask_workers, wall, cpu, load))
        print(f"dask: {args.count} bundles in {wall:.1f}s = {args.count / wall:.2f}/s", file=sys.stderr)
        identical = same_datasets(work / "local", work / "dask")
    cpu_name = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                     if ln.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    lines = [f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: fleet analyze, {os.cpu_count()} cores, {cpu_name}, "
             f"Python {platform.python_version()}", ""]
    if args.note:
        lines += [args.note, ""]
    lines += [f"{args.count} synthetic bundles ({args.pods} pods, {args.nodes} nodes, {args.log_bytes} of logs each; "
              f"{size_mb:.0f} MB in all), built-in rule pack; datasets of the two runs identical (but the timing "
              f"columns): {'yes' if identical else 'NO'}.", "",
              "| mode | processes | wall s | bundles/s | CPU s | CPU ms per bundle | load |", "|---|---|---|---|---|---|---|"]
    for mode, n, wall, cpu, ld in rows:
        lines.append(f"| {mode} | {n} | {wall:.1f} | {args.count / wall:.2f} | {cpu:.1f} | {1000 * cpu / args.count:.0f} | "
                     f"{ld[0]:.1f} {ld[1]:.1f} {ld[2]:.1f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_append:
        with open(HERE / "results.md", "a", encoding="utf-8") as fh:
            fh.write("\n" + text)
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
