"""Shared ``defs`` (named expressions) and ``tables`` (plain YAML data) of rule files.

A rule file may be a mapping with ``defs:``, ``tables:`` and ``rules:``.  Every def and
table of every loaded file is visible to every loaded rule as ``$name`` (expressions) and
``name`` (templates).  A def reads only ``$obj``, ``$item``, ``$bundle`` (and the text-scope
names), other defs and tables: never a rule's ``let``, never a bare field of the context, so
that it means the same in every rule.

A rule gets the defs it uses (directly or through other defs) as ``let`` values placed
before its own, in dependency order: computed when first read, once per evaluation, and
shared across objects when they read nothing of the object (see :mod:`analyzer.engine.plan`).
In ``each``, which is evaluated before any ``let``, a def is inlined instead.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from analyzer.rules.expr import Expr, ExprError, compile_expr, expr_from_tree
from analyzer.rules.model import BASE_VARIABLES, TEXT_VARIABLES, LintIssue
from analyzer.rules.yamlpos import Pos

NAME_RE = r"^[A-Za-z_][A-Za-z0-9_]*$"


@dataclass
class Defs:
    """The defs and tables of a load: ``exprs`` by name (compiled), ``tables`` by name
    (as literal expressions), ``where`` each name's ``file:line``."""

    exprs: dict[str, Expr] = field(default_factory=dict)
    tables: dict[str, Expr] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)

    def copy(self) -> Defs:
        return Defs(dict(self.exprs), dict(self.tables), dict(self.where))

    def names(self) -> set[str]:
        return set(self.exprs) | set(self.tables)

    def get(self, name: str) -> Expr | None:
        return self.exprs.get(name) or self.tables.get(name)

    def closure(self, names: set[str]) -> list[tuple[str, Expr]]:
        """The defs and tables ``names`` use, directly or through each other, each after the
        ones it reads."""
        out: list[tuple[str, Expr]] = []
        done: set[str] = set()

        def visit(name: str) -> None:
            if name in done:
                return
            done.add(name)
            e = self.get(name)
            if e is None:
                return
            for v in e.variables:
                visit(v)
            out.append((name, e))

        for n in sorted(names):
            visit(n)
        return out

    def inline(self, e: Expr) -> Expr:
        """``e`` with every ``$def`` replaced by the def's tree (for ``each``): hygienic,
        since a def reads nothing but variables."""
        if not any(self.get(v) is not None for v in e.variables):
            return e

        def sub(node: dict[str, Any]) -> dict[str, Any]:
            ch = node.get("children") or []
            if node.get("type") == "function_expression" and node.get("value") == "var" and len(ch) == 1 \
                    and ch[0].get("type") == "literal":
                d = self.get(ch[0]["value"])
                if d is not None:
                    return sub(copy.deepcopy(d.parsed))
            if not ch:
                return node
            out = dict(node)
            out["children"] = [sub(c) if isinstance(c, dict) else c for c in ch]
            return out

        return expr_from_tree(e.source, sub(e.parsed))


def table_expr(name: str, value: Any) -> Expr:
    """A table as the literal expression giving its value."""
    return expr_from_tree(f"<table {name}>", {"type": "literal", "value": value, "children": []})


def extend_tables(data: dict[str, Any], pos: Pos, source: str, into: Defs) -> list[LintIssue]:
    """Apply one file's ``extend_tables:`` to tables defined by any file (after all are read):
    a list table gets the given items appended, a map table the given keys (replacing equal
    keys).  How users add to built-in data, e.g. their own platform components."""
    issues: list[LintIssue] = []
    body = data.get("extend_tables")
    if body is None:
        return issues
    spos = pos.child("extend_tables")
    if not isinstance(body, dict):
        return [LintIssue(source, pos.key_line("extend_tables"), "", "'extend_tables' must be a mapping of name: data")]
    for name, value in body.items():
        ln = spos.key_line(name)
        base = into.tables.get(name) if isinstance(name, str) else None
        if base is None:
            issues.append(LintIssue(source, ln, "", f"extend_tables: no table named {name!r} to extend"))
            continue
        old = base.parsed["value"]
        if isinstance(old, list) and isinstance(value, list):
            new: Any = [*old, *value]
        elif isinstance(old, dict) and isinstance(value, dict):
            new = {**old, **value}
        else:
            issues.append(LintIssue(source, ln, "", f"extend_tables: table '{name}' is a {type(old).__name__}, "
                                                    f"the extension a {type(value).__name__}"))
            continue
        into.tables[name] = table_expr(name, new)
    return issues


def load_defs(data: dict[str, Any], pos: Pos, source: str, into: Defs) -> list[LintIssue]:
    """Add the ``defs:`` and ``tables:`` of one file's mapping to ``into``; the problems."""
    issues: list[LintIssue] = []

    def err(line: int, msg: str) -> None:
        issues.append(LintIssue(source, line, "", msg))

    for section in ("tables", "defs"):
        body = data.get(section)
        if body is None:
            continue
        spos = pos.child(section)
        if not isinstance(body, dict):
            err(pos.key_line(section), f"'{section}' must be a mapping of name: value")
            continue
        for name, value in body.items():
            ln = spos.key_line(name)
            if not isinstance(name, str) or not re.match(NAME_RE, name):
                err(ln, f"{section[:-1]} name {name!r} must be an identifier")
                continue
            if name in BASE_VARIABLES or name in TEXT_VARIABLES:
                err(ln, f"{section[:-1]} name '{name}' is reserved")
                continue
            if name in into.where:
                err(ln, f"{section[:-1]} '{name}' is already defined at {into.where[name]}")
                continue
            into.where[name] = f"{source}:{ln}"
            if section == "tables":
                into.tables[name] = table_expr(name, value)
                continue
            if isinstance(value, dict):
                value = value.get("expr")
            try:
                e = compile_expr(value)
            except ExprError as ex:
                err(ln, f"def {name}: {ex}")
                continue
            bare = e.bare_fields
            if e.context_reads is None or bare:
                what = ", ".join(sorted(bare)) if bare else "@"
                err(ln, f"def {name} reads {what} from the context: a def reads its inputs as $obj, $item, "
                        "$bundle or other defs")
                continue
            into.exprs[name] = e
    # a def may read defs and tables of any file, so unknown names are checked once all are read
    return issues


def check_defs(defs: Defs) -> list[LintIssue]:
    """Unknown variables and cycles among all defs."""
    issues: list[LintIssue] = []
    known = defs.names() | set(BASE_VARIABLES) | set(TEXT_VARIABLES)
    for name, e in list(defs.exprs.items()):
        src, _, ln = defs.where[name].rpartition(":")
        bad = [v for v in e.variables if v not in known]
        if bad:
            issues.append(LintIssue(src, int(ln), "", f"def {name}: unknown variable ${bad[0]}"))
            del defs.exprs[name]
    state: dict[str, int] = {}

    def cyclic(name: str) -> bool:
        if state.get(name) == 1:
            return True
        if state.get(name) == 2 or name not in defs.exprs:
            return False
        state[name] = 1
        found = any(cyclic(v) for v in defs.exprs[name].variables)
        state[name] = 2
        return found

    for name in list(defs.exprs):
        state.clear()
        if cyclic(name):
            src, _, ln = defs.where[name].rpartition(":")
            issues.append(LintIssue(src, int(ln), "", f"def {name} reads itself (through other defs)"))
            del defs.exprs[name]
    return issues
