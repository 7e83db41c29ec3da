"""``kbundle fleet report``: one self-contained HTML page over a fleet dataset.

Inline SVG charts (bundles per rule, per cluster version, over collection time), the bundles
with the most current critical findings (linked to their own HTML report when one exists),
and the bundles that could not be read.  Rendered by an autoescaping Jinja template, every
bundle string through :func:`analyzer.report.sanitize.display_text`; the page has no
script, and its Content-Security-Policy forbids every fetch (as the single-bundle report's).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from analyzer import __version__
from analyzer.fleet import MissingExtra
from analyzer.report.sanitize import display_text

TEMPLATES = Path(__file__).parent / "templates"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
TOP_RULES = 30
WORST = 25
MAX_FAILED = 200
SEVERITY_COLOUR = {"critical": "#c62828", "warning": "#ef8f00", "info": "#1e88e5"}


@dataclass
class Bar:
    label: str
    value: int
    second: int = 0  # a second series drawn over the first (e.g. bundles with a critical finding)
    colour: str = "#5c6bc0"
    title: str = ""


def _finalize(value: Any) -> Any:
    """Every ``{{ }}`` output: bundle strings with control characters made visible (then
    escaped by autoescape); a macro's output (already escaped Markup) as it is."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    return display_text(value) if isinstance(value, str) else value


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, finalize=_finalize,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _rows(con: Any, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def fleet_data(con: Any) -> dict[str, Any]:
    """What the page shows, from the dataset views."""
    total, failed, with_critical, first, last = _rows(con, """
        select count(*), count(error), count(*) filter (where current_critical > 0),
               min(collected_at), max(collected_at) from bundles""")[0]
    rules = [Bar(r, n, colour=SEVERITY_COLOUR.get(sev, "#5c6bc0"), title=f"{r} ({sev}): {n} bundle(s), {f} finding(s)")
             for r, sev, n, f in _rows(con, f"""
        select rule, any_value(severity), count(distinct bundle_id) as n, count(*) from findings
        where state = 'current' and not waived group by rule order by n desc, rule limit {TOP_RULES}""")]
    versions = [Bar(v, n, c, title=f"{v}: {n} bundle(s), {c} with a current critical finding")
                for v, n, c in _rows(con, """
        select coalesce(regexp_extract(cluster_version, '^v?(\\d+\\.\\d+)', 1), '?') as v, count(*),
               count(*) filter (where current_critical > 0)
        from bundles where error is null group by v order by v""")]
    months = [Bar(m, n, c, title=f"{m}: {n} bundle(s), {c} with a current critical finding")
              for m, n, c in _rows(con, """
        select coalesce(strftime(collected_at, '%Y-%m'), '?') as m, count(*),
               count(*) filter (where current_critical > 0)
        from bundles where error is null group by m order by m""")]
    worst = _rows(con, f"""
        select b.name, b.source, b.cluster_version, strftime(b.collected_at, '%Y-%m-%d %H:%M'),
               b.current_critical, b.current_warning,
               (select string_agg(distinct f.rule, ', ' order by f.rule) from findings f
                where f.bundle_id = b.bundle_id and f.state = 'current' and f.severity = 'critical' and not f.waived)
        from bundles b where b.error is null and b.current_critical + b.current_warning > 0
        order by b.current_critical desc, b.current_warning desc, b.name limit {WORST}""")
    [(firing,)] = _rows(con, "select count(distinct rule) from findings where state = 'current' and not waived")
    failed_rows = _rows(con, f"select name, source, error from bundles where error is not null order by name "
                             f"limit {MAX_FAILED}")
    return {"total": total, "failed": failed, "with_critical": with_critical,
            "first": first.strftime("%Y-%m-%d") if first else None,
            "last": last.strftime("%Y-%m-%d") if last else None,
            "firing": firing, "rules": rules, "versions": versions, "months": months, "worst": worst, "failed_rows": failed_rows}


def hbar_chart(bars: list[Bar], width: int = 760, row: int = 18) -> dict[str, Any]:
    """Geometry of a horizontal bar chart (one row per bar)."""
    label_w = 250
    peak = max((b.value for b in bars), default=0) or 1
    scale = (width - label_w - 60) / peak
    items = [{"bar": b, "y": i * row, "w": max(1.0, b.value * scale), "w2": b.second * scale} for i, b in enumerate(bars)]
    return {"width": width, "height": max(row, len(bars) * row), "label_w": label_w, "row": row, "items": items}


def vbar_chart(bars: list[Bar], height: int = 180) -> dict[str, Any]:
    """Geometry of a vertical bar chart (a column per bar, the second series over the first)."""
    col = max(14, min(60, 720 // max(1, len(bars))))
    peak = max((b.value for b in bars), default=0) or 1
    scale = (height - 20) / peak
    items = [{"bar": b, "x": i * col, "h": b.value * scale, "h2": b.second * scale} for i, b in enumerate(bars)]
    return {"width": max(col * len(bars), 100), "height": height, "col": col, "items": items,
            "label_every": max(1, len(bars) // 12)}


def report_links(names: list[str], reports: Path | None, output: Path) -> dict[str, str]:
    """name -> relative link to ``<reports>/<name>-report.html`` when that file exists."""
    if reports is None:
        return {}
    links = {}
    base = output.resolve().parent
    for name in names:
        target = reports / f"{name}-report.html"
        if "/" not in name and name not in ("", ".", "..") and target.is_file():
            rel = os.path.relpath(target.resolve(), base)
            links[name] = "/".join(quote(part) for part in rel.split(os.sep))
    return links


def render_fleet_html(root: Path, output: Path, reports: Path | None = None) -> str:
    from analyzer.fleet.query import connect

    con = connect(root)
    try:
        data = fleet_data(con)
    finally:
        con.close()
    links = report_links([w[0] for w in data["worst"]], reports, output)
    return _environment().get_template("fleet.html.j2").render(
        version=__version__, csp=CSP, dataset=str(root), d=data, links=links,
        rules_chart=hbar_chart(data["rules"]), versions_chart=vbar_chart(data["versions"]),
        months_chart=vbar_chart(data["months"]), colours=SEVERITY_COLOUR)


def report_command(root: Path, output: Path, reports: Path | None) -> int:
    from analyzer.fleet.query import QueryError

    try:
        html = render_fleet_html(root, output, reports)
    except (MissingExtra, QueryError) as e:
        return _err(str(e))
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(html, encoding="utf-8")
    except OSError as e:
        return _err(f"cannot write {output}: {e.strerror or e}")
    sys.stdout.write(f"{output}\n")
    return 0


def _err(message: str) -> int:
    sys.stderr.write(f"kbundle: error: {' '.join(str(message).split())}\n")
    return 2
