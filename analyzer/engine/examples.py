"""Running the inline examples of rules (``kbundle rules test``).

Each example becomes a small in-memory bundle (its ``objects``, its ``files`` placed at
their virtual paths, its ``cluster_version`` and ``collected_at``) and only that rule runs
over it: an ``expect: match`` example must give at least one finding of the rule (exactly
``count`` when given), an ``expect: no_match`` example none, and neither may raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyzer.bundle.model import Bundle, text_from_bytes
from analyzer.bundle.values import parse_time
from analyzer.engine.evaluate import analyze_bundle
from analyzer.rules.model import Rule

DEFAULT_COLLECTED_AT = "2024-01-01T00:00:00Z"
_TIME_KEY_SUFFIXES = ("Timestamp", "Time", "time", "At")


@dataclass
class ExampleResult:
    rule_id: str
    name: str
    expect: str
    ok: bool
    detail: str
    source: str

    def __str__(self) -> str:
        status = "ok" if self.ok else "FAIL"
        return f"{status}  {self.rule_id}: example '{self.name}' (expect {self.expect}){': ' + self.detail if self.detail else ''}"


def _latest_time(value: Any, best: list[Any], depth: int = 0) -> None:
    if depth > 30:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, str) and isinstance(k, str) and k.endswith(_TIME_KEY_SUFFIXES):
                t = parse_time(v)
                if t is not None and (best[0] is None or t > best[0]):
                    best[0] = t
            else:
                _latest_time(v, best, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _latest_time(v, best, depth + 1)


def example_bundle(ex: dict[str, Any]) -> Bundle:
    """The in-memory bundle an example describes.

    ``collected_at`` defaults to the latest timestamp found in the example's objects (keys
    ending in Timestamp/Time/time/At), else 2024-01-01T00:00:00Z."""
    b = Bundle(format="example", source="example")
    objects = ex.get("objects") or []
    for o in objects:
        b.add_object(o, "example")
    for vpath, text in (ex.get("files") or {}).items():
        vpath = vpath.strip("/")
        data = text.encode("utf-8")
        tf = text_from_bytes(vpath, vpath, data)
        parts = vpath.split("/")
        if parts[0] == "logs" and len(parts) == 4 and parts[3].endswith(".log"):
            previous = parts[3].endswith(".previous.log")
            container = parts[3][: -len(".previous.log")] if previous else parts[3][: -len(".log")]
            b.add_log(parts[1], parts[2], container, previous, tf)
        elif parts[0] == "nodes" and len(parts) >= 3:
            b.add_node_file(parts[1], "/".join(parts[2:]), tf)
        else:
            b.other_files[vpath] = tf
    cv = ex.get("cluster_version")
    b.cluster_version = str(cv) if cv is not None else None
    when = parse_time(ex.get("collected_at")) if ex.get("collected_at") else None
    if when is None:
        best: list[Any] = [None]
        _latest_time(objects, best)
        when = best[0] or parse_time(DEFAULT_COLLECTED_AT)
    b.collected_at = when
    return b.finalize()


def run_example(rule: Rule, ex: dict[str, Any], index: int) -> ExampleResult:
    name = str(ex.get("name") or f"#{index + 1}")
    expect = ex.get("expect", "match")
    bundle = example_bundle(ex)
    result = analyze_bundle(bundle, [rule])
    mine = [f for f in result.findings if f.rule_id == rule.id]
    if result.rule_errors:
        return ExampleResult(rule.id, name, expect, False, f"rule error: {result.rule_errors[0].error}", rule.source)
    want = ex.get("count")
    if expect == "match":
        if not mine:
            return ExampleResult(rule.id, name, expect, False, "no finding", rule.source)
        if want is not None and len(mine) != want:
            return ExampleResult(rule.id, name, expect, False, f"{len(mine)} findings, expected {want}", rule.source)
        return ExampleResult(rule.id, name, expect, True, "", rule.source)
    if mine:
        objs = ", ".join(str(o) for o in mine[0].objects) or "no object"
        return ExampleResult(rule.id, name, expect, False,
                             f"{len(mine)} unexpected finding(s), first on {objs}: {mine[0].message}", rule.source)
    return ExampleResult(rule.id, name, expect, True, "", rule.source)


def run_examples(rules: list[Rule]) -> list[ExampleResult]:
    out: list[ExampleResult] = []
    for rule in rules:
        for i, ex in enumerate(rule.examples):
            try:
                out.append(run_example(rule, ex, i))
            except Exception as e:  # noqa: BLE001 - report, keep testing the others
                out.append(ExampleResult(rule.id, str(ex.get("name") or f"#{i + 1}"), str(ex.get("expect")), False,
                                         f"{type(e).__name__}: {e}", rule.source))
    return out
