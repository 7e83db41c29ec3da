"""Arithmetic and file_lines(): null-safe, usable in conditions and templates."""

from __future__ import annotations

import textwrap

from analyzer.bundle.model import Bundle, text_from_bytes
from analyzer.engine.evaluate import analyze_bundle
from analyzer.rules.loader import load_rule_text

RULE = textwrap.dedent("""\
    - id: ARITH
      title: arithmetic
      severity: info
      category: cluster
      scope: object
      kind: Node
      let:
        half: "div(quantity(status.capacity.memory), `2`)"
        x: "add(mul(`3`, `4`), sub(`10`, `4`))"
        lines: "file_lines('host_service_logs/masters/kubelet_service.log')"
      when: "$x == `18` && $half == `536870912` && length($lines) == `2` && div(`1`, `0`) == null && add('a', `1`) == null"
      message: "half {{ half|int }} of {{ x }}, {{ lines|length }} lines"
      remediation: x
      examples:
        - {expect: match, objects: [{kind: Node, metadata: {name: n}, status: {capacity: {memory: 1Gi}}}],
           files: {"host_service_logs/masters/kubelet_service.log": "a\\nb\\n"}}
        - {expect: no_match, objects: [{kind: Node, metadata: {name: n}, status: {capacity: {memory: 2Gi}}}],
           files: {"host_service_logs/masters/kubelet_service.log": "a\\nb\\n"}}
    """)


def test_arithmetic_and_file_lines():
    loaded = load_rule_text(RULE, "arith.yaml")
    assert not loaded.issues, [str(i) for i in loaded.issues]
    b = Bundle()
    b.add_object({"kind": "Node", "metadata": {"name": "n"}, "status": {"capacity": {"memory": "1Gi"}}})
    vp = "host_service_logs/masters/kubelet_service.log"
    b.other_files[vp] = text_from_bytes(vp, vp, b"a\nb\n")
    b.finalize()
    res = analyze_bundle(b, loaded.rules)
    assert not res.rule_errors
    assert [f.message for f in res.findings] == ["half 536870912 of 18, 2 lines"]
