"""Text scanning: per-line semantics, line numbers, and the literal prefilter changes nothing."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.engine.textscan import scan_text
from analyzer.rules.regex import Regex, required_literals

PATTERNS = [
    r"ERROR db (?P<what>\w+)",
    r"no such host|[Ss]erver misbehaving|lookup \S+ on \S+:53: .*(?:i/o timeout|no such host)",
    r"^panic: (.*)$",
    r"Out of memory: Kill(ed)? process (\d+)",
    r"x\s+y",  # \s could cross a newline: must not
    r"err(or)?",
    r"abc$",
]

PIECES = list("abcxy ERODBrepanic:\t\r") + ["ERROR db ", "no such host", "Server misbehaving", "panic: ",
                                            "Out of memory: Killed process 12", "lookup a on 1.2.3.4:53: i/o timeout"]
LINE = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)


def _reference(pattern: str, text: str) -> list[tuple[int, str]]:
    rx = re.compile(pattern)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out = []
    for i, ln in enumerate(lines, 1):
        ln = ln[:-1] if ln.endswith("\r") else ln
        if rx.search(ln):
            out.append((i, ln))
    return out


@pytest.mark.parametrize("pattern", PATTERNS)
@given(st.lists(LINE, max_size=25), st.booleans())
@settings(max_examples=60, deadline=None)
def test_scan_matches_line_by_line_reference(pattern, lines, trailing_newline):
    text = "\n".join(lines) + ("\n" if trailing_newline and lines else "")
    want = _reference(pattern, text)
    rx = Regex(pattern, re.MULTILINE)
    for literals in (None, required_literals(pattern, re.MULTILINE)):
        count, kept = scan_text(rx, text, keep=1000, literals=literals)
        assert count == len(want)
        assert [(m.line, m.text) for m in kept] == want


@pytest.mark.parametrize("literals", [None, ["abc"]])
def test_crlf_lines(literals):
    text = "xabc\r\nabcx\r\nzzabc\r\n"
    count, kept = scan_text(Regex(r"abc$", re.M), text, literals=literals)
    assert count == 2 and [(m.line, m.text) for m in kept] == [(1, "xabc"), (3, "zzabc")]


def test_prefilter_literals_found_for_typical_patterns():
    assert required_literals(PATTERNS[0]) == ["ERROR db "]
    assert required_literals(r"(?i)error") is None  # case-insensitive: no prefilter
    assert required_literals(r"a|bc") is None  # too short to help


def test_groups_and_kept_window():
    text = "".join(f"ERROR db e{i}\n" for i in range(150))
    count, kept = scan_text(Regex(PATTERNS[0], re.M), text, literals=["ERROR db "])
    assert count == 150 and len(kept) == 100
    assert kept[0].line == 51 and kept[-1].groups == {"what": "e149"}
    count, kept = scan_text(Regex(r"ERROR db (e\d+)", re.M), text)
    assert kept[-1].groups == ["e149"]
