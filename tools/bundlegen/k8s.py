"""Factories for realistic Kubernetes objects, shaped as `kubectl get -o json` returns them.

Everything is deterministic: UIDs derive from kind/namespace/name, times are offsets from the
bundle's collection time.  A :class:`Cluster` collects objects, logs and node files and writes
a native bundle with :func:`analyzer.bundle.native_writer.write_native`.
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

COLLECTED_AT = datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC)
CLUSTER_VERSION = "v1.31.4"

Obj = dict[str, Any]


def ts(seconds_ago: float = 0.0) -> str:
    """RFC 3339 time ``seconds_ago`` before collection."""
    return (COLLECTED_AT - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def ts_micro(seconds_ago: float = 0.0) -> str:
    return (COLLECTED_AT - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def klog_time(seconds_ago: float = 0.0) -> str:
    """klog header time, e.g. ``1120 09:59:58.123456``."""
    t = COLLECTED_AT - timedelta(seconds=seconds_ago)
    return t.strftime("%m%d %H:%M:%S.%f")


def journal_time(seconds_ago: float = 0.0) -> str:
    """journalctl short time, e.g. ``Nov 20 09:59:58``."""
    t = COLLECTED_AT - timedelta(seconds=seconds_ago)
    return t.strftime("%b %d %H:%M:%S")


def dmesg_time(seconds_ago: float, boot_seconds_ago: float = 864000.0) -> str:
    """dmesg (``dmesg -T`` is not used by the node script) ``[12345.678901]`` uptime stamp."""
    return f"[{boot_seconds_ago - seconds_ago:12.6f}]"


def uid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "kbundle/" + "/".join(parts)))


def hexid(*parts: str, n: int = 64) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


def suffix(*parts: str, n: int = 5) -> str:
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    h = int(hashlib.sha256("/".join(parts).encode()).hexdigest(), 16)
    out = ""
    for _ in range(n):
        h, r = divmod(h, len(alphabet))
        out += alphabet[r]
    return out


def meta(kind: str, name: str, namespace: str | None = None, age: float = 86400 * 30, labels: dict | None = None,
         annotations: dict | None = None, owner: Obj | None = None, rv: int | None = None) -> Obj:
    md: Obj = {
        "name": name,
        "uid": uid(kind, namespace or "", name),
        "resourceVersion": str(rv if rv is not None else 1000 + int(hashlib.md5(name.encode()).hexdigest()[:4], 16)),
        "creationTimestamp": ts(age),
    }
    if namespace is not None:
        md["namespace"] = namespace
    if labels:
        md["labels"] = dict(labels)
    if annotations:
        md["annotations"] = dict(annotations)
    if owner is not None:
        md["ownerReferences"] = [owner_ref(owner)]
    return md


def owner_ref(owner: Obj, controller: bool = True) -> Obj:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": controller,
        "blockOwnerDeletion": True,
    }


# ---------------------------------------------------------------------- containers
def container(name: str, image: str, cpu: str | None = "100m", memory: str | None = "128Mi",
              limit_cpu: str | None = None, limit_memory: str | None = "256Mi", port: int | None = None,
              liveness: Obj | None = None, readiness: Obj | None = None, startup: Obj | None = None,
              env: list[Obj] | None = None, command: list[str] | None = None, args: list[str] | None = None,
              volume_mounts: list[Obj] | None = None) -> Obj:
    c: Obj = {"name": name, "image": image, "imagePullPolicy": "IfNotPresent",
              "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}
    res: Obj = {}
    req = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    lim = {k: v for k, v in (("cpu", limit_cpu), ("memory", limit_memory)) if v}
    if req:
        res["requests"] = req
    if lim:
        res["limits"] = lim
    c["resources"] = res
    if port:
        c["ports"] = [{"containerPort": port, "name": "http", "protocol": "TCP"}]
    if liveness:
        c["livenessProbe"] = liveness
    if readiness:
        c["readinessProbe"] = readiness
    if startup:
        c["startupProbe"] = startup
    if env:
        c["env"] = env
    if command:
        c["command"] = command
    if args:
        c["args"] = args
    c["volumeMounts"] = list(volume_mounts or []) + [
        {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": True}
    ]
    return c


def http_probe(path: str = "/healthz", port: int | str = 8080, initial: int = 10, period: int = 10,
               timeout: int = 1, failure: int = 3) -> Obj:
    return {"httpGet": {"path": path, "port": port, "scheme": "HTTP"}, "initialDelaySeconds": initial,
            "periodSeconds": period, "timeoutSeconds": timeout, "successThreshold": 1, "failureThreshold": failure}


def tcp_probe(port: int | str = 8080, initial: int = 5, period: int = 10) -> Obj:
    return {"tcpSocket": {"port": port}, "initialDelaySeconds": initial, "periodSeconds": period,
            "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3}


def image_id(image: str) -> str:
    repo = image.split(":")[0]
    if "/" not in repo:
        repo = "docker.io/library/" + repo
    elif repo.count("/") == 1 and "." not in repo.split("/")[0]:
        repo = "docker.io/" + repo
    return f"{repo}@sha256:{hexid('image', image)}"


def running_status(c: Obj, pod_name: str, started_ago: float, restarts: int = 0, ready: bool = True,
                   last_terminated: Obj | None = None) -> Obj:
    st: Obj = {
        "name": c["name"],
        "image": c["image"] if "/" in c["image"] else "docker.io/library/" + c["image"],
        "imageID": image_id(c["image"]),
        "containerID": "containerd://" + hexid(pod_name, c["name"], str(restarts)),
        "ready": ready,
        "restartCount": restarts,
        "started": True,
        "state": {"running": {"startedAt": ts(started_ago)}},
        "lastState": {},
    }
    if last_terminated:
        st["lastState"] = {"terminated": last_terminated}
    return st


def terminated(exit_code: int, reason: str, started_ago: float, finished_ago: float, pod: str = "", name: str = "",
               message: str | None = None) -> Obj:
    t: Obj = {"exitCode": exit_code, "reason": reason, "startedAt": ts(started_ago), "finishedAt": ts(finished_ago),
              "containerID": "containerd://" + hexid(pod, name, "t", str(started_ago))}
    if message:
        t["message"] = message
    return t


def waiting_status(c: Obj, reason: str, message: str | None = None, restarts: int = 0,
                   last_terminated: Obj | None = None, image_pulled: bool = True) -> Obj:
    w: Obj = {"reason": reason}
    if message:
        w["message"] = message
    st: Obj = {
        "name": c["name"],
        "image": c["image"] if "/" in c["image"] else "docker.io/library/" + c["image"],
        "imageID": image_id(c["image"]) if image_pulled else "",
        "ready": False,
        "restartCount": restarts,
        "started": False,
        "state": {"waiting": w},
        "lastState": {"terminated": last_terminated} if last_terminated else {},
    }
    if image_pulled and last_terminated:
        st["containerID"] = last_terminated.get("containerID", "")
    return st


def cond(type_: str, status: str = "True", ago: float = 86400, reason: str | None = None,
         message: str | None = None, probe: bool = True) -> Obj:
    c: Obj = {"type": type_, "status": status, "lastTransitionTime": ts(ago)}
    if probe:
        c["lastProbeTime"] = None
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


# ---------------------------------------------------------------------- pods
def pod(name: str, namespace: str, node: str | None, containers: list[Obj], owner: Obj | None = None,
        labels: dict | None = None, age: float = 86400 * 3, phase: str = "Running",
        statuses: list[Obj] | None = None, pod_ip: str | None = None, host_ip: str | None = None,
        init_containers: list[Obj] | None = None, init_statuses: list[Obj] | None = None,
        volumes: list[Obj] | None = None, tolerations: list[Obj] | None = None, node_selector: dict | None = None,
        affinity: Obj | None = None, conditions: list[Obj] | None = None, priority_class: str | None = None,
        host_network: bool = False, service_account: str = "default", annotations: dict | None = None,
        image_pull_secrets: list[str] | None = None, qos: str | None = None) -> Obj:
    md = meta("Pod", name, namespace, age=age, labels=labels, annotations=annotations, owner=owner)
    if owner is not None:
        md["generateName"] = name.rsplit("-", 1)[0] + "-"
    spec: Obj = {
        "containers": containers,
        "dnsPolicy": "ClusterFirstWithHostNet" if host_network else "ClusterFirst",
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 2000001000 if priority_class == "system-node-critical" else (
            2000000000 if priority_class == "system-cluster-critical" else 0),
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {},
        "serviceAccount": service_account,
        "serviceAccountName": service_account,
        "terminationGracePeriodSeconds": 30,
        "tolerations": tolerations if tolerations is not None else [
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists",
             "tolerationSeconds": 300},
        ],
        "volumes": list(volumes or []) + [{
            "name": "kube-api-access",
            "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
                {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                            "path": "namespace"}]}},
            ]},
        }],
    }
    if node:
        spec["nodeName"] = node
    if init_containers:
        spec["initContainers"] = init_containers
    if node_selector:
        spec["nodeSelector"] = node_selector
    if affinity:
        spec["affinity"] = affinity
    if priority_class:
        spec["priorityClassName"] = priority_class
    if host_network:
        spec["hostNetwork"] = True
    if image_pull_secrets:
        spec["imagePullSecrets"] = [{"name": s} for s in image_pull_secrets]
    if statuses is None:
        statuses = [running_status(c, name, started_ago=age - 30) for c in containers]
    ready = all(s.get("ready") for s in statuses) and phase == "Running"
    if conditions is None:
        if node:
            conditions = [
                cond("PodReadyToStartContainers", "True", age - 20),
                cond("Initialized", "True", age - 25),
                cond("Ready", "True" if ready else "False", age - 30 if ready else 600,
                     None if ready else "ContainersNotReady",
                     None if ready else "containers with unready status: [" + " ".join(
                         s["name"] for s in statuses if not s.get("ready")) + "]"),
                cond("ContainersReady", "True" if ready else "False", age - 30 if ready else 600,
                     None if ready else "ContainersNotReady",
                     None if ready else "containers with unready status: [" + " ".join(
                         s["name"] for s in statuses if not s.get("ready")) + "]"),
                cond("PodScheduled", "True", age),
            ]
        else:
            conditions = []
    status: Obj = {"phase": phase, "conditions": conditions}
    if node:
        status.update({
            "hostIP": host_ip or "10.0.0.10",
            "hostIPs": [{"ip": host_ip or "10.0.0.10"}],
            "podIP": pod_ip or (host_ip if host_network else None) or f"10.244.{abs(hash_int(name)) % 3}.{abs(hash_int(name, 'ip')) % 250 + 2}",
            "startTime": ts(age - 2),
            "containerStatuses": statuses,
        })
        status["podIPs"] = [{"ip": status["podIP"]}]
        if init_statuses:
            status["initContainerStatuses"] = init_statuses
    status["qosClass"] = qos or qos_class(containers)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec, "status": status}


def hash_int(*parts: str) -> int:
    return int(hashlib.md5("/".join(parts).encode()).hexdigest()[:8], 16)


def qos_class(containers: list[Obj]) -> str:
    any_req = False
    guaranteed = True
    for c in containers:
        r = c.get("resources") or {}
        req, lim = r.get("requests") or {}, r.get("limits") or {}
        if req or lim:
            any_req = True
        if not (lim.get("cpu") and lim.get("memory")) or any(req.get(k) not in (None, lim.get(k)) for k in ("cpu", "memory")):
            guaranteed = False
    if guaranteed and any_req:
        return "Guaranteed"
    return "Burstable" if any_req else "BestEffort"


# ---------------------------------------------------------------------- workloads
def deployment(name: str, namespace: str, replicas: int, template_containers: list[Obj], labels: dict | None = None,
               age: float = 86400 * 30, available: int | None = None, updated: int | None = None,
               ready: int | None = None, strategy: Obj | None = None, generation: int = 1,
               conditions: list[Obj] | None = None, extra_template: Obj | None = None) -> Obj:
    labels = labels or {"app": name}
    available = replicas if available is None else available
    ready = available if ready is None else ready
    updated = replicas if updated is None else updated
    tmpl_spec: Obj = {"containers": template_containers, "dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
                      "schedulerName": "default-scheduler", "securityContext": {}, "terminationGracePeriodSeconds": 30}
    if extra_template:
        tmpl_spec.update(extra_template)
    if conditions is None:
        conditions = [
            cond("Available", "True" if available >= replicas else "False", age - 60,
                 "MinimumReplicasAvailable" if available >= replicas else "MinimumReplicasUnavailable",
                 "Deployment has minimum availability." if available >= replicas else
                 "Deployment does not have minimum availability.", probe=False),
            cond("Progressing", "True", age - 60, "NewReplicaSetAvailable",
                 f'ReplicaSet "{name}-{rs_hash(name, namespace)}" has successfully progressed.', probe=False),
        ]
        for c in conditions:
            c["lastUpdateTime"] = c["lastTransitionTime"]
    status: Obj = {"observedGeneration": generation, "replicas": replicas, "updatedReplicas": updated,
                   "readyReplicas": ready, "availableReplicas": available, "conditions": conditions}
    if available < replicas:
        status["unavailableReplicas"] = replicas - available
    for k in ("readyReplicas", "availableReplicas", "updatedReplicas"):
        if status[k] == 0:
            del status[k]
    md = meta("Deployment", name, namespace, age=age, labels=labels,
              annotations={"deployment.kubernetes.io/revision": "1"})
    md["generation"] = generation
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": md,
        "spec": {
            "progressDeadlineSeconds": 600, "replicas": replicas, "revisionHistoryLimit": 10,
            "selector": {"matchLabels": dict(labels)},
            "strategy": strategy or {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {"metadata": {"labels": dict(labels)}, "spec": tmpl_spec},
        },
        "status": status,
    }


def rs_hash(name: str, namespace: str) -> str:
    return suffix("rs", namespace, name, n=10)


def replicaset(dep: Obj, replicas: int | None = None, ready: int | None = None, conditions: list[Obj] | None = None) -> Obj:
    name = dep["metadata"]["name"]
    ns = dep["metadata"]["namespace"]
    h = rs_hash(name, ns)
    labels = dict(dep["spec"]["selector"]["matchLabels"]) | {"pod-template-hash": h}
    replicas = dep["spec"]["replicas"] if replicas is None else replicas
    ready = replicas if ready is None else ready
    md = meta("ReplicaSet", f"{name}-{h}", ns, age=float(_age_of(dep)), labels=labels, owner=dep,
              annotations={"deployment.kubernetes.io/desired-replicas": str(replicas),
                           "deployment.kubernetes.io/max-replicas": str(replicas + 1),
                           "deployment.kubernetes.io/revision": "1"})
    md["generation"] = 1
    tmpl = copy.deepcopy(dep["spec"]["template"])
    tmpl["metadata"]["labels"] = labels
    status: Obj = {"observedGeneration": 1, "replicas": replicas, "fullyLabeledReplicas": replicas}
    if ready:
        status["readyReplicas"] = ready
        status["availableReplicas"] = ready
    if conditions:
        status["conditions"] = conditions
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": md,
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": tmpl}, "status": status}


def _age_of(o: Obj) -> float:
    t = datetime.strptime(o["metadata"]["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return (COLLECTED_AT - t).total_seconds()


def daemonset(name: str, namespace: str, containers: list[Obj], nodes: int, labels: dict | None = None,
              ready: int | None = None, age: float = 86400 * 60, host_network: bool = False,
              tolerations: list[Obj] | None = None) -> Obj:
    labels = labels or {"k8s-app": name}
    ready = nodes if ready is None else ready
    md = meta("DaemonSet", name, namespace, age=age, labels=labels, annotations={"deprecated.daemonset.template.generation": "1"})
    md["generation"] = 1
    tspec: Obj = {"containers": containers, "dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
                  "priorityClassName": "system-node-critical", "tolerations": tolerations or [{"operator": "Exists"}]}
    if host_network:
        tspec["hostNetwork"] = True
    status: Obj = {"currentNumberScheduled": nodes, "desiredNumberScheduled": nodes, "numberAvailable": ready,
                   "numberMisscheduled": 0, "numberReady": ready, "observedGeneration": 1, "updatedNumberScheduled": nodes}
    if ready < nodes:
        status["numberUnavailable"] = nodes - ready
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": md,
            "spec": {"revisionHistoryLimit": 10, "selector": {"matchLabels": dict(labels)},
                     "template": {"metadata": {"labels": dict(labels)}, "spec": tspec},
                     "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}},
            "status": status}


def statefulset(name: str, namespace: str, replicas: int, containers: list[Obj], labels: dict | None = None,
                ready: int | None = None, age: float = 86400 * 30, volume_claim_templates: list[Obj] | None = None,
                service_name: str | None = None) -> Obj:
    labels = labels or {"app": name}
    ready = replicas if ready is None else ready
    md = meta("StatefulSet", name, namespace, age=age, labels=labels)
    md["generation"] = 1
    spec: Obj = {"replicas": replicas, "selector": {"matchLabels": dict(labels)}, "serviceName": service_name or name,
                 "podManagementPolicy": "OrderedReady", "updateStrategy": {"type": "RollingUpdate",
                                                                          "rollingUpdate": {"partition": 0}},
                 "template": {"metadata": {"labels": dict(labels)}, "spec": {"containers": containers}}}
    if volume_claim_templates:
        spec["volumeClaimTemplates"] = volume_claim_templates
    status: Obj = {"availableReplicas": ready, "collisionCount": 0, "currentReplicas": replicas,
                   "currentRevision": f"{name}-{suffix('sts', name, n=10)}", "observedGeneration": 1,
                   "readyReplicas": ready, "replicas": replicas, "updateRevision": f"{name}-{suffix('sts', name, n=10)}",
                   "updatedReplicas": replicas}
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": md, "spec": spec, "status": status}


def service(name: str, namespace: str, selector: dict | None, ports: list[Obj], cluster_ip: str, type_: str = "ClusterIP",
            age: float = 86400 * 30, labels: dict | None = None) -> Obj:
    spec: Obj = {"clusterIP": cluster_ip, "clusterIPs": [cluster_ip], "internalTrafficPolicy": "Cluster",
                 "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "ports": ports, "sessionAffinity": "None",
                 "type": type_}
    if selector is not None:
        spec["selector"] = selector
    status: Obj = {"loadBalancer": {}}
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta("Service", name, namespace, age=age, labels=labels),
            "spec": spec, "status": status}


def svc_port(port: int, target: int | str, name: str | None = "http", protocol: str = "TCP") -> Obj:
    p: Obj = {"port": port, "protocol": protocol, "targetPort": target}
    if name:
        p["name"] = name
    return p


def endpoints(svc: Obj, pods: list[Obj], ports: list[Obj] | None = None, not_ready: list[Obj] | None = None) -> Obj:
    def addr(p: Obj) -> Obj:
        return {"ip": p["status"].get("podIP"), "nodeName": p["spec"].get("nodeName"),
                "targetRef": {"kind": "Pod", "name": p["metadata"]["name"], "namespace": p["metadata"]["namespace"],
                              "uid": p["metadata"]["uid"]}}
    name, ns = svc["metadata"]["name"], svc["metadata"]["namespace"]
    ports = ports if ports is not None else [
        {k: v for k, v in (("name", sp.get("name")), ("port", sp["targetPort"] if isinstance(sp["targetPort"], int) else 8080),
                           ("protocol", sp.get("protocol", "TCP"))) if v is not None}
        for sp in svc["spec"]["ports"]]
    subset: Obj = {}
    if pods:
        subset["addresses"] = [addr(p) for p in pods]
    if not_ready:
        subset["notReadyAddresses"] = [addr(p) for p in not_ready]
    md = meta("Endpoints", name, ns, age=_age_of(svc), labels=svc["metadata"].get("labels"))
    obj: Obj = {"apiVersion": "v1", "kind": "Endpoints", "metadata": md}
    if subset:
        subset["ports"] = ports
        obj["subsets"] = [subset]
    return obj


def configmap(name: str, namespace: str, data: dict[str, str], age: float = 86400 * 30) -> Obj:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("ConfigMap", name, namespace, age=age), "data": data}


def secret(name: str, namespace: str, keys: dict[str, int], type_: str = "Opaque", age: float = 86400 * 30) -> Obj:
    """A Secret as the collector stores it: keys and sizes, never values."""
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta("Secret", name, namespace, age=age), "type": type_,
            "data": {k: f"<redacted: {n} bytes>" for k, n in keys.items()}}


def namespace(name: str, age: float = 86400 * 90, phase: str = "Active", labels: dict | None = None) -> Obj:
    lab = {"kubernetes.io/metadata.name": name} | (labels or {})
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta("Namespace", name, None, age=age, labels=lab),
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": phase}}


def event(obj: Obj, reason: str, message: str, type_: str = "Normal", count: int = 1, first_ago: float = 3600,
          last_ago: float | None = None, source: str = "kubelet", host: str | None = None, field_path: str | None = None,
          action: str | None = None) -> Obj:
    md = obj["metadata"]
    ns = md.get("namespace") or "default"
    last_ago = first_ago if last_ago is None else last_ago
    name = f"{md['name']}.{hexid('ev', md['name'], reason, message, str(first_ago), n=16)}"
    inv: Obj = {"apiVersion": obj.get("apiVersion", "v1"), "kind": obj["kind"], "name": md["name"], "uid": md.get("uid")}
    if md.get("namespace"):
        inv["namespace"] = md["namespace"]
    if field_path:
        inv["fieldPath"] = field_path
    if obj["kind"] == "Pod":
        inv["resourceVersion"] = md.get("resourceVersion")
    src: Obj = {"component": source}
    if host:
        src["host"] = host
    return {
        "apiVersion": "v1", "kind": "Event", "count": count, "eventTime": None,
        "firstTimestamp": ts(first_ago), "lastTimestamp": ts(last_ago), "involvedObject": inv, "message": message,
        "metadata": {"name": name, "namespace": ns, "uid": uid("Event", ns, name), "resourceVersion": str(hash_int(name) % 99999),
                     "creationTimestamp": ts(first_ago)},
        "reason": reason, "reportingComponent": source if source != "kubelet" else "kubelet",
        "reportingInstance": host or "", "source": src, "type": type_,
        **({"action": action} if action else {}),
    }


# ---------------------------------------------------------------------- nodes
def node(name: str, ip: str, roles: list[str], cpu: str = "4", memory_ki: int = 16331056, pods: int = 110,
         pod_cidr: str = "10.244.0.0/24", taints: list[Obj] | None = None, labels: dict | None = None,
         ready: bool = True, conditions: list[Obj] | None = None, age: float = 86400 * 90,
         kubelet_version: str = CLUSTER_VERSION, unschedulable: bool = False, heartbeat_ago: float = 20) -> Obj:
    lab = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
           "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
           "topology.kubernetes.io/region": "eu-west-1", "topology.kubernetes.io/zone": "eu-west-1" + "abc"[hash_int(name) % 3]}
    for r in roles:
        lab[f"node-role.kubernetes.io/{r}"] = ""
    lab |= labels or {}
    alloc_cpu_m = int(cpu) * 1000 - 100
    alloc_mem = memory_ki - 102400 - 1048576 // 10
    if conditions is None:
        conditions = [
            {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory",
             "message": "kubelet has sufficient memory available"},
            {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure",
             "message": "kubelet has no disk pressure"},
            {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID",
             "message": "kubelet has sufficient PID available"},
            {"type": "Ready", "status": "True" if ready else "Unknown",
             "reason": "KubeletReady" if ready else "NodeStatusUnknown",
             "message": "kubelet is posting ready status" if ready else "Kubelet stopped posting node status."},
        ]
        for c in conditions:
            c["lastHeartbeatTime"] = ts(heartbeat_ago)
            c["lastTransitionTime"] = ts(age - 120)
    md = meta("Node", name, None, age=age, labels=lab, annotations={
        "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true"})
    spec: Obj = {"podCIDR": pod_cidr, "podCIDRs": [pod_cidr], "providerID": f"aws:///eu-west-1a/i-{hexid('node', name, n=17)}"}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    return {
        "apiVersion": "v1", "kind": "Node", "metadata": md, "spec": spec,
        "status": {
            "addresses": [{"address": ip, "type": "InternalIP"}, {"address": name, "type": "Hostname"}],
            "allocatable": {"cpu": f"{alloc_cpu_m}m", "ephemeral-storage": "95491281146", "hugepages-1Gi": "0",
                            "hugepages-2Mi": "0", "memory": f"{alloc_mem}Ki", "pods": str(pods)},
            "capacity": {"cpu": cpu, "ephemeral-storage": "103609840Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                         "memory": f"{memory_ki}Ki", "pods": str(pods)},
            "conditions": conditions,
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "images": [],
            "nodeInfo": {"architecture": "amd64", "bootID": uid("boot", name), "containerRuntimeVersion": "containerd://1.7.24",
                         "kernelVersion": "6.1.0-28-cloud-amd64", "kubeProxyVersion": kubelet_version,
                         "kubeletVersion": kubelet_version, "machineID": hexid("machine", name, n=32),
                         "operatingSystem": "linux", "osImage": "Debian GNU/Linux 12 (bookworm)",
                         "systemUUID": uid("sys", name)},
        },
    }


def lease(name: str, namespace: str, holder: str, renew_ago: float = 2, duration: int = 15) -> Obj:
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta("Lease", name, namespace),
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": duration, "acquireTime": ts(86400 * 10),
                     "renewTime": ts_micro(renew_ago), "leaseTransitions": 3}}


# ---------------------------------------------------------------------- the cluster
@dataclass
class Cluster:
    """Objects, logs and node files of one recorded bundle, plus the findings it must produce."""

    objects: list[Obj] = field(default_factory=list)
    logs: dict[tuple[str, str, str, bool], str] = field(default_factory=dict)
    node_files: dict[tuple[str, str], str] = field(default_factory=dict)
    expected: list[dict[str, str | None]] = field(default_factory=list)
    description: str = ""

    def add(self, *objs: Obj) -> Obj:
        for o in objs:
            self.objects.append(o)
        return objs[-1]

    def find(self, kind: str, name: str, namespace: str | None = None) -> Obj:
        for o in self.objects:
            md = o["metadata"]
            if o["kind"] == kind and md["name"] == name and (namespace is None or md.get("namespace") == namespace):
                return o
        raise KeyError(f"{kind} {namespace}/{name}")

    def remove(self, kind: str, name: str, namespace: str | None = None) -> Obj:
        o = self.find(kind, name, namespace)
        self.objects.remove(o)
        return o

    def pods(self, namespace: str | None = None) -> list[Obj]:
        return [o for o in self.objects if o["kind"] == "Pod" and (namespace is None or o["metadata"]["namespace"] == namespace)]

    def log(self, namespace: str, pod_name: str, container_name: str, text: str, previous: bool = False) -> None:
        self.logs[(namespace, pod_name, container_name, previous)] = text

    def node_file(self, node_name: str, relpath: str, text: str, append: bool = False) -> None:
        key = (node_name, relpath)
        if append and key in self.node_files:
            self.node_files[key] = self.node_files[key].rstrip("\n") + "\n" + text
        else:
            self.node_files[key] = text

    def expect(self, rule: str, obj: Obj | str | None) -> None:
        """Declare a finding this bundle must produce (``obj``: an object or 'Kind/ns/name')."""
        if isinstance(obj, dict):
            md = obj["metadata"]
            ref = f"{obj['kind']}/{md['namespace']}/{md['name']}" if md.get("namespace") else f"{obj['kind']}/{md['name']}"
        else:
            ref = obj
        entry = {"rule": rule, "object": ref}
        if entry not in self.expected:
            self.expected.append(entry)
