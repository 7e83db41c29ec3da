"""One task of a fleet run: one bundle in, one ``bundles`` row and its ``findings`` rows out.

The analysis is exactly ``kbundle analyze --format json``: the bundle is read by
:func:`analyzer.bundle.reader.open_bundle`, analysed by
:func:`analyzer.engine.evaluate.analyze_bundle` with the rule pack loaded as the CLI loads it,
and turned into the JSON report's document by
:func:`analyzer.report.json_report.result_document`; the rows are projections of that
document.  A task never raises for a bad bundle: whatever goes wrong is the row's ``error``.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from typing import Any

import orjson

from analyzer import __version__
from analyzer.bundle.values import parse_time
from analyzer.fleet.rulepack import RulePackSpec, cached_pack
from analyzer.fleet.sources import bundle_id, display_name, local_copy

SEVERITIES = ("critical", "warning", "info")


def _empty_row(source: str) -> dict[str, Any]:
    return {
        "bundle_id": None, "rule_pack_hash": None, "source": source, "name": display_name(source),
        "format": None, "cluster_version": None, "collected_at": None, "objects": 0, "logs": 0,
        "node_files": 0, "counts_json": "{}", "problems": 0, "problems_json": "[]", "rule_errors": 0,
        "rule_errors_json": "[]", "rules_run": 0, "findings": 0, "current_critical": 0,
        "current_warning": 0, "current_info": 0, "history": 0, "duration_s": 0.0, "error": None, "worker_lost": False,
        "kbundle_version": __version__, "analyzed_at": None,
    }


def finding_rows(bundle: str, pack_hash: str, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``findings`` rows of one bundle, from the JSON report's findings."""
    rows = []
    for i, f in enumerate(findings):
        group = f.get("group")  # a grouped finding: {by, key, size}; absent before rules could group
        key = group.get("key") if isinstance(group, dict) else None
        rows.append({
            "bundle_id": bundle, "rule_pack_hash": pack_hash, "idx": i, "rule": f["rule_id"],
            "severity": f["severity"], "category": f["category"], "title": f["title"],
            "state": f.get("state") or "current", "since": f.get("since"),
            "group_key": None if key is None else key if isinstance(key, str) else orjson.dumps(key).decode(),
            "objects": [_ref(o) for o in f.get("objects") or []], "message": f["message"],
            "scenarios": list(f.get("scenarios") or []), "waived": f.get("waived") is not None,
            "finding_json": orjson.dumps(f, default=str).decode(),
        })
    return rows


def _ref(o: dict[str, str]) -> str:
    return f"{o['kind']}/{o['namespace']}/{o['name']}" if o.get("namespace") else f"{o['kind']}/{o['name']}"


_SKIP: frozenset[str] = frozenset()


def set_skip(skip: frozenset[str]) -> None:
    """The ids to skip in this process (a pool initializer: sent once per worker process,
    not with every task)."""
    global _SKIP
    _SKIP = skip


def analyze_task(source: str, spec: RulePackSpec, skip: frozenset[str] | None = None) -> dict[str, Any]:
    """Analyse one bundle.  Returns ``{"bundle": row, "findings": rows}``, or ``{"skipped":
    bundle_id}`` when ``skip`` (default: :func:`set_skip`'s) holds the bundle's id (already in
    the dataset with this pack)."""
    skip = _SKIP if skip is None else skip
    started = time.perf_counter()
    row = _empty_row(source)
    pack = cached_pack(spec)
    row["rule_pack_hash"] = pack.hash
    findings: list[dict[str, Any]] = []
    try:
        row["bundle_id"] = bundle_id(source)
        if skip and row["bundle_id"] in skip:
            return {"skipped": row["bundle_id"], "source": source}
        doc, text_counts = _analyze(source, pack)
        _fill(row, doc)
        row.update(text_counts)
        findings = finding_rows(row["bundle_id"], pack.hash, doc["findings"])
    except Exception as e:  # noqa: BLE001 - a bundle that fails is a row with its error, never a failed job
        row["error"] = _one_line(e)
        findings = []
    row["duration_s"] = round(time.perf_counter() - started, 6)
    row["analyzed_at"] = datetime.now(UTC)
    if row["bundle_id"] is None:
        row["bundle_id"] = source_id(source)
    return {"bundle": row, "findings": findings}


def source_id(source: str) -> str:
    """The id of a bundle that could not even be hashed (missing, unreadable): its source."""
    return "source:" + hashlib.sha256(source.encode("utf-8", "surrogateescape")).hexdigest()


def _one_line(e: BaseException) -> str:
    from analyzer.bundle.reader import BundleError

    if isinstance(e, BundleError):
        return " ".join(str(e).split())
    if isinstance(e, OSError):
        return f"{e.filename or ''}: {e.strerror or e}".lstrip(": ")
    return " ".join(f"{type(e).__name__}: {e}".split())[:500]


def _analyze(source: str, pack: Any) -> tuple[dict[str, Any], dict[str, int]]:
    """The JSON report's document of one bundle, and its log and node file counts."""
    from analyzer.bundle.reader import open_bundle
    from analyzer.engine.evaluate import analyze_bundle
    from analyzer.report.json_report import result_document

    copy = local_copy(source)
    try:
        bundle = open_bundle(copy.path)
        try:
            result = analyze_bundle(bundle, pack.rules)
            result.rule_errors = list(pack.builtin_errors) + result.rule_errors
            summary = result.bundle
            return result_document(result, pack.meta), {"logs": int(summary.get("logs") or 0),
                                                         "node_files": int(summary.get("node_files") or 0)}
        finally:
            bundle.close()
    finally:
        copy.close()


def _fill(row: dict[str, Any], doc: dict[str, Any]) -> None:
    b = doc["bundle"]
    counts = b.get("counts") or {}
    collected = parse_time(b.get("collected_at")) if b.get("collected_at") else None
    current = {s: 0 for s in SEVERITIES}
    history = 0
    for f in doc["findings"]:
        if f.get("waived") is not None:
            continue
        if f.get("state") == "history":
            history += 1
        elif f["severity"] in current:
            current[f["severity"]] += 1
    row.update({
        "format": b.get("format"), "cluster_version": b.get("cluster_version"),
        "collected_at": collected.astimezone(UTC) if collected else None,
        "objects": int(sum(v for v in counts.values() if isinstance(v, int))),
        "counts_json": orjson.dumps(counts, option=orjson.OPT_SORT_KEYS).decode(),
        "problems": len(doc["problems"]), "problems_json": orjson.dumps(doc["problems"]).decode(),
        "rule_errors": len(doc["rule_errors"]), "rule_errors_json": orjson.dumps(doc["rule_errors"]).decode(),
        "rules_run": int(doc["summary"].get("rules_run", 0)), "findings": len(doc["findings"]),
        "current_critical": current["critical"], "current_warning": current["warning"],
        "current_info": current["info"], "history": history,
    })
