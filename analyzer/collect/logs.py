"""Container logs: which exist (from the pods' status), and fetching them capped, newest kept.

Every container (init, regular, ephemeral) that has run gets its current log; those with a
previous instance (a restart or a recorded last termination) also get ``--previous``.  A
log that is larger than the cap keeps its newest bytes, cut at a line start, and the
manifest entry says ``truncated``.  Logs are redacted before they are cut and written: a
little more than the cap is fetched (:data:`REDACT_MARGIN`), redacted whole, then cut, so a
cut never lands inside a secret the redactor would have recognised whole (a key block).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from analyzer.collect.bundle_writer import StagedBundle
from analyzer.collect.kubectl import Kubectl
from analyzer.collect.proxy import KubectlProxy
from analyzer.collect.redact import Redactor


@dataclass(frozen=True)
class LogTarget:
    namespace: str
    pod: str
    container: str
    previous: bool

    @property
    def path(self) -> str:
        suffix = ".previous.log" if self.previous else ".log"
        return f"logs/{self.namespace}/{self.pod}/{self.container}{suffix}"

    def label(self) -> str:
        return f"{self.namespace}/{self.pod}/{self.container}" + (" (previous)" if self.previous else "")


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def log_targets(pod: dict[str, Any]) -> list[LogTarget]:
    """The logs a pod can have, judged from its spec and status."""
    md, spec, status = _dict(pod.get("metadata")), _dict(pod.get("spec")), _dict(pod.get("status"))
    ns, name = md.get("namespace"), md.get("name")
    if not isinstance(ns, str) or not isinstance(name, str) or not ns or not name:
        return []
    statuses: dict[str, dict[str, Any]] = {}
    any_status = False
    for key in ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"):
        for st in _list(status.get(key)):
            if isinstance(st, dict) and isinstance(st.get("name"), str):
                statuses[st["name"]] = st
                any_status = True
    phase = status.get("phase")
    out = []
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in _list(spec.get(key)):
            cname = c.get("name") if isinstance(c, dict) else None
            if not isinstance(cname, str) or not cname:
                continue
            st = statuses.get(cname)
            if st is None:
                # No status for this container: it has not run, unless the pod reports none at
                # all while running (minimal objects); then try.
                if not any_status and phase in ("Running", "Succeeded", "Failed"):
                    out.append(LogTarget(ns, name, cname, False))
                continue
            state, last = _dict(st.get("state")), _dict(st.get("lastState"))
            restarts = restart_count if isinstance(restart_count := st.get("restartCount"), int) else 0
            has_previous = bool(last.get("terminated")) or restarts > 0
            ran = "running" in state or "terminated" in state or has_previous
            if ran:
                out.append(LogTarget(ns, name, cname, False))
            if has_previous:
                out.append(LogTarget(ns, name, cname, True))
    return out


# Bytes fetched beyond the cap so redaction sees whole secrets before the cut (a private key
# block is a few KiB).
REDACT_MARGIN = 64 * 1024

# What fetch_log returns when the server has no such log (any more): not a failure, not a log.
NO_SUCH_LOG = ""

# Answers that mean "there is no such log (any more)", not a collection failure.
_ABSENT = re.compile(
    r"\(NotFound\)|is waiting to start|previous terminated container .* not found|ContainerCreating|PodInitializing"
    r"|container .* is not valid for pod|has no previous|no such container",
    re.IGNORECASE,
)


def fetch_log(
    kubectl: Kubectl,
    target: LogTarget,
    writer: StagedBundle,
    redactor: Redactor,
    max_bytes: int,
    since_s: int | None = None,
    proxy: KubectlProxy | None = None,
) -> str | None:
    """Fetch one log into the bundle (through ``proxy`` when given and working, else with
    ``kubectl logs``).  Returns None when the log was written, :data:`NO_SUCH_LOG` when the
    server has no such log, else the recorded error."""
    # Ask the server for the tail only (cheap for huge logs); lines average well over
    # 16 bytes, and the byte cap is exact.
    tail = max(1000, max_bytes // 16)
    fetch_bytes = max_bytes + REDACT_MARGIN
    step = f"log {target.label()}"
    if proxy is not None and not proxy.failed:
        query = {"container": target.container, "tailLines": str(tail)}
        if target.previous:
            query["previous"] = "true"
        if since_s:
            query["sinceSeconds"] = str(since_s)
        path = (f"/api/v1/namespaces/{quote(target.namespace, safe='')}/pods/{quote(target.pod, safe='')}/log?"
                + urlencode(query))
        got = proxy.get(path, timeout_s=kubectl.timeout_s, max_bytes=fetch_bytes)
        if not got.proxy_failed:
            command = f"kubectl proxy: GET {path}"
            if not got.ok:
                return _failed(writer, target, step, command, got.error, got.timed_out)
            return _store(writer, redactor, target, step, got.body, command, 0, got.duration_s, got.truncated,
                          got.dropped_bytes, max_bytes)
    args = ["logs", "-n", target.namespace, target.pod, "-c", target.container]
    if target.previous:
        args.append("--previous")
    if since_s:
        args.append(f"--since={since_s}s")
    args.append(f"--tail={tail}")
    result = kubectl.run(args, max_stdout=fetch_bytes)
    if not result.ok:
        return _failed(writer, target, step, result.command, result.error_line(), result.timed_out,
                       detail=result.stderr)
    return _store(writer, redactor, target, step, result.stdout, result.command, result.returncode,
                  result.duration_s, result.truncated, result.dropped_bytes, max_bytes)


def _failed(writer: StagedBundle, target: LogTarget, step: str, command: str, error: str, timed_out: bool,
            detail: str = "") -> str | None:
    if not timed_out and (_ABSENT.search(error) or _ABSENT.search(detail)):
        writer.skip(step, error)
        return NO_SUCH_LOG
    writer.error(step, command, error, path=target.path)
    return error


def _store(writer: StagedBundle, redactor: Redactor, target: LogTarget, step: str, data: bytes, command: str,
           exit_code: int, duration_s: float, truncated: bool, dropped: int, max_bytes: int) -> str | None:
    if truncated:
        data, cut = _from_line_start(data)
        dropped += cut
    data = redactor.data(data)  # redact first: then the cut below cannot split a secret
    if len(data) > max_bytes:  # keep the newest bytes, from a line start (counted in redacted bytes)
        excess = len(data) - max_bytes - 1
        data, cut = _from_line_start(data[excess:])
        if len(data) > max_bytes:  # one line longer than the cap
            cut += len(data) - max_bytes
            data = data[len(data) - max_bytes:]
        dropped += excess + cut
        truncated = True
    try:
        writer.put(target.path, data, command=command, exit_code=exit_code, duration_s=duration_s,
                   truncated=True if truncated else None, dropped_bytes=dropped or None)
    except ValueError as e:  # unsafe names from the server
        writer.error(step, command, str(e))
        return str(e)
    return None


def _from_line_start(data: bytes) -> tuple[bytes, int]:
    """``data`` whose first line may be partial, from its second line on (and the bytes
    dropped); unchanged when it is one line."""
    nl = data.find(b"\n")
    if 0 <= nl < len(data) - 1:
        return data[nl + 1:], nl + 1
    return data, 0
