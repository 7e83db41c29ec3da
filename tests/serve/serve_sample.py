"""A small native bundle for the serve tests, written with write_native: namespaces, nodes,
a deployment with its replicaset and pods in varied states, a statefulset pod with two
containers, init containers, a terminating pod, a job, services, events (both event
shapes), storage, quotas, a CRD with printer columns and its objects, a custom resource
without CRD, and current and previous logs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analyzer.bundle.native_writer import write_native

COLLECTED_AT = "2024-05-01T12:00:00Z"
CLUSTER_VERSION = "v1.29.4"


def _md(name: str, ns: str | None = None, created: str = "2024-04-30T12:00:00Z", **extra: Any) -> dict[str, Any]:
    md: dict[str, Any] = {"name": name, "uid": f"uid-{ns or 'cluster'}-{name}", "creationTimestamp": created,
                          "resourceVersion": "100"}
    if ns:
        md["namespace"] = ns
    md.update(extra)
    return md


def _running(name: str, restarts: int = 0, ready: bool = True) -> dict[str, Any]:
    return {"name": name, "ready": ready, "restartCount": restarts, "image": f"example/{name}:1",
            "imageID": "", "containerID": f"containerd://{name}", "started": True,
            "state": {"running": {"startedAt": "2024-04-30T12:01:00Z"}}, "lastState": {}}


def _pod(name: str, ns: str, containers: list[str], statuses: list[dict[str, Any]], phase: str = "Running",
         node: str | None = "node-a", labels: dict[str, str] | None = None, owner: dict[str, Any] | None = None,
         init: list[str] | None = None, init_statuses: list[dict[str, Any]] | None = None,
         conditions: list[dict[str, Any]] | None = None, volumes: list[dict[str, Any]] | None = None,
         **md_extra: Any) -> dict[str, Any]:
    md = _md(name, ns, labels=labels or {}, **md_extra)
    if owner:
        md["ownerReferences"] = [owner]
    spec: dict[str, Any] = {"containers": [{"name": c, "image": f"example/{c}:1"} for c in containers],
                            "restartPolicy": "Always"}
    if node:
        spec["nodeName"] = node
    if volumes:
        spec["volumes"] = volumes
    if init:
        spec["initContainers"] = [{"name": c, "image": f"example/{c}:1"} for c in init]
    status: dict[str, Any] = {"phase": phase, "containerStatuses": statuses,
                              "conditions": conditions or [{"type": "Ready", "status": "True"}]}
    if node:
        status["podIP"] = "10.1.0." + str(abs(hash(name)) % 200 + 2)
        status["podIPs"] = [{"ip": status["podIP"]}]
        status["hostIP"] = "192.168.0.10"
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec, "status": status}


def _event(name: str, ns: str, kind: str, obj_name: str, obj_ns: str | None, reason: str, message: str,
           type_: str = "Warning", count: int = 1, last: str = "2024-05-01T11:55:00Z",
           uid: str | None = None, component: str = "kubelet") -> dict[str, Any]:
    inv: dict[str, Any] = {"kind": kind, "name": obj_name, "apiVersion": "v1"}
    if obj_ns:
        inv["namespace"] = obj_ns
    inv["uid"] = uid if uid is not None else f"uid-{obj_ns or 'cluster'}-{obj_name}"
    return {"apiVersion": "v1", "kind": "Event", "metadata": _md(name, ns, created="2024-05-01T11:00:00Z"),
            "involvedObject": inv, "reason": reason, "message": message, "type": type_, "count": count,
            "firstTimestamp": "2024-05-01T11:00:00Z", "lastTimestamp": last, "source": {"component": component}}


def sample_objects() -> list[dict[str, Any]]:
    rs_owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9f", "uid": "uid-shop-web-7d9f",
                "controller": True}
    objs: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": _md(ns, created="2024-01-01T00:00:00Z"),
         "status": {"phase": "Active"}} for ns in ("default", "kube-system", "shop")
    ]
    objs += [
        {"apiVersion": "v1", "kind": "Node",
         "metadata": _md("node-a", labels={"node-role.kubernetes.io/control-plane": "", "kubernetes.io/hostname": "node-a"},
                         created="2024-01-01T00:00:00Z"),
         "spec": {},
         "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                    "lastHeartbeatTime": "2024-05-01T11:59:00Z",
                                    "lastTransitionTime": "2024-01-01T00:01:00Z", "message": "kubelet is ready"}],
                    "addresses": [{"type": "InternalIP", "address": "192.168.0.10"},
                                  {"type": "Hostname", "address": "node-a"}],
                    "nodeInfo": {"kubeletVersion": "v1.29.4", "osImage": "Ubuntu 22.04.4 LTS",
                                 "kernelVersion": "5.15.0-105-generic", "containerRuntimeVersion": "containerd://1.7.13",
                                 "architecture": "amd64", "operatingSystem": "linux"},
                    "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
                    "allocatable": {"cpu": "4", "memory": "15Gi", "pods": "110"}}},
        {"apiVersion": "v1", "kind": "Node",
         "metadata": _md("node-b", labels={"kubernetes.io/hostname": "node-b"}, created="2024-04-25T00:00:00Z"),
         "spec": {"unschedulable": True,
                  "taints": [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}]},
         "status": {"conditions": [{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                                    "lastHeartbeatTime": "2024-05-01T10:00:00Z",
                                    "lastTransitionTime": "2024-05-01T10:01:00Z",
                                    "message": "Kubelet stopped posting node status."}],
                    "addresses": [{"type": "InternalIP", "address": "192.168.0.11"}],
                    "nodeInfo": {"kubeletVersion": "v1.29.4", "osImage": "Ubuntu 22.04.4 LTS",
                                 "kernelVersion": "5.15.0-105-generic", "containerRuntimeVersion": "containerd://1.7.13"},
                    "capacity": {"cpu": "2", "memory": "8Gi", "pods": "110"},
                    "allocatable": {"cpu": "2", "memory": "7Gi", "pods": "110"}}},
    ]
    objs += [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _md("web", "shop", labels={"app": "web"}),
         "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}},
                               "spec": {"containers": [{"name": "app", "image": "example/web:2.1"}]}}},
         "status": {"replicas": 3, "readyReplicas": 1, "updatedReplicas": 3, "availableReplicas": 1,
                    "conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable"}]}},
        {"apiVersion": "apps/v1", "kind": "ReplicaSet",
         "metadata": _md("web-7d9f", "shop", labels={"app": "web", "pod-template-hash": "7d9f"},
                         ownerReferences=[{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                                           "uid": "uid-shop-web", "controller": True}],
                         annotations={"deployment.kubernetes.io/revision": "1"}),
         "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web", "pod-template-hash": "7d9f"}},
                  "template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "7d9f"}},
                               "spec": {"containers": [{"name": "app", "image": "example/web:2.1"}]}}},
         "status": {"replicas": 3, "readyReplicas": 1, "availableReplicas": 1}},
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": _md("db", "shop", labels={"app": "db"}),
         "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "db"}}, "serviceName": "db",
                  "template": {"metadata": {"labels": {"app": "db"}},
                               "spec": {"containers": [{"name": "db", "image": "postgres:16"},
                                                       {"name": "exporter", "image": "example/exporter:1"}]}}},
         "status": {"replicas": 1, "readyReplicas": 0}},
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": _md("agent", "kube-system", labels={"app": "agent"}),
         "spec": {"selector": {"matchLabels": {"app": "agent"}},
                  "template": {"metadata": {"labels": {"app": "agent"}},
                               "spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
                                        "containers": [{"name": "agent", "image": "example/agent:1"}]}}},
         "status": {"desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberReady": 1,
                    "updatedNumberScheduled": 2, "numberAvailable": 1}},
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": _md("backup-28570000", "shop", labels={"job": "backup"}),
         "spec": {"completions": 1, "parallelism": 1,
                  "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "uid-shop-backup"}},
                  "template": {"spec": {"containers": [{"name": "backup", "image": "example/backup:1"}]}}},
         "status": {"succeeded": 1, "startTime": "2024-05-01T11:00:00Z", "completionTime": "2024-05-01T11:02:30Z",
                    "conditions": [{"type": "Complete", "status": "True"}]}},
        {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": _md("backup", "shop"),
         "spec": {"schedule": "0 11 * * *", "suspend": False,
                  "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "backup",
                                                                                "image": "example/backup:1"}]}}}}},
         "status": {"lastScheduleTime": "2024-05-01T11:00:00Z"}},
    ]
    objs += [
        _pod("web-7d9f-aaaa", "shop", ["app"], [_running("app")], labels={"app": "web", "pod-template-hash": "7d9f"},
             owner=rs_owner),
        _pod("web-7d9f-bbbb", "shop", ["app"],
             [{"name": "app", "ready": False, "restartCount": 5, "image": "example/web:2.1", "started": False,
               "state": {"waiting": {"reason": "CrashLoopBackOff",
                                     "message": "back-off 2m40s restarting failed container=app"}},
               "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": "2024-05-01T11:50:00Z",
                                            "finishedAt": "2024-05-01T11:50:30Z"}}}],
             labels={"app": "web", "pod-template-hash": "7d9f"}, owner=rs_owner,
             conditions=[{"type": "Ready", "status": "False"}]),
        _pod("web-7d9f-cccc", "shop", ["app"], [], phase="Pending", node=None,
             labels={"app": "web", "pod-template-hash": "7d9f"}, owner=rs_owner,
             conditions=[{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]),
        _pod("db-0", "shop", ["db", "exporter"],
             [_running("db"),
              {"name": "exporter", "ready": False, "restartCount": 2, "image": "example/exporter:1",
               "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": "2024-05-01T11:40:00Z",
                                        "finishedAt": "2024-05-01T11:41:00Z"}},
               "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                                            "startedAt": "2024-05-01T11:30:00Z",
                                            "finishedAt": "2024-05-01T11:31:00Z"}}}],
             labels={"app": "db"}, node="node-b", volumes=[{"name": "data", "persistentVolumeClaim":
                                                           {"claimName": "data-db-0"}}],
             owner={"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": "uid-shop-db",
                    "controller": True}),
        _pod("setup-pod", "shop", ["main"],
             [{"name": "main", "ready": False, "restartCount": 0, "image": "example/main:1",
               "state": {"waiting": {"reason": "PodInitializing"}}}],
             phase="Pending", labels={"app": "setup"}, init=["fetch", "migrate"],
             init_statuses=[{"name": "fetch", "ready": True, "restartCount": 0, "image": "example/fetch:1",
                             "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                            {"name": "migrate", "ready": False, "restartCount": 0, "image": "example/migrate:1",
                             "state": {"running": {"startedAt": "2024-05-01T11:58:00Z"}}}],
             conditions=[{"type": "Initialized", "status": "False"}]),
        _pod("backup-28570000-x1", "shop", ["backup"],
             [{"name": "backup", "ready": False, "restartCount": 0, "image": "example/backup:1",
               "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
             phase="Succeeded", labels={"job": "backup"}),
        _pod("old-pod", "default", ["main"], [_running("main")], labels={"app": "old"},
             deletionTimestamp="2024-05-01T11:59:00Z"),
        _pod("coredns-5d78c9869d-abcde", "kube-system", ["coredns"], [_running("coredns")],
             labels={"k8s-app": "kube-dns"}),
    ]
    objs += [
        {"apiVersion": "v1", "kind": "Service", "metadata": _md("web", "shop", labels={"app": "web"}),
         "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.20", "clusterIPs": ["10.96.0.20"],
                  "selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080,
                                                         "protocol": "TCP"}]},
         "status": {"loadBalancer": {}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": _md("public", "shop"),
         "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.21", "selector": {"app": "web"},
                  "ports": [{"port": 443, "nodePort": 31443, "protocol": "TCP", "targetPort": 8443}]},
         "status": {"loadBalancer": {}}},
        {"apiVersion": "v1", "kind": "Endpoints", "metadata": _md("web", "shop"),
         "subsets": [{"addresses": [{"ip": "10.1.0.5", "targetRef": {"kind": "Pod", "name": "web-7d9f-aaaa",
                                                                      "namespace": "shop"}}],
                      "notReadyAddresses": [{"ip": "10.1.0.6"}],
                      "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}]},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _md("app-config", "shop"),
         "data": {"LOG_LEVEL": "debug", "FEATURE": "on"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": _md("app-secret", "shop"), "type": "Opaque",
         "data": {"password": ""}},
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": _md("data-db-0", "shop"),
         "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}},
                  "storageClassName": "standard", "volumeName": "pv-1", "volumeMode": "Filesystem"},
         "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"}}},
        {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": _md("pv-1"),
         "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                  "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard",
                  "claimRef": {"namespace": "shop", "name": "data-db-0"}, "hostPath": {"path": "/data/pv-1"}},
         "status": {"phase": "Bound"}},
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": _md("quota", "shop"),
         "spec": {"hard": {"pods": "20"}}, "status": {"hard": {"pods": "20"}, "used": {"pods": "6"}}},
        {"apiVersion": "v1", "kind": "LimitRange", "metadata": _md("limits", "shop"),
         "spec": {"limits": [{"type": "Container", "default": {"memory": "512Mi"}}]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": _md("web", "shop"),
         "spec": {"ingressClassName": "nginx", "rules": [{"host": "shop.example.com"}]},
         "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}}},
    ]
    objs += [
        _event("web-7d9f-bbbb.17c1", "shop", "Pod", "web-7d9f-bbbb", "shop", "BackOff",
               "Back-off restarting failed container app in pod web-7d9f-bbbb_shop(uid-shop-web-7d9f-bbbb)", count=42),
        _event("web-7d9f-bbbb.17c0", "shop", "Pod", "web-7d9f-bbbb", "shop", "Pulled",
               'Container image "example/web:2.1" already present on machine', type_="Normal", count=6,
               last="2024-05-01T11:50:00Z"),
        _event("web-7d9f-cccc.17c2", "shop", "Pod", "web-7d9f-cccc", "shop", "FailedScheduling",
               "0/2 nodes are available: 1 node(s) were unschedulable, 1 node(s) had untolerated taint.",
               component="default-scheduler"),
        _event("web.17c3", "shop", "Deployment", "web", "shop", "ScalingReplicaSet",
               "Scaled up replica set web-7d9f to 3", type_="Normal", component="deployment-controller"),
        _event("node-b.17c4", "default", "Node", "node-b", None, "NodeNotReady",
               "Node node-b status is now: NodeNotReady", type_="Normal", uid="node-b",
               component="node-controller"),
        {"apiVersion": "events.k8s.io/v1", "kind": "Event",
         "metadata": _md("db-0.17c5", "shop", created="2024-05-01T11:41:00Z"),
         "regarding": {"kind": "Pod", "namespace": "shop", "name": "db-0", "uid": "uid-shop-db-0",
                       "fieldPath": "spec.containers{exporter}"},
         "reason": "Killing", "note": "Container exporter exceeded its memory limit", "type": "Warning",
         "eventTime": "2024-05-01T11:41:00.000000Z", "reportingController": "kubelet", "reportingInstance": "node-b",
         "action": "Killing", "deprecatedCount": 2, "deprecatedFirstTimestamp": "2024-05-01T11:31:00Z",
         "deprecatedLastTimestamp": "2024-05-01T11:41:00Z"},
    ]
    objs += [
        {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
         "metadata": _md("widgets.example.com", created="2024-02-01T00:00:00Z"),
         "spec": {"group": "example.com", "scope": "Namespaced",
                  "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"],
                            "categories": ["all"]},
                  "versions": [{"name": "v1", "served": True, "storage": True,
                                "additionalPrinterColumns": [
                                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                                    {"name": "Ready", "type": "string",
                                     "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
                                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]}]}},
        {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
         "metadata": _md("sprockets.example.com", created="2024-02-01T00:00:00Z"),
         "spec": {"group": "example.com", "scope": "Cluster",
                  "names": {"plural": "sprockets", "singular": "sprocket", "kind": "Sprocket"},
                  "versions": [{"name": "v1beta1", "served": True, "storage": True}]}},
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": _md("blue", "shop"),
         "spec": {"size": 3}, "status": {"conditions": [{"type": "Ready", "status": "False"}]}},
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": _md("green", "default"),
         "spec": {"size": 7}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}},
        {"apiVersion": "gadgets.example.org/v1alpha1", "kind": "Gadget", "metadata": _md("g1", "shop"),
         "spec": {"mode": "fast"}},
    ]
    return objs


PREVIOUS_LOG = "".join(f"2024-05-01T11:50:{i:02d}Z previous line {i}\n" for i in range(1, 21)) + \
    "panic: cannot connect to database\n"
CURRENT_LOG = "".join(f"2024-05-01T11:59:{i:02d}Z starting attempt {i}\n" for i in range(1, 11))


def sample_logs() -> dict[tuple[str, str, str, bool], str]:
    return {
        ("shop", "web-7d9f-aaaa", "app", False): "listening on :8080\nGET / 200\n",
        ("shop", "web-7d9f-bbbb", "app", False): CURRENT_LOG,
        ("shop", "web-7d9f-bbbb", "app", True): PREVIOUS_LOG,
        ("shop", "db-0", "db", False): "database system is ready to accept connections\n",
        ("shop", "db-0", "exporter", True): "exporter starting\nkilled\n",
        ("kube-system", "coredns-5d78c9869d-abcde", "coredns", False): "CoreDNS-1.11.1\n",
    }


def write_sample_bundle(out: Path) -> Path:
    return write_native(out, sample_objects(), sample_logs(), {("node-a", "commands/uptime.txt"): "up 120 days\n"},
                        cluster_version=CLUSTER_VERSION, collected_at=COLLECTED_AT)
