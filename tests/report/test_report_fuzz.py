"""Arbitrary strings in every field of a finding: each format stays well formed and inert."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

try:  # markdown-it-py comes with typer's rich; used to check Markdown output when present
    from markdown_it import MarkdownIt
except ImportError:  # pragma: no cover
    MarkdownIt = None  # type: ignore[assignment,misc]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.engine.findings import AnalysisResult, Evidence, Finding, ObjectRef, RuleError, Waived
from analyzer.report.html_report import render_html
from analyzer.report.junit_report import render_junit
from analyzer.report.markdown_report import render_markdown
from analyzer.report.sarif_report import render_sarif

# Text biased towards markup, template and control characters, plus anything else.
nasty = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("<>\"'&`*_[]()!#|{}%\\/=\n\t\r\x00\x1b\x7f\u202e\ud800\ufffe")),
        st.characters(),
    ),
    max_size=40,
) | st.sampled_from(["<script>window.__pwned=1</script>", '"><img src=x onerror=alert(1)>', "{{7*7}}", "{% raw %}",
                     "javascript:alert(1)", "https://ok.example/x", "]]>", "<![CDATA["])


@st.composite
def findings(draw: st.DrawFn) -> list[Finding]:
    out = []
    for _ in range(draw(st.integers(1, 3))):
        out.append(Finding(
            rule_id=draw(nasty), severity=draw(st.sampled_from(["critical", "warning", "info"])),
            title=draw(nasty), category=draw(nasty), message=draw(nasty),
            objects=[ObjectRef(draw(nasty), draw(nasty), draw(nasty)) for _ in range(draw(st.integers(0, 2)))],
            evidence=[
                Evidence("log", label=draw(nasty), path=draw(nasty),
                         lines=[(draw(st.integers(1, 10**6)), draw(nasty)) for _ in range(draw(st.integers(0, 3)))]),
                Evidence("field", label=draw(nasty), value={draw(nasty): draw(nasty)}),
                Evidence("event", value={"reason": draw(nasty), "message": draw(nasty), "count": draw(nasty)}),
                Evidence(draw(nasty), label=draw(nasty), value=draw(nasty)),
            ],
            remediation=draw(nasty), references=[draw(nasty)], scenarios=[draw(nasty)],
            state=draw(st.sampled_from(["current", "history"])), since=draw(nasty),
            waived=Waived(draw(nasty), draw(nasty)) if draw(st.booleans()) else None, source=draw(nasty),
        ))
    return out


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(findings(), nasty)
def test_every_format_survives_arbitrary_strings(found: list[Finding], other: str) -> None:
    result = AnalysisResult(
        bundle={"source": other, "format": other, "cluster_version": other, "collected_at": other},
        findings=found, rule_errors=[RuleError(other, other, other)], problems=[{"path": other, "error": other}],
    )
    meta = [{"id": f.rule_id, "title": f.title, "severity": f.severity, "category": f.category,
             "scenarios": f.scenarios, "source": f.source, "remediation": f.remediation,
             "references": f.references, "description": other} for f in found]

    html = render_html(result, None)
    html.encode("utf-8")
    parser = _Tags()
    parser.feed(html)
    names = [t for t, _a in parser.tags]
    assert names.count("script") == 1 and "img" not in names
    assert not [a for _t, attrs in parser.tags for a, _v in attrs if a.startswith("on")]
    assert names.count("article") == len(found)

    ET.fromstring(render_junit(result, meta).encode("utf-8"))
    log = json.loads(render_sarif(result, meta).encode("utf-8"))
    assert len(log["runs"][0]["results"]) == len(found)
    md = render_markdown(result, None)
    md.encode("utf-8")
    assert "\x1b" not in md and "\x00" not in md
    if MarkdownIt is not None:
        md_tags = _Tags()
        md_tags.feed(MarkdownIt("commonmark", {"html": True}).enable("table").render(md))
        assert not {t for t, _a in md_tags.tags} & {"script", "img", "a", "iframe", "object", "svg"}
        assert not [a for _t, attrs in md_tags.tags for a, _v in attrs if a.startswith("on")]
