"""Safe regexes and expression compilation ($variables, functions, literal regexes)."""

from __future__ import annotations

import re

import jmespath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.rules.expr import ExprError, compile_expr, rewrite_variables
from analyzer.rules.regex import RegexError, check_regex, compile_regex, required_literals

# Patterns that backtrack catastrophically in a backtracking engine (the last four passed the
# former linter and hung analyze on a short line): RE2 runs them in linear time, so they are
# accepted and a hostile subject is answered at once.
CATASTROPHIC = [r"(a+)+$", r"(a*)*", r"(a|a)*", r"(a|aa)*b", r"(\w+\s?)*$", r"(.*,)*x", r"(?:\s*,\s*)*$",
                r"^(([a-z])+.)+[A-Z]([a-z])+$", r"(x+x+)+y", r"(ab|a.)*c", r"((a+))+b",
                r"(a+){10}$", r"(.*a){10}x", r"a*a*a*a*b", r"(\w+\s?){1,10}x"]
SAFE = [r"([^,]+,)*", r"(\d+\.)+\d+", r"(ab+)+", r"Out of memory: Kill(ed)? process (?P<pid>\d+) \((?P<comm>[^)]+)\)",
        r".*foo.*bar", r"(?:[a-z0-9]+-)*[a-z0-9]+", r"OOMKill(ed|ing)", r"\b(error|fail(ed|ure)?)\b",
        r"x{1,3}", r"(?:a|b)*", r"(failed|error).*(timeout|refused)", r"PLEG is not healthy", r"(?i)x509: .*expired",
        r"^\s*(\S+)\s+(\d+)%"]
HOSTILE = ["a" * 5000 + "!", ("a " * 30) + "!", "," * 5000, "x" * 5000, "aaaa,bbbb " * 500]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_patterns_run_in_linear_time(pattern):
    assert check_regex(pattern) is None
    rx = compile_regex(pattern)
    for subject in HOSTILE:  # a backtracking engine would not return for years
        assert (rx.search(subject) is None) == (not rx.test(subject))
    assert not compile_regex(r"(a+)+$").test("a" * 5000 + "!") and compile_regex(r"(a+)+$").test("a" * 5000)
    assert not compile_regex(r"a*a*a*a*b").test("a" * 5000) and compile_regex(r"(.*,)*x").test("," * 50 + "x")


def test_hostile_line_of_the_review_is_answered():
    rx = compile_regex(r"(\w+\s?){1,10}x")
    assert not rx.test("a" * 60 + "!")
    assert rx.search("ab cd x").group(0) == "ab cd x"


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_patterns_are_accepted(pattern):
    assert check_regex(pattern) is None
    assert compile_regex(pattern).pattern == pattern


@pytest.mark.parametrize(("pattern", "words"), [
    (r"^-A X (?!.*--comment).*-j DNAT", "look-arounds are not supported"),
    (r"(?<=a)b", "look-arounds are not supported"),
    (r"(a)\1", "backreferences are not supported"),
    (r"(?P<x>a)(?P=x)", "backreferences are not supported"),
    (r"a++", "possessive repeats and atomic groups are not supported"),
    (r"(?>a)", "possessive repeats and atomic groups are not supported"),
    (r"end\Z", "write $"),
    (r"a{,3}", "write {0,n} instead of {,n}"),
    (r"[[:alpha:]]", "nested set"),
])
def test_constructs_the_linear_engine_cannot_run_are_lint_errors(pattern, words):
    problem = check_regex(pattern)
    assert problem is not None and words in problem, problem
    with pytest.raises(RegexError):
        compile_regex(pattern)


def test_braces_inside_a_class_or_escaped_are_literal_in_both_dialects():
    assert check_regex(r"[{,3}]") is None and check_regex(r"\{,3\}") is None


def test_python_dialect_kept_named_groups_flags_and_unicode():
    rx = compile_regex(r"(?i)user (?P<name>\S+) (é+)")
    m = rx.search("x USER zoë éé!")
    assert m is not None and m.groupdict() == {"name": "zoë"} and m.groups() == ("zoë", "éé")
    assert rx.groupindex == {"name": 1} and rx.groups == 2


def test_regex_pickles_as_its_source():
    import pickle

    rx = compile_regex(r"a(b)c")
    again = pickle.loads(pickle.dumps(rx))
    assert again.pattern == rx.pattern and again.search("xabc").group(1) == "b"


LINES = st.lists(st.text(alphabet="ab \t\n-", max_size=8), max_size=12)


@pytest.mark.parametrize("pattern", [r"^a", r"b$", r"^$", r"a\s*b", r"^(a|b)+$", r"-", r"\bab\b", r"\s", r"\Aa"])
@given(LINES)
@settings(max_examples=80, deadline=None)
def test_grep_of_a_list_agrees_with_searching_each_line(pattern, lines):
    want = [i for i, ln in enumerate(lines) if re.search(pattern, ln)]
    got = compile_regex(pattern).grep(lines)
    assert got == [i for i, ln in enumerate(lines) if compile_regex(pattern).test(ln)]
    if not any(ln.endswith("\n") for ln in lines):  # Python's $ also matches before a final newline
        assert got == want


def test_re_parser_private_api_is_the_one_required_literals_reads():
    """required_literals reads Python's private regex parser (re._parser): pin its shape."""
    from analyzer.rules.regex import _c, _parser

    parsed = list(_parser.parse(r"ab(?:cd|ef)+g", 0))
    assert parsed[0] == (_c.LITERAL, ord("a"))
    assert any(op is _c.MAX_REPEAT for op, _ in parsed)
    assert required_literals(r"ERROR (?:db|cache) failed") == [" failed"]
    assert required_literals(r"(?:timeout|refused) while") == ["refused", "timeout"]
    assert required_literals(r"(?!x)ERROR") is None  # not a rule regex: no literals either
    assert required_literals(r"(?:timeout|refused)") == ["refused", "timeout"]


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
    with pytest.raises(ExprError, match="look-arounds are not supported"):
        compile_expr("grep(x, '(?=a)b')")
    with pytest.raises(ExprError, match="write '!\\(a.b\\)'"):
        compile_expr("x[?!item.ready]")
    assert compile_expr("!(item.ready) && !contains(a, 'b')").functions == ["contains"]
    # a regex that is not a literal is checked at run time instead
    assert compile_expr("grep(x, y)").functions == ["grep"]


def test_yaml_scalars_become_literals():
    assert jmespath.search("a", {"a": 1}) == 1  # sanity
    e = compile_expr(True)
    assert e.parsed["type"] == "literal" and e.parsed["value"] is True


def test_google_re2_private_match_is_used_and_agrees_with_the_public_api():
    """regex.py calls google-re2's compiled ``_regexp.Match`` directly (the public search costs
    twice as much per short line): pin that it exists and that both paths give the same spans."""
    import re2

    from analyzer.rules.regex import _OPTIONS, _spans_function

    rx = re2.compile(r"(?m)a(b)?(?P<c>c)$", _OPTIONS)
    assert callable(getattr(getattr(rx, "_regexp", None), "Match", None))

    class PublicOnly:  # what a wrapper without the private object offers
        groups = rx.groups

        def search(self, *args):
            return rx.search(*args)

    data = "xx\né ac\nabc".encode()
    for pos, end in ((0, len(data)), (3, 8), (9, len(data)), (0, 2)):
        assert _spans_function(rx)(data, pos, end) == _spans_function(PublicOnly())(data, pos, end)
    assert _spans_function(rx)(data, 0, len(data)) == [(6, 8), (-1, -1), (7, 8)]
