"""Rule files -> compiled rules, with every problem reported as ``FILE:LINE: RULE-ID: msg``.

Loading is linting: a rule with any problem is not returned (its problems are); the other
rules of the file still load.  Checks: YAML syntax, file shape, unknown and missing keys,
types and enumerations, JMESPath syntax, unknown functions and argument counts, unknown
``$variables``, regex syntax and what RE2 cannot run, Jinja syntax and filters,
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

from analyzer.rules.defs import NAME_RE, Defs, check_defs, extend_tables, load_defs, table_expr
from analyzer.rules.expr import Expr, ExprError, compile_expr, expr_from_tree
from analyzer.rules.files import (  # noqa: F401 - builtin_rules_dir and DEFS_DIR re-exported
    DEFS_DIR,
    builtin_rules_dir,
    implicit_sources,
    rule_sources,
)
from analyzer.rules.model import (
    BASE_VARIABLES,
    CATEGORIES,
    DEFAULT_TAIL,
    GROUP_BY,
    MAX_TAIL,
    SCOPES,
    SEVERITIES,
    TEXT_VARIABLES,
    ClassCase,
    Classification,
    EvidenceSpec,
    Grouping,
    LintIssue,
    Rule,
)
from analyzer.rules.regex import Regex, check_regex, required_literals
from analyzer.rules.templates import Template, TemplateError, compile_template
from analyzer.rules.yamlpos import Pos, YamlError, load_with_positions

RULE_KEYS = (
    "id", "title", "severity", "category", "scenarios", "scope", "kind", "description", "tables", "each", "let",
    "classify", "when", "history_when", "since", "objects", "group_by", "evidence", "message", "remediation",
    "references", "examples", "files", "pattern", "min_count", "known_from_events",
)
REQUIRED_KEYS = ("id", "title", "severity", "category", "scope", "message", "remediation", "examples")
TEXT_ONLY_KEYS = ("files", "pattern", "min_count")
CLASSIFY_KEYS = ("of", "cases")
CASE_KEYS = ("match", "id", "text", "remediation")
GROUPING_KEYS = ("key", "label", "object")
CASE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
EVIDENCE_TYPES = ("field", "log", "node_file", "events", "objects")
EVIDENCE_KEYS = {
    "log": ("container", "previous", "tail", "grep", "pod"),
    "node_file": ("path", "grep", "tail", "node"),
    "events": ("reason", "type", "of", "tail"),
}
EXAMPLE_KEYS = ("name", "expect", "objects", "files", "cluster_version", "collected_at", "count")
FILE_KEYS = ("rules", "defs", "tables", "extend_tables")
ID_RE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")


@dataclass
class LoadResult:
    rules: list[Rule] = field(default_factory=list)
    issues: list[LintIssue] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    ids: list[tuple[str, int]] = field(default_factory=list)  # (id, line) of every rule read, valid or not
    defs: Defs = field(default_factory=Defs)  # the defs and tables of every file read

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

    def __init__(self, raw: dict[str, Any], pos: Pos, source: str, defs: Defs):
        self.defs = defs
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

    def regex(self, value: Any, line: int, what: str, flags: int = 0) -> Regex | None:
        problem = check_regex(value, flags)
        if problem:
            self.err(line, f"{what}: {problem}")
            return None
        return Regex(value, flags)

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
    def compile(self) -> Rule | None:  # noqa: C901 - one check per rule key, each with its own message
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
        known_from_events = raw.get("known_from_events", False)
        if not isinstance(known_from_events, bool):
            self.err(self.line("known_from_events"), "known_from_events must be true or false")
            known_from_events = False
        elif known_from_events and scope != "object":
            self.err(self.line("known_from_events"), "'known_from_events' is only for scope: object")

        known = set(BASE_VARIABLES) | (set(TEXT_VARIABLES) if scope == "text" else set()) | self.defs.names()
        tables = self.tables()
        known |= {name for name, _e in tables}
        each = self.expr(raw["each"], self.line("each"), known, "each") if raw.get("each") is not None else None
        if each is not None:  # evaluated before any let: defs and tables are written into it
            each = Defs(self.defs.exprs, {**self.defs.tables, **dict(tables)}).inline(each)
        lets = tables + self.lets(known)
        classify = self.classify(known, lets)
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
            if not isinstance(group_by, str) or group_by not in GROUP_BY:
                self.err(self.line("group_by"), f"group_by {group_by!r} must be one of {', '.join(GROUP_BY)}")
        grouping = self.grouping(known, scope)
        examples = self.examples(scope)

        if self.issues:
            return None
        # Checked above (required, id pattern, scope in SCOPES): no issues means both are strings.
        assert message is not None and remediation is not None and isinstance(rid, str) and isinstance(scope, str)
        exprs = [e for _n, e in lets] + whens + [x for x in (history_when, since, objects) if x is not None]
        exprs += [ev.expr for ev in evidence if ev.expr is not None]
        if grouping is not None:
            exprs += [x for x in (grouping.key, grouping.object) if x is not None]
        templates = [message, remediation] + [t for ev in evidence for t in (ev.container, ev.node) if t is not None]
        templates += [t for c in classify for case in c.cases for t in (case.text, case.remediation)]
        used = {v for e in exprs for v in e.variables} | {n for t in templates for n in t.names}
        own = {name for name, _e in lets}
        lets = self.defs.closure({n for n in used if n not in own}) + lets
        let_index = {name: i for i, (name, _e) in enumerate(lets, 1)}
        when_after = []
        for w in whens:
            reads = w.context_reads
            when_after.append(len(lets) if reads is None else max((let_index.get(n, 0) for n in reads), default=0))
        return Rule(
            id=rid, title=raw["title"].strip(), severity=raw["severity"], category=raw["category"], scope=scope,
            message=message, remediation=remediation, source=self.source, line=self.pos.line,
            scenarios=scenarios, kind=kind if scope == "object" else None, description=description.strip(),
            each=each, let=lets, when=whens, when_after=when_after, history_when=history_when, since=since, objects=objects,
            evidence=evidence, references=references, examples=examples, files=files, files_re=files_re,
            pattern=pattern, pattern_literals=literals, min_count=min_count, group_by=group_by, grouping=grouping,
            classify=classify, raw=raw, known_from_events=known_from_events,
        )

    def tables(self) -> list[tuple[str, Expr]]:
        """The rule's ``tables``: plain YAML data, each a ``let`` holding its value."""
        body = self.raw.get("tables")
        if body is None:
            return []
        if not isinstance(body, dict):
            self.err(self.line("tables"), "'tables' must be a mapping of name: data")
            return []
        tpos = self.pos.child("tables")
        out = []
        for name, value in body.items():
            if self.new_name(name, tpos.key_line(name), "table"):
                out.append((name, table_expr(name, value)))
        return out

    def new_name(self, name: Any, line: int, what: str) -> bool:
        """Can ``name`` be a new let/table/classify name of this rule?"""
        if not isinstance(name, str) or not re.match(NAME_RE, name):
            self.err(line, f"{what} name {name!r} must be an identifier")
            return False
        if name in BASE_VARIABLES or name in TEXT_VARIABLES:
            self.err(line, f"{what} name '{name}' is reserved")
            return False
        if name in self.defs.where:
            self.err(line, f"{what} name '{name}' is already a def or table ({self.defs.where[name]})")
            return False
        return True

    def lets(self, known: set[str]) -> list[tuple[str, Expr]]:
        """The rule's ``let`` values, in order; each name becomes known to what follows."""
        let = self.raw.get("let")
        if let is None:
            return []
        if not isinstance(let, dict):
            self.err(self.line("let"), "'let' must be a mapping of name: expression")
            return []
        lpos = self.pos.child("let")
        out: list[tuple[str, Expr]] = []
        for name, value in let.items():
            ln = lpos.key_line(name)
            if not self.new_name(name, ln, "let"):
                continue
            e = self.expr(value, ln, known, f"let {name}")
            if e is not None:
                out.append((name, e))
            known.add(name)
        return out

    def classify(self, known: set[str], lets: list[tuple[str, Expr]]) -> list[Classification]:
        """``classify: {NAME: {of: EXPR, cases: [{match, id, text, remediation}]}}``: each
        NAME becomes a let (after the rule's own) holding ``{id, match}`` of the first case
        whose regex ``of`` contains."""
        body = self.raw.get("classify")
        if body is None:
            return []
        if not isinstance(body, dict):
            self.err(self.line("classify"), "'classify' must map a name to {of: EXPR, cases: [...]}")
            return []
        cpos = self.pos.child("classify")
        out: list[Classification] = []
        for name, spec in body.items():
            ln = cpos.key_line(name)
            if not self.new_name(name, ln, "classify"):
                continue
            spos = cpos.child(name)
            if not isinstance(spec, dict) or "of" not in spec or not isinstance(spec.get("cases"), list):
                self.err(ln, f"classify {name} needs 'of' (an expression) and 'cases' (a list)")
                continue
            for k in spec:
                if k not in CLASSIFY_KEYS:
                    self.err(spos.key_line(k), f"unknown key '{k}' in classify {name}{_suggest(str(k), CLASSIFY_KEYS)}")
            of = self.expr(spec["of"], spos.key_line("of"), known, f"classify {name} of")
            cases = self.cases(spec["cases"], spos.child("cases"), name)
            known.add(name)
            if of is None or cases is None:
                continue
            table = [[c.match, c.id] for c in cases]
            tree = {"type": "function_expression", "value": "first_match",
                    "children": [of.parsed, {"type": "literal", "value": table, "children": []}]}
            lets.append((name, expr_from_tree(f"first_match({of.source}, <cases of classify {name}>)", tree)))
            out.append(Classification(name, cases))
        return out

    def cases(self, raw: list[Any], pos: Pos, name: str) -> list[ClassCase] | None:
        cases: list[ClassCase] = []
        ids: set[str] = set()
        ok = True
        for i, case in enumerate(raw):
            ln = pos.key_line(i)
            cp = pos.child(i)
            if not isinstance(case, dict):
                self.err(ln, f"classify {name}: a case is a mapping {{match, id, text, remediation}}")
                ok = False
                continue
            for k in case:
                if k not in CASE_KEYS:
                    self.err(cp.key_line(k), f"unknown key '{k}' in a case of classify {name}"
                                             f"{_suggest(str(k), CASE_KEYS)}")
                    ok = False
            cid = case.get("id")
            if not isinstance(cid, str) or not CASE_ID_RE.match(cid) or cid in ids:
                self.err(cp.key_line("id") if "id" in case else ln,
                         f"classify {name}: case id {cid!r} must be a unique lower-case-id")
                ok = False
                continue
            ids.add(cid)
            match = case.get("match")
            if match is None and i != len(raw) - 1:
                self.err(ln, f"classify {name}: only the last case may omit 'match' (the default)")
                ok = False
            if match is not None:
                problem = check_regex(match)
                if problem:
                    self.err(cp.key_line("match"), f"classify {name} case {cid}: {problem}")
                    ok = False
            text = self.template(case.get("text", ""), cp.key_line("text"), f"classify {name} case {cid} text")
            rem = self.template(case.get("remediation", ""), cp.key_line("remediation"),
                                f"classify {name} case {cid} remediation")
            if text is None or rem is None:
                ok = False
                continue
            cases.append(ClassCase(cid, match, text, rem))
        if not cases:
            self.err(pos.line, f"classify {name} needs at least one case")
        return cases if ok and cases else None

    def grouping(self, known: set[str], scope: Any) -> Grouping | None:
        """``group_by: {key: EXPR, label: TEXT, object: EXPR}`` (object and bundle scope)."""
        body = self.raw.get("group_by")
        if body is None or scope == "text":
            return None
        ln = self.line("group_by")
        if not isinstance(body, dict) or not isinstance(body.get("label"), str) or "key" not in body:
            self.err(ln, "group_by needs 'key' (an expression) and 'label' (what it groups by, e.g. node)")
            return None
        gpos = self.pos.child("group_by")
        for k in body:
            if k not in GROUPING_KEYS:
                self.err(gpos.key_line(k), f"unknown key '{k}' in group_by{_suggest(str(k), GROUPING_KEYS)}")
        key = self.expr(body["key"], gpos.key_line("key"), known, "group_by key")
        obj = self.expr(body["object"], gpos.key_line("object"), known, "group_by object") \
            if body.get("object") is not None else None
        if key is None:
            return None
        return Grouping(key=key, label=body["label"].strip(), object=obj)

    def evidence(self, known: set[str]) -> list[EvidenceSpec]:  # noqa: C901 - one check per evidence key and type
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


def compile_rule(raw: dict[str, Any], pos: Pos, source: str,
                 defs: Defs | None = None) -> tuple[Rule | None, list[LintIssue]]:
    c = _RuleCompiler(raw, pos, source, defs or Defs())
    rule = c.compile()
    return rule, c.issues


@dataclass
class _ParsedFile:
    """One rule file read: its rules (raw, with positions), or the problems reading it."""

    source: str
    data: Any = None
    pos: Pos | None = None
    rules: list[tuple[Any, Pos]] = field(default_factory=list)
    issues: list[LintIssue] = field(default_factory=list)


def _parse_file(text: str, source: str) -> _ParsedFile:
    """YAML and file shape: a list of rules, or a mapping with ``rules``, ``defs``, ``tables``."""
    pf = _ParsedFile(source)
    try:
        data, pos = load_with_positions(text)
    except YamlError as e:
        pf.issues.append(LintIssue(source, e.line, "", e.message))
        return pf
    pf.data, pf.pos = data, pos
    rules_pos = pos
    if isinstance(data, dict):
        for k in data:
            if k not in FILE_KEYS:
                pf.issues.append(LintIssue(source, pos.key_line(k), "", f"unknown top-level key '{k}'"
                                                                          f"{_suggest(str(k), FILE_KEYS)}"))
        rules_pos = pos.child("rules")
        data = data.get("rules")
    if data is None:
        return pf  # no rules (an empty file, or only defs and tables)
    if not isinstance(data, list):
        pf.issues.append(LintIssue(source, rules_pos.line, "", "a rule file is a list of rules (or rules: [...])"))
        return pf
    pf.rules = [(raw, rules_pos.child(i)) for i, raw in enumerate(data)]
    return pf


def _gather_defs(files: list[_ParsedFile], defs: Defs) -> list[LintIssue]:
    issues: list[LintIssue] = []
    for pf in files:
        if isinstance(pf.data, dict) and pf.pos is not None:
            issues += load_defs(pf.data, pf.pos, pf.source, defs)
    for pf in files:  # once every table is known, whichever file defines it
        if isinstance(pf.data, dict) and pf.pos is not None:
            issues += extend_tables(pf.data, pf.pos, pf.source, defs)
    return issues + check_defs(defs)


def _compile_file(pf: _ParsedFile, defs: Defs) -> LoadResult:
    res = LoadResult(files=[pf.source], issues=list(pf.issues))
    for i, (raw, rpos) in enumerate(pf.rules):
        if not isinstance(raw, dict):
            res.issues.append(LintIssue(pf.source, rpos.line, "", f"rule #{i + 1} must be a mapping"))
            continue
        if isinstance(raw.get("id"), str):
            res.ids.append((raw["id"], rpos.line))
        rule, issues = compile_rule(raw, rpos, pf.source, defs)
        res.issues.extend(issues)
        if rule is not None:
            res.rules.append(rule)
    return res


def load_rule_text(text: str, source: str, defs: Defs | None = None) -> LoadResult:
    """Compile every rule of one file's text (with its own defs and tables, and ``defs``)."""
    pf = _parse_file(text, source)
    all_defs = defs.copy() if defs is not None else Defs()
    pf.issues += _gather_defs([pf], all_defs)
    return _compile_file(pf, all_defs)


def load_rule_paths(paths: list[Path], builtin: bool = False, cache: bool = False) -> LoadResult:
    """Load the built-in pack (if ``builtin``) and every rule file of ``paths`` (files or
    directories, ``*.yaml``/``*.yml`` recursively).  The defs and tables of every file, and
    those of the built-in ``defs/`` directory, are visible to every rule.  Duplicate ids are
    issues; the first occurrence is kept.  ``cache``: reuse the result of an earlier load of
    the same files (:mod:`analyzer.rules.pack_cache`; its key covers the defs files too)
    instead of parsing, linting and compiling them again."""
    sources, missing = rule_sources(paths, builtin)
    implicit = implicit_sources(sources, builtin)
    if cache and not missing:
        from analyzer.rules.pack_cache import cached_load

        return cached_load(sources, lambda: _load_sources(sources, [], implicit))
    return _load_sources(sources, [LintIssue(m, 0, "", "no such file or directory") for m in missing], implicit)


def _load_sources(sources: list[tuple[Path, str]], missing: list[LintIssue], implicit: set[str]) -> LoadResult:
    """Parse every file, gather the defs and tables of all of them, then compile the rules."""
    res = LoadResult(issues=list(missing))
    parsed: list[_ParsedFile] = []
    for p, shown in sources:
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            res.issues.append(LintIssue(shown, 0, "", f"cannot read: {e}"))
            continue
        parsed.append(_parse_file(text, shown))
    defs = Defs()
    res.issues.extend(_gather_defs(parsed, defs))
    res.defs = defs
    seen: dict[str, str] = {}  # id -> "file:line" of its first definition
    for pf in parsed:
        one = _compile_file(pf, defs)
        if pf.source not in implicit:
            res.files.append(pf.source)
        res.issues.extend(one.issues)
        duplicates: set[int] = set()
        for rid, line in one.ids:
            first = seen.get(rid)
            if first is not None:
                res.issues.append(LintIssue(pf.source, line, rid, f"duplicate id (first defined at {first})"))
                duplicates.add(line)
            else:
                seen[rid] = f"{pf.source}:{line}"
        res.rules.extend(r for r in one.rules if r.line not in duplicates)
    return res
