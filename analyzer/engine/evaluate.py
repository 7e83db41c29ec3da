"""The engine: compiled rules + bundle -> findings.

Object-scope rules visit only the objects of their kind, bundle-scope rules run once, and
all text-scope rules share one pass over the text files.  A rule that raises stops at its
first error, which becomes one :class:`RuleError` naming the rule; the other rules run on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from analyzer.bundle.model import CLUSTER_SCOPED_KINDS, Bundle, ref_of
from analyzer.engine.context import Evaluator, is_k8s_object, truthy
from analyzer.engine.evidence import EvidenceCollector, clip
from analyzer.engine.findings import SEVERITY_RANK, AnalysisResult, Evidence, Finding, ObjectRef, RuleError
from analyzer.engine.textscan import MAX_MATCHES_KEPT, Group, TextScanner, file_info
from analyzer.rules.loader import LoadResult, load_rule_paths
from analyzer.rules.model import Rule
from analyzer.rules.values import format_time, parse_time

Progress = Callable[[int, int, str], None]


def load_rules(paths: Iterable[str | Path] = (), builtin: bool = True) -> LoadResult:
    """Load and lint rules: the built-in pack (when ``builtin``) plus files/directories.

    Returns a :class:`LoadResult`: ``.rules`` (valid rules), ``.issues`` (lint problems,
    each ``FILE:LINE: RULE-ID: message``; rules with problems are left out)."""
    return load_rule_paths([Path(p) for p in paths], builtin=builtin)


def bundle_summary(bundle: Bundle) -> dict[str, Any]:
    return {
        "format": bundle.format,
        "source": bundle.source,
        "cluster_version": bundle.cluster_version,
        "collected_at": format_time(parse_time(bundle.collected_at)) if bundle.collected_at else None,
        "counts": bundle.counts(),
        "nodes": bundle.node_names(),
        "namespaces": bundle.namespaces(),
        "logs": len(bundle.logs),
        "node_files": len(bundle.node_files),
    }


class _RuleFailed(Exception):
    def __init__(self, cause: BaseException, where: str):
        super().__init__(str(cause))
        self.cause = cause
        self.where = where


def _describe(cause: BaseException) -> str:
    text = " ".join(str(cause).split()) or type(cause).__name__
    return clip(f"{type(cause).__name__}: {text}", 400)


def _to_refs(value: Any) -> list[ObjectRef]:
    items = value if isinstance(value, list) else [value]
    out: list[ObjectRef] = []
    for o in items:
        if is_k8s_object(o):
            r = ref_of(o)
            out.append(ObjectRef(r["kind"], "" if r["kind"] in CLUSTER_SCOPED_KINDS else r["namespace"], r["name"]))
        elif isinstance(o, dict) and isinstance(o.get("kind"), str) and isinstance(o.get("name"), str):
            out.append(ObjectRef(o["kind"], str(o.get("namespace") or ""), o["name"]))
        elif isinstance(o, str) and o.count("/") in (1, 2):
            parts = o.split("/")
            out.append(ObjectRef(parts[0], parts[1] if len(parts) == 3 else "", parts[-1]))
    return out


class Engine:
    """Runs rules over one bundle."""

    def __init__(self, bundle: Bundle, rules: list[Rule], profile: bool = False, progress: Progress | None = None):
        if not getattr(bundle, "_finalized", True):
            bundle.finalize()
        self.bundle = bundle
        self.rules = rules
        self.ev = Evaluator(bundle)
        self.evidence = EvidenceCollector(self.ev)
        self.findings: list[Finding] = []
        self.errors: list[RuleError] = []
        self.skipped: list[dict[str, str]] = []
        self.profile: dict[str, float] = {}
        self.progress = progress
        self._seen: set[tuple[Any, ...]] = set()
        self._schedules = {r.id: r.schedule() for r in rules}

    def _time(self, rule_id: str, seconds: float) -> None:
        self.profile[rule_id] = self.profile.get(rule_id, 0.0) + seconds

    # ------------------------------------------------------------------ findings
    def _emit(self, rule: Rule, ctx: dict[str, Any], default_objects: list[ObjectRef],
              auto_evidence: list[Evidence] | None = None) -> None:
        ev = self.ev
        state, severity = "current", rule.severity
        if rule.history_when is not None and truthy(ev.eval(rule.history_when, ctx)):
            state, severity = "history", "info"
        since = None
        if rule.since is not None:
            v = ev.eval(rule.since, ctx)
            t = parse_time(v)
            since = format_time(t) if t is not None else (None if v is None else str(v))
        objects = _to_refs(ev.eval(rule.objects, ctx)) if rule.objects is not None else default_objects
        evidence = list(auto_evidence or []) + self.evidence.collect(rule, ctx)
        message = rule.message.render(ctx).strip()
        remediation = rule.remediation.render(ctx).strip()
        key = (rule.id, tuple(str(o) for o in objects), message)
        if key in self._seen:
            return
        self._seen.add(key)
        self.findings.append(Finding(
            rule_id=rule.id, severity=severity, title=rule.title, category=rule.category, message=message,
            objects=objects, evidence=evidence, remediation=remediation, references=list(rule.references),
            scenarios=list(rule.scenarios), state=state, since=since, source=rule.source,
        ))

    def _conditions_hold(self, schedule: list[tuple[str | None, Any]], ctx: dict[str, Any]) -> bool:
        """Compute the lets in order, checking each condition as soon as its lets exist."""
        fns = self.ev.fns
        fns.vars = ctx  # what $name reads
        for name, e in schedule:
            if name is None:
                if not truthy(e.fn(ctx, fns)):
                    return False
            else:
                ctx[name] = e.fn(ctx, fns)
        return True

    def _evaluate(self, rule: Rule, ctx: dict[str, Any], default_objects: Any) -> None:
        if self._conditions_hold(self._schedules[rule.id], ctx):
            self._emit(rule, ctx, default_objects() if callable(default_objects) else default_objects)

    def _run_each(self, rule: Rule, base: dict[str, Any], default_objects: Any) -> None:
        """``default_objects``: the finding's objects when the rule gives none (a callable that
        computes them, called only for a finding), or None for "item, when it is an object"."""
        if rule.each is None:
            self._evaluate(rule, base, default_objects if default_objects is not None else [])
            return
        items = self.ev.eval(rule.each, base)
        if items is None:
            return
        if not isinstance(items, list):
            items = [items]
        for item in items:
            ctx = dict(base)
            ctx["item"] = item
            if default_objects is not None:
                self._evaluate(rule, ctx, default_objects)
            else:
                self._evaluate(rule, ctx, lambda item=item: _to_refs(item) if is_k8s_object(item) else [])

    def run_object_rule(self, rule: Rule) -> None:
        assert rule.kind is not None
        objs = self.bundle.objects(rule.kind)
        if not objs:
            self.skipped.append({"rule_id": rule.id, "reason": f"no {rule.kind} objects in the bundle"})
            return
        for obj in objs:
            try:
                self._run_each(rule, self.ev.object_context(obj), lambda obj=obj: _to_refs(obj))
            except Exception as e:  # noqa: BLE001 - any failure is this rule's, not the analysis'
                r = ref_of(obj)
                where = "/".join(x for x in (r["kind"], r["namespace"], r["name"]) if x)
                raise _RuleFailed(e, f"evaluating {where}") from e

    def run_bundle_rule(self, rule: Rule) -> None:
        try:
            self._run_each(rule, self.ev.bundle_context(), None)
        except Exception as e:  # noqa: BLE001
            raise _RuleFailed(e, "evaluating the bundle") from e

    def _run_rule(self, rule: Rule) -> None:
        t0 = time.perf_counter()
        try:
            if rule.scope == "object":
                self.run_object_rule(rule)
            else:
                self.run_bundle_rule(rule)
        except _RuleFailed as f:
            self.errors.append(RuleError(rule.id, f"{_describe(f.cause)} ({f.where})", rule.source))
        except Exception as e:  # noqa: BLE001
            self.errors.append(RuleError(rule.id, _describe(e), rule.source))
        finally:
            self._time(rule.id, time.perf_counter() - t0)

    # ------------------------------------------------------------------ text scope
    def _text_default_objects(self, grp: Group) -> tuple[dict[str, Any] | None, list[ObjectRef]]:
        kind = grp.key[0]
        meta = grp.files[0].tf.meta or {}
        if kind in ("pod", "container") or (kind == "file" and meta.get("type") == "log"):
            ns, pod = meta.get("namespace") or "", meta.get("pod") or ""
            obj = self.bundle.get("Pod", ns, pod)
            return obj, [ObjectRef("Pod", ns, pod)] if pod else []
        node = grp.key[1] if kind == "node" else meta.get("node")
        if node:
            return self.bundle.get("Node", None, node), [ObjectRef("Node", "", node)]
        return None, []

    def run_text_rules(self) -> None:
        text_rules = [r for r in self.rules if r.scope == "text"]
        if not text_rules:
            return
        scanner = TextScanner(self.bundle, text_rules)
        total = len(self.bundle.logs) + len(self.bundle.node_files) + len(self.bundle.other_files)

        def on_file(i: int) -> None:
            if self.progress is not None and i % 50 == 0:
                self.progress(i, total, "text files")

        scanner.scan(self._time, on_file)
        for rule in text_rules:
            if rule.id in scanner.failed:
                self.errors.append(RuleError(rule.id, scanner.failed[rule.id], rule.source))
                continue
            if not scanner.files_seen.get(rule.id):
                self.skipped.append({"rule_id": rule.id, "reason": "no file of the bundle matches " +
                                     ", ".join(rule.files)})
                continue
            t0 = time.perf_counter()
            try:
                for grp in scanner.groups[rule.id].values():
                    if grp.count < rule.min_count:
                        continue
                    obj, refs = self._text_default_objects(grp)
                    matches = [m.as_dict(fh.tf.path) for fh in grp.files for m in fh.matches][-MAX_MATCHES_KEPT:]
                    ctx: dict[str, Any] = {
                        "obj": obj, "item": None, "bundle": self.ev.bundle_ctx,
                        "file": file_info(grp.files[0].tf), "files": [file_info(fh.tf) for fh in grp.files],
                        "matches": matches, "count": grp.count,
                    }
                    auto = [
                        Evidence(type="text", label=f"{fh.count} matching line{'s' if fh.count != 1 else ''}",
                                 path=fh.tf.path, lines=[(m.line, clip(m.text)) for m in list(fh.matches)[-20:]])
                        for fh in grp.files[:5]
                    ]
                    if self._conditions_hold(self._schedules[rule.id], ctx):
                        self._emit(rule, ctx, refs, auto)
            except Exception as e:  # noqa: BLE001
                self.errors.append(RuleError(rule.id, _describe(e), rule.source))
            finally:
                self._time(rule.id, time.perf_counter() - t0)

    # ------------------------------------------------------------------ all
    def run(self) -> None:
        others = [r for r in self.rules if r.scope != "text"]
        for i, rule in enumerate(others):
            if self.progress is not None:
                self.progress(i, len(others), rule.id)
            self._run_rule(rule)
        self.ev.fns.clear_caches()
        self.run_text_rules()
        self.ev.fns.clear_caches()


def _sort_key(f: Finding) -> tuple[Any, ...]:
    return (-SEVERITY_RANK.get(f.severity, 0), f.rule_id, [str(o) for o in f.objects], f.message)


def analyze_bundle(
    bundle: Bundle,
    rules: list[Rule] | LoadResult,
    waivers: list[Any] | None = None,
    profile: bool = False,
    progress: Progress | None = None,
    today: date | None = None,
) -> AnalysisResult:
    """Run ``rules`` over ``bundle``.  ``waivers`` (from :func:`analyzer.engine.waivers.load_waivers`)
    mark matching findings as waived; expiry is checked against ``today`` (default: the
    wall-clock date).  ``profile`` fills ``result.profile`` (seconds per rule)."""
    rule_list = rules.rules if isinstance(rules, LoadResult) else list(rules)
    engine = Engine(bundle, rule_list, profile=profile, progress=progress)
    engine.run()
    findings = sorted(engine.findings, key=_sort_key)
    result = AnalysisResult(
        bundle=bundle_summary(bundle),
        findings=findings,
        rule_errors=sorted(engine.errors, key=lambda e: e.rule_id),
        problems=[p.as_dict() for p in bundle.problems],
        rules_run=len(rule_list),
        skipped_rules=sorted(engine.skipped, key=lambda s: s["rule_id"]),
        profile=dict(sorted(engine.profile.items(), key=lambda kv: -kv[1])) if profile else {},
    )
    if waivers:
        from analyzer.engine.waivers import apply_waivers

        result.expired_waivers = apply_waivers(result.findings, waivers, today=today)
    return result


def failing_findings(result: AnalysisResult, fail_on: str) -> list[Finding]:
    """Unwaived findings at or above ``fail_on`` (``never``: none)."""
    if fail_on == "never":
        return []
    threshold = SEVERITY_RANK[fail_on]
    return [f for f in result.findings if f.waived is None and SEVERITY_RANK.get(f.severity, 0) >= threshold]
