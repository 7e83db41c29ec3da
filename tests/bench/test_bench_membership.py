"""``list[?contains(subject, $x)]`` through an index (analyzer.rules.jmes_compile) gives what
the JMESPath library's interpreter gives, whatever the subjects hold."""

from __future__ import annotations

import random
from typing import Any

import pytest

from analyzer.bundle.model import Bundle
from analyzer.engine.context import Evaluator
from analyzer.rules import jmes_compile
from analyzer.rules.expr import compile_expr

SUBJECTS: list[Any] = [
    ["a", "b"], ["b"], [1, 2], [True], [1.0], [None, "a"], [["a"], {"a": 1}], "xaby", "a", {"a": 1, "b": 2},
    {"c": None}, 7, None, [], "", ["A"], [0, False], ["a", "a", "b"],
]
SEARCHES: list[Any] = ["a", "b", "ab", "A", 1, True, 1.0, 0, False, None, ["a"], {"a": 1}, "zz", ""]


def _bundle(n: int, seed: int = 3) -> Bundle:
    rng = random.Random(seed)
    b = Bundle()
    for i in range(n):
        spec: dict[str, Any] = {"containers": [{"name": "c", "env": [{"name": "X", "valueFrom": {
            "secretKeyRef": {"name": rng.choice(["s1", "s2", "s3"])}}}]}]}
        tags = rng.choice(SUBJECTS)
        if tags is not None:
            spec["tags"] = tags
        b.add_object({"kind": "Pod", "metadata": {"name": f"p{i}", "namespace": "ns"}, "spec": spec}, "t")
    return b.finalize()


@pytest.mark.parametrize("expression", [
    "objects('Pod')[?contains(spec.tags, $x)].metadata.name",
    "objects('Pod')[?contains([spec.containers[].env[].valueFrom.secretKeyRef.name, spec.tags][], $x)].metadata.name",
    "objects('Pod')[?contains(spec.tags, 'a')].metadata.name",
])
def test_indexed_filter_matches_the_interpreter(expression: str) -> None:
    bundle = _bundle(300)
    ev = Evaluator(bundle)
    expr = compile_expr(expression.replace("$x", "var('x')"))
    for _round in range(2):  # the second round answers from the index built by the first
        for search in SEARCHES + ["s1", "s2", "s9"]:
            ctx = {"obj": None, "item": None, "bundle": ev.bundle_ctx, "x": search}
            assert ev.eval(expr, ctx) == ev.eval_interpreted(expr, ctx), (expression, search)
    assert ev.fns.__dict__.get("_filter_indexes"), "the index was used"


def test_small_lists_are_filtered_plainly() -> None:
    bundle = _bundle(jmes_compile.INDEX_MIN_ELEMENTS - 1)
    ev = Evaluator(bundle)
    expr = compile_expr("objects('Pod')[?contains(spec.tags, var('x'))].metadata.name")
    for search in SEARCHES:
        ctx = {"obj": None, "item": None, "bundle": ev.bundle_ctx, "x": search}
        assert ev.eval(expr, ctx) == ev.eval_interpreted(expr, ctx)
    assert not ev.fns.__dict__.get("_filter_indexes")


def test_subjects_reading_variables_are_not_indexed() -> None:
    node = compile_expr("objects('Pod')[?contains(concat(spec.tags, var('y')), var('x'))]").parsed
    assert jmes_compile._membership_filter(node["children"], None, None, None, jmes_compile_table()) is None


def jmes_compile_table() -> dict[str, Any]:
    from analyzer.rules.functions import FUNCTION_TABLE

    return FUNCTION_TABLE
