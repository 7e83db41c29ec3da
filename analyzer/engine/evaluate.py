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
from typing import TYPE_CHECKING, Any

import orjson

from analyzer.bundle.event_objects import is_known_only_from_events
from analyzer.bundle.model import CLUSTER_SCOPED_KINDS, Bundle, file_line_offset, ref_of
from analyzer.bundle.values import format_time, parse_time
from analyzer.engine.context import Evaluator, is_k8s_object, truthy
from analyzer.engine.evidence import EvidenceCollector, clip
from analyzer.engine.findings import (
    SEVERITY_RANK,
    AnalysisResult,
    Evidence,
    Finding,
    ObjectRef,
    RuleError,
    report_order,
)
from analyzer.engine.plan import RulePlan
from analyzer.engine.prefilter import KindPrefilter, prefilter_of
from analyzer.engine.textscan import MAX_MATCHES_KEPT, Group, TextScanner, file_info

if TYPE_CHECKING:
    from analyzer.engine.parallel import TextScan
from analyzer.rules.loader import LoadResult, load_rule_paths
from analyzer.rules.model import Rule

Progress = Callable[[int, int, str], None]
MAX_GROUP_EVIDENCE = 50  # affected objects listed as evidence of a grouped finding


def load_rules(paths: Iterable[str | Path] = (), builtin: bool = True, cache: bool = False) -> LoadResult:
    """Load and lint rules: the built-in pack (when ``builtin``) plus files/directories.

    Returns a :class:`LoadResult`: ``.rules`` (valid rules), ``.issues`` (lint problems,
    each ``FILE:LINE: RULE-ID: message``; rules with problems are left out).  ``cache``:
    reuse the pack compiled by an earlier run (:mod:`analyzer.rules.pack_cache`)."""
    return load_rule_paths([Path(p) for p in paths], builtin=builtin, cache=cache)


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
        # the producing tool's own verdicts: reported apart, never as findings
        **({"tool_verdicts": bundle.tool_verdicts} if bundle.tool_verdicts else {}),
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
    """Runs rules over one bundle.

    Object rules are dispatched per kind: each object is visited once, its context built
    once, and every rule of its kind evaluated on it, unless the object's JSON lacks what
    the rule needs (:mod:`analyzer.engine.prefilter`; ``prefilter=False`` evaluates all).
    The text files may have been scanned by a second process (:mod:`analyzer.engine.parallel`);
    the result is the same."""

    def __init__(self, bundle: Bundle, rules: list[Rule], profile: bool = False, progress: Progress | None = None,
                 prefilter: bool = True):
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
        self.profiling = profile
        self.progress = progress
        self._seen: set[tuple[Any, ...]] = set()
        # grouping rules: rule id -> group key -> members (context, objects, automatic evidence)
        self._groups: dict[str, dict[bytes, list[tuple[dict[str, Any], list[ObjectRef], Any]]]] = {}
        self.plans = _Plans(rules)  # built when a rule first runs: most rules have nothing to look at
        self.prefilters = {r.id: prefilter_of(r) if prefilter else None for r in rules}

    def _time(self, rule_id: str, seconds: float) -> None:
        self.profile[rule_id] = self.profile.get(rule_id, 0.0) + seconds

    # ------------------------------------------------------------------ findings
    def _state(self, rule: Rule, ctx: dict[str, Any]) -> tuple[str, str, str | None]:
        """(state, severity, since) of a finding made from ``ctx``."""
        ev = self.ev
        state, severity = "current", rule.severity
        if rule.history_when is not None and truthy(ev.eval(rule.history_when, ctx)):
            state, severity = "history", "info"
        since = None
        if rule.since is not None:
            v = ev.eval(rule.since, ctx)
            t = parse_time(v)
            since = format_time(t) if t is not None else (None if v is None else str(v))
        return state, severity, since

    def _emit(self, rule: Rule, ctx: dict[str, Any], default_objects: list[ObjectRef],
              auto_evidence: list[Evidence] | None = None) -> None:
        objects = _to_refs(self.ev.eval(rule.objects, ctx)) if rule.objects is not None else default_objects
        if rule.grouping is not None:
            key = self.ev.eval(rule.grouping.key, ctx)
            if key is not None and key != "" and key != []:
                group_key = orjson.dumps(key, option=orjson.OPT_SORT_KEYS, default=str)
                self._groups.setdefault(rule.id, {}).setdefault(group_key, []).append((ctx, objects, auto_evidence))
                return
        self._add_finding(rule, ctx, objects, *self._state(rule, ctx), auto_evidence)

    def _add_finding(self, rule: Rule, ctx: dict[str, Any], objects: list[ObjectRef], state: str, severity: str,
                     since: str | None, auto_evidence: list[Evidence] | None = None,
                     group: dict[str, Any] | None = None) -> None:
        evidence = list(auto_evidence or []) + self.evidence.collect(rule, ctx)
        tctx = rule.finding_context(ctx)
        message = rule.message.render(tctx).strip()
        remediation = rule.remediation.render(tctx).strip()
        key = (rule.id, tuple(str(o) for o in objects), message)
        if key in self._seen:
            return
        self._seen.add(key)
        if group is not None:
            evidence += [Evidence(type="object", label=f"affected (grouped by {group['by']})",
                                  value={"kind": o.kind, "namespace": o.namespace, "name": o.name})
                         for o in objects[:MAX_GROUP_EVIDENCE]]
        self.findings.append(Finding(
            rule_id=rule.id, severity=severity, title=rule.title, category=rule.category, message=message,
            objects=objects, evidence=evidence, remediation=remediation, references=list(rule.references),
            scenarios=list(rule.scenarios), state=state, since=since, source=rule.source, group=group,
        ))

    def flush_groups(self) -> None:
        """One finding per group of a grouping rule (:class:`analyzer.rules.model.Grouping`):
        made from the context of its first member (by object name) plus ``group`` (key, label, size, objects,
        members), listing every member's objects; current when any member is."""
        by_id = {r.id: r for r in self.rules}
        for rule_id, groups in self._groups.items():
            rule = by_id[rule_id]
            grouping = rule.grouping
            assert grouping is not None
            for members in groups.values():
                # members in the order of their objects: the finding is filed under the first one by name
                members.sort(key=lambda m: [str(o) for o in m[1]])
                first_ctx = members[0][0]
                try:
                    key = self.ev.eval(grouping.key, first_ctx)
                    objects: list[ObjectRef] = []
                    if grouping.object is not None:
                        objects += _to_refs(self.ev.eval(grouping.object, first_ctx))
                    for _ctx, refs, _auto in members:
                        objects += [o for o in refs if o not in objects]
                    states = [self._state(rule, m[0]) for m in members]
                    current = [st for st in states if st[0] == "current"]
                    state, severity = ("current", rule.severity) if current else ("history", "info")
                    times = sorted(st[2] for st in states if st[2])
                    ctx = dict(self.plans[rule.id].complete(first_ctx, self.ev.fns))
                    ctx["group"] = {"key": key, "label": grouping.label, "size": len(members),
                                    "objects": [str(o) for o in objects], "members": [m[0] for m in members]}
                    self._add_finding(rule, ctx, objects, state, severity, times[0] if times else None,
                                      members[0][2], {"by": grouping.label, "key": _key_text(key),
                                                      "size": len(members)})
                except Exception as e:  # noqa: BLE001 - any failure is this rule's, not the analysis'
                    self.errors.append(RuleError(rule.id, f"{_describe(e)} (grouping its findings)", rule.source))
                    break
        self._groups.clear()

    def _evaluate(self, rule: Rule, ctx: dict[str, Any], default_objects: Any, owned: bool = True) -> None:
        # a grouping rule's members compute only what their key and objects read; the finding's
        # member is completed when the group is made
        full = self.plans[rule.id].holds(ctx, self.ev.fns, owned, complete=rule.grouping is None)
        if full is not None:
            self._emit(rule, full, default_objects() if callable(default_objects) else default_objects)

    def _run_each(self, rule: Rule, base: dict[str, Any], default_objects: Any, owned: bool = True) -> None:
        """``default_objects``: the finding's objects when the rule gives none (a callable that
        computes them, called only for a finding), or None for "item, when it is an object".
        ``owned``: False when ``base`` is shared with other rules (it is then never written)."""
        if rule.each is None:
            self._evaluate(rule, base, default_objects if default_objects is not None else [], owned)
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

    def run_object_rules(self, rules: list[Rule]) -> None:
        """Every object rule over the objects of its kind: each object is visited once, its
        context built once and shared by the rules of its kind."""
        by_kind: dict[str, list[Rule]] = {}
        for rule in rules:
            assert rule.kind is not None
            by_kind.setdefault(rule.kind, []).append(rule)
        total = sum(len(self.bundle.objects(k)) for k in by_kind)
        done = 0
        profiling = self.profiling
        for kind, kind_rules in by_kind.items():
            objs = self.bundle.objects(kind)
            if not objs:
                for rule in kind_rules:
                    self.skipped.append({"rule_id": rule.id, "reason": f"no {kind} objects in the bundle"})
                continue
            always = [r for r in kind_rules if self.prefilters[r.id] is None]
            filtered = {r.id: r for r in kind_rules if self.prefilters[r.id] is not None}
            events_of = self.bundle.events_for
            checker = KindPrefilter([self.prefilters[rid] for rid in filtered], events_of) if filtered else None  # type: ignore[misc]
            stopped: set[str] = set()
            for obj in objs:
                if self.progress is not None and done % 500 == 0:
                    self.progress(done, total, f"{kind} objects")
                done += 1
                active = always
                if checker is not None:
                    t0 = time.perf_counter() if profiling else 0.0
                    active = always + [filtered[rid] for rid in checker.passing(obj)]
                    if done % 64 == 0 and any([pf.adapt() for pf in checker.prefilters]):
                        # requirements most objects meet were dropped; rules left without any run always
                        always = always + [filtered.pop(pf.rule_id) for pf in checker.prefilters if not pf.clauses]
                        kept = [pf for pf in checker.prefilters if pf.clauses]
                        checker = KindPrefilter(kept, events_of) if kept else None
                    if profiling:
                        self._time("(object prefilters)", time.perf_counter() - t0)
                if stopped:
                    active = [r for r in active if r.id not in stopped]
                if active and is_known_only_from_events(obj):
                    active = [r for r in active if r.known_from_events]
                if not active:
                    continue
                base = self.ev.object_context(obj)
                refs = _DefaultRefs(obj)
                for rule in active:
                    t0 = time.perf_counter() if profiling else 0.0
                    try:
                        self._run_each(rule, base, refs, owned=False)
                    except Exception as e:  # noqa: BLE001 - any failure is this rule's, not the analysis'
                        r = ref_of(obj)
                        where = "/".join(x for x in (r["kind"], r["namespace"], r["name"]) if x)
                        self.errors.append(RuleError(rule.id, f"{_describe(e)} (evaluating {where})", rule.source))
                        stopped.add(rule.id)  # a rule stops at its first error
                    if profiling:
                        self._time(rule.id, time.perf_counter() - t0)

    def run_bundle_rule(self, rule: Rule) -> None:
        try:
            self._run_each(rule, self.ev.bundle_context(), None)
        except Exception as e:
            raise _RuleFailed(e, "evaluating the bundle") from e

    def _run_rule(self, rule: Rule) -> None:
        t0 = time.perf_counter()
        try:
            if rule.scope == "object":
                self.run_object_rules([rule])
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

    def scan_text_files(self, text_scan: TextScan | None = None) -> TextScanner:
        """The one pass of all text rules over the text files (matches, not yet findings):
        the files ``text_scan``'s child process scanned are taken from it."""
        scanner = TextScanner(self.bundle, [r for r in self.rules if r.scope == "text"])
        scanned = None
        done = text_scan.result() if text_scan is not None else None
        if done is not None:
            scanned, failed, problems, profile = done
            scanner.failed.update(failed)
            have = {(p.path, p.error) for p in self.bundle.problems}
            for prob in problems:
                if (prob["path"], prob["error"]) not in have:
                    self.bundle.add_problem(prob["path"], prob["error"])
            for key, secs in profile.items():
                self._time(key, secs)
        total = len(self.bundle.logs) + len(self.bundle.node_files) + len(self.bundle.other_files)

        def on_file(i: int) -> None:
            if self.progress is not None and i % 50 == 0:
                self.progress(i, total, "text files")

        scanner.scan(self._time, on_file, scanned)
        return scanner

    def run_text_rules(self, text_scan: TextScan | None = None) -> None:
        """Findings of the text rules (``text_scan``: a child process scanning the files)."""
        text_rules = [r for r in self.rules if r.scope == "text"]
        if not text_rules:
            return
        scanner = self.scan_text_files(text_scan)
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
                                 path=fh.tf.path,
                                 lines=[(m.line + file_line_offset(fh.tf), clip(m.text)) for m in list(fh.matches)[-20:]])
                        for fh in grp.files[:5]
                    ]
                    full = self.plans[rule.id].holds(ctx, self.ev.fns, True)
                    if full is not None:
                        self._emit(rule, full, refs, auto)
            except Exception as e:  # noqa: BLE001
                self.errors.append(RuleError(rule.id, _describe(e), rule.source))
            finally:
                self._time(rule.id, time.perf_counter() - t0)

    # ------------------------------------------------------------------ all
    def run_bundle_rules(self) -> None:
        rules = [r for r in self.rules if r.scope == "bundle"]
        for i, rule in enumerate(rules):
            if self.progress is not None:
                self.progress(i, len(rules), rule.id)
            self._run_rule(rule)

    def run(self, text_scan: TextScan | None = None) -> None:
        """Run every rule.  ``text_scan``: a child process scanning the text files meanwhile
        (:mod:`analyzer.engine.parallel`), whose matches the text rules use."""
        self.run_object_rules([r for r in self.rules if r.scope == "object"])
        self.run_bundle_rules()
        self.flush_groups()
        self.ev.fns.clear_caches()
        self.run_text_rules(text_scan)
        self.ev.fns.clear_caches()


def _key_text(key: Any) -> str:
    return key if isinstance(key, str) else orjson.dumps(key, option=orjson.OPT_SORT_KEYS, default=str).decode()


class _Plans(dict[str, RulePlan]):
    """Rule id -> its :class:`RulePlan`, built on first use."""

    def __init__(self, rules: list[Rule]):
        super().__init__()
        self.rules = {r.id: r for r in rules}

    def __missing__(self, rule_id: str) -> RulePlan:
        plan = self[rule_id] = RulePlan(self.rules[rule_id])
        return plan


class _DefaultRefs:
    """The default objects of a finding on ``obj`` (computed only for a finding)."""

    __slots__ = ("obj",)

    def __init__(self, obj: dict[str, Any]):
        self.obj = obj

    def __call__(self) -> list[ObjectRef]:
        return _to_refs(self.obj)


def analyze_bundle(
    bundle: Bundle,
    rules: list[Rule] | LoadResult,
    waivers: list[Any] | None = None,
    profile: bool = False,
    progress: Progress | None = None,
    today: date | None = None,
    text_scan: TextScan | None = None,
) -> AnalysisResult:
    """Run ``rules`` over ``bundle``.  ``waivers`` (from :func:`analyzer.engine.waivers.load_waivers`)
    mark matching findings as waived; expiry is checked against ``today`` (default: the
    wall-clock date).  ``profile`` fills ``result.profile`` (seconds per rule).  ``text_scan``:
    the child process started while reading the bundle (``open_bundle(on_source=...)``)."""
    rule_list = rules.rules if isinstance(rules, LoadResult) else list(rules)
    engine = Engine(bundle, rule_list, profile=profile, progress=progress)
    engine.run(text_scan)
    findings = sorted(engine.findings, key=report_order)
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
