"""The HTML report shows hostile bundle strings as text: no markup, no script, no request.

The strings sit in pod names, namespaces, labels, annotations, event messages, log lines,
evidence labels, rule errors and bundle problems.  Checked twice: in the HTML text, and in
headless Chromium (no payload script runs, the page makes no network request, the report's
own script still runs under its Content-Security-Policy).  The Chromium checks are repeated
with the CSP removed, to show that escaping alone keeps the payloads inert.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_chromium_driver import CHROMIUM, Chromium
from report_samples import (
    CONTROL,
    HOSTILE_NS,
    HOSTILE_POD,
    IMG,
    SCRIPT,
    TEMPLATE,
    bundle_of,
    hostile_cluster,
    hostile_findings,
    hostile_result,
    shop_cluster,
    shop_result,
)

from analyzer.bundle.native_writer import write_native
from analyzer.report.html_report import render_html

VIOLATIONS_PROBE = (
    "window.__cspViolations = [];"
    "document.addEventListener('securitypolicyviolation', function (e) {"
    "  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI); });"
)


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _start_tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _TagCollector()
    parser.feed(html)
    parser.close()
    return [(t, [(a, v or "") for a, v in attrs]) for t, attrs in parser.tags]


def _hostile_report(tmp_path: Path) -> tuple[str, int]:
    """(html, number of findings) of the hostile bundle.

    When the bundle reader and the engine are present the bundle is written to disk, read back
    and analysed with the built-in rules, and the engine's findings are reported together with
    hand-built ones that put the payloads in every field of a finding; otherwise an in-memory
    bundle and the hand-built findings only."""
    objects, logs, node_files = hostile_cluster()
    findings = hostile_findings()
    try:
        from analyzer.bundle.reader import open_bundle
        from analyzer.engine.evaluate import analyze_bundle, load_rules
    except ImportError:
        bundle = bundle_of(objects, logs, node_files, source=str(tmp_path / "b"))
    else:
        root = write_native(tmp_path / "b", objects, logs, node_files, cluster_version="v1.29.4",
                            collected_at="2024-05-14T09:30:00Z")
        bundle = open_bundle(root)
        engine_findings = analyze_bundle(bundle, load_rules([], builtin=True, cache=True).rules).findings
        assert any(HOSTILE_POD in str(o) for f in engine_findings for o in f.objects), "the engine found nothing"
        findings += engine_findings
    return render_html(hostile_result(findings), bundle), len(findings)


def _hostile_html(tmp_path: Path) -> str:
    return _hostile_report(tmp_path)[0]


def test_payloads_are_escaped_in_the_html_text(tmp_path: Path) -> None:
    html = _hostile_html(tmp_path)
    body = html.split("<body>", 1)[1].rsplit("<script>", 1)[0]  # the report's own script aside
    assert "<script" not in body
    assert "<img" not in body
    tags = _start_tags(html)
    # The only svg is the timeline section's lane chart (its text is escaped like the rest).
    expected = ["svg", "script"] if 'id="timeline"' in html else ["script"]
    assert [t for t, _a in tags if t in ("script", "img", "iframe", "object", "embed", "svg", "base", "form")] == expected
    assert not [(t, a) for t, attrs in tags for a, _v in attrs if a.startswith("on")], "inline event handler"
    hrefs = [v for _t, attrs in tags for a, v in attrs if a in ("href", "src", "action", "srcset")]
    assert all(v.startswith(("#", "https://", "http://", "data:")) for v in hrefs), hrefs
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in body
    assert "&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in body
    # Jinja syntax from the bundle stays literal: never evaluated.
    assert TEMPLATE in body and "{{ 7*7 }}" not in body
    # Control and reordering characters are shown, not emitted.
    for ch in "\x1b\x07\x00\u202e":
        assert ch not in html
    assert "\\x1b[31mred\\x1b[0m\\x07bell\\x00nul\\u202eesrever" in body
    # The script-like reference is text, not a link; the http one with a payload is escaped.
    assert 'href="javascript' not in html
    assert "<span>javascript:window.__pwned=1//&lt;script&gt;" in body
    # Filter data stays in attributes, escaped.
    finding_ns = [dict(attrs)["data-ns"] for _t, attrs in tags if dict(attrs).get("data-item") == "finding"]
    assert finding_ns and all(json.loads(v) == [HOSTILE_NS] for v in finding_ns)
    options = [dict(attrs).get("value") for t, attrs in tags if t == "option"]
    assert HOSTILE_NS in options


def test_html_head_forbids_external_resources() -> None:
    html = render_html(shop_result(), bundle_of(*shop_cluster()))
    head = html.split("</head>", 1)[0]
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', head)
    assert csp, "no CSP meta"
    policy = csp.group(1).replace("&#39;", "'")
    assert "default-src 'none'" in policy
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]{44}'", policy)
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";")[0]
    assert '<link rel="icon" href="data:,">' in head
    # No URL of any kind is loaded: no src=, no stylesheet link, no @import / url() in CSS.
    tags = _start_tags(html)
    assert not [(t, a) for t, attrs in tags for a, _v in attrs if a in ("src", "srcset", "action", "poster")]
    assert [dict(a)["href"] for t, a in tags if t == "link"] == ["data:,"]
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert not re.search(r"@import|url\(|@font-face", style)
    assert [t for t, _a in tags].count("script") == 1
    assert [t for t, _a in tags if t in ("img", "iframe", "object", "embed", "video", "audio", "form")] == []


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
@pytest.mark.parametrize("with_csp", [True, False], ids=["with-csp", "csp-removed"])
def test_no_payload_runs_in_chromium(tmp_path: Path, with_csp: bool) -> None:
    html, n = _hostile_report(tmp_path)
    all_shown = f"showing {n} of {n} findings"
    if not with_csp:
        html, removed = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        assert removed == 1
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    with Chromium(tmp_path / "profile") as browser:
        browser.load(page.as_uri(), before_load_script=VIOLATIONS_PROBE)
        browser.drain(0.5)
        assert browser.evaluate("typeof window.__pwned") == "undefined"
        assert browser.evaluate("document.scripts.length") == 1
        assert browser.evaluate("document.images.length") == 0
        assert browser.evaluate(
            "Array.prototype.some.call(document.querySelectorAll('*'), function (e) {"
            " return Array.prototype.some.call(e.attributes, function (a) { return /^on/i.test(a.name); }); })"
        ) is False
        assert browser.evaluate("window.__cspViolations") == []
        # Every request was the page itself (data: URLs aside): nothing left the machine.
        others = [u for u in browser.requested_urls() if u != page.as_uri() and not u.startswith("data:")]
        assert others == []
        # The payloads are on the page as text.
        text = browser.evaluate("document.body.innerText")
        assert SCRIPT in text and IMG in text and TEMPLATE in text
        assert HOSTILE_POD in text
        assert "\\x1b[31mred" in text
        # The report's own script ran (under the CSP hash when present) and filters hostile data.
        assert browser.evaluate("document.getElementById('controls').hidden") is False
        assert browser.evaluate("document.getElementById('f-count').textContent") == all_shown
        select_ns = (
            "(function (ns) { var s = document.getElementById('f-ns');"
            " for (var i = 0; i < s.options.length; i++) { if (s.options[i].value === ns) { s.selectedIndex = i; } }"
            " s.dispatchEvent(new Event('change')); })"
        )
        browser.evaluate(f"{select_ns}({json.dumps(HOSTILE_NS)})")
        assert browser.evaluate("document.getElementById('f-ns').selectedIndex") > 0
        assert browser.evaluate("document.getElementById('f-count').textContent") == all_shown
        browser.evaluate(
            "(function () { var q = document.getElementById('f-q'); q.value = 'waived ONE';"
            " q.dispatchEvent(new Event('input')); })()"
        )
        browser.drain(0.4)  # the search is debounced
        assert browser.evaluate("document.getElementById('f-count').textContent") == f"showing 1 of {n} findings"
        assert browser.evaluate("typeof window.__pwned") == "undefined"


def test_hostile_bundle_written_and_read_back(tmp_path: Path) -> None:
    """The same payloads through a real bundle directory and the bundle reader."""
    reader = pytest.importorskip("analyzer.bundle.reader")
    objects, logs, node_files = hostile_cluster()
    root = write_native(tmp_path / "bundle", objects, logs, node_files, cluster_version=f"v1.29 {SCRIPT}",
                        collected_at="2024-05-14T09:30:00Z")
    bundle = reader.open_bundle(root)
    html = render_html(hostile_result(hostile_findings()), bundle)
    body = html.split("<body>", 1)[1].rsplit("<script>", 1)[0]
    assert "<script" not in body and "<img" not in body
    assert "\x1b" not in html
    # The overview shows the hostile names from the bundle, escaped.
    assert "node-&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;" in body
    assert "Back-off &lt;script&gt;window.__pwned=1&lt;/script&gt;" in body
    assert CONTROL not in html
