"""The real kubectl against `kbundle serve` of the Rancher log collector, support-bundle-kit
and troubleshoot host fixtures (tests/bundle/format_samples.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_kubectl import Kubectl, kubectl_for, table

from analyzer.bundle.partial import table_columns
from analyzer.bundle.reader import open_bundle
from analyzer.serve.server import BundleServer, serve_in_thread
from tests.bundle.format_samples import host_bundle_files, write_rancher_bundle, write_sbk_bundle, write_targz


def _write(kind: str, tmp: Path) -> Path:
    if kind == "rancher-logs":
        return write_rancher_bundle(tmp)
    if kind == "support-bundle-kit":
        return write_sbk_bundle(tmp)
    return write_targz(tmp / "host.tar.gz", host_bundle_files())


@pytest.fixture(scope="module", params=["rancher-logs", "support-bundle-kit", "troubleshoot-host"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, kubectl_bin: str
           ) -> Iterator[tuple[BundleServer, Kubectl]]:
    bundle = open_bundle(_write(request.param, tmp_path_factory.mktemp(request.param)))
    assert bundle.format == request.param
    server, _url = serve_in_thread(bundle)
    server.owns_bundle = True
    try:
        yield server, kubectl_for(server, kubectl_bin, tmp_path_factory.mktemp("kubectl"), "kbundle-" + request.param)
    finally:
        server.shutdown()


def _key(obj: dict) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def test_get_pods_all_namespaces(served: tuple[BundleServer, Kubectl]) -> None:
    server, kubectl = served
    pods = server.bundle.objects("Pod")
    items = kubectl.json("get", "pods", "-A")["items"]
    assert sorted(_key(i) for i in items) == sorted(_key(p) for p in pods)
    for item in items:  # partial pods travel with their kbundle.io/partial annotation
        assert item["metadata"].get("annotations") == server.bundle.get("Pod", item["metadata"]["namespace"],
                                                                         item["metadata"]["name"])["metadata"].get(
            "annotations")
    rows = table(kubectl.ok("get", "pods", "-A"))
    assert sorted((r["NAMESPACE"], r["NAME"]) for r in rows) == sorted(_key(p) for p in pods)
    for r in rows:  # a pod read from a kubectl table shows what that table showed
        captured = table_columns(server.bundle.get("Pod", r["NAMESPACE"], r["NAME"]))
        if captured:
            assert (r["READY"], r["STATUS"], r["RESTARTS"]) == (captured["READY"], captured["STATUS"],
                                                                captured["RESTARTS"])
    if server.bundle.format == "rancher-logs":
        crash = next(r for r in rows if r["NAME"].startswith("rke2-ingress-nginx-controller"))
        assert crash["STATUS"] == "CrashLoopBackOff" and crash["RESTARTS"] == "42 (3m12s ago)"


def test_get_nodes(served: tuple[BundleServer, Kubectl]) -> None:
    server, kubectl = served
    rows = table(kubectl.ok("get", "nodes", "-o", "wide"))
    assert [r["NAME"] for r in rows] == server.bundle.node_names()
