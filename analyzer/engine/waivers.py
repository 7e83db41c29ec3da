"""Waivers: an analyst's decision that some findings are accepted, for a reason, until a date.

File format (YAML; see docs/rules.md "Waivers")::

    waivers:
      - rule: POD-OOMKILLED            # rule id, glob allowed (POD-*)
        objects:                       # optional; any pattern matching any object of the finding
          - {kind: Pod, namespace: "team-*", name: "*"}
        reason: load test, limits are deliberate
        expires: 2026-12-31            # optional; valid through that day

Expiry is checked against today's date on the analyst's clock (a waiver is a policy
decision taken now, not a property of the bundle): from the day after ``expires`` a waiver
no longer applies and is listed in ``expired_waivers``.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from analyzer.engine.findings import Finding, ObjectRef, Waived
from analyzer.rules.yamlpos import YamlError, load_with_positions

WAIVER_KEYS = ("rule", "objects", "reason", "expires")
PATTERN_KEYS = ("kind", "namespace", "name")


class WaiverError(ValueError):
    """An unusable waiver file; the message is one line naming the file and line."""


@dataclass
class Waiver:
    rule: str
    reason: str
    objects: list[dict[str, str]] = field(default_factory=list)
    expires: date | None = None
    line: int = 0
    source: str = ""

    def matches_object(self, ref: ObjectRef) -> bool:
        for pat in self.objects:
            if (fnmatch.fnmatchcase(ref.kind, pat.get("kind", "*"))
                    and fnmatch.fnmatchcase(ref.namespace, pat.get("namespace", "*"))
                    and fnmatch.fnmatchcase(ref.name, pat.get("name", "*"))):
                return True
        return False

    def matches(self, f: Finding) -> bool:
        if not fnmatch.fnmatchcase(f.rule_id, self.rule):
            return False
        if not self.objects:
            return True
        return any(self.matches_object(o) for o in f.objects)

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "objects": self.objects, "reason": self.reason,
                "expires": self.expires.isoformat() if self.expires else None, "source": self.source,
                "line": self.line}


def _parse_date(v: Any) -> date | None:
    if isinstance(v, date):
        return v
    if not isinstance(v, str):
        return None
    try:
        return date.fromisoformat(v.strip()[:10])
    except ValueError:
        return None


def parse_waivers(text: str, source: str) -> list[Waiver]:
    try:
        data, pos = load_with_positions(text)
    except YamlError as e:
        raise WaiverError(f"{source}:{e.line}: {e.message}") from None
    lpos = pos
    if isinstance(data, dict):
        extra = [k for k in data if k != "waivers"]
        if extra:
            raise WaiverError(f"{source}:{pos.key_line(extra[0])}: unknown key '{extra[0]}' (expected 'waivers')")
        lpos = pos.child("waivers")
        data = data.get("waivers")
    if data is None:
        return []
    if not isinstance(data, list):
        raise WaiverError(f"{source}:{lpos.line}: waivers must be a list of {{rule, objects, reason, expires}}")
    return [_parse_one(w, lpos.child(i), i, source) for i, w in enumerate(data)]


def _parse_one(w: Any, wpos: Any, i: int, source: str) -> Waiver:
    def fail(msg: str, key: str | None = None) -> None:
        raise WaiverError(f"{source}:{wpos.key_line(key) if key else wpos.line}: waiver #{i + 1}: {msg}")

    if not isinstance(w, dict):
        fail("must be a mapping with rule, reason and optionally objects, expires")
    for k in w:
        if k not in WAIVER_KEYS:
            fail(f"unknown key '{k}'", k)
    rule = w.get("rule")
    if not isinstance(rule, str) or not rule.strip():
        fail("missing 'rule' (a rule id or glob)")
    reason = w.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        fail("missing 'reason' (why this finding is accepted)")
    objects = w.get("objects") or []
    if not isinstance(objects, list):
        fail("'objects' must be a list of {kind, namespace, name} patterns", "objects")
    pats: list[dict[str, str]] = []
    for p in objects:
        if not isinstance(p, dict) or not p or any(k not in PATTERN_KEYS or not isinstance(v, str)
                                                   for k, v in p.items()):
            fail("each object pattern is a mapping of kind/namespace/name globs (strings)", "objects")
        pats.append(dict(p))
    expires = None
    if w.get("expires") is not None:
        expires = _parse_date(w["expires"])
        if expires is None:
            fail(f"expires {w['expires']!r} is not a date (YYYY-MM-DD)", "expires")
    return Waiver(rule=rule.strip(), reason=reason.strip(), objects=pats, expires=expires, line=wpos.line,
                  source=source)


def load_waivers(path: str | Path) -> list[Waiver]:
    """Read a waiver file; raises :class:`WaiverError` with a one-line message."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WaiverError(f"waivers file {p}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise WaiverError(f"waivers file {p}: cannot read: {e}") from None
    return parse_waivers(text, str(p))


def apply_waivers(findings: list[Finding], waivers: list[Waiver], today: date | None = None) -> list[dict[str, Any]]:
    """Mark findings matched by an unexpired waiver; return the expired waivers (each with
    ``would_match``: how many findings it would have waived)."""
    today = today or date.today()
    active = [w for w in waivers if w.expires is None or w.expires >= today]
    expired = [w for w in waivers if w.expires is not None and w.expires < today]
    for f in findings:
        for w in active:
            if w.matches(f):
                f.waived = Waived(reason=w.reason, expires=w.expires.isoformat() if w.expires else None)
                break
    out = []
    for w in expired:
        d = w.as_dict()
        d["would_match"] = sum(1 for f in findings if w.matches(f))
        out.append(d)
    return out
