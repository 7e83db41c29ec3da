"""Evaluation of compiled expressions over one bundle.

One :class:`Evaluator` per analysis: it owns the bundle-bound functions and one JMESPath
interpreter, so evaluating an expression is a tree walk with no parsing and no set-up.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from jmespath.visitor import Options, TreeInterpreter

from analyzer.bundle.model import Bundle, TextFile
from analyzer.bundle.values import format_time
from analyzer.rules.expr import Expr
from analyzer.rules.functions import RuleFunctions


def truthy(v: Any) -> bool:
    """JMESPath truthiness: null, false, empty string/list/object are false; numbers (0 too) true."""
    if v is None or v is False:
        return False
    if isinstance(v, str | list | dict):
        return len(v) > 0
    return True


def is_k8s_object(o: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(o, dict) and isinstance(o.get("kind"), str) and isinstance(o.get("metadata"), dict)


class Evaluator:
    def __init__(self, bundle: Bundle):
        self.bundle = bundle
        self.fns = RuleFunctions(bundle)
        self.interp = TreeInterpreter(Options(custom_functions=self.fns))
        self.bundle_ctx = {
            "format": bundle.format,
            "cluster_version": bundle.cluster_version,
            "collected_at": format_time(self.fns.now),
        }
        self._node_files: dict[str, list[tuple[str, TextFile]]] | None = None

    def eval(self, expr: Expr, ctx: dict[str, Any]) -> Any:
        self.fns.vars = ctx
        return expr.fn(ctx, self.fns)

    def eval_interpreted(self, expr: Expr, ctx: dict[str, Any]) -> Any:
        """The same through the JMESPath library's tree interpreter (reference for tests)."""
        self.fns.vars = ctx
        return self.interp.visit(expr.parsed, ctx)

    def node_files_of(self, node: str) -> list[tuple[str, TextFile]]:
        if self._node_files is None:
            idx: dict[str, list[tuple[str, TextFile]]] = {}
            for (n, rel), tf in sorted(self.bundle.node_files.items()):
                idx.setdefault(n, []).append((rel, tf))
            self._node_files = idx
        return self._node_files.get(node, [])

    def object_context(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Object scope: the object's own fields at the root, plus ``obj`` and ``bundle``."""
        ctx = dict(obj)
        ctx["obj"] = obj
        ctx["item"] = None
        ctx["bundle"] = self.bundle_ctx
        return ctx

    def bundle_context(self) -> dict[str, Any]:
        return {"obj": None, "item": None, "bundle": self.bundle_ctx}
