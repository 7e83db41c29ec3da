"""The formats people receive from other tools, on small bundles written here from the
producing tools' layouts (docs/bundle-format.md): Sonobuoy (v0.8 and v0.56 layouts), kind
export logs, old cluster-info dumps in kubectl's internal serialisation, and the generic
fallback."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
from typer.testing import CliRunner

from analyzer.bundle.formats.common import log_fetch_error, normalize_internal
from analyzer.bundle.formats.kind_logs import cri_to_text
from analyzer.bundle.partial import PARTIAL_ANNOTATION, is_partial
from analyzer.bundle.reader import open_bundle
from analyzer.cli import app
from tests.bundle.conftest import core_event, member, node, pod, write, write_tar

APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + bytes(198)
UUID = "d7621bef-0112-449a-a58f-8dd9a6757028"


def _bare(obj: dict) -> dict:
    """An item as Sonobuoy v0.8 wrote it: without kind and apiVersion."""
    return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}


def _journal_entry(unit: str | None, message, ts_us: int, ident: str = "kubelet", transport: str = "stdout") -> bytes:
    entry = {"__CURSOR": f"s=1;i={ts_us}", "__REALTIME_TIMESTAMP": str(ts_us), "_HOSTNAME": "node-1",
             "SYSLOG_IDENTIFIER": ident, "_PID": "760", "_TRANSPORT": transport, "MESSAGE": message}
    if unit:
        entry["_SYSTEMD_UNIT"] = unit
    return orjson.dumps(entry)


T0 = 1772366400_000000  # 2026-03-01T12:00:00Z in microseconds


# --------------------------------------------------------------------------- Sonobuoy v0.8
def _sonobuoy_v08(tmp_path: Path) -> Path:
    files = {
        "config.json": orjson.dumps({"UUID": UUID, "Version": "v0.8.2", "Resources": ["Nodes", "ServerVersion"]}),
        "serverversion/serverversion.json": orjson.dumps({"major": "1", "minor": "7", "gitVersion": "v1.7.2"}),
        "hosts/node-1/configz.json": orjson.dumps({"componentconfig": {"evictionHard": "memory.available<100Mi"}}),
        "hosts/node-1/healthz.json": b'{"status":200}',
        "resources/non-ns/Nodes.json": orjson.dumps([_bare(node("node-1")), _bare(node("node-2"))]),
        "resources/non-ns/results.json": b'[{"queryobj":"Nodes","time":"5.1ms"},{}]',
        "resources/ns/default/results.json": b"[{}]",
        "resources/ns/e2e-tests-pods-x1/results.json": b"[{}]",
        "plugins/e2e/results/e2e.log": b"Ran 1 of 693 Specs\nSUCCESS! -- 1 Passed | 0 Failed\n",
        "plugins/e2e/results/junit_01.xml": b'<testsuite tests="1"><testcase name="a"/></testsuite>\n',
    }
    members = []
    for path, data in files.items():
        members.append(member(f"./{path}", data))
        folder, _, name = path.rpartition("/")
        members.append(member(f"./{folder + '/' if folder else ''}._{name}", APPLEDOUBLE))
    return write_tar(tmp_path / "results-0.8.tar.gz", members)


def test_sonobuoy_v08_bare_arrays_and_appledouble(tmp_path):
    with open_bundle(_sonobuoy_v08(tmp_path)) as b:
        assert b.format == "sonobuoy"
        assert b.cluster_version == "v1.7.2"
        assert b.counts() == {"Node": 2}
        assert b.get("Node", None, "node-1")["apiVersion"] == "v1"
        assert b.node_file("node-1", "commands/kubelet-configz.json").text().startswith('{"componentconfig"')
        assert "plugins/e2e/results/e2e.log" in b.other_files
        assert b.problems == []
        # no log, no pods: the collection time comes from the node heartbeats
        assert b.collected_at == datetime(2026, 3, 1, 11, 58, tzinfo=UTC)
        cov = b.coverage
        apple = [e for e in cov["ignored_by_reason"] if "AppleDouble" in e["reason"]]
        assert apple and apple[0]["files"] == 10
        assert not any("not read by" in e["reason"] for e in cov["ignored_by_reason"])


# --------------------------------------------------------------------------- Sonobuoy v0.56
def _sonobuoy_v056(tmp_path: Path, journal: bytes | None = None, previous: bool = False) -> Path:
    web = pod("web-1", "shop")
    journal = journal if journal is not None else b"\n".join([
        _journal_entry("kubelet.service", "E0301 12:00:00.1 760 kubelet.go:1] PLEG is not healthy", T0 - 5_000_000),
        _journal_entry("containerd.service", "level=info msg=started", T0 - 4_000_000, ident="containerd"),
        _journal_entry(None, "Memory cgroup out of memory: Killed process 4242 (java)", T0 - 3_000_000,
                       ident="kernel", transport="kernel"),
        _journal_entry("kubelet.service", "first line\nsecond line", T0 - 2_000_000),
        _journal_entry("kubelet.service", list(b"binary \xff message"), T0 - 1_000_000),
        b"not a journal entry",
    ]) + b"\n"
    pods_list = {"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": [web]}
    files = {
        "serverversion.json": orjson.dumps({"gitVersion": "v1.19.16"}),
        "servergroups.json": orjson.dumps({"kind": "APIGroupList", "groups": []}),
        "meta/config.json": orjson.dumps({"UUID": UUID, "Version": "v0.56.6",
                                          "Limits": {"PodLogs": {"Previous": previous}}}),
        "meta/info.json": b'{"plugins":["e2e","systemd-logs"]}',
        "meta/query-time.json": orjson.dumps([{"queryobj": "Nodes", "time": "1s"},
                                              {"queryobj": "pods", "namespace": "shop", "time": "1s",
                                               "error": "pods is forbidden"}]),
        "meta/run.log": b'{"level":"info","msg":"Starting server","time":"2026-03-01T11:00:00Z"}\n'
                        b'{"level":"info","msg":"Invoking plugin cleanup","time":"2026-03-01T12:05:00Z"}\n',
        "hosts/node-1/configz.json": orjson.dumps({"kubeletconfig": {"imageGCHighThresholdPercent": 85}}),
        "resources/cluster/core_v1_nodes.json": orjson.dumps(
            {"apiVersion": "v1", "kind": "NodeList", "items": [node("node-1")]}),
        "resources/cluster/storage.k8s.io_v1_csinodes.json": orjson.dumps(
            {"apiVersion": "storage.k8s.io/v1", "kind": "CSINodeList", "items": [
                {"apiVersion": "storage.k8s.io/v1", "kind": "CSINode", "metadata": {"name": "node-1"}}]}),
        "resources/ns/shop/core_v1_pods.json": orjson.dumps(pods_list),
        "resources/ns/shop/core_v1_events.json": orjson.dumps(
            {"apiVersion": "v1", "kind": "EventList", "items": [core_event("web-1.1", "shop", web)]}),
        "resources/ns/shop/apps_v1_deployments.json": b'{"apiVersion":"apps/v1","kind":"DeploymentList","items":null}',
        "podlogs/shop/web-1/logs/app.txt": b"hello from web-1\n",
        "plugins/e2e/definition.json": b"{}",
        "plugins/e2e/sonobuoy_results.yaml": b"name: e2e\nstatus: failed\nitems: []\n",
        "plugins/e2e/results/global/e2e.log": b"FAIL! -- 1 Passed | 3 Failed\n",
        "plugins/e2e/results/global/junit_01.xml": b"<testsuites/>\n",
        "plugins/systemd-logs/defintion.json": b"{}",
        "plugins/systemd-logs/results/node-1/systemd_logs": journal,
    }
    return write_tar(tmp_path / f"202603011100_sonobuoy_{UUID}.tar.gz",
                     [member(p, d) for p, d in files.items()])


def test_sonobuoy_v056_objects_logs_journals_and_plugin_files(tmp_path):
    with open_bundle(_sonobuoy_v056(tmp_path)) as b:
        assert b.format == "sonobuoy"
        assert b.cluster_version == "v1.19.16"
        assert b.collected_at == datetime(2026, 3, 1, 12, 5, tzinfo=UTC)  # the end of meta/run.log
        assert b.counts() == {"CSINode": 1, "Event": 1, "Node": 1, "Pod": 1}
        web = b.get("Pod", "shop", "web-1")
        assert len(b.events_for(web)) == 1
        assert b.log("shop", "web-1", "app").text() == "hello from web-1\n"
        kubelet = b.node_file("node-1", "commands/journal-kubelet.txt").lines()
        assert kubelet[0] == ("2026-03-01T11:59:55+0000 node-1 kubelet[760]: "
                              "E0301 12:00:00.1 760 kubelet.go:1] PLEG is not healthy")
        assert kubelet[1].endswith("kubelet[760]: first line") and kubelet[2] == " " * 46 + "second line"
        assert kubelet[3].endswith("binary \ufffd message")
        assert "Killed process 4242" in b.node_file("node-1", "commands/dmesg.txt").text()
        assert b.node_file("node-1", "commands/journal-containerd.txt") is not None
        assert {"plugins/e2e/results/global/e2e.log", "plugins/e2e/sonobuoy_results.yaml",
                "meta/run.log"} <= set(b.other_files)
        errors = sorted(p.error for p in b.problems)
        assert errors == ["1 line(s) are not journal entries (first: line 6); skipped",
                          "collection error (pods in shop): pods is forbidden"]
        cov = b.coverage
        assert cov["files"] == cov["understood"] + cov["not_understood"] + cov["ignored"]
        assert [e["reason"] for e in cov["ignored_by_reason"]] == ["API discovery (groups and versions), not objects"]


def test_sonobuoy_previous_logs_when_the_run_asked_for_them(tmp_path):
    with open_bundle(_sonobuoy_v056(tmp_path, previous=True)) as b:
        assert b.log("shop", "web-1", "app") is None
        assert b.log("shop", "web-1", "app", previous=True).vpath == "logs/shop/web-1/app.previous.log"


# --------------------------------------------------------------------------- kind export logs
def _cri(*lines: tuple[str, str, str, str]) -> str:
    return "".join(f"{t} {stream} {tag} {msg}\n" for t, stream, tag, msg in lines)


def _kind_logs(root: Path) -> Path:
    uid = "c1ebac98-f89d-4559-9478-2025627dbb6e"
    cid = "a" * 64
    write(root, "kind-version.txt", "kind v0.27.0 go1.23.6 linux/amd64")
    write(root, "docker-info.txt", "Client: Docker Engine\n")
    n = root / "kind-control-plane"
    write(n, "kubernetes-version.txt", "v1.32.2")
    write(n, "inspect.json", [{"Id": "x", "Created": "2025-12-31T23:00:00.5Z", "State": {"Status": "running"}}])
    write(n, "journal.log", "Dec 31 23:30:00 kind-control-plane systemd[1]: Started kubelet.service\n"
                            "Jan  1 00:10:00 kind-control-plane kubelet[785]: E0101 00:10:00.0 785 x.go:1] boom\n")
    write(n, "kubelet.log", "Jan  1 00:10:00 kind-control-plane kubelet[785]: E0101 00:10:00.0 785 x.go:1] boom\n")
    write(n, "containerd.log", "Dec 31 23:30:00 kind-control-plane containerd[178]: level=info msg=start\n")
    write(n, "images.log", "IMAGE  TAG  IMAGE ID  SIZE\n")
    write(n, "serial.log", "INFO: ensuring we can execute mount/umount\n")
    current = _cri(("2026-01-01T00:05:00.1Z", "stdout", "F", "started"),
                   ("2026-01-01T00:05:00.2Z", "stderr", "P", "a long "),
                   ("2026-01-01T00:05:00.2Z", "stderr", "F", "line"))
    write(n, f"pods/shop_web-1_{uid}/app/1.log", current)
    write(n, f"pods/shop_web-1_{uid}/app/0.log", _cri(("2025-12-31T23:40:00Z", "stdout", "F", "first run")))
    write(n, f"containers/web-1_shop_app-{cid}.log", current)
    write(n, "pods/kube-system_etcd-kind-control-plane_9566ae975d467746cc50ef4e5d5d0862/etcd/0.log",
          _cri(("2025-12-31T23:31:00Z", "stderr", "F", "etcd up")))
    write(n, f"containers/lonely_shop_side-{'b' * 64}.log", _cri(("2026-01-01T00:00:00Z", "stdout", "F", "side")))
    return root


def test_kind_export_logs(tmp_path):
    with open_bundle(_kind_logs(tmp_path / "logs")) as b:
        assert b.format == "kind-logs"
        assert b.cluster_version == "v1.32.2"
        # the journal crossed into the new year after the node container was created
        assert b.collected_at == datetime(2026, 1, 1, 0, 10, tzinfo=UTC)
        assert b.counts() == {"Node": 1, "Pod": 3}
        assert all(is_partial(o) for o in b.objects_all)
        web = b.get("Pod", "shop", "web-1")
        assert web["metadata"]["uid"] == "c1ebac98-f89d-4559-9478-2025627dbb6e"
        assert web["spec"] == {"nodeName": "kind-control-plane", "containers": [{"name": "app"}]}
        assert "status" not in web and "status" in web["metadata"]["annotations"][PARTIAL_ANNOTATION].split(",")
        assert "uid" not in b.get("Pod", "kube-system", "etcd-kind-control-plane")["metadata"]  # a config hash
        assert b.log("shop", "web-1", "app").text() == "started\na long line\n"
        assert b.log("shop", "web-1", "app", previous=True).text() == "first run\n"
        assert b.log("shop", "lonely", "side").text() == "side\n"
        assert b.pods_on_node("kind-control-plane")
        assert {f for _, f in b.node_files} == {
            "commands/journal-kubelet.txt", "commands/journal-containerd.txt", "commands/journal.txt",
            "commands/docker-inspect.json", "commands/crictl-images.txt", "commands/serial.txt"}
        assert b.problems == []
        ignored = {e["reason"]: e["files"] for e in b.coverage["ignored_by_reason"]}
        assert ignored == {"same log as under pods/ (the kubelet's containers/ link)": 1}
        assert b.coverage["mapped"]["partial_objects"] == {"Node": 1, "Pod": 3}


def test_kind_export_logs_analyze_and_inspect(tmp_path):
    root = _kind_logs(tmp_path / "logs")
    r = CliRunner().invoke(app, ["analyze", str(root), "--format", "json", "--fail-on", "never"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["rule_errors"] == []
    # partial pods (no status, no images, no resources) give no finding about what is unknown
    assert doc["findings"] == []
    r = CliRunner().invoke(app, ["inspect", str(root)])
    assert "Format:          kind-logs" in r.stdout and "(partial: 1 Node, 3 Pod;" in r.stdout
    assert "ignored: same log as under pods/" in r.stdout


def test_cri_lines():
    data = (b"2026-01-01T00:00:00Z stdout P part one, \n2026-01-01T00:00:00Z stdout F part two\n"
            b"garbage line\n2026-01-01T00:00:01Z stderr F \n")
    assert cri_to_text(data) == b"part one, part two\ngarbage line\n\n"


# --------------------------------------------------------------------------- old cluster-info dump
def _internal_pod(name: str, restarts: int) -> dict:
    return {
        "name": name, "namespace": "default", "uid": f"uid-{name}", "creationTimestamp": "2019-03-08T08:48:30Z",
        "labels": {"app": "web"},
        "Spec": {"Volumes": None, "Containers": [{"Name": "app", "Image": "web:1", "Command": None,
                                                  "Ports": [{"Name": "", "HostPort": 0, "ContainerPort": 80}],
                                                  "LivenessProbe": {"HTTPGet": {"Path": "/", "Port": 80}}}],
                 "NodeName": "minikube", "SecurityContext": {"HostNetwork": True, "HostPID": False}},
        "Status": {"Phase": "Running", "HostIP": "10.0.0.1", "PodIP": "172.17.0.2",
                   "ContainerStatuses": [{"Name": "app", "RestartCount": restarts, "Ready": True,
                                          "State": {"Waiting": None, "Running": {"StartedAt": "2019-03-08T08:50:00Z"},
                                                    "Terminated": None},
                                          "LastTerminationState": {"Terminated": {"ExitCode": 137,
                                                                                  "Reason": "OOMKilled"}},
                                          "ContainerID": "docker://abc"}]},
    }


def _internal_dump(root: Path) -> Path:
    write(root, "nodes.json", {"selfLink": "/api/v1/nodes", "resourceVersion": "1", "Items": [{
        "name": "minikube", "uid": "n1", "labels": {"kubernetes.io/hostname": "minikube"},
        "Spec": {"PodCIDR": "", "Unschedulable": False},
        "Status": {"Capacity": {"cpu": "2", "memory": "2027436Ki"},
                   "Conditions": [{"Type": "Ready", "Status": "True", "LastHeartbeatTime": "2019-03-08T08:59:58Z"}],
                   "NodeInfo": {"KubeletVersion": "v1.13.3"}}}]})
    write(root, "default/pods.json", {"selfLink": "/api/v1/namespaces/default/pods", "Items": [
        _internal_pod("web-1", 3), _internal_pod("web-2", 0)]})
    write(root, "default/events.json", {"selfLink": "/api/v1/namespaces/default/events", "Items": [{
        "name": "web-1.1", "namespace": "default",
        "InvolvedObject": {"Kind": "Pod", "Namespace": "default", "Name": "web-1", "UID": "uid-web-1"},
        "Reason": "BackOff", "Message": "Back-off restarting failed container", "Source": {"Component": "kubelet"},
        "FirstTimestamp": "2019-03-08T08:50:00Z", "LastTimestamp": "2019-03-08T08:55:00Z", "Count": 4,
        "Type": "Warning", "EventTime": None}]})
    write(root, "default/services.json", {"selfLink": "/api/v1/namespaces/default/services", "Items": [{
        "name": "web", "namespace": "default",
        "Spec": {"Type": "ClusterIP", "Selector": {"App": "web"},
                 "Ports": [{"Port": 80, "TargetPort": {"Type": 0, "IntVal": 8080, "StrVal": ""}, "NodePort": 0}]}}]})
    write(root, "default/deployments.json", {"selfLink": "/apis/extensions/v1beta1/namespaces/default/deployments",
                                             "Items": []})
    write(root, "default/replication-controllers.json", {"selfLink": "/api/v1/rc", "Items": []})
    write(root, "default/web-1/logs.txt", "==== START logs for container app of pod default/web-1 ====\n"
                                          "listening on :80\n==== END logs for container app of pod default/web-1 ====\n")
    write(root, "default/web-2/logs.txt", "==== START logs for container app of pod default/web-2 ====\n"
                                          "Request log error: the server could not find the requested resource "
                                          "( pods/log web-2)\n==== END logs for container app of pod default/web-2 ====\n")
    return root


def test_cluster_info_dump_internal_serialisation(tmp_path):
    with open_bundle(_internal_dump(tmp_path / "dump")) as b:
        assert b.format == "cluster-info-dump"
        assert b.cluster_version == "v1.13.3"
        assert b.counts() == {"Event": 1, "Node": 1, "Pod": 2, "Service": 1}
        web = b.get("Pod", "default", "web-1")
        assert web["apiVersion"] == "v1" and web["metadata"]["uid"] == "uid-web-1"
        cs = web["status"]["containerStatuses"][0]
        assert cs["restartCount"] == 3 and cs["lastState"]["terminated"]["reason"] == "OOMKilled"
        assert cs["state"] == {"running": {"startedAt": "2019-03-08T08:50:00Z"}}
        assert web["spec"]["hostNetwork"] is True and "hostNetwork" not in web["spec"]["securityContext"]
        assert web["spec"]["containers"][0]["livenessProbe"]["httpGet"]["path"] == "/"
        assert "hostPort" not in web["spec"]["containers"][0]["ports"][0]
        assert web["status"]["podIP"] == "172.17.0.2"
        assert b.pods_on_node("minikube") == [web, b.get("Pod", "default", "web-2")]
        svc = b.get("Service", "default", "web")
        assert svc["spec"]["selector"] == {"App": "web"}  # label keys are data, never renamed
        assert svc["spec"]["ports"] == [{"port": 80, "targetPort": 8080}]
        assert b.get("Node", None, "minikube")["status"]["capacity"]["memory"] == "2027436Ki"
        ev = b.events_for(web)
        assert [e["reason"] for e in ev] == ["BackOff"] and ev[0]["count"] == 4
        assert b.log("default", "web-1", "app").text() == "listening on :80\n"
        assert b.log("default", "web-2", "app") is None
        assert [(p.path, p.error) for p in b.problems] == [(
            "default/web-2/logs.txt", "default/web-2 container app: log not collected: the server could not "
            "find the requested resource ( pods/log web-2)")]


def test_normalize_internal_keeps_data_maps_and_drops_nils():
    obj = normalize_internal({"name": "cm", "namespace": "x", "Data": {"Key.With.Caps": "v"}, "Immutable": None},
                             "ConfigMap", "v1")
    assert obj == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "x"},
                   "data": {"Key.With.Caps": "v"}}


def test_log_fetch_errors_are_told_from_log_lines():
    assert log_fetch_error(b'Error from server (BadRequest): container "app" in pod "web-1" is waiting to start: '
                           b"ContainerCreating\n") == 'container "app" in pod "web-1" is waiting to start: ContainerCreating'
    assert log_fetch_error(b'previous terminated container "app" in pod "web-1" not found') is not None
    assert log_fetch_error(b"Error: cannot connect to the database\n") is None  # an application's own line
    assert log_fetch_error(b"Request log error: x\nmore log lines\n") is None


def test_cluster_info_stdout_wrapped_in_stray_characters(tmp_path):
    nodes = {"kind": "NodeList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": [node("n1")]}
    pods = {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [pod("web-1", node="n1")]}
    events = {"kind": "EventList", "apiVersion": "v1", "metadata": {}, "items": None}
    text = "{\n" + "\n".join(json.dumps(d, indent=4) for d in (nodes, events, pods)) + (
        "\n==== START logs for container app of pod default/web-1 ====\nok\n"
        "==== END logs for container app of pod default/web-1 ====\n}\n")
    with open_bundle(write(tmp_path, "cluster-info.md", text)) as b:
        assert b.format == "cluster-info-dump"
        assert b.counts() == {"Node": 1, "Pod": 1}
        assert b.log("default", "web-1", "app").text() == "ok\n"
        assert b.problems == []


# --------------------------------------------------------------------------- generic fallback
def test_generic_fallback_reads_what_it_can_and_says_what_it_cannot(tmp_path):
    root = tmp_path / "ticket"
    web = pod("web-1", "shop")
    write(root, "Pods.json", [_bare(web)])  # bare array, kind from the file name
    write(root, "cluster/core_v1_nodes.json", {"items": [_bare(node("node-1"))]})
    write(root, "events/shop.json", [_bare(core_event("web-1.1", "shop", web))])  # kind from the folder
    write(root, "misc/odd.json", {"metadata": {"name": "db-0", "namespace": "shop"},
                                  "spec": {"containers": [{"name": "db"}]}})  # kind from the shape
    write(root, "deploy.json", {"kind": "List", "items": None})  # Go's empty list
    write(root, "podlogs/shop/web-1/logs/app.txt", "hello\n")
    write(root, "podlogs/shop/db-0/logs/db.txt", 'Error from server (BadRequest): container "db" in pod "db-0" '
                                                 "is waiting to start: ContainerCreating\n")
    write(root, "host/kubelet.log", "".join(f"Mar  1 11:5{i}:00 node-1 kubelet[785]: E0301 line {i}\n" for i in range(5)))
    write(root, "host/node-2-journal.json", b"\n".join([  # JSON lines, despite the name
        _journal_entry("kubelet.service", "PLEG is not healthy", T0).replace(b'"node-1"', b'"node-2"'),
        _journal_entry("crio.service", "started", T0).replace(b'"node-1"', b'"node-2"')]) + b"\n")
    write(root, "notes.md", "customer says it broke on Monday\n")
    write(root, "settings.json", {"retries": 3})
    write(root, "dump.bin", b"\x00\x01\x02\x03binary")
    write(root, "._Pods.json", APPLEDOUBLE)
    with open_bundle(root) as b:
        assert b.format == "generic"
        assert b.counts() == {"Event": 1, "Node": 1, "Pod": 2}
        assert b.get("Pod", "shop", "db-0")["kind"] == "Pod"
        assert len(b.events_for(b.get("Pod", "shop", "web-1"))) == 1
        assert b.log("shop", "web-1", "app").text() == "hello\n"
        assert b.log("shop", "db-0", "db") is None
        assert b.node_file("node-1", "commands/journal-kubelet.txt").path == "host/kubelet.log"
        assert "PLEG" in b.node_file("node-2", "commands/journal-kubelet.txt").text()
        assert b.node_file("node-2", "commands/journal-crio.txt") is not None
        assert "notes.md" in b.other_files
        problems = {p.path: p.error for p in b.problems}
        assert problems == {
            "podlogs/shop/db-0/logs/db.txt": 'shop/db-0 container db: log not collected: container "db" in pod '
                                             '"db-0" is waiting to start: ContainerCreating',
            "settings.json": "no Kubernetes objects (apiVersion and kind) found; file ignored",
        }
        cov = b.coverage
        assert cov["files"] == cov["understood"] + cov["not_understood"] + cov["ignored"] == 13
        assert cov["not_understood"] == 2
        assert {e["reason"]: e["files"] for e in cov["ignored_by_reason"]} == {
            "not text, JSON or YAML": 1, "macOS AppleDouble metadata (._ twin of another file)": 1}
