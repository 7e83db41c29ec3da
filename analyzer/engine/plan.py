"""How one rule's ``let`` values and ``when`` conditions are evaluated: on demand.

docs/rules.md promises that the result is that of computing every ``let`` in order and then
checking every ``when``.  Most objects of a large bundle are healthy and fail a rule's
conditions, so the plan computes as little as that promise allows:

* each ``when`` is split into its top-level ``&&`` parts (truthy ``a && b`` is truthy ``a``
  and truthy ``b``); parts that can read fewer ``let`` values go first;
* a ``let`` is computed when an expression first reads it (``$name``), so the values a
  short-circuited ``&&``/``||`` skips are never computed; once every condition holds the
  remaining values are computed in order (for ``since``, ``objects``, evidence and the
  templates);
* a ``let`` that reads nothing but other ``let`` values holding plain values (strings,
  numbers, booleans, null, short lists of them) or values computed the same way is computed
  once per distinct input and shared (``objects('Pod', $ns)[...]`` for the pods of a namespace): expressions
  have no side effects and the bundle does not change during an analysis.

Expressions have no side effects, so none of this changes a result.  A rule whose
expressions may read a ``let`` other than through ``$name`` (as a bare root field, through
``@`` at the root, ``var()`` of a computed name) keeps the plain order: its values are
computed in order up to the last one a condition needs.
"""

from __future__ import annotations

from typing import Any

from analyzer.rules.analysis import analyse, conjuncts
from analyzer.rules.expr import Expr
from analyzer.rules.functions import FUNCTION_TABLE
from analyzer.rules.jmes_compile import Deferred, compile_tree, is_false
from analyzer.rules.model import Rule

# Names whose value is the same for every evaluation of an analysis.
CONSTANT_NAMES = frozenset({"bundle"})
MEMO_MAX_ENTRIES = 50_000  # per let; past it, values are computed without sharing
MEMO_LIST_MAX = 16  # lists of up to this many plain values are inputs compared by value
_SCALARS = (str, int, float, bool, type(None))


class _Condition:
    __slots__ = ("fn", "needs", "order")

    def __init__(self, fn: Any, needs: tuple[int, ...], order: int):
        self.fn = fn
        self.needs = needs  # lets it may read, directly or not, ascending
        self.order = order


class _PendingLet(Deferred):
    """Stands in the context for a ``let`` not computed yet."""

    __slots__ = ("plan", "index")

    def __init__(self, plan: RulePlan, index: int):
        self.plan = plan
        self.index = index

    def force(self, rt: Any) -> Any:
        ctx = rt.vars
        self.plan._compute(self.index, ctx, rt)
        return ctx[self.plan.names[self.index]]


class RulePlan:
    """The evaluation plan of one rule (one per analysis: it holds the shared values)."""

    def __init__(self, rule: Rule):  # noqa: C901 - builds the whole evaluation plan in one pass
        self.rule = rule
        lets: list[tuple[str, Expr]] = list(rule.let)
        self.names = [name for name, _e in lets]
        self.fns = [e.fn for _n, e in lets]
        index = {name: i for i, name in enumerate(self.names)}
        n = len(lets)
        parts: list[tuple[Any, frozenset[str] | None, frozenset[str]]] = []
        for w in rule.when:
            for part in conjuncts(w.parsed):
                if part is w.parsed:
                    parts.append((w.fn, w.context_reads, w.bare_fields))
                else:
                    facts = analyse(part)
                    parts.append((compile_tree(part, FUNCTION_TABLE), facts.context_reads, frozenset(facts.bare_fields)))

        # Direct dependencies between lets.  In-order mode when a value may be read other
        # than as $name, or a let reads the object field a later let shadows.
        deps: list[set[int]] = []
        in_order = False
        for i, (_name, e) in enumerate(lets):
            reads = e.context_reads
            if reads is None:
                in_order = True
                deps.append(set(range(i)))
                continue
            d = set()
            for r in reads:
                j = index.get(r)
                if j is None:
                    continue
                if j >= i:
                    in_order = True
                    continue
                d.add(j)
            deps.append(d)
        if not in_order and n:
            bare: set[str] = set()
            for _name, e in lets:
                bare |= e.bare_fields
            for _fn, reads, part_bare in parts:
                if reads is None:
                    in_order = True
                bare |= part_bare
            in_order = in_order or bool(bare & set(self.names))
        self.in_order = in_order

        closure: list[frozenset[int]] = []
        for i in range(n):
            c = {i}
            for j in deps[i]:
                c |= closure[j]
            closure.append(frozenset(c))

        def needs_of(reads: frozenset[str] | None) -> tuple[int, ...]:
            if reads is None:
                return tuple(range(n))
            direct = [index[r] for r in reads if r in index]
            if not direct:
                return ()
            if in_order:
                return tuple(range(max(direct) + 1))
            c: set[int] = set()
            for j in direct:
                c |= closure[j]
            return tuple(sorted(c))

        conds = [_Condition(fn, needs_of(reads), k) for k, (fn, reads, _part) in enumerate(parts)]
        conds.sort(key=lambda c: (len(c.needs), c.needs[-1] if c.needs else -1, c.order))
        self.conds = conds

        # Lets computed once per distinct input: they read only earlier lets (and constants).
        self.memo_inputs: list[tuple[str, ...] | None] = []
        for i, (_name, e) in enumerate(lets):
            reads = e.context_reads
            if reads is not None and all(r in CONSTANT_NAMES or (r in index and index[r] < i) for r in reads):
                self.memo_inputs.append(tuple(sorted(r for r in reads if r not in CONSTANT_NAMES)))
            else:
                self.memo_inputs.append(None)
        self._memo: list[dict[tuple[Any, ...], Any]] = [{} for _ in range(n)]
        self._pinned: set[int] = set()  # ids of shared values (kept alive by the memo)
        self._pending = [_PendingLet(self, i) for i in range(n)]
        self._pending_ctx = {name: p for name, p in zip(self.names, self._pending, strict=True)}

    # ------------------------------------------------------------------ evaluation
    def _key(self, inputs: tuple[str, ...], ctx: dict[str, Any], fns: Any) -> tuple[Any, ...] | None:
        key: list[Any] = []
        pinned = self._pinned
        for name in inputs:
            v = ctx.get(name)
            if type(v) is _PendingLet:
                # Computed now rather than when the expression reads it: a shared value is
                # worth it, and no more is computed than the plain order computes.
                v = v.force(fns)
            if type(v) in _SCALARS:
                key.append((type(v), v))
            elif id(v) in pinned:
                key.append(("id", id(v)))
            elif type(v) is list and len(v) <= MEMO_LIST_MAX and all(type(x) in _SCALARS for x in v):
                key.append(("list", *((type(x), x) for x in v)))  # e.g. a pod's toleration keys
            else:
                return None  # a larger value computed afresh
        return tuple(key)

    def _compute(self, i: int, ctx: dict[str, Any], fns: Any) -> None:
        inputs = self.memo_inputs[i]
        key = self._key(inputs, ctx, fns) if inputs is not None else None
        if key is None:
            ctx[self.names[i]] = self.fns[i](ctx, fns)
            return
        memo = self._memo[i]
        try:
            ctx[self.names[i]] = memo[key]
            return
        except KeyError:
            pass
        value = self.fns[i](ctx, fns)
        ctx[self.names[i]] = value
        if len(memo) < MEMO_MAX_ENTRIES:
            memo[key] = value
            if type(value) not in _SCALARS:
                self._pinned.add(id(value))

    def holds(self, ctx: dict[str, Any], fns: Any, owned: bool, complete: bool = True) -> dict[str, Any] | None:
        """The context with every ``let`` computed when all conditions hold, else None.

        ``owned``: the caller's ``ctx`` may receive the ``let`` values; when False it is
        copied first (a context shared by several rules).  ``complete=False`` leaves the
        values no condition needed to be computed when read, or by :meth:`complete` (a
        grouping rule completes only the member its finding is made from)."""
        names = self.names
        if not names:
            fns.vars = ctx
            for cond in self.conds:
                if is_false(cond.fn(ctx, fns)):
                    return None
            return ctx
        if not owned:
            ctx = dict(ctx)
        fns.vars = ctx
        if self.in_order:
            return self._holds_in_order(ctx, fns)
        ctx.update(self._pending_ctx)
        for cond in self.conds:
            if is_false(cond.fn(ctx, fns)):
                return None
        if complete:
            self.complete(ctx, fns)
        return ctx

    def complete(self, ctx: dict[str, Any], fns: Any) -> dict[str, Any]:
        """Compute the ``let`` values of ``ctx`` still pending (templates read them directly)."""
        fns.vars = ctx
        pending = self._pending
        for i, name in enumerate(self.names):
            if ctx.get(name) is pending[i]:
                self._compute(i, ctx, fns)
        return ctx

    def _holds_in_order(self, ctx: dict[str, Any], fns: Any) -> dict[str, Any] | None:
        done = 0
        for cond in self.conds:
            if cond.needs:
                while done <= cond.needs[-1]:
                    self._compute(done, ctx, fns)
                    done += 1
            if is_false(cond.fn(ctx, fns)):
                return None
        while done < len(self.names):
            self._compute(done, ctx, fns)
            done += 1
        return ctx
