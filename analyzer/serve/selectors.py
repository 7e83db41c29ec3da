"""Label and field selectors in the string form the Kubernetes API accepts.

Label selectors: ``a=b``, ``a==b``, ``a!=b``, ``a in (x,y)``, ``a notin (x)``, ``a``, ``!a``,
``a>1``, ``a<1``, comma-separated (all must hold).  Field selectors: ``path=value``,
``path==value``, ``path!=value`` with backslash escapes (``\\,``, ``\\=``, ``\\\\``) as
client-go writes them.  Field paths are dotted paths into the object (``spec.nodeName``,
``involvedObject.uid``); a missing field has the value ``""`` as on the API server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class SelectorError(ValueError):
    """A selector string that cannot be parsed; the message is one line for a 400 Status."""


@dataclass(frozen=True)
class LabelRequirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!", ">", "<"
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, Any]) -> bool:
        present = self.key in labels
        value = str(labels.get(self.key)) if present else None
        if self.op == "=":
            return present and value == self.values[0]
        if self.op == "!=":
            return not present or value != self.values[0]
        if self.op == "in":
            return present and value in self.values
        if self.op == "notin":
            return not present or value not in self.values
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op in (">", "<"):
            if not present:
                return False
            try:
                have, want = int(str(value)), int(self.values[0])
            except ValueError:
                return False
            return have > want if self.op == ">" else have < want
        return False


_KEY = r"[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)?"
_NOT_EXISTS = re.compile(rf"^!\s*({_KEY})$")
_EXISTS = re.compile(rf"^({_KEY})$")
_COMPARE = re.compile(rf"^({_KEY})\s*(==|!=|=|>|<)\s*({_VALUE})$")
_SET = re.compile(rf"^({_KEY})\s+(in|notin)\s*\((.*)\)$")


def _split_terms(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    cur: list[str] = []
    terms, depth = [], 0
    for c in text:
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if c == "," and depth == 0:
            terms.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    terms.append("".join(cur))
    return terms


def parse_label_selector(text: str | None) -> list[LabelRequirement]:
    """Parse a label selector string; empty means "everything"."""
    reqs: list[LabelRequirement] = []
    if not text or not text.strip():
        return reqs
    for raw in _split_terms(text):
        term = raw.strip()
        if m := _NOT_EXISTS.match(term):
            reqs.append(LabelRequirement(m.group(1), "!"))
        elif m := _SET.match(term):
            values = tuple(v.strip() for v in m.group(3).split(",") if v.strip())
            if not all(re.fullmatch(_VALUE, v) for v in values):
                raise SelectorError(f"unable to parse requirement: {term!r} in label selector {text!r}")
            reqs.append(LabelRequirement(m.group(1), m.group(2), values))
        elif m := _COMPARE.match(term):
            op = "=" if m.group(2) == "==" else m.group(2)
            if op in (">", "<") and not m.group(3).isdigit():
                raise SelectorError(f"for 'Gt', 'Lt' operators, the value must be an integer: {text!r}")
            reqs.append(LabelRequirement(m.group(1), op, (m.group(3),)))
        elif m := _EXISTS.match(term):
            reqs.append(LabelRequirement(m.group(1), "exists"))
        else:
            raise SelectorError(f"unable to parse requirement: {term!r} in label selector {text!r}")
    return reqs


def labels_of(obj: dict[str, Any]) -> dict[str, Any]:
    md = obj.get("metadata")
    labels = md.get("labels") if isinstance(md, dict) else None
    return labels if isinstance(labels, dict) else {}


def label_selector_matcher(text: str | None) -> Callable[[dict[str, Any]], bool]:
    reqs = parse_label_selector(text)
    if not reqs:
        return lambda _obj: True
    return lambda obj: all(r.matches(labels_of(obj)) for r in reqs)


@dataclass(frozen=True)
class FieldRequirement:
    path: str
    negate: bool
    value: str


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    cur: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            cur.append(text[i : i + 2])
            i += 2
            continue
        if c == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse_field_selector(text: str | None) -> list[FieldRequirement]:
    reqs: list[FieldRequirement] = []
    if not text or not text.strip():
        return reqs
    for term in _split_unescaped(text, ","):
        if not term.strip():
            continue
        m = re.match(r"^\s*([A-Za-z0-9_.\-/]+)\s*(!=|==|=)(.*)$", term, re.DOTALL)
        if not m:
            raise SelectorError(f"invalid selector: '{term}'; can't understand '{term}'")
        reqs.append(FieldRequirement(m.group(1), m.group(2) == "!=", _unescape(m.group(3))))
    return reqs


# Field labels the API server maps to a different path.
_FIELD_ALIASES = {
    ("Event", "source"): "source.component",
    ("Event", "reportingComponent"): "reportingComponent",
}


def field_value(obj: dict[str, Any], path: str) -> str:
    """The string value of a dotted path in ``obj`` ("" when missing)."""
    path = _FIELD_ALIASES.get((str(obj.get("kind")), path), path)
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    if isinstance(cur, (dict, list)):
        return ""
    return str(cur)


def field_selector_matcher(text: str | None) -> Callable[[dict[str, Any]], bool]:
    reqs = parse_field_selector(text)
    if not reqs:
        return lambda _obj: True

    def match(obj: dict[str, Any]) -> bool:
        for r in reqs:
            equal = field_value(obj, r.path) == r.value
            if equal == r.negate:
                return False
        return True

    return match


def format_label_selector(selector: Any) -> str:
    """A LabelSelector (or plain map) as kubectl prints it; ``<none>`` when it selects
    everything or nothing."""
    if not isinstance(selector, dict):
        return "<none>"
    if "matchLabels" in selector or "matchExpressions" in selector:
        ml = ml_raw if isinstance(ml_raw := selector.get("matchLabels"), dict) else {}
        exprs = exprs_raw if isinstance(exprs_raw := selector.get("matchExpressions"), list) else []
    else:
        ml, exprs = selector, []
    parts: list[tuple[str, str]] = [(str(k), f"{k}={v}") for k, v in ml.items()]
    for e in exprs:
        if not isinstance(e, dict):
            continue
        key, op = str(e.get("key") or ""), e.get("operator")
        values = sorted(str(v) for v in (e.get("values") or []) if v is not None)
        if op == "In":
            parts.append((key, f"{key} in ({','.join(values)})"))
        elif op == "NotIn":
            parts.append((key, f"{key} notin ({','.join(values)})"))
        elif op == "Exists":
            parts.append((key, key))
        elif op == "DoesNotExist":
            parts.append((key, f"!{key}"))
    text = ",".join(p for _k, p in sorted(parts, key=lambda kp: kp[0]))
    return text or "<none>"


def format_labels(labels: Any) -> str:
    """A label map as ``k=v,k2=v2`` (sorted), ``<none>`` when empty."""
    if not isinstance(labels, dict) or not labels:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items(), key=lambda kv: str(kv[0])))
