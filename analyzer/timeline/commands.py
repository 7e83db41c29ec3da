"""The work behind ``kbundle timeline`` (returns the exit code: 0 ok, 2 unusable input)."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import orjson

from analyzer.bundle.values import parse_duration, parse_time


def _err(message: str) -> int:
    sys.stderr.write(f"kbundle: error: {' '.join(str(message).split())}\n")
    return 2


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
