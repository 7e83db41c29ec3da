"""Helpers of the fleet tests: a real Dask cluster (``dask scheduler`` and two ``dask worker``
processes on 127.0.0.1, random free ports, torn down by the fixture's finaliser), the input
bundles and a corrupt one.

The inputs are a subset of ``bundles/`` (analysing all of them twice plus a Dask run would
not fit the suite's time budget on a 2-core machine; ``KBUNDLE_FLEET_FULL=1`` uses all of
them and the whole of ../shared/realdata) plus the real captures of ../shared/realdata when
present, except must-gather-metal (over a minute of analysis on a loaded machine).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")

REPO = Path(__file__).resolve().parents[2]
BUNDLES = REPO / "bundles"
REALDATA = REPO.parent / "shared" / "realdata"
FULL = os.environ.get("KBUNDLE_FLEET_FULL") == "1"

SAMPLE_BUNDLES = ("healthy", "pod-oomkilled", "pod-crashloop", "node-not-ready", "cert-expiry", "service-no-endpoints")
# One bundle per real capture, as the README of realdata names it (a file or a directory).
REAL_BUNDLES = (
    "troubleshoot-k3d-bundle/support-bundle.tar.gz",
    "cluster-info-dump-minikube/cluster-info-dump-stdout.txt",
    "clusterinfo-dir-minikube-k8s1.13-2019",
    "clusterinfo-stdout-eks-k8s1.31-2026/cluster-info.md",
    "kind-export-logs-k8s1.32-2025/logs",
    "sonobuoy-aws-k8s1.7-2017/results-0.8.tar.gz",
    "sonobuoy-kubeadm-k8s1.19-2022/202205300608_sonobuoy_d7621bef-0112-449a-a58f-8dd9a6757028.tar.gz",
)
SLOW_REAL = ("must-gather-metal/must-gather-metal.tar.xz",)


def fleet_inputs() -> list[str]:
    if FULL:
        names = sorted(p.name for p in BUNDLES.iterdir() if p.is_dir())
    else:
        names = list(SAMPLE_BUNDLES)
    paths = [str(BUNDLES / n) for n in names]
    if REALDATA.is_dir():
        for rel in REAL_BUNDLES + (SLOW_REAL if FULL else ()):
            if (REALDATA / rel).exists():
                paths.append(str(REALDATA / rel))
    return paths


def write_corrupt_bundle(path: Path) -> Path:
    """A .tar.gz that is unusable as a whole: a real bundle's tar whose gzip header is damaged
    (a merely truncated archive is read up to the cut, with the rest listed as problems)."""
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(BUNDLES / "healthy", arcname="healthy")
    data = bytearray(buf.getvalue())
    data[2] = 0x63  # compression method: not deflate
    path.write_bytes(bytes(data[: len(data) // 2]))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class DaskCluster:
    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def kill_worker(self, i: int) -> None:
        """Kill worker ``i`` for good: its nanny and its worker process (one process group)."""
        os.killpg(self.workers[i].pid, signal.SIGKILL)
        self.workers[i].wait(10)

    def alive_workers(self) -> list[subprocess.Popen[bytes]]:
        return [w for w in self.workers if w.poll() is None]

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


def start_cluster(log_dir: Path, workers: int = 2) -> DaskCluster:
    distributed = pytest.importorskip("distributed")
    log_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(REPO), KBUNDLE_JOBS="1")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"

    def spawn(args: list[str], log: str) -> subprocess.Popen[bytes]:
        out = open(log_dir / log, "wb")
        return subprocess.Popen([sys.executable, "-m", *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True, cwd=str(log_dir))

    sched = spawn(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                   "--dashboard-address", "127.0.0.1:0", "--no-show"], "scheduler.log")
    cluster = DaskCluster(address, sched)
    try:
        for i in range(workers):
            cluster.workers.append(spawn(
                ["distributed.cli.dask_worker", address, "--nworkers", "1", "--nthreads", "1", "--host", "127.0.0.1",
                 "--dashboard-address", "127.0.0.1:0", "--name", f"w{i}", "--local-directory", str(log_dir / f"w{i}")],
                f"worker{i}.log"))
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(workers, timeout=90)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


VOLATILE = {"duration_s", "analyzed_at"}  # timing: differs between any two runs


def canonical(root: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Both tables as sorted rows without the timing columns: equal for equal analyses."""
    from analyzer.fleet.dataset import Dataset

    ds = Dataset(root)
    bundles = [{k: v for k, v in r.items() if k not in VOLATILE} for r in ds.read("bundles").to_pylist()]
    findings = ds.read("findings").to_pylist()
    return (sorted(bundles, key=lambda r: r["bundle_id"]),
            sorted(findings, key=lambda r: (r["bundle_id"], r["idx"])))
