"""Rule files -> compiled rules, with every problem reported as ``FILE:LINE: RULE-ID: msg``.

Loading is linting: a rule with any problem is not returned (its problems are); the other
rules of the file still load.  Checks: YAML syntax, file shape, unknown and missing keys,
types and enumerations, JMESPath syntax, unknown functions and argument counts, unknown
``$variables``, regex syntax and catastrophic backtracking, Jinja syntax and filters,
inline examples (at least one ``match`` and one ``no_match``), duplicate ids across all
loaded files.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.rules.expr import Expr, ExprError, compile_expr
from analyzer.rules.files import builtin_rules_dir, rule_sources  # noqa: F401 - builtin_rules_dir re-exported
from analyzer.rules.model import (
    BASE_VARIABLES,
    CATEGORIES,
    DEFAULT_TAIL,
    GROUP_BY,
    MAX_TAIL,
    SCOPES,
    SEVERITIES,
    TEXT_VARIABLES,
    EvidenceSpec,
    LintIssue,
    Rule,
)
from analyzer.rules.regex import check_regex, required_literals
from analyzer.rules.templates import Template, TemplateError, compile_template
from analyzer.rules.yamlpos import Pos, YamlError, load_with_positions

RULE_KEYS = (
    "id", "title", "severity", "category", "scenarios", "scope", "kind", "description", "each", "let", "when",
    "history_when", "since", "objects", "evidence", "message", "remediation", "references", "examples",
    "files", "pattern", "min_count", "group_by",
)
REQUIRED_KEYS = ("id", "title", "severity", "category", "scope", "message", "remediation", "examples")
TEXT_ONLY_KEYS = ("files", "pattern", "min_count", "group_by")
EVIDENCE_TYPES = ("field", "log", "node_file", "events", "objects")
EVIDENCE_KEYS = {
    "log": ("container", "previous", "tail", "grep", "pod"),
    "node_file": ("path", "grep", "tail", "node"),
    "events": ("reason", "type", "of", "tail"),
}
EXAMPLE_KEYS = ("name", "expect", "objects", "files", "cluster_version", "collected_at", "count")
ID_RE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")


@dataclass
class LoadResult:
    rules: list[Rule] = field(default_factory=list)
    issues: list[LintIssue] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    ids: list[tuple[str, int]] = field(default_factory=list)  # (id, line) of every rule read, valid or not

    @property
    def ok(self) -> bool:
        return not self.issues


def _suggest(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if key == "for":
        return " (use scope: object and kind: KIND)"
    return f" (did you mean '{close[0]}'?)" if close else ""


class _RuleCompiler:
    """Compiles one raw rule mapping, collecting issues with lines."""

    def __init__(self, raw: dict[str, Any], pos: Pos, source: str):
        self.raw = raw
        self.pos = pos
        self.source = source
        self.issues: list[LintIssue] = []
        rid = raw.get("id")
        self.rule_id = rid if isinstance(rid, str) else ""

    def err(self, line: int, msg: str) -> None:
        self.issues.append(LintIssue(self.source, line, self.rule_id, msg))

    def line(self, key: str) -> int:
        return self.pos.key_line(key)

    # ------------------------------------------------------------ pieces
    def expr(self, value: Any, line: int, known_vars: set[str], what: str) -> Expr | None:
        try:
            e = compile_expr(value)
        except ExprError as ex:
            self.err(line, f"{what}: {ex}")
            return None
        for v in e.variables:
            if v not in known_vars:
                self.err(line, f"{what}: unknown variable ${v} (defined: {', '.join(sorted(known_vars))})")
                return None
        return e

    def template(self, value: Any, line: int, what: str) -> Template | None:
        if value is not None and not isinstance(value, str | int | float):
            self.err(line, f"{what} must be a string")
            return None
        try:
            return compile_template(value)
        except TemplateError as ex:
            self.err(line, f"{what}: {ex}")
            return None

    def regex(self, value: Any, line: int, what: str, flags: int = 0) -> re.Pattern[str] | None:
        problem = check_regex(value, flags)
        if problem:
            self.err(line, f"{what}: {problem}")
            return None
        return re.compile(value, flags)

    def str_list(self, key: str) -> list[str]:
        v = self.raw.get(key)
        if v is None:
            return []
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
            self.err(self.line(key), f"'{key}' must be a list of strings")
            return []
        return v

    def tail(self, spec: dict[str, Any], line: int) -> int:
        t = spec.get("tail", DEFAULT_TAIL)
        if isinstance(t, bool) or not isinstance(t, int) or t < 1:
            self.err(line, f"tail must be a positive integer, got {t!r}")
            return DEFAULT_TAIL
        return min(t, MAX_TAIL)

    # ------------------------------------------------------------ the rule
    def compile(self) -> Rule | None:
        raw = self.raw
        for key in raw:
            if not isinstance(key, str) or key not in RULE_KEYS:
                self.err(self.line(key), f"unknown key '{key}'{_suggest(str(key), RULE_KEYS)}")
        for key in REQUIRED_KEYS:
            if key not in raw or raw[key] is None:
                self.err(self.pos.line, f"missing required key '{key}'")
        rid = raw.get("id")
        if "id" in raw and (not isinstance(rid, str) or not ID_RE.match(rid)):
            self.err(self.line("id"), f"id {rid!r} must be UPPER-CASE-WITH-DASHES")
        for key, allowed in (("severity", SEVERITIES), ("category", CATEGORIES), ("scope", SCOPES)):
            if key in raw and raw[key] not in allowed:
                self.err(self.line(key), f"{key} {raw[key]!r} must be one of {', '.join(allowed)}")
        if "title" in raw and (not isinstance(raw["title"], str) or not raw["title"].strip()):
            self.err(self.line("title"), "title must be a non-empty string")
        scope = raw.get("scope")
        kind = raw.get("kind")
        if scope == "object":
            if not isinstance(kind, str) or not kind:
                self.err(self.line("kind") if "kind" in raw else self.pos.line,
                         "object scope needs 'kind' (the Kubernetes kind, e.g. Pod)")
        elif "kind" in raw and scope in SCOPES:
            self.err(self.line("kind"), f"'kind' is only for scope: object (this rule has scope: {scope})")
        if scope != "text":
            for key in TEXT_ONLY_KEYS:
                if key in raw:
                    self.err(self.line(key), f"'{key}' is only for scope: text")
        elif "each" in raw:
            self.err(self.line("each"), "'each' is not available in scope: text (use group_by)")

        known = set(BASE_VARIABLES) | (set(TEXT_VARIABLES) if scope == "text" else set())
        each = self.expr(raw["each"], self.line("each"), known, "each") if raw.get("each") is not None else None

        lets: list[tuple[str, Expr]] = []
        if raw.get("let") is not None:
            let = raw["let"]
            lpos = self.pos.child("let")
            if not isinstance(let, dict):
                self.err(self.line("let"), "'let' must be a mapping of name: expression")
            else:
                for name, value in let.items():
                    ln = lpos.key_line(name)
                    if not isinstance(name, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
                        self.err(ln, f"let name {name!r} must be an identifier")
                        continue
                    if name in BASE_VARIABLES or name in TEXT_VARIABLES:
                        self.err(ln, f"let name '{name}' is reserved")
                        continue
                    e = self.expr(value, ln, known, f"let {name}")
                    if e is not None:
                        lets.append((name, e))
                    known.add(name)

        whens: list[Expr] = []
        if raw.get("when") is not None:
            w = raw["when"]
            items = w if isinstance(w, list) else [w]
            wpos = self.pos.child("when")
            for i, cond in enumerate(items):
                ln = wpos.key_line(i) if isinstance(w, list) else self.line("when")
                e = self.expr(cond, ln, known, "when")
                if e is not None:
                    whens.append(e)
        let_index = {name: i for i, (name, _e) in enumerate(lets, 1)}
        when_after = []
        for w in whens:
            reads = w.context_reads
            when_after.append(len(lets) if reads is None else max((let_index.get(n, 0) for n in reads), default=0))
        history_when = since = objects = None
        if raw.get("history_when") is not None:
            history_when = self.expr(raw["history_when"], self.line("history_when"), known, "history_when")
        if raw.get("since") is not None:
            since = self.expr(raw["since"], self.line("since"), known, "since")
        if raw.get("objects") is not None:
            objects = self.expr(raw["objects"], self.line("objects"), known, "objects")

        evidence = self.evidence(known)
        message = self.template(raw.get("message"), self.line("message"), "message")
        remediation = self.template(raw.get("remediation"), self.line("remediation"), "remediation")
        references = self.str_list("references")
        scenarios = self.str_list("scenarios")
        description = raw.get("description") or ""
        if not isinstance(description, str):
            self.err(self.line("description"), "description must be a string")

        files: list[str] = []
        files_re = pattern = None
        literals: list[str] | None = None
        min_count, group_by = 1, "file"
        if scope == "text":
            files = self.str_list("files")
            if not files and "files" in raw:
                self.err(self.line("files"), "'files' must list at least one glob")
            elif "files" not in raw:
                self.err(self.pos.line, "text scope needs 'files' (globs of bundle paths)")
            if files:
                files_re = re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in files))
            if "pattern" not in raw:
                self.err(self.pos.line, "text scope needs 'pattern' (a regex matched per line)")
            else:
                pattern = self.regex(raw["pattern"], self.line("pattern"), "pattern", re.MULTILINE)
                literals = required_literals(raw["pattern"], re.MULTILINE) if pattern is not None else None
            mc = raw.get("min_count", 1)
            if isinstance(mc, bool) or not isinstance(mc, int) or mc < 1:
                self.err(self.line("min_count"), f"min_count must be a positive integer, got {mc!r}")
            else:
                min_count = mc
            group_by = raw.get("group_by", "file")
            if group_by not in GROUP_BY:
                self.err(self.line("group_by"), f"group_by {group_by!r} must be one of {', '.join(GROUP_BY)}")
        examples = self.examples(scope)

        if self.issues:
            return None
        assert message is not None and remediation is not None
        return Rule(
            id=rid, title=raw["title"].strip(), severity=raw["severity"], category=raw["category"], scope=scope,
            message=message, remediation=remediation, source=self.source, line=self.pos.line,
            scenarios=scenarios, kind=kind if scope == "object" else None, description=description.strip(),
            each=each, let=lets, when=whens, when_after=when_after, history_when=history_when, since=since, objects=objects,
            evidence=evidence, references=references, examples=examples, files=files, files_re=files_re,
            pattern=pattern, pattern_literals=literals, min_count=min_count, group_by=group_by, raw=raw,
        )

    def evidence(self, known: set[str]) -> list[EvidenceSpec]:
        ev = self.raw.get("evidence")
        if ev is None:
            return []
        if not isinstance(ev, list):
            self.err(self.line("evidence"), "'evidence' must be a list")
            return []
        out: list[EvidenceSpec] = []
        epos = self.pos.child("evidence")
        for i, item in enumerate(ev):
            ln = epos.key_line(i)
            ipos = epos.child(i)
            if not isinstance(item, dict):
                self.err(ln, "evidence item must be a mapping such as {field: EXPR}")
                continue
            types = [k for k in item if k in EVIDENCE_TYPES]
            for k in item:
                if k not in EVIDENCE_TYPES and k != "label":
                    self.err(ipos.key_line(k), f"unknown evidence key '{k}'{_suggest(str(k), EVIDENCE_TYPES)}")
            if len(types) != 1:
                self.err(ln, f"evidence item needs exactly one of {', '.join(EVIDENCE_TYPES)}")
                continue
            t = types[0]
            label = item.get("label")
            if label is not None and not isinstance(label, str):
                self.err(ipos.key_line("label"), "label must be a string")
                label = None
            spec = EvidenceSpec(type=t, label=label or "")
            body = item[t]
            bline = ipos.key_line(t)
            bpos = ipos.child(t)
            if t in ("field", "objects"):
                spec.expr = self.expr(body, bline, known, f"evidence {t}")
                if not spec.label and isinstance(body, str):
                    spec.label = body
                out.append(spec)
                continue
            if body is None:
                body = {}
            if not isinstance(body, dict):
                self.err(bline, f"evidence {t} must be a mapping")
                continue
            for k in body:
                if k not in EVIDENCE_KEYS[t]:
                    self.err(bpos.key_line(k), f"unknown key '{k}' in evidence {t}{_suggest(str(k), EVIDENCE_KEYS[t])}")
            if "grep" in body:
                spec.grep = self.regex(body["grep"], bpos.key_line("grep"), f"evidence {t} grep")
            spec.tail = self.tail(body, bpos.key_line("tail"))
            if t == "log":
                if "container" in body:
                    spec.container = self.template(body["container"], bpos.key_line("container"), "log container")
                prev = body.get("previous", False)
                if not isinstance(prev, bool):
                    self.err(bpos.key_line("previous"), "previous must be true or false")
                spec.previous = bool(prev)
                if body.get("pod") is not None:
                    spec.expr = self.expr(body["pod"], bpos.key_line("pod"), known, "evidence log pod")
            elif t == "node_file":
                path = body.get("path")
                if not isinstance(path, str) or not path.strip("/"):
                    self.err(bline, "evidence node_file needs 'path' (e.g. commands/dmesg.txt)")
                else:
                    spec.path = path.strip("/")
                if body.get("node") is not None:
                    spec.node = self.template(body["node"], bpos.key_line("node"), "node_file node")
            elif t == "events":
                if body.get("reason") is not None:
                    spec.reason = self.regex(body["reason"], bpos.key_line("reason"), "evidence events reason")
                et = body.get("type")
                if et is not None and et not in ("Warning", "Normal"):
                    self.err(bpos.key_line("type"), f"events type {et!r} must be Warning or Normal")
                spec.event_type = et
                if body.get("of") is not None:
                    spec.expr = self.expr(body["of"], bpos.key_line("of"), known, "evidence events of")
                if "tail" not in body:
                    spec.tail = 10
            out.append(spec)
        return out

    def examples(self, scope: Any) -> list[dict[str, Any]]:
        exs = self.raw.get("examples")
        if exs is None:
            return []
        if not isinstance(exs, list):
            self.err(self.line("examples"), "'examples' must be a list")
            return []
        xpos = self.pos.child("examples")
        expects: set[str] = set()
        out = []
        for i, ex in enumerate(exs):
            ln = xpos.key_line(i)
            ipos = xpos.child(i)
            if not isinstance(ex, dict):
                self.err(ln, "example must be a mapping with expect and objects")
                continue
            for k in ex:
                if k not in EXAMPLE_KEYS:
                    self.err(ipos.key_line(k), f"unknown example key '{k}'{_suggest(str(k), EXAMPLE_KEYS)}")
            exp = ex.get("expect")
            if exp not in ("match", "no_match"):
                self.err(ipos.key_line("expect") if "expect" in ex else ln,
                         f"example expect must be match or no_match, got {exp!r}")
            else:
                expects.add(exp)
            objs = ex.get("objects", [])
            if not isinstance(objs, list):
                self.err(ipos.key_line("objects"), "example objects must be a list of Kubernetes objects")
            else:
                opos = ipos.child("objects")
                for j, o in enumerate(objs):
                    md = o.get("metadata") if isinstance(o, dict) else None
                    if not isinstance(o, dict) or not isinstance(o.get("kind"), str) or not isinstance(md, dict) \
                            or not isinstance(md.get("name"), str):
                        self.err(opos.key_line(j), "example object needs kind and metadata.name")
            files = ex.get("files", {})
            if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                      for k, v in files.items()):
                self.err(ipos.key_line("files"), "example files must map bundle paths to text")
            cnt = ex.get("count")
            if cnt is not None and (isinstance(cnt, bool) or not isinstance(cnt, int) or cnt < 0):
                self.err(ipos.key_line("count"), "example count must be a non-negative integer")
            if not objs and not files and scope != "bundle" and exp == "match":
                self.err(ln, "a match example needs objects (or files for text rules)")
            out.append(ex)
        if "match" not in expects or "no_match" not in expects:
            missing = " and ".join(x for x in ("match", "no_match") if x not in expects)
            self.err(self.line("examples"), f"examples need at least one expect: {missing}")
        return out


def compile_rule(raw: dict[str, Any], pos: Pos, source: str) -> tuple[Rule | None, list[LintIssue]]:
    c = _RuleCompiler(raw, pos, source)
    rule = c.compile()
    return rule, c.issues


def load_rule_text(text: str, source: str) -> LoadResult:
    """Compile every rule of one file's text."""
    res = LoadResult(files=[source])
    try:
        data, pos = load_with_positions(text)
    except YamlError as e:
        res.issues.append(LintIssue(source, e.line, "", e.message))
        return res
    rules_pos = pos
    if isinstance(data, dict) and "rules" in data:
        extra = [k for k in data if k != "rules"]
        for k in extra:
            res.issues.append(LintIssue(source, pos.key_line(k), "", f"unknown top-level key '{k}'"))
        rules_pos = pos.child("rules")
        data = data["rules"]
    if data is None:
        return res  # an empty file holds no rules
    if not isinstance(data, list):
        res.issues.append(LintIssue(source, rules_pos.line, "", "a rule file is a list of rules (or rules: [...])"))
        return res
    for i, raw in enumerate(data):
        rpos = rules_pos.child(i)
        if not isinstance(raw, dict):
            res.issues.append(LintIssue(source, rpos.line, "", f"rule #{i + 1} must be a mapping"))
            continue
        if isinstance(raw.get("id"), str):
            res.ids.append((raw["id"], rpos.line))
        rule, issues = compile_rule(raw, rpos, source)
        res.issues.extend(issues)
        if rule is not None:
            res.rules.append(rule)
    return res


def load_rule_paths(paths: list[Path], builtin: bool = False, cache: bool = False) -> LoadResult:
    """Load the built-in pack (if ``builtin``) and every rule file of ``paths`` (files or
    directories, ``*.yaml``/``*.yml`` recursively).  Duplicate ids are issues; the first
    occurrence is kept.  ``cache``: reuse the result of an earlier load of the same files
    (:mod:`analyzer.rules.pack_cache`) instead of linting and compiling them again."""
    sources, missing = rule_sources(paths, builtin)
    if cache and not missing:
        from analyzer.rules.pack_cache import cached_load

        return cached_load(sources, lambda: _load_sources(sources, []))
    return _load_sources(sources, [LintIssue(m, 0, "", "no such file or directory") for m in missing])


def _load_sources(sources: list[tuple[Path, str]], missing: list[LintIssue]) -> LoadResult:
    res = LoadResult(issues=list(missing))
    seen: dict[str, str] = {}  # id -> "file:line" of its first definition
    for p, shown in sources:
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            res.issues.append(LintIssue(shown, 0, "", f"cannot read: {e}"))
            continue
        one = load_rule_text(text, shown)
        res.files.append(shown)
        res.issues.extend(one.issues)
        duplicates: set[int] = set()
        for rid, line in one.ids:
            first = seen.get(rid)
            if first is not None:
                res.issues.append(LintIssue(shown, line, rid, f"duplicate id (first defined at {first})"))
                duplicates.add(line)
            else:
                seen[rid] = f"{shown}:{line}"
        res.rules.extend(r for r in one.rules if r.line not in duplicates)
    return res
