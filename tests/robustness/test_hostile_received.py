"""Hostile variants of the formats people receive (Sonobuoy, kind export logs, old
cluster-info dumps, the generic fallback): each is read as far as it can be, problems are
listed, and the real `kbundle` never crashes (see conftest.py for the contract)."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from tests.bundle.conftest import member, write, write_tar
from tests.robustness.conftest import assert_usable_or_clear_error

BIG = 10 * 1024 * 1024


def _entry(unit: str, message: str | list[int], ts: int) -> bytes:
    return orjson.dumps({"__CURSOR": f"c{ts}", "__REALTIME_TIMESTAMP": str(ts), "_HOSTNAME": "node-1",
                         "SYSLOG_IDENTIFIER": unit, "_SYSTEMD_UNIT": f"{unit}.service", "MESSAGE": message})


def _journal_with_a_huge_field() -> bytes:
    return b"\n".join([
        _entry("kubelet", "before the big one", 1772366400_000000),
        _entry("kubelet", "x" * BIG, 1772366401_000000),                    # a 10 MB MESSAGE
        _entry("containerd", list(b"\xff" * 1000), 1772366402_000000),        # binary, as byte values
        orjson.dumps({"MESSAGE": {"nested": ["not", "a", "string"]}, "__REALTIME_TIMESTAMP": "nope"}),
        b'{"MESSAGE": "truncated entry',                                     # cut off mid-line
        _entry("kubelet", "after the big one", 1772366403_000000),
    ]) + b"\n"


def _sonobuoy(tmp_path: Path) -> Path:
    node = {"metadata": {"name": "node-1"}, "status": {"nodeInfo": {"kubeletVersion": "v1.30.2"}}}
    return write_tar(tmp_path / "202603011200_sonobuoy_0000.tar.gz", [
        member("serverversion.json", b'{"gitVersion": "v1.30.2"}'),
        member("meta/run.log", b"not json at all\n"),
        member("resources/cluster/core_v1_nodes.json", orjson.dumps({"kind": "NodeList", "items": [node]})),
        member("resources/ns/shop/core_v1_pods.json", b'{"kind": "PodList", "items": "nope"}'),
        member("resources/ns/shop/Pods.json", b"[1, 2, {}]"),
        member("hosts/node-1/configz.json", b"\xff\xfe binary"),
        member("plugins/systemd-logs/results/node-1/systemd_logs", _journal_with_a_huge_field()),
    ])


def test_sonobuoy_journald_export_with_a_10mb_field(sandbox, tmp_path):
    r = sandbox("inspect", str(_sonobuoy(tmp_path)), "--format", "json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["format"] == "sonobuoy" and doc["counts"] == {"Node": 1}
    problems = {p["error"] for p in doc["problems"]}
    assert "2 line(s) are not journal entries (first: line 4); skipped" in problems
    assert "'items' is str, not a list" in problems
    assert doc["node_files"] == 3  # kubelet and containerd journals, configz
    from analyzer.bundle.reader import open_bundle

    with open_bundle(_sonobuoy(tmp_path)) as b:
        lines = b.node_file("node-1", "commands/journal-kubelet.txt").lines()
        assert len(lines) == 3 and len(lines[1]) > BIG and lines[2].endswith("after the big one")
    r = sandbox("analyze", str(_sonobuoy(tmp_path)), "--format", "json", "-o", "out/report.json")
    assert r.code in (0, 1), r.stderr


def test_generic_journal_export_with_a_10mb_field(sandbox, tmp_path):
    root = tmp_path / "ticket"
    write(root, "node-1.journal", _journal_with_a_huge_field())
    r = sandbox("inspect", str(root), "--format", "json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["format"] == "generic" and doc["node_files"] == 2
    assert doc["coverage"]["mapped"]["node_files"] == {"files": 1, "node_files": 2}


def test_kind_logs_with_broken_pieces(sandbox, tmp_path):
    root = tmp_path / "logs"
    n = root / "kind-control-plane"
    write(root, "kind-version.txt", "kind v0.27.0")
    write(n, "kubernetes-version.txt", "garbage")
    write(n, "kubelet.log", "Foo 99 99:99:99 kind-control-plane kubelet[1]: bad date\n" + "y" * BIG + "\n")
    write(n, "inspect.json", "[{not json")
    write(n, "pods/NOT_A_VALID_DIR/app/0.log", "x\n")
    write(n, "pods/shop_web-1_uid/app/zero.log", "x\n")
    write(n, "pods/shop_web-1_uid/app/0.log", b"\x00\xff garbage \x00\n" * 1000)
    write(n, "containers/weird.log", "x\n")
    r = sandbox("inspect", str(root), "--format", "json")
    assert_usable_or_clear_error(r, "logs")
    doc = json.loads(r.stdout)
    assert doc["format"] == "kind-logs" and doc["counts"] == {"Node": 1, "Pod": 1}
    errors = {p["path"].rsplit("/", 1)[-1]: p["error"] for p in doc["problems"]}
    assert errors["kubernetes-version.txt"] == "no Kubernetes version in the file"
    assert errors["inspect.json"] == "invalid JSON in docker inspect output"
    ignored = {e["reason"] for e in doc["coverage"]["ignored_by_reason"]}
    assert "pod log path not in the <ns>_<pod>_<uid>/<container>/<n>.log form" in ignored
    r = sandbox("analyze", str(root), "--format", "json", "-o", "out/report.json")
    assert r.code in (0, 1), r.stderr


def test_internal_dump_with_wrong_types(sandbox, tmp_path):
    root = tmp_path / "dump"
    write(root, "nodes.json", {"Items": [{"name": "n1", "Status": "not a dict", "Spec": [1, 2]}]})
    write(root, "default/pods.json", {"Items": [{"name": 5}, "text", {"name": "p1", "Spec": {"Containers": "x"}}]})
    write(root, "default/events.json", {"Items": None})
    write(root, "default/p1/logs.txt", "Request log error: " + "z" * 10_000 + "\n")
    r = sandbox("inspect", str(root), "--format", "json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["format"] == "cluster-info-dump" and doc["counts"] == {"Node": 1, "Pod": 1}
    r = sandbox("analyze", str(root), "--format", "json", "-o", "out/report.json")
    assert r.code in (0, 1), r.stderr
