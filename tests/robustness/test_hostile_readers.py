"""Hostile archives and YAML against the readers (issue 14, "Readers"): declared sizes that
would take hours to walk, members of zeros that would fill TMPDIR, YAML aliases that expand
to gigabytes, one damaged member or trailing garbage, and signals ending the process.

Every archive is hand-made in milliseconds: a declared size of 10^15 bytes is only a header,
and gigabytes of repetitive data are one compressed piece repeated (concatenated gzip/xz
streams decode to the concatenation of their contents).  Each run has a timeout, and the
sandbox (conftest.py) checks that nothing is left in TMPDIR.
"""

from __future__ import annotations

import gzip
import io
import json
import lzma
import os
import resource
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.robustness.test_hostile_bundles import native_members

MIB = 1024 * 1024


def _tar_bytes(members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    """The tar blocks of ``members`` without the end-of-archive blocks."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data))
    raw = buf.getvalue().rstrip(b"\0")
    return raw + b"\0" * (-len(raw) % 512)


def _xz(data: bytes) -> bytes:
    return lzma.compress(data, preset=0)


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


def write_archive(path: Path, compress: Callable[[bytes], bytes],
                  pieces: list[tuple[bytes, int]]) -> Path:
    """A compressed tar written as concatenated streams: each distinct piece is compressed
    once and its stream repeated ``count`` times."""
    with open(path, "wb") as out:
        for data, count in pieces:
            stream = compress(data)
            for _ in range(count):
                out.write(stream)
    return path


def header(name: str, size: int, fmt: int = tarfile.PAX_FORMAT) -> bytes:
    ti = tarfile.TarInfo(name)
    ti.size = size
    ti.mtime = 1763632800
    return ti.tobuf(format=fmt)


def sparse_chunk(size: int = MIB) -> bytes:
    """Data that compresses about 400:1 (under the ratio cap of 1000, far above real
    bundles: 10 to 30): 40 random bytes in every 32 KiB of zeros."""
    block = 32768
    return b"".join(os.urandom(40) + bytes(block - 40) for _ in range(size // block))


def big_members_archive(tmp_path: Path, name: str, compress: Callable[[bytes], bytes], chunk: bytes,
                        members: int, member_size: int, prefix: str = "bundle/junk") -> Path:
    """The small native bundle, then ``members`` files of ``member_size`` bytes of ``chunk``s."""
    pieces = [(_tar_bytes(native_members(tmp_path)), 1)]
    for i in range(members):
        pieces.append((header(f"{prefix}/{i}.bin", member_size), 1))
        pieces.append((chunk, member_size // len(chunk)))
    pieces.append((bytes(1024), 1))
    return write_archive(tmp_path / name, compress, pieces)


def _fsize_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def _memory_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def _problems(doc: dict) -> list[dict]:
    return doc["problems"]


# ------------------------------------------------------------------- 1. declared sizes
@pytest.mark.parametrize("compress, fmt", [(_gz, tarfile.PAX_FORMAT), (_xz, tarfile.GNU_FORMAT)],
                         ids=["pax-size-tar.gz", "gnu-base256-size-tar.xz"])
def test_member_declaring_a_petabyte_stops_reading_at_once(sandbox, tmp_path, compress, fmt):
    """tarfile's stream mode walked the declared size one empty read at a time (hours)."""
    raw = _tar_bytes(native_members(tmp_path)) + header("bundle/logs/default/web-2/huge.log", 10**15, fmt)
    f = write_archive(tmp_path / "huge.tar", compress, [(raw + b"x" * 512 + bytes(1024), 1)])
    for command in ("inspect", "analyze") if compress is _gz else ("inspect",):
        extra = ["--fail-on", "never"] if command == "analyze" else []
        r = sandbox(command, str(f), "--format", "json", *extra, timeout=60)
        assert r.code == 0, r.stderr
        doc = json.loads(r.stdout)
        counts = doc["counts"] if command == "inspect" else None
        if counts is not None:
            assert counts.get("Pod") == 2
        problem = [p for p in _problems(doc) if p["path"].endswith("huge.log")]
        assert problem and "reading stopped" in problem[0]["error"], _problems(doc)


def test_huge_extended_header_is_refused_before_it_is_read(sandbox, tmp_path):
    """A PAX header declaring 100 GB would be read into memory whole."""
    pax = tarfile.TarInfo("bundle/././@PaxHeader")
    pax.type = tarfile.XHDTYPE
    pax.size = 100 * 10**9
    raw = _tar_bytes(native_members(tmp_path)) + pax.tobuf(format=tarfile.GNU_FORMAT)
    f = write_archive(tmp_path / "pax.tar.gz", _gz, [(raw + b"17 path=a/b/c.log\n" + bytes(512 * 8), 1)])
    r = sandbox("inspect", str(f), "--format", "json", timeout=60, preexec_fn=_memory_limit(1536 * MIB))
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["counts"].get("Pod") == 2
    assert any("extended tar header" in p["error"] for p in _problems(doc)), _problems(doc)


# ------------------------------------------------------------------- 2. zeros and the ratio cap
def test_zero_members_of_a_small_tar_xz_are_not_written(sandbox, tmp_path):
    """1 GiB of zeros in a tar.xz of a few hundred KB: reading stops at the compression
    ratio cap, and nothing large is ever written (each file is capped at 32 MiB here)."""
    f = big_members_archive(tmp_path, "zeros.tar.xz", _xz, bytes(16 * MIB), 4, 256 * MIB)
    assert f.stat().st_size < 2 * MIB
    r = sandbox("inspect", str(f), "--format", "json", timeout=90, preexec_fn=_fsize_limit(32 * MIB))
    assert r.code == 0, (r.code, r.stderr[-500:])
    doc = json.loads(r.stdout)
    assert doc["counts"].get("Pod") == 2
    assert any("expands more than 1000 times" in p["error"] and "junk/" in p["path"] for p in _problems(doc)), \
        _problems(doc)


def test_members_no_reader_opens_are_not_copied(sandbox, tmp_path):
    """Under the ratio cap (about 400:1) but far beyond what real logs compress to: members
    that no reader opens are only indexed, never written to TMPDIR."""
    f = big_members_archive(tmp_path, "junk.tar.gz", _gz, sparse_chunk(), 3, 128 * MIB)
    assert f.stat().st_size < 8 * MIB
    r = sandbox("inspect", str(f), "--format", "json", timeout=90, preexec_fn=_fsize_limit(32 * MIB))
    assert r.code == 0, (r.code, r.stderr[-500:])
    doc = json.loads(r.stdout)
    assert doc["counts"].get("Pod") == 2
    assert _problems(doc) == []  # (an EFBIG when a member was copied whole)


def test_ratio_cap_flag(sandbox, tmp_path):
    f = big_members_archive(tmp_path, "junk.tar.gz", _gz, sparse_chunk(), 1, 128 * MIB)
    r = sandbox("inspect", str(f), "--format", "json", "--max-compression-ratio", "20", timeout=90)
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["counts"].get("Pod") == 2
    assert any("expands more than 20 times" in p["error"] and "--max-compression-ratio" in p["error"]
               for p in _problems(doc)), _problems(doc)


# ------------------------------------------------------------------- 3. YAML aliases in bytes
def must_gather_with(root: Path, configmaps: str) -> Path:
    top = root / "must-gather.local.1"
    base = top / "quay-io-openshift-must-gather-sha256-abc"
    core = base / "namespaces" / "default" / "core"
    core.mkdir(parents=True)
    (base / "timestamp").write_text("2026-11-20 10:00:00.000000000 +0000 UTC m=+0.1\n")
    (core / "configmaps.yaml").write_text(configmaps)
    (core / "pods.yaml").write_text("apiVersion: v1\nkind: PodList\nitems:\n- apiVersion: v1\n  kind: Pod\n"
                                    "  metadata:\n    name: web\n    namespace: default\n  spec:\n    containers:\n"
                                    "    - name: app\n      image: nginx\n  status:\n    phase: Running\n")
    return top


def test_one_long_string_aliased_thousands_of_times(sandbox, tmp_path):
    """3,000 aliases are few nodes but 3 GB of text once expanded."""
    doc = ("apiVersion: v1\nkind: ConfigMapList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n"
           "    name: bomb\n    namespace: default\n  data:\n    a: &big " + "x" * MIB + "\n"
           + "".join(f"    k{i}: *big\n" for i in range(3000)))
    top = must_gather_with(tmp_path, doc)
    r = sandbox("inspect", str(top), "--format", "json", timeout=60, preexec_fn=_memory_limit(1536 * MIB))
    assert r.code == 0, (r.code, r.stderr[-500:])
    out = json.loads(r.stdout)
    assert out["counts"].get("Pod") == 1
    assert any(p["path"].endswith("configmaps.yaml") and "alias" in p["error"] for p in _problems(out)), _problems(out)


def test_a_few_legitimate_aliases_still_load(sandbox, tmp_path):
    doc = ("apiVersion: v1\nkind: ConfigMapList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n"
           "    name: ok\n    namespace: default\n    labels: &l {app: web, tier: front}\n"
           "    annotations: *l\n  data:\n    a: &s " + "y" * 1000 + "\n    b: *s\n    c: *s\n")
    top = must_gather_with(tmp_path, doc)
    r = sandbox("inspect", str(top), "--format", "json", timeout=60)
    assert r.code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["counts"].get("ConfigMap") == 1, out
    assert out["problems"] == [], out["problems"]


def test_rule_function_parse_yaml_refuses_alias_bombs():
    """Rules parse YAML held in ConfigMaps (parse_yaml): bundle text, bounded the same way."""
    from analyzer.bundle.formats.common import YamlAliasBomb, load_yaml_checked
    from analyzer.bundle.model import Bundle
    from analyzer.engine.context import Evaluator
    from analyzer.rules.expr import compile_expr

    bomb = "a: &a " + "x" * MIB + "\n" + "".join(f"k{i}: *a\n" for i in range(100))
    with pytest.raises(YamlAliasBomb):
        load_yaml_checked(bomb)
    ev = Evaluator(Bundle())
    parse = compile_expr("parse_yaml(text)")
    assert ev.eval(parse, {"text": bomb}) is None
    assert ev.eval(parse, {"text": "k: &v [1, 2]\nk2: *v\n"}) == {"k": [1, 2], "k2": [1, 2]}


# ------------------------------------------------------------------- 4. one bad member, trailing garbage
def test_one_damaged_zip_member_is_a_problem_and_the_rest_is_read(sandbox, tmp_path):
    members = native_members(tmp_path)
    f = tmp_path / "b.zip"
    with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            zf.writestr(info.name, data)
    victim = next(info.name for info, _ in members if info.name.endswith("nodes.json"))
    with zipfile.ZipFile(f) as zf:
        zi = zf.getinfo(victim)
    raw = bytearray(f.read_bytes())
    start = zi.header_offset + 30 + len(zi.filename.encode()) + len(zi.extra)
    for i in range(start, start + zi.compress_size):
        raw[i] ^= 0x5A  # the compressed data only: the directory still lists the member
    f.write_bytes(bytes(raw))
    r = sandbox("inspect", str(f), "--format", "json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["counts"].get("Pod") == 2, doc
    bad = [p for p in _problems(doc) if p["path"].endswith("nodes.json")]
    assert bad and "damaged zip member" in bad[0]["error"], _problems(doc)
    assert not any("internal error" in p["error"] for p in _problems(doc)), _problems(doc)


@pytest.mark.parametrize("compress, name", [(_gz, "small.tar.gz"), (_xz, "small.tar.xz")])
def test_trailing_garbage_is_reported_and_the_archive_read(sandbox, tmp_path, compress, name):
    raw = _tar_bytes(native_members(tmp_path)) + bytes(1024)
    f = tmp_path / name
    f.write_bytes(compress(raw) + b"this is not compressed data\n" * 20)
    r = sandbox("inspect", str(f), "--format", "json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["counts"].get("Pod") == 2
    assert any(p["path"] == name and "trailing data" in p["error"] for p in _problems(doc)), _problems(doc)


# ------------------------------------------------------------------- 5. signals
@pytest.mark.parametrize("command, signum", [("inspect", signal.SIGTERM), ("analyze", signal.SIGHUP),
                                             ("inspect", signal.SIGQUIT)],
                         ids=["inspect-SIGTERM", "analyze-SIGHUP", "inspect-SIGQUIT"])
def test_signal_during_reading_removes_the_temporary_directory(sandbox, tmp_path, command, signum):
    f = big_members_archive(tmp_path, "slow.tar.gz", _gz, sparse_chunk(), 8, 256 * MIB,
                            prefix="bundle/logs/default/web-1")
    tmp: Path = sandbox.tmp  # type: ignore[attr-defined]
    proc = subprocess.Popen([sys.executable, "-m", "analyzer.cli", command, str(f), "--max-total-bytes",
                             str(64 << 30)], cwd=sandbox.work, env=sandbox.env,  # type: ignore[attr-defined]
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not list(tmp.glob("kbundle-*")) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, "finished before the signal could be sent; make the archive larger"
        assert list(tmp.glob("kbundle-*")), "no temporary directory appeared"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signum, (proc.returncode, err[-500:])
    assert list(tmp.iterdir()) == [], "temporary files left behind"


def test_a_forked_child_never_removes_its_parents_temporary_directory(tmp_path, monkeypatch):
    """The analysis forks a text scanner that shares the bundle: its exit or its signal
    handler must leave the parent's copies alone."""
    import tempfile

    from analyzer.bundle.tempdirs import TempDir, remove_own_dirs

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    d = TempDir()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            remove_own_dirs()
            d.remove()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.path.isdir(d.path)
    d.remove()
    assert not os.path.exists(d.path)
