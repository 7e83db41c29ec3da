"""Annotations that copy a whole applied object, decoded and re-encoded for redaction.

Tools that apply objects keep a copy of what they applied on the object itself, Secret data
and env values included: ``kubectl apply``, Carvel kapp, Rancher wrangler (JSON, or raw
base64 of gzipped JSON) and banzaicloud k8s-objectmatcher (JSON, or base64 of a zip with one
member).  :mod:`analyzer.collect.redact` redacts the decoded object and writes it back in the
same encoding.  Every decoder returns None on what it does not understand.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import json
import zipfile
import zlib
from typing import Any

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# Annotations that hold a whole copy of the applied object (a Secret's data, env values):
# kubectl apply, Carvel kapp, Rancher wrangler (JSON, or raw base64 of gzipped JSON) and
# banzaicloud k8s-objectmatcher (JSON, or base64 of a zip with one member).
APPLIED_COPY_ANNOTATIONS = frozenset({
    LAST_APPLIED,
    "kapp.k14s.io/original",
    "objectset.rio.cattle.io/applied",
    "banzaicloud.com/last-applied",
})
# Debug copies of a diff against the applied object (kapp): masked whole.
APPLIED_DIFF_ANNOTATIONS = frozenset({"kapp.k14s.io/original-diff", "kapp.k14s.io/original-diff-full"})
# Largest decompressed applied copy decoded (annotations are at most 256 KiB compressed).
MAX_DECODED_COPY = 8 * 1024 * 1024


def _b64decode(text: str) -> bytes | None:
    compact = "".join(text.split())
    if not compact or len(compact) % 4 == 1:
        return None
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _bounded_gunzip(data: bytes) -> bytes | None:
    d = zlib.decompressobj(wbits=31)
    try:
        out = d.decompress(data, MAX_DECODED_COPY + 1)
    except zlib.error:
        return None
    return out if len(out) <= MAX_DECODED_COPY else None


def _single_zip_member(data: bytes) -> tuple[str, bytes] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) != 1 or infos[0].file_size > MAX_DECODED_COPY:
                return None
            with zf.open(infos[0]) as f:
                body = f.read(MAX_DECODED_COPY + 1)
            return (infos[0].filename, body) if len(body) <= MAX_DECODED_COPY else None
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError, zlib.error):
        return None


def _json_object(raw: bytes | str) -> dict[str, Any] | None:
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None


def decode_applied_copy(text: str) -> tuple[dict[str, Any], str] | None:
    """An applied-object annotation as ``(object, encoding)``: ``json``, ``gzip`` (base64 of
    gzipped JSON, wrangler), ``zip:<member>`` (base64 of a one-member zip, k8s-objectmatcher)
    or ``base64`` (base64 of JSON).  None when it is none of these."""
    if text.lstrip().startswith("{"):
        doc = _json_object(text)
        return (doc, "json") if doc is not None else None
    raw = _b64decode(text)
    if raw is None:
        return None
    if raw.startswith(b"\x1f\x8b"):
        body = _bounded_gunzip(raw)
        doc = _json_object(body) if body is not None else None
        return (doc, "gzip") if doc is not None else None
    if raw.startswith(b"PK\x03\x04"):
        member = _single_zip_member(raw)
        doc = _json_object(member[1]) if member is not None else None
        return (doc, "zip:" + member[0]) if doc is not None and member is not None else None
    if raw.lstrip().startswith(b"{"):
        doc = _json_object(raw)
        return (doc, "base64") if doc is not None else None
    return None


def encode_applied_copy(doc: dict[str, Any], encoding: str, original: str) -> str:
    """``doc`` written back as :func:`decode_applied_copy` found it (padding as the original)."""
    body = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    if encoding == "json":
        return body + ("\n" if original.endswith("\n") else "")
    data = body.encode()
    if encoding == "gzip":
        data = gzip.compress(data, mtime=0)
    elif encoding.startswith("zip:"):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(zipfile.ZipInfo(encoding[4:], date_time=(1980, 1, 1, 0, 0, 0)), data)
        data = buf.getvalue()
    out = base64.b64encode(data).decode()
    return out if original.rstrip().endswith("=") else out.rstrip("=")
