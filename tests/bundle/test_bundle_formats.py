"""Other tools' bundles, written here in their real layouts, map into the same model."""

from __future__ import annotations

import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from analyzer.bundle.reader import BundleError, open_bundle
from tests.bundle.conftest import core_event, member, new_event, node, pod, tar_dir, write, write_tar


def _strip(obj: dict) -> dict:
    """The object as typed Go clients marshal list items: without kind/apiVersion."""
    return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}


# --------------------------------------------------------------------------- troubleshoot
def _troubleshoot(root: Path) -> Path:
    web = pod("web-1", "shop")
    cr = "cluster-resources"
    # newer versions: typed Lists with kind on items
    write(root, f"{cr}/pods/shop.json", {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [web]})
    write(root, f"{cr}/pods/empty.json", {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": None})
    # older versions: raw arrays of items without kind
    write(root, f"{cr}/events/shop.json", [_strip(core_event("web-1.1", "shop", web))])
    write(root, f"{cr}/nodes.json", [_strip(node("node-1"))])
    write(root, f"{cr}/deployments/shop.json",
          [{"metadata": {"name": "web", "namespace": "shop", "uid": "d1"}, "spec": {}}])
    write(root, f"{cr}/resource-quota/shop.json", [{"metadata": {"name": "q", "namespace": "shop"}}])
    write(root, f"{cr}/resource-quotas/other.json", [{"metadata": {"name": "q2", "namespace": "other"}}])
    write(root, f"{cr}/clusterRoleBindings.json", [{"metadata": {"name": "admin-binding"}}])
    write(root, f"{cr}/pvcs/shop.json", [{"metadata": {"name": "data", "namespace": "shop"}}])
    write(root, f"{cr}/storage-classes.json", [{"metadata": {"name": "standard"}}])
    write(root, f"{cr}/custom-resource-definitions.json", [{
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "names": {"plural": "widgets", "kind": "Widget"},
                 "versions": [{"name": "v1", "storage": True}]}}])
    write(root, f"{cr}/custom-resources/widgets.example.com/shop.yaml",
          yaml.safe_dump([{"metadata": {"name": "w1", "namespace": "shop"}, "spec": {"size": 3}}]))
    write(root, f"{cr}/custom-resources/helmcharts.helm.cattle.io/kube-system.json",
          [{"apiVersion": "helm.cattle.io/v1", "kind": "HelmChart", "metadata": {"name": "traefik",
                                                                                  "namespace": "kube-system"}}])
    # not objects
    write(root, f"{cr}/groups.json", [{"name": "", "versions": [{"groupVersion": "v1"}]}])
    write(root, f"{cr}/resources.json", [{"groupVersion": "v1", "resources": [{"name": "pods"}]}])
    write(root, f"{cr}/auth-cani-list/shop.json", [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}])
    write(root, f"{cr}/image-pull-secrets/shop/regcred.json", {"registry.example.com": "user"})
    # what the collector could not get
    write(root, f"{cr}/pods-errors.json", {"forbidden-ns": 'pods is forbidden: User "x" cannot list resource'})
    write(root, f"{cr}/storage-errors.json", ["the server could not find the requested resource"])
    write(root, f"{cr}/services-errors.json", b"null")
    # logs
    write(root, f"{cr}/pods/logs/shop/web-1/app.log", "started\n")
    write(root, f"{cr}/pods/logs/shop/web-1/app-previous.log", "panic: runtime error\n")
    write(root, "cluster-info/cluster_version.json",
          {"info": {"major": "1", "minor": "27", "gitVersion": "v1.27.3"}, "string": "v1.27.3"})
    write(root, "version.yaml", "apiVersion: troubleshoot.sh/v1beta2\nkind: SupportBundle\n")
    return root


def test_troubleshoot_directory(tmp_path):
    b = open_bundle(_troubleshoot(tmp_path / "support-bundle-2026-03-01T12_00_00"))
    assert b.format == "troubleshoot"
    assert b.cluster_version == "v1.27.3"
    assert b.counts() == {
        "ClusterRoleBinding": 1, "CustomResourceDefinition": 1, "Deployment": 1, "Event": 1, "HelmChart": 1,
        "Node": 1, "PersistentVolumeClaim": 1, "Pod": 1, "ResourceQuota": 2, "StorageClass": 1, "Widget": 1,
    }
    web = b.get("Pod", "shop", "web-1")
    assert [e["reason"] for e in b.events_for(web)] == ["BackOff"]
    assert b.get("Event", "shop", "web-1.1")["apiVersion"] == "v1"
    assert b.get("Deployment", "shop", "web")["apiVersion"] == "apps/v1"
    assert b.get("Widget", "shop", "w1")["apiVersion"] == "example.com/v1"
    assert b.log("shop", "web-1", "app").text() == "started\n"
    prev = b.log("shop", "web-1", "app", previous=True)
    assert prev.text() == "panic: runtime error\n"
    assert prev.vpath == "logs/shop/web-1/app.previous.log"
    assert prev.path == "cluster-resources/pods/logs/shop/web-1/app-previous.log"
    errors = [(p.path, p.error) for p in b.problems]
    assert ("cluster-resources/pods-errors.json",
            'collection error (forbidden-ns): pods is forbidden: User "x" cannot list resource') in errors
    assert any(p == "cluster-resources/storage-errors.json" for p, _ in errors)
    assert len(errors) == 2, errors
    # newest content time: the event's lastTimestamp
    assert b.collected_at == datetime(2026, 3, 1, 11, 59, 30, tzinfo=UTC)


def test_troubleshoot_archive_with_all_logs_symlinks(tmp_path):
    root = _troubleshoot(tmp_path / "sb")
    archive = tmp_path / "support-bundle.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(root, arcname="supportbundle")
        for info, _data in [
            member("supportbundle/all-logs/web-1/app.log", type=tarfile.SYMTYPE,
                   linkname="../../cluster-resources/pods/logs/shop/web-1/app.log"),
            member("supportbundle/all-logs/web-1/evil.log", type=tarfile.SYMTYPE, linkname="/etc/passwd"),
        ]:
            tf.addfile(info, None)
    with open_bundle(archive) as b:
        assert b.format == "troubleshoot"
        assert {k: v for k, v in b.counts().items() if k == "Pod"} == {"Pod": 1}
        assert sorted(b.logs) == [("shop", "web-1", "app", False), ("shop", "web-1", "app", True)]
        assert any(p.path.endswith("evil.log") and "leaves the bundle" in p.error for p in b.problems)


def test_troubleshoot_custom_resource_without_crd_is_a_problem(tmp_path):
    root = _troubleshoot(tmp_path / "sb")
    write(root, "cluster-resources/custom-resources/gadgets.other.io/shop.json", [{"metadata": {"name": "g"}}])
    b = open_bundle(root)
    assert any("no matching CRD" in p.error for p in b.problems)


# --------------------------------------------------------------------------- must-gather
def _yaml_list(kind: str, items: list[dict]) -> str:
    return "---\n" + yaml.safe_dump({"apiVersion": "v1", "items": items, "kind": f"{kind}List",
                                     "metadata": {"resourceVersion": "1"}})


def _must_gather(root: Path) -> Path:
    img = root / "quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-abc"
    web = pod("web-1", "shop")
    write(img, "namespaces/shop/shop.yaml", yaml.safe_dump({"apiVersion": "v1", "kind": "Namespace",
                                                             "metadata": {"name": "shop"}}))
    write(img, "namespaces/shop/core/pods.yaml", _yaml_list("Pod", [web]))
    write(img, "namespaces/shop/core/events.yaml",
          _yaml_list("Event", [core_event("web-1.1", "shop", web), new_event("web-1.2", "shop", web)]))
    write(img, "namespaces/shop/apps/deployments.yaml", _yaml_list("Deployment", [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}}]))
    write(img, "namespaces/shop/route.openshift.io/routes/web.yaml", yaml.safe_dump(
        {"apiVersion": "route.openshift.io/v1", "kind": "Route", "metadata": {"name": "web", "namespace": "shop"}}))
    write(img, "namespaces/shop/pods/web-1/web-1.yaml", yaml.safe_dump(web))
    logs = "namespaces/shop/pods/web-1/app/app/logs"
    write(img, f"{logs}/current.log", "2026-03-01T11:00:00Z started\n")
    write(img, f"{logs}/previous.log", "2026-03-01T10:00:00Z OOM\n")
    write(img, f"{logs}/current.insecure.log", "duplicate\n")
    write(img, f"{logs}/previous.insecure.log", "duplicate\n")
    write(img, "namespaces/shop/pods/web-1/sidecar/sidecar/logs/current.log", "")
    write(img, "namespaces/shop/pods/web-1/sidecar/sidecar/logs/previous.log", "")
    write(img, "cluster-scoped-resources/core/nodes/node-1.yaml", yaml.safe_dump(node("node-1", "v1.28.6+abc")))
    write(img, "cluster-scoped-resources/config.openshift.io/clusterversions/version.yaml", yaml.safe_dump({
        "apiVersion": "config.openshift.io/v1", "kind": "ClusterVersion", "metadata": {"name": "version"},
        "status": {"desired": {"version": "4.15.3"}}}))
    write(img, "cluster-scoped-resources/storage.k8s.io/storageclasses.yaml", _yaml_list("StorageClass", [
        {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "gp3"}}]))
    write(img, "host_service_logs/masters/kubelet_service.log", "Mar 01 kubelet[1]: E0301 failed\n")
    write(img, "etcd_info/member_list.json", {"members": []})
    write(img, "timestamp", "2026-03-01 13:00:00.1 +0100 CET m=+0.1\n2026-03-01 13:05:00.123456789 +0100 CET m=+300\n")
    write(img, "namespaces/shop/core/configmaps.yaml", "apiVersion: v1\nitems: [\n")
    return root


def test_must_gather_archive(tmp_path):
    root = _must_gather(tmp_path / "mg")
    with open_bundle(tar_dir(root, tmp_path / "must-gather.tar.xz", "must-gather.local.123", "w:xz")) as b:
        assert b.format == "must-gather"
        assert b.counts() == {"ClusterVersion": 1, "Deployment": 1, "Event": 2, "Namespace": 1, "Node": 1,
                              "Pod": 1, "Route": 1, "StorageClass": 1}
        assert b.cluster_version == "v1.28.6+abc"  # Kubernetes version (kubelet), not OpenShift 4.15
        assert b.collected_at == datetime(2026, 3, 1, 12, 5, 0, 123456, tzinfo=UTC)
        web = b.get("Pod", "shop", "web-1")
        assert sorted(e["reason"] for e in b.events_for(web)) == ["BackOff", "FailedScheduling"]
        assert sorted(b.logs) == [("shop", "web-1", "app", False), ("shop", "web-1", "app", True),
                                  ("shop", "web-1", "sidecar", False)]
        assert b.log("shop", "web-1", "app", True).text() == "2026-03-01T10:00:00Z OOM\n"
        assert b.log("shop", "web-1", "app").vpath == "logs/shop/web-1/app.log"
        hsl = b.other_files["host_service_logs/masters/kubelet_service.log"]
        assert "failed" in hsl.text()
        assert [p.path.rsplit("/", 1)[-1] for p in b.problems] == ["configmaps.yaml"]


def test_must_gather_openshift_version_when_no_node(tmp_path):
    root = _must_gather(tmp_path / "mg")
    next(root.rglob("node-1.yaml")).unlink()
    assert open_bundle(root).cluster_version == "4.15.3"


# --------------------------------------------------------------------------- cluster-info dump
DUMP_LISTS = [("EventList", "events"), ("ReplicationControllerList", "replication-controllers"),
              ("ServiceList", "services"), ("DaemonSetList", "daemonsets"), ("DeploymentList", "deployments"),
              ("ReplicaSetList", "replicasets"), ("PodList", "pods")]


def _dump_parts() -> tuple[dict, dict[str, dict[str, dict]], dict[tuple[str, str, str], str]]:
    web = pod("web-1", "shop")
    web["spec"]["containers"].append({"name": "sidecar", "image": "envoy"})
    api = pod("kube-apiserver-cp", "kube-system")
    api["spec"]["containers"] = [{"name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver:v1.29.4"}]
    nodes = {"kind": "NodeList", "apiVersion": "v1", "metadata": {}, "items": [_strip(node("cp", "v1.29.1"))]}
    per_ns: dict[str, dict[str, dict]] = {}
    for ns, pods in (("kube-system", [api]), ("shop", [web])):
        per_ns[ns] = {}
        for kind, fname in DUMP_LISTS:
            items = []
            if kind == "PodList":
                items = [_strip(p) for p in pods]
            elif kind == "EventList" and ns == "shop":
                items = [_strip(core_event("web-1.1", "shop", web))]
            per_ns[ns][fname] = {"kind": kind, "apiVersion": "v1", "metadata": {}, "items": items}
    logs = {("shop", "web-1", "app"): '{"level":"info","msg":"json log line"}\nplain line\n',
            ("shop", "web-1", "sidecar"): "envoy up\n",
            ("kube-system", "kube-apiserver-cp", "kube-apiserver"): "I0301 serving\n"}
    return nodes, per_ns, logs


def _section(ns: str, pod_name: str, container: str, text: str) -> str:
    return (f"==== START logs for container {container} of pod {ns}/{pod_name} ====\n{text}"
            f"==== END logs for container {container} of pod {ns}/{pod_name} ====\n")


def test_cluster_info_dump_directory(tmp_path):
    nodes, per_ns, logs = _dump_parts()
    root = tmp_path / "dump"
    write(root, "nodes.json", nodes)
    for ns, files in per_ns.items():
        for fname, doc in files.items():
            write(root, f"{ns}/{fname}.json", doc)
    by_pod: dict[tuple[str, str], str] = {}
    for (ns, p, c), text in logs.items():
        by_pod[(ns, p)] = by_pod.get((ns, p), "") + _section(ns, p, c, text)
    for (ns, p), text in by_pod.items():
        write(root, f"{ns}/{p}/logs.txt", text)
    b = open_bundle(root)
    assert b.format == "cluster-info-dump"
    assert b.counts() == {"Event": 1, "Node": 1, "Pod": 2}
    assert b.cluster_version == "v1.29.4"  # the kube-apiserver image, better than the kubelets
    assert b.log("shop", "web-1", "app").text() == logs[("shop", "web-1", "app")]
    assert b.log("shop", "web-1", "sidecar").text() == "envoy up\n"
    assert b.log("shop", "web-1", "app").path == "shop/web-1/logs.txt"
    assert [e["reason"] for e in b.events_for(b.get("Pod", "shop", "web-1"))] == ["BackOff"]
    assert b.problems == []


def _mangle(text: str, width: int = 70) -> str:
    """What a saved terminal page does to a dump: indentation lost, CRLF, long lines wrapped."""
    out = []
    for line in text.splitlines():
        line = line.lstrip()
        while len(line) > width:
            out.append(line[:width])
            line = line[width:]
        out.append(line)
    return "\r\n".join(out) + "\r\n"


def test_cluster_info_dump_stdout_saved_in_a_page(tmp_path):
    nodes, per_ns, logs = _dump_parts()
    parts = [json.dumps(nodes, indent=4)]
    for ns, files in per_ns.items():
        for _, fname in DUMP_LISTS:
            parts.append(json.dumps(files[fname], indent=4))
        for (lns, p, c), text in logs.items():
            if lns == ns:
                parts.append(_section(ns, p, c, text).rstrip("\n"))
    page = ("# Homework\n\nSome notes {not json}\n```\nPS C:\\> kubectl cluster-info dump\n"
            + _mangle("\n".join(parts)) + "```\n")
    f = write(tmp_path, "k8s_log.md", page)
    b = open_bundle(f)
    assert b.format == "cluster-info-dump"
    assert b.counts() == {"Event": 1, "Node": 1, "Pod": 2}
    assert b.get("Pod", "shop", "web-1")["spec"]["containers"][1]["image"] == "envoy"
    labels = b.get("Pod", "shop", "web-1")["metadata"]["labels"]
    assert labels == {"app": "web"}
    assert b.log("shop", "web-1", "app").lines() == ['{"level":"info","msg":"json log line"}', "plain line"]
    assert b.log("kube-system", "kube-apiserver-cp", "kube-apiserver") is not None
    assert b.problems == []


def test_cluster_info_dump_stdout_with_a_truncated_list(tmp_path):
    nodes, per_ns, logs = _dump_parts()
    pods = json.dumps(per_ns["shop"]["pods"], indent=2)
    text = json.dumps(nodes, indent=2) + "\n" + json.dumps(per_ns["shop"]["events"], indent=2) + "\n" + pods[:300]
    f = write(tmp_path, "dump.txt", text)
    b = open_bundle(f)
    assert b.counts() == {"Event": 1, "Node": 1}
    assert any("unreadable JSON value" in p.error for p in b.problems)


# --------------------------------------------------------------------------- kubectl output
def test_loose_kubectl_output_folder(tmp_path):
    root = tmp_path / "ticket-123"
    web = pod("web-1", "shop")
    write(root, "pods.json", {"apiVersion": "v1", "kind": "List", "metadata": {}, "items": [web, pod("db-0", "shop")]})
    write(root, "events.yaml", yaml.safe_dump_all([core_event("web-1.1", "shop", web),
                                                   new_event("web-1.2", "shop", web)]))
    write(root, "nodes/node-1.yml", "apiVersion: v1\nkind: Node\nmetadata:\n  name: node-1\n"
                                     "  creationTimestamp: 2026-03-01T00:00:00Z\n")
    write(root, "notes.yaml", "ticket: 123\nowner: me\n")
    write(root, "kubelet.log", "E0301 failed\n")
    write(root, "broken.json", '{"apiVersion": "v1", "kind": "List", "items": [')
    b = open_bundle(root)
    assert b.format == "kubectl-output"
    assert b.counts() == {"Event": 2, "Node": 1, "Pod": 2}
    assert len(b.events_for(b.get("Pod", "shop", "web-1"))) == 2
    assert b.get("Node", None, "node-1")["metadata"]["creationTimestamp"] == "2026-03-01T00:00:00Z"
    assert "kubelet.log" in b.other_files
    paths = sorted(p.path for p in b.problems)
    assert paths == ["broken.json", "notes.yaml"]


def test_single_kubectl_file_and_archive(tmp_path):
    f = write(tmp_path, "pods.yaml", yaml.safe_dump({"apiVersion": "v1", "kind": "List",
                                                      "items": [pod("web-1")]}))
    assert open_bundle(f).counts() == {"Pod": 1}
    archive = write_tar(tmp_path / "attach.tgz", [member("out/pods.yaml", f.read_bytes())])
    with open_bundle(archive) as b:
        assert b.format == "kubectl-output" and b.counts() == {"Pod": 1}


def test_billion_laughs_yaml_is_refused(tmp_path):
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    root = tmp_path / "k"
    write(root, "bomb.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n" + "\n".join(levels) + "\n")
    write(root, "ok.yaml", yaml.safe_dump(pod("web-1")))
    b = open_bundle(root)
    assert b.counts() == {"Pod": 1}
    assert any(p.path == "bomb.yaml" and "alias" in p.error for p in b.problems)


def test_yaml_anchors_used_reasonably_are_fine(tmp_path):
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop, labels: &l {app: web}}\n"
            "spec:\n  nodeName: n1\n  containers:\n  - name: app\n    env: &e [{name: A, value: '1'}]\n"
            "  - name: side\n    env: *e\n  selector: *l\n")
    f = write(tmp_path, "pod.yaml", text)
    b = open_bundle(f)
    assert b.get("Pod", "shop", "web-1")["spec"]["containers"][1]["env"] == [{"name": "A", "value": "1"}]


def test_files_that_are_nothing_known(tmp_path):
    root = tmp_path / "random"
    write(root, "readme.md", "# hello\n")
    write(root, "data.csv", "a,b\n1,2\n")
    with pytest.raises(BundleError, match="no known bundle format"):
        open_bundle(root)
