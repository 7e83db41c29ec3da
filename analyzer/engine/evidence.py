"""Evidence of a finding: field values, log and node-file lines with bundle path and 1-based
line numbers, events, related objects."""

from __future__ import annotations

import fnmatch
from typing import Any

from analyzer.bundle.model import TextFile, file_line_offset, ref_of
from analyzer.engine.context import Evaluator, is_k8s_object
from analyzer.engine.findings import Evidence
from analyzer.engine.labels import field_label
from analyzer.rules.functions import FUNCTION_TABLE
from analyzer.rules.jmes_compile import compile_tree
from analyzer.rules.model import EvidenceSpec, Rule
from analyzer.rules.regex import Regex

MAX_LINE_CHARS = 500
MAX_FIELD_CHARS = 4000
MAX_NODE_FILES = 5
MAX_RELATED = 50


def clip(text: str, limit: int = MAX_LINE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _clip_value(v: Any, depth: int = 0) -> Any:
    if isinstance(v, str):
        return clip(v, MAX_FIELD_CHARS)
    if depth > 20:
        return "\u2026"
    if isinstance(v, list):
        return [_clip_value(x, depth + 1) for x in v[:MAX_RELATED]]
    if isinstance(v, dict):
        return {k: _clip_value(x, depth + 1) for k, x in v.items()}
    return v


def select_lines(lines: list[str], grep: Regex | None, tail: int, offset: int = 0) -> list[tuple[int, str]]:
    """The last ``tail`` lines (of those matching ``grep`` when given), numbered from 1 + ``offset``."""
    if grep is None:
        start = max(0, len(lines) - tail)
        return [(i + 1 + offset, clip(lines[i])) for i in range(start, len(lines))]
    return [(i + 1 + offset, clip(lines[i])) for i in grep.grep(lines)[-tail:]]


def _pick_pod(ctx: dict[str, Any]) -> dict[str, Any] | None:
    for key in ("obj", "item"):
        o = ctx.get(key)
        if is_k8s_object(o) and o["kind"] == "Pod":
            return o
    return None


def _pick_object(ctx: dict[str, Any]) -> dict[str, Any] | None:
    for key in ("obj", "item"):
        o = ctx.get(key)
        if is_k8s_object(o):
            return o
    return None


def _node_for(ctx: dict[str, Any]) -> str | None:
    for key in ("obj", "item"):
        o = ctx.get(key)
        if is_k8s_object(o):
            if o["kind"] == "Node":
                return o["metadata"].get("name")
            if o["kind"] == "Pod":
                spec = o.get("spec")
                if isinstance(spec, dict) and isinstance(spec.get("nodeName"), str):
                    return spec["nodeName"]
    f = ctx.get("file")
    if isinstance(f, dict) and isinstance(f.get("node"), str) and f["node"]:
        return f["node"]
    return None


class EvidenceCollector:
    def __init__(self, ev: Evaluator):
        self.ev = ev

    def lines_of(self, tf: TextFile) -> list[str]:
        return self.ev.fns.file_lines(tf)

    def collect(self, rule: Rule, ctx: dict[str, Any]) -> list[Evidence]:
        out: list[Evidence] = []
        self._rule = rule
        for spec in rule.evidence:
            handler = getattr(self, f"_{spec.type}")
            out.extend(handler(spec, ctx))
        return out

    def _field(self, spec: EvidenceSpec, ctx: dict[str, Any]) -> list[Evidence]:
        assert spec.expr is not None
        v = self.ev.eval(spec.expr, ctx)
        if v is None or v == [] or v == {}:
            return []
        label = spec.label
        if label == spec.expr.source:  # no label: the field path, not the rule's internal names
            label = field_label(spec.expr, self._rule, ctx, self._eval_node)
        return [Evidence(type="field", label=label, value=_clip_value(v))]

    def _eval_node(self, node: dict[str, Any], ctx: dict[str, Any]) -> Any:
        self.ev.fns.vars = ctx
        return compile_tree(node, FUNCTION_TABLE)(ctx, self.ev.fns)

    def _objects(self, spec: EvidenceSpec, ctx: dict[str, Any]) -> list[Evidence]:
        assert spec.expr is not None
        v = self.ev.eval(spec.expr, ctx)
        items = v if isinstance(v, list) else [v]
        label = spec.label
        if label == spec.expr.source:
            label = field_label(spec.expr, self._rule, ctx, self._eval_node, default="related objects")
        out = []
        for o in items[:MAX_RELATED]:
            if is_k8s_object(o):
                out.append(Evidence(type="object", label=label, value=ref_of(o)))
        return out

    def _log(self, spec: EvidenceSpec, ctx: dict[str, Any]) -> list[Evidence]:
        f = f_raw if isinstance(f_raw := ctx.get("file"), dict) else {}
        pod = self.ev.eval(spec.expr, ctx) if spec.expr is not None else _pick_pod(ctx)
        if is_k8s_object(pod):
            md = pod["metadata"]
            ns, name = str(md.get("namespace") or ""), str(md.get("name") or "")
        elif spec.expr is None and f.get("pod"):  # text scope, the Pod object is not in the bundle
            pod, ns, name = {}, str(f.get("namespace") or ""), str(f["pod"])
        else:
            return []
        if spec.container is not None:
            container = spec.container.render(ctx).strip()
        else:
            item = ctx.get("item")
            container = item_name if isinstance(item, dict) and isinstance(item_name := item.get("name"), str) else ""
            if not container and isinstance(f.get("container"), str):
                container = f["container"]  # text scope: the container whose log matched
            if not container:
                spec_ = spec_raw if isinstance(spec_raw := pod.get("spec"), dict) else {}
                cs = cs_raw if isinstance(cs_raw := spec_.get("containers"), list) else []
                container = cs[0].get("name", "") if cs and isinstance(cs[0], dict) else ""
        if not container:
            return []
        tf = self.ev.bundle.log(ns, name, container, spec.previous)
        if tf is None:
            return []
        lines = select_lines(self.lines_of(tf), spec.grep, spec.tail, file_line_offset(tf))
        if not lines:
            return []
        label = spec.label or f"{'previous ' if spec.previous else ''}log of container {container}"
        return [Evidence(type="log", label=label, path=tf.path, lines=lines)]

    def _node_file(self, spec: EvidenceSpec, ctx: dict[str, Any]) -> list[Evidence]:
        node = spec.node.render(ctx).strip() if spec.node is not None else _node_for(ctx)
        if not node:
            return []
        out = []
        for rel, tf in self.ev.node_files_of(node):
            if not fnmatch.fnmatchcase(rel, spec.path):
                continue
            lines = select_lines(self.lines_of(tf), spec.grep, spec.tail, file_line_offset(tf))
            if lines:
                out.append(Evidence(type="node_file", label=spec.label or f"{rel} on {node}", path=tf.path,
                                    lines=lines))
            if len(out) >= MAX_NODE_FILES:
                break
        return out

    def _events(self, spec: EvidenceSpec, ctx: dict[str, Any]) -> list[Evidence]:
        of = self.ev.eval(spec.expr, ctx) if spec.expr is not None else _pick_object(ctx)
        if not is_k8s_object(of):
            return []
        events = self.ev.fns._func_events(of)
        picked = []
        for e in events:
            reason = e.get("reason") if isinstance(e.get("reason"), str) else ""
            if spec.reason is not None and not spec.reason.test(reason):
                continue
            if spec.event_type is not None and e.get("type") != spec.event_type:
                continue
            picked.append(e)
        out = []
        for e in picked[-spec.tail:]:
            msg = e.get("message") if isinstance(e.get("message"), str) else e.get("note")
            count = e.get("count")
            if count is None and isinstance(e.get("series"), dict):
                count = e["series"].get("count")
            value = {
                "type": e.get("type"),
                "reason": e.get("reason"),
                "message": clip(msg) if isinstance(msg, str) else msg,
                "count": count,
                "lastTimestamp": e.get("lastTimestamp") or e.get("eventTime") or e.get("firstTimestamp")
                or (e.get("metadata") or {}).get("creationTimestamp"),
            }
            out.append(Evidence(type="event", label=spec.label or str(e.get("reason") or "event"), value=value))
        return out
