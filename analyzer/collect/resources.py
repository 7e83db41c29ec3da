"""API discovery and listing: which resources exist, and their objects as bundle files.

Discovery is ``kubectl api-resources -o wide`` (one call, every group, custom resources
included).  Listing is ``kubectl get r1,r2,... -A -o json`` for a batch of resources (one
process for many kinds); a batch that fails is retried one resource at a time so each
failure (RBAC forbidden, a broken aggregated API, a timeout) is attributed to its resource
and everything else is still collected.  Objects are redacted before they are written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from analyzer.bundle.model import CLUSTER_SCOPED_KINDS
from analyzer.collect.bundle_writer import StagedBundle
from analyzer.collect.kubectl import CallResult, Kubectl
from analyzer.collect.redact import Redactor

# Resources that are usually the largest: listed on their own, never in a batch.
HEAVY = frozenset({"pods", "events", "secrets", "configmaps", "replicasets", "endpoints", "endpointslices.discovery.k8s.io",
                   "jobs.batch", "leases.coordination.k8s.io"})
BATCH_SIZE = 12


@dataclass(frozen=True)
class ApiResource:
    """One listable resource from discovery."""

    name: str  # plural, e.g. "deployments"
    group: str  # "" for the core group
    version: str
    kind: str
    namespaced: bool

    @property
    def full(self) -> str:
        """What kubectl accepts unambiguously: ``deployments.apps``, ``pods``."""
        return f"{self.name}.{self.group}" if self.group else self.name

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


def parse_api_resources(text: str) -> list[ApiResource]:
    """Parse ``kubectl api-resources -o wide`` (columns found by the header's positions)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or not lines[0].startswith("NAME"):
        return []
    header = lines[0]
    cols = [(m.group(0), m.start()) for m in re.finditer(r"\S+", header)]
    starts = {name: pos for name, pos in cols}
    needed = ("NAME", "APIVERSION", "NAMESPACED", "KIND")
    if any(n not in starts for n in needed):
        return []
    bounds = []
    for i, (name, pos) in enumerate(cols):
        end = cols[i + 1][1] if i + 1 < len(cols) else None
        bounds.append((name, pos, end))

    def cell(line: str, col: str) -> str:
        for name, pos, end in bounds:
            if name == col:
                return line[pos:end].strip() if end is not None else line[pos:].strip()
        return ""

    out = []
    for line in lines[1:]:
        name, api_version = cell(line, "NAME"), cell(line, "APIVERSION")
        namespaced, kind = cell(line, "NAMESPACED"), cell(line, "KIND")
        if not name or not api_version or not kind or namespaced not in ("true", "false"):
            continue
        verbs = cell(line, "VERBS")
        if verbs and "list" not in re.split(r"[\s,\[\]]+", verbs):
            continue
        group, _, version = api_version.rpartition("/")
        out.append(ApiResource(name, group, version, kind, namespaced == "true"))
    return out


def select_resources(resources: Sequence[ApiResource]) -> list[ApiResource]:
    """The resources to list, core group first, without duplicates of the same data."""
    have = {r.full for r in resources}
    chosen = []
    for r in resources:
        if r.full == "events.events.k8s.io" and "events" in have:
            continue  # the same objects as core events
        chosen.append(r)
    chosen.sort(key=lambda r: (r.group != "", "." in r.group and not r.group.endswith(".k8s.io"), r.group, r.name))
    return chosen


def _builtin_group(group: str) -> bool:
    return group == "" or "." not in group or group.endswith(".k8s.io")


def file_bases(resources: Sequence[ApiResource]) -> dict[ApiResource, str]:
    """File base names: ``deployments`` for built-in groups, ``<plural>.<group>`` for custom
    resources and for any built-in name already taken (``pods.metrics.k8s.io``)."""
    used: set[str] = set()
    out: dict[ApiResource, str] = {}
    for r in resources:
        base = r.name if _builtin_group(r.group) else r.full
        if base in used:
            base = r.full
        used.add(base)
        out[r] = base
    return out


def plan_batches(resources: Sequence[ApiResource]) -> list[list[ApiResource]]:
    """Heavy resources alone, the rest in batches of the same scope."""
    batches: list[list[ApiResource]] = []
    light: dict[bool, list[ApiResource]] = defaultdict(list)
    for r in resources:
        if r.full in HEAVY:
            batches.append([r])
        else:
            light[r.namespaced].append(r)
    for group in light.values():
        for i in range(0, len(group), BATCH_SIZE):
            batches.append(group[i : i + BATCH_SIZE])
    return batches


@dataclass
class ListOutcome:
    resource: ApiResource
    count: int = 0
    files: int = 0
    error: str | None = None


ItemsCallback = Callable[[ApiResource, list[dict[str, Any]]], None]


class ResourceLister:
    """Lists resources into a staged bundle."""

    def __init__(
        self,
        kubectl: Kubectl,
        writer: StagedBundle,
        redactor: Redactor,
        bases: dict[ApiResource, str],
        namespaces: Sequence[str] = (),
        on_items: ItemsCallback | None = None,
    ) -> None:
        self.kubectl = kubectl
        self.writer = writer
        self.redactor = redactor
        self.bases = bases
        self.namespaces = list(namespaces)
        self.on_items = on_items

    def scopes(self, resource_namespaced: bool) -> list[list[str]]:
        """kubectl scope arguments for a resource: ``-A``, or one ``-n NS`` per namespace."""
        if not resource_namespaced:
            return [[]]
        if not self.namespaces:
            return [["-A"]]
        return [["-n", ns] for ns in self.namespaces]

    def list_batch(self, batch: Sequence[ApiResource]) -> list[ListOutcome]:
        """List a batch (all of the same scope); a failing batch is retried per resource."""
        if len(batch) == 1:
            return [self._list_one(batch[0])]
        per_resource: dict[ApiResource, list[dict[str, Any]]] = defaultdict(list)
        calls: list[CallResult] = []
        for scope in self.scopes(batch[0].namespaced):
            result = self._get([r.full for r in batch], scope, len(batch))
            items = _parse_items(result) if result.ok else None
            if items is None or not _attributable(items, batch):
                return [self._list_one(r) for r in batch]
            calls.append(result)
            for r, its in _split(items, batch).items():
                per_resource[r].extend(its)
        outcomes = []
        for r in batch:
            outcome = ListOutcome(r)
            self._write(r, per_resource.get(r, []), calls, outcome)
            outcomes.append(outcome)
        return outcomes

    def _list_one(self, r: ApiResource) -> ListOutcome:
        outcome = ListOutcome(r)
        items: list[dict[str, Any]] = []
        calls: list[CallResult] = []
        for scope in self.scopes(r.namespaced):
            result = self._get([r.full], scope, 1)
            got = _parse_items(result) if result.ok else None
            if got is None:
                why = result.error_line() if not result.ok else "kubectl output is not a JSON List"
                outcome.error = why
                where = f" in namespace {scope[1]}" if scope[:1] == ["-n"] else ""
                self.writer.error(f"list {r.full}{where}", result.command, why)
                continue
            calls.append(result)
            items.extend(got)
        self._write(r, items, calls, outcome)
        return outcome

    def _get(self, names: Sequence[str], scope: list[str], n: int) -> CallResult:
        args = ["get", ",".join(names), *scope, "-o", "json"]
        # --request-timeout bounds each request; the whole process may make several.
        return self.kubectl.run(args, timeout_s=self.kubectl.timeout_s * max(1, n))

    def _write(self, r: ApiResource, items: list[dict[str, Any]], calls: list[CallResult], outcome: ListOutcome) -> None:
        for it in items:
            it.setdefault("kind", r.kind)
            it.setdefault("apiVersion", r.api_version)
            md = it.get("metadata")
            if isinstance(md, dict):
                md.pop("managedFields", None)
            self.redactor.obj(it)
        if self.on_items is not None:
            self.on_items(r, items)
        outcome.count = len(items)
        if not items:
            return
        command = calls[0].command if calls else ""
        duration = sum(c.duration_s for c in calls)
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        base = self.bases.get(r, r.full)
        for it in items:
            ns = (it.get("metadata") or {}).get("namespace") if isinstance(it.get("metadata"), dict) else None
            if r.namespaced and isinstance(ns, str) and ns and r.kind not in CLUSTER_SCOPED_KINDS:
                groups[f"namespaces/{ns}/{base}.json"].append(it)
            else:
                groups[f"cluster/{base}.json"].append(it)
        for rel, its in sorted(groups.items()):
            its.sort(key=lambda o: str((o.get("metadata") or {}).get("name") or ""))
            doc = {"apiVersion": "v1", "kind": f"{r.kind}List", "metadata": {"resourceVersion": ""}, "items": its}
            data = orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
            try:
                self.writer.put(rel, data, command=command, exit_code=0, duration_s=duration)
            except ValueError as e:  # an unsafe namespace name from the server
                self.writer.error(f"list {r.full}", command, str(e))
                continue
            outcome.files += 1


def _parse_items(result: CallResult) -> list[dict[str, Any]] | None:
    try:
        doc = orjson.loads(result.stdout)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict):
        return None
    items = doc.get("items")
    if items is None and doc.get("kind") and doc.get("metadata") and "items" not in doc:
        return [doc]  # a single object (one resource with one item, older kubectl)
    if not isinstance(items, list):
        return [] if items is None and str(doc.get("kind", "")).endswith("List") else None
    return [it for it in items if isinstance(it, dict)]


def _key(api_version: str, kind: str) -> tuple[str, str]:
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    return group, kind


def _attributable(items: list[dict[str, Any]], batch: Sequence[ApiResource]) -> bool:
    keys = {(r.group, r.kind) for r in batch}
    return all(_key(str(it.get("apiVersion") or ""), str(it.get("kind") or "")) in keys for it in items)


def _split(items: list[dict[str, Any]], batch: Sequence[ApiResource]) -> dict[ApiResource, list[dict[str, Any]]]:
    by_key = {(r.group, r.kind): r for r in batch}
    out: dict[ApiResource, list[dict[str, Any]]] = defaultdict(list)
    for it in items:
        out[by_key[_key(str(it.get("apiVersion") or ""), str(it.get("kind") or ""))]].append(it)
    return out
