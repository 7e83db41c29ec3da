"""Time ``kbundle diff``'s object comparison on two synthetic captures of one cluster.

    python bench/diff_bench.py --pods 20000 --nodes 700      # the M bundle of bench/synth.py

The second capture is the first with every resourceVersion bumped, 5% of restart counts
raised, 1% of images changed and 1% of pods removed.  With deepdiff installed, it also times
deepdiff over the same pairs (the library the issue suggested) for comparison.
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import build

from analyzer.bundle.model import Bundle
from analyzer.timeline.diff import diff_bundles, match_objects


def changed_copy(objects: list[dict], seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for o in objects:
        o = copy.deepcopy(o)
        md = o.setdefault("metadata", {})
        md["resourceVersion"] = str(int(md.get("resourceVersion") or 0) + 1000)
        if o.get("kind") == "Pod":
            if rng.random() < 0.01:
                continue
            for cs in (o.get("status") or {}).get("containerStatuses") or []:
                if rng.random() < 0.05:
                    cs["restartCount"] = cs.get("restartCount", 0) + rng.randint(1, 9)
            for c in (o.get("spec") or {}).get("containers") or []:
                if rng.random() < 0.01:
                    c["image"] = c["image"] + "-next"
        out.append(o)
    return out


def bundle_of(objects: list[dict]) -> Bundle:
    b = Bundle(format="native", source="synthetic")
    for o in objects:
        b.add_object(o)
    return b.finalize()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=20000)
    ap.add_argument("--nodes", type=int, default=700)
    args = ap.parse_args()
    objects, _logs, _files = build(args.pods, args.nodes, 0, 1)
    old, new = bundle_of(objects), bundle_of(changed_copy(objects, 2))
    t = time.perf_counter()
    d = diff_bundles(old, [], new, [])
    took = time.perf_counter() - t
    print(f"kbundle diff: {len(old.objects_all)} vs {len(new.objects_all)} objects, {len(d.changed)} changed, "
          f"{len(d.removed)} removed, in {took:.2f}s")
    try:
        from deepdiff import DeepDiff
    except ImportError:
        print("deepdiff not installed: not compared")
        return 0
    pairs, _removed, _added = match_objects(old.objects_all, new.objects_all)
    t = time.perf_counter()
    n = sum(1 for a, b in pairs if a != b and DeepDiff(a, b, exclude_regex_paths=[r"\['resourceVersion'\]"]))
    print(f"deepdiff over the same {len(pairs)} pairs: {n} changed in {time.perf_counter() - t:.2f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
