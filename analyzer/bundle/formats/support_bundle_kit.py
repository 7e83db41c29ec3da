"""Rancher support-bundle-kit bundles (Harvester, Longhorn): a zip whose root folder is
``supportbundle_<uuid>_<time>/`` (``harvester-supportbundle_...`` in early versions).

Layout (rancher/support-bundle-kit ``pkg/manager``)::

    metadata.yaml                      BundleMeta written by yaml.v2: lower-cased keys
                                       (kubernetesversion, bundlecreatedat, projectname, ...)
    bundleGenerationError.log          what the manager could not collect, one line each
    yamls/cluster/<group/version>/<resource>.yaml                 discovered resources (List)
    yamls/namespaced/<ns>/<group/version>/<resource>.yaml         (core group: ``v1``)
    yamls/{cluster,namespaced/<ns>}/{kubernetes,harvester,kubevirt,cdi}/<resource>.yaml  (before v0.0.14)
    logs/<ns>/<pod>/<container>.log    current container logs
    nodes/<node>.zip                   the node agent's zip: <node>/logs/*.log, <node>/configs/...,
                                       <node>/hostinfos/...
    external/                          other products' own bundles (Longhorn's zip): not read

The manager rewrites every ``null`` and every empty string of the API's JSON to the string
``"null"`` before encoding (``toObjCommon``); such values are dropped again here, so rules
see absent fields, not the word ``null``.

Node archives are opened with the same limits as the bundle (the caps on file size, entry
count and the total size left), from a private temporary copy removed when the bundle is
closed; an archive inside a node archive is not opened.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from typing import Any

from analyzer.bundle.formats.common import ReadContext, add_document, parse_time
from analyzer.bundle.formats.host_files import journal_file, text_or_gunzipped
from analyzer.bundle.formats.troubleshoot import KINDS
from analyzer.bundle.safe_source import Source, SourceError, open_source

NAME = "support-bundle-kit"

# node archive file (below <node>/) -> native node file
NODE_LOGS = {
    "logs/dmesg.log": "commands/dmesg.txt",
    "logs/kernel.log": "commands/dmesg.txt",  # journalctl -k: the kernel ring buffer with times
    "logs/kubelet.log": journal_file("kubelet"),
    "logs/containerd.log": journal_file("containerd"),
    "logs/syslog.log": "files/var/log/syslog",
    "logs/console.log": "files/var/log/console.log",
}
_ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".txz", ".tar.xz", ".gz")
MAX_ERROR_LINES = 50


def detect(source: Source, roots: list[str]) -> list[str]:
    for root in roots:
        if root + "yamls" in source.dirs and (
            root + "metadata.yaml" in source.files or root + "nodes" in source.dirs or root + "logs" in source.dirs
        ):
            return [root]
    return []


def read(ctx: ReadContext) -> None:
    nested = _NestedSpace(ctx)
    for rel, full in ctx.rel_files():
        parts = rel.split("/")
        if rel == "metadata.yaml":
            _metadata(ctx, full)
        elif rel == "bundleGenerationError.log":
            _generation_errors(ctx, full)
        elif parts[0] == "yamls" and rel.endswith((".yaml", ".yml")) and len(parts) >= 3:
            _objects(ctx, full, parts)
        elif parts[0] == "logs" and len(parts) == 4 and parts[3].endswith(".log"):
            ns, pod, container = parts[1], parts[2], parts[3][: -len(".log")]
            ctx.bundle.add_log(ns, pod, container, False, ctx.text(full, f"logs/{ns}/{pod}/{container}.log"))
        elif parts[0] == "nodes" and len(parts) == 2 and rel.endswith(".zip"):
            _node_archive(ctx, nested, full, parts[1][: -len(".zip")])
        elif parts[0] == "external":
            continue
        elif rel.endswith((".log", ".txt")):
            ctx.bundle.other_files[rel] = ctx.text(full, rel)


def _metadata(ctx: ReadContext, full: str) -> None:
    docs = ctx.yaml_docs(full) or []
    meta = docs[0] if docs and isinstance(docs[0], dict) else {}
    lower = {str(k).lower(): v for k, v in meta.items()}
    version = lower.get("kubernetesversion")
    if isinstance(version, str) and version.startswith("v"):
        ctx.bundle.cluster_version = version
    created = parse_time(lower.get("bundlecreatedat"))
    if created is not None:
        ctx.bundle.collected_at = created


def _generation_errors(ctx: ReadContext, full: str) -> None:
    data = ctx.read(full) or b""
    lines = [ln.strip() for ln in data.decode("utf-8", "replace").splitlines() if ln.strip()]
    for line in lines[:MAX_ERROR_LINES]:
        ctx.problem(full, f"collection error: {line}")
    if len(lines) > MAX_ERROR_LINES:
        ctx.problem(full, f"{len(lines) - MAX_ERROR_LINES} more collection error(s)")


def drop_null_strings(value: Any) -> Any:
    """Undo the manager's ``null``/``""`` -> ``"null"`` rewrite: map keys whose value is the
    string ``"null"`` are removed, list items become ``""``."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            for k in [k for k, x in v.items() if x == "null"]:
                del v[k]
            stack.extend(x for x in v.values() if isinstance(x, dict | list))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                if x == "null":
                    v[i] = ""
                elif isinstance(x, dict | list):
                    stack.append(x)
    return value


def _objects(ctx: ReadContext, full: str, parts: list[str]) -> None:
    resource = parts[-1].rsplit(".", 1)[0]
    kind, api = KINDS.get(resource.lower(), (None, None))
    for doc in ctx.yaml_docs(full) or ():
        add_document(ctx, drop_null_strings(doc), full, kind, api)


# --------------------------------------------------------------------------- node archives
def _node_archive(ctx: ReadContext, nested: _NestedSpace, full: str, node: str) -> None:
    """Open ``nodes/<node>.zip`` under the bundle's limits and attach its files to ``node``."""
    inner = nested.open(full)
    if inner is None:
        return
    for path, reason in inner.problems:
        ctx.problem(f"{full}!{path}", reason)
    for path in sorted(inner.files):
        rel = path.split("/", 1)[1] if path.startswith(node + "/") else path
        relpath = _node_file_name(rel)
        if relpath is None:
            ctx.problem(f"{full}!{path}", "archive inside a node archive; not opened")
            continue
        if (node, relpath) in ctx.bundle.node_files:
            relpath = "collector/" + rel
        sub = ReadContext(inner, "", ctx.bundle, ctx.limits)
        tf = text_or_gunzipped(sub, path, f"nodes/{node}/{relpath}")
        tf.path = f"{full}!{path}"
        ctx.bundle.add_node_file(node, relpath, tf)


def _node_file_name(rel: str) -> str | None:
    if rel.endswith(_ARCHIVES) and not rel.endswith(".log.gz"):
        return None
    if rel in NODE_LOGS:
        return NODE_LOGS[rel]
    if rel.startswith("logs/") and rel.count("/") == 1 and rel.endswith(".log"):
        return journal_file(rel[len("logs/"):-len(".log")])  # journalctl -u <unit> > <unit>.log
    if rel.startswith("configs/"):
        return "files/" + rel[len("configs/"):]
    return "collector/" + rel


class _NestedSpace:
    """Opens archives found inside the bundle with the bundle's limits: the same caps on one
    file and on the entry count, and a total cap of what the bundle's own files and the
    archives opened so far leave."""

    def __init__(self, ctx: ReadContext) -> None:
        self.ctx = ctx
        self.used = sum(ctx.source.files.values())

    def open(self, full: str) -> Source | None:
        ctx = self.ctx
        left = ctx.limits.max_total_bytes - self.used
        if left <= 0:
            ctx.problem(full, "no room left under --max-total-bytes; node archive not opened")
            return None
        data = ctx.read(full)
        if data is None:
            return None
        if not data.startswith(b"PK\x03\x04"):
            ctx.problem(full, "not a zip archive; node archive not opened")
            return None
        limits = ctx.limits.replace(max_total_bytes=left)
        tmp = tempfile.mkdtemp(prefix="kbundle-nested-")
        cleanup = weakref.finalize(ctx.bundle, shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "0.zip")
        with open(path, "wb") as f:
            f.write(data)
        del data
        try:
            inner = open_source(path, limits)
        except SourceError as e:
            ctx.problem(full, str(e).replace(path, "node archive"))
            cleanup()
            return None
        except (OSError, ValueError, EOFError) as e:
            ctx.problem(full, f"cannot read the node archive ({type(e).__name__}: {e})")
            cleanup()
            return None

        def close() -> None:
            inner.close()
            cleanup()

        ctx.bundle.on_close(close)
        self.used += sum(inner.files.values())
        return inner
