"""`kbundle rules test|list|explain`: inline examples, recorded-bundle replay, listing."""

from __future__ import annotations

import json

import jsonschema
import pytest
from engine_helpers import SCHEMAS, USER_RULES, native, node, pod, run_cli, write_rules

from analyzer.rules.loader import EVIDENCE_KEYS, EVIDENCE_TYPES, EXAMPLE_KEYS, REQUIRED_KEYS, RULE_KEYS
from analyzer.rules.yamlpos import safe_load_plain

RULE = """
- id: POD-FAILED
  title: Pod failed
  severity: warning
  category: workloads
  scope: object
  kind: Pod
  when: status.phase == 'Failed'
  message: Pod {{ obj.metadata.name }} failed.
  remediation: Look at it.
  examples:
    - {name: failed pod, expect: match, objects: [{kind: Pod, metadata: {name: a}, status: {phase: Failed}}]}
    - {name: running pod, expect: no_match, objects: [{kind: Pod, metadata: {name: a}, status: {phase: Running}}]}
- id: NODE-OLD
  title: Node created long ago
  severity: info
  category: nodes
  scope: object
  kind: Node
  when: age(metadata.creationTimestamp) > duration('30d')
  message: "{{ obj.metadata.name }} is {{ obj.metadata.creationTimestamp | age }} old"
  remediation: Consider replacing it.
  examples:
    - name: old node
      expect: match
      collected_at: "2024-05-01T00:00:00Z"
      objects: [{kind: Node, metadata: {name: n, creationTimestamp: "2024-01-01T00:00:00Z"}}]
    - name: fresh node (collected_at defaults to the newest timestamp)
      expect: no_match
      objects: [{kind: Node, metadata: {name: n, creationTimestamp: "2024-01-01T00:00:00Z"}}]
"""


def test_examples_pass(tmp_path):
    path = write_rules(tmp_path, RULE)
    code, out, _ = run_cli("rules", "test", path)
    assert code == 0, out
    assert "examples: 4 passed, 0 failed (2 rules)" in out


def test_failing_examples_are_reported(tmp_path):
    path = write_rules(tmp_path, RULE.replace("expect: no_match, objects: [{kind: Pod, metadata: {name: a}, "
                                              "status: {phase: Running}}]",
                                              "expect: no_match, objects: [{kind: Pod, metadata: {name: a}, "
                                              "status: {phase: Failed}}]")
                       .replace("name: old node\n      expect: match", "name: old node\n      expect: match\n"
                                "      count: 2"))
    code, out, _ = run_cli("rules", "test", path)
    assert code == 1
    assert "FAIL  POD-FAILED: example 'running pod' (expect no_match): 1 unexpected finding(s), first on Pod/a" in out
    assert "FAIL  NODE-OLD: example 'old node' (expect match): 1 findings, expected 2" in out
    assert "examples: 2 passed, 2 failed" in out


def test_example_with_rule_error_fails(tmp_path):
    path = write_rules(tmp_path, RULE.replace("when: status.phase == 'Failed'", "when: sort(status) == `[]`"))
    code, out, _ = run_cli("rules", "test", path)
    assert code == 1 and "rule error: JMESPathTypeError" in out


def test_lint_problems_stop_rules_test(tmp_path):
    path = write_rules(tmp_path, RULE.replace("scope: object\n  kind: Pod", "scope: object\n  kind: Pod\n  x: 1"))
    code, out, _ = run_cli("rules", "test", path)
    assert code == 2 and "unknown key 'x'" in out


@pytest.fixture
def recorded(tmp_path):
    b = native(tmp_path / "bundles" / "failed", [
        {**pod("a", "shop"), "status": {"phase": "Failed"}},
        {**pod("b", "shop"), "status": {"phase": "Failed"}},
        node("n1"),
    ])
    return b


def test_replay_passes_when_findings_match(tmp_path, recorded):
    rules = write_rules(tmp_path / "r", RULE)
    (recorded / "expected.yaml").write_text(
        "findings:\n  - {rule: POD-FAILED, object: Pod/shop/a}\n  - {rule: POD-FAILED, object: Pod/shop/b}\n"
        "  - {rule: OTHER-RULE, object: null}\n")
    code, out, _ = run_cli("rules", "test", rules, recorded)
    assert code == 0, out
    assert f"ok    {recorded}: 2 findings as expected, 1 entries of rules not loaded ignored" in out
    code, out, _ = run_cli("rules", "test", rules, "--bundles", tmp_path / "bundles")
    assert code == 0, out


def test_replay_prints_missing_and_unexpected(tmp_path, recorded):
    rules = write_rules(tmp_path / "r", RULE)
    (recorded / "expected.yaml").write_text(
        "findings:\n  - {rule: POD-FAILED, object: Pod/shop/a}\n  - {rule: POD-FAILED, object: Pod/shop/zzz}\n"
        "  - {rule: NODE-OLD, object: Node/n1}\n")
    code, out, _ = run_cli("rules", "test", rules, recorded)
    assert code == 1
    assert "- missing     POD-FAILED Pod/shop/zzz" in out
    assert "- missing     NODE-OLD Node/n1" in out
    assert "+ unexpected  POD-FAILED Pod/shop/b" in out
    assert out.rstrip().endswith("FAILED")


def test_bad_expected_file(tmp_path, recorded):
    rules = write_rules(tmp_path / "r", RULE)
    (recorded / "expected.yaml").write_text("findings:\n  - {rule: POD-FAILED, object: just-a-name}\n")
    code, out, _ = run_cli("rules", "test", rules, recorded)
    assert code == 1
    assert "expected.yaml:2: entry #1: object must be Kind/namespace/name or Kind/name" in out


def test_rules_list(tmp_path):
    code, out, _ = run_cli("rules", "list", "--no-builtin", "--rules", USER_RULES, "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows] == ["CONTAINER-IMAGE-LATEST", "POD-NO-TEAM-LABEL"]
    assert set(rows[0]) == {"id", "title", "severity", "category", "scenarios", "scope", "kind", "source"}
    assert rows[1]["source"].endswith("team-labels.yaml")
    code, out, _ = run_cli("rules", "list", "--no-builtin", "--rules", USER_RULES)
    assert code == 0 and "POD-NO-TEAM-LABEL" in out and "2 rules" in out


def test_rules_explain():
    code, out, _ = run_cli("rules", "explain", "POD-NO-TEAM-LABEL", "--rules", USER_RULES)
    assert code == 0
    assert out.startswith("POD-NO-TEAM-LABEL: Pod without a team label")
    assert "Runs once per Pod object." in out and "obj.metadata.labels.team == null" in out
    code, _, err = run_cli("rules", "explain", "POD-NO-TEAM-LABLE", "--rules", USER_RULES)
    assert code == 2 and "did you mean POD-NO-TEAM-LABEL" in err


def test_rule_schema_matches_the_loader():
    schema = json.loads((SCHEMAS / "rule.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    rule = schema["$defs"]["rule"]
    assert set(rule["properties"]) == set(RULE_KEYS)
    assert set(rule["required"]) == set(REQUIRED_KEYS)
    ev = rule["properties"]["evidence"]["items"]
    assert set(ev["properties"]) == set(EVIDENCE_TYPES) | {"label"}
    for t, keys in EVIDENCE_KEYS.items():
        assert set(ev["properties"][t]["properties"]) == set(keys)
    assert set(rule["properties"]["examples"]["items"]["properties"]) == set(EXAMPLE_KEYS)
    validator = jsonschema.Draft202012Validator(schema)
    for f in sorted(USER_RULES.glob("*.yaml")):
        validator.validate(safe_load_plain(f.read_text()))
    validator.validate(safe_load_plain(RULE))
    bad = safe_load_plain(RULE.replace("scope: object\n  kind: Pod", "scope: object\n  kind: Pod\n  x: 1"))
    assert not validator.is_valid(bad)


def test_findings_schema_is_valid():
    jsonschema.Draft202012Validator.check_schema(json.loads((SCHEMAS / "findings.schema.json").read_text()))


def test_docs_show_the_user_rules_as_kept_here():
    docs = (SCHEMAS.parent.parent / "docs" / "rules.md").read_text()
    for f in sorted(USER_RULES.glob("*.yaml")):
        assert f.read_text().rstrip() in docs, f"{f.name} differs from its copy in docs/rules.md"
