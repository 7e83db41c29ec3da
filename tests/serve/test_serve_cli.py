"""`kbundle serve` as a user runs it: a subprocess that prints how to use it, answers the
real kubectl, stops cleanly on Ctrl-C, and fails with one line on bad input."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from serve_kubectl import Kubectl, table

from analyzer.serve.kubeconfig import context_name

CLI = [sys.executable, "-m", "analyzer.cli", "serve"]


class ServeProcess:
    def __init__(self, *args: str):
        self.proc = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     stdin=subprocess.DEVNULL)
        self.lines: list[str] = []
        self.kubeconfig: Path | None = None
        ready = threading.Event()

        def read() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self.lines.append(line)
                m = re.match(r"\s+kubectl --kubeconfig (\S+) get pods -A$", line)
                if m:
                    self.kubeconfig = Path(m.group(1))
                    ready.set()
            ready.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        ready.wait(timeout=60)

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str, str]:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=10)  # the reader thread owns stdout until EOF
        assert self.proc.stderr is not None
        err = self.proc.stderr.read()
        self.proc.stderr.close()
        return self.proc.returncode, "".join(self.lines), err


@pytest.fixture
def kubectl_factory(kubectl_bin: str, tmp_path: Path):
    def make(kubeconfig: Path) -> Kubectl:
        (tmp_path / "home").mkdir(exist_ok=True)
        return Kubectl(kubectl_bin, kubeconfig, tmp_path / "cache", tmp_path / "home")

    return make


def test_serve_prints_usage_serves_kubectl_and_stops_on_ctrl_c(sample_bundle_dir: Path, kubectl_factory) -> None:
    serve = ServeProcess(str(sample_bundle_dir), "--port", "0")
    try:
        assert serve.kubeconfig is not None, serve.lines
        first = serve.lines[0]
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)", first).group(1))
        assert port > 0 and "read-only" in first and "native" in first
        config = yaml.safe_load(serve.kubeconfig.read_text())
        assert config["current-context"] == "kbundle-sample"
        assert config["clusters"][0]["cluster"]["server"] == f"http://127.0.0.1:{port}"
        rows = table(kubectl_factory(serve.kubeconfig).ok("get", "pods", "-n", "shop"))
        assert len(rows) == 6
    finally:
        code, out, err = serve.stop(signal.SIGINT)
    assert code == 0, err
    assert "stopped" in out and "Traceback" not in err
    assert not serve.kubeconfig.exists()  # the temporary kubeconfig is removed
    assert not serve.kubeconfig.parent.exists()


def test_serve_with_chosen_kubeconfig_stops_on_sigterm(sample_bundle_dir: Path, tmp_path: Path, kubectl_factory) -> None:
    kubeconfig = tmp_path / "kc" / "config"
    kubeconfig.parent.mkdir()  # kbundle serve creates no directories
    serve = ServeProcess(str(sample_bundle_dir), "--kubeconfig", str(kubeconfig))
    try:
        assert serve.kubeconfig == kubeconfig
        assert "node-a" in kubectl_factory(kubeconfig).ok("get", "nodes")
    finally:
        code, _out, err = serve.stop(signal.SIGTERM)
    assert code == 0, err
    assert kubeconfig.exists()  # the user's file stays
    assert os.stat(kubeconfig).st_mode & 0o077 == 0


def test_unreadable_bundle_is_one_line_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run([*CLI, str(tmp_path / "missing.tar.gz")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("kbundle: error: ") and proc.stderr.count("\n") == 1
    assert "missing.tar.gz" in proc.stderr and "Traceback" not in proc.stderr


def test_port_in_use_is_one_line_exit_2(sample_bundle_dir: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = subprocess.run([*CLI, str(sample_bundle_dir), "--port", str(port)], capture_output=True, text=True,
                              timeout=60)
    assert proc.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in proc.stderr and "Traceback" not in proc.stderr


def test_context_names() -> None:
    assert context_name("/x/support-bundle.tar.gz") == "kbundle-support-bundle"
    assert context_name("bundles/healthy/") == "kbundle-healthy"
    assert context_name("must gather (1).tar.xz") == "kbundle-must-gather-1"
