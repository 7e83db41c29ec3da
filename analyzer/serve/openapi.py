"""A minimal OpenAPI v3 description of the served resources.

It carries no schemas; it exists so that kubectl's pre-flight checks succeed and a write
reaches the server, which refuses it with a clear read-only Status.  Without it ``kubectl
apply`` stops before sending anything ("failed to download openapi") and the user never
learns that the server is read-only.  kubectl looks for the PATCH operation of the kind
with a ``fieldValidation`` query parameter to decide that the server validates fields.
"""

from __future__ import annotations

import hashlib
from typing import Any

from analyzer.serve.resources import Catalog


def _gv_key(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def v3_root(catalog: Catalog) -> dict[str, Any]:
    paths = {}
    for group, versions in catalog.groups():
        for version in versions:
            key = _gv_key(group, version)
            digest = hashlib.sha256(
                ",".join(f"{r.plural}:{r.kind}" for r in catalog.resources_of(group, version)).encode()
            ).hexdigest()[:32].upper()
            paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}
    return {"paths": paths}


def v3_group_version(catalog: Catalog, group: str, version: str, cluster_version: str | None) -> dict[str, Any] | None:
    resources = catalog.resources_of(group, version)
    if not resources:
        return None
    prefix = "/" + _gv_key(group, version)
    params = [{"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True},
               "description": "kbundle serve is read-only; every write is refused."}]
    paths: dict[str, Any] = {}
    for r in resources:
        gvk = {"group": group, "kind": r.kind, "version": version}

        def op(action: str, plural: str = r.plural, kind: str = r.kind, gvk: dict[str, str] = gvk) -> dict[str, Any]:
            return {
                "description": f"{action} {kind} (writes are refused: the server is read-only)",
                "operationId": f"{action}{kind}",
                "parameters": params,
                "responses": {"200": {"description": "OK"}, "405": {"description": "kbundle serve is read-only"}},
                "x-kubernetes-action": action,
                "x-kubernetes-group-version-kind": gvk,
                "tags": [plural],
            }

        collection = f"{prefix}/namespaces/{{namespace}}/{r.plural}" if r.namespaced else f"{prefix}/{r.plural}"
        paths[collection] = {"get": op("list"), "post": op("post")}
        paths[collection + "/{name}"] = {"get": op("get"), "put": op("put"), "patch": op("patch"),
                                         "delete": op("delete")}
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes (kbundle serve, read-only)", "version": cluster_version or "unknown"},
        "paths": paths,
        "components": {"schemas": {}},
    }
