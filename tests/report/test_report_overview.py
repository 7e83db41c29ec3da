"""The cluster overview computed from a bundle, and how the HTML report shows findings."""

from __future__ import annotations

import re

import pytest
from report_samples import bundle_of, shop_cluster, shop_result

from analyzer.bundle.model import Bundle
from analyzer.engine.findings import AnalysisResult, Evidence, Finding, ObjectRef
from analyzer.report.html_report import MAX_EVIDENCE_LINES, MAX_LINE_CHARS, render_html
from analyzer.report.overview import compute_overview, parse_quantity, parse_time
from analyzer.report.sanitize import display_text, safe_url, xml_text


@pytest.mark.parametrize(
    ("text", "value"),
    [("500m", 0.5), ("2", 2.0), ("1Gi", 2.0**30), ("128Mi", 128 * 2.0**20), ("1e3", 1000.0), ("1.5", 1.5),
     ("100k", 1e5), ("10G", 1e10), (3, 3.0), ("", None), ("lots", None), (None, None), ("1Zi", None), (True, None)],
)
def test_parse_quantity(text: object, value: float | None) -> None:
    assert parse_quantity(text) == value


def test_parse_time_handles_kubernetes_formats() -> None:
    assert parse_time("2024-05-14T09:30:00Z").isoformat() == "2024-05-14T09:30:00+00:00"
    assert parse_time("2024-05-14T09:30:00.123456789Z").microsecond == 123456
    assert parse_time("2024-05-14T11:30:00+02:00") == parse_time("2024-05-14T09:30:00Z")
    assert parse_time("yesterday") is None and parse_time(None) is None


def test_overview_nodes_namespaces_and_events() -> None:
    ov = compute_overview(bundle_of(*shop_cluster()))
    nodes = {n.name: n for n in ov.nodes}
    assert list(nodes) == ["cp-1", "worker-1", "worker-2", "worker-3"]
    assert nodes["cp-1"].roles == ["control-plane"] and nodes["cp-1"].ready == "True"
    assert [c.type for c in nodes["worker-2"].problems] == ["DiskPressure"]
    w3 = nodes["worker-3"]
    assert w3.ready == "Unknown" and w3.unschedulable and w3.problems[0].type == "Ready"
    assert w3.taints == ["node.kubernetes.io/unreachable:NoSchedule"]
    # worker-1: cart 500m/256Mi, frontend 1/1Gi, coredns 100m/70Mi; the Succeeded and Failed pods do not count.
    w1 = nodes["worker-1"]
    assert w1.pods == 3
    assert w1.cpu.requested == pytest.approx(1.6)
    assert w1.memory.requested == pytest.approx((256 + 1024 + 70) * 2**20)
    assert w1.cpu.allocatable == 4 and w1.cpu.percent == pytest.approx(40.0)
    namespaces = {n.name: n for n in ov.namespaces}
    assert set(namespaces) == {"default", "kube-system", "monitoring", "shop"}
    shop = namespaces["shop"]
    assert shop.pods == 5 and shop.phases["Running"] == 3 and shop.phases["Pending"] == 2
    assert shop.not_ready == 1 and shop.restarts == 14
    assert namespaces["default"].phases["Failed"] == 1
    events = ov.warning_events
    assert len(events) == 20  # the Normal NodeNotReady event is not a warning
    times = [parse_time(e.time) for e in events]
    assert times == sorted(times)
    assert events[-1].reason == "BackOff" and events[-1].count == 140
    assert sum(n for _t, n in ov.histogram) == 20


def test_overview_survives_malformed_objects() -> None:
    b = Bundle()
    b.add_object({"kind": "Node", "metadata": {"name": "n"}, "status": {"conditions": "nope", "allocatable": []},
                  "spec": {"taints": [1, None]}})
    b.add_object({"kind": "Pod", "metadata": {"name": "p", "namespace": "x"},
                  "spec": {"nodeName": "n", "containers": [None, {"resources": {"requests": {"cpu": "lots"}}}],
                           "initContainers": "x"}, "status": {"phase": 7, "containerStatuses": [1]}})
    b.add_object({"kind": "Event", "type": "Warning", "metadata": {"name": "e", "namespace": "x"},
                  "involvedObject": "bad", "count": "many", "lastTimestamp": 12})
    b.add_object({"kind": "Event", "type": "Warning", "metadata": {"name": "e2", "namespace": "x"},
                  "regarding": {"kind": "Pod", "name": "p"}, "note": "events.k8s.io style",
                  "eventTime": "2024-05-14T09:00:00.000001Z", "series": {"count": 4}})
    b.finalize()
    ov = compute_overview(b)
    assert ov.nodes[0].pods == 1 and ov.nodes[0].cpu.requested == 0
    assert ov.namespaces[0].phases["Unknown"] == 1
    assert [e.message for e in ov.warning_events] == ["", "events.k8s.io style"]
    assert ov.warning_events[1].count == 4 and ov.warning_events[1].object == "Pod/p"
    html = render_html(AnalysisResult(bundle={}, findings=[], rule_errors=[], problems=[]), b)
    assert "No findings." in html


def test_sanitizers() -> None:
    assert display_text("a\tb\nc\x1b[0m\x7f\x85\u202e\ud800") == "a\tb\nc\\x1b[0m\\x7f\\x85\\u202e\ufffd"
    assert xml_text("\ufffe\x0b") == "\\ufffe\\x0b"
    assert safe_url("https://kubernetes.io/docs/") == "https://kubernetes.io/docs/"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil", "https://a b", "https://x/\"><b>", "http:///x",
                " https://x", "vbscript:x"):
        assert safe_url(bad) is None, bad


def test_html_shows_waived_history_errors_problems_and_caps_evidence() -> None:
    long_line = "x" * (MAX_LINE_CHARS + 50)
    lines = [(i, f"line {i}") for i in range(1, MAX_EVIDENCE_LINES + 31)]
    lines[5] = (6, long_line)
    findings = shop_result().findings + [
        Finding("BIG-EVIDENCE", "info", "Big", "cluster", "big evidence", objects=[ObjectRef("Node", "", "n1")],
                evidence=[Evidence("log", path="logs/a/b/c.log", lines=lines),
                          Evidence("text", path="x.txt", lines=[(3, "three"), (9, "nine")]),
                          Evidence("mystery", label="weird", value={"k": [1, 2]}),
                          Evidence("event", value={"reason": "OnlyReason"}),
                          Evidence("event", value="not a dict"),
                          Evidence("object", value={"name": "lonely"}),
                          Evidence("log", path="odd.log", lines=["bare string", (None, "no number"), 7]),
                          Evidence("field", label="nothing", value=None)]),
    ]
    html = render_html(shop_result(findings), bundle_of(*shop_cluster()))
    waived = re.search(r'<article class="finding sev-warning is-waived".*?</article>', html, flags=re.S)
    assert waived and "Waived: node-exporter needs host access (ticket OPS-1234) (until 2024-12-31)" in waived.group(0)
    assert html.index('id="waived-h"') < html.index("node-exporter needs host access")
    assert '<span class="badge history">history</span>' in html and "Cleared before collection" in html
    assert "JMESPath: unknown function: dns_upstreams()" in html
    assert "namespaces/shop/configmaps.json" in html
    assert "30 more lines in <code>logs/a/b/c.log</code>" in html
    assert "[50 more characters]" in html and long_line not in html
    assert '<span class="gap">' in html  # lines 3 and 9 are not adjacent
    assert "&#34;k&#34;: [" in html  # unknown evidence type shown as JSON
    assert "<strong>OnlyReason</strong>" in html and "not a dict" in html and "<code>lonely</code>" in html
    assert "bare string" in html and "no number" in html
    # The rule index links to each rule's first finding.
    index = html.split('class="rule-index"', 1)[1].split("</details>", 1)[0]
    links = re.findall(r'<a href="#(f\d+)"><code>([A-Z-]+)</code></a>', index)
    assert [rule for _a, rule in links][:2] == ["NODE-NOT-READY", "POD-OOMKILLED"]
    assert "SEC-PRIVILEGED" not in index  # waived
    for anchor, rule in links:
        article = html.split(f'id="{anchor}"', 1)[1].split("</h3>", 1)[0]
        assert f'<code class="rule">{rule}</code>' in article
    # Severity order: criticals first, waived last.
    order = re.findall(r'<article class="finding sev-(\w+)', html)
    assert order[:2] == ["critical", "critical"] and order[-1] == "warning"


def test_html_without_bundle() -> None:
    html = render_html(shop_result(), None)
    assert "NODE-NOT-READY" in html and 'id="nodes"' not in html
