"""Compiled rules: what the loader produces and the engine runs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from analyzer.rules.expr import Expr
from analyzer.rules.regex import Regex
from analyzer.rules.templates import Template

SEVERITIES = ("critical", "warning", "info")
CATEGORIES = ("workloads", "scheduling", "nodes", "control-plane", "networking", "storage", "security", "cluster")
SCOPES = ("object", "bundle", "text")
GROUP_BY = ("file", "node", "pod", "container")

# Names every expression can read; text scope adds TEXT_VARIABLES.
BASE_VARIABLES = ("obj", "item", "bundle")
TEXT_VARIABLES = ("file", "files", "matches", "count")

DEFAULT_TAIL = 20
MAX_TAIL = 200
MAX_EVENTS = 10


@dataclass
class LintIssue:
    """One problem in a rule file: ``FILE:LINE: RULE-ID: message``."""

    file: str
    line: int
    rule_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.rule_id or '-'}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "rule_id": self.rule_id, "message": self.message}


@dataclass
class EvidenceSpec:
    """One ``evidence`` item of a rule, compiled."""

    type: str  # field | log | node_file | events | objects
    label: str = ""
    expr: Expr | None = None  # field / objects: the expression; events: `of`; log: `pod`
    container: Template | None = None
    previous: bool = False
    tail: int = DEFAULT_TAIL
    grep: Regex | None = None
    path: str = ""  # node_file glob relative to nodes/<node>/
    node: Template | None = None
    reason: Regex | None = None
    event_type: str | None = None


@dataclass
class ClassCase:
    """One case of a ``classify`` list: ``match`` (None: the default case), ``id``, and the
    ``text`` and ``remediation`` templates rendered for a finding in that case."""

    id: str
    match: str | None
    text: Template
    remediation: Template


@dataclass
class Classification:
    """``classify: {NAME: {of: EXPR, cases: [...]}}``: the let ``NAME`` holds the first case
    whose regex is found in the value of ``of`` (``{id, match}``, null when none), and, when
    the finding is made, the case's rendered ``text`` and ``remediation``."""

    name: str
    cases: list[ClassCase]

    def render(self, ctx: dict[str, Any]) -> None:
        value = ctx.get(self.name)
        if not isinstance(value, dict) or "text" in value:
            return
        case = next((c for c in self.cases if c.id == value.get("id")), None)
        if case is not None:
            ctx[self.name] = dict(value, text=case.text.render(ctx).strip(),
                                  remediation=case.remediation.render(ctx).strip())


@dataclass
class Grouping:
    """``group_by: {key: EXPR, label: TEXT, object: EXPR}``: the findings of a rule whose
    ``key`` is equal (and not null) become one finding listing every affected object."""

    key: Expr
    label: str
    object: Expr | None = None


@dataclass
class Rule:
    id: str
    title: str
    severity: str
    category: str
    scope: str
    message: Template
    remediation: Template
    source: str  # rule file as shown to users
    line: int  # line of the rule in its file
    scenarios: list[str] = field(default_factory=list)
    kind: str | None = None
    description: str = ""
    each: Expr | None = None
    let: list[tuple[str, Expr]] = field(default_factory=list)
    when: list[Expr] = field(default_factory=list)
    # when[i] only needs the first when_after[i] let values: it is checked as soon as they exist
    when_after: list[int] = field(default_factory=list)
    history_when: Expr | None = None
    since: Expr | None = None
    objects: Expr | None = None
    evidence: list[EvidenceSpec] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)
    # text scope
    files: list[str] = field(default_factory=list)
    files_re: re.Pattern[str] | None = None
    pattern: Regex | None = None
    pattern_literals: list[str] | None = None  # one of these is in every matching line (prefilter)
    min_count: int = 1
    group_by: str = "file"  # text scope
    grouping: Grouping | None = None  # object and bundle scope
    classify: list[Classification] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    # object scope: also run on the partial objects known only from events (deleted or replaced
    # since, see analyzer.bundle.event_objects); other rules skip them
    known_from_events: bool = False

    def schedule(self) -> list[tuple[str | None, Expr]]:
        """Lets and conditions in evaluation order: each ``when`` right after the last ``let``
        it reads, so that a rule stops before computing values it will not use.
        Items are ``(let name, expr)`` or ``(None, condition)``."""
        order: list[tuple[str | None, Expr]] = [(None, w) for w, k in zip(self.when, self.when_after, strict=True)
                                                if k == 0]
        for i, (name, e) in enumerate(self.let, 1):
            order.append((name, e))
            order += [(None, w) for w, k in zip(self.when, self.when_after, strict=True) if k == i]
        return order

    def finding_context(self, ctx: dict[str, Any]) -> dict[str, Any]:
        """The context templates see: ``ctx`` with the classified cases' text and remediation."""
        if not self.classify:
            return ctx
        ctx = dict(ctx)
        for c in self.classify:
            c.render(ctx)
        return ctx

    def meta(self) -> dict[str, Any]:
        """The rule's description for reports (``rules_meta``) and ``rules list``."""
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "category": self.category,
            "scenarios": list(self.scenarios),
            "scope": self.scope,
            "kind": self.kind,
            "source": self.source,
            "remediation": self.remediation.source,
            "references": list(self.references),
            "description": self.description,
            "group_by": self.grouping.label if self.grouping is not None else None,
        }
