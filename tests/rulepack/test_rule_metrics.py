"""The built-in pack stays readable (issue #19): long and repeated expressions are counted
by tools/rule_metrics.py and held to the limits of the issue: at most 10 expressions over
200 characters, no expression (of 50 characters or more) written in several rules (a shared
``def`` or ``table`` is the place for it).  Before the language changes the pack had 85 long
expressions and 43 repeated ones (99 copies)."""

from __future__ import annotations

from tools.rule_metrics import LONG, ROOT, long_expressions, repeated_expressions, written_expressions

MAX_LONG = 10
MAX_REPEATED = 0


def test_long_and_repeated_expressions_stay_under_their_ceilings():
    found, lengths = written_expressions(ROOT / "rules")
    assert len(found) > 500 and len(lengths) > 50  # the pack was read
    long = long_expressions(found)
    assert len(long) <= MAX_LONG, "\n".join(f"{w.file} {w.owner} {w.key}: {len(w.text)}" for w in long)
    repeated = repeated_expressions(found)
    assert len(repeated) <= MAX_REPEATED, "\n".join(f"{sorted(v)}: {k[:100]}" for k, v in repeated.items())


def test_the_counter_counts(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    x, y, z = ("x" * (LONG + 1), "y" * (LONG + 1), "z" * (LONG + 1))
    shared = "objects('Pod')[?status.phase == 'Pending' && spec.nodeName == null]"
    (rules / "a.yaml").write_text(
        f"defs:\n  d: \"{x}\"\nrules:\n"
        f"  - id: A\n    let: {{p: \"{shared}\"}}\n    when: \"{y}\"\n"
        f"  - id: B\n    each: \"{shared}\"\n    classify: {{c: {{of: \"{z}\", cases: []}}}}\n")
    found, lengths = written_expressions(rules)
    assert len(long_expressions(found)) == 3
    assert repeated_expressions(found) == {shared: {"A", "B"}}
    assert lengths == [3, 3]
