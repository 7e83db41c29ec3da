"""``kbundle fleet query``: DuckDB over the dataset's Parquet files.

Views: ``bundles`` (one row per bundle: its newest analysis), ``findings`` (the findings of
those analyses), and ``all_bundles`` / ``all_findings`` (every analysis the dataset holds,
e.g. after re-running it with another rule pack).
"""

from __future__ import annotations

import csv
import io
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson

from analyzer.fleet import MissingExtra, require
from analyzer.fleet.dataset import TABLES, Dataset

CANNED = {
    "top-rules": """
        select f.rule, any_value(f.severity) as severity, count(distinct f.bundle_id) as bundles,
               round(100.0 * count(distinct f.bundle_id) / (select count(*) from bundles where error is null), 1)
                 as pct_bundles,
               count(*) as findings
        from findings f where f.state = 'current' and not f.waived
        group by f.rule order by bundles desc, findings desc, f.rule limit {limit}""",
    "by-version": """
        select coalesce(regexp_extract(b.cluster_version, '^v?(\\d+\\.\\d+)', 1), '(unknown)') as version,
               count(*) as bundles, sum(case when b.error is not null then 1 else 0 end) as failed,
               sum(case when b.current_critical > 0 then 1 else 0 end) as with_critical,
               sum(b.current_critical) as critical, sum(b.current_warning) as warning,
               round(avg(b.current_critical + b.current_warning), 2) as per_bundle
        from bundles b group by version order by version limit {limit}""",
    "worst-bundles": """
        select b.name, b.cluster_version, b.current_critical as critical, b.current_warning as warning,
               (select string_agg(distinct f.rule, ' ' order by f.rule) from findings f
                 where f.bundle_id = b.bundle_id and f.state = 'current' and f.severity = 'critical'
                   and not f.waived) as critical_rules,
               b.source
        from bundles b where b.error is null
        order by b.current_critical desc, b.current_warning desc, b.name limit {limit}""",
}


class QueryError(ValueError):
    """Unusable dataset or SQL.  ``str(e)`` is one line."""


def connect(root: Path) -> Any:
    """An in-memory DuckDB connection with the dataset's views."""
    duckdb = require("duckdb")
    con = duckdb.connect(":memory:")
    add_views(con, root)
    return con


def add_views(con: Any, root: Path, prefix: str = "") -> None:
    """Create the views of the dataset at ``root``, their names prefixed with ``prefix``."""
    dataset = Dataset(root)
    if not dataset.exists():
        raise QueryError(f"{root}: not a fleet dataset (no bundles/ directory; write one with kbundle fleet analyze)")
    p = prefix
    for table in TABLES:
        parts = dataset.parts(table)
        if parts:
            files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in parts)
            con.execute(f"create view {p}all_{table} as select * from read_parquet([{files}], union_by_name = true)")
        else:
            from analyzer.fleet.dataset import schema_of

            empty = schema_of(table).empty_table()  # noqa: F841 - read by DuckDB's replacement scan
            con.execute(f"create table {p}all_{table} as select * from empty")
    con.execute(f"""
        create view {p}bundles as select * from {p}all_bundles
        qualify row_number() over (partition by bundle_id order by analyzed_at desc, rule_pack_hash) = 1""")
    con.execute(f"""
        create view {p}findings as select f.* from {p}all_findings f
        semi join {p}bundles b on f.bundle_id = b.bundle_id and f.rule_pack_hash = b.rule_pack_hash""")


def run_query(root: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of ``sql`` over the dataset."""
    duckdb = require("duckdb")
    con = connect(root)
    try:
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description] if cur.description else []
        return columns, cur.fetchall()
    except duckdb.Error as e:
        raise QueryError(" ".join(str(e).split())) from None
    finally:
        con.close()


def _cell(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def format_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> str:
    if fmt == "json":
        data = [{c: _cell(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        return orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str).decode() + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        w.writerows([[_cell(v) if v is not None else "" for v in row] for row in rows])
        return buf.getvalue()
    text = [[_text(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in text]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in text]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    text = str(_cell(value))
    return " ".join(text.split())  # one line per row, whatever a bundle string holds


def query_command(root: Path, sql: str | None, fmt: str, top_rules: bool, by_version: bool, worst_bundles: bool,
                  limit: int) -> int:
    if fmt not in ("text", "json", "csv"):
        return _err(f"--format must be text, json or csv, got '{fmt}'")
    chosen = [name for name, on in (("top-rules", top_rules), ("by-version", by_version),
                                    ("worst-bundles", worst_bundles)) if on]
    if len(chosen) + (sql is not None) != 1:
        return _err("give one SQL query or one of --top-rules, --by-version, --worst-bundles")
    text = CANNED[chosen[0]].format(limit=int(limit)) if chosen else str(sql)
    try:
        columns, rows = run_query(root, text)
    except (MissingExtra, QueryError) as e:
        return _err(str(e))
    sys.stdout.write(format_rows(columns, rows, fmt))
    return 0


def _err(message: str) -> int:
    sys.stderr.write(f"kbundle: error: {' '.join(str(message).split())}\n")
    return 2
