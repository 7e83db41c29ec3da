"""Jinja templates of rules (message, remediation, evidence parameters).

A sandboxed environment with autoescape off (the report escapes on output) and
``ChainableUndefined`` (``{{ item.lastState.terminated.exitCode }}`` renders empty when a
level is missing instead of failing).  Filters: ``quantity``, ``human_bytes``,
``human_duration``, ``age`` (against ``bundle.collected_at`` of the context, never the
wall clock), ``exit_code``.

Templates come from rule files, which users write, and render values from the bundle, so
rendering is bounded (:class:`TemplateLimitError`, a rule error in analyze): a render may
take :data:`RENDER_BUDGET_S` seconds and produce :data:`MAX_OUTPUT_CHARS` characters, and
no value it builds may exceed :data:`MAX_VALUE_SIZE` characters or items.  Sizes are
checked *before* the value is built: ``'x' * 3000000000``, ``'%9999999999s' % x``,
``x.ljust(n)``, ``x|center(n)``, ``a ~ b`` and ``a + b`` are refused when the result would be
too large (repetition and ``**`` are intercepted binary operators of the sandbox, so Jinja
does not fold them at compile time either).  The deadline is checked at every call, every
filter, every loop iteration and every output chunk.
"""

from __future__ import annotations

import marshal
import re
import threading
from collections.abc import Iterable, Iterator
from time import perf_counter
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, Undefined, meta, nodes, pass_context
from jinja2.sandbox import SandboxedEnvironment
from jinja2.visitor import NodeTransformer

from analyzer.bundle.values import (
    decode_exit_code,
    human_bytes,
    human_duration,
    parse_duration,
    parse_quantity,
    parse_time,
)

# Limits of one render; module attributes, read at each render (tests lower them).
RENDER_BUDGET_S = 2.0
MAX_OUTPUT_CHARS = 100_000
MAX_VALUE_SIZE = 1_000_000
MAX_POWER_BITS = 4096  # an integer ``a ** b`` of more bits is refused


class TemplateError(ValueError):
    pass


class TemplateLimitError(TemplateError):
    """A render that would exceed its time budget or a size limit."""


_render = threading.local()  # .deadline: perf_counter() value, or absent outside a render


def _tick() -> None:
    deadline = getattr(_render, "deadline", None)
    if deadline is not None and perf_counter() > deadline:
        raise TemplateLimitError(f"template rendering took longer than {RENDER_BUDGET_S:g} s")


def _refuse_size(size: int, what: str) -> None:
    if size > MAX_VALUE_SIZE:
        raise TemplateLimitError(f"template would build {what} of {size} characters or items "
                                 f"(at most {MAX_VALUE_SIZE})")


def _size(v: Any) -> int:
    return len(v) if isinstance(v, str | bytes | list | tuple | dict) else len(str(v))


# Widths and precisions of %-formats (``%-20s``, ``%.3f``, ``%*d``) and of str.format specs.
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_FORMAT_SPEC = re.compile(r"\{[^{}]*:[^{}\d]*(\d+)?(?:\.(\d+))?[^{}]*\}")


def _check_format(fmt: Any, args: Iterable[Any], spec: re.Pattern[str]) -> None:
    if not isinstance(fmt, str):
        return
    for m in spec.finditer(fmt):
        for width in m.groups():
            if width == "*":  # the width is an argument
                for a in args if isinstance(args, tuple | list) else (args,):
                    if isinstance(a, int) and not isinstance(a, bool):
                        _refuse_size(abs(a), "a formatted field")
            elif width:
                _refuse_size(int(width) if len(width) < 12 else MAX_VALUE_SIZE + 1, "a formatted field")


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, str | bytes | list | tuple) and isinstance(n, int) and not isinstance(n, bool):
                _refuse_size(len(seq) * max(n, 0), "a repeated value")
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
            if right * max(abs(left).bit_length(), 1) > MAX_POWER_BITS:
                raise TemplateLimitError(f"template would compute a power of more than {MAX_POWER_BITS} bits")
    elif operator == "%":
        _check_format(left, right, _PERCENT_SPEC)
    elif operator == "+" and isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
        _refuse_size(len(left) + len(right), "a concatenation")


_PADDING_METHODS = {"ljust", "rjust", "center", "zfill"}


def _check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a string method call whose result would be too large, before it runs."""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if not isinstance(owner, str):
        return
    if name in _PADDING_METHODS and args and isinstance(args[0], int):
        _refuse_size(args[0], "a padded string")
    elif name == "expandtabs":
        tab = args[0] if args and isinstance(args[0], int) else 8
        _refuse_size(len(owner) + owner.count("\t") * max(tab, 0), "an expanded string")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        hits = owner.count(args[0]) if args[0] else len(owner) + 1
        _refuse_size(len(owner) + hits * len(args[1]), "a replaced string")
    elif name == "join" and isinstance(args[0] if args else None, list | tuple):
        parts = args[0]
        _refuse_size(sum(_size(p) for p in parts) + len(owner) * len(parts), "a joined string")


def _check_str_format(fmt: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    _check_format(fmt, args, _FORMAT_SPEC)
    if re.search(r":[^{}]*\{", fmt):  # a width given as an argument: '{:{}}'.format(x, n)
        for a in (*args, *kwargs.values()):
            if isinstance(a, int) and not isinstance(a, bool):
                _refuse_size(abs(a), "a formatted field")


class BoundedSandbox(SandboxedEnvironment):
    """The sandbox with the time and size limits of a render (see the module docstring)."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _tick()
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _tick()
        _check_call(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Any:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__

        def bounded_format(*args: Any, **kwargs: Any) -> str:
            _check_str_format(fmt, args, kwargs)
            return wrapped(*args, **kwargs)

        return bounded_format


def _bounded_iter(seq: Any) -> Iterator[Any]:
    """What a ``{% for %}`` iterates over: the deadline is checked at every item."""
    for item in seq:
        _tick()
        yield item


def _bounded_concat(parts: list[Any]) -> str:
    """``a ~ b``: refused before joining when the result would be too large."""
    texts = ["" if isinstance(p, Undefined) else str(p) for p in parts]
    _refuse_size(sum(len(t) for t in texts), "a concatenation")
    return "".join(texts)


def _check_center(value: Any, rest: tuple[Any, ...]) -> None:
    if rest and isinstance(rest[0], int):
        _refuse_size(rest[0], "a centered string")


def _check_indent(value: Any, rest: tuple[Any, ...]) -> None:
    if rest and isinstance(value, str):
        per_line = rest[0] if isinstance(rest[0], int) else len(str(rest[0]))
        _refuse_size(len(value) + (value.count("\n") + 1) * max(per_line, 0), "an indented string")


def _check_format_filter(value: Any, rest: tuple[Any, ...]) -> None:
    _check_format(value, rest, _PERCENT_SPEC)


def _check_replace(value: Any, rest: tuple[Any, ...]) -> None:
    if len(rest) >= 2 and isinstance(value, str):
        old, new = str(rest[0]), str(rest[1])
        hits = value.count(old) if old else len(value) + 1
        _refuse_size(len(value) + hits * len(new), "a replaced string")


def _check_count(value: Any, rest: tuple[Any, ...]) -> None:
    if rest and isinstance(rest[0], int):
        _refuse_size(rest[0], "a slice or batch count")


# Filters whose arguments can make the result far larger than their input.
_ARGUMENT_CHECKS = {"center": _check_center, "indent": _check_indent, "format": _check_format_filter,
                    "replace": _check_replace, "slice": _check_count, "batch": _check_count}


def _bounded_filter(name: str, f: Any) -> Any:
    """A filter that checks the deadline, refuses arguments that would build a too large
    value (``center(width)``, ``indent(width)``, ``format``, ``replace``, ``slice``), and
    refuses a too large result before it is used any further."""
    check = _ARGUMENT_CHECKS.get(name)
    skip = 1 if getattr(f, "jinja_pass_arg", None) is not None else 0  # the context comes first

    def bounded(*args: Any, **kwargs: Any) -> Any:
        _tick()
        if check is not None and len(args) > skip:
            check(args[skip], args[skip + 1:])
        out = f(*args, **kwargs)
        if isinstance(out, str | list | tuple | dict) and len(out) > MAX_VALUE_SIZE:
            _refuse_size(len(out), f"a {name} result")
        return out

    bounded.__name__ = getattr(f, "__name__", name)
    if skip:
        bounded.jinja_pass_arg = f.jinja_pass_arg  # type: ignore[attr-defined]
    return bounded


class _Bounder(NodeTransformer):
    """Routes every loop and ``~`` of a parsed template through the bounded filters."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        loop: Any = self.generic_visit(node)
        loop.iter = nodes.Filter(loop.iter, "_bounded_iter", [], [], None, None, lineno=loop.lineno)
        return loop  # type: ignore[no-any-return]

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        concat: Any = self.generic_visit(node)
        parts = nodes.List(list(concat.nodes), lineno=concat.lineno)
        return nodes.Filter(parts, "_bounded_concat", [], [], None, None, lineno=concat.lineno)


def _bound_tree(tree: nodes.Template, source: str) -> nodes.Template:
    if "for" in source or "~" in source:
        tree = _Bounder().visit(tree)
        tree.set_environment(ENV)
    return tree


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


def _env() -> BoundedSandbox:
    env = BoundedSandbox(autoescape=False, undefined=ChainableUndefined, keep_trailing_newline=False)
    env.filters.update(
        quantity=_quantity, human_bytes=human_bytes, human_duration=_human_duration, age=_age,
        exit_code=decode_exit_code, tojson=_tojson,
    )
    env.filters = {name: _bounded_filter(name, f) for name, f in env.filters.items()}
    env.filters.update(_bounded_iter=_bounded_iter, _bounded_concat=_bounded_concat)
    return env


ENV = _env()
FILTERS = ("quantity", "human_bytes", "human_duration", "age", "exit_code")


def _is_jinja(source: str) -> bool:
    return "{{" in source or "{%" in source or "{#" in source


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
        if _is_jinja(source):
            try:
                parsed = ENV.parse(source)
                self.names = frozenset(meta.find_undeclared_variables(parsed))
                ast = _bound_tree(parsed, source)
                known = all(f.name in ENV.filters for f in ast.find_all(nodes.Filter)) and all(
                    t.name in ENV.tests for t in ast.find_all(nodes.Test))
                if known:
                    self._ast = ast
                else:  # the compiler words these errors (or defers them): let it
                    self._tpl = ENV.from_string(ast)
            except TemplateSyntaxError as e:
                raise TemplateError(f"invalid template (line {e.lineno} of it): {e.message}") from None
            except RecursionError:
                raise TemplateError("template nested too deeply") from None

    def __getstate__(self) -> tuple[str, bytes | None, frozenset[str]]:
        """Pickled (by the pack cache) as its source, the names it reads and, for a Jinja
        template, the Python code Jinja compiles its bounded tree to (marshalled: loops and
        ``~`` keep their limits), so that a cached pack renders without compiling."""
        code = None
        if self._tpl is not None or self._ast is not None:
            try:
                code = marshal.dumps(ENV.compile(_bound_tree(ENV.parse(self.source), self.source)))
            except Exception:  # noqa: BLE001 - then it is compiled when first rendered
                code = None
        return (self.source, code, self.names)

    def __setstate__(self, state: tuple[str, bytes | None, frozenset[str]]) -> None:
        self.source, code, self.names = state
        self._tpl = None
        self._ast = code if code is not None else (self.source if _is_jinja(self.source) else None)

    def render(self, ctx: dict[str, Any]) -> str:
        """The rendered text; :class:`TemplateLimitError` past the time budget or a size limit."""
        if self._tpl is None:
            if self._ast is None:
                return self.source
            if isinstance(self._ast, bytes):  # compiled code from the pack cache
                self._tpl = ENV.template_class.from_code(ENV, marshal.loads(self._ast), ENV.make_globals(None))
            elif isinstance(self._ast, str):  # a cached template whose code could not be kept
                self._tpl = ENV.from_string(_bound_tree(ENV.parse(self._ast), self._ast))
            else:
                self._tpl = ENV.from_string(self._ast)
            self._ast = None
        outer = getattr(_render, "deadline", None)
        if outer is None:
            _render.deadline = perf_counter() + RENDER_BUDGET_S
        try:
            parts: list[str] = []
            size = 0
            append = parts.append
            for chunk in self._tpl.generate(ctx):  # loops, calls and filters check the deadline
                size += len(chunk)
                if size > MAX_OUTPUT_CHARS:
                    raise TemplateLimitError(f"template output exceeds {MAX_OUTPUT_CHARS} characters")
                append(chunk)
            return "".join(parts)
        finally:
            if outer is None:
                _render.deadline = None


def compile_template(source: Any) -> Template:
    if source is None:
        source = ""
    if not isinstance(source, str):
        source = str(source)
    return Template(source)
