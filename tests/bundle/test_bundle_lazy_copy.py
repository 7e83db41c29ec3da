"""Compressed tar members copied on demand: what a reader opens is read correctly, in few
passes, and what no reader opens is never written (issue 14, "Readers" 2)."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from analyzer.bundle import safe_source
from analyzer.bundle.native_writer import write_native
from analyzer.bundle.reader import open_bundle
from analyzer.bundle.safe_source import ReadLimits, TarSource, open_source
from tests.bundle.conftest import COLLECTED, member, pod, write_tar


@pytest.fixture
def defer_everything(monkeypatch):
    """Every member of a compressed tar is deferred (as if it were a bomb)."""
    monkeypatch.setattr(safe_source, "EAGER_RATIO", 0)
    monkeypatch.setattr(safe_source, "EAGER_FREE_BYTES", -1)


def _archive(tmp_path: Path, mode: str = "w:gz") -> Path:
    logs = {("default", f"web-{i}", "app", False): f"log of web-{i}\n" * 50 for i in range(20)}
    src = write_native(tmp_path / "src", [pod(f"web-{i}") for i in range(20)], logs,
                       cluster_version="v1.30.2", collected_at=COLLECTED)
    members = [member("b/" + p.relative_to(src).as_posix(), p.read_bytes()) for p in sorted(src.rglob("*"))
               if p.is_file()]
    members.append(member("b/junk/never-read.bin", b"\0" * 100_000))
    members.append(member("b/alias.log", type=tarfile.SYMTYPE, linkname="logs/default/web-3/app.log"))
    return write_tar(tmp_path / ("b.tar.gz" if mode == "w:gz" else "b.tar.xz"), members, mode)


def _copied(private_tmp: Path) -> int:
    return sum(1 for p in private_tmp.rglob("*") if p.is_file())


@pytest.mark.parametrize("mode", ["w:gz", "w:xz"])
def test_deferred_members_are_read_correctly_in_few_passes(tmp_path, private_tmp, defer_everything, mode):
    archive = _archive(tmp_path, mode)
    with open_bundle(archive) as bundle:
        assert bundle.format == "native"
        assert bundle.cluster_version == "v1.30.2"
        assert len(bundle.objects("Pod")) == 20
        texts = [bundle.log("default", f"web-{i}", "app").text() for i in range(20)]
        assert texts == [f"log of web-{i}\n" * 50 for i in range(20)]
        assert _copied(private_tmp) > 0
    assert _copied(private_tmp) == 0


def test_passes_are_bounded_and_unread_members_stay_unwritten(tmp_path, private_tmp, defer_everything):
    source = open_source(_archive(tmp_path), ReadLimits())
    assert isinstance(source, TarSource)
    assert _copied(private_tmp) == 0  # listing wrote nothing
    logs = sorted(p for p in source.files if p.endswith(".log"))
    source.expect(logs)
    assert source.read(logs[0]).startswith(b"log of")
    assert source._fetch_passes == 1  # every expected log came with the first
    assert all(source.read(p) for p in logs)
    assert source._fetch_passes == 1
    assert source.read("b/alias.log") == source.read("b/logs/default/web-3/app.log")
    assert "b/junk/never-read.bin" in source._deferred  # nobody asked: never written
    others = sorted(p for p in source.files if p not in logs and p != "b/junk/never-read.bin")
    for p in others:
        source.read(p)
    assert source._fetch_passes <= safe_source.MAX_FETCH_PASSES + 1
    source.close()


def test_real_bundles_are_copied_while_listing(tmp_path, private_tmp):
    source = open_source(_archive(tmp_path), ReadLimits())
    assert isinstance(source, TarSource)
    assert not source._deferred
    source.close()
