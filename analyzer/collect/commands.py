"""``kbundle collect``: check the options, run the collection, print the summary.

Exit codes: 0 complete, 3 partial (the summary lists what is missing), 2 nothing usable or
bad options (one line), 130 interrupted (nothing left under the output name).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TextIO

from analyzer.collect.bundle_writer import OutputError, check_output
from analyzer.collect.collector import CollectOptions, Collector, CollectResult, Unusable
from analyzer.collect.kubectl import missing_kubeconfig
from analyzer.collect.nodes import DEFAULT_IMAGE, DEFAULT_NAMESPACE
from analyzer.collect.redact import Redactor
from analyzer.progress import Progress

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")


def parse_duration(text: str) -> int:
    """``"24h"``, ``"1h30m"``, ``"2d"``, ``"90"`` (seconds) -> whole seconds (at least 1)."""
    t = text.strip()
    if t.isdigit():
        seconds = float(t)
    else:
        pos, seconds = 0, 0.0
        for m in _DURATION.finditer(t):
            if m.start() != pos:
                break
            seconds += float(m.group(1)) * _UNITS[m.group(2)]
            pos = m.end()
        if pos != len(t) or not t:
            raise ValueError(f"--since {text!r} is not a duration like 30m, 24h, 2d or 1h30m")
    if seconds <= 0:
        raise ValueError(f"--since {text!r} must be positive")
    return max(1, int(seconds))


def _split_values(values: Sequence[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        out.extend(p.strip() for p in str(v).split(",") if p.strip())
    return out


def default_output(now: datetime | None = None) -> Path:
    now = now or datetime.now(UTC)
    return Path(f"kbundle-{now.strftime('%Y%m%dT%H%M%SZ')}.tar.gz")


def collect_command(
    output: Path | None = None,
    kubeconfig: Path | None = None,
    context: str | None = None,
    namespaces: Sequence[str] = (),
    since: str | None = None,
    max_log_bytes: int = 10 * 1024 * 1024,
    nodes: Sequence[str] = ("all",),
    concurrency: int = 4,
    redact_patterns: Sequence[str] = (),
    timeout: float = 60,
    node_namespace: str = DEFAULT_NAMESPACE,
    node_image: str = DEFAULT_IMAGE,
    kubectl: str | None = None,
    stream: TextIO | None = None,
) -> int:
    """Run ``kbundle collect``; returns the exit code."""
    err = stream if stream is not None else sys.stderr

    def fail(msg: str) -> int:
        print(f"kbundle: error: {msg}", file=err)
        return 2

    binary = kubectl or shutil.which("kubectl")
    if not binary:
        return fail("kubectl not found on PATH; install kubectl (or put it on PATH) and retry")
    if kubeconfig is not None and not Path(kubeconfig).is_file():
        return fail(f"{kubeconfig}: kubeconfig file not found")
    try:
        since_s = parse_duration(since) if since else None
        Redactor(redact_patterns)
    except ValueError as e:
        return fail(str(e))
    node_list = _split_values(nodes) or ["all"]
    if len(node_list) > 1 and ({"all", "none"} & set(node_list)):
        return fail("--nodes takes 'all', 'none', or node names, not a mix")
    if concurrency < 1 or concurrency > 64:
        return fail(f"--concurrency {concurrency}: use 1 to 64")
    if timeout < 1:
        return fail(f"--timeout {timeout}: use at least 1 second")
    if max_log_bytes < 0:
        return fail(f"--max-log-bytes {max_log_bytes}: use 0 (no logs) or more")
    out = Path(output) if output is not None else default_output()
    try:
        check_output(out)
    except OutputError as e:
        return fail(str(e))
    no_config = missing_kubeconfig(os.environ) if kubeconfig is None else None
    if no_config:
        return fail(no_config)

    opts = CollectOptions(
        output=out, kubectl=binary, kubeconfig=kubeconfig, context=context,
        namespaces=_split_values(namespaces), since_s=since_s, max_log_bytes=max_log_bytes, nodes=node_list,
        concurrency=concurrency, redact_patterns=list(redact_patterns), timeout_s=float(timeout),
        node_namespace=node_namespace, node_image=node_image, node_since_s=since_s or 86400,
    )
    progress = Progress("collect", stream=err).start()
    collector = Collector(opts, progress)
    started = time.monotonic()

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term) if _main_thread() else None
    try:
        result = collector.run()
    except KeyboardInterrupt:
        _interrupted(collector, progress)
        print(f"kbundle: error: interrupted; nothing was written to {out}", file=err)
        return 130
    except Unusable as e:
        progress.close()
        return fail(str(e))
    except OutputError as e:
        progress.close()
        return fail(str(e))
    except OSError as e:
        progress.close()
        return fail(f"{out}: {e.strerror or e}")
    except Exception as e:  # noqa: BLE001 - never a traceback; nothing was written
        progress.close()
        return fail(f"internal error, nothing written: {type(e).__name__}: {e}")
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    progress.close()
    print_summary(result, time.monotonic() - started, err)
    print(result.output)
    return result.exit_code


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _interrupted(collector: Collector, progress: Progress) -> None:
    """Stop everything, delete debug pods, remove staged files; a second Ctrl-C is ignored."""
    old = signal.signal(signal.SIGINT, signal.SIG_IGN) if _main_thread() else None
    try:
        collector.cancel()
        collector.cleanup_after_cancel()
        progress.close()
    finally:
        if old is not None:
            signal.signal(signal.SIGINT, old)


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def print_summary(result: CollectResult, elapsed_s: float, stream: TextIO, max_errors: int = 25) -> None:
    m = result.manifest
    errors = m.get("errors") or []
    state = "partial bundle" if errors else "bundle"
    print(f"kbundle collect: {state} written to {result.output} ({_human(result.bytes_written)} before "
          f"compression) in {elapsed_s:.1f}s", file=stream)
    objects = sum(o.count for o in result.outcomes)
    kinds = sum(1 for o in result.outcomes if o.count)
    failed_kinds = sum(1 for o in result.outcomes if o.error)
    line = f"  objects: {objects} in {kinds} kinds ({len(result.outcomes)} resources listed"
    line += f", {failed_kinds} failed)" if failed_kinds else ")"
    print(line, file=stream)
    print(f"  logs: {result.logs_ok} written" + (f", {result.logs_failed} failed" if result.logs_failed else "")
          + (f"; {result.logs_absent} no such log (container not started or no previous run)"
             if result.logs_absent else ""), file=stream)
    if result.nodes_ok or result.nodes_failed:
        print(f"  nodes: {len(result.nodes_ok)} collected"
              + (f", {len(result.nodes_failed)} failed" if result.nodes_failed else ""), file=stream)
    else:
        print("  nodes: not collected", file=stream)
    red = m.get("redactions") or {}
    if red:
        print(f"  redacted: {sum(red.values())} ("
              + ", ".join(f"{k} {v}" for k, v in sorted(red.items())) + ")", file=stream)
    if errors:
        print(f"  missing ({len(errors)}; listed in manifest.json \"errors\"):", file=stream)
        for e in errors[:max_errors]:
            print(f"    {e.get('step')}: {e.get('error')}", file=stream)
        if len(errors) > max_errors:
            print(f"    ... and {len(errors) - max_errors} more", file=stream)
