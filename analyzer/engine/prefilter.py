"""Prefilters of object rules: literals one of which an object's JSON must contain for a rule
to find anything in it.

Most objects of a large bundle are healthy, and a rule about containers waiting with reason
``CreateContainerConfigError`` can only find something in a pod whose ``status`` holds the
JSON string ``"CreateContainerConfigError"``.  The engine serialises the parts of an object
the rules of its kind look into (orjson, in C), searches it for the literals (in C too,
each once per object), and evaluates a rule only when every one of its requirements holds,
instead of evaluating every rule on every object.

Requirements are derived, soundly, from the rule's ``each`` and from the ``when`` parts that
read the object (a ``let`` read as ``$name`` is followed into its expression):

* ``path == 'text'`` (or an integer) over the object needs the value's JSON (``"text"``);
* ``contains(['a', 'b'], path)`` needs one of the values; ``contains(path, 'a')``,
  ``starts_with``, ``ends_with``, ``re_search`` need the text (the regex's required literals);
* a truthy field path needs its last key (``"terminated":``); ``length(x) > 0`` needs ``x``;
* ``a && b`` needs what both need, ``a || b`` what one of them needs, a filter
  ``list[?cond]`` over the object's own parts what ``cond`` needs, a projection what its
  list needs.

Each literal is looked for in the top-level field of the object it comes from (``status``
for ``obj.status.containerStatuses[...]``) or in the whole object.  Anything else derives
nothing, and a rule without requirements runs on every object.  The condition is necessary,
never sufficient: a rule that runs is evaluated as before, so the findings are the same;
only errors a skipped evaluation would have raised do not happen.
"""

from __future__ import annotations

from typing import Any

import orjson

from analyzer.rules.model import Rule
from analyzer.rules.regex import required_literals

# A literal to look for: (top-level field of the object, "" for the whole object; bytes).
Literal = tuple[str, bytes]
# A requirement: every clause (a set of literals) must have a member in the object's JSON.
Need = tuple[frozenset[Literal], ...]
NOTHING: Need = ()  # nothing derived
NEVER: Need = (frozenset(),)  # the value can never be truthy
MAX_CLAUSES = 4
MIN_BYTES = 3  # shorter literals select nothing

# Where a value is: the object itself (ROOT), in one of its top-level fields (the field's
# name), somewhere in it (WHOLE), the rule's context (CTX: the object's fields, obj, item,
# bundle, the lets), or elsewhere (None).  Sections to search are a field's name or WHOLE.
WHOLE = ""
ROOT = "."
CTX = object()
Where = Any  # str | CTX | None


def _json_text(s: str) -> bytes:
    """``s`` as it appears inside a JSON string (escaped the way orjson escapes it)."""
    return orjson.dumps(s)[1:-1]


_NO = object()


def _literal_value(node: dict[str, Any]) -> Any:
    """The value of a literal (``'a'``, a JSON literal, or a list of literals ``['a', 'b']``)."""
    t = node.get("type")
    if t == "literal":
        return node.get("value")
    if t == "multi_select_list":
        values = [_literal_value(c) for c in node.get("children") or []]
        return _NO if any(v is _NO for v in values) else values
    return _NO


def _value_bytes(v: Any) -> bytes | None:
    """What the JSON of a value equal to ``v`` contains."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, str):
        return orjson.dumps(v)
    if isinstance(v, int):
        return str(v).encode()  # 137 and 137.0 both show "137"
    return None


def _in_object(where: Where) -> bool:
    return isinstance(where, str)


def _join(a: Where, b: Where) -> Where:
    """Where a value from ``a`` or from ``b`` is."""
    if not (_in_object(a) and _in_object(b)):
        return None
    return a if a == b else WHOLE


def _clause(where: str, *lits: bytes) -> Need:
    section = WHOLE if where == ROOT else where
    return (frozenset((section, lit) for lit in lits),)


def _both(a: Need, b: Need) -> Need:
    """``a`` and ``b`` hold."""
    out = list(a)
    out += [c for c in b if c not in out]
    return tuple(out)


def _either(a: Need, b: Need) -> Need:
    """``a`` or ``b`` holds: every pair of their clauses, joined, holds."""
    if not a or not b:
        return NOTHING
    out: list[frozenset[Literal]] = []
    for x in a:
        for y in b:
            c = x | y
            if c not in out:
                out.append(c)
    return tuple(out[:MAX_CLAUSES])


def _useful(n: Need) -> Need:
    """The clauses worth a search: none with a literal too short to select anything."""
    return tuple(c for c in n if all(len(lit) >= MIN_BYTES for _s, lit in c))


class _Deriver:
    def __init__(self, rule: Rule):
        self.lets = {name: e.parsed for name, e in rule.let}
        self.depth = 0

    # ------------------------------------------------------------------ where values are
    def where(self, node: dict[str, Any], cur: Where) -> Where:
        """Where the value of ``node`` evaluated at ``cur`` is: a part of the object (or a
        list of its parts) in the returned top-level field (WHOLE: anywhere), or None."""
        t = node.get("type")
        ch = node.get("children") or []
        if t == "field":
            name = node["value"]
            if cur is CTX:
                if name == "obj":
                    return ROOT
                if name in ("item", "bundle") or name in self.lets:
                    return None
                return name  # a top-level field of the object itself
            if cur == ROOT:
                return name
            return cur if _in_object(cur) else None
        if t in ("current", "identity", "index", "slice"):
            return cur if _in_object(cur) else None
        if t in ("subexpression", "index_expression", "pipe"):
            w = cur
            for c in ch:
                w = self.where(c, w) if w is not None else None
            return w
        if t in ("projection", "filter_projection"):
            elements = self.where(ch[0], cur)
            if not _in_object(elements):
                return None
            return self.where(ch[1], elements)
        if t == "flatten":
            return self.where(ch[0], cur)
        if t == "multi_select_list":
            if not ch:
                return None
            w = self.where(ch[0], cur)
            for c in ch[1:]:
                w = _join(w, self.where(c, cur))
            return w
        if t == "or_expression":
            a = self.where(ch[0], cur)
            if _literal_value(ch[1]) in ([], None):
                return a if _in_object(a) else None
            return _join(a, self.where(ch[1], cur))
        if t == "function_expression":
            name = node["value"]
            if name == "var" and ch and ch[0].get("type") == "literal":
                return ROOT if ch[0]["value"] == "obj" else None
            if name == "concat" and len(ch) == 2:
                parts = [self.where(c, cur) for c in ch if _literal_value(c) not in ([], None)]
                if not parts:
                    return None
                w = parts[0]
                for p in parts[1:]:
                    w = _join(w, p)
                return w
        return None

    # ------------------------------------------------------------------ truthy
    def truthy(self, node: dict[str, Any], cur: Where) -> Need:
        """What the object's JSON must hold for ``node`` to be truthy."""
        self.depth += 1
        try:
            if self.depth > 50:
                return NOTHING
            return self._truthy(node, cur)
        finally:
            self.depth -= 1

    def _truthy(self, node: dict[str, Any], cur: Where) -> Need:
        t = node.get("type")
        ch = node.get("children") or []
        if t == "literal":
            v = node.get("value")
            return NEVER if v in (None, False, "", [], {}) else NOTHING
        if t == "and_expression":
            return _both(self.truthy(ch[0], cur), self.truthy(ch[1], cur))
        if t == "or_expression":
            return _either(self.truthy(ch[0], cur), self.truthy(ch[1], cur))
        if t == "filter_projection":
            elements = self.where(ch[0], cur)
            return self.truthy(ch[2], elements) if _in_object(elements) else NOTHING
        if t in ("projection", "flatten"):  # not empty: its list is not empty
            return self.truthy(ch[0], cur)
        if t == "comparator":
            return self._comparator(node["value"], ch, cur)
        if t == "field":
            if cur is CTX and node["value"] == "obj":
                return NOTHING  # the object itself: always there
            return self._key(node["value"], cur if cur is not CTX else ROOT, self.where(node, cur))
        if t == "subexpression" and ch and ch[-1].get("type") == "field":
            parent = self.where({"type": "subexpression", "children": ch[:-1]}, cur) if len(ch) > 1 \
                else self.where(ch[0], cur)
            return self._key(ch[-1]["value"], parent, self.where(node, cur))
        if t == "pipe" and len(ch) == 2 and ch[1].get("type") in ("index", "slice"):
            return self.truthy(ch[0], cur)
        if t == "function_expression":
            return self._function(node["value"], ch, cur)
        return NOTHING

    @staticmethod
    def _key(key: str, parent: Where, value: Where) -> Need:
        """A field that is truthy is there: its key is in the JSON of its parent."""
        if not (_in_object(parent) and _in_object(value)):
            return NOTHING
        return _clause(parent, _json_text(key).join((b'"', b'":')))

    def _comparator(self, op: str, ch: list[dict[str, Any]], cur: Where) -> Need:
        left, right = ch
        if op == "eq":
            for side, other in ((left, right), (right, left)):
                v = _literal_value(other)
                w = self.where(side, cur)
                if v is not _NO and _in_object(w):
                    b = _value_bytes(v)
                    return _clause(w, b) if b is not None else NOTHING
            return NOTHING
        # length(x) > `0` / length(x) >= `1`: x is not empty
        if left.get("type") == "function_expression" and left.get("value") == "length" and len(left["children"]) == 1:
            v = _literal_value(right)
            if (op == "gt" and v == 0 or op == "gte" and v == 1) and not isinstance(v, bool):
                return self.truthy(left["children"][0], cur)
        return NOTHING

    def _function(self, name: str, ch: list[dict[str, Any]], cur: Where) -> Need:
        if name == "var" and len(ch) == 1 and ch[0].get("type") == "literal":
            let = self.lets.get(ch[0]["value"])
            return self.truthy(let, CTX) if let is not None else NOTHING
        if name == "contains" and len(ch) == 2:
            # Strings only: a string equals nothing but a string (1 == true in a Python list).
            items = _literal_value(ch[0])
            w = self.where(ch[1], cur)
            if isinstance(items, list) and _in_object(w):
                if not items:
                    return NEVER
                if all(isinstance(x, str) for x in items):
                    return _clause(w, *(orjson.dumps(x) for x in items))
                return NOTHING
            needle = _literal_value(ch[1])
            w = self.where(ch[0], cur)
            if isinstance(needle, str) and needle and _in_object(w):
                return _clause(w, _json_text(needle))  # in a string, a list or as a key
            return NOTHING
        if name in ("starts_with", "ends_with") and len(ch) == 2:
            text = _literal_value(ch[1])
            w = self.where(ch[0], cur)
            if isinstance(text, str) and text and _in_object(w):
                lit = _json_text(text)
                return _clause(w, b'"' + lit if name == "starts_with" else lit + b'"')
            return NOTHING
        if name == "re_search" and len(ch) == 2:
            pattern = _literal_value(ch[0])
            w = self.where(ch[1], cur)
            if isinstance(pattern, str) and _in_object(w):
                lits = required_literals(pattern)
                return _clause(w, *(_json_text(s) for s in lits)) if lits else NOTHING
            return NOTHING
        if name == "concat" and len(ch) == 2:
            return _either(self.truthy(ch[0], cur), self.truthy(ch[1], cur))
        return NOTHING

    # ------------------------------------------------------------------ each
    def nonempty(self, node: dict[str, Any]) -> Need:
        """What ``each`` needs to give anything to evaluate (not null, not [])."""
        t = node.get("type")
        ch = node.get("children") or []
        if t in ("filter_projection", "projection", "flatten"):
            return self.truthy(node, CTX)  # a list or null: something to evaluate iff truthy
        if t == "or_expression":
            return _either(self.truthy(ch[0], CTX), self.nonempty(ch[1]))
        if t == "pipe" and len(ch) == 2 and ch[1].get("type") in ("index", "slice"):
            return self.truthy(ch[0], CTX)
        if t == "literal":
            return NEVER if node.get("value") in (None, []) else NOTHING
        return NOTHING


def _conjuncts(node: dict[str, Any]) -> list[dict[str, Any]]:
    if node.get("type") == "and_expression":
        return [p for c in node.get("children") or [] for p in _conjuncts(c)]
    return [node]


def requirements(rule: Rule) -> Need:
    """What an object's JSON must hold for ``rule`` to find anything in it: each returned
    clause must have a member in it.  Empty: no prefilter."""
    if rule.scope != "object":
        return NOTHING
    d = _Deriver(rule)
    need: Need = d.nonempty(rule.each.parsed) if rule.each is not None else NOTHING
    for w in rule.when:
        for part in _conjuncts(w.parsed):
            need = _both(need, d.truthy(part, CTX))
    need = _useful(need)
    if frozenset() in need:
        return NEVER
    return need[:MAX_CLAUSES]


# ---------------------------------------------------------------------- checking
class ObjectText:
    """The JSON of an object's parts, made on demand (per top-level field, or the whole
    object), and the answers found in it so far."""

    __slots__ = ("obj", "_data", "_found")

    def __init__(self, obj: dict[str, Any]):
        self.obj = obj
        self._data: dict[str, bytes | None] = {}
        self._found: dict[Literal, bool] = {}

    def data(self, section: str) -> bytes | None:
        try:
            return self._data[section]
        except KeyError:
            pass
        try:
            data = orjson.dumps(self.obj if section == WHOLE else self.obj.get(section))
        except (TypeError, orjson.JSONEncodeError):
            data = None
        self._data[section] = data
        return data

    def has(self, literal: Literal) -> bool:
        found = self._found.get(literal)
        if found is None:
            data = self.data(literal[0])
            found = self._found[literal] = data is None or literal[1] in data  # None: cannot tell
        return found


class Prefilter:
    """The compiled requirement of one rule."""

    __slots__ = ("clauses",)

    def __init__(self, need: Need):
        self.clauses = [sorted(clause) for clause in need]

    def passes(self, text: ObjectText) -> bool:
        has = text.has
        for clause in self.clauses:
            for literal in clause:
                if has(literal):
                    break
            else:
                return False
        return True


def prefilter_of(rule: Rule) -> Prefilter | None:
    need = requirements(rule)
    return Prefilter(need) if need else None
