"""`kbundle inspect`: the JSON contract, the text summary, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.bundle.native_writer import write_native
from analyzer.cli import app
from tests.bundle.conftest import COLLECTED, core_event, node, pod, tar_dir, write

KEYS = {"format", "cluster_version", "collected_at", "counts", "nodes", "namespaces", "logs", "node_files",
        "partial", "coverage", "problems"}


def _bundle(root: Path) -> Path:
    web = pod("web-1", "shop")
    return write_native(
        root, [node("node-1"), web, pod("db-0", "data"), core_event("web-1.1", "shop", web)],
        logs={("shop", "web-1", "app", False): "ok\n", ("shop", "web-1", "app", True): "boom\n",
              ("data", "db-0", "app", False): b"bad \xff bytes\n"},
        node_files={("node-1", "commands/df.txt"): "df\n"},
        cluster_version="v1.30.2", collected_at=COLLECTED,
    )


def _run(*args: str):
    return CliRunner().invoke(app, ["inspect", *args])


def test_inspect_json(tmp_path):
    root = _bundle(tmp_path / "b")
    (root / "namespaces" / "shop" / "services.json").write_text('{"kind": "ServiceList", "items": [')
    r = _run(str(root), "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert set(doc) == KEYS
    assert doc["format"] == "native"
    assert doc["cluster_version"] == "v1.30.2"
    assert doc["collected_at"] == COLLECTED
    assert doc["counts"] == {"Event": 1, "Node": 1, "Pod": 2}
    assert doc["nodes"] == ["node-1"]
    assert doc["namespaces"] == ["data", "shop"]
    assert doc["logs"] == {"current": 2, "previous": 1}
    assert doc["node_files"] == 1
    problems = {p["path"]: p["error"] for p in doc["problems"]}
    assert "invalid JSON" in problems["namespaces/shop/services.json"]
    assert "invalid UTF-8" in problems["logs/data/db-0/app.log"]  # found by reading the logs once
    assert all(set(p) == {"path", "error"} for p in doc["problems"])
    assert doc["partial"] == {}
    cov = doc["coverage"]
    # every file is accounted for once: the broken services.json is the one not understood
    assert cov["files"] == cov["understood"] + cov["not_understood"] + cov["ignored"]
    assert cov["not_understood"] == 1
    assert cov["mapped"]["logs"] == {"files": 3, "logs": 3}
    assert cov["mapped"]["node_files"] == {"files": 1, "node_files": 1}


def test_inspect_text(tmp_path):
    r = _run(str(_bundle(tmp_path / "b")))
    assert r.exit_code == 0
    for fragment in ("Format:          native", "Cluster version: v1.30.2", "Logs:            2 current, 1 previous",
                     "Pod ", "Problems (1):", "logs/data/db-0/app.log: invalid UTF-8"):
        assert fragment in r.stdout


def test_inspect_limits_flags(tmp_path):
    root = _bundle(tmp_path / "b")
    (root / "logs" / "shop" / "web-1" / "big.log").write_bytes(b"x" * 20_000)
    archive = tar_dir(root, tmp_path / "b.tar.gz", "b")
    r = _run(str(archive), "--format", "json", "--max-file-bytes", "10000")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert [p["path"] for p in doc["problems"] if "--max-file-bytes" in p["error"]] == ["b/logs/shop/web-1/big.log"]
    assert doc["counts"]["Pod"] == 2
    r = _run(str(archive), "--max-file-bytes", "10")  # nothing left to read: a clear error
    assert r.exit_code == 2 and "exceeds --max-file-bytes" in r.stderr
    r = _run(str(archive), "--max-members", "0")
    assert r.exit_code == 2
    assert "max-members must be positive" in r.stderr


@pytest.mark.parametrize("args, fragment", [
    (["{missing}"], "{missing}: no such file or directory"),
    (["{garbage}"], "{garbage}: no known bundle format"),
    (["{bundle}", "--format", "xml"], "--format must be text or json"),
])
def test_inspect_errors_are_one_line_exit_2(tmp_path, args, fragment):
    garbage = write(tmp_path, "garbage.bin", b"\x00\x01 not a bundle")
    names = {"missing": str(tmp_path / "missing.tgz"), "garbage": str(garbage), "bundle": str(_bundle(tmp_path / "b"))}
    args = [a.format(**names) for a in args]
    r = _run(*args)
    assert r.exit_code == 2
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("kbundle: error: ")
    assert fragment.format(**names) in lines[0]


def test_inspect_as_a_process_never_prints_a_traceback(tmp_path):
    bad = write(tmp_path, "evil.tar.gz", b"\x1f\x8b\x08\x00" + b"\xff" * 100)
    p = subprocess.run([sys.executable, "-m", "analyzer.cli", "inspect", str(bad)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert p.stderr.startswith(f"kbundle: error: {bad}: ")
