"""The node script, run for real on this machine: POSIX syntax, layout, missing tools recorded,
standalone tarball, stdin mode as kubectl exec runs it, and the collector's side of it."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from analyzer.collect.bundle_writer import StagedBundle
from analyzer.collect.kubectl import Kubectl
from analyzer.collect.nodes import NodeCollector, node_script, parse_status, read_node_tarball
from analyzer.collect.redact import Redactor

SCRIPT = Path(__file__).resolve().parents[2] / "analyzer" / "collect" / "node_script.sh"
# Every command output the rules may read (docs/rules.md "Node file names").
RULE_NAMES = [
    "df", "journal-kubelet", "journal-containerd", "journal-docker", "journal-crio", "dmesg", "timedatectl",
    "chronyc-tracking", "ntpq", "date-epoch", "loadavg", "meminfo", "buddyinfo", "proc-stat", "conntrack-count",
    "conntrack-max", "kubelet-flags", "systemctl-show-kubelet", "systemctl-show-containerd",
    "systemctl-show-docker", "systemctl-show-crio", "iptables-save", "cert-expiry", "log-sizes", "uptime",
]
TOKEN = "PLANTEDtoken0123456789abcdef"


def shells() -> list[list[str]]:
    out = [["sh"]]
    if shutil.which("busybox"):
        out.append(["busybox", "sh"])
    return out


def fake_root(tmp: Path) -> Path:
    """A host file system with the files the script copies (certificates when openssl exists)."""
    root = tmp / "root"
    (root / "etc/cni/net.d").mkdir(parents=True)
    (root / "etc/cni/net.d/10-flannel.conflist").write_text('{"name": "cbr0", "plugins": [{"type": "flannel"}]}\n')
    (root / "etc/cni/net.d/calico-kubeconfig").write_text(f"users:\n- name: calico\n  user:\n    token: {TOKEN}\n")
    (root / "etc/kubernetes/manifests").mkdir(parents=True)
    (root / "etc/kubernetes/manifests/kube-apiserver.yaml").write_text("kind: Pod\nmetadata:\n  name: kube-apiserver\n")
    (root / "var/lib/kubelet/pki").mkdir(parents=True)
    (root / "var/lib/kubelet/config.yaml").write_text("kind: KubeletConfiguration\nevictionHard: {}\n")
    pods = root / "var/log/pods/default_web-1_uid/web"
    pods.mkdir(parents=True)
    (pods / "0.log").write_bytes(b"x" * 50_000)
    (root / "var/log/containers").mkdir(parents=True)
    (root / "var/log/containers/web-1_default_web-abc.log").symlink_to("/var/log/pods/default_web-1_uid/web/0.log")
    if shutil.which("openssl"):
        pki = root / "etc/kubernetes/pki"
        pki.mkdir(parents=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp / "ca.key"),
                        "-out", str(pki / "ca.crt"), "-days", "30", "-subj", "/CN=ca"], check=True,
                       capture_output=True)
        (root / "var/lib/kubelet/pki/kubelet-client-current.pem").write_bytes(
            (pki / "ca.crt").read_bytes() + (tmp / "ca.key").read_bytes())
    return root


def run_script(shell: list[str], *args: str, stdin_script: bool = False, timeout: float = 60
               ) -> subprocess.CompletedProcess[bytes]:
    if stdin_script:
        return subprocess.run([*shell, "-s", "--", *args], input=SCRIPT.read_bytes(), capture_output=True,
                              timeout=timeout)
    return subprocess.run([*shell, str(SCRIPT), *args], capture_output=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("shell", shells(), ids=lambda s: " ".join(s))
def test_posix_syntax(shell: list[str]) -> None:
    proc = subprocess.run([*shell, "-n", str(SCRIPT)], capture_output=True)
    assert proc.returncode == 0, proc.stderr


def test_no_bashisms() -> None:
    text = SCRIPT.read_text()
    code = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    for bashism in (r"\[\[ ", r"^\s*function\s", r"\blocal\s", r"\$'", r"<<<", r"\$\{!", r"\bdeclare\s",
                    r"^\s*source\s", r"&>", r"pipefail", r"\$\{\w+:\d", r"\$RANDOM", r"\becho -e\b"):
        assert not re.search(bashism, code, re.MULTILINE), bashism
    assert text.startswith("#!/bin/sh\n")


@pytest.mark.parametrize("shell", shells(), ids=lambda s: " ".join(s))
def test_runs_on_this_machine_and_writes_the_layout(tmp_path: Path, shell: list[str]) -> None:
    out = tmp_path / "out"
    proc = run_script(shell, "-o", str(out), "-s", "600", "-n", "node-a")
    assert proc.returncode == 0, proc.stderr.decode()
    base = out / "nodes" / "node-a"
    status = parse_status((base / "status.tsv").read_bytes())
    # Every command the rules read was attempted and has a status line.
    for name in RULE_NAMES:
        assert name in status, name
    # What exists on any Linux machine was collected.
    for name in ("date-epoch", "loadavg", "meminfo", "proc-stat", "df", "uptime"):
        assert status[name]["exit_code"] == 0, (name, status[name])
        assert (base / "commands" / f"{name}.txt").stat().st_size > 0
    assert (base / "commands/date-epoch.txt").read_text().strip().isdigit()
    assert "MemTotal:" in (base / "commands/meminfo.txt").read_text()
    assert (base / "commands/proc-stat.txt").read_text().startswith("cpu ")
    # What is missing here (no kubelet, maybe no journal) is recorded, never fatal.
    errors = (base / "errors.txt").read_text()
    failed = [n for n, s in status.items() if s["exit_code"] != 0]
    for name in failed:
        assert f"{name}:" in errors
        assert not (base / "commands" / f"{name}.txt").exists() or (base / "commands" / f"{name}.txt").stat().st_size
    assert "kubelet-flags" in failed  # no kubelet on this machine
    # Standalone: a tarball next to the directory with the same files.
    with tarfile.open(tmp_path / "out.tar.gz") as tar:
        names = set(tar.getnames())
    assert "nodes/node-a/commands/meminfo.txt" in names and "nodes/node-a/status.tsv" in names


@pytest.mark.parametrize("shell", shells(), ids=lambda s: " ".join(s))
def test_fake_root_files_certificates_log_sizes_and_masking(tmp_path: Path, shell: list[str]) -> None:
    root = fake_root(tmp_path)
    target = tmp_path / "node.tgz"
    proc = run_script(shell, "-o", str(target), "-r", str(root), "-x", "direct", "-n", "worker-1")
    assert proc.returncode == 0, proc.stderr.decode()
    files = read_node_tarball(target.read_bytes(), "worker-1")
    assert files["files/etc/cni/net.d/10-flannel.conflist"].startswith(b'{"name": "cbr0"')
    assert b"kube-apiserver" in files["files/etc/kubernetes/manifests/kube-apiserver.yaml"]
    assert b"KubeletConfiguration" in files["files/var/lib/kubelet/config.yaml"]
    # The standalone default masks secrets with sed.
    assert TOKEN.encode() not in files["files/etc/cni/net.d/calico-kubeconfig"]
    assert b"token: <redacted>" in files["files/etc/cni/net.d/calico-kubeconfig"]
    sizes = files["commands/log-sizes.txt"].decode()
    assert "/var/log/pods/default_web-1_uid/web" in sizes
    assert "/var/log/containers/web-1_default_web-abc.log" in sizes
    assert str(root) not in sizes  # host paths, not paths inside the debug pod
    if shutil.which("openssl"):
        expiry = files["commands/cert-expiry.txt"].decode()
        assert "/etc/kubernetes/pki/ca.crt: notAfter=" in expiry
        assert "/var/lib/kubelet/pki/kubelet-client-current.pem: notAfter=" in expiry
        assert "PRIVATE KEY" not in expiry
    # Private keys are never copied.
    assert not any(b"PRIVATE KEY" in data for data in files.values())


def test_stdin_mode_as_kubectl_exec_runs_it(tmp_path: Path) -> None:
    """``sh -s -- -o - ...`` with the script on stdin, as the debug pod runs it; -M leaves
    masking to the collector, which redacts, counts and files everything under nodes/<node>/."""
    root = fake_root(tmp_path)
    proc = run_script(["sh"], "-o", "-", "-r", str(root), "-x", "direct", "-n", "worker-1", "-s", "3600", "-M",
                      stdin_script=True)
    assert proc.returncode == 0, proc.stderr.decode()
    raw = read_node_tarball(proc.stdout, "worker-1")
    assert TOKEN.encode() in raw["files/etc/cni/net.d/calico-kubeconfig"]  # -M: raw
    writer = StagedBundle(tmp_path / "bundle")
    redactor = Redactor()
    collector = NodeCollector(Kubectl("kubectl"), writer, redactor)
    collector._store("worker-1", proc.stdout, "kubectl exec -i -n default pod -- sh -s", (1.0, 2.0))
    staged = writer.root / "nodes" / "worker-1"
    assert TOKEN.encode() not in (staged / "files/etc/cni/net.d/calico-kubeconfig").read_bytes()
    assert redactor.counts().get("secret-field") == 1
    assert not (staged / "status.tsv").exists() and not (staged / "errors.txt").exists()
    entries = {f["path"]: f for f in writer.files}
    epoch = entries["nodes/worker-1/commands/date-epoch.txt"]
    assert epoch["collector_time_before"] == 1.0 and epoch["exit_code"] == 0
    assert entries["nodes/worker-1/commands/meminfo.txt"]["command"].startswith("node script: cat ")
    # Failed steps are notes, not errors (tools differ between nodes).
    assert not writer.errors
    assert any(n["step"] == "node worker-1: kubelet-flags" for n in writer.skipped)
    writer.abort()


def test_packaged_script_is_the_file(tmp_path: Path) -> None:
    assert node_script() == SCRIPT.read_bytes()


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    assert run_script(["sh"]).returncode == 2
    assert run_script(["sh"], "-o", str(tmp_path / "x"), "-m", "lots").returncode == 2
    assert run_script(["sh"], "-o", str(tmp_path / "x"), "-r", str(tmp_path / "nope")).returncode == 2


def test_tarball_reader_refuses_escapes() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        data = b"x"
        info = tarfile.TarInfo("nodes/n1/../../etc/passwd")
        info.size = 1
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(ValueError):
        read_node_tarball(buf.getvalue(), "n1")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("nodes/other/commands/df.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ValueError):
        read_node_tarball(buf.getvalue(), "n1")


def _key_log(lines_before: int) -> tuple[str, list[str]]:
    body = [f"MIIEk{i:02d}QIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQC7nodeKeyLine" for i in range(20)]
    block = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(body) + "\n-----END RSA PRIVATE KEY-----\n"
    text = "".join(f"I0301 kubelet line {i}\n" for i in range(lines_before)) + block + "".join(
        f"I0301 after {i}\n" for i in range(10))
    return text, body


@pytest.mark.parametrize("shell", shells(), ids=lambda s: " ".join(s))
@pytest.mark.parametrize("masked", [True, False], ids=["sed-mask", "kbundle-mask"])
def test_cap_inside_a_key_block_leaves_no_key_body(tmp_path: Path, shell: list[str], masked: bool) -> None:
    """-m cuts after masking (standalone sed mask) or from a line start (-M, kbundle masks):
    either way no line of a key body survives a cut inside the block (issue 14 point 12)."""
    root = tmp_path / "root"
    (root / "var/log").mkdir(parents=True)
    text, body = _key_log(200)
    (root / "var/log/kubelet.log").write_text(text)
    cap = len(text) - text.index(body[9]) - 7  # the newest `cap` bytes start inside body line 9
    script = tmp_path / "node_script.sh"
    script.write_bytes(node_script())  # the packaged script, as kbundle collect ships it
    args = ["-o", str(tmp_path / "node.tgz"), "-r", str(root), "-x", "direct", "-n", "w1", "-m", str(cap)]
    proc = subprocess.run([*shell, str(script), *args, *([] if masked else ["-M"])], capture_output=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr.decode()
    raw = read_node_tarball((tmp_path / "node.tgz").read_bytes(), "w1")["files/var/log/kubelet.log"]
    assert len(raw) <= cap and raw.endswith(b"I0301 after 9\n")
    assert raw.startswith((b"I0301", b"MIIEk", b"-----"))  # from a line start, never mid-line
    redactor = Redactor()
    kept = raw.decode() if masked else redactor.text(raw.decode())  # -M: what kbundle collect stores
    for line in body:
        assert line[:16] not in kept, f"{line!r} survived in {kept!r}"
    if not masked:
        assert redactor.counts().get("private-key", 0) >= 1
