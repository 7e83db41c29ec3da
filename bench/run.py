"""Benchmark: analysis time and memory against the floor of merely reading the bundle.

    python bench/run.py --sizes S,M          # under 5 minutes on a 2-core machine
    python bench/run.py --sizes L            # 150,000 pods, 5,000 nodes, 1 GB of logs

For each size: generate the bundle with bench/synth.py (cached under bench/data/), read it
once to warm the page cache, then, each in a fresh process, measure
  floor    read and orjson-parse every JSON file, read every log byte;
  analyze  `kbundle analyze --format json` with the full built-in rule pack;
  html     `kbundle analyze --format html` (the whole command), and the time the HTML
           renderer itself takes for that analysis (in-process, `html render s`);
and print wall time, CPU time (user + system), peak RSS and the ratio analyze / floor (wall).
Results are appended, with the machine's description and its load, to bench/results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = {
    "S": {"pods": 500, "nodes": 20, "log_bytes": "5M"},
    "M": {"pods": 20000, "nodes": 700, "log_bytes": "200M"},
    "L": {"pods": 150000, "nodes": 5000, "log_bytes": "1G"},
}

FLOOR = r"""
import os, sys, orjson
root = sys.argv[1]
n = b = 0
for d, _dirs, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        with open(p, 'rb') as fh:
            data = fh.read()
        b += len(data)
        if f.endswith('.json'):
            orjson.loads(data)
        n += 1
print(n, b)
"""

# The HTML renderer alone, on the analysis of the bundle (what the report costs on top).
RENDER = r"""
import sys, time
from analyzer.bundle.reader import open_bundle
from analyzer.engine.evaluate import analyze_bundle, load_rules
from analyzer.report.render import render
rules = load_rules([], builtin=True)
with open_bundle(sys.argv[1]) as b:
    result = analyze_bundle(b, rules)
    t = time.perf_counter()
    html = render(result, b, "html", [r.meta() for r in rules.rules])
    print(f"{time.perf_counter() - t:.3f} {len(html.encode())}")
"""


def run_measured(cmd: list[str], stdout_path: str | None = None) -> dict[str, Any]:
    """``cmd`` in a fresh process: wall seconds, CPU seconds (user + system, its children
    included), peak RSS in MiB (os.wait4), exit code, and its stdout unless written to
    ``stdout_path``."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as captured:
        out = open(stdout_path, "wb") if stdout_path else captured
        t = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
            _pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if stdout_path:
                out.close()
        wall = time.perf_counter() - t
        code = proc.returncode
        if code not in (0, 1):
            err.seek(0)
            print(f"  command failed ({code}): {' '.join(cmd)}\n{err.read().decode(errors='replace')[-2000:]}",
                  file=sys.stderr)
        captured.seek(0)
        stdout = captured.read().decode(errors="replace")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss": usage.ru_maxrss / 1024, "code": code,
            "stdout": stdout}


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1048576:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores, {cpu}{mem}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def ensure_bundle(size: str) -> Path:
    p = SIZES[size]
    out = HERE / "data" / f"{size.lower()}-{p['pods']}-{p['nodes']}-{p['log_bytes']}"
    if not (out / "manifest.json").exists():
        if out.exists():
            subprocess.run(["rm", "-rf", str(out)], check=True)
        print(f"[{size}] generating {p['pods']} pods, {p['nodes']} nodes, {p['log_bytes']} of logs ...", file=sys.stderr)
        subprocess.run([sys.executable, str(HERE / "synth.py"), "--pods", str(p["pods"]), "--nodes", str(p["nodes"]),
                        "--log-bytes", p["log_bytes"], "--out", str(out)], check=True)
    return out


def bench_size(size: str, html: bool) -> dict[str, Any]:
    bundle = ensure_bundle(size)
    nbytes = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file())
    kbundle = [sys.executable, "-m", "analyzer.cli"]
    run_measured([sys.executable, "-c", FLOOR, str(bundle)])  # warm the page cache: both see the same
    load = load_average()
    floor = run_measured([sys.executable, "-c", FLOOR, str(bundle)])
    out_json = str(HERE / "data" / f"{size}.json")
    analyze = run_measured([*kbundle, "analyze", str(bundle), "--format", "json", "--fail-on", "never"], out_json)
    row: dict[str, Any] = {"size": size, **SIZES[size], "bytes": nbytes, "floor": floor, "analyze": analyze,
                              "ratio": analyze["wall"] / floor["wall"] if floor["wall"] else float("nan"),
                              "html": None, "render": None, "load": load}
    if html:
        row["html"] = run_measured([*kbundle, "analyze", str(bundle), "--format", "html", "--fail-on", "never",
                                    "-o", str(HERE / "data" / f"{size}.html")])
        rendered = run_measured([sys.executable, "-c", RENDER, str(bundle)])
        try:
            secs, size_bytes = rendered["stdout"].split()
            row["render"] = (float(secs), int(size_bytes))
        except ValueError:
            row["render"] = None
    try:
        import orjson

        row["findings"] = str(len(orjson.loads(Path(out_json).read_bytes())["findings"]))
    except Exception as e:  # noqa: BLE001 - the analysis failed: say so in the table
        row["findings"] = f"error: {type(e).__name__}"
    return row


def table(rows: list[dict[str, Any]]) -> str:
    header = ("| size | pods | nodes | logs | bundle MB | floor s (cpu) | analyze s (cpu) | analyze/floor | "
              "analyze peak RSS MiB | html s | html render s | html MB | findings | load |")
    lines = [header, "|" + "---|" * 14]
    for r in rows:
        f, a, h, rd = r["floor"], r["analyze"], r["html"], r["render"]
        lines.append(
            f"| {r['size']} | {r['pods']} | {r['nodes']} | {r['log_bytes']} | {r['bytes'] / 1e6:.0f} | "
            f"{f['wall']:.1f} ({f['cpu']:.1f}) | {a['wall']:.1f} ({a['cpu']:.1f}) | {r['ratio']:.2f} | "
            f"{a['rss']:.0f} | "
            + (f"{h['wall']:.1f}" if h else "-") + " | "
            + (f"{rd[0]:.1f} | {rd[1] / 1e6:.1f}" if rd else "- | -")
            + f" | {r['findings']} | {r['load']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="S,M", help="comma-separated: S, M, L")
    ap.add_argument("--no-html", action="store_true", help="skip the HTML report measurements")
    ap.add_argument("--no-record", action="store_true", help="do not append to bench/results.md")
    ap.add_argument("--note", default="", help="a line to record with the results")
    args = ap.parse_args(argv)
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    bad = [s for s in sizes if s not in SIZES]
    if bad:
        print(f"bench: unknown size(s) {bad}; choose from S, M, L", file=sys.stderr)
        return 2
    rows: list[dict[str, Any]] = []
    for size in sizes:
        r = bench_size(size, not args.no_html)
        rows.append(r)
        f, a = r["floor"], r["analyze"]
        print(f"[{size}] floor {f['wall']:.1f}s analyze {a['wall']:.1f}s ratio {r['ratio']:.2f} "
              f"peak RSS {a['rss']:.0f} MiB", file=sys.stderr)
    text = table(rows)
    print(text)
    if not args.no_record:
        res = HERE / "results.md"
        if not res.exists():
            res.write_text(
                "# Benchmark results\n\nAppended by `python bench/run.py`.  Targets (2-core machine): "
                "analyze/floor <= 3 at M and L; L peak RSS <= 6 GB; the HTML report of L renders in under 30 s.\n"
                "Times are wall seconds (CPU seconds, user + system, in parentheses); `load` is the machine's "
                "load average (1, 5, 15 min) when the size was measured: other work on the machine slows both "
                "the floor and the analysis.  See docs/performance.md.\n")
        note = f"\n{args.note}\n" if args.note else ""
        with res.open("a") as fh:
            fh.write(f"\n## {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}: {machine()}\n{note}\n{text}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
