"""Fixtures of the fleet tests (helpers in fleet_helpers.py): a real Dask cluster, the input
bundles with a corrupt one, and the dataset of a local run over them (shared by the modules)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")

from fleet_helpers import DaskCluster, fleet_inputs, start_cluster, write_corrupt_bundle


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    cluster = start_cluster(tmp_path_factory.mktemp("dask"))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    corrupt = write_corrupt_bundle(tmp_path_factory.mktemp("corrupt") / "truncated.tar.gz")
    return [*fleet_inputs(), str(corrupt)]


@pytest.fixture(scope="session")
def local_ds(tmp_path_factory: pytest.TempPathFactory, inputs: list[str]) -> Path:
    """The dataset of a local-pool run (2 processes, partitions of 4 bundles) over ``inputs``."""
    from analyzer.fleet.dataset import Dataset
    from analyzer.fleet.rulepack import RulePackSpec
    from analyzer.fleet.runner import run_fleet

    root = tmp_path_factory.mktemp("local") / "ds"
    ds = Dataset(root)
    ds.prepare()
    counts = run_fleet(inputs, ds, RulePackSpec(), workers=2, partition_size=4)
    assert counts["analysed"] + counts["failed"] == len(inputs)
    assert counts["partitions"] >= 2
    return root
