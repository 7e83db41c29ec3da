"""Property tests: whatever Kubernetes-like objects a bundle holds, the model and the full
built-in rule pack never raise and never report a rule error; whatever bytes are handed in as
a bundle, the reader either reads them or raises BundleError with one line."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.bundle.model import Bundle, text_from_bytes
from analyzer.bundle.reader import BundleError, open_bundle
from analyzer.engine.evaluate import analyze_bundle, load_rules
from analyzer.rules.loader import load_rule_text

RULES = load_rules([], builtin=True, cache=True).rules

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False),
                    st.text(max_size=30), st.sampled_from(["", "137", "OOMKilled", "CrashLoopBackOff", "500m", "1Gi",
                                                           "2026-11-20T09:00:00Z", "True", "False", "Unknown"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                      max_leaves=20)
# Field names rules actually read, with values of any type: where a wrong type hurts.
KEYS = ["status", "spec", "containerStatuses", "state", "lastState", "terminated", "waiting", "exitCode", "reason",
        "message", "restartCount", "containers", "resources", "limits", "requests", "memory", "cpu", "conditions",
        "type", "nodeName", "phase", "taints", "labels", "selector", "ports", "replicas", "involvedObject", "count",
        "lastTimestamp", "metadata", "name", "namespace", "ownerReferences", "uid", "data", "subsets", "rules"]
k8s_like = st.recursive(
    st.one_of(scalars, st.dictionaries(st.sampled_from(KEYS), scalars, max_size=6)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)),
    max_leaves=40)
KINDS = ["Pod", "Node", "Event", "Deployment", "ReplicaSet", "Service", "Endpoints", "PersistentVolumeClaim",
         "Namespace", "PodDisruptionBudget", "DaemonSet", "StatefulSet", "Job", "ConfigMap", "Secret", "Lease",
         "ValidatingWebhookConfiguration", "ClusterRoleBinding", "CertificateSigningRequest", "Ingress"]


@st.composite
def objects(draw):
    kind = draw(st.sampled_from(KINDS))
    body = draw(st.dictionaries(st.sampled_from(KEYS), k8s_like, max_size=5))
    md = draw(st.dictionaries(st.sampled_from(["labels", "ownerReferences", "uid", "annotations", "deletionTimestamp",
                                              "creationTimestamp", "finalizers"]), k8s_like, max_size=3))
    md["name"] = draw(st.text(min_size=1, max_size=10))
    md["namespace"] = draw(st.sampled_from(["default", "kube-system", "x"]))
    body["metadata"] = md
    body["kind"] = kind
    return body


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(objects(), min_size=1, max_size=12), st.binary(max_size=300))
def test_random_objects_never_break_the_model_or_the_rules(objs, log_bytes):
    b = Bundle(format="native", collected_at=None)
    for o in objs:
        b.add_object(o, "random.json")
        if o["kind"] == "Pod" and isinstance(o["metadata"]["name"], str):
            b.add_log(o["metadata"]["namespace"], o["metadata"]["name"], "app", False,
                      text_from_bytes("logs/x.log", "logs/x.log", log_bytes))
    b.finalize()
    result = analyze_bundle(b, RULES)
    assert result.rule_errors == [], [(e.rule_id, e.error) for e in result.rule_errors[:3]]


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=0, max_size=4000))
def test_random_bytes_as_a_bundle_give_one_line_error(tmp_path_factory, data):
    f = tmp_path_factory.mktemp("rb") / "bundle.tar.gz"
    f.write_bytes(data)
    try:
        with open_bundle(f) as b:
            b.counts()
    except BundleError as e:
        msg = str(e)
        assert "\n" not in msg and "bundle.tar.gz" in msg


def test_random_bytes_cli_one_line(tmp_path):
    f = tmp_path / "junk.tgz"
    f.write_bytes(bytes(range(256)) * 20)
    p = subprocess.run([sys.executable, "-m", "analyzer.cli", "analyze", str(f)], capture_output=True, text=True,
                       cwd=Path(__file__).resolve().parents[2])
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("kbundle: error:") and "junk.tgz" in p.stderr


CATASTROPHIC = textwrap.dedent("""\
    - id: BAD-REGEX
      title: catastrophic
      severity: info
      category: cluster
      scope: text
      files: ["logs/*"]
      pattern: "(a+)+$"
      message: x
      remediation: x
      examples:
        - {expect: match, files: {"logs/a/b/c.log": "aaa"}}
        - {expect: no_match, files: {"logs/a/b/c.log": "b"}}
    """)


def test_catastrophic_regex_is_linear_and_look_arounds_are_refused():
    res = load_rule_text(CATASTROPHIC, "bad.yaml")
    assert not res.issues and res.rules  # RE2: (a+)+$ runs in linear time
    assert not res.rules[0].pattern.test("a" * 100_000 + "b")
    res = load_rule_text(CATASTROPHIC.replace('"(a+)+$"', '"(?<!b)a$"'), "bad.yaml")
    assert not res.rules
    assert any("BAD-REGEX" in str(i) and "bad.yaml:" in str(i) and "look-arounds" in str(i)
               for i in res.issues), [str(i) for i in res.issues]


def test_runtime_failure_is_a_rule_error_and_others_still_report():
    text = textwrap.dedent("""\
        - id: BOOM
          title: fails at run time
          severity: warning
          category: cluster
          scope: object
          kind: Pod
          let:
            n: "to_number(metadata.name)"
          when: "abs($n) > `0`"
          message: x
          remediation: x
          examples:
            - {expect: match, objects: [{kind: Pod, metadata: {name: "5", namespace: d}}]}
            - {expect: no_match, objects: [{kind: Pod, metadata: {name: "0", namespace: d}}]}
        - id: FINE
          title: every pod
          severity: info
          category: cluster
          scope: object
          kind: Pod
          message: "pod {{ obj.metadata.name }}"
          remediation: x
          examples:
            - {expect: match, objects: [{kind: Pod, metadata: {name: "a", namespace: d}}]}
            - {expect: no_match, objects: [{kind: Node, metadata: {name: "a"}}]}
        """)
    res = load_rule_text(text, "mixed.yaml")
    assert not res.issues, [str(i) for i in res.issues]
    b = Bundle()
    b.add_object({"kind": "Pod", "metadata": {"name": "not-a-number", "namespace": "d"}})
    b.add_object({"kind": "Pod", "metadata": {"name": "7", "namespace": "d"}})
    b.finalize()
    result = analyze_bundle(b, res.rules)
    assert [e.rule_id for e in result.rule_errors] == ["BOOM"]
    assert sorted(f.message for f in result.findings if f.rule_id == "FINE") == ["pod 7", "pod not-a-number"]
