"""The HTML report's timeline section: an inline SVG lane chart (a lane per node and per
namespace, a mark per timeline entry shaped by source and coloured by severity) and a
time-window filter that also hides findings whose ``since`` falls outside it.

The marks are computed here (positions in SVG units), the page only shows and hides them:
the script (``templates/timeline.js.j2``, appended to the report's one script and so
covered by its CSP hash) is static, reads
``data-*`` attributes and never writes HTML.  Strings reach the page only through the
autoescaped ``templates/timeline.html.j2``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from analyzer.bundle.model import Bundle
from analyzer.bundle.values import format_time, parse_time
from analyzer.engine.findings import SEVERITY_RANK, AnalysisResult
from analyzer.timeline.core import Entry, build_timeline

MAX_LANES = 24  # lanes drawn (the busiest); the rest share one "other" lane
MAX_MARKS = 4000  # marks drawn (the most severe, then the newest)
WIDTH, LANE_H, LEFT = 1000, 18, 170  # SVG units
WINDOW_BEFORE, WINDOW_AFTER = timedelta(hours=1), timedelta(hours=1)
SHAPES = {"event": "circle", "termination": "square", "condition": "diamond", "journal": "triangle",
          "kernel": "triangle", "log": "triangle", "creation": "dot", "finding": "star"}


@dataclass
class Mark:
    x: float
    y: float
    t: int  # epoch seconds
    shape: str
    source: str
    severity: str
    title: str


@dataclass
class TimelineSection:
    lanes: list[tuple[str, float]] = field(default_factory=list)  # (label, y)
    marks: list[Mark] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    height: float = 0
    start: int = 0
    end: int = 0
    window: tuple[int, int] = (0, 0)  # preselected: around the first critical finding
    findings_since: list[tuple[str, int]] = field(default_factory=list)  # (finding element id, epoch)
    entries_total: int = 0
    width: int = WIDTH
    left: int = LEFT


def _lane(e: Entry) -> str:
    if e.node:
        return f"node {e.node}"
    if e.namespace:
        return f"ns {e.namespace}"
    return "cluster"


def _span(entries: list[Entry], collected_at: datetime | None) -> tuple[datetime, datetime]:
    """The chart's time span: the entries of the last week before collection (older ones,
    such as node conditions unchanged for months, would squeeze the rest into a line)."""
    end = max([e.time for e in entries] + ([collected_at] if collected_at else []))
    start = max(min(e.time for e in entries), end - timedelta(days=7))
    return start, end if end > start else start + timedelta(minutes=1)


def build_section(result: AnalysisResult, bundle: Bundle | None, finding_ids: dict[int, str]) -> TimelineSection | None:
    """The section's view, or None without a bundle or without any dated entry.
    ``finding_ids``: ``id(finding)`` -> the element id of its card in the findings list."""
    if bundle is None:
        return None
    tl = build_timeline(bundle, result.findings)
    if not tl.entries:
        return None
    start, end = _span(tl.entries, tl.collected_at)
    shown = [e for e in tl.entries if e.time >= start]
    if len(shown) > MAX_MARKS:
        shown = sorted(shown, key=lambda e: (-SEVERITY_RANK.get(e.severity, 0), -e.time.timestamp()))[:MAX_MARKS]
    counts: dict[str, int] = {}
    for e in shown:
        counts[_lane(e)] = counts.get(_lane(e), 0) + 1
    busiest = sorted(counts, key=lambda k: (-counts[k], k))[:MAX_LANES]
    order = sorted(busiest, key=lambda k: (not k.startswith("node "), k != "cluster", k))
    if len(counts) > len(busiest):
        order.append("other")
    y_of = {name: 20 + i * LANE_H for i, name in enumerate(order)}
    span = (end - start).total_seconds()

    def x(t: datetime) -> float:
        return round(LEFT + (WIDTH - LEFT - 10) * (t - start).total_seconds() / span, 1)

    sec = TimelineSection(lanes=[(name, y) for name, y in y_of.items()], height=30 + len(order) * LANE_H,
                          start=int(start.timestamp()), end=int(end.timestamp()), entries_total=len(tl.entries))
    for e in shown:
        lane = _lane(e)
        y = y_of.get(lane, y_of.get("other", 20))
        sec.marks.append(Mark(x(e.time), y, int(e.time.timestamp()), SHAPES.get(e.source, "circle"), e.source,
                              e.severity, f"{format_time(e.time)} {e.source} {e.object or e.node}: {e.text[:300]}"))
    sec.ticks = [(x(start + (end - start) * i / 5), format_time(start + (end - start) * i / 5) or "")
                 for i in range(6)]
    critical = [e.time for e in tl.entries if e.source == "finding" and e.severity == "critical"]
    if critical:
        first = min(critical)
        lo, hi = max(first - WINDOW_BEFORE, start), min(first + WINDOW_AFTER, end)
        sec.window = (int(lo.timestamp()), int(hi.timestamp()))
    else:
        sec.window = (sec.start, sec.end)
    for f in result.findings:
        fid = finding_ids.get(id(f))
        when = parse_time(f.since)
        if fid and when is not None:
            sec.findings_since.append((fid, int(when.timestamp())))
    return sec


def template_context(result: AnalysisResult, bundle: Bundle | None, finding_views: list[Any]) -> dict[str, Any]:
    """What ``timeline.html.j2`` reads: ``{"timeline": section or None}``."""
    ids = {id(v.finding): f"f{v.index}" for v in finding_views}
    return {"timeline": build_section(result, bundle, ids)}
