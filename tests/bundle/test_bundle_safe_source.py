"""Safe reading: hostile archives and directories never escape, never blow up, and every
refusal is a recorded problem."""

from __future__ import annotations

import os
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.bundle.native_writer import write_native
from analyzer.bundle.reader import BundleError, open_bundle
from analyzer.bundle.safe_source import (
    ReadLimits,
    SourceError,
    TarSource,
    clean_member_path,
    open_source,
)
from tests.bundle.conftest import COLLECTED, member, pod, tar_dir, write_tar, zero_bomb_tar_gz


def _native(root: Path) -> Path:
    return write_native(root, [pod("web-1")], {("default", "web-1", "app", False): "hello\n"},
                        cluster_version="v1.30.2", collected_at=COLLECTED)


def _problems(bundle) -> dict[str, str]:
    return {p.path: p.error for p in bundle.problems}


@pytest.mark.parametrize(
    "name, expected",
    [
        ("a/b.json", "a/b.json"),
        ("./a//b.json", "a/b.json"),
        ("../x", None),
        ("a/../../x", None),
        ("/etc/passwd", None),
        ("C:/x", None),
        ("a\\..\\x", None),
        ("a\x00b", None),
    ],
)
def test_member_names_are_cleaned_or_refused(name, expected):
    assert clean_member_path(name)[0] == expected


def test_hostile_tarball_lists_every_refusal_and_writes_nothing_outside(tmp_path, private_tmp):
    src = _native(tmp_path / "src")
    members = [
        member("../x", b"escaped"),
        member("/abs/y", b"absolute"),
        member("bundle/link", type=tarfile.SYMTYPE, linkname="/etc/passwd"),
        member("bundle/uplink", type=tarfile.SYMTYPE, linkname="../../../etc/shadow"),
        member("bundle/hard", type=tarfile.LNKTYPE, linkname="../outside"),
        member("bundle/dev", type=tarfile.CHRTYPE),
        member("bundle/fifo", type=tarfile.FIFOTYPE),
    ]
    for p in sorted(src.rglob("*")):
        if p.is_file():
            members.append(member("bundle/" + p.relative_to(src).as_posix(), p.read_bytes()))
    archive = zero_bomb_tar_gz(tmp_path / "evil.tgz", members)
    assert archive.stat().st_size < 20 * 1024 * 1024
    before = set(os.listdir(tmp_path))

    bundle = open_bundle(archive)
    problems = _problems(bundle)
    assert "path with '..' refused" in problems["../x"]
    assert "absolute path refused" in problems["/abs/y"]
    assert "leaves the bundle" in problems["bundle/link"]
    assert "leaves the bundle" in problems["bundle/uplink"]
    assert "leaves the bundle" in problems["bundle/hard"]
    assert "not a regular file" in problems["bundle/dev"]
    assert "not a regular file" in problems["bundle/fifo"]
    assert "exceeds --max-file-bytes" in problems["bundle/zeros.log"]
    # The rest of the bundle is read.
    assert bundle.format == "native"
    assert [p["metadata"]["name"] for p in bundle.objects("Pod")] == ["web-1"]
    assert bundle.log("default", "web-1", "app").text() == "hello\n"
    # Nothing was written next to the archive; the temporary space goes away on close.
    assert set(os.listdir(tmp_path)) == before
    assert not (tmp_path / "x").exists() and not Path("/abs/y").exists()
    assert len(os.listdir(private_tmp)) == 1
    bundle.close()
    assert os.listdir(private_tmp) == []


def test_temp_space_holds_only_numbered_files(tmp_path, private_tmp):
    src = _native(tmp_path / "src")
    archive = tar_dir(src, tmp_path / "b.tar.gz", "kbundle-x")
    source = open_source(archive, ReadLimits())
    assert isinstance(source, TarSource) and source.temp_dir
    names = {p.name for p in Path(source.temp_dir).rglob("*") if p.is_file()}
    assert names and all(n.isdigit() for n in names)
    source.close()
    assert not Path(source.temp_dir).exists()


def test_internal_links_are_followed_once(tmp_path):
    members = [
        member("b/logs/default/web-1/app.log", b"line\n"),
        member("b/alias/app.log", type=tarfile.SYMTYPE, linkname="../logs/default/web-1/app.log"),
        member("b/hard.log", type=tarfile.LNKTYPE, linkname="b/logs/default/web-1/app.log"),
        member("b/dangling", type=tarfile.SYMTYPE, linkname="nowhere"),
    ]
    source = open_source(write_tar(tmp_path / "l.tar", members, "w"), ReadLimits())
    assert source.read("b/alias/app.log") == b"line\n"
    assert source.read("b/hard.log") == b"line\n"
    assert "not a file of the bundle" in dict(source.problems)["b/dangling"]


@pytest.mark.parametrize("mode, name", [("w", "plain.tar"), ("w:gz", "gz.bin"), ("w:xz", "xz.data"),
                                        ("w:bz2", "archive")])
def test_archives_are_recognised_by_content_not_name(tmp_path, mode, name):
    src = _native(tmp_path / "src")
    archive = tar_dir(src, tmp_path / name, "some-root", mode)
    with open_bundle(archive) as b:
        assert b.format == "native"
        assert b.cluster_version == "v1.30.2"
        assert b.get("Pod", "default", "web-1") is not None


def test_zip_archive(tmp_path):
    src = _native(tmp_path / "src")
    out = tmp_path / "b.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for p in src.rglob("*"):
            if p.is_file():
                zf.write(p, "root/" + p.relative_to(src).as_posix())
        zf.writestr("../evil", b"x")
    with open_bundle(out) as b:
        assert b.format == "native"
        assert len(b.objects("Pod")) == 1
        assert "refused" in _problems(b)["../evil"]


def test_limits_become_problems(tmp_path):
    root = _native(tmp_path / "b")
    (root / "logs" / "default" / "web-1" / "big.log").write_bytes(b"x" * 5000)
    b = open_bundle(root, ReadLimits(max_file_bytes=4000))
    assert "--max-file-bytes" in _problems(b)["logs/default/web-1/big.log"]
    assert b.log("default", "web-1", "big") is None
    assert b.log("default", "web-1", "app") is not None

    b = open_bundle(root, ReadLimits(max_members=2))
    assert any("--max-members" in p.error for p in b.problems)

    tight = open_bundle(root, ReadLimits(max_total_bytes=1000))
    assert any("--max-total-bytes" in p.error for p in tight.problems)


def test_limits_replace_validates():
    assert ReadLimits().replace(max_members=5, max_file_bytes=None).max_members == 5
    assert ReadLimits().replace(max_file_bytes=None).max_file_bytes == ReadLimits().max_file_bytes
    with pytest.raises(ValueError):
        ReadLimits().replace(max_total_bytes=0)


def test_directory_links_leaving_the_bundle_are_not_followed(tmp_path):
    root = _native(tmp_path / "b")
    outside = tmp_path / "secret.txt"
    outside.write_text("top secret")
    os.symlink(outside, root / "nodes-link.txt")
    os.symlink(tmp_path, root / "up")  # a directory link outside: never walked
    os.makedirs(root / "nodes" / "n1" / "commands")
    (root / "nodes" / "n1" / "commands" / "df.txt").write_text("df output")
    os.symlink("df.txt", root / "nodes" / "n1" / "commands" / "df-alias.txt")
    os.mkfifo(root / "pipe")
    b = open_bundle(root)
    problems = _problems(b)
    assert "leaves the bundle" in problems["nodes-link.txt"]
    assert "leaves the bundle" in problems["up"]
    assert "not a regular file" in problems["pipe"]
    assert b.node_file("n1", "commands/df-alias.txt").text() == "df output"
    assert all("top secret" not in tf.text() for tf in b.text_files())


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x28\xb5\x2f\xfd" + b"\x00" * 20, "zstd"),
        (b"\x1f\x8b" + b"garbage" * 10, "damaged gz"),
        (b"\x00\x01\x02binary", "no known bundle format"),
    ],
)
def test_unusable_inputs_raise_one_line_errors(tmp_path, content, message):
    f = tmp_path / "input.bin"
    f.write_bytes(content)
    with pytest.raises(BundleError) as e:
        open_bundle(f)
    assert message in str(e.value)
    assert str(f) in str(e.value) and "\n" not in str(e.value)


def test_missing_and_empty_inputs(tmp_path):
    with pytest.raises(BundleError, match="no such file"):
        open_bundle(tmp_path / "nope")
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(BundleError, match="empty file"):
        open_bundle(tmp_path / "empty")
    (tmp_path / "emptydir").mkdir()
    with pytest.raises(BundleError, match="no readable files"):
        open_bundle(tmp_path / "emptydir")


def test_truncated_archive_keeps_what_was_read(tmp_path):
    src = _native(tmp_path / "src")
    full = tar_dir(src, tmp_path / "b.tar.gz", "r").read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(full[: int(len(full) * 0.9)])
    try:
        b = open_bundle(cut)
    except BundleError as e:  # cut before anything usable: still a clean error
        assert "cut.tar.gz" in str(e)
    else:
        assert any("damaged or truncated" in p.error for p in b.problems)
        b.close()


def test_source_errors_are_bundle_errors(tmp_path):
    with pytest.raises(SourceError):
        open_source(tmp_path / "missing", ReadLimits())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8),
       cut=st.integers(200, 12_000))
def test_damaged_tar_never_raises_anything_but_bundle_error(tmp_path_factory, flips, cut):
    root = tmp_path_factory.mktemp("src")
    src = _native(root / "b")
    data = bytearray(tar_dir(src, root / "b.tar", "b", "w").read_bytes())
    for pos, value in flips:
        if pos < len(data):
            data[pos] = value
    damaged = root / "damaged.tar"
    damaged.write_bytes(bytes(data[:cut]))
    try:
        b = open_bundle(damaged)
    except BundleError as e:
        assert "\n" not in str(e)
    else:
        b.counts()
        for tf in b.text_files():
            tf.text()
        b.close()
