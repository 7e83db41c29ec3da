"""kbundle fleet: the dataset of a local run, the same dataset from a real Dask cluster (also
when a worker is killed mid-run), resuming an interrupted run, equality with
``kbundle analyze --format json``, queries, the HTML report in Chromium, and diff."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fleet_helpers import BUNDLES, REALDATA, REPO, DaskCluster, canonical, wait_for

from analyzer.fleet.dataset import Dataset
from analyzer.fleet.rulepack import RulePackSpec
from analyzer.fleet.runner import run_fleet

ENV = dict(os.environ, PYTHONPATH=str(REPO), KBUNDLE_JOBS="1")


def kbundle(*args: str, check: bool = False, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "analyzer.cli", *args], env=ENV, capture_output=True, text=True,
                          timeout=timeout, cwd=str(REPO))
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_local_dataset_has_every_bundle_and_the_corrupt_one_as_one_error_row(local_ds: Path, inputs: list[str]) -> None:
    bundles, findings = canonical(local_ds)
    assert sorted(b["source"] for b in bundles) == sorted(inputs)
    failed = [b for b in bundles if b["error"]]
    corrupt = [b for b in failed if b["source"].endswith("truncated.tar.gz")]
    assert len(corrupt) == 1
    assert "truncated.tar.gz" in corrupt[0]["error"] and "\n" not in corrupt[0]["error"]
    assert not corrupt[0]["worker_lost"]
    assert not any(f["bundle_id"] == corrupt[0]["bundle_id"] for f in findings)
    # every sample bundle of bundles/ was read and analysed
    ok = {b["name"]: b for b in bundles if not b["error"]}
    for name in ("healthy", "pod-oomkilled", "pod-crashloop"):
        assert ok[name]["format"] == "native" and ok[name]["objects"] > 50 and ok[name]["rules_run"] > 50
        assert len(ok[name]["bundle_id"]) == 64
    assert ok["pod-oomkilled"]["current_critical"] >= 1
    assert {b["rule_pack_hash"] for b in bundles} == {bundles[0]["rule_pack_hash"]}
    rules_of = {}
    for f in findings:
        rules_of.setdefault(f["bundle_id"], set()).add(f["rule"])
    assert "POD-OOMKILLED" in rules_of[ok["pod-oomkilled"]["bundle_id"]]
    assert all(f["rule"] not in ("POD-OOMKILLED", "POD-CRASHLOOP") for f in findings
               if f["bundle_id"] == ok["healthy"]["bundle_id"])


REAL_SAMPLE = REALDATA / "troubleshoot-k3d-bundle/support-bundle.tar.gz"


@pytest.mark.parametrize("path", [REAL_SAMPLE if REAL_SAMPLE.exists() else BUNDLES / "pod-oomkilled"])
def test_findings_equal_analyze_json(local_ds: Path, path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from analyzer.engine.commands import analyze_command

    capsys.readouterr()
    code = analyze_command(bundle=path, rule_paths=[], no_builtin=False, waivers=None, fmt="json",
                           output=None, fail_on="never", profile=False)  # what `kbundle analyze --format json` runs
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    bundles, findings = canonical(local_ds)
    [row] = [b for b in bundles if b["source"] == str(path)]
    mine = [f for f in findings if f["bundle_id"] == row["bundle_id"]]
    assert doc["findings"], "the sample bundle should have findings"
    assert [json.loads(f["finding_json"]) for f in mine] == doc["findings"]
    for f, d in zip(mine, doc["findings"], strict=True):
        assert (f["rule"], f["severity"], f["category"], f["state"], f["since"], f["message"], f["scenarios"]) == (
            d["rule_id"], d["severity"], d["category"], d["state"], d["since"], d["message"], d["scenarios"])
        assert f["objects"] == [f"{o['kind']}/{o['namespace']}/{o['name']}" if o["namespace"]
                                else f"{o['kind']}/{o['name']}" for o in d["objects"]]
    assert (row["cluster_version"], row["format"], row["problems"], row["rule_errors"], row["rules_run"]) == (
        doc["bundle"]["cluster_version"], doc["bundle"]["format"], len(doc["problems"]), len(doc["rule_errors"]),
        doc["summary"]["rules_run"])
    assert row["current_critical"] == sum(1 for d in doc["findings"] if d["severity"] == "critical"
                                          and d["state"] == "current" and not d["waived"])


def test_dask_cluster_gives_the_identical_dataset(local_ds: Path, inputs: list[str], dask_cluster: DaskCluster,
                                                  tmp_path: Path) -> None:
    assert len(dask_cluster.alive_workers()) == 2
    listing = tmp_path / "bundles.txt"
    listing.write_text("# the same bundles as the local run\n" + "\n".join(inputs) + "\n")
    out = tmp_path / "dask-ds"
    proc = kbundle("fleet", "analyze", f"@{listing}", "-o", str(out), "--scheduler", dask_cluster.address,
                   "--partition-size", "5", check=True)
    assert f"/{len(inputs)} bundles" in proc.stderr  # progress: done / total
    assert canonical(out) == canonical(local_ds)


@pytest.mark.slow
def test_worker_killed_mid_run_still_completes_with_every_bundle(local_ds: Path, inputs: list[str],
                                                                 dask_cluster: DaskCluster, tmp_path: Path) -> None:
    """Runs after the identity test and shares its cluster (the kill leaves it one worker)."""
    inputs = [s for s in inputs if not s.startswith(str(REALDATA))]  # the sample bundles and the corrupt one
    cluster = dask_cluster
    assert len(cluster.alive_workers()) == 2
    out = tmp_path / "ds"
    run = subprocess.Popen([sys.executable, "-m", "analyzer.cli", "fleet", "analyze", *inputs, "-o", str(out),
                            "--scheduler", cluster.address, "--partition-size", "1"], env=ENV, cwd=str(REPO),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(Dataset(out).parts("bundles")) >= 1 or run.poll() is not None, 240, "a first result")
        assert run.poll() is None, "the run ended before a worker could be killed"
        cluster.kill_worker(0)
        _, err = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, err
    assert cluster.workers[0].returncode is not None and len(cluster.alive_workers()) == 1
    bundles, _ = canonical(out)
    assert sorted(b["source"] for b in bundles) == sorted(inputs)
    assert not any(b["worker_lost"] for b in bundles)
    local_bundles, local_findings = canonical(local_ds)
    ids = {b["bundle_id"] for b in bundles}
    assert canonical(out) == ([b for b in local_bundles if b["bundle_id"] in ids],
                              [f for f in local_findings if f["bundle_id"] in ids])


def test_interrupted_run_resumes_without_analysing_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from analyzer.fleet.runner import analyze_fleet_command

    sources = [str(BUNDLES / n) for n in ("healthy", "pod-oomkilled", "pod-crashloop")]
    out = tmp_path / "ds"
    run = subprocess.Popen([sys.executable, "-m", "analyzer.cli", "fleet", "analyze", *sources, "-o", str(out),
                            "--workers", "1", "--partition-size", "1"], env=ENV, cwd=str(REPO),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: len(Dataset(out).parts("bundles")) >= 1 or run.poll() is not None, 240, "a first partition")
    finally:
        os.killpg(run.pid, signal.SIGKILL)  # the run and its pool, as a lost machine would stop them
        run.wait()
    first = {b["bundle_id"] for b in Dataset(out).read("bundles").to_pylist()}
    assert 1 <= len(first) < 3
    # what a run stopped between its two renames leaves behind
    (out / "findings" / "part-orphan.parquet").write_bytes(b"half")
    (out / "bundles" / ".tmp-part-x.parquet").write_bytes(b"half")
    capsys.readouterr()
    assert analyze_fleet_command(sources, out, [], False, None, 1, 200) == 0
    assert f"{3 - len(first)} analysed, 0 failed, {len(first)} already in the dataset" in capsys.readouterr().out
    rows = Dataset(out).read("bundles").to_pylist()
    assert sorted(b["source"] for b in rows) == sorted(sources)  # each bundle exactly once
    assert not (out / "findings" / "part-orphan.parquet").exists()
    assert not list((out / "bundles").glob(".tmp-*"))


def fleet(capsys: pytest.CaptureFixture[str], command: str, *args: Any) -> tuple[int, str, str]:
    """Run a fleet command's function in this process: (exit code, stdout, stderr)."""
    from analyzer.fleet.diff import diff_command
    from analyzer.fleet.query import query_command

    capsys.readouterr()
    code = {"query": query_command, "diff": diff_command}[command](*args)
    out, err = capsys.readouterr()
    return code, out, err


def test_query_sql_and_canned_queries(local_ds: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = fleet(capsys, "query", local_ds, None, "json", True, False, False, 50)
    top = json.loads(out)
    by_rule = {r["rule"]: r for r in top}
    assert by_rule["POD-OOMKILLED"]["bundles"] >= 1 and by_rule["POD-OOMKILLED"]["severity"] == "critical"
    assert top == sorted(top, key=lambda r: (-r["bundles"], -r["findings"], r["rule"]))
    _, out, _ = fleet(capsys, "query", local_ds, None, "json", False, True, False, 50)
    versions = json.loads(out)
    assert "1.31" in {v["version"] for v in versions}
    assert sum(v["bundles"] for v in versions) == len(Dataset(local_ds).read("bundles"))
    _, out, _ = fleet(capsys, "query", local_ds, None, "text", False, False, True, 3)
    worst = out.splitlines()
    assert worst[0].split()[:2] == ["name", "cluster_version"] and worst[-1] == "(3 rows)"
    _, out, _ = fleet(capsys, "query", local_ds, "select name, error from bundles where error is not null "
                      "order by name", "csv", False, False, False, 50)
    assert out.splitlines()[0] == "name,error" and "truncated" in out
    code, _, err = fleet(capsys, "query", local_ds, "select nope from findings", "text", False, False, False, 50)
    assert code == 2 and err.startswith("kbundle: error: ") and err.count("\n") == 1
    code, _, err = fleet(capsys, "query", local_ds / "nothing", "select 1", "text", False, False, False, 50)
    assert code == 2 and "not a fleet dataset" in err


def test_diff_of_two_rule_packs(local_ds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules)
    (rules / "workloads.yaml").unlink()  # the change under review: drops the workload rules...
    (rules / "extra.yaml").write_text((Path(__file__).parent / "extra_rule.yaml").read_text())  # ...adds one
    after = Dataset(tmp_path / "after")
    after.prepare()
    sources = [str(BUNDLES / n) for n in ("pod-crashloop", "healthy")]
    run_fleet(sources, after, RulePackSpec((str(rules),), builtin=False), workers=2)
    code, out, err = fleet(capsys, "diff", local_ds, after.root, "json", "any", 3)
    assert code == 1, err
    d = json.loads(out)
    assert d["bundles"]["compared"] == 2
    changes = {r["rule"]: r for r in d["rules"]}
    assert changes["FLEET-TEST-KUBE-SYSTEM"]["gained"] == 2 and changes["FLEET-TEST-KUBE-SYSTEM"]["lost"] == 0
    assert changes["WORKLOAD-DOWN"]["lost"] >= 1 and "pod-crashloop" in changes["WORKLOAD-DOWN"]["lost_examples"]
    assert "POD-CRASHLOOP" not in changes  # unchanged rules are not listed
    assert d["rule_packs"]["before"] != d["rule_packs"]["after"]
    _, text, _ = fleet(capsys, "diff", local_ds, after.root, "text", "any", 3)
    assert "FLEET-TEST-KUBE-SYSTEM" in text and "+2" in text
    assert fleet(capsys, "diff", local_ds, after.root, "text", "never", 3)[0] == 0
    assert fleet(capsys, "diff", local_ds, after.root, "text", "gained", 3)[0] == 1
    code, same, _ = fleet(capsys, "diff", local_ds, local_ds, "text", "any", 3)
    assert code == 0 and "no finding gained or lost" in same
    empty = Dataset(tmp_path / "empty")
    empty.prepare()
    code, _, err = fleet(capsys, "diff", local_ds, empty.root, "text", "never", 3)
    assert code == 2 and "nothing to compare" in err


def test_help_does_not_import_the_fleet_extra_and_a_missing_one_is_one_line() -> None:
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom analyzer.cli import app\n"
            "r = CliRunner().invoke(app, ['--help'])\nassert r.exit_code == 0\n"
            "print(sorted(m for m in ('pyarrow', 'duckdb', 'dask', 'distributed', 'fsspec') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
    code = ("import sys\nsys.modules['duckdb'] = None\nfrom analyzer.cli import main\nsys.argv = ['kbundle', 'fleet', "
            f"'query', {str(REPO)!r}, 'select 1']\nmain()")
    out = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "kbundle[fleet]" in out.stderr and "duckdb" in out.stderr


def test_finding_rows_take_the_grouping_key_when_a_finding_has_one() -> None:
    from analyzer.fleet.worker import finding_rows

    base = {"rule_id": "R", "severity": "warning", "category": "nodes", "title": "t", "message": "m",
            "objects": [{"kind": "Node", "namespace": "", "name": "n1"}, {"kind": "Pod", "namespace": "a", "name": "p"}],
            "scenarios": ["S"], "state": "history", "since": "2026-01-01T00:00:00Z", "waived": None}
    grouped = base | {"group": {"by": "node", "key": "n1", "size": 2}}
    rows = finding_rows("b" * 64, "h", [base, grouped, base | {"group": {"by": "x", "key": ["a", 1]}}])
    assert [r["group_key"] for r in rows] == [None, "n1", '["a",1]']
    assert rows[0]["objects"] == ["Node/n1", "Pod/a/p"] and rows[0]["state"] == "history"
    assert [r["idx"] for r in rows] == [0, 1, 2] and json.loads(rows[1]["finding_json"]) == grouped


def test_a_bundle_read_through_fsspec_has_the_same_id_and_findings(local_ds: Path, tmp_path: Path) -> None:
    """The remote path (fsspec): a bundle directory in fsspec's in-memory file system (inherited
    by the forked pool process), analysed like a local one."""
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    fs.put(str(BUNDLES / "healthy"), "/fleet-test/healthy", recursive=True)
    try:
        ds = Dataset(tmp_path / "ds")
        ds.prepare()
        counts = run_fleet(["memory://fleet-test/healthy"], ds, RulePackSpec(), workers=1)
    finally:
        fs.rm("/fleet-test", recursive=True)
    assert counts["analysed"] == 1
    remote_bundles, remote_findings = canonical(ds.root)
    local_bundles, local_findings = canonical(local_ds)
    [local] = [b for b in local_bundles if b["name"] == "healthy"]
    [remote] = remote_bundles
    assert remote["bundle_id"] == local["bundle_id"] and remote["source"] == "memory://fleet-test/healthy"
    assert {k: v for k, v in remote.items() if k != "source"} == {k: v for k, v in local.items() if k != "source"}
    assert remote_findings == [f for f in local_findings if f["bundle_id"] == local["bundle_id"]]


def test_local_pool_process_killed_mid_run_is_replaced(local_ds: Path, tmp_path: Path) -> None:
    """As the OOM killer would: one pool process is killed; the pool is started again and the
    unfinished bundles are run again."""
    psutil = pytest.importorskip("psutil")
    sources = [str(BUNDLES / n) for n in ("healthy", "pod-oomkilled")]
    out = tmp_path / "ds"
    run = subprocess.Popen([sys.executable, "-m", "analyzer.cli", "fleet", "analyze", *sources, "-o", str(out),
                            "--workers", "2", "--partition-size", "1"], env=ENV, cwd=str(REPO),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: len(psutil.Process(run.pid).children()) >= 2 or run.poll() is not None, 120, "the pool")
        psutil.Process(run.pid).children()[0].kill()  # at its first bundle
        out_text, err = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, err
    assert "2 analysed, 0 failed" in out_text
    assert "fleet: a worker process died;" in err
    bundles, findings = canonical(out)
    local_bundles, local_findings = canonical(local_ds)
    ids = {b["bundle_id"] for b in bundles}
    assert len(ids) == 2 and not any(b["worker_lost"] for b in bundles)
    assert (bundles, findings) == ([b for b in local_bundles if b["bundle_id"] in ids],
                                   [f for f in local_findings if f["bundle_id"] in ids])
