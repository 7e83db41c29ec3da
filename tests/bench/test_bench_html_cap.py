"""The HTML report of a large cluster stays small: past FULL_PER_RULE findings of one rule,
findings are shown without their evidence (the JSON report keeps everything)."""

from __future__ import annotations

from analyzer.engine.findings import AnalysisResult, Evidence, Finding, ObjectRef
from analyzer.report import html_report


def _finding(i: int, rule: str = "POD-X") -> Finding:
    return Finding(rule_id=rule, severity="critical", title="t", category="workloads", message=f"pod p{i} broke",
                   objects=[ObjectRef("Pod", "ns", f"p{i:04d}")],
                   evidence=[Evidence(type="log", label="log", path=f"logs/ns/p{i:04d}/c.log",
                                      lines=[(1, f"evidence-line-{i:04d}")])],
                   remediation="fix it")


def test_findings_past_the_cap_are_condensed() -> None:
    n = html_report.FULL_PER_RULE + 30
    findings = [_finding(i) for i in range(n)] + [_finding(i, "POD-Y") for i in range(3)]
    result = AnalysisResult(bundle={}, findings=findings, rule_errors=[], problems=[])
    html = html_report.render_html(result, None)
    assert html.count('data-item="finding"') == n + 3  # every finding is listed
    assert html.count("evidence-line-") == html_report.FULL_PER_RULE + 3
    assert "evidence-line-0000" in html and f"evidence-line-{n - 1:04d}" not in html
    assert html.count("the JSON report (<code>--format json</code>) has them") == 30
    assert f"pod p{n - 1} broke" in html
