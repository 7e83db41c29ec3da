"""The report's timeline section in headless Chromium: the SVG lanes render, the script runs
under the page's CSP (its controls appear), the window starts around the first critical
finding and moving it filters the findings list.  Screenshots go to test-artifacts/."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from report_chromium_driver import CHROMIUM, Chromium, decode_png, pixel_stats

from analyzer.bundle.reader import open_bundle
from analyzer.engine.evaluate import analyze_bundle, load_rules
from analyzer.report.html_report import render_html

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
MUST_GATHER = REPO.parent / "shared" / "realdata" / "must-gather-metal" / "must-gather-metal.tar.xz"

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")


def _report(path: Path) -> str:
    b = open_bundle(path)
    try:
        return render_html(analyze_bundle(b, load_rules([], builtin=True).rules), b)
    finally:
        b.close()


def _check_timeline(tmp_path: Path, html: str, name: str) -> dict[str, int]:
    ARTIFACTS.mkdir(exist_ok=True)
    page = ARTIFACTS / f"report-timeline-{name}.html"
    page.write_text(html, encoding="utf-8")
    with Chromium(tmp_path / "profile") as browser:
        browser.load(page.as_uri())
        assert browser.evaluate("document.querySelector('#timeline .tl-controls').hidden") is False, \
            "the timeline script did not run (CSP hash?)"
        marks = browser.evaluate("document.querySelectorAll('#timeline .tl-m').length")
        lanes = browser.evaluate("document.querySelectorAll('#timeline .lane').length")
        assert marks > 0 and lanes > 0
        # The section alone at the top of the page for the screenshot (long reports put it far down).
        browser.evaluate("document.body.prepend(document.getElementById('timeline')); scrollTo(0, 0)")
        r = json.loads(browser.evaluate(
            "(function(){var b=document.getElementById('timeline').getBoundingClientRect();"
            "return JSON.stringify({x:b.x+scrollX,y:b.y+scrollY,w:b.width,h:b.height});})()"))
        shot = browser.send("Page.captureScreenshot", {"format": "png", "clip": {
            "x": r["x"], "y": r["y"], "width": r["w"], "height": min(r["h"], 760), "scale": 1}})
        data = base64.b64decode(shot["data"])
        (ARTIFACTS / f"report-timeline-{name}.png").write_bytes(data)
        width, _h, bpp, rows = decode_png(data)
        variance, colours = pixel_stats(width, bpp, rows)
        assert variance > 50 and colours > 10, "timeline screenshot is (nearly) blank"
        hidden_at_start = browser.evaluate("document.querySelectorAll('.finding.tl-hidden').length")
        faded_at_start = browser.evaluate("document.querySelectorAll('#timeline .tl-out').length")
        browser.evaluate("document.getElementById('tl-all').click()")
        assert browser.evaluate("document.querySelectorAll('.finding.tl-hidden').length") == 0
        assert browser.evaluate("document.querySelectorAll('#timeline .tl-out').length") == 0
        # A window before everything hides every finding that has a start time.
        browser.evaluate("var lo=document.getElementById('tl-lo'),hi=document.getElementById('tl-hi');"
                         "hi.value=lo.min;lo.value=lo.min;hi.dispatchEvent(new Event('input'))")
        dated = browser.evaluate("document.querySelectorAll('#tl-findings li').length")
        hidden = browser.evaluate("document.querySelectorAll('.finding.tl-hidden').length")
        assert dated > 0 and hidden >= dated - 1
        assert not [u for u in browser.requested_urls() if not u.startswith(("file:", "data:", "about:"))]
    return {"marks": marks, "hidden_at_start": hidden_at_start, "faded_at_start": faded_at_start}


@needs_chromium
def test_demo_timeline_renders_and_filters(tmp_path: Path) -> None:
    got = _check_timeline(tmp_path, _report(REPO / "bundles" / "demo"), "demo")
    # demo's first critical finding is days before the rest: the preselected window leaves some out.
    assert got["hidden_at_start"] > 0 and got["faded_at_start"] > 0


@needs_chromium
@pytest.mark.skipif(not MUST_GATHER.is_file(), reason="realdata must-gather not present")
def test_must_gather_timeline_renders(tmp_path: Path) -> None:
    _check_timeline(tmp_path, _report(MUST_GATHER), "must-gather")
