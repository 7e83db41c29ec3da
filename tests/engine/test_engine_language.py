"""The rule language additions: defs and tables files, classify, group_by, format(), rules eval."""

from __future__ import annotations

import json

from engine_helpers import native, pod, run_cli, write_rules

from analyzer.engine.evaluate import analyze_bundle, load_rules
from analyzer.engine.examples import example_bundle
from analyzer.rules.loader import load_rule_text

RULES = """
defs:
  waiting_reason: $item.state.waiting.reason
  registry: "split($item.image, '/')[0]"
tables:
  advice:
    ErrImagePull: look at the pull error
rules:
  - id: T-PULL
    title: pull
    severity: warning
    category: workloads
    scope: object
    kind: Pod
    each: "obj.status.containerStatuses[?state.waiting]"
    classify:
      cause:
        of: item.state.waiting.message
        cases:
          - {match: 'x509: (\\w+)', id: tls, text: "TLS ({{ cause.groups[0] }})", remediation: "trust the CA of {{ registry }}"}
          - {match: unauthorized, id: auth, text: credentials, remediation: fix the pull secret}
          - {id: other, text: other, remediation: "{{ advice[waiting_reason] }}"}
    when: "$cause.id != 'auth'"
    group_by: {key: "$cause.id == 'tls' && $registry || ref($obj)", label: image registry}
    message: "{{ group.size }} pod(s): {{ cause.text }} ({{ group.objects | join(', ') }})"
    remediation: "{{ cause.remediation }}"
    examples:
      - name: two pods, one registry
        expect: match
        count: 2
        objects:
          - {kind: Pod, metadata: {name: b, namespace: x}, status: {containerStatuses: [{name: c, image: "reg.io/b:1", state: {waiting: {reason: ErrImagePull, message: "x509: expired"}}}]}}
          - {kind: Pod, metadata: {name: a, namespace: x}, status: {containerStatuses: [{name: c, image: "reg.io/a:1", state: {waiting: {reason: ErrImagePull, message: "x509: expired"}}}]}}
          - {kind: Pod, metadata: {name: d, namespace: x}, status: {containerStatuses: [{name: c, image: "reg.io/d:1", state: {waiting: {reason: ErrImagePull, message: "boom"}}}]}}
      - name: refused credentials are not reported
        expect: no_match
        objects:
          - {kind: Pod, metadata: {name: a, namespace: x}, status: {containerStatuses: [{name: c, image: "r/a", state: {waiting: {reason: ErrImagePull, message: "unauthorized"}}}]}}
"""


def _findings(text: str):
    loaded = load_rule_text(text, "t.yaml")
    assert loaded.ok, [str(i) for i in loaded.issues]
    rule = loaded.rules[0]
    return analyze_bundle(example_bundle(rule.examples[0]), [rule]).findings


def test_classify_group_by_defs_and_tables():
    findings = sorted(_findings(RULES), key=lambda f: f.message)
    assert [f.message for f in findings] == [
        "1 pod(s): other (Pod/x/d)",
        "2 pod(s): TLS (expired) (Pod/x/a, Pod/x/b)",
    ]
    other, tls = findings
    assert other.remediation == "look at the pull error"
    assert tls.remediation == "trust the CA of reg.io"
    # filed under the first member by name, every member listed, the group in the JSON
    assert [str(o) for o in tls.objects] == ["Pod/x/a", "Pod/x/b"]
    assert tls.as_dict()["group"] == {"by": "image registry", "key": "reg.io", "size": 2}
    assert other.group == {"by": "image registry", "key": "Pod/x/d", "size": 1}


def test_lint_of_the_new_keys():
    bad = RULES.replace("- {id: other,", "- {match: x, id: other,").replace("id: auth", "id: Auth")
    issues = [i.message for i in load_rule_text(bad, "t.yaml").issues]
    assert any("case id 'Auth' must be a unique lower-case-id" in m for m in issues)
    issues = [i.message for i in load_rule_text(RULES.replace("label: image registry", "lable: x"), "t.yaml").issues]
    assert any("group_by needs 'key'" in m for m in issues)
    # a def reads its inputs as variables; a rule may not reuse a def's name
    issues = [i.message for i in load_rule_text(RULES.replace("$item.state.waiting.reason", "state.waiting.reason"),
                                                "t.yaml").issues]
    assert any("def waiting_reason reads state from the context" in m for m in issues)
    issues = [i.message for i in load_rule_text(RULES.replace("    classify:", "    let: {registry: '`1`'}\n    classify:"),
                                                "t.yaml").issues]
    assert any("let name 'registry' is already a def or table" in m for m in issues)


def test_format_and_lookup():
    text = RULES.replace('message: "{{ group.size }}', 'objects: "format(\'Pod/{}/{}{{x}}\', $obj.metadata.namespace, '
                                                       'lookup($advice, \'ErrImagePull\'))"\n    message: "{{ group.size }}')
    findings = _findings(text)
    assert {str(o) for f in findings for o in f.objects} == {"Pod/x/look at the pull error{x}"}


def test_builtin_defs_are_loaded_for_user_rule_files(tmp_path):
    path = write_rules(tmp_path, """
        - id: USES-BUILTIN-DEF
          title: t
          severity: info
          category: workloads
          scope: object
          kind: Pod
          each: $container_statuses
          when: "$termination.exitCode == `1`"
          message: "{{ item.name }} exited {{ termination.exitCode }}"
          remediation: r
          examples:
            - name: m
              expect: match
              objects: [{kind: Pod, metadata: {name: a}, status: {containerStatuses: [{name: c, state: {terminated: {exitCode: 1}}}]}}]
            - name: n
              expect: no_match
              objects: [{kind: Pod, metadata: {name: a}, status: {containerStatuses: [{name: c, state: {running: {}}}]}}]
        """)
    loaded = load_rules([path], builtin=False)
    assert loaded.ok, [str(i) for i in loaded.issues]
    code, out, _ = run_cli("rules", "test", path)
    assert code == 0, out


def test_rules_eval(tmp_path):
    bundle = native(tmp_path / "b", [pod("web-1", ns="shop"), pod("web-2", ns="shop", node="node-2")])
    code, out, _ = run_cli("rules", "eval", bundle, "objects('Pod')[].spec.nodeName")
    assert code == 0 and json.loads(out) == ["node-1", "node-2"]
    code, out, _ = run_cli("rules", "eval", bundle, "spec.nodeName == 'node-2'", "--kind", "Pod", "--truthy")
    assert code == 0 and json.loads(out) == [{"object": "Pod/shop/web-2", "value": True}]
    # the built-in defs are there
    code, out, _ = run_cli("rules", "eval", bundle, "$container_statuses", "--kind", "Pod")
    assert code == 0 and [r["object"] for r in json.loads(out)] == ["Pod/shop/web-1", "Pod/shop/web-2"]
    code, _, err = run_cli("rules", "eval", bundle, "$nope")
    assert code == 2 and "unknown variable $nope" in err
    code, _, err = run_cli("rules", "eval", bundle, "objects(")
    assert code == 2 and "invalid JMESPath" in err
    code, _, err = run_cli("rules", "eval", bundle, "sort_by(objects('Pod'), &spec)")
    assert code == 1 and "evaluation failed" in err and len(err) < 500


def test_new_functions():
    from analyzer.rules.expr import compile_expr
    from analyzer.rules.functions import RuleFunctions

    fns = RuleFunctions()

    def ev(src: str, ctx: dict | None = None):
        fns.vars = ctx or {}
        return compile_expr(src).fn(ctx or {}, fns)

    assert ev("format('{}/{}{{}}', 'a', `null`)") == "a/{}"
    assert ev("format('{1}-{0}', 'a', `[1]`)") == "[1]-a"
    assert ev("format(`3`)") is None
    assert ev("lookup({a: `1`}, 'a')") == 1 and ev("lookup(`[5, 6]`, `-1`)") == 6 and ev("lookup(`null`, 'a')") is None
    assert ev("to_time('Jan  2 15:04:05 2024', '%b %d %H:%M:%S %Y')") == "2024-01-02T15:04:05Z"
    assert ev("to_time('garbage', '%Y')") is None
    assert ev("first_match('tls: x509: bad (7)', [['nope', 'a'], ['x509: (\\w+)', 'b']])") == {
        "id": "b", "match": "x509: bad", "groups": ["bad"]}
    assert ev("first_match(`null`, [['x', 'a'], [`null`, 'default']])")["id"] == "default"
    events = [{"count": 3}, {"series": {"count": 2}}, {"deprecatedCount": 4}, {}, {"count": "x"}]
    assert ev("event_count($e)", {"e": events}) == 3 + 2 + 4 + 1
    assert ev("event_count($e)", {"e": {"count": 5}}) == 5


def test_prefilter_knows_where_item_is():
    from analyzer.engine.prefilter import requirements

    text = RULES.replace('''    when: "$cause.id != 'auth'"''', '''    when: "$cause.id != 'auth' && item.state.waiting.reason == 'ErrImagePull'"''')
    rule = load_rule_text(text, "t.yaml").rules[0]
    # the condition on the item (an element of status.containerStatuses) needs its literal in status
    assert frozenset({("status", b'"ErrImagePull"')}) in requirements(rule)


def test_reports_show_the_group():
    from analyzer.report.render import render

    loaded = load_rule_text(RULES, "t.yaml")
    rule = loaded.rules[0]
    bundle = example_bundle(rule.examples[0])
    result = analyze_bundle(bundle, [rule])
    meta = [rule.meta()]
    assert meta[0]["group_by"] == "image registry"
    assert "group of 2 by image registry reg.io" in render(result, bundle, "text", meta)
    assert "Group: 2 by image registry `reg.io`" in render(result, bundle, "markdown", meta)
    doc = json.loads(render(result, bundle, "json", meta))
    assert {"by": "image registry", "key": "reg.io", "size": 2} in [f["group"] for f in doc["findings"]]
    assert "Group of 2 by image registry" in render(result, bundle, "html", meta)
