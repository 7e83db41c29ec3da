"""API discovery documents for a served bundle: ``/version``, the legacy documents
(``/api``, ``/apis``, ``/apis/<group>``, ``/api/v1``, ``/apis/<group>/<version>``) and
aggregated discovery (``apidiscovery.k8s.io/v2`` and ``v2beta1``), which current kubectl
asks for first."""

from __future__ import annotations

import re
from typing import Any

from analyzer.serve.resources import VERBS, Catalog, Resource

AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

# Subresources a client may ask for, per kind (only GET is served).
SUBRESOURCES = {"Pod": ["log", "status"]}


def version_info(cluster_version: str | None) -> dict[str, str]:
    """The ``/version`` document for the bundle's cluster version."""
    text = (cluster_version or "").strip()
    m = re.match(r"^v?(\d+)\.(\d+)", text)
    major, minor = (m.group(1), m.group(2)) if m else ("", "")
    git_version = (text if text.startswith("v") else f"v{text}") if text else "v0.0.0-kbundle-unknown"
    return {
        "major": major,
        "minor": minor,
        "gitVersion": git_version,
        "gitCommit": "",
        "gitTreeState": "",
        "buildDate": "",
        "goVersion": "",
        "compiler": "",
        "platform": "linux/amd64",
    }


def _legacy_resource(r: Resource) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": r.plural,
        "singularName": r.singular,
        "namespaced": r.namespaced,
        "kind": r.kind,
        "verbs": list(VERBS),
    }
    if r.short_names:
        out["shortNames"] = list(r.short_names)
    if r.categories:
        out["categories"] = list(r.categories)
    return out


def resource_list(catalog: Catalog, group: str, version: str) -> dict[str, Any] | None:
    """APIResourceList for ``/api/v1`` or ``/apis/<group>/<version>`` (None if not served)."""
    resources = catalog.resources_of(group, version)
    if not resources:
        return None
    items: list[dict[str, Any]] = []
    for r in resources:
        items.append(_legacy_resource(r))
        for sub in SUBRESOURCES.get(r.kind, []) if r.builtin else []:
            items.append({"name": f"{r.plural}/{sub}", "singularName": "", "namespaced": r.namespaced,
                          "kind": "Pod" if sub == "status" else "", "verbs": ["get"]})
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": items,
    }


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def _group_doc(group: str, versions: list[str]) -> dict[str, Any]:
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list(catalog: Catalog) -> dict[str, Any]:
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group_doc(g, vs) for g, vs in catalog.groups() if g],
    }


def api_group(catalog: Catalog, group: str) -> dict[str, Any] | None:
    for g, vs in catalog.groups():
        if g == group and g:
            return {"kind": "APIGroup", "apiVersion": "v1", **_group_doc(g, vs)}
    return None


def _aggregated_resource(r: Resource) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resource": r.plural,
        "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
        "scope": "Namespaced" if r.namespaced else "Cluster",
        "singularResource": r.singular,
        "verbs": list(VERBS),
    }
    if r.short_names:
        out["shortNames"] = list(r.short_names)
    if r.categories:
        out["categories"] = list(r.categories)
    subs = SUBRESOURCES.get(r.kind, []) if r.builtin else []
    if subs:
        out["subresources"] = [
            {"subresource": sub, "verbs": ["get"],
             **({"responseKind": {"group": r.group, "version": r.version, "kind": r.kind}} if sub == "status" else {})}
            for sub in subs
        ]
    return out


def aggregated(catalog: Catalog, core: bool, version: str = "v2") -> dict[str, Any]:
    """APIGroupDiscoveryList for ``/api`` (``core``) or ``/apis``."""
    items = []
    for g, vs in catalog.groups():
        if (g == "") != core:
            continue
        versions = [
            {"version": v, "resources": [_aggregated_resource(r) for r in catalog.resources_of(g, v)],
             "freshness": "Current"}
            for v in vs
        ]
        items.append({"metadata": {"name": g, "creationTimestamp": None}, "versions": versions})
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"apidiscovery.k8s.io/{version}",
        "metadata": {},
        "items": items,
    }
