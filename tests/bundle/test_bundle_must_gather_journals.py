"""must-gather's host_service_logs journals are split per node into the node files the rules read."""

from __future__ import annotations

from pathlib import Path

from analyzer.bundle.reader import open_bundle


def test_host_journals_become_node_files(tmp_path: Path):
    root = tmp_path / "must-gather.local.42" / "quay-io-openshift-must-gather-sha256-0123"
    (root / "namespaces" / "default" / "core").mkdir(parents=True)
    (root / "namespaces" / "default" / "core" / "pods.yaml").write_text("apiVersion: v1\nkind: PodList\nitems: []\n")
    nodes = root / "cluster-scoped-resources" / "core" / "nodes"
    nodes.mkdir(parents=True)
    for n in ("master-0.example.com", "master-1.example.com"):
        (nodes / f"{n}.yaml").write_text(f"apiVersion: v1\nkind: Node\nmetadata:\n  name: {n}\n")
    logs = root / "host_service_logs" / "masters"
    logs.mkdir(parents=True)
    (logs / "kubelet_service.log").write_text(
        "-- Logs begin at Tue 2021-09-14 14:02:58 UTC, end at Tue 2021-09-14 14:44:09 UTC. --\n"
        "Sep 14 14:12:34.894825 master-0.example.com systemd[1]: Starting Kubernetes Kubelet...\n"
        "Sep 14 14:12:35.425105 master-1 hyperkube[1945]: E0914 14:12:35.425105 1945 kubelet.go:2291] \"Error getting node\"\n"
        "-- No entries --\n"
        "Sep 14 14:12:36.000001 master-0.example.com hyperkube[1900]: I0914 14:12:36.000001 1900 server.go:440] started\n"
        "Sep 14 14:12:37.000001 unknown-host hyperkube[1]: ignored\n")
    (logs / "NetworkManager_service.log").write_text("Sep 14 14:12:34.1 master-0.example.com NetworkManager[1]: x\n")
    with open_bundle(tmp_path / "must-gather.local.42") as b:
        assert b.format == "must-gather"
        m0 = b.node_file("master-0.example.com", "commands/journal-kubelet.txt")
        m1 = b.node_file("master-1.example.com", "commands/journal-kubelet.txt")
        assert m0 is not None and m1 is not None
        assert m0.lines() == [
            "Sep 14 14:12:34.894825 master-0.example.com systemd[1]: Starting Kubernetes Kubelet...",
            "Sep 14 14:12:36.000001 master-0.example.com hyperkube[1900]: I0914 14:12:36.000001 1900 server.go:440] started"]
        assert "Error getting node" in m1.text()
        assert "kubelet_service.log" in m0.path and m0.vpath == "nodes/master-0.example.com/commands/journal-kubelet.txt"
        assert len(b.node_files) == 2  # NetworkManager is not a node file the rules read
