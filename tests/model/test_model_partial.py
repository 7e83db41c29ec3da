"""Partial objects: one mark (docs/bundle-format.md "Partial objects") that readers set,
the model counts, and rules can test."""

from __future__ import annotations

import jmespath

from analyzer.bundle.model import PARTIAL_ANNOTATION, Bundle, is_partial, mark_partial


def test_mark_count_and_test_from_a_rule_expression():
    b = Bundle()
    known = mark_partial({"kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop", "annotations": None}},
                         "from log file paths: name, namespace")
    full = {"kind": "Pod", "metadata": {"name": "db-0", "namespace": "shop", "annotations": {"a": "b"}}}
    assert b.add_object(known) and b.add_object(full)
    b.finalize()
    assert is_partial(known) and not is_partial(full) and not is_partial({"kind": "Pod"})
    assert known["metadata"]["annotations"] == {PARTIAL_ANNOTATION: "from log file paths: name, namespace"}
    assert b.partial_counts() == {"Pod": 1}
    # how a rule skips what it cannot check
    expr = '[?!(metadata.annotations."kbundle.dev/partial")].metadata.name'
    assert jmespath.search(expr, b.objects("Pod")) == ["db-0"]
