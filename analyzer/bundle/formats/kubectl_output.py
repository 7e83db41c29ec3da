"""Loose ``kubectl get -o json|yaml`` output: a folder, an archive or one file.

Recognised by content, whatever the file names: JSON or YAML holding Kubernetes objects
(``apiVersion`` + ``kind``), Lists (``kind: List`` or typed ``PodList``) or multi-document
YAML.  Other text files (``.log``, ``.txt``) are kept for text rules under their own path.
"""

from __future__ import annotations

import re

from analyzer.bundle.formats.common import ReadContext, add_document, kubernetes_version_from_objects
from analyzer.bundle.safe_source import Source

NAME = "kubectl-output"

_HEAD = 64 * 1024
_MAX_PROBES = 500
_JSON_API = re.compile(rb'"apiVersion"\s*:')
_JSON_KIND = re.compile(rb'"kind"\s*:')
_YAML_KIND = re.compile(rb"^\s*-?\s*kind:\s*\S", re.MULTILINE)
_YAML_API = re.compile(rb"^\s*-?\s*apiVersion:\s*\S", re.MULTILINE)
_STRUCTURED_EXT = (".json", ".yaml", ".yml")
_TEXT_EXT = (".log", ".txt")


def looks_like_objects(head: bytes) -> str | None:
    """``"json"`` / ``"yaml"`` when the start of a file looks like Kubernetes objects."""
    start = head.lstrip()[:1]
    if start in (b"{", b"[") and _JSON_API.search(head) and _JSON_KIND.search(head):
        return "json"
    if _YAML_KIND.search(head) and _YAML_API.search(head):
        return "yaml"
    return None


def detect(source: Source, roots: list[str]) -> list[str]:
    probes = 0
    for path in sorted(source.files, key=lambda p: (not p.endswith(_STRUCTURED_EXT), p)):
        if path.endswith(_TEXT_EXT):
            continue
        probes += 1
        if probes > _MAX_PROBES:
            break
        try:
            head = source.read_head(path, _HEAD)
        except Exception:  # noqa: BLE001 - unreadable file: it just does not count
            continue
        if looks_like_objects(head):
            return [""]
    return []


def read(ctx: ReadContext) -> None:
    bundle = ctx.bundle
    for rel, full in ctx.rel_files():
        if rel.endswith(_TEXT_EXT):
            bundle.other_files[rel] = ctx.text(full, rel)
            continue
        data = ctx.read(full)
        if data is None:
            continue
        kind = looks_like_objects(data[:_HEAD])
        if kind is None:
            if rel.endswith(_STRUCTURED_EXT):
                ctx.problem(full, "no Kubernetes objects (apiVersion and kind) found; file ignored")
            continue
        docs = [ctx.json(full, data)] if kind == "json" else ctx.yaml_docs(full, data)
        for doc in docs or ():
            if doc is not None:
                add_document(ctx, doc, full)
    if bundle.cluster_version is None:
        bundle.cluster_version = kubernetes_version_from_objects(bundle)
