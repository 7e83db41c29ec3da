"""Pod and scheduling rules: each pod scenario bundle gives its finding with the correlated evidence,
install-time crashes are history, node-file correlations degrade without node files, and the real
captures raise no warning, critical or rule error from these rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from analyzer.bundle.model import Bundle
from analyzer.bundle.reader import open_bundle
from analyzer.engine.evaluate import analyze_bundle, load_rules

REPO = Path(__file__).resolve().parents[2]
RULE_FILES = [REPO / "rules" / "pods.yaml", REPO / "rules" / "scheduling.yaml"]
REALDATA = REPO.parent / "shared" / "realdata"
SCENARIOS = REPO.parent / "shared" / "scenarios.yaml"


@pytest.fixture(scope="module")
def rules():
    res = load_rules(RULE_FILES, builtin=False)
    assert not res.issues, [str(i) for i in res.issues]
    return res.rules


def _analyze(rules, bundle: Bundle):
    result = analyze_bundle(bundle, rules)
    assert not result.rule_errors, [(e.rule_id, e.error) for e in result.rule_errors]
    return result.findings


def _findings(rules, path: Path):
    with open_bundle(path) as b:
        return _analyze(rules, b)


def _one(findings, rule_id):
    found = [f for f in findings if f.rule_id == rule_id]
    assert len(found) == 1, (rule_id, [(f.rule_id, str(f.objects[0]) if f.objects else None) for f in findings])
    return found[0]


def test_every_pod_scenario_is_covered_and_proven(rules):
    """Every POD-* id of scenarios.yaml: a rule lists it, and its bundle yields a current finding of such a rule."""
    if not SCENARIOS.exists():
        pytest.skip("../shared/scenarios.yaml absent")
    ids = [s["id"] for s in yaml.safe_load(SCENARIOS.read_text()) if s["id"].startswith("POD-")]
    covering: dict[str, set[str]] = {}
    for r in rules:
        for sid in r.scenarios:
            covering.setdefault(sid, set()).add(r.id)
    for sid in ids:
        assert sid in covering, f"no rule covers {sid}"
        findings = _findings(rules, REPO / "bundles" / sid.lower())
        hits = [f for f in findings if f.rule_id in covering[sid] and f.state == "current"]
        assert hits, f"bundles/{sid.lower()}: no current finding of {sorted(covering[sid])}"


def test_oom_correlated_with_kernel_memcg_line(rules):
    f = _one(_findings(rules, REPO / "bundles" / "pod-oomkilled"), "POD-OOMKILLED")
    assert f.severity == "critical" and f.state == "current"
    assert "512Mi" in f.message
    assert "Memory cgroup out of memory: Killed process 48211 (java)" in f.message


def test_sigkill_without_own_limit_names_node_oom(rules):
    findings = _findings(rules, REPO / "bundles" / "pod-sigkill-not-oom")
    f = _one(findings, "POD-SIGKILL-NOT-OOM")
    assert "node-level (system) OOM" in f.message and "Out of memory: Killed process 51234 (indexer)" in f.message
    assert not [x for x in findings if x.rule_id == "POD-OOMKILLED"]


def test_sigkill_without_dmesg_falls_back_to_node_event_then_external(rules):
    """Strip the node files: the SystemOOM node event still points at node OOM; without it, an external kill."""
    with open_bundle(REPO / "bundles" / "pod-sigkill-not-oom") as full:
        for keep_events in (True, False):
            b = Bundle(format=full.format, source=full.source, cluster_version=full.cluster_version,
                       collected_at=full.collected_at, manifest=full.manifest)
            for o in full.objects_all:
                if keep_events or not (o.get("kind") == "Event" and o.get("reason") == "SystemOOM"):
                    b.add_object(o, "test")
            b.finalize()
            f = _one(_analyze(rules, b), "POD-SIGKILL-NOT-OOM")
            expected = "probably node-level (system) OOM" if keep_events else "an external SIGKILL"
            assert expected in f.message


def test_install_time_crash_is_history_not_a_warning(rules):
    findings = _findings(rules, REPO / "bundles" / "healthy")
    assert [f for f in findings if f.severity != "info"] == []
    f = _one(findings, "POD-EXIT-CODE")
    assert f.state == "history" and f.since == "2026-11-18T10:00:35Z"
    assert not [x for x in findings if x.rule_id in ("POD-CRASHLOOP", "POD-RESTARTS-HIGH")]


def test_cluster_wide_crashloop_replaces_per_pod_findings(rules):
    findings = _findings(rules, REPO / "bundles" / "pod-crashloop-cluster-wide")
    f = _one(findings, "POD-CRASHLOOP-CLUSTER-WIDE")
    assert len(f.objects) == 11 and "10-calico.conflist" in f.message
    assert not [x for x in findings if x.rule_id == "POD-CRASHLOOP"]
    # one application crash-looping: per-workload finding (one for its two pods), no cluster-wide one
    findings = _findings(rules, REPO / "bundles" / "pod-crashloop")
    f = _one(findings, "POD-CRASHLOOP")
    assert len(f.objects) == 2 and "PAYMENT_API_URL" in f.message
    assert not [x for x in findings if x.rule_id == "POD-CRASHLOOP-CLUSTER-WIDE"]


def test_missing_secret_named_with_every_pod_needing_it(rules):
    f = _one(_findings(rules, REPO / "bundles" / "pod-config-error"), "POD-CONFIG-ERROR")
    assert "Secret shop/cart-db does not exist" in f.message
    names = {o.name for o in f.objects}
    assert len(names) == 3 and all(n.startswith("cart-") for n in names)
    assert "will fail when restarted" in f.message


def test_pending_requests_against_largest_free_allocatable(rules):
    findings = _findings(rules, REPO / "bundles" / "pod-unschedulable")
    f = _one(findings, "POD-UNSCHEDULABLE-RESOURCES")
    # workers: 7900m allocatable; worker-3 carries the least requests (500m) -> 7.40 free
    assert "cpu 7.40 on worker-3" in f.message and "requests cpu 10 (more than any node has free)" in f.message
    u = _one(findings, "POD-UNSCHEDULABLE")
    assert "3 Insufficient cpu" in u.message and len(u.objects) == 2


def test_image_pull_causes_are_classified(rules):
    findings = [f for f in _findings(rules, REPO / "bundles" / "pod-image-pull") if f.rule_id == "POD-IMAGE-PULL"]
    causes = sorted(f.message.split("Cause: ")[1].split(".")[0].split(":")[0] for f in findings)
    assert causes == ["credentials", "image or tag not found in the registry"]
    assert any("regcred-recs do not exist" in f.message for f in findings)


def test_real_captures_raise_nothing_current(rules):
    captures = [REALDATA / "troubleshoot-k3d-bundle" / "support-bundle.tar.gz",
                REALDATA / "cluster-info-dump-minikube" / "cluster-info-dump-stdout.txt",
                REALDATA / "must-gather-metal" / "must-gather-metal.tar.xz"]
    present = [p for p in captures if p.exists()]
    if not present:
        pytest.skip("../shared/realdata absent")
    for p in present:
        findings = _findings(rules, p)
        loud = [(f.rule_id, str(f.objects[0]) if f.objects else None) for f in findings if f.severity != "info"]
        assert loud == [], (p.name, loud)
