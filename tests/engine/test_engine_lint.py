"""`kbundle rules lint`: every listed problem is reported as FILE:LINE: RULE-ID: message, exit 2."""

from __future__ import annotations

import textwrap

import pytest
from engine_helpers import USER_RULES, run_cli, write_rules

from analyzer.rules.loader import load_rule_text

GOOD = """
- id: POD-GOOD
  title: A fine rule
  severity: warning
  category: workloads
  scope: object
  kind: Pod
  when: status.phase == 'Failed'
  message: Pod {{ obj.metadata.name }} failed.
  remediation: Look at it.
  examples:
    - {expect: match, objects: [{kind: Pod, metadata: {name: a}, status: {phase: Failed}}]}
    - {expect: no_match, objects: [{kind: Pod, metadata: {name: a}, status: {phase: Running}}]}
"""


def _with(replace: str, by: str) -> str:
    assert replace in GOOD
    return GOOD.replace(replace, by)


# (name, rule file text, expected line, expected rule id, fragment of the message)
CASES = [
    ("yaml-syntax", _with("  title: A fine rule", "  title: [A fine rule"), 4, "-", "YAML syntax error"),
    ("unknown-key", _with("  scope: object", "  scope: object\n  severty: info"), 7, "POD-GOOD",
     "unknown key 'severty'"),
    ("missing-key", _with("  remediation: Look at it.\n", ""), 2, "POD-GOOD", "missing required key 'remediation'"),
    ("bad-jmespath", _with("status.phase == 'Failed'", "status.phase == == 'Failed'"), 8, "POD-GOOD",
     "invalid JMESPath"),
    ("bad-regex", _with("  when: status.phase == 'Failed'",
                        "  when: status.phase == 'Failed'\n  evidence:\n    - log: {grep: '(unclosed'}"), 10,
     "POD-GOOD", "invalid regex"),
    ("lookaround-regex", _with("  when: status.phase == 'Failed'",
                               "  when: \"re_search('^(?!Pending)', status.message)\""), 8, "POD-GOOD",
     "look-arounds are not supported"),
    ("backreference-grep", _with("  when: status.phase == 'Failed'",
                                 "  when: status.phase == 'Failed'\n  evidence:\n"
                                 "    - node_file: {path: commands/dmesg.txt, grep: '(x)\\1'}"), 10, "POD-GOOD",
     "backreferences are not supported"),
    ("unknown-function", _with("status.phase == 'Failed'", "frobnicate(status.phase)"), 8, "POD-GOOD",
     "unknown function frobnicate()"),
    ("wrong-arity", _with("status.phase == 'Failed'", "quantity(status.phase, 'x')"), 8, "POD-GOOD",
     "quantity() takes 1 argument"),
    ("unknown-variable", _with("status.phase == 'Failed'", "$phase == 'Failed'"), 8, "POD-GOOD",
     "unknown variable $phase"),
    ("bad-template", _with("Pod {{ obj.metadata.name }} failed.", "Pod {{ obj.metadata.name failed."), 9,
     "POD-GOOD", "message: invalid template"),
    ("unknown-filter", _with("{{ obj.metadata.name }}", "{{ obj.metadata.name | shout }}"), 9, "POD-GOOD",
     "No filter named 'shout'"),
    ("no-no-match-example", _with("    - {expect: no_match, objects: [{kind: Pod, metadata: {name: a}, "
                                  "status: {phase: Running}}]}\n", ""), 11, "POD-GOOD",
     "examples need at least one expect: no_match"),
    ("object-scope-without-kind", _with("  kind: Pod\n", ""), 2, "POD-GOOD", "object scope needs 'kind'"),
    ("bad-severity", _with("severity: warning", "severity: fatal"), 4, "POD-GOOD", "severity 'fatal'"),
    ("bad-id", _with("id: POD-GOOD", "id: pod_good"), 2, "pod_good", "UPPER-CASE-WITH-DASHES"),
]


@pytest.mark.parametrize("name,text,line,rule_id,fragment", CASES, ids=[c[0] for c in CASES])
def test_lint_reports_problem_with_file_and_line(tmp_path, name, text, line, rule_id, fragment):
    # line 1 is a comment, so a rule starts on line 2 as in GOOD (whose first line is empty)
    path = write_rules(tmp_path, "# lint case\n" + textwrap.dedent(text).lstrip("\n"), f"{name}.yaml")
    code, out, _ = run_cli("rules", "lint", path)
    assert code == 2, out
    expected_prefix = f"{path}:{line}: {rule_id}: "
    hits = [ln for ln in out.splitlines() if ln.startswith(expected_prefix)]
    assert hits, f"no line starting with {expected_prefix!r} in:\n{out}"
    assert any(fragment in h for h in hits), out


def test_duplicate_id_across_files(tmp_path):
    write_rules(tmp_path, GOOD, "a.yaml")
    second = write_rules(tmp_path, "# another file\n" + textwrap.dedent(GOOD), "b.yaml")
    code, out, _ = run_cli("rules", "lint", tmp_path)
    assert code == 2
    assert f"{second}:3: POD-GOOD: duplicate id (first defined at {tmp_path / 'a.yaml'}:1)" in out


def test_valid_file_passes(tmp_path):
    path = write_rules(tmp_path, GOOD)
    code, out, _ = run_cli("rules", "lint", path)
    assert code == 0, out
    assert "ok: 1 rules in 1 file(s)" in out


def test_user_rules_from_the_docs_lint_clean():
    code, out, _ = run_cli("rules", "lint", USER_RULES)
    assert code == 0, out


def test_one_bad_rule_does_not_hide_the_others():
    text = GOOD + textwrap.dedent(GOOD).replace("POD-GOOD", "POD-OTHER").replace("kind: Pod\n", "kind: Pod\n  bogus: 1\n", 1)
    res = load_rule_text(text, "x.yaml")
    assert [r.id for r in res.rules] == ["POD-GOOD"]
    assert [i.rule_id for i in res.issues] == ["POD-OTHER"]


def test_text_scope_requirements(tmp_path):
    text = """
    - id: TEXT-RULE
      title: t
      severity: info
      category: nodes
      scope: text
      each: foo
      message: m
      remediation: r
      examples: [{expect: match, files: {a: b}}, {expect: no_match}]
    """
    path = write_rules(tmp_path, text)
    code, out, _ = run_cli("rules", "lint", path)
    assert code == 2
    assert "'each' is not available in scope: text" in out
    assert "text scope needs 'files'" in out
    assert "text scope needs 'pattern'" in out


def test_missing_path_is_reported(tmp_path):
    code, _out, err = run_cli("rules", "lint", tmp_path / "nope")
    assert code == 2
    assert err.startswith("kbundle: error: ") and "nope: no such file or directory" in err
