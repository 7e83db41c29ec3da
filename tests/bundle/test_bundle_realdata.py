"""The readers on real captures made by other people's tools (../shared/realdata; skipped
when absent).  Each must be recognised, read without problems, and give a version, pods,
nodes, events and logs."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from analyzer.bundle.reader import open_bundle
from analyzer.cli import app

CAPTURES = {
    "troubleshoot": "troubleshoot-k3d-bundle/support-bundle.tar.gz",
    "must-gather": "must-gather-metal/must-gather-metal.tar.xz",
    "cluster-info-dump": "cluster-info-dump-minikube/cluster-info-dump-stdout.txt",
}


@pytest.mark.parametrize("fmt", [pytest.param(f, marks=pytest.mark.slow) if f == "must-gather" else f
                                 for f in sorted(CAPTURES)])
def test_inspect_realdata(realdata, fmt):
    path = realdata / CAPTURES[fmt]
    if not path.exists():
        pytest.skip(f"{path} is absent")
    r = CliRunner().invoke(app, ["inspect", str(path), "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["format"] == fmt
    assert doc["cluster_version"] and doc["cluster_version"].startswith("v1.")
    assert doc["collected_at"]
    assert doc["counts"].get("Pod", 0) > 0
    assert doc["counts"].get("Event", 0) > 0
    assert doc["nodes"]
    assert doc["logs"]["current"] > 0
    assert doc["problems"] == []
    if fmt == "troubleshoot":
        assert doc["logs"]["previous"] > 0


def test_troubleshoot_realdata_details(realdata):
    path = realdata / CAPTURES["troubleshoot"]
    with open_bundle(path) as b:
        assert b.cluster_version == "v1.24.4+k3s1"
        # restart storm after a node restart: BackOff events tied to the pod by uid
        pods_with_backoff = [p for p in b.objects("Pod") if any(e.get("reason") == "BackOff" for e in b.events_for(p))]
        restarts = max(cs.get("restartCount", 0) for p in b.objects("Pod")
                       for cs in (p.get("status") or {}).get("containerStatuses") or [])
        assert restarts >= 100
        assert pods_with_backoff or b.objects("Event")
        prev = [k for k in b.logs if k[3]]
        assert prev and all(b.logs[k].vpath.endswith(".previous.log") for k in prev)
        # all-logs/ holds symlinks to the same files: nothing counted twice
        assert all("/all-logs/" not in tf.path for tf in b.logs.values())


def test_must_gather_realdata_details(must_gather, realdata):
    from tests.bundle.test_bundle_realdata_all import count_must_gather_pods_nodes

    b = must_gather  # read once per session (tests/conftest.py)
    expected = count_must_gather_pods_nodes(realdata / CAPTURES["must-gather"])
    # the objects the bundle collected (b.objects() also holds those known only from events)
    assert {k: b.counts().get(k, 0) for k in expected} == dict(expected)
    assert {n for n, _ in b.node_files} <= set(b.node_names())
    assert len(b.node_names()) == 6
    assert b.get("ClusterVersion", None, "version") is not None
    assert any(k.startswith("host_service_logs/masters/") for k in b.other_files)
    assert not any(tf.path.endswith(".insecure.log") for tf in b.logs.values())
    pod = next(p for p in b.objects("Pod") if b.node_of(p) is not None)
    assert pod in b.pods_on_node(pod["spec"]["nodeName"])


def test_cluster_info_dump_realdata_details(realdata):
    with open_bundle(realdata / CAPTURES["cluster-info-dump"]) as b:
        assert b.cluster_version == "v1.31.0"
        assert b.node_names() == ["minikube"]
        assert len(b.logs) == 9  # the page holds the kube-system sections twice
        assert "coredns" in {k[2] for k in b.logs}
        coredns = b.log("kube-system", next(k[1] for k in b.logs if k[2] == "coredns"), "coredns")
        assert "[INFO]" in coredns.text() and "==== END" not in coredns.text()
