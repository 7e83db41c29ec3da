"""Events in the two shapes the API server serves the same objects in: core ``v1``
(``involvedObject``, ``message``, ``count``) and ``events.k8s.io/v1`` (``regarding``,
``note``, ``deprecatedCount``).  A bundle holds either; both resources list all of them."""

from __future__ import annotations

from typing import Any

# core v1 field -> events.k8s.io/v1 field
_CORE_TO_NEW = {
    "involvedObject": "regarding",
    "message": "note",
    "source": "deprecatedSource",
    "firstTimestamp": "deprecatedFirstTimestamp",
    "lastTimestamp": "deprecatedLastTimestamp",
    "count": "deprecatedCount",
    "reportingComponent": "reportingController",
}
_NEW_TO_CORE = {v: k for k, v in _CORE_TO_NEW.items()}
_COMMON = ("metadata", "eventTime", "series", "reportingInstance", "action", "reason", "related", "type")


def is_new_shape(event: dict[str, Any]) -> bool:
    return str(event.get("apiVersion") or "").startswith("events.k8s.io/")


def as_core(event: dict[str, Any]) -> dict[str, Any]:
    """The event in core v1 shape (returned unchanged when it already is)."""
    if not is_new_shape(event):
        return event
    out: dict[str, Any] = {"apiVersion": "v1", "kind": "Event"}
    for key in _COMMON:
        if event.get(key) is not None:
            out[key] = event[key]
    for new, core in _NEW_TO_CORE.items():
        if event.get(new) is not None:
            out[core] = event[new]
    return out


def as_new(event: dict[str, Any]) -> dict[str, Any]:
    """The event in events.k8s.io/v1 shape (returned unchanged when it already is)."""
    if is_new_shape(event):
        return event
    out: dict[str, Any] = {"apiVersion": "events.k8s.io/v1", "kind": "Event"}
    for key in _COMMON:
        if event.get(key) is not None:
            out[key] = event[key]
    for core, new in _CORE_TO_NEW.items():
        if event.get(core) is not None:
            out[new] = event[core]
    return out
