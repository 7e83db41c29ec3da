"""The evaluation plan (analyzer.engine.plan) and the object prefilters
(analyzer.engine.prefilter) give what docs/rules.md promises: the result of evaluating every
rule on every object, computing every let in order and then checking every when, however
little they compute."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from bench_helpers import outcome, recorded_bundles, write_synthetic

from analyzer.bundle.model import Bundle
from analyzer.bundle.reader import open_bundle
from analyzer.engine import evaluate as evaluate_module
from analyzer.engine import plan as plan_module
from analyzer.engine.evaluate import analyze_bundle, load_rules
from analyzer.rules.jmes_compile import is_false
from analyzer.rules.loader import load_rule_text


def _in_order_holds(self: plan_module.RulePlan, ctx: dict[str, Any], fns: Any, owned: bool,
                    complete: bool = True) -> dict[str, Any] | None:
    """The promise, literally: every let in order, then every when (always complete)."""
    ctx = dict(ctx)
    fns.vars = ctx
    for name, e in self.rule.let:
        ctx[name] = e.fn(ctx, fns)
    for w in self.rule.when:
        if is_false(w.fn(ctx, fns)):
            return None
    return ctx


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_synthetic(tmp_path_factory.mktemp("synth") / "b")


def _both_ways(bundle_path: Path, rules: list[Any], monkeypatch: pytest.MonkeyPatch) -> tuple[dict, dict]:
    with open_bundle(bundle_path) as b:
        planned = outcome(analyze_bundle(b, rules))
    with monkeypatch.context() as m:
        m.setattr(plan_module.RulePlan, "holds", _in_order_holds)
        m.setattr(evaluate_module, "prefilter_of", lambda rule: None)  # every rule on every object
        with open_bundle(bundle_path) as b:
            reference = outcome(analyze_bundle(b, rules))
    return planned, reference


def test_builtin_pack_same_findings_as_in_order_evaluation(synthetic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = load_rules([], builtin=True, cache=True).rules
    planned, reference = _both_ways(synthetic, rules, monkeypatch)
    assert len(planned["findings"]) > 20  # the synthetic bundle has pods in every failure state
    assert planned["findings"] == reference["findings"]
    # computing less can only avoid errors, never add one
    assert set(planned["errors"]) <= set(reference["errors"])


@pytest.mark.slow  # every recorded bundle analysed twice: minutes on a loaded 2-core machine
def test_recorded_bundles_same_findings_as_in_order_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    bundles = recorded_bundles()
    if not bundles:
        pytest.skip("no recorded bundles")
    rules = load_rules([], builtin=True, cache=True).rules
    for path in bundles:
        planned, reference = _both_ways(path, rules, monkeypatch)
        assert planned["findings"] == reference["findings"], path.name
        assert set(planned["errors"]) <= set(reference["errors"]), path.name


def _rule(text: str) -> Any:
    res = load_rule_text(textwrap.dedent(text), "test.yaml")
    assert not res.issues, res.issues
    return res.rules[0]


BASE = """
- id: T-RULE
  title: t
  severity: warning
  category: workloads
  scope: object
  kind: Pod
  message: "{{ obj.metadata.name }} {{ shown }}"
  remediation: r
  examples:
    - {expect: match, objects: [{kind: Pod, metadata: {name: a}}]}
    - {expect: no_match, objects: []}
"""


def _pods(n: int, namespaces: int = 3) -> Bundle:
    b = Bundle(collected_at=None)
    for i in range(n):
        ns = f"ns-{i % namespaces}"
        b.add_object({"kind": "Pod", "apiVersion": "v1",
                      "metadata": {"name": f"p-{i}", "namespace": ns, "uid": f"u{i}", "labels": {"app": f"a{i % 4}"}},
                      "spec": {"nodeName": f"n{i % 2}", "tolerations": [{"key": "k1"}, {"key": f"k{i % 2}"}]},
                      "status": {"phase": "Pending" if i % 5 == 0 else "Running"}}, "pods.json")
    return b.finalize()


def test_lets_a_failing_condition_does_not_need_are_never_computed() -> None:
    # `sort` of a map raises: computed for the pending pods only, it becomes one rule error
    rule = _rule(BASE + """
  let:
    pending: "obj.status.phase == 'Pending'"
    boom: "sort(obj.metadata)"
    shown: "$pending"
  when: "$pending && length($boom) > `0`"
""")
    result = analyze_bundle(_pods(20), [rule])
    assert len(result.rule_errors) == 1 and "p-0" in result.rule_errors[0].error  # the first pending pod
    rule_ok = _rule(BASE + """
  let:
    pending: "obj.status.phase == 'Nope'"
    boom: "sort(obj.metadata)"
    shown: "$pending"
  when: "$pending && length($boom) > `0`"
""")
    result = analyze_bundle(_pods(20), [rule_ok])
    assert result.rule_errors == [] and result.findings == []


def test_lets_reading_only_lets_are_shared_between_objects() -> None:
    rule = _rule(BASE + """
  let:
    ns: "obj.metadata.namespace"
    peers: "objects('Pod', $ns)[?status.phase == 'Pending'].metadata.name"
    keys: "obj.spec.tolerations[].key"
    shown: "join(',', concat($peers, $keys))"
  when: "length($peers) > `0`"
""")
    bundle = _pods(30)
    result = analyze_bundle(bundle, [rule])
    assert len(result.findings) == 30
    by_pod = {f.objects[0].name: f.message for f in result.findings}
    assert by_pod["p-3"] == "p-3 p-0,p-15,k1,k1"  # ns-0 holds p-0, p-3, ...; pending: p-0, p-15
    assert by_pod["p-4"] == "p-4 p-10,p-25,k1,k0"
    plan = plan_module.RulePlan(rule)
    assert plan.memo_inputs == [None, ("ns",), None, ("keys", "peers")]


def test_memo_is_per_distinct_input() -> None:
    rule = _rule(BASE + """
  let:
    ns: "obj.metadata.namespace"
    peers: "objects('Pod', $ns)[?status.phase == 'Pending'].metadata.name"
    keys: "obj.spec.tolerations[].key"
    shown: "join(',', concat($peers, $keys))"
""")
    from analyzer.engine.evaluate import Engine

    engine = Engine(_pods(30), [rule])
    engine.run()
    plan = engine.plans["T-RULE"]
    assert len(plan._memo[1]) == 3  # one per namespace
    assert len(plan._memo[3]) == 6  # (peers of a namespace, toleration keys) pairs


def test_a_let_reading_the_field_a_later_let_shadows_keeps_the_plain_order() -> None:
    # `spec` is read as the object's field before the let of that name exists
    rule = _rule(BASE + """
  let:
    node: "spec.nodeName"
    spec: "`\\"mine\\"`"
    shown: "join('/', [$node, $spec])"
  when: "$spec == 'mine'"
""")
    plan = plan_module.RulePlan(rule)
    assert plan.in_order
    result = analyze_bundle(_pods(2), [rule])
    assert sorted(f.message for f in result.findings) == ["p-0 n0/mine", "p-1 n1/mine"]


def test_when_is_split_at_top_level_and() -> None:
    rule = _rule(BASE + """
  let:
    expensive: "objects('Pod')[?status.phase == 'Pending']"
    shown: "length($expensive)"
  when: "length($expensive) > `0` && obj.status.phase == 'Pending'"
""")
    plan = plan_module.RulePlan(rule)
    assert [c.needs for c in plan.conds] == [(), (0,)]  # the cheap part first
    result = analyze_bundle(_pods(10), [rule])
    assert sorted(f.message for f in result.findings) == ["p-0 2", "p-5 2"]
