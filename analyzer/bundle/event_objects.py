"""Objects known only from events: the object is gone (a deleted Job, a replaced pod) but
the events about it remain in the bundle.

For every namespaced ``involvedObject`` (``regarding``) the bundle does not hold, one
*partial* object is added to the model (:func:`analyzer.bundle.partial.mark_partial`) with
what the event tells: kind, apiVersion, namespace, name, uid, and the annotation
``kbundle.io/known-from: events``.  Object rules then see it (and its events through
``events(obj)``) and report it as history; nothing else about it is invented: its spec and
status are unknown, not empty.

Cluster-scoped objects (Nodes) are not derived: a Node rule must only see the Nodes the
bundle collected.
"""

from __future__ import annotations

from typing import Any

from analyzer.bundle.model import CLUSTER_SCOPED_KINDS, Bundle
from analyzer.bundle.partial import KNOWN_FROM_ANNOTATION, mark_partial

# What an object built from an event's involvedObject lacks.
EVENT_OBJECT_MISSING = ("metadata.creationTimestamp", "metadata.labels", "metadata.ownerReferences", "spec", "status")


def is_known_only_from_events(obj: Any) -> bool:
    md = obj.get("metadata") if isinstance(obj, dict) else None
    ann = md.get("annotations") if isinstance(md, dict) else None
    return isinstance(ann, dict) and ann.get(KNOWN_FROM_ANNOTATION) == "events"


def _involved(ev: dict[str, Any]) -> dict[str, Any] | None:
    inv = ev.get("involvedObject") or ev.get("regarding")
    return inv if isinstance(inv, dict) else None


def event_object(inv: dict[str, Any]) -> dict[str, Any] | None:
    """The partial object an event's involvedObject describes, or None when it names no
    namespaced object."""
    kind, ns, name = inv.get("kind"), inv.get("namespace"), inv.get("name")
    if not all(isinstance(x, str) and x for x in (kind, ns, name)) or kind in CLUSTER_SCOPED_KINDS or kind == "Event":
        return None
    md: dict[str, Any] = {"name": name, "namespace": ns, "annotations": {KNOWN_FROM_ANNOTATION: "events"}}
    if isinstance(inv.get("uid"), str) and inv["uid"]:
        md["uid"] = inv["uid"]
    obj = {"apiVersion": inv.get("apiVersion") if isinstance(inv.get("apiVersion"), str) else "v1",
           "kind": kind, "metadata": md}
    return mark_partial(obj, EVENT_OBJECT_MISSING)


def add_event_objects(bundle: Bundle) -> int:
    """Add one partial object per namespaced object that only events name; returns how many.
    Safe to call again: an object already in the bundle (derived or collected) is kept."""
    added = 0
    for ev in list(bundle.objects("Event")):
        inv = _involved(ev)
        if inv is None:
            continue
        key = (inv.get("kind"), inv.get("namespace"), inv.get("name"))
        if not all(isinstance(x, str) and x for x in key):
            continue
        if bundle.get(str(key[0]), str(key[1]), str(key[2])) is not None:
            continue
        obj = event_object(inv)
        if obj is not None and bundle.add_object(obj, bundle.source_of(ev)):
            added += 1
    return added
