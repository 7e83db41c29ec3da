"""``kbundle fleet report`` in headless Chromium: charts drawn, links to per-bundle reports,
nothing fetched, and bundle strings shown as text (never run, never markup)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fleet_helpers import REPO

sys.path.insert(0, str(REPO / "tests" / "report"))
from report_chromium_driver import CHROMIUM, Chromium

from analyzer.fleet.dataset import Dataset
from analyzer.fleet.report import CSP, report_command
from analyzer.fleet.worker import _empty_row

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
EVIL = '<img src=x onerror="window.__pwned=1">"\'&<script>window.__pwned=2</script>'


def _only_local(urls: list[str], page: Path) -> list[str]:
    return [u for u in urls if u != page.as_uri() and not u.startswith("data:")]


@needs_chromium
def test_report_of_a_real_dataset(local_ds: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "pod-oomkilled-report.html").write_text("<!DOCTYPE html><title>one bundle</title>")
    page = tmp_path / "out" / "fleet.html"
    assert report_command(local_ds, page, reports) == 0
    html = page.read_text()
    assert f'content="{CSP}"'.replace("'", "&#39;") in html
    rows = Dataset(local_ds).read("bundles").to_pylist()
    with Chromium(tmp_path / "profile") as browser:
        browser.load(page.as_uri())
        assert _only_local(browser.requested_urls(), page) == []
        assert browser.evaluate("document.querySelectorAll('script').length") == 0
        bars = browser.evaluate("[...document.querySelectorAll('#rules g.bar text:first-of-type')].map(t => t.textContent)")
        assert "POD-OOMKILLED" in bars and len(bars) == len(set(bars))
        widths = browser.evaluate("[...document.querySelectorAll('#rules g.bar rect')].map(r => r.getBBox().width)")
        assert widths and all(w > 0 for w in widths) and widths == sorted(widths, reverse=True)
        assert browser.evaluate("document.querySelectorAll('#versions g.bar').length") >= 1
        assert browser.evaluate("document.querySelectorAll('#time g.bar').length") >= 1
        tiles = browser.evaluate("document.getElementById('tiles').innerText")
        assert f"{len(rows)}\nbundles" in tiles
        assert str(sum(1 for r in rows if r["current_critical"])) + "\nwith a current critical finding" in tiles
        assert f"{len(bars)}\nrules with a current finding" in tiles
        link = browser.evaluate("(() => { const a = [...document.querySelectorAll('#worst a')]"
                                ".find(a => a.textContent === 'pod-oomkilled'); return a && a.href })()")
        assert link == (reports / "pod-oomkilled-report.html").resolve().as_uri()
        failed = browser.evaluate("document.getElementById('failed').innerText")
        assert "truncated" in failed


def _evil_dataset(root: Path) -> Path:
    ds = Dataset(root)
    ds.prepare()
    row = _empty_row("/archive/" + EVIL)
    row.update(bundle_id="a" * 64, rule_pack_hash="h", name=EVIL, cluster_version="v1.30.0" + EVIL,
               collected_at=datetime(2026, 1, 5, tzinfo=UTC), current_critical=1, findings=1,
               analyzed_at=datetime(2026, 1, 6, tzinfo=UTC), format="native")
    bad = _empty_row(EVIL + ".tar.gz")
    bad.update(bundle_id="b" * 64, rule_pack_hash="h", name="broken", error=EVIL + "\x1b[31m",
               analyzed_at=datetime(2026, 1, 6, tzinfo=UTC))
    finding = {"bundle_id": "a" * 64, "rule_pack_hash": "h", "idx": 0, "rule": "RULE-" + EVIL, "severity": "critical",
               "category": "cluster", "title": EVIL, "state": "current", "since": None, "group_key": None,
               "objects": ["Pod/x/" + EVIL], "message": EVIL, "scenarios": [], "waived": False, "finding_json": "{}"}
    ds.write_partition([row, bad], [finding])
    return root


@needs_chromium
def test_bundle_strings_are_text_in_the_report(tmp_path: Path) -> None:
    root = _evil_dataset(tmp_path / "ds")
    page = tmp_path / "fleet.html"
    assert report_command(root, page, None) == 0
    with Chromium(tmp_path / "profile") as browser:
        browser.load(page.as_uri())
        assert browser.evaluate("window.__pwned === undefined")
        assert browser.evaluate("document.querySelectorAll('img, script').length") == 0
        assert _only_local(browser.requested_urls(), page) == []
        assert EVIL in browser.evaluate("document.getElementById('worst').innerText")
        assert "RULE-" + EVIL in browser.evaluate("document.getElementById('rules').textContent")
        failed = browser.evaluate("document.getElementById('failed').innerText")
        assert EVIL in failed and "\x1b" not in failed  # control characters shown, not passed through
