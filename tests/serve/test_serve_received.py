"""The real kubectl against the formats people receive: every realdata capture of the new
formats (skipped when absent) and a kind export written here, whose pods are partial."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_kubectl import REALDATA, Kubectl, kubectl_for, table

from analyzer.bundle.reader import open_bundle
from analyzer.serve.server import BundleServer, serve_in_thread
from tests.bundle.test_bundle_formats_received import _kind_logs

CAPTURES = {
    "sonobuoy-0.8": "sonobuoy-aws-k8s1.7-2017/results-0.8.tar.gz",
    "sonobuoy-0.56": "sonobuoy-kubeadm-k8s1.19-2022/202205300608_sonobuoy_d7621bef-0112-449a-a58f-8dd9a6757028.tar.gz",
    "cluster-info-dir-1.13": "clusterinfo-dir-minikube-k8s1.13-2019",
    "cluster-info-stdout-eks": "clusterinfo-stdout-eks-k8s1.31-2026/cluster-info.md",
    "kind-logs": "kind-export-logs-k8s1.32-2025/logs",
}


def _serve(path: Path, tmp_path_factory: pytest.TempPathFactory, kubectl_bin: str
           ) -> Iterator[tuple[BundleServer, Kubectl]]:
    server, _url = serve_in_thread(open_bundle(path))
    server.owns_bundle = True
    try:
        yield server, kubectl_for(server, kubectl_bin, tmp_path_factory.mktemp("kubectl-received"), "kbundle-recv")
    finally:
        server.shutdown()


@pytest.fixture(scope="module", params=sorted(CAPTURES))
def real(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, kubectl_bin: str
         ) -> Iterator[tuple[BundleServer, Kubectl]]:
    path = REALDATA / CAPTURES[request.param]
    if not path.exists():
        pytest.skip(f"{path} is absent")
    yield from _serve(path, tmp_path_factory, kubectl_bin)


@pytest.fixture(scope="module")
def kind_served(tmp_path_factory: pytest.TempPathFactory, kubectl_bin: str) -> Iterator[tuple[BundleServer, Kubectl]]:
    yield from _serve(_kind_logs(tmp_path_factory.mktemp("kind") / "logs"), tmp_path_factory, kubectl_bin)


def _key(obj: dict) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def test_get_pods_all_namespaces(real: tuple[BundleServer, Kubectl]) -> None:
    server, kubectl = real
    pods = server.bundle.objects("Pod")
    proc = kubectl.run("get", "pods", "-A")
    assert proc.returncode == 0, proc.stderr
    rows = table(proc.stdout)
    assert sorted((r["NAMESPACE"], r["NAME"]) for r in rows) == sorted(_key(p) for p in pods)
    if not pods:
        assert "No resources found" in proc.stderr
    nodes = table(kubectl.ok("get", "nodes"))
    assert [r["NAME"] for r in nodes] == server.bundle.node_names()


def test_partial_pods_show_unknown_not_guesses(kind_served: tuple[BundleServer, Kubectl]) -> None:
    server, kubectl = kind_served
    rows = table(kubectl.ok("get", "pods", "-A"))
    assert len(rows) == 3
    assert all(r["READY"] == r["STATUS"] == r["RESTARTS"] == "<unknown>" for r in rows)
    pod = kubectl.json("get", "pod", "-n", "shop", "web-1")
    assert "kbundle.io/partial" in pod["metadata"]["annotations"]


def test_logs_of_a_pod_known_only_by_its_log_paths(kind_served: tuple[BundleServer, Kubectl]) -> None:
    _server, kubectl = kind_served
    assert kubectl.ok("logs", "-n", "shop", "web-1", "-c", "app") == "started\na long line\n"
    assert kubectl.ok("logs", "-n", "shop", "web-1", "-c", "app", "--previous") == "first run\n"
