"""Benchmark: the cost per byte of reading each bundle format.

    python bench/formats.py                 # every capture of ../shared/realdata present
    python bench/formats.py --runs 5 --append

For each capture, in a fresh process per run (imports excluded): open the bundle (detection, objects, the
model's indexes, coverage) and read every text file once (logs, node files, other files, as
`kbundle inspect` does), then report the uncompressed bytes of the bundle, the best wall and
CPU times, and the throughput in MB of bundle per CPU second.  CPU time is the figure to
compare on a shared machine; wall time includes waiting for the disk and for other work.
``--append`` adds the table to bench/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REALDATA = ROOT.parent / "shared" / "realdata"
CAPTURES = [
    "troubleshoot-k3d-bundle/support-bundle.tar.gz",
    "must-gather-metal/must-gather-metal.tar.xz",
    "cluster-info-dump-minikube/cluster-info-dump-stdout.txt",
    "clusterinfo-stdout-eks-k8s1.31-2026/cluster-info.md",
    "clusterinfo-dir-minikube-k8s1.13-2019",
    "sonobuoy-aws-k8s1.7-2017/results-0.8.tar.gz",
    "sonobuoy-kubeadm-k8s1.19-2022/202205300608_sonobuoy_d7621bef-0112-449a-a58f-8dd9a6757028.tar.gz",
    "kind-export-logs-k8s1.32-2025/logs",
]

ONE_RUN = r"""
import json, sys, time
from analyzer.bundle.reader import open_bundle
from analyzer.bundle.safe_source import open_source, ReadLimits
import analyzer.bundle.formats.generic, analyzer.bundle.commands  # imports are not reading
t0, c0 = time.perf_counter(), time.process_time()
with open_bundle(sys.argv[1]) as b:
    text = 0
    for tf in b.text_files():
        text += len(tf.raw())
    out = {"format": b.format, "objects": len(b.objects_all), "texts": text}
t1, c1 = time.perf_counter(), time.process_time()
with open_source(sys.argv[1], ReadLimits()) as s:
    out["bytes"], out["files"] = sum(s.files.values()), len(s.files)
out["wall"], out["cpu"] = t1 - t0, c1 - c0
print(json.dumps(out))
"""


def measure(path: Path, runs: int) -> dict:
    best: dict = {}
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-c", ONE_RUN, str(path)], capture_output=True, text=True, env=env,
                              check=True, timeout=1800)
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        if not best or result["cpu"] < best["cpu"]:
            best = result
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--append", action="store_true", help="append the table to bench/results.md")
    args = ap.parse_args()
    rows = []
    for rel in CAPTURES:
        path = REALDATA / rel
        if not path.exists():
            continue
        r = measure(path, args.runs)
        mb = r["bytes"] / 1e6
        rows.append(f"| {rel.split('/')[0]} | {r['format']} | {mb:.1f} | {r['files']} | {r['objects']} | "
                     f"{r['wall']:.2f} | {r['cpu']:.2f} | {mb / max(r['cpu'], 1e-6):.1f} | "
                     f"{1000 * r['cpu'] / max(r['files'], 1):.2f} |")
        print(rows[-1], flush=True)
    if not rows:
        print(f"no capture found under {REALDATA}", file=sys.stderr)
        return 1
    cpu = platform.processor() or platform.machine()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    table = [
        "", f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: reading cost per format (bench/formats.py, best of "
            f"{args.runs}), {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, load {load}",
        "",
        "Open the bundle and read every text file once, in a fresh process; MB = uncompressed bundle bytes.",
        "",
        "| capture | format | MB | files | objects | wall s | cpu s | MB per cpu s | cpu ms per file |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
    ]
    if args.append:
        with open(HERE / "results.md", "a", encoding="utf-8") as f:
            f.write("\n".join(table) + "\n")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
