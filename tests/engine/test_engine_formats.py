"""The same rules give the same findings on the same situation in every bundle format the
reader knows: native, troubleshoot support bundle, cluster-info dump (directory and stdout),
OpenShift must-gather and loose kubectl output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from engine_helpers import USER_RULES, event, native, node, pod, write_rules

from analyzer.bundle.reader import open_bundle
from analyzer.engine.evaluate import analyze_bundle, load_rules

OOM = [{"name": "app", "restartCount": 4, "ready": False, "image": "nginx:latest",
        "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}},
        "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]
WEB = pod("web-1", "shop", image="nginx:latest", statuses=OOM, node="node-1")
API = pod("api-1", "shop", labels={"team": "a"}, image="api:1.0.2", node="node-2")
OBJECTS = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "uid": "ns-shop"}},
    WEB, API, node("node-1"), node("node-2", "False"),
    event("web-1.17a", WEB, "BackOff", "Back-off restarting failed container app in pod web-1_shop"),
]
LOG = "starting\nERROR db timeout\nserving\nERROR db refused\n"

RULES = """
- id: POD-OOMKILLED
  title: OOM killed
  severity: critical
  category: workloads
  scope: object
  kind: Pod
  each: status.containerStatuses[?lastState.terminated.reason == 'OOMKilled']
  evidence:
    - log: {tail: 3}
    - events: {reason: BackOff}
  message: "{{ item.name }} of {{ obj.metadata.namespace }}/{{ obj.metadata.name }} on {{ obj.spec.nodeName }} OOM-killed"
  remediation: raise the limit
  examples:
    - {expect: match, objects: [{kind: Pod, metadata: {name: a}, status: {containerStatuses: [{name: c, lastState: {terminated: {reason: OOMKilled}}}]}}]}
    - {expect: no_match, objects: [{kind: Pod, metadata: {name: a}}]}
- id: NODE-NOT-READY
  title: Node not ready
  severity: warning
  category: nodes
  scope: object
  kind: Node
  when: condition(obj, 'Ready').status != 'True'
  message: "{{ obj.metadata.name }} not ready, {{ pods | length }} pods on it"
  let:
    pods: pods_on(obj)
  remediation: check
  examples:
    - {expect: match, objects: [{kind: Node, metadata: {name: n}, status: {conditions: [{type: Ready, status: 'False'}]}}]}
    - {expect: no_match, objects: [{kind: Node, metadata: {name: n}, status: {conditions: [{type: Ready, status: 'True'}]}}]}
- id: APP-DB-ERRORS
  title: DB errors
  severity: info
  category: workloads
  scope: text
  files: ["logs/*/*/*.log"]
  pattern: "ERROR db (?P<what>\\\\w+)"
  group_by: container
  min_count: 2
  message: "{{ count }} db errors in {{ file.namespace }}/{{ file.pod }}/{{ file.container }}"
  remediation: check the db
  examples:
    - {expect: match, files: {logs/a/p/c.log: "ERROR db x\\nERROR db y\\n"}}
    - {expect: no_match, files: {logs/a/p/c.log: "ok\\n"}}
- id: CLUSTER-OWNERLESS-PODS
  title: Bare pods
  severity: info
  category: cluster
  scope: bundle
  each: objects('Pod')[?!owner(@)]
  message: "{{ item.metadata.name }} has no controller"
  remediation: use a Deployment
  examples:
    - {expect: match, objects: [{kind: Pod, metadata: {name: a}}]}
    - {expect: no_match, objects: []}
"""


def _strip(o: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(o))


def _list(kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": f"{kind}List", "metadata": {"resourceVersion": "1"}, "items": items}


def _of(kind: str, ns: str | None = None) -> list[dict[str, Any]]:
    return [_strip(o) for o in OBJECTS if o["kind"] == kind and (ns is None or o["metadata"].get("namespace") == ns)]


def make_native(root: Path) -> Path:
    return native(root / "native", OBJECTS, logs={("shop", "web-1", "app", False): LOG})


def make_troubleshoot(root: Path) -> Path:
    base = root / "troubleshoot" / "support-bundle-2024-05-01T12_00_00"
    cr = base / "cluster-resources"
    (cr / "pods" / "logs" / "shop" / "web-1").mkdir(parents=True)
    (cr / "events").mkdir()
    (cr / "pods" / "shop.json").write_text(json.dumps(_list("Pod", _of("Pod", "shop"))))
    (cr / "events" / "shop.json").write_text(json.dumps(_list("Event", _of("Event", "shop"))))
    (cr / "nodes.json").write_text(json.dumps(_list("Node", _of("Node"))))
    (cr / "namespaces.json").write_text(json.dumps(_list("Namespace", _of("Namespace"))))
    (cr / "pods" / "logs" / "shop" / "web-1" / "app.log").write_text(LOG)
    (base / "cluster-info").mkdir()
    (base / "cluster-info" / "cluster_version.json").write_text(
        json.dumps({"info": {"major": "1", "minor": "29", "gitVersion": "v1.29.4"}, "string": "v1.29.4"}))
    return root / "troubleshoot"


def _dump_parts() -> list[tuple[str, str]]:
    """(relative path, content) of a cluster-info dump --output-directory."""
    log = "".join(f"{ln}\n" for ln in LOG.splitlines())
    return [
        ("nodes.json", json.dumps(_list("Node", _of("Node")), indent=4)),
        ("shop/events.json", json.dumps(_list("Event", _of("Event", "shop")), indent=4)),
        ("shop/pods.json", json.dumps(_list("Pod", _of("Pod", "shop")), indent=4)),
        ("shop/web-1/logs.txt", "==== START logs for container app of pod shop/web-1 ====\n" + log
         + "==== END logs for container app of pod shop/web-1 ====\n"),
    ]


def make_dump_dir(root: Path) -> Path:
    d = root / "dump"
    for rel, text in _dump_parts():
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / rel).write_text(text)
    return d


def make_dump_stdout(root: Path) -> Path:
    parts = dict(_dump_parts())
    text = parts["nodes.json"] + "\n" + parts["shop/events.json"] + "\n" + parts["shop/pods.json"] + "\n" \
        + parts["shop/web-1/logs.txt"]
    f = root / "dump.txt"
    f.write_text(text)
    return f


def make_must_gather(root: Path) -> Path:
    base = root / "mg" / "must-gather.local.1" / "quay-io-openshift-must-gather-sha256-abc"
    core = base / "namespaces" / "shop" / "core"
    core.mkdir(parents=True)
    (core / "pods.yaml").write_text(yaml.safe_dump(_list("Pod", _of("Pod", "shop"))))
    (core / "events.yaml").write_text(yaml.safe_dump(_list("Event", _of("Event", "shop"))))
    (base / "namespaces" / "shop" / "shop.yaml").write_text(yaml.safe_dump(_of("Namespace")[0]))
    nodes = base / "cluster-scoped-resources" / "core" / "nodes"
    nodes.mkdir(parents=True)
    for n in _of("Node"):
        (nodes / f"{n['metadata']['name']}.yaml").write_text(yaml.safe_dump(n))
    logdir = base / "namespaces" / "shop" / "pods" / "web-1" / "app" / "app" / "logs"
    logdir.mkdir(parents=True)
    (logdir / "current.log").write_text(LOG)
    (base / "timestamp").write_text("2024-05-01 11:59:00.000000 +0000 UTC m=+0.1\n"
                                    "2024-05-01 12:00:00.000000 +0000 UTC m=+60.1\n")
    return root / "mg"


def make_kubectl(root: Path) -> Path:
    d = root / "kubectl"
    d.mkdir()
    (d / "pods.json").write_text(json.dumps(_list("Pod", _of("Pod"))))
    (d / "nodes.yaml").write_text(yaml.safe_dump(_list("Node", _of("Node"))))
    (d / "events.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": _of("Event")}))
    return d


BUILDERS = {
    "native": make_native,
    "troubleshoot": make_troubleshoot,
    "cluster-info-dump": make_dump_dir,
    "cluster-info-dump-stdout": make_dump_stdout,
    "must-gather": make_must_gather,
    "kubectl-output": make_kubectl,
}
HAS_LOGS = {"native", "troubleshoot", "cluster-info-dump", "cluster-info-dump-stdout", "must-gather"}


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    d = tmp_path_factory.mktemp("rules")
    write_rules(d, RULES)
    res = load_rules([d, USER_RULES], builtin=False)
    assert not res.issues, [str(i) for i in res.issues]
    return res.rules


def _findings(path: Path, rules) -> tuple[str, set[tuple[Any, ...]], list[Any]]:
    b = open_bundle(path)
    try:
        result = analyze_bundle(b, rules)
    finally:
        b.close()
    assert result.rule_errors == [], result.rule_errors
    keys = set()
    for f in result.findings:
        ev = tuple((e.type, tuple(tuple(x) for x in e.lines), json.dumps(e.value, sort_keys=True))
                   for e in f.evidence)
        keys.add((f.rule_id, tuple(str(o) for o in f.objects), f.message, f.severity, ev))
    return b.format, keys, result.findings


def _without_line_numbers(keys: set[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
    return {(k[0], k[1], k[2], k[3], tuple((e[0], tuple(t for _n, t in e[1]), e[2]) for e in k[4])) for k in keys}


def test_same_findings_in_every_format(tmp_path, rules):
    _, reference, ref_findings = _findings(make_native(tmp_path), rules)
    assert {k[0] for k in reference} == {"POD-OOMKILLED", "NODE-NOT-READY", "APP-DB-ERRORS", "CLUSTER-OWNERLESS-PODS",
                                         "POD-NO-TEAM-LABEL", "CONTAINER-IMAGE-LATEST"}
    oom = next(f for f in ref_findings if f.rule_id == "POD-OOMKILLED")
    assert [e.type for e in oom.evidence] == ["log", "event"]
    without_logs = {k for k in reference if k[0] != "APP-DB-ERRORS"}
    without_logs = {(k[0], k[1], k[2], k[3], tuple(e for e in k[4] if e[0] != "log")) for k in without_logs}
    for name, build in BUILDERS.items():
        if name == "native":
            continue
        (tmp_path / name).mkdir()
        fmt, got, _ = _findings(build(tmp_path / name), rules)
        assert fmt == name.replace("-stdout", ""), (name, fmt)
        if name.startswith("cluster-info-dump"):
            # its logs are sections of a file (the dump, or a pod's logs.txt): evidence cites
            # lines of that file (checked against the file), otherwise the same findings
            dump = next((tmp_path / name).rglob("*.txt"))
            file_lines = dump.read_text().splitlines()
            for k in got:
                for e in k[4]:
                    for n, text in e[1]:
                        assert file_lines[n - 1].rstrip("\r") == text, (name, n, text)
            assert _without_line_numbers(got) == _without_line_numbers(reference), name
        elif name in HAS_LOGS:
            assert got == reference, (name, got ^ reference)
        else:  # loose kubectl output has no pod logs: the same findings, minus what needs logs
            assert {(k[0], k[1], k[2], k[3], tuple(e for e in k[4] if e[0] != "log")) for k in got} == without_logs
