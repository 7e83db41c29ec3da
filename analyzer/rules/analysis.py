"""One pass over a parsed JMESPath tree: what an expression reads, calls and holds.

The compiler (:mod:`analyzer.rules.expr`), the evaluation plan (:mod:`analyzer.engine.plan`)
and the prefilters (:mod:`analyzer.engine.prefilter`) all need to know which names an
expression reads from its context; they take it from :func:`analyse`, the only walker that
knows how each node type relates its children to the value it is evaluated on.

``NODE_TYPES`` lists every node type of the jmespath parser and what its children are
evaluated on; a node type it does not list makes :func:`analyse` raise, and a test checks
the list against the parser's node constructors (``jmespath.ast``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Node = dict[str, Any]

# How a node's children are evaluated, relative to the value the node is evaluated on:
#   SAME: every child on that value (a child at the context root stays at the root)
#   FIRST: the first child on that value, the others on what it gives (paths, projections)
#   NONE: no child is evaluated on that value (leaves; expref bodies run on list elements)
SAME, FIRST, NONE = "same", "first", "none"
NODE_TYPES: dict[str, str] = {
    "field": NONE,
    "literal": NONE,
    "index": NONE,
    "slice": NONE,
    "current": NONE,
    "identity": NONE,
    "expref": NONE,
    "subexpression": FIRST,
    "index_expression": FIRST,
    "pipe": FIRST,
    "flatten": FIRST,
    "projection": FIRST,
    "filter_projection": FIRST,
    "value_projection": FIRST,
    "comparator": SAME,
    "and_expression": SAME,
    "or_expression": SAME,
    "not_expression": SAME,
    "multi_select_list": SAME,
    "multi_select_dict": SAME,
    "key_val_pair": SAME,
    "function_expression": SAME,
}


class UnknownNode(ValueError):
    """A node type this module does not know (a newer jmespath)."""


@dataclass
class TreeFacts:
    """What one expression tree reads and calls.

    ``variables``: names read as ``$name`` (``var('name')``), in order, once each;
    ``bare_fields``: names read as plain fields of the context root (``status`` in
    ``status.phase``); ``reads_anything``: the root itself is read (``@`` at the root,
    ``var()`` of a computed name), so any name may be; ``calls``: every function call with
    its argument nodes; ``not_misuse``: a ``!a.b`` (which means ``(!a).b``) was seen."""

    variables: list[str] = field(default_factory=list)
    bare_fields: set[str] = field(default_factory=set)
    reads_anything: bool = False
    calls: list[tuple[str, list[Node]]] = field(default_factory=list)
    not_misuse: bool = False

    @property
    def context_reads(self) -> frozenset[str] | None:
        """The context names read (bare fields and variables); None: any of them."""
        if self.reads_anything:
            return None
        return frozenset(self.bare_fields) | frozenset(self.variables)


def variable_name(node: Node) -> str | None:
    """``name`` for a ``var('name')`` node, else None."""
    ch = node.get("children") or []
    if node.get("type") == "function_expression" and node.get("value") == "var" and len(ch) == 1 \
            and ch[0].get("type") == "literal" and isinstance(ch[0].get("value"), str):
        return ch[0]["value"]
    return None


def analyse(node: Node) -> TreeFacts:
    """The facts of a tree, in one walk."""
    facts = TreeFacts()
    _visit(node, True, facts)
    return facts


def _visit(node: Node, at_root: bool, facts: TreeFacts) -> None:
    kind = node.get("type")
    how = NODE_TYPES.get(kind)  # type: ignore[arg-type]
    if how is None:
        raise UnknownNode(f"unsupported JMESPath node {kind!r}")
    children = [c for c in (node.get("children") or []) if isinstance(c, dict)]
    if kind == "field":
        if at_root:
            facts.bare_fields.add(node["value"])
    elif kind in ("current", "identity"):
        if at_root:
            facts.reads_anything = True
    elif kind == "function_expression":
        facts.calls.append((node["value"], children))
        if node["value"] == "var":
            name = variable_name(node)
            if name is None:
                facts.reads_anything = True
            elif name not in facts.variables:
                facts.variables.append(name)
    elif kind == "subexpression" and children and children[0].get("type") == "not_expression":
        facts.not_misuse = True
    for i, child in enumerate(children):
        if how == SAME:
            _visit(child, at_root, facts)
        elif how == FIRST:
            _visit(child, at_root and i == 0, facts)
        else:
            _visit(child, False, facts)


def conjuncts(node: Node) -> list[Node]:
    """The top-level ``&&`` parts of a condition (truthy ``a && b`` is truthy ``a`` and ``b``)."""
    if node.get("type") == "and_expression":
        return [p for c in node.get("children") or [] for p in conjuncts(c)]
    return [node]


NOT_LITERAL = object()


def literal_value(node: Node) -> Any:
    """The value of a literal (``'a'``, a JSON literal, a list of literals ``['a', 'b']``),
    else ``NOT_LITERAL``."""
    t = node.get("type")
    if t == "literal":
        return node.get("value")
    if t == "multi_select_list":
        values = [literal_value(c) for c in node.get("children") or []]
        return NOT_LITERAL if any(v is NOT_LITERAL for v in values) else values
    return NOT_LITERAL
