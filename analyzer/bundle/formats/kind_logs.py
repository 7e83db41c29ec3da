"""``kind export logs`` output: node logs only, no API objects.

::

    kind-version.txt, docker-info.txt                     the kind binary and the host's docker
    <node>/kubernetes-version.txt                         cluster version
    <node>/journal.log, kubelet.log, containerd.log       journal extracts, syslog lines without a year
    <node>/inspect.json                                   ``docker inspect`` of the node container (its year)
    <node>/images.log, serial.log, alternatives.log       crictl images, node console, dpkg alternatives
    <node>/pods/<ns>_<pod>_<uid>/<container>/<n>.log      container logs (CRI format), n = restart number
    <node>/containers/<pod>_<ns>_<container>-<id>.log     the same logs again (the kubelet's symlinks)

Pods are known only by these paths: each becomes a *partial* Pod (name, namespace, uid,
node, container names; docs/bundle-format.md "Partial objects"), each node directory a
partial Node (name and kubelet version).  Container logs are read from ``pods/`` (which gives
the restart number) and the ``containers/`` copies are skipped; a ``containers/`` log with no
``pods/`` twin is read on its own.  CRI lines become the plain log text (``kubectl logs``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import orjson

from analyzer.bundle.formats import journal
from analyzer.bundle.formats.common import ReadContext, parse_time, problem_sink
from analyzer.bundle.model import TextFile
from analyzer.bundle.partial import mark_partial
from analyzer.bundle.safe_source import Source

NAME = "kind-logs"

_NODE_MARKERS = ("kubernetes-version.txt", "kubelet.log", "journal.log")
_POD_DIR = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?)_([^_/]+)_([^_/]+)$")
_CONTAINER_FILE = re.compile(r"^(?P<pod>[^_/]+)_(?P<ns>[^_/]+)_(?P<container>.+)-(?P<id>[0-9a-f]{64})\.log$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CRI_LINE = re.compile(rb"^(\S+) (stdout|stderr) ([A-Z](?::[A-Z])*) ?(.*)$")
# node file names of the journal extracts and other node-level files (docs/rules.md)
_NODE_FILES = {
    "kubelet.log": "commands/journal-kubelet.txt",
    "containerd.log": "commands/journal-containerd.txt",
    "journal.log": "commands/journal.txt",
    "images.log": "commands/crictl-images.txt",
    "inspect.json": "commands/docker-inspect.json",
    "serial.log": "commands/serial.txt",
    "alternatives.log": "files/var/log/alternatives.log",
}
KNOWN_FROM = "kind export logs: node directories and log file paths"
# What a pod known only from its log file paths lacks (it has name, namespace, uid when a UUID,
# spec.nodeName and the container names; init containers are not told apart).
PARTIAL_POD = ("status", "spec.initContainers", "spec.containers[].image", "metadata.labels",
               "metadata.ownerReferences")
PARTIAL_NODE = ("metadata.uid", "metadata.labels", "spec", "status.conditions", "status.capacity",
                "status.allocatable")


def _node_dirs(source: Source, root: str) -> list[str]:
    depth = root.count("/")
    out = []
    for d in sorted(source.dirs):
        if d.startswith(root) and d.count("/") == depth and any(f"{d}/{m}" in source.files for m in _NODE_MARKERS):
            out.append(d[len(root):])
    return out


def detect(source: Source, roots: list[str]) -> list[str]:
    for root in roots:
        nodes = _node_dirs(source, root)
        if not nodes:
            continue
        if root + "kind-version.txt" in source.files or any(
                f"{root}{n}/kubernetes-version.txt" in source.files and f"{root}{n}/kubelet.log" in source.files
                for n in nodes):
            return [root]
    return []


def cri_to_text(data: bytes) -> bytes:
    """CRI log lines (``<time> <stream> <F|P> <message>``) as the log text ``kubectl logs``
    shows: the messages, partial (``P``) lines joined to the next.  Other lines are kept."""
    out: list[bytes] = []
    pending: list[bytes] = []
    for line in data.split(b"\n"):
        if not line:
            continue
        m = _CRI_LINE.match(line)
        if m is None:
            out.append(b"".join(pending) + line)
            pending = []
            continue
        pending.append(m.group(4))
        if b"P" not in m.group(3).split(b":"):
            out.append(b"".join(pending))
            pending = []
    if pending:
        out.append(b"".join(pending))
    return b"\n".join(out) + (b"\n" if out else b"")


def _cri_loader(ctx: ReadContext, full: str) -> Callable[[], bytes]:
    source, record = ctx.source, problem_sink(ctx.bundle)

    def load() -> bytes:
        try:
            return cri_to_text(source.read(full))
        except Exception as e:  # noqa: BLE001 - becomes a problem, never a crash
            record(full, f"cannot read: {getattr(e, 'strerror', None) or e}")
            return b""

    return load


def read(ctx: ReadContext) -> None:
    bundle = ctx.bundle
    versions: Counter[str] = Counter()
    for rel, full in ctx.rel_files():
        if rel in ("kind-version.txt", "docker-info.txt"):
            bundle.other_files[rel] = ctx.text(full, rel)
    for node in _node_dirs(ctx.source, ctx.root):
        version = _read_node(ctx, node)
        if version:
            versions[version] += 1
    if versions and bundle.cluster_version is None:
        bundle.cluster_version = versions.most_common(1)[0][0]
    for _rel, full in ctx.rel_files():
        if full not in ctx.coverage.read and full not in ctx.coverage.ignored:
            ctx.ignore(full, "not part of the kind export logs layout")


def _read_node(ctx: ReadContext, node: str) -> str | None:
    bundle = ctx.bundle
    prefix = f"{node}/"
    version = None
    created: datetime | None = None
    pods: dict[tuple[str, str], dict] = {}
    current: dict[tuple[str, str, str], list[tuple[int, str]]] = {}
    loose: list[tuple[str, str, str, str]] = []
    for rel, full in ctx.rel_files():
        if not rel.startswith(prefix):
            continue
        sub = rel[len(prefix):]
        parts = sub.split("/")
        if sub == "kubernetes-version.txt":
            data = ctx.read(full)
            text = data.decode("utf-8", "replace").strip() if data else ""
            if re.match(r"^v?\d+\.\d+", text):
                version = text if text.startswith("v") else "v" + text
            else:
                ctx.problem(full, "no Kubernetes version in the file")
        elif sub in _NODE_FILES:
            relpath = _NODE_FILES[sub]
            bundle.add_node_file(node, relpath, ctx.text(full, f"nodes/{node}/{relpath}"))
            if sub == "inspect.json":
                created = _created_from_inspect(ctx, full) or created
        elif parts[0] == "pods" and len(parts) == 4 and parts[3].endswith(".log"):
            m = _POD_DIR.match(parts[1])
            restart = parts[3][: -len(".log")]
            if not m or not restart.isdigit():
                ctx.ignore(full, "pod log path not in the <ns>_<pod>_<uid>/<container>/<n>.log form")
                continue
            ns, pod, uid = m.group(1), m.group(3), m.group(4)
            pods.setdefault((ns, pod), {"uid": uid, "containers": []})
            if parts[2] not in pods[(ns, pod)]["containers"]:
                pods[(ns, pod)]["containers"].append(parts[2])
            current.setdefault((ns, pod, parts[2]), []).append((int(restart), full))
        elif parts[0] == "containers" and len(parts) == 2:
            cm = _CONTAINER_FILE.match(parts[1])
            if cm is None:
                ctx.ignore(full, "container log name not in the <pod>_<ns>_<container>-<id>.log form")
                continue
            loose.append((cm.group("ns"), cm.group("pod"), cm.group("container"), full))
    for (ns, pod, container), files in current.items():
        files.sort()
        _add_cri_log(ctx, ns, pod, container, False, files[-1][1])
        if len(files) > 1 and files[-2][0] == files[-1][0] - 1:
            _add_cri_log(ctx, ns, pod, container, True, files[-2][1])
        for _, older in files[:-2]:
            ctx.ignore(older, "log of an older container instance (only the current and previous are read)")
    for ns, pod, container, full in loose:
        if (ns, pod, container) in current:
            ctx.ignore(full, "same log as under pods/ (the kubelet's containers/ link)")
            continue
        pods.setdefault((ns, pod), {"uid": None, "containers": []})
        if container not in pods[(ns, pod)]["containers"]:
            pods[(ns, pod)]["containers"].append(container)
        if (ns, pod, container, False) in bundle.logs:
            ctx.ignore(full, "another instance of a container whose log is already read")
            continue
        _add_cri_log(ctx, ns, pod, container, False, full)
    for (ns, pod), known in sorted(pods.items()):
        _add_partial_pod(ctx, ns, pod, node, known["uid"], known["containers"], f"{ctx.root}{prefix}pods")
    _add_partial_node(ctx, node, version)
    _collection_time(ctx, node, created)
    return version


def _add_cri_log(ctx: ReadContext, ns: str, pod: str, container: str, previous: bool, full: str) -> None:
    vpath = f"logs/{ns}/{pod}/{container}{'.previous' if previous else ''}.log"
    ctx.coverage.read.add(full)
    ctx.bundle.add_log(ns, pod, container, previous,
                       TextFile(full, vpath, _cri_loader(ctx, full), {"size": ctx.source.files.get(full, 0)}))


def _add_partial_pod(ctx: ReadContext, ns: str, pod: str, node: str, uid: str | None, containers: list[str],
                     source: str) -> None:
    md: dict = {"name": pod, "namespace": ns}
    if uid and _UUID.match(uid):
        md["uid"] = uid
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": md,
           "spec": {"nodeName": node, "containers": [{"name": c} for c in containers]}}
    ctx.bundle.add_object(mark_partial(obj, PARTIAL_POD, KNOWN_FROM), source)


def _add_partial_node(ctx: ReadContext, node: str, version: str | None) -> None:
    obj: dict = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": node}}
    if version:
        obj["status"] = {"nodeInfo": {"kubeletVersion": version}}
    ctx.bundle.add_object(mark_partial(obj, PARTIAL_NODE, KNOWN_FROM), f"{ctx.root}{node}")


def _created_from_inspect(ctx: ReadContext, full: str) -> datetime | None:
    """When the node container was created (``docker inspect``: ``Created``, else ``State.StartedAt``)."""
    data = ctx.read(full)
    try:
        doc = orjson.loads(data) if data else None
    except orjson.JSONDecodeError:
        ctx.problem(full, "invalid JSON in docker inspect output")
        return None
    first = doc[0] if isinstance(doc, list) and doc else doc
    if not isinstance(first, dict):
        return None
    state = state_raw if isinstance(state_raw := first.get("State"), dict) else {}
    for value in (first.get("Created"), state.get("StartedAt")):
        when = parse_time(value)
        if when is not None and when.year > 1:
            return when
    return None


def _collection_time(ctx: ReadContext, node: str, created: datetime | None) -> None:
    """The newest journal line of the node.  Syslog lines have no year: it is the year the
    node container was created, or the next one for lines dated before the creation (the
    journal crossed a new year); without ``inspect.json``, the year of a CRI time stamp."""
    full = f"{ctx.root}{node}/journal.log"
    if full not in ctx.source.files:
        full = f"{ctx.root}{node}/kubelet.log"
        if full not in ctx.source.files:
            return
    year = created.year if created is not None else _year_from_cri(ctx, node)
    if year is None:
        return
    data = ctx.read(full)
    if not data:
        return
    newest: datetime | None = None
    for line in data.decode("utf-8", "replace").splitlines()[-200:]:
        m = journal.SYSLOG_LINE.match(line)
        if m is None:
            continue
        when = journal.syslog_time(m, year)
        if when is not None and created is not None and when < created - timedelta(days=1):
            when = journal.syslog_time(m, year + 1)
        if when is not None and (newest is None or when > newest):
            newest = when
    bundle = ctx.bundle
    if newest is not None and (bundle.collected_at is None or newest > bundle.collected_at):
        bundle.collected_at = newest


def _year_from_cri(ctx: ReadContext, node: str) -> int | None:
    """The year of the first CRI time stamp among the node's container logs."""
    for rel, full in ctx.rel_files():
        if rel.startswith(f"{node}/pods/") and rel.endswith(".log"):
            try:
                head = ctx.source.read_head(full, 4096)
            except Exception:  # noqa: BLE001 - unreadable: try the next one
                continue
            m = _CRI_LINE.match(head.split(b"\n", 1)[0])
            when = parse_time(m.group(1).decode("ascii", "replace")) if m else None
            if when is not None:
                return when.year
    return None
