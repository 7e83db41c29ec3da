"""Evidence from a log section of a cluster-info dump cites the line of the dump file."""

from __future__ import annotations

from pathlib import Path

from analyzer.bundle.reader import open_bundle
from analyzer.engine.evaluate import analyze_bundle
from analyzer.rules.loader import load_rule_text

RULES = """
- id: LOG-LINE-TEST
  title: Panic in a log
  severity: warning
  category: workloads
  scope: object
  kind: Pod
  when: obj.metadata.name == 'web-1'
  evidence:
    - log: {container: app, grep: panic}
  message: panic
  remediation: read it
  examples:
    - expect: match
      objects: [{kind: Pod, metadata: {name: web-1}}]
    - expect: no_match
      objects: [{kind: Pod, metadata: {name: other}}]
- id: TEXT-LINE-TEST
  title: Panic in any log
  severity: warning
  category: workloads
  scope: text
  files: ["logs/*/*/*.log"]
  pattern: panic
  message: panic
  remediation: read it
  examples:
    - expect: match
      files: {logs/a/b/c.log: "panic\\n"}
    - expect: no_match
      files: {logs/a/b/c.log: "fine\\n"}
"""

POD = ('{"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [{"kind": "Pod", "apiVersion": "v1", '
       '"metadata": {"name": "web-1", "namespace": "shop"}, "spec": {"containers": [{"name": "app", "image": "x"}]}, '
       '"status": {"phase": "Running"}}]}')
NODES = '{"kind": "NodeList", "apiVersion": "v1", "metadata": {}, "items": []}'


def test_log_section_lines_are_lines_of_the_dump(tmp_path: Path) -> None:
    dump = "\n".join([
        NODES, POD,
        "==== START logs for container app of pod shop/web-1 ====",
        "starting", "ok", "panic: nil map", "==== END logs for container app of pod shop/web-1 ====", "",
    ])
    f = tmp_path / "cluster-info.txt"
    f.write_text(dump)
    panic_line = dump.splitlines().index("panic: nil map") + 1
    assert panic_line == 6
    loaded = load_rule_text(RULES, "t.yaml")
    assert not loaded.issues, loaded.issues
    with open_bundle(f) as b:
        assert b.format == "cluster-info-dump"
        findings = analyze_bundle(b, loaded.rules).findings
    cited = {f.rule_id: [(e.path, e.lines) for e in f.evidence if e.lines] for f in findings}
    assert cited["LOG-LINE-TEST"] == [("cluster-info.txt", [(panic_line, "panic: nil map")])]
    assert cited["TEXT-LINE-TEST"] == [("cluster-info.txt", [(panic_line, "panic: nil map")])]
