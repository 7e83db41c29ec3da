"""The JUnit XML report: one test case per rule, a failure when the rule found something.

Layout: ``<testsuites>`` with one ``<testsuite>`` per category; in it one ``<testcase
classname="<category>" name="<rule id>">`` per rule.  A rule with findings gets ONE
``<failure>`` (message: how many findings and the first message; text: every finding with
its objects, evidence excerpt and next step): CI tools (Jenkins, GitLab) show only the first
failure element of a test case.  Waived findings go to ``<system-out>`` and do not fail the
case; a rule that raised an error gets ``<error>``; a skipped rule gets ``<skipped>``.

The XML is built with ElementTree, every string freed of characters XML 1.0 forbids.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

from analyzer.engine.findings import SEVERITY_RANK, AnalysisResult, Finding
from analyzer.report.sanitize import one_line, xml_text

MAX_FINDINGS_PER_CASE = 200  # findings detailed in one failure text
MAX_LINES = 10  # evidence lines quoted per finding
MAX_MESSAGE = 500  # characters of the failure message attribute


def _finding_text(f: Finding) -> str:
    lines = [f"[{f.severity}] {f.message}"]
    if f.state == "history":
        lines.append("  state: history (cleared before collection)")
    if f.since:
        lines.append(f"  since: {f.since}")
    if f.objects:
        lines.append("  objects: " + ", ".join(str(o) for o in f.objects))
    quoted = 0
    for e in f.evidence:
        if quoted >= MAX_LINES:
            break
        if e.lines:
            lines.append(f"  evidence {e.type} {e.path}:")
            for item in e.lines[: MAX_LINES - quoted]:
                if isinstance(item, list | tuple) and len(item) == 2:
                    lines.append(f"    {item[0]}: {one_line(item[1], 300)}")
                else:
                    lines.append(f"    {one_line(item, 300)}")
                quoted += 1
        elif e.type == "event" and isinstance(e.value, dict):
            v = e.value
            lines.append(
                f"  event: {one_line(v.get('reason', ''), 100)} x{one_line(v.get('count', 1), 20)}: "
                f"{one_line(v.get('message', ''), 300)}"
            )
            quoted += 1
    if f.remediation:
        lines.append(f"  next step: {f.remediation}")
    if f.waived:
        lines.append(f"  waived: {f.waived.reason}" + (f" (until {f.waived.expires})" if f.waived.expires else ""))
    return "\n".join(lines)


def _cases(result: AnalysisResult, rules_meta: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per rule: meta, findings, error, skip reason."""
    cases: dict[str, dict[str, Any]] = {}
    for meta in rules_meta:
        rid = str(meta.get("id", ""))
        if rid and rid not in cases:
            cases[rid] = {"id": rid, "category": str(meta.get("category") or "uncategorized"),
                          "title": str(meta.get("title") or ""), "findings": [], "errors": [], "skipped": None}
    for f in result.findings:
        case = cases.setdefault(
            f.rule_id,
            {"id": f.rule_id, "category": f.category or "uncategorized", "title": f.title, "findings": [], "errors": [],
             "skipped": None},
        )
        case["findings"].append(f)
    for e in result.rule_errors:
        case = cases.setdefault(
            e.rule_id, {"id": e.rule_id, "category": "uncategorized", "title": "", "findings": [], "errors": [],
                        "skipped": None},
        )
        case["errors"].append(e)
    for s in result.skipped_rules:
        rid = str(s.get("rule_id", "")) if isinstance(s, dict) else ""
        if rid in cases:
            cases[rid]["skipped"] = str(s.get("reason", "skipped"))
    return list(cases.values())


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: Any) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items() if v is not None})
    if text:
        el.text = xml_text(text)
    return el


def render_junit(result: AnalysisResult, rules_meta: list[dict[str, Any]]) -> str:
    """The JUnit XML document as a string (UTF-8 declared)."""
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in _cases(result, rules_meta):
        by_category[case["category"]].append(case)
    root = ET.Element("testsuites", {"name": "kbundle"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
    info = result.bundle if isinstance(result.bundle, dict) else {}
    for category in sorted(by_category):
        cases = sorted(by_category[category], key=lambda c: c["id"])
        suite = _el(root, "testsuite", name=category)
        props = _el(suite, "properties")
        for key in ("source", "format", "cluster_version", "collected_at"):
            if info.get(key):
                _el(props, "property", name=f"bundle.{key}", value=str(info[key]))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
        for case in cases:
            seconds = float(result.profile.get(case["id"], 0.0)) if result.profile else 0.0
            tc = _el(suite, "testcase", classname=category, name=case["id"], time=f"{seconds:.3f}")
            counts["tests"] += 1
            counts["time"] += seconds
            active = sorted((f for f in case["findings"] if not f.waived), key=lambda f: -SEVERITY_RANK.get(f.severity, 0))
            waived = [f for f in case["findings"] if f.waived]
            if case["errors"]:
                counts["errors"] += 1
                first = case["errors"][0]
                _el(tc, "error", "\n".join(f"{e.error} ({e.source})" if e.source else e.error for e in case["errors"]),
                    message=one_line(first.error, MAX_MESSAGE), type="RuleError")
            if active:
                counts["failures"] += 1
                worst = active[0].severity
                n = len(active)
                message = f"{n} finding{'s' if n != 1 else ''}: {one_line(active[0].message, MAX_MESSAGE)}"
                body = [f"{case['title']}".strip()] if case["title"] else []
                body += [_finding_text(f) for f in active[:MAX_FINDINGS_PER_CASE]]
                if n > MAX_FINDINGS_PER_CASE:
                    body.append(f"... {n - MAX_FINDINGS_PER_CASE} more findings")
                _el(tc, "failure", "\n\n".join(body), message=one_line(message, MAX_MESSAGE), type=worst)
            elif case["skipped"] is not None and not case["errors"]:
                counts["skipped"] += 1
                _el(tc, "skipped", message=case["skipped"])
            if waived:
                _el(tc, "system-out", "waived findings:\n\n" + "\n\n".join(_finding_text(f) for f in waived))
        for key, value in counts.items():
            suite.set(key, f"{value:.3f}" if key == "time" else str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, f"{value:.3f}" if key == "time" else str(value))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
