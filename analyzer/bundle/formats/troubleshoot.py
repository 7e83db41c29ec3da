"""Replicated troubleshoot support bundles (``kubectl support-bundle``).

Layout (root folder ``support-bundle/``, ``supportbundle/`` or timestamped)::

    cluster-resources/<kind>/<namespace>.json          namespaced kinds (typed List or raw array)
    cluster-resources/<kind>.json                      cluster-scoped kinds
    cluster-resources/custom-resources/<plural.group>/<namespace>.json|yaml
    cluster-resources/custom-resources/<plural.group>.json|yaml
    cluster-resources/<name>-errors.json               what the collector could not get
    cluster-resources/pods/logs/<ns>/<pod>/<container>.log and <container>-previous.log
    cluster-info/cluster_version.json                  {"info": {...}, "string": "v1.24.4+k3s1"}
    all-logs/...                                       symlinks to the pod logs (ignored)

Older versions wrote raw arrays of items without ``kind``: the kind comes from the folder
or file name, whose spelling drifted across versions (see ``KINDS``).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from typing import Any

from analyzer.bundle.formats import troubleshoot_host
from analyzer.bundle.formats.common import ReadContext, add_document, is_structured, newest_timestamp
from analyzer.bundle.safe_source import Source

NAME = "troubleshoot"
MARKER = "cluster-resources/"

# folder / file name (lower case) -> (kind, apiVersion for items that lack one)
KINDS: dict[str, tuple[str, str | None]] = {
    "pods": ("Pod", "v1"),
    "events": ("Event", "v1"),
    "nodes": ("Node", "v1"),
    "namespaces": ("Namespace", "v1"),
    "services": ("Service", "v1"),
    "endpoints": ("Endpoints", "v1"),
    "endpointslices": ("EndpointSlice", "discovery.k8s.io/v1"),
    "configmaps": ("ConfigMap", "v1"),
    "secrets": ("Secret", "v1"),
    "serviceaccounts": ("ServiceAccount", "v1"),
    "limitranges": ("LimitRange", "v1"),
    "resource-quota": ("ResourceQuota", "v1"),
    "resource-quotas": ("ResourceQuota", "v1"),
    "resourcequotas": ("ResourceQuota", "v1"),
    "pvs": ("PersistentVolume", "v1"),
    "persistentvolumes": ("PersistentVolume", "v1"),
    "pvcs": ("PersistentVolumeClaim", "v1"),
    "persistentvolumeclaims": ("PersistentVolumeClaim", "v1"),
    "deployments": ("Deployment", "apps/v1"),
    "replicasets": ("ReplicaSet", "apps/v1"),
    "statefulsets": ("StatefulSet", "apps/v1"),
    "daemonsets": ("DaemonSet", "apps/v1"),
    "jobs": ("Job", "batch/v1"),
    "cronjobs": ("CronJob", None),
    "ingress": ("Ingress", None),
    "ingresses": ("Ingress", None),
    "network-policy": ("NetworkPolicy", "networking.k8s.io/v1"),
    "networkpolicies": ("NetworkPolicy", "networking.k8s.io/v1"),
    "pod-disruption-budgets": ("PodDisruptionBudget", None),
    "poddisruptionbudgets": ("PodDisruptionBudget", None),
    "storage-classes": ("StorageClass", None),
    "storageclasses": ("StorageClass", None),
    "custom-resource-definitions": ("CustomResourceDefinition", None),
    "customresourcedefinitions": ("CustomResourceDefinition", None),
    "roles": ("Role", "rbac.authorization.k8s.io/v1"),
    "rolebindings": ("RoleBinding", "rbac.authorization.k8s.io/v1"),
    "clusterroles": ("ClusterRole", "rbac.authorization.k8s.io/v1"),
    "clusterrolebindings": ("ClusterRoleBinding", "rbac.authorization.k8s.io/v1"),
    "priorityclasses": ("PriorityClass", "scheduling.k8s.io/v1"),
    "leases": ("Lease", "coordination.k8s.io/v1"),
    "volumeattachments": ("VolumeAttachment", "storage.k8s.io/v1"),
    "horizontalpodautoscalers": ("HorizontalPodAutoscaler", None),
    "replicationcontrollers": ("ReplicationController", "v1"),
    "csidrivers": ("CSIDriver", "storage.k8s.io/v1"),
    "csinodes": ("CSINode", "storage.k8s.io/v1"),
    "mutatingwebhookconfigurations": ("MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1"),
    "validatingwebhookconfigurations": ("ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1"),
    "apiservices": ("APIService", "apiregistration.k8s.io/v1"),
}
# Files and folders under cluster-resources/ that hold no Kubernetes objects.
NOT_OBJECTS = frozenset({"groups", "resources", "auth-cani-list", "image-pull-secrets"})

_TIMESTAMPED_ROOT = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2})[_:-](\d{2})[_:-](\d{2})")


def detect(source: Source, roots: list[str]) -> list[str]:
    for root in roots:
        prefix = root + MARKER
        if prefix[:-1] in source.dirs:
            return [root]
    return []


def read(ctx: ReadContext) -> None:
    bundle = ctx.bundle
    pending_crs: list[tuple[str, str, Any]] = []  # (path, plural.group, document) without kind
    run_pods: list[tuple[str, str]] = []  # (rel, full) of <collector>/<name>.json outside cluster-resources/
    for rel, full in ctx.rel_files():
        if not rel.startswith(MARKER):
            if rel == "cluster-info/cluster_version.json":
                _read_version(ctx, full)
            elif rel.startswith(troubleshoot_host.MARKER) or rel == "analysis.json":
                continue  # read below, once the cluster's nodes are known
            elif rel.endswith((".log", ".txt")) and not rel.startswith("all-logs/"):
                bundle.other_files[rel] = ctx.text(full, rel)
            elif rel.endswith(".json") and rel.count("/") == 1:
                run_pods.append((rel, full))
            continue
        parts = rel[len(MARKER):].split("/")
        name = parts[-1]
        if name.endswith("-errors.json"):
            _read_errors(ctx, full)
            continue
        top = parts[0]
        if top == "pods" and len(parts) >= 2 and parts[1] == "logs":
            _read_log(ctx, full, parts[2:])
            continue
        if not is_structured(name):
            continue
        stem = name.rsplit(".", 1)[0]
        if top == "custom-resources":
            plural_group = parts[1] if len(parts) == 3 else stem
            docs = ctx.structured(full)
            for doc in docs or ():
                if _needs_kind(doc):
                    pending_crs.append((full, plural_group, doc))
                else:
                    add_document(ctx, doc, full)
            continue
        key = (top if len(parts) == 2 else stem).lower()
        if key in NOT_OBJECTS:
            continue
        if len(parts) > 2:
            continue  # deeper files (e.g. image-pull-secrets/<ns>/<secret>.json) are not object lists
        kind, api = KINDS.get(key, (None, None))
        docs = ctx.structured(full)
        for doc in docs or ():
            if kind is None and _needs_kind(doc):
                ctx.problem(full, f"unknown resource folder '{key}' and items without kind; skipped")
                continue
            add_document(ctx, doc, full, kind, api)
    if pending_crs:
        _resolve_custom_resources(ctx, pending_crs)
    for rel, full in run_pods:
        _read_run_pod(ctx, rel, full)
    troubleshoot_host.read_host_part(ctx)
    if bundle.collected_at is None:
        # Content times are UTC; the root folder's timestamp is the collecting machine's local time.
        bundle.collected_at = newest_timestamp(bundle) or time_from_root(
            ctx.root or os.path.basename(ctx.source.origin)
        )


def _needs_kind(doc: Any) -> bool:
    if isinstance(doc, list):
        return any(isinstance(i, dict) and "kind" not in i for i in doc)
    if isinstance(doc, dict):
        if "items" in doc:
            items = doc.get("items")
            kind = doc.get("kind")
            typed = isinstance(kind, str) and kind.endswith("List") and kind != "List"
            return not typed and isinstance(items, list) and any(isinstance(i, dict) and "kind" not in i for i in items)
        return "kind" not in doc
    return False


def _resolve_custom_resources(ctx: ReadContext, pending: list[tuple[str, str, Any]]) -> None:
    """Custom resources listed without ``kind``: take it from the bundle's CRDs."""
    kinds: dict[str, tuple[str, str | None]] = {}
    for crd in ctx.bundle.objects("CustomResourceDefinition"):
        spec = spec_raw if isinstance(spec_raw := crd.get("spec"), dict) else {}
        names = names_raw if isinstance(names_raw := spec.get("names"), dict) else {}
        plural, group, kind = names.get("plural"), spec.get("group"), names.get("kind")
        if isinstance(plural, str) and isinstance(group, str) and isinstance(kind, str):
            version = None
            versions = spec.get("versions")
            if isinstance(versions, list):
                stored = [v.get("name") for v in versions if isinstance(v, dict) and v.get("storage")]
                version = stored[0] if stored else None
            version = version or spec.get("version")
            kinds[f"{plural}.{group}"] = (kind, f"{group}/{version}" if isinstance(version, str) else None)
    for path, plural_group, doc in pending:
        kind, api = kinds.get(plural_group, (None, None))
        if kind is None:
            ctx.problem(path, f"custom resources of '{plural_group}' without kind and no matching CRD; skipped")
            continue
        add_document(ctx, doc, path, kind, api)


def _read_log(ctx: ReadContext, full: str, parts: list[str]) -> None:
    if len(parts) != 3 or not parts[2].endswith(".log"):
        return
    ns, pod, fname = parts
    base = fname[: -len(".log")]
    previous = base.endswith("-previous")
    container = base[: -len("-previous")] if previous else base
    if not container:
        return
    vpath = f"logs/{ns}/{pod}/{container}{'.previous' if previous else ''}.log"
    ctx.bundle.add_log(ns, pod, container, previous, ctx.text(full, vpath))


def _read_errors(ctx: ReadContext, full: str) -> None:
    """``<name>-errors.json``: a list of messages or a map of namespace -> message."""
    data = ctx.read(full)
    if data is None or not data.strip() or data.strip() == b"null":
        return
    doc = ctx.json(full, data)
    if doc is None:
        return
    if isinstance(doc, dict):
        for key, msg in doc.items():
            ctx.problem(full, f"collection error ({key}): {msg}")
    elif isinstance(doc, list):
        for msg in doc:
            ctx.problem(full, f"collection error: {msg}")
    elif doc:
        ctx.problem(full, f"collection error: {doc}")


def _read_version(ctx: ReadContext, full: str) -> None:
    doc = ctx.json(full)
    if not isinstance(doc, dict):
        return
    version = doc.get("string")
    info = doc.get("info")
    if not isinstance(version, str) and isinstance(info, dict):
        version = info.get("gitVersion")
    if isinstance(version, str) and version:
        ctx.bundle.cluster_version = version


def _read_run_pod(ctx: ReadContext, rel: str, full: str) -> None:
    """``<collector>/<pod>.json`` of a runPod collector: the Pod as the API returned it, which
    older troubleshoot versions saved without ``kind``; its log ``<collector>/<pod>.log`` is
    attached to its first container."""
    doc = ctx.json(full)
    if not isinstance(doc, dict) or doc.get("kind") not in (None, "Pod"):
        return
    spec = doc.get("spec")
    md = doc.get("metadata")
    if not isinstance(spec, dict) or not isinstance(spec.get("containers"), list) or not isinstance(md, dict):
        return
    doc.setdefault("kind", "Pod")
    doc.setdefault("apiVersion", "v1")
    if not ctx.bundle.add_object(doc, full):
        return
    log_rel = rel[: -len(".json")] + ".log"
    first = spec["containers"][0] if spec["containers"] and isinstance(spec["containers"][0], dict) else {}
    if ctx.exists(log_rel) and isinstance(first.get("name"), str) and isinstance(md.get("name"), str):
        ns = str(md.get("namespace") or "default")
        ctx.bundle.add_log(ns, md["name"], first["name"], False,
                           ctx.text(ctx.full(log_rel), f"logs/{ns}/{md['name']}/{first['name']}.log"))
        ctx.bundle.other_files.pop(log_rel, None)


def time_from_root(root: str) -> datetime | None:
    """Timestamped root folders (``support-bundle-2023-05-12T10_35_40``) give the collection time."""
    m = _TIMESTAMPED_ROOT.search(root)
    if not m:
        return None
    try:
        return datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}:{m.group(3)}:{m.group(4)}").replace(tzinfo=UTC)
    except ValueError:
        return None
