"""What changed between two captures of one cluster: findings, objects, versions, event rates.

Pure functions over two bundles and their findings.  Objects are matched by UID, else by
API group, kind, namespace and name; each is flattened to ``path -> value`` (lists of named
items keyed by their name, conditions by type) so that a change reads
``spec.template.spec.containers[app].image``.  Fields that change without anything happening
(resourceVersion, managedFields, heartbeat and lease-renewal times, observedGeneration) are
ignored; the changes that matter (images, replicas, resources, phase, conditions, restart
counts, node versions, taints, labels) come first, the rest only on request.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analyzer.bundle.model import Bundle
from analyzer.bundle.values import parse_time
from analyzer.engine.findings import SEVERITY_RANK, Finding

# Flattened paths never compared (matched against the path with list keys removed).
NOISE = re.compile(
    r"^(metadata\.(resourceVersion|managedFields|selfLink|generation)(\.|\[|$)"
    r"|status\.observedGeneration$|status\.conditions\[\]\.(lastHeartbeatTime|lastProbeTime)$"
    r"|spec\.renewTime$|spec\.acquireTime$|status\.(containerStatuses|initContainerStatuses)\[\]\.(containerID|imageID)$"
    r"|.*\.observedGeneration$)"
)
# Paths whose change matters first (same form as NOISE).
IMPORTANT = re.compile(
    r"(^|\.)image$|(^|\.)replicas$|Replicas$|\.resources\.|^status\.phase$|^status\.conditions\[\]\.(status|reason)$"
    r"|restartCount$|^status\.nodeInfo\.|^spec\.taints|^metadata\.labels\.|^spec\.unschedulable$"
)
# Kinds compared only as counts (they are new every minute).
UNCOMPARED_KINDS = frozenset({"Event"})
LIST_KEYS = ("name", "type", "key", "uid")


def _md(obj: dict[str, Any]) -> dict[str, Any]:
    md = obj.get("metadata")
    return md if isinstance(md, dict) else {}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list_key(items: list[Any]) -> str | None:
    """The field that names each item of a list of maps, when it is present and unique."""
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in LIST_KEYS:
        values = [i.get(key) for i in items]
        if all(isinstance(v, str | int) for v in values) and len(set(values)) == len(values):
            return key
    return None


def flatten(value: Any, path: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{"spec": {"containers": [{"name": "a", "image": "x"}]}}`` ->
    ``{"spec.containers[a].image": "x"}``; empty maps and lists are kept as leaves."""
    out = {} if out is None else out
    if isinstance(value, dict) and value:
        for k, v in value.items():
            flatten(v, f"{path}.{k}" if path else str(k), out)
    elif isinstance(value, list) and value:
        key = _list_key(value)
        for i, item in enumerate(value):
            flatten(item, f"{path}[{item[key] if key else i}]", out)
    else:
        out[path] = value
    return out


_LIST_INDEX = re.compile(r"\[[^\]]*\]")


def shape(path: str) -> str:
    """A flattened path without its list keys: ``status.conditions[Ready].status`` ->
    ``status.conditions[].status`` (what NOISE and IMPORTANT match)."""
    return _LIST_INDEX.sub("[]", path)


@dataclass
class FieldChange:
    path: str
    old: Any
    new: Any
    important: bool

    def as_dict(self) -> dict[str, Any]:
        d = {"path": self.path, "old": self.old, "new": self.new}
        if self.path.endswith("restartCount") and isinstance(self.old, int) and isinstance(self.new, int):
            d["delta"] = self.new - self.old
        return d


_MISSING = object()


def _redacted(value: Any) -> bool:
    """A value the collector masked (``<redacted...>``): what it was is not in the bundle, so
    a difference to it is not a known change."""
    return isinstance(value, str) and "<redacted" in value


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """The changed leaves of two versions of one object (noise dropped), important first."""
    a, b = flatten(old), flatten(new)
    out = []
    for path in sorted(a.keys() | b.keys()):
        va, vb = a.get(path, _MISSING), b.get(path, _MISSING)
        if va == vb:
            continue
        s = shape(path)
        if NOISE.match(s) or _redacted(va) or _redacted(vb):
            continue
        out.append(FieldChange(path, None if va is _MISSING else va, None if vb is _MISSING else vb,
                               bool(IMPORTANT.search(s))))
    out.sort(key=lambda c: not c.important)
    return out


def object_name(obj: dict[str, Any]) -> str:
    md = _md(obj)
    ns = md.get("namespace") or ""
    return f"{obj.get('kind')}/{ns}/{md.get('name')}" if ns else f"{obj.get('kind')}/{md.get('name')}"


def _natural_key(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    av = obj.get("apiVersion")
    group = av.rsplit("/", 1)[0] if isinstance(av, str) and "/" in av else ""
    md = _md(obj)
    return group, str(obj.get("kind") or ""), str(md.get("namespace") or ""), str(md.get("name") or "")


def match_objects(old: Iterable[dict[str, Any]], new: Iterable[dict[str, Any]]
                  ) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Pairs of the same object (by UID, else group/kind/namespace/name), removed and added."""
    new_list = [o for o in new if o.get("kind") not in UNCOMPARED_KINDS]
    by_uid = {u: o for o in new_list if isinstance(u := _md(o).get("uid"), str) and u}
    by_key = {_natural_key(o): o for o in new_list}
    used: set[int] = set()
    pairs, removed = [], []
    for o in old:
        if o.get("kind") in UNCOMPARED_KINDS:
            continue
        uid = _md(o).get("uid")
        other = by_uid.get(uid) if isinstance(uid, str) and uid else None
        if other is None or id(other) in used:
            other = by_key.get(_natural_key(o))
            # Same name but another UID: the object was deleted and made again.
            ouid = _md(other).get("uid") if other is not None else None
            if other is not None and uid and ouid and ouid != uid:
                other = None
        if other is None or id(other) in used:
            removed.append(o)
            continue
        used.add(id(other))
        pairs.append((o, other))
    added = [o for o in new_list if id(o) not in used]
    return pairs, removed, added


_NOISE_METADATA = ("resourceVersion", "managedFields", "selfLink", "generation")


def _same_but_noise(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal once the metadata noise is set aside (the common case between two captures:
    only resourceVersion moved), without flattening either object."""
    if a.keys() != b.keys():
        return False
    ma, mb = _md(a), _md(b)
    if any(a[k] != b[k] for k in a if k != "metadata"):
        return False
    rest = (ma.keys() | mb.keys()) - set(_NOISE_METADATA)
    return all(ma.get(k) == mb.get(k) for k in rest)


@dataclass
class ObjectChange:
    object: str
    changes: list[FieldChange]

    @property
    def important(self) -> list[FieldChange]:
        return [c for c in self.changes if c.important]

    def as_dict(self, all_fields: bool) -> dict[str, Any]:
        shown = self.changes if all_fields else self.important
        return {"object": self.object, "changes": [c.as_dict() for c in shown],
                "other_changes": len(self.changes) - len(shown)}


def finding_key(f: Finding) -> tuple[str, ...]:
    """What makes two findings of two captures the same: the rule and its grouping key when
    the finding carries one, else the rule and the objects it names."""
    group = getattr(f, "group", None)
    key = group.get("key") if isinstance(group, dict) else getattr(group, "key", None)
    if key:
        return (f.rule_id, "group", str(key))
    return (f.rule_id, *sorted(str(o) for o in f.objects))


@dataclass
class EventRate:
    reason: str
    old_count: int
    new_count: int
    old_per_hour: float | None
    new_per_hour: float | None

    def as_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "old_count": self.old_count, "new_count": self.new_count,
                "old_per_hour": self.old_per_hour, "new_per_hour": self.new_per_hour}


def _event_counts(bundle: Bundle) -> tuple[Counter[str], float | None]:
    """Occurrences per reason (each Event's count) and the hours its events span."""
    counts: Counter[str] = Counter()
    lo: datetime | None = None
    hi: datetime | None = None
    for ev in bundle.objects("Event"):
        raw = ev.get("count")
        n = raw if isinstance(raw, int) and not isinstance(raw, bool) else 1
        counts[str(ev.get("reason") or "")] += max(n, 1)
        for t in (parse_time(ev.get("firstTimestamp")), parse_time(ev.get("lastTimestamp"))):
            if t is not None:
                lo = t if lo is None or t < lo else lo
                hi = t if hi is None or t > hi else hi
    hours = (hi - lo).total_seconds() / 3600 if lo is not None and hi is not None else None
    return counts, (max(hours, 1 / 60) if hours is not None else None)


def event_rates(old: Bundle, new: Bundle) -> list[EventRate]:
    """Events per reason before and after, with rates per hour over each bundle's event span;
    the biggest increases first."""
    (ca, ha), (cb, hb) = _event_counts(old), _event_counts(new)
    rows = []
    for reason in ca.keys() | cb.keys():
        ra = round(ca[reason] / ha, 2) if ha else None
        rb = round(cb[reason] / hb, 2) if hb else None
        rows.append(EventRate(reason, ca[reason], cb[reason], ra, rb))
    rows.sort(key=lambda r: (-((r.new_per_hour or 0) - (r.old_per_hour or 0)), r.reason))
    return rows


def _images(bundle: Bundle) -> set[str]:
    out = set()
    for pod in bundle.objects("Pod"):
        spec = _dict(pod.get("spec"))
        for group in ("initContainers", "containers"):
            items = spec.get(group)
            for c in items if isinstance(items, list) else []:
                if isinstance(c, dict) and isinstance(c.get("image"), str):
                    out.add(c["image"])
    return out


def _kubelets(bundle: Bundle) -> dict[str, str]:
    out = {}
    for n in bundle.objects("Node"):
        info = _dict(n.get("status")).get("nodeInfo")
        if isinstance(info, dict) and isinstance(info.get("kubeletVersion"), str):
            out[str(_md(n).get("name"))] = info["kubeletVersion"]
    return out


@dataclass
class BundleDiff:
    old_source: str
    new_source: str
    new_findings: list[Finding] = field(default_factory=list)
    resolved_findings: list[Finding] = field(default_factory=list)
    persisting_findings: list[tuple[Finding, Finding]] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[ObjectChange] = field(default_factory=list)
    versions: dict[str, Any] = field(default_factory=dict)
    event_rates: list[EventRate] = field(default_factory=list)

    def is_empty(self) -> bool:
        """No new or resolved finding, no object added, removed or changed, no version change."""
        return not (self.new_findings or self.resolved_findings or self.added or self.removed or self.changed
                    or self.versions)

    def as_dict(self, all_fields: bool = False) -> dict[str, Any]:
        def brief(f: Finding) -> dict[str, Any]:
            return {"rule_id": f.rule_id, "severity": f.severity, "title": f.title, "message": f.message,
                    "objects": [str(o) for o in f.objects], "since": f.since}

        changed = [c.as_dict(all_fields) for c in self.changed]
        return {
            "old": self.old_source, "new": self.new_source,
            "findings": {
                "new": [brief(f) for f in self.new_findings],
                "resolved": [brief(f) for f in self.resolved_findings],
                "persisting": [brief(b) | ({"old_severity": a.severity} if a.severity != b.severity else {})
                               for a, b in self.persisting_findings],
            },
            "objects": {"added": self.added, "removed": self.removed,
                        "changed": [c for c in changed if c["changes"] or all_fields],
                        "changed_other_fields_only": sum(1 for c in changed if not c["changes"])},
            "versions": self.versions,
            "event_rates": [r.as_dict() for r in self.event_rates],
        }


def _active(findings: Iterable[Finding]) -> dict[tuple[str, ...], Finding]:
    out: dict[tuple[str, ...], Finding] = {}
    for f in findings:
        if not f.waived:
            out.setdefault(finding_key(f), f)
    return out


def _versions(old: Bundle, new: Bundle) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if (old.cluster_version or None) != (new.cluster_version or None):
        out["cluster"] = {"old": old.cluster_version, "new": new.cluster_version}
    ka, kb = _kubelets(old), _kubelets(new)
    kubelets = {n: {"old": ka.get(n), "new": kb.get(n)} for n in sorted(ka.keys() | kb.keys()) if ka.get(n) != kb.get(n)}
    if kubelets:
        out["kubelet"] = kubelets
    ia, ib = _images(old), _images(new)
    if ia != ib:
        out["images"] = {"added": sorted(ib - ia), "removed": sorted(ia - ib)}
    return out


def diff_bundles(old: Bundle, old_findings: Iterable[Finding], new: Bundle, new_findings: Iterable[Finding]
                 ) -> BundleDiff:
    """Everything that changed from ``old`` to ``new`` (see the module docstring)."""
    fa, fb = _active(old_findings), _active(new_findings)
    rank = {k: -SEVERITY_RANK.get(f.severity, 0) for k, f in (fa | fb).items()}
    d = BundleDiff(old.source, new.source)
    d.new_findings = [fb[k] for k in sorted(fb.keys() - fa.keys(), key=lambda k: (rank[k], k))]
    d.resolved_findings = [fa[k] for k in sorted(fa.keys() - fb.keys(), key=lambda k: (rank[k], k))]
    d.persisting_findings = [(fa[k], fb[k]) for k in sorted(fa.keys() & fb.keys(), key=lambda k: (rank[k], k))]
    pairs, removed, added = match_objects(old.objects_all, new.objects_all)
    d.removed = sorted(object_name(o) for o in removed)
    d.added = sorted(object_name(o) for o in added)
    for a, b in pairs:
        if a == b or _same_but_noise(a, b):
            continue
        changes = field_changes(a, b)
        if changes:
            d.changed.append(ObjectChange(object_name(b), changes))
    d.changed.sort(key=lambda c: (not c.important, c.object))
    d.versions = _versions(old, new)
    d.event_rates = event_rates(old, new)
    return d


def failing(d: BundleDiff, fail_on: str) -> bool:
    """``new-critical`` / ``new-warning``: a new finding at or above that severity."""
    floor = SEVERITY_RANK["critical" if fail_on == "new-critical" else "warning"]
    return any(SEVERITY_RANK.get(f.severity, 0) >= floor for f in d.new_findings)
