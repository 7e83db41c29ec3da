"""Hostile rules and hostile text for the rules (issue 14, points 6-9): crafted log lines, regexes
that backtrack catastrophically in a backtracking engine, expressions nested too deeply and
templates that would run forever or build gigabytes.

A test that would hang on a broken engine is stopped by :func:`hang_guard` (SIGALRM, far above
what the fixed engine needs), so that it fails instead of blocking the suite; no test asserts
a duration.  Budgets are lowered for the test (``raising=False``: without the limit the test
must fail on its behaviour, not on a missing attribute)."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from analyzer.bundle.native_writer import write_native
from analyzer.bundle.reader import open_bundle
from analyzer.engine import textscan
from analyzer.engine.evaluate import analyze_bundle
from analyzer.engine.textscan import scan_text
from analyzer.rules import templates
from analyzer.rules.loader import load_rule_paths, load_rule_text

REPO = Path(__file__).resolve().parents[2]
COLLECTED = "2026-11-20T10:00:00Z"


@contextmanager
def hang_guard(seconds: float = 30.0) -> Iterator[None]:
    """Raise TimeoutError in this thread after ``seconds`` (Python's regex engine and Jinja's
    loops check signals, so a hang becomes a failure)."""
    def expire(_signum: int, _frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s: the engine hangs")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="module")
def pack():  # type: ignore[no-untyped-def]
    loaded = load_rule_paths([], builtin=True)
    assert not loaded.issues
    return {r.id: r for r in loaded.rules}


def _pod(name: str, ns: str, node: str = "n1") -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "uid": f"u-{name}"},
            "spec": {"nodeName": node, "containers": [{"name": "app", "image": "app:1"}]},
            "status": {"phase": "Running"}}


# -------------------------------------------------------------------- point 6: crafted lines
CRAFTED = {
    # the rule's prefix repeated on one line, never completed by one of its endings: a
    # backtracking engine retries the trailing ".*" from every repetition (quadratic); the
    # line holds one of the rule's literals, so the literal prefilter does not skip it
    "DNS-ERRORS": "[ERROR] plugin/errors: 2 a. A: " * 13_000,
    "POD-DNS-ERRORS": "i/o timeout earlier; " + "lookup a on b:53: " * 22_000,
}
REAL = {
    "DNS-ERRORS": "[ERROR] plugin/errors: 2 api.example. A: read udp 10.0.0.5:41000->10.0.0.2:53: i/o timeout",
    "POD-DNS-ERRORS": "dial tcp: lookup db.shop.svc on 10.96.0.10:53: read udp 10.1.0.4:5353->10.96.0.10:53: i/o timeout",
}


@pytest.mark.parametrize("rule_id", sorted(CRAFTED))
def test_dns_rules_answer_a_400_kb_crafted_line_and_still_find_the_real_one(pack, rule_id: str) -> None:
    rule = pack[rule_id]
    crafted = CRAFTED[rule_id]
    assert len(crafted) > 390_000
    text = f"starting\n{crafted}\n{REAL[rule_id]}\n{crafted}\n"
    with hang_guard():
        count, kept = scan_text(rule.pattern, text, literals=rule.pattern_literals)
    assert count == 1 and kept[0].line == 3 and kept[0].text == REAL[rule_id]


def test_analyze_of_a_bundle_with_crafted_coredns_and_app_logs(tmp_path: Path, pack) -> None:
    logs = {
        ("kube-system", "coredns-5d78c9869d-abcde", "coredns", False):
            f"{CRAFTED['DNS-ERRORS']}\n" + f"{REAL['DNS-ERRORS']}\n" * 12 + f"{CRAFTED['DNS-ERRORS']}\n",
        ("shop", "api-1", "app", False): f"{CRAFTED['POD-DNS-ERRORS']}\n{REAL['POD-DNS-ERRORS']}\n" * 3,
    }
    root = write_native(tmp_path / "b", [_pod("coredns-5d78c9869d-abcde", "kube-system"), _pod("api-1", "shop")],
                        logs, collected_at=COLLECTED)
    rules = [pack["DNS-ERRORS"], pack["POD-DNS-ERRORS"]]  # DNS-ERRORS needs 10 lines
    with open_bundle(root) as b, hang_guard(60):
        result = analyze_bundle(b, rules)
    assert not result.rule_errors, result.rule_errors
    assert {f.rule_id for f in result.findings} == {"DNS-ERRORS", "POD-DNS-ERRORS"}


TEXT_RULE = textwrap.dedent("""\
    - id: USER-TEXT
      title: a user's text rule
      severity: warning
      category: workloads
      scope: text
      files: ["logs/*/*/*.log"]
      pattern: '{pattern}'
      message: "{{{{ count }}}} line(s)"
      remediation: none
      examples:
        - {{expect: match, files: {{"logs/a/b/c.log": "{hit}"}}}}
        - {{expect: no_match, files: {{"logs/a/b/c.log": "nothing here"}}}}
    """)


def test_text_rule_over_its_time_budget_is_a_rule_error_and_the_rest_is_analysed(tmp_path, monkeypatch,
                                                                                 pack) -> None:
    loaded = load_rule_text(TEXT_RULE.format(pattern=r"ERROR (\w+)", hit="ERROR x"), "user.yaml")
    assert not loaded.issues, [str(i) for i in loaded.issues]
    crash = [pack["POD-CRASHLOOP"]]
    pod = _pod("web-1", "shop")
    pod["status"]["containerStatuses"] = [{"name": "app", "restartCount": 9, "ready": False,
                                          "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                                          "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                                                                       "finishedAt": "2026-11-20T09:58:00Z"}}}]
    root = write_native(tmp_path / "b", [pod], {("shop", "web-1", "app", False): "ERROR boom\n" * 50_000},
                        collected_at=COLLECTED)
    monkeypatch.setattr(textscan, "TEXT_RULE_BUDGET_S", 0.0, raising=False)
    with open_bundle(root) as b:
        result = analyze_bundle(b, loaded.rules + crash)
    errors = {e.rule_id: e.error for e in result.rule_errors}
    assert "USER-TEXT" in errors and "time budget" in errors["USER-TEXT"], errors
    assert "logs/shop/web-1/app.log" in errors["USER-TEXT"] or "web-1" in errors["USER-TEXT"]
    assert [f.rule_id for f in result.findings] == ["POD-CRASHLOOP"]


# -------------------------------------------------------------------- point 7: the linter's misses
REVIEW_PATTERNS = [r"(a+){10}$", r"(.*a){10}x", r"a*a*a*a*b", r"(\w+\s?){1,10}x"]


@pytest.mark.parametrize("pattern", REVIEW_PATTERNS)
def test_patterns_the_review_found_run_in_linear_time_in_analyze(tmp_path: Path, pattern: str) -> None:
    loaded = load_rule_text(TEXT_RULE.format(pattern=pattern, hit="aaaaaaaaaax ab"), "user.yaml")
    assert not loaded.issues, [str(i) for i in loaded.issues]
    hostile = "a" * 61 + "\n" + "a" * 61 + "!\n" + ("ab " * 20) + "\n" + "a" * 5000 + "\n"
    root = write_native(tmp_path / "b", [_pod("app-1", "shop")], {("shop", "app-1", "app", False): hostile},
                        collected_at=COLLECTED)
    with open_bundle(root) as b, hang_guard():
        result = analyze_bundle(b, loaded.rules)
    assert not result.rule_errors, result.rule_errors
    # what each pattern finds in those lines, as Python's re would say given enough time
    want = {r"(a+){10}$": 2, r"(.*a){10}x": 0, r"a*a*a*a*b": 1, r"(\w+\s?){1,10}x": 0}[pattern]
    assert len(result.findings) == (1 if want else 0)
    with hang_guard():
        assert scan_text(loaded.rules[0].pattern, hostile)[0] == want


# -------------------------------------------------------------------- point 8: deep expressions
def _deep_rule(depth: int) -> str:
    inner = "x"
    for _ in range(depth):
        inner = f"a[?{inner}]"
    return textwrap.dedent(f"""\
        - id: DEEP-FILTERS
          title: nested filters
          severity: warning
          category: workloads
          scope: object
          kind: Pod
          when: "status.phase == 'Running' && {inner}"
          message: deep
          remediation: none
          examples:
            - {{expect: match, objects: [{{kind: Pod, apiVersion: v1, metadata: {{name: a, namespace: b}}}}]}}
            - {{expect: no_match, objects: [{{kind: Node, apiVersion: v1, metadata: {{name: a}}}}]}}
        """)


def test_deeply_nested_expression_is_a_lint_error_with_the_rule_id(sandbox, tmp_path: Path) -> None:
    rules = tmp_path / "deep.yaml"
    rules.write_text(_deep_rule(300))
    r = sandbox("rules", "lint", str(rules))
    assert r.code == 2
    line = next(ln for ln in r.stdout.splitlines() + r.stderr.splitlines() if "DEEP-FILTERS" in ln)
    assert line.startswith(f"{rules}:7: DEEP-FILTERS:") and "nested too deeply" in line, line


def test_deeply_nested_expression_in_analyze_is_a_clear_error(sandbox, tmp_path: Path) -> None:
    rules = tmp_path / "deep.yaml"
    rules.write_text(_deep_rule(300))
    r = sandbox("analyze", str(REPO / "bundles" / "healthy"), "--no-builtin", "--rules", str(rules))
    assert r.code == 2 and "Traceback" not in r.stderr
    assert "DEEP-FILTERS" in r.stdout + r.stderr and "nested too deeply" in r.stdout + r.stderr


def test_nesting_within_the_limit_still_compiles_and_evaluates() -> None:
    loaded = load_rule_text(_deep_rule(40), "deep.yaml")
    assert [r.id for r in loaded.rules] == ["DEEP-FILTERS"], [str(i) for i in loaded.issues]


# -------------------------------------------------------------------- point 9: templates
def _template_rule(message: str) -> str:
    return textwrap.dedent("""\
        - id: USER-TEMPLATE
          title: a user's template
          severity: warning
          category: workloads
          scope: object
          kind: Pod
          when: "status.phase == 'Running'"
          message: "MESSAGE"
          remediation: none
          examples:
            - {expect: match, objects: [{kind: Pod, apiVersion: v1, metadata: {name: a, namespace: b}, status: {phase: Running}}]}
            - {expect: no_match, objects: [{kind: Pod, apiVersion: v1, metadata: {name: a, namespace: b}}]}
        """).replace("MESSAGE", message)


def _analyze_with(tmp_path: Path, rule_text: str):  # type: ignore[no-untyped-def]
    loaded = load_rule_text(rule_text, "user.yaml")
    assert not loaded.issues, [str(i) for i in loaded.issues]
    root = write_native(tmp_path / "b", [_pod("web-1", "shop"), _pod("web-2", "shop")], collected_at=COLLECTED)
    with open_bundle(root) as b, hang_guard():
        return analyze_bundle(b, loaded.rules)


@pytest.mark.parametrize("message", [
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% set r = range(100000) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}",
    "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}",
])
def test_template_over_its_time_budget_is_a_rule_error(tmp_path, monkeypatch, message: str) -> None:
    monkeypatch.setattr(templates, "RENDER_BUDGET_S", 0.05, raising=False)
    result = _analyze_with(tmp_path, _template_rule(message))
    assert not result.findings
    assert [e.rule_id for e in result.rule_errors] == ["USER-TEMPLATE"]
    assert "took longer than" in result.rule_errors[0].error


@pytest.mark.parametrize("message", [
    "{{ 'x' * 3000000000 }}", "{{ 'x' * (3e9 | int) }}", "{{ ['x'] * 3000000000 }}",
    "{{ '%999999999s' % 'x' }}", "{{ '%*s' % (999999999, 'x') }}", "{{ 'x'.ljust(999999999) }}",
    "{{ '{:999999999}'.format('x') }}", "{{ 'x' | center(999999999) }}", "{{ 2 ** 1000000000 }}",
    "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "{% set ns = namespace(s=['x']) %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
    "{{ 'ab' | replace('', 'x' * 999999) }}",
])
def test_template_that_would_build_a_huge_value_is_refused_before_building_it(tmp_path, message: str) -> None:
    result = _analyze_with(tmp_path, _template_rule(message))
    assert not result.findings
    assert [e.rule_id for e in result.rule_errors] == ["USER-TEMPLATE"]
    assert "template would" in result.rule_errors[0].error, result.rule_errors[0].error


def test_template_output_is_bounded(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(templates, "MAX_OUTPUT_CHARS", 5_000, raising=False)
    result = _analyze_with(tmp_path, _template_rule("{% for i in range(1000) %}{{ 'x' * 900 }}{% endfor %}"))
    assert [e.rule_id for e in result.rule_errors] == ["USER-TEMPLATE"]
    assert "output exceeds 5000 characters" in result.rule_errors[0].error


def test_ordinary_templates_render_as_before() -> None:
    t = templates.compile_template(
        "{{ names | join(', ') }} {{ 'a' ~ n ~ 'b' }} {% for c in names %}{{ loop.index }}/{{ loop.length }}"
        " {% endfor %}{{ '%5s|' % 'ab' }}{{ '{:>4}'.format(7) }} {{ n * 2 }} {{ 'ab' * 2 }} {{ 2 ** 10 }}"
        " {{ [1] + [2] }} {{ missing.deeper }}|")
    assert t.render({"names": ["x", "y"], "n": 3}) == "x, y a3b 1/2 2/2    ab|   7 6 abab 1024 [1, 2] |"


def test_three_gigabyte_template_fails_fast_under_a_memory_limit(tmp_path: Path) -> None:
    """The review's case end to end, in a process that may not use more than 1.5 GiB: the rule
    is reported as a rule error about its size, the other rules still run."""
    rules = tmp_path / "user.yaml"
    fine = _template_rule("pod {{ obj.metadata.name }}").replace("USER-TEMPLATE", "USER-FINE")
    rules.write_text(_template_rule("{{ 'x' * 3000000000 }}") + fine)

    def limit_memory() -> None:
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        soft = 1536 * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))

    p = subprocess.run([sys.executable, "-m", "analyzer.cli", "analyze", str(REPO / "bundles" / "pod-crashloop"),
                        "--no-builtin", "--rules", str(rules), "--format", "json", "--fail-on", "never"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300, preexec_fn=limit_memory,
                       env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "KBUNDLE_JOBS": "1", "HOME": str(tmp_path)})
    assert p.returncode == 0, p.stderr[-2000:]
    report = json.loads(p.stdout)
    errors = {e["rule_id"]: e["error"] for e in report["rule_errors"]}
    assert "template would build a repeated value" in errors.get("USER-TEMPLATE", ""), errors
    assert any(f["rule_id"] == "USER-FINE" and f["message"].startswith("pod ") for f in report["findings"])
