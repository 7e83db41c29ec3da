"""The fleet dataset on disk: ``DATASET/bundles/part-*.parquet`` and
``DATASET/findings/part-*.parquet``, one pair per partition (a batch of bundles).

A partition lands atomically: each file is written under a hidden temporary name and renamed
into place, the findings file first and the bundles file last.  A bundle is in the dataset
when its ``bundles`` row is; a findings file without its bundles file (a run stopped between
the two renames) is removed by the next run, which analyses those bundles again.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.fleet import require

TABLES = ("bundles", "findings")
PART_GLOB = "part-*.parquet"


def bundles_schema() -> Any:
    pa = require("pyarrow")
    ts = pa.timestamp("us", tz="UTC")
    return pa.schema([
        ("bundle_id", pa.string()), ("rule_pack_hash", pa.string()), ("source", pa.string()),
        ("name", pa.string()), ("format", pa.string()), ("cluster_version", pa.string()),
        ("collected_at", ts), ("objects", pa.int64()), ("logs", pa.int64()), ("node_files", pa.int64()),
        ("counts_json", pa.string()), ("problems", pa.int64()), ("problems_json", pa.string()),
        ("rule_errors", pa.int64()), ("rule_errors_json", pa.string()), ("rules_run", pa.int64()),
        ("findings", pa.int64()), ("current_critical", pa.int64()), ("current_warning", pa.int64()),
        ("current_info", pa.int64()), ("history", pa.int64()), ("duration_s", pa.float64()),
        ("error", pa.string()), ("worker_lost", pa.bool_()), ("kbundle_version", pa.string()), ("analyzed_at", ts),
    ])


def findings_schema() -> Any:
    pa = require("pyarrow")
    return pa.schema([
        ("bundle_id", pa.string()), ("rule_pack_hash", pa.string()), ("idx", pa.int64()), ("rule", pa.string()),
        ("severity", pa.string()), ("category", pa.string()), ("title", pa.string()), ("state", pa.string()),
        ("since", pa.string()), ("group_key", pa.string()), ("objects", pa.list_(pa.string())),
        ("message", pa.string()), ("scenarios", pa.list_(pa.string())), ("waived", pa.bool_()),
        ("finding_json", pa.string()),
    ])


def schema_of(table: str) -> Any:
    return bundles_schema() if table == "bundles" else findings_schema()


class DatasetError(ValueError):
    """The dataset directory is unusable.  ``str(e)`` is one line."""


@dataclass
class Dataset:
    root: Path

    def table_dir(self, table: str) -> Path:
        return self.root / table

    def parts(self, table: str) -> list[Path]:
        d = self.table_dir(table)
        return sorted(d.glob(PART_GLOB)) if d.is_dir() else []

    def exists(self) -> bool:
        return self.table_dir("bundles").is_dir()

    def prepare(self) -> int:
        """Create the directories; remove what an interrupted run left half-written.  Returns
        the number of files removed."""
        if self.root.exists() and not self.root.is_dir():
            raise DatasetError(f"{self.root}: not a directory")
        for table in TABLES:
            self.table_dir(table).mkdir(parents=True, exist_ok=True)
        removed = 0
        committed = {p.name for p in self.parts("bundles")}
        for p in self.parts("findings"):
            if p.name not in committed:
                p.unlink()
                removed += 1
        for table in TABLES:
            for tmp in self.table_dir(table).glob(".tmp-*"):
                tmp.unlink()
                removed += 1
        return removed

    def done_keys(self) -> set[tuple[str, str]]:
        """(bundle_id, rule_pack_hash) of every bundle already in the dataset, but those that
        failed because their worker was lost (not because of the bundle): a rerun retries them."""
        pq = require("pyarrow.parquet")
        keys: set[tuple[str, str]] = set()
        for p in self.parts("bundles"):
            t = pq.read_table(p, columns=["bundle_id", "rule_pack_hash", "worker_lost"])
            for bid, h, lost in zip(*(t.column(c).to_pylist() for c in ("bundle_id", "rule_pack_hash", "worker_lost")),
                                    strict=True):
                if not lost:
                    keys.add((bid, h))
        return keys

    def write_partition(self, bundles: list[dict[str, Any]], findings: list[dict[str, Any]]) -> str:
        """Write one partition (findings, then bundles: the commit), each atomically."""
        pa = require("pyarrow")
        name = f"part-{uuid.uuid4().hex}.parquet"
        for table, rows in (("findings", findings), ("bundles", bundles)):
            arrow = pa.Table.from_pylist(rows, schema=schema_of(table))
            _write_atomic(arrow, self.table_dir(table), name)
        return name

    def read(self, table: str, columns: list[str] | None = None) -> Any:
        """One table as a pyarrow Table (empty with the schema when there are no parts)."""
        pa = require("pyarrow")
        pq = require("pyarrow.parquet")
        parts = self.parts(table)
        if not parts:
            t = schema_of(table).empty_table()
            return t.select(columns) if columns else t
        return pa.concat_tables([pq.read_table(p, columns=columns) for p in parts], promote_options="default")


def _write_atomic(table: Any, directory: Path, name: str) -> None:
    pq = require("pyarrow.parquet")
    tmp = directory / f".tmp-{name}"
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, directory / name)
