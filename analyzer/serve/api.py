"""The read-only Kubernetes API of one bundle, independent of HTTP.

:meth:`BundleAPI.handle` takes a method, a path with its query and the request headers
and returns a :class:`Response`: a JSON document (object, list, Table, Status, discovery),
pod log text, or a watch (events to stream).  Every failure becomes a ``Status`` object
with the code the API server would use; nothing here raises to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

import orjson

from analyzer.bundle.model import Bundle
from analyzer.serve import discovery, openapi, reviews
from analyzer.serve.events import as_core, as_new
from analyzer.serve.logs import pod_log
from analyzer.serve.printers import Printer, parse_time, pod_row_conditions, printer_for, safe_row
from analyzer.serve.resources import Catalog, Resource, build_catalog
from analyzer.serve.selectors import SelectorError, field_selector_matcher, label_selector_matcher

JSON = "application/json"
READ_ONLY = "kbundle serve is read-only: a bundle is a snapshot and cannot be changed"
# Subresources that act on a live cluster (refused like a write).
LIVE_SUBRESOURCES = {"exec", "attach", "portforward", "proxy", "eviction", "binding", "ephemeralcontainers", "resize"}


class Headers(Protocol):
    """What the API reads of request headers: a dict, or http.server's case-insensitive message."""

    def get(self, name: str, /) -> str | None: ...


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = JSON
    # A watch: these events first, then the stream stays open (nothing changes in a bundle)
    # until ``watch_timeout`` seconds pass or the client goes away.
    watch_events: list[dict[str, Any]] | None = None
    watch_timeout: float | None = None
    headers: dict[str, str] = field(default_factory=dict)


def dumps(doc: Any) -> bytes:
    return orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS, default=str)


def status_doc(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        doc["details"] = details
    return doc


def status_response(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> Response:
    return Response(code, dumps(status_doc(code, reason, message, details)))


def not_found_path(path: str) -> Response:
    return status_response(404, "NotFound", "the server could not find the requested resource",
                           {"causes": [{"reason": "UnexpectedServerResponse", "message": f"404 page not found: {path}"}]})


def _object_path(rest: list[str]) -> tuple[bool, str | None, list[str]]:
    """Split what follows the group version into (legacy ``watch/`` prefix, namespace,
    ``<plural>[/<name>[/<subresource>...]]``)."""
    watch = bool(rest) and rest[0] == "watch"
    if watch:
        rest = rest[1:]
    if len(rest) >= 3 and rest[0] == "namespaces" and not (len(rest) == 3 and rest[2] in ("status", "finalize")):
        return watch, rest[1], rest[2:]
    return watch, None, rest


def subresource_of(segs: list[str]) -> str | None:
    """The subresource a path asks for (``exec`` in ``/api/v1/namespaces/a/pods/p/exec``)."""
    if not segs or segs[0] not in ("api", "apis"):
        return None
    _watch, _ns, rest = _object_path(segs[2:] if segs[0] == "api" else segs[3:])
    return rest[2] if len(rest) >= 3 else None


def parse_accept(header: str | None) -> list[tuple[str, dict[str, str]]]:
    """``Accept`` as [(media type, params)], in the client's order."""
    out = []
    for part in (header or "").split(","):
        pieces = [p.strip() for p in part.split(";") if p.strip()]
        if not pieces:
            continue
        params = {}
        for p in pieces[1:]:
            k, _, v = p.partition("=")
            params[k.strip().lower()] = v.strip().strip('"')
        out.append((pieces[0].lower(), params))
    return out


def bundle_now(bundle: Bundle) -> datetime:
    """The time every age is measured to: the bundle's collection time (the reader sets it),
    else the newest timestamp in the bundle; the wall clock only when it has no time at all."""
    t = bundle.collected_at
    if isinstance(t, datetime):
        return t if t.tzinfo else t.replace(tzinfo=UTC)
    return newest_time(bundle) or datetime.now(UTC)


class BundleAPI:
    """Answers Kubernetes API requests from one bundle."""

    def __init__(self, bundle: Bundle, server_address: str = "127.0.0.1:0"):
        self.bundle = bundle
        self.catalog: Catalog = build_catalog(bundle)
        self.now = bundle_now(bundle)
        self.printer = Printer(self.now)
        self.server_address = server_address
        self.resource_version = self._newest_resource_version()

    def _newest_resource_version(self) -> str:
        best = 0
        for obj in self.bundle.objects_all:
            md = obj.get("metadata")
            rv = md.get("resourceVersion") if isinstance(md, dict) else None
            if isinstance(rv, str) and rv.isdigit():
                best = max(best, int(rv))
        return str(best or 1)

    # ------------------------------------------------------------------ entry point
    def handle(self, method: str, target: str, headers: Headers, body: bytes = b"") -> Response:
        try:
            return self._handle(method.upper(), target, headers, body)
        except Exception as e:  # noqa: BLE001 - a request must never crash the server
            message = " ".join(f"{type(e).__name__}: {e}".split())[:300]
            return status_response(500, "InternalError", f"kbundle serve: internal error: {message}")

    def _handle(self, method: str, target: str, headers: Headers, body: bytes) -> Response:
        url = urlsplit(target)
        path = "/" + "/".join(unquote(p) for p in url.path.split("/") if p)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        accept = parse_accept(headers.get("Accept") or headers.get("accept"))
        segs = [s for s in path.split("/") if s]
        sub = subresource_of(segs)
        if sub in LIVE_SUBRESOURCES:
            return self._refuse_live(sub)
        if method == "POST" and path in reviews.REVIEW_PATHS:
            try:
                return Response(201, dumps(reviews.answer(reviews.REVIEW_PATHS[path], body)))
            except reviews.ReviewError as e:
                return status_response(400, "BadRequest", str(e))
        if method not in ("GET", "HEAD"):
            return self._refuse_write(method, path)
        if path == "/version":
            return Response(200, dumps(discovery.version_info(self.bundle.cluster_version)))
        if path in ("/healthz", "/livez", "/readyz"):
            return Response(200, b"ok", "text/plain; charset=utf-8")
        if segs and segs[0] == "openapi":
            return self._openapi(path, segs)
        if not segs:
            return Response(200, dumps({"paths": ["/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz",
                                                  "/version"]}))
        if segs[0] == "api":
            if len(segs) == 1:
                return self._discovery_root(core=True, accept=accept)
            if segs[1] != "v1":
                return not_found_path(path)
            group, version, rest = "", "v1", segs[2:]
        elif segs[0] == "apis":
            if len(segs) == 1:
                return self._discovery_root(core=False, accept=accept)
            if len(segs) == 2:
                doc = discovery.api_group(self.catalog, segs[1])
                return Response(200, dumps(doc)) if doc else not_found_path(path)
            group, version, rest = segs[1], segs[2], segs[3:]
        else:
            return not_found_path(path)
        if not rest:
            doc = discovery.resource_list(self.catalog, group, version)
            return Response(200, dumps(doc)) if doc else not_found_path(path)
        return self._resource_request(path, group, version, rest, query, accept)

    def _refuse_write(self, method: str, path: str) -> Response:
        verb = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(method, method.lower())
        return status_response(405, "MethodNotAllowed", f"{READ_ONLY} ({verb} {path} refused)",
                               {"causes": [{"reason": "MethodNotAllowed", "message": f"{method} is not supported"}]})

    @staticmethod
    def _refuse_live(sub: str) -> Response:
        return status_response(405, "MethodNotAllowed",
                               f"kbundle serve is read-only: {sub} needs a running cluster; a bundle has no live "
                               "containers")

    def _openapi(self, path: str, segs: list[str]) -> Response:
        if segs[1:2] == ["v3"]:
            if len(segs) == 2:
                return Response(200, dumps(openapi.v3_root(self.catalog)))
            if segs[2] == "api" and len(segs) == 4:
                doc = openapi.v3_group_version(self.catalog, "", segs[3], self.bundle.cluster_version)
            elif segs[2] == "apis" and len(segs) == 5:
                doc = openapi.v3_group_version(self.catalog, segs[3], segs[4], self.bundle.cluster_version)
            else:
                doc = None
            if doc is not None:
                return Response(200, dumps(doc))
        return not_found_path(path)

    # ------------------------------------------------------------------ discovery
    def _discovery_root(self, core: bool, accept: list[tuple[str, dict[str, str]]]) -> Response:
        for media, params in accept:
            if params.get("g") == "apidiscovery.k8s.io" and params.get("as") == "APIGroupDiscoveryList" \
                    and media in ("application/json", "*/*") and params.get("v") in ("v2", "v2beta1"):
                v = params["v"]
                ctype = discovery.AGGREGATED_V2 if v == "v2" else discovery.AGGREGATED_V2BETA1
                return Response(200, dumps(discovery.aggregated(self.catalog, core, v)), ctype)
            if media in ("application/json", "*/*") and not params.get("as"):
                break
        if core:
            return Response(200, dumps(discovery.api_versions(self.server_address)))
        return Response(200, dumps(discovery.api_group_list(self.catalog)))

    # ------------------------------------------------------------------ resources
    def _resource_request(self, path: str, group: str, version: str, rest: list[str], query: dict[str, str],
                          accept: list[tuple[str, dict[str, str]]]) -> Response:
        watch_prefix, namespace, rest = _object_path(rest)
        watch = watch_prefix or (query.get("watch") or "").lower() in ("true", "1")
        if not rest:
            return not_found_path(path)
        plural, name, sub = rest[0], (rest[1] if len(rest) > 1 else None), (rest[2] if len(rest) > 2 else None)
        if len(rest) > 3:
            return not_found_path(path)
        res = self.catalog.find(group, version, plural)
        if res is None:
            return not_found_path(path)
        if namespace is not None and not res.namespaced:
            return not_found_path(path)
        if name is not None and res.namespaced and namespace is None:
            return not_found_path(path)  # GET /api/v1/pods/x has no meaning on the API server either
        if name is None:
            if watch:
                return self._watch(res, namespace, query, accept)
            return self._list(res, namespace, query, accept)
        obj = res.get(namespace, name)
        if obj is None:
            return self._not_found(res, name)
        if sub is None or sub == "status":
            if watch:
                return self._watch(res, namespace, {**query, "fieldSelector": f"metadata.name={name}"}, accept)
            return self._single(res, obj, query, accept)
        if sub == "log" and res.kind == "Pod" and res.builtin:
            result = pod_log(self.bundle, obj, query)
            if result.text is None:
                return status_response(result.code, result.reason, result.message)
            return Response(200, result.text.encode("utf-8"), "text/plain")
        return not_found_path(path)

    def _not_found(self, res: Resource, name: str) -> Response:
        what = f"{res.plural}.{res.group}" if res.group else res.plural
        details: dict[str, Any] = {"name": name, "kind": res.plural}
        if res.group:
            details["group"] = res.group
        return status_response(404, "NotFound", f'{what} "{name}" not found', details)

    def _shaped(self, res: Resource, obj: dict[str, Any]) -> dict[str, Any]:
        if res.event_shape == "core":
            return as_core(obj)
        if res.event_shape == "events.k8s.io":
            return as_new(obj)
        return obj

    def _select(self, res: Resource, namespace: str | None, query: dict[str, str]) -> list[dict[str, Any]] | Response:
        try:
            by_label = label_selector_matcher(query.get("labelSelector"))
            by_field = field_selector_matcher(query.get("fieldSelector"))
        except SelectorError as e:
            return status_response(400, "BadRequest", str(e))
        out = []
        for obj in res.in_namespace(namespace):
            shaped = self._shaped(res, obj)
            if by_label(shaped) and by_field(shaped):
                out.append(shaped)
        return out

    @staticmethod
    def _wants(accept: list[tuple[str, dict[str, str]]], as_kind: str) -> bool:
        for media, params in accept:
            if media not in ("application/json", "*/*"):
                continue
            if params.get("as") == as_kind and params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1"):
                return True
            if not params.get("as"):
                return False  # plain JSON preferred before
        return False

    def _list(self, res: Resource, namespace: str | None, query: dict[str, str],
              accept: list[tuple[str, dict[str, str]]]) -> Response:
        items = self._select(res, namespace, query)
        if isinstance(items, Response):
            return items
        if self._wants(accept, "Table"):
            return Response(200, dumps(self._table(res, items, query)))
        if self._wants(accept, "PartialObjectMetadataList"):
            return Response(200, dumps({
                "kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                "metadata": {"resourceVersion": self.resource_version},
                "items": [self._partial(o) for o in items],
            }))
        return Response(200, dumps({
            "kind": f"{res.kind}List",
            "apiVersion": res.group_version,
            "metadata": {"resourceVersion": self.resource_version},
            "items": items,
        }))

    def _single(self, res: Resource, obj: dict[str, Any], query: dict[str, str],
                accept: list[tuple[str, dict[str, str]]]) -> Response:
        shaped = self._shaped(res, obj)
        if self._wants(accept, "Table"):
            return Response(200, dumps(self._table(res, [shaped], query)))
        if self._wants(accept, "PartialObjectMetadata"):
            return Response(200, dumps(self._partial(shaped)))
        return Response(200, dumps(shaped))

    @staticmethod
    def _partial(obj: dict[str, Any]) -> dict[str, Any]:
        md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": md}

    def _table(self, res: Resource, items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
        columns, row_fn = printer_for(res.kind, res.builtin, res.printer_columns)
        include = query.get("includeObject") or "Metadata"
        rows = []
        for obj in items:
            row: dict[str, Any] = {"cells": safe_row(row_fn, self.printer, obj, len(columns))}
            if res.kind == "Pod" and res.builtin:
                conditions = pod_row_conditions(obj)
                if conditions:
                    row["conditions"] = conditions
            if include == "Object":
                row["object"] = obj
            elif include != "None":
                row["object"] = self._partial(obj)
            rows.append(row)
        return {
            "kind": "Table",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": self.resource_version},
            "columnDefinitions": columns,
            "rows": rows,
        }

    def _watch(self, res: Resource, namespace: str | None, query: dict[str, str],
               accept: list[tuple[str, dict[str, str]]]) -> Response:
        items = self._select(res, namespace, query)
        if isinstance(items, Response):
            return items
        rv = query.get("resourceVersion") or ""
        initial = (query.get("sendInitialEvents") or "").lower() == "true" or rv in ("", "0")
        events: list[dict[str, Any]] = []
        if initial:
            table = self._wants(accept, "Table")
            for obj in items:
                shown = self._table(res, [obj], query) if table else obj
                events.append({"type": "ADDED", "object": shown})
            if (query.get("sendInitialEvents") or "").lower() == "true":
                events.append({"type": "BOOKMARK", "object": {
                    "kind": res.kind, "apiVersion": res.group_version,
                    "metadata": {"resourceVersion": self.resource_version,
                                 "annotations": {"k8s.io/initial-events-end": "true"}}}})
        timeout: float | None = None
        raw = query.get("timeoutSeconds")
        if raw:
            try:
                timeout = max(0.0, float(raw))
            except ValueError:
                timeout = None
        return Response(200, b"", JSON, watch_events=events, watch_timeout=timeout)


def newest_time(bundle: Bundle) -> datetime | None:
    """The newest timestamp among object creation and event times (for bundles without a
    collection time)."""
    best: datetime | None = None
    for obj in bundle.objects_all:
        md = md_raw if isinstance(md_raw := obj.get("metadata"), dict) else {}
        for value in (md.get("creationTimestamp"), obj.get("lastTimestamp"), obj.get("eventTime")):
            t = parse_time(value)
            if t and (best is None or t > best):
                best = t
    return best
