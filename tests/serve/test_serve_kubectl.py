"""Acceptance: the real kubectl against `kbundle serve` of a sample native bundle."""

from __future__ import annotations

from pathlib import Path

from serve_kubectl import Kubectl, table
from serve_sample import CLUSTER_VERSION, PREVIOUS_LOG, sample_objects


def _key(obj: dict) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def test_get_pods_all_namespaces_json_is_exactly_the_bundles_pods(kubectl: Kubectl) -> None:
    got = kubectl.json("get", "pods", "-A")
    want = {_key(o): o for o in sample_objects() if o["kind"] == "Pod"}
    assert got["kind"] == "List"
    assert sorted(_key(i) for i in got["items"]) == sorted(want)
    for item in got["items"]:
        assert item == want[_key(item)]


def test_get_pods_prints_kubectl_status_restarts_and_age(kubectl: Kubectl) -> None:
    rows = {r["NAME"]: r for r in table(kubectl.ok("get", "pods", "-A"))}
    assert rows["web-7d9f-bbbb"] == {"NAMESPACE": "shop", "NAME": "web-7d9f-bbbb", "READY": "0/1",
                                     "STATUS": "CrashLoopBackOff", "RESTARTS": "5 (9m30s ago)", "AGE": "24h"}
    assert rows["web-7d9f-aaaa"]["STATUS"] == "Running" and rows["web-7d9f-aaaa"]["READY"] == "1/1"
    assert rows["web-7d9f-cccc"]["STATUS"] == "Pending"
    assert rows["setup-pod"]["STATUS"] == "Init:1/2"
    assert rows["old-pod"]["STATUS"] == "Terminating"
    assert rows["backup-28570000-x1"]["STATUS"] == "Completed"
    assert rows["db-0"]["STATUS"] == "OOMKilled" and rows["db-0"]["READY"] == "1/2"
    assert rows["coredns-5d78c9869d-abcde"]["NAMESPACE"] == "kube-system"


def test_get_pods_wide_shows_ip_and_node(kubectl: Kubectl) -> None:
    rows = {r["NAME"]: r for r in table(kubectl.ok("get", "pods", "-n", "shop", "-o", "wide"))}
    assert rows["db-0"]["NODE"] == "node-b"
    assert rows["web-7d9f-cccc"]["NODE"] == "<none>" and rows["web-7d9f-cccc"]["IP"] == "<none>"
    assert rows["db-0"]["NOMINATED NODE"] == "<none>"


def test_get_nodes(kubectl: Kubectl) -> None:
    rows = table(kubectl.ok("get", "nodes"))
    assert rows == [
        {"NAME": "node-a", "STATUS": "Ready", "ROLES": "control-plane", "AGE": "121d", "VERSION": "v1.29.4"},
        {"NAME": "node-b", "STATUS": "NotReady,SchedulingDisabled", "ROLES": "<none>", "AGE": "6d12h",
         "VERSION": "v1.29.4"},
    ]
    wide = {r["NAME"]: r for r in table(kubectl.ok("get", "nodes", "-o", "wide"))}
    assert wide["node-a"]["INTERNAL-IP"] == "192.168.0.10"
    assert wide["node-a"]["CONTAINER-RUNTIME"] == "containerd://1.7.13"


def test_get_deployments_wide(kubectl: Kubectl) -> None:
    out = kubectl.ok("get", "deploy", "-A", "-o", "wide")
    assert table(out) == [{"NAMESPACE": "shop", "NAME": "web", "READY": "1/3", "UP-TO-DATE": "3", "AVAILABLE": "1",
                           "AGE": "24h", "CONTAINERS": "app", "IMAGES": "example/web:2.1", "SELECTOR": "app=web"}]


def test_get_events_by_involved_object(kubectl: Kubectl) -> None:
    out = kubectl.ok("get", "events", "-n", "shop", "--field-selector", "involvedObject.name=web-7d9f-bbbb")
    rows = table(out)
    assert sorted(r["REASON"] for r in rows) == ["BackOff", "Pulled"]
    assert {r["OBJECT"] for r in rows} == {"pod/web-7d9f-bbbb"}
    backoff = next(r for r in rows if r["REASON"] == "BackOff")
    assert backoff["TYPE"] == "Warning" and backoff["LAST SEEN"] == "5m"
    assert backoff["MESSAGE"].startswith("Back-off restarting failed container app")


def test_get_events_includes_events_k8s_io_shape(kubectl: Kubectl) -> None:
    core = kubectl.json("get", "events", "-n", "shop", "--field-selector", "involvedObject.name=db-0")
    assert [e["reason"] for e in core["items"]] == ["Killing"]
    assert core["items"][0]["message"] == "Container exporter exceeded its memory limit"
    new = kubectl.json("get", "events.v1.events.k8s.io", "-n", "shop")
    assert {e["metadata"]["name"] for e in new["items"]} >= {"db-0.17c5", "web-7d9f-bbbb.17c1"}
    backoff = next(e for e in new["items"] if e["metadata"]["name"] == "web-7d9f-bbbb.17c1")
    assert backoff["regarding"]["name"] == "web-7d9f-bbbb" and backoff["deprecatedCount"] == 42


def test_label_selectors(kubectl: Kubectl) -> None:
    names = [r["NAME"] for r in table(kubectl.ok("get", "pods", "-n", "shop", "-l", "app=web"))]
    assert names == ["web-7d9f-aaaa", "web-7d9f-bbbb", "web-7d9f-cccc"]
    names = [r["NAME"] for r in table(kubectl.ok("get", "pods", "-A", "-l", "app in (db,old)"))]
    assert names == ["old-pod", "db-0"]
    names = [r["NAME"] for r in table(kubectl.ok("get", "pods", "-n", "shop", "-l", "app,app!=web"))]
    assert names == ["db-0", "setup-pod"]
    names = [r["NAME"] for r in table(kubectl.ok("get", "pods", "-n", "shop", "-l", "!app"))]
    assert names == ["backup-28570000-x1"]


def test_field_selectors(kubectl: Kubectl) -> None:
    names = [r["NAME"] for r in table(kubectl.ok("get", "pods", "-A", "--field-selector", "spec.nodeName=node-b"))]
    assert names == ["db-0"]
    out = kubectl.ok("get", "pods", "-A", "--field-selector", "status.phase!=Running,metadata.namespace=shop")
    assert sorted(r["NAME"] for r in table(out)) == ["backup-28570000-x1", "setup-pod", "web-7d9f-cccc"]


def test_get_single_object_and_not_found(kubectl: Kubectl) -> None:
    assert kubectl.json("get", "pod", "-n", "shop", "db-0")["spec"]["nodeName"] == "node-b"
    proc = kubectl.run("get", "pod", "-n", "shop", "no-such-pod")
    assert proc.returncode == 1
    assert 'pods "no-such-pod" not found' in proc.stderr
    proc = kubectl.run("get", "frobnicators")
    assert proc.returncode == 1 and "frobnicators" in proc.stderr


def test_describe_pod_shows_containers_states_and_events(kubectl: Kubectl) -> None:
    out = kubectl.ok("describe", "pod", "-n", "shop", "web-7d9f-bbbb")
    assert "Controlled By:  ReplicaSet/web-7d9f" in out
    assert "Containers:\n  app:" in out
    assert "State:          Waiting\n      Reason:       CrashLoopBackOff" in out
    assert "Last State:     Terminated\n      Reason:       Error\n      Exit Code:    1" in out
    assert "Restart Count:  5" in out
    events = out.split("Events:", 1)[1]
    assert "BackOff" in events and "Back-off restarting failed container app" in events
    assert "Pulled" in events and "(x42 over" in events
    out = kubectl.ok("describe", "pod", "-n", "shop", "db-0")
    assert "OOMKilled" in out and "Exit Code:    137" in out
    assert "Container exporter exceeded its memory limit" in out  # events.k8s.io event, core shape


def test_describe_node_deployment_service_namespace_pvc(kubectl: Kubectl) -> None:
    node = kubectl.ok("describe", "node", "node-b")
    assert "Unschedulable:      true" in node and "NodeStatusUnknown" in node
    assert "shop                        db-0" in node  # pods on the node via spec.nodeName
    assert "NodeNotReady" in node  # node events (involvedObject.uid is the node name)
    deploy = kubectl.ok("describe", "deployment", "-n", "shop", "web")
    assert "NewReplicaSet:   web-7d9f (3/3 replicas created)" in deploy
    assert "ScalingReplicaSet" in deploy
    svc = kubectl.ok("describe", "service", "-n", "shop", "web")
    assert "Endpoints:         10.1.0.5:8080" in svc
    ns = kubectl.ok("describe", "namespace", "shop")
    assert "Resource Quotas" in ns and "pods      6     20" in ns
    assert "Container  memory" in ns and "512Mi" in ns
    pvc = kubectl.ok("describe", "pvc", "-n", "shop", "data-db-0")
    assert "Volume:        pv-1" in pvc and "Used By:       db-0" in pvc


def test_logs_previous_tail(kubectl: Kubectl) -> None:
    out = kubectl.ok("logs", "-n", "shop", "web-7d9f-bbbb", "-c", "app", "--previous", "--tail", "5")
    assert out.splitlines() == PREVIOUS_LOG.splitlines()[-5:]
    assert kubectl.ok("logs", "-n", "shop", "web-7d9f-bbbb").startswith("2024-05-01T11:59:01Z starting attempt 1\n")
    assert kubectl.ok("logs", "-n", "shop", "db-0", "-c", "exporter", "-p") == "exporter starting\nkilled\n"


def test_logs_errors_are_clear(kubectl: Kubectl) -> None:
    proc = kubectl.run("logs", "-n", "shop", "web-7d9f-aaaa", "--previous")
    assert proc.returncode == 1
    assert 'previous terminated container "app" in pod "web-7d9f-aaaa" not found' in proc.stderr
    proc = kubectl.run("logs", "-n", "shop", "web-7d9f-cccc")
    assert proc.returncode == 1 and "no log" in proc.stderr
    proc = kubectl.run("logs", "-n", "shop", "nope")
    assert proc.returncode == 1 and 'pods "nope" not found' in proc.stderr


def test_writes_fail_clearly_and_change_nothing(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "x.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: new-cm, namespace: shop}\ndata: {a: b}\n"
                        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config, namespace: shop}\n"
                        "data: {LOG_LEVEL: info}\n")
    before = kubectl.json("get", "configmaps", "-A")
    proc = kubectl.run("apply", "-f", str(manifest))
    assert proc.returncode != 0
    assert proc.stderr.count("kbundle serve is read-only") == 2, proc.stderr
    assert "MethodNotAllowed" in proc.stderr
    proc = kubectl.run("delete", "pod", "-n", "shop", "web-7d9f-aaaa")
    assert proc.returncode != 0 and "kbundle serve is read-only" in proc.stderr
    proc = kubectl.run("exec", "-n", "shop", "web-7d9f-aaaa", "--", "true")
    assert proc.returncode != 0 and "read-only" in proc.stderr
    assert kubectl.json("get", "configmaps", "-A") == before
    assert kubectl.json("get", "pod", "-n", "shop", "web-7d9f-aaaa")["metadata"]["name"] == "web-7d9f-aaaa"


def test_get_all_and_custom_resources(kubectl: Kubectl) -> None:
    out = kubectl.ok("get", "all", "-n", "shop")
    for name in ("pod/web-7d9f-bbbb", "service/web", "deployment.apps/web", "replicaset.apps/web-7d9f",
                 "statefulset.apps/db", "job.batch/backup-28570000", "cronjob.batch/backup", "widget.example.com/blue"):
        assert name in out
    resources = table(kubectl.ok("api-resources"))
    widgets = next(r for r in resources if r["NAME"] == "widgets")
    assert widgets == {"NAME": "widgets", "SHORTNAMES": "wd", "APIVERSION": "example.com/v1", "NAMESPACED": "true",
                       "KIND": "Widget"}
    assert any(r["NAME"] == "gadgets" and r["APIVERSION"] == "gadgets.example.org/v1alpha1" for r in resources)
    assert any(r["NAME"] == "sprockets" and r["NAMESPACED"] == "false" for r in resources)
    rows = table(kubectl.ok("get", "wd", "-A"))
    assert rows == [{"NAMESPACE": "default", "NAME": "green", "SIZE": "7", "READY": "True", "AGE": "24h"},
                    {"NAMESPACE": "shop", "NAME": "blue", "SIZE": "3", "READY": "False", "AGE": "24h"}]
    assert kubectl.json("get", "gadgets", "-n", "shop")["items"][0]["spec"] == {"mode": "fast"}
    assert kubectl.ok("get", "sprockets") == ""  # a CRD without objects: an empty list, not an error


def test_other_printers(kubectl: Kubectl) -> None:
    svc = {r["NAME"]: r for r in table(kubectl.ok("get", "svc", "-n", "shop", "-o", "wide"))}
    assert svc["web"] == {"NAME": "web", "TYPE": "ClusterIP", "CLUSTER-IP": "10.96.0.20", "EXTERNAL-IP": "<none>",
                          "PORT(S)": "80/TCP", "AGE": "24h", "SELECTOR": "app=web"}
    assert svc["public"]["EXTERNAL-IP"] == "<pending>" and svc["public"]["PORT(S)"] == "443:31443/TCP"
    jobs = table(kubectl.ok("get", "jobs", "-n", "shop"))
    assert jobs[0]["STATUS"] == "Complete" and jobs[0]["COMPLETIONS"] == "1/1" and jobs[0]["DURATION"] == "2m30s"
    pvc = table(kubectl.ok("get", "pvc", "-n", "shop"))[0]
    assert (pvc["STATUS"], pvc["VOLUME"], pvc["CAPACITY"], pvc["ACCESS MODES"]) == ("Bound", "pv-1", "10Gi", "RWO")
    pv = table(kubectl.ok("get", "pv"))[0]
    assert pv["CLAIM"] == "shop/data-db-0" and pv["RECLAIM POLICY"] == "Delete"
    ds = table(kubectl.ok("get", "ds", "-n", "kube-system"))[0]
    assert ds["DESIRED"] == "2" and ds["READY"] == "1" and ds["NODE SELECTOR"] == "kubernetes.io/os=linux"
    ing = table(kubectl.ok("get", "ingress", "-n", "shop"))[0]
    assert ing["HOSTS"] == "shop.example.com" and ing["ADDRESS"] == "203.0.113.7" and ing["CLASS"] == "nginx"
    ns = table(kubectl.ok("get", "ns"))
    assert [r["NAME"] for r in ns] == ["default", "kube-system", "shop"] and ns[0]["STATUS"] == "Active"
    cm = table(kubectl.ok("get", "cm", "-n", "shop"))[0]
    assert cm["DATA"] == "2"


def test_version_and_wait(kubectl: Kubectl) -> None:
    version = kubectl.json("version")
    assert version["serverVersion"]["gitVersion"] == CLUSTER_VERSION
    assert (version["serverVersion"]["major"], version["serverVersion"]["minor"]) == ("1", "29")
    # kubectl wait lists, then watches: a condition already true returns at once
    out = kubectl.ok("wait", "--for=condition=Ready", "pod/web-7d9f-aaaa", "-n", "shop", "--timeout=20s")
    assert "condition met" in out


def test_auth_can_i_reads_only(kubectl: Kubectl) -> None:
    assert kubectl.ok("auth", "can-i", "list", "pods", "-A").strip() == "yes"
    proc = kubectl.run("auth", "can-i", "delete", "pods", "-n", "shop")
    assert proc.returncode == 1 and proc.stdout.startswith("no") and "read-only" in proc.stdout


def test_endpoint_slices_derived_from_endpoints(kubectl: Kubectl) -> None:
    rows = table(kubectl.ok("get", "endpointslices", "-n", "shop"))
    assert rows == [{"NAME": "web-kbundle-0", "ADDRESSTYPE": "IPv4", "PORTS": "8080", "ENDPOINTS": "10.1.0.5,10.1.0.6",
                     "AGE": "24h"}]
    item = kubectl.json("get", "endpointslices", "-n", "shop", "-l", "kubernetes.io/service-name=web")["items"][0]
    assert item["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == "kbundle-serve"
    assert [e["conditions"]["ready"] for e in item["endpoints"]] == [True, False]
