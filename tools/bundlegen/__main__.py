"""Write every recorded bundle: ``python -m tools.bundlegen [--out bundles] [NAME ...]``."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

import tools.bundlegen as pkg
from analyzer.bundle.native_writer import write_native
from tools.bundlegen import healthy
from tools.bundlegen.healthy_variants import CLUSTER_VERSIONS, VARIANTS
from tools.bundlegen.k8s import CLUSTER_VERSION, COLLECTED_AT, Cluster

# Scenarios folded into bundles/demo, the README's first example.
DEMO = ["POD-OOMKILLED", "POD-CRASHLOOP", "POD-IMAGE-PULL", "POD-UNSCHEDULABLE", "NODE-DISK-FULL", "SERVICE-NO-ENDPOINTS"]


def load_scenarios() -> tuple[dict[str, Callable[[Cluster], None]], list[dict]]:
    scenarios: dict[str, Callable[[Cluster], None]] = {}
    healthy_expected: list[dict] = []
    for mod in sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name.startswith("scenarios_")):
        module = importlib.import_module(f"tools.bundlegen.{mod}")
        for sid, fn in getattr(module, "SCENARIOS", {}).items():
            if sid in scenarios:
                raise SystemExit(f"scenario {sid} defined twice (second in {mod})")
            scenarios[sid] = fn
        healthy_expected += getattr(module, "HEALTHY_EXPECTED", [])
    return scenarios, healthy_expected


def write_bundle(out: Path, c: Cluster, expected: list[dict], title: str, cluster_version: str = CLUSTER_VERSION) -> None:
    if out.exists():
        shutil.rmtree(out)
    write_native(out, c.objects, c.logs, c.node_files, cluster_version=cluster_version,
                 collected_at=COLLECTED_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
                 manifest_extra={"cluster": {"version": cluster_version, "context": "recorded", "server": None},
                                 "options": {"generator": "tools.bundlegen", "scenario": title}})
    entries = sorted({(e["rule"], e["object"] or "") for e in expected})
    doc = {"description": c.description or title,
           "findings": [{"rule": r, "object": o or None} for r, o in entries]}
    (out / "expected.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, width=110))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="bundles")
    ap.add_argument("names", nargs="*", help="scenario ids (default: all, plus healthy and demo)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    scenarios, healthy_expected = load_scenarios()
    wanted = set(args.names) or {"healthy", "demo", *scenarios, *VARIANTS}
    unknown = wanted - {"healthy", "demo", *scenarios, *VARIANTS}
    if unknown:
        print(f"unknown scenario(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    if "healthy" in wanted:
        write_bundle(out / "healthy", healthy.build(), healthy_expected, "healthy")
    for name in sorted(VARIANTS):  # healthy clusters of other shapes (EKS, k3s): healthy_variants.py
        if name in wanted:
            c = VARIANTS[name]()
            write_bundle(out / name, c, c.expected, name, cluster_version=CLUSTER_VERSIONS[name])
    for sid in sorted(scenarios):
        if sid not in wanted:
            continue
        c = healthy.build()
        c.expected = list(healthy_expected)
        scenarios[sid](c)
        write_bundle(out / sid.lower(), c, c.expected, sid)
    if "demo" in wanted:
        c = healthy.build()
        c.description = "Demo: a healthy cluster with a few common failures (" + ", ".join(
            s for s in DEMO if s in scenarios) + ")."
        c.expected = list(healthy_expected)
        for sid in DEMO:
            if sid in scenarios:
                scenarios[sid](c)
        write_bundle(out / "demo", c, c.expected, "demo")
    print(f"wrote {len(wanted)} bundle(s) under {out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
