"""The SARIF 2.1.0 report (for code-scanning style viewers and CI).

- ``runs[0].tool.driver.rules``: every rule (id, name, descriptions, help text and Markdown,
  default level, category and scenarios as properties);
- ``runs[0].results``: one result per finding: ruleId/ruleIndex, level (critical -> error,
  warning -> warning, info -> note), message, locations: the bundle paths of its evidence files
  (``physicalLocation`` with the first quoted line as ``region.startLine``, relative to the
  ``BUNDLE`` base) and the Kubernetes objects as ``logicalLocations``;
- waived findings carry ``suppressions``; rule errors and bundle problems are tool execution
  notifications of the invocation.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from analyzer import __version__
from analyzer.engine.findings import AnalysisResult, Finding
from analyzer.report.markdown_report import md_text
from analyzer.report.sanitize import display_text, safe_url

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
LEVELS = {"critical": "error", "warning": "warning", "info": "note"}
MAX_LOCATIONS = 20  # physical locations per result


def _rule_name(rule_id: str) -> str:
    """``POD-OOMKILLED`` -> ``PodOomkilled`` (SARIF names are identifier-like)."""
    return "".join(p.capitalize() for p in re.split(r"[^A-Za-z0-9]+", rule_id) if p) or "Rule"


def _uri(path: str) -> str:
    return quote(path.lstrip("/"), safe="/-._~")


def _rule(meta: dict[str, Any]) -> dict[str, Any]:
    rid = str(meta.get("id", ""))
    title = display_text(meta.get("title") or rid)
    description = display_text(meta.get("description") or title)
    remediation = display_text(meta.get("remediation") or "")
    refs = [str(r) for r in meta.get("references") or [] if isinstance(r, str)]
    text = description + (f"\n\nNext step: {remediation}" if remediation else "")
    if refs:
        text += "\n\nReferences:\n" + "\n".join(f"- {display_text(r)}" for r in refs)
    markdown = md_text(description, 4000) + (f"\n\n**Next step:** {md_text(remediation, 4000)}" if remediation else "")
    links = [u for u in (safe_url(r) for r in refs) if u]
    if refs:
        markdown += "\n\n**References:**\n\n" + "\n".join(
            f"- <{safe_url(r)}>" if safe_url(r) else f"- {md_text(r, 500)}" for r in refs
        )
    rule: dict[str, Any] = {
        "id": rid,
        "name": _rule_name(rid),
        "shortDescription": {"text": title},
        "fullDescription": {"text": description},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVELS.get(str(meta.get("severity")), "warning")},
        "properties": {
            "category": str(meta.get("category") or ""),
            "scenarios": [str(s) for s in meta.get("scenarios") or []],
            "severity": str(meta.get("severity") or ""),
            "tags": [str(meta.get("category") or ""), str(meta.get("severity") or "")],
        },
    }
    if links:
        rule["helpUri"] = links[0]
    if meta.get("source"):
        rule["properties"]["source"] = str(meta["source"])
    return rule


def _locations(f: Finding) -> list[dict[str, Any]]:
    locations: list[dict[str, Any]] = []
    seen: set[tuple[str, int | None]] = set()
    for e in f.evidence:
        if not e.path or len(locations) >= MAX_LOCATIONS:
            continue
        first = next((x[0] for x in e.lines if isinstance(x, list | tuple) and x and isinstance(x[0], int)), None)
        key = (e.path, first)
        if key in seen:
            continue
        seen.add(key)
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(display_text(e.path)), "uriBaseId": "BUNDLE"}}
        if first is not None and first >= 1:
            physical["region"] = {"startLine": first}
            last = max((x[0] for x in e.lines if isinstance(x, list | tuple) and x and isinstance(x[0], int)), default=first)
            if last > first:
                physical["region"]["endLine"] = last
        locations.append({"physicalLocation": physical})
    logical = [
        {
            "name": display_text(o.name),
            "fullyQualifiedName": display_text(str(o)),
            "kind": "resource",
            "properties": {"kind": display_text(o.kind), "namespace": display_text(o.namespace)},
        }
        for o in f.objects
    ]
    if logical:
        if locations:
            locations[0]["logicalLocations"] = logical
        else:
            locations.append({"logicalLocations": logical})
    return locations


def _fingerprint(f: Finding) -> str:
    """Stable across runs: the rule and its objects (the message when there is no object)."""
    parts = [f.rule_id, *sorted(str(o) for o in f.objects)] if f.objects else [f.rule_id, f.message]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "replace")).hexdigest()


def _clean(value: Any) -> Any:
    """Every string of the log made displayable (control characters, lone surrogates)."""
    if isinstance(value, str):
        return display_text(value)
    if isinstance(value, dict):
        return {display_text(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def render_sarif(result: AnalysisResult, rules_meta: list[dict[str, Any]]) -> str:
    """The SARIF log as a JSON string."""
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for meta in rules_meta:
        rid = str(meta.get("id", ""))
        if rid and rid not in index:
            index[rid] = len(rules)
            rules.append(_rule(meta))
    for f in result.findings:  # findings of rules the caller did not describe
        if f.rule_id not in index:
            index[f.rule_id] = len(rules)
            rules.append(_rule({"id": f.rule_id, "title": f.title, "severity": f.severity, "category": f.category,
                                "remediation": f.remediation, "references": f.references, "scenarios": f.scenarios,
                                "source": f.source}))
    results = []
    for f in result.findings:
        res: dict[str, Any] = {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": LEVELS.get(f.severity, "warning"),
            "message": {"text": display_text(f.message) or display_text(f.title)},
            "locations": _locations(f),
            "partialFingerprints": {"kbundleFinding/v1": _fingerprint(f)},
            "properties": {"category": f.category, "severity": f.severity, "state": f.state,
                           "objects": [display_text(str(o)) for o in f.objects]},
        }
        if f.since:
            res["properties"]["since"] = display_text(f.since)
        if f.remediation:
            res["properties"]["remediation"] = display_text(f.remediation)
        if f.waived:
            sup: dict[str, Any] = {"kind": "external", "status": "accepted", "justification": display_text(f.waived.reason)}
            if f.waived.expires:
                sup["properties"] = {"expires": display_text(f.waived.expires)}
            res["suppressions"] = [sup]
        results.append(res)
    notifications: list[dict[str, Any]] = []
    for e in result.rule_errors:
        rule_ref: dict[str, Any] = {"id": e.rule_id}
        if e.rule_id in index:
            rule_ref["index"] = index[e.rule_id]
        notifications.append({"level": "error", "message": {"text": f"rule {e.rule_id} failed: {e.error}"},
                              "associatedRule": rule_ref})
    for p in result.problems:
        if not isinstance(p, dict):
            continue
        note: dict[str, Any] = {"level": "warning", "message": {"text": display_text(p.get("error", ""))}}
        if p.get("path"):
            note["locations"] = [
                {"physicalLocation": {"artifactLocation": {"uri": _uri(display_text(p["path"])), "uriBaseId": "BUNDLE"}}}
            ]
        notifications.append(note)
    info = result.bundle if isinstance(result.bundle, dict) else {}
    source = str(info.get("source") or "")
    base: dict[str, Any] = {"description": {"text": f"The root of the analysed bundle {source}".strip()}}
    if source and os.path.isdir(source):
        base["uri"] = Path(source).resolve().as_uri() + "/"
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "kbundle",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "originalUriBaseIds": {"BUNDLE": base},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": results,
        "properties": {k: str(v) for k, v in info.items() if k in ("source", "format", "cluster_version", "collected_at") and v},
    }
    log = _clean({"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]})
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
