"""Loose ``kubectl get -o json|yaml`` output: a folder, an archive or one file.

Recognised by content, whatever the file names: JSON or YAML holding Kubernetes objects
(``apiVersion`` + ``kind``), Lists (``kind: List`` or typed ``PodList``) or multi-document
YAML.  Read by the generic walker (:mod:`analyzer.bundle.formats.generic`), so that logs,
journals and kind-less objects next to the kubectl output are read too; other text files
(``.log``, ``.txt``) are kept for text rules under their own path.
"""

from __future__ import annotations

import posixpath

from analyzer.bundle.formats import generic
from analyzer.bundle.formats.common import ReadContext
from analyzer.bundle.safe_source import Source

NAME = "kubectl-output"

_HEAD = 64 * 1024
_MAX_PROBES = 500


def detect(source: Source, roots: list[str]) -> list[str]:
    probes = 0
    for path in sorted(source.files, key=lambda p: (not p.endswith(generic.STRUCTURED_EXT), p)):
        if path.endswith(generic.TEXT_EXT) or posixpath.basename(path).startswith("._"):
            continue
        probes += 1
        if probes > _MAX_PROBES:
            break
        try:
            head = source.read_head(path, _HEAD)
        except Exception:  # noqa: BLE001 - unreadable file: it just does not count
            continue
        if generic.looks_like_objects(head):
            return [""]
    return []


def read(ctx: ReadContext) -> None:
    generic.walk(ctx)
