"""Write docs/rules-catalog.md from the built-in rules: ``python -m tools.gen_catalog``.

For each rule: id, severity, category, what it detects (title and description), what its
findings are grouped by (``group_by``: label and key), when a finding is history rather than
current (``history_when``, and whether it also reports objects known only from events), the scenarios it covers, and an example message: the message the rule produces on its first
matching inline example, rendered by the engine.  ``--check`` exits 1 when the file on
disk differs from what would be written (used by the test suite).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analyzer.engine.evaluate import analyze_bundle, load_rules
from analyzer.engine.examples import example_bundle

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "rules-catalog.md"


def _cell(s: str) -> str:
    return " ".join(str(s).split()).replace("|", "\\|")


def example_message(rule) -> str:
    for ex in rule.examples:
        if ex.get("expect", "match") != "match":
            continue
        result = analyze_bundle(example_bundle(ex), [rule])
        mine = [f for f in result.findings if f.rule_id == rule.id]
        if mine:
            return mine[0].message
    return ""


def _code(expr: object) -> str:
    return "`" + _cell(expr).replace("`", "'") + "`"


def grouping(rule) -> str:
    """What the findings of ``rule`` are grouped by: label and key expression (text scope: the unit)."""
    if rule.grouping is not None:
        spec = rule.raw.get("group_by") or {}
        return f"{_cell(rule.grouping.label)}: {_code(spec.get('key', ''))}"
    if rule.scope == "text":
        return f"{rule.group_by} (one finding per {rule.group_by})"
    return "not grouped (one finding per object / element)"


def history(rule) -> str:
    """When a finding of ``rule`` is history (info) instead of current."""
    when = rule.raw.get("history_when")
    text = f"history (info) when {_code(when)}" if when is not None else "always current"
    if rule.known_from_events:
        text += "; also reports objects known only from events (deleted or replaced)"
    return text


def render() -> str:
    loaded = load_rules([], builtin=True)
    if loaded.issues:
        raise SystemExit("rule lint errors:\n" + "\n".join(str(i) for i in loaded.issues[:20]))
    rules = sorted(loaded.rules, key=lambda r: (r.category, r.id))
    lines = [
        "# Built-in rule catalogue",
        "",
        "Generated from `rules/*.yaml` by `python -m tools.gen_catalog`; do not edit by hand.",
        f"{len(rules)} rules. The example message is what the rule says on its first matching inline example.",
        "",
    ]
    by_scenario: dict[str, list[str]] = {}
    for r in rules:
        for s in r.scenarios:
            by_scenario.setdefault(s, []).append(r.id)
    cat = None
    for r in rules:
        if r.category != cat:
            cat = r.category
            lines += [f"## {cat}", "", "| id | severity | detects | groups by | history | scenarios | example message |",
                      "|---|---|---|---|---|---|---|"]
        detects = _cell(r.title + (f". {r.description}" if r.description else ""))
        lines.append(f"| `{r.id}` | {r.severity} | {detects} | {grouping(r)} | {history(r)} | {', '.join(r.scenarios)} "
                     f"| {_cell(example_message(r))} |")
        nxt = rules[rules.index(r) + 1] if rules.index(r) + 1 < len(rules) else None
        if nxt is None or nxt.category != cat:
            lines.append("")
    lines += ["## Scenarios covered", "", "| scenario | rules |", "|---|---|"]
    for s in sorted(by_scenario):
        lines.append(f"| {s} | {', '.join(f'`{i}`' for i in by_scenario[s])} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/rules-catalog.md is out of date")
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text() != text:
            print("docs/rules-catalog.md is out of date: run python -m tools.gen_catalog", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
