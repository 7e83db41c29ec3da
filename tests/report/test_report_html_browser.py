"""The HTML report in headless Chromium: a readable screenshot, a clean print layout, and a
report of 5,000 findings that loads (its size and load time are printed and written to
test-artifacts/, never asserted as timings)."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
from report_chromium_driver import CHROMIUM, Chromium, decode_png, pixel_stats, screenshot
from report_samples import bundle_of, many_findings, shop_cluster, shop_result

from analyzer.report.html_report import render_html

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
RECORDED = [REPO / "bundles" / name for name in ("demo", "healthy")]

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")


def _recorded_report() -> tuple[str, str]:
    """(name, html) of the first recorded bundle analysed by the engine with the built-in rules."""
    root = next((p for p in RECORDED if (p / "manifest.json").is_file()), None)
    if root is None:
        pytest.skip("no recorded bundle under bundles/")
    reader = pytest.importorskip("analyzer.bundle.reader")
    evaluate = pytest.importorskip("analyzer.engine.evaluate")
    bundle = reader.open_bundle(root)
    rules = evaluate.load_rules([], builtin=True, cache=True)
    result = evaluate.analyze_bundle(bundle, rules.rules)
    return root.name, render_html(result, bundle)


def _sample_report() -> tuple[str, str]:
    return "sample", render_html(shop_result(), bundle_of(*shop_cluster()))


@needs_chromium
@pytest.mark.parametrize("source", ["recorded", "sample"])
def test_screenshot_is_readable(tmp_path: Path, source: str) -> None:
    name, html = _recorded_report() if source == "recorded" else _sample_report()
    ARTIFACTS.mkdir(exist_ok=True)
    page = ARTIFACTS / f"report-{name}.html"
    page.write_text(html, encoding="utf-8")
    png = ARTIFACTS / f"report-{name}-1366x768.png"
    png.unlink(missing_ok=True)
    screenshot(page, png, tmp_path / "profile", (1366, 768))
    data = png.read_bytes()
    assert len(data) > 20_000, "screenshot suspiciously small"
    width, height, bpp, rows = decode_png(data)
    assert (width, height) == (1366, 768)
    variance, colours = pixel_stats(width, bpp, rows)
    assert variance > 100, "screenshot is (nearly) blank"
    assert colours > 50, "screenshot has almost no distinct colours: no text rendered?"
    # The top of the page holds the header text: the first rows are not uniform.
    top_variance, _ = pixel_stats(width, bpp, rows[:120], step=2)
    assert top_variance > 20


@needs_chromium
def test_print_stylesheet_hides_controls_and_expands_everything(tmp_path: Path) -> None:
    _name, html = _sample_report()
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    with Chromium(tmp_path / "profile") as browser:
        browser.load(page.as_uri())
        assert browser.evaluate("getComputedStyle(document.getElementById('controls')).display") != "none"
        browser.evaluate("document.getElementById('b-collapse').click()")
        closed = "document.querySelector('details.evidence:not([open]) .ev')"
        assert browser.evaluate(f"{closed} !== null")
        assert browser.evaluate(f"{closed}.checkVisibility()") is False
        # Filter something out on screen.
        browser.evaluate("document.querySelector('input[name=sev][value=info]').click()")
        assert browser.evaluate("document.querySelectorAll('.finding.filtered-out').length") == 1
        assert browser.evaluate("document.querySelector('.finding.filtered-out').checkVisibility()") is False
        browser.send("Emulation.setEmulatedMedia", {"media": "print"})
        assert browser.evaluate("getComputedStyle(document.getElementById('controls')).display") == "none"
        assert browser.evaluate("getComputedStyle(document.querySelector('nav.toc')).display") == "none"
        # Collapsed evidence and filtered-out findings are printed.
        assert browser.evaluate(f"{closed}.checkVisibility()") is True
        assert browser.evaluate("document.querySelector('.finding.filtered-out').checkVisibility()") is True
        pdf = base64.b64decode(browser.send("Page.printToPDF", {"printBackground": False})["data"])
        assert pdf.startswith(b"%PDF")
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "report-sample-print.pdf").write_bytes(pdf)


@needs_chromium
def test_five_thousand_findings_load(tmp_path: Path) -> None:
    result = shop_result(many_findings(5000))
    start = time.monotonic()
    html = render_html(result, bundle_of(*shop_cluster()))
    render_seconds = time.monotonic() - start
    page = tmp_path / "report-5000.html"
    page.write_text(html, encoding="utf-8")
    size = page.stat().st_size
    assert size < 40 * 1024 * 1024, f"report of 5000 findings is {size} bytes"
    with Chromium(tmp_path / "profile") as browser:
        load_seconds = browser.load(page.as_uri(), timeout=300)
        assert browser.evaluate("document.querySelectorAll('article.finding').length") == 5000
        nodes = browser.evaluate("document.getElementsByTagName('*').length")
        # Filtering stays usable: time one severity toggle (measured, not asserted).
        start = time.monotonic()
        browser.evaluate("document.querySelector('input[name=sev][value=info]').click()")
        shown = browser.evaluate("document.getElementById('f-count').textContent")
        filter_seconds = time.monotonic() - start
        assert shown == f"showing {5000 - 5000 // 3} of 5000 findings"
    numbers = {
        "findings": 5000, "bytes": size, "render_seconds": round(render_seconds, 2),
        "chromium_load_seconds": round(load_seconds, 2), "dom_elements": nodes,
        "filter_toggle_seconds": round(filter_seconds, 3),
    }
    print("\n5000-findings report:", json.dumps(numbers))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report-5000-findings.json").write_text(json.dumps(numbers, indent=2) + "\n")


@needs_chromium
def test_current_history_toggle(tmp_path: Path) -> None:
    name, html = _recorded_report()
    if name != "demo":
        pytest.skip("needs the demo bundle (current and history findings)")
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    with Chromium(tmp_path / "profile") as browser:
        browser.load(page.as_uri())
        total = browser.evaluate("document.querySelectorAll('article.finding').length")
        history = browser.evaluate("document.querySelectorAll('#history article.finding').length")
        assert 0 < history < total
        # The history is collapsed under its summary line: its findings are not visible.
        assert browser.evaluate("document.querySelector('#history article.finding').checkVisibility()") is False
        browser.evaluate("document.querySelector('input[name=state][value=history]').click()")
        assert browser.evaluate("document.getElementById('f-count').textContent") == \
            f"showing {total - history} of {total} findings"
        browser.evaluate("document.querySelector('input[name=state][value=history]').click()")
        browser.evaluate("document.querySelector('input[name=state][value=current]').click()")
        assert browser.evaluate("document.getElementById('f-count').textContent") == \
            f"showing {history} of {total} findings"
