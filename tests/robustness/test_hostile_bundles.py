"""Broken and hostile bundles: every one ends as a clear message, never a crash.

Each case writes its own input, runs the real `kbundle inspect` / `kbundle analyze` in a
sandbox (see conftest.py) and checks the outcome: unusable input -> exit 2 with one line
naming the file; partly usable input -> exit 0/1 with the problems listed; never a
traceback, never a file outside the output path, temporary files removed.
"""

from __future__ import annotations

import gzip
import io
import json
import lzma
import os
import struct
import tarfile
import zlib
from pathlib import Path

import orjson
import pytest

from analyzer.bundle.native_writer import write_native
from tests.robustness.conftest import assert_one_line_error, assert_usable_or_clear_error

COLLECTED = "2026-11-20T10:00:00Z"


def pod(name: str, ns: str = "default", **extra) -> dict:
    p = {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": name, "namespace": ns, "uid": f"uid-{ns}-{name}", "creationTimestamp": "2026-11-19T10:00:00Z"},
         "spec": {"nodeName": "n1", "containers": [{"name": "app", "image": "nginx:1.27"}]},
         "status": {"phase": "Running", "containerStatuses": [
             {"name": "app", "ready": True, "restartCount": 0, "image": "nginx:1.27", "imageID": "x",
              "state": {"running": {"startedAt": "2026-11-19T10:00:05Z"}}, "lastState": {}}]}}
    p.update(extra)
    return p


def small_bundle(root: Path) -> Path:
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "uid": "n1"},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    write_native(root, [node, pod("web-1"), pod("web-2")], {("default", "web-1", "app", False): "hello\n"},
                 {("n1", "commands/df.txt"): "Filesystem 1K-blocks Used Available Use% Mounted on\n"},
                 cluster_version="v1.31.0", collected_at=COLLECTED)
    return root


def tar_gz(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def file_member(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mtime = 1763632800
    return ti, data


def native_members(tmp_path: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    src = small_bundle(tmp_path / "src")
    out = []
    for p in sorted(src.rglob("*")):
        if p.is_file():
            out.append(file_member("bundle/" + str(p.relative_to(src)), p.read_bytes()))
    return out


# ---------------------------------------------------------------- unusable inputs: one-line error, exit 2
def test_missing_path(sandbox):
    assert_one_line_error(sandbox("inspect", "does-not-exist.tar.gz"), "does-not-exist.tar.gz")


def test_empty_file(sandbox, tmp_path):
    f = tmp_path / "empty.tar.gz"
    f.write_bytes(b"")
    assert_one_line_error(sandbox("inspect", str(f)), "empty.tar.gz")
    assert_one_line_error(sandbox("analyze", str(f)), "empty.tar.gz")


def test_wrong_magic_bytes(sandbox, tmp_path):
    f = tmp_path / "bundle.tar.gz"
    f.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    assert_one_line_error(sandbox("analyze", str(f)), "bundle.tar.gz")


def test_truncated_gzip(sandbox, tmp_path):
    full = tar_gz(tmp_path / "full.tar.gz", native_members(tmp_path))
    data = full.read_bytes()
    f = tmp_path / "truncated.tar.gz"
    f.write_bytes(data[: len(data) // 2])
    r = sandbox("analyze", str(f), "--format", "json")
    assert_usable_or_clear_error(r, "truncated.tar.gz")
    if r.code != 2:  # what was readable was analysed, and the truncation is listed
        assert any("truncated.tar.gz" in p["path"] or "truncat" in p["error"].lower() or "unexpected end" in p["error"].lower()
                   for p in json.loads(r.stdout)["problems"])


def test_truncated_tar(sandbox, tmp_path):
    full = tar_gz(tmp_path / "full.tar", native_members(tmp_path), mode="w")
    data = full.read_bytes()
    f = tmp_path / "cut.tar"
    f.write_bytes(data[: len(data) - 3000])
    assert_usable_or_clear_error(sandbox("inspect", str(f), "--format", "json"), "cut.tar")


def test_directory_in_no_known_format(sandbox, tmp_path):
    d = tmp_path / "holiday-photos"
    d.mkdir()
    (d / "readme.txt").write_text("nothing kubernetes here\n")
    (d / "data.bin").write_bytes(os.urandom(100))
    assert_one_line_error(sandbox("analyze", str(d)), "holiday-photos")


def test_random_bytes_as_bundle(sandbox, tmp_path):
    f = tmp_path / "noise.bin"
    f.write_bytes(os.urandom(50000))
    assert_one_line_error(sandbox("inspect", str(f)), "noise.bin")


# ---------------------------------------------------------------- hostile archives: refused members are problems
def test_traversal_absolute_links_and_devices(sandbox, tmp_path):
    members = native_members(tmp_path)
    members.append(file_member("../escape.txt", b"owned"))
    members.append(file_member("/tmp/abs-escape.txt", b"owned"))
    link = tarfile.TarInfo("bundle/logs/default/web-2/app.log")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    members.append((link, None))
    hard = tarfile.TarInfo("bundle/logs/default/web-1/app.previous.log")
    hard.type, hard.linkname = tarfile.LNKTYPE, "../../../../etc/shadow"
    members.append((hard, None))
    dev = tarfile.TarInfo("bundle/nodes/n1/files/dev/sda")
    dev.type, dev.devmajor, dev.devminor = tarfile.BLKTYPE, 8, 0
    members.append((dev, None))
    fifo = tarfile.TarInfo("bundle/nodes/n1/files/fifo")
    fifo.type = tarfile.FIFOTYPE
    members.append((fifo, None))
    f = tar_gz(tmp_path / "hostile.tar.gz", members)
    r = sandbox("inspect", str(f), "--format", "json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["counts"].get("Pod") == 2
    paths = " ".join(p["path"] for p in doc["problems"])
    for bad in ("escape.txt", "abs-escape.txt", "web-2/app.log", "app.previous.log", "dev/sda", "fifo"):
        assert bad in paths, (bad, doc["problems"])
    assert not (tmp_path / "escape.txt").exists() and not Path("/tmp/abs-escape.txt").exists()
    assert "root:" not in r.stdout


def test_directory_bundle_symlink_leaving(sandbox, tmp_path):
    b = small_bundle(tmp_path / "b")
    os.symlink("/etc/passwd", b / "logs" / "default" / "web-1" / "evil.log")
    os.symlink("/etc", b / "namespaces" / "etc-link")
    r = sandbox("analyze", str(b), "--format", "json", "--fail-on", "never")
    assert r.code == 0, r.stderr
    assert "root:x:" not in r.stdout


def zero_bomb_tar_gz(path: Path, members: list[tuple[tarfile.TarInfo, bytes]], name: str, size: int) -> Path:
    """A .tar.gz whose member ``name`` is ``size`` zero bytes, built in milliseconds as a
    multi-member gzip stream (one small gzip member repeated), like a real bomb."""
    head = io.BytesIO()
    with tarfile.open(fileobj=head, mode="w") as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data))
    prefix = head.getvalue()[: -tarfile.RECORDSIZE] if len(head.getvalue()) > tarfile.RECORDSIZE else head.getvalue()
    # strip the two zero end blocks tarfile wrote, keep whole 512-byte blocks of members
    prefix = prefix.rstrip(b"\0")
    prefix += b"\0" * (-len(prefix) % 512)
    ti = tarfile.TarInfo(name)
    ti.size = size
    chunk = 1 << 20
    assert size % chunk == 0
    # one raw deflate stream: the block for a chunk of zeros after a full flush is the same
    # bytes every time, so it can be repeated; CRC and size go in the gzip trailer.
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    head_bytes = prefix + ti.tobuf(format=tarfile.GNU_FORMAT)
    body = comp.compress(head_bytes) + comp.flush(zlib.Z_FULL_FLUSH)
    zeros = bytes(chunk)
    block = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    assert comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH) == block
    tail = bytes(1024)
    crc = zlib.crc32(head_bytes)
    for _ in range(size // chunk):
        crc = zlib.crc32(zeros, crc)
    crc = zlib.crc32(tail, crc)
    total = len(head_bytes) + size + len(tail)
    with open(path, "wb") as fh:
        fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + body)
        for _ in range(size // chunk):
            fh.write(block)
        fh.write(comp.compress(tail) + comp.flush(zlib.Z_FINISH))
        fh.write(struct.pack("<II", crc & 0xFFFFFFFF, total & 0xFFFFFFFF))
    return path


def test_decompression_bomb(sandbox, tmp_path):
    f = zero_bomb_tar_gz(tmp_path / "bomb.tar.gz", native_members(tmp_path), "bundle/logs/default/web-2/app.log", 2 * 1024**3)
    assert f.stat().st_size < 20 * 1024**2
    r = sandbox("inspect", str(f), "--format", "json", "--max-file-bytes", str(64 * 1024**2), timeout=120)
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["counts"].get("Pod") == 2
    assert any("app.log" in p["path"] for p in doc["problems"]), doc["problems"]


def test_many_tiny_members(sandbox, tmp_path):
    f = tmp_path / "many.tar.gz"
    with tarfile.open(f, "w:gz", compresslevel=1) as tf:
        for info, data in native_members(tmp_path):
            tf.addfile(info, io.BytesIO(data))
        for i in range(100_000):
            ti = tarfile.TarInfo(f"bundle/nodes/n1/files/etc/junk/{i}")
            ti.size = 1
            tf.addfile(ti, io.BytesIO(b"x"))
    r = sandbox("inspect", str(f), "--format", "json", "--max-members", "20000")
    assert_usable_or_clear_error(r, "many.tar.gz")
    if r.code == 0:
        assert json.loads(r.stdout)["problems"], "the member cap must be reported"


# ---------------------------------------------------------------- broken content: reported, the rest analysed
def bundle_with(tmp_path: Path, rel: str, data: bytes) -> Path:
    b = small_bundle(tmp_path / "b")
    p = b / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return b


BROKEN_JSON = [
    ("deep-nesting", b"[" * 100_000 + b"]" * 100_000),
    ("truncated", b'{"apiVersion": "v1", "kind": "ConfigMapList", "items": [{"metadata": {"name": "a"'),
    ("nan-and-huge", b'{"kind": "ConfigMapList", "items": [{"kind": "ConfigMap", "metadata": {"name": "x", "namespace": "default"}, "data": {"a": NaN, "b": 1e999999, "c": 123456789012345678901234567890}}]}'),
    ("items-null", b'{"kind": "ConfigMapList", "items": null}'),
    ("items-string", b'{"kind": "ConfigMapList", "items": "oops"}'),
    ("metadata-missing", b'{"kind": "ConfigMapList", "items": [{"kind": "ConfigMap", "data": {}}, {"kind": "ConfigMap", "metadata": "x"}, 7, null]}'),
    ("invalid-utf8", b'{"kind": "ConfigMapList", "items": [{"kind": "ConfigMap", "metadata": {"name": "\xff\xfe"}}]}'),
    ("duplicate-keys", b'{"kind": "ConfigMapList", "kind": "SecretList", "items": [{"kind": "ConfigMap", "metadata": {"name": "d", "name": "e", "namespace": "default"}}]}'),
]


@pytest.mark.parametrize("case,data", BROKEN_JSON, ids=[c for c, _ in BROKEN_JSON])
def test_broken_json_is_a_problem_and_the_rest_is_read(sandbox, tmp_path, case, data):
    b = bundle_with(tmp_path, "namespaces/default/configmaps.json", data)
    r = sandbox("analyze", str(b), "--format", "json", "--fail-on", "never")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["bundle"]["format"] == "native"
    if case not in ("duplicate-keys", "nan-and-huge"):
        assert any("configmaps.json" in p["path"] for p in doc["problems"]), (case, doc["problems"])
    r2 = sandbox("inspect", str(b), "--format", "json")
    assert json.loads(r2.stdout)["counts"].get("Pod") == 2


def test_wrong_types_in_objects_do_not_break_rules(sandbox, tmp_path):
    weird = [
        pod("a", status=None), pod("b", spec="nope"), pod("c", status={"containerStatuses": "x"}),
        pod("d", status={"containerStatuses": [None, 3, {"name": None, "state": []}]}),
        pod("e", metadata={"name": "e", "namespace": "default", "labels": ["x"], "ownerReferences": "x"}),
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n2"}, "status": {"conditions": {"a": 1}, "allocatable": []}},
        {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "ev", "namespace": "default"}, "involvedObject": "x",
         "count": "many", "lastTimestamp": "yesterday"},
    ]
    b = tmp_path / "weird"
    write_native(b, weird, collected_at=COLLECTED)
    r = sandbox("analyze", str(b), "--format", "json", "--fail-on", "never")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["rule_errors"] == [], doc["rule_errors"][:3]


def test_logs_with_invalid_utf8_nul_and_no_newline(sandbox, tmp_path):
    b = small_bundle(tmp_path / "b")
    (b / "logs/default/web-2").mkdir(parents=True, exist_ok=True)
    (b / "logs/default/web-2/app.log").write_bytes(b"ok line\n\xff\xfe bad \x00 nul \x1b[31m\n<script>x</script>\n")
    with open(b / "logs/default/web-1/app.previous.log", "wb") as fh:
        chunk = b"A" * (1 << 20)
        for _ in range(100):
            fh.write(chunk)
    r = sandbox("analyze", str(b), "--format", "json", "--fail-on", "never", timeout=240)
    assert r.code == 0, r.stderr
    assert json.loads(r.stdout)["bundle"]["format"] == "native"


def test_file_names_with_newlines_and_control_characters(sandbox, tmp_path):
    members = native_members(tmp_path)
    members.append(file_member("bundle/logs/default/web-1/evil\nname\x1b[2J.log", b"x\n"))
    members.append(file_member("bundle/namespaces/default/con\rfig\x07maps.json", b'{"kind":"ConfigMapList","items":[]}'))
    f = tar_gz(tmp_path / "names.tar.gz", members)
    r = sandbox("inspect", str(f))
    assert r.code == 0, r.stderr
    assert "\x1b[2J" not in r.stdout and "\x07" not in r.stdout
    r = sandbox("analyze", str(f), "--format", "json", "--fail-on", "never")
    assert r.code == 0


def test_yaml_bomb_in_must_gather(sandbox, tmp_path):
    root = tmp_path / "must-gather.local.1" / "quay-io-openshift-must-gather-sha256-abc"
    core = root / "namespaces" / "default" / "core"
    core.mkdir(parents=True)
    (root / "timestamp").write_text("2026-11-20 10:00:00.000000000 +0000 UTC m=+0.1\n")
    bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
    for i, prev in zip("bcdefghij", "abcdefghi", strict=True):
        bomb += f"{i}: &{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
    (core / "configmaps.yaml").write_text(bomb)
    (core / "pods.yaml").write_text("apiVersion: v1\nkind: PodList\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n"
                                    "    name: web\n    namespace: default\n  spec:\n    containers:\n    - name: app\n"
                                    "      image: nginx\n  status:\n    phase: Running\n")
    csr = root / "cluster-scoped-resources" / "core" / "nodes"
    csr.mkdir(parents=True)
    (csr / "n1.yaml").write_text("apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\nstatus:\n  nodeInfo:\n    kubeletVersion: v1.31.0\n")
    r = sandbox("inspect", str(tmp_path / "must-gather.local.1"), "--format", "json", timeout=60)
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["format"] == "must-gather"
    assert doc["counts"].get("Pod") == 1
    assert any("configmaps.yaml" in p["path"] for p in doc["problems"]), doc["problems"]


def test_xz_and_plain_tar_archives(sandbox, tmp_path):
    members = native_members(tmp_path)
    raw = tar_gz(tmp_path / "b.tar", members, mode="w").read_bytes()
    (tmp_path / "b.tar.xz").write_bytes(lzma.compress(raw))
    (tmp_path / "b.tgz").write_bytes(gzip.compress(raw))
    for name in ("b.tar", "b.tar.xz", "b.tgz"):
        r = sandbox("inspect", str(tmp_path / name), "--format", "json")
        assert r.code == 0, (name, r.stderr)
        assert orjson.loads(r.stdout)["counts"]["Pod"] == 2


# --------------------------------------------------------------------------- formats read from host collectors
def _zip_with_zero_bomb(name: str, size: int, others: dict[str, bytes]) -> bytes:
    """A zip whose member ``name`` inflates to ``size`` zero bytes (written in chunks)."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for rel, data in others.items():
            zf.writestr(rel, data)
        with zf.open(name, "w", force_zip64=True) as out:
            block = bytes(1 << 20)
            for _ in range(size >> 20):
                out.write(block)
    return buf.getvalue()


def test_nested_zip_bomb_in_support_bundle_kit_node_archive(sandbox, tmp_path):
    from tests.bundle.format_samples import sbk_files, write_sbk_bundle

    files = sbk_files()
    top = next(iter(files)).split("/", 1)[0]
    files[f"{top}/nodes/harvester-1.zip"] = _zip_with_zero_bomb(
        "harvester-1/logs/rke2-agent.log", 96 * 1024**2, {"harvester-1/logs/kubelet.log": b"kubelet ok\n"})
    f = write_sbk_bundle(tmp_path, files)
    assert f.stat().st_size < 2 * 1024**2
    r = sandbox("inspect", str(f), "--format", "json", "--max-file-bytes", str(16 * 1024**2))
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["format"] == "support-bundle-kit" and doc["counts"]["Pod"] == 1
    bomb = [p for p in doc["problems"] if "harvester-1.zip!harvester-1/logs/rke2-agent.log" in p["path"]]
    assert bomb and "--max-file-bytes" in bomb[0]["error"], doc["problems"]
    assert doc["node_files"] >= 1  # the node's other files are still read
    # the total cap counts the node archive's content too
    r = sandbox("inspect", str(f), "--format", "json", "--max-total-bytes", str(48 * 1024**2))
    assert r.code == 0, r.stderr
    assert any("--max-total-bytes" in p["error"] for p in json.loads(r.stdout)["problems"])
    r = sandbox("analyze", str(f), "--format", "json", "-o", "out/report.json", "--max-file-bytes",
                str(16 * 1024**2), "--fail-on", "never")
    assert r.code == 0, r.stderr
    assert json.loads((sandbox.work / "out" / "report.json").read_text())["rule_errors"] == []


def test_rancher_text_tables_with_broken_columns(sandbox, tmp_path):
    from tests.bundle.format_samples import (
        POD_HEADER,
        RANCHER_PODS,
        kubectl_table,
        rancher_node_dir,
        write_targz,
    )

    good = kubectl_table(POD_HEADER, RANCHER_PODS[:2])
    broken = (good + "shop   web-x   1/1\tRunning 0\n"                       # re-flowed, too few cells
              + "shop " + "y" * 300 + " 1/1 Running 0 1d 10.0.0.1 node-a <none> <none>\n"  # overflowing name
              + "\x00\x01\x02 garbage \xff\n".encode("latin-1").decode("latin-1"))
    files = rancher_node_dir(pods_text=broken)
    files["rke2/kubectl/nodes"] = b"\x89PNG\r\n\x1a\n\x00\x00binary"
    files["rke2/kubectl/events"] = b"NAMESPACE   LAST SEEN\n"  # header only
    f = write_targz(tmp_path / "node-a-2026-03-01_12_00_00.tar.gz",
                    {"node-a-2026-03-01_12_00_00/" + k: v for k, v in files.items()})
    r = sandbox("inspect", str(f), "--format", "json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["format"] == "rancher-logs" and doc["counts"]["Pod"] == 2
    assert "Node" not in doc["counts"]
    problems = {p["path"].rsplit("/", 1)[-1]: p["error"] for p in doc["problems"]}
    assert "3 row(s) whose columns do not line up" in problems["pods"], problems
    assert problems["nodes"].startswith("not a kubectl table"), problems
    r = sandbox("analyze", str(f), "--format", "json", "-o", "out/r.json", "--fail-on", "never")
    assert r.code == 0, r.stderr
    assert json.loads((sandbox.work / "out" / "r.json").read_text())["rule_errors"] == []
