"""Platform components (issue 13, point 3): the built-in platform table and its extension by a
user's rule file (``extend_tables``)."""

from __future__ import annotations

from analyzer.engine.evaluate import analyze_bundle, load_rules
from analyzer.engine.examples import example_bundle

BINDING = {"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
           "metadata": {"name": "acme-operator", "uid": "b1"}, "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
           "subjects": [{"kind": "ServiceAccount", "name": "operator", "namespace": "acme-system"}]}


def _fired(rules, objects) -> set[str]:
    result = analyze_bundle(example_bundle({"objects": objects}), rules)
    assert not result.rule_errors, result.rule_errors
    return {f.rule_id for f in result.findings}


def test_user_namespace_binding_warns_until_the_platform_is_declared(tmp_path):
    builtin = load_rules([], builtin=True)
    assert not builtin.issues
    assert "RBAC-OVERBROAD" in _fired(builtin.rules, [BINDING])
    ext = tmp_path / "site.yaml"
    ext.write_text("extend_tables:\n  platform_components:\n    - {platform: Acme PaaS, namespace: '^acme-system$'}\n")
    extended = load_rules([ext], builtin=True)
    assert not extended.issues, [str(i) for i in extended.issues]
    fired = _fired(extended.rules, [BINDING])
    assert "RBAC-OVERBROAD" not in fired and "RBAC-PLATFORM-ADMIN" in fired


def test_extending_an_unknown_or_mistyped_table_is_a_lint_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("extend_tables:\n  no_such_table: [1]\n  platform_components: {a: 1}\n")
    issues = [str(i) for i in load_rules([bad], builtin=True).issues]
    assert any("no table named 'no_such_table'" in i for i in issues)
    assert any("platform_components" in i and "is a list" in i for i in issues)
