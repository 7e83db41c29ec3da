"""Scanning the text files in a child process (analyzer.engine.parallel) gives exactly the
one-process analysis: the same findings in the same order, the same rule errors, the same
problems."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from bench_helpers import dns_bundle, outcome, write_synthetic

from analyzer.bundle.reader import open_bundle
from analyzer.bundle.safe_source import ReadLimits, open_source
from analyzer.engine import parallel
from analyzer.engine.evaluate import analyze_bundle, load_rules

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic(tmp_path_factory.mktemp("synth") / "b", pods=400, nodes=12)


@pytest.fixture
def two_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "available_cpus", lambda: 2)
    monkeypatch.delenv("KBUNDLE_JOBS", raising=False)


def _analyse(path: Path, jobs: int) -> tuple[dict, parallel.TextScan]:
    rules = load_rules([], builtin=True, cache=True).rules
    scan = parallel.TextScan(rules, jobs=jobs)
    with open_bundle(path, on_source=scan.on_source) as b:
        return outcome(analyze_bundle(b, rules, text_scan=scan)), scan


def test_child_scan_same_as_one_process(synthetic: Path, two_cpus: None, monkeypatch: pytest.MonkeyPatch) -> None:
    one, scan = _analyse(synthetic, 1)
    assert scan.started == 0.0  # no child
    two, scan = _analyse(synthetic, 2)
    assert scan.started > 0.0 and scan.pid is None  # a child ran and was collected
    assert len(one["findings"]) > 20
    assert two == one


def test_text_rule_matches_survive_the_pipe(tmp_path: Path, two_cpus: None) -> None:
    """Matches with groups, CRLF and non-ASCII text, and a log whose bytes are not UTF-8."""
    path = dns_bundle(tmp_path / "dns")
    one, _ = _analyse(path, 1)
    two, scan = _analyse(path, 2)
    assert scan.started > 0.0
    assert sum(f["rule_id"] == "POD-DNS-ERRORS" for f in one["findings"]) >= 3
    assert any("invalid UTF-8" in p[1] for p in one["problems"])
    assert two == one


def test_files_the_child_did_not_report_are_scanned_here(tmp_path: Path, two_cpus: None,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = dns_bundle(tmp_path / "dns")
    one, _ = _analyse(path, 1)
    real = parallel._child_work

    def forgetful(name: str, source: object, rules: list) -> bytes:
        import orjson

        doc = orjson.loads(real(name, source, rules))
        doc["files"] = dict(list(doc["files"].items())[::2])  # every other file only
        return orjson.dumps(doc)

    monkeypatch.setattr(parallel, "_child_work", forgetful)  # the forked child inherits the patch
    two, _ = _analyse(path, 2)
    assert two == one


def test_child_failure_falls_back_to_scanning_here(synthetic: Path, two_cpus: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    one, _ = _analyse(synthetic, 1)

    def broken(name: str, source: object, rules: list) -> bytes:
        raise RuntimeError("child failed")

    monkeypatch.setattr(parallel, "_child_work", broken)
    two, scan = _analyse(synthetic, 2)
    assert scan.started > 0.0
    assert two == one


def test_decision_by_size_environment_and_archive(synthetic: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    rules = load_rules([], builtin=True, cache=True).rules
    monkeypatch.setattr(parallel, "available_cpus", lambda: 2)
    monkeypatch.delenv("KBUNDLE_JOBS", raising=False)
    source = open_source(str(synthetic), ReadLimits())
    assert not parallel.worth_a_child(source, rules, None)  # 400 kB of logs: one process is as fast
    assert parallel.worth_a_child(source, rules, 2)
    assert not parallel.worth_a_child(source, [r for r in rules if r.scope != "text"], 2)
    monkeypatch.setattr(parallel, "MIN_TEXT_BYTES", 10)
    assert parallel.worth_a_child(source, rules, None)
    monkeypatch.setenv("KBUNDLE_JOBS", "1")
    assert not parallel.worth_a_child(source, rules, None)
    monkeypatch.delenv("KBUNDLE_JOBS")
    monkeypatch.setattr(parallel, "available_cpus", lambda: 1)
    assert not parallel.worth_a_child(source, rules, 2)
    monkeypatch.setattr(parallel, "available_cpus", lambda: 2)
    archive = shutil.make_archive(str(tmp_path / "bundle"), "zip", synthetic)
    with open_source(archive, ReadLimits()) as zsource:
        assert not parallel.worth_a_child(zsource, rules, 2)  # one file handle: never shared


def test_cli_uses_the_child_and_reports_the_same(synthetic: Path, tmp_path: Path, two_cpus: None,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from analyzer.cli import app

    def run(jobs: str) -> bytes:
        monkeypatch.setenv("KBUNDLE_JOBS", jobs)
        out = tmp_path / f"report-{jobs}.json"
        res = CliRunner().invoke(app, ["analyze", str(synthetic), "--format", "json", "--fail-on", "never",
                                       "-o", str(out)], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        return out.read_bytes()

    monkeypatch.setattr(parallel, "MIN_TEXT_BYTES", 10)
    assert run("2") == run("1")
