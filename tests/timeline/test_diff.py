"""kbundle diff: findings, objects, versions and event rates between two captures."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analyzer.bundle.model import Bundle
from analyzer.bundle.reader import open_bundle
from analyzer.engine.evaluate import analyze_bundle, load_rules
from analyzer.engine.findings import AnalysisResult
from analyzer.timeline.diff import diff_bundles, field_changes, finding_key
from analyzer.timeline.diff_render import render

REPO = Path(__file__).resolve().parents[2]
BUNDLES = REPO / "bundles"
ALL_SCENARIOS = sorted(p.name for p in BUNDLES.iterdir()
                   if (p / "expected.yaml").is_file() and not p.name.startswith("healthy")) if BUNDLES.is_dir() else []


@pytest.fixture(scope="module")
def rules():
    return load_rules([], builtin=True).rules


# A sample keeps the suite fast (about 0.2 s per scenario on an idle core; 70 of them take
# 10-25 s on the shared 2-core machine) for -m 'not slow'; the full run checks every one.
SAMPLE = ("demo", "pod-oomkilled", "pod-image-pull", "node-disk-full", "node-not-ready", "etcd-unhealthy",
          "service-no-endpoints", "pvc-pending", "webhook-unavailable", "removed-api", "event-flood", "cert-expiry")


def analysed(path: Path, rules) -> tuple[Bundle, AnalysisResult]:
    b = open_bundle(path)
    return b, analyze_bundle(b, rules)


@pytest.fixture(scope="module")
def healthy(rules):
    b, r = analysed(BUNDLES / "healthy", rules)
    yield b, r
    b.close()


def _expected(name: str) -> set[tuple[str, str]]:
    doc = yaml.safe_load((BUNDLES / name / "expected.yaml").read_text())
    return {(f["rule"], f.get("object") or "") for f in doc.get("findings") or []}


def _ref(obj: str) -> str:
    """expected.yaml names objects Kind/ns/name or Kind/name, as ObjectRef prints them."""
    return obj


def _check_new_against_healthy(healthy, rules, names: list[str]) -> None:
    """One analysis of healthy, one of each scenario: every finding the scenario records and
    healthy does not is listed as new."""
    hb, hr = healthy
    baseline = _expected("healthy")
    for name in names:
        b, r = analysed(BUNDLES / name, rules)
        try:
            d = diff_bundles(hb, hr.findings, b, r.findings)
        finally:
            b.close()
        new = {(f.rule_id, str(o)) for f in d.new_findings for o in f.objects} | {(f.rule_id, "") for f in d.new_findings}
        missing = [(rule, obj) for rule, obj in _expected(name) - baseline if (rule, _ref(obj)) not in new]
        assert not missing, f"{name}: not listed as new: {missing}"
        assert d.new_findings, name


def test_sample_scenario_findings_are_new_against_healthy(healthy, rules) -> None:
    names = [n for n in SAMPLE if n in ALL_SCENARIOS]
    assert len(names) == len(SAMPLE)
    _check_new_against_healthy(healthy, rules, names)


@pytest.mark.slow
def test_every_scenario_finding_is_new_against_healthy(healthy, rules) -> None:
    assert len(ALL_SCENARIOS) > 50
    _check_new_against_healthy(healthy, rules, ALL_SCENARIOS)


def test_markdown_and_fail_on(healthy, rules) -> None:
    from analyzer.timeline.diff import failing

    hb, hr = healthy
    b, r = analysed(BUNDLES / "pod-unschedulable", rules)
    try:
        d = diff_bundles(hb, hr.findings, b, r.findings)
    finally:
        b.close()
    md = render(d, "markdown")
    assert "## New findings" in md and "POD-UNSCHEDULABLE" in md
    assert failing(d, "new-warning")
    assert failing(d, "new-critical") == any(f.severity == "critical" for f in d.new_findings)
    warnings_only = diff_bundles(hb, hr.findings, b, [f for f in r.findings if f.severity != "critical"])
    assert failing(warnings_only, "new-warning") and not failing(warnings_only, "new-critical")


def test_a_bundle_against_itself_is_empty(rules) -> None:
    a, ra = analysed(BUNDLES / "demo", rules)
    b, rb = analysed(BUNDLES / "demo", rules)
    try:
        d = diff_bundles(a, ra.findings, b, rb.findings)
    finally:
        a.close()
        b.close()
    assert d.is_empty()
    assert not d.new_findings and not d.resolved_findings and len(d.persisting_findings) == len(
        {finding_key(f) for f in rb.findings})
    assert all(r.old_count == r.new_count for r in d.event_rates)
    assert "No change" in render(d, "text")
    from analyzer.timeline.diff import failing

    assert not failing(d, "new-warning")


def test_field_changes_ignore_noise_and_put_what_matters_first() -> None:
    old = {"kind": "Pod", "metadata": {"name": "p", "resourceVersion": "1", "labels": {"app": "a"},
                                      "managedFields": [{"manager": "x"}]},
           "spec": {"containers": [{"name": "app", "image": "app:1", "env": [{"name": "MODE", "value": "a"}]}]},
           "status": {"phase": "Running", "observedGeneration": 1,
                      "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": "t1"}],
                      "containerStatuses": [{"name": "app", "restartCount": 2, "containerID": "c1"}]}}
    new = copy.deepcopy(old)
    new["metadata"].update(resourceVersion="2", managedFields=[{"manager": "y"}])
    new["metadata"]["labels"]["app"] = "b"
    new["spec"]["containers"][0]["image"] = "app:2"
    new["spec"]["containers"][0]["env"][0]["value"] = "b"
    new["status"].update(phase="Failed", observedGeneration=2)
    new["status"]["conditions"][0].update(status="False", lastProbeTime="t2")
    new["status"]["containerStatuses"][0].update(restartCount=7, containerID="c2")
    changes = field_changes(old, new)
    paths = [c.path for c in changes]
    assert paths[-1] == "spec.containers[app].env[MODE].value" and not changes[-1].important
    assert set(paths[:-1]) == {"metadata.labels.app", "spec.containers[app].image", "status.phase",
                               "status.conditions[Ready].status", "status.containerStatuses[app].restartCount"}
    restart = next(c for c in changes if c.path.endswith("restartCount"))
    assert restart.as_dict()["delta"] == 5
    # A value one capture redacted is not a known change.
    assert field_changes({"data": {"k": "c2VjcmV0"}}, {"data": {"k": "<redacted: 6 bytes>"}}) == []


def test_cli_formats_and_fail_on(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "analyzer.cli", "diff", *args], capture_output=True, text=True,
                              cwd=REPO, timeout=300)

    out = run(str(BUNDLES / "healthy"), str(BUNDLES / "pod-oomkilled"), "--fail-on", "new-critical",
              "--format", "html", "-o", str(tmp_path / "d.html"))
    assert out.returncode == 1, out.stderr
    page = (tmp_path / "d.html").read_text()
    assert "Content-Security-Policy" in page and "default-src 'none'" in page and "<script" not in page
    assert "POD-OOMKILLED" in page
    bad = run(str(BUNDLES / "healthy"), str(tmp_path / "nope"))
    assert bad.returncode == 2 and "nope" in bad.stderr


def test_html_escapes_bundle_strings() -> None:
    from analyzer.engine.findings import Finding, ObjectRef
    from analyzer.timeline.diff import BundleDiff

    f = Finding("X-RULE", "critical", "<img src=x onerror=alert(1)>", "workloads", "m",
                objects=[ObjectRef("Pod", "ns", "<script>")])
    page = render(BundleDiff("a", "b", new_findings=[f]), "html")
    assert "<img" not in page and "<script>" not in page and "&lt;img" in page
