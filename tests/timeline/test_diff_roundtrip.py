"""A bundle served by ``kbundle serve`` and collected back with the real kubectl differs from
its source in no object (the collector's redaction masks are not changes)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collect"))

from collect_helpers import need_kubectl, served

from analyzer.bundle.reader import open_bundle
from analyzer.collect.commands import collect_command
from analyzer.engine.evaluate import analyze_bundle, load_rules
from analyzer.timeline.diff import diff_bundles

REPO = Path(__file__).resolve().parents[2]
DERIVED_KINDS = {"EndpointSlice"}  # what kbundle serve derives when a bundle lacks it


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in ("KUBECONFIG", "KUBECACHEDIR"):
        monkeypatch.delenv(var, raising=False)


def test_collected_round_trip_has_no_object_change(tmp_path: Path) -> None:
    need_kubectl()
    source_path = REPO / "bundles" / "demo"
    kubeconfig, out = tmp_path / "kubeconfig", tmp_path / "collected"
    with served(source_path, kubeconfig):
        rc = collect_command(output=out, kubeconfig=kubeconfig, stream=io.StringIO(), nodes=["none"], timeout=20,
                             concurrency=4)
    assert rc == 0
    rules = load_rules([], builtin=True).rules
    source, got = open_bundle(source_path), open_bundle(out)
    try:
        d = diff_bundles(source, analyze_bundle(source, rules).findings, got, analyze_bundle(got, rules).findings)
    finally:
        source.close()
        got.close()
    assert d.changed == [], [(c.object, [x.path for x in c.changes][:5]) for c in d.changed[:5]]
    assert d.removed == []
    assert {a.split("/", 1)[0] for a in d.added} <= DERIVED_KINDS
    assert "cluster" not in d.versions and "images" not in d.versions
