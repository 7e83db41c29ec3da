"""The terminal report of ``kbundle analyze``: current findings first, worst first (the one
order of :func:`analyzer.engine.findings.report_order`), grouped by rule, each with its message,
objects, an evidence excerpt and the next step; then the history (problems cleared before
collection) one line each; then rule errors, bundle problems, expired waivers and a summary.
Severities are coloured on a terminal only.  Every bundle string has its control characters
made visible (a log line must not drive the terminal)."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from analyzer.bundle.commands import verdict_lines
from analyzer.engine.findings import (
    SEVERITIES,
    AnalysisResult,
    Evidence,
    Finding,
    history_headline,
    report_order,
)
from analyzer.report.sanitize import display_text, one_line

MAX_EVIDENCE_ITEMS = 4
MAX_LINES = 6
MAX_VALUE_CHARS = 300
MAX_FINDINGS_PER_RULE = 25
MAX_PROBLEMS = 30


def _evidence_lines(e: Evidence) -> list[str]:
    if e.type in ("log", "node_file", "text"):
        head = f"{one_line(e.label)} ({display_text(e.path)})" if e.label else display_text(e.path)
        out = [head + ":"]
        shown = e.lines[-MAX_LINES:]
        if len(e.lines) > len(shown):
            out.append(f"  ... {len(e.lines) - len(shown)} earlier line(s)")
        width = len(str(shown[-1][0])) if shown else 1
        for n, text in shown:
            out.append(f"  {str(n).rjust(width)}| {one_line(text, 200)}")
        return out
    if e.type == "event" and isinstance(e.value, dict):
        v = e.value
        count = f" x{v.get('count')}" if v.get("count") not in (None, 1) else ""
        return [f"event {one_line(v.get('type') or '')} {one_line(v.get('reason') or '')}{count} "
                f"{one_line(v.get('lastTimestamp') or '')}: {one_line(v.get('message') or '', 200)}"]
    if e.type == "object" and isinstance(e.value, dict):
        v = e.value
        ref = "/".join(x for x in (v.get("kind"), v.get("namespace"), v.get("name")) if x)
        return [f"{one_line(e.label) + ': ' if e.label else 'related: '}{one_line(ref)}"]
    value = e.value if isinstance(e.value, str) else json.dumps(e.value, sort_keys=True, default=str)
    return [f"{one_line(e.label)}: {one_line(value, MAX_VALUE_CHARS)}"]


def _finding(f: Finding) -> list[str]:
    objs = ", ".join(one_line(str(o)) for o in f.objects) or "(cluster)"
    tags = []
    if f.state == "history":
        tags.append("history: cleared before collection")
    if f.since:
        tags.append(f"since {one_line(f.since)}")
    if f.group:
        tags.append(f"group of {f.group['size']} by {one_line(f.group['by'], 60)} {one_line(f.group['key'], 80)}")
    if f.waived:
        tags.append(f"WAIVED: {one_line(f.waived.reason, 120)}"
                    + (f" (until {f.waived.expires})" if f.waived.expires else ""))
    out = [f"  * {objs}" + (f"  [{'; '.join(tags)}]" if tags else "")]
    for ln in display_text(f.message).splitlines() or [""]:
        out.append(f"      {ln}")
    shown = 0
    for e in f.evidence:
        if shown >= MAX_EVIDENCE_ITEMS:
            out.append(f"      ... {len(f.evidence) - shown} more evidence item(s) (see --format json/html)")
            break
        for i, ln in enumerate(_evidence_lines(e)):
            out.append(("      > " if i == 0 else "        ") + ln)
        shown += 1
    if f.remediation:
        out.append(f"      next step: {one_line(f.remediation, 400)}")
    return out


# ANSI colours of the severities (used only on a terminal: see analyzer.console.color_enabled).
SEVERITY_COLORS = {"critical": "\x1b[1;31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
RESET = "\x1b[0m"
MAX_HISTORY = 25  # history findings listed (one line each)


def _severity(sev: str, color: bool, width: int = 8) -> str:
    word = f"{sev.upper():<{width}}"
    return f"{SEVERITY_COLORS.get(sev, '')}{word}{RESET}" if color and sev in SEVERITY_COLORS else word


def _history_line(f: Finding) -> str:
    objs = ", ".join(one_line(str(o)) for o in f.objects[:3]) or "(cluster)"
    if len(f.objects) > 3:
        objs += f" and {len(f.objects) - 3} more"
    when = f" at {one_line(f.since)}" if f.since else ""
    return f"  {f.rule_id}  {objs}{when}: {one_line(f.message, 160)}"


def render_text(result: AnalysisResult, rules_meta: list[dict[str, Any]] | None = None, color: bool = False) -> str:
    b = result.bundle
    out: list[str] = []
    out.append(f"kbundle analysis of {one_line(b.get('source') or '')}")
    counts = b.get("counts") or {}
    out.append(
        f"bundle: {b.get('format')}, cluster version {one_line(b.get('cluster_version') or 'unknown')}, "
        f"collected {b.get('collected_at') or 'at an unknown time'}; {sum(counts.values())} objects, "
        f"{len(b.get('nodes') or [])} nodes, {len(b.get('namespaces') or [])} namespaces"
    )
    out.append("")
    ordered = sorted(result.findings, key=report_order)
    current = [f for f in ordered if f.state != "history"]
    history = [f for f in ordered if f.state == "history"]
    headline = history_headline(len(current), len(history))
    if headline:
        out += [headline, ""]
    elif not result.findings:
        out += ["No findings.", ""]
    for (sev, rule_id), group in groupby(current, key=lambda f: (f.severity, f.rule_id)):
        items = list(group)
        first = items[0]
        out.append(f"{_severity(sev, color)} {rule_id}  {one_line(first.title)}  ({len(items)})")
        for f in items[:MAX_FINDINGS_PER_RULE]:
            out.extend(_finding(f))
        if len(items) > MAX_FINDINGS_PER_RULE:
            out.append(f"  ... {len(items) - MAX_FINDINGS_PER_RULE} more (see --format json/html)")
        if first.references:
            out.append("  references: " + " ".join(one_line(r) for r in first.references))
        out.append("")
    if history:
        rules = len({f.rule_id for f in history})
        out.append(f"History: {len(history)} problem{'s' if len(history) != 1 else ''} of {rules} "
                   f"rule{'s' if rules != 1 else ''} cleared before collection (evidence: --format json/html)")
        out += [_history_line(f) for f in history[:MAX_HISTORY]]
        if len(history) > MAX_HISTORY:
            out.append(f"  ... {len(history) - MAX_HISTORY} more")
        out.append("")
    if result.rule_errors:
        out.append(f"Rule errors ({len(result.rule_errors)}): these rules did not run to the end")
        for e in result.rule_errors:
            out.append(f"  {e.rule_id}: {one_line(e.error, 400)}" + (f"  [{e.source}]" if e.source else ""))
        out.append("")
    verdicts = verdict_lines(b.get("tool_verdicts") or [])
    if verdicts:
        out.append(one_line(verdicts[1], 400))
        out.extend("  " + one_line(line, 400) for line in verdicts[2:])
        out.append("")
    if result.problems:
        out.append(f"Bundle problems ({len(result.problems)}): these files could not be read")
        for p in result.problems[:MAX_PROBLEMS]:
            out.append(f"  {one_line(p.get('path'))}: {one_line(p.get('error'), 300)}")
        if len(result.problems) > MAX_PROBLEMS:
            out.append(f"  ... {len(result.problems) - MAX_PROBLEMS} more")
        out.append("")
    if result.expired_waivers:
        out.append(f"Expired waivers ({len(result.expired_waivers)}): no longer applied")
        for w in result.expired_waivers:
            out.append(f"  {w['rule']} expired {w['expires']} ({w.get('source')}:{w.get('line')}), "
                       f"would match {w.get('would_match', 0)} finding(s): {one_line(w['reason'], 200)}")
        out.append("")
    s = result.summary()
    sev = ", ".join(f"{s['by_severity'].get(k, 0)} {k}" for k in SEVERITIES)
    history_count = sum(1 for f in result.findings if f.state == "history" and not f.waived)
    parts = [sev]
    if s["waived"]:
        parts.append(f"{s['waived']} waived")
    if history_count:
        parts.append(f"{history_count} history")
    out.append(
        f"Summary: {'; '.join(parts)}. {result.rules_run} rules run, {len(result.skipped_rules)} had nothing to "
        f"look at, {len(result.rule_errors)} rule error(s), {len(result.problems)} bundle problem(s)."
    )
    return "\n".join(out) + "\n"
