"""The JSON report (``kbundle analyze --format json``); schema: analyzer/schemas/findings.schema.json,
documented in docs/output.md."""

from __future__ import annotations

from typing import Any

import orjson

from analyzer import __version__
from analyzer.engine.findings import AnalysisResult

SCHEMA_VERSION = 1


def result_document(result: AnalysisResult, rules_meta: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    b = result.bundle
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "kbundle_version": __version__,
        "bundle": {
            "format": b.get("format"),
            "source": b.get("source"),
            "cluster_version": b.get("cluster_version"),
            "collected_at": b.get("collected_at"),
            "counts": b.get("counts") or {},
            "nodes": b.get("nodes") or [],
            "namespaces": b.get("namespaces") or [],
        },
        "summary": result.summary() | {"rules_run": result.rules_run, "rule_errors": len(result.rule_errors),
                                       "problems": len(result.problems)},
        "findings": [f.as_dict() for f in result.findings],
        "rule_errors": [{"rule_id": e.rule_id, "error": e.error, "source": e.source} for e in result.rule_errors],
        "problems": [{"path": p.get("path", ""), "error": p.get("error", "")} for p in result.problems],
        "expired_waivers": result.expired_waivers,
        "skipped_rules": result.skipped_rules,
    }
    if b.get("tool_verdicts"):
        doc["bundle"]["tool_verdicts"] = b["tool_verdicts"]  # the bundle's own verdicts, apart from findings
    if result.profile:
        doc["profile"] = result.profile
    return doc


def render_json(result: AnalysisResult, rules_meta: list[dict[str, Any]] | None = None) -> str:
    return orjson.dumps(result_document(result, rules_meta), option=orjson.OPT_INDENT_2, default=str).decode() + "\n"
