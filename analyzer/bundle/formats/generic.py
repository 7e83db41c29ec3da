"""The fallback for what no other reader claims: walk every file and take what has a
recognisable shape, whatever tool wrote it.

- JSON / YAML holding Kubernetes objects: typed or generic Lists, single objects, bare
  arrays, kubectl's internal serialisation; items without ``kind`` are typed from the file
  name (``pods.json``, ``Pods.json``, ``core_v1_pods.json``), the folder name
  (``pods/<ns>.json``) or, for a few kinds, their unmistakable shape.
- Pod logs by the path shapes common tools write (``logs/<ns>/<pod>/<c>.log``,
  ``podlogs/<ns>/<pod>/logs/<c>.txt``, the kubelet's ``pods/<ns>_<pod>_<uid>/<c>/<n>.log`` and
  ``containers/<pod>_<ns>_<c>-<id>.log``, must-gather's ``.../<c>/<c>/logs/current.log``).
- Host journals by their line shape: journald JSON export, or syslog-style lines
  (``Mar 21 14:51:20 host kubelet[785]: ...``): node files of the host they name.
- Other text files are kept under their own path for text rules; JSON/YAML without
  Kubernetes objects are problems; anything else is listed as ignored (``kbundle inspect``).
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from typing import Any

from analyzer.bundle.coverage import APPLEDOUBLE
from analyzer.bundle.formats import journal
from analyzer.bundle.formats.common import (
    RESOURCE_KINDS,
    ReadContext,
    add_document,
    is_internal_list,
    is_internal_object,
    kind_from_file_name,
    kubernetes_version_from_objects,
    log_fetch_error,
)
from analyzer.bundle.formats.kind_logs import cri_to_text
from analyzer.bundle.model import TextFile, text_from_bytes
from analyzer.bundle.safe_source import Source

NAME = "generic"

_HEAD = 64 * 1024
_MAX_PROBES = 500
_JSON_API = re.compile(rb'"apiVersion"\s*:')
_JSON_KIND = re.compile(rb'"kind"\s*:')
_JSON_META = re.compile(rb'"(?:metadata|Items)"\s*:')
_YAML_KIND = re.compile(rb"^\s*-?\s*kind:\s*\S", re.MULTILINE)
_YAML_API = re.compile(rb"^\s*-?\s*apiVersion:\s*\S", re.MULTILINE)
STRUCTURED_EXT = (".json", ".yaml", ".yml")
TEXT_EXT = (".log", ".txt")

# (path regex, how to read the log): named groups ns, pod, container, previous
_LOG_PATHS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?:^|/)logs/(?P<ns>[^/]+)/(?P<pod>[^/]+)/(?P<container>[^/]+?)(?P<previous>[.-]previous)?\.log$"),
     "plain"),
    (re.compile(r"(?:^|/)podlogs/(?P<ns>[^/]+)/(?P<pod>[^/]+)/logs/(?P<container>[^/]+)\.txt$"), "plain"),
    (re.compile(r"(?:^|/)namespaces/(?P<ns>[^/]+)/pods/(?P<pod>[^/]+)/(?P<container>[^/]+)/(?P=container)/logs/"
                r"(?:current|(?P<previous>previous))\.log$"), "plain"),
    (re.compile(r"(?:^|/)pods/(?P<ns>[a-z0-9][-a-z0-9]*)_(?P<pod>[^_/]+)_[^_/]+/(?P<container>[^/]+)/\d+\.log$"),
     "cri"),
    (re.compile(r"(?:^|/)containers/(?P<pod>[^_/]+)_(?P<ns>[^_/]+)_(?P<container>.+)-[0-9a-f]{64}\.log$"), "cri"),
]
# Journal file names (basename without extension) -> service.
_JOURNAL_NAMES = {"kubelet": "kubelet", "containerd": "containerd", "docker": "docker", "dockerd": "docker",
                  "crio": "crio", "cri-o": "crio", "k3s": "k3s", "k3s-agent": "k3s-agent",
                  "rke2-server": "rke2-server", "rke2-agent": "rke2-agent"}
_IDENT_UNITS = {"dockerd": "docker", "crio": "crio", "kubelet": "kubelet", "containerd": "containerd",
                "k3s": "k3s", "kernel": "kernel"}


def looks_like_objects(head: bytes) -> str | None:
    """``"json"`` / ``"yaml"`` when the start of a file looks like Kubernetes objects with
    ``apiVersion`` and ``kind``."""
    start = head.lstrip()[:1]
    if start in (b"{", b"[") and _JSON_API.search(head) and _JSON_KIND.search(head):
        return "json"
    if _YAML_KIND.search(head) and _YAML_API.search(head):
        return "yaml"
    return None


def _kindless_candidate(path: str, head: bytes) -> bool:
    """JSON whose name names a resource and which holds objects (with ``metadata`` or the
    internal ``Items``), though without ``kind``."""
    return (path.endswith(".json") and head.lstrip()[:1] in (b"{", b"[") and _JSON_META.search(head) is not None
            and _kind_hint(path) is not None)


def _log_match(rel: str) -> tuple[re.Match[str], str] | None:
    for rx, how in _LOG_PATHS:
        m = rx.search(rel)
        if m:
            return m, how
    return None


def detect(source: Source, roots: list[str]) -> list[str]:
    if any("--max-" in reason for _, reason in source.problems):
        # Files were refused by the reading limits: what is left is not the bundle the user
        # gave, and guessing at its remains would hide that (the error says to raise a limit).
        return []
    probes = 0
    for path in sorted(source.files, key=lambda p: (not p.endswith(STRUCTURED_EXT), p)):
        if posixpath.basename(path).startswith("._"):
            continue
        if _log_match(path):
            return [""]
        probes += 1
        if probes > _MAX_PROBES:
            break
        try:
            head = source.read_head(path, _HEAD)
        except Exception:  # noqa: BLE001 - unreadable file: it just does not count
            continue
        if looks_like_objects(head) or _kindless_candidate(path, head) or journal.looks_like_export(head):
            return [""]
        if journal.syslog_share(head.decode("utf-8", "replace").splitlines()[:-1]) >= 0.8:
            return [""]
    return []


def read(ctx: ReadContext) -> None:
    walk(ctx)


def walk(ctx: ReadContext) -> None:
    """Read every file below the root by its shape (the module docstring lists them)."""
    bundle = ctx.bundle
    for rel, full in ctx.rel_files():
        if posixpath.basename(rel).startswith("._"):
            ctx.ignore(full, APPLEDOUBLE)
            continue
        found = _log_match(rel)
        if found is not None:
            _add_log(ctx, rel, full, *found)
            continue
        if rel.endswith(STRUCTURED_EXT):
            _structured(ctx, rel, full)
            continue
        data_head = _head(ctx, full)
        if data_head is None:
            continue
        if data_head.lstrip()[:1] in (b"{", b"[") and looks_like_objects(data_head):
            _structured(ctx, rel, full)
        elif _is_export(data_head):
            _journal_export(ctx, rel, full)
        elif _is_syslog(data_head):
            _syslog_journal(ctx, rel, full)
        elif rel.endswith(TEXT_EXT) or _is_text(data_head):
            bundle.other_files[rel] = ctx.text(full, rel)
        else:
            ctx.ignore(full, "not text, JSON or YAML")
    if bundle.cluster_version is None:
        bundle.cluster_version = kubernetes_version_from_objects(bundle)


def _head(ctx: ReadContext, full: str) -> bytes | None:
    try:
        return ctx.source.read_head(full, _HEAD)
    except Exception as e:  # noqa: BLE001 - becomes a problem, never a crash
        ctx.problem(full, f"cannot read: {getattr(e, 'strerror', None) or e}")
        return None


def _is_export(head: bytes) -> bool:
    """A journald JSON export: entries one per line (``journalctl -o json``, whatever the
    file is named; a ``.json`` name alone does not make it one JSON document)."""
    return journal.looks_like_export(head) and b"\n{" in head.strip()


def _is_text(head: bytes) -> bool:
    if not head:
        return True
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start > len(head) - 4  # cut in the middle of a character at the end of the head
    return True


def _is_syslog(head: bytes) -> bool:
    lines = head.decode("utf-8", "replace").splitlines()
    if len(head) >= _HEAD:
        lines = lines[:-1]  # the last line may be cut
    return journal.syslog_share(lines) >= 0.8


# --------------------------------------------------------------------------- objects
def _kind_hint(rel: str) -> tuple[str, str | None] | None:
    """The kind a file's name, else its folder's name, gives (``pods.json``, ``pods/<ns>.json``)."""
    found = kind_from_file_name(posixpath.basename(rel))
    if found is None:
        parent = posixpath.basename(posixpath.dirname(rel))
        found = RESOURCE_KINDS.get(parent.lower().replace("-", "").replace("_", "")) if parent else None
    return found


def infer_kind(obj: Any) -> str | None:
    """The kind of an object without one, from a shape no other kind has."""
    if not isinstance(obj, dict) or not isinstance(obj.get("metadata"), dict):
        return None
    spec = obj.get("spec")
    status = obj.get("status")
    if isinstance(spec, dict) and isinstance(spec.get("containers"), list):
        return "Pod"
    if isinstance(status, dict) and isinstance(status.get("nodeInfo"), dict):
        return "Node"
    if isinstance(obj.get("involvedObject"), dict) and "reason" in obj:
        return "Event"
    return None


def _structured(ctx: ReadContext, rel: str, full: str) -> None:
    data = ctx.read(full)
    if data is None:
        return
    head = data[:_HEAD]
    if _is_export(head):
        _journal_export(ctx, rel, full, data)
        return
    kind, api = _kind_hint(rel) or (None, None)
    typed = looks_like_objects(head)
    if typed is None and kind is None and not rel.endswith(".json"):
        ctx.problem(full, "no Kubernetes objects (apiVersion and kind) found; file ignored")
        return
    docs = [ctx.json(full, data)] if (typed == "json" or (typed is None and rel.endswith(".json"))) \
        else ctx.yaml_docs(full, data)
    added = 0
    understood = False
    for doc in docs or ():
        if doc is None:
            continue
        if not _kubernetes_shaped(doc, kind):
            continue
        understood = True
        hint = kind
        if hint is None and isinstance(doc, dict) and "kind" not in doc:
            hint = infer_kind(doc)
        added += add_document(ctx, doc, full, hint, api)
    if not understood and docs is not None and any(d is not None for d in docs):
        ctx.problem(full, "no Kubernetes objects (apiVersion and kind) found; file ignored")


def _kubernetes_shaped(doc: Any, kind_hint: str | None) -> bool:
    """Objects or Lists of objects, typed or typeable (a kind hint, an inferable shape)."""
    if isinstance(doc, list):
        items = [i for i in doc if isinstance(i, dict)]
        return bool(items) and all(isinstance(i.get("metadata"), dict) or is_internal_object(i) for i in items) and (
            kind_hint is not None or all(isinstance(i.get("kind"), str) or infer_kind(i) for i in items))
    if not isinstance(doc, dict):
        return False
    if is_internal_list(doc) or is_internal_object(doc):
        return kind_hint is not None
    if isinstance(doc.get("kind"), str) and ("items" in doc or isinstance(doc.get("metadata"), dict)):
        return True
    if "items" in doc and (doc.get("items") is None or isinstance(doc.get("items"), list)):
        return kind_hint is not None or all(isinstance(i, dict) and isinstance(i.get("kind"), str)
                                            for i in doc.get("items") or ())
    return kind_hint is not None and isinstance(doc.get("metadata"), dict) or infer_kind(doc) is not None


# --------------------------------------------------------------------------- logs and journals
def _add_log(ctx: ReadContext, rel: str, full: str, m: re.Match[str], how: str) -> None:
    ns, pod, container = m.group("ns"), m.group("pod"), m.group("container")
    previous = bool(m.groupdict().get("previous"))
    key = (ns, pod, container, previous)
    if key in ctx.bundle.logs:
        ctx.ignore(full, "another copy of a log already read")
        return
    size = ctx.source.files.get(full, 0)
    if size <= 4096:
        data = ctx.read(full)
        if data is not None and (reason := log_fetch_error(data)) is not None:
            ctx.problem(full, f"{ns}/{pod} container {container}: log not collected: {reason}")
            return
    vpath = f"logs/{ns}/{pod}/{container}{'.previous' if previous else ''}.log"
    if how == "cri":
        source = ctx.source
        ctx.coverage.read.add(full)
        tf = TextFile(full, vpath, lambda: cri_to_text(source.read(full)), {"size": size})
    else:
        tf = ctx.text(full, vpath)
    ctx.bundle.add_log(ns, pod, container, previous, tf)


def _journal_export(ctx: ReadContext, rel: str, full: str, data: bytes | None = None) -> None:
    data = ctx.read(full) if data is None else data
    if data is None:
        return
    stem = posixpath.basename(rel).split(".", 1)[0]
    split = journal.split_export(data, stem)
    node = split.hosts.most_common(1)[0][0] if split.hosts else stem
    if split.bad_lines:
        ctx.problem(full, f"{split.bad_lines} line(s) are not journal entries (first: line {split.first_bad}); "
                          "skipped")
    for relpath, text in split.texts().items():
        ctx.bundle.add_node_file(node, relpath, text_from_bytes(
            f"{full} ({relpath.rsplit('/', 1)[-1]})", f"nodes/{node}/{relpath}", text,
            {"size": len(text), "source": full}))


def _syslog_journal(ctx: ReadContext, rel: str, full: str) -> None:
    """A text journal: the node is the host most lines name; the node file is the unit the
    file's name or its lines' identifier name (``kubelet.log`` -> ``journal-kubelet.txt``),
    else the whole journal (``commands/journal.txt``)."""
    head = ctx.source.read_head(full, _HEAD) if full in ctx.source.files else b""
    hosts: Counter[str] = Counter()
    idents: Counter[str] = Counter()
    for line in head.decode("utf-8", "replace").splitlines():
        m = journal.SYSLOG_LINE.match(line)
        if m:
            hosts[m.group("host")] += 1
            idents[m.group("ident")] += 1
    if not hosts:
        ctx.bundle.other_files[rel] = ctx.text(full, rel)
        return
    node = hosts.most_common(1)[0][0]
    stem = posixpath.basename(rel).rsplit(".", 1)[0]
    unit = _JOURNAL_NAMES.get(stem)
    if unit is None:
        ident, n = idents.most_common(1)[0]
        unit = _IDENT_UNITS.get(ident) if n >= 0.9 * sum(idents.values()) else None
    relpath = journal.KERNEL_FILE if unit == "kernel" else (journal.unit_file(unit) if unit else "commands/journal.txt")
    if (node, relpath) in ctx.bundle.node_files:
        ctx.bundle.other_files[rel] = ctx.text(full, rel)
        return
    ctx.bundle.add_node_file(node, relpath, ctx.text(full, f"nodes/{node}/{relpath}"))
