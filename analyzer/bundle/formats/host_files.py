"""What the readers of host-level collectors share (Rancher log collector, support-bundle-kit
node archives, troubleshoot host collectors): attaching a host's text files as node files of
its node under the native names rules read, gzip'd logs read lazily under the size cap,
certificate expiry lines, and telling a log from the error kubectl printed instead of it."""

from __future__ import annotations

import gzip
import io
import re
import zlib

from analyzer.bundle.formats.common import ReadContext
from analyzer.bundle.model import TextFile, text_from_bytes
from analyzer.bundle.safe_source import FileTooLarge


# journald unit -> the native node file of its journal (docs/rules.md "Node file names")
def journal_file(unit: str) -> str:
    return f"commands/journal-{unit}.txt"


def node_for_host(host: str, nodes: list[str]) -> str | None:
    """The Node a host name stands for: the same name, or one is the other's short name."""
    if host in nodes:
        return host
    for n in nodes:
        if n.startswith(host + ".") or host.startswith(n + "."):
            return n
    return None


def gunzipped(ctx: ReadContext, full: str, vpath: str) -> TextFile:
    """A gzip'd text file of the bundle, decompressed when first read and never beyond
    ``--max-file-bytes``; damaged or oversized data becomes a problem and what was read
    so far is kept."""
    source, limits, bundle = ctx.source, ctx.limits, ctx.bundle
    cap = limits.max_file_bytes

    def load() -> bytes:
        try:
            packed = source.read(full)
        except (OSError, FileTooLarge, KeyError) as e:
            bundle.add_problem(full, f"cannot read: {getattr(e, 'strerror', None) or e}")
            return b""
        out = io.BytesIO()
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(packed)) as gz:
                while True:
                    chunk = gz.read(1 << 20)
                    if not chunk:
                        break
                    if out.tell() + len(chunk) > cap:
                        out.write(chunk[: cap - out.tell()])
                        bundle.add_problem(full, f"decompressed size exceeds --max-file-bytes ({cap} bytes); "
                                                 "the rest is not read")
                        break
                    out.write(chunk)
        except (OSError, EOFError, zlib.error) as e:
            bundle.add_problem(full, f"damaged gzip data ({e}); {out.tell()} bytes read")
        return out.getvalue()

    return TextFile(full, vpath, load, {"size": source.files.get(full, 0)})


def text_or_gunzipped(ctx: ReadContext, full: str, vpath: str) -> TextFile:
    return gunzipped(ctx, full, vpath) if full.endswith(".gz") else ctx.text(full, vpath)


# openssl x509 -text: "            Not After : Nov 29 08:12:00 2026 GMT"
_NOT_AFTER = re.compile(r"^\s*Not After\s*:\s*(.+?)\s*$", re.MULTILINE)


def cert_expiry_lines(ctx: ReadContext, cert_files: list[str]) -> str:
    """``<path> notAfter=<date>`` lines (the native ``commands/cert-expiry.txt`` form) from
    ``openssl x509 -text`` outputs."""
    lines = []
    for full in cert_files:
        data = ctx.read(full)
        if data is None:
            continue
        m = _NOT_AFTER.search(data.decode("utf-8", "replace"))
        if m:
            lines.append(f"{full} notAfter={m.group(1)}")
    return "".join(line + "\n" for line in lines)


def add_derived_node_file(ctx: ReadContext, node: str, relpath: str, sources: str, text: str) -> None:
    """A node file built from other files of the bundle (``sources`` names them)."""
    if text and (node, relpath) not in ctx.bundle.node_files:
        ctx.bundle.add_node_file(node, relpath, text_from_bytes(sources, f"nodes/{node}/{relpath}", text.encode()))


# What kubectl (or the shell) writes instead of a log it could not get.
_NOT_A_LOG = re.compile(
    r"^(?:Error from server|error: |Error: |unable to retrieve container logs|failed to (?:get|try resolving)|"
    r"previous terminated container .* not found)"
)


def is_fetch_error(head: bytes) -> bool:
    """True when a short file holds only the error kubectl printed instead of the log."""
    text = head.decode("utf-8", "replace").strip()
    return bool(text) and "\n" not in text and bool(_NOT_A_LOG.match(text))
