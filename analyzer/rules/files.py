"""Which files a rule set is made of: the built-in pack and the files or directories given.

Kept apart from the loader so that finding (and hashing, :mod:`analyzer.rules.pack_cache`)
the rule files imports nothing of the rule language."""

from __future__ import annotations

from pathlib import Path

import analyzer

RULE_FILE_SUFFIXES = (".yaml", ".yml")


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


def rule_sources(paths: list[Path], builtin: bool = False) -> tuple[list[tuple[Path, str]], list[str]]:
    """The rule files to load as ``(path, name shown)``, and the given paths that do not exist.
    Built-in files are shown as ``rules/<file>``."""
    sources: list[tuple[Path, str]] = []
    missing: list[str] = []
    if builtin:
        bdir = builtin_rules_dir()
        if bdir is not None:
            for p in expand_rule_path(bdir):
                sources.append((p, "rules/" + p.relative_to(bdir).as_posix()))
    for path in paths:
        path = Path(path)
        if not path.exists():
            missing.append(str(path))
            continue
        for p in expand_rule_path(path):
            sources.append((p, str(p)))
    return sources, missing
