"""`kbundle analyze`: user rules, exit codes, waivers, rule errors, text scope, outputs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from engine_helpers import (
    USER_RULES,
    event,
    json_of,
    native,
    node,
    pod,
    run_cli,
    validate_output,
    write_rules,
)

# A small situation: an unlabelled pod on :latest, a labelled pinned pod, a crashed pod
# with logs, a NotReady node with an OOM kill in dmesg.
OOM_STATUS = [{"name": "app", "restartCount": 4, "ready": False,
               "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137,
                                            "finishedAt": "2024-05-01T11:40:00Z"}},
               "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]


@pytest.fixture
def bundle(tmp_path):
    web = pod("web-1", "shop", image="nginx:latest", statuses=OOM_STATUS)
    objs = [
        web,
        pod("api-1", "team-a", labels={"team": "a"}, image="api:2.0.1"),
        pod("job-1", "team-b", labels={"team": "b"}, image="busybox", node="node-2"),
        node("node-1"), node("node-2", "False"),
        event("web-1.1", web, "BackOff", "Back-off restarting failed container app"),
    ]
    logs = {("shop", "web-1", "app", True): "starting\nallocating\nfatal: out of memory\n",
            ("shop", "web-1", "app", False): "starting\n",
            ("team-a", "api-1", "app", False): "ok\nERROR db timeout\nok\nERROR db timeout\nERROR db refused\n"}
    node_files = {("node-2", "commands/dmesg.txt"):
                  "[1.0] boot\n[9.1] Out of memory: Killed process 4242 (java) total-vm:1kB\n"}
    return native(tmp_path / "bundle", objs, logs=logs, node_files=node_files)


ENGINE_RULES = """
- id: POD-OOMKILLED
  title: Container killed for exceeding its memory limit
  severity: critical
  category: workloads
  scope: object
  kind: Pod
  each: status.containerStatuses[?lastState.terminated.reason == 'OOMKilled']
  let:
    spec: obj.spec.containers[?name == $item.name] | [0]
  since: item.lastState.terminated.finishedAt
  evidence:
    - field: item.lastState.terminated
    - log: {container: "{{ item.name }}", previous: true, tail: 2}
    - events: {reason: BackOff}
  message: "{{ item.name }} of {{ obj.metadata.name }} OOM-killed, exit {{ item.lastState.terminated.exitCode | exit_code }}"
  remediation: Raise the memory limit of {{ item.name }}.
  examples:
    - {expect: match, objects: [{kind: Pod, metadata: {name: a}, status: {containerStatuses: [{name: c, lastState: {terminated: {reason: OOMKilled}}}]}}]}
    - {expect: no_match, objects: [{kind: Pod, metadata: {name: a}}]}
- id: NODE-NOT-READY
  title: Node not ready
  severity: warning
  category: nodes
  scope: object
  kind: Node
  let:
    ready: condition(obj, 'Ready')
  when: $ready.status != 'True'
  evidence:
    - node_file: {path: "commands/*.txt", grep: "Out of memory"}
  message: Node {{ obj.metadata.name }} is {{ ready.status }}.
  remediation: Check the kubelet on {{ obj.metadata.name }}.
  examples:
    - {expect: match, objects: [{kind: Node, metadata: {name: n}, status: {conditions: [{type: Ready, status: 'False'}]}}]}
    - {expect: no_match, objects: [{kind: Node, metadata: {name: n}, status: {conditions: [{type: Ready, status: 'True'}]}}]}
- id: APP-DB-ERRORS
  title: Application logs database errors
  severity: info
  category: workloads
  scope: text
  files: ["logs/*/*/*.log"]
  pattern: "ERROR db (?P<what>\\\\w+)"
  min_count: 2
  group_by: container
  evidence:
    - log: {tail: 1}
  message: "{{ count }} db errors in {{ file.pod }}/{{ file.container }}, last: {{ matches[-1].groups.what }}"
  remediation: Check the database.
  examples:
    - {expect: match, files: {logs/a/p/c.log: "ERROR db x\\nERROR db y\\n"}}
    - {expect: no_match, files: {logs/a/p/c.log: "ERROR db x\\n"}}
- id: CLUSTER-NODES-NOT-READY
  title: Some nodes are not ready
  severity: info
  category: cluster
  scope: bundle
  let:
    bad: objects('Node')[?condition(@, 'Ready').status != 'True']
  when: length($bad) > `0`
  evidence:
    - objects: $bad
  message: "{{ bad | length }} of the nodes are not ready"
  remediation: See the node findings.
  examples:
    - {expect: match, objects: [{kind: Node, metadata: {name: n}, status: {conditions: [{type: Ready, status: 'False'}]}}]}
    - {expect: no_match, objects: []}
"""


@pytest.fixture
def rules_dir(tmp_path):
    write_rules(tmp_path / "rules", ENGINE_RULES)
    return tmp_path / "rules"


def analyze_json(bundle, *args):
    code, out, err = run_cli("analyze", bundle, "--no-builtin", "--format", "json", *args)
    doc = json_of(out)
    validate_output(doc)
    return code, doc, err


def test_user_rules_written_from_the_docs(bundle):
    code, doc, _ = analyze_json(bundle, "--rules", USER_RULES, "--fail-on", "never")
    assert code == 0
    got = {(f["rule_id"], f["objects"][0]["name"]) for f in doc["findings"]}
    assert got == {("POD-NO-TEAM-LABEL", "web-1"), ("CONTAINER-IMAGE-LATEST", "web-1"),
                   ("CONTAINER-IMAGE-LATEST", "job-1")}
    latest = [f for f in doc["findings"] if f["rule_id"] == "CONTAINER-IMAGE-LATEST"]
    assert {f["evidence"][0]["value"] for f in latest} == {"nginx:latest", "busybox"}
    assert doc["rule_errors"] == []


def test_findings_evidence_and_scopes(bundle, rules_dir):
    code, doc, _ = analyze_json(bundle, "--rules", rules_dir, "--fail-on", "never")
    assert code == 0
    by_rule = {}
    for f in doc["findings"]:
        by_rule.setdefault(f["rule_id"], []).append(f)
    # the report order: severity, then category (cluster before workloads), then rule
    assert list(by_rule) == ["POD-OOMKILLED", "NODE-NOT-READY", "CLUSTER-NODES-NOT-READY", "APP-DB-ERRORS"]
    oom = by_rule["POD-OOMKILLED"][0]
    assert oom["message"] == "app of web-1 OOM-killed, exit 137 (SIGKILL: killed, often by the OOM killer or a failed probe)"
    assert oom["objects"] == [{"kind": "Pod", "namespace": "shop", "name": "web-1"}]
    assert oom["since"] == "2024-05-01T11:40:00Z"
    types = [e["type"] for e in oom["evidence"]]
    assert types == ["field", "log", "event"]
    log = oom["evidence"][1]
    assert log["path"] == "logs/shop/web-1/app.previous.log"
    assert log["lines"] == [[2, "allocating"], [3, "fatal: out of memory"]]
    assert oom["evidence"][2]["value"]["reason"] == "BackOff" and oom["evidence"][2]["value"]["count"] == 1
    nn = by_rule["NODE-NOT-READY"][0]
    assert nn["objects"] == [{"kind": "Node", "namespace": "", "name": "node-2"}]
    assert nn["evidence"][0]["path"] == "nodes/node-2/commands/dmesg.txt"
    assert nn["evidence"][0]["lines"][0][0] == 2
    db = by_rule["APP-DB-ERRORS"][0]
    assert db["message"] == "3 db errors in api-1/app, last: refused"
    assert db["objects"] == [{"kind": "Pod", "namespace": "team-a", "name": "api-1"}]
    assert db["evidence"][0]["type"] == "text"
    assert [ln[0] for ln in db["evidence"][0]["lines"]] == [2, 4, 5]
    assert db["evidence"][1] == {"type": "log", "label": "log of container app", "path": "logs/team-a/api-1/app.log",
                                 "lines": [[5, "ERROR db refused"]]}
    cl = by_rule["CLUSTER-NODES-NOT-READY"][0]
    assert cl["objects"] == [] and cl["evidence"][0]["value"]["name"] == "node-2"
    assert doc["summary"]["by_severity"] == {"critical": 1, "warning": 1, "info": 2}
    assert doc["bundle"]["collected_at"] == "2024-05-01T12:00:00Z"
    assert doc["bundle"]["cluster_version"] == "1.29.4"


@pytest.mark.parametrize("fail_on,expected", [("critical", 1), ("warning", 1), ("info", 1), ("never", 0)])
def test_fail_on_with_a_critical_finding(bundle, rules_dir, fail_on, expected):
    code, _, _ = run_cli("analyze", bundle, "--no-builtin", "--rules", rules_dir, "--fail-on", fail_on)
    assert code == expected


@pytest.mark.parametrize("fail_on,expected", [("critical", 0), ("warning", 0), ("info", 1), ("never", 0)])
def test_fail_on_with_only_info_findings(bundle, fail_on, expected):
    code, _, _ = run_cli("analyze", bundle, "--no-builtin", "--rules", USER_RULES / "team-labels.yaml",
                         "--fail-on", fail_on)
    assert code == expected


def test_default_fail_on_is_critical(bundle, rules_dir):
    assert run_cli("analyze", bundle, "--no-builtin", "--rules", rules_dir)[0] == 1
    assert run_cli("analyze", bundle, "--no-builtin", "--rules", USER_RULES)[0] == 0  # warning + info only


def test_waivers_apply_until_expiry(bundle, rules_dir, tmp_path):
    future = (date.today() + timedelta(days=30)).isoformat()
    past = (date.today() - timedelta(days=1)).isoformat()
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(f"""
waivers:
  - rule: POD-OOM*
    objects: [{{kind: Pod, namespace: "sh*", name: "*"}}]
    reason: load test, limits are deliberate
    expires: {future}
  - rule: NODE-NOT-READY
    reason: node-2 is being replaced
    expires: {past}
  - rule: APP-DB-ERRORS
    objects: [{{namespace: other}}]
    reason: does not match team-a
""")
    code, doc, _ = analyze_json(bundle, "--rules", rules_dir, "--waivers", waivers, "--fail-on", "critical")
    assert code == 0  # the only critical finding is waived
    oom = next(f for f in doc["findings"] if f["rule_id"] == "POD-OOMKILLED")
    assert oom["waived"] == {"reason": "load test, limits are deliberate", "expires": future}
    nn = next(f for f in doc["findings"] if f["rule_id"] == "NODE-NOT-READY")
    assert nn["waived"] is None  # expired: applies no more
    db = next(f for f in doc["findings"] if f["rule_id"] == "APP-DB-ERRORS")
    assert db["waived"] is None
    assert [w["rule"] for w in doc["expired_waivers"]] == ["NODE-NOT-READY"]
    assert doc["expired_waivers"][0]["would_match"] == 1
    assert doc["summary"]["waived"] == 1
    assert doc["summary"]["by_severity"]["critical"] == 0
    # the expired waiver does not protect: warning fails
    code, _, _ = analyze_json(bundle, "--rules", rules_dir, "--waivers", waivers, "--fail-on", "warning")
    assert code == 1
    # text output shows both the waived finding and the expired waiver
    _, out, _ = run_cli("analyze", bundle, "--no-builtin", "--rules", rules_dir, "--waivers", waivers)
    assert "WAIVED: load test" in out
    assert "Expired waivers (1)" in out


def test_waiver_expiring_today_still_applies(bundle, rules_dir, tmp_path):
    waivers = tmp_path / "w.yaml"
    waivers.write_text(f"- {{rule: POD-OOMKILLED, reason: ok, expires: '{date.today().isoformat()}'}}\n")
    code, doc, _ = analyze_json(bundle, "--rules", rules_dir, "--waivers", waivers)
    assert code == 0 and doc["expired_waivers"] == []


@pytest.mark.parametrize("content,fragment", [
    ("waivers: [{rule: X}]", "w.yaml:1: waiver #1: missing 'reason'"),
    ("waivers:\n  - rule: X\n    reason: r\n    expires: someday\n", "w.yaml:4: waiver #1: expires 'someday' is not a date"),
    ("waivers: [{rule: X, reason: r, owner: me}]", "unknown key 'owner'"),
    ("waivers: [", "YAML syntax error"),
])
def test_invalid_waiver_file_is_a_usage_error(bundle, rules_dir, tmp_path, content, fragment):
    waivers = tmp_path / "w.yaml"
    waivers.write_text(content)
    code, out, err = run_cli("analyze", bundle, "--no-builtin", "--rules", rules_dir, "--waivers", waivers)
    assert code == 2 and out == ""
    assert err.startswith("kbundle: error: ") and err.count("\n") == 1
    assert fragment in err


def test_rule_failing_at_run_time_is_reported_and_others_run(bundle, rules_dir, tmp_path):
    write_rules(tmp_path / "rules", """
    - id: BROKEN-RULE
      title: Sorts a map, which JMESPath refuses
      severity: warning
      category: workloads
      scope: object
      kind: Pod
      when: length(sort(obj.metadata)) > `0`
      message: never
      remediation: never
      examples:
        - {expect: match, objects: [{kind: Pod, metadata: {name: a}}]}
        - {expect: no_match, objects: []}
    """, "broken.yaml")
    code, doc, _ = analyze_json(bundle, "--rules", tmp_path / "rules", "--fail-on", "never")
    assert code == 0
    assert len(doc["rule_errors"]) == 1
    err = doc["rule_errors"][0]
    assert err["rule_id"] == "BROKEN-RULE"
    assert "sort()" in err["error"] and "Pod/" in err["error"]
    assert err["source"].endswith("broken.yaml")
    assert {f["rule_id"] for f in doc["findings"]} == {"POD-OOMKILLED", "NODE-NOT-READY", "APP-DB-ERRORS",
                                                       "CLUSTER-NODES-NOT-READY"}
    _, out, _ = run_cli("analyze", bundle, "--no-builtin", "--rules", tmp_path / "rules")
    assert "Rule errors (1)" in out and "BROKEN-RULE" in out


def test_history_when_caps_severity(bundle, tmp_path):
    write_rules(tmp_path / "r", """
    - id: POD-RESTARTED
      title: Container restarted
      severity: critical
      category: workloads
      scope: object
      kind: Pod
      each: status.containerStatuses[?restartCount > `0`]
      history_when: item.ready
      message: "{{ item.name }} restarted"
      remediation: look
      examples:
        - {expect: match, objects: [{kind: Pod, metadata: {name: a}, status: {containerStatuses: [{name: c, restartCount: 1}]}}]}
        - {expect: no_match, objects: [{kind: Pod, metadata: {name: a}}]}
    """)
    code, doc, _ = analyze_json(bundle, "--rules", tmp_path / "r")
    assert code == 1 and doc["findings"][0]["state"] == "current"  # ready: false
    code, doc, _ = analyze_json(bundle, "--rules", tmp_path / "r", "--fail-on", "warning")
    assert code == 1
    # same rule, now the container is ready: history, info, does not fail on critical
    (tmp_path / "r" / "rules.yaml").write_text((tmp_path / "r" / "rules.yaml").read_text()
                                               .replace("history_when: item.ready", "history_when: '!(item.ready)'"))
    code, doc, _ = analyze_json(bundle, "--rules", tmp_path / "r")
    assert code == 0
    assert doc["findings"][0]["state"] == "history" and doc["findings"][0]["severity"] == "info"


def test_unusable_inputs_exit_2_with_one_line(bundle, rules_dir, tmp_path):
    code, out, err = run_cli("analyze", tmp_path / "missing", "--no-builtin", "--rules", rules_dir)
    assert code == 2 and out == "" and err.startswith("kbundle: error: ") and err.count("\n") == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run_cli("analyze", empty, "--no-builtin", "--rules", rules_dir)
    assert code == 2 and err.startswith("kbundle: error: ")
    code, _, err = run_cli("analyze", bundle, "--no-builtin", "--rules", rules_dir, "--fail-on", "sometimes")
    assert code == 2 and "--fail-on must be one of" in err
    code, _, err = run_cli("analyze", bundle, "--no-builtin", "--rules", rules_dir, "--format", "pdf")
    assert code == 2 and "unknown format 'pdf'" in err
    code, _, err = run_cli("analyze", bundle, "--no-builtin")
    assert code == 2 and "no rules to run" in err


def test_lint_errors_in_user_rules_are_usage_errors(bundle, tmp_path):
    write_rules(tmp_path / "bad", "- id: X-1\n  title: t\n")
    code, out, err = run_cli("analyze", bundle, "--rules", tmp_path / "bad")
    assert code == 2 and out == ""
    assert f"{tmp_path / 'bad' / 'rules.yaml'}:1: X-1: missing required key" in err


def test_output_file_and_html_default_path(bundle, rules_dir, tmp_path, monkeypatch):
    out_file = tmp_path / "out" / "r.json"
    code, out, _ = run_cli("analyze", bundle, "--no-builtin", "--rules", rules_dir, "--format", "json",
                           "-o", out_file, "--fail-on", "never")
    assert code == 0 and out_file.is_file() and str(out_file) in out
    validate_output(json_of(out_file.read_text()))
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("analyze", bundle, "--no-builtin", "--rules", rules_dir, "--format", "html",
                           "--fail-on", "never")
    assert code == 0
    assert out.strip() == "report written to reports/bundle-report.html"
    assert (tmp_path / "reports" / "bundle-report.html").read_text().lstrip().lower().startswith("<!doctype html")


def test_text_report_layout(bundle, rules_dir):
    code, out, err = run_cli("analyze", bundle, "--no-builtin", "--rules", rules_dir, "--fail-on", "never")
    assert code == 0 and err == ""
    crit = out.index("CRITICAL POD-OOMKILLED")
    warn = out.index("WARNING  NODE-NOT-READY")
    info = out.index("INFO     APP-DB-ERRORS")
    assert crit < warn < info
    assert "logs/shop/web-1/app.previous.log" in out
    assert "3| fatal: out of memory" in out
    assert "next step: Raise the memory limit of app." in out
    assert out.rstrip().splitlines()[-1].startswith("Summary: 1 critical, 1 warning, 2 info.")


def test_profile_goes_to_stderr(bundle, rules_dir):
    code, out, err = run_cli("analyze", bundle, "--no-builtin", "--rules", rules_dir, "--profile",
                             "--format", "json", "--fail-on", "never")
    assert code == 0
    assert err.startswith("time per rule")
    assert "POD-OOMKILLED" in err and "APP-DB-ERRORS" in err
    assert set(json_of(out)["profile"]) >= {"POD-OOMKILLED", "APP-DB-ERRORS"}


def test_control_characters_from_the_bundle_do_not_reach_the_terminal(tmp_path, rules_dir):
    b = native(tmp_path / "b", [node("n\x1b[31m"), node("node-x", "False")],
               node_files={("node-x", "commands/dmesg.txt"): "Out of memory \x1b]0;pwned\x07 here\n"})
    code, out, _ = run_cli("analyze", b, "--no-builtin", "--rules", rules_dir, "--fail-on", "never")
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b" in out
