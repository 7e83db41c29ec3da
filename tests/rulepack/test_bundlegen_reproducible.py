"""The recorded bundles are the generator's output: regenerating them changes nothing."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _diff(a: Path, b: Path) -> list[str]:
    out: list[str] = []
    cmp = filecmp.dircmp(a, b)
    out += [f"only in generated: {a.name}/{x}" for x in cmp.left_only]
    out += [f"only in bundles/: {b.name}/{x}" for x in cmp.right_only]
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    out += [f"differs: {b.name}/{x}" for x in mismatch + errors]
    for sub in cmp.common_dirs:
        out += [f"{b.name}/{x}" for x in _diff(a / sub, b / sub)]
    return out


def test_generator_output_matches_committed_bundles(tmp_path):
    p = subprocess.run([sys.executable, "-m", "tools.bundlegen", "--out", str(tmp_path)], cwd=REPO,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    generated = sorted(d.name for d in tmp_path.iterdir())
    committed = sorted(d.name for d in (REPO / "bundles").iterdir() if (d / "expected.yaml").exists())
    assert generated == committed
    problems = [x for name in generated for x in _diff(tmp_path / name, REPO / "bundles" / name)]
    assert not problems, problems[:20]
