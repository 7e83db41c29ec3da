"""The rule-pack cache: a second load reads the compiled pack back instead of linting and
compiling; it is keyed by the files' content and kbundle's version; a damaged cache is only a
miss; a cached rule evaluates and renders exactly like a freshly compiled one."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import analyzer
from analyzer.rules import pack_cache, templates
from analyzer.rules.expr import compile_expr
from analyzer.rules.files import builtin_rules_dir, implicit_sources, rule_sources
from analyzer.rules.loader import load_rule_paths
from analyzer.rules.templates import TemplateLimitError, compile_template

RULE = """
- id: CACHE-TEST
  title: A rule to cache
  severity: warning
  category: workloads
  scope: object
  kind: Pod
  let:
    phase: obj.status.phase
  when: $phase == '{phase}'
  message: "Pod {{{{ obj.metadata.name }}}} is {{{{ phase | lower }}}}"
  remediation: Look at it.
  examples:
    - expect: match
      objects: [{{kind: Pod, metadata: {{name: a}}, status: {{phase: {phase}}}}}]
    - expect: no_match
      objects: [{{kind: Pod, metadata: {{name: b}}, status: {{phase: Running}}}}]
"""


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("KBUNDLE_CACHE_DIR", str(d))
    monkeypatch.delenv("KBUNDLE_NO_CACHE", raising=False)
    return d


def _rules(tmp_path: Path, phase: str = "Failed") -> Path:
    f = tmp_path / "rules" / "r.yaml"
    f.parent.mkdir(exist_ok=True)
    f.write_text(RULE.format(phase=phase))
    return f


def test_second_load_comes_from_the_cache_and_behaves_the_same(tmp_path: Path, cache_dir: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    f = _rules(tmp_path)
    first = load_rule_paths([f], cache=True)
    assert not first.issues and [r.id for r in first.rules] == ["CACHE-TEST"]
    assert len(list(cache_dir.glob("pack-*.pickle"))) == 1

    import analyzer.rules.loader as loader

    def no_compiling(*_a, **_k):
        raise AssertionError("compiled again instead of read from the cache")

    monkeypatch.setattr(loader, "_parse_file", no_compiling)
    monkeypatch.setattr(loader, "_compile_file", no_compiling)
    again = load_rule_paths([f], cache=True)
    rule = again.rules[0]
    ctx = {"obj": {"kind": "Pod", "metadata": {"name": "p"}, "status": {"phase": "Failed"}}, "phase": "Failed"}
    assert rule.message.render(ctx) == first.rules[0].message.render(ctx) == "Pod p is failed"
    assert rule.let[0][1].source == "obj.status.phase" and callable(rule.let[0][1].fn)


def test_changed_rule_file_or_version_is_a_miss(tmp_path: Path, cache_dir: Path, monkeypatch) -> None:
    f = _rules(tmp_path, "Failed")
    load_rule_paths([f], cache=True)
    f.write_text(RULE.format(phase="Pending"))
    changed = load_rule_paths([f], cache=True)
    assert "'Pending'" in changed.rules[0].when[0].source
    key = pack_cache.pack_key([("r.yaml", b"x")])
    pack_cache._code_fingerprint.cache_clear()
    monkeypatch.setattr(analyzer, "__version__", "999.0.0")
    try:
        assert pack_cache.pack_key([("r.yaml", b"x")]) != key
    finally:
        pack_cache._code_fingerprint.cache_clear()


def test_a_damaged_cache_file_is_only_a_miss(tmp_path: Path, cache_dir: Path) -> None:
    f = _rules(tmp_path)
    load_rule_paths([f], cache=True)
    for p in cache_dir.glob("pack-*.pickle"):
        p.write_bytes(b"not a pickle")
    res = load_rule_paths([f], cache=True)
    assert [r.id for r in res.rules] == ["CACHE-TEST"]
    assert pickle.loads(next(cache_dir.glob("pack-*.pickle")).read_bytes())["rules"][0]["id"] == "CACHE-TEST"


def test_lint_problems_are_cached_too_and_rules_list_reads_the_summary(tmp_path: Path, cache_dir: Path) -> None:
    f = _rules(tmp_path)
    f.write_text(f.read_text().replace("severity: warning", "severity: loud"))
    res = load_rule_paths([f], cache=True)
    assert not res.rules and any("severity" in i.message for i in res.issues)
    summary = pack_cache.load_summary([f], builtin=False)
    assert summary["rules"] == [] and any("severity 'loud'" in i for i in summary["issues"])


def test_disabled_cache_writes_nothing(tmp_path: Path, cache_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv("KBUNDLE_NO_CACHE", "1")
    load_rule_paths([_rules(tmp_path)], cache=True)
    assert not cache_dir.exists()


def test_templates_and_expressions_survive_pickling() -> None:
    t = compile_template("{{ x | human_bytes }} of {{ y }}")
    plain = compile_template("no jinja here")
    t2, plain2 = pickle.loads(pickle.dumps((t, plain)))
    assert t2.render({"x": 1073741824, "y": "z"}) == t.render({"x": 1073741824, "y": "z"}) == "1.0 GiB of z"
    assert plain2.render({}) == "no jinja here"
    empty = pickle.loads(pickle.dumps(compile_template("")))
    assert empty.render({}) == ""
    e = compile_expr("length(obj.spec.containers)")
    e2 = pickle.loads(pickle.dumps(e))
    assert "fn" not in e2.__dict__  # rebuilt when first used
    assert e2.context_reads == e.context_reads and e2.parsed == e.parsed and callable(e2.fn)


def test_the_built_in_defs_files_are_part_of_the_key_and_their_defs_are_cached(tmp_path: Path, cache_dir: Path) -> None:
    bdir = builtin_rules_dir()
    assert bdir is not None and list((bdir / "defs").glob("*.yaml"))
    sources, missing = rule_sources([_rules(tmp_path)], builtin=False)
    defs_files = [shown for _p, shown in sources if shown.startswith("rules/defs/")]
    assert not missing and defs_files and implicit_sources(sources, builtin=False) == set(defs_files)
    first = load_rule_paths([_rules(tmp_path)], cache=True)
    again = load_rule_paths([_rules(tmp_path)], cache=True)
    assert first.files == again.files == [str(_rules(tmp_path))]  # the defs files are read, not counted
    assert sorted(again.defs.names()) == sorted(first.defs.names()) and again.defs.names()
    key = pack_cache.pack_key([(shown, p.read_bytes()) for p, shown in sources])
    edited = [(shown, p.read_bytes() + (b"\n# edited\n" if shown == defs_files[0] else b"")) for p, shown in sources]
    assert pack_cache.pack_key(edited) != key


def test_a_cached_template_keeps_the_render_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(templates, "RENDER_BUDGET_S", 0.05)
    loop = pickle.loads(pickle.dumps(compile_template("{% for i in items %}{% for j in items %}{% endfor %}{% endfor %}x")))
    concat = pickle.loads(pickle.dumps(compile_template("{% set s = a ~ b %}{{ s | length }}")))
    for t, ctx in ((loop, {"items": list(range(5000))}), (concat, {"a": "a" * 600_000, "b": "b" * 600_000})):
        assert isinstance(t._ast, bytes)  # rendered from the cached code, not compiled again
        with pytest.raises(TemplateLimitError):
            t.render(ctx)
