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

from analyzer.rules.analysis import analyse, variable_name

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


class Deferred:
    """A variable computed when first read (see :mod:`analyzer.engine.plan`): ``var('x')``
    calls ``force(functions)``, which computes the value, stores it in the context and
    returns it."""

    __slots__ = ()

    def force(self, rt: Any) -> Any:  # pragma: no cover - subclasses compute
        raise NotImplementedError


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
    if isinstance(spec, dict) and all(not s.get("types") for s in spec["signature"]):
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


# ---------------------------------------------------------------------------- membership filters
# ``objects('Pod', $ns)[?contains(<fields of @>, $name)]`` run for many names over the same
# list is a nested loop (each failing pod scanning the pods of its namespace).  The filter
# builds an index of a list the first time (what one plain pass costs): the subject of every
# element, and the elements by each value of a list subject; each later query is a lookup.
INDEX_MIN_ELEMENTS = 64


def _pure_of_current(node: dict[str, Any]) -> bool:
    """True when ``node`` computes its value from the current element alone (no functions,
    no variables)."""
    return not analyse(node).calls


def _independent_of_current(node: dict[str, Any]) -> bool:
    return node.get("type") == "literal" or variable_name(node) is not None


class _FilterIndex:
    __slots__ = ("subjects", "by_value", "others")

    def __init__(self, base: list[Any], subject: Fn, rt: Any):
        self.subjects = [subject(el, rt) for el in base]
        self.by_value: dict[Any, list[int]] = {}
        self.others: list[int] = []  # string and map subjects: checked per query
        for pos, subj in enumerate(self.subjects):
            if type(subj) is list:
                for x in subj:
                    try:
                        hits = self.by_value.setdefault(x, [])
                    except TypeError:  # a list or map inside: never equal to a scalar
                        continue
                    if not hits or hits[-1] != pos:
                        hits.append(pos)
            elif isinstance(subj, str | dict | list):
                self.others.append(pos)


def _membership_filter(ch: list[dict[str, Any]], left: Fn, right: Fn, cond: Fn,
                       table: dict[str, Any]) -> Fn | None:
    """``left[?contains(SUBJECT, SEARCH)]`` (SUBJECT from the element alone, SEARCH from
    outside it) through an index of the list; else None."""
    node = ch[2]
    args = node.get("children") or []
    if node.get("type") != "function_expression" or node.get("value") != "contains" or len(args) != 2:
        return None
    if not _pure_of_current(args[0]) or not _independent_of_current(args[1]):
        return None
    spec = table.get("contains")
    if spec is None or any(s.get("types") for s in spec["signature"]):
        return None
    contains = spec["function"]
    subject = compile_tree(args[0], table)
    search_of = compile_tree(args[1], table)

    def plain(base: list[Any], rt: Any) -> list[Any]:
        out = []
        for el in base:
            if not is_false(cond(el, rt)):
                cur = right(el, rt)
                if cur is not None:
                    out.append(cur)
        return out

    def membership_filter(v: Any, rt: Any) -> Any:
        base = left(v, rt)
        if not isinstance(base, list):
            return None
        if len(base) < INDEX_MIN_ELEMENTS:
            return plain(base, rt)
        cache = rt.__dict__.get("_filter_indexes")
        if cache is None:
            cache = rt.__dict__["_filter_indexes"] = {}
        key = (id(membership_filter), id(base))
        entry = cache.get(key)  # (the list, its index); holding the list keeps its id unique
        if entry is None or entry[0] is not base:
            if len(cache) > 4096:
                cache.clear()
            entry = cache[key] = (base, _FilterIndex(base, subject, rt))  # costs what one plain pass costs
        idx = entry[1]
        search = search_of(v, rt)
        try:
            positions = set(idx.by_value.get(search, ()))
        except TypeError:  # a list or map to look for: compare one by one
            return plain(base, rt)
        subjects = idx.subjects
        for pos in idx.others:
            if contains(rt, subjects[pos], search):
                positions.add(pos)
        out = []
        for pos in sorted(positions):
            cur = right(base[pos], rt)
            if cur is not None:
                out.append(cur)
        return out

    return membership_filter


def compile_tree(node: dict[str, Any], table: dict[str, Any]) -> Fn:  # noqa: C901 - one branch per JMESPath node type
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
        var_name = variable_name(node)
        if var_name is not None:

            def var(v: Any, rt: Any) -> Any:
                x = rt.vars.get(var_name)
                if isinstance(x, Deferred):
                    return x.force(rt)
                return x

            return var
        return _function(name, [compile_tree(c, table) for c in ch], table)
    if t == "expref":
        inner = compile_tree(ch[0], table)
        return lambda v, rt: _Expression(inner, _Runner(rt))
    if t == "filter_projection":
        left, right, cond = (compile_tree(c, table) for c in ch)
        joined = _membership_filter(ch, left, right, cond, table)
        if joined is not None:
            return joined

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
