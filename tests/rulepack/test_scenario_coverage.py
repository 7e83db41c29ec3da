"""Issue 4 acceptance: every scenario of ../shared/scenarios.yaml is covered by a built-in rule,
and that rule fires on the scenario's recorded bundle; the healthy bundle has nothing at
warning or above; the catalogue in docs/ is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analyzer.bundle.reader import open_bundle
from analyzer.engine.evaluate import analyze_bundle, failing_findings, load_rules

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO.parent / "shared" / "scenarios.yaml"


@pytest.fixture(scope="module")
def rules():
    loaded = load_rules([], builtin=True, cache=True)
    assert not loaded.issues, [str(i) for i in loaded.issues[:5]]
    return loaded.rules


def scenario_ids() -> list[str]:
    if not SCENARIOS.exists():
        return []
    return [e["id"] for e in yaml.safe_load(SCENARIOS.read_text())]


@pytest.mark.skipif(not SCENARIOS.exists(), reason="../shared/scenarios.yaml is absent")
@pytest.mark.parametrize("sid", scenario_ids())
def test_scenario_has_rule_and_fires_on_its_bundle(rules, sid):
    covering = {r.id for r in rules if sid in r.scenarios}
    assert covering, f"no rule lists scenario {sid}"
    bundle_dir = REPO / "bundles" / sid.lower()
    assert (bundle_dir / "expected.yaml").exists(), f"no recorded bundle for {sid}"
    with open_bundle(bundle_dir) as b:
        result = analyze_bundle(b, rules)
    assert not result.rule_errors, result.rule_errors[:3]
    fired = {f.rule_id for f in result.findings}
    assert covering & fired, f"{sid}: none of {sorted(covering)} fired; got {sorted(fired)}"


def test_healthy_bundle_has_no_warning(rules):
    with open_bundle(REPO / "bundles" / "healthy") as b:
        result = analyze_bundle(b, rules)
    assert not result.rule_errors
    bad = failing_findings(result, "warning")
    assert not bad, [(f.rule_id, f.message) for f in bad]
    assert all(f.severity == "info" for f in result.findings)


def test_healthy_bundle_cli_exit_code():
    p = subprocess.run([sys.executable, "-m", "analyzer.cli", "analyze", str(REPO / "bundles" / "healthy"),
                        "--fail-on", "warning"], capture_output=True, text=True, cwd=REPO)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]


def test_rules_catalog_is_current():
    p = subprocess.run([sys.executable, "-m", "tools.gen_catalog", "--check"], capture_output=True, text=True, cwd=REPO)
    assert p.returncode == 0, p.stderr
