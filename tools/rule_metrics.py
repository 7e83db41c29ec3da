"""How readable the built-in pack is: ``python -m tools.rule_metrics [RULES_DIR]``.

Counts, over every JMESPath expression written in the rule files (``each``, ``let``,
``when``, ``history_when``, ``since``, ``objects``, evidence expressions, ``classify``
``of``, ``group_by`` ``key``/``object``, and the shared ``defs``):

* long expressions: more than ``LONG`` characters as written;
* repeated expressions: the same expression (whitespace aside) of at least ``REPEAT_MIN``
  characters written in more than one rule (a shared ``def`` is the place for it);
* the median length of a rule in lines.

tests/rulepack/test_rule_metrics.py holds the pack to the limits of issue #19.
"""

from __future__ import annotations

import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
LONG = 200
REPEAT_MIN = 50
_EXPR_KEYS = ("each", "history_when", "since", "objects")


@dataclass
class Written:
    """One expression as written: where (file, rule id or ``def NAME``, key) and its text."""

    file: str
    owner: str
    key: str
    text: str

    @property
    def normal(self) -> str:
        return " ".join(self.text.split())


def _rule_expressions(rule: dict[str, Any]) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = [(k, rule[k]) for k in _EXPR_KEYS if rule.get(k) is not None]
    for name, value in (rule.get("let") or {}).items():
        out.append((f"let {name}", value))
    when = rule.get("when")
    for w in when if isinstance(when, list) else [when] if when is not None else []:
        out.append(("when", w))
    for item in rule.get("evidence") or []:
        if not isinstance(item, dict):
            continue
        for k in ("field", "objects"):
            if item.get(k) is not None:
                out.append((f"evidence {k}", item[k]))
        for k, sub in (("log", "pod"), ("events", "of")):
            body = item.get(k)
            if isinstance(body, dict) and body.get(sub) is not None:
                out.append((f"evidence {k} {sub}", body[sub]))
    for name, spec in (rule.get("classify") or {}).items():
        if isinstance(spec, dict) and spec.get("of") is not None:
            out.append((f"classify {name}", spec["of"]))
    group = rule.get("group_by")
    if isinstance(group, dict):
        out += [(f"group_by {k}", group[k]) for k in ("key", "object") if group.get(k) is not None]
    return out


def written_expressions(rules_dir: Path) -> tuple[list[Written], list[int]]:
    """Every expression written in the rule files of ``rules_dir``, and each rule's length in lines."""
    found: list[Written] = []
    lengths: list[int] = []
    for path in sorted(rules_dir.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        name = path.relative_to(rules_dir).as_posix()
        rules = data.get("rules") or [] if isinstance(data, dict) else data or []
        if isinstance(data, dict):
            for dname, value in (data.get("defs") or {}).items():
                value = value.get("expr") if isinstance(value, dict) else value
                found.append(Written(name, f"def {dname}", "def", str(value)))
        for rule in rules:
            for key, value in _rule_expressions(rule):
                found.append(Written(name, str(rule.get("id")), key, str(value)))
        lengths += _rule_lengths(text)
    return found, lengths


def _rule_lengths(text: str) -> list[int]:
    """Lines from each rule's ``- id:`` to the next one (or the end of its list)."""
    lines = text.splitlines()
    ids = [(i, len(ln) - len(ln.lstrip())) for i, ln in enumerate(lines) if ln.lstrip().startswith("- id:")]
    if not ids:
        return []
    indent = min(d for _i, d in ids)  # rules, not the cases of a classify
    starts = [i for i, d in ids if d == indent]
    ends = starts[1:] + [len(lines)]
    return [b - a for a, b in zip(starts, ends, strict=True)]


def long_expressions(found: list[Written]) -> list[Written]:
    return [w for w in found if len(w.text) > LONG]


def repeated_expressions(found: list[Written]) -> dict[str, set[str]]:
    """Expressions (of at least REPEAT_MIN characters) written in more than one rule or def -> where."""
    owners: dict[str, set[str]] = defaultdict(set)
    for w in found:
        if len(w.normal) >= REPEAT_MIN:
            owners[w.normal].add(w.owner)
    return {text: who for text, who in owners.items() if len(who) > 1}


def main(argv: list[str]) -> int:
    rules_dir = Path(argv[0]) if argv else ROOT / "rules"
    found, lengths = written_expressions(rules_dir)
    long = long_expressions(found)
    repeated = repeated_expressions(found)
    print(f"expressions: {len(found)}")
    print(f"longer than {LONG} characters: {len(long)}")
    for w in long:
        print(f"  {w.file} {w.owner} {w.key}: {len(w.text)}")
    print(f"repeated (>= {REPEAT_MIN} characters, in several rules): {len(repeated)} "
          f"({sum(len(v) for v in repeated.values())} copies)")
    for text, who in sorted(repeated.items()):
        print(f"  {', '.join(sorted(who))}: {text[:100]}")
    print(f"rules: {len(lengths)}, median length {statistics.median(lengths) if lengths else 0} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
