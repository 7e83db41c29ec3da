"""Markdown, JUnit and SARIF outputs: structure, limits and hostile strings."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import Any

import jsonschema
import pytest
from report_samples import (
    CONTROL,
    IMG,
    SCRIPT,
    TEMPLATE,
    hostile_findings,
    hostile_result,
    many_findings,
    rules_meta_for,
    shop_result,
)

from analyzer.report.junit_report import render_junit
from analyzer.report.markdown_report import MAX_FINDINGS, md_code, md_text, render_markdown
from analyzer.report.sarif_report import render_sarif


# ------------------------------------------------------------------ Markdown
def test_markdown_lists_worst_first_and_stays_short() -> None:
    result = shop_result(many_findings(75))
    md = render_markdown(result, None)
    items = re.findall(r"^(\d+)\. \*\*(CRITICAL|WARNING|INFO)\*\*", md, flags=re.M)
    assert len(items) == MAX_FINDINGS
    ranks = {"CRITICAL": 0, "WARNING": 1, "INFO": 2}
    assert [ranks[s] for _n, s in items] == sorted(ranks[s] for _n, s in items)
    assert f"_{75 - MAX_FINDINGS} more findings not listed (" in md
    assert len(md.splitlines()) < 400


def test_markdown_sample_names_objects_evidence_and_next_step() -> None:
    md = render_markdown(shop_result(), None)
    first = md.split("\n1. ", 1)[1].split("\n2. ", 1)[0]
    assert "`NODE-NOT-READY`" in first and "`Node/worker-3`" in first
    assert "PLEG is not healthy" in first and "Next step:" in first
    assert "1 rule error, 1 bundle problem" in md
    assert "`NET-DNS-UPSTREAM`" in md
    assert "SEC-PRIVILEGED" not in md  # waived: counted, not listed
    assert "(1 waived)" in md


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_markdown_hostile_strings_render_as_text() -> None:
    markdown_it = pytest.importorskip("markdown_it")
    md = render_markdown(hostile_result(hostile_findings()), None)
    for ch in "\x1b\x00\x07\u202e":
        assert ch not in md
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    parser = _Tags()
    parser.feed(html)
    tags = {t for t, _a in parser.tags}
    assert not tags & {"script", "img", "a", "iframe", "h3", "h4"}, tags
    assert not [a for _t, attrs in parser.tags for a in attrs if a.startswith("on")]
    text = re.sub(r"<[^>]+>", "", html)
    import html as html_mod

    text = html_mod.unescape(text)
    assert SCRIPT in text and IMG in text and TEMPLATE in text
    assert "\\x1b[31mred" in text


@pytest.mark.parametrize(
    "value",
    ["a`b", "``x``", "`", "pipe | in table", "<script>", "trailing `", "line\nbreak", ""],
)
def test_md_code_span_holds_value_literally(value: str) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark").render(md_code(value))
    code = re.search(r"<code>(.*)</code>", html, flags=re.S)
    assert code is not None
    import html as html_mod

    assert html_mod.unescape(code.group(1)).strip() == " ".join(value.split()).strip()


@pytest.mark.parametrize("value", ["# heading", "- item", "1. item", "*em* _em_", "[x](javascript:1)",
                                   "![i](x)", "<b>bold</b>", "a | b", "~~s~~", "@someone", "&lt;"])
def test_md_text_is_plain_text(value: str) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(
        "- " + md_text(value)
    )
    import html as html_mod

    inner = re.fullmatch(r"<ul>\n<li>(.*)</li>\n</ul>\n", html, flags=re.S)
    assert inner is not None, html
    assert html_mod.unescape(inner.group(1)) == value


# ------------------------------------------------------------------ JUnit
def _junit(result: Any, meta: list[dict[str, Any]]) -> ET.Element:
    xml = render_junit(result, meta)
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(xml.encode("utf-8"))


def test_junit_one_testcase_per_rule_with_failures_for_findings() -> None:
    result = shop_result()
    meta = rules_meta_for(result.findings)
    root = _junit(result, meta)
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {m["id"] for m in meta}
    for m in meta:
        assert cases[m["id"]].get("classname") == m["category"]
    oom = cases["POD-OOMKILLED"].find("failure")
    assert oom is not None and oom.get("type") == "critical"
    assert oom.get("message", "").startswith("1 finding: Container cart of pod shop/cart-7d9f8b6c5-x2x9k")
    assert "java.lang.OutOfMemoryError" in (oom.text or "")
    assert "Pod/shop/cart-7d9f8b6c5-x2x9k" in (oom.text or "")
    # Waived only: passes, and says why in system-out.
    priv = cases["SEC-PRIVILEGED"]
    assert priv.find("failure") is None and "node-exporter needs host access" in (priv.findtext("system-out") or "")
    assert cases["NET-DNS-UPSTREAM"].find("error") is not None
    assert cases["NODE-CLOCK-SKEW"].find("skipped") is not None
    assert cases["POD-PENDING-UNSCHEDULABLE"].find("*") is None  # ran, found nothing
    assert root.get("tests") == str(len(meta))
    assert root.get("failures") == "6"  # six rules with unwaived findings
    assert root.get("errors") == "1"
    assert root.get("skipped") == "1"
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert suites["workloads"].get("failures") == "3"


def test_junit_many_findings_of_one_rule_in_one_failure() -> None:
    findings = [f for f in many_findings(300) if f.rule_id == "RULE-00"]
    root = _junit(shop_result(findings), rules_meta_for(findings))
    failures = list(root.iter("failure"))
    assert len(failures) == 1
    assert failures[0].get("message", "").startswith(f"{len(findings)} findings: ")


def test_junit_hostile_strings_make_valid_xml() -> None:
    findings = hostile_findings()
    root = _junit(hostile_result(findings), rules_meta_for(findings))
    text = ET.tostring(root, encoding="unicode")
    assert "\x1b" not in text and "\x00" not in text
    failure = next(root.iter("failure"))
    assert SCRIPT in (failure.text or "") and TEMPLATE in (failure.text or "")
    assert "\\x1b[31mred" in failure.get("message", "")
    assert any(c.get("name") == f"POD-{IMG}" for c in root.iter("testcase"))


# ------------------------------------------------------------------ SARIF
# The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) that kbundle's output uses.
SARIF_MINIMAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["$schema", "version", "runs"],
    "properties": {
        "$schema": {"const": "https://json.schemastore.org/sarif-2.1.0.json"},
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/run"}},
    },
    "$defs": {
        "message": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
        "run": {
            "type": "object",
            "required": ["tool", "results"],
            "properties": {
                "tool": {
                    "type": "object", "required": ["driver"],
                    "properties": {"driver": {
                        "type": "object", "required": ["name", "rules"],
                        "properties": {
                            "name": {"type": "string"}, "version": {"type": "string"},
                            "informationUri": {"type": "string", "format": "uri"},
                            "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}},
                        },
                    }},
                },
                "results": {"type": "array", "items": {"$ref": "#/$defs/result"}},
                "invocations": {"type": "array", "items": {
                    "type": "object", "required": ["executionSuccessful"],
                    "properties": {"toolExecutionNotifications": {"type": "array", "items": {
                        "type": "object", "required": ["message"],
                        "properties": {"message": {"$ref": "#/$defs/message"},
                                       "level": {"enum": ["none", "note", "warning", "error"]}},
                    }}},
                }},
            },
        },
        "rule": {
            "type": "object",
            "required": ["id", "shortDescription", "fullDescription", "help", "defaultConfiguration", "properties"],
            "properties": {
                "id": {"type": "string"}, "name": {"type": "string", "pattern": "^[A-Za-z0-9]+$"},
                "shortDescription": {"$ref": "#/$defs/message"}, "fullDescription": {"$ref": "#/$defs/message"},
                "help": {"type": "object", "required": ["text", "markdown"]},
                "defaultConfiguration": {"type": "object", "properties": {
                    "level": {"enum": ["none", "note", "warning", "error"]}}},
                "properties": {"type": "object", "required": ["category", "scenarios"]},
            },
        },
        "result": {
            "type": "object",
            "required": ["ruleId", "ruleIndex", "level", "message", "locations"],
            "properties": {
                "ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": 0},
                "level": {"enum": ["none", "note", "warning", "error"]},
                "message": {"$ref": "#/$defs/message"},
                "locations": {"type": "array", "items": {
                    "type": "object", "minProperties": 1,
                    "properties": {
                        "physicalLocation": {
                            "type": "object", "required": ["artifactLocation"],
                            "properties": {
                                "artifactLocation": {"type": "object", "required": ["uri"],
                                                     "properties": {"uri": {"type": "string", "format": "uri-reference"}}},
                                "region": {"type": "object", "required": ["startLine"],
                                           "properties": {"startLine": {"type": "integer", "minimum": 1}}},
                            },
                        },
                        "logicalLocations": {"type": "array", "items": {
                            "type": "object", "required": ["fullyQualifiedName"]}},
                    },
                }},
                "suppressions": {"type": "array", "items": {
                    "type": "object", "required": ["kind"],
                    "properties": {"kind": {"enum": ["inSource", "external"]}}}},
            },
        },
    },
}


def _sarif(result: Any, meta: list[dict[str, Any]]) -> dict[str, Any]:
    log = json.loads(render_sarif(result, meta))
    jsonschema.validate(log, SARIF_MINIMAL_SCHEMA)
    return log


def test_sarif_structure_levels_locations_and_suppressions() -> None:
    result = shop_result()
    meta = rules_meta_for(result.findings)
    log = _sarif(result, meta)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [m["id"] for m in meta]
    assert run["tool"]["driver"]["name"] == "kbundle"
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert len(run["results"]) == len(result.findings)
    assert {by_rule["POD-OOMKILLED"]["level"], by_rule["POD-IMAGE-PULL"]["level"],
            by_rule["POD-PROBE-FAILING"]["level"]} == {"error", "warning", "note"}
    oom = by_rule["POD-OOMKILLED"]
    physical = [loc["physicalLocation"] for loc in oom["locations"] if "physicalLocation" in loc]
    assert {p["artifactLocation"]["uri"] for p in physical} == {
        "logs/shop/cart-7d9f8b6c5-x2x9k/cart.previous.log", "nodes/worker-1/commands/dmesg.txt"}
    assert all(p["region"]["startLine"] == 1 for p in physical)
    assert oom["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "Pod/shop/cart-7d9f8b6c5-x2x9k"
    # No file evidence: the object is the location.
    pvc = by_rule["PVC-PENDING"]["locations"]
    assert [loc["logicalLocations"][0]["fullyQualifiedName"] for loc in pvc] == [
        "PersistentVolumeClaim/shop/data-postgres-0"]
    assert by_rule["SEC-PRIVILEGED"]["suppressions"][0]["justification"].startswith("node-exporter needs")
    assert "suppressions" not in oom
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any(n["level"] == "error" and n["associatedRule"]["id"] == "NET-DNS-UPSTREAM" for n in notes)
    assert any(n.get("locations", [{}])[0].get("physicalLocation", {}).get("artifactLocation", {}).get("uri")
               == "namespaces/shop/configmaps.json" for n in notes)
    oom_rule = rules[oom["ruleIndex"]]
    assert oom_rule["defaultConfiguration"]["level"] == "error"
    assert oom_rule["properties"]["category"] == "workloads" and oom_rule["properties"]["scenarios"] == ["POD-OOMKILLED"]
    assert "Raise resources.limits.memory" in oom_rule["help"]["text"]


def test_sarif_hostile_strings() -> None:
    findings = hostile_findings()
    text = render_sarif(hostile_result(findings), rules_meta_for(findings))
    log = _sarif(hostile_result(findings), rules_meta_for(findings))
    assert "\\u001b" not in text and "\x1b" not in text
    text.encode("utf-8")  # no lone surrogate
    res = log["runs"][0]["results"][0]
    assert SCRIPT in res["message"]["text"] and CONTROL not in res["message"]["text"]
    uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert "<" not in uri and '"' not in uri and " " not in uri  # percent-encoded
    rule = log["runs"][0]["tool"]["driver"]["rules"][res["ruleIndex"]]
    assert "helpUri" not in rule  # no reference is a plain http(s) URL
    assert "<script>" not in rule["help"]["markdown"]


def test_sarif_and_junit_handle_unknown_rules_and_empty_results() -> None:
    findings = many_findings(3)
    log = _sarif(shop_result(findings), [])
    assert {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]} == {f.rule_id for f in findings}
    empty = shop_result([])
    empty.rule_errors, empty.problems, empty.skipped_rules = [], [], []
    assert _sarif(empty, [])["runs"][0]["results"] == []
    root = _junit(empty, [])
    assert root.get("tests") == "0"
