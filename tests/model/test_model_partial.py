"""Partial objects: one mark (docs/bundle-format.md "Partial objects") that readers set,
the model counts, and rules can test."""

from __future__ import annotations

import jmespath

from analyzer.bundle.model import Bundle
from analyzer.bundle.partial import KNOWN_FROM_ANNOTATION, PARTIAL_ANNOTATION, is_partial, mark_partial


def test_mark_count_and_test_from_a_rule_expression():
    b = Bundle()
    known = mark_partial({"kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop", "annotations": None}},
                         ["status", "spec"], "log file paths")
    full = {"kind": "Pod", "metadata": {"name": "db-0", "namespace": "shop", "annotations": {"a": "b"}}}
    assert b.add_object(known) and b.add_object(full)
    b.finalize()
    assert is_partial(known) and not is_partial(full) and not is_partial({"kind": "Pod"})
    assert known["metadata"]["annotations"] == {PARTIAL_ANNOTATION: "spec,status", KNOWN_FROM_ANNOTATION: "log file paths"}
    assert b.partial_counts() == {"Pod": 1}
    # how a rule skips what it cannot check
    expr = '[?!(metadata.annotations."kbundle.io/partial")].metadata.name'
    assert jmespath.search(expr, b.objects("Pod")) == ["db-0"]
