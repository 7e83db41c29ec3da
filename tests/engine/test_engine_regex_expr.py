"""Safe regexes and expression compilation ($variables, functions, literal regexes)."""

from __future__ import annotations

import jmespath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.rules.expr import ExprError, compile_expr, rewrite_variables
from analyzer.rules.regex import RegexError, check_regex, safe_compile

CATASTROPHIC = [r"(a+)+$", r"(a*)*", r"(a|a)*", r"(a|aa)*b", r"(\w+\s?)*$", r"(.*,)*x", r"(?:\s*,\s*)*$",
                r"^(([a-z])+.)+[A-Z]([a-z])+$", r"(x+x+)+y", r"(ab|a.)*c", r"((a+))+b"]
SAFE = [r"([^,]+,)*", r"(\d+\.)+\d+", r"(ab+)+", r"Out of memory: Kill(ed)? process (?P<pid>\d+) \((?P<comm>[^)]+)\)",
        r".*foo.*bar", r"(?:[a-z0-9]+-)*[a-z0-9]+", r"OOMKill(ed|ing)", r"\b(error|fail(ed|ure)?)\b",
        r"x{1,3}", r"(?:a|b)*", r"(failed|error).*(timeout|refused)", r"PLEG is not healthy", r"(?i)x509: .*expired",
        r"^\s*(\S+)\s+(\d+)%"]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_patterns_are_refused(pattern):
    problem = check_regex(pattern)
    assert problem is not None and problem.startswith("catastrophic regex"), problem
    with pytest.raises(RegexError):
        safe_compile(pattern)


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_patterns_are_accepted(pattern):
    assert check_regex(pattern) is None
    assert safe_compile(pattern).pattern == pattern


def test_invalid_regex_message():
    assert check_regex("[a-").startswith("invalid regex '[a-'")
    assert check_regex(3) == "regex must be a string, got int"


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_check_regex_never_raises(s):
    result = check_regex(s)
    assert result is None or isinstance(result, str)


def test_variables_rewritten_outside_literals_only():
    text, names = rewrite_variables("obj.spec.containers[?name == $item.name] | [?x == '$no'] | `\"$no\"` | \"$no\"")
    assert names == ["item"]
    assert "var('item').name" in text
    assert "'$no'" in text and '`"$no"`' in text and '"$no"' in text


def test_escaped_quotes_inside_literals():
    text, names = rewrite_variables(r"a == 'it\'s $x' && $y")
    assert names == ["y"]
    assert r"'it\'s $x'" in text


@given(st.text(alphabet=st.characters(blacklist_characters="'\\", blacklist_categories=("Cs",)), max_size=30))
@settings(max_examples=200, deadline=None)
def test_raw_string_literals_survive_rewriting(s):
    expr = f"'{s}'"
    text, names = rewrite_variables(expr)
    assert text == expr and names == []


def test_variable_inside_filter_evaluates_against_context():
    from analyzer.bundle.model import Bundle
    from analyzer.engine.context import Evaluator

    ev = Evaluator(Bundle().finalize())
    e = compile_expr("obj.spec.containers[?name == $item.name] | [0].image")
    ctx = {"obj": {"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}},
           "item": {"name": "b"}}
    assert ev.eval(e, ctx) == "y"


def test_compile_errors():
    with pytest.raises(ExprError, match="unknown function nope"):
        compile_expr("nope(a)")
    with pytest.raises(ExprError, match="invalid JMESPath"):
        compile_expr("a[?")
    with pytest.raises(ExprError, match="must be followed by a variable name"):
        compile_expr("$ == a")
    with pytest.raises(ExprError, match="catastrophic regex"):
        compile_expr("grep(x, '(a|a)*')")
    with pytest.raises(ExprError, match="write '!\\(a.b\\)'"):
        compile_expr("x[?!item.ready]")
    assert compile_expr("!(item.ready) && !contains(a, 'b')").functions == ["contains"]
    # a regex that is not a literal is checked at run time instead
    assert compile_expr("grep(x, y)").functions == ["grep"]


def test_yaml_scalars_become_literals():
    assert jmespath.search("a", {"a": 1}) == 1  # sanity
    e = compile_expr(True)
    assert e.parsed["type"] == "literal" and e.parsed["value"] is True
