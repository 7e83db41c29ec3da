"""One entry point for every output format of ``kbundle analyze``.

text and json are rendered here; html, markdown, junit and sarif by their own modules,
imported only when asked for.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from analyzer.bundle.model import Bundle
from analyzer.engine.findings import AnalysisResult

FORMATS = ("text", "json", "html", "markdown", "junit", "sarif")


ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tar", ".zip", ".json", ".yaml", ".yml")


def bundle_name(source: str | Path) -> str:
    """The name a bundle goes by in reports and report file names: its file or directory
    name without the archive suffix (``must-gather.tar.xz`` -> ``must-gather``)."""
    path = Path(source)
    name = path.resolve().name if str(source) in (".", "") else path.name
    for suffix in ARCHIVE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name or "bundle"


class FormatUnavailable(ValueError):
    """The format is unknown or its renderer is not installed."""


def render(result: AnalysisResult, bundle: Bundle | None, fmt: str, rules_meta: list[dict[str, Any]],
           color: bool = False) -> str:
    """The report in ``fmt``; ``color``: severities in colour (text on a terminal only)."""
    if fmt == "text":
        from analyzer.report.text_report import render_text

        return render_text(result, rules_meta, color=color)
    if fmt == "json":
        from analyzer.report.json_report import render_json

        return render_json(result, rules_meta)
    targets = {
        "html": ("analyzer.report.html_report", "render_html", "bundle"),
        "markdown": ("analyzer.report.markdown_report", "render_markdown", "bundle"),
        "junit": ("analyzer.report.junit_report", "render_junit", "meta"),
        "sarif": ("analyzer.report.sarif_report", "render_sarif", "meta"),
    }
    if fmt not in targets:
        raise FormatUnavailable(f"unknown format '{fmt}' (use one of: {', '.join(FORMATS)})")
    module_name, func_name, second = targets[fmt]
    try:
        module = importlib.import_module(module_name)
        func = getattr(module, func_name)
    except (ImportError, AttributeError):
        raise FormatUnavailable(f"format {fmt} not available") from None
    return func(result, bundle if second == "bundle" else rules_meta)
