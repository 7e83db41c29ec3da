"""Shared pieces of the speed tests: a small synthetic bundle (bench/synth.py) and the
findings of an analysis as plain data, for comparing two ways of running the same rules."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from analyzer.engine.findings import AnalysisResult

REPO = Path(__file__).resolve().parents[2]
BUNDLES = REPO / "bundles"


def load_bench_module(name: str) -> Any:
    """``bench/<name>.py`` as a module (bench/ is a folder of scripts, not a package)."""
    if f"bench_{name}" in sys.modules:
        return sys.modules[f"bench_{name}"]
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"bench_{name}"] = module
    spec.loader.exec_module(module)
    return module


def write_synthetic(out: Path, pods: int = 400, nodes: int = 12, log_bytes: int = 400_000, seed: int = 7) -> Path:
    synth = load_bench_module("synth")
    assert synth.main(["--pods", str(pods), "--nodes", str(nodes), "--log-bytes", str(log_bytes),
                       "--seed", str(seed), "--out", str(out)]) == 0
    return out


def outcome(result: AnalysisResult) -> dict[str, Any]:
    return {
        "findings": [f.as_dict() for f in result.findings],
        "errors": [(e.rule_id, e.error) for e in result.rule_errors],
        "skipped": result.skipped_rules,
        "problems": sorted((p["path"], p["error"]) for p in result.problems),
    }


def recorded_bundles() -> list[Path]:
    return sorted(d for d in BUNDLES.iterdir() if (d / "manifest.json").is_file()) if BUNDLES.is_dir() else []


def dns_bundle(out: Path) -> Path:
    """Pods whose logs show name resolution failures: CRLF line ends, non-ASCII text, a log
    whose bytes are not valid UTF-8 (a recorded problem), and a previous log."""
    from analyzer.bundle.native_writer import write_native
    from tools.bundlegen import k8s

    objects: list[dict[str, Any]] = [k8s.node("node-1", "10.0.0.1", [])]
    logs: dict[tuple[str, str, str, bool], str | bytes] = {}
    for i in range(4):
        c = k8s.container("app", f"shop/app:{i}")
        p = k8s.pod(f"app-{i}", "shop", "node-1", [c])
        objects.append(p)
        lines = [f"2026-11-20T09:5{i}:0{n}Z café request {n} ok" for n in range(5)]
        lines += [f"2026-11-20T09:5{i}:1{n}Z dial tcp: lookup db-{i}.shop.svc.cluster.local on 10.96.0.10:53: "
                  f"no such host (tentative {n})" for n in range(3 + i)]
        text = ("\r\n" if i == 1 else "\n").join(lines) + "\n"
        data = text.encode()
        if i == 2:
            data = data.replace("café".encode(), b"caf\xff", 1)  # not UTF-8
        logs[("shop", f"app-{i}", "app", False)] = data
    logs[("shop", "app-3", "app", True)] = "getaddrinfo EAI_AGAIN db-3.shop.svc\nbye\n"
    return write_native(out, objects, logs=logs, cluster_version=k8s.CLUSTER_VERSION,
                        collected_at=k8s.COLLECTED_AT.strftime("%Y-%m-%dT%H:%M:%SZ"), pretty=False)
