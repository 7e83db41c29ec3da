"""The Markdown report: short, pasteable into a ticket, worst findings first.

Untrusted strings (object names, messages, log lines) go into code spans or fenced code
blocks sized so that their content cannot close them, or are backslash-escaped; nothing
from the bundle can become a link, an image, raw HTML or a heading.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from analyzer.bundle.model import Bundle
from analyzer.engine.findings import SEVERITIES, AnalysisResult, Finding, history_headline, report_order
from analyzer.report.sanitize import display_text, one_line

MAX_FINDINGS = 20  # findings listed; the rest are counted
MAX_OBJECTS = 5  # objects listed per finding
MAX_EVIDENCE_LINES = 6  # evidence lines quoted per finding
MAX_LIST = 10  # rule errors / problems listed
MAX_TEXT = 600  # characters of a message or remediation

# Inline markup (emphasis, code, links, images, raw HTML, entities, tables, strike-through, math,
# mentions).  Block markers only matter at the start of the text: see md_text.
_ESCAPE = re.compile(r"([\\`*_{}\[\]<>#!|~&@$])")
_LEADING_BLOCK = re.compile(r"^(\d+)([.)])|^([-+=])")


def md_text(value: Any, limit: int = MAX_TEXT) -> str:
    """Prose from the bundle as Markdown text: one line, markup characters escaped."""
    s = _ESCAPE.sub(r"\\\1", one_line(value, limit))
    return _LEADING_BLOCK.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", s)


def md_code(value: Any, limit: int = 300, in_table: bool = False) -> str:
    """A code span holding ``value`` literally, whatever backticks it contains."""
    s = one_line(value, limit)
    if not s:
        return "` `"
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    if s.startswith("`") or s.endswith("`") or (s.startswith(" ") and s.endswith(" ")):
        s = f" {s} "
    if in_table:
        s = s.replace("|", "\\|")
    return f"{fence}{s}{fence}"


def md_block(lines: list[str], indent: str = "") -> list[str]:
    """A fenced code block whose fence is longer than any backtick run in ``lines``."""
    longest = max((len(m) for line in lines for m in re.findall(r"`{3,}|~{3,}", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{indent}{fence}text", *(f"{indent}{line}" for line in lines), f"{indent}{fence}"]


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def md_prose_with_code(value: Any, limit: int = MAX_TEXT) -> str:
    """Prose whose `backticked` parts (commands in a next step) become code spans; the rest is
    escaped as :func:`md_text`.  Whatever the text holds, each part goes through md_code or md_text."""
    text = one_line(value, limit)
    parts = text.split("`")
    if len(parts) < 3:
        return md_text(text, limit)
    if len(parts) % 2 == 0:  # an unpaired backtick: the last one stays text
        parts[-2:] = [parts[-2] + "`" + parts[-1]]
    def prose(p: str) -> str:  # md_text trims: keep the spaces around the code spans
        return (" " if p[:1].isspace() else "") + md_text(p, limit) + (" " if p[-1:].isspace() and p.strip() else "")

    return "".join(md_code(p, limit) if i % 2 else prose(p) for i, p in enumerate(parts))


def _code_line(value: Any, limit: int = 240) -> str:
    """A log line for a code block: indentation kept, no line break, cut at ``limit``."""
    s = display_text(value).replace("\n", " ").rstrip()
    return s if len(s) <= limit else s[: limit - 1] + "\u2026"


def _evidence_lines(f: Finding) -> tuple[str, list[str]]:
    """(where, lines) of the first evidence with lines, else of the first field or event."""
    for e in f.evidence:
        if e.lines:
            out = []
            for item in e.lines[:MAX_EVIDENCE_LINES]:
                if isinstance(item, list | tuple) and len(item) == 2:
                    out.append(f"{item[0]:>6}  {_code_line(item[1])}")
                else:
                    out.append(_code_line(item))
            if len(e.lines) > MAX_EVIDENCE_LINES:
                out.append(f"... {len(e.lines) - MAX_EVIDENCE_LINES} more lines")
            return e.path, out
    for e in f.evidence:
        if e.type == "event" and isinstance(e.value, dict):
            v = e.value
            line = " ".join(one_line(v.get(k, ""), 300) for k in ("lastTimestamp", "type", "reason") if v.get(k))
            return "event", [f"{line}: {one_line(v.get('message', ''), 400)}"]
    return "", []


def _header(result: AnalysisResult, bundle: Bundle | None) -> list[str]:
    info = result.bundle if isinstance(result.bundle, dict) else {}
    source = info.get("source") or (bundle.source if bundle else "") or ""
    version = info.get("cluster_version") or (bundle.cluster_version if bundle else None) or "unknown"
    collected = info.get("collected_at") or (bundle.collected_at.isoformat() if bundle and bundle.collected_at else None)
    fmt = info.get("format") or (bundle.format if bundle else "") or "unknown"
    return [
        f"- Bundle: {md_code(source)} (format {md_code(fmt)})",
        f"- Cluster version: {md_code(version)}; collected at {md_code(collected or 'unknown')}",
    ]


def _finding_item(i: int, f: Finding) -> list[str]:
    """One numbered finding: title, objects, message, since, one piece of evidence, next step."""
    state = " (cleared before collection)" if f.state == "history" else ""
    out = [f"{i}. **{f.severity.upper()}** {md_code(f.rule_id, 80)} {md_text(f.title, 200)}{state}"]
    pad = " " * len(f"{i}. ")  # sub-items must be indented to the item's content
    if f.objects:
        objs = ", ".join(md_code(str(o), 200) for o in f.objects[:MAX_OBJECTS])
        more = f" and {len(f.objects) - MAX_OBJECTS} more" if len(f.objects) > MAX_OBJECTS else ""
        out.append(f"{pad}- Objects: {objs}{more}")
    out.append(f"{pad}- {md_text(f.message)}")
    if f.group:
        out.append(f"{pad}- Group: {f.group['size']} by {md_text(f.group['by'], 60)} {md_code(f.group['key'], 80)}")
    if f.since:
        out.append(f"{pad}- Since: {md_code(f.since, 60)}")
    where, lines = _evidence_lines(f)
    if lines:
        out.append(f"{pad}- Evidence{': ' + md_code(where, 200) if where else ''}")
        out.append("")
        out += md_block(lines, indent=pad + "  ")
        out.append("")
    if f.remediation:
        out.append(f"{pad}- Next step: {md_prose_with_code(f.remediation)}")
    return out


def render_markdown(result: AnalysisResult, bundle: Bundle | None = None) -> str:
    """A short Markdown summary: counts, the top findings with one piece of evidence each."""
    summary = result.summary()
    by_sev = summary["by_severity"]
    ordered = sorted((f for f in result.findings if not f.waived), key=report_order)
    active = [f for f in ordered if f.state != "history"]
    history = [f for f in ordered if f.state == "history"]
    out = ["# kbundle analysis", ""]
    out += _header(result, bundle)
    counts = ", ".join(f"**{by_sev.get(s, 0)} {s}**" if s == "critical" else f"{by_sev.get(s, 0)} {s}" for s in SEVERITIES)
    out.append(f"- Findings: {counts}" + (f" ({summary['waived']} waived)" if summary["waived"] else "")
               + (f"; {len(history)} of them history (cleared before collection)" if history else "")
               + f"; {result.rules_run} rules run")
    if result.rule_errors or result.problems:
        out.append(f"- {_plural(len(result.rule_errors), 'rule error')}, {_plural(len(result.problems), 'bundle problem')}"
                   " (listed below)")
    out.append("")
    headline = history_headline(len(active), len(history))
    if headline:
        out += [f"**{headline}**", ""]
    if summary["by_category"]:
        out += ["| Category | critical | warning | info |", "| --- | ---: | ---: | ---: |"]
        for cat, c in sorted(summary["by_category"].items(), key=lambda kv: tuple(-kv[1].get(s, 0) for s in SEVERITIES)):
            out.append(f"| {md_code(cat, 60, in_table=True)} | {c.get('critical', 0)} | {c.get('warning', 0)} | {c.get('info', 0)} |")
        out.append("")
    out.append("## Top findings" if active else "## No current findings" if history else "## No findings")
    out.append("")
    for i, f in enumerate(active[:MAX_FINDINGS], 1):
        out += _finding_item(i, f)
    rest = active[MAX_FINDINGS:]
    if rest:
        c = Counter(f.severity for f in rest)
        detail = ", ".join(f"{c[s]} {s}" for s in SEVERITIES if c.get(s))
        out += ["", f"_{_plural(len(rest), 'more finding')} not listed ({detail}); the HTML report (`--format html`) "
                    "has them all._"]
    if history:
        rules = len({f.rule_id for f in history})
        out += ["", "<details>", f"<summary>History: {_plural(len(history), 'problem')} of {_plural(rules, 'rule')} "
                "cleared before collection</summary>", ""]
        for i, f in enumerate(history[:MAX_FINDINGS], 1):
            out += _finding_item(i, f)
        if len(history) > MAX_FINDINGS:
            out += ["", f"_{_plural(len(history) - MAX_FINDINGS, 'more')} not listed._"]
        out += ["", "</details>"]
    if result.rule_errors:
        out += ["", f"## Rule errors ({len(result.rule_errors)})", ""]
        out += [f"- {md_code(e.rule_id, 80)}: {md_text(e.error, 300)}" for e in result.rule_errors[:MAX_LIST]]
        if len(result.rule_errors) > MAX_LIST:
            out.append(f"- ... {len(result.rule_errors) - MAX_LIST} more")
    verdicts = result.bundle.get("tool_verdicts") or []
    if verdicts:
        out += ["", f"## The bundle's own verdicts ({len(verdicts)})", "",
                "_What the collecting tool's own analyzers concluded (e.g. troubleshoot's analysis.json); "
                "not kbundle findings._", ""]
        out += [f"- **{md_text(v.get('severity'), 20)}** {md_text(v.get('title') or v.get('name'), 200)}"
                + (f": {md_text(v.get('detail'), 300)}" if v.get("detail") else "") for v in verdicts[:MAX_LIST]]
        if len(verdicts) > MAX_LIST:
            out.append(f"- ... {len(verdicts) - MAX_LIST} more")
    if result.problems:
        out += ["", f"## Bundle problems ({len(result.problems)})", ""]
        for p in result.problems[:MAX_LIST]:
            p = p if isinstance(p, dict) else {"path": "", "error": display_text(p)}
            out.append(f"- {md_code(p.get('path', ''), 200)}: {md_text(p.get('error', ''), 300)}")
        if len(result.problems) > MAX_LIST:
            out.append(f"- ... {len(result.problems) - MAX_LIST} more")
    return "\n".join(out) + "\n"
