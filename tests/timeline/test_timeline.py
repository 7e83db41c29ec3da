"""kbundle timeline: one UTC stream across events, conditions, terminations, journals and logs."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analyzer.bundle.formats.journal import line_time
from analyzer.engine.commands import open_and_analyze
from analyzer.timeline.core import Window, build_timeline

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "bundles" / "demo"


@pytest.fixture(scope="module")
def demo_timeline():
    opened = open_and_analyze(DEMO)
    assert not isinstance(opened, str), opened
    b, result = opened
    try:
        yield build_timeline(b, result.findings), b, result
    finally:
        b.close()


def test_yearless_journal_line_takes_the_collection_year() -> None:
    ref = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert line_time("Nov 20 09:46:25 worker-1 containerd[812]: x", ref) == datetime(2026, 11, 20, 9, 46, 25, tzinfo=UTC)
    # Collected just after new year: December lines belong to the year before.
    new_year = datetime(2027, 1, 1, 0, 10, tzinfo=UTC)
    assert line_time("Dec 31 23:59:00 n kubelet[1]: x", new_year) == datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    # A line with its own offset is normalised to UTC.
    assert line_time("2026-05-01T12:00:00+0200 n kubelet[1]: x", ref) == datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    assert line_time("Nov 20 09:46:25 worker-1 containerd[812]: x", None) is None
    assert line_time("not a journal line", ref) is None


def test_demo_journal_lines_are_utc_with_the_collection_year(demo_timeline) -> None:
    tl, _b, _r = demo_timeline
    journal = [e for e in tl.entries if e.source == "journal" and e.text.startswith("Nov 20 09:46:25 worker-1 containerd")]
    assert journal, "the containerd pull failure quoted by NODE-DISK-FULL is on the timeline"
    assert journal[0].time == datetime(2026, 11, 20, 9, 46, 25, tzinfo=UTC)
    assert journal[0].node == "worker-1"
    assert all(e.time.utcoffset().total_seconds() == 0 for e in tl.entries)


def test_entries_are_ordered_and_span_every_source(demo_timeline) -> None:
    tl, _b, _r = demo_timeline
    times = [e.time for e in tl.entries]
    assert times == sorted(times)
    assert {"event", "termination", "condition", "journal", "log", "creation", "finding"} <= {e.source for e in tl.entries}


def test_demo_disk_fills_then_pulls_fail_then_crash_loop(demo_timeline) -> None:
    """On worker-1 the disk fills (DiskPressure), then image pulls fail for lack of space
    (containerd journal), then the crash-looping containers die again; across the bundle the
    first no-space journal line (worker-3) precedes both."""
    tl, _b, _r = demo_timeline

    def first(pred) -> datetime:
        return next(e.time for e in tl.entries if pred(e))

    disk = first(lambda e: e.source == "condition" and e.node == "worker-1" and e.text.startswith("DiskPressure=True"))
    pull = first(lambda e: e.source == "journal" and e.node == "worker-1" and "PullImage" in e.text
                 and "no space left" in e.text)
    crash = first(lambda e: e.source == "termination" and e.node == "worker-1" and e.time > pull
                  and e.object.startswith("Pod/shop/checkout"))
    assert disk < pull < crash
    first_no_space = first(lambda e: e.source == "journal" and "no space left" in e.text)
    first_pull_event = first(lambda e: e.source == "event" and e.detail.get("reason") == "Failed" and "pull" in e.text)
    assert first_no_space < first_pull_event


def test_window_filters(demo_timeline) -> None:
    _tl, b, result = demo_timeline
    lo = datetime(2026, 11, 20, 9, 40, tzinfo=UTC)
    tl = build_timeline(b, result.findings, Window(since=lo, node="worker-1"))
    assert tl.entries and all(e.time >= lo and e.node == "worker-1" for e in tl.entries)
    tl = build_timeline(b, result.findings, Window(namespace="kube-system"))
    assert tl.entries and all(e.namespace == "kube-system" for e in tl.entries)


def test_cli_json_and_bad_since(tmp_path: Path) -> None:
    run = [sys.executable, "-m", "analyzer.cli", "timeline", str(DEMO), "--format", "json", "--since", "30m",
           "--namespace", "shop"]
    out = subprocess.run(run, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["collected_at"] == "2026-11-20T10:00:00Z"
    assert data["entries"] and all(e["time"] >= "2026-11-20T09:30:00Z" for e in data["entries"])
    bad = subprocess.run(run[:-4] + ["--since", "yesterday"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert bad.returncode == 2 and "--since" in bad.stderr and "yesterday" in bad.stderr
