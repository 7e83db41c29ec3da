"""The in-memory model of a bundle: one shape, whichever tool produced the bundle.

Readers (``analyzer.bundle.formats``) fill a :class:`Bundle` with objects, logs and node
files and call :meth:`Bundle.finalize`; everything downstream (rules, report, serve) only
queries it.  Paths used for matching are *virtual* paths in the native layout
(``logs/<ns>/<pod>/<container>.log``, ``nodes/<node>/commands/dmesg.txt``) so that text
rules work on every format; evidence quotes the real path inside the bundle.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analyzer.bundle.partial import is_partial

LogKey = tuple[str, str, str, bool]  # (namespace, pod, container, previous)

# Kinds whose objects are not namespaced (used when an object carries a namespace by mistake
# and to render references).
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "Node", "Namespace", "PersistentVolume", "StorageClass", "ClusterRole",
        "ClusterRoleBinding", "CustomResourceDefinition", "APIService",
        "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "PriorityClass",
        "CertificateSigningRequest", "VolumeAttachment", "CSIDriver", "CSINode",
        "RuntimeClass", "IngressClass", "ComponentStatus", "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding", "FlowSchema", "PriorityLevelConfiguration",
        "VolumeSnapshotClass", "VolumeSnapshotContent", "ClusterVersion", "ClusterOperator",
    }
)


# The API groups of the built-in kinds whose names custom resources reuse (Longhorn's and Rancher's
# Node, Knative's Service, ...).  An object of such a kind from another group is indexed under its
# group-qualified kind (``Node.longhorn.io``): ``objects('Node')`` and ``kind: Node`` rules see core
# Nodes only.  Objects without an API group in their apiVersion are taken as built-in.
BUILTIN_KIND_GROUPS: dict[str, frozenset[str]] = {
    **{k: frozenset({""}) for k in (
        "Node", "Pod", "Service", "Endpoints", "Namespace", "ConfigMap", "Secret", "ServiceAccount",
        "PersistentVolume", "PersistentVolumeClaim", "ReplicationController", "LimitRange", "ResourceQuota",
        "ComponentStatus")},
    "Event": frozenset({"", "events.k8s.io"}),
    **{k: frozenset({"apps", "extensions"}) for k in ("Deployment", "DaemonSet", "ReplicaSet", "StatefulSet")},
    "Job": frozenset({"batch"}), "CronJob": frozenset({"batch"}),
    "Ingress": frozenset({"networking.k8s.io", "extensions"}), "NetworkPolicy": frozenset({"networking.k8s.io", "extensions"}),
    "PodDisruptionBudget": frozenset({"policy"}),
    "HorizontalPodAutoscaler": frozenset({"autoscaling"}),
    "StorageClass": frozenset({"storage.k8s.io"}), "VolumeAttachment": frozenset({"storage.k8s.io"}),
    **{k: frozenset({"rbac.authorization.k8s.io"}) for k in ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")},
    "Lease": frozenset({"coordination.k8s.io"}),
}


def index_kind(obj: dict[str, Any]) -> str:
    """The kind an object is indexed under: its ``kind``, qualified with its API group
    (``Node.longhorn.io``) when a built-in kind of that name belongs to other groups."""
    kind = str(obj.get("kind") or "")
    groups = BUILTIN_KIND_GROUPS.get(kind)
    if groups is None:
        return kind
    group = _api_group(obj)
    return kind if not group or group in groups else f"{kind}.{group}"


@dataclass(frozen=True)
class Problem:
    """Something in the bundle that could not be read. ``path`` is the bundle path."""

    path: str
    error: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "error": self.error}


def file_line_offset(tf: TextFile) -> int:
    """What to add to a line number of ``tf`` to get the line of ``tf.path``: a log cut out of a
    larger file (a section of a cluster-info dump) starts at line ``meta["first_line"]``."""
    first = tf.meta.get("first_line", 1) if isinstance(tf.meta, dict) else 1
    return first - 1 if isinstance(first, int) and first > 0 else 0


class TextFile:
    """A text file of the bundle (a log or a node file), read lazily and at most once.

    ``path`` is the path inside the bundle (quoted in evidence); ``vpath`` the virtual
    native-layout path (matched by text rules).  Invalid UTF-8 is replaced, never fatal.
    """

    __slots__ = ("path", "vpath", "_loader", "_text", "meta")

    def __init__(self, path: str, vpath: str, loader: Callable[[], bytes], meta: dict[str, Any] | None = None):
        self.path = path
        self.vpath = vpath
        self._loader = loader
        self._text: str | None = None
        self.meta: dict[str, Any] = meta or {}

    def text(self) -> str:
        if self._text is None:
            self._text = decode_text(self._loader())
        return self._text

    def raw(self) -> bytes:
        """The file's bytes, read now and not kept (``decode_text`` makes them ``text()``)."""
        return self._loader()

    def lines(self) -> list[str]:
        return self.text().splitlines()

    def release(self) -> None:
        """Drop the cached text (large bundles: scan once, then free)."""
        self._text = None

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"TextFile({self.path!r})"


def decode_text(data: bytes) -> str:
    """A text file's bytes as text: invalid UTF-8 and NUL bytes become U+FFFD."""
    return data.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def text_from_bytes(path: str, vpath: str, data: bytes, meta: dict[str, Any] | None = None) -> TextFile:
    return TextFile(path, vpath, lambda: data, meta)


def ref_of(obj: dict[str, Any]) -> dict[str, str]:
    """``{kind, namespace, name}`` of an object (namespace empty when cluster-scoped)."""
    md = md_raw if isinstance(md_raw := obj.get("metadata"), dict) else {}
    return {
        "kind": str(obj.get("kind") or ""),
        "namespace": str(md.get("namespace") or ""),
        "name": str(md.get("name") or ""),
    }


def _api_group(obj: dict[str, Any]) -> str:
    av = obj.get("apiVersion")
    return av.rsplit("/", 1)[0] if isinstance(av, str) and "/" in av else ""


def _md(obj: dict[str, Any]) -> dict[str, Any]:
    md = obj.get("metadata")
    return md if isinstance(md, dict) else {}


def labels_match(selector: Any, labels: Any) -> bool:
    """Kubernetes label-selector semantics.

    ``selector`` may be a plain map (Service ``spec.selector``) or a LabelSelector with
    ``matchLabels`` / ``matchExpressions``.  An empty LabelSelector matches everything; a
    missing (None) selector matches nothing.
    """
    if selector is None or not isinstance(selector, dict):
        return False
    labels = labels if isinstance(labels, dict) else {}
    if "matchLabels" in selector or "matchExpressions" in selector:
        ml = selector.get("matchLabels") or {}
        exprs = selector.get("matchExpressions") or []
    else:
        ml, exprs = selector, []
    if not isinstance(ml, dict) or not isinstance(exprs, list):
        return False
    for k, v in ml.items():
        if str(labels.get(k)) != str(v) or k not in labels:
            return False
    for e in exprs:
        if not isinstance(e, dict):
            return False
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        present = key in labels
        if op == "In":
            if not present or str(labels[key]) not in [str(x) for x in values]:
                return False
        elif op == "NotIn":
            if present and str(labels[key]) in [str(x) for x in values]:
                return False
        elif op == "Exists":
            if not present:
                return False
        elif op == "DoesNotExist":
            if present:
                return False
        else:
            return False
    return True


@dataclass
class Bundle:
    """One bundle, whatever its format.  Fill it, call :meth:`finalize`, then query."""

    format: str = "native"
    source: str = ""
    cluster_version: str | None = None
    collected_at: datetime | None = None
    manifest: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    logs: dict[LogKey, TextFile] = field(default_factory=dict)
    node_files: dict[tuple[str, str], TextFile] = field(default_factory=dict)
    # Other text files worth scanning (e.g. must-gather host_service_logs), by virtual path.
    other_files: dict[str, TextFile] = field(default_factory=dict)
    # What the reader made of each file (analyzer.bundle.coverage.summarize), set by open_bundle.
    coverage: dict[str, Any] | None = None
    # The producing tool's own analysis results (troubleshoot's analysis.json): shown apart as
    # "the bundle's own verdicts", never as findings.  {tool, name, title, severity, detail, source}
    tool_verdicts: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._objects: list[dict[str, Any]] = []
        self._source_of: dict[int, str] = {}
        self._by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._by_key: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._by_uid: dict[str, dict[str, Any]] = {}
        self._events_by_uid: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._events_by_ref: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        self._pods_by_node: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._by_kind_ns: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self._children: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._finalized = False
        self._closers: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ lifetime
    def on_close(self, fn: Callable[[], None]) -> None:
        """Register a cleanup (e.g. removing the temporary space of an archive)."""
        self._closers.append(fn)

    def close(self) -> None:
        """Release what reading the bundle holds.  Lazily read text files fail to load
        after this (their text is empty and a problem is recorded).  Safe to call twice."""
        while self._closers:
            self._closers.pop()()

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ filling
    def add_problem(self, path: str, error: str) -> None:
        self.problems.append(Problem(path, " ".join(str(error).split())[:500]))

    def add_object(self, obj: Any, source: str = "") -> bool:
        """Add one Kubernetes object; returns False (and records a problem) if unusable."""
        if not isinstance(obj, dict):
            self.add_problem(source, f"expected an object, got {type(obj).__name__}")
            return False
        kind = obj.get("kind")
        md = obj.get("metadata")
        if not isinstance(kind, str) or not kind or not isinstance(md, dict) or not isinstance(md.get("name"), str):
            self.add_problem(source, "object without kind or metadata.name skipped")
            return False
        kind = index_kind(obj)  # "Node" for core Nodes, "Node.longhorn.io" for Longhorn's
        key = (kind, str(md.get("namespace") or ""), md["name"])
        seen = self._by_key.get(key)
        if seen is not None:
            if _api_group(seen) == _api_group(obj):
                return True  # same object listed twice (e.g. all-namespaces and per-namespace files)
            # same kind and name in another API group (OpenShift's config.openshift.io and
            # operator.openshift.io "Network cluster"): both are kept; get() returns the first
        else:
            self._by_key[key] = obj
        self._objects.append(obj)
        self._source_of[id(obj)] = source
        self._by_kind[kind].append(obj)
        if kind == "Event":
            normalize_event(obj)
        return True

    def add_log(self, namespace: str, pod: str, container: str, previous: bool, tf: TextFile) -> None:
        tf.meta.update(type="log", namespace=namespace, pod=pod, container=container, previous=previous)
        self.logs[(namespace, pod, container, previous)] = tf

    def add_node_file(self, node: str, relpath: str, tf: TextFile) -> None:
        tf.meta.update(type="node_file", node=node, file=relpath)
        self.node_files[(node, relpath)] = tf

    def finalize(self) -> Bundle:
        """Build the indexes (after adding the objects only events name, see
        :mod:`analyzer.bundle.event_objects`).  Safe to call more than once."""
        from analyzer.bundle.event_objects import add_event_objects  # it builds on this module

        add_event_objects(self)
        self._by_uid.clear()
        self._events_by_uid.clear()
        self._events_by_ref.clear()
        self._pods_by_node.clear()
        self._by_kind_ns.clear()
        self._children.clear()
        for obj in self._objects:
            md = _md(obj)
            uid = md.get("uid")
            if isinstance(uid, str) and uid:
                self._by_uid[uid] = obj
            kind = index_kind(obj)
            self._by_kind_ns[(kind, str(md.get("namespace") or ""))].append(obj)
            owners = md.get("ownerReferences")
            if isinstance(owners, list):
                for o in owners:
                    if isinstance(o, dict) and isinstance(o.get("uid"), str):
                        self._children[o["uid"]].append(obj)
            if kind == "Pod":
                spec = spec_raw if isinstance(spec_raw := obj.get("spec"), dict) else {}
                node = spec.get("nodeName")
                if isinstance(node, str) and node:
                    self._pods_by_node[node].append(obj)
            elif kind == "Event":
                inv = obj.get("involvedObject") or obj.get("regarding")
                if isinstance(inv, dict):
                    iuid = inv.get("uid")
                    if isinstance(iuid, str) and iuid:
                        self._events_by_uid[iuid].append(obj)
                    ikey = (str(inv.get("kind") or ""), str(inv.get("namespace") or ""), str(inv.get("name") or ""))
                    self._events_by_ref[ikey].append(obj)
        self._finalized = True
        return self

    # ------------------------------------------------------------------ queries
    @property
    def objects_all(self) -> list[dict[str, Any]]:
        return self._objects

    def kinds(self) -> list[str]:
        return sorted(k for k, v in self._by_kind.items() if v)

    def objects(self, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
        if namespace is None:
            return self._by_kind.get(kind, [])
        return self._by_kind_ns.get((kind, namespace), [])

    def get(self, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        return self._by_key.get((kind, namespace or "", name))

    def by_uid(self, uid: str) -> dict[str, Any] | None:
        return self._by_uid.get(uid)

    def source_of(self, obj: dict[str, Any]) -> str:
        return self._source_of.get(id(obj), "")

    def namespaces(self) -> list[str]:
        names = {_md(o).get("name") for o in self.objects("Namespace")}
        names |= {ns for (_k, ns) in self._by_kind_ns if ns}
        return sorted(n for n in names if isinstance(n, str) and n)

    def node_names(self) -> list[str]:
        names = {_md(o).get("name") for o in self.objects("Node")}
        return sorted(n for n in names if isinstance(n, str) and n)

    def events_for(self, obj: dict[str, Any]) -> list[dict[str, Any]]:
        """Events whose involved object is ``obj``: by UID when both sides have one, else by
        kind + namespace + name (never by name alone)."""
        md = _md(obj)
        uid = md.get("uid")
        key = (str(obj.get("kind") or ""), str(md.get("namespace") or ""), str(md.get("name") or ""))
        out: list[dict[str, Any]] = []
        seen: set[int] = set()
        if isinstance(uid, str) and uid:
            for e in self._events_by_uid.get(uid, []):
                out.append(e)
                seen.add(id(e))
        for e in self._events_by_ref.get(key, []):
            if id(e) in seen:
                continue
            inv = e.get("involvedObject") or e.get("regarding") or {}
            euid = inv.get("uid") if isinstance(inv, dict) else None
            if uid and euid and euid != uid and not (key[0] == "Node" and euid == key[2]):
                continue  # an earlier object of the same name (the kubelet's Node events carry the node name as uid)
            out.append(e)
        return out

    def pods_on_node(self, node: str) -> list[dict[str, Any]]:
        return self._pods_by_node.get(node, [])

    def node_of(self, pod: dict[str, Any]) -> dict[str, Any] | None:
        spec = spec_raw if isinstance(spec_raw := pod.get("spec"), dict) else {}
        name = spec.get("nodeName")
        return self.get("Node", None, name) if isinstance(name, str) else None

    def owner(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        """The controlling owner (or the first owner) present in the bundle."""
        owners = _md(obj).get("ownerReferences")
        if not isinstance(owners, list):
            return None
        ordered = sorted((o for o in owners if isinstance(o, dict)), key=lambda o: not o.get("controller"))
        ns = _md(obj).get("namespace")
        for o in ordered:
            found = self._by_uid.get(owner_uid) if isinstance(owner_uid := o.get("uid"), str) else None
            if found is None and isinstance(o.get("kind"), str) and isinstance(o.get("name"), str):
                found = self.get(o["kind"], ns, o["name"]) or self.get(o["kind"], None, o["name"])
            if found is not None:
                return found
        return None

    def owner_chain(self, obj: dict[str, Any]) -> list[dict[str, Any]]:
        chain: list[dict[str, Any]] = []
        cur = self.owner(obj)
        while cur is not None and len(chain) < 16 and all(cur is not c for c in chain):
            chain.append(cur)
            cur = self.owner(cur)
        return chain

    def top_owner(self, obj: dict[str, Any]) -> dict[str, Any]:
        chain = self.owner_chain(obj)
        return chain[-1] if chain else obj

    def children(self, obj: dict[str, Any]) -> list[dict[str, Any]]:
        uid = _md(obj).get("uid")
        return self._children.get(uid, []) if isinstance(uid, str) else []

    def select(self, kind: str, namespace: str | None, selector: Any) -> list[dict[str, Any]]:
        """Objects of ``kind`` (in ``namespace`` if given) whose labels match ``selector``."""
        pool = self.objects(kind, namespace)
        return [o for o in pool if labels_match(selector, _md(o).get("labels"))]

    def log(self, namespace: str, pod: str, container: str, previous: bool = False) -> TextFile | None:
        return self.logs.get((namespace, pod, container, previous))

    def node_file(self, node: str, relpath: str) -> TextFile | None:
        return self.node_files.get((node, relpath))

    def text_files(self) -> Iterator[TextFile]:
        """Every text file, logs first, then node files, then others."""
        yield from self.logs.values()
        yield from self.node_files.values()
        yield from self.other_files.values()

    def counts(self) -> dict[str, int]:
        """Objects per kind the bundle collected (not those known only from events)."""
        return _kind_counts(self._by_kind, events_only=False)

    def partial_counts(self) -> dict[str, int]:
        """Number of partial objects (:func:`is_partial`) per kind, among those the bundle
        collected (objects known only from events are counted by :meth:`events_only_counts`)."""
        from analyzer.bundle.event_objects import is_known_only_from_events

        out: dict[str, int] = {}
        for kind, objs in sorted(self._by_kind.items()):
            n = sum(1 for o in objs if is_partial(o) and not is_known_only_from_events(o))
            if n:
                out[kind] = n
        return out

    def events_only_counts(self) -> dict[str, int]:
        """Objects per kind known only from events (deleted or replaced since)."""
        return _kind_counts(self._by_kind, events_only=True)


def _kind_counts(by_kind: dict[str, list[dict[str, Any]]], events_only: bool) -> dict[str, int]:
    from analyzer.bundle.event_objects import is_known_only_from_events

    out: dict[str, int] = {}
    for kind, objs in sorted(by_kind.items()):
        n = sum(1 for o in objs if is_known_only_from_events(o) == events_only)
        if n:
            out[kind] = n
    return out


def normalize_event(ev: dict[str, Any]) -> None:
    """Give every Event the core/v1 fields rules read, whichever API wrote it.

    events.k8s.io/v1 events carry ``regarding``/``note``/``deprecatedCount``/
    ``deprecatedLastTimestamp``; events the scheduler records through that API show up in
    core/v1 lists with ``eventTime`` and ``series`` but no ``count`` or timestamps.  Missing
    (absent or null) core fields are filled from those; nothing present is overwritten."""
    series = series_raw if isinstance(series_raw := ev.get("series"), dict) else {}
    if not isinstance(ev.get("involvedObject"), dict) and isinstance(ev.get("regarding"), dict):
        ev["involvedObject"] = ev["regarding"]
    if not ev.get("message") and isinstance(ev.get("note"), str):
        ev["message"] = ev["note"]
    if ev.get("count") in (None, 0):
        for c in (series.get("count"), ev.get("deprecatedCount")):
            if isinstance(c, int) and not isinstance(c, bool):
                ev["count"] = c
                break
    if not ev.get("lastTimestamp"):
        for t in (series.get("lastObservedTime"), ev.get("deprecatedLastTimestamp"), ev.get("eventTime")):
            if isinstance(t, str) and t:
                ev["lastTimestamp"] = t
                break
    if not ev.get("firstTimestamp"):
        for t in (ev.get("deprecatedFirstTimestamp"), ev.get("eventTime")):
            if isinstance(t, str) and t:
                ev["firstTimestamp"] = t
                break
    if not isinstance(ev.get("source"), dict) or not ev["source"].get("component"):
        comp = ev.get("reportingController") or ev.get("reportingComponent")
        src = ev.get("deprecatedSource") if isinstance(ev.get("deprecatedSource"), dict) else None
        if src and src.get("component"):
            ev["source"] = src
        elif isinstance(comp, str) and comp:
            ev["source"] = {"component": comp, **({"host": ev["reportingInstance"]}
                                                  if isinstance(ev.get("reportingInstance"), str) else {})}


def add_objects(bundle: Bundle, items: Iterable[Any], source: str) -> int:
    n = 0
    for it in items:
        if bundle.add_object(it, source):
            n += 1
    return n
