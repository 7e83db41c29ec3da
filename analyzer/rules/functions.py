"""The domain functions available to rule expressions (besides JMESPath's built-ins).

One :class:`RuleFunctions` instance is bound to one bundle (its indexes and collection
time) and shared by every rule evaluated over that bundle; expressions are compiled once
and evaluated with it.  ``vars`` holds the context of the evaluation in progress and is
what ``$name`` (rewritten to ``var('name')``) reads.

Every function is null-safe: an argument of the wrong type gives null (or false / an empty
list, as documented in docs/rules.md), never an exception, because bundles are incomplete
and untrusted.  A few JMESPath built-ins are made null-tolerant the same way (``length``,
``contains``, ``starts_with``, ``ends_with``, ``keys``, ``values``, ``join``, ``sum``,
``max``, ``min``).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import itertools
import re
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import jmespath
from jmespath import functions as jfunctions
from jmespath.functions import signature

from analyzer.bundle.model import Bundle, ref_of
from analyzer.bundle.values import format_time, parse_duration, parse_quantity, parse_time, version_cmp
from analyzer.rules.jmes_compile import is_false
from analyzer.rules.regex import Regex, cached_compile_regex

ANY: dict[str, list[str]] = {"types": []}
LINES_CACHE_CHARS = 256 * 1024 * 1024
VARIADIC = {"types": [], "variadic": True}


def _split_lines(text: str) -> list[str]:
    """Lines as ``grep -n`` numbers them: split on newlines only, a trailing ``\\r`` dropped."""
    if not text:
        return []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def _num(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _is_obj(o: Any) -> bool:
    return isinstance(o, dict) and isinstance(o.get("kind"), str) and isinstance(o.get("metadata"), dict)


def _node_name(x: Any) -> str | None:
    """A node name from a name, a Node object or a Pod object."""
    if isinstance(x, str):
        return x or None
    if _is_obj(x):
        if x["kind"] == "Node":
            return x["metadata"].get("name")
        spec = x.get("spec")
        if isinstance(spec, dict) and isinstance(spec.get("nodeName"), str):
            return spec["nodeName"]
    return None


_FORMAT_FIELD = re.compile(r"\{\{|\}\}|\{(\d*)\}")


def _text_of(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str | int | float):
        return str(v)
    import json

    return json.dumps(v, sort_keys=True, default=str)


def format_text(fmt: Any, args: tuple[Any, ...] | list[Any]) -> str | None:
    """``{}``/``{N}`` placeholders only (no attribute access, no format spec): a rule's
    format string never reaches Python's ``str.format``.  A placeholder past the last
    argument is left empty."""
    if not isinstance(fmt, str):
        return None
    auto = itertools.count()

    def field(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok in ("{{", "}}"):
            return tok[0]
        i = int(m.group(1)) if m.group(1) else next(auto)
        return _text_of(args[i]) if i < len(args) else ""

    return _FORMAT_FIELD.sub(field, fmt)


def _regex(pattern: Any) -> Regex | None:
    if not isinstance(pattern, str):
        return None
    return cached_compile_regex(pattern)


def _network(s: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    if not isinstance(s, str):
        return None
    try:
        return ipaddress.ip_network(s.strip(), strict=False)
    except ValueError:
        return None


def _event_time(e: dict[str, Any]) -> str:
    for k in ("lastTimestamp", "eventTime", "firstTimestamp"):
        v = e.get(k)
        if isinstance(v, str) and v:
            return v
    md = e.get("metadata")
    if isinstance(md, dict) and isinstance(md.get("creationTimestamp"), str):
        return md["creationTimestamp"]
    return ""


# An event series whose last occurrence is at most this long before collection still grows.
EVENT_CURRENT_SECONDS = 600
_FIRST_FIELDS = ("firstTimestamp", "deprecatedFirstTimestamp", "eventTime", "lastTimestamp")
_LAST_FIELDS = ("lastTimestamp", "deprecatedLastTimestamp", "eventTime", "firstTimestamp")


def _event_datetime(ev: dict[str, Any], fields: tuple[str, ...]) -> datetime | None:
    series = ev.get("series")
    if fields is _LAST_FIELDS and isinstance(series, dict) and parse_time(series.get("lastObservedTime")):
        return parse_time(series.get("lastObservedTime"))
    for f in fields:
        t = parse_time(ev.get(f))
        if t is not None:
            return t
    md = ev.get("metadata")
    return parse_time(md.get("creationTimestamp")) if isinstance(md, dict) else None


class RuleFunctions(jfunctions.Functions):
    """JMESPath functions bound to one bundle."""

    def __init__(self, bundle: Bundle | None = None):
        super().__init__()
        self.bundle = bundle if bundle is not None else Bundle().finalize()
        self.now = parse_time(self.bundle.collected_at) if self.bundle.collected_at else None
        self.vars: dict[str, Any] = {}
        # id(TextFile) -> (TextFile, lines, characters); least recently used first
        self._lines_cache: OrderedDict[int, tuple[Any, list[str], int]] = OrderedDict()
        self._cached_chars = 0
        self._events_cache: dict[int, tuple[Any, list[Any]]] = {}  # id(object) -> (object, its events)

    def clear_caches(self) -> None:
        self._lines_cache.clear()
        self._events_cache.clear()
        self._cached_chars = 0
        self.__dict__.pop("_filter_indexes", None)  # analyzer.rules.jmes_compile membership filters

    def file_lines(self, tf: Any) -> list[str]:
        """Lines of a TextFile, split once and kept while the cache holds less than
        LINES_CACHE_CHARS characters (the least recently used files are dropped first)."""
        key = id(tf)
        hit = self._lines_cache.get(key)
        if hit is not None:
            self._lines_cache.move_to_end(key)
            return hit[1]
        text = tf.text()
        lines = _split_lines(text)
        tf.release()  # the lines are what is kept; the file re-reads itself if asked again
        size = len(text)
        self._lines_cache[key] = (tf, lines, size)
        self._cached_chars += size
        while self._cached_chars > LINES_CACHE_CHARS and len(self._lines_cache) > 1:
            _k, (_tf, _lines, old) = self._lines_cache.popitem(last=False)
            self._cached_chars -= old
        return lines

    # -------------------------------------------------------------- variables
    @signature({"types": ["string"]})
    def _func_var(self, name: str) -> Any:
        return self.vars.get(name)

    # -------------------------------------------------------------- objects
    @signature(VARIADIC)
    def _func_objects(self, kind: Any, *rest: Any) -> list[Any]:
        if len(rest) > 1:
            raise jmespath.exceptions.ArityError(2, 1 + len(rest), "objects")
        if not isinstance(kind, str):
            return []
        ns = rest[0] if rest else None
        if ns is not None and not isinstance(ns, str):
            return []
        return self.bundle.objects(kind, ns)

    @signature()
    def _func_kind_counts(self) -> list[dict[str, Any]]:
        """``[{kind, count}]`` for every kind in the bundle, largest first (OBJECT-FLOOD)."""
        counts = self.bundle.counts()
        return [{"kind": k, "count": n} for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    @signature(ANY, ANY, ANY)
    def _func_get(self, kind: Any, ns: Any, name: Any) -> Any:
        if not isinstance(kind, str) or not isinstance(name, str):
            return None
        return self.bundle.get(kind, ns if isinstance(ns, str) else None, name)

    @signature(ANY)
    def _func_node_of(self, pod: Any) -> Any:
        if not isinstance(pod, dict):
            return None
        return self.bundle.node_of(pod)

    @signature(ANY)
    def _func_pods_on(self, node: Any) -> list[Any]:
        name = _node_name(node)
        return self.bundle.pods_on_node(name) if name else []

    @signature(ANY)
    def _func_events(self, o: Any) -> list[Any]:
        if not _is_obj(o):
            return []
        key = id(o)
        hit = self._events_cache.get(key)
        if hit is not None and hit[0] is o:
            return hit[1]
        evs = sorted(self.bundle.events_for(o), key=_event_time)
        self._events_cache[key] = (o, evs)
        return evs

    @signature(ANY, ANY, ANY)
    def _func_select(self, kind: Any, ns: Any, selector: Any) -> list[Any]:
        if not isinstance(kind, str):
            return []
        return self.bundle.select(kind, ns if isinstance(ns, str) and ns else None, selector)

    @signature(ANY)
    def _func_owner(self, o: Any) -> Any:
        return self.bundle.owner(o) if _is_obj(o) else None

    @signature(ANY)
    def _func_top_owner(self, o: Any) -> Any:
        return self.bundle.top_owner(o) if _is_obj(o) else None

    @signature(ANY)
    def _func_owner_chain(self, o: Any) -> list[Any]:
        return self.bundle.owner_chain(o) if _is_obj(o) else []

    @signature(ANY)
    def _func_children(self, o: Any) -> list[Any]:
        return self.bundle.children(o) if _is_obj(o) else []

    @signature(ANY)
    def _func_ref(self, o: Any) -> Any:
        if not _is_obj(o):
            return None
        r = ref_of(o)
        return f"{r['kind']}/{r['namespace']}/{r['name']}" if r["namespace"] else f"{r['kind']}/{r['name']}"

    @signature(ANY, ANY)
    def _func_condition(self, o: Any, ctype: Any) -> Any:
        status = o.get("status") if isinstance(o, dict) else None
        conds = status.get("conditions") if isinstance(status, dict) else None
        if not isinstance(conds, list):
            return None
        for c in conds:
            if isinstance(c, dict) and c.get("type") == ctype:
                return c
        return None

    # -------------------------------------------------------------- text
    @signature(VARIADIC)
    def _func_log_lines(self, pod: Any, *rest: Any) -> Any:
        if len(rest) not in (1, 2):
            raise jmespath.exceptions.ArityError(3, 1 + len(rest), "log_lines")
        container = rest[0]
        previous = bool(rest[1]) if len(rest) > 1 else False
        if not _is_obj(pod) or not isinstance(container, str):
            return None
        md = pod["metadata"]
        tf = self.bundle.log(str(md.get("namespace") or ""), str(md.get("name") or ""), container, previous)
        return None if tf is None else self.file_lines(tf)

    @signature(ANY, ANY)
    def _func_node_file_lines(self, node: Any, path: Any) -> Any:
        name = _node_name(node)
        if not name or not isinstance(path, str):
            return None
        tf = self.bundle.node_file(name, path.strip("/"))
        return None if tf is None else self.file_lines(tf)

    @signature(ANY, ANY)
    def _func_node_files(self, node: Any, pattern: Any) -> list[str]:
        name = _node_name(node)
        if not name or not isinstance(pattern, str):
            return []
        pat = pattern.strip("/")
        return sorted(rel for rel in self._node_file_names(name) if fnmatch.fnmatchcase(rel, pat))

    def _node_file_names(self, node: str) -> list[str]:
        """The node files of ``node`` (an index built on first use: one scan of all of them)."""
        index = self.__dict__.get("_node_file_index")
        if index is None:
            index = {}
            for n, rel in self.bundle.node_files:
                index.setdefault(n, []).append(rel)
            self.__dict__["_node_file_index"] = index
        return index.get(node, [])

    @signature(ANY, ANY)
    def _func_grep(self, lines: Any, pattern: Any) -> list[str]:
        rx = _regex(pattern)
        if rx is None or not isinstance(lines, list):
            return []
        return [lines[i] for i in rx.grep(lines)]

    @signature(ANY, ANY)
    def _func_re_search(self, pattern: Any, s: Any) -> bool:
        rx = _regex(pattern)
        return bool(rx is not None and isinstance(s, str) and rx.test(s))

    @signature(ANY, ANY)
    def _func_re_find(self, pattern: Any, s: Any) -> Any:
        rx = _regex(pattern)
        if rx is None or not isinstance(s, str):
            return None
        m = rx.search(s)
        if not m:
            return None
        return m.group(1) if rx.groups else m.group(0)

    @signature(ANY, ANY)
    def _func_first_match(self, s: Any, cases: Any) -> Any:
        """``cases`` is ``[[regex, id], ...]``: ``{id, match, groups}`` of the first regex found in
        ``s`` (a null regex matches anything: the default case), or null."""
        if not isinstance(cases, list):
            return None
        for case in cases:
            if not isinstance(case, list) or len(case) != 2:
                continue
            pattern, cid = case
            if pattern is None:
                return {"id": cid, "match": None, "groups": []}
            rx = _regex(pattern)
            m = rx.search(s) if rx is not None and isinstance(s, str) else None
            if m:
                return {"id": cid, "match": m.group(0), "groups": list(m.groups())}
        return None

    @signature(ANY)
    def _func_event_count(self, events: Any) -> Any:
        """How many times an event (or a list of events) happened: ``count``, else
        ``series.count``, else ``deprecatedCount``, else 1 per event."""
        total: int | float = 0
        for e in events if isinstance(events, list) else [events]:
            if not isinstance(e, dict):
                continue
            series = e.get("series")
            candidates: tuple[Any, ...] = (e.get("count"), series.get("count") if isinstance(series, dict) else None,
                                           e.get("deprecatedCount"), 1)
            v = next(c for c in candidates if not is_false(c))
            if _num(v):
                total += v
        return total

    @signature(ANY)
    def _func_event_window(self, events: Any) -> Any:
        """The history of a list of events: ``{count, first, last, seconds_since_last,
        recurring, current, reason, message}`` (``first``/``last`` RFC 3339, ``reason`` and
        ``message`` of the latest event), or null for no events.  ``recurring``: it happened
        more than once over a span of time; ``current``: recurring and the last time is at most
        ``EVENT_CURRENT_SECONDS`` before collection (the count still grows)."""
        evs = [e for e in (events if isinstance(events, list) else [events]) if isinstance(e, dict)]
        if not evs:
            return None
        firsts, lasts = [], []
        latest: tuple[datetime, dict[str, Any]] | None = None
        for e in evs:
            f = _event_datetime(e, _FIRST_FIELDS)
            last = _event_datetime(e, _LAST_FIELDS) or f
            if f is not None:
                firsts.append(f)
            if last is not None:
                lasts.append(last)
                if latest is None or last >= latest[0]:
                    latest = (last, e)
        count = self._func_event_count(evs)
        first, last = (min(firsts) if firsts else None), (max(lasts) if lasts else None)
        since_last = (self.now - last).total_seconds() if last is not None and self.now is not None else None
        recurring = count > 1 and first is not None and last is not None and last > first
        ev = latest[1] if latest else evs[-1]
        return {
            "count": count, "first": format_time(first), "last": format_time(last), "seconds_since_last": since_last,
            "recurring": recurring,
            "current": bool(recurring and since_last is not None and since_last <= EVENT_CURRENT_SECONDS),
            "reason": ev.get("reason"), "message": ev.get("message") or ev.get("note"),
        }

    @signature(ANY, ANY)
    def _func_contains_any(self, subject: Any, needles: Any) -> bool:
        """``contains(subject, n)`` for any string ``n`` of the list ``needles``."""
        if not isinstance(needles, list):
            return False
        return any(isinstance(n, str) and self._func_contains(subject, n) for n in needles)

    @signature(ANY, ANY)
    def _func_lookup(self, table: Any, key: Any) -> Any:
        """``table[key]`` for a map and a string key (a list and an integer index), else null:
        JMESPath itself has no computed keys."""
        if isinstance(table, dict) and isinstance(key, str):
            return table.get(key)
        if isinstance(table, list) and isinstance(key, int) and not isinstance(key, bool) and -len(table) <= key < len(table):
            return table[key]
        return None

    @signature(VARIADIC)
    def _func_format(self, fmt: Any, *args: Any) -> Any:
        """``format('{}/{}', a, b)``: each ``{}`` (or ``{0}``, ``{1}``) replaced by an
        argument's text (null: empty); ``{{``/``}}`` are braces.  Null when ``fmt`` is not a string."""
        return format_text(fmt, args)

    @signature(ANY, ANY)
    def _func_to_time(self, s: Any, layout: Any) -> Any:
        """``s`` read with a ``strptime`` layout (``'%b %d %H:%M:%S %Y'``), as RFC 3339 (UTC
        unless the layout reads an offset), or null."""
        if not isinstance(s, str) or not isinstance(layout, str):
            return None
        try:
            dt = datetime.strptime(" ".join(s.split()), layout)
        except ValueError:
            return None
        return format_time(dt if dt.tzinfo else dt.replace(tzinfo=UTC))

    # -------------------------------------------------------------- values
    @signature(ANY)
    def _func_quantity(self, q: Any) -> Any:
        if type(q) is not str:
            return parse_quantity(q)
        cache = self.__dict__.setdefault("_quantities", {})  # the same few strings, object after object
        try:
            return cache[q]
        except KeyError:
            value = parse_quantity(q)
            if len(cache) < 65536:
                cache[q] = value
            return value

    @signature(ANY)
    def _func_age(self, ts: Any) -> Any:
        t = parse_time(ts)
        if t is None or self.now is None:
            return None
        secs = (self.now - t).total_seconds()
        return int(secs) if secs == int(secs) else secs

    @signature(ANY, ANY)
    def _func_seconds_between(self, a: Any, b: Any) -> Any:
        ta, tb = parse_time(a), parse_time(b)
        if ta is None or tb is None:
            return None
        secs = (tb - ta).total_seconds()
        return int(secs) if secs == int(secs) else secs

    @signature()
    def _func_now(self) -> Any:
        return format_time(self.now)

    @signature(ANY)
    def _func_duration(self, s: Any) -> Any:
        return parse_duration(s)

    @signature(ANY, ANY)
    def _func_cidr_contains(self, cidr: Any, ip: Any) -> Any:
        outer, inner = _network(cidr), _network(ip)
        if outer is None or inner is None:
            return None
        if outer.version != inner.version:
            return False
        return inner.subnet_of(outer)  # type: ignore[arg-type]

    @signature(ANY, ANY)
    def _func_cidr_overlaps(self, a: Any, b: Any) -> Any:
        na, nb = _network(a), _network(b)
        if na is None or nb is None:
            return None
        return na.version == nb.version and na.overlaps(nb)  # type: ignore[arg-type]

    @signature(ANY, ANY)
    def _func_version_cmp(self, a: Any, b: Any) -> Any:
        return version_cmp(a, b)

    @signature(ANY)
    def _func_cluster_version_at_least(self, v: Any) -> bool:
        c = version_cmp(self.bundle.cluster_version, v)
        return c is not None and c >= 0

    @signature(ANY)
    def _func_parse_json(self, s: Any) -> Any:
        if not isinstance(s, str):
            return None
        import json

        try:
            return json.loads(s)
        except ValueError:
            return None

    @signature(ANY)
    def _func_parse_yaml(self, s: Any) -> Any:
        if not isinstance(s, str) or len(s) > 5_000_000:
            return None
        from analyzer.bundle.formats.common import load_yaml_checked

        try:  # bundle text: aliases are bounded as in the bundle's own YAML files
            docs = load_yaml_checked(s)
        except Exception:  # noqa: BLE001 - any YAML problem (an alias bomb too) means "not YAML"
            return None
        return docs[0] if len(docs) == 1 else None

    # -------------------------------------------------------------- helpers
    @signature(ANY)
    def _func_to_map(self, pairs: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if isinstance(pairs, dict):
            return pairs
        if not isinstance(pairs, list):
            return out
        for p in pairs:
            if isinstance(p, list) and len(p) == 2:
                out[str(p[0])] = p[1]
            elif isinstance(p, dict):
                k = p.get("key", p.get("name"))
                if k is not None:
                    out[str(k)] = p.get("value")
        return out

    @signature(ANY)
    def _func_items(self, o: Any) -> list[dict[str, Any]]:
        if not isinstance(o, dict):
            return []
        return [{"key": k, "value": v} for k, v in o.items()]

    @signature(ANY)
    def _func_unique(self, xs: Any) -> list[Any]:
        if not isinstance(xs, list):
            return []
        out: list[Any] = []
        seen: set[str] = set()
        for x in xs:
            k = repr(x) if isinstance(x, dict | list) else f"{type(x).__name__}:{x}"
            if k not in seen:
                seen.add(k)
                out.append(x)
        return out

    @signature(ANY, ANY)
    def _func_concat(self, a: Any, b: Any) -> Any:
        if isinstance(a, str) or isinstance(b, str):
            return ("" if a is None else str(a) if not isinstance(a, str) else a) + (
                "" if b is None else str(b) if not isinstance(b, str) else b)
        la = a if isinstance(a, list) else [] if a is None else [a]
        lb = b if isinstance(b, list) else [] if b is None else [b]
        return la + lb

    @signature(ANY)
    def _func_lower(self, s: Any) -> Any:
        return s.lower() if isinstance(s, str) else None

    @signature(ANY)
    def _func_upper(self, s: Any) -> Any:
        return s.upper() if isinstance(s, str) else None

    @signature(ANY)
    def _func_trim(self, s: Any) -> Any:
        return s.strip() if isinstance(s, str) else None

    @signature(ANY, ANY)
    def _func_split(self, s: Any, sep: Any) -> list[str]:
        if not isinstance(s, str) or not isinstance(sep, str):
            return []
        return s.split(sep) if sep else s.split()

    @signature(ANY, ANY, ANY)
    def _func_replace(self, s: Any, old: Any, new: Any) -> Any:
        if not isinstance(s, str) or not isinstance(old, str) or not isinstance(new, str) or not old:
            return s if isinstance(s, str) else None
        return s.replace(old, new)

    @signature(ANY)
    def _func_file_lines(self, vpath: Any) -> Any:
        """Lines of any text file by its virtual path (logs, node files, and other files
        such as a must-gather's ``host_service_logs/masters/kubelet_service.log``)."""
        if not isinstance(vpath, str):
            return None
        tf = self.bundle.other_files.get(vpath.strip("/"))
        if tf is None:
            for cand in self.bundle.text_files():
                if cand.vpath == vpath.strip("/"):
                    tf = cand
                    break
        return None if tf is None else self.file_lines(tf)

    # -------------------------------------------------------------- arithmetic (null-safe)
    @signature(ANY, ANY)
    def _func_add(self, a: Any, b: Any) -> Any:
        return a + b if _num(a) and _num(b) else None

    @signature(ANY, ANY)
    def _func_sub(self, a: Any, b: Any) -> Any:
        return a - b if _num(a) and _num(b) else None

    @signature(ANY, ANY)
    def _func_mul(self, a: Any, b: Any) -> Any:
        return a * b if _num(a) and _num(b) else None

    @signature(ANY, ANY)
    def _func_div(self, a: Any, b: Any) -> Any:
        return a / b if _num(a) and _num(b) and b != 0 else None

    @signature(ANY, ANY)
    def _func_round(self, x: Any, digits: Any) -> Any:
        if not _num(x):
            return None
        return round(x, int(digits)) if _num(digits) else round(x)

    # -------------------------------------------------------------- null-tolerant built-ins
    @signature(ANY)
    def _func_length(self, x: Any) -> int:
        return len(x) if isinstance(x, str | list | dict) else 0

    @signature(ANY, ANY)
    def _func_contains(self, subject: Any, search: Any) -> bool:
        if isinstance(subject, list):
            return search in subject
        if isinstance(subject, str):
            return isinstance(search, str) and search in subject
        if isinstance(subject, dict):
            return isinstance(search, str) and search in subject
        return False

    @signature(ANY, ANY)
    def _func_starts_with(self, s: Any, prefix: Any) -> bool:
        return isinstance(s, str) and isinstance(prefix, str) and s.startswith(prefix)

    @signature(ANY, ANY)
    def _func_ends_with(self, s: Any, suffix: Any) -> bool:
        return isinstance(s, str) and isinstance(suffix, str) and s.endswith(suffix)

    @signature(ANY)
    def _func_keys(self, o: Any) -> list[Any]:
        return list(o.keys()) if isinstance(o, dict) else []

    @signature(ANY)
    def _func_values(self, o: Any) -> list[Any]:
        return list(o.values()) if isinstance(o, dict) else []

    @signature(ANY, ANY)
    def _func_join(self, sep: Any, xs: Any) -> Any:
        if not isinstance(xs, list):
            return None
        return (sep if isinstance(sep, str) else "").join(x if isinstance(x, str) else str(x) for x in xs
                                                          if x is not None)

    @signature(ANY)
    def _func_sum(self, xs: Any) -> Any:
        if not isinstance(xs, list):
            return 0
        return sum(x for x in xs if isinstance(x, int | float) and not isinstance(x, bool))

    @signature(ANY)
    def _func_max(self, xs: Any) -> Any:
        return self._extreme(xs, max)

    @signature(ANY)
    def _func_min(self, xs: Any) -> Any:
        return self._extreme(xs, min)

    @staticmethod
    def _extreme(xs: Any, fn: Any) -> Any:
        if not isinstance(xs, list):
            return None
        nums = [x for x in xs if isinstance(x, int | float) and not isinstance(x, bool)]
        if nums:
            return fn(nums)
        strs = [x for x in xs if isinstance(x, str)]
        return fn(strs) if strs else None


FUNCTION_TABLE: dict[str, Any] = RuleFunctions.FUNCTION_TABLE


def arity_of(name: str) -> tuple[int, int] | None:
    """(min, max) number of arguments of a known function, or None if unknown."""
    spec = FUNCTION_TABLE.get(name)
    if spec is None:
        return None
    sig = spec["signature"]
    special = {"objects": (1, 2), "log_lines": (2, 3)}
    if name in special:
        return special[name]
    if sig and sig[-1].get("variadic"):
        return (len(sig), 1_000)
    return (len(sig), len(sig))


# Functions whose argument at this index is a regex (checked by lint when it is a literal).
REGEX_ARGS: dict[str, int] = {"grep": 1, "re_search": 0, "re_find": 0}
split_lines = _split_lines
