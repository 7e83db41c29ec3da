"""Which files a rule set is made of: the built-in pack and the files or directories given.

Kept apart from the loader so that finding (and hashing, :mod:`analyzer.rules.pack_cache`)
the rule files imports nothing of the rule language."""

from __future__ import annotations

from pathlib import Path

import analyzer

RULE_FILE_SUFFIXES = (".yaml", ".yml")
DEFS_DIR = "defs"  # built-in defs and tables, loaded for every rule file


def builtin_rules_dir() -> Path | None:
    """The built-in rule pack: ``analyzer/builtin_rules`` in a wheel, ``<repo>/rules`` in a checkout."""
    pkg = Path(analyzer.__file__).resolve().parent
    for d in (pkg / "builtin_rules", pkg.parent / "rules"):
        if d.is_dir():
            return d
    return None


def expand_rule_path(path: Path) -> list[Path]:
    """A rule file, or the ``*.yaml``/``*.yml`` files under a directory (hidden ones skipped)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in RULE_FILE_SUFFIXES and p.is_file()
                      and not any(part.startswith(".") for part in p.relative_to(path).parts))
    return [path]


def builtin_defs_dir() -> Path | None:
    """The built-in defs and tables (``<pack>/defs``), loaded for every rule file."""
    bdir = builtin_rules_dir()
    return bdir / DEFS_DIR if bdir is not None and (bdir / DEFS_DIR).is_dir() else None


def rule_sources(paths: list[Path], builtin: bool = False) -> tuple[list[tuple[Path, str]], list[str]]:
    """The rule files to load as ``(path, name shown)``, and the given paths that do not exist.
    Built-in files are shown as ``rules/<file>``.  The built-in defs files come first even
    without ``builtin`` (their defs and tables are there for every rule file, see
    :func:`implicit_sources`); a path naming one of them again is not read twice."""
    sources: list[tuple[Path, str]] = []
    missing: list[str] = []
    bdir = builtin_rules_dir()
    if bdir is not None:
        ddir = builtin_defs_dir()
        for p in expand_rule_path(bdir) if builtin else expand_rule_path(ddir) if ddir is not None else []:
            sources.append((p, "rules/" + p.relative_to(bdir).as_posix()))
    builtin_defs = {p.resolve() for p, _shown in sources if _is_builtin_defs(p)}
    for path in paths:
        path = Path(path)
        if not path.exists():
            missing.append(str(path))
            continue
        for p in expand_rule_path(path):
            if p.resolve() not in builtin_defs:
                sources.append((p, str(p)))
    return sources, missing


def _is_builtin_defs(path: Path) -> bool:
    ddir = builtin_defs_dir()
    return ddir is not None and path.resolve().is_relative_to(ddir.resolve())


def implicit_sources(sources: list[tuple[Path, str]], builtin: bool) -> set[str]:
    """The names shown of the built-in defs files read for their defs only (without
    ``builtin``): not counted as files read."""
    return set() if builtin else {shown for p, shown in sources if _is_builtin_defs(p)}
