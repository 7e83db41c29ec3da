"""Helpers for the hostile-input suite: run the real `kbundle` command in a sandbox directory
and check the contract every failure must keep (one-line error naming the file, exit code,
no traceback, nothing written outside the output path, temporary files removed)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROGRESS_LINE = re.compile(r"^(analyze|inspect) \[ *\d+\.\ds\] ")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture
def sandbox(tmp_path: Path):
    """A working directory with its own TMPDIR and HOME; yields a runner of `kbundle`."""
    work = tmp_path / "work"
    tmp = tmp_path / "tmp"
    work.mkdir()
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp), HOME=str(work), PYTHONPATH=str(REPO), NO_COLOR="1", COLUMNS="200")

    def run(*args: str, timeout: float = 120, preexec_fn: Callable[[], None] | None = None) -> Run:
        before = snapshot(work)
        p = subprocess.run([sys.executable, "-m", "analyzer.cli", *args], cwd=work, env=env, capture_output=True,
                           text=True, errors="replace", timeout=timeout, preexec_fn=preexec_fn)
        after = snapshot(work)
        created = {c for c in after - before if not c.startswith(("out", "reports"))}
        assert not created, f"files written outside the output path: {sorted(created)[:5]}"
        leftovers = list(tmp.iterdir())
        assert not leftovers, f"temporary files left behind: {leftovers[:5]}"
        assert "Traceback" not in p.stderr, p.stderr[-3000:]
        assert p.returncode in (0, 1, 2), (p.returncode, p.stderr[-2000:])
        return Run(p.returncode, p.stdout, p.stderr)

    run.work = work  # type: ignore[attr-defined]
    run.tmp = tmp  # type: ignore[attr-defined]
    run.env = env  # type: ignore[attr-defined]
    return run


def assert_one_line_error(r: Run, name_part: str) -> None:
    """Exit 2 with exactly one line on stderr that names the file."""
    assert r.code == 2, (r.code, r.stdout[-500:], r.stderr[-500:])
    # progress lines ("analyze [  3.0s] reading; ...") appear when stderr is not a terminal and the
    # work lasts a few seconds; they are not part of the error
    lines = [ln for ln in r.stderr.splitlines() if ln.strip() and not PROGRESS_LINE.match(ln)]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("kbundle: error:"), lines[0]
    assert name_part in lines[0], lines[0]


def assert_usable_or_clear_error(r: Run, name_part: str) -> None:
    """Either analysed (exit 0/1) or a clear one-line error (exit 2)."""
    if r.code == 2:
        assert_one_line_error(r, name_part)
