"""Parsing and formatting of the values rules compare: quantities, times, durations,
versions, exit codes.  Every parser returns None on input it does not understand (rules
run over untrusted, often incomplete data: a bad value must never raise)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1), "k": Decimal(10**3),
            "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12), "P": Decimal(10**15),
            "E": Decimal(10**18)}
_QUANTITY = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$")


def _number(d: Decimal) -> int | float:
    if d == d.to_integral_value():
        return int(d)
    return float(d)


def parse_quantity(q: Any) -> int | float | None:
    """Kubernetes quantity -> number: ``'500m'`` -> 0.5, ``'1Gi'`` -> 1073741824, ``'2'`` -> 2."""
    if isinstance(q, bool) or q is None:
        return None
    if isinstance(q, int | float):
        return q if math.isfinite(q) else None
    if not isinstance(q, str):
        return None
    m = _QUANTITY.match(q.strip())
    if not m:
        return None
    try:
        num = Decimal(m.group(1))
    except InvalidOperation:  # pragma: no cover - the regex only lets numbers through
        return None
    suffix = m.group(2) or ""
    if suffix in _BINARY:
        return _number(num * _BINARY[suffix])
    if suffix in _DECIMAL:
        return _number(num * _DECIMAL[suffix])
    try:
        return _number(num * (Decimal(10) ** int(suffix[1:])))
    except (InvalidOperation, ValueError, OverflowError):
        return None


def parse_time(ts: Any) -> datetime | None:
    """RFC 3339 / ISO 8601 time (``2024-05-01T10:00:00Z``) or epoch seconds -> aware datetime."""
    if isinstance(ts, datetime):
        return ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    if isinstance(ts, bool) or ts is None:
        return None
    if isinstance(ts, int | float):
        try:
            return datetime.fromtimestamp(ts, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(ts, str) or not ts.strip():
        return None
    s = ts.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    # Go prints up to 9 fractional digits; Python takes at most 6.
    s = re.sub(r"(\.\d{6})\d+", r"\1", s)
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        return _parse_go_time(ts)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# Go's time.String() (must-gather's timestamp file): "2021-09-14 14:44:13.399177 +0000 UTC m=+0.1"
_GO_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?(?:\s+[A-Z]{2,5})?"
)


def _parse_go_time(value: str) -> datetime | None:
    m = _GO_TIME.match(value.strip())
    if not m:
        return None
    date, clock, frac, zone = m.groups()
    frac = (frac or "")[:6].ljust(6, "0")
    if not zone or zone == "Z":
        zone = "+00:00"
    elif ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    try:
        return datetime.fromisoformat(f"{date}T{clock}.{frac}{zone}").astimezone(UTC)
    except ValueError:
        return None


def format_time(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": 86400,
                   "w": 604800}


def parse_duration(s: Any) -> int | float | None:
    """Go-style duration -> seconds: ``'5m'`` -> 300, ``'1h30m'`` -> 5400, ``'2m0.5s'``, ``'3d'``.

    A bare number is taken as seconds."""
    if isinstance(s, bool) or s is None:
        return None
    if isinstance(s, int | float):
        return s
    if not isinstance(s, str):
        return None
    text = s.strip()
    sign = 1
    if text.startswith("-"):
        sign, text = -1, text[1:]
    if not text:
        return None
    try:
        return sign * _int_if_whole(float(text))
    except ValueError:
        pass
    pos, total = 0, 0.0
    for m in _DURATION_PART.finditer(text):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    if pos != len(text) or pos == 0:
        return None
    return sign * _int_if_whole(total)


_AGE = re.compile(r"^(?:(\d+)y)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_age(s: Any) -> int | None:
    """kubectl's AGE column (``HumanDuration``) -> seconds: ``'45s'``, ``'3m12s'``, ``'5h'``,
    ``'6d12h'``, ``'2y31d'``.  kubectl rounds down, so the result is the lower bound of the
    age.  ``<unknown>``, ``<invalid>`` and anything else give None."""
    if not isinstance(s, str):
        return None
    m = _AGE.match(s.strip())
    if not m or not any(m.groups()):
        return None
    y, d, h, mi, sec = (int(g) if g else 0 for g in m.groups())
    return (((y * 365 + d) * 24 + h) * 60 + mi) * 60 + sec


def _int_if_whole(x: float) -> int | float:
    return int(x) if math.isfinite(x) and x == int(x) else x


_VERSION = re.compile(r"^\s*v?(\d+(?:\.\d+)*)")


def parse_version(v: Any) -> tuple[int, ...] | None:
    """``'v1.28.3-eks-1234'`` -> (1, 28, 3); ``'1.31.2+k3s1'`` -> (1, 31, 2)."""
    if isinstance(v, int | float) and not isinstance(v, bool):
        v = str(v)
    if not isinstance(v, str):
        return None
    m = _VERSION.match(v)
    if not m:
        return None
    return tuple(int(x) for x in m.group(1).split("."))


def version_cmp(a: Any, b: Any) -> int | None:
    """-1, 0 or 1 comparing versions by their numeric parts (missing parts count as 0)."""
    pa, pb = parse_version(a), parse_version(b)
    if pa is None or pb is None:
        return None
    n = max(len(pa), len(pb))
    pa, pb = pa + (0,) * (n - len(pa)), pb + (0,) * (n - len(pb))
    return (pa > pb) - (pa < pb)


def human_bytes(n: Any) -> str:
    """``1073741824`` -> ``'1.0 GiB'``; quantities such as ``'512Mi'`` are parsed first."""
    v = parse_quantity(n)
    if v is None:
        return "" if n is None else str(n)
    sign = "-" if v < 0 else ""
    v = abs(v)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if v < 1024 or unit == "PiB":
            return f"{sign}{int(v)} B" if unit == "B" else f"{sign}{v:.1f} {unit}"
        v /= 1024
    return str(n)  # pragma: no cover


def human_duration(seconds: Any) -> str:
    """``93784`` -> ``'1d2h'``, ``45`` -> ``'45s'``, ``'5m'`` -> ``'5m'``."""
    v = parse_duration(seconds)
    if v is None:
        return "" if seconds is None else str(seconds)
    sign = "-" if v < 0 else ""
    s = int(abs(v))
    if s < 60:
        return f"{sign}{s}s" if s or not v else f"{sign}{abs(v):.3g}s"
    days, rem = divmod(s, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    if days:
        return f"{sign}{days}d{hours}h" if hours else f"{sign}{days}d"
    if hours:
        return f"{sign}{hours}h{minutes}m" if minutes else f"{sign}{hours}h"
    return f"{sign}{minutes}m{secs}s" if secs else f"{sign}{minutes}m"


_SIGNALS = {
    1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
    9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
}
_SIGNAL_MEANING = {
    "SIGINT": "interrupted", "SIGABRT": "aborted", "SIGKILL": "killed, often by the OOM killer or a failed probe",
    "SIGSEGV": "segmentation fault", "SIGTERM": "terminated", "SIGBUS": "bus error", "SIGFPE": "arithmetic error",
    "SIGILL": "illegal instruction", "SIGPIPE": "broken pipe", "SIGHUP": "hang-up", "SIGQUIT": "quit",
}


def decode_exit_code(code: Any) -> str:
    """``137`` -> ``'137 (SIGKILL: killed, often by the OOM killer or a failed probe)'``."""
    try:
        n = int(code)
    except (TypeError, ValueError):
        return "" if code is None else str(code)
    if isinstance(code, bool):
        return str(code)
    if n == 0:
        meaning = "success"
    elif n == 1:
        meaning = "application error"
    elif n == 2:
        meaning = "application error or shell misuse"
    elif n == 126:
        meaning = "command not executable"
    elif n == 127:
        meaning = "command not found"
    elif n == 128:
        meaning = "invalid exit argument"
    elif 128 < n < 160:
        sig = n - 128
        name = _SIGNALS.get(sig)
        meaning = f"{name}: {_SIGNAL_MEANING.get(name, f'signal {sig}')}" if name else f"signal {sig}"
    elif n == 255:
        meaning = "exit status out of range / application error"
    else:
        meaning = "application error"
    return f"{n} ({meaning})"
