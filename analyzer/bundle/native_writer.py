"""Write a native (format v1) bundle directory from objects, logs and node files.

Used by the recorded-bundle generator, the synthetic-bundle generator and tests.  The
collector writes the same layout itself (it also records commands and timings).
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from analyzer import __version__
from analyzer.bundle.model import CLUSTER_SCOPED_KINDS

FORMAT_VERSION = 1

_IRREGULAR = {
    "Endpoints": "endpoints",
    "Ingress": "ingresses",
    "NetworkPolicy": "networkpolicies",
    "PodSecurityPolicy": "podsecuritypolicies",
    "StorageClass": "storageclasses",
    "IngressClass": "ingressclasses",
    "PriorityClass": "priorityclasses",
    "RuntimeClass": "runtimeclasses",
    "VolumeSnapshotClass": "volumesnapshotclasses",
    "EndpointSlice": "endpointslices",
}


def plural_of(kind: str) -> str:
    """Lower-case plural resource name of a kind, as the API server names it."""
    if kind in _IRREGULAR:
        return _IRREGULAR[kind]
    low = kind.lower()
    if low.endswith("s"):
        return low + "es"
    if low.endswith("y") and not low.endswith(("ay", "ey", "oy", "uy")):
        return low[:-1] + "ies"
    return low + "s"


def _group_of(api_version: str) -> str:
    return api_version.split("/")[0] if "/" in api_version else ""


def _builtin_group(group: str) -> bool:
    return group == "" or "." not in group or group.endswith(".k8s.io")


def resource_file(obj: Mapping[str, Any]) -> str:
    """Bundle path of the List file an object belongs in."""
    kind = str(obj.get("kind"))
    group = _group_of(str(obj.get("apiVersion") or "v1"))
    name = plural_of(kind) if _builtin_group(group) else f"{plural_of(kind)}.{group}"
    ns = (obj.get("metadata") or {}).get("namespace")
    if ns and kind not in CLUSTER_SCOPED_KINDS:
        return f"namespaces/{ns}/{name}.json"
    return f"cluster/{name}.json"


def _safe_component(s: str) -> str:
    if not s or s in (".", "..") or "/" in s or "\x00" in s:
        raise ValueError(f"unsafe path component {s!r}")
    return s


def write_native(
    out: str | os.PathLike[str],
    objects: Iterable[Mapping[str, Any]],
    logs: Mapping[tuple[str, str, str, bool], str | bytes] | None = None,
    node_files: Mapping[tuple[str, str], str | bytes] | None = None,
    cluster_version: str | None = None,
    collected_at: str | None = None,
    manifest_extra: Mapping[str, Any] | None = None,
    pretty: bool = True,
) -> Path:
    """Write the bundle into directory ``out`` (created; must not exist or be empty)."""
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    files: list[dict[str, Any]] = []

    def put(rel: str, data: bytes, command: str = "") -> None:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        files.append(
            {"path": rel, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "command": command,
             "exit_code": 0, "duration_s": 0.0}
        )

    lists: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for o in objects:
        lists[resource_file(o)].append(o)
    opt = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS if pretty else orjson.OPT_SORT_KEYS
    for rel in sorted(lists):
        items = sorted(lists[rel], key=lambda o: ((o.get("metadata") or {}).get("name") or ""))
        kind = str(items[0].get("kind"))
        doc = {"apiVersion": "v1", "kind": f"{kind}List", "metadata": {"resourceVersion": ""}, "items": items}
        put(rel, orjson.dumps(doc, option=opt) + b"\n", f"kubectl get {rel.rsplit('/', 1)[-1][:-5]} -o json")
    for (ns, pod, container, previous), text in sorted((logs or {}).items()):
        rel = f"logs/{_safe_component(ns)}/{_safe_component(pod)}/{_safe_component(container)}"
        rel += ".previous.log" if previous else ".log"
        data = text.encode() if isinstance(text, str) else text
        put(rel, data, f"kubectl logs -n {ns} {pod} -c {container}" + (" --previous" if previous else ""))
    for (node, relpath), text in sorted((node_files or {}).items()):
        parts = [p for p in relpath.split("/") if p]
        for p in parts:
            _safe_component(p)
        rel = f"nodes/{_safe_component(node)}/" + "/".join(parts)
        data = text.encode() if isinstance(text, str) else text
        put(rel, data, f"node script: {relpath}")
    manifest: dict[str, Any] = {
        "kbundle_format": FORMAT_VERSION,
        "collector": {"name": "kbundle", "version": __version__},
        "started_at": collected_at,
        "finished_at": collected_at,
        "collected_at": collected_at,
        "cluster": {"version": cluster_version, "context": None, "server": None},
        "options": {},
        "files": files,
        "errors": [],
        "redactions": {},
    }
    if manifest_extra:
        manifest.update(manifest_extra)
    # kbundle_format first (the key readers detect the format by), then the rest unsorted
    (root / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2 if pretty else 0) + b"\n")
    return root
