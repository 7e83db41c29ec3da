"""Jinja templates of rules (message, remediation, evidence parameters).

A sandboxed environment with autoescape off (the report escapes on output) and
``ChainableUndefined`` (``{{ item.lastState.terminated.exitCode }}`` renders empty when a
level is missing instead of failing).  Filters: ``quantity``, ``human_bytes``,
``human_duration``, ``age`` (against ``bundle.collected_at`` of the context, never the
wall clock), ``exit_code``.
"""

from __future__ import annotations

from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, Undefined, meta, nodes, pass_context
from jinja2.sandbox import SandboxedEnvironment

from analyzer.bundle.values import (
    decode_exit_code,
    human_bytes,
    human_duration,
    parse_duration,
    parse_quantity,
    parse_time,
)


class TemplateError(ValueError):
    pass


@pass_context
def _age(ctx: Any, ts: Any) -> str:
    """Age of ``ts`` at the bundle's collection time (``bundle.collected_at`` of the context).
    Never negative: a time after collection reads ``0s`` (the reader already moved "now" to the
    bundle's newest timestamp when the collector's clock was behind)."""
    t = parse_time(ts)
    b = ctx.get("bundle")
    now = parse_time(b.get("collected_at")) if isinstance(b, dict) else None
    if t is None or now is None:
        return "" if ts is None else str(ts)
    return human_duration(max(0, int((now - t).total_seconds())))


def _quantity(q: Any) -> Any:
    v = parse_quantity(q)
    return q if v is None else v


def _human_duration(x: Any) -> str:
    return human_duration(parse_duration(x) if isinstance(x, str) else x)


def _tojson(value: Any) -> str:
    """JSON of a value for messages; undefined becomes null and anything JSON cannot hold
    becomes its string, so a template never fails on odd bundle data."""
    import json

    def default(o: Any) -> Any:
        return None if isinstance(o, Undefined) else str(o)

    if isinstance(value, Undefined):
        return "null"
    return json.dumps(value, default=default, sort_keys=True, ensure_ascii=False)


def _env() -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=False, undefined=ChainableUndefined, keep_trailing_newline=False)
    env.filters.update(
        quantity=_quantity, human_bytes=human_bytes, human_duration=_human_duration, age=_age,
        exit_code=decode_exit_code, tojson=_tojson,
    )
    return env


ENV = _env()
FILTERS = ("quantity", "human_bytes", "human_duration", "age", "exit_code")


class Template:
    """A template; plain strings without ``{{``/``{%`` skip Jinja entirely.

    The template is parsed (and its filters and tests checked) at once, so that lint sees
    every error, but compiled to Python only when first rendered: most rules of a pack
    never fire on a given bundle, and compiling is two thirds of the cost."""

    __slots__ = ("source", "_tpl", "_ast", "names")

    def __init__(self, source: str):
        self.source = source
        self._tpl: Any = None
        self._ast: Any = None
        self.names: frozenset[str] = frozenset()  # the context names it reads
        if "{{" in source or "{%" in source or "{#" in source:
            try:
                ast = ENV.parse(source)
                self.names = frozenset(meta.find_undeclared_variables(ast))
                known = all(f.name in ENV.filters for f in ast.find_all(nodes.Filter)) and all(
                    t.name in ENV.tests for t in ast.find_all(nodes.Test))
                if known:
                    self._ast = ast
                else:  # the compiler words these errors (or defers them): let it
                    self._tpl = ENV.from_string(source)
            except TemplateSyntaxError as e:
                raise TemplateError(f"invalid template (line {e.lineno} of it): {e.message}") from None

    def render(self, ctx: dict[str, Any]) -> str:
        if self._tpl is None:
            if self._ast is None:
                return self.source
            self._tpl = ENV.from_string(self._ast)
            self._ast = None
        return self._tpl.render(ctx)


def compile_template(source: Any) -> Template:
    if source is None:
        source = ""
    if not isinstance(source, str):
        source = str(source)
    return Template(source)
