"""The part of Kubernetes JSONPath that CRD printer columns use.

Supports ``.field``, ``['field']``, ``[n]``, ``[*]`` / ``.*`` and filters
``[?(@.path=="value")]`` (also ``!=`` and bare ``[?(@.path)]``), optionally wrapped in
``{...}`` and starting with ``$``.  An expression it cannot parse yields no results, never
an exception: printer columns come from bundle CRDs and are untrusted.
"""

from __future__ import annotations

import re
from typing import Any

_STEP = re.compile(
    r"""
    \.\*                                   # .*
  | \.(?P<field>[A-Za-z0-9_\-/$]+)         # .field
  | \[\s*'(?P<qfield>[^']*)'\s*\]          # ['field']
  | \[\s*"(?P<dqfield>[^"]*)"\s*\]         # ["field"]
  | \[\s*(?P<index>-?\d+)\s*\]             # [0]
  | \[\s*\*\s*\]                           # [*]
  | \[\?\(\s*@(?P<fpath>(?:\.[A-Za-z0-9_\-/]+)+)\s*
        (?:(?P<fop>==|!=)\s*(?P<fval>"[^"]*"|'[^']*'|[^)\s]+)\s*)?\)\]   # [?(@.a=="b")]
    """,
    re.VERBOSE,
)


def _steps(expr: str) -> list[re.Match[str]] | None:
    expr = expr.strip()
    if expr.startswith("{") and expr.endswith("}"):
        expr = expr[1:-1].strip()
    if expr.startswith("$"):
        expr = expr[1:]
    steps = []
    pos = 0
    while pos < len(expr):
        m = _STEP.match(expr, pos)
        if not m:
            return None
        steps.append(m)
        pos = m.end()
    return steps


def _walk(value: Any, path: str) -> Any:
    for part in path.strip(".").split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _literal(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def evaluate(expr: str, obj: Any) -> list[Any]:
    """All values ``expr`` selects in ``obj`` (empty when none or unparseable)."""
    steps = _steps(expr)
    if steps is None:
        return []
    current = [obj]
    for m in steps:
        nxt: list[Any] = []
        text = m.group(0)
        for v in current:
            name = m.group("field") or m.group("qfield") or m.group("dqfield")
            if name is not None:
                if isinstance(v, dict) and name in v:
                    nxt.append(v[name])
            elif m.group("index") is not None:
                if isinstance(v, list):
                    i = int(m.group("index"))
                    if -len(v) <= i < len(v):
                        nxt.append(v[i])
            elif m.group("fpath"):
                if isinstance(v, list):
                    for item in v:
                        got = _walk(item, m.group("fpath"))
                        if m.group("fop") is None:
                            keep = got is not None
                        else:
                            equal = got is not None and _scalar_text(got) == _literal(m.group("fval"))
                            keep = equal if m.group("fop") == "==" else not equal
                        if keep:
                            nxt.append(item)
            elif text in (".*", "[*]") or text.replace(" ", "") == "[*]":
                if isinstance(v, list):
                    nxt.extend(v)
                elif isinstance(v, dict):
                    nxt.extend(v.values())
        current = nxt
    return current
