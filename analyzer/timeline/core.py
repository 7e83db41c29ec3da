"""One time-ordered stream of what a bundle and its findings say happened.

Pure functions over a :class:`~analyzer.bundle.model.Bundle` and the findings of its analysis:
events (first/last seen, count), container terminations, node condition transitions, object
creations, each finding's ``since``, and the journal, kernel and log lines the rules matched
(taken from the findings' evidence, not re-scanned).  Every time is UTC; journal lines
without a year get it from the collection time (:func:`analyzer.bundle.formats.journal.line_time`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analyzer.bundle.formats import journal
from analyzer.bundle.model import Bundle
from analyzer.bundle.values import format_time, parse_time
from analyzer.engine.findings import Finding

SOURCES = ("event", "termination", "condition", "journal", "kernel", "log", "creation", "finding")
# Conditions whose "True" is the healthy state; for the others (pressure, unavailable) "False" is.
_HEALTHY_TRUE = frozenset({"Ready", "Initialized", "ContainersReady", "PodScheduled", "Available", "Progressing"})
# Kinds whose creation is not news on a timeline (they are made for every object or change).
_QUIET_KINDS = frozenset({"Event", "Lease", "EndpointSlice", "Endpoints", "ControllerRevision"})


@dataclass
class Entry:
    """One thing that happened: when (UTC), from which source, about what, and how bad."""

    time: datetime
    source: str
    text: str
    severity: str = "info"  # critical, warning or info
    namespace: str = ""
    node: str = ""
    object: str = ""  # Kind/namespace/name
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"time": format_time(self.time), "source": self.source, "severity": self.severity,
                "namespace": self.namespace, "node": self.node, "object": self.object, "text": self.text,
                "detail": self.detail}


@dataclass
class Window:
    """Which entries to keep: a time window, a namespace, a node (None: no limit)."""

    since: datetime | None = None
    until: datetime | None = None
    namespace: str | None = None
    node: str | None = None

    def keeps(self, e: Entry) -> bool:
        if self.since is not None and e.time < self.since:
            return False
        if self.until is not None and e.time > self.until:
            return False
        if self.namespace is not None and e.namespace != self.namespace:
            return False
        return self.node is None or e.node == self.node


def _md(obj: dict[str, Any]) -> dict[str, Any]:
    md = obj.get("metadata")
    return md if isinstance(md, dict) else {}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _ref(kind: str, namespace: str, name: str) -> str:
    return f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"


def event_entries(bundle: Bundle) -> Iterator[Entry]:
    """One entry per Event, at its first sighting (last sighting and count in ``detail``)."""
    for ev in bundle.objects("Event"):
        inv = _dict(ev.get("involvedObject"))
        first = parse_time(ev.get("firstTimestamp")) or parse_time(ev.get("eventTime"))
        last = parse_time(ev.get("lastTimestamp"))
        when = first or last
        if when is None:
            continue
        kind, ns, name = str(inv.get("kind") or ""), str(inv.get("namespace") or ""), str(inv.get("name") or "")
        count = ev.get("count") if isinstance(ev.get("count"), int) else 1
        source = _dict(ev.get("source"))
        node = name if kind == "Node" else str(source.get("host") or "") if source.get("component") == "kubelet" else ""
        reason = str(ev.get("reason") or "")
        yield Entry(when, "event", f"{reason}: {' '.join(str(ev.get('message') or '').split())}",
                    "warning" if ev.get("type") == "Warning" else "info", ns or _md(ev).get("namespace") or "",
                    node, _ref(kind, ns, name),
                    {"reason": reason, "count": count, "first_seen": format_time(first), "last_seen": format_time(last)})


def _terminated(status: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("state", "lastState"):
        t = _dict(_dict(status.get(key)).get("terminated"))
        if t:
            yield t


def termination_entries(bundle: Bundle) -> Iterator[Entry]:
    """Container terminations recorded in pod status (current and last state)."""
    for pod in bundle.objects("Pod"):
        md, spec, status = _md(pod), _dict(pod.get("spec")), _dict(pod.get("status"))
        ns, name, node = str(md.get("namespace") or ""), str(md.get("name") or ""), str(spec.get("nodeName") or "")
        for group in ("initContainerStatuses", "containerStatuses"):
            statuses = status.get(group)
            for cs in statuses if isinstance(statuses, list) else []:
                if not isinstance(cs, dict):
                    continue
                for t in _terminated(cs):
                    when = parse_time(t.get("finishedAt"))
                    if when is None:
                        continue
                    code, reason = t.get("exitCode"), str(t.get("reason") or "")
                    oom = reason == "OOMKilled"
                    sev = "critical" if oom else ("info" if code == 0 else "warning")
                    yield Entry(when, "termination", f"container {cs.get('name')} exited {code}"
                                f"{f' ({reason})' if reason else ''}", sev, ns, node, _ref("Pod", ns, name),
                                {"container": cs.get("name"), "exit_code": code, "reason": reason, "oom": oom})


def condition_entries(bundle: Bundle) -> Iterator[Entry]:
    """Node condition transitions (``lastTransitionTime`` of each condition)."""
    for n in bundle.objects("Node"):
        name = str(_md(n).get("name") or "")
        conds = _dict(n.get("status")).get("conditions")
        for c in conds if isinstance(conds, list) else []:
            if not isinstance(c, dict):
                continue
            when = parse_time(c.get("lastTransitionTime"))
            if when is None:
                continue
            ctype, cstatus = str(c.get("type") or ""), str(c.get("status") or "")
            healthy = (cstatus == "True") == (ctype in _HEALTHY_TRUE)
            yield Entry(when, "condition", f"{ctype}={cstatus}" + (f" ({c.get('reason')})" if c.get("reason") else ""),
                        "info" if healthy else "warning", "", name, _ref("Node", "", name),
                        {"type": ctype, "status": cstatus, "reason": c.get("reason")})


def creation_entries(bundle: Bundle) -> Iterator[Entry]:
    """Object creations (``creationTimestamp``), except kinds made for every change."""
    for obj in bundle.objects_all:
        kind = obj.get("kind")
        if kind in _QUIET_KINDS:
            continue
        md = _md(obj)
        when = parse_time(md.get("creationTimestamp"))
        if when is None:
            continue
        ns, name = str(md.get("namespace") or ""), str(md.get("name") or "")
        node = name if kind == "Node" else str(_dict(obj.get("spec")).get("nodeName") or "") if kind == "Pod" else ""
        yield Entry(when, "creation", f"{kind} {name} created", "info", ns, node, _ref(str(kind), ns, name))


def _line_time(text: str, reference: datetime | None) -> datetime | None:
    """A journal line's time, else a leading RFC 3339 stamp (CRI and most application logs)."""
    when = journal.line_time(text, reference)
    if when is not None:
        return when
    head = text.lstrip().split(" ", 1)[0]
    return parse_time(head) if head[:1].isdigit() and "T" in head else None


def _scope(f: Finding) -> tuple[str, str]:
    """Namespace and node a finding is about (its first namespaced object, its first Node)."""
    ns = next((o.namespace for o in f.objects if o.namespace), "")
    node = next((o.name for o in f.objects if o.kind == "Node"), "")
    return ns, node


def _text_source(path: str) -> str:
    if "dmesg" in path or "kernel" in path:
        return "kernel"
    return "journal" if "/journal" in path or path.startswith("nodes/") or "/nodes/" in path else "log"


def _node_of_path(path: str) -> str:
    parts = path.split("/")
    return parts[parts.index("nodes") + 1] if "nodes" in parts[:-1] else ""


def finding_entries(findings: Iterable[Finding], collected_at: datetime | None) -> tuple[list[Entry], int]:
    """Each finding's ``since`` and the lines its evidence quotes, and how many quoted lines
    carried no time this could read (kernel ring-buffer offsets, klog without a date)."""
    out: list[Entry] = []
    untimed = 0
    for f in findings:
        if f.waived:
            continue
        ns, node = _scope(f)
        obj = str(f.objects[0]) if f.objects else ""
        since = parse_time(f.since)
        if since is not None:
            out.append(Entry(since, "finding", f"{f.rule_id}: {f.title}", f.severity, ns, node, obj,
                             {"rule_id": f.rule_id, "state": f.state}))
        for ev in f.evidence:
            if ev.type not in ("log", "node_file", "text"):
                continue
            for item in ev.lines:
                if not isinstance(item, list | tuple) or len(item) < 2 or not isinstance(item[1], str):
                    continue
                number, line = item[0], item[1]
                when = _line_time(line, collected_at)
                if when is None:
                    untimed += 1
                    continue
                source = "log" if ev.type == "log" else _text_source(ev.path)
                out.append(Entry(when, source, line.strip(), f.severity, ns, _node_of_path(ev.path) or node, obj,
                                 {"rule_id": f.rule_id, "path": ev.path, "line": number}))
    return out, untimed


@dataclass
class Timeline:
    entries: list[Entry]
    untimed_lines: int = 0  # evidence lines without a readable time
    collected_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"collected_at": format_time(self.collected_at), "untimed_lines": self.untimed_lines,
                "entries": [e.as_dict() for e in self.entries]}


def build_timeline(bundle: Bundle, findings: Iterable[Finding], window: Window | None = None) -> Timeline:
    """All entries of ``bundle`` and its ``findings`` in ``window``, oldest first (stable
    order for equal times: by source, then object)."""
    collected_at = parse_time(bundle.collected_at)
    window = window or Window()
    from_findings, untimed = finding_entries(findings, collected_at)
    entries: list[Entry] = []
    for source in (event_entries(bundle), termination_entries(bundle), condition_entries(bundle),
                   creation_entries(bundle), iter(from_findings)):
        entries.extend(e for e in source if window.keeps(e))
    order = {s: i for i, s in enumerate(SOURCES)}
    entries.sort(key=lambda e: (e.time, order.get(e.source, 99), e.object, e.text))
    return Timeline(entries, untimed, collected_at)


def render_text(tl: Timeline) -> str:
    """One line per entry, for terminals."""
    lines = []
    for e in tl.entries:
        where = e.object or e.node
        extra = ""
        if e.source == "event" and e.detail.get("count", 1) != 1:
            extra = f" (x{e.detail['count']}, last {e.detail.get('last_seen')})"
        lines.append(f"{format_time(e.time)}  {e.source:<11} {e.severity:<8} {where}  {' '.join(e.text.split())}{extra}")
    lines.append(f"{len(tl.entries)} entries (UTC)"
                 + (f"; {tl.untimed_lines} matched line(s) without a readable time not shown" if tl.untimed_lines else ""))
    return "\n".join(lines) + "\n"
