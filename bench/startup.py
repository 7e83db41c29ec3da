"""Benchmark: start-up of the command line against the bare import of its libraries.

    python bench/startup.py                 # 15 runs each, results appended to bench/results.md
    python bench/startup.py --runs 5 --no-record

Like hyperfine: each command runs once to warm up (this also fills the rule-pack cache,
analyzer/rules/pack_cache.py, and Python's bytecode cache, both in a private temporary
directory, as an installed kbundle has them after its first run), then ``--runs`` times in a fresh
process; the table gives the minimum, median and mean wall time and the ratio of the median to
the floor's median.  The commands alternate run by run, so that load from other work on the
machine weighs on each about equally.
  floor         python -c 'import orjson, yaml, jmespath, jinja2, typer'
  --version     kbundle --version
  rules list    kbundle rules list
  analyze demo  kbundle analyze bundles/demo (text report to /dev/null)
Targets (issue 15): rules list <= 1.5 x floor, analyze demo <= 2 x floor.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGETS = {"rules list": 1.5, "analyze demo": 2.0}


def commands() -> dict[str, list[str]]:
    kb = [sys.executable, "-m", "analyzer.cli"]
    return {
        "floor": [sys.executable, "-c", "import orjson, yaml, jmespath, jinja2, typer"],
        "--version": [*kb, "--version"],
        "rules list": [*kb, "rules", "list"],
        "analyze demo": [*kb, "analyze", str(ROOT / "bundles" / "demo"), "--fail-on", "never"],
    }


def run_once(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    p = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({p.returncode}): {p.stderr.decode()[-500:]}")
    return elapsed


def measure(runs: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory(prefix="kbundle-startup-") as tmp:
        # Bytecode is written (to a private prefix, not into the checkout) as pip does when it
        # installs: without it every run would compile kbundle's sources.
        env = dict(os.environ, PYTHONPATH=str(ROOT), KBUNDLE_CACHE_DIR=str(Path(tmp) / "cache"),
                   PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"), NO_COLOR="1")
        env.pop("KBUNDLE_NO_CACHE", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        cmds = commands()
        cold = run_once(cmds["analyze demo"], env)  # warm-up; compiles the pack into the cache
        times: dict[str, list[float]] = {name: [] for name in cmds}
        for argv in cmds.values():
            run_once(argv, env)
        for _ in range(runs):
            for name, argv in cmds.items():
                times[name].append(run_once(argv, env))
        times["analyze demo, empty cache"] = [cold]
        return times


def table(times: dict[str, list[float]]) -> list[str]:
    floor = statistics.median(times["floor"])
    out = ["| command | runs | min s | median s | mean s | median / floor | target |", "|---|---|---|---|---|---|---|"]
    for name, ts in times.items():
        med = statistics.median(ts)
        target = TARGETS.get(name)
        verdict = f"<= {target} ({'met' if med / floor <= target else 'NOT met'})" if target else ""
        out.append(f"| {name} | {len(ts)} | {min(ts):.3f} | {med:.3f} | {statistics.mean(ts):.3f} | "
                   f"{med / floor:.2f} | {verdict} |")
    return out


def machine() -> str:
    cpus = os.cpu_count()
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpus} cores, {model}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--no-record", action="store_true", help="print only; do not append to bench/results.md")
    ap.add_argument("--note", default="", help="a line describing what was measured")
    args = ap.parse_args()
    load_before = os.getloadavg()
    times = measure(args.runs)
    load_after = os.getloadavg()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"## Start-up, {stamp}: {machine()}", ""]
    if args.note:
        lines += [args.note, ""]
    lines += table(times)
    lines += ["", f"Load average (1, 5, 15 min) before {' '.join(f'{x:.1f}' for x in load_before)}, after "
              f"{' '.join(f'{x:.1f}' for x in load_after)}.", ""]
    text = "\n".join(lines)
    print(text)
    if not args.no_record:
        with open(HERE / "results.md", "a", encoding="utf-8") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
