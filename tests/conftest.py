"""Session-wide set-up shared by every test area.

* The rule-pack cache (analyzer/rules/pack_cache.py) goes to a directory of this session, never
  to the user's ~/.cache: the first load of the built-in pack compiles it, every later one
  (in this process or in a `kbundle` subprocess) reads it back.
* ``builtin_pack``: the compiled built-in pack, loaded once per session.
* ``must_gather``: the real must-gather of ../shared/realdata, read once per session (it takes
  tens of seconds); skipped when absent.
* Tests marked ``slow`` (real captures read through the whole command line, large synthetic
  bundles) are left out by ``pytest -m "not slow"`` for a quick local run; CI runs them all.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
MUST_GATHER = REALDATA / "must-gather-metal" / "must-gather-metal.tar.xz"

_CACHE = tempfile.TemporaryDirectory(prefix="kbundle-test-cache-")
os.environ.setdefault("KBUNDLE_CACHE_DIR", _CACHE.name)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a slow test (real captures end to end); deselect with -m 'not slow'")


@pytest.fixture(scope="session")
def builtin_pack():  # -> analyzer.rules.loader.LoadResult
    from analyzer.engine.evaluate import load_rules

    pack = load_rules([], builtin=True, cache=True)
    assert not pack.issues, pack.issues
    return pack


@pytest.fixture(scope="session")
def must_gather() -> Iterator[object]:  # -> analyzer.bundle.model.Bundle
    if not MUST_GATHER.exists():
        pytest.skip(f"{MUST_GATHER} is absent")
    from analyzer.bundle.reader import open_bundle

    bundle = open_bundle(MUST_GATHER)
    try:
        yield bundle
    finally:
        bundle.close()
