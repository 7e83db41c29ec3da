"""The one analysis pass over expression trees (analyzer/rules/analysis.py)."""

from __future__ import annotations

import inspect

import jmespath
import jmespath.ast
import pytest

from analyzer.rules.analysis import NODE_TYPES, UnknownNode, analyse
from analyzer.rules.expr import compile_expr
from analyzer.rules.functions import RuleFunctions
from analyzer.rules.jmes_compile import compile_tree

# one expression per node type of the jmespath parser, evaluated against CONTEXT
SAMPLES = {
    "field": "a", "literal": "`1`", "index": "xs[0]", "slice": "xs[1:]", "current": "xs[?@ > `1`]",
    "identity": "xs[*]", "expref": "sort_by(ps, &n)", "subexpression": "m.k", "index_expression": "xs[0]",
    "pipe": "xs | [0]", "flatten": "ys[]", "projection": "ps[*].n", "filter_projection": "ps[?n > `1`]",
    "value_projection": "m.*", "comparator": "a == `1`", "and_expression": "a && b", "or_expression": "a || b",
    "not_expression": "!a", "multi_select_list": "[a, b]", "multi_select_dict": "{x: a}",
    "key_val_pair": "{x: a}", "function_expression": "length(xs)",
}
CONTEXT = {"a": 1, "b": 0, "xs": [1, 2, 3], "ys": [[1], [2]], "m": {"k": "v"}, "ps": [{"n": 2}, {"n": 1}]}


def _parser_node_types() -> set[str]:
    """The node types the jmespath parser builds: one constructor each in jmespath.ast."""
    types = set()
    for _name, fn in inspect.getmembers(jmespath.ast, inspect.isfunction):
        args = [None] * len(inspect.signature(fn).parameters)
        types.add(fn(*args)["type"])
    return types


def test_every_parser_node_type_is_handled():
    types = _parser_node_types()
    assert len(types) >= 20
    missing = types - set(NODE_TYPES)
    assert not missing, f"analysis.NODE_TYPES does not handle {sorted(missing)}"
    assert set(SAMPLES) == types, "a sample expression per node type"


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_each_node_type_compiles_and_matches_the_library(kind):
    parsed = jmespath.compile(SAMPLES[kind]).parsed
    assert kind in {n["type"] for n in _walk(parsed)}
    analyse(parsed)  # no UnknownNode
    fns = RuleFunctions()
    fns.vars = CONTEXT
    ours = compile_tree(parsed, fns.FUNCTION_TABLE)(CONTEXT, fns)
    assert ours == jmespath.search(SAMPLES[kind], CONTEXT)


def _walk(node):
    yield node
    for c in node.get("children") or []:
        if isinstance(c, dict):
            yield from _walk(c)


def test_an_unknown_node_type_is_refused():
    with pytest.raises(UnknownNode):
        analyse({"type": "lambda", "children": []})


def test_reads_bare_fields_variables_and_root():
    facts = analyse(compile_expr("status.phase == 'Running' && $limit > `1` && obj.spec.x").parsed)
    assert facts.bare_fields == {"status", "obj"}
    assert facts.variables == ["limit"]
    assert facts.context_reads == frozenset({"status", "obj", "limit"})
    # fields inside a filter or after a path are not read from the root
    assert analyse(compile_expr("obj.spec.containers[?name == 'a'].image").parsed).bare_fields == {"obj"}
    # @ at the root may read anything
    assert analyse(compile_expr("length(@)").parsed).context_reads is None
    assert analyse(compile_expr("xs[?@ > `1`]").parsed).context_reads == frozenset({"xs"})
    assert compile_expr("$obj.metadata.name").bare_fields == frozenset()
