"""Check that two `kbundle analyze --format json` reports hold the same analysis.

    python bench/compare.py before.json after.json

Compares findings (in order), rule errors and skipped rules exactly, and the bundle's
problems as a multiset (their order follows the order files are read in).  The rule file a
finding came from (``source``) is ignored, so a copy of the pack compares equal to the
pack.  Exit code 0 when the same, 1 when not (the first differences are printed).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

EXACT = ("findings", "rule_errors", "skipped_rules")


def load_report(path: Path) -> dict[str, Any]:
    doc = orjson.loads(path.read_bytes())
    for key in ("findings", "rule_errors"):
        for item in doc.get(key) or []:
            item.pop("source", None)
    return doc


def differences(a: dict[str, Any], b: dict[str, Any], show: int = 3) -> list[str]:
    out: list[str] = []
    for key in EXACT:
        xa, xb = a.get(key) or [], b.get(key) or []
        if xa == xb:
            continue
        ca = Counter(orjson.dumps(x, option=orjson.OPT_SORT_KEYS) for x in xa)
        cb = Counter(orjson.dumps(x, option=orjson.OPT_SORT_KEYS) for x in xb)
        only_a, only_b = list((ca - cb).elements()), list((cb - ca).elements())
        if not only_a and not only_b:
            out.append(f"{key}: same {len(xa)} items in another order")
            continue
        out.append(f"{key}: {len(only_a)} only in the first report, {len(only_b)} only in the second")
        out += [f"  - {x.decode()[:400]}" for x in only_a[:show]]
        out += [f"  + {x.decode()[:400]}" for x in only_b[:show]]
    pa = Counter(orjson.dumps(x, option=orjson.OPT_SORT_KEYS) for x in a.get("problems") or [])
    pb = Counter(orjson.dumps(x, option=orjson.OPT_SORT_KEYS) for x in b.get("problems") or [])
    if pa != pb:
        out.append(f"problems: {sum((pa - pb).values())} only in the first report, "
                   f"{sum((pb - pa).values())} only in the second")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("first", type=Path)
    ap.add_argument("second", type=Path)
    args = ap.parse_args(argv)
    try:
        a, b = load_report(args.first), load_report(args.second)
    except (OSError, orjson.JSONDecodeError) as e:
        print(f"compare: {e}", file=sys.stderr)
        return 2
    diff = differences(a, b)
    if diff:
        print("\n".join(diff))
        return 1
    print(f"same: {len(a.get('findings') or [])} findings, {len(a.get('rule_errors') or [])} rule errors, "
          f"{len(a.get('problems') or [])} problems")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
