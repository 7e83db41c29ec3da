"""Partly-known objects: what a reader built from incomplete data (a ``kubectl get -o wide``
text table, an event about a deleted pod) says so on the object itself.

The mark is the annotation ``kbundle.io/partial``: a comma-separated, sorted list of the
parts of the object the source did not give (``spec``, ``status.containerStatuses``, ...).
An annotation (not a side table) travels with the object everywhere it goes: rules can test
it (``obj.metadata.annotations."kbundle.io/partial"``), ``kbundle serve`` hands it to kubectl,
reports can show it.  Rules that need a listed part skip the object and say what they could
not check, instead of taking the absent part for an empty one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

PARTIAL_ANNOTATION = "kbundle.io/partial"
# A partial object read from a kubectl table keeps the row as printed: a JSON object of
# column header -> cell (READY, STATUS, RESTARTS, ROLES ... that the object cannot hold).
TABLE_COLUMNS_ANNOTATION = "kbundle.io/kubectl-columns"


def mark_partial(obj: dict[str, Any], missing: Iterable[str]) -> dict[str, Any]:
    """Mark ``obj`` as partly known, ``missing`` naming the absent parts (merged with any
    already listed).  Returns ``obj``."""
    md = obj.get("metadata")
    if not isinstance(md, dict):
        md = obj["metadata"] = {}
    annotations = md.get("annotations")
    if not isinstance(annotations, dict):
        annotations = md["annotations"] = {}
    parts = set(partial_parts(obj) or ())
    parts.update(m for m in missing if isinstance(m, str) and m)
    annotations[PARTIAL_ANNOTATION] = ",".join(sorted(parts))
    return obj


def partial_parts(obj: Any) -> list[str] | None:
    """The parts a partly-known object lacks, or None when the object is complete."""
    md = obj.get("metadata") if isinstance(obj, dict) else None
    annotations = md.get("annotations") if isinstance(md, dict) else None
    value = annotations.get(PARTIAL_ANNOTATION) if isinstance(annotations, dict) else None
    if not isinstance(value, str):
        return None
    return [p for p in value.split(",") if p]


def is_partial(obj: Any) -> bool:
    return partial_parts(obj) is not None


def table_columns(obj: Any) -> dict[str, str] | None:
    """The kubectl table row a partial object was read from, or None."""
    if not is_partial(obj):
        return None
    raw = obj["metadata"]["annotations"].get(TABLE_COLUMNS_ANNOTATION)
    try:
        row = orjson.loads(raw) if isinstance(raw, str) else None
    except orjson.JSONDecodeError:
        return None
    return {str(k): str(v) for k, v in row.items()} if isinstance(row, dict) else None
