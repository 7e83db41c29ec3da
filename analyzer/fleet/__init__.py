"""Fleet analysis: many bundles into one findings dataset (Parquet), queried with DuckDB.

``kbundle fleet analyze`` runs the same analysis as ``kbundle analyze --format json`` on
every bundle of a fleet, on a local process pool or a Dask distributed cluster, and writes
two Parquet tables (``bundles``, ``findings``) under the dataset directory;
``fleet query`` / ``fleet report`` / ``fleet diff`` read them.  See docs/fleet.md.

The heavy dependencies (pyarrow, duckdb, dask.distributed) are the ``fleet`` extra and are
imported only by the commands that need them: :func:`require` turns a missing one into one
line naming the extra.
"""

from __future__ import annotations

import importlib
from types import ModuleType

EXTRA_HINT = "pip install 'kbundle[fleet]'"


class MissingExtra(RuntimeError):
    """A module of the ``fleet`` extra is not installed.  ``str(e)`` is one line."""


def require(module: str) -> ModuleType:
    """Import ``module`` (one of the fleet extra) or raise :class:`MissingExtra`."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        top = module.split(".")[0]
        raise MissingExtra(f"kbundle fleet needs {top}, which is not installed ({EXTRA_HINT}): {e}") from None
