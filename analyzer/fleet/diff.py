"""``kbundle fleet diff A B``: what changed between two analyses of the same bundles (two rule
packs, or two kbundle versions): findings gained and lost per rule, with example bundles.

Only bundles analysed without error in both datasets are compared.  A finding is identified
by its bundle, rule, severity, state, objects and grouping key (not its message, which a
rule change may reword); identical findings are counted, so a rule that now reports one
object twice gains one.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from analyzer.fleet import MissingExtra, require

FAIL_ON = ("any", "gained", "lost", "never")

_KEY = "bundle_id, rule, severity, state, array_to_string(objects, ' '), coalesce(group_key, '')"


@dataclass
class RuleChange:
    rule: str
    gained: int = 0
    lost: int = 0
    gained_bundles: int = 0
    lost_bundles: int = 0
    gained_examples: list[str] = field(default_factory=list)
    lost_examples: list[str] = field(default_factory=list)


@dataclass
class FleetDiff:
    common: int
    only_before: list[str]
    only_after: list[str]
    failed: list[str]  # failed in one or both: not compared
    packs: tuple[list[str], list[str]]
    versions: tuple[list[str], list[str]]
    rules: list[RuleChange]

    @property
    def gained(self) -> int:
        return sum(r.gained for r in self.rules)

    @property
    def lost(self) -> int:
        return sum(r.lost for r in self.rules)

    def as_dict(self) -> dict[str, Any]:
        return {
            "bundles": {"compared": self.common, "only_before": self.only_before, "only_after": self.only_after,
                        "failed": self.failed},
            "rule_packs": {"before": self.packs[0], "after": self.packs[1]},
            "kbundle_versions": {"before": self.versions[0], "after": self.versions[1]},
            "gained": self.gained, "lost": self.lost,
            "rules": [r.__dict__ for r in self.rules],
        }


def diff_datasets(before: Path, after: Path, examples: int = 3) -> FleetDiff:
    from analyzer.fleet.query import add_views

    duckdb = require("duckdb")
    con = duckdb.connect(":memory:")
    try:
        add_views(con, before, "a_")
        add_views(con, after, "b_")

        def col(sql: str) -> list[Any]:
            return [r[0] for r in con.execute(sql).fetchall()]

        con.execute("""create temp table common as
            select a.bundle_id, a.name from a_bundles a join b_bundles b using (bundle_id)
            where a.error is null and b.error is null""")
        only_before = col("select name from a_bundles anti join b_bundles using (bundle_id) order by name")
        only_after = col("select name from b_bundles anti join a_bundles using (bundle_id) order by name")
        failed = col("""select a.name from a_bundles a join b_bundles b using (bundle_id)
                        where a.error is not null or b.error is not null order by a.name""")
        packs = (col("select distinct rule_pack_hash from a_bundles order by 1"),
                 col("select distinct rule_pack_hash from b_bundles order by 1"))
        versions = (col("select distinct kbundle_version from a_bundles order by 1"),
                    col("select distinct kbundle_version from b_bundles order by 1"))
        common = col("select count(*) from common")[0]
        changes: dict[str, RuleChange] = {}
        for side, first, second in (("gained", "b_", "a_"), ("lost", "a_", "b_")):
            rows = con.execute(f"""
                with delta as (
                    select {_KEY} from {first}findings semi join common using (bundle_id)
                    except all
                    select {_KEY} from {second}findings semi join common using (bundle_id))
                select d.rule, count(*) as n, count(distinct d.bundle_id) as bundles,
                       list(distinct c.name order by c.name) as names
                from delta d join common c using (bundle_id) group by d.rule order by d.rule""").fetchall()
            for rule, n, nb, names in rows:
                ch = changes.setdefault(rule, RuleChange(rule))
                setattr(ch, side, n)
                setattr(ch, f"{side}_bundles", nb)
                setattr(ch, f"{side}_examples", list(names)[:examples])
    finally:
        con.close()
    ordered = sorted(changes.values(), key=lambda c: (-(c.gained + c.lost), c.rule))
    return FleetDiff(common, only_before, only_after, failed, packs, versions, ordered)


def render_text(d: FleetDiff) -> str:
    out = [f"compared {d.common} bundle(s) analysed without error in both datasets"]
    for label, names in (("only in the first", d.only_before), ("only in the second", d.only_after),
                         ("failed in one or both (not compared)", d.failed)):
        if names:
            out.append(f"  {len(names)} {label}: {_names(names)}")
    out.append(f"rule pack: {_short(d.packs[0])} -> {_short(d.packs[1])};  "
               f"kbundle: {', '.join(d.versions[0]) or '-'} -> {', '.join(d.versions[1]) or '-'}")
    if not d.rules:
        out.append("no finding gained or lost")
        return "\n".join(out) + "\n"
    width = max(len(r.rule) for r in d.rules)
    out.append(f"{'rule':<{width}}  {'gained':>6}  {'lost':>6}  examples")
    for r in d.rules:
        ex = []
        if r.gained:
            ex.append(f"+ in {r.gained_bundles} bundle(s): {_names(r.gained_examples, r.gained_bundles)}")
        if r.lost:
            ex.append(f"- in {r.lost_bundles} bundle(s): {_names(r.lost_examples, r.lost_bundles)}")
        out.append(f"{r.rule:<{width}}  {'+' + str(r.gained):>6}  {'-' + str(r.lost):>6}  {';  '.join(ex)}")
    out.append(f"total: +{d.gained} -{d.lost} finding(s) in {len(d.rules)} rule(s)")
    return "\n".join(out) + "\n"


def _names(names: list[str], total: int | None = None) -> str:
    shown = ", ".join(" ".join(str(n).split()) for n in names[:5])
    more = (total if total is not None else len(names)) - min(len(names), 5)
    return shown + (f" and {more} more" if more > 0 else "")


def _short(hashes: list[str]) -> str:
    return ", ".join(h[:12] for h in hashes) or "-"


def exit_code(d: FleetDiff, fail_on: str) -> int:
    if fail_on == "never":
        return 0
    if fail_on == "gained":
        return 1 if d.gained else 0
    if fail_on == "lost":
        return 1 if d.lost else 0
    return 1 if d.gained or d.lost else 0


def diff_command(before: Path, after: Path, fmt: str, fail_on: str, examples: int) -> int:
    from analyzer.fleet.query import QueryError

    if fmt not in ("text", "json"):
        return _err(f"--format must be text or json, got '{fmt}'")
    if fail_on not in FAIL_ON:
        return _err(f"--fail-on must be one of {', '.join(FAIL_ON)}, got '{fail_on}'")
    try:
        d = diff_datasets(before, after, examples)
    except (MissingExtra, QueryError) as e:
        return _err(str(e))
    if fmt == "json":
        sys.stdout.write(orjson.dumps(d.as_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(render_text(d))
    if d.common == 0:  # nothing was compared: not a pass
        return _err(f"{before} and {after} have no bundle analysed without error in both: nothing to compare")
    return exit_code(d, fail_on)


def _err(message: str) -> int:
    sys.stderr.write(f"kbundle: error: {' '.join(str(message).split())}\n")
    return 2
