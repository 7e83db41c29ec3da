"""Rancher log collector, support-bundle-kit and troubleshoot host bundles: synthetic
fixtures written from the tools' layouts (format_samples.py) read into the model."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import orjson
import pytest
import yaml
from typer.testing import CliRunner

from analyzer.bundle.formats.rancher_logs import ALL_CONTAINERS, COLUMNS_ANNOTATION, parse_date_output
from analyzer.bundle.partial import PARTIAL_ANNOTATION, partial_parts
from analyzer.bundle.reader import open_bundle
from analyzer.bundle.text_table import parse_table
from analyzer.bundle.values import parse_age
from analyzer.cli import app
from tests.bundle.format_samples import (
    ANALYSIS,
    RANCHER_EVENTS,
    RANCHER_NODES,
    RANCHER_PODS,
    host_bundle_files,
    kubectl_table,
    rancher_node_dir,
    sbk_files,
    sbk_node_zip,
    write_rancher_bundle,
    write_sbk_bundle,
    write_targz,
    write_tree,
    zip_bytes,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _analyze_json(path) -> dict:
    r = CliRunner().invoke(app, ["analyze", str(path), "--format", "json", "--fail-on", "never"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


# --------------------------------------------------------------------------- text tables
def test_parse_table_cuts_cells_at_header_columns_and_counts_broken_rows():
    header = ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    text = "Warning: something deprecated\n" + kubectl_table(header, [
        ["shop", "web-1", "0/1", "CrashLoopBackOff", "5 (9m30s ago)", "24h"],
        ["shop", "web-2", "1/1", "Running", "0", "2d"]])
    text += "shop web-3-has-a-name-far-too-long-for-its-column 1/1 Running 0 2d\n"
    t = parse_table(text)
    assert t is not None and t.columns == header
    assert t.rows[0]["RESTARTS"] == "5 (9m30s ago)" and t.rows[0]["STATUS"] == "CrashLoopBackOff"
    assert [r["NAME"] for r in t.rows] == ["web-1", "web-2"]
    assert t.broken == [5]
    assert parse_table("No resources found in shop namespace.\n") is None
    assert parse_table("error: the server doesn't have a resource type \"x\"\n") is None


def test_parse_age_and_date():
    assert parse_age("6d12h") == 6 * 86400 + 12 * 3600
    assert parse_age("2y31d") == (2 * 365 + 31) * 86400
    assert parse_age("<unknown>") is None and parse_age("12 days") is None
    assert parse_date_output("Sun Mar  1 12:00:00 UTC 2026\n") == NOW
    assert parse_date_output("Sun Mar  1 13:00:00 +0100 2026") == NOW
    assert parse_date_output("Sun Mar  1 13:00:00 CET 2026") is None  # zone not resolvable offline


# --------------------------------------------------------------------------- Rancher log collector
@pytest.fixture(scope="module")
def rancher(tmp_path_factory):
    with open_bundle(write_rancher_bundle(tmp_path_factory.mktemp("rancher"))) as b:
        yield b


def test_rancher_format_version_time(rancher):
    assert rancher.format == "rancher-logs"
    assert rancher.cluster_version == "v1.28.5+rke2r1"
    assert rancher.collected_at == NOW
    assert rancher.problems == []


def test_rancher_tables_become_partial_objects(rancher):
    assert len(rancher.objects("Pod")) == len(RANCHER_PODS)
    assert len(rancher.objects("Node")) == len(RANCHER_NODES)
    assert len(rancher.objects("Event")) == len(RANCHER_EVENTS)
    crash = rancher.get("Pod", "kube-system", "rke2-ingress-nginx-controller-4hj2k")
    assert crash["spec"] == {"nodeName": "node-b"} and crash["status"] == {"podIP": "10.42.1.9"}
    assert "status.phase" in partial_parts(crash) and "spec.containers" in partial_parts(crash)
    assert crash["metadata"]["creationTimestamp"] == "2026-01-30T12:00:00Z"  # 30d before collection
    columns = orjson.loads(crash["metadata"]["annotations"][COLUMNS_ANNOTATION])
    assert columns["RESTARTS"] == "42 (3m12s ago)" and columns["READY"] == "0/1"
    pending = rancher.get("Pod", "cattle-fleet-system", "fleet-agent-0")
    assert pending["status"] == {"phase": "Pending"} and "nodeName" not in pending["spec"]
    node_b = rancher.get("Node", None, "node-b")
    assert node_b["spec"] == {"unschedulable": True}
    assert node_b["status"]["conditions"] == [{"type": "Ready", "status": "False"}]
    assert node_b["status"]["nodeInfo"]["kubeletVersion"] == "v1.28.5+rke2r1"
    assert node_b["status"]["addresses"] == [{"type": "InternalIP", "address": "192.168.0.11"}]
    assert PARTIAL_ANNOTATION in node_b["metadata"]["annotations"]
    backoff = next(e for e in rancher.objects("Event") if e["reason"] == "BackOff")
    assert backoff["involvedObject"] == {"kind": "Pod", "name": "rke2-ingress-nginx-controller-4hj2k",
                                         "namespace": "kube-system",
                                         "fieldPath": "spec.containers{rke2-ingress-nginx-controller}"}
    assert backoff["count"] == 812 and backoff["source"] == {"component": "kubelet", "host": "node-b"}
    assert rancher.events_for(crash) == [backoff]
    # kubectl get <crd> -o yaml -A output: real objects, not partial
    cluster = rancher.get("Cluster", "fleet-local", "local")
    assert cluster is not None and partial_parts(cluster) is None


def test_rancher_pod_logs_split_by_namespace(rancher):
    keys = set(rancher.logs)
    assert ("kube-system", "coredns-6799fbcd5-x7k2p", ALL_CONTAINERS, False) in keys
    # the previous log that only holds kubectl's "not found" error is not a log
    assert ("kube-system", "coredns-6799fbcd5-x7k2p", ALL_CONTAINERS, True) not in keys
    prev = rancher.log("kube-system", "rke2-ingress-nginx-controller-4hj2k", ALL_CONTAINERS, True)
    assert "port 80 is already in use" in prev.text()
    assert rancher.log("cattle-system", "rancher-5d7f8c9b4-abcde", ALL_CONTAINERS) is not None
    assert len(keys) == 3


def test_rancher_host_files_under_native_names(rancher):
    nf = {rel: tf for (node, rel), tf in rancher.node_files.items() if node == "node-a"}
    assert {n for n, _ in rancher.node_files} == {"node-a"}
    assert "95% /" in nf["commands/df.txt"].text()
    assert "NIC Link is Down" in nf["commands/dmesg.txt"].text()
    assert "Tunnel server" in nf["commands/journal-rke2-server.txt"].text()
    assert "Unable to register node" in nf["commands/journal-kubelet.txt"].text()  # rke2 agent-logs/kubelet.log
    assert nf["commands/journal-kubelet.txt"].path.endswith("rke2/agent-logs/kubelet.log")
    assert "Kubelet version" in nf["files/var/lib/rancher/rke2/agent/logs/kubelet-2026-02-28T00-00-00.000.log"].text()
    assert "logrotate" in nf["files/var/log/messages-20260222"].text()  # gzip'd, read on demand
    expiry = nf["commands/cert-expiry.txt"].lines()
    assert any(line.endswith("serving-kube-apiserver.crt notAfter=Mar 10 12:00:00 2026 GMT") for line in expiry)
    assert "collector/etcd/endpointstatus" in nf and "collector/rke2/crictl/psa" in nf


def test_rancher_several_node_directories(tmp_path):
    a = {"node-a-2026-03-01_12_00_00/" + k: v for k, v in rancher_node_dir("node-a").items()}
    b = {"node-b-2026-03-01_12_01_00/" + k: v for k, v in rancher_node_dir("node-b").items()
         if not k.startswith("rke2/kubectl/")}
    b["node-b-2026-03-01_12_01_00/systeminfo/date"] = b"Sun Mar  1 12:01:00 UTC 2026\n"
    root = write_tree(tmp_path / "tickets", {**a, **b})
    with open_bundle(root) as bundle:
        assert bundle.format == "rancher-logs"
        assert len(bundle.objects("Pod")) == len(RANCHER_PODS)  # one table, read once
        assert {n for n, _ in bundle.node_files} == {"node-a", "node-b"}
        assert bundle.collected_at == datetime(2026, 3, 1, 12, 1, tzinfo=UTC)
        assert bundle.node_file("node-b", "commands/df.txt") is not None


def test_rancher_analyze_runs_without_rule_errors(tmp_path):
    doc = _analyze_json(write_rancher_bundle(tmp_path))
    assert doc["rule_errors"] == []
    ids = {f["rule_id"] for f in doc["findings"]}
    assert {"NODE-DISK-FULL", "NODE-NOT-READY", "CERT-EXPIRY"} <= ids
    # a Pending pod read from a table has no conditions: not taken for "never scheduled"
    assert "POD-NO-SCHEDULER" not in ids


# --------------------------------------------------------------------------- support-bundle-kit
@pytest.fixture(scope="module")
def sbk(tmp_path_factory):
    with open_bundle(write_sbk_bundle(tmp_path_factory.mktemp("sbk"))) as b:
        yield b


def test_sbk_objects_logs_metadata(sbk):
    assert sbk.format == "support-bundle-kit"
    assert sbk.cluster_version == "v1.27.10+rke2r1"
    assert sbk.collected_at == NOW
    expected = sum(len(yaml.safe_load(data)["items"]) for rel, data in sbk_files().items() if "/yamls/" in rel)
    assert len(sbk.objects_all) == expected
    pod = sbk.get("Pod", "harvester-system", "virt-api-7c9b-x1")
    assert "reason" not in pod["status"] and pod["metadata"]["annotations"] == {}  # "null" strings dropped
    assert sbk.get("Volume", "longhorn-system", "pvc-1")["apiVersion"] == "longhorn.io/v1beta2"
    assert "serving" in sbk.log("harvester-system", "virt-api-7c9b-x1", "virt-api").text()
    assert [p.error for p in sbk.problems] == [
        "collection error: Failed to get /apis/metrics.k8s.io/v1beta1/nodes: the server is currently unable to "
        "handle the request"]


def test_sbk_node_archive_files(sbk):
    nf = {rel: tf for (node, rel), tf in sbk.node_files.items() if node == "harvester-1"}
    assert "cni plugin not initialized" in nf["commands/journal-kubelet.txt"].text()
    assert "FAILED Result" in nf["commands/dmesg.txt"].text()  # dmesg.log first, journalctl -k kept apart
    assert "EXT4-fs error" in nf["collector/logs/kernel.log"].text()
    assert "Running kubelet" in nf["commands/journal-rke2-server.txt"].text()
    assert nf["files/etc/hostname"].text().strip() == "harvester-1"
    assert nf["commands/dmesg.txt"].path.endswith("nodes/harvester-1.zip!harvester-1/logs/dmesg.log")


def test_sbk_old_layout_typed_lists(tmp_path):
    top = "harvester-supportbundle_3f2b_2026-03-01T12-00-00Z/"
    files = {top + "metadata.yaml": b"projectName: Harvester\nkubernetesVersion: v1.21.7+rke2r2\n",
             top + "yamls/namespaced/default/kubernetes/pods.yaml": yaml.safe_dump({
                 "apiVersion": "v1", "kind": "PodList", "items": [
                     {"metadata": {"name": "a", "namespace": "default"}, "spec": {"containers": []}}]}).encode(),
             top + "yamls/cluster/kubernetes/nodes.yaml": yaml.safe_dump({
                 "apiVersion": "v1", "kind": "NodeList", "items": [{"metadata": {"name": "h1"}}]}).encode(),
             top + "nodes/h1.zip": sbk_node_zip("h1")}
    with open_bundle(write_sbk_bundle(tmp_path, files)) as b:
        assert b.format == "support-bundle-kit" and b.cluster_version == "v1.21.7+rke2r2"
        assert b.counts() == {"Node": 1, "Pod": 1}
        assert b.node_file("h1", "commands/journal-kubelet.txt") is not None


def test_sbk_analyze_runs_without_rule_errors(tmp_path):
    assert _analyze_json(write_sbk_bundle(tmp_path))["rule_errors"] == []


# --------------------------------------------------------------------------- troubleshoot host
def test_host_only_bundle(tmp_path):
    with open_bundle(write_targz(tmp_path / "host.tar.gz", host_bundle_files())) as b:
        assert b.format == "troubleshoot-host"
        assert b.collected_at == NOW  # from the root folder's name
        assert b.node_names() == ["node-a"] and partial_parts(b.get("Node", None, "node-a")) is not None
        nf = {rel for node, rel in b.node_files if node == "node-a"}
        assert {"commands/dmesg.txt", "commands/df.txt", "commands/journal-kubelet.txt"} <= nf
        assert {"host-collectors/diskUsage/ephemeral.json", "host-collectors/system/memory.json",
                "host-collectors/certificate/kubelet.json", "host-collectors/system/systemctl_services.json",
                "host-collectors/system/packages-packages.json", "host-collectors/system/cpu.json"} <= nf
        assert "EXT4-fs error" in b.node_file("node-a", "commands/dmesg.txt").text()
        assert [(v["title"], v["severity"]) for v in b.tool_verdicts] == [
            (a["insight"]["primary"], {"debug": "pass", "warn": "warning"}[a["severity"]]) for a in ANALYSIS]


def test_host_verdicts_are_shown_apart_never_as_findings(tmp_path):
    path = write_targz(tmp_path / "host.tar.gz", host_bundle_files())
    doc = _analyze_json(path)
    assert doc["rule_errors"] == []
    assert not any("Ephemeral Disk Usage" in json.dumps(f) for f in doc["findings"])
    assert [v["title"] for v in doc["bundle"]["tool_verdicts"]] == ["Memory", "Ephemeral Disk Usage"]
    assert "NODE-DISK-FULL" in {f["rule_id"] for f in doc["findings"]}  # from run-host df
    r = CliRunner().invoke(app, ["inspect", str(path)])
    assert "The bundle's own verdicts (troubleshoot analysis, 2; not kbundle findings):" in r.stdout
    text = CliRunner().invoke(app, ["analyze", str(path), "--fail-on", "never"]).stdout
    assert "not kbundle findings" in text and "[warning] Ephemeral Disk Usage" in text


def test_troubleshoot_bundle_with_remote_host_collectors_and_run_pod(tmp_path):
    top = "support-bundle-2026-03-01T12_00_00/"
    node = {"metadata": {"name": "worker-1"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    run_pod = {"metadata": {"name": "net-check", "namespace": "default"},
               "spec": {"containers": [{"name": "run", "image": "busybox"}]}, "status": {"phase": "Succeeded"}}
    files = {
        top + "cluster-resources/nodes.json": json.dumps([node]).encode(),  # old layout: bare array
        top + "cluster-resources/pods/default.json": json.dumps([]).encode(),
        top + "host-collectors/system/node_list.json": b'{"nodes": ["worker-1"]}',
        top + "host-collectors/system/worker-1/memory.json": b'{"total": 8000000000}',
        top + "host-collectors/run-host/worker-1/dmesg.txt": b"[1.0] Out of memory: Killed process 1\n",
        top + "host-collectors/run-host/worker-1/dmesg-info.json": b'{"command": "dmesg -T", "exitCode": "0"}',
        top + "net-check/net-check.json": json.dumps(run_pod).encode(),  # runPod output: a Pod without kind
        top + "net-check/net-check.log": b"PING ok\n",
    }
    with open_bundle(write_targz(tmp_path / "sb.tar.gz", files)) as b:
        assert b.format == "troubleshoot"
        assert b.node_file("worker-1", "host-collectors/system/memory.json") is not None
        assert "Out of memory" in b.node_file("worker-1", "commands/dmesg.txt").text()
        assert b.get("Pod", "default", "net-check")["kind"] == "Pod"
        assert b.log("default", "net-check", "run").text() == "PING ok\n"
        assert b.tool_verdicts == [] and b.node_names() == ["worker-1"]


def test_nested_archive_inside_node_archive_is_not_opened(tmp_path):
    files = sbk_files()
    top = next(iter(files)).split("/", 1)[0]
    inner = zip_bytes({"h/logs/x.log": b"x\n"})
    files[f"{top}/nodes/harvester-1.zip"] = zip_bytes({"harvester-1/logs/kubelet.log": b"ok\n",
                                                       "harvester-1/logs/scc_supportconfig_h.zip": inner})
    with open_bundle(write_sbk_bundle(tmp_path, files)) as b:
        assert b.node_file("harvester-1", "commands/journal-kubelet.txt").text() == "ok\n"
        assert any("archive inside a node archive" in p.error for p in b.problems)


def test_verdicts_in_markdown_and_html_reports_are_escaped(tmp_path):
    files = host_bundle_files()
    analysis = next(k for k in files if k.endswith("analysis.json"))
    files[analysis] = json.dumps([{"name": "x", "severity": "error", "insight": {
        "primary": "Kernel <b>check</b>", "detail": "<img src=x onerror=alert(1)> too old", "severity": "error"}}]).encode()
    path = write_targz(tmp_path / "host.tar.gz", files)
    out = tmp_path / "r.html"
    r = CliRunner().invoke(app, ["analyze", str(path), "--format", "html", "-o", str(out), "--fail-on", "never"])
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert "The bundle's own verdicts" in html and "not kbundle findings" in html
    assert "&lt;img src=x onerror=alert(1)&gt; too old" in html and "<img src=x" not in html
    md = CliRunner().invoke(app, ["analyze", str(path), "--format", "markdown", "--fail-on", "never"]).stdout
    assert "## The bundle's own verdicts (1)" in md and "\\<img src=x" in md  # markdown-escaped


def test_old_event_table_columns_are_reported_not_guessed(tmp_path):
    old = kubectl_table(["NAMESPACE", "LAST SEEN", "FIRST SEEN", "COUNT", "NAME", "KIND", "SUBOBJECT", "TYPE",
                         "REASON", "SOURCE", "MESSAGE"],
                        [["shop", "1m", "5m", "3", "web-1.17", "Pod", "", "Warning", "BackOff", "kubelet, n1",
                          "Back-off restarting failed container"]])
    files = rancher_node_dir()
    files["rke2/kubectl/events"] = old.encode()
    with open_bundle(write_tree(tmp_path / "n", files)) as b:
        assert b.objects("Event") == []
        assert any(p.path.endswith("rke2/kubectl/events") and "1 row(s) not read as Event objects" in p.error
                   for p in b.problems)


def test_host_collectors_of_a_machine_that_is_no_node_do_not_make_a_node(tmp_path):
    files = {k.replace("host-support-bundle-2026-03-01T12_00_00/", "support-bundle/"): v
             for k, v in host_bundle_files().items()}
    files["support-bundle/cluster-resources/nodes.json"] = json.dumps(
        {"kind": "NodeList", "apiVersion": "v1", "items": [{"metadata": {"name": "cp-1"}}]}).encode()
    with open_bundle(write_targz(tmp_path / "sb.tar.gz", files)) as b:
        assert b.format == "troubleshoot" and b.node_names() == ["cp-1"]
        assert b.node_file("node-a", "commands/dmesg.txt") is not None  # kept, under the host's name


def test_rke1_docker_container_logs(tmp_path):
    files = {k.replace("rke2/", "rke/"): v for k, v in rancher_node_dir().items()
             if "/podlogs/" not in k and "/agent-logs/" not in k}  # RKE1 has neither
    files["rke/podlogs/k8s_coredns_coredns-6799fbcd5-x7k2p_kube-system_0b1c2d3e-aaaa_2"] = b"current\n"
    files["rke/podlogs/k8s_coredns_coredns-6799fbcd5-x7k2p_kube-system_0b1c2d3e-aaaa_1"] = b"before restart\n"
    files["rke/podlogs/k8s_POD_coredns-6799fbcd5-x7k2p_kube-system_0b1c2d3e-aaaa_0"] = b""
    files["rke/containerlogs/kubelet"] = b"E0301 11:58:00 kubelet.go:2855] Container runtime network not ready\n"
    with open_bundle(write_tree(tmp_path / "n", files)) as b:
        assert b.format == "rancher-logs"
        assert b.log("kube-system", "coredns-6799fbcd5-x7k2p", "coredns").text() == "current\n"
        assert b.log("kube-system", "coredns-6799fbcd5-x7k2p", "coredns", True).text() == "before restart\n"
        assert "network not ready" in b.node_file("node-a", "commands/journal-kubelet.txt").text()
