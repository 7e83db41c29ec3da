"""Safe regular expressions for rules: compile once, refuse catastrophic backtracking.

Rule regexes run over attacker-controlled log lines, so a pattern whose matching time can
grow exponentially with the line length is a lint error.  The check parses the pattern
with Python's own regex parser (``re._parser``) -- so it sees the pattern exactly as the
engine will run it, after its own simplifications -- and flags, inside any unbounded
repeat ``R``:

* a nested unbounded repeat ``X`` whose characters can also start what follows ``X``
  inside ``R``'s body or the next iteration of ``R`` (``(a+)+``, ``(a*)*``, ``(\\w+\\s?)*``,
  ``(.*,)*``): the same text can then be split between iterations in exponentially many
  ways;
* an alternation whose alternatives can start with the same character (``(a|a)*``,
  ``(a|aa)*``, ``(ab|a.)*``).

``([^,]+,)*`` or ``(\\d+\\.)+`` are accepted: what follows the inner repeat cannot be
consumed by it.  The check is conservative but cheap; possessive repeats and atomic groups
are never flagged.
"""

from __future__ import annotations

import re
from functools import lru_cache

try:  # Python 3.11+
    import re._constants as _c
    import re._parser as _parser
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

_OTHER = 256  # stands for every character above U+00FF
_ALL = frozenset(range(257))
_EMPTY: frozenset[int] = frozenset()
_UNBOUNDED_OVER = 10  # a repeat with max above this counts as unbounded

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT}
_POSSESSIVE = getattr(_c, "POSSESSIVE_REPEAT", None)
_ATOMIC = getattr(_c, "ATOMIC_GROUP", None)


class RegexError(ValueError):
    """A regex that does not compile or could backtrack catastrophically."""


def _category_set(cat: object) -> frozenset[int]:
    name = str(cat)
    negate = "NOT_" in name
    if "DIGIT" in name:
        base = {i for i in range(256) if chr(i).isdigit()} | {_OTHER}
    elif "WORD" in name:
        base = {i for i in range(256) if chr(i).isalnum() or chr(i) == "_"} | {_OTHER}
    elif "SPACE" in name:
        base = {i for i in range(256) if chr(i).isspace()} | {_OTHER}
    elif "LINEBREAK" in name:
        base = {10}
    else:  # unknown category: assume anything
        return _ALL
    return _ALL - frozenset(base) if negate else frozenset(base)


def _case(codes: set[int], ignorecase: bool) -> set[int]:
    if not ignorecase:
        return codes
    out = set(codes)
    for c in codes:
        if c < 256:
            for v in (ord(chr(c).lower()[0]), ord(chr(c).upper()[0])):
                out.add(v if v < 256 else _OTHER)
    return out


def _in_set(items: list, ignorecase: bool) -> frozenset[int]:
    negate = False
    codes: set[int] = set()
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            codes.add(av if av < 256 else _OTHER)
        elif op is _c.RANGE:
            lo, hi = av
            codes.update(range(min(lo, 256), min(hi, 255) + 1))
            if hi > 255:
                codes.add(_OTHER)
        elif op is _c.CATEGORY:
            codes |= _category_set(av)
        else:  # CHARSET/BIGCHARSET (only after compilation) or anything unexpected
            return _ALL
    codes = _case(codes, ignorecase)
    return _ALL - frozenset(codes) | {_OTHER} if negate else frozenset(codes)


class _Analyzer:
    def __init__(self, flags: int):
        self.ignorecase = bool(flags & re.IGNORECASE)
        self.dotall = bool(flags & re.DOTALL)
        self.problems: list[str] = []

    # -- first sets ---------------------------------------------------------
    def first_item(self, item: tuple) -> tuple[frozenset[int], bool]:
        op, av = item
        if op is _c.LITERAL:
            return frozenset(_case({av if av < 256 else _OTHER}, self.ignorecase)), False
        if op is _c.NOT_LITERAL:
            return _ALL - frozenset(_case({av}, self.ignorecase)) | {_OTHER}, False
        if op is _c.ANY:
            return (_ALL if self.dotall else _ALL - {10}), False
        if op is _c.IN:
            return _in_set(av, self.ignorecase), False
        if op in _REPEATS or op is _POSSESSIVE:
            mn, _mx, body = av
            f, n = self.first_seq(body)
            return f, n or mn == 0
        if op is _c.SUBPATTERN:
            return self.first_seq(av[-1])
        if op is _ATOMIC:
            return self.first_seq(av)
        if op is _c.BRANCH:
            s: set[int] = set()
            nullable = False
            for alt in av[1]:
                f, n = self.first_seq(alt)
                s |= f
                nullable = nullable or n
            return frozenset(s), nullable
        if op is _c.GROUPREF_EXISTS:
            _g, yes, no = av
            f1, n1 = self.first_seq(yes)
            f2, n2 = self.first_seq(no) if no is not None else (_EMPTY, True)
            return f1 | f2, n1 or n2
        if op is _c.GROUPREF:
            return _ALL, True
        # AT (anchors), ASSERT, ASSERT_NOT and anything else: zero-width
        return _EMPTY, True

    def first_seq(self, seq: list) -> tuple[frozenset[int], bool]:
        s: set[int] = set()
        for item in seq:
            f, n = self.first_item(item)
            s |= f
            if not n:
                return frozenset(s), False
        return frozenset(s), True

    # -- the check ----------------------------------------------------------
    def check_seq(self, seq: list, follow_after: frozenset[int], in_repeat: bool) -> None:
        items = list(seq)
        for i, item in enumerate(items):
            rest_first, rest_nullable = self.first_seq(items[i + 1:])
            follow = rest_first | (follow_after if rest_nullable else _EMPTY)
            op, av = item
            if op in _REPEATS:
                _mn, mx, body = av
                unbounded = mx == _c.MAXREPEAT or mx > _UNBOUNDED_OVER
                body_first, _ = self.first_seq(body)
                if unbounded and in_repeat and body_first & follow:
                    self.problems.append(
                        "nested quantifier: a repeated group contains a repeat that can match the "
                        "same text as what follows it (like (a+)+), which backtracks catastrophically"
                    )
                if unbounded:
                    # Inside the body, what follows the end of the body is the next iteration.
                    self.check_seq(body, body_first, True)
                else:
                    self.check_seq(body, follow, in_repeat)
            elif op is _c.SUBPATTERN:
                self.check_seq(av[-1], follow, in_repeat)
            elif op is _c.BRANCH:
                alts = av[1]
                if in_repeat:
                    firsts = []
                    for alt in alts:
                        f, n = self.first_seq(alt)
                        firsts.append(f | follow if n else f)
                    for a in range(len(firsts)):
                        for b in range(a + 1, len(firsts)):
                            if firsts[a] & firsts[b] or (not firsts[a] and not firsts[b]):
                                self.problems.append(
                                    "overlapping alternatives inside a repeat (like (a|a)* or (a|aa)*), "
                                    "which backtracks catastrophically"
                                )
                                break
                        else:
                            continue
                        break
                for alt in alts:
                    self.check_seq(alt, follow, in_repeat)
            elif op is _c.GROUPREF_EXISTS:
                _g, yes, no = av
                self.check_seq(yes, follow, in_repeat)
                if no is not None:
                    self.check_seq(no, follow, in_repeat)
            elif op in (_c.ASSERT, _c.ASSERT_NOT):
                self.check_seq(av[1], _EMPTY, False)
            # possessive repeats and atomic groups never backtrack into themselves: skipped


def catastrophic_reasons(pattern: str, flags: int = 0) -> list[str]:
    """Reasons why ``pattern`` may backtrack catastrophically (empty when it looks safe).

    Raises :class:`re.error` when the pattern does not parse."""
    parsed = _parser.parse(pattern, flags)
    an = _Analyzer(parsed.state.flags | flags)
    an.check_seq(list(parsed), _EMPTY, False)
    out: list[str] = []
    for p in an.problems:
        if p not in out:
            out.append(p)
    return out


def check_regex(pattern: object, flags: int = 0) -> str | None:
    """The problem with ``pattern`` as one line, or None when it is a usable, safe regex."""
    if not isinstance(pattern, str):
        return f"regex must be a string, got {type(pattern).__name__}"
    try:
        re.compile(pattern, flags)
        reasons = catastrophic_reasons(pattern, flags)
    except re.error as e:
        return f"invalid regex {pattern!r}: {e}"
    except RecursionError:
        return f"regex {pattern!r} is too deeply nested"
    if reasons:
        return f"catastrophic regex {pattern!r}: {reasons[0]}"
    return None


def safe_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile ``pattern`` or raise :class:`RegexError` (invalid or catastrophic)."""
    problem = check_regex(pattern, flags)
    if problem:
        raise RegexError(problem)
    return re.compile(pattern, flags)


@lru_cache(maxsize=512)
def cached_safe_compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """:func:`safe_compile` with a cache, for regexes that only appear at run time."""
    return safe_compile(pattern, flags)


# -------------------------------------------------------------------- literal prefilter
MIN_LITERAL = 3


def _required_seq(seq: list) -> frozenset[str] | None:
    """Strings of which at least one occurs in every match of ``seq`` (None: unknown)."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in seq:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        if run:
            candidates.append(frozenset({"".join(run)}))
            run = []
        req: frozenset[str] | None = None
        if op is _c.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            if not add_flags & re.IGNORECASE:
                req = _required_seq(sub)
        elif op is _ATOMIC:
            req = _required_seq(av)
        elif op is _c.BRANCH:
            alts = [_required_seq(a) for a in av[1]]
            if all(a is not None for a in alts):
                req = frozenset().union(*alts)  # type: ignore[arg-type]
        elif (op in _REPEATS or op is _POSSESSIVE) and av[0] >= 1:
            req = _required_seq(av[2])
        if req:
            candidates.append(req)
    if run:
        candidates.append(frozenset({"".join(run)}))
    best, best_score = None, (0, 0)
    for cand in candidates:
        score = (min(len(s) for s in cand), -len(cand))
        if score > best_score:
            best, best_score = cand, score
    return best


def required_literals(pattern: str, flags: int = 0) -> list[str] | None:
    """Literal strings one of which every match of ``pattern`` contains, when they are long
    enough to be a useful prefilter (``str.find`` is far faster than the regex); else None."""
    try:
        parsed = _parser.parse(pattern, flags)
    except (re.error, RecursionError):
        return None
    if (parsed.state.flags | flags) & re.IGNORECASE:
        return None
    req = _required_seq(list(parsed))
    if not req or min(len(s) for s in req) < MIN_LITERAL or any("\n" in s for s in req):
        return None
    return sorted(req)
