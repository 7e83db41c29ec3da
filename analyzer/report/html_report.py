"""The HTML report: one self-contained file, rendered with Jinja (autoescape on).

Safety: every value reaches the page through ``{{ ... }}`` in an autoescaped template, after
:func:`display_text` made control characters visible; bundle strings are never used as
templates; links are made only for http(s) URLs; the page carries a Content-Security-Policy
that forbids every network fetch and allows exactly one script, the static one shipped in
``templates/report.js.j2`` (by its sha256 hash), which reads filter data from ``data-*``
attributes and never writes HTML.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from analyzer import __version__
from analyzer.bundle.model import Bundle
from analyzer.bundle.values import human_bytes, parse_quantity
from analyzer.engine.findings import (
    SEVERITIES,
    SEVERITY_RANK,
    AnalysisResult,
    Evidence,
    Finding,
    history_headline,
    report_order,
)
from analyzer.report.overview import POD_PHASES, ClusterOverview, compute_overview, format_bytes, format_cpu
from analyzer.report.render import bundle_name
from analyzer.report.sanitize import display_text, safe_url

TEMPLATES = Path(__file__).parent / "templates"
KNOWN_CATEGORIES = ("workloads", "scheduling", "nodes", "control-plane", "networking", "storage", "security", "cluster")

# Size limits that keep a report of thousands of findings usable.
MAX_EVIDENCE_LINES = 200  # lines shown per evidence item (the rest: "N more lines in <path>")
MAX_LINE_CHARS = 2000  # characters shown per log line
MAX_FIELD_CHARS = 20000  # characters of pretty JSON shown per field
MAX_EVIDENCE_ITEMS = 50  # evidence items shown per finding
MAX_EVENTS = 2000  # warning events shown in the timeline (the most recent)
MAX_PROBLEMS = 500  # bundle problems listed
MAX_VERDICTS = 100  # the bundle's own verdicts listed
OPEN_EVIDENCE = 15  # evidence of the first N (critical/warning) findings starts expanded
FULL_PER_RULE = 200  # findings of one rule shown with evidence; the rest condensed (JSON has all)


def _finalize(value: Any) -> Any:
    """Applied by Jinja to every ``{{ }}`` output before escaping."""
    if value is None:
        return ""
    if isinstance(value, Markup):  # already HTML (the static script, or a filter's escaped output)
        return Markup(display_text(str(value)))
    if isinstance(value, str):
        return display_text(value)
    return value


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["nsjson"] = lambda ns: json.dumps([display_text(ns)], ensure_ascii=False)
    env.filters["display"] = display_text
    env.globals.update(format_cpu_f=format_cpu, format_bytes_f=format_bytes, pod_phases=POD_PHASES)
    return env


@lru_cache(maxsize=1)
def _style() -> str:
    """The report's stylesheet (static, inserted verbatim)."""
    return (TEMPLATES / "style.css.j2").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _script() -> tuple[str, str]:
    """The report's one inline script and its CSP hash source (``'sha256-...'``)."""
    text = (TEMPLATES / "report.js.j2").read_text(encoding="utf-8").strip("\n")
    text += "\n" + (TEMPLATES / "timeline.js.j2").read_text(encoding="utf-8").strip("\n")  # timeline section
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return text, f"'sha256-{digest}'"


@dataclass
class EvidenceView:
    type: str
    label: str = ""
    path: str = ""
    lines: list[tuple[int | None, str]] = field(default_factory=list)  # (None, "") marks a gap
    more_lines: int = 0
    text: str = ""  # pretty JSON / one-line event / object ref
    event: dict[str, str] | None = None
    quantities: list[tuple[str, str, str]] = field(default_factory=list)  # (key, human-readable, raw)


@dataclass
class FindingView:
    index: int
    finding: Finding
    objects: list[str]
    namespaces: list[str]
    ns_json: str
    evidence: list[EvidenceView]
    more_evidence: int
    references: list[tuple[str, str | None]]  # (text, url when it may be a link)
    open: bool
    condensed: bool = False  # past FULL_PER_RULE of its rule: objects and message only


def _clip(s: str, limit: int) -> str:
    if len(s) <= limit:
        return s
    return s[:limit] + f"\u2026 [{len(s) - limit} more characters]"


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        return _clip(value, MAX_FIELD_CHARS)
    try:
        text = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return _clip(text, MAX_FIELD_CHARS)


def _lines(raw: Any) -> list[tuple[int | None, str]]:
    out: list[tuple[int | None, str]] = []
    if not isinstance(raw, list | tuple):
        return out
    for item in raw:
        if isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[0], int):
            out.append((item[0], _clip(str(item[1]), MAX_LINE_CHARS)))
        else:
            out.append((None, _clip(str(item), MAX_LINE_CHARS)))
    return out


def _evidence_view(e: Evidence) -> EvidenceView:
    view = EvidenceView(type=str(e.type or ""), label=str(e.label or ""), path=str(e.path or ""))
    lines = _lines(e.lines)
    if len(lines) > MAX_EVIDENCE_LINES:
        view.more_lines = len(lines) - MAX_EVIDENCE_LINES
        lines = lines[:MAX_EVIDENCE_LINES]
    prev: int | None = None
    for number, text in lines:
        if prev is not None and number is not None and number > prev + 1:
            view.lines.append((None, ""))
        view.lines.append((number, text))
        prev = number if number is not None else prev
    if e.type == "event" and isinstance(e.value, dict):
        v = e.value
        view.event = {
            k: "" if v.get(k) is None else str(v.get(k)) for k in ("lastTimestamp", "type", "reason", "count", "message")
        }
    elif e.type == "object" and isinstance(e.value, dict):
        v = e.value
        view.text = "/".join(str(v.get(k)) for k in ("kind", "namespace", "name") if v.get(k))
    elif e.value is not None:
        view.text = _pretty(e.value)
        view.quantities = byte_quantities(view.label, e.value)
    return view


BYTE_WORDS = ("memory", "storage", "bytes", "size", "capacity", "allocatable", "hugepages")


def byte_quantities(label: str, value: Any) -> list[tuple[str, str, str]]:
    """Sizes in bytes in a field's value, human-readable (33443027968 -> 31.1 GiB) with the raw
    value: a scalar under a label that names a size, or such keys of a mapping (one level down)."""
    def is_size(key: str) -> bool:
        k = key.lower()
        return any(w in k for w in BYTE_WORDS)

    def human(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            return None
        n = parse_quantity(v)
        return human_bytes(n) if n is not None and abs(n) >= 1024 and str(v) != human_bytes(n) else None

    out: list[tuple[str, str, str]] = []
    last = label.rsplit(".", 1)[-1]
    if not isinstance(value, dict | list):
        h = human(value) if is_size(last) else None
        return [(last, h, str(value))] if h else []
    items = value.items() if isinstance(value, dict) else ()
    for k, v in items:
        if isinstance(v, dict):
            for k2, v2 in v.items():
                h = human(v2) if isinstance(k2, str) and (is_size(k2) or is_size(str(k))) else None
                if h:
                    out.append((f"{k}.{k2}", h, str(v2)))
        elif isinstance(k, str) and (is_size(k) or is_size(last)):
            h = human(v)
            if h:
                out.append((k, h, str(v)))
    return out[:20]


def _finding_views(findings: list[Finding], start: int, open_budget: int) -> list[FindingView]:
    views = []
    per_rule: Counter[str] = Counter()
    for i, f in enumerate(findings):
        namespaces = sorted({display_text(o.namespace) for o in f.objects}) if f.objects else [""]
        per_rule[f.rule_id] += 1
        if per_rule[f.rule_id] > FULL_PER_RULE:  # a report of a large cluster stays small enough for a browser
            views.append(FindingView(index=start + i, finding=f, objects=[str(o) for o in f.objects],
                                     namespaces=namespaces, ns_json=json.dumps(namespaces, ensure_ascii=False),
                                     evidence=[], more_evidence=0, references=[], open=False, condensed=True))
            continue
        evidence = [_evidence_view(e) for e in f.evidence[:MAX_EVIDENCE_ITEMS]]
        refs = [(str(r), safe_url(r)) for r in f.references]
        is_open = bool(evidence) and i < open_budget and f.severity in ("critical", "warning")
        views.append(
            FindingView(
                index=start + i, finding=f, objects=[str(o) for o in f.objects], namespaces=namespaces,
                ns_json=json.dumps(namespaces, ensure_ascii=False), evidence=evidence,
                more_evidence=max(0, len(f.evidence) - MAX_EVIDENCE_ITEMS), references=refs, open=is_open,
            )
        )
    return views


def _rule_rows(views: list[FindingView]) -> list[dict[str, Any]]:
    """One row per rule with findings: worst severity, count, anchor of its first finding."""
    rows: dict[str, dict[str, Any]] = {}
    for v in views:
        f = v.finding
        row = rows.get(f.rule_id)
        if row is None:
            rows[f.rule_id] = {"rule_id": f.rule_id, "title": f.title, "severity": f.severity, "category": f.category,
                               "count": 1, "first": v.index}
        else:
            row["count"] += 1
    return sorted(rows.values(), key=lambda r: (-SEVERITY_RANK.get(r["severity"], 0), -r["count"], r["rule_id"]))


def _category_rows(result: AnalysisResult) -> list[dict[str, Any]]:
    summary = result.summary()["by_category"]
    cats = list(KNOWN_CATEGORIES) + sorted(c for c in summary if c not in KNOWN_CATEGORIES)
    rows = []
    for c in cats:
        counts = summary.get(c, {s: 0 for s in SEVERITIES})
        worst = next((s for s in SEVERITIES if counts.get(s)), "ok")
        rows.append({"name": c, "counts": counts, "total": sum(counts.values()), "status": worst})
    return rows


def _header(result: AnalysisResult, bundle: Bundle | None, problems: int) -> dict[str, Any]:
    info = result.bundle if isinstance(result.bundle, dict) else {}
    manifest = bundle.manifest if bundle is not None and isinstance(bundle.manifest, dict) else {}
    cluster = cluster_raw if isinstance(cluster_raw := manifest.get("cluster"), dict) else {}
    collector = collector_raw if isinstance(collector_raw := manifest.get("collector"), dict) else {}
    source = str(info.get("source") or (bundle.source if bundle else "") or "")
    collected = info.get("collected_at") or (bundle.collected_at.isoformat() if bundle and bundle.collected_at else "")
    name = bundle_name(source) if source else (cluster.get("context") or cluster.get("server") or "bundle")
    rows = [
        ("Bundle", source),
        ("Format", str(info.get("format") or (bundle.format if bundle else "") or "")),
        ("Cluster version", str(info.get("cluster_version") or (bundle.cluster_version if bundle else "") or "unknown")),
        ("Collected at", str(collected or "unknown")),
    ]
    if cluster.get("context"):
        rows.append(("Context", str(cluster["context"])))
    if cluster.get("server"):
        rows.append(("API server", str(cluster["server"])))
    if collector.get("name"):
        rows.append(("Collector", f"{collector.get('name')} {collector.get('version') or ''}".strip()))
    counts = info.get("counts") if isinstance(info.get("counts"), dict) else (bundle.counts() if bundle else {})
    if counts:
        rows.append(("Objects", f"{sum(v for v in counts.values() if isinstance(v, int))} in {len(counts)} kinds"))
    if bundle is not None:
        rows.append(("Logs / node files", f"{len(bundle.logs)} / {len(bundle.node_files)}"))
    rows.append(("Rules run", str(result.rules_run)))
    rows.append(("Problems while reading", f"{problems} (see below)" if problems else "none"))
    return {"cluster": str(name), "rows": rows}


def _problems(result: AnalysisResult, bundle: Bundle | None) -> list[dict[str, str]]:
    problems = [p for p in result.problems if isinstance(p, dict)]
    if not problems and bundle is not None:
        problems = [p.as_dict() for p in bundle.problems]
    return [{"path": str(p.get("path", "")), "error": str(p.get("error", ""))} for p in problems]


_VERDICT_ORDER = {"error": 0, "warning": 1, "info": 2, "pass": 3}


def _verdicts(result: AnalysisResult) -> list[dict[str, str]]:
    """The bundle's own verdicts (troubleshoot's analysis.json), worst first, as display text."""
    raw = [v for v in result.bundle.get("tool_verdicts") or [] if isinstance(v, dict)]
    raw.sort(key=lambda v: _VERDICT_ORDER.get(str(v.get("severity")), 4))
    return [{k: display_text(v.get(k) or "") for k in ("tool", "severity", "title", "detail")} for v in raw]


def render_html(result: AnalysisResult, bundle: Bundle | None) -> str:
    """The whole report as one HTML document (a str; the caller writes it as UTF-8)."""
    ordered = sorted(result.findings, key=report_order)
    current = [f for f in ordered if not f.waived and f.state != "history"]
    history = [f for f in ordered if not f.waived and f.state == "history"]
    waived = [f for f in ordered if f.waived]
    current_views = _finding_views(current, 0, OPEN_EVIDENCE)
    history_views = _finding_views(history, len(current), 0)
    active_views = current_views + history_views
    waived_views = _finding_views(waived, len(active_views), 0)
    overview = compute_overview(bundle) if bundle is not None else ClusterOverview()
    events = overview.warning_events
    shown_events = events[-MAX_EVENTS:]
    problems = _problems(result, bundle)
    verdicts = _verdicts(result)
    all_views = active_views + waived_views
    namespaces = sorted({ns for v in all_views for ns in v.namespaces} | {display_text(e.namespace) for e in shown_events})
    categories = sorted({f.category for f in ordered})
    findings_per_ns: Counter[str] = Counter()
    for v in active_views:
        for ns in v.namespaces:
            findings_per_ns[ns] += 1
    peak = max((n for _t, n in overview.histogram), default=0)
    script, script_hash = _script()
    from analyzer.report.timeline_section import template_context

    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src {script_hash}; base-uri 'none'; form-action 'none'"
    )
    profile = sorted(result.profile.items(), key=lambda kv: -kv[1])[:20] if result.profile else []
    template = _environment().get_template("report.html.j2")
    return template.render(
        version=__version__,
        header=_header(result, bundle, len(problems)),
        summary=result.summary(),
        severities=SEVERITIES,
        category_rows=_category_rows(result),
        rule_rows=_rule_rows(active_views),
        categories=categories,
        namespaces=namespaces,
        findings=current_views,
        history=history_views,
        headline=history_headline(len(current_views), len(history_views)),
        waived=waived_views,
        rule_errors=result.rule_errors,
        verdicts=verdicts[:MAX_VERDICTS],
        verdicts_total=len(verdicts),
        verdict_tools=", ".join(sorted({v["tool"] for v in verdicts})),
        problems=problems[:MAX_PROBLEMS],
        problems_total=len(problems),
        expired_waivers=[
            ", ".join(f"{k}: {v}" for k, v in w.items()) if isinstance(w, dict) else str(w)
            for w in result.expired_waivers
        ],
        skipped_rules=result.skipped_rules,
        profile=profile,
        overview=overview,
        has_bundle=bundle is not None,
        events=shown_events,
        events_total=len(events),
        histogram=overview.histogram,
        histogram_peak=peak,
        findings_per_ns=findings_per_ns,
        max_evidence_lines=MAX_EVIDENCE_LINES,
        full_per_rule=FULL_PER_RULE,
        csp=csp,
        script=Markup(script),
        style=Markup(_style()),
        **template_context(result, bundle, active_views + waived_views),
    )
