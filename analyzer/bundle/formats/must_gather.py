"""OpenShift must-gather (and ``oc adm inspect``) output.

Layout, below one folder per gather image (``must-gather.local.N/<image-name>/``)::

    timestamp                                             start and end time (Go time.String)
    namespaces/<ns>/<ns>.yaml                             the Namespace
    namespaces/<ns>/core/<plural>.yaml                    Lists (pods, events, services, ...)
    namespaces/<ns>/<group>/<plural>.yaml                 Lists
    namespaces/<ns>/<group>/<plural>/<name>.yaml          single objects
    namespaces/<ns>/pods/<pod>/<pod>.yaml                 the Pod again (deduplicated)
    namespaces/<ns>/pods/<pod>/<c>/<c>/logs/current.log   current log ({previous}.log, *.insecure.log copies)
    cluster-scoped-resources/<group>/<plural>.yaml        Lists
    cluster-scoped-resources/<group>/<plural>/<name>.yaml single objects (core/nodes/<node>.yaml)
    host_service_logs/masters/<unit>_service.log          journal of host services
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from analyzer.bundle.formats.common import ReadContext, add_document, parse_time
from analyzer.bundle.formats.host_files import node_for_host
from analyzer.bundle.model import text_from_bytes
from analyzer.bundle.safe_source import Source

NAME = "must-gather"


def detect(source: Source, roots: list[str]) -> list[str]:
    found: list[str] = []
    depth = None
    for root in roots:
        d = root.count("/")
        if depth is not None and d > depth:
            break
        if _is_root(source, root):
            found.append(root)
            depth = d
    return found


def _is_root(source: Source, root: str) -> bool:
    if root + "cluster-scoped-resources" in source.dirs:
        return True
    if root + "namespaces" not in source.dirs:
        return False
    prefix = root + "namespaces/"
    for d in source.dirs:
        if d.startswith(prefix) and d.endswith("/core") and d.count("/") == prefix.count("/") + 1:
            return True
    return False


def read(ctx: ReadContext) -> None:
    bundle = ctx.bundle
    for rel, full in ctx.rel_files():
        parts = rel.split("/")
        top = parts[0]
        if top == "namespaces" and len(parts) >= 3:
            if parts[2] == "pods":
                _pod_file(ctx, full, parts)
            elif rel.endswith((".yaml", ".yml", ".json")):
                _objects(ctx, full)
        elif top == "cluster-scoped-resources" and rel.endswith((".yaml", ".yml", ".json")):
            _objects(ctx, full)
        elif top == "host_service_logs" and len(parts) >= 2:
            bundle.other_files[rel] = ctx.text(full, rel)
        elif top == "web_hooks" and rel.endswith((".yaml", ".yml")):
            _objects(ctx, full)
        elif rel == "timestamp":
            _timestamp(ctx, full)
    if bundle.cluster_version is None:
        bundle.cluster_version = _kubernetes_version(ctx)
    _split_host_journals(bundle)


# host_service_logs/<role>/<unit>_service.log -> the node file the collector writes for that unit
_JOURNAL_UNITS = {"kubelet": "journal-kubelet.txt", "crio": "journal-crio.txt",
                  "containerd": "journal-containerd.txt", "docker": "journal-docker.txt"}
_HOST_FIELD = re.compile(r"^(?:[A-Z][a-z]{2} +\d+ [\d:.]+|\d{4}-\d\d-\d\dT[\d:.+\-Z]+) (\S+) ")


def _split_host_journals(bundle: Any) -> None:
    """must-gather concatenates the journals of all masters in one file per unit; each line
    names its host.  Give each node its own slice as the node file the native collector would
    write (``commands/journal-kubelet.txt`` ...), so node rules work on must-gathers too.  The
    slice's path says where it came from; its line numbers count within the slice."""
    nodes = bundle.node_names()
    if not nodes:
        return
    for vpath, tf in list(bundle.other_files.items()):
        name = vpath.rsplit("/", 1)[-1]
        unit = name[: -len("_service.log")] if name.endswith("_service.log") else None
        if unit not in _JOURNAL_UNITS:
            continue
        by_host: dict[str, list[str]] = {}
        for line in tf.text().splitlines():
            m = _HOST_FIELD.match(line)
            if m:
                by_host.setdefault(m.group(1), []).append(line)
        tf.release()
        for host, lines in by_host.items():
            node = node_for_host(host, nodes)
            if node is None or (node, "commands/" + _JOURNAL_UNITS[unit]) in bundle.node_files:
                continue
            data = ("\n".join(lines) + "\n").encode()
            bundle.add_node_file(node, "commands/" + _JOURNAL_UNITS[unit], text_from_bytes(
                f"{tf.path} (lines of {host})", f"nodes/{node}/commands/{_JOURNAL_UNITS[unit]}", data))




def _objects(ctx: ReadContext, full: str) -> None:
    for doc in ctx.structured(full) or ():
        add_document(ctx, doc, full)


def _pod_file(ctx: ReadContext, full: str, parts: list[str]) -> None:
    # namespaces/<ns>/pods/<pod>/<pod>.yaml
    if len(parts) == 5 and parts[4].endswith((".yaml", ".yml")):
        _objects(ctx, full)
        return
    # namespaces/<ns>/pods/<pod>/<container>/<container>/logs/{current,previous}.log
    if len(parts) == 8 and parts[6] == "logs" and parts[7] in ("current.log", "previous.log"):
        ns, pod, container = parts[1], parts[3], parts[4]
        previous = parts[7] == "previous.log"
        if previous and ctx.source.files.get(full, 0) == 0:
            return  # an empty previous.log: the container has no previous instance
        vpath = f"logs/{ns}/{pod}/{container}{'.previous' if previous else ''}.log"
        ctx.bundle.add_log(ns, pod, container, previous, ctx.text(full, vpath))


def _timestamp(ctx: ReadContext, full: str) -> None:
    """``timestamp`` holds the start and end times of the gather; the last one is used."""
    data = ctx.read(full)
    if data is None:
        return
    when = None
    for line in data.decode("utf-8", "replace").splitlines():
        when = parse_time(line) or when
    if when is None:
        ctx.problem(full, "no time found in the timestamp file")
    elif ctx.bundle.collected_at is None or when > ctx.bundle.collected_at:
        ctx.bundle.collected_at = when


def _kubernetes_version(ctx: ReadContext) -> str | None:
    """The Kubernetes version: the kube-apiserver ClusterOperator's operand version, else the
    kubelet version of most nodes, else the OpenShift version of the ClusterVersion."""
    bundle = ctx.bundle
    co = bundle.get("ClusterOperator", None, "kube-apiserver")
    for v in _dig(co, "status", "versions") or ():
        if isinstance(v, dict) and v.get("name") == "kube-apiserver" and isinstance(v.get("version"), str):
            ver = v["version"]
            return ver if ver.startswith("v") else "v" + ver
    kubelets = Counter(
        _dig(n, "status", "nodeInfo", "kubeletVersion") for n in bundle.objects("Node")
    )
    kubelets.pop(None, None)
    if kubelets:
        return str(kubelets.most_common(1)[0][0])
    cv = bundle.get("ClusterVersion", None, "version")
    desired = _dig(cv, "status", "desired", "version")
    if isinstance(desired, str):
        return desired
    for h in _dig(cv, "status", "history") or ():
        if isinstance(h, dict) and h.get("state") == "Completed" and isinstance(h.get("version"), str):
            return h["version"]
    return None


def _dig(obj: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj
