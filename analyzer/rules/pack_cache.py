"""A cache of loaded rule packs, so that ``kbundle analyze`` does not lint and compile every
rule on every run.

The first load of a set of rule files lints and compiles them as usual
(:func:`analyzer.rules.loader.load_rule_paths`) and stores the result (rules and lint
issues) as a pickle in the user's cache directory.  Later loads of the same files read it
back: expressions are re-linked to their evaluators, templates are compiled when first
rendered (:class:`analyzer.rules.templates.Template`), no YAML is parsed, no regex checked.

The key is a hash of the kbundle version, of the source of the rule-language modules
(``analyzer/rules/*.py``: a rule compiled by other code is never reused), of Python and Jinja
(templates are stored as Jinja-compiled Python code) and of every rule file's name and content.  The cache is safe to delete; a file that cannot be read, written
or unpickled is ignored and the pack is compiled again.  Set ``KBUNDLE_CACHE_DIR`` to move
it, or ``KBUNDLE_NO_CACHE=1`` to disable it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import analyzer

if TYPE_CHECKING:
    from analyzer.rules.loader import LoadResult

CACHE_PREFIX = "pack-"
CACHE_SUFFIX = ".pickle"
KEEP_FILES = 8  # cache files kept (newest first): one per rule set recently used


def cache_dir() -> Path | None:
    """Where packs are cached: ``$KBUNDLE_CACHE_DIR``, else ``$XDG_CACHE_HOME/kbundle``, else
    ``~/.cache/kbundle``; None when disabled (``KBUNDLE_NO_CACHE``) or no home is known."""
    if os.environ.get("KBUNDLE_NO_CACHE"):
        return None
    explicit = os.environ.get("KBUNDLE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "kbundle"
    try:
        return Path.home() / ".cache" / "kbundle"
    except (RuntimeError, KeyError):
        return None


@lru_cache(maxsize=1)
def _code_fingerprint() -> bytes:
    """The kbundle version and the source of the modules that compile rules."""
    import jinja2

    # Python's and Jinja's versions too: templates are cached as Jinja-compiled Python code.
    h = hashlib.sha256(f"kbundle {analyzer.__version__}\0{sys.version}\0jinja2 "
                       f"{getattr(jinja2, '__version__', '?')}\0".encode())
    rules_pkg = Path(__file__).resolve().parent
    for p in sorted(rules_pkg.glob("*.py")):
        try:
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
        except OSError:
            h.update(p.name.encode() + b"\0?\0")
    return h.digest()


def pack_key(files: list[tuple[str, bytes]]) -> str:
    """The cache key of rule files given as ``(name shown, content)``."""
    h = hashlib.sha256(_code_fingerprint())
    for shown, data in files:
        h.update(shown.encode("utf-8", "surrogateescape") + b"\0")
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()[:40]


def _summary(result: LoadResult) -> dict[str, Any]:
    """What ``rules list`` shows, in plain data (read without importing the rule language)."""
    return {"rules": [r.meta() for r in result.rules], "issues": [str(i) for i in result.issues]}


def _read(path: Path, summary_only: bool = False) -> Any:
    """The cached :class:`LoadResult` (or, ``summary_only``, its :func:`_summary`), or None."""
    try:
        with open(path, "rb") as f:
            summary = pickle.load(f)  # our own file in the user's cache directory
            if summary_only:
                return summary if isinstance(summary, dict) else None
            value = pickle.load(f)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a damaged or foreign cache file is only a cache miss
        return None
    from analyzer.rules.loader import LoadResult

    return value if isinstance(value, LoadResult) else None


def _write(directory: Path, path: Path, value: LoadResult) -> None:
    """Write atomically (temporary file + rename); any failure leaves no cache, no error."""
    try:
        data = pickle.dumps(_summary(value), protocol=pickle.HIGHEST_PROTOCOL)
        data += pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - a rule holding something unpicklable is simply not cached
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=CACHE_SUFFIX, dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return
    _prune(directory)


def _prune(directory: Path) -> None:
    try:
        files = sorted(directory.glob(f"{CACHE_PREFIX}*{CACHE_SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP_FILES:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def _cache_path(sources: list[tuple[Path, str]]) -> Path | None:
    directory = cache_dir()
    if directory is None:
        return None
    files: list[tuple[str, bytes]] = []
    for path, shown in sources:
        try:
            files.append((shown, path.read_bytes()))
        except OSError:
            return None  # the loader reports it
    return directory / f"{CACHE_PREFIX}{pack_key(files)}{CACHE_SUFFIX}"


def cached_load(sources: list[tuple[Path, str]], load: Callable[[], LoadResult]) -> LoadResult:
    """The result of ``load()`` for the rule files ``sources`` (``(path, name shown)``), from
    the cache when these files were loaded before by this version of kbundle."""
    path = _cache_path(sources)
    if path is None:
        return load()
    hit = _read(path)
    if hit is not None:
        return hit
    result = load()
    _write(path.parent, path, result)
    return result


def cached_summary(sources: list[tuple[Path, str]], load: Callable[[], LoadResult]) -> dict[str, Any]:
    """``{"rules": [rule meta...], "issues": ["FILE:LINE: ID: message"...]}`` of the rule files
    ``sources``: from the cache without unpickling the compiled rules, else from ``load()``."""
    path = _cache_path(sources)
    hit = _read(path, summary_only=True) if path is not None else None
    if hit is not None:
        return hit
    result = load()
    if path is not None:
        _write(path.parent, path, result)
    return _summary(result)


def load_summary(paths: list[Path], builtin: bool) -> dict[str, Any]:
    """:func:`cached_summary` of the built-in pack (``builtin``) and the rule files ``paths``."""
    from analyzer.rules.files import rule_sources

    def load() -> LoadResult:
        from analyzer.rules.loader import load_rule_paths

        return load_rule_paths(paths, builtin=builtin)

    sources, missing = rule_sources(paths, builtin)
    return _summary(load()) if missing else cached_summary(sources, load)
