"""Text scope: every text file of the bundle is read once, scanned by all the text rules
whose globs select it, then released.

Each rule's pattern runs over the file's UTF-8 bytes in C (RE2 through
:class:`analyzer.rules.regex.Regex`, linear in the size of the file, from the last
position); a hit is confirmed against its own line so that patterns keep line-by-line
semantics (a match never spans lines), and line numbers are counted incrementally.  Only the
matching lines are decoded.  A rule that spends more than its time budget on one file
(:data:`TEXT_RULE_BUDGET_S`) stops with a rule error naming the file.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

from analyzer.bundle.model import Bundle, TextFile, decode_text
from analyzer.rules.model import Rule
from analyzer.rules.regex import Regex

MAX_MATCHES_KEPT = 100
# Seconds a text rule may spend on one file before it stops with a rule error (matching is
# linear in the file's size; this bounds what a huge file of matching lines costs).
TEXT_RULE_BUDGET_S = 60.0


@dataclass
class Match:
    line: int
    text: str
    groups: Any

    def as_dict(self, path: str) -> dict[str, Any]:
        return {"line": self.line, "text": self.text, "groups": self.groups, "path": path}


@dataclass
class FileHits:
    tf: TextFile
    count: int
    matches: deque[Match]


@dataclass
class Group:
    key: tuple[str, ...]
    files: list[FileHits] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(f.count for f in self.files)


def _candidate_lines(data: bytes, literals: list[bytes]) -> list[int]:
    """Start offsets of the lines holding at least one of ``literals`` (``bytes.find`` runs
    in C far faster than a regex), in order."""
    starts: set[int] = set()
    find, rfind = data.find, data.rfind
    for lit in literals:
        i = find(lit)
        while i != -1:
            starts.add(rfind(b"\n", 0, i) + 1)
            le = find(b"\n", i)
            if le == -1:
                break
            i = find(lit, le + 1)
    return sorted(starts)


class ScanBudgetExceeded(TimeoutError):
    """A text rule used up its time budget on one file."""


def text_bytes(data: bytes) -> bytes:
    """A text file's bytes as the engine matches them: the UTF-8 of its text
    (:func:`analyzer.bundle.model.decode_text`: invalid UTF-8 and NUL bytes become U+FFFD),
    CRLF line ends as LF.  Valid UTF-8 without NUL (nearly every file) is used as it is."""
    if not data.isascii() or b"\x00" in data:
        try:
            data.decode("utf-8")
            valid = b"\x00" not in data
        except UnicodeDecodeError:
            valid = False
        if not valid:
            data = decode_text(data).encode("utf-8")
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
        if data.endswith(b"\r"):
            data = data[:-1]
    return data


def scan_text(pattern: Regex, text: str | bytes, keep: int = MAX_MATCHES_KEPT,
              literals: list[str] | None = None, deadline: float | None = None) -> tuple[int, deque[Match]]:
    """Count the lines of ``text`` matching ``pattern``; keep the last ``keep`` matches.

    ``text`` is a string or a file's bytes.  With ``literals`` (one of which every match
    contains), only the lines holding one are tried.  CRLF line ends count as LF (a line
    never ends with ``\r``).  Past ``deadline`` (``time.perf_counter()``), raises
    :class:`ScanBudgetExceeded`."""
    data = text_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    return scan_bytes(pattern, data, keep, literals, deadline)


def scan_bytes(pattern: Regex, data: bytes, keep: int = MAX_MATCHES_KEPT,
               literals: list[str] | None = None, deadline: float | None = None) -> tuple[int, deque[Match]]:
    """:func:`scan_text` of bytes already through :func:`text_bytes` (a file scanned by
    several rules is normalised once)."""
    starts = _candidate_lines(data, [lit.encode("utf-8") for lit in literals]) if literals else None
    kept: deque[Match] = deque(maxlen=keep)
    count = 0
    line_no = 1
    counted_to = 0
    names = pattern.groupindex
    for ls, le, spans in pattern.line_matches(data, starts):
        if deadline is not None and perf_counter() > deadline:
            raise ScanBudgetExceeded(f"time budget used up after {count} matching line(s)")
        line_no += data.count(b"\n", counted_to, ls)
        counted_to = ls
        count += 1
        values = [None if a < 0 else data[a:b].decode("utf-8", "surrogatepass") for a, b in spans[1:]]
        groups: Any = {name: values[i - 1] for name, i in names.items()} if names else values
        kept.append(Match(line_no, data[ls:le].decode("utf-8", "surrogatepass"), groups))
    return count, kept


def file_info(tf: TextFile) -> dict[str, Any]:
    meta = tf.meta or {}
    return {
        "path": tf.path,
        "vpath": tf.vpath,
        "node": meta.get("node"),
        "namespace": meta.get("namespace"),
        "pod": meta.get("pod"),
        "container": meta.get("container"),
        "previous": meta.get("previous"),
    }


def group_key(rule: Rule, tf: TextFile, bundle: Bundle) -> tuple[str, ...]:
    meta = tf.meta or {}
    if rule.group_by == "container" and meta.get("type") == "log":
        return ("container", meta["namespace"], meta["pod"], meta["container"])
    if rule.group_by == "pod" and meta.get("type") == "log":
        return ("pod", meta["namespace"], meta["pod"])
    if rule.group_by == "node":
        if meta.get("type") == "node_file":
            return ("node", meta["node"])
        if meta.get("type") == "log":
            pod = bundle.get("Pod", meta["namespace"], meta["pod"])
            node = (pod or {}).get("spec", {}).get("nodeName") if isinstance((pod or {}).get("spec"), dict) else None
            if isinstance(node, str) and node:
                return ("node", node)
    return ("file", tf.vpath)


def _plain_ascii(lit: str) -> bool:
    """Printable ASCII (and tabs): found in the bytes exactly when found in the text."""
    return all(" " <= c <= "~" or c == "\t" for c in lit)


def minimal_literals(literals: list[str] | None) -> list[str] | None:
    """The literals without those containing another one (a line holding the longer one
    holds the shorter one too, and the pattern confirms every candidate line)."""
    if not literals:
        return literals
    uniq = sorted(set(literals), key=len)
    kept: list[str] = []
    for lit in uniq:
        if not any(k in lit for k in kept):
            kept.append(lit)
    return kept


class TextScanner:
    """Runs all text rules over the bundle's text files in one pass.

    When every rule that applies to a file has required literals, all of them ASCII, the
    file's bytes are searched for them first; a file holding none is not decoded at all
    (most log files of a large bundle), since an ASCII literal is in the decoded text
    exactly when its bytes are in the UTF-8 bytes."""

    def __init__(self, bundle: Bundle, rules: list[Rule], budget: float | None = None):
        self.bundle = bundle
        self.budget = TEXT_RULE_BUDGET_S if budget is None else budget  # seconds per rule and file
        self.rules = [r for r in rules if r.scope == "text" and r.pattern is not None and r.files_re is not None]
        self.groups: dict[str, dict[tuple[str, ...], Group]] = {r.id: {} for r in self.rules}
        self.files_seen: dict[str, int] = {r.id: 0 for r in self.rules}
        self.failed: dict[str, str] = {}  # rule id -> error
        self.by_id = {r.id: r for r in self.rules}
        self.literals = {r.id: minimal_literals(r.pattern_literals) for r in self.rules}
        self.byte_literals: dict[str, list[bytes] | None] = {
            rid: [lit.encode() for lit in lits] if lits and all(_plain_ascii(lit) for lit in lits) else None
            for rid, lits in self.literals.items()
        }

    def applicable(self, tf: TextFile) -> list[Rule]:
        return [r for r in self.rules if r.id not in self.failed and r.files_re.match(tf.vpath)]  # type: ignore[union-attr]

    def scan_file(self, tf: TextFile, applicable: list[Rule], timer: Any) -> list[tuple[str, int, deque[Match]]] | None:
        """The matches of ``applicable`` rules in one file: ``(rule id, count, last matches)``
        for each rule with matches; None when the file cannot be read (a problem is recorded)."""

        t0 = perf_counter()
        try:
            data = tf.raw()
        except Exception as e:  # noqa: BLE001 - a broken member is a bundle problem, not fatal
            self.bundle.add_problem(tf.path, f"cannot read: {e}")
            return None
        t1 = perf_counter()
        timer("(reading text files)", t1 - t0)
        needed = []
        for rule in applicable:
            blits = self.byte_literals[rule.id]
            if blits is None or any(lit in data for lit in blits):
                needed.append(rule)
        hits: list[tuple[str, int, deque[Match]]] = []
        if not needed:
            timer("(searching text files)", perf_counter() - t1)
            return hits
        data = text_bytes(data)
        for rule in needed:
            t1 = perf_counter()
            try:
                count, kept = scan_bytes(rule.pattern, data, literals=self.literals[rule.id],  # type: ignore[arg-type]
                                         deadline=t1 + self.budget)
            except ScanBudgetExceeded as e:
                self.failed[rule.id] = (f"stopped scanning {tf.path}: {e} (a text rule may spend "
                                        f"{self.budget:g} s per file)")
                continue
            except Exception as e:  # noqa: BLE001
                self.failed[rule.id] = f"{type(e).__name__}: {e} (scanning {tf.path})"
                continue
            if count:
                hits.append((rule.id, count, kept))
            timer(rule.id, perf_counter() - t1)
        return hits

    def scan(self, timer: Any, on_file: Any = None,
             scanned: dict[str, list[tuple[str, int, deque[Match]]] | None] | None = None) -> None:
        """``timer(rule_id, seconds)`` accumulates profile time; ``on_file(i)`` reports progress.
        ``scanned``: the results of files scanned elsewhere, by bundle path (None: unreadable);
        the other files are scanned here."""
        if not self.rules:
            return
        for i, tf in enumerate(self.bundle.text_files()):
            if on_file is not None:
                on_file(i)
            applicable = self.applicable(tf)
            if not applicable:
                continue
            if scanned is not None and tf.path in scanned:
                hits = scanned[tf.path]
            else:
                hits = self.scan_file(tf, applicable, timer)
            if hits is None:
                continue
            for rule in applicable:
                self.files_seen[rule.id] += 1
            for rule_id, count, kept in hits:
                rule = self.by_id[rule_id]
                key = group_key(rule, tf, self.bundle)
                grp = self.groups[rule_id].setdefault(key, Group(key))
                grp.files.append(FileHits(tf, count, kept))
