"""`kbundle analyze -o`: the report is written whole or not at all, never through a symlink
(issue 14 point 17)."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest
from engine_helpers import native, node, pod, run_cli


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    objs = [pod(f"web-{i}", "shop", image="nginx:latest") for i in range(20)] + [node("node-1", "False")]
    return native(tmp_path / "bundle", objs)


def test_output_symlink_is_replaced_not_followed(bundle: Path, tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    report = tmp_path / "report.json"
    report.symlink_to(precious)
    code, _out, err = run_cli("analyze", bundle, "--format", "json", "-o", report, "--fail-on", "never")
    assert code == 0, err
    assert precious.read_text() == "keep me\n"
    assert not report.is_symlink() and report.read_text().lstrip().startswith("{")


def test_failed_write_keeps_the_previous_report(bundle: Path, tmp_path: Path) -> None:
    """A write that fails half-way (here: the file size limit, as a full disk would) leaves
    the previous report whole and no temporary file behind."""
    report = tmp_path / "report.html"
    report.write_text("previous report\n")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))  # Python ignores SIGXFSZ: writes fail with EFBIG
    try:
        code, _out, err = run_cli("analyze", bundle, "--format", "html", "-o", report, "--fail-on", "never")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert code == 2 and f"cannot write {report}" in err
    assert report.read_text() == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle", "report.html"]
