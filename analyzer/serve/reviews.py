"""``kubectl auth can-i`` against a bundle: self access and rules reviews are answered
(asking is not a write): reads are allowed, nothing else.

kubectl posts these reviews as Kubernetes protobuf (``k8s\\x00`` + ``runtime.Unknown``), so
the few fields needed (the verb and whether the request is about a resource) are read with
a minimal protobuf wire decoder; JSON bodies are accepted too.  The answer is JSON, which
the client accepts.
"""

from __future__ import annotations

from typing import Any

import orjson

AUTHZ_GV = "authorization.k8s.io/v1"
REVIEW_PATHS = {
    f"/apis/{AUTHZ_GV}/selfsubjectaccessreviews": "SelfSubjectAccessReview",
    f"/apis/{AUTHZ_GV}/selfsubjectrulesreviews": "SelfSubjectRulesReview",
}
READ_VERBS = ("get", "list", "watch")
PROTOBUF_MAGIC = b"k8s\x00"


class ReviewError(ValueError):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ReviewError("truncated protobuf varint")
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, pos


def proto_fields(data: bytes) -> dict[int, list[bytes | int]]:
    """Top-level fields of a protobuf message: number -> values (bytes or ints)."""
    out: dict[int, list[bytes | int]] = {}
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            out.setdefault(number, []).append(value)
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ReviewError("truncated protobuf field")
            out.setdefault(number, []).append(data[pos : pos + length])
            pos += length
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ReviewError(f"unsupported protobuf wire type {wire}")
    return out


def _message(fields: dict[int, list[bytes | int]], number: int) -> dict[int, list[bytes | int]] | None:
    values = [v for v in fields.get(number, []) if isinstance(v, bytes)]
    return proto_fields(values[0]) if values else None


def _text(fields: dict[int, list[bytes | int]] | None, number: int) -> str:
    if not fields:
        return ""
    values = [v for v in fields.get(number, []) if isinstance(v, bytes)]
    return values[0].decode("utf-8", errors="replace") if values else ""


def access_request(body: bytes) -> tuple[str, bool, dict[str, Any]]:
    """(verb, about a resource?, spec as JSON) of a SelfSubjectAccessReview body."""
    if body.startswith(PROTOBUF_MAGIC):
        unknown = proto_fields(body[len(PROTOBUF_MAGIC):])
        raw = [v for v in unknown.get(2, []) if isinstance(v, bytes)]
        review_fields = proto_fields(raw[0]) if raw else {}
        spec_fields = _message(review_fields, 2) or {}
        res = _message(spec_fields, 1)
        if res is not None:
            names = ("namespace", "verb", "group", "version", "resource", "subresource", "name")
            attrs = {k: _text(res, i + 1) for i, k in enumerate(names) if _text(res, i + 1)}
            return attrs.get("verb", ""), True, {"resourceAttributes": attrs}
        non = _message(spec_fields, 2)
        attrs = {k: _text(non, i + 1) for i, k in enumerate(("path", "verb")) if _text(non, i + 1)}
        return attrs.get("verb", ""), False, {"nonResourceAttributes": attrs}
    try:
        review = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        raise ReviewError("request body is neither JSON nor Kubernetes protobuf") from None
    spec = spec_raw if isinstance(review, dict) and isinstance(spec_raw := review.get("spec"), dict) else {}
    resource = spec.get("resourceAttributes")
    if isinstance(resource, dict):
        return str(resource.get("verb") or ""), True, spec
    non_resource = spec.get("nonResourceAttributes")
    return str(non_resource.get("verb") or "") if isinstance(non_resource, dict) else "", False, spec


def answer(kind: str, body: bytes) -> dict[str, Any]:
    """The review with its status filled in; raises ReviewError for an unreadable body."""
    if kind == "SelfSubjectRulesReview":
        status: dict[str, Any] = {
            "resourceRules": [{"verbs": list(READ_VERBS), "apiGroups": ["*"], "resources": ["*"]}],
            "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["*"]}],
            "incomplete": False,
        }
        return {"kind": kind, "apiVersion": AUTHZ_GV, "metadata": {}, "spec": {}, "status": status}
    verb, on_resource, spec = access_request(body)
    allowed = verb in (READ_VERBS if on_resource else ("get",))
    status = {"allowed": allowed, "reason": "kbundle serve is read-only: reads are allowed, nothing else"}
    if not allowed:
        status["denied"] = True
    return {"kind": kind, "apiVersion": AUTHZ_GV, "metadata": {}, "spec": spec, "status": status}
