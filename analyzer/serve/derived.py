"""Objects the API server derives that a bundle may lack: EndpointSlices mirrored from
Endpoints (current kubectl ``describe service`` reads only EndpointSlices).  Derived
objects are labelled ``endpointslice.kubernetes.io/managed-by: kbundle-serve`` and say
where they come from in an annotation; they are served only when the bundle holds no
EndpointSlice at all."""

from __future__ import annotations

from typing import Any

DERIVED_ANNOTATION = "kbundle.dev/derived-from"


def _dicts(x: Any) -> list[dict[str, Any]]:
    return [i for i in x if isinstance(i, dict)] if isinstance(x, list) else []


def endpoint_slices_from(endpoints: dict[str, Any]) -> list[dict[str, Any]]:
    """One EndpointSlice per subset of an Endpoints object (as the mirroring controller does)."""
    md = md_raw if isinstance(md_raw := endpoints.get("metadata"), dict) else {}
    name, ns = md.get("name"), md.get("namespace")
    if not isinstance(name, str) or not isinstance(ns, str):
        return []
    slices = []
    for i, subset in enumerate(_dicts(endpoints.get("subsets"))):
        eps = []
        family = "IPv4"
        for ready, key in ((True, "addresses"), (False, "notReadyAddresses")):
            for addr in _dicts(subset.get(key)):
                ip = addr.get("ip")
                if not isinstance(ip, str):
                    continue
                if ":" in ip:
                    family = "IPv6"
                ep: dict[str, Any] = {"addresses": [ip],
                                      "conditions": {"ready": ready, "serving": ready, "terminating": False}}
                for field in ("nodeName", "hostname", "targetRef"):
                    if addr.get(field):
                        ep[field] = addr[field]
                eps.append(ep)
        ports = [{k: p[k] for k in ("name", "port", "protocol", "appProtocol") if k in p}
                 for p in _dicts(subset.get("ports"))]
        slice_md: dict[str, Any] = {
            "name": f"{name}-kbundle-{i}",
            "namespace": ns,
            "labels": {"kubernetes.io/service-name": name, "endpointslice.kubernetes.io/managed-by": "kbundle-serve"},
            "annotations": {DERIVED_ANNOTATION: f"Endpoints {ns}/{name} (the bundle has no EndpointSlices)"},
        }
        if md.get("creationTimestamp"):
            slice_md["creationTimestamp"] = md["creationTimestamp"]
        slices.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": slice_md,
                       "addressType": family, "endpoints": eps, "ports": ports})
    return slices
