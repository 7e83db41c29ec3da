"""Prefilters of object rules: literals one of which an object's JSON must contain for a rule
to find anything in it.

Most objects of a large bundle are healthy, and a rule about containers waiting with reason
``CreateContainerConfigError`` can only find something in a pod whose ``status`` holds the
JSON string ``"CreateContainerConfigError"``.  The engine serialises the parts of an object
the rules of its kind look into (orjson, in C), splits it at its quotes once (so that
``"Pending"`` or ``"terminated":`` is a set lookup; other literals are searched in it), and
evaluates a rule only when every one of its requirements holds, instead of evaluating every
rule on every object.  A requirement that most objects meet is dropped after a few hundred
objects: checking it would cost more than the evaluations it saves.

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
for ``obj.status.containerStatuses[...]``), in the object's events (``events(obj)[...]``) or
in the whole object.  Anything else derives
nothing, and a rule without requirements runs on every object.  The condition is necessary,
never sufficient: a rule that runs is evaluated as before, so the findings are the same;
only errors a skipped evaluation would have raised do not happen.
"""

from __future__ import annotations

from typing import Any

import orjson

from analyzer.rules.analysis import NOT_LITERAL, conjuncts, literal_value, variable_name
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
EVENTS = "@events"  # the object's events, ``events(obj)`` ("@events.reason": their reasons)
CTX = object()
Where = Any  # str | CTX | None


def _json_text(s: str) -> bytes:
    """``s`` as it appears inside a JSON string (escaped the way orjson escapes it)."""
    return orjson.dumps(s)[1:-1]


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
        # ``item`` is an element of the list ``each`` gives: where those elements are
        self.item: Where = None
        if rule.each is not None:
            elements = self.where(rule.each.parsed, CTX)
            self.item = elements if _in_object(elements) else None

    # ------------------------------------------------------------------ where values are
    def where(self, node: dict[str, Any], cur: Where) -> Where:  # noqa: C901 - one branch per JMESPath node type
        """Where the value of ``node`` evaluated at ``cur`` is: a part of the object (or a
        list of its parts) in the returned top-level field (WHOLE: anywhere), or None."""
        t = node.get("type")
        ch = node.get("children") or []
        if t == "field":
            name = node["value"]
            if cur is CTX:
                if name == "obj":
                    return ROOT
                if name == "item":
                    return self.item
                if name == "bundle" or name in self.lets:
                    return None
                return name  # a top-level field of the object itself
            if cur == ROOT:
                return name
            if cur == EVENTS:
                return f"{EVENTS}.{name}"
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
            if literal_value(ch[1]) in ([], None):
                return a if _in_object(a) else None
            return _join(a, self.where(ch[1], cur))
        if t == "function_expression":
            name = node["value"]
            if name == "var":
                var = variable_name(node)
                if var in self.lets and self.depth < 50:  # a let's value is where its expression's is
                    self.depth += 1
                    try:
                        return self.where(self.lets[var], CTX)
                    finally:
                        self.depth -= 1
                return ROOT if var == "obj" else self.item if var == "item" else None
            if name == "events" and len(ch) == 1 and self.where(ch[0], cur) == ROOT:
                return EVENTS
            if name == "concat" and len(ch) == 2:
                parts = [self.where(c, cur) for c in ch if literal_value(c) not in ([], None)]
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
        if t == "pipe" and len(ch) == 2 and _part_of_current(ch[1]):
            return self.truthy(ch[0], cur)
        if t == "function_expression":
            return self._function(node, cur)
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
                v = literal_value(other)
                w = self.where(side, cur)
                if v is not NOT_LITERAL and _in_object(w):
                    b = _value_bytes(v)
                    return _clause(w, b) if b is not None else NOTHING
            return NOTHING
        # length(x) > `0` / length(x) >= `1`: x is not empty
        if left.get("type") == "function_expression" and left.get("value") == "length" and len(left["children"]) == 1:
            v = literal_value(right)
            if (op == "gt" and v == 0 or op == "gte" and v == 1) and not isinstance(v, bool):
                return self.truthy(left["children"][0], cur)
        return NOTHING

    def _function(self, node: dict[str, Any], cur: Where) -> Need:
        name, ch = node["value"], node.get("children") or []
        if name == "var":
            let = self.lets.get(variable_name(node) or "")
            return self.truthy(let, CTX) if let is not None else NOTHING
        if name == "contains" and len(ch) == 2:
            # Strings only: a string equals nothing but a string (1 == true in a Python list).
            items = literal_value(ch[0])
            w = self.where(ch[1], cur)
            if isinstance(items, list) and _in_object(w):
                if not items:
                    return NEVER
                if all(isinstance(x, str) for x in items):
                    return _clause(w, *(orjson.dumps(x) for x in items))
                return NOTHING
            needle = literal_value(ch[1])
            w = self.where(ch[0], cur)
            if isinstance(needle, str) and needle and _in_object(w):
                return _clause(w, _json_text(needle))  # in a string, a list or as a key
            return NOTHING
        if name in ("starts_with", "ends_with") and len(ch) == 2:
            text = literal_value(ch[1])
            w = self.where(ch[0], cur)
            if isinstance(text, str) and text and _in_object(w):
                lit = _json_text(text)
                return _clause(w, b'"' + lit if name == "starts_with" else lit + b'"')
            return NOTHING
        if name == "re_search" and len(ch) == 2:
            pattern = literal_value(ch[0])
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
        if t == "pipe" and len(ch) == 2 and _part_of_current(ch[1]):
            return self.truthy(ch[0], CTX)
        if t == "literal":
            return NEVER if node.get("value") in (None, []) else NOTHING
        return NOTHING


def _part_of_current(node: dict[str, Any]) -> bool:
    """``[0]``, ``[-1:]`` (after a pipe): a value there means the list before it is not empty."""
    t = node.get("type")
    if t in ("index", "slice"):
        return True
    ch = node.get("children") or []
    if t == "projection" and len(ch) == 2 and ch[1].get("type") == "identity":
        inner = ch[0]
        ich = inner.get("children") or []
        return inner.get("type") == "index_expression" and len(ich) == 2 and ich[0].get("type") == "identity" \
            and ich[1].get("type") in ("index", "slice")
    return False


def requirements(rule: Rule) -> Need:
    """What an object's JSON must hold for ``rule`` to find anything in it: each returned
    clause must have a member in it.  Empty: no prefilter."""
    if rule.scope != "object":
        return NOTHING
    d = _Deriver(rule)
    need: Need = d.nonempty(rule.each.parsed) if rule.each is not None else NOTHING
    for w in rule.when:
        for part in conjuncts(w.parsed):
            need = _both(need, d.truthy(part, CTX))
    need = _useful(need)
    if frozenset() in need:
        return NEVER
    narrow = tuple(c for c in need if all(section != WHOLE for section, _lit in c))
    if narrow:  # a whole-object search costs more than it selects
        need = narrow
    # a clause holding every literal of another one holds whenever that one does
    need = tuple(c for c in need if not any(o < c for o in need))
    return need[:MAX_CLAUSES]


# ---------------------------------------------------------------------- checking
def _token_of(lit: bytes) -> bytes | None:
    """For ``"text"`` and ``"key":``, the piece a JSON holding the literal has between two
    consecutive quotes; None for other literals (searched as substrings)."""
    if len(lit) < 2 or not lit.startswith(b'"'):
        return None
    inner = lit[1:-2] if lit.endswith(b'":') else lit[1:-1] if lit.endswith(b'"') else None
    if inner is None or b'"' in inner or inner.endswith(b"\\"):
        return None
    return inner


class Prefilter:
    """The compiled requirement of one rule, and how often each clause let objects through."""

    __slots__ = ("rule_id", "clauses", "checked", "held")

    def __init__(self, rule_id: str, need: Need):
        self.rule_id = rule_id
        self.clauses: list[frozenset[Literal]] = list(need)
        self.checked = 0
        self.held = [0] * len(self.clauses)

    def adapt(self) -> bool:
        """Keep the first clause that holds for at most 80% of the objects, or none: checking
        the others costs more than the evaluations they save (one selective clause saves
        nearly all of them).  True when the prefilter changed."""
        if self.checked < ADAPT_AFTER or not self.clauses:
            return False
        keep = [i for i, n in enumerate(self.held) if n * 5 <= self.checked * 4][:1]
        if keep == [0] and len(self.clauses) == 1:
            return False
        self.clauses = [self.clauses[i] for i in keep]
        self.held = [self.held[i] for i in keep]
        return True


ADAPT_AFTER = 256  # objects checked before the clauses of a prefilter are judged


class KindPrefilter:
    """The prefilters of the rules of one kind, checked together: per object, each
    top-level field they look into is serialised once, split at its quotes once, and the
    set of their literals it holds found with one set intersection (plus one substring
    search per literal that is not a whole JSON string or key); each rule's check is then
    a few set operations."""

    def __init__(self, prefilters: list[Prefilter], events_of: Any = None):
        self.prefilters = prefilters
        self.events_of = events_of  # obj -> its events (the bundle's index)
        sections: dict[str, tuple[dict[bytes, list[Literal]], list[Literal]]] = {}
        for pf in prefilters:
            for clause in pf.clauses:
                for literal in clause:
                    tokens, substrings = sections.setdefault(literal[0], ({}, []))
                    token = _token_of(literal[1])
                    if token is not None:
                        if literal not in tokens.setdefault(token, []):
                            tokens[token].append(literal)
                    elif literal not in substrings:
                        substrings.append(literal)
        self.sections = [(section, frozenset(tokens), tokens, substrings)
                         for section, (tokens, substrings) in sorted(sections.items())]

    def _events(self, obj: dict[str, Any]) -> list[Any]:
        if self.events_of is None:
            raise TypeError("no events index")
        return self.events_of(obj)

    def found(self, obj: dict[str, Any]) -> set[Literal]:
        """The literals ``obj``'s JSON holds (all of a part that cannot be serialised)."""
        found: set[Literal] = set()
        events = None
        for section, token_set, tokens, substrings in self.sections:
            try:
                if section.startswith(EVENTS):
                    events = self._events(obj) if events is None else events
                    field = section[len(EVENTS) + 1:]
                    value = [e.get(field) if isinstance(e, dict) else None for e in events] if field else events
                    data = orjson.dumps(value)
                else:
                    data = orjson.dumps(obj if section == WHOLE else obj.get(section))
            except (TypeError, orjson.JSONEncodeError):
                for lits in tokens.values():
                    found.update(lits)
                found.update(substrings)
                continue
            if token_set:
                for token in token_set.intersection(data.split(b'"')):
                    found.update(tokens[token])
            for literal in substrings:
                if literal[1] in data:
                    found.add(literal)
        return found

    def passing(self, obj: dict[str, Any]) -> list[str]:
        """Ids of the rules whose requirements ``obj`` meets."""
        found = self.found(obj)
        out = []
        for pf in self.prefilters:
            pf.checked += 1
            passed = True
            held = pf.held
            for i, clause in enumerate(pf.clauses):
                if clause.isdisjoint(found):
                    passed = False  # (the other clauses are still counted, for adapt())
                else:
                    held[i] += 1
            if passed:
                out.append(pf.rule_id)
        return out


def prefilter_of(rule: Rule) -> Prefilter | None:
    need = requirements(rule)
    return Prefilter(rule.id, need) if need else None
