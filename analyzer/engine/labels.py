"""Readable labels of field evidence.

A rule's evidence ``{field: $t}`` would be labelled with the expression itself (``$t``,
``item``, ``obj.spec.taints``): names internal to the rule.  The label shown is instead the
field path a person can find in the object, ``status.containerStatuses[api].lastState.terminated``,
built from the parsed expression: ``$name`` is replaced by the ``let`` that defines it,
``item`` by the rule's ``each`` with the element's name (or type, or reason), ``obj.`` is
dropped, a filter ``[?...]`` becomes the name of the element it selected, and of ``a || b`` the
alternative that holds a value.  An expression that is not a path (a function's result, a
computed value) keeps the name of its ``let``, in words.  A rule's own ``label:`` is kept.
"""

from __future__ import annotations

from typing import Any

from analyzer.rules.expr import Expr
from analyzer.rules.model import Rule

MAX_DEPTH = 6
KEY_FIELDS = ("name", "type", "reason", "key", "kind")
OPAQUE = object()  # a sub-expression that is not a field path


def element_key(value: Any) -> str | None:
    """What an element of a list is known by: its name, type, reason, key or kind."""
    if isinstance(value, dict):
        md = value.get("metadata")
        if isinstance(md, dict) and isinstance(md.get("name"), str):
            return md["name"]
        for k in KEY_FIELDS:
            v = value.get(k)
            if isinstance(v, str) and v:
                return v
    return None


class _Labeller:
    def __init__(self, rule: Rule, ctx: dict[str, Any], evaluate: Any) -> None:
        self.rule = rule
        self.ctx = ctx
        self.evaluate = evaluate  # (parsed node, ctx) -> value, or raises
        self.lets = {name: e for name, e in rule.let}

    def value_of(self, node: dict[str, Any]) -> Any:
        try:
            return self.evaluate(node, self.ctx)
        except Exception:  # noqa: BLE001 - a label never fails the finding
            return None

    def var(self, name: str, depth: int) -> str | object:
        if name == "obj":
            return ""
        if name == "item":
            each = self.rule.each
            if each is None:
                return OPAQUE
            if each.source.replace(" ", "").startswith("[obj]"):  # `[obj][?...]`: the object itself
                return ""
            item = self.ctx.get("item")
            if isinstance(item, dict) and isinstance(item.get("kind"), str) and element_key(item):
                return f"{item['kind']}/{element_key(item)}"  # another object: named by kind/name
            base = self.path(each.parsed, depth + 1)
            if base is OPAQUE:
                return OPAQUE
            key = element_key(self.ctx.get("item"))
            return _fill_last(str(base), key)
        e = self.lets.get(name)
        if e is None or depth >= MAX_DEPTH:
            return OPAQUE
        base = self.path(e.parsed, depth + 1)
        if base is OPAQUE:
            value = self.ctx.get(name)
            if isinstance(value, dict) and isinstance(value.get("kind"), str) and element_key(value):
                return f"{value['kind']}/{element_key(value)}"  # e.g. get('Deployment', ns, name)
            return OPAQUE
        return _fill_last(str(base), element_key(self.ctx.get(name)))

    def root_field(self, name: str, depth: int) -> str | object:
        """A field read from the evaluation context: ``obj``, ``item`` or a name of the context."""
        if name in ("obj", "item"):
            return self.var(name, depth)
        return name

    def path(self, node: dict[str, Any], depth: int = 0, root: bool = True) -> str | object:
        """The field path ``node`` reads, with ``[]`` where an element is selected.  ``root``:
        ``node`` is read from the evaluation context (not from a value to its left)."""
        t = node.get("type")
        ch = [c for c in (node.get("children") or []) if isinstance(c, dict)]
        if t == "field":
            return self.root_field(str(node.get("value")), depth) if root else str(node.get("value"))
        if t in ("current", "identity"):
            return ""
        if t == "subexpression" and ch:
            out = self.path(ch[0], depth, root)
            for c in ch[1:]:
                out = _join(out, self.path(c, depth, root=False))
            return out
        if t == "index_expression" and len(ch) == 2:
            left = self.path(ch[0], depth, root)
            idx = ch[1].get("value") if ch[1].get("type") == "index" else None
            if left is OPAQUE:
                return OPAQUE
            return f"{left}[{idx}]" if isinstance(idx, int) else f"{left}[]"
        if t in ("filter_projection", "projection") and ch:
            left = self.path(ch[0], depth, root)
            right = self.path(ch[1], depth, root=False) if len(ch) > 1 else ""
            if left is OPAQUE:
                return OPAQUE
            return _join(f"{left}[]", right)
        if t == "pipe" and len(ch) == 2:
            right = ch[1]
            if right.get("type") == "index_expression" or right.get("type") == "index":
                return self.path(ch[0], depth, root)  # `... | [0]`: the element selected before
            return OPAQUE
        if t == "or_expression" and len(ch) == 2:
            for alt in ch:  # the alternative that holds the value shown
                if self.value_of(alt) not in (None, False, "", [], {}):
                    return self.path(alt, depth, root)
            return self.path(ch[0], depth, root)
        if t == "and_expression" and len(ch) == 2:  # `guard && value`: the value
            return self.path(ch[1], depth, root)
        if t == "function_expression":
            name = node.get("value")
            if name == "var" and ch and ch[0].get("type") == "literal" and isinstance(ch[0].get("value"), str):
                return self.var(ch[0]["value"], depth)
            if name == "condition" and len(ch) == 2 and ch[1].get("type") == "literal":
                return _join(self.path(ch[0], depth, root), f"status.conditions[{ch[1].get('value')}]")
            if name == "concat" and ch:  # concat(obj.status.containerStatuses, obj.status.initContainerStatuses)
                return self.path(ch[0], depth, root)
            return OPAQUE
        return OPAQUE


def _join(left: str | object, right: str | object) -> str | object:
    if left is OPAQUE or right is OPAQUE:
        return OPAQUE
    a, b = str(left), str(right)
    if not a:
        return b
    if not b:
        return a
    return f"{a}{b}" if b.startswith("[") else f"{a}.{b}"


def _fill_last(path: str, key: str | None) -> str:
    """Name the last selected element ``[]`` by its key, when known."""
    i = path.rfind("[]")
    if i < 0 or not key:
        return path
    return f"{path[:i]}[{key}]{path[i + 2:]}"


def field_label(expr: Expr, rule: Rule, ctx: dict[str, Any], evaluate: Any, default: str = "value") -> str:
    """The readable label of the field evidence ``expr`` of ``rule`` in the finding's context;
    ``default`` when the expression is the element or object itself and nothing better is known."""
    path = _Labeller(rule, ctx, evaluate).path(expr.parsed)
    if path is not OPAQUE and str(path):
        return str(path).replace("[]", "[*]")
    source = expr.source.strip()
    if source.startswith("$") and source[1:].replace("_", "").isalnum() and source[1:] not in ("item", "obj"):
        return source[1:].replace("_", " ")  # a computed value: the name the rule gives it
    if source.lstrip("$") in ("obj", "item", "@"):
        return default
    source = source.replace("$", "")
    return f"{default}: {source[5:]}" if source.startswith("item.") else source
