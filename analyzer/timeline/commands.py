"""The work behind ``kbundle timeline`` (returns the exit code: 0 ok, 2 unusable input)."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import orjson

from analyzer.bundle.values import parse_duration, parse_time
from analyzer.console import error, settings


def _err(message: str) -> int:
    return error(message)


def parse_bound(value: str | None, collected_at: datetime | None) -> datetime | None | str:
    """``--since``/``--until``: an RFC 3339 time, or a duration (``2h``) before the collection
    time.  Returns the time, None when not given, or an error message."""
    if value is None:
        return None
    when = parse_time(value)
    if when is not None:
        return when
    seconds = parse_duration(value)
    if seconds is not None:
        if collected_at is None:
            return f"'{value}' is a duration but the bundle has no collection time: give an RFC 3339 time"
        return collected_at - timedelta(seconds=seconds)
    return f"'{value}' is neither an RFC 3339 time nor a duration such as 2h"


def timeline_command(bundle: Path, since: str | None, until: str | None, namespace: str | None,
                     node: str | None, fmt: str) -> int:
    from analyzer.engine.commands import open_and_analyze
    from analyzer.timeline.core import Window, build_timeline, render_text

    if fmt not in ("text", "json"):
        return _err(f"--format must be text or json, got '{fmt}'")
    opened = open_and_analyze(bundle)
    if isinstance(opened, str):
        return _err(opened)
    b, result = opened
    try:
        collected = parse_time(b.collected_at)
        bounds = [parse_bound(v, collected) for v in (since, until)]
        for opt, bound in zip(("--since", "--until"), bounds, strict=True):
            if isinstance(bound, str):
                return _err(f"{opt} {bound}")
        lo, hi = (x if isinstance(x, datetime) else None for x in bounds)
        tl = build_timeline(b, result.findings, Window(lo, hi, namespace, node))
    finally:
        b.close()
    if fmt == "json":
        sys.stdout.write(orjson.dumps(tl.as_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(render_text(tl))
    return 0


FAIL_ON = ("new-critical", "new-warning", "never")


def diff_command(old: Path, new: Path, fmt: str, output: Path | None, all_fields: bool, fail_on: str) -> int:
    """``kbundle diff OLD NEW``: 0 ok, 1 a new finding at or above --fail-on, 2 unusable input."""
    from analyzer.engine.commands import open_and_analyze
    from analyzer.report.output_file import write_report_file
    from analyzer.timeline.diff import diff_bundles, failing
    from analyzer.timeline.diff_render import FORMATS, render

    if fmt not in FORMATS:
        return _err(f"--format must be one of {', '.join(FORMATS)}, got '{fmt}'")
    if fail_on not in FAIL_ON:
        return _err(f"--fail-on must be one of {', '.join(FAIL_ON)}, got '{fail_on}'")
    first = open_and_analyze(old)
    if isinstance(first, str):
        return _err(first)
    second = open_and_analyze(new)
    if isinstance(second, str):
        first[0].close()
        return _err(second)
    (ob, oresult), (nb, nresult) = first, second
    try:
        d = diff_bundles(ob, oresult.findings, nb, nresult.findings)
    finally:
        ob.close()
        nb.close()
    text = render(d, fmt, all_fields)
    if output is not None:
        problem = write_report_file(output, text)
        if problem:
            return _err(problem)
        if not settings.quiet:
            sys.stdout.write(f"diff written to {output}\n")
    else:
        sys.stdout.write(text)
    return 1 if fail_on != "never" and failing(d, fail_on) else 0
