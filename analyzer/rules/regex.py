"""Rule regular expressions: one engine, linear in the length of the text.

Rule regexes run over attacker-controlled text (any application writes the log lines a
bundle holds), so they run on RE2 (``google-re2``), whose matching time is linear in the
length of the text whatever the pattern: no pattern can backtrack catastrophically, and
a 400 KB crafted line costs a millisecond.  Every rule regex is compiled here and only
here (:func:`compile_regex`); the rest of the engine calls the methods of :class:`Regex`.

The dialect is the part of Python's ``re`` syntax that RE2 runs with the same meaning: a
pattern must parse both in Python's ``re`` (without warnings) and in RE2, so named groups
``(?P<name>...)``, inline flags, classes and repeats mean what Python users expect.  Not
supported (a lint error naming the construct): look-arounds, backreferences, conditionals,
possessive repeats, atomic groups, ``(?x)``, ``\\Z`` (write ``$``), and ``{,n}`` (RE2 reads
it literally: write ``{0,n}``).  Differences that remain (docs/rules.md): ``\\d``, ``\\w``,
``\\s`` and ``\\b`` are ASCII-only, and ``$`` without ``(?m)`` matches only at the very end
of the string (Python also matches before a final newline; the lines rules look at never
end with one).

:func:`required_literals` parses the pattern with Python's parser (``re._parser``, a private
module pinned by a test) to find literal strings every match contains, for the prefilters;
that is sound because the pattern means the same in both dialects.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

import re2  # type: ignore[import-untyped]

try:  # Python 3.11+
    import re._constants as _c  # type: ignore[import-not-found]
    import re._parser as _parser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

_UNANCHORED = re2._Anchor.UNANCHORED
_NO_MATCH = (-1, -1)
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # errors are returned, never printed to stderr
_FLAG_LETTERS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"))
_SUPPORTED_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL


class RegexError(ValueError):
    """A regex that does not compile, or that uses what the linear-time engine cannot run."""


def _unsupported_hint(message: str) -> str:
    if "(?=" in message or "(?!" in message or "(?<" in message:
        return "look-arounds are not supported: match the line, then filter it (contains(), a second grep)"
    if "invalid escape sequence: \\Z" in message:
        return "\\Z is not supported: write $"
    if re.search(r"invalid escape sequence: \\[1-9]", message) or message.endswith("(?P"):
        return "backreferences are not supported"
    if "(?>" in message or "bad repetition operator" in message:
        return "possessive repeats and atomic groups are not supported"
    if "repetition size" in message or "too large" in message:
        return "repeat counts are at most 1000 and the compiled pattern at most 8 MiB (nested counts multiply)"
    return "RE2 does not support this construct"


def _empty_lower_bound(pattern: str) -> int:
    """Index of a ``{,n}`` repeat outside a character class (-1: none)."""
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if pattern.startswith("[^]", i) or pattern.startswith("[]", i):
                i += 2 if pattern[i + 1] == "]" else 3
                continue
        elif ch == "{" and re.match(r"\{,\d+\}", pattern[i:]):
            return i
        i += 1
    return -1


def _spans_function(rx: Any) -> Any:
    """``spans(data, pos, endpos)``: the byte spans of groups 0..n of the first match in
    ``data[pos:endpos]``, or None.  google-re2's wrapper builds a generator and a match object
    per search (twice the cost of the search on a short line), so its compiled object's
    ``Match`` is called directly when it has one (pinned by a test); else the public API."""
    raw = getattr(rx, "_regexp", None)
    match = getattr(raw, "Match", None)
    if match is not None:
        def spans(data: bytes, pos: int, endpos: int) -> list[tuple[int, int]] | None:
            found = match(_UNANCHORED, data, pos, endpos)
            return None if found[0] == _NO_MATCH else found
        return spans
    groups = rx.groups

    def public_spans(data: bytes, pos: int, endpos: int) -> list[tuple[int, int]] | None:
        m = rx.search(data, pos, endpos)
        return None if m is None else [m.span(i) for i in range(groups + 1)]
    return public_spans


def _re2_source(pattern: str, flags: int) -> str:
    letters = "".join(letter for flag, letter in _FLAG_LETTERS if flags & flag)
    return f"(?{letters}){pattern}" if letters else pattern


def check_regex(pattern: object, flags: int = 0) -> str | None:
    """The problem with ``pattern`` as one line, or None when it is a usable rule regex."""
    if not isinstance(pattern, str):
        return f"regex must be a string, got {type(pattern).__name__}"
    return _check_text(pattern, flags)


@lru_cache(maxsize=2048)
def _check_text(pattern: str, flags: int) -> str | None:
    if flags & ~_SUPPORTED_FLAGS:
        return f"regex {pattern!r}: unsupported flags {flags:#x}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "possible nested set" and the like: meanings differ
            _parser.parse(pattern, flags)
    except re.error as e:
        return f"invalid regex {pattern!r}: {e}"
    except (FutureWarning, DeprecationWarning) as w:
        return f"invalid regex {pattern!r}: {w}"
    except RecursionError:
        return f"regex {pattern!r} is too deeply nested"
    try:
        re2.compile(_re2_source(pattern, flags), _OPTIONS)
    except re2.error as e:
        message = e.args[0].decode("utf-8", "replace") if e.args and isinstance(e.args[0], bytes) else str(e)
        return f"regex {pattern!r} is not supported by RE2, the linear-time engine ({message}): {_unsupported_hint(message)}"
    at = _empty_lower_bound(pattern)
    if at >= 0:
        return f"regex {pattern!r}: write {{0,n}} instead of {{,n}} at position {at} (RE2 reads {{,n}} literally)"
    return None


class RegexMatch:
    """One match of a :class:`Regex` on a string: its groups as text."""

    __slots__ = ("_groups", "_names")

    def __init__(self, groups: tuple[str | None, ...], names: dict[str, int]):
        self._groups = groups
        self._names = names

    def group(self, index: int | str = 0) -> str | None:
        return self._groups[self._names[index] if isinstance(index, str) else index]

    def groups(self) -> tuple[str | None, ...]:
        return self._groups[1:]

    def groupdict(self) -> dict[str, str | None]:
        return {name: self._groups[i] for name, i in self._names.items()}


def _encode(s: str) -> bytes:
    return s.encode("utf-8", "surrogatepass")


def _decode(b: bytes) -> str:
    return b.decode("utf-8", "surrogatepass")


class Regex:
    """A rule regex compiled by RE2.  ``pattern``, ``flags``, ``groups`` and ``groupindex`` mean
    what they mean for ``re.Pattern``; matching is linear in the length of the text.

    Text is matched as UTF-8 bytes: :meth:`search` and :meth:`test` take a string,
    :meth:`line_matches` the bytes of a whole file (one encoding, not one per line)."""

    __slots__ = ("pattern", "flags", "groups", "groupindex", "_spans", "_lines_spans")

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern = pattern
        self.flags = flags
        rx = re2.compile(_re2_source(pattern, flags), _OPTIONS)
        self.groups: int = rx.groups
        self.groupindex: dict[str, int] = dict(rx.groupindex)
        self._spans = _spans_function(rx)
        self._lines_spans: Any = None

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:  # picklable: recompiled from its source
        return (Regex, (self.pattern, self.flags))

    def __repr__(self) -> str:
        return f"Regex({self.pattern!r}, {self.flags})"

    # ------------------------------------------------------------------ strings
    def test(self, s: str) -> bool:
        """Whether ``pattern`` matches somewhere in ``s``."""
        b = _encode(s)
        return self._spans(b, 0, len(b)) is not None

    def search(self, s: str) -> RegexMatch | None:
        """The first match in ``s``, with its groups."""
        b = _encode(s)
        spans = self._spans(b, 0, len(b))
        if spans is None:
            return None
        groups = tuple(None if a < 0 else _decode(b[a:e]) for a, e in spans)
        return RegexMatch(groups, self.groupindex)

    def grep(self, lines: list[Any]) -> list[int]:
        """Indexes of the strings of ``lines`` that ``pattern`` matches (non-strings never do).

        Lines without newlines are searched as one buffer in one pass of the engine (a call
        per line costs more than the search itself), with ``^`` and ``$`` at each line."""
        if not lines:
            return []
        if "\\A" in self.pattern or "\\z" in self.pattern or not all(isinstance(ln, str) for ln in lines):
            return [i for i, ln in enumerate(lines) if isinstance(ln, str) and self.test(ln)]
        joined = "\n".join(lines)
        if joined.count("\n") != len(lines) - 1:  # a line holds a newline: per line
            return [i for i, ln in enumerate(lines) if self.test(ln)]
        if self._lines_spans is None:
            self._lines_spans = _spans_function(
                re2.compile(_re2_source(self.pattern, self.flags | re.MULTILINE), _OPTIONS))
        data = _encode(joined)
        out: list[int] = []
        index, counted_to = 0, 0
        for ls, _le, _spans in _line_matches(self._lines_spans, data, None, True):
            index += data.count(b"\n", counted_to, ls)
            counted_to = ls
            out.append(index)
        return out

    # ------------------------------------------------------------------ files
    def line_matches(self, data: bytes, starts: Iterable[int] | None = None,
                     ) -> Iterator[tuple[int, int, list[tuple[int, int]]]]:
        """``(line start, line end, group spans)`` of each line of ``data`` (UTF-8, lines ended
        by ``\\n``; the empty line after a final newline is not a line) that ``pattern``
        matches, in order; the spans are byte offsets in ``data`` ((-1, -1): group unset).

        The pattern must be compiled with ``re.MULTILINE``.  With ``starts`` (line start
        offsets, in order), only those lines are tried."""
        return _line_matches(self._spans, data, starts, False)


def _line_matches(spans_of: Any, data: bytes, starts: Iterable[int] | None, last_empty_line: bool,
                  ) -> Iterator[tuple[int, int, list[tuple[int, int]]]]:
    """See :meth:`Regex.line_matches`; ``last_empty_line``: the empty string after a final
    newline is a line too (``grep`` of a list whose last string is empty)."""
    n = len(data)
    if starts is not None:
        for ls in starts:
            le = data.find(b"\n", ls)
            if le == -1:
                le = n
            spans = spans_of(data, ls, le)
            if spans is not None:
                yield ls, le, spans
        return
    pos = 0
    while pos <= n:
        spans = spans_of(data, pos, n)
        if spans is None:
            return
        start, end = spans[0]
        if start == n and n and data[n - 1] == 10 and not last_empty_line:
            return  # the empty "line" after the final newline
        ls = data.rfind(b"\n", 0, start) + 1
        le = data.find(b"\n", start)
        if le == -1:
            le = n
        if end > le:  # the match crosses the line end: the line on its own decides
            spans = spans_of(data, ls, le)
        if spans is not None:
            yield ls, le, spans
        pos = le + 1


def compile_regex(pattern: str, flags: int = 0) -> Regex:
    """Compile a rule regex or raise :class:`RegexError` with the one-line reason."""
    problem = check_regex(pattern, flags)
    if problem:
        raise RegexError(problem)
    return Regex(pattern, flags)


@lru_cache(maxsize=512)
def cached_compile_regex(pattern: str, flags: int = 0) -> Regex:
    """:func:`compile_regex` with a cache, for regexes that only appear at run time."""
    return compile_regex(pattern, flags)



# -------------------------------------------------------------------- literal prefilter
MIN_LITERAL = 3
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT}


def _required_seq(seq: list[Any]) -> frozenset[str] | None:
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
        elif op is _c.BRANCH:
            alts = [_required_seq(a) for a in av[1]]
            if all(a is not None for a in alts):
                req = frozenset().union(*alts)  # type: ignore[arg-type]
        elif op in _REPEATS and av[0] >= 1:
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
    enough to be a useful prefilter (``bytes.find`` is far faster than any regex); else None.
    Only for patterns :func:`check_regex` accepts (they mean the same in both dialects)."""
    if check_regex(pattern, flags) is not None:
        return None
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
