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
from analyzer.bundle.model import Bundle, Problem, TextFile
from analyzer.bundle.safe_source import FileTooLarge, ReadLimits, Source

_SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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

    def __init__(self, source: Source, root: str, bundle: Bundle, limits: ReadLimits) -> None:
        self.source = source
        self.root = root
        self.bundle = bundle
        self.limits = limits
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

    # -- reading
    def read(self, full: str) -> bytes | None:
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
        return parse_yaml(self.bundle, full, data, self.limits.max_yaml_alias_expansion)

    def structured(self, full: str) -> list[Any] | None:
        """Documents of a .json / .yaml / .yml file (JSON first, YAML for the rest)."""
        data = self.read(full)
        if data is None:
            return None
        if full.endswith(".json"):
            doc = parse_json(self.bundle, full, data)
            return None if doc is None else [doc]
        return parse_yaml(self.bundle, full, data, self.limits.max_yaml_alias_expansion)

    def text(self, full: str, vpath: str) -> TextFile:
        """A lazily read text file; read errors and invalid UTF-8 become problems when read."""
        source, record, flagged = self.source, problem_sink(self.bundle), self._invalid_utf8

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


class _AliasBomb(Exception):
    pass


def _expanded_size(node: yaml.Node, limit: int) -> int:
    """Number of nodes the document has once every alias is expanded (iterative, memoised).
    Raises _AliasBomb past ``limit`` or on a recursive alias."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        n, done = stack.pop()
        key = id(n)
        if done:
            on_path.discard(key)
            total = 1
            if isinstance(n, yaml.SequenceNode):
                total += sum(sizes[id(c)] for c in n.value)
            elif isinstance(n, yaml.MappingNode):
                total += sum(sizes[id(k)] + sizes[id(v)] for k, v in n.value)
            if total > limit:
                raise _AliasBomb(f"aliases expand the document beyond {limit} nodes (alias bomb?)")
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise _AliasBomb("recursive YAML alias")
        on_path.add(key)
        stack.append((n, True))
        if isinstance(n, yaml.SequenceNode):
            stack.extend((c, False) for c in n.value if id(c) not in sizes)
        elif isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack.append((k, False))
                stack.append((v, False))
    return sizes[id(node)]


def _load_checked(text: str, max_expansion: int) -> list[Any]:
    """Like yaml.load_all, but composes each document first and refuses alias bombs."""
    loader = _YamlLoader(text)
    docs: list[Any] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            counted = _count_nodes(node)
            _expanded_size(node, max(max_expansion, 0) + counted * 2)
            docs.append(loader.construct_document(node))
    finally:
        loader.dispose()
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


def parse_yaml(bundle: Bundle, path: str, data: bytes, max_alias_expansion: int = 10_000) -> list[Any] | None:
    """All documents of a YAML file (None, with a recorded problem, when unreadable).

    Safe loader only (the C one when available).  Documents using aliases are composed
    first and refused when aliases would expand them by more than ``max_alias_expansion``
    nodes beyond twice their written size (billion laughs)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        bundle.add_problem(path, f"invalid UTF-8 at byte {e.start}")
        return None
    try:
        if _YAML_ALIAS.search(data):
            docs = _load_checked(text, max_alias_expansion)
        else:
            docs = list(yaml.load_all(text, Loader=_YamlLoader))  # noqa: S506 - a safe loader
        out = []
        for d in docs:
            if d is None:
                continue
            if not isinstance(d, (dict, list)) or _needs_cleaning(d):
                d = _json_compatible(bundle, path, d)
            if d is not None:
                out.append(d)
        return out
    except _AliasBomb as e:
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
