"""Make untrusted bundle strings safe to *display* (the escaping itself is the output format's job).

Every string in a report may come from an attacker-controlled bundle: object names, labels,
event messages, log lines.  These helpers replace what a reader must never receive raw:

- control characters other than newline and tab (terminal escapes, NUL, DEL, C1 controls) and
  the Unicode bidirectional overrides/isolates ("Trojan Source" reordering) are shown as the
  visible text ``\\xNN`` / ``\\uNNNN``;
- lone surrogates (which cannot be encoded to UTF-8) become U+FFFD;
- for XML, the characters XML 1.0 forbids are also shown as ``\\uNNNN``.

``safe_url`` says whether a reference may become a link (plain http/https URLs only).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

# C0 except \t and \n, DEL, C1; bidi embeddings/overrides/isolates and marks that reorder text.
_DISPLAY_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# Also what XML 1.0 cannot carry at all (the surrogates are covered above).
_XML_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)


_NOT_IN_URLS = frozenset('<>"\'`{}|\\^')


def _visible(m: re.Match[str]) -> str:
    ch = m.group(0)
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def display_text(value: Any) -> str:
    """``value`` as a string with control and reordering characters made visible."""
    s = value if isinstance(value, str) else str(value)
    return _DISPLAY_UNSAFE.sub(_visible, s)


def xml_text(value: Any) -> str:
    """Like :func:`display_text`, and also free of every character XML 1.0 forbids."""
    s = value if isinstance(value, str) else str(value)
    return _XML_UNSAFE.sub(_visible, s)


def one_line(value: Any, limit: int = 0) -> str:
    """Display text on one line (runs of whitespace collapsed), cut at ``limit`` characters."""
    s = " ".join(display_text(value).split())
    if limit and len(s) > limit:
        s = s[: max(0, limit - 1)] + "\u2026"
    return s


def safe_url(value: Any) -> str | None:
    """``value`` if it is a plain http(s) URL that may be rendered as a link, else None."""
    if not isinstance(value, str) or len(value) > 2000:
        return None
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F or c in _NOT_IN_URLS for c in value):
        return None  # a URL never holds these unencoded; they could close a Markdown <autolink>
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if _DISPLAY_UNSAFE.search(value):
        return None
    return value
