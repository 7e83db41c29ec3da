"""Compiling rule expressions: JMESPath with ``$name`` variables.

The JMESPath library has no variables, so before parsing every ``$name`` token outside a
string literal is rewritten to the function call ``var('name')``, which reads the name from
the evaluation context.  Unlike a field access this works everywhere, including inside
filters and projections where the current node is no longer the context
(``obj.spec.containers[?name == $item.name]``).

Compilation analyses the parsed tree once (:mod:`analyzer.rules.analysis`) to list the
functions called (unknown ones and wrong argument counts are lint errors), the names read
and the regexes passed as literals to regex functions (checked for syntax and for what the
linear-time engine cannot run).  Trees nested deeper than :data:`MAX_NESTING` are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import jmespath
from jmespath import exceptions as jexc

from analyzer.rules.analysis import TreeFacts, analyse, literal_value
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
    # Names read as plain fields of the context root (``status`` in ``status.phase``).
    bare_fields: frozenset[str] = frozenset()

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


# Levels of nesting an expression may have (the pack needs 20).  Parsing, compiling and
# evaluating recurse once or more per level, so a deeper tree could exhaust Python's stack.
MAX_NESTING = 100


def _nesting(node: dict[str, Any]) -> int:
    """Depth of a parsed tree, counted without recursion."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        n, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((c, depth + 1) for c in n.get("children") or [] if isinstance(c, dict))
    return deepest


def _too_deep(depth: int | None = None) -> ExprError:
    levels = f"{depth} levels" if depth else "too many levels"
    return ExprError(f"expression nested too deeply ({levels}; at most {MAX_NESTING} levels of "
                     "brackets, filters, functions and operators)")


def _one_line(msg: str) -> str:
    return " ".join(str(msg).split())


def context_reads_of(node: dict[str, Any]) -> frozenset[str] | None:
    """The context names a parsed (sub)tree reads; None when it may read any of them."""
    return analyse(node).context_reads


def _check_calls(facts: TreeFacts, source: str) -> list[str]:
    """The functions called, in order, once each; raises on an unknown function, a wrong
    argument count or a bad regex literal."""
    if facts.not_misuse:
        raise ExprError(f"in {source!r}, '!a.b' means '(!a).b', which is always null: write '!(a.b)'")
    funcs: list[str] = []
    for name, args in facts.calls:
        if name not in FUNCTION_TABLE:
            raise ExprError(f"unknown function {name}() in {source!r}")
        lo, hi = arity_of(name) or (0, 0)
        if not lo <= len(args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise ExprError(f"{name}() takes {want} argument(s), got {len(args)} in {source!r}")
        for pattern in _regex_literals(name, args):
            problem = check_regex(pattern)
            if problem:
                raise ExprError(f"{problem} in {name}() of {source!r}")
        if name not in funcs:
            funcs.append(name)
    return funcs


def _regex_literals(name: str, args: list[dict[str, Any]]) -> list[Any]:
    idx = REGEX_ARGS.get(name)
    if idx is not None and idx < len(args) and args[idx].get("type") == "literal":
        return [args[idx].get("value")]
    if name == "first_match" and len(args) == 2:
        cases = literal_value(args[1])
        if isinstance(cases, list):
            return [c[0] for c in cases if isinstance(c, list) and c and c[0] is not None]
    return []


def expr_from_tree(source: str, parsed: dict[str, Any]) -> Expr:
    """An expression from a parsed tree (checked as :func:`compile_expr` checks)."""
    depth = _nesting(parsed)
    if depth > MAX_NESTING:
        raise _too_deep(depth)
    try:
        facts = analyse(parsed)
        funcs = _check_calls(facts, source)
        fn = compile_tree(parsed, FUNCTION_TABLE)
    except RecursionError:
        raise _too_deep(depth) from None
    return Expr(source=source, parsed=parsed, functions=funcs, variables=list(facts.variables),
                fn=fn, context_reads=facts.context_reads, bare_fields=frozenset(facts.bare_fields))


def compile_expr(source: Any) -> Expr:
    """Compile one rule expression or raise :class:`ExprError` with a one-line reason."""
    if isinstance(source, bool) or isinstance(source, int | float):
        # YAML turned `true`/`3` into a scalar: accept it as the JMESPath literal it means.
        import json

        source = f"`{json.dumps(source)}`"
    if not isinstance(source, str) or not source.strip():
        raise ExprError(f"expression must be a non-empty string, got {source!r}")
    text, _names = rewrite_variables(source)
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
    except RecursionError:
        raise _too_deep() from None
    return expr_from_tree(source, parsed)
