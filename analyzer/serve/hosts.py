"""Which ``Host`` headers ``kbundle serve`` answers: protection against DNS rebinding.

A web page can make the browser resolve its own name to 127.0.0.1 and then read
``http://evil.example:PORT/api/v1/secrets`` from a local ``kbundle serve``: the request
reaches the server with ``Host: evil.example:PORT``.  Like ``kubectl proxy``, the server
answers only host names that match ``--accept-hosts``: comma-separated regular expressions
searched in the header's host (the port removed), by default kubectl proxy's own
``DefaultHostAcceptRE`` (loopback names only).  One difference: an IPv6 literal keeps its
brackets (``[::1]:8080`` is matched as ``[::1]``), so the default's ``^\\[::1\\]$`` accepts a
server bound to ``::1`` (kubectl proxy strips them and so never matches it with a port).
The literal address the server is bound to is accepted too (a kubeconfig points at it; a
rebinding page always sends its own name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# kubectl proxy's default (staging/src/k8s.io/kubectl/pkg/proxy/proxy_server.go).
DEFAULT_ACCEPT_HOSTS = r"^localhost$,^127\.0\.0\.1$,^\[::1\]$"
_WILDCARD_ADDRESSES = frozenset({"", "0.0.0.0", "::", "[::]"})
_PORT = re.compile(r":[0-9]*")


def parse_accept_hosts(text: str) -> list[re.Pattern[str]] | str:
    """The compiled patterns of an ``--accept-hosts`` value, or the reason it is invalid."""
    patterns: list[re.Pattern[str]] = []
    for i, part in enumerate(text.split(","), 1):
        if not part:
            continue
        try:
            patterns.append(re.compile(part))
        except re.error as e:
            return f"--accept-hosts: pattern #{i} {part!r} is not a valid regular expression: {e}"
    return patterns


def host_of(header: str) -> str:
    """The host part of a ``Host`` header: ``localhost:8001`` -> ``localhost``,
    ``[::1]:8001`` -> ``[::1]``, ``example`` -> ``example``."""
    header = header.strip()
    if header.startswith("["):
        end = header.find("]")
        rest = header[end + 1:] if end >= 0 else ""
        if end >= 0 and (not rest or _PORT.fullmatch(rest)):
            return header[: end + 1]
        return header  # not host:port: matched whole (and so refused by the default)
    if header.count(":") == 1:
        return header.split(":", 1)[0]
    return header


@dataclass(frozen=True)
class HostFilter:
    """Accepts a request when its host matches a pattern or is the bound address itself."""

    patterns: tuple[re.Pattern[str], ...]
    bound_address: str = ""

    def accepts(self, header: str | None) -> bool:
        if not header:
            return False  # HTTP/1.0 without Host: nothing to check against, refused as kubectl proxy does
        host = host_of(header)
        if self.bound_address not in _WILDCARD_ADDRESSES:
            bound = f"[{self.bound_address}]" if ":" in self.bound_address else self.bound_address
            if host.lower() == bound.lower():
                return True
        return any(p.search(host) for p in self.patterns)


def is_wildcard(address: str) -> bool:
    """An address that listens on every interface (0.0.0.0, ::)."""
    return address in _WILDCARD_ADDRESSES
