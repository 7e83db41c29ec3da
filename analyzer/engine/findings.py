"""What the engine produces: findings, rule errors and the analysis result.

The report layer reads only these types (and the bundle summary they carry), never the
rule files or the engine internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("critical", "warning", "info")
SEVERITY_RANK = {"critical": 3, "warning": 2, "info": 1}


@dataclass
class ObjectRef:
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"


@dataclass
class Evidence:
    """One piece of evidence.

    type: ``field`` (an object field: ``label`` is the field path, ``value`` its value),
    ``log`` / ``node_file`` / ``text`` (``path`` is the bundle path, ``lines`` a list of
    ``[line_number, text]`` with 1-based numbers), ``event`` (``value`` the event dict
    reduced to type/reason/message/count/lastTimestamp), ``object`` (a related object:
    ``value`` its ``{kind, namespace, name}``).
    """

    type: str
    label: str = ""
    path: str = ""
    lines: list[tuple[int, str]] = field(default_factory=list)
    value: Any = None


@dataclass
class Waived:
    reason: str
    expires: str | None = None


@dataclass
class Finding:
    rule_id: str
    severity: str
    title: str
    category: str
    message: str
    objects: list[ObjectRef] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    remediation: str = ""
    references: list[str] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    # "current": the problem holds at collection time; "history": it happened earlier and cleared.
    state: str = "current"
    since: str | None = None  # when it started / happened (RFC 3339), when known
    waived: Waived | None = None
    source: str = ""  # rule file
    # a grouped finding (rule with group_by): {by: what it groups by, key: the shared value, size: members}
    group: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The finding as JSON data (what ``dataclasses.asdict`` gives, evidence without its
        empty fields), built directly: reports of large clusters hold tens of thousands.
        Evidence values are shared with the finding, not copied: do not modify them."""
        evidence = []
        for e in self.evidence:
            item = {k: v for k, v in (("type", e.type), ("label", e.label), ("path", e.path), ("lines", e.lines),
                                      ("value", e.value)) if v not in (None, "", [])} | {"type": e.type}
            if "lines" in item:
                item["lines"] = [list(x) for x in item["lines"]]
            evidence.append(item)
        return {
            "rule_id": self.rule_id, "severity": self.severity, "title": self.title, "category": self.category,
            "message": self.message,
            "objects": [{"kind": o.kind, "namespace": o.namespace, "name": o.name} for o in self.objects],
            "evidence": evidence, "remediation": self.remediation, "references": list(self.references),
            "scenarios": list(self.scenarios), "state": self.state, "since": self.since,
            "waived": None if self.waived is None else {"reason": self.waived.reason, "expires": self.waived.expires},
            "source": self.source,
            "group": None if self.group is None else dict(self.group),
        }


def report_order(f: Finding) -> tuple[Any, ...]:
    """The one order of findings in every report (text, Markdown, HTML, JSON...): current
    before history, then severity (worst first), category, rule, objects, message."""
    return (f.state != "current", -SEVERITY_RANK.get(f.severity, 0), f.category, f.rule_id,
            [str(o) for o in f.objects], f.message)


def history_headline(current: int, history: int) -> str | None:
    """The opening line when nothing is failing now (shared by the text, Markdown and HTML reports)."""
    if current or not history:
        return None
    return f"Nothing is failing now; {history} problem{'s' if history != 1 else ''} cleared before collection."


@dataclass
class RuleError:
    rule_id: str
    error: str
    source: str = ""


@dataclass
class AnalysisResult:
    bundle: dict[str, Any]  # format, source, cluster_version, collected_at, counts, nodes, namespaces
    findings: list[Finding]
    rule_errors: list[RuleError]
    problems: list[dict[str, str]]
    expired_waivers: list[dict[str, Any]] = field(default_factory=list)
    rules_run: int = 0
    skipped_rules: list[dict[str, str]] = field(default_factory=list)  # {rule_id, reason}
    profile: dict[str, float] = field(default_factory=dict)  # rule id -> seconds

    def summary(self) -> dict[str, Any]:
        by_sev = {s: 0 for s in SEVERITIES}
        by_cat: dict[str, dict[str, int]] = {}
        waived = 0
        for f in self.findings:
            if f.waived:
                waived += 1
                continue
            by_sev[f.severity] = by_sev.get(f.severity, 0) + 1
            cat = by_cat.setdefault(f.category, {s: 0 for s in SEVERITIES})
            cat[f.severity] += 1
        return {"by_severity": by_sev, "by_category": by_cat, "waived": waived, "total": len(self.findings)}
