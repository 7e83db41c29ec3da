"""Node and workload rules: findings on their recorded bundles, silence and no errors without node files,
now-versus-then states, and no false alarm on the real captures."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.bundle.model import Bundle
from analyzer.bundle.reader import open_bundle
from analyzer.engine.evaluate import analyze_bundle, load_rules

REPO = Path(__file__).resolve().parents[2]
RULE_FILES = [REPO / "rules" / "nodes.yaml", REPO / "rules" / "workloads.yaml"]
REALDATA = REPO.parent / "shared" / "realdata"


@pytest.fixture(scope="module")
def rules():
    res = load_rules(RULE_FILES, builtin=False)
    assert not res.issues, [str(i) for i in res.issues]
    return res.rules


def _findings(rules, path: Path):
    with open_bundle(path) as b:
        result = analyze_bundle(b, rules)
    assert not result.rule_errors, [(e.rule_id, e.error) for e in result.rule_errors]
    return result.findings


def _by_rule(findings, rule_id):
    return [f for f in findings if f.rule_id == rule_id]


def test_healthy_bundle_is_silent_at_warning(rules):
    findings = _findings(rules, REPO / "bundles" / "healthy")
    assert [f for f in findings if f.severity in ("critical", "warning")] == []


def test_node_rules_degrade_without_node_files(rules):
    """The disk-full bundle stripped of its node files: no node-file finding, no rule error."""
    with open_bundle(REPO / "bundles" / "node-disk-full") as full:
        stripped = Bundle(format=full.format, source=full.source, cluster_version=full.cluster_version,
                          collected_at=full.collected_at, manifest=full.manifest)
        for o in full.objects_all:
            stripped.add_object(o, "test")
        stripped.finalize()
        result = analyze_bundle(stripped, rules)
    assert not result.rule_errors
    ids = {f.rule_id for f in result.findings}
    assert "NODE-DISK-FULL" not in ids
    # the Node object still says DiskPressure: that finding needs no node file
    assert "NODE-PRESSURE" in ids


def test_disk_full_now_and_then(rules):
    findings = _by_rule(_findings(rules, REPO / "bundles" / "node-disk-full"), "NODE-DISK-FULL")
    states = {str(f.objects[0]): (f.state, f.severity) for f in findings}
    assert states["Node/worker-1"] == ("current", "critical")
    assert states["Node/worker-3"][0] == "history" and states["Node/worker-3"][1] == "info"
    worker1 = [f for f in findings if str(f.objects[0]) == "Node/worker-1"][0]
    quoted = [e for e in worker1.evidence if e.type == "node_file" and e.lines]
    assert any("df.txt" in e.path and any("97%" in t for _n, t in e.lines) for e in quoted)


def test_not_ready_names_the_runtime_cause(rules):
    f = _by_rule(_findings(rules, REPO / "bundles" / "node-not-ready"), "NODE-NOT-READY")
    assert [str(x.objects[0]) for x in f] == ["Node/worker-1"]
    assert "PLEG is not healthy" in f[0].message and "container runtime" in f[0].message
    # one transition reported by both the kubelet and the node controller is not flapping
    assert not _by_rule(_findings(rules, REPO / "bundles" / "node-not-ready"), "NODE-FLAPPING")


def test_pdb_correlates_budget_with_replicas(rules):
    f = _by_rule(_findings(rules, REPO / "bundles" / "pdb-blocks-drain"), "PDB-BLOCKS-DRAIN")
    orders = [x for x in f if str(x.objects[0]) == "PodDisruptionBudget/shop/orders"][0]
    assert "Deployment/shop/orders" in [str(o) for o in orders.objects]
    assert "minAvailable 2" in orders.message and "2 replica(s)" in orders.message and "worker-2" in orders.message


def test_failed_create_names_the_cause_once_per_workload(rules):
    f = _by_rule(_findings(rules, REPO / "bundles" / "workload-failed-create"), "WORKLOAD-FAILED-CREATE")
    assert len(f) == 1 and "ResourceQuota" in f[0].message
    psa = _findings(rules, REPO / "bundles" / "psa-policy-mismatch")
    mismatch = _by_rule(psa, "PSA-POLICY-MISMATCH")
    assert len(mismatch) == 1 and "defaults.enforce" in mismatch[0].message
    assert "Pod Security" in _by_rule(psa, "WORKLOAD-FAILED-CREATE")[0].message


@pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is absent")
@pytest.mark.parametrize("capture", ["troubleshoot-k3d-bundle/support-bundle.tar.gz",
                                     "cluster-info-dump-minikube/cluster-info-dump-stdout.txt"])
def test_real_captures_raise_no_false_alarm(rules, capture):
    """Both captures come from healthy single-node clusters: none of these rules may raise a warning."""
    findings = _findings(rules, REALDATA / capture)
    assert [f.rule_id for f in findings if f.severity != "info"] == []
