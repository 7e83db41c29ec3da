"""The control-plane, networking, storage and cluster rules on their recorded bundles, on the
healthy bundle, with the start-up noise and history cases of issue 4, and on the real captures."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from analyzer.bundle.model import Bundle, text_from_bytes
from analyzer.bundle.reader import open_bundle
from analyzer.engine.evaluate import analyze_bundle, load_rules

REPO = Path(__file__).resolve().parents[2]
RULE_FILES = [REPO / "rules" / f for f in ("control-plane.yaml", "networking.yaml", "storage.yaml", "cluster.yaml")]
REALDATA = REPO.parent / "shared" / "realdata"

SCENARIOS = [
    "ETCD-UNHEALTHY", "APISERVER-ETCD-ERRORS", "CONTROL-PLANE-DOWN", "STATIC-POD-MANIFEST-INVALID",
    "ADMISSION-PLUGIN-UNKNOWN", "DUPLICATE-CONTROL-PLANE", "EVENT-FLOOD", "OBJECT-FLOOD", "CERT-EXPIRY",
    "WEBHOOK-UNAVAILABLE", "REMOVED-API", "SERVICE-NO-ENDPOINTS", "SERVICE-PORT-MISMATCH", "INGRESS-BROKEN",
    "DNS-UNHEALTHY", "KUBE-PROXY-ERRORS", "IPTABLES-FOREIGN-RULES", "INGRESS-CONTROLLER-NO-GRACE",
    "ISTIO-MTLS-CONFLICT", "PVC-PENDING", "VOLUME-MOUNT-FAILED", "VOLUME-SNAPSHOT-FAILED", "DANGLING-REFERENCES",
    "NAMESPACE-STUCK-TERMINATING", "RBAC-OVERBROAD",
]


@pytest.fixture(scope="module")
def rules():  # type: ignore[no-untyped-def]
    loaded = load_rules(RULE_FILES, builtin=False)
    assert not loaded.issues, loaded.issues
    return loaded


def _analyze(bundle: Bundle, rules):  # type: ignore[no-untyped-def]
    result = analyze_bundle(bundle, rules)
    assert not result.rule_errors, result.rule_errors
    return result


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_bundle_has_a_current_finding_of_a_covering_rule(scenario: str, rules) -> None:  # type: ignore[no-untyped-def]
    with open_bundle(REPO / "bundles" / scenario.lower()) as b:
        result = _analyze(b, rules)
    covering = [f for f in result.findings if scenario in f.scenarios]
    assert covering, f"no finding covers {scenario}"
    assert any(f.state == "current" and f.severity in ("warning", "critical", "info") for f in covering)


def test_healthy_bundle_is_silent_at_warning(rules) -> None:  # type: ignore[no-untyped-def]
    with open_bundle(REPO / "bundles" / "healthy") as b:
        result = _analyze(b, rules)
    loud = [(f.rule_id, f.message) for f in result.findings if f.severity in ("warning", "critical")]
    assert loud == []


def _bundle(objects: list[dict], files: dict[str, str], collected_at: str = "2026-11-20T10:00:00Z") -> Bundle:
    b = Bundle(format="test", source="test", cluster_version="v1.31.4")
    for o in objects:
        b.add_object(copy.deepcopy(o), "test")
    for vpath, text in files.items():
        parts = vpath.split("/")
        tf = text_from_bytes(vpath, vpath, text.encode())
        if parts[0] == "logs":
            prev = parts[3].endswith(".previous.log")
            b.add_log(parts[1], parts[2], parts[3].removesuffix(".previous.log").removesuffix(".log"), prev, tf)
        else:
            b.add_node_file(parts[1], "/".join(parts[2:]), tf)
    from analyzer.bundle.values import parse_time

    b.collected_at = parse_time(collected_at)
    return b.finalize()


APISERVER_POD = {"kind": "Pod", "apiVersion": "v1",
                 "metadata": {"name": "kube-apiserver-cp-1", "namespace": "kube-system", "uid": "p1",
                              "labels": {"component": "kube-apiserver"}},
                 "spec": {"nodeName": "cp-1", "containers": [{"name": "kube-apiserver", "image": "x"}]},
                 "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                            "containerStatuses": [{"name": "kube-apiserver", "ready": True,
                                                   "state": {"running": {"startedAt": "2026-11-20T09:50:00Z"}}}]}}
REFUSED = ('W1120 {t}       1 logging.go:55] [core] grpc: addrConn.createTransport failed to connect to {{Addr: '
           '"127.0.0.1:2379", ServerName: "127.0.0.1:2379", }}. Err: connection error: desc = "transport: Error while '
           'dialing: dial tcp 127.0.0.1:2379: connect: connection refused"\n')


def _apiserver_findings(rules, times: list[str]):  # type: ignore[no-untyped-def]
    log = "".join(REFUSED.format(t=t) for t in times)
    b = _bundle([APISERVER_POD], {"logs/kube-system/kube-apiserver-cp-1/kube-apiserver.log": log})
    return [f for f in _analyze(b, rules).findings if f.rule_id == "APISERVER-ETCD-ERRORS"]


def test_etcd_refusals_right_after_a_recent_restart_are_start_up_noise(rules) -> None:  # type: ignore[no-untyped-def]
    # the API server restarted at 09:50 and dialled etcd before it listened: recent, but start-up noise
    assert _apiserver_findings(rules, ["09:50:01.1", "09:50:02.1", "09:50:04.1", "09:50:09.1"]) == []


def test_etcd_refusals_persisting_after_start_are_current(rules) -> None:  # type: ignore[no-untyped-def]
    found = _apiserver_findings(rules, ["09:50:01.1", "09:56:02.1", "09:58:04.1", "09:59:09.1"])
    assert len(found) == 1 and found[0].state == "current" and found[0].severity == "warning"


def test_volume_mount_failure_that_later_succeeded_is_history(rules) -> None:  # type: ignore[no-untyped-def]
    pod = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "prom-0", "namespace": "monitoring", "uid": "p1"},
           "spec": {"nodeName": "worker-2", "containers": [{"name": "prometheus", "image": "x"}]},
           "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}
    ev = {"kind": "Event", "apiVersion": "v1", "metadata": {"name": "e1", "namespace": "monitoring", "uid": "e1"},
          "type": "Warning", "reason": "FailedMount", "count": 2, "firstTimestamp": "2026-11-20T09:10:00Z",
          "lastTimestamp": "2026-11-20T09:10:30Z",
          "message": 'MountVolume.SetUp failed for volume "config" : configmap "prometheus-config" not found',
          "involvedObject": {"kind": "Pod", "namespace": "monitoring", "name": "prom-0", "uid": "p1"}}
    found = [f for f in _analyze(_bundle([pod, ev], {}), rules).findings if f.rule_id == "VOLUME-MOUNT-FAILED"]
    assert [(f.state, f.severity) for f in found] == [("history", "info")]
    stuck = copy.deepcopy(pod)
    stuck["status"] = {"phase": "Pending", "conditions": [{"type": "Ready", "status": "False"}]}
    found = [f for f in _analyze(_bundle([stuck, ev], {}), rules).findings if f.rule_id == "VOLUME-MOUNT-FAILED"]
    assert [(f.state, f.severity) for f in found] == [("current", "critical")]


def test_cert_expiry_parses_openssl_dates_against_collection_time(rules) -> None:  # type: ignore[no-untyped-def]
    node = {"kind": "Node", "apiVersion": "v1", "metadata": {"name": "cp-1", "uid": "n1"}}
    text = ("/etc/kubernetes/pki/apiserver.crt notAfter=Dec  1 08:12:00 2026 GMT\n"
            "/etc/kubernetes/pki/front-proxy-client.crt notAfter=Nov 19 08:12:00 2026 GMT\n"
            "/etc/kubernetes/pki/ca.crt notAfter=Jul 30 08:12:00 2035 GMT\n")
    result = _analyze(_bundle([node], {"nodes/cp-1/commands/cert-expiry.txt": text}), rules)
    by_rule = {f.rule_id: f.message for f in result.findings}
    assert "apiserver.crt on 2026-12-01T08:12:00Z" in by_rule["CERT-EXPIRY"]
    assert "front-proxy-client.crt on 2026-11-19T08:12:00Z" in by_rule["CERT-EXPIRED"]
    assert "ca.crt" not in by_rule["CERT-EXPIRY"] + by_rule["CERT-EXPIRED"]


def test_builtin_rbac_roles_are_not_overbroad(rules) -> None:  # type: ignore[no-untyped-def]
    binding = {"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
               "metadata": {"name": "cluster-admin", "uid": "b1", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
               "roleRef": {"kind": "ClusterRole", "name": "cluster-admin"},
               "subjects": [{"kind": "Group", "name": "system:masters"}]}
    ci = copy.deepcopy(binding)
    ci["metadata"] = {"name": "ci-admin", "uid": "b2"}
    ci["subjects"] = [{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}]
    found = [f for f in _analyze(_bundle([binding, ci], {}), rules).findings if f.rule_id == "RBAC-OVERBROAD"]
    assert [str(f.objects[0]) for f in found] == ["ClusterRoleBinding/ci-admin"]


@pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is absent")
@pytest.mark.parametrize("capture", ["troubleshoot-k3d-bundle/support-bundle.tar.gz",
                                     "cluster-info-dump-minikube/cluster-info-dump-stdout.txt"])
def test_real_captures_raise_no_error_and_no_alarm(capture: str, rules) -> None:  # type: ignore[no-untyped-def]
    # both clusters were healthy when captured (k3d after a node restart, minikube after start-up)
    with open_bundle(REALDATA / capture) as b:
        result = _analyze(b, rules)
    assert [f.rule_id for f in result.findings if f.severity in ("warning", "critical")] == []
