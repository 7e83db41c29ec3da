"""``kubectl cluster-info dump``, in both of its forms.

``--output-directory DIR``::

    nodes.json
    <ns>/events.json, replication-controllers.json, services.json, daemonsets.json,
         deployments.json, replicasets.json, pods.json
    <ns>/<pod>/logs.txt          "==== START logs for container C of pod NS/P ====" sections

stdout (saved to one file): the same Lists concatenated (NodeList, then for each namespace
EventList, ReplicationControllerList, ServiceList, DaemonSetList, DeploymentList,
ReplicaSetList, PodList) with each pod's log sections after its namespace's PodList.
Saved output is often mangled (pasted into a page after other text, indentation lost), so
the stream is scanned for top-level JSON values instead of being parsed as a whole.
Only current logs exist in a dump.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from analyzer.bundle.formats.common import (
    ReadContext,
    add_document,
    check_depth,
    kind_from_file_name,
    kubernetes_version_from_objects,
    log_fetch_error,
    problem_sink,
)
from analyzer.bundle.model import TextFile, text_from_bytes
from analyzer.bundle.safe_source import Source

NAME = "cluster-info-dump"

_LIST_FILES = (
    "events", "replication-controllers", "services", "daemonsets", "deployments", "replicasets", "pods",
)
_START = re.compile(r"^==== START logs for container (\S+) of pod ([^/\s]+)/(\S+) ====\s*$")
_END = "==== END logs for container "
_NODELIST = re.compile(rb'"kind"\s*:\s*"NodeList"')
_HEAD = 4 * 1024 * 1024
_EAGER_LOGS = 1024 * 1024  # logs.txt files up to this size are split at once, larger ones lazily


# --------------------------------------------------------------------------- detection
def detect(source: Source, roots: list[str]) -> list[str]:
    for root in roots:
        if _is_directory_dump(source, root):
            return [root]
    stream = _stream_file(source)
    return [""] if stream is not None else []


def _is_directory_dump(source: Source, root: str) -> bool:
    if root + "nodes.json" not in source.files and root + "nodes.yaml" not in source.files:
        return False
    n = root.count("/")
    for f in source.files:
        if f.startswith(root) and f.count("/") == n + 1 and f.endswith(("/pods.json", "/pods.yaml")):
            return True
    return False


def _stream_file(source: Source) -> str | None:
    """The one file of the input when it is a dump saved from stdout."""
    if len(source.files) != 1:
        return None
    (path,) = source.files
    try:
        head = source.read_head(path, _HEAD)
    except Exception:  # noqa: BLE001 - unreadable: not detected as this format
        return None
    if b"==== START logs for container " in head or _NODELIST.search(head):
        return path
    return None


# --------------------------------------------------------------------------- reading
def read(ctx: ReadContext) -> None:
    if _is_directory_dump(ctx.source, ctx.root):
        _read_directory(ctx)
    else:
        path = _stream_file(ctx.source)
        if path is not None:
            _read_stream(ctx, path)
    if ctx.bundle.cluster_version is None:
        ctx.bundle.cluster_version = kubernetes_version_from_objects(ctx.bundle)


def _read_directory(ctx: ReadContext) -> None:
    log_files: list[tuple[str, str, str]] = []
    for rel, full in ctx.rel_files():
        parts = rel.split("/")
        if len(parts) == 1 and parts[0] in ("nodes.json", "nodes.yaml"):
            _read_list_file(ctx, full)
        elif len(parts) == 2 and parts[1].rsplit(".", 1)[0] in _LIST_FILES and parts[1].endswith((".json", ".yaml")):
            _read_list_file(ctx, full)
        elif len(parts) == 3 and parts[2] == "logs.txt":
            log_files.append((parts[0], parts[1], full))
    for ns, pod, full in log_files:
        containers = _containers_of(ctx.bundle.get("Pod", ns, pod))
        if containers and ctx.source.files.get(full, 0) > _EAGER_LOGS:
            # Known containers: each log is cut out of logs.txt lazily, when first read.
            for container in containers:
                loader = _section_loader(ctx, full, ns, pod, container)
                vpath = f"logs/{ns}/{pod}/{container}.log"
                ctx.bundle.add_log(ns, pod, container, False, TextFile(full, vpath, loader, {"size": 0}))
        else:
            data = ctx.read(full)
            if data is not None:
                _log_sections(ctx, full, data.decode("utf-8", "replace"), expect=(ns, pod))


def _containers_of(pod: dict[str, Any] | None) -> list[str]:
    spec = pod.get("spec") if isinstance(pod, dict) else None
    if not isinstance(spec, dict):
        return []
    names: list[str] = []
    for key in ("initContainers", "containers"):
        for c in spec.get(key) or ():
            if isinstance(c, dict) and isinstance(c.get("name"), str):
                names.append(c["name"])
    return names


def _section_loader(ctx: ReadContext, full: str, ns: str, pod: str, container: str) -> Callable[[], bytes]:
    source, record = ctx.source, problem_sink(ctx.bundle)
    start = f"==== START logs for container {container} of pod {ns}/{pod} ====".encode()
    end = f"{_END}{container} of pod {ns}/{pod} ====".encode()

    def load() -> bytes:
        try:
            data = source.read(full)
        except Exception as e:  # noqa: BLE001 - becomes a problem, never a crash
            record(full, f"cannot read: {e}")
            return b""
        i = data.find(start)
        if i < 0:
            return b""
        i = data.find(b"\n", i)
        i = len(data) if i < 0 else i + 1
        j = data.find(end, i)
        body = data[i:] if j < 0 else data[i:j]
        reason = log_fetch_error(body)
        if reason is not None:
            record(full, f"{ns}/{pod} container {container}: log not collected: {reason}")
            return b""
        return body

    return load


def _read_list_file(ctx: ReadContext, full: str) -> None:
    """One List file; old kubectl wrote its internal serialisation without ``kind``: the
    file name (``pods.json``, ``replication-controllers.json``) gives it."""
    kind, api = kind_from_file_name(full) or (None, None)
    for doc in ctx.structured(full) or ():
        add_document(ctx, doc, full, kind, api)


def _read_stream(ctx: ReadContext, path: str) -> None:
    data = ctx.read(path)
    if data is None:
        return
    text = data.decode("utf-8", "replace")
    if "\ufffd" in text and b"\xef\xbf\xbd" not in data:
        ctx.problem(path, "invalid UTF-8; undecodable bytes replaced")
    decoder = json.JSONDecoder()
    lines = text.splitlines(keepends=True)
    offsets = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line)
    found = 0
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        stripped = line.lstrip()
        if stripped.startswith("==== START logs for container "):
            i = _log_section(ctx, path, lines, i)
            continue
        if stripped.startswith("{"):
            start = offsets[i] + (len(line) - len(stripped))
            value, end, error = _decode_at(decoder, text, start)
            if error is None and _is_kubernetes(value):
                value = check_depth(ctx.bundle, path, value)
                found += add_document(ctx, value, path) if value is not None else 0
                i = _line_at(offsets, end, i)  # continue at the line holding the end of the value
                continue
            if error is not None and i + 1 < n and _TOP_LEVEL_KEY.match(lines[i + 1].lstrip()):
                ctx.problem(path, f"unreadable JSON value at line {i + 1}: {error}")
                if end > start:
                    i = _line_at(offsets, end, i)
                    continue
        i += 1
    if not found and not ctx.bundle.logs:
        ctx.problem(path, "no Kubernetes Lists found in the dump")


_TOP_LEVEL_KEY = re.compile(r'"(kind|apiVersion)"\s*:')
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _is_kubernetes(value: Any) -> bool:
    """A List, or an object with kind and metadata.name (not some fragment of one)."""
    if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
        return False
    if "items" in value:
        return True
    md = value.get("metadata")
    return isinstance(md, dict) and isinstance(md.get("name"), str)


def _unwrap(match: re.Match[str]) -> str:
    return match.group(0).replace("\r", "").replace("\n", "")


def _decode_at(decoder: json.JSONDecoder, text: str, start: int) -> tuple[Any, int, str | None]:
    """Decode the JSON value at ``start``: ``(value, end, None)`` or ``(None, end, error)``.

    Saved dumps often have long lines hard-wrapped, i.e. raw line breaks inside strings;
    such a value is re-read with the breaks inside its strings removed."""
    try:
        value, end = decoder.raw_decode(text, start)
        return value, end, None
    except RecursionError:
        return None, start, "nested too deeply"
    except json.JSONDecodeError as e:
        if "control character" not in e.msg:
            return None, start, f"{e.msg} (line {e.lineno})"
        first_error = f"{e.msg} (line {e.lineno})"
    try:
        _, end = _LENIENT.raw_decode(text, start)
        repaired = _JSON_STRING.sub(_unwrap, text[start:end])
        return json.loads(repaired), end, None
    except (json.JSONDecodeError, RecursionError):
        return None, start, first_error


_LENIENT = json.JSONDecoder(strict=False)


def _line_at(offsets: list[int], pos: int, lo: int) -> int:
    """Index of the first line starting at or after ``pos``."""
    hi = len(offsets)
    while lo < hi:
        mid = (lo + hi) // 2
        if offsets[mid] < pos:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _joined(lines: list[str], i: int, count: int = 3) -> str:
    """Line ``i`` with up to ``count - 1`` following lines appended (undoing hard wraps)."""
    return "".join(line.rstrip("\r\n") for line in lines[i : i + count])


def _log_section(ctx: ReadContext, path: str, lines: list[str], i: int) -> int:
    """Read one START..END section beginning at line ``i``; returns the next line index.
    Marker lines hard-wrapped by a terminal or a page are joined back."""
    m = _START.match(lines[i].strip())
    skip = 0
    if not m:
        for extra in (2, 3):
            m = _START.match(_joined(lines, i, extra).strip())
            if m:
                skip = extra - 1
                break
    if not m:
        return i + 1
    container, ns, pod = m.group(1), m.group(2), m.group(3)
    end_marker = f"{_END}{container} of pod {ns}/{pod} ===="
    j = i + 1 + skip
    first = j
    while j < len(lines):
        line = lines[j]
        if line.startswith("==== END") or (line.startswith("====") and len(line.rstrip()) < len(end_marker)):
            if _joined(lines, j).startswith(end_marker):
                break
        j += 1
    if j >= len(lines):
        ctx.problem(path, f"log section of {ns}/{pod} container {container} has no END marker (truncated?)")
    body = "".join(lines[first:j]).encode("utf-8")
    _add_log(ctx, path, ns, pod, container, body, first_line=first + 1)
    end_len = 0
    k = j
    while k < len(lines) and end_len < len(end_marker):  # skip the (possibly wrapped) END marker
        end_len += len(lines[k].rstrip("\r\n"))
        k += 1
    return max(k, j + 1)


def _log_sections(ctx: ReadContext, path: str, text: str, expect: tuple[str, str]) -> None:
    lines = text.splitlines(keepends=True)
    i = 0
    any_section = False
    while i < len(lines):
        if lines[i].startswith("==== START logs for container "):
            any_section = True
            i = _log_section(ctx, path, lines, i)
        else:
            i += 1
    if not any_section and text.strip():
        ns, pod = expect
        ctx.problem(path, f"no log sections found for {ns}/{pod}")


def _add_log(ctx: ReadContext, path: str, ns: str, pod: str, container: str, body: bytes,
             first_line: int = 1) -> None:
    """A log section of ``path`` whose first line is line ``first_line`` of the file (evidence
    cites lines of the file, see :func:`analyzer.bundle.model.file_line_offset`)."""
    reason = log_fetch_error(body)
    if reason is not None:
        ctx.problem(path, f"{ns}/{pod} container {container}: log not collected: {reason}")
        return
    vpath = f"logs/{ns}/{pod}/{container}.log"
    meta = {"size": len(body), "first_line": first_line}
    ctx.bundle.add_log(ns, pod, container, False, text_from_bytes(path, vpath, body, meta))
