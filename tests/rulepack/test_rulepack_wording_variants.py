"""Pod, scheduling and workload rules read the wording of every runtime and Kubernetes version the same way:
containerd / CRI-O / dockershim image pull errors, the kubelet's secret / configmap errors of both manager
strategies, old and new kube-scheduler messages, probe messages, and Events in core/v1 or events.k8s.io/v1 form.
Each case checks the conclusion the rule draws (cause, kind, names), not only that it fires."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analyzer.bundle.model import Bundle
from analyzer.engine.evaluate import analyze_bundle, load_rules

REPO = Path(__file__).resolve().parents[2]
RULE_FILES = [REPO / "rules" / n for n in ("pods.yaml", "scheduling.yaml", "workloads.yaml")]
NOW = "2026-11-20T10:00:00Z"


@pytest.fixture(scope="module")
def rules():
    res = load_rules(RULE_FILES, builtin=False)
    assert not res.issues, [str(i) for i in res.issues]
    return res.rules


def _run(rules, objects: list[dict[str, Any]], rule_id: str) -> list[Any]:
    b = Bundle(collected_at=NOW)
    for o in objects:
        b.add_object(o, "test")
    b.finalize()
    result = analyze_bundle(b, [r for r in rules if r.id == rule_id])
    assert not result.rule_errors, [(e.rule_id, e.error) for e in result.rule_errors]
    return [f for f in result.findings if f.rule_id == rule_id]


def _pod(waiting_reason: str, waiting_message: str | None = None, image: str = "nginx:1") -> dict[str, Any]:
    waiting: dict[str, Any] = {"reason": waiting_reason}
    if waiting_message is not None:
        waiting["message"] = waiting_message
    return {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p-1", "namespace": "shop", "uid": "u1"},
            "spec": {"nodeName": "n1", "containers": [{"name": "app", "image": image}]},
            "status": {"phase": "Pending", "containerStatuses": [{"name": "app", "image": image, "ready": False,
                                                                  "restartCount": 0, "state": {"waiting": waiting}}]}}


def _event(reason: str, text: str, *, new_api: bool = False, kind: str = "Pod", name: str = "p-1",
           uid: str | None = "u1", count: int = 5, **extra: Any) -> dict[str, Any]:
    ref = {"kind": kind, "namespace": "shop", "name": name}
    if uid:
        ref["uid"] = uid
    if new_api:
        ev = {"kind": "Event", "apiVersion": "events.k8s.io/v1", "metadata": {"name": f"{name}.{reason}", "namespace": "shop"},
              "reason": reason, "type": "Warning", "note": text, "regarding": ref, "deprecatedCount": count}
    else:
        ev = {"kind": "Event", "apiVersion": "v1", "metadata": {"name": f"{name}.{reason}", "namespace": "shop"},
              "reason": reason, "type": "Warning", "message": text, "involvedObject": ref, "count": count}
    ev.update(extra)
    return ev


PULL = 'Failed to pull image "{img}": rpc error: code = {code} desc = {desc}'
PULL_CASES = [
    # containerd
    ("NotFound", 'failed to pull and unpack image "docker.io/library/nginx:1": failed to resolve reference '
     '"docker.io/library/nginx:1": docker.io/library/nginx:1: not found', "image or tag not found"),
    ("Unknown", 'failed to pull and unpack image "docker.io/acme/x:1": failed to resolve reference "docker.io/acme/x:1": '
     "pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: "
     "authorization failed", "credentials"),
    ("Unknown", 'failed to pull and unpack image "ghcr.io/acme/x:1": failed to resolve reference "ghcr.io/acme/x:1": '
     "failed to authorize: failed to fetch anonymous token: unexpected status from GET request to "
     "https://ghcr.io/token?scope=repository%3Aacme%2Fx%3Apull&service=ghcr.io: 401 Unauthorized", "credentials"),
    ("Unknown", 'failed to pull and unpack image "r.example.com/x:1": failed to resolve reference "r.example.com/x:1": '
     'failed to do request: Head "https://r.example.com/v2/x/manifests/1": tls: failed to verify certificate: '
     "x509: certificate signed by unknown authority", "registry certificate not trusted"),
    ("Unknown", 'failed to pull and unpack image "r.example.com:5000/x:1": failed to resolve reference '
     '"r.example.com:5000/x:1": failed to do request: Head "https://r.example.com:5000/v2/x/manifests/1": '
     "http: server gave HTTP response to HTTPS client", "HTTP registry"),
    ("Unknown", 'failed to pull and unpack image "docker.io/library/redis:7": failed to copy: httpReadSeeker: failed open: '
     "unexpected status code https://registry-1.docker.io/v2/library/redis/manifests/sha256:0e3c: 429 Too Many Requests - "
     "Server message: toomanyrequests: You have reached your pull rate limit.", "registry rate limit"),
    ("Unknown", 'failed to pull and unpack image "docker.io/library/x:1": failed to resolve reference "docker.io/library/x:1": '
     'failed to do request: Head "https://registry-1.docker.io/v2/library/x/manifests/1": dial tcp: lookup '
     "registry-1.docker.io on 10.0.0.2:53: no such host", "DNS: the node cannot resolve"),
    ("Unknown", 'failed to pull and unpack image "docker.io/library/x:1": failed to extract layer sha256:9a1b: '
     "write /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/88/fs/usr/lib/x.so: no space left on device: unknown",
     "disk full"),
    ("Canceled", 'failed to pull and unpack image "docker.io/acme/big:1": context canceled', "pull cancelled"),
    # CRI-O (containers/image)
    ("Unknown", "initializing source docker://quay.io/acme/x:2: reading manifest 2 in quay.io/acme/x: "
     "requested access to the resource is denied", "credentials"),
    ("Unknown", "reading manifest 2 in quay.io/acme/x: unauthorized: access to the requested resource is not authorized",
     "credentials"),
    ("Unknown", "initializing source docker://quay.io/acme/x:9: reading manifest 9 in quay.io/acme/x: manifest unknown",
     "image or tag not found"),
    ("Unknown", 'pinging container registry r.example.com: Get "https://r.example.com/v2/": x509: certificate signed by '
     "unknown authority", "registry certificate not trusted"),
    # dockershim
    ("Unknown", "Error response from daemon: manifest for nginx:1.27.99 not found: manifest unknown: manifest unknown",
     "image or tag not found"),
    ("Unknown", "Error response from daemon: pull access denied for acme/x, repository does not exist or may require "
     "'docker login': denied: requested access to the resource is denied", "credentials"),
    ("Unknown", 'Error response from daemon: Get "https://registry-1.docker.io/v2/": net/http: request canceled while '
     "waiting for connection (Client.Timeout exceeded while awaiting headers)", "timeout: the registry did not answer"),
]


@pytest.mark.parametrize("new_api", [False, True], ids=["core-v1-event", "events.k8s.io-event"])
@pytest.mark.parametrize(("code", "desc", "cause"), PULL_CASES, ids=[c[2] + "-" + str(i) for i, c in enumerate(PULL_CASES)])
def test_image_pull_cause_from_the_pull_event(rules, code, desc, cause, new_api):
    pod = _pod("ImagePullBackOff", 'Back-off pulling image "nginx:1"')
    ev = _event("Failed", PULL.format(img="nginx:1", code=code, desc=desc), new_api=new_api,
                **({"regarding": {"kind": "Pod", "namespace": "shop", "name": "p-1", "uid": "u1",
                                  "fieldPath": "spec.containers{app}"}} if new_api else {}))
    [f] = _run(rules, [pod, ev], "POD-IMAGE-PULL")
    assert f"Cause: {cause}" in f.message


def test_image_pull_cause_from_the_waiting_message_without_events(rules):
    pod = _pod("ErrImagePull", "rpc error: code = Unknown desc = reading manifest 2 in quay.io/acme/x: "
               "requested access to the resource is denied")
    [f] = _run(rules, [pod], "POD-IMAGE-PULL")
    assert "Cause: credentials" in f.message


@pytest.mark.parametrize(("message", "kind", "name", "key"), [
    ('secret "cart-db" not found', "Secret", "cart-db", None),                       # watch-based manager (default)
    ('secrets "cart-db" not found', "Secret", "cart-db", None),                      # Get/Cache strategy: API NotFound
    ('configmap "cart-cfg" not found', "ConfigMap", "cart-cfg", None),
    ('configmaps "cart-cfg" not found', "ConfigMap", "cart-cfg", None),
    ("couldn't find key password in Secret shop/cart-db", "Secret", "cart-db", "password"),
    ("Couldn't find key mode in ConfigMap shop/cart-cfg", "ConfigMap", "cart-cfg", "mode"),   # older kubelets
])
def test_config_error_names_the_missing_object(rules, message, kind, name, key):
    pod = _pod("CreateContainerConfigError", message)
    [f] = _run(rules, [pod], "POD-CONFIG-ERROR")
    assert f"{kind} shop/{name}" in f.message
    if key:
        assert f'has no key "{key}"' in f.message


def test_config_error_message_taken_from_a_new_api_event(rules):
    pod = _pod("CreateContainerConfigError")
    ev = _event("Failed", 'Error: secret "cart-db" not found', new_api=True)
    [f] = _run(rules, [pod, ev], "POD-CONFIG-ERROR")
    assert "Secret shop/cart-db" in f.message


def _pending(cond_message: str | None) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": "Pending"}
    if cond_message:
        status["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                 "message": cond_message, "lastTransitionTime": "2026-11-20T09:00:00Z"}]
    return {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p-1", "namespace": "shop", "uid": "u1"},
            "spec": {"containers": [{"name": "app", "image": "a:1"}]}, "status": status}


@pytest.mark.parametrize(("message", "reasons", "advice"), [
    ("0/3 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate, "
     "2 node(s) didn't match node selector.",
     ["1 node(s) had taint {node-role.kubernetes.io/master: } that the pod didn't tolerate",
      "2 node(s) didn't match node selector"], ["toleration", "nodeSelector"]),
    ("0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
     "3 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: "
     "4 Preemption is not helpful for scheduling.",
     ["1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",
      "3 node(s) didn't match Pod's node affinity/selector"], ["toleration", "nodeSelector"]),
    ("0/3 nodes are available: 3 Insufficient cpu.", ["3 Insufficient cpu"], ["Lower the pod's requests"]),
    ('0/3 nodes are available: persistentvolumeclaim "data-db-0" not found. preemption: 0/3 nodes are available: '
     "3 Preemption is not helpful for scheduling.", ['persistentvolumeclaim "data-db-0" not found'],
     ["PersistentVolumeClaims"]),
    ("0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: "
     "3 Preemption is not helpful for scheduling..", ["pod has unbound immediate PersistentVolumeClaims"],
     ["PersistentVolumeClaims"]),
])
@pytest.mark.parametrize("source", ["condition", "core-event", "new-api-event"])
def test_scheduler_messages_of_every_version(rules, message, reasons, advice, source):
    objects: list[dict[str, Any]] = [_pending(message if source == "condition" else None)]
    if source != "condition":
        # the scheduler records through events.k8s.io/v1: in core/v1 form no count, no first/lastTimestamp
        objects.append(_event("FailedScheduling", message, new_api=source == "new-api-event", count=None,
                              eventTime="2026-11-20T09:00:00.123456Z", series={"count": 7, "lastObservedTime": "2026-11-20T09:50:00.5Z"}))
    [f] = _run(rules, objects, "POD-UNSCHEDULABLE")
    assert "; ".join(reasons) in f.message
    for a in advice:
        assert a in f.remediation
    assert f.since and f.since.startswith("2026-11-20T09:00:00")


@pytest.mark.parametrize(("message", "kind"), [
    ("Liveness probe failed: HTTP probe failed with statuscode: 500", "HTTP 500"),
    ('Liveness probe failed: Get "http://10.244.1.7:8080/healthz": dial tcp 10.244.1.7:8080: connect: connection refused',
     "connection refused"),
    ("Liveness probe failed: Get http://10.244.1.7:8080/healthz: dial tcp 10.244.1.7:8080: connect: connection refused",
     "connection refused"),     # Go < 1.14 URL quoting
    ('Readiness probe failed: Get "http://10.244.1.7:8080/ready": context deadline exceeded (Client.Timeout exceeded '
     "while awaiting headers)", "timeout"),
    ('Liveness probe failed: command "/bin/sh -c /healthcheck.sh" timed out', "timeout"),
    ("Readiness probe errored: rpc error: code = DeadlineExceeded desc = failed to exec in container: timeout 1s "
     "exceeded: context deadline exceeded", "timeout"),
    ('Readiness probe failed: service unhealthy (responded with "NOT_SERVING")', "NOT_SERVING"),
    ("Readiness probe failed: ", "without output"),
])
@pytest.mark.parametrize("new_api", [False, True], ids=["core-v1-event", "events.k8s.io-event"])
def test_probe_failure_kind(rules, message, kind, new_api):
    pod = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p-1", "namespace": "shop", "uid": "u1"},
           "spec": {"nodeName": "n1", "containers": [{"name": "app", "image": "a:1"}]},
           "status": {"phase": "Running", "startTime": "2026-11-20T08:00:00Z", "conditions": [{"type": "Ready", "status": "False"}],
                      "containerStatuses": [{"name": "app", "ready": False, "started": True, "restartCount": 0, "state": {"running": {}}}]}}
    times = ({"deprecatedFirstTimestamp": "2026-11-20T09:30:00Z", "deprecatedLastTimestamp": "2026-11-20T09:59:00Z"} if new_api
             else {"firstTimestamp": "2026-11-20T09:30:00Z", "lastTimestamp": "2026-11-20T09:59:00Z"})
    [f] = _run(rules, [pod, _event("Unhealthy", message, new_api=new_api, count=30, **times)], "POD-PROBE-FAILING")
    assert kind in f.message.split("Kind of failure: ")[1].split(". Latest")[0]
    assert "x30" in f.message and f.state == "current"


def test_probe_errors_racing_a_stopped_container_are_not_probe_failures(rules):
    pod = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p-1", "namespace": "shop", "uid": "u1"},
           "spec": {"nodeName": "n1", "containers": [{"name": "app", "image": "a:1"}]},
           "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
                      "containerStatuses": [{"name": "app", "ready": False, "restartCount": 9, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}
    noise = [
        "Readiness probe errored: rpc error: code = Unknown desc = failed to exec in container: container is in CONTAINER_EXITED state",
        "Readiness probe errored and resulted in unknown state: rpc error: code = Unknown desc = command error: cannot register "
        "an exec PID: container is stopping, stdout: , stderr: , exit code -1",
        "Liveness probe errored: rpc error: code = NotFound desc = failed to exec in container: failed to load task: no running "
        "task found: task 4f1c not found: not found",
    ]
    events = [_event("Unhealthy", m, name="p-1", count=20, lastTimestamp="2026-11-20T09:59:00Z") for m in noise]
    for i, e in enumerate(events):
        e["metadata"]["name"] = f"p-1.{i}"
    assert _run(rules, [pod, *events], "POD-PROBE-FAILING") == []


@pytest.mark.parametrize(("status_reason", "term"), [
    ("Terminated", {"exitCode": 137, "reason": "Error"}),     # graceful node shutdown, 1.22+
    ("Shutdown", {"exitCode": 137, "reason": "Error"}),       # graceful node shutdown, 1.21
    (None, {"exitCode": 137, "reason": "ContainerStatusUnknown",
            "message": "The container could not be located when the pod was terminated"}),
])
def test_sigkill_not_reported_for_shutdown_or_unknown_containers(rules, status_reason, term):
    status: dict[str, Any] = {"phase": "Failed", "containerStatuses": [
        {"name": "app", "ready": False, "restartCount": 0, "state": {"terminated": term}}]}
    if status_reason:
        status.update(reason=status_reason, message="Pod was terminated in response to imminent node shutdown.")
    pod = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p-1", "namespace": "shop", "uid": "u1"},
           "spec": {"nodeName": "n1", "containers": [{"name": "app", "image": "a:1"}]}, "status": status}
    assert _run(rules, [pod], "POD-SIGKILL-NOT-OOM") == []
    # the same kill on a pod that was not shut down is reported
    pod["status"] = {"phase": "Failed", "containerStatuses": [
        {"name": "app", "ready": False, "restartCount": 0, "state": {"terminated": {"exitCode": 137, "reason": "Error"}}}]}
    assert len(_run(rules, [pod], "POD-SIGKILL-NOT-OOM")) == 1


@pytest.mark.parametrize(("message", "cause"), [
    ('Error creating: pods "api-6597bc46dc-2wm8j" is forbidden: exceeded quota: compute, requested: limits.memory=512Mi, '
     "used: limits.memory=1920Mi, limited: limits.memory=2Gi", "ResourceQuota"),
    ('Error creating: pods "api-6597bc46dc-2wm8j" is forbidden: failed quota: compute: must specify limits.cpu for: api; '
     "limits.memory for: api", "ResourceQuota"),
    ('Error creating: pods "web-7d4b9c8f5-x2k9p" is forbidden: violates PodSecurity "restricted:latest": '
     'allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false)',
     "Pod Security admission"),
    ('Error creating: Internal error occurred: failed calling webhook "mpod.kb.io": failed to call webhook: Post '
     '"https://wh.sys.svc:443/mutate?timeout=10s": context deadline exceeded', "is unreachable"),
    ('Error creating: admission webhook "validate.gatekeeper.sh" denied the request: [must-have-team] missing label team',
     "denies them"),
    ('Error creating: pods "api-6597bc46dc-" is forbidden: error looking up service account shop/api: serviceaccount '
     '"api" not found', "ServiceAccount is missing"),
    ('Error creating: pods "agent-" is forbidden: unable to validate against any security context constraint: '
     '[provider "anyuid": Forbidden: not usable by user or serviceaccount]', "SecurityContextConstraints"),
])
@pytest.mark.parametrize("new_api", [False, True], ids=["core-v1-event", "events.k8s.io-event"])
def test_failed_create_causes(rules, message, cause, new_api):
    times = {"deprecatedLastTimestamp": "2026-11-20T09:58:00Z"} if new_api else {"lastTimestamp": "2026-11-20T09:58:00Z"}
    ev = _event("FailedCreate", message, new_api=new_api, kind="ReplicaSet", name="api-6597bc46dc", uid=None, count=12, **times)
    [f] = _run(rules, [ev], "WORKLOAD-FAILED-CREATE")
    assert cause in f.message and "12 time(s)" in f.message and "2m before collection" in f.message
