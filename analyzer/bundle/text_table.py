"""kubectl's human-readable tables (``kubectl get ... [-o wide]``) read back into rows.

kubectl prints its tables through a tab writer: every cell starts exactly at its
column's start, columns are separated by at least two spaces (three by default), header
names may hold single spaces (``NOMINATED NODE``, ``LAST SEEN``) and so may cells
(``5 (9m ago)``, event messages).  So cells are cut at the header's column starts, not
split on whitespace.  A row whose cells do not line up with the header (an overflowing
cell, a re-flowed or hand-edited table) is tried once more split on runs of two or more
spaces or tabs; when that does not give one cell per column either, the row is counted as
broken and left out: a broken row is never guessed into a wrong column.

Like the value parsers (:mod:`analyzer.bundle.values`), :func:`parse_table` returns None for
text it does not understand (no header line: ``No resources found``, an error message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A header: upper-case names (letters, digits and - _ ( ) / . %), at least one column.
_HEADER = re.compile(r"^[A-Z][A-Z0-9_\-()/.%]*(?: {1,}[A-Z][A-Z0-9_\-()/.%]*)*\s*$")
_LOOSE_SPLIT = re.compile(r"\t+|\s{2,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# kubectl prints a value in every cell (``<none>`` when there is none); a few can be blank
# (an event's SUBOBJECT): a row with more blank cells is a fragment, not a row.
MAX_EMPTY_CELLS = 2
# Lines kubectl (or the shell redirecting its stderr into the file) writes before a table.
_PREAMBLE = re.compile(r"^(?:Warning|W\d{4}|I\d{4}|E\d{4})\b")


@dataclass
class Table:
    """The rows of one table, keyed by header name; ``broken`` holds the 1-based line
    numbers of rows whose cells did not line up with the header."""

    columns: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    broken: list[int] = field(default_factory=list)


def column_starts(header: str) -> list[int]:
    """Start offsets of the header's columns: the first non-blank character and every one
    that follows two or more blanks."""
    return [i for i, c in enumerate(header) if c != " " and (i == 0 or header[i - 2:i] == "  "
                                                             or (i == 1 and header[0] == " "))]


def _aligned(line: str, starts: list[int]) -> list[str] | None:
    cells = []
    for j, s in enumerate(starts):
        end = starts[j + 1] if j + 1 < len(starts) else len(line)
        if j > 0 and s < len(line):
            if line[s - 1] != " ":
                return None  # the previous cell runs into this column
            if line[s] == " " and line[s:end].strip():
                return None  # this cell starts off its column
        cells.append(line[s:end].strip() if s < len(line) else "")
    return cells


def parse_table(text: str) -> Table | None:
    """The table in ``text``, or None when there is none.  Blank lines are skipped; lines
    before the header are skipped when they look like kubectl warnings or log lines."""
    lines = text.splitlines()
    header_at = None
    for i, line in enumerate(lines):
        if not line.strip() or _PREAMBLE.match(line):
            continue
        if _HEADER.match(line) and ("  " in line.strip() or " " not in line.strip()):
            header_at = i
        break
    if header_at is None:
        return None
    header = lines[header_at].rstrip()
    starts = column_starts(header)
    columns = [header[s:e].strip() for s, e in zip(starts, starts[1:] + [len(header)], strict=True)]
    table = Table(columns)
    for n, line in enumerate(lines[header_at + 1:], header_at + 2):
        if not line.strip():
            continue
        line = line.rstrip()
        cells = None if "\t" in line else _aligned(line, starts)
        if cells is None:
            loose = _LOOSE_SPLIT.split(line.strip())
            cells = loose if len(loose) == len(columns) else None
        if cells is not None and (_CONTROL.search(line) or sum(1 for c in cells if not c) > MAX_EMPTY_CELLS):
            cells = None  # binary noise, or a fragment of a row
        if cells is None:
            table.broken.append(n)
            continue
        table.rows.append(dict(zip(columns, cells, strict=True)))
    return table
