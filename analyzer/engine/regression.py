"""Recorded-bundle regression: ``bundles/<name>/expected.yaml`` lists the findings a bundle
must produce; replaying it fails on any missing or unexpected finding.

``expected.yaml``::

    findings:
      - {rule: POD-OOMKILLED, object: Pod/default/web-1}
      - {rule: NODE-NOT-READY, object: Node/worker-2}      # cluster-scoped: Kind/name
      - {rule: CLUSTER-VERSION-SKEW, object: null}         # bundle finding without objects

A finding matches an entry by rule id + its first object (``Kind/namespace/name``).  Each
distinct (rule, object) pair is listed once, whatever the number of findings with that key.
Only rules that are loaded are compared (testing one rule file does not report the other
rules' entries as missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.engine.findings import Finding
from analyzer.rules.model import Rule
from analyzer.rules.yamlpos import YamlError, load_with_positions

EXPECTED_FILE = "expected.yaml"
ENTRY_KEYS = ("rule", "object", "note")

Key = tuple[str, str | None]


class ExpectedError(ValueError):
    pass


def finding_key(f: Finding) -> Key:
    return (f.rule_id, str(f.objects[0]) if f.objects else None)


def format_key(k: Key) -> str:
    return f"{k[0]} {k[1] if k[1] is not None else '(no object)'}"


def parse_expected(text: str, source: str) -> set[Key]:
    try:
        data, pos = load_with_positions(text)
    except YamlError as err:
        raise ExpectedError(f"{source}:{err.line}: {err.message}") from None
    if data is None:
        return set()
    if not isinstance(data, dict) or not isinstance(data.get("findings", []), list):
        raise ExpectedError(f"{source}:{pos.line}: expected a mapping with findings: [{{rule, object}}]")
    fpos = pos.child("findings")
    out: set[Key] = set()
    for i, e in enumerate(data.get("findings") or []):
        ln = fpos.key_line(i)
        if not isinstance(e, dict) or not isinstance(e.get("rule"), str):
            raise ExpectedError(f"{source}:{ln}: entry #{i + 1} needs rule (and object)")
        for k in e:
            if k not in ENTRY_KEYS:
                raise ExpectedError(f"{source}:{ln}: entry #{i + 1}: unknown key '{k}'")
        obj = e.get("object")
        if obj is not None and (not isinstance(obj, str) or obj.count("/") not in (1, 2)):
            raise ExpectedError(f"{source}:{ln}: entry #{i + 1}: object must be Kind/namespace/name or Kind/name")
        out.add((e["rule"], obj))
    return out


def load_expected(path: Path) -> set[Key]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ExpectedError(f"{path}: cannot read: {e}") from None
    return parse_expected(text, str(path))


@dataclass
class Replay:
    bundle: str
    missing: list[Key] = field(default_factory=list)
    unexpected: list[Key] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    findings: int = 0
    ignored: int = 0  # expected entries of rules not loaded

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unexpected or self.errors)

    def report(self) -> str:
        if self.ok:
            extra = f", {self.ignored} entries of rules not loaded ignored" if self.ignored else ""
            return f"ok    {self.bundle}: {self.findings} findings as expected{extra}"
        lines = [f"FAIL  {self.bundle}:"]
        lines += [f"        - missing     {format_key(k)}" for k in self.missing]
        lines += [f"        + unexpected  {format_key(k)}" for k in self.unexpected]
        lines += [f"        ! {e}" for e in self.errors]
        return "\n".join(lines)


def compare(expected: set[Key], findings: list[Finding], rule_ids: set[str], name: str) -> Replay:
    produced = {finding_key(f) for f in findings if f.waived is None}
    considered = {k for k in expected if k[0] in rule_ids}
    rep = Replay(bundle=name, findings=len(produced), ignored=len(expected - considered))
    rep.missing = sorted(considered - produced, key=lambda k: (k[0], k[1] or ""))
    rep.unexpected = sorted(produced - considered, key=lambda k: (k[0], k[1] or ""))
    return rep


def replay_bundle(bundle_dir: Path, rules: list[Rule]) -> Replay:
    """Read the bundle, run ``rules``, compare with its expected.yaml."""
    from analyzer.bundle.reader import BundleError, open_bundle
    from analyzer.engine.evaluate import analyze_bundle

    name = str(bundle_dir)
    try:
        expected = load_expected(bundle_dir / EXPECTED_FILE)
    except ExpectedError as e:
        return Replay(bundle=name, errors=[str(e)])
    try:
        bundle = open_bundle(bundle_dir)
    except BundleError as e:
        return Replay(bundle=name, errors=[f"cannot read bundle: {e}"])
    try:
        result = analyze_bundle(bundle, rules)
    finally:
        close = getattr(bundle, "close", None)
        if close is not None:
            close()
    rep = compare(expected, result.findings, {r.id for r in rules}, name)
    rep.errors += [f"rule error {e.rule_id}: {e.error}" for e in result.rule_errors]
    return rep


def find_recorded_bundles(root: Path) -> list[Path]:
    """``root`` itself when it holds expected.yaml, else its sub-directories that do."""
    if (root / EXPECTED_FILE).is_file():
        return [root]
    if not root.is_dir():
        return []
    return sorted(d for d in root.iterdir() if d.is_dir() and (d / EXPECTED_FILE).is_file())


def describe(rep: Replay) -> dict[str, Any]:
    return {"bundle": rep.bundle, "ok": rep.ok, "missing": [format_key(k) for k in rep.missing],
            "unexpected": [format_key(k) for k in rep.unexpected], "errors": rep.errors}
