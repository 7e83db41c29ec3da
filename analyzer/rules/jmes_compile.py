"""JMESPath trees compiled to Python closures.

The JMESPath library evaluates an expression by walking its parsed tree (a dict per node,
a method lookup per node per evaluation).  Rules evaluate the same few hundred expressions
against hundreds of thousands of objects, so each tree is turned once into nested Python
closures ``fn(value, functions) -> result`` that do exactly what
``jmespath.visitor.TreeInterpreter`` does (same results, same errors), without the
dispatch.  One deliberate difference: ordering a number against a string (``1 < 'x'``) gives
null instead of the library's TypeError, since fields change type across versions.
``var('name')`` (what ``$name`` becomes) reads the context directly, and the
domain functions, which take any type, are called without the library's type checking.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Number
from typing import Any

from jmespath.visitor import _Expression

Fn = Callable[[Any, Any], Any]


def _is_actual_number(x: Any) -> bool:
    t = type(x)
    if t is int or t is float:
        return True
    return t is not bool and isinstance(x, Number)


def _equals(x: Any, y: Any) -> bool:
    # JMESPath: true/false equal only booleans (Python has True == 1, False == 0).
    if type(x) is bool or type(y) is bool:
        return type(x) is type(y) and x == y
    return x == y


def _is_comparable(x: Any) -> bool:
    return type(x) is str or _is_actual_number(x)


def is_false(value: Any) -> bool:
    """JMESPath falsiness: null, false, '', [], {}."""
    if value is None or value is False:
        return True
    t = type(value)
    if t is str or t is list or t is dict:
        return not value
    return value == "" or value == [] or value == {}


class _Runner:
    """What built-in functions taking an expression (``sort_by(list, &key)``) call back."""

    __slots__ = ("functions",)

    def __init__(self, functions: Any):
        self.functions = functions

    def visit(self, fn: Fn, value: Any) -> Any:
        return fn(value, self.functions)


def _field(key: str) -> Fn:
    def field(v: Any, rt: Any) -> Any:
        return v.get(key) if isinstance(v, dict) else None

    return field


def _path(keys: tuple[str, ...]) -> Fn:
    if len(keys) == 2:
        k1, k2 = keys

        def path2(v: Any, rt: Any) -> Any:
            if isinstance(v, dict):
                v = v.get(k1)
                if isinstance(v, dict):
                    return v.get(k2)
            return None

        return path2
    if len(keys) == 3:
        k1, k2, k3 = keys

        def path3(v: Any, rt: Any) -> Any:
            if isinstance(v, dict):
                v = v.get(k1)
                if isinstance(v, dict):
                    v = v.get(k2)
                    if isinstance(v, dict):
                        return v.get(k3)
            return None

        return path3

    def path(v: Any, rt: Any) -> Any:
        for k in keys:
            if not isinstance(v, dict):
                return None
            v = v.get(k)
        return v

    return path


def _chain(fns: list[Fn]) -> Fn:
    if len(fns) == 1:
        return fns[0]
    if len(fns) == 2:
        a, b = fns

        def chain2(v: Any, rt: Any) -> Any:
            return b(a(v, rt), rt)

        return chain2

    def chain(v: Any, rt: Any) -> Any:
        for f in fns:
            v = f(v, rt)
        return v

    return chain


def _comparator(op: str, left: Fn, right: Fn) -> Fn:
    if op == "eq":
        return lambda v, rt: _equals(left(v, rt), right(v, rt))
    if op == "ne":
        return lambda v, rt: not _equals(left(v, rt), right(v, rt))
    import operator

    func = {"lt": operator.lt, "gt": operator.gt, "lte": operator.le, "gte": operator.ge}[op]

    def compare(v: Any, rt: Any) -> Any:
        a = left(v, rt)
        b = right(v, rt)
        if not (_is_comparable(a) and _is_comparable(b)):
            return None
        if (type(a) is str) is not (type(b) is str):
            return None  # number vs string: null (the library raises TypeError)
        return func(a, b)

    return compare


def _function(name: str, args: list[Fn], table: dict[str, Any]) -> Fn:
    spec = table.get(name)
    sig = spec["signature"] if spec else None
    untyped = spec is not None and all(not s.get("types") for s in sig)
    if untyped:
        method = spec["function"]
        if len(args) == 1:
            (a0,) = args
            return lambda v, rt: method(rt, a0(v, rt))
        if len(args) == 2:
            a0, a1 = args
            return lambda v, rt: method(rt, a0(v, rt), a1(v, rt))
        return lambda v, rt: method(rt, *[a(v, rt) for a in args])
    # Typed built-ins keep the library's argument checks (and its error messages).
    return lambda v, rt: rt.call_function(name, [a(v, rt) for a in args])


def compile_tree(node: dict[str, Any], table: dict[str, Any]) -> Fn:
    """The closure computing ``node`` (a parsed JMESPath tree); ``table`` is the function
    table of the functions object that will be passed at evaluation time."""
    t = node["type"]
    ch = node.get("children") or []
    if t == "field":
        return _field(node["value"])
    if t in ("subexpression", "index_expression", "pipe"):
        if t == "subexpression" and all(c["type"] == "field" for c in ch):
            return _path(tuple(c["value"] for c in ch))
        return _chain([compile_tree(c, table) for c in ch])
    if t in ("current", "identity"):
        return lambda v, rt: v
    if t == "literal":
        value = node["value"]
        return lambda v, rt: value
    if t == "comparator":
        return _comparator(node["value"], compile_tree(ch[0], table), compile_tree(ch[1], table))
    if t == "function_expression":
        name = node["value"]
        if name == "var" and len(ch) == 1 and ch[0]["type"] == "literal" and isinstance(ch[0]["value"], str):
            var_name = ch[0]["value"]
            return lambda v, rt: rt.vars.get(var_name)
        return _function(name, [compile_tree(c, table) for c in ch], table)
    if t == "expref":
        inner = compile_tree(ch[0], table)
        return lambda v, rt: _Expression(inner, _Runner(rt))
    if t == "filter_projection":
        left, right, cond = (compile_tree(c, table) for c in ch)

        def filter_projection(v: Any, rt: Any) -> Any:
            base = left(v, rt)
            if not isinstance(base, list):
                return None
            out = []
            for el in base:
                if not is_false(cond(el, rt)):
                    cur = right(el, rt)
                    if cur is not None:
                        out.append(cur)
            return out

        return filter_projection
    if t == "projection":
        left, right = (compile_tree(c, table) for c in ch)

        def projection(v: Any, rt: Any) -> Any:
            base = left(v, rt)
            if not isinstance(base, list):
                return None
            out = []
            for el in base:
                cur = right(el, rt)
                if cur is not None:
                    out.append(cur)
            return out

        return projection
    if t == "value_projection":
        left, right = (compile_tree(c, table) for c in ch)

        def value_projection(v: Any, rt: Any) -> Any:
            base = left(v, rt)
            try:
                values = base.values()
            except AttributeError:
                return None
            out = []
            for el in values:
                cur = right(el, rt)
                if cur is not None:
                    out.append(cur)
            return out

        return value_projection
    if t == "flatten":
        inner = compile_tree(ch[0], table)

        def flatten(v: Any, rt: Any) -> Any:
            base = inner(v, rt)
            if not isinstance(base, list):
                return None
            out: list[Any] = []
            for el in base:
                if isinstance(el, list):
                    out.extend(el)
                else:
                    out.append(el)
            return out

        return flatten
    if t == "index":
        idx = node["value"]

        def index(v: Any, rt: Any) -> Any:
            if not isinstance(v, list):
                return None
            try:
                return v[idx]
            except IndexError:
                return None

        return index
    if t == "slice":
        s = slice(*ch)
        return lambda v, rt: v[s] if isinstance(v, list) else None
    if t == "key_val_pair":
        return compile_tree(ch[0], table)
    if t == "multi_select_dict":
        pairs = [(c["value"], compile_tree(c, table)) for c in ch]

        def multi_select_dict(v: Any, rt: Any) -> Any:
            if v is None:
                return None
            return {k: f(v, rt) for k, f in pairs}

        return multi_select_dict
    if t == "multi_select_list":
        items = [compile_tree(c, table) for c in ch]

        def multi_select_list(v: Any, rt: Any) -> Any:
            if v is None:
                return None
            return [f(v, rt) for f in items]

        return multi_select_list
    if t == "or_expression":
        a, b = (compile_tree(c, table) for c in ch)

        def or_expression(v: Any, rt: Any) -> Any:
            m = a(v, rt)
            return b(v, rt) if is_false(m) else m

        return or_expression
    if t == "and_expression":
        a, b = (compile_tree(c, table) for c in ch)

        def and_expression(v: Any, rt: Any) -> Any:
            m = a(v, rt)
            return m if is_false(m) else b(v, rt)

        return and_expression
    if t == "not_expression":
        inner = compile_tree(ch[0], table)

        def not_expression(v: Any, rt: Any) -> Any:
            r = inner(v, rt)
            if _is_actual_number(r) and r == 0:
                return False
            return not r

        return not_expression
    raise ValueError(f"unsupported JMESPath node {t!r}")
