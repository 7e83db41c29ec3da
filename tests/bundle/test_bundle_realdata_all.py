"""Every capture in ../shared/realdata (skipped when absent): read with its own format name,
its cluster version, object counts equal to what its files hold (counted here from the files,
independently of the reader), logs attached to their pods, node files mapped to nodes, and no
rule error when analysed."""

from __future__ import annotations

import json
import re
import tarfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from analyzer.bundle.event_objects import is_known_only_from_events
from analyzer.bundle.reader import open_bundle
from analyzer.cli import app

# File names Sonobuoy v0.8 and kubectl 1.13 gave their kind-less lists.
_FILE_KINDS = {"Nodes": "Node", "nodes": "Node", "pods": "Pod", "events": "Event", "services": "Service",
               "daemonsets": "DaemonSet", "deployments": "Deployment", "replicasets": "ReplicaSet",
               "replication-controllers": "ReplicationController"}


def _members(path: Path) -> dict[str, bytes]:
    """Regular files of a tarball by name (``./`` and AppleDouble ``._`` twins dropped)."""
    out = {}
    with tarfile.open(path) as tf:
        for m in tf.getmembers():
            name = m.name[2:] if m.name.startswith("./") else m.name
            if m.isfile() and not name.rsplit("/", 1)[-1].startswith("._"):
                out[name] = tf.extractfile(m).read()  # type: ignore[union-attr]
    return out


def count_sonobuoy(path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for name, data in _members(path).items():
        if not name.startswith("resources/") or not name.endswith(".json") or name.endswith("/results.json"):
            continue
        doc = json.loads(data)
        stem = name.rsplit("/", 1)[-1][: -len(".json")]
        if isinstance(doc, dict):
            kind = doc["kind"][: -len("List")]
            counts[kind] += len(doc.get("items") or [])
        else:
            counts[_FILE_KINDS[stem]] += sum(1 for i in doc if isinstance(i, dict) and i)
    return counts


def count_internal_dump(path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for f in path.rglob("*.json"):
        counts[_FILE_KINDS[f.stem]] += len(json.loads(f.read_text())["Items"])
    return +counts


def count_stdout_dump(path: Path) -> Counter[str]:
    """Each top-level List starts on a line of its own with ``"kind": "<X>List"`` next."""
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    decoder = json.JSONDecoder(strict=False)
    seen: set[tuple[str, str, str]] = set()
    for i, line in enumerate(lines[1:], 1):
        m = re.match(r'^\s*"kind":\s*"(\w+)List",?\s*$', line)
        if m and lines[i - 1].strip() == "{":
            value, _ = decoder.raw_decode(text, offsets[i - 1] + lines[i - 1].index("{"))
            for item in value.get("items") or []:
                seen.add((m.group(1), item["metadata"].get("namespace", ""), item["metadata"]["name"]))
    return Counter(kind for kind, _, _ in seen)


def count_kind_logs(path: Path) -> Counter[str]:
    nodes = [d for d in path.iterdir() if (d / "kubelet.log").exists()]
    pods = {p.name for n in nodes for p in (n / "pods").iterdir()}
    return Counter({"Node": len(nodes), "Pod": len(pods)})


def count_troubleshoot(path: Path) -> Counter[str]:
    """Total objects of cluster-resources/ (lists, arrays, custom resources), once each."""
    seen = set()
    for name, data in _members(path).items():
        rel = name.split("cluster-resources/", 1)[-1] if "/cluster-resources/" in name else None
        if rel is None or rel.endswith("-errors.json") or rel.startswith(("pods/logs/", "auth-cani-list/",
                                                                           "image-pull-secrets/")):
            continue
        if rel in ("groups.json", "resources.json"):
            continue
        docs = [json.loads(data)] if rel.endswith(".json") else list(yaml.safe_load_all(data))
        for doc in docs:
            items = doc if isinstance(doc, list) else (doc.get("items") or []) if "items" in doc else [doc]
            for it in items:
                md = it.get("metadata") or {}
                folder = rel.rsplit("/", 1)[0] if "/" in rel else rel.split(".")[0]
                seen.add((folder, md.get("namespace", ""), md["name"]))
    return Counter({"total": len(seen)})


def count_must_gather_pods_nodes(path: Path) -> Counter[str]:
    """Pods (namespaces/<ns>/core/pods.yaml) and Nodes (cluster-scoped-resources/core/nodes/)."""
    counts: Counter[str] = Counter()
    for name, data in _members(path).items():
        if re.search(r"/namespaces/[^/]+/core/pods\.yaml$", name):
            counts["Pod"] += len(yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["items"] or [])  # noqa: S506 - a safe loader
        elif re.search(r"/cluster-scoped-resources/core/nodes/[^/]+\.yaml$", name):
            counts["Node"] += 1
    return counts


CAPTURES: dict[str, tuple[str, str, str, Callable[[Path], Counter[str]]]] = {
    # id: (path, format, version prefix, counter)
    "troubleshoot-k3d": ("troubleshoot-k3d-bundle/support-bundle.tar.gz", "troubleshoot", "v1.24.4+k3s1",
                         count_troubleshoot),
    "cluster-info-stdout-minikube": ("cluster-info-dump-minikube/cluster-info-dump-stdout.txt", "cluster-info-dump",
                                     "v1.31.0", count_stdout_dump),
    "cluster-info-stdout-eks": ("clusterinfo-stdout-eks-k8s1.31-2026/cluster-info.md", "cluster-info-dump",
                                "v1.31.13", count_stdout_dump),
    "cluster-info-dir-1.13": ("clusterinfo-dir-minikube-k8s1.13-2019", "cluster-info-dump", "v1.13.3",
                              count_internal_dump),
    "must-gather": ("must-gather-metal/must-gather-metal.tar.xz", "must-gather", "v1.22.1",
                    count_must_gather_pods_nodes),
    "sonobuoy-0.8": ("sonobuoy-aws-k8s1.7-2017/results-0.8.tar.gz", "sonobuoy", "v1.7.2", count_sonobuoy),
    "sonobuoy-0.56": ("sonobuoy-kubeadm-k8s1.19-2022/202205300608_sonobuoy_d7621bef-0112-449a-a58f-8dd9a6757028.tar.gz",
                      "sonobuoy", "v1.19.16", count_sonobuoy),
    "kind-logs": ("kind-export-logs-k8s1.32-2025/logs", "kind-logs", "v1.32.2", count_kind_logs),
}
# Small enough to read and analyse in the suite; must-gather (minutes on a loaded machine) is
# read once by test_bundle_realdata.py, which checks its counts with count_must_gather_pods_nodes.
ANALYSED = ["cluster-info-stdout-eks", "cluster-info-dir-1.13", "sonobuoy-0.8", "sonobuoy-0.56", "kind-logs",
            "troubleshoot-k3d"]


def _path(realdata: Path, capture: str) -> Path:
    path = realdata / CAPTURES[capture][0]
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


@pytest.mark.parametrize("capture", sorted(c for c in CAPTURES if c != "must-gather"))
def test_capture_is_read_completely(realdata, capture):
    path = _path(realdata, capture)
    _, fmt, version, counter = CAPTURES[capture]
    expected = counter(path)
    with open_bundle(path) as b:
        assert b.format == fmt
        assert b.cluster_version and b.cluster_version.startswith(version)
        assert b.collected_at is not None
        counts = b.counts()
        if set(expected) == {"total"}:
            assert sum(counts.values()) == expected["total"]
        else:
            assert {k: counts.get(k, 0) for k in expected} == dict(expected)
        if capture not in ("must-gather", "troubleshoot-k3d"):
            assert sum(counts.values()) == sum(expected.values())  # and nothing else
        # logs belong to pods of the bundle (the k3d bundle holds the log of a static pod that
        # is not in its pod list: that pod is known only from its events), node files to its nodes
        orphans = [k[:2] for k in b.logs if b.get("Pod", k[0], k[1]) is None]
        assert orphans == []
        from_events = [k[:2] for k in b.logs if is_known_only_from_events(b.get("Pod", k[0], k[1]))]
        assert from_events == ([("default", "static-hi")] if capture == "troubleshoot-k3d" else [])
        nodes = set(b.node_names())
        assert {n for n, _ in b.node_files} <= nodes
        cov = b.coverage
        assert cov is not None and cov["files"] == cov["understood"] + cov["not_understood"] + cov["ignored"]
        assert not [p for p in b.problems if "internal error" in p.error]


def test_new_formats_map_node_files_and_logs(realdata):
    with open_bundle(_path(realdata, "sonobuoy-0.56")) as b:
        assert b.node_file("my-node", "commands/journal-kubelet.txt") is not None
        assert b.node_file("my-node", "commands/kubelet-configz.json") is not None
        assert len(b.logs) == 13 and "plugins/e2e/results/global/junit_01.xml" in b.other_files
    with open_bundle(_path(realdata, "sonobuoy-0.8")) as b:
        assert len(b.node_files) == 6 and b.problems == []
    with open_bundle(_path(realdata, "kind-logs")) as b:
        assert b.node_file("kind-control-plane", "commands/journal-kubelet.txt") is not None
        assert len(b.logs) == 9 and all(b.get("Pod", ns, pod) for ns, pod, _, _ in b.logs)
        assert b.collected_at.year == 2025
    with open_bundle(_path(realdata, "cluster-info-dir-1.13")) as b:
        assert len(b.logs) == 11 and b.problems == []
        assert any(cs.get("restartCount") is not None for p in b.objects("Pod")
                   for cs in p["status"].get("containerStatuses", []))


@pytest.mark.parametrize("capture", ANALYSED)
def test_analyze_has_no_rule_error(realdata, capture):
    r = CliRunner().invoke(app, ["analyze", str(_path(realdata, capture)), "--format", "json", "--fail-on", "never"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["rule_errors"] == []
    assert doc["bundle"]["format"] == CAPTURES[capture][1]
