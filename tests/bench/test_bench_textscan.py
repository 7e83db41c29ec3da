"""The text scan's byte prefilter (a file whose bytes hold none of a rule's literals is not
decoded) and its literal reduction find exactly what scanning every decoded file finds."""

from __future__ import annotations

from pathlib import Path

from bench_helpers import dns_bundle, recorded_bundles

from analyzer.bundle.reader import open_bundle
from analyzer.engine.evaluate import load_rules
from analyzer.engine.textscan import TextScanner, minimal_literals


def _groups(path: Path, prefilter: bool) -> dict:
    rules = load_rules([], builtin=True, cache=True).rules
    with open_bundle(path) as b:
        scanner = TextScanner(b, rules)
        if not prefilter:
            scanner.byte_literals = dict.fromkeys(scanner.byte_literals)
            scanner.literals = {r.id: r.pattern_literals for r in scanner.rules}
        scanner.scan(lambda *_: None)
        problems = sorted((p.path, p.error) for p in b.problems)
        return {"files_seen": scanner.files_seen, "failed": scanner.failed, "problems": problems,
                "groups": {rid: [(k, [(fh.tf.path, fh.count, [(m.line, m.text, m.groups) for m in fh.matches])
                                      for fh in g.files]) for k, g in groups.items()]
                           for rid, groups in scanner.groups.items()}}


def test_byte_prefilter_finds_what_a_full_scan_finds(tmp_path: Path) -> None:
    paths = [dns_bundle(tmp_path / "dns")] + [p for p in recorded_bundles() if "dns" in p.name or "etcd" in p.name
                                               or "proxy" in p.name or "apiserver" in p.name]
    for path in paths:
        assert _groups(path, True) == _groups(path, False), path.name
    assert _groups(paths[0], True)["groups"]["POD-DNS-ERRORS"]


def test_minimal_literals() -> None:
    assert minimal_literals(["server misbehaving", "erver misbehaving", "no such host"]) == [
        "no such host", "erver misbehaving"]
    assert minimal_literals(None) is None
