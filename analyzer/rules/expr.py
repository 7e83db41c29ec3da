"""Compiling rule expressions: JMESPath with ``$name`` variables.

The JMESPath library has no variables, so before parsing every ``$name`` token outside a
string literal is rewritten to the function call ``var('name')``, which reads the name from
the evaluation context.  Unlike a field access this works everywhere, including inside
filters and projections where the current node is no longer the context
(``obj.spec.containers[?name == $item.name]``).

Compilation walks the parsed tree once to list the functions called (unknown ones and wrong
argument counts are lint errors), the variables read and the regexes passed as literals to
regex functions (checked for syntax and catastrophic backtracking).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import jmespath
from jmespath import exceptions as jexc

from analyzer.rules.functions import FUNCTION_TABLE, REGEX_ARGS, arity_of
from analyzer.rules.jmes_compile import compile_tree
from analyzer.rules.regex import check_regex

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ExprError(ValueError):
    """An expression that does not compile (syntax, unknown function, bad regex literal...)."""


def rewrite_variables(expression: str) -> tuple[str, list[str]]:
    """Rewrite ``$name`` outside string literals to ``var('name')``; returns the new text and
    the variable names in order of appearance."""
    out: list[str] = []
    names: list[str] = []
    i, n = 0, len(expression)
    while i < n:
        ch = expression[i]
        if ch in "'`\"":
            j = i + 1
            while j < n and expression[j] != ch:
                j += 2 if expression[j] == "\\" else 1
            out.append(expression[i:j + 1])
            i = j + 1
            continue
        if ch == "$":
            m = _IDENT.match(expression, i + 1)
            if not m:
                raise ExprError(f"'$' at column {i + 1} must be followed by a variable name")
            names.append(m.group(0))
            out.append(f"var('{m.group(0)}')")
            i = m.end()
            continue
        out.append(ch)
        i += 1
    return "".join(out), names


@dataclass
class Expr:
    """A compiled expression: ``source`` as written, ``parsed`` the JMESPath tree, ``fn`` the
    closure evaluating it (``fn(context, functions)``, see :mod:`analyzer.rules.jmes_compile`)."""

    source: str
    parsed: dict[str, Any]
    functions: list[str] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    fn: Any = field(default_factory=lambda: None)  # no class attribute: see __getattr__
    # Names read from the evaluation context itself (bare root fields and var('x')); None when
    # the expression may read any of them (``@`` or ``*`` at the root, var() of a computed name).
    context_reads: frozenset[str] | None = frozenset()

    def __str__(self) -> str:
        return self.source

    def __getstate__(self) -> dict[str, Any]:
        # The evaluator is a closure: pickled (by the pack cache) without it, rebuilt on load.
        return {k: v for k, v in self.__dict__.items() if k != "fn"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)  # fn: rebuilt when first used (__getattr__)

    def __getattr__(self, name: str) -> Any:
        if name == "fn" and "parsed" in self.__dict__:
            fn = self.fn = compile_tree(self.parsed, FUNCTION_TABLE)
            return fn
        raise AttributeError(name)


def _one_line(msg: str) -> str:
    return " ".join(str(msg).split())


def _walk(node: dict[str, Any], calls: list[tuple[str, list[dict[str, Any]]]], misuse: list[str]) -> None:
    kind = node.get("type")
    children = node.get("children", []) or []
    if kind == "function_expression":
        calls.append((node["value"], children))
    elif kind == "subexpression" and children and isinstance(children[0], dict) \
            and children[0].get("type") == "not_expression":
        misuse.append("not")
    for child in children:
        if isinstance(child, dict):
            _walk(child, calls, misuse)


_ELEMENT_CHILDREN = {"projection": 1, "filter_projection": 1, "value_projection": 1}


def _context_reads(node: dict[str, Any], at_root: bool, out: set[str]) -> bool:
    """Collect the context keys ``node`` reads; False when it may read any key."""
    kind = node.get("type")
    children = [c for c in (node.get("children") or []) if isinstance(c, dict)]
    if kind == "field":
        if at_root:
            out.add(node["value"])
        return True
    if kind in ("current", "identity"):
        return not at_root
    if kind == "function_expression" and node.get("value") == "var":
        arg = children[0] if children else {}
        if arg.get("type") == "literal" and isinstance(arg.get("value"), str):
            out.add(arg["value"])
            return True
        return False
    if kind == "expref":
        return all(_context_reads(c, False, out) for c in children)
    if kind in ("subexpression", "index_expression", "pipe", "flatten") or kind in _ELEMENT_CHILDREN:
        return all(_context_reads(c, at_root and i == 0, out) for i, c in enumerate(children))
    return all(_context_reads(c, at_root, out) for c in children)


def context_reads_of(node: dict[str, Any]) -> frozenset[str] | None:
    """The context names a parsed (sub)tree reads; None when it may read any of them."""
    reads: set[str] = set()
    return frozenset(reads) if _context_reads(node, True, reads) else None


def compile_expr(source: Any) -> Expr:
    """Compile one rule expression or raise :class:`ExprError` with a one-line reason."""
    if isinstance(source, bool) or isinstance(source, int | float):
        # YAML turned `true`/`3` into a scalar: accept it as the JMESPath literal it means.
        import json

        source = f"`{json.dumps(source)}`"
    if not isinstance(source, str) or not source.strip():
        raise ExprError(f"expression must be a non-empty string, got {source!r}")
    text, names = rewrite_variables(source)
    try:
        parsed = jmespath.compile(text).parsed
    except jexc.LexerError as e:
        raise ExprError(f"invalid JMESPath {source!r}: {_one_line(e.message)}") from None
    except jexc.ParseError as e:
        col = getattr(e, "lex_position", None)
        where = f" at column {col + 1}" if isinstance(col, int) else ""
        raise ExprError(f"invalid JMESPath {source!r}: {_one_line(e.msg)}{where}") from None
    except jexc.JMESPathError as e:
        raise ExprError(f"invalid JMESPath {source!r}: {_one_line(str(e))}") from None
    calls: list[tuple[str, list[dict[str, Any]]]] = []
    misuse: list[str] = []
    _walk(parsed, calls, misuse)
    if misuse:
        raise ExprError(f"in {source!r}, '!a.b' means '(!a).b', which is always null: write '!(a.b)'")
    funcs: list[str] = []
    for name, args in calls:
        if name not in FUNCTION_TABLE:
            raise ExprError(f"unknown function {name}() in {source!r}")
        lo, hi = arity_of(name) or (0, 0)
        if not lo <= len(args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise ExprError(f"{name}() takes {want} argument(s), got {len(args)} in {source!r}")
        idx = REGEX_ARGS.get(name)
        if idx is not None and idx < len(args) and args[idx].get("type") == "literal":
            problem = check_regex(args[idx].get("value"))
            if problem:
                raise ExprError(f"{problem} in {name}() of {source!r}")
        if name not in funcs:
            funcs.append(name)
    reads: set[str] = set()
    complete = _context_reads(parsed, True, reads)
    return Expr(source=source, parsed=parsed, functions=funcs, variables=names,
                fn=compile_tree(parsed, FUNCTION_TABLE), context_reads=frozenset(reads) if complete else None)
