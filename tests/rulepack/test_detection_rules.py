"""Issue 13: the cause named from the runtime's real words (image pulls), start-up noise silent,
history from events."""

from __future__ import annotations

import pytest

from analyzer.engine.evaluate import analyze_bundle, load_rules
from analyzer.engine.examples import example_bundle


@pytest.fixture(scope="module")
def rules():
    loaded = load_rules([], builtin=True)
    assert not loaded.issues
    return {r.id: r for r in loaded.rules}


def _pull_pod(error: str) -> dict:
    return {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "app-1", "namespace": "shop", "uid": "a1"},
            "spec": {"nodeName": "n1", "containers": [{"name": "app", "image": "registry.local/app:1"}]},
            "status": {"phase": "Pending", "containerStatuses": [{"name": "app", "image": "registry.local/app:1", "ready": False,
                                                                  "restartCount": 0, "state": {"waiting": {"reason": "ErrImagePull", "message": error}}}]}}


# containerd / CRI-O / dockerd quote Go's net/http and crypto/x509 errors
PULL_ERRORS = [
    ('failed to pull and unpack image "registry.local/app:1": failed to resolve reference "registry.local/app:1": failed to do '
     'request: Head "https://registry.local/v2/app/manifests/1": tls: failed to verify certificate: x509: certificate is valid '
     'for ingress.local, *.ingress.local, not registry.local', "valid for ingress.local, *.ingress.local, not registry.local"),
    ('Get "https://registry.local/v2/": x509: certificate is not valid for any names, but wanted to match registry.local',
     "names no host matching registry.local"),
    ('Get "https://registry.local/v2/": x509: certificate has expired or is not yet valid: current time 2026-11-20T10:00:00Z '
     'is after 2026-10-01T00:00:00Z', "certificate expired"),
    ('Get "https://registry.local/v2/": x509: certificate signed by unknown authority', "does not trust the CA"),
    ('failed to resolve reference "registry.local/app:1": registry.local/app:1: not found', "not found in the registry"),
    ('Error response from daemon: manifest for registry.local/app:1 not found: manifest unknown: manifest unknown',
     "not found in the registry"),
    ('pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: '
     'authorization failed', "credentials"),
    ('429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.', "rate limit"),
    ('Get "https://registry.local/v2/": dial tcp: lookup registry.local on 10.96.0.10:53: no such host', "DNS"),
    ('Get "https://registry.local/v2/": dial tcp 10.0.0.5:443: i/o timeout', "timeout"),
]


@pytest.mark.parametrize("error,cause", PULL_ERRORS)
def test_image_pull_cause_from_the_runtime_message(rules, error, cause):
    result = analyze_bundle(example_bundle({"objects": [_pull_pod(error)]}), [rules["POD-IMAGE-PULL"]])
    assert not result.rule_errors
    assert len(result.findings) == 1 and cause in result.findings[0].message, result.findings[0].message


def test_liveness_kill_with_few_failures_is_reported_start_up_probe_noise_is_not(rules):
    pod = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "s-1", "namespace": "shop", "uid": "s1"},
           "spec": {"nodeName": "n1", "containers": [{"name": "search", "image": "s:1"}]},
           "status": {"phase": "Running", "startTime": "2026-11-20T09:49:50Z", "conditions": [{"type": "Ready", "status": "True"}],
                      "containerStatuses": [{"name": "search", "ready": True, "started": True, "restartCount": 0, "state": {"running": {}}}]}}

    def ev(name, reason, msg, count):
        return {"kind": "Event", "apiVersion": "v1", "metadata": {"name": name, "namespace": "shop"}, "reason": reason,
                "type": "Warning", "count": count, "firstTimestamp": "2026-11-20T09:50:00Z", "lastTimestamp": "2026-11-20T09:50:05Z",
                "message": msg, "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "s-1", "uid": "s1"}}
    noise = [pod, ev("e1", "Unhealthy", "Readiness probe failed: Get \"http://10.1.1.1:8080/ready\": dial tcp 10.1.1.1:8080: connect: connection refused", 3)]
    rule = rules["POD-PROBE-FAILING"]
    ex = {"objects": noise, "collected_at": "2026-11-20T10:00:00Z"}
    assert analyze_bundle(example_bundle(ex), [rule]).findings == []
    killed = noise[:1] + [ev("e2", "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500", 2),
                          ev("e3", "Killing", "Container search failed liveness probe, will be restarted", 1)]
    found = analyze_bundle(example_bundle({**ex, "objects": killed}), [rule]).findings
    assert len(found) == 1 and "restarted the container 1 time" in found[0].message


def test_does_not_fit_says_when_the_node_data_is_from_another_cluster(rules):
    objects = [
        {"kind": "Node", "apiVersion": "v1", "metadata": {"name": "other-1", "uid": "o1"}, "spec": {},
         "status": {"allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110"}}},
        {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "web-1", "namespace": "shop", "uid": "p0"},
         "spec": {"nodeName": "w1", "containers": [{"name": "web", "image": "w:1"}]}, "status": {"phase": "Running"}},
        {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "an-1", "namespace": "shop", "uid": "p1"},
         "spec": {"containers": [{"name": "a", "image": "a:1", "resources": {"requests": {"cpu": "10"}}}]},
         "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                                        "message": "0/3 nodes are available: 3 Insufficient cpu."}]}},
    ]
    found = analyze_bundle(example_bundle({"objects": objects}), [rules["POD-UNSCHEDULABLE-RESOURCES"]]).findings
    assert len(found) == 1
    msg = found[0].message
    assert "lack of cpu" in msg and "none of the nodes its pods run on (w1)" in msg and "other-1 " not in msg.split("run on")[1]
