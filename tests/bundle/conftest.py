"""Fixtures for the bundle-reader tests: small bundles of every format, written by the
tests themselves (never copies of ../shared/realdata)."""

from __future__ import annotations

import gzip
import io
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path

import orjson
import pytest

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
COLLECTED = "2026-03-01T12:00:00Z"


def pod(name: str, ns: str = "default", node: str = "node-1", **extra) -> dict:
    p = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": f"uid-{ns}-{name}", "labels": {"app": name.split("-")[0]},
                     "creationTimestamp": "2026-03-01T10:00:00Z"},
        "spec": {"nodeName": node, "containers": [{"name": "app", "image": "nginx:1.27"}]},
        "status": {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": "2026-03-01T10:01:00Z"}]},
    }
    p.update(extra)
    return p


def node(name: str, kubelet: str = "v1.30.2") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "uid": f"uid-node-{name}"},
        "status": {"nodeInfo": {"kubeletVersion": kubelet},
                   "conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": "2026-03-01T11:58:00Z",
                                   "lastTransitionTime": "2026-02-01T00:00:00Z"}]},
    }


def core_event(name: str, ns: str, obj: dict, reason: str = "BackOff", last: str = "2026-03-01T11:59:30Z") -> dict:
    md = obj["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": ns},
        "involvedObject": {"kind": obj["kind"], "namespace": md.get("namespace", ""), "name": md["name"],
                           "uid": md.get("uid")},
        "reason": reason,
        "message": "Back-off restarting failed container app",
        "type": "Warning",
        "count": 3,
        "lastTimestamp": last,
    }


def new_event(name: str, ns: str, obj: dict, reason: str = "FailedScheduling") -> dict:
    md = obj["metadata"]
    return {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": ns},
        "regarding": {"kind": obj["kind"], "namespace": md.get("namespace", ""), "name": md["name"],
                      "uid": md.get("uid")},
        "reason": reason,
        "note": "0/3 nodes are available",
        "type": "Warning",
        "eventTime": "2026-03-01T11:59:45.123456Z",
    }


def write(root: Path, rel: str, data: bytes | str | dict | list) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, (dict, list)):
        data = orjson.dumps(data, option=orjson.OPT_INDENT_2)
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def tar_dir(src: Path, out: Path, arcname: str, mode: str = "w:gz") -> Path:
    with tarfile.open(out, mode) as tf:
        tf.add(src, arcname=arcname)
    return out


def member(name: str, data: bytes = b"", **attrs) -> tuple[tarfile.TarInfo, bytes | None]:
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mtime = 1772366400
    for k, v in attrs.items():
        setattr(ti, k, v)
    return ti, (data if ti.isreg() else None)


def write_tar(out: Path, members: Iterable[tuple[tarfile.TarInfo, bytes | None]], mode: str = "w:gz") -> Path:
    with tarfile.open(out, mode) as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return out


def zero_bomb_tar_gz(out: Path, prefix_members: list[tuple[tarfile.TarInfo, bytes | None]],
                     name: str = "bundle/zeros.log", size: int = 2_000 * 1024 * 1024) -> Path:
    """A .tar.gz holding a member of ``size`` zero bytes, built in well under a second:
    gzip allows concatenated members, so one compressed MiB of zeros is repeated."""
    head = io.BytesIO()
    with tarfile.open(fileobj=head, mode="w|") as tf:
        for info, data in prefix_members:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
        big = tarfile.TarInfo(name)
        big.size = size
        big.mtime = 1772366400
        head_block = big.tobuf(tarfile.GNU_FORMAT)
    # tarfile wrote the end-of-archive blocks on close: drop them, keep the headers.
    raw = head.getvalue()
    body = raw[: len(raw) - (len(raw) - _data_end(raw))]
    mib = 1024 * 1024
    assert size % mib == 0
    zero_chunk = gzip.compress(bytes(mib), compresslevel=9)
    with open(out, "wb") as f:
        f.write(gzip.compress(body + head_block, compresslevel=1))
        for _ in range(size // mib):
            f.write(zero_chunk)
        f.write(gzip.compress(bytes(1024), compresslevel=9))  # end-of-archive blocks
    return out


def _data_end(raw: bytes) -> int:
    """Offset of the end-of-archive zero blocks of a tar written by tarfile."""
    pos = 0
    while pos + 512 <= len(raw):
        block = raw[pos : pos + 512]
        if block == bytes(512):
            return pos
        info = tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
        pos += 512 + ((info.size + 511) // 512) * 512
    return pos


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """Route the reader's temporary space to a folder the test can inspect."""
    d = tmp_path / "tmpspace"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is absent")
    return REALDATA
