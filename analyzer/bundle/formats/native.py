"""The native kbundle format v1 (docs/bundle-format.md).

::

    manifest.json                              {"kbundle_format": 1, ...}
    cluster/<plural>.json                      cluster-scoped kinds, one List each
    namespaces/<ns>/<plural>[.<group>].json    namespaced kinds, one List each
    logs/<ns>/<pod>/<container>.log            current log
    logs/<ns>/<pod>/<container>.previous.log   previous instance
    nodes/<node>/<relpath>                     node files (commands/, files/, metrics/)
"""

from __future__ import annotations

from typing import Any

from analyzer.bundle.formats.common import ReadContext, add_document, parse_json, parse_time
from analyzer.bundle.safe_source import Source

NAME = "native"
FORMAT_VERSION = 1
MARKER = "manifest.json"


def detect(source: Source, roots: list[str]) -> list[str]:
    for root in roots:
        path = root + MARKER
        if path in source.files:
            try:
                data = source.read(path)
            except Exception:  # noqa: BLE001 - unreadable manifest: not a native bundle by content
                continue
            # The whole manifest: writers that sort keys put "files" (megabytes in a large
            # bundle) before "kbundle_format".
            if b'"kbundle_format"' in data:
                return [root]
    return []


def read(ctx: ReadContext) -> None:
    bundle = ctx.bundle
    manifest = _read_manifest(ctx)
    bundle.manifest = manifest
    for rel, full in ctx.rel_files():
        parts = rel.split("/")
        top = parts[0]
        if top == "cluster" and len(parts) == 2 and rel.endswith(".json"):
            _read_list(ctx, full)
        elif top == "namespaces" and len(parts) == 3 and rel.endswith(".json"):
            _read_list(ctx, full)
        elif top == "logs" and len(parts) == 4 and rel.endswith(".log"):
            ns, pod, fname = parts[1], parts[2], parts[3]
            previous = fname.endswith(".previous.log")
            container = fname[: -len(".previous.log")] if previous else fname[: -len(".log")]
            if not container:
                ctx.problem(full, "log file without a container name ignored")
                continue
            bundle.add_log(ns, pod, container, previous, ctx.text(full, rel))
        elif top == "nodes" and len(parts) >= 3:
            node, relpath = parts[1], "/".join(parts[2:])
            bundle.add_node_file(node, relpath, ctx.text(full, rel))
    if manifest is not None:
        _check_listed_files(ctx, manifest)
    if bundle.cluster_version is None and ctx.exists("discovery/version.json"):
        version = ctx.json(ctx.full("discovery/version.json"))
        server = version.get("serverVersion") if isinstance(version, dict) else None
        if isinstance(server, dict) and isinstance(server.get("gitVersion"), str):
            bundle.cluster_version = server["gitVersion"]


def _read_list(ctx: ReadContext, full: str) -> None:
    doc = ctx.json(full)
    if doc is not None:
        add_document(ctx, doc, full, allow_bare_list=False, null_items_ok=False)


def _read_manifest(ctx: ReadContext) -> dict[str, Any] | None:
    bundle = ctx.bundle
    path = ctx.full(MARKER)
    data = ctx.read(path)
    if data is None:
        return None
    manifest = parse_json(bundle, path, data)
    if manifest is None:
        return None
    if not isinstance(manifest, dict):
        ctx.problem(path, "manifest is not a JSON object")
        return None
    version = manifest.get("kbundle_format")
    if not isinstance(version, int) or isinstance(version, bool):
        ctx.problem(path, f"kbundle_format is {version!r}, not an integer")
    elif version > FORMAT_VERSION:
        ctx.problem(path, f"bundle format version {version} is newer than this kbundle reads ({FORMAT_VERSION}); "
                          "reading what it understands")
    cluster = manifest.get("cluster")
    if isinstance(cluster, dict) and isinstance(cluster.get("version"), str) and cluster["version"]:
        bundle.cluster_version = cluster["version"]
    for key in ("collected_at", "finished_at", "started_at"):
        value = manifest.get(key)
        if value is None:
            continue
        when = parse_time(value)
        if when is None:
            ctx.problem(path, f"{key} is not an RFC 3339 time: {str(value)[:60]!r}")
            continue
        bundle.collected_at = when
        break
    errors = manifest.get("errors")
    if isinstance(errors, list):
        for err in errors:
            _collection_error(ctx, path, err)
    return manifest


def _collection_error(ctx: ReadContext, manifest_path: str, err: Any) -> None:
    """Errors the collector recorded become problems of the bundle (data it could not get)."""
    if isinstance(err, dict):
        where = err.get("path") or err.get("command") or manifest_path
        what = err.get("error") or err.get("message") or err
        ctx.problem(str(where), f"collection error: {what}")
    elif isinstance(err, str) and err:
        ctx.problem(manifest_path, f"collection error: {err}")


def _check_listed_files(ctx: ReadContext, manifest: dict[str, Any]) -> None:
    files = manifest.get("files")
    if not isinstance(files, list):
        return
    present = ctx.source.files
    known = {p.path for p in ctx.bundle.problems}
    for entry in files:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            continue
        full = ctx.full(entry["path"])
        if full not in present:
            if full not in known:
                ctx.problem(full, "listed in manifest.json but missing from the bundle")
            continue
        size = entry.get("size")
        if isinstance(size, int) and size != present[full]:
            ctx.problem(full, f"size {present[full]} differs from the {size} bytes recorded in manifest.json "
                              "(truncated or modified)")


def manifest_schema() -> dict[str, Any]:
    """The JSON Schema of manifest.json (shipped in the package)."""
    import json
    from importlib import resources

    text = resources.files("analyzer").joinpath("schemas/manifest.schema.json").read_text(encoding="utf-8")
    return json.loads(text)
