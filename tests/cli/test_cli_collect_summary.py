"""`kbundle collect` counts the logs it wrote, and the logs the server did not have apart
from failures."""

from __future__ import annotations

import io
from pathlib import Path

from analyzer.collect.collector import CollectResult
from analyzer.collect.commands import print_summary
from analyzer.collect.logs import NO_SUCH_LOG, LogTarget, _failed


class RecordingWriterStandIn:
    """Stands in for StagedBundle: records what _failed reports (no bundle is written here)."""

    def __init__(self) -> None:
        self.skipped: list[tuple[str, str]] = []
        self.errors: list[tuple[str, str]] = []

    def skip(self, step: str, reason: str) -> None:
        self.skipped.append((step, reason))

    def error(self, step: str, command: str, error: str, **_kw) -> None:
        self.errors.append((step, error))


def test_an_absent_log_is_neither_written_nor_failed() -> None:
    w = RecordingWriterStandIn()
    target = LogTarget("shop", "web-1", "app", previous=True)
    got = _failed(w, target, "log shop/web-1/app (previous)", "kubectl logs",  # type: ignore[arg-type]
                  'previous terminated container "app" in pod "web-1" not found', False)
    assert got == NO_SUCH_LOG and w.skipped and not w.errors


def test_summary_counts_written_failed_and_absent_logs() -> None:
    result = CollectResult(output=Path("b.tar.gz"), manifest={"errors": []}, outcomes=[], logs_ok=7, logs_failed=1,
                           nodes_ok=[], nodes_failed=[], bytes_written=2048, logs_absent=3)
    out = io.StringIO()
    print_summary(result, 1.0, out)
    assert "  logs: 7 written, 1 failed; 3 no such log (container not started or no previous run)" in out.getvalue()
