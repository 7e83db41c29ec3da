"""What a reader made of each file of a bundle: understood (mapped to objects, logs, node
files, other text files, or read for the bundle's metadata), not understood (a problem was
recorded and nothing came of it), or ignored (with the reason).  ``kbundle inspect`` shows it
so that a user knows what the analysis saw and what it did not."""

from __future__ import annotations

import posixpath
from collections import Counter, defaultdict
from typing import Any

from analyzer.bundle.model import Bundle

APPLEDOUBLE = "macOS AppleDouble metadata (._ twin of another file)"
# Directories listed per ignore reason (the rest are counted together).
_DIRS_SHOWN = 12


class Coverage:
    """Filled by the format readers through :class:`~analyzer.bundle.formats.common.ReadContext`."""

    def __init__(self) -> None:
        self.read: set[str] = set()
        self.ignored: dict[str, str] = {}

    def ignore(self, path: str, reason: str) -> None:
        self.ignored.setdefault(path, reason)


def _text_sources(bundle: Bundle) -> dict[str, str]:
    out: dict[str, str] = {}
    for what, files in (("logs", bundle.logs.values()), ("node_files", bundle.node_files.values()),
                        ("other_files", bundle.other_files.values())):
        for tf in files:
            out.setdefault(str(tf.meta.get("source") or tf.path), what)
    return out


def _directory(path: str, root: str, depth: int = 2) -> str:
    rel = path[len(root):] if root and path.startswith(root) else path
    d = posixpath.dirname(rel)
    parts = d.split("/") if d else []
    return (root + "/".join(parts[:depth])) if parts else (root or ".")


def summarize(bundle: Bundle, files: dict[str, int], coverage: Coverage, fmt: str, roots: list[str]) -> dict[str, Any]:
    """The coverage summary (``coverage`` in ``kbundle inspect --format json``)."""
    object_files = Counter(bundle.source_of(o) for o in bundle.objects_all)
    texts = _text_sources(bundle)
    problem_files = {p.path for p in bundle.problems}
    mapped: Counter[str] = Counter()
    understood = not_understood = 0
    ignored: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    in_roots = [r for r in roots if r] or [""]
    for path in files:
        if path in object_files:
            mapped["objects"] += 1
        elif path in texts:
            mapped[texts[path]] += 1
        elif path in coverage.ignored:
            root = next((r for r in in_roots if path.startswith(r)), "")
            ignored[coverage.ignored[path]][_directory(path, root)] += 1
            continue
        elif path in problem_files:
            not_understood += 1
            continue
        elif path in coverage.read:
            mapped["read_nothing_mapped"] += 1
        else:
            root = next((r for r in in_roots if path.startswith(r)), "")
            reason = APPLEDOUBLE if posixpath.basename(path).startswith("._") else f"not read by the {fmt} reader"
            ignored[reason][_directory(path, root)] += 1
            continue
        understood += 1
    ignored_list = []
    for reason, dirs in sorted(ignored.items(), key=lambda kv: -sum(kv[1].values())):
        ordered = sorted(dirs.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = dict(ordered[:_DIRS_SHOWN])
        rest = sum(n for _, n in ordered[_DIRS_SHOWN:])
        if rest:
            shown[f"({len(ordered) - _DIRS_SHOWN} more directories)"] = rest
        ignored_list.append({"reason": reason, "files": sum(dirs.values()), "directories": shown})
    return {
        "files": len(files),
        "understood": understood,
        "not_understood": not_understood,
        "ignored": sum(e["files"] for e in ignored_list),
        "mapped": {
            "objects": {"files": mapped["objects"], "objects": len(bundle.objects_all)},
            "logs": {"files": mapped["logs"], "logs": len(bundle.logs)},
            "node_files": {"files": mapped["node_files"], "node_files": len(bundle.node_files)},
            "other_files": {"files": mapped["other_files"], "other_files": len(bundle.other_files)},
            "read_nothing_mapped": {"files": mapped["read_nothing_mapped"]},
            "partial_objects": bundle.partial_counts(),
        },
        "ignored_by_reason": ignored_list,
    }
