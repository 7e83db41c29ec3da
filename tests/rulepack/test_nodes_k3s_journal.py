"""On k3s/rke2 the kubelet logs into the k3s/rke2 service journal: NODE-NOT-READY reads it."""

from __future__ import annotations

from datetime import UTC, datetime

from analyzer.bundle.model import Bundle, text_from_bytes
from analyzer.engine.evaluate import analyze_bundle, load_rules

LINE = ('Nov 20 09:39:12 k3s-1 k3s[2211]: E1120 09:39:12.101231    2211 kubelet.go:2901] "Container runtime network '
        'not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: '
        'cni plugin not initialized"\n')


def test_node_not_ready_quotes_the_k3s_journal():
    rules = [r for r in load_rules([], builtin=True, cache=True).rules if r.id == "NODE-NOT-READY"]
    b = Bundle(collected_at=datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    b.add_object({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "k3s-1", "uid": "n"},
                  "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "KubeletNotReady",
                                             "message": "container runtime network not ready",
                                             "lastTransitionTime": "2026-11-20T09:30:00Z"}]}})
    vp = "nodes/k3s-1/commands/journal-k3s.txt"
    b.add_node_file("k3s-1", "commands/journal-k3s.txt", text_from_bytes(vp, vp, LINE.encode()))
    b.finalize()
    res = analyze_bundle(b, rules)
    assert not res.rule_errors
    [f] = res.findings
    assert "cni plugin not initialized" in f.message, f.message
