"""`kbundle inspect`: what a bundle holds, as text or JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import orjson

from analyzer.bundle.formats.common import format_time
from analyzer.bundle.model import Bundle
from analyzer.bundle.reader import BundleError, ReadLimits, open_bundle
from analyzer.console import error
from analyzer.progress import Progress

# inspect reads text files (to report invalid UTF-8) while their total stays below this.
TEXT_CHECK_BUDGET = 256 * 1024 * 1024


def limits_from_options(
    max_total_bytes: int | None, max_file_bytes: int | None, max_members: int | None,
    max_compression_ratio: int | None = None,
) -> ReadLimits:
    """ReadLimits from the CLI flags (``None`` keeps a default); ValueError when invalid."""
    return ReadLimits().replace(
        max_total_bytes=max_total_bytes, max_file_bytes=max_file_bytes, max_members=max_members,
        max_compression_ratio=max_compression_ratio,
    )


def check_text_files(bundle: Bundle, budget: int = TEXT_CHECK_BUDGET) -> bool:
    """Read the bundle's text files once so that unreadable ones and invalid UTF-8 are
    recorded as problems.  Stops (returns False) when the budget would be exceeded."""
    spent = 0
    for tf in bundle.text_files():
        size = int(tf.meta.get("size") or 0)
        if spent + size > budget:
            return False
        spent += size
        tf.text()
        tf.release()
    return True


def summary(bundle: Bundle) -> dict[str, Any]:
    """The inspect summary (the JSON keys of `kbundle inspect --format json`)."""
    previous = sum(1 for k in bundle.logs if k[3])
    return {
        "format": bundle.format,
        "cluster_version": bundle.cluster_version,
        "collected_at": format_time(bundle.collected_at),
        "counts": bundle.counts(),
        "nodes": bundle.node_names(),
        "namespaces": bundle.namespaces(),
        "logs": {"current": len(bundle.logs) - previous, "previous": previous},
        "node_files": len(bundle.node_files),
        "partial": bundle.partial_counts(),
        "coverage": bundle.coverage,
        "problems": [p.as_dict() for p in bundle.problems],
        # the producing tool's own verdicts (troubleshoot's analysis.json), only when it has some
        **({"tool_verdicts": bundle.tool_verdicts} if bundle.tool_verdicts else {}),
    }


def _text(info: dict[str, Any], source: str, texts_checked: bool) -> str:
    out = [
        f"Bundle:          {source}",
        f"Format:          {info['format']}",
        f"Cluster version: {info['cluster_version'] or 'unknown'}",
        f"Collected at:    {info['collected_at'] or 'unknown'}",
        f"Nodes:           {len(info['nodes'])}" + (f" ({_short(info['nodes'])})" if info["nodes"] else ""),
        f"Namespaces:      {len(info['namespaces'])}"
        + (f" ({_short(info['namespaces'])})" if info["namespaces"] else ""),
        f"Logs:            {info['logs']['current']} current, {info['logs']['previous']} previous",
        f"Node files:      {info['node_files']}",
        "",
        "Objects:",
    ]
    counts = info["counts"]
    if counts:
        width = max(len(k) for k in counts)
        out += [f"  {k:<{width}}  {n}" for k, n in counts.items()]
    else:
        out.append("  (none)")
    if info.get("partial"):
        out.append("  (partial: " + ", ".join(f"{n} {k}" for k, n in info["partial"].items())
                   + "; only some fields known, see docs/bundle-format.md)")
    out.append("")
    if info.get("coverage"):
        out += _coverage_text(info["coverage"], info["format"])
        out.append("")
    problems = info["problems"]
    if problems:
        out.append(f"Problems ({len(problems)}):")
        out += [f"  {p['path']}: {p['error']}" for p in problems]
    else:
        out.append("Problems: none")
    out += verdict_lines(info.get("tool_verdicts") or [])
    if not texts_checked:
        out.append("(text files not checked for encoding: larger than the inspect budget)")
    return "\n".join(out) + "\n"


def _coverage_text(cov: dict[str, Any], fmt: str) -> list[str]:
    """What the reader made of the bundle's files (analyzer.bundle.coverage)."""
    mapped = cov["mapped"]
    out = [
        f"Coverage ({fmt} reader): {cov['files']} files, {cov['understood']} understood, "
        f"{cov['not_understood']} not understood (see Problems), {cov['ignored']} ignored",
        f"  objects      {mapped['objects']['objects']} from {mapped['objects']['files']} files",
        f"  logs         {mapped['logs']['logs']} from {mapped['logs']['files']} files",
        f"  node files   {mapped['node_files']['node_files']} from {mapped['node_files']['files']} files",
        f"  other text   {mapped['other_files']['other_files']} files kept for text rules",
        f"  read only    {mapped['read_nothing_mapped']['files']} files (versions, times, empty lists)",
    ]
    for entry in cov["ignored_by_reason"]:
        out.append(f"  ignored: {entry['reason']}: {entry['files']} files")
        out += [f"    {d}: {n}" for d, n in entry["directories"].items()]
    return out


VERDICTS_SHOWN = 20
_VERDICT_ORDER = {"error": 0, "warning": 1, "info": 2, "pass": 3}


def verdict_lines(verdicts: list[dict[str, Any]], limit: int = VERDICTS_SHOWN) -> list[str]:
    """The bundle's own verdicts (e.g. troubleshoot's analysis.json) as a short, clearly
    labelled text section, worst first; empty when there are none."""
    if not verdicts:
        return []
    tools = sorted({str(v.get("tool") or "the collector") for v in verdicts})
    ordered = sorted(verdicts, key=lambda v: _VERDICT_ORDER.get(str(v.get("severity")), 4))
    out = ["", f"The bundle's own verdicts ({', '.join(tools)} analysis, {len(verdicts)}; not kbundle findings):"]
    for v in ordered[:limit]:
        detail = " ".join(str(v.get("detail") or "").split())
        out.append(f"  [{v.get('severity')}] {' '.join(str(v.get('title') or v.get('name')).split())}"
                   + (f": {detail[:300]}" if detail else ""))
    if len(ordered) > limit:
        out.append(f"  ... {len(ordered) - limit} more")
    return out


def _short(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... {len(names) - limit} more" if len(names) > limit else "")


def _error(message: str) -> int:
    return error(message)


def inspect_command(
    bundle: Path,
    fmt: str = "text",
    max_total_bytes: int | None = None,
    max_file_bytes: int | None = None,
    max_members: int | None = None,
    max_compression_ratio: int | None = None,
) -> int:
    """Print what ``bundle`` holds; exit code 0 when readable, 2 when unusable."""
    if fmt not in ("text", "json"):
        return _error(f"--format must be text or json, not {fmt!r}")
    try:
        limits = limits_from_options(max_total_bytes, max_file_bytes, max_members, max_compression_ratio)
    except ValueError as e:
        return _error(str(e))
    with Progress("inspect") as progress:
        progress.phase("reading")
        try:
            opened = open_bundle(bundle, limits, on_source=lambda _source: progress.phase("building the model"))
        except BundleError as e:
            progress.close()
            return _error(str(e))
        except (OSError, MemoryError) as e:
            progress.close()
            return _error(f"{bundle}: {e}")
        with opened as b:
            progress.phase("checking the text files")
            checked = check_text_files(b)
            info = summary(b)
    if fmt == "json":
        sys.stdout.write(orjson.dumps(info, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(_text(info, str(bundle), checked))
    return 0
