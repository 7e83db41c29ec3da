"""Replicated troubleshoot host collectors (``host-collectors/``) and the bundle's own
``analysis.json``: the host part of any troubleshoot bundle, and host-only bundles.

Layout (replicatedhq/troubleshoot ``pkg/collect/host_*.go``)::

    host-collectors/system/hostos_info.json      {"name": <hostname>, "kernelVersion", "platform", ...}
    host-collectors/system/node_list.json        {"nodes": [...]} (collected remotely, per node)
    host-collectors/system/memory.json, cpu.json, systemctl_services.json (hostServices),
                           packages-<name>.json (systemPackages), ...
    host-collectors/diskUsage/<name>.json        {"total_bytes", "used_bytes"}
    host-collectors/certificate/<name>.json      key-pair-valid | key-pair-missing | ... (bare word)
    host-collectors/run-host/<name>.txt          a command's stdout, <name>-info.json its command line
    host-collectors/journald/<name>.txt          journalctl output, <name>-info.json its command line
    analysis.json                                the bundle's own analyzer results

Collected remotely (one pod per node) every file sits one folder deeper, in a folder named
after the node: ``host-collectors/<collector>/<node>/<file>``.

Every file becomes a node file of its host's node under its own path; outputs whose command
line says they are what a native node file holds (``dmesg``, ``df``, ``journalctl -u
kubelet``, ``timedatectl`` ...) are also attached under that native name, so node rules read
them.  A host that is not a Node of the bundle (a host-only bundle) gets a partial Node object
with just its name.  ``analysis.json`` is kept as the bundle's own verdicts, shown apart from
kbundle's findings.
"""

from __future__ import annotations

import os
import re
import shlex
from typing import Any

from analyzer.bundle.formats.common import ReadContext
from analyzer.bundle.formats.host_files import journal_file, node_for_host
from analyzer.bundle.partial import mark_partial
from analyzer.bundle.safe_source import Source

NAME = "troubleshoot-host"
MARKER = "host-collectors/"

# command (basename) -> native node file, for run-host outputs
COMMAND_FILES = {
    "dmesg": "commands/dmesg.txt",
    "df": "commands/df.txt",
    "uptime": "commands/uptime.txt",
    "timedatectl": "commands/timedatectl.txt",
    "iptables-save": "commands/iptables-save.txt",
}
_SEVERITIES = {"error": "error", "fail": "error", "warn": "warning", "warning": "warning", "debug": "pass",
               "pass": "pass", "info": "info"}


def detect(source: Source, roots: list[str]) -> list[str]:
    for root in roots:
        if root + MARKER[:-1] in source.dirs:
            return [root]
    return []


def read(ctx: ReadContext) -> None:
    """A host-only bundle: the host part, the verdicts, the time from the root folder."""
    from analyzer.bundle.formats.troubleshoot import time_from_root  # (troubleshoot imports this module)

    read_host_part(ctx)
    if ctx.bundle.collected_at is None:
        ctx.bundle.collected_at = time_from_root(ctx.root or os.path.basename(ctx.source.origin))


def read_host_part(ctx: ReadContext) -> None:
    files = {rel: full for rel, full in ctx.rel_files() if rel.startswith(MARKER) or rel == "analysis.json"}
    if "analysis.json" in files:
        _read_verdicts(ctx, files.pop("analysis.json"))
    if not files:
        return
    nodes = _node_names(ctx, files)
    local = _local_host(ctx, files, nodes)
    infos: dict[str, dict[str, Any]] = {}
    outputs: list[tuple[str, str, str]] = []  # (node, rel below host-collectors/ without node, full)
    for rel, full in files.items():
        parts = rel[len(MARKER):].split("/")
        node = next((p for p in parts[1:-1] if p in nodes), None)
        if node is not None:
            parts = [p for p in parts if p != node]
        else:
            node = local
        sub = "/".join(parts)
        if sub.endswith("-info.json"):
            doc = ctx.json(full)
            if isinstance(doc, dict):
                infos[f"{node}\0{sub[: -len('-info.json')]}"] = doc
        outputs.append((node, sub, full))
    for node, sub, full in outputs:
        relpath = "host-collectors/" + sub
        if (node, relpath) not in ctx.bundle.node_files:
            ctx.bundle.add_node_file(node, relpath, ctx.text(full, f"nodes/{node}/{relpath}"))
        native = _native_name(sub, infos.get(f"{node}\0{sub.rsplit('.', 1)[0]}"))
        if native and (node, native) not in ctx.bundle.node_files:
            ctx.bundle.add_node_file(node, native, ctx.text(full, f"nodes/{node}/{native}"))
    if ctx.bundle.node_names():
        return  # a cluster bundle: a host that is no Node of it (the machine that ran the CLI) stays a host
    for node in sorted({n for n, _, _ in outputs}):
        node_obj = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": node}}
        ctx.bundle.add_object(mark_partial(node_obj, ["metadata.uid", "metadata.labels", "spec", "status"]),
                              ctx.full(MARKER + "system/hostos_info.json"))


def _node_names(ctx: ReadContext, files: dict[str, str]) -> set[str]:
    names = set(ctx.bundle.node_names())
    for rel, full in files.items():
        if rel.rsplit("/", 1)[-1] == "node_list.json":
            doc = ctx.json(full)
            if isinstance(doc, dict) and isinstance(doc.get("nodes"), list):
                names.update(n for n in doc["nodes"] if isinstance(n, str) and n)
    return names


def _local_host(ctx: ReadContext, files: dict[str, str], nodes: set[str]) -> str:
    """The node the host collectors ran on when run locally: hostos_info.json's name, else the
    cluster's only node, else ``host``."""
    full = files.get(MARKER + "system/hostos_info.json")
    doc = ctx.json(full) if full else None
    name = doc.get("name") if isinstance(doc, dict) else None
    if isinstance(name, str) and name.strip():
        return node_for_host(name.strip(), sorted(nodes)) or name.strip()
    cluster_nodes = ctx.bundle.node_names()
    return cluster_nodes[0] if len(cluster_nodes) == 1 else "host"


def _native_name(sub: str, info: dict[str, Any] | None) -> str | None:
    """The native node file a run-host or journald output stands for, from its command line."""
    if not sub.endswith(".txt") or not isinstance(info, dict) or not isinstance(info.get("command"), str):
        return None
    try:
        argv = shlex.split(info["command"])
    except ValueError:
        argv = info["command"].split()
    if not argv:
        return None
    cmd = argv[0].rsplit("/", 1)[-1]
    if cmd == "journalctl":
        if "--dmesg" in argv or "-k" in argv:
            return "commands/dmesg.txt"
        units = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a in ("-u", "--unit")]
        units += [a.split("=", 1)[1] for a in argv if a.startswith("--unit=")]
        if len(units) == 1:
            return journal_file(re.sub(r"\.service$", "", units[0]))
        return None
    if cmd == "cat" and len(argv) == 2 and argv[1] == "/proc/meminfo":
        return "commands/meminfo.txt"
    if cmd == "chronyc" and "tracking" in argv:
        return "commands/chronyc-tracking.txt"
    return COMMAND_FILES.get(cmd)


# --------------------------------------------------------------------------- analysis.json
def _read_verdicts(ctx: ReadContext, full: str) -> None:
    """troubleshoot's analyzer results (``[{name, insight: {primary, detail, severity}, severity}]``)
    as the bundle's own verdicts: kept apart, never turned into findings."""
    doc = ctx.json(full)
    if doc is None:
        return
    if not isinstance(doc, list):
        ctx.problem(full, f"expected a list of analyzer results, got {type(doc).__name__}")
        return
    for item in doc:
        if not isinstance(item, dict):
            continue
        raw = item.get("insight")
        insight: dict[str, Any] = raw if isinstance(raw, dict) else {}
        severity = str(item.get("severity") or insight.get("severity") or "").lower()
        ctx.bundle.tool_verdicts.append({
            "tool": "troubleshoot",
            "name": str(item.get("name") or insight.get("name") or ""),
            "title": str(insight.get("primary") or item.get("name") or ""),
            "severity": _SEVERITIES.get(severity, severity or "unknown"),
            "detail": str(insight.get("detail") or ""),
            "source": full,
        })
