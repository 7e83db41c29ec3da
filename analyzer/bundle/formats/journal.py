"""Host journals as other tools save them, turned into the node files the native collector
writes (``commands/journal-<unit>.txt``, ``commands/dmesg.txt``; docs/rules.md "Node file
names"): journald's JSON export (``journalctl -o json``, one entry per line) and syslog-style
text lines (``Mar 21 14:51:20 host kubelet[785]: ...``, ``2024-05-01T10:00:00+0000 host ...``).

Every function here returns None (or skips the entry) on what it does not understand."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

# Service names as systemd units -> the node file the native collector writes for them.
_UNIT_FILE_SAFE = re.compile(r"[^A-Za-z0-9_.@-]+")
KERNEL_FILE = "commands/dmesg.txt"


def unit_file(unit: str) -> str:
    """``kubelet.service`` -> ``commands/journal-kubelet.txt``."""
    name = unit[: -len(".service")] if unit.endswith(".service") else unit
    name = _UNIT_FILE_SAFE.sub("_", name).strip("._") or "unknown"
    return f"commands/journal-{name}.txt"


def _field(entry: dict[str, Any], key: str) -> str | None:
    """A journal field as text.  The export writes binary values as arrays of byte values
    and repeated fields as arrays of values."""
    value = entry.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        if all(type(b) is int and 0 <= b < 256 for b in value):
            return bytes(value).decode("utf-8", "replace")
        first = value[0]
        return first if isinstance(first, str) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _short_iso(realtime_us: str | None) -> str:
    try:
        seconds = int(realtime_us or "") / 1_000_000
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
    except (ValueError, OverflowError, OSError):
        return "-"


def render_entry(entry: dict[str, Any], default_host: str) -> str | None:
    """One export entry as ``journalctl -o short-iso --utc`` prints it (continuation lines
    of a multi-line message indented under the first)."""
    message = _field(entry, "MESSAGE")
    if message is None:
        return None
    host = _field(entry, "_HOSTNAME") or default_host
    ident = _field(entry, "SYSLOG_IDENTIFIER") or _field(entry, "_COMM") or "unknown"
    pid = _field(entry, "SYSLOG_PID") or _field(entry, "_PID")
    prefix = f"{_short_iso(_field(entry, '__REALTIME_TIMESTAMP'))} {host} {ident}{f'[{pid}]' if pid else ''}: "
    lines = message.rstrip("\n").split("\n")
    if len(lines) == 1:
        return prefix + lines[0]
    pad = " " * len(prefix)
    return prefix + lines[0] + "".join("\n" + pad + line for line in lines[1:])


def entry_file(entry: dict[str, Any]) -> str:
    """The node file an entry belongs in: kernel messages in dmesg, the rest per unit."""
    if _field(entry, "_TRANSPORT") == "kernel":
        return KERNEL_FILE
    unit = _field(entry, "_SYSTEMD_UNIT") or _field(entry, "_SYSTEMD_USER_UNIT") or _field(entry, "UNIT")
    if unit is None:
        unit = _field(entry, "SYSLOG_IDENTIFIER") or "unknown"
    return unit_file(unit)


def looks_like_export(head: bytes) -> bool:
    """The first bytes of a file hold a journald JSON export entry."""
    first = head.lstrip()[:1]
    return first == b"{" and (b'"__CURSOR"' in head or b'"__REALTIME_TIMESTAMP"' in head) and b'"MESSAGE"' in head


class ExportSplit:
    """A journald JSON export split into per-unit texts, plus what could not be read."""

    def __init__(self) -> None:
        self.files: dict[str, list[str]] = {}
        self.bad_lines = 0
        self.first_bad = 0
        self.newest_us = 0
        self.hosts: Counter[str] = Counter()

    def texts(self) -> dict[str, bytes]:
        return {name: ("\n".join(lines) + "\n").encode() for name, lines in self.files.items()}


def split_export(data: bytes, default_host: str) -> ExportSplit:
    """Split ``journalctl -o json`` output by unit (see :func:`entry_file`).  Lines that are
    not JSON objects with a readable ``MESSAGE`` are counted in ``bad_lines`` (``first_bad``
    is the first one's number)."""
    out = ExportSplit()
    for number, raw in enumerate(data.split(b"\n"), 1):
        raw = raw.strip()
        if not raw:
            continue
        try:
            entry = orjson.loads(raw)
        except orjson.JSONDecodeError:
            entry = None
        if not isinstance(entry, dict) or (text := render_entry(entry, default_host)) is None:
            out.bad_lines += 1  # not a JSON object, or no readable MESSAGE
            out.first_bad = out.first_bad or number
            continue
        out.files.setdefault(entry_file(entry), []).append(text)
        host = _field(entry, "_HOSTNAME")
        if host:
            out.hosts[host] += 1
        stamp = _field(entry, "__REALTIME_TIMESTAMP")
        if stamp and stamp.isdigit() and int(stamp) > out.newest_us:
            out.newest_us = int(stamp)
    return out


# --------------------------------------------------------------------------- syslog-style text
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                        "Nov", "Dec"), 1)}
# "Mar 21 14:51:20 host ident[pid]: message"  /  "2024-05-01T10:00:00+0000 host ident[pid]: message"
SYSLOG_LINE = re.compile(
    r"^(?:(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<clock>\d\d:\d\d:\d\d)(?:\.\d+)?"
    r"|(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?))"
    r" (?P<host>\S+) (?P<ident>[^\s\[:]+)(?:\[(?P<pid>\d+)\])?: "
)


def syslog_time(match: re.Match[str], year: int | None) -> datetime | None:
    """The time of a syslog-style line; lines without a year need ``year`` (UTC assumed:
    the clock of containers and cloud nodes, and what ``journalctl --utc`` prints)."""
    if match.group("iso"):
        from analyzer.bundle.values import parse_time

        return parse_time(match.group("iso"))
    if year is None:
        return None
    try:
        return datetime.strptime(f"{year} {_MONTHS[match.group('mon')]} {match.group('day')} {match.group('clock')}",
                                 "%Y %m %d %H:%M:%S").replace(tzinfo=UTC)
    except (KeyError, ValueError):
        return None


def line_time(line: str, reference: datetime | None) -> datetime | None:
    """The UTC time of a syslog-style journal line.  A line without a year takes the year of
    ``reference`` (the collection time), or the year before when that would put it more than
    a day after ``reference`` (the journal crossed a new year).  None when the line is not
    a journal line or has no year and there is no reference."""
    m = SYSLOG_LINE.match(line)
    if m is None:
        return None
    if m.group("iso") or reference is None:
        return syslog_time(m, None)
    when = syslog_time(m, reference.year)
    if when is not None and when > reference + timedelta(days=1):
        when = syslog_time(m, reference.year - 1)
    return when


def syslog_share(lines: Iterable[str], sample: int = 50) -> float:
    """Share of the first ``sample`` non-empty lines that are syslog-style journal lines."""
    seen = hits = 0
    for line in lines:
        if not line.strip():
            continue
        seen += 1
        hits += 1 if SYSLOG_LINE.match(line) else 0
        if seen >= sample:
            break
    return hits / seen if seen else 0.0
