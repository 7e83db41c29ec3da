"""Small synthetic bundles in the layouts of the Rancher log collector
(``rancher2_logs_collector.sh``), Rancher support-bundle-kit and troubleshoot host
collectors, written from those tools' own source (see docs/bundle-format.md).  Shared by
tests/bundle, tests/robustness and tests/serve; never copies of real bundles."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import yaml

COLLECTED = "2026-03-01T12:00:00Z"


def kubectl_table(header: list[str], rows: list[list[str]]) -> str:
    """Text as kubectl prints it: a tab writer with minimum width 10 and padding 3
    (k8s.io/cli-runtime printers.GetNewTabWriter), the last column unpadded."""
    widths = [max(10, max(len(r[i]) for r in [header, *rows]) + 3) for i in range(len(header) - 1)]
    out = []
    for r in [header, *rows]:
        out.append("".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)) + r[-1])
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- Rancher log collector
RANCHER_PODS = [
    ["kube-system", "coredns-6799fbcd5-x7k2p", "1/1", "Running", "0", "30d", "10.42.0.5", "node-a", "<none>",
     "<none>"],
    ["kube-system", "rke2-ingress-nginx-controller-4hj2k", "0/1", "CrashLoopBackOff", "42 (3m12s ago)", "30d",
     "10.42.1.9", "node-b", "<none>", "<none>"],
    ["cattle-system", "rancher-5d7f8c9b4-abcde", "1/1", "Running", "2 (5d ago)", "30d", "10.42.0.8", "node-a",
     "<none>", "<none>"],
    ["cattle-fleet-system", "fleet-agent-0", "0/1", "Pending", "0", "12m", "<none>", "<none>", "<none>", "<none>"],
    ["shop", "web-7d9f-aaaa", "1/1", "Running", "0", "6d12h", "10.42.1.20", "node-b", "<none>", "<none>"],
]
POD_HEADER = ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE",
              "READINESS GATES"]
NODE_HEADER = ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE",
               "KERNEL-VERSION", "CONTAINER-RUNTIME"]
RANCHER_NODES = [
    ["node-a", "Ready", "control-plane,etcd,master", "120d", "v1.28.5+rke2r1", "192.168.0.10", "<none>",
     "SUSE Linux Enterprise Server 15 SP5", "5.14.21-150500.55.39-default", "containerd://1.7.11-k3s2"],
    ["node-b", "NotReady,SchedulingDisabled", "worker", "119d", "v1.28.5+rke2r1", "192.168.0.11", "<none>",
     "SUSE Linux Enterprise Server 15 SP5", "5.14.21-150500.55.39-default", "containerd://1.7.11-k3s2"],
]
EVENT_HEADER = ["NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE",
                "FIRST SEEN", "COUNT", "NAME"]
RANCHER_EVENTS = [
    ["kube-system", "3m12s", "Warning", "BackOff", "pod/rke2-ingress-nginx-controller-4hj2k",
     "spec.containers{rke2-ingress-nginx-controller}", "kubelet, node-b",
     "Back-off restarting failed container rke2-ingress-nginx-controller in pod "
     "rke2-ingress-nginx-controller-4hj2k_kube-system(0b1c)", "2d", "812",
     "rke2-ingress-nginx-controller-4hj2k.17c2a"],
    ["default", "20m", "Normal", "NodeNotReady", "node/node-b", "<none>", "node-controller",
     "Node node-b status is now: NodeNotReady", "20m", "1", "node-b.17c2b"],
]
CERT_TEXT = """Certificate:
    Data:
        Version: 3 (0x2)
        Validity
            Not Before: Mar 10 12:00:00 2025 GMT
            Not After : {not_after}
        Subject: CN = kube-apiserver
"""


def rancher_node_dir(host: str = "node-a", distro: str = "rke2", pods_text: str | None = None) -> dict[str, bytes]:
    """The files of one node directory as rancher2_logs_collector.sh writes them (RKE2 server)."""
    d = distro
    files: dict[str, bytes | str] = {
        "systeminfo/hostname": f"{host}\n",
        "systeminfo/hostnamefqdn": f"{host}.example.internal\n",
        "systeminfo/date": "Sun Mar  1 12:00:00 UTC 2026\n",
        "systeminfo/dmesg": "[Sun Mar  1 11:00:00 2026] e1000e 0000:00:1f.6 eth0: NIC Link is Down\n"
                            "[Sun Mar  1 11:00:05 2026] e1000e 0000:00:1f.6 eth0: NIC Link is Up 1000 Mbps Full Duplex\n",
        "systeminfo/dfh": "Filesystem      Size  Used Avail Use% Mounted on\n"
                          "/dev/sda3        40G   38G  2.0G  95% /\n"
                          "tmpfs           7.8G     0  7.8G   0% /dev/shm\n",
        "systeminfo/freem": "               total        used        free      shared  buff/cache   available\n"
                            "Mem:           15989        6123        1200          12        8665        9512\n",
        "systeminfo/uptime": " 12:00:00 up 30 days,  2:01,  1 user,  load average: 0.52, 0.48, 0.45\n",
        "systeminfo/systemd-units": "rke2-server.service loaded active running Rancher Kubernetes Engine v2 (server)\n",
        "networking/iptablessave": "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n",
        "networking/ipaddrshow": "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536\n",
        "journald/rke2-server": "Mar 01 11:59:00 node-a rke2[1234]: time=\"2026-03-01T11:59:00Z\" level=info "
                                "msg=\"Tunnel server egress proxy mode: agent\"\n",
        "journald/containerd": "-- No entries --\n",
        "etcd/endpointstatus": "+---------------------------+------------------+---------+\n",
        f"{d}/kubectl/pods": pods_text if pods_text is not None else kubectl_table(POD_HEADER, RANCHER_PODS),
        f"{d}/kubectl/nodes": kubectl_table(NODE_HEADER, RANCHER_NODES),
        f"{d}/kubectl/namespaces": kubectl_table(["NAME", "STATUS", "AGE"], [
            ["default", "Active", "120d"], ["kube-system", "Active", "120d"], ["cattle-system", "Active", "119d"],
            ["cattle-fleet-system", "Active", "119d"], ["shop", "Active", "6d12h"]]),
        f"{d}/kubectl/events": kubectl_table(EVENT_HEADER, RANCHER_EVENTS),
        f"{d}/kubectl/version": "Client Version: v1.28.5+rke2r1\nKustomize Version: v5.0.4-0.20230601165947\n"
                                "Server Version: v1.28.5+rke2r1\n",
        f"{d}/kubectl/services": "error: You must be logged in to the server (Unauthorized)\n",
        f"{d}/kubectl/nodesdescribe": "Name:               node-a\nRoles:              control-plane,etcd,master\n",
        f"{d}/kubectl/rancher-prov/clusters.provisioning.cattle.io": yaml.safe_dump({
            "apiVersion": "v1", "kind": "List", "items": [{
                "apiVersion": "provisioning.cattle.io/v1", "kind": "Cluster",
                "metadata": {"name": "local", "namespace": "fleet-local", "uid": "c-1"},
                "status": {"ready": True}}]}),
        f"{d}/podlogs/kube-system-coredns-6799fbcd5-x7k2p": "[INFO] plugin/reload: Running configuration SHA512\n",
        f"{d}/podlogs/kube-system-coredns-6799fbcd5-x7k2p-previous":
            'Error from server (BadRequest): previous terminated container "coredns" in pod '
            '"coredns-6799fbcd5-x7k2p" not found\n',
        f"{d}/podlogs/kube-system-rke2-ingress-nginx-controller-4hj2k-previous":
            "F0301 11:56:00.000000       7 main.go:64] port 80 is already in use. Please check the flag --http-port\n",
        f"{d}/podlogs/cattle-system-rancher-5d7f8c9b4-abcde": "2026/03/01 11:00:00 [INFO] Rancher startup complete\n",
        f"{d}/agent-logs/kubelet.log": "E0301 11:58:00.000000    1234 kubelet_node_status.go:96] "
                                       "\"Unable to register node with API server\" err=\"Post "
                                       "\\\"https://127.0.0.1:6443/api/v1/nodes\\\": dial tcp 127.0.0.1:6443: "
                                       "connect: connection refused\" node=\"node-a\"\n",
        f"{d}/agent-logs/kubelet-2026-02-28T00-00-00.000.log.gz":
            gzip.compress(b"I0228 00:00:00.000000    1234 server.go:462] \"Kubelet version\" kubeletVersion=\"v1.28.5\"\n"),
        f"{d}/containerd.log": "time=\"2026-03-01T11:00:00Z\" level=info msg=\"containerd successfully booted\"\n",
        f"{d}/certs/server/serving-kube-apiserver.crt": CERT_TEXT.format(not_after="Mar 10 12:00:00 2026 GMT"),
        f"{d}/certs/agent/client-kubelet.crt": CERT_TEXT.format(not_after="Mar  9 12:00:00 2027 GMT"),
        f"{d}/crictl/psa": "CONTAINER           IMAGE               CREATED             STATE\n",
        f"{d}/version": "rke2 version v1.28.5+rke2r1 (5b6aaa9eb6bc4b8d3b5c1d3a3fbd0ab4f6a0e9b6)\n",
        "systemlogs/messages": "Mar  1 11:50:00 node-a kernel: Out of memory: Killed process 4242 (java)\n",
        "systemlogs/messages-20260222.gz": gzip.compress(b"Feb 22 03:00:00 node-a systemd[1]: Started logrotate\n"),
    }
    return {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return root


def write_targz(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for rel, data in sorted(files.items()):
            info = tarfile.TarInfo(rel)
            info.size = len(data)
            info.mtime = 1772366400
            tf.addfile(info, io.BytesIO(data))
    return path


def write_rancher_bundle(tmp: Path) -> Path:
    """A collector archive of the newer layout (``<host>-<date>/`` inside)."""
    top = "node-a-2026-03-01_12_00_00/"
    return write_targz(tmp / "node-a-2026-03-01_12_00_00.tar.gz",
                       {top + k: v for k, v in rancher_node_dir().items()})


# --------------------------------------------------------------------------- support-bundle-kit
def _sbk_list(kind: str, api: str, items: list[dict]) -> bytes:
    # the manager's toObjCommon: "kind: List", apiVersion v1, every item typed; "" and null
    # values written as the string "null"
    return yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": api, "kind": kind, **it} for it in items]}).encode()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, data in sorted(files.items()):
            zf.writestr(rel, data)
    return buf.getvalue()


def sbk_node_zip(node: str) -> bytes:
    """A node bundle as support-bundle-collector.sh zips it: ``<node>/logs/...``, ``<node>/configs/...``."""
    return zip_bytes({
        f"{node}/logs/kernel.log": b"Mar 01 11:00:00 harvester-1 kernel: EXT4-fs error (device sda3): "
                                   b"ext4_find_entry:1455: inode #2: comm kubelet: reading directory lblock 0\n",
        f"{node}/logs/rke2-server.log": b"Mar 01 11:59:00 harvester-1 rke2[99]: level=info msg=\"Running kubelet\"\n",
        f"{node}/logs/kubelet.log": b"E0301 11:58:00.000000    99 kubelet.go:2855] \"Container runtime network "
                                    b"not ready\" networkReady=\"NetworkReady=false reason:NetworkPluginNotReady "
                                    b"message:Network plugin returns error: cni plugin not initialized\"\n",
        f"{node}/logs/containerd.log": b"time=\"2026-03-01T11:00:00Z\" level=info msg=\"containerd started\"\n",
        f"{node}/logs/dmesg.log": b"[Sun Mar  1 11:00:00 2026] sd 0:0:0:0: [sda] tag#3 FAILED Result\n",
        f"{node}/hostinfos/hostinfo": b"hostname :  harvester-1\n",
        f"{node}/configs/etc/hostname": node.encode() + b"\n",
    })


def sbk_files(top: str = "supportbundle_3f2b_2026-03-01T12-00-00Z/") -> dict[str, bytes]:
    pods = [
        {"metadata": {"name": "virt-api-7c9b-x1", "namespace": "harvester-system", "uid": "p1",
                      "creationTimestamp": "2026-02-01T00:00:00Z", "annotations": {"note": "null"}},
         "spec": {"nodeName": "harvester-1", "containers": [{"name": "virt-api", "image": "virt-api:1.0"}]},
         "status": {"phase": "Running", "reason": "null", "conditions": [
             {"type": "Ready", "status": "True", "lastTransitionTime": "2026-02-01T00:01:00Z"}],
             "containerStatuses": [{"name": "virt-api", "ready": True, "restartCount": 0,
                                    "state": {"running": {"startedAt": "2026-02-01T00:00:30Z"}}}]}},
    ]
    nodes = [{"metadata": {"name": "harvester-1", "uid": "n1"},
              "status": {"nodeInfo": {"kubeletVersion": "v1.27.10+rke2r1"},
                         "conditions": [{"type": "Ready", "status": "True",
                                         "lastHeartbeatTime": "2026-03-01T11:59:00Z"}]}}]
    files = {
        "metadata.yaml": yaml.safe_dump({"projectname": "Harvester", "projectversion": "v1.3.0",
                                         "kubernetesversion": "v1.27.10+rke2r1",
                                         "projectnamspaceuuid": "3f2b", "bundlecreatedat": COLLECTED,
                                         "issueurl": "", "issuedescription": "vm stuck"}).encode(),
        "bundleGenerationError.log": b"Failed to get /apis/metrics.k8s.io/v1beta1/nodes: the server is currently "
                                     b"unable to handle the request\n",
        "yamls/cluster/v1/nodes.yaml": _sbk_list("Node", "v1", nodes),
        "yamls/namespaced/harvester-system/v1/pods.yaml": _sbk_list("Pod", "v1", pods),
        "yamls/namespaced/harvester-system/v1/events.yaml": _sbk_list("Event", "v1", []),
        "yamls/namespaced/harvester-system/apps/v1/deployments.yaml": _sbk_list("Deployment", "apps/v1", [
            {"metadata": {"name": "virt-api", "namespace": "harvester-system", "uid": "d1"},
             "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "virt-api"}}},
             "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1}}]),
        "yamls/namespaced/longhorn-system/longhorn.io/v1beta2/volumes.yaml": _sbk_list(
            "Volume", "longhorn.io/v1beta2", [{"metadata": {"name": "pvc-1", "namespace": "longhorn-system"},
                                               "status": {"state": "attached", "robustness": "degraded"}}]),
        "logs/harvester-system/virt-api-7c9b-x1/virt-api.log": b"{\"level\":\"info\",\"msg\":\"serving\"}\n",
        "nodes/harvester-1.zip": sbk_node_zip("harvester-1"),
    }
    return {top + k: v for k, v in files.items()}


def write_sbk_bundle(tmp: Path, files: dict[str, bytes] | None = None) -> Path:
    path = tmp / "supportbundle_3f2b_2026-03-01T12-00-00Z.zip"
    path.write_bytes(zip_bytes(files if files is not None else sbk_files()))
    return path


# --------------------------------------------------------------------------- troubleshoot host
ANALYSIS = [
    {"name": "memory", "labels": {"iconKey": "host_memory"},
     "insight": {"name": "memory", "primary": "Memory", "detail": "The system has at least 8G of memory",
                 "severity": "debug"}, "severity": "debug", "analyzerSpec": ""},
    {"name": "diskUsage", "labels": {},
     "insight": {"name": "diskUsage", "primary": "Ephemeral Disk Usage",
                 "detail": "The disk containing directory /var/lib/kubelet is more than 80% full", "severity": "warn"},
     "severity": "warn", "analyzerSpec": ""},
]


def host_bundle_files(top: str = "host-support-bundle-2026-03-01T12_00_00/") -> dict[str, bytes]:
    """A host-only troubleshoot bundle (``kubectl support-bundle`` with hostCollectors)."""
    files = {
        "version.yaml": b"apiVersion: troubleshoot.sh/v1beta2\nkind: SupportBundle\nspec:\n  versionNumber: v0.107.0\n",
        "analysis.json": json.dumps(ANALYSIS, indent=2).encode(),
        "host-collectors/system/hostos_info.json": json.dumps({
            "name": "node-a", "kernelVersion": "5.15.0-91-generic", "platformVersion": "22.04",
            "platform": "ubuntu"}).encode(),
        "host-collectors/system/memory.json": b'{"total":16777216000}',
        "host-collectors/system/cpu.json": b'{"logicalCount":4,"physicalCount":2,"flags":["sse"],"machineArch":"x86_64"}',
        "host-collectors/diskUsage/ephemeral.json": b'{"total_bytes":42949672960,"used_bytes":38654705664}',
        "host-collectors/certificate/kubelet.json": b"key-pair-valid",
        "host-collectors/system/systemctl_services.json": json.dumps([
            {"Unit": "kubelet.service", "Load": "loaded", "Active": "failed", "Sub": "failed"},
            {"Unit": "containerd.service", "Load": "loaded", "Active": "active", "Sub": "running"}]).encode(),
        "host-collectors/system/packages-packages.json": json.dumps({"os": "ubuntu", "osVersion": "22.04", "packages": [
            {"name": "iptables", "details": "Version: 1.8.7", "exitCode": "0"}]}).encode(),
        "host-collectors/run-host/dmesg.txt": b"[Sun Mar  1 11:00:00 2026] EXT4-fs error (device sda1): bad block\n",
        "host-collectors/run-host/dmesg-info.json": b'{"command":"/usr/bin/dmesg","exitCode":"0","error":""}',
        "host-collectors/run-host/df.txt": b"Filesystem 1K-blocks Used Available Use% Mounted on\n"
                                           b"/dev/sda1 41943040 37748736 4194304 91% /\n",
        "host-collectors/run-host/df-info.json": b'{"command":"/usr/bin/df","exitCode":"0","error":""}',
        "host-collectors/journald/kubelet.txt": b"Mar 01 11:58:00 node-a kubelet[812]: E0301 11:58:00.000000 812 "
                                                b"kubelet.go:2855] \"Container runtime network not ready\" "
                                                b"networkReady=\"NetworkReady=false reason:NetworkPluginNotReady\"\n",
        "host-collectors/journald/kubelet-info.json": b'{"command":"journalctl -u kubelet --no-pager","exitCode":"0"}',
    }
    return {top + k: v for k, v in files.items()}
