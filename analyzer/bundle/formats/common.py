"""What every format reader needs: the files under the format's root, parsing that turns
broken files into recorded problems, kind inference for list items, timestamps."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import yaml

from analyzer.bundle import values
from analyzer.bundle.coverage import Coverage
from analyzer.bundle.model import Bundle, Problem, TextFile
from analyzer.bundle.safe_source import FileTooLarge, ReadLimits, Source

_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _YamlLoader(_SAFE_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader (C when available) without the timestamp resolver: times stay the
    strings Kubernetes writes (kubectl's YAML quotes them, hand-written YAML may not)."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _SAFE_LOADER.yaml_implicit_resolvers.items()
}

# Serialising deeper than this fails in orjson (and in most JSON consumers downstream).
MAX_DEPTH_NOTE = "nested too deeply (over 255 levels)"


class ReadContext:
    """One format reader's view of the bundle: the files below ``root`` (``""`` or a
    folder path ending in ``/``), the bundle being filled, and the limits."""

    def __init__(self, source: Source, root: str, bundle: Bundle, limits: ReadLimits,
                 coverage: Coverage | None = None) -> None:
        self.source = source
        self.root = root
        self.bundle = bundle
        self.limits = limits
        self.coverage = coverage if coverage is not None else Coverage()
        self._invalid_utf8: set[str] = set()

    # -- listing
    def rel_files(self) -> Iterator[tuple[str, str]]:
        """``(path relative to root, bundle path)`` of every file below the root, sorted."""
        root = self.root
        n = len(root)
        for full in sorted(self.source.files):
            if full.startswith(root):
                yield full[n:], full

    def full(self, rel: str) -> str:
        return self.root + rel

    def exists(self, rel: str) -> bool:
        return self.root + rel in self.source.files

    def problem(self, path: str, error: str) -> None:
        self.bundle.add_problem(path, error)

    def ignore(self, full: str, reason: str) -> None:
        """Say why a file of the bundle is not read (shown by ``kbundle inspect``)."""
        self.coverage.ignore(full, reason)

    # -- reading
    def read(self, full: str) -> bytes | None:
        self.coverage.read.add(full)
        try:
            return self.source.read(full)
        except (OSError, FileTooLarge, KeyError) as e:
            self.problem(full, f"cannot read: {getattr(e, 'strerror', None) or e}")
            return None

    def json(self, full: str, data: bytes | None = None) -> Any:
        """Parsed JSON, or None after recording why it could not be parsed."""
        if data is None:
            data = self.read(full)
            if data is None:
                return None
        return parse_json(self.bundle, full, data)

    def yaml_docs(self, full: str, data: bytes | None = None) -> list[Any] | None:
        if data is None:
            data = self.read(full)
            if data is None:
                return None
        return parse_yaml(self.bundle, full, data, self.limits.max_yaml_alias_expansion,
                          self.limits.max_yaml_alias_bytes)

    def structured(self, full: str) -> list[Any] | None:
        """Documents of a .json / .yaml / .yml file (JSON first, YAML for the rest)."""
        data = self.read(full)
        if data is None:
            return None
        if full.endswith(".json"):
            doc = parse_json(self.bundle, full, data)
            return None if doc is None else [doc]
        return parse_yaml(self.bundle, full, data, self.limits.max_yaml_alias_expansion,
                          self.limits.max_yaml_alias_bytes)

    def text(self, full: str, vpath: str) -> TextFile:
        """A lazily read text file; read errors and invalid UTF-8 become problems when read."""
        source, record, flagged = self.source, problem_sink(self.bundle), self._invalid_utf8
        self.coverage.read.add(full)

        def load() -> bytes:
            try:
                data = source.read(full)
            except (OSError, FileTooLarge, KeyError) as e:
                record(full, f"cannot read: {getattr(e, 'strerror', None) or e}")
                return b""
            if not data.isascii() and full not in flagged:
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError as e:
                    flagged.add(full)
                    record(full, f"invalid UTF-8 at byte {e.start}; undecodable bytes replaced")
            return data

        return TextFile(full, vpath, load, {"size": self.source.files.get(full, 0)})


def problem_sink(bundle: Bundle) -> Callable[[str, str], None]:
    """Records problems found later (when a lazy text file is read) without holding the
    bundle itself: no reference cycle, so a dropped bundle is freed at once."""
    problems = bundle.problems

    def record(path: str, error: str) -> None:
        problems.append(Problem(path, " ".join(str(error).split())[:500]))

    return record


# --------------------------------------------------------------------------- parsing
def check_depth(bundle: Bundle, path: str, doc: Any) -> Any:
    """``doc`` if every part of it can be serialised again; else the List without its too
    deeply nested items, or None, with a recorded problem."""
    try:
        orjson.dumps(doc)
        return doc
    except TypeError:
        pass
    items = doc.get("items") if isinstance(doc, dict) else None
    if isinstance(items, list):
        kept = []
        for it in items:
            try:
                orjson.dumps(it)
                kept.append(it)
            except TypeError:
                continue
        if len(kept) != len(items):
            bundle.add_problem(path, f"{len(items) - len(kept)} list item(s) {MAX_DEPTH_NOTE} skipped")
        rest = {k: v for k, v in doc.items() if k != "items"}
        try:
            orjson.dumps(rest)
        except TypeError:
            bundle.add_problem(path, f"document {MAX_DEPTH_NOTE}")
            return None
        rest["items"] = kept
        return rest
    bundle.add_problem(path, f"document {MAX_DEPTH_NOTE}")
    return None


def _needs_cleaning(doc: Any) -> bool:
    try:
        orjson.dumps(doc)
        return False
    except TypeError:
        return True


def _json_compatible(bundle: Bundle, path: str, doc: Any) -> Any:
    """A YAML document as JSON data: non-string keys become strings, other values (sets,
    binary) their string form; too deep documents are dropped with a problem."""
    try:
        return orjson.loads(orjson.dumps(doc, default=str, option=orjson.OPT_NON_STR_KEYS))
    except TypeError:
        return check_depth(bundle, path, doc)


def parse_json(bundle: Bundle, path: str, data: bytes) -> Any:
    try:
        return check_depth(bundle, path, orjson.loads(data))
    except orjson.JSONDecodeError as e:
        msg = str(e)
        if "recursion" in msg.lower() or "depth" in msg.lower():
            msg = "JSON nested too deeply (over 1024 levels)"
        elif not data.strip():
            msg = "empty file"
        else:
            msg = f"invalid JSON: {msg}"
        bundle.add_problem(path, msg)
        return None


# An alias is ``*name`` after a separator; quoted stars (RBAC ``'*'``) do not match.
_YAML_ALIAS = re.compile(rb"(?:^|[\s\[{,:?-])\*[^\s,\[\]{}'\"]", re.MULTILINE)


class YamlAliasBomb(Exception):
    """A YAML document whose aliases would expand it out of proportion, or refer to itself."""


def _expanded_size(node: yaml.Node, limit: int, byte_limit: int | None = None) -> int:
    """Number of nodes the document has once every alias is expanded (iterative, memoised).
    Raises YamlAliasBomb past ``limit`` nodes or ``byte_limit`` bytes of scalars (a short
    alias of a long string repeated is cheap in nodes, not in bytes), or on a recursive
    alias.  Nothing is expanded: sizes are computed once per distinct node."""
    sizes: dict[int, tuple[int, int]] = {}  # node -> (nodes, scalar characters) once expanded
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        n, done = stack.pop()
        key = id(n)
        if done:
            on_path.discard(key)
            total, size = 1, 0
            if isinstance(n, yaml.SequenceNode):
                for c in n.value:
                    cn, cs = sizes[id(c)]
                    total, size = total + cn, size + cs
            elif isinstance(n, yaml.MappingNode):
                for k, v in n.value:
                    kn, ks = sizes[id(k)]
                    vn, vs = sizes[id(v)]
                    total, size = total + kn + vn, size + ks + vs
            else:
                size = len(n.value)
            if total > limit:
                raise YamlAliasBomb(f"aliases expand the document beyond {limit} nodes (alias bomb?)")
            if byte_limit is not None and size > byte_limit:
                raise YamlAliasBomb(f"aliases expand the document beyond {byte_limit / 2**20:.1f} MiB of text "
                                    "(alias bomb?)")
            sizes[key] = (total, size)
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise YamlAliasBomb("recursive YAML alias")
        on_path.add(key)
        stack.append((n, True))
        if isinstance(n, yaml.SequenceNode):
            stack.extend((c, False) for c in n.value if id(c) not in sizes)
        elif isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack.append((k, False))
                stack.append((v, False))
    return sizes[id(node)][0]


def load_yaml_checked(text: str, max_expansion: int = 10_000, max_alias_bytes: int = 16 * 1024 * 1024,
                      loader: type | None = None) -> list[Any]:
    """Every document of ``text`` (with ``loader``, by default the bundle's safe loader).
    A document whose aliases would expand it by more than ``max_expansion`` nodes or
    ``max_alias_bytes`` characters beyond twice its written size raises
    :class:`YamlAliasBomb` before anything is expanded."""
    composer = (loader or _YamlLoader)(text)
    docs: list[Any] = []
    try:
        while composer.check_node():
            node = composer.get_node()
            if node is None:
                continue
            counted = _count_nodes(node)
            _expanded_size(node, max(max_expansion, 0) + counted * 2, max(max_alias_bytes, 0) + len(text) * 2)
            docs.append(composer.construct_document(node))
    finally:
        composer.dispose()
    return docs


def _count_nodes(node: yaml.Node) -> int:
    seen: set[int] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack.append(k)
                stack.append(v)
    return len(seen)


def parse_yaml(bundle: Bundle, path: str, data: bytes, max_alias_expansion: int = 10_000,
               max_alias_bytes: int = 16 * 1024 * 1024) -> list[Any] | None:
    """All documents of a YAML file (None, with a recorded problem, when unreadable).

    Safe loader only (the C one when available).  Documents using aliases are composed
    first and refused when aliases would expand them by more than ``max_alias_expansion``
    nodes or ``max_alias_bytes`` characters beyond twice their written size (billion
    laughs; one long string aliased many times)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        bundle.add_problem(path, f"invalid UTF-8 at byte {e.start}")
        return None
    try:
        if _YAML_ALIAS.search(data):
            docs = load_yaml_checked(text, max_alias_expansion, max_alias_bytes)
        else:
            docs = list(yaml.load_all(text, Loader=_YamlLoader))  # _YamlLoader is a SafeLoader
        out = []
        for d in docs:
            if d is None:
                continue
            if not isinstance(d, (dict, list)) or _needs_cleaning(d):
                d = _json_compatible(bundle, path, d)
            if d is not None:
                out.append(d)
        return out
    except YamlAliasBomb as e:
        bundle.add_problem(path, f"refused YAML: {e}")
    except RecursionError:
        bundle.add_problem(path, "YAML nested too deeply")
    except yaml.YAMLError as e:
        bundle.add_problem(path, f"invalid YAML: {' '.join(str(e).split())}")
    except (ValueError, TypeError) as e:  # e.g. unhashable mapping keys, bad timestamps
        bundle.add_problem(path, f"invalid YAML: {e}")
    return None


# --------------------------------------------------------------------------- objects
def kind_from_list_kind(list_kind: Any) -> str | None:
    if isinstance(list_kind, str) and list_kind.endswith("List") and len(list_kind) > 4:
        return list_kind[:-4]
    return None


def add_document(
    ctx: ReadContext,
    doc: Any,
    path: str,
    kind_hint: str | None = None,
    api_version_hint: str | None = None,
    allow_bare_list: bool = True,
    null_items_ok: bool = True,
) -> int:
    """Add the objects of one parsed document: a List (typed or generic), a raw array of
    objects, or one object.  Items without ``kind`` get it from the List kind or the hint.
    Returns the number of objects added; records problems for what does not fit.
    ``"items": null`` is how Go writes an empty list (troubleshoot does); formats whose
    writers never do that pass ``null_items_ok=False`` to have it recorded."""
    bundle = ctx.bundle
    if isinstance(doc, list):
        if not allow_bare_list:
            bundle.add_problem(path, "expected a Kubernetes List or object, got an array")
            return 0
        return add_items(bundle, doc, path, kind_hint, api_version_hint)
    if not isinstance(doc, dict):
        bundle.add_problem(path, f"expected a Kubernetes List or object, got {type(doc).__name__}")
        return 0
    if is_internal_list(doc) or is_internal_object(doc):
        return _add_internal(ctx, doc, path, kind_hint, api_version_hint)
    kind = doc.get("kind")
    if "items" in doc and (not isinstance(kind, str) or kind.endswith("List")):
        items = doc.get("items")
        if items is None:
            if not null_items_ok:
                bundle.add_problem(path, "'items' is null, not a list")
            return 0
        if not isinstance(items, list):
            bundle.add_problem(path, f"'items' is {type(items).__name__}, not a list")
            return 0
        item_kind = kind_from_list_kind(kind) if kind != "List" else None
        api = doc.get("apiVersion") if item_kind else None
        return add_items(bundle, items, path, item_kind or kind_hint,
                         api if isinstance(api, str) else api_version_hint)
    if kind is None and kind_hint:
        doc["kind"] = kind_hint
        if api_version_hint and "apiVersion" not in doc:
            doc["apiVersion"] = api_version_hint
    if not isinstance(doc.get("kind"), str):
        bundle.add_problem(path, "document without 'kind' skipped")
        return 0
    return 1 if bundle.add_object(doc, path) else 0


def _add_internal(ctx: ReadContext, doc: dict[str, Any], path: str, kind: str | None, api_version: str | None) -> int:
    """A List or object in kubectl's internal serialisation (old cluster-info dumps): typed
    from the file name, normalised to the versioned shape."""
    items = doc["Items"] if is_internal_list(doc) else [doc]
    if kind is None:
        ctx.problem(path, "kubectl-internal serialisation without kind, and the file name names no known "
                          "resource; skipped")
        return 0
    api = api_version_from_self_link(doc.get("selfLink")) if is_internal_list(doc) else None
    n = 0
    bad = 0
    for it in items:
        if not is_internal_object(it):
            if isinstance(it, dict) and isinstance(it.get("metadata"), dict):
                it.setdefault("kind", kind)
                it.setdefault("apiVersion", api or api_version)
                n += 1 if ctx.bundle.add_object(it, path) else 0
            else:
                bad += 1
            continue
        item_api = api_version_from_self_link(it.get("selfLink")) or api or api_version
        n += 1 if ctx.bundle.add_object(normalize_internal(it, kind, item_api), path) else 0
    if bad:
        ctx.problem(path, f"{bad} list item(s) skipped: not objects")
    return n


def add_items(bundle: Bundle, items: Iterable[Any], path: str, kind: str | None, api_version: str | None) -> int:
    n = 0
    bad = 0
    first_error = ""
    add = bundle.add_object
    for it in items:
        if type(it) is not dict:
            bad += 1
            first_error = first_error or f"list item is {type(it).__name__}, not an object"
            continue
        if kind is not None and "kind" not in it:
            it["kind"] = kind
            if api_version is not None and "apiVersion" not in it:
                it["apiVersion"] = api_version
        elif "kind" not in it:
            bad += 1
            first_error = first_error or "list item without kind"
            continue
        if add(it, path):
            n += 1
    if bad:
        bundle.add_problem(path, f"{bad} list item(s) skipped: {first_error}")
    return n


# --------------------------------------------------------------------------- time
def parse_time(value: Any) -> datetime | None:
    """A time from a bundle: RFC 3339 or Go's ``time.String`` form (strings and datetimes only:
    numbers in objects are not times)."""
    if isinstance(value, int | float):
        return None
    return values.parse_time(value)


def format_time(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    dt = dt.astimezone(UTC)
    s = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if dt.microsecond:
        s += f".{dt.microsecond:06d}".rstrip("0")
    return s + "Z"


_EVENT_TIME_FIELDS = ("lastTimestamp", "eventTime", "firstTimestamp", "deprecatedLastTimestamp")
_CONDITION_TIME_FIELDS = ("lastHeartbeatTime", "lastTransitionTime", "lastProbeTime", "lastUpdateTime")


def newest_timestamp(bundle: Bundle) -> datetime | None:
    """The newest time the bundle's content itself shows: events and object conditions.

    Used as the collection time when the format records none (see docs/bundle-format.md).
    Values are compared after parsing, so mixed formats are fine."""
    best: str | None = None
    best_dt: datetime | None = None

    def consider(v: Any) -> None:
        nonlocal best, best_dt
        if isinstance(v, str) and v and (best is None or v[:19] >= best[:19]):
            dt = parse_time(v)
            if dt is not None and (best_dt is None or dt > best_dt):
                best, best_dt = v, dt

    for ev in bundle.objects("Event"):
        for f in _EVENT_TIME_FIELDS:
            consider(ev.get(f))
        series = ev.get("series")
        if isinstance(series, dict):
            consider(series.get("lastObservedTime"))
    for kind in bundle.kinds():
        if kind == "Event":
            continue
        for obj in bundle.objects(kind):
            status = obj.get("status")
            if type(status) is not dict:
                continue
            conds = status.get("conditions")
            if type(conds) is not list:
                continue
            for c in conds:
                if type(c) is dict:
                    for f in _CONDITION_TIME_FIELDS:
                        v = c.get(f)
                        if v is not None:
                            consider(v)
    return best_dt


# Collection times this much older than the bundle's newest timestamp are a collector clock
# behind the cluster's (a few seconds are the time the collection itself took).
CLOCK_SKEW_TOLERANCE_SECONDS = 120


def correct_collection_clock(bundle: Bundle) -> float | None:
    """When the recorded collection time is earlier than the newest time the bundle's content
    shows (the collector's clock behind the cluster's), use that newest time as "now" and
    report the skew as a bundle problem: ages are never negative.  Returns the skew in
    seconds when corrected, else None."""
    if bundle.collected_at is None:
        return None
    newest = newest_timestamp(bundle)
    recorded = bundle.collected_at if bundle.collected_at.tzinfo else bundle.collected_at.replace(tzinfo=UTC)
    if newest is None:
        return None
    skew = (newest - recorded).total_seconds()
    if skew <= CLOCK_SKEW_TOLERANCE_SECONDS:
        return None
    bundle.add_problem(
        "(collection time)",
        f"recorded collection time {values.format_time(recorded)} is {values.human_duration(skew)} earlier than the newest "
        f"timestamp in the bundle ({values.format_time(newest)}): the collector's clock was behind the cluster's; "
        f"ages are computed from {values.format_time(newest)}",
    )
    bundle.collected_at = newest
    return skew


def is_structured(path: str) -> bool:
    return path.endswith((".json", ".yaml", ".yml"))


def dig(obj: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


_IMAGE_VERSION = re.compile(r"/kube-apiserver(?:-[a-z0-9]+)?:(v\d+\.\d+\.\d+[^@\s]*)")


def kubernetes_version_from_objects(bundle: Bundle) -> str | None:
    """The cluster's Kubernetes version as its objects show it: the image tag of the
    kube-apiserver static pods (kubeadm, minikube, kind), else the kubelet version most
    nodes report."""
    for pod in bundle.objects("Pod"):  # (per-namespace indexes exist only after finalize)
        name = dig(pod, "metadata", "name")
        if not isinstance(name, str) or not name.startswith("kube-apiserver"):
            continue
        for c in dig(pod, "spec", "containers") or ():
            image = c.get("image") if isinstance(c, dict) else None
            m = _IMAGE_VERSION.search(image) if isinstance(image, str) else None
            if m:
                return m.group(1)
    counts: dict[str, int] = {}
    for node in bundle.objects("Node"):
        v = dig(node, "status", "nodeInfo", "kubeletVersion")
        if isinstance(v, str) and v:
            counts[v] = counts.get(v, 0) + 1
    if counts:
        return max(sorted(counts), key=lambda v: counts[v])
    return None


# --------------------------------------------------------------------------- kinds from names
# Resource plural (lower case, without separators) -> (kind, apiVersion for items without one).
RESOURCE_KINDS: dict[str, tuple[str, str | None]] = {
    "pods": ("Pod", "v1"), "events": ("Event", "v1"), "nodes": ("Node", "v1"),
    "namespaces": ("Namespace", "v1"), "services": ("Service", "v1"), "endpoints": ("Endpoints", "v1"),
    "configmaps": ("ConfigMap", "v1"), "secrets": ("Secret", "v1"), "serviceaccounts": ("ServiceAccount", "v1"),
    "limitranges": ("LimitRange", "v1"), "resourcequotas": ("ResourceQuota", "v1"),
    "persistentvolumes": ("PersistentVolume", "v1"), "persistentvolumeclaims": ("PersistentVolumeClaim", "v1"),
    "replicationcontrollers": ("ReplicationController", "v1"), "podtemplates": ("PodTemplate", "v1"),
    "componentstatuses": ("ComponentStatus", "v1"),
    "deployments": ("Deployment", "apps/v1"), "replicasets": ("ReplicaSet", "apps/v1"),
    "statefulsets": ("StatefulSet", "apps/v1"), "daemonsets": ("DaemonSet", "apps/v1"),
    "controllerrevisions": ("ControllerRevision", "apps/v1"),
    "jobs": ("Job", "batch/v1"), "cronjobs": ("CronJob", "batch/v1"),
    "ingresses": ("Ingress", "networking.k8s.io/v1"), "ingressclasses": ("IngressClass", "networking.k8s.io/v1"),
    "networkpolicies": ("NetworkPolicy", "networking.k8s.io/v1"),
    "endpointslices": ("EndpointSlice", "discovery.k8s.io/v1"),
    "poddisruptionbudgets": ("PodDisruptionBudget", "policy/v1"),
    "podsecuritypolicies": ("PodSecurityPolicy", "policy/v1beta1"),
    "storageclasses": ("StorageClass", "storage.k8s.io/v1"), "csidrivers": ("CSIDriver", "storage.k8s.io/v1"),
    "csinodes": ("CSINode", "storage.k8s.io/v1"), "volumeattachments": ("VolumeAttachment", "storage.k8s.io/v1"),
    "roles": ("Role", "rbac.authorization.k8s.io/v1"), "rolebindings": ("RoleBinding", "rbac.authorization.k8s.io/v1"),
    "clusterroles": ("ClusterRole", "rbac.authorization.k8s.io/v1"),
    "clusterrolebindings": ("ClusterRoleBinding", "rbac.authorization.k8s.io/v1"),
    "priorityclasses": ("PriorityClass", "scheduling.k8s.io/v1"), "leases": ("Lease", "coordination.k8s.io/v1"),
    "horizontalpodautoscalers": ("HorizontalPodAutoscaler", "autoscaling/v2"),
    "customresourcedefinitions": ("CustomResourceDefinition", "apiextensions.k8s.io/v1"),
    "apiservices": ("APIService", "apiregistration.k8s.io/v1"),
    "mutatingwebhookconfigurations": ("MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1"),
    "validatingwebhookconfigurations": ("ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1"),
    "certificatesigningrequests": ("CertificateSigningRequest", "certificates.k8s.io/v1"),
    "runtimeclasses": ("RuntimeClass", "node.k8s.io/v1"),
}
# <group>_<version>_<plural>.json (Sonobuoy; the core group spelled "core")
_GROUP_VERSION_PLURAL = re.compile(r"^([a-z0-9.-]+)_(v\d+(?:(?:alpha|beta)\d+)?)_([a-z0-9]+)$")


def kind_from_file_name(name: str) -> tuple[str, str | None] | None:
    """``(kind, apiVersion)`` a file's name implies for items without ``kind``:
    ``pods.json``, ``Pods.json``, ``replication-controllers.json``, ``core_v1_pods.json``,
    ``apps_v1_deployments.json``; None when the name names no resource kbundle knows."""
    stem = name.rsplit("/", 1)[-1]
    for ext in (".json", ".yaml", ".yml"):
        if stem.endswith(ext):
            stem = stem[: -len(ext)]
            break
    m = _GROUP_VERSION_PLURAL.match(stem)
    if m:
        group, version, plural = m.groups()
        known = RESOURCE_KINDS.get(plural)
        if known is None:
            return None
        return known[0], version if group == "core" else f"{group}/{version}"
    return RESOURCE_KINDS.get(stem.lower().replace("-", "").replace("_", ""))


def api_version_from_self_link(link: Any) -> str | None:
    """``/api/v1/...`` -> ``v1``, ``/apis/extensions/v1beta1/...`` -> ``extensions/v1beta1``."""
    if not isinstance(link, str):
        return None
    parts = link.strip("/").split("/")
    if len(parts) >= 2 and parts[0] == "api":
        return parts[1]
    if len(parts) >= 3 and parts[0] == "apis":
        return f"{parts[1]}/{parts[2]}"
    return None


# --------------------------------------------------------------------------- kubectl-internal shape
# ObjectMeta fields that the internal (unversioned) serialisation writes at the top level.
_OBJECT_META = ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
                "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
                "ownerReferences", "initializers", "finalizers", "clusterName", "managedFields")
# Go field names whose JSON name is not the lower-camel form of the Go name.
_GO_NAME_EXCEPTIONS = {"LastTerminationState": "lastState", "CephFS": "cephfs", "ExternalID": "externalID"}
# Fields (JSON names) holding free-form maps: their keys are data, never converted.
_DATA_MAPS = frozenset({"labels", "annotations", "selector", "nodeSelector", "data", "binaryData", "stringData",
                        "capacity", "allocatable", "limits", "requests", "hard", "used", "matchLabels",
                        "parameters", "volumeAttributes"})
# Numbers and flags the versioned API omits when zero (a hostPort of 0 is "no host port").
_OMITTED_ZEROS = frozenset({"hostPort", "nodePort", "healthCheckNodePort", "publishNotReadyAddresses", "unschedulable",
                            "hostNetwork", "hostPID", "hostIPC", "readOnly", "privileged", "stdin", "stdinOnce", "tty"})
# Pod fields the internal PodSecurityContext carries that the versioned API has in the PodSpec.
_POD_SPEC_FROM_SECURITY_CONTEXT = ("hostNetwork", "hostPID", "hostIPC", "shareProcessNamespace")


def json_name(go_name: str) -> str:
    """The versioned JSON field name of a Go field name: ``RestartCount`` -> ``restartCount``,
    ``HTTPGet`` -> ``httpGet``, ``UID`` -> ``uid``, ``PodCIDR`` -> ``podCIDR``."""
    if go_name in _GO_NAME_EXCEPTIONS:
        return _GO_NAME_EXCEPTIONS[go_name]
    n = 0
    while n < len(go_name) and go_name[n].isupper():
        n += 1
    if n == 0:
        return go_name
    if n == len(go_name) or n == 1:
        return go_name[:n].lower() + go_name[n:]
    return go_name[: n - 1].lower() + go_name[n - 1 :]


def is_internal_list(doc: Any) -> bool:
    """kubectl's internal List serialisation: ``{"selfLink", "resourceVersion", "Items": [...]}``."""
    return isinstance(doc, dict) and isinstance(doc.get("Items"), list) and "items" not in doc


def is_internal_object(obj: Any) -> bool:
    """An item in kubectl's internal serialisation: ObjectMeta flattened (``name`` at the top,
    no ``metadata``) and CapitalisedGoNames for the rest."""
    return (isinstance(obj, dict) and "metadata" not in obj and isinstance(obj.get("name"), str)
            and any(k[:1].isupper() for k in obj))


def _versioned(value: Any, data_map: bool = False) -> Any:
    if isinstance(value, list):
        return [_versioned(v) for v in value]
    if not isinstance(value, dict):
        return value
    if data_map:
        return value
    if set(value) == {"Type", "IntVal", "StrVal"}:  # intstr.IntOrString
        return value["StrVal"] if value.get("Type") == 1 else value["IntVal"]
    out: dict[str, Any] = {}
    for k, v in value.items():
        if v is None or v == "":
            continue  # the versioned API omits nil pointers, slices, maps and empty strings
        name = json_name(k) if isinstance(k, str) else k
        if v in (0, False) and name in _OMITTED_ZEROS:
            continue
        out[name] = _versioned(v, name in _DATA_MAPS)
    return out


def normalize_internal(obj: dict[str, Any], kind: str, api_version: str | None) -> dict[str, Any]:
    """One object of kubectl's internal serialisation as the versioned API shape: ObjectMeta
    under ``metadata``, lower-camel field names, nils dropped, IntOrString values unwrapped,
    ``kind``/``apiVersion`` set."""
    meta = {k: obj[k] for k in _OBJECT_META if k in obj and obj[k] is not None}
    rest = {k: v for k, v in obj.items() if k not in meta and k not in ("kind", "apiVersion")}
    out: dict[str, Any] = {"apiVersion": obj.get("apiVersion") or api_version or "v1", "kind": obj.get("kind") or kind,
                           "metadata": meta}
    out.update(_versioned(rest))
    spec = out.get("spec")
    if kind == "Pod" and isinstance(spec, dict) and isinstance(spec.get("securityContext"), dict):
        sc = spec["securityContext"]
        for f in _POD_SPEC_FROM_SECURITY_CONTEXT:
            if f in sc:
                value = sc.pop(f)
                if value:
                    spec[f] = value
    return out


# --------------------------------------------------------------------------- log files
# What kubectl (cluster-info dump, logs), troubleshoot and Sonobuoy write in place of a log
# they could not fetch.
_LOG_FETCH_ERROR = re.compile(
    r"^(?:Create log request error|Request log error|Error from server(?: \([A-Za-z]+\))?"
    r"|unable to retrieve container logs for \S+)\s*:\s*(.+)$"
    r"|^((?:container|previous terminated container) \"[^\"]+\" in pod \"[^\"]+\" "
    r"(?:is waiting to start|is terminated|not found|is not available)\b.*)$",
)
_LOG_ERROR_MAX = 4096


def log_fetch_error(body: bytes) -> str | None:
    """The reason when a log file holds nothing but an error about fetching the log
    (``Request log error: ...``, ``Error from server (BadRequest): container "c" in pod "p"
    is waiting to start: ContainerCreating``); None for real log content."""
    text = body.strip()
    if not text or len(text) > _LOG_ERROR_MAX or b"\n" in text:
        return None
    m = _LOG_FETCH_ERROR.match(text.decode("utf-8", "replace"))
    if not m:
        return None
    return (m.group(1) or m.group(2)).strip()
