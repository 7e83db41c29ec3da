"""Sonobuoy results tarballs (``sonobuoy retrieve``), from v0.8 (2017) to v0.56 and later.

::

    serverversion.json | serverversion/serverversion.json   cluster version (v0.8: in a folder)
    servergroups.json                                       API discovery (not objects)
    config.json (v0.8) | meta/config.json                   run configuration (pod-log options)
    meta/run.log                                            aggregator log, JSON lines: collection time
    meta/query-time.json, resources/**/results.json         query timings (errors become problems)
    resources/cluster/<group>_<version>_<plural>.json       cluster-scoped Lists ("core" = the core group)
    resources/ns/<ns>/<group>_<version>_<plural>.json       namespaced Lists
    resources/non-ns/<Plural>.json, resources/ns/<ns>/<Plural>.json   older: bare arrays without kind
    hosts/<node>/configz.json, healthz.json                 kubelet running config and health -> node files
    podlogs/<ns>/<pod>/logs/<container>.txt                 pod logs (previous ones when the run asked so)
    plugins/systemd[-_]logs/results/<node>[/systemd_logs]   journald JSON export -> per-unit node journals
    plugins/<plugin>/results/**, sonobuoy_results.yaml      plugin results (e2e.log, junit_01.xml): other files

Archives re-packed on macOS carry an AppleDouble ``._name`` twin of every entry: ignored.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import orjson

from analyzer.bundle.coverage import APPLEDOUBLE
from analyzer.bundle.formats import journal
from analyzer.bundle.formats.common import (
    ReadContext,
    add_document,
    dig,
    kind_from_file_name,
    newest_timestamp,
    parse_time,
)
from analyzer.bundle.model import text_from_bytes
from analyzer.bundle.safe_source import Source

NAME = "sonobuoy"

_RESOURCE_DIRS = ("resources/cluster", "resources/non-ns", "resources/ns")
_SIDE_MARKERS = ("plugins", "hosts", "meta", "podlogs", "serverversion")
_SYSTEMD_PLUGINS = ("systemd-logs", "systemd_logs")
_TARBALL_TIME = re.compile(r"(?:^|/)(\d{12})_sonobuoy_[0-9a-f-]+")
_HOST_FILES = {"configz.json": "commands/kubelet-configz.json", "healthz.json": "commands/kubelet-healthz.json"}


def detect(source: Source, roots: list[str]) -> list[str]:
    for root in roots:
        has_resources = any(root + d in source.dirs for d in _RESOURCE_DIRS)
        has_side = any(root + d in source.dirs for d in _SIDE_MARKERS) or root + "serverversion.json" in source.files
        if has_resources and has_side:
            return [root]
        if root + "plugins" in source.dirs and (root + "meta" in source.dirs or root + "podlogs" in source.dirs):
            return [root]
    return []


def read(ctx: ReadContext) -> None:
    previous = _pod_logs_are_previous(ctx)
    for rel, full in ctx.rel_files():
        parts = rel.split("/")
        if parts[-1].startswith("._"):
            ctx.ignore(full, APPLEDOUBLE)
            continue
        top = parts[0]
        if top == "resources":
            _resource_file(ctx, full, parts)
        elif rel in ("serverversion.json", "serverversion/serverversion.json"):
            _server_version(ctx, full)
        elif rel == "servergroups.json":
            ctx.ignore(full, "API discovery (groups and versions), not objects")
        elif top == "hosts" and len(parts) == 3:
            _host_file(ctx, full, parts[1], parts[2])
        elif top == "podlogs" and len(parts) == 5 and parts[3] == "logs" and parts[4].endswith(".txt"):
            ns, pod, container = parts[1], parts[2], parts[4][: -len(".txt")]
            vpath = f"logs/{ns}/{pod}/{container}{'.previous' if previous else ''}.log"
            ctx.bundle.add_log(ns, pod, container, previous, ctx.text(full, vpath))
        elif top == "plugins" and len(parts) >= 3:
            _plugin_file(ctx, full, rel, parts)
        elif rel == "meta/run.log":
            ctx.bundle.other_files[rel] = ctx.text(full, rel)
            _run_log_time(ctx, full)
        elif rel == "meta/query-time.json":
            _query_errors(ctx, full)
        elif rel in ("config.json", "meta/config.json", "meta/info.json", "meta/clusterhealth.json"):
            ctx.coverage.read.add(full)  # run metadata, read where needed (pod-log options)
        else:
            ctx.ignore(full, "not part of the Sonobuoy results layout")
    if ctx.bundle.collected_at is None and newest_timestamp(ctx.bundle) is None:
        ctx.bundle.collected_at = _time_from_name(ctx.source.origin)


def _resource_file(ctx: ReadContext, full: str, parts: list[str]) -> None:
    name = parts[-1]
    if name == "results.json":
        _query_errors(ctx, full)
        return
    if not name.endswith(".json"):
        ctx.ignore(full, "not a JSON resource file")
        return
    kind, api = kind_from_file_name(name) or (None, None)
    doc = ctx.json(full)
    if doc is None:
        return
    if doc == [] or (isinstance(doc, dict) and doc.get("items") is None and "items" in doc):
        return
    add_document(ctx, doc, full, kind, api)


def _server_version(ctx: ReadContext, full: str) -> None:
    doc = ctx.json(full)
    version = doc.get("gitVersion") if isinstance(doc, dict) else None
    if isinstance(version, str) and version:
        ctx.bundle.cluster_version = version
    else:
        ctx.problem(full, "no gitVersion in the server version")


def _host_file(ctx: ReadContext, full: str, node: str, name: str) -> None:
    relpath = _HOST_FILES.get(name)
    if relpath is None:
        ctx.ignore(full, "host file kbundle has no node file name for")
        return
    ctx.bundle.add_node_file(node, relpath, ctx.text(full, f"nodes/{node}/{relpath}"))


def _plugin_file(ctx: ReadContext, full: str, rel: str, parts: list[str]) -> None:
    plugin = parts[1]
    if plugin in _SYSTEMD_PLUGINS and len(parts) >= 4 and parts[2] == "results":
        node = parts[3]
        if node.endswith(".json"):
            node = node[: -len(".json")]
        if len(parts) == 4 or (len(parts) == 5 and parts[4] in ("systemd_logs", "systemd_logs.json")):
            _journal_export(ctx, full, node)
            return
    if parts[-1] in ("definition.json", "defintion.json"):  # both spellings occur
        ctx.coverage.read.add(full)
        return
    ctx.bundle.other_files[rel] = ctx.text(full, rel)


def _journal_export(ctx: ReadContext, full: str, node: str) -> None:
    """One node's journald JSON export, split into the per-unit journals the native
    collector writes (``commands/journal-kubelet.txt`` ...) and kernel messages (dmesg)."""
    data = ctx.read(full)
    if data is None:
        return
    split = journal.split_export(data, node)
    if split.bad_lines:
        ctx.problem(full, f"{split.bad_lines} line(s) are not journal entries (first: line {split.first_bad}); "
                          "skipped")
    for relpath, text in split.texts().items():
        tf = text_from_bytes(f"{full} ({relpath.rsplit('/', 1)[-1]})", f"nodes/{node}/{relpath}", text,
                             {"size": len(text), "source": full})
        ctx.bundle.add_node_file(node, relpath, tf)


def _pod_logs_are_previous(ctx: ReadContext) -> bool:
    """Sonobuoy fetches the previous instance's logs instead when the run said so."""
    for rel in ("meta/config.json", "config.json"):
        if ctx.exists(rel):
            data = ctx.read(ctx.full(rel))
            try:
                cfg = orjson.loads(data) if data else None
            except orjson.JSONDecodeError:
                ctx.problem(ctx.full(rel), "invalid JSON in the run configuration")
                return False
            return dig(cfg, "Limits", "PodLogs", "Previous") is True
    return False


def _run_log_time(ctx: ReadContext, full: str) -> None:
    """The aggregator's log (logrus JSON lines) ends when the results were packed."""
    data = ctx.read(full)
    if not data:
        return
    newest: datetime | None = None
    for line in data.splitlines()[-50:]:
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        when = parse_time(entry.get("time")) if isinstance(entry, dict) else None
        if when is not None and (newest is None or when > newest):
            newest = when
    if newest is not None:
        ctx.bundle.collected_at = newest


def _query_errors(ctx: ReadContext, full: str) -> None:
    """Query timings; an entry with an error is a collection error of the bundle."""
    doc = ctx.json(full)
    if not isinstance(doc, list):
        return
    for entry in doc:
        error = entry.get("error") if isinstance(entry, dict) else None
        if isinstance(error, str) and error:
            what = entry.get("queryobj") or "query"
            where = f" in {entry['namespace']}" if isinstance(entry.get("namespace"), str) and entry["namespace"] else ""
            ctx.problem(full, f"collection error ({what}{where}): {error}")


def _time_from_name(origin: str) -> datetime | None:
    """``202205300608_sonobuoy_<uuid>.tar.gz`` names the start of the run (UTC, minutes)."""
    m = _TARBALL_TIME.search(origin or "")
    if not m:
        return None
    try:
        return datetime.strptime(m.group(1), "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        return None
