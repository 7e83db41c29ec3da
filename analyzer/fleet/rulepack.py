"""The rule pack of a fleet run: which rule files, their hash, and the rules loaded once per
worker process.

The hash is the sha256 of every rule file's name and bytes, in load order: two runs with the
same hash ran the same rules.  Workers load the pack themselves with the loader the CLI uses
(:func:`analyzer.engine.evaluate.load_rules`) and report the hash of what they loaded, so a
worker whose rule files differ from the driver's is visible in the dataset.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.engine.commands import _issues_as_rule_errors  # the same rule errors as analyze
from analyzer.engine.evaluate import load_rules
from analyzer.engine.findings import RuleError
from analyzer.rules.files import rule_sources
from analyzer.rules.model import Rule


@dataclass(frozen=True)
class RulePackSpec:
    """What ``--rules`` and ``--no-builtin`` asked for (picklable, sent to every task)."""

    paths: tuple[str, ...] = ()
    builtin: bool = True


@dataclass
class LoadedPack:
    rules: list[Rule]
    builtin_errors: list[RuleError]  # built-in rules that did not load: rule errors, as in analyze
    user_problems: list[str] = field(default_factory=list)  # problems in --rules files: a usage error
    hash: str = ""
    meta: list[dict[str, object]] = field(default_factory=list)


def rule_files(spec: RulePackSpec) -> list[tuple[str, Path]]:
    """(name shown in findings, file) of every rule file, in the loader's order."""
    sources, _missing = rule_sources([Path(raw) for raw in spec.paths], spec.builtin)
    return [(shown, path) for path, shown in sources]


def rule_pack_hash(spec: RulePackSpec) -> str:
    h = hashlib.sha256(b"kbundle-rule-pack-v1\n")
    for shown, path in rule_files(spec):
        try:
            data = path.read_bytes()
        except OSError:
            data = b"<unreadable>"
        h.update(f"{shown}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def load_pack(spec: RulePackSpec) -> LoadedPack:
    """Load the pack as ``kbundle analyze`` does: problems in the user's files are reported
    (the driver refuses to run), problems in the built-in pack become rule errors."""
    user = load_rules(list(spec.paths), builtin=False) if spec.paths else None
    builtin = load_rules([], builtin=True) if spec.builtin else None
    problems = [str(i) for i in user.issues] if user else []
    builtin_ids = {r.id for r in builtin.rules} if builtin else set()
    user_rules = user.rules if user else []
    problems += [f"{r.source}:{r.line}: {r.id}: duplicate id (a built-in rule has this id)"
                 for r in user_rules if r.id in builtin_ids]
    rules = (builtin.rules if builtin else []) + user_rules
    errors = _issues_as_rule_errors(builtin) if builtin else []
    if not rules and not errors and not problems:
        problems.append("no rules to run (give --rules DIR, or drop --no-builtin)")
    return LoadedPack(rules=rules, builtin_errors=errors, user_problems=problems, hash=rule_pack_hash(spec),
                      meta=[r.meta() for r in rules])


_CACHE: dict[RulePackSpec, LoadedPack] = {}


def cached_pack(spec: RulePackSpec) -> LoadedPack:
    """The pack, loaded once per process (workers analyse many bundles with it)."""
    pack = _CACHE.get(spec)
    if pack is None:
        pack = _CACHE[spec] = load_pack(spec)
    return pack
