"""Healthy clusters of other common shapes than the kubeadm-style base of ``healthy.py``.

``healthy-eks``: an EKS cluster: managed control plane (no control-plane pods, nodes, static
manifests, etcd or scheduler visible), VPC CNI (aws-node, pod IPs from the VPC subnets, no
podCIDR on the nodes), kube-proxy, CoreDNS, the EBS CSI driver, metrics-server, the AWS Load
Balancer Controller with its webhooks, IRSA-injected pods, Ubuntu nodes with systemd-timesyncd.

``healthy-k3s``: a single k3s server that is also the worker: embedded control plane and
etcd, CoreDNS, Traefik behind the ServiceLB (svclb) DaemonSet, local-path-provisioner,
metrics-server, the helm-install Jobs of the bundled charts (which retried while the API
came up), and node files as the node script writes them on k3s (no kubelet or containerd
unit, the CNI config under /var/lib/rancher/k3s).

Both carry the day-2 noise of a real cluster: a rolling update that just finished, a CronJob
with a failed-then-retried run, an HPA at its minimum, a PDB, pods evicted during a past
memory-pressure episode, readiness probe failures during start-up, a ResourceQuota near its
limit, a DaemonSet selecting some nodes, a StatefulSet with one PVC per replica, ExternalName,
headless and selector-less Services.  No rule may raise a warning or critical finding on them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from tools.bundlegen import k8s
from tools.bundlegen.k8s import (
    COLLECTED_AT,
    Cluster,
    Obj,
    cond,
    configmap,
    container,
    daemonset,
    deployment,
    endpoints,
    event,
    http_probe,
    journal_time,
    klog_time,
    lease,
    namespace,
    node,
    pod,
    replicaset,
    running_status,
    secret,
    service,
    statefulset,
    suffix,
    svc_port,
    tcp_probe,
    terminated,
    ts,
)

BOOT_AGO = 86400 * 6  # nodes booted six days before collection
EVICTION_AGO = 86400 * 3  # the past memory-pressure episode


def _iso(seconds_ago: float) -> str:
    return ts(seconds_ago)


class Net:
    """Node and pod addresses of one cluster."""

    def __init__(self, node_ip: dict[str, str], pod_base: dict[str, str], start: int = 20) -> None:
        self.node_ip = node_ip
        self.pod_base = pod_base  # node -> "10.0.1." prefix
        self.next = dict.fromkeys(node_ip, start)

    def take(self, node_name: str) -> str:
        self.next[node_name] += 7 if self.pod_base[node_name].startswith("10.0.") else 1
        return f"{self.pod_base[node_name]}{self.next[node_name] % 250 + 2}"


def run_pods(c: Cluster, net: Net, owner: Obj, template: Obj, nodes: list[str], age: float, name_base: str,
             statuses: list[list[Obj]] | None = None, host_network: bool = False,
             extra_labels: dict | None = None) -> list[Obj]:
    """Running pods of ``owner`` (a ReplicaSet or DaemonSet) built from a pod ``template``."""
    out = []
    tspec = template["spec"]
    for i, n in enumerate(nodes):
        name = f"{name_base}-{suffix(name_base, n if owner['kind'] == 'DaemonSet' else str(i))}"
        labels = dict(template["metadata"]["labels"]) | (extra_labels or {})
        ctrs = copy.deepcopy(tspec["containers"])
        inits = copy.deepcopy(tspec.get("initContainers") or []) or None
        p = pod(name, owner["metadata"]["namespace"], n, ctrs, owner=owner, labels=labels, age=age,
                host_ip=net.node_ip[n], pod_ip=net.node_ip[n] if host_network else net.take(n),
                statuses=statuses[i] if statuses else None, host_network=host_network,
                init_containers=inits,
                init_statuses=[{"name": ic["name"], "image": ic["image"], "imageID": k8s.image_id(ic["image"]),
                                "containerID": "containerd://" + k8s.hexid(name, ic["name"]), "ready": True,
                                "restartCount": 0, "started": False,
                                "state": {"terminated": terminated(0, "Completed", age - 4, age - 6, name, ic["name"])},
                                "lastState": {}} for ic in inits or []] or None,
                priority_class=tspec.get("priorityClassName"), service_account=tspec.get("serviceAccountName", "default"),
                tolerations=tspec.get("tolerations"), node_selector=tspec.get("nodeSelector"))
        p["metadata"]["generateName"] = name_base + "-"
        for k in ("volumes",):
            if tspec.get(k):
                p["spec"]["volumes"][0:0] = copy.deepcopy(tspec[k])
        if owner["kind"] == "DaemonSet":
            p["metadata"]["labels"] |= {"controller-revision-hash": suffix("crh", name_base, n=10),
                                        "pod-template-generation": "1"}
            p["spec"]["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [n]}]}]}}}
        c.add(p)
        out.append(p)
    young = [p for p in out if p["spec"]["nodeName"] == NEW_NODE]
    if young and owner["kind"] == "DaemonSet":
        joined(young, JOIN_AGO)
    return out


def deploy(c: Cluster, net: Net, dep: Obj, nodes: list[str], age: float,
           statuses: list[list[Obj]] | None = None) -> tuple[Obj, list[Obj]]:
    rs = replicaset(dep)
    c.add(dep, rs)
    tmpl = copy.deepcopy(dep["spec"]["template"])
    tmpl["metadata"]["labels"] = rs["spec"]["template"]["metadata"]["labels"]
    return rs, run_pods(c, net, rs, tmpl, nodes, age, rs["metadata"]["name"], statuses)


def ds_with_pods(c: Cluster, net: Net, ds: Obj, nodes: list[str], age: float, host_network: bool = False) -> list[Obj]:
    st = ds["status"]
    n = len(nodes)
    st.update({"currentNumberScheduled": n, "desiredNumberScheduled": n, "numberAvailable": n, "numberReady": n,
               "updatedNumberScheduled": n})
    if n == 0:
        del st["numberAvailable"]
    c.add(ds)
    return run_pods(c, net, ds, ds["spec"]["template"], nodes, age, ds["metadata"]["name"], host_network=host_network)


def joined(pods: list[Obj], join_ago: float) -> list[Obj]:
    """Rewrite the times of DaemonSet pods that started on a node which joined ``join_ago`` seconds ago."""
    for p in pods:
        for k, v in (("creationTimestamp", join_ago - 2),):
            p["metadata"][k] = ts(v)
        p["status"]["startTime"] = ts(join_ago - 3)
        for cd in p["status"]["conditions"]:
            cd["lastTransitionTime"] = ts(join_ago - 2 if cd["type"] in ("PodScheduled", "Initialized") else join_ago - 50)
        for st in p["status"].get("initContainerStatuses") or []:
            st["state"]["terminated"].update(startedAt=ts(join_ago - 8), finishedAt=ts(join_ago - 10))
        for st in p["status"]["containerStatuses"]:
            st["state"] = {"running": {"startedAt": ts(join_ago - 12)}}
    return pods


def sa(name: str, ns: str, annotations: dict | None = None) -> Obj:
    return {"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": k8s.meta("ServiceAccount", name, ns, annotations=annotations)}


def webhook_cert_secret(name: str, ns: str) -> Obj:
    return secret(name, ns, {"ca.crt": 1099, "tls.crt": 1224, "tls.key": 1675}, type_="kubernetes.io/tls")


# ====================================================================== day-2 noise (both clusters)
def day2(c: Cluster, net: Net, ns: str, nodes: list[str], storage_class: str, pv_source: Callable[[str, str], Obj],
         registry: str, selective_label: tuple[str, str], selective_nodes: list[str], provisioner: str) -> None:
    """Everyday objects of an application namespace that a healthy cluster shows."""
    # ---- a rolling update that finished twenty minutes ago: old ReplicaSet at 0, new one ready
    api_ctr = container("api", f"{registry}/orders/api:3.8.2", cpu="200m", memory="256Mi", limit_memory="512Mi",
                        port=8080, liveness=http_probe("/livez", 8080, initial=15, period=10),
                        readiness=http_probe("/readyz", 8080, initial=5, period=5),
                        env=[{"name": "DB_HOST", "value": "orders-db.orders.svc.cluster.local"},
                             {"name": "PAYMENTS_URL", "value": "http://payments-api.orders.svc.cluster.local"}])
    api = deployment("api", ns, 2, [api_ctr], labels={"app": "api", "app.kubernetes.io/part-of": "orders"},
                     age=86400 * 40, generation=2)
    api["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "2"
    new_hash = suffix("rs2", ns, "api", n=10)
    old_hash = k8s.rs_hash("api", ns)
    for cnd in api["status"]["conditions"]:
        if cnd["type"] == "Progressing":
            cnd["message"] = f'ReplicaSet "api-{new_hash}" has successfully progressed.'
            cnd["lastUpdateTime"] = ts(1140)
    api["status"]["observedGeneration"] = 2
    old_rs = replicaset(api, replicas=0, ready=0)
    old_rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = "2"
    old_rs["status"] = {"observedGeneration": 3, "replicas": 0}
    old_rs["metadata"]["generation"] = 3
    new_rs = replicaset(api)
    for k, v in (("name", f"api-{new_hash}"), ("uid", k8s.uid("ReplicaSet", ns, f"api-{new_hash}")),
                 ("creationTimestamp", ts(1260))):
        new_rs["metadata"][k] = v
    new_rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "2"
    for lab in (new_rs["metadata"]["labels"], new_rs["spec"]["selector"]["matchLabels"],
                new_rs["spec"]["template"]["metadata"]["labels"]):
        lab["pod-template-hash"] = new_hash
    new_rs["spec"]["template"]["spec"]["containers"][0]["image"] = f"{registry}/orders/api:3.9.0"
    api["spec"]["template"]["spec"]["containers"][0]["image"] = f"{registry}/orders/api:3.9.0"
    c.add(api, old_rs, new_rs)
    api_ctr_new = new_rs["spec"]["template"]["spec"]["containers"][0]
    api_pods = run_pods(c, net, new_rs, new_rs["spec"]["template"], nodes[:2] if len(nodes) > 1 else nodes * 2, 1250,
                        new_rs["metadata"]["name"],
                        statuses=[[running_status(api_ctr_new, f"api-new-{i}", 1245 - 60 * i)] for i in range(2)])
    for i, p in enumerate(api_pods):
        for cd in p["status"]["conditions"]:
            if cd["type"] in ("Ready", "ContainersReady"):
                cd["lastTransitionTime"] = ts(1230 - 60 * i)
        c.log(ns, p["metadata"]["name"], "api", (
            f"{_iso(1245 - 60 * i)} INFO  api starting version=3.9.0\n"
            f"{_iso(1244 - 60 * i)} INFO  running database migrations (none pending)\n"
            f"{_iso(1233 - 60 * i)} INFO  connected to orders-db.orders.svc.cluster.local:5432\n"
            f"{_iso(1232 - 60 * i)} INFO  listening addr=:8080\n"
            f"{_iso(300)} INFO  GET /v1/orders status=200 duration_ms=12\n"))
        # readiness failed only while the new pod warmed up
        c.add(event(p, "Unhealthy", f'Readiness probe failed: Get "http://{p["status"]["podIP"]}:8080/readyz": dial tcp '
                    f'{p["status"]["podIP"]}:8080: connect: connection refused', type_="Warning", count=3,
                    first_ago=1243 - 60 * i, last_ago=1233 - 60 * i, host=p["spec"]["nodeName"],
                    field_path="spec.containers{api}"))
        for reason, msg, ago in (("Scheduled", f"Successfully assigned {ns}/{p['metadata']['name']} to {p['spec']['nodeName']}", 1250 - 60 * i),
                                 ("Pulled", f'Successfully pulled image "{registry}/orders/api:3.9.0" in 2.114s (2.114s including waiting). Image size: 48211391 bytes.', 1247 - 60 * i),
                                 ("Created", "Created container api", 1246 - 60 * i),
                                 ("Started", "Started container api", 1245 - 60 * i)):
            c.add(event(p, reason, msg, first_ago=ago, source="default-scheduler" if reason == "Scheduled" else "kubelet",
                        host=None if reason == "Scheduled" else p["spec"]["nodeName"],
                        field_path=None if reason == "Scheduled" else "spec.containers{api}"))
    for msg, ago in ((f"Scaled up replica set api-{new_hash} from 0 to 1", 1250),
                     (f"Scaled down replica set api-{old_hash} from 2 to 1", 1228),
                     (f"Scaled up replica set api-{new_hash} from 1 to 2", 1228),
                     (f"Scaled down replica set api-{old_hash} from 1 to 0", 1168)):
        c.add(event(api, "ScalingReplicaSet", msg, source="deployment-controller", first_ago=ago, action="Scaling"))
    api_svc = service("api", ns, {"app": "api", "app.kubernetes.io/part-of": "orders"}, [svc_port(80, 8080, "http")],
                      cidr_ip(c, 40), labels={"app": "api"})
    c.add(api_svc, endpoints(api_svc, api_pods, ports=[{"name": "http", "port": 8080, "protocol": "TCP"}]))

    # pods of the old ReplicaSet evicted during the past memory-pressure episode (kept by the API: history)
    for i, n in enumerate(nodes[-1:] * 2):
        name = f"api-{old_hash}-{suffix('evicted', ns, str(i))}"
        ep = pod(name, ns, n, [copy.deepcopy(api_ctr)], owner=old_rs, labels=old_rs["spec"]["template"]["metadata"]["labels"],
                 age=86400 * 12, phase="Failed", host_ip=net.node_ip[n],
                 statuses=[{"name": "api", "image": api_ctr["image"], "imageID": k8s.image_id(api_ctr["image"]),
                            "containerID": "containerd://" + k8s.hexid(name), "ready": False, "restartCount": 0,
                            "started": False, "lastState": {},
                            "state": {"terminated": terminated(137, "ContainerStatusUnknown", 86400 * 12 - 30,
                                                               EVICTION_AGO - 60 * i, name, "api",
                                                               "The container could not be located when the pod was terminated")}}],
                 conditions=[cond("PodReadyToStartContainers", "False", EVICTION_AGO - 60 * i),
                             cond("Initialized", "True", 86400 * 12),
                             cond("Ready", "False", EVICTION_AGO - 60 * i, "PodFailed"),
                             cond("ContainersReady", "False", EVICTION_AGO - 60 * i, "PodFailed"),
                             cond("PodScheduled", "True", 86400 * 12),
                             cond("DisruptionTarget", "True", EVICTION_AGO - 60 * i, "TerminationByKubelet",
                                  "The node was low on resource: memory. Threshold quantity: 100Mi, available: 81244Ki. ")])
        ep["status"].update({"reason": "Evicted", "message": (
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: 81244Ki. Container api was "
            "using 1183252Ki, request is 256Mi, has larger consumption of request. ")})
        ep["status"].pop("podIP", None)
        ep["status"].pop("podIPs", None)
        c.add(ep)
    # a true finding, as history (info): the evictions are over, the node has no pressure now
    c.expect("POD-EVICTED", f"Node/{nodes[-1]}")

    # ---- HPA at its minimum, PDB with maxUnavailable 1
    c.add({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": k8s.meta("HorizontalPodAutoscaler", "api", ns, age=86400 * 40),
           "spec": {"maxReplicas": 6, "minReplicas": 2,
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
                    "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                                            "averageUtilization": 75}}}]},
           "status": {"currentReplicas": 2, "desiredReplicas": 2, "lastScaleTime": ts(86400 * 4),
                      "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {
                          "averageUtilization": 9, "averageValue": "18m"}}}],
                      "conditions": [
                          {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale",
                           "message": "recommended size matches current size", "lastTransitionTime": ts(86400 * 4)},
                          {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound",
                           "message": "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
                           "lastTransitionTime": ts(1100)},
                          {"type": "ScalingLimited", "status": "True", "reason": "TooFewReplicas",
                           "message": "the desired replica count is less than the minimum replica count",
                           "lastTransitionTime": ts(86400 * 4)}]}})
    # metrics of the brand-new pods were missing for a minute after the rollout: normal
    c.add(event(c.find("HorizontalPodAutoscaler", "api", ns), "FailedGetResourceMetric",
                "failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API",
                type_="Warning", count=2, first_ago=1215, last_ago=1200, source="horizontal-pod-autoscaler"))
    c.add({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
           "metadata": k8s.meta("PodDisruptionBudget", "api", ns, age=86400 * 40),
           "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "api"}}},
           "status": {"currentHealthy": 2, "desiredHealthy": 1, "disruptionsAllowed": 1, "expectedPods": 2,
                      "observedGeneration": 1,
                      "conditions": [{"type": "DisruptionAllowed", "status": "True", "reason": "SufficientPods",
                                      "message": "", "lastTransitionTime": ts(1168), "observedGeneration": 1}]}})

    # ---- a CronJob: last run completed; the run before failed once and its retry succeeded
    report_ctr = container("report", f"{registry}/orders/report:1.6.0", cpu="100m", memory="128Mi",
                           limit_memory="256Mi", args=["--since=24h"])
    cj = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": k8s.meta("CronJob", "daily-report", ns, age=86400 * 40),
          "spec": {"schedule": "30 3 * * *", "concurrencyPolicy": "Forbid", "successfulJobsHistoryLimit": 3,
                   "failedJobsHistoryLimit": 1, "suspend": False, "startingDeadlineSeconds": 300,
                   "jobTemplate": {"spec": {"backoffLimit": 3, "template": {"spec": {
                       "restartPolicy": "Never", "containers": [report_ctr]}}}}},
          "status": {"lastScheduleTime": ts(6.5 * 3600), "lastSuccessfulTime": ts(6.5 * 3600 - 71)}}
    c.add(cj)
    for run, ago, attempts in ((29391090, 6.5 * 3600, 1), (29389650, 30.5 * 3600, 2)):
        jname = f"daily-report-{run}"
        ctrl_uid = k8s.uid("Job", ns, jname)
        done = ago - 60 * attempts - 11
        job = {"apiVersion": "batch/v1", "kind": "Job",
               "metadata": k8s.meta("Job", jname, ns, age=ago, owner=cj, labels={
                   "batch.kubernetes.io/controller-uid": ctrl_uid, "batch.kubernetes.io/job-name": jname,
                   "controller-uid": ctrl_uid, "job-name": jname}),
               "spec": {"backoffLimit": 3, "completions": 1, "parallelism": 1, "completionMode": "NonIndexed",
                        "suspend": False, "podReplacementPolicy": "TerminatingOrFailed",
                        "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": ctrl_uid}},
                        "template": copy.deepcopy(cj["spec"]["jobTemplate"]["spec"]["template"])},
               "status": {"succeeded": 1, "ready": 0, "terminating": 0, "startTime": ts(ago), "completionTime": ts(done),
                          "uncountedTerminatedPods": {},
                          "conditions": [cond("SuccessCriteriaMet", "True", done), cond("Complete", "True", done)]}}
        job["metadata"]["uid"] = ctrl_uid
        if attempts > 1:
            job["status"]["failed"] = attempts - 1
        c.add(job)
        for a in range(attempts):
            failed = a < attempts - 1
            start = ago - 60 * a - 2
            end = start - (8 if failed else 69)
            pname = f"{jname}-{suffix(jname, str(a))}"
            jp = pod(pname, ns, nodes[a % len(nodes)], [copy.deepcopy(report_ctr)], owner=job,
                     phase="Failed" if failed else "Succeeded", age=ago - 60 * a,
                     labels={"batch.kubernetes.io/controller-uid": ctrl_uid, "batch.kubernetes.io/job-name": jname,
                             "controller-uid": ctrl_uid, "job-name": jname},
                     host_ip=net.node_ip[nodes[a % len(nodes)]], pod_ip=net.take(nodes[a % len(nodes)]),
                     statuses=[{"name": "report", "image": report_ctr["image"], "imageID": k8s.image_id(report_ctr["image"]),
                                "containerID": "containerd://" + k8s.hexid(pname), "ready": False, "restartCount": 0,
                                "started": False, "lastState": {},
                                "state": {"terminated": terminated(1 if failed else 0, "Error" if failed else "Completed",
                                                                   start, end, pname, "report")}}],
                     conditions=[cond("PodReadyToStartContainers", "False", end), cond("Initialized", "True", ago - 60 * a),
                                 cond("Ready", "False", end, "PodFailed" if failed else "PodCompleted"),
                                 cond("ContainersReady", "False", end, "PodFailed" if failed else "PodCompleted"),
                                 cond("PodScheduled", "True", ago - 60 * a)])
            jp["spec"]["restartPolicy"] = "Never"
            jp["metadata"]["finalizers"] = []
            c.add(jp)
            t0 = COLLECTED_AT.timestamp()
            from datetime import UTC, datetime
            stamp = datetime.fromtimestamp(t0 - start, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            stamp2 = datetime.fromtimestamp(t0 - end, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            c.log(ns, pname, "report", (
                f"{stamp} INFO  report starting window=24h\n"
                + (f"{stamp2} ERROR query failed: pq: the database system is starting up\n"
                   f"{stamp2} FATAL report aborted\n" if failed else
                   f"{stamp2} INFO  report uploaded: 9214 orders, 0 errors\n")))

    # ---- a ResourceQuota near, but under, its limits
    c.add({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": k8s.meta("ResourceQuota", "orders-quota", ns, age=86400 * 40),
           "spec": {"hard": {"limits.memory": "8Gi", "pods": "20", "requests.cpu": "4", "requests.memory": "4Gi",
                             "persistentvolumeclaims": "5", "requests.storage": "100Gi"}},
           "status": {"hard": {"limits.memory": "8Gi", "pods": "20", "requests.cpu": "4", "requests.memory": "4Gi",
                               "persistentvolumeclaims": "5", "requests.storage": "100Gi"},
                      "used": {"limits.memory": "7680Mi", "pods": "18", "requests.cpu": "3700m", "requests.memory": "3712Mi",
                               "persistentvolumeclaims": "3", "requests.storage": "60Gi"}}})

    # ---- a StatefulSet with one PVC per replica and its headless Service
    db_ctr = container("postgres", "docker.io/library/postgres:16.4", cpu="250m", memory="512Mi", limit_memory="1Gi",
                       port=5432, liveness=tcp_probe(5432, initial=30), readiness={
                           "exec": {"command": ["pg_isready", "-U", "orders"]}, "initialDelaySeconds": 5, "periodSeconds": 10,
                           "timeoutSeconds": 5, "successThreshold": 1, "failureThreshold": 6},
                       volume_mounts=[{"mountPath": "/var/lib/postgresql/data", "name": "data"}],
                       env=[{"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
                            {"name": "POSTGRES_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "orders-db", "key": "password"}}}])
    db_ctr["ports"][0]["name"] = "postgres"
    sts = statefulset("orders-db", ns, 3, [db_ctr], labels={"app": "orders-db"}, age=86400 * 40,
                      service_name="orders-db-headless",
                      volume_claim_templates=[{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
                                               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}},
                                                        "storageClassName": storage_class, "volumeMode": "Filesystem"}}])
    sts["spec"]["persistentVolumeClaimRetentionPolicy"] = {"whenDeleted": "Retain", "whenScaled": "Retain"}
    c.add(sts, secret("orders-db", ns, {"password": 32}))
    db_pods = []
    for i in range(3):
        n = nodes[i % len(nodes)]
        pvc_name = f"data-orders-db-{i}"
        pv_name = "pvc-" + k8s.uid("pv", ns, pvc_name)
        pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
               "metadata": k8s.meta("PersistentVolumeClaim", pvc_name, ns, age=86400 * 40 - 60 * i, labels={"app": "orders-db"},
                                    annotations={"pv.kubernetes.io/bind-completed": "yes",
                                                 "pv.kubernetes.io/bound-by-controller": "yes",
                                                 "volume.beta.kubernetes.io/storage-provisioner": provisioner,
                                                 "volume.kubernetes.io/selected-node": n,
                                                 "volume.kubernetes.io/storage-provisioner": provisioner}),
               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}},
                        "storageClassName": storage_class, "volumeMode": "Filesystem", "volumeName": pv_name},
               "status": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "20Gi"}, "phase": "Bound"}}
        pvc["metadata"]["finalizers"] = ["kubernetes.io/pvc-protection"]
        pv = {"apiVersion": "v1", "kind": "PersistentVolume",
              "metadata": k8s.meta("PersistentVolume", pv_name, None, age=86400 * 40 - 60 * i,
                                   annotations={"pv.kubernetes.io/provisioned-by": provisioner}),
              "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "20Gi"},
                       "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": pvc_name, "namespace": ns,
                                    "uid": pvc["metadata"]["uid"], "resourceVersion": "8812"},
                       "persistentVolumeReclaimPolicy": "Delete", "storageClassName": storage_class,
                       "volumeMode": "Filesystem"} | pv_source(n, pv_name),
              "status": {"phase": "Bound", "lastPhaseTransitionTime": ts(86400 * 40 - 60 * i)}}
        pv["metadata"]["finalizers"] = ["kubernetes.io/pv-protection"]
        c.add(pvc, pv)
        dp = pod(f"orders-db-{i}", ns, n, [copy.deepcopy(db_ctr)], owner=sts,
                 labels={"app": "orders-db", "apps.kubernetes.io/pod-index": str(i),
                         "controller-revision-hash": sts["status"]["currentRevision"],
                         "statefulset.kubernetes.io/pod-name": f"orders-db-{i}"},
                 age=86400 * 6 - 300 - 60 * i, host_ip=net.node_ip[n], pod_ip=net.take(n),
                 volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": pvc_name}}])
        dp["spec"]["hostname"] = f"orders-db-{i}"
        dp["spec"]["subdomain"] = "orders-db-headless"
        c.add(dp)
        db_pods.append(dp)
        c.log(ns, dp["metadata"]["name"], "postgres", (
            "\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n"
            f"{_pg_time(86400 * 6 - 330 - 60 * i)} UTC [1] LOG:  starting PostgreSQL 16.4 (Debian 16.4-1.pgdg120+2) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit\n"
            f"{_pg_time(86400 * 6 - 330 - 60 * i)} UTC [1] LOG:  listening on IPv4 address \"0.0.0.0\", port 5432\n"
            f"{_pg_time(86400 * 6 - 331 - 60 * i)} UTC [29] LOG:  database system was shut down at {_pg_time(86400 * 6 + 200)[:19]} UTC\n"
            f"{_pg_time(86400 * 6 - 332 - 60 * i)} UTC [1] LOG:  database system is ready to accept connections\n"
            f"{_pg_time(3000)} UTC [27] LOG:  checkpoint starting: time\n"
            f"{_pg_time(2980)} UTC [27] LOG:  checkpoint complete: wrote 212 buffers (1.3%); 0 WAL file(s) added, 0 removed, 0 recycled; write=20.911 s, sync=0.011 s, total=20.942 s; sync files=41, longest=0.003 s, average=0.001 s; distance=1502 kB, estimate=1622 kB; lsn=0/3A1B2C8, redo lsn=0/3A0D1F0\n"))
    headless = service("orders-db-headless", ns, {"app": "orders-db"}, [svc_port(5432, "postgres", "postgres")], "None",
                       labels={"app": "orders-db"})
    headless["spec"]["clusterIPs"] = ["None"]
    headless["spec"]["publishNotReadyAddresses"] = True
    c.add(headless, endpoints(headless, db_pods, ports=[{"name": "postgres", "port": 5432, "protocol": "TCP"}]))
    for i, a in enumerate(c.objects[-1]["subsets"][0]["addresses"]):
        a["hostname"] = f"orders-db-{i}"
    db_svc = service("orders-db", ns, {"app": "orders-db", "statefulset.kubernetes.io/pod-name": "orders-db-0"},
                     [svc_port(5432, 5432, "postgres")], cidr_ip(c, 41), labels={"app": "orders-db"})
    c.add(db_svc, endpoints(db_svc, db_pods[:1], ports=[{"name": "postgres", "port": 5432, "protocol": "TCP"}]))

    # ---- ExternalName Service; a Service without selector with hand-made Endpoints
    ext = {"apiVersion": "v1", "kind": "Service", "metadata": k8s.meta("Service", "payments-api", ns, age=86400 * 40),
           "spec": {"type": "ExternalName", "externalName": "api.payments.example.com", "sessionAffinity": "None"},
           "status": {"loadBalancer": {}}}
    legacy = service("legacy-erp", ns, None, [svc_port(443, 8443, "https")], cidr_ip(c, 42), labels={"app": "legacy-erp"})
    legacy_ep = {"apiVersion": "v1", "kind": "Endpoints",
                 "metadata": k8s.meta("Endpoints", "legacy-erp", ns, age=86400 * 40, labels={"app": "legacy-erp"}),
                 "subsets": [{"addresses": [{"ip": "192.168.200.17"}, {"ip": "192.168.200.18"}],
                              "ports": [{"name": "https", "port": 8443, "protocol": "TCP"}]}]}
    c.add(ext, legacy, legacy_ep)

    # ---- a DaemonSet that selects only some nodes
    sel_key, sel_val = selective_label
    ds = daemonset("nvme-tuner", ns, [container("tuner", f"{registry}/platform/nvme-tuner:0.4.1", cpu="10m", memory="16Mi",
                                                 limit_memory="32Mi")], nodes=len(selective_nodes),
                   labels={"app": "nvme-tuner"}, age=86400 * 30, tolerations=[])
    ds["spec"]["template"]["spec"]["nodeSelector"] = {sel_key: sel_val}
    ds["spec"]["template"]["spec"].pop("priorityClassName")
    ds["spec"]["template"]["spec"].pop("tolerations")
    ds_with_pods(c, net, ds, selective_nodes, 86400 * 6 - 200)

    # configuration the workloads reference
    c.add(sa("default", ns), configmap("kube-root-ca.crt", ns, {"ca.crt": CA_PEM}))


def _pg_time(seconds_ago: float) -> str:
    from datetime import timedelta
    return (COLLECTED_AT - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%d %H:%M:%S.") + "123"


def cidr_ip(c: Cluster, n: int) -> str:
    base = "10.100." if c.description.startswith("EKS") else "10.43."
    return f"{base}{80 + n}.{(n * 37) % 250 + 3}"


CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIc...\n-----END CERTIFICATE-----\n"


# ====================================================================== EKS
EKS_NODES = {
    "ip-10-0-1-23.eu-west-1.compute.internal": ("10.0.1.23", "eu-west-1a", "10.0.1."),
    "ip-10-0-2-87.eu-west-1.compute.internal": ("10.0.2.87", "eu-west-1b", "10.0.2."),
    "ip-10-0-3-141.eu-west-1.compute.internal": ("10.0.3.141", "eu-west-1c", "10.0.3."),
    # added by the cluster autoscaler fifteen minutes before collection: start-up noise only
    "ip-10-0-1-200.eu-west-1.compute.internal": ("10.0.1.200", "eu-west-1a", "10.0.1."),
}
NEW_NODE = "ip-10-0-1-200.eu-west-1.compute.internal"
JOIN_AGO = 900
EKS_VERSION = "v1.31.4-eks-2d5f260"
ECR = "602401143452.dkr.ecr.eu-west-1.amazonaws.com"
ACCOUNT = "111122223333"
CLUSTER = "prod-eu"


def irsa(role: str) -> tuple[list[Obj], list[Obj], list[Obj]]:
    """What the EKS pod identity webhook injects: env, the token volume and its mount."""
    env = [{"name": "AWS_STS_REGIONAL_ENDPOINTS", "value": "regional"},
           {"name": "AWS_DEFAULT_REGION", "value": "eu-west-1"},
           {"name": "AWS_REGION", "value": "eu-west-1"},
           {"name": "AWS_ROLE_ARN", "value": f"arn:aws:iam::{ACCOUNT}:role/{role}"},
           {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}]
    vols = [{"name": "aws-iam-token", "projected": {"defaultMode": 420, "sources": [{"serviceAccountToken": {
        "audience": "sts.amazonaws.com", "expirationSeconds": 86400, "path": "token"}}]}}]
    mounts = [{"mountPath": "/var/run/secrets/eks.amazonaws.com/serviceaccount", "name": "aws-iam-token", "readOnly": True}]
    return env, vols, mounts


def with_irsa(ctr: Obj, role: str) -> Obj:
    env, _, mounts = irsa(role)
    ctr["env"] = list(ctr.get("env") or []) + env
    ctr["volumeMounts"] = mounts + ctr["volumeMounts"]
    return ctr


def eks_node(name: str) -> Obj:
    ip, zone, _ = EKS_NODES[name]
    ng = "general-20241002" if not name.startswith("ip-10-0-3") else "storage-20241002"
    n = node(name, ip, [], cpu="4", memory_ki=15896988, pods=58, age=JOIN_AGO if name == NEW_NODE else BOOT_AGO + 120,
             kubelet_version=EKS_VERSION,
             labels={"eks.amazonaws.com/capacityType": "ON_DEMAND", "eks.amazonaws.com/nodegroup": ng,
                     "eks.amazonaws.com/nodegroup-image": "ami-0b2f8e3c1a9d7e654",
                     "eks.amazonaws.com/sourceLaunchTemplateId": "lt-0a1b2c3d4e5f60718",
                     "eks.amazonaws.com/sourceLaunchTemplateVersion": "3",
                     "k8s.io/cloud-provider-aws": k8s.hexid("cp", CLUSTER, n=32),
                     "node.kubernetes.io/instance-type": "m5.xlarge", "beta.kubernetes.io/instance-type": "m5.xlarge",
                     "failure-domain.beta.kubernetes.io/region": "eu-west-1", "failure-domain.beta.kubernetes.io/zone": zone,
                     "topology.kubernetes.io/zone": zone, "topology.k8s.aws/zone-id": "euw1-az" + zone[-1].replace("a", "1").replace("b", "2").replace("c", "3"),
                     "topology.ebs.csi.aws.com/zone": zone}
             | ({"storage.example.com/local-nvme": "true"} if ng.startswith("storage") else {}))
    iid = "i-0" + k8s.hexid("i", name, n=16)
    n["metadata"]["annotations"] = {"alpha.kubernetes.io/provided-node-ip": ip,
                                    "csi.volume.kubernetes.io/nodeid": f'{{"ebs.csi.aws.com":"{iid}"}}',
                                    "node.alpha.kubernetes.io/ttl": "0",
                                    "volumes.kubernetes.io/controller-managed-attach-detach": "true"}
    n["spec"] = {"providerID": f"aws:///{zone}/{iid}"}
    n["status"]["addresses"] = [{"address": ip, "type": "InternalIP"}, {"address": name, "type": "InternalDNS"},
                                {"address": name, "type": "Hostname"}]
    n["status"]["nodeInfo"] |= {"containerRuntimeVersion": "containerd://1.7.22", "kernelVersion": "6.8.0-1019-aws",
                                "osImage": "Ubuntu 22.04.5 LTS", "kubeProxyVersion": EKS_VERSION}
    n["status"]["allocatable"] |= {"cpu": "3920m", "memory": "14793044Ki", "ephemeral-storage": "95551679124"}
    if name == NEW_NODE:  # Ready once the VPC CNI was up, 45 s after registration
        for cd in n["status"]["conditions"]:
            cd["lastTransitionTime"] = ts(JOIN_AGO - 45 if cd["type"] == "Ready" else JOIN_AGO)
    # the past memory-pressure episode on the last node: long over
    if name.startswith("ip-10-0-3"):
        for cd in n["status"]["conditions"]:
            if cd["type"] == "MemoryPressure":
                cd["lastTransitionTime"] = ts(EVICTION_AGO - 300)
    return n


def build_eks() -> Cluster:  # noqa: C901 - one straight-line cluster description
    c = Cluster(description="EKS-style healthy cluster: managed control plane (not visible), three nodes, VPC CNI, "
                            "EBS CSI, AWS Load Balancer Controller, IRSA pods, day-2 noise.")
    names = list(EKS_NODES)
    net = Net({n: v[0] for n, v in EKS_NODES.items()}, {n: v[2] for n, v in EKS_NODES.items()})
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease", "orders", "amazon-cloudwatch"]:
        c.add(namespace(ns, age=86400 * 200 if ns.startswith(("kube", "default")) else 86400 * 60,
                        labels={"elbv2.k8s.aws/pod-readiness-gate-inject": "enabled"} if ns == "orders" else None))
    for n in names:
        c.add(eks_node(n))
        c.add(lease(n, "kube-node-lease", n, renew_ago=6, duration=40))
    # leases of the managed control plane: their holders are control-plane hosts we never see
    for lname, holder in (("kube-controller-manager", "ip-172-16-47-91.eu-west-1.compute.internal"),
                          ("kube-scheduler", "ip-172-16-102-13.eu-west-1.compute.internal"),
                          ("cloud-controller-manager", "ip-172-16-47-91.eu-west-1.compute.internal"),
                          ("eks-certificates-controller", "ip-172-16-102-13.eu-west-1.compute.internal")):
        c.add(lease(lname, "kube-system", f"{holder}_{k8s.uid('holder', lname)}", renew_ago=1.5))
    kube_svc = service("kubernetes", "default", None, [svc_port(443, 443, "https")], "10.100.0.1",
                       labels={"component": "apiserver", "provider": "kubernetes"}, age=86400 * 200)
    c.add(kube_svc, {"apiVersion": "v1", "kind": "Endpoints",
                     "metadata": k8s.meta("Endpoints", "kubernetes", "default", age=86400 * 200,
                                          labels={"endpointslice.kubernetes.io/skip-mirror": "true"}),
                     "subsets": [{"addresses": [{"ip": "10.0.2.214"}, {"ip": "10.0.3.52"}],
                                  "ports": [{"name": "https", "port": 443, "protocol": "TCP"}]}]})

    # ---- aws-node (VPC CNI) with its init container, and kube-proxy
    cni_env = [{"name": "ADDITIONAL_ENI_TAGS", "value": "{}"}, {"name": "AWS_VPC_CNI_NODE_PORT_SUPPORT", "value": "true"},
               {"name": "AWS_VPC_ENI_MTU", "value": "9001"}, {"name": "AWS_VPC_K8S_CNI_EXTERNALSNAT", "value": "false"},
               {"name": "AWS_VPC_K8S_CNI_LOGLEVEL", "value": "DEBUG"},
               {"name": "AWS_VPC_K8S_CNI_LOG_FILE", "value": "/host/var/log/aws-routed-eni/ipamd.log"},
               {"name": "ENABLE_PREFIX_DELEGATION", "value": "false"}, {"name": "WARM_ENI_TARGET", "value": "1"},
               {"name": "MY_NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
               {"name": "CLUSTER_NAME", "value": CLUSTER}, {"name": "VPC_ID", "value": "vpc-0c1a2b3d4e5f67890"}]
    grpc_probe = {"exec": {"command": ["/app/grpc-health-probe", "-addr=:50051", "-connect-timeout=5s", "-rpc-timeout=5s"]},
                  "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3, "timeoutSeconds": 10}
    aws_node_ctr = container("aws-node", f"{ECR}/amazon-k8s-cni:v1.19.0-eksbuild.1", cpu="25m", memory=None,
                             limit_memory=None, env=cni_env,
                             liveness=grpc_probe | {"initialDelaySeconds": 60}, readiness=grpc_probe | {"initialDelaySeconds": 1},
                             volume_mounts=[{"mountPath": "/host/opt/cni/bin", "name": "cni-bin-dir"},
                                            {"mountPath": "/host/etc/cni/net.d", "name": "cni-net-dir"},
                                            {"mountPath": "/host/var/log/aws-routed-eni", "name": "log-dir"},
                                            {"mountPath": "/var/run/aws-node", "name": "run-dir"},
                                            {"mountPath": "/run/xtables.lock", "name": "xtables-lock"}])
    aws_node_ctr["ports"] = [{"containerPort": 61678, "hostPort": 61678, "name": "metrics", "protocol": "TCP"}]
    aws_node_ctr["securityContext"] = {"capabilities": {"add": ["NET_ADMIN", "NET_RAW"]}}
    agent_ctr = container("aws-eks-nodeagent", f"{ECR}/amazon/aws-network-policy-agent:v1.1.5-eksbuild.1", cpu="25m",
                          memory=None, limit_memory=None, args=["--enable-ipv6=false", "--enable-network-policy=false",
                                                                "--enable-cloudwatch-logs=false", "--enable-policy-event-logs=false",
                                                                "--metrics-bind-addr=:8162", "--health-probe-bind-addr=:8163",
                                                                "--conntrack-cache-cleanup-period=300"])
    agent_ctr["securityContext"] = {"capabilities": {"add": ["NET_ADMIN"]}, "privileged": True}
    init_ctr = container("aws-vpc-cni-init", f"{ECR}/amazon-k8s-cni-init:v1.19.0-eksbuild.1", cpu="25m", memory=None,
                         limit_memory=None, env=[{"name": "DISABLE_TCP_EARLY_DEMUX", "value": "false"},
                                                 {"name": "ENABLE_IPv6", "value": "false"}],
                         volume_mounts=[{"mountPath": "/host/opt/cni/bin", "name": "cni-bin-dir"}])
    init_ctr["securityContext"] = {"privileged": True}
    aws_node = daemonset("aws-node", "kube-system", [aws_node_ctr, agent_ctr], nodes=3, labels={"k8s-app": "aws-node"},
                         age=86400 * 200, host_network=True)
    aws_node["metadata"]["labels"] |= {"app.kubernetes.io/instance": "aws-vpc-cni", "app.kubernetes.io/name": "aws-node",
                                       "app.kubernetes.io/version": "v1.19.0"}
    tpl = aws_node["spec"]["template"]["spec"]
    tpl["initContainers"] = [init_ctr]
    tpl["serviceAccountName"] = "aws-node"
    tpl["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
                              {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]},
                              {"key": "eks.amazonaws.com/compute-type", "operator": "NotIn", "values": ["fargate", "hybrid"]}]}]}}}
    tpl["volumes"] = [{"name": "cni-bin-dir", "hostPath": {"path": "/opt/cni/bin", "type": ""}},
                      {"name": "cni-net-dir", "hostPath": {"path": "/etc/cni/net.d", "type": ""}},
                      {"name": "log-dir", "hostPath": {"path": "/var/log/aws-routed-eni", "type": "DirectoryOrCreate"}},
                      {"name": "run-dir", "hostPath": {"path": "/var/run/aws-node", "type": "DirectoryOrCreate"}},
                      {"name": "xtables-lock", "hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"}}]
    aws_node["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"] = "10%"
    aws_pods = ds_with_pods(c, net, aws_node, names, BOOT_AGO - 30, host_network=True)
    for p in aws_pods:
        b = JOIN_AGO + 40 if p["spec"]["nodeName"] == NEW_NODE else BOOT_AGO
        c.log("kube-system", p["metadata"]["name"], "aws-node", aws_node_log(p["spec"]["nodeName"]))
        c.log("kube-system", p["metadata"]["name"], "aws-eks-nodeagent", (
            f'{{"level":"info","ts":"{_iso(b - 33)[:-1]}.214Z","logger":"setup","caller":"runtime/proc.go:272","msg":"version","GitVersion":"","GitCommit":"","BuildDate":""}}\n'
            f'{{"level":"info","ts":"{_iso(b - 33)[:-1]}.301Z","logger":"setup","caller":"runtime/proc.go:272","msg":"Network Policy is disabled, waiting for the controller"}}\n'))
        c.log("kube-system", p["metadata"]["name"], "aws-vpc-cni-init", (
            "Copying CNI plugin binaries ... \n"
            "Configure rp_filter loose... \n"
            "net.ipv4.conf.eth0.rp_filter = 2\n"
            "net.ipv4.tcp_early_demux = 1\n"
            "CNI init container done\n"))
    c.add(sa("aws-node", "kube-system"))

    proxy = daemonset("kube-proxy", "kube-system", [container(
        "kube-proxy", f"{ECR}/eks/kube-proxy:v1.31.3-minimal-eksbuild.2", cpu="100m", memory=None, limit_memory=None,
        command=["kube-proxy", "--v=2", "--config=/var/lib/kube-proxy-config/config", "--hostname-override=$(NODE_NAME)"],
        env=[{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}}])],
        nodes=3, labels={"k8s-app": "kube-proxy"}, age=86400 * 200, host_network=True)
    proxy["metadata"]["labels"] |= {"eks.amazonaws.com/component": "kube-proxy"}
    proxy["spec"]["template"]["spec"]["serviceAccountName"] = "kube-proxy"
    proxy["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"] = "10%"
    for p in ds_with_pods(c, net, proxy, names, BOOT_AGO - 30, host_network=True):
        c.log("kube-system", p["metadata"]["name"], "kube-proxy", eks_proxy_log(p["spec"]["nodeName"]))
    c.add(sa("kube-proxy", "kube-system"))

    # ---- CoreDNS
    dns_ctr = container("coredns", f"{ECR}/eks/coredns:v1.11.3-eksbuild.2", cpu="100m", memory="70Mi",
                        limit_memory="170Mi", args=["-conf", "/etc/coredns/Corefile"],
                        liveness=http_probe("/health", 8080, initial=60, timeout=5, failure=5),
                        readiness=http_probe("/ready", 8181, initial=0, period=10),
                        volume_mounts=[{"mountPath": "/etc/coredns", "name": "config-volume", "readOnly": True}])
    dns_ctr["ports"] = [{"containerPort": 53, "name": "dns", "protocol": "UDP"},
                        {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                        {"containerPort": 9153, "name": "metrics", "protocol": "TCP"}]
    coredns = deployment("coredns", "kube-system", 2, [dns_ctr], labels={"k8s-app": "kube-dns", "eks.amazonaws.com/component": "coredns"},
                         age=86400 * 200, strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}})
    t = coredns["spec"]["template"]["spec"]
    t |= {"priorityClassName": "system-cluster-critical", "serviceAccountName": "coredns",
          "volumes": [{"name": "config-volume", "configMap": {"defaultMode": 420, "name": "coredns",
                                                               "items": [{"key": "Corefile", "path": "Corefile"}]}}],
          "tolerations": [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"},
                          {"key": "CriticalAddonsOnly", "operator": "Exists"},
                          {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
                          {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}]}
    _, dns_pods = deploy(c, net, coredns, names[:2], BOOT_AGO - 60)
    for p in dns_pods:
        c.log("kube-system", p["metadata"]["name"], "coredns", COREDNS_LOG)
    dns_svc = service("kube-dns", "kube-system", {"k8s-app": "kube-dns"},
                      [svc_port(53, 53, "dns", "UDP"), svc_port(53, 53, "dns-tcp"), svc_port(9153, 9153, "metrics")],
                      "10.100.0.10", labels={"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS",
                                             "eks.amazonaws.com/component": "kube-dns"}, age=86400 * 200)
    c.add(dns_svc, endpoints(dns_svc, dns_pods, ports=[{"name": "dns", "port": 53, "protocol": "UDP"},
                                                       {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                                                       {"name": "metrics", "port": 9153, "protocol": "TCP"}]))
    c.add(configmap("coredns", "kube-system", {"Corefile": EKS_COREFILE}), sa("coredns", "kube-system"))

    # ---- EBS CSI driver: controller with its sidecars, node plugin with the registrar
    ebs_img = "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.37.0"
    side = "public.ecr.aws/eks-distro/kubernetes-csi"
    socket_mount = [{"mountPath": "/var/lib/csi/sockets/pluginproxy/", "name": "socket-dir"}]
    ebs_plugin = container("ebs-plugin", ebs_img, cpu="10m", memory="40Mi", limit_memory="256Mi",
                           args=["controller", "--endpoint=$(CSI_ENDPOINT)", "--batching=true", "--logging-format=text",
                                 "--user-agent-extra=eks", "--v=2"],
                           env=[{"name": "CSI_ENDPOINT", "value": "unix:///var/lib/csi/sockets/pluginproxy/csi.sock"},
                                {"name": "CSI_NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}}],
                           liveness=http_probe("/healthz", "healthz", initial=10, period=10, timeout=3, failure=5),
                           readiness=http_probe("/healthz", "healthz", initial=10, period=10, timeout=3, failure=5),
                           volume_mounts=socket_mount)
    ebs_plugin["ports"] = [{"containerPort": 9808, "name": "healthz", "protocol": "TCP"}]
    with_irsa(ebs_plugin, "AmazonEKS_EBS_CSI_DriverRole")
    sidecars = [container(n_, f"{side}/{img}", cpu="10m", memory="40Mi", limit_memory="256Mi", args=args,
                          env=[{"name": "ADDRESS", "value": "/var/lib/csi/sockets/pluginproxy/csi.sock"}],
                          volume_mounts=socket_mount)
                for n_, img, args in (
                    ("csi-provisioner", "external-provisioner:v5.1.0-eks-1-31-5",
                     ["--timeout=60s", "--csi-address=$(ADDRESS)", "--v=2", "--feature-gates=Topology=true",
                      "--extra-create-metadata", "--leader-election=true", "--default-fstype=ext4", "--kube-api-qps=20",
                      "--kube-api-burst=100", "--worker-threads=100"]),
                    ("csi-attacher", "external-attacher:v4.7.0-eks-1-31-5",
                     ["--timeout=6m", "--csi-address=$(ADDRESS)", "--v=2", "--leader-election=true", "--kube-api-qps=20",
                      "--kube-api-burst=100", "--worker-threads=100"]),
                    ("csi-resizer", "external-resizer:v1.12.0-eks-1-31-5",
                     ["--timeout=60s", "--csi-address=$(ADDRESS)", "--v=2", "--handle-volume-inuse-error=false",
                      "--leader-election=true"]),
                    ("liveness-probe", "livenessprobe:v2.14.0-eks-1-31-5", ["--csi-address=/csi/csi.sock"]))]
    sidecars[-1]["volumeMounts"] = [{"mountPath": "/csi", "name": "socket-dir"}] + sidecars[-1]["volumeMounts"][-1:]
    sidecars[-1].pop("env")
    ebs_ctrl = deployment("ebs-csi-controller", "kube-system", 2, [ebs_plugin, *sidecars],
                          labels={"app": "ebs-csi-controller", "app.kubernetes.io/name": "aws-ebs-csi-driver"}, age=86400 * 120,
                          strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}})
    ebs_ctrl["metadata"]["labels"] |= {"app.kubernetes.io/component": "csi-driver", "app.kubernetes.io/managed-by": "EKS"}
    t = ebs_ctrl["spec"]["template"]["spec"]
    t |= {"priorityClassName": "system-cluster-critical", "serviceAccountName": "ebs-csi-controller-sa",
          "nodeSelector": {"kubernetes.io/os": "linux"},
          "volumes": [{"name": "socket-dir", "emptyDir": {}}] + irsa("AmazonEKS_EBS_CSI_DriverRole")[1],
          "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                          {"effect": "NoExecute", "operator": "Exists", "tolerationSeconds": 300}]}
    _, ebs_pods = deploy(c, net, ebs_ctrl, names[1:3], BOOT_AGO - 90)
    for i, p in enumerate(ebs_pods):
        pn = p["metadata"]["name"]
        c.log("kube-system", pn, "ebs-plugin", (
            f'I{klog_time(BOOT_AGO - 95)}       1 main.go:154] "Initializing metadata"\n'
            f'I{klog_time(BOOT_AGO - 95)}       1 metadata.go:48] "Retrieving EC2 instance identity document"\n'
            f'I{klog_time(BOOT_AGO - 94)}       1 driver.go:69] "Driver Information" Driver="ebs.csi.aws.com" Version="v1.37.0"\n'
            + (f'I{klog_time(86400 * 2)}       1 controller.go:415] "ControllerPublishVolume: attached" volumeID="vol-0{k8s.hexid("v", "2", n=16)}" nodeID="i-0{k8s.hexid("i", names[2], n=16)}" devicePath="/dev/xvdaa"\n' if i == 0 else "")))
        lead = i == 0
        c.log("kube-system", pn, "csi-provisioner", (
            f"I{klog_time(BOOT_AGO - 93)}       1 feature_gate.go:387] feature gates: {{map[Topology:true]}}\n"
            f"I{klog_time(BOOT_AGO - 93)}       1 csi-provisioner.go:154] Version: v5.1.0-eks-1-31-5\n"
            f"W{klog_time(BOOT_AGO - 93)}       1 connection.go:234] Still connecting to unix:///var/lib/csi/sockets/pluginproxy/csi.sock\n"
            f"I{klog_time(BOOT_AGO - 92)}       1 common.go:143] \"Probing CSI driver for readiness\"\n"
            f"I{klog_time(BOOT_AGO - 92)}       1 leaderelection.go:254] attempting to acquire leader lease kube-system/ebs-csi-aws-com...\n"
            + (f"I{klog_time(BOOT_AGO - 76)}       1 leaderelection.go:268] successfully acquired lease kube-system/ebs-csi-aws-com\n"
               f"I{klog_time(BOOT_AGO - 76)}       1 controller.go:824] \"Starting provisioner controller\" component=\"ebs.csi.aws.com_{pn}_{k8s.uid('prov', pn)}\"\n"
               if lead else "")))
        c.log("kube-system", pn, "csi-attacher", (
            f"I{klog_time(BOOT_AGO - 93)}       1 main.go:110] \"Version\" version=\"v4.7.0-eks-1-31-5\"\n"
            f"I{klog_time(BOOT_AGO - 92)}       1 common.go:143] \"Probing CSI driver for readiness\"\n"
            f"I{klog_time(BOOT_AGO - 92)}       1 leaderelection.go:254] attempting to acquire leader lease kube-system/external-attacher-leader-ebs-csi-aws-com...\n"
            + (f"I{klog_time(BOOT_AGO - 75)}       1 leaderelection.go:268] successfully acquired lease kube-system/external-attacher-leader-ebs-csi-aws-com\n" if lead else "")))
        c.log("kube-system", pn, "csi-resizer", (
            f"I{klog_time(BOOT_AGO - 93)}       1 main.go:109] \"Version\" version=\"v1.12.0-eks-1-31-5\"\n"
            f"I{klog_time(BOOT_AGO - 92)}       1 leaderelection.go:254] attempting to acquire leader lease kube-system/external-resizer-ebs-csi-aws-com...\n"))
        c.log("kube-system", pn, "liveness-probe", (
            f"I{klog_time(BOOT_AGO - 93)}       1 main.go:135] \"calling CSI driver to discover driver name\"\n"
            f"I{klog_time(BOOT_AGO - 92)}       1 main.go:143] \"CSI driver name\" driver=\"ebs.csi.aws.com\"\n"
            f"I{klog_time(BOOT_AGO - 92)}       1 main.go:172] \"ServeMux listening\" address=\"0.0.0.0:9808\"\n"))
    for lname in ("ebs-csi-aws-com", "external-attacher-leader-ebs-csi-aws-com", "external-resizer-ebs-csi-aws-com"):
        c.add(lease(lname, "kube-system", ebs_pods[0]["metadata"]["name"], renew_ago=3, duration=137))
    c.add(sa("ebs-csi-controller-sa", "kube-system", {"eks.amazonaws.com/role-arn": f"arn:aws:iam::{ACCOUNT}:role/AmazonEKS_EBS_CSI_DriverRole"}),
          sa("ebs-csi-node-sa", "kube-system"))

    node_plugin = container("ebs-plugin", ebs_img, cpu="10m", memory="40Mi", limit_memory="256Mi",
                            args=["node", "--endpoint=$(CSI_ENDPOINT)", "--logging-format=text", "--v=2"],
                            env=[{"name": "CSI_ENDPOINT", "value": "unix:/csi/csi.sock"},
                                 {"name": "CSI_NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}}],
                            liveness=http_probe("/healthz", "healthz", initial=10, period=10, timeout=3, failure=5),
                            volume_mounts=[{"mountPath": "/var/lib/kubelet", "mountPropagation": "Bidirectional", "name": "kubelet-dir"},
                                           {"mountPath": "/csi", "name": "plugin-dir"}, {"mountPath": "/dev", "name": "device-dir"}])
    node_plugin["ports"] = [{"containerPort": 9808, "name": "healthz", "protocol": "TCP"}]
    node_plugin["securityContext"] = {"privileged": True, "readOnlyRootFilesystem": True}
    registrar = container("node-driver-registrar", f"{side}/node-driver-registrar:v2.12.0-eks-1-31-5", cpu="10m",
                          memory="40Mi", limit_memory="256Mi",
                          args=["--csi-address=$(ADDRESS)", "--kubelet-registration-path=$(DRIVER_REG_SOCK_PATH)", "--v=2"],
                          env=[{"name": "ADDRESS", "value": "/csi/csi.sock"},
                               {"name": "DRIVER_REG_SOCK_PATH", "value": "/var/lib/kubelet/plugins/ebs.csi.aws.com/csi.sock"}],
                          liveness={"exec": {"command": ["/csi-node-driver-registrar", "--kubelet-registration-path=$(DRIVER_REG_SOCK_PATH)",
                                                         "--mode=kubelet-registration-probe"]},
                                    "initialDelaySeconds": 30, "periodSeconds": 90, "timeoutSeconds": 15,
                                    "successThreshold": 1, "failureThreshold": 3},
                          volume_mounts=[{"mountPath": "/csi", "name": "plugin-dir"}, {"mountPath": "/registration", "name": "registration-dir"},
                                         {"mountPath": "/var/lib/kubelet/plugins/ebs.csi.aws.com/", "name": "probe-dir"}])
    node_live = container("liveness-probe", f"{side}/livenessprobe:v2.14.0-eks-1-31-5", cpu="10m", memory="40Mi",
                          limit_memory="256Mi", args=["--csi-address=/csi/csi.sock"],
                          volume_mounts=[{"mountPath": "/csi", "name": "plugin-dir"}])
    ebs_node = daemonset("ebs-csi-node", "kube-system", [node_plugin, registrar, node_live], nodes=3,
                         labels={"app": "ebs-csi-node", "app.kubernetes.io/name": "aws-ebs-csi-driver"}, age=86400 * 120)
    t = ebs_node["spec"]["template"]["spec"]
    t |= {"serviceAccountName": "ebs-csi-node-sa", "nodeSelector": {"kubernetes.io/os": "linux"},
          "volumes": [{"name": "kubelet-dir", "hostPath": {"path": "/var/lib/kubelet", "type": "Directory"}},
                      {"name": "plugin-dir", "hostPath": {"path": "/var/lib/kubelet/plugins/ebs.csi.aws.com/", "type": "DirectoryOrCreate"}},
                      {"name": "registration-dir", "hostPath": {"path": "/var/lib/kubelet/plugins_registry/", "type": "Directory"}},
                      {"name": "device-dir", "hostPath": {"path": "/dev", "type": "Directory"}},
                      {"name": "probe-dir", "emptyDir": {}}]}
    ebs_node["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"] = "10%"
    for p in ds_with_pods(c, net, ebs_node, names, BOOT_AGO - 40):
        b = JOIN_AGO + 40 if p["spec"]["nodeName"] == NEW_NODE else BOOT_AGO
        pn, nn = p["metadata"]["name"], p["spec"]["nodeName"]
        c.log("kube-system", pn, "ebs-plugin", (
            f'I{klog_time(b - 45)}       1 main.go:154] "Initializing metadata"\n'
            f'I{klog_time(b - 45)}       1 metadata.go:48] "Retrieving EC2 instance identity document"\n'
            f'I{klog_time(b - 44)}       1 driver.go:69] "Driver Information" Driver="ebs.csi.aws.com" Version="v1.37.0"\n'
            f'I{klog_time(b - 44)}       1 node.go:941] "CSINode Allocatable value is set" nodeName="{nn}" count=25\n'))
        c.log("kube-system", pn, "node-driver-registrar", (
            f"I{klog_time(b - 44)}       1 main.go:135] \"Version\" version=\"v2.12.0-eks-1-31-5\"\n"
            f"I{klog_time(b - 44)}       1 main.go:136] \"Running node-driver-registrar\" mode=\"\"\n"
            f"I{klog_time(b - 44)}       1 node_register.go:56] \"Starting Registration Server\" socketPath=\"/registration/ebs.csi.aws.com-reg.sock\"\n"
            f"I{klog_time(b - 44)}       1 node_register.go:66] \"Registration Server started\" socketPath=\"/registration/ebs.csi.aws.com-reg.sock\"\n"
            f"I{klog_time(b - 43)}       1 main.go:96] \"Received GetInfo call\" request=\"&InfoRequest{{}}\"\n"
            f"I{klog_time(b - 43)}       1 main.go:108] \"Received NotifyRegistrationStatus call\" status=\"&RegistrationStatus{{PluginRegistered:true,Error:,}}\"\n"))
        c.log("kube-system", pn, "liveness-probe", (
            f"I{klog_time(b - 44)}       1 main.go:143] \"CSI driver name\" driver=\"ebs.csi.aws.com\"\n"
            f"I{klog_time(b - 44)}       1 main.go:172] \"ServeMux listening\" address=\"0.0.0.0:9808\"\n"))
    c.add({"apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver",
           "metadata": k8s.meta("CSIDriver", "ebs.csi.aws.com", None, age=86400 * 120, labels={"app.kubernetes.io/name": "aws-ebs-csi-driver"}),
           "spec": {"attachRequired": True, "fsGroupPolicy": "ReadWriteOnceWithFSType", "podInfoOnMount": False,
                    "requiresRepublish": False, "seLinuxMount": False, "storageCapacity": False,
                    "volumeLifecycleModes": ["Persistent"]}})
    for sc, default, prov, params in (("gp2", False, "kubernetes.io/aws-ebs", {"fsType": "ext4", "type": "gp2"}),
                                      ("gp3", True, "ebs.csi.aws.com", {"type": "gp3", "encrypted": "true"})):
        c.add({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
               "metadata": k8s.meta("StorageClass", sc, None, age=86400 * 200, annotations=(
                   {"storageclass.kubernetes.io/is-default-class": "true"} if default else None)),
               "provisioner": prov, "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer",
               "allowVolumeExpansion": sc == "gp3", "parameters": params})

    # ---- metrics-server
    ms_ctr = container("metrics-server", f"{ECR}/eks/metrics-server:v0.7.2-eksbuild.1", cpu="100m", memory="200Mi",
                       limit_memory=None, args=["--secure-port=10251", "--cert-dir=/tmp", "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
                                                "--kubelet-use-node-status-port", "--metric-resolution=15s"],
                       liveness=http_probe("/livez", "https", initial=0, period=10),
                       readiness=http_probe("/readyz", "https", initial=20, period=10))
    for pr in ("livenessProbe", "readinessProbe"):
        ms_ctr[pr]["httpGet"]["scheme"] = "HTTPS"
    ms_ctr["ports"] = [{"containerPort": 10251, "name": "https", "protocol": "TCP"}]
    ms = deployment("metrics-server", "kube-system", 2, [ms_ctr], labels={"k8s-app": "metrics-server"}, age=86400 * 120)
    ms["spec"]["template"]["spec"] |= {"priorityClassName": "system-cluster-critical", "serviceAccountName": "metrics-server"}
    _, ms_pods = deploy(c, net, ms, [names[0], names[2]], BOOT_AGO - 70)
    for p in ms_pods:
        c.log("kube-system", p["metadata"]["name"], "metrics-server", (
            f"I{klog_time(BOOT_AGO - 75)}       1 serving.go:374] Generated self-signed cert (/tmp/apiserver.crt, /tmp/apiserver.key)\n"
            f"I{klog_time(BOOT_AGO - 74)}       1 handler.go:275] Adding GroupVersion metrics.k8s.io v1beta1 to ResourceManager\n"
            f"I{klog_time(BOOT_AGO - 74)}       1 secure_serving.go:213] Serving securely on [::]:10251\n"
            f"I{klog_time(BOOT_AGO - 73)}       1 server.go:191] \"Failed probe\" probe=\"metric-storage-ready\" err=\"no metrics to serve\"\n"
            f"I{klog_time(BOOT_AGO - 63)}       1 server.go:191] \"Failed probe\" probe=\"metric-storage-ready\" err=\"no metrics to serve\"\n"))
    ms_svc = service("metrics-server", "kube-system", {"k8s-app": "metrics-server"}, [svc_port(443, "https", "https")],
                     "10.100.51.210", labels={"k8s-app": "metrics-server"}, age=86400 * 120)
    c.add(ms_svc, endpoints(ms_svc, ms_pods, ports=[{"name": "https", "port": 10251, "protocol": "TCP"}]),
          sa("metrics-server", "kube-system"))
    c.add({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
           "metadata": k8s.meta("APIService", "v1beta1.metrics.k8s.io", None, age=86400 * 120, labels={"k8s-app": "metrics-server"}),
           "spec": {"group": "metrics.k8s.io", "groupPriorityMinimum": 100, "insecureSkipTLSVerify": True,
                    "service": {"name": "metrics-server", "namespace": "kube-system", "port": 443}, "version": "v1beta1",
                    "versionPriority": 100},
           "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Passed",
                                      "message": "all checks passed", "lastTransitionTime": ts(BOOT_AGO - 100)}]}})

    # ---- AWS Load Balancer Controller and its webhooks
    lbc_ctr = container("aws-load-balancer-controller", "public.ecr.aws/eks/aws-load-balancer-controller:v2.10.0",
                        cpu="100m", memory="128Mi", limit_memory="512Mi",
                        args=[f"--cluster-name={CLUSTER}", "--ingress-class=alb", "--aws-region=eu-west-1",
                              "--aws-vpc-id=vpc-0c1a2b3d4e5f67890"],
                        liveness=http_probe("/healthz", 61779, initial=30, period=10, timeout=10, failure=2),
                        readiness=http_probe("/readyz", 61779, initial=10, period=10, timeout=10, failure=2),
                        volume_mounts=[{"mountPath": "/tmp/k8s-webhook-server/serving-certs", "name": "cert", "readOnly": True}])
    lbc_ctr["ports"] = [{"containerPort": 9443, "name": "webhook-server", "protocol": "TCP"},
                        {"containerPort": 8080, "name": "metrics-server", "protocol": "TCP"}]
    with_irsa(lbc_ctr, "AmazonEKSLoadBalancerControllerRole")
    lbc_labels = {"app.kubernetes.io/instance": "aws-load-balancer-controller", "app.kubernetes.io/name": "aws-load-balancer-controller"}
    lbc = deployment("aws-load-balancer-controller", "kube-system", 2, [lbc_ctr], labels=lbc_labels, age=86400 * 90)
    lbc["spec"]["template"]["spec"] |= {
        "priorityClassName": "system-cluster-critical", "serviceAccountName": "aws-load-balancer-controller",
        "volumes": [{"name": "cert", "secret": {"defaultMode": 420, "secretName": "aws-load-balancer-tls"}}]
        + irsa("AmazonEKSLoadBalancerControllerRole")[1]}
    _, lbc_pods = deploy(c, net, lbc, names[:2], BOOT_AGO - 80)
    for i, p in enumerate(lbc_pods):
        c.log("kube-system", p["metadata"]["name"], "aws-load-balancer-controller", lbc_log(p["metadata"]["name"], leader=i == 0))
    c.add(lease("aws-load-balancer-controller-leader", "kube-system", f"{lbc_pods[0]['metadata']['name']}_{k8s.uid('lbc')}",
                renew_ago=2))
    wh_svc = service("aws-load-balancer-webhook-service", "kube-system", lbc_labels, [svc_port(443, "webhook-server", "webhook-server")],
                     "10.100.171.42", labels=lbc_labels | {"app.kubernetes.io/component": "webhook", "prometheus.io/service-monitor": "false"},
                     age=86400 * 90)
    c.add(wh_svc, endpoints(wh_svc, lbc_pods, ports=[{"name": "webhook-server", "port": 9443, "protocol": "TCP"}]),
          webhook_cert_secret("aws-load-balancer-tls", "kube-system"),
          sa("aws-load-balancer-controller", "kube-system",
             {"eks.amazonaws.com/role-arn": f"arn:aws:iam::{ACCOUNT}:role/AmazonEKSLoadBalancerControllerRole"}))
    not_self = {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "NotIn", "values": ["aws-load-balancer-controller"]}]}

    def hook(name: str, path: str, rules: list[Obj], ns_sel: Obj | None = None, obj_sel: Obj | None = None) -> Obj:
        return {"name": name, "admissionReviewVersions": ["v1beta1"], "failurePolicy": "Fail", "matchPolicy": "Equivalent",
                "sideEffects": "None", "timeoutSeconds": 10, "namespaceSelector": ns_sel or {}, "objectSelector": obj_sel or {},
                "clientConfig": {"caBundle": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURQ...",
                                 "service": {"name": "aws-load-balancer-webhook-service", "namespace": "kube-system",
                                             "path": path, "port": 443}},
                "rules": rules}

    def rule(group: str, version: str, res: str, ops: list[str]) -> list[Obj]:
        return [{"apiGroups": [group], "apiVersions": [version], "operations": ops, "resources": [res], "scope": "*"}]
    c.add({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
           "metadata": k8s.meta("MutatingWebhookConfiguration", "aws-load-balancer-webhook", None, age=86400 * 90, labels=lbc_labels),
           "webhooks": [
               hook("mpod.elbv2.k8s.aws", "/mutate-v1-pod", rule("", "v1", "pods", ["CREATE"]),
                    ns_sel={"matchExpressions": [{"key": "elbv2.k8s.aws/pod-readiness-gate-inject", "operator": "In", "values": ["enabled"]}]},
                    obj_sel=not_self),
               hook("mservice.elbv2.k8s.aws", "/mutate-v1-service", rule("", "v1", "services", ["CREATE"]), obj_sel=not_self),
               hook("mtargetgroupbinding.elbv2.k8s.aws", "/mutate-elbv2-k8s-aws-v1beta1-targetgroupbinding",
                    rule("elbv2.k8s.aws", "v1beta1", "targetgroupbindings", ["CREATE", "UPDATE"]))]})
    c.add({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
           "metadata": k8s.meta("ValidatingWebhookConfiguration", "aws-load-balancer-webhook", None, age=86400 * 90, labels=lbc_labels),
           "webhooks": [
               hook("vingress.elbv2.k8s.aws", "/validate-networking-v1-ingress",
                    rule("networking.k8s.io", "v1", "ingresses", ["CREATE", "UPDATE"])),
               hook("vtargetgroupbinding.elbv2.k8s.aws", "/validate-elbv2-k8s-aws-v1beta1-targetgroupbinding",
                    rule("elbv2.k8s.aws", "v1beta1", "targetgroupbindings", ["CREATE", "UPDATE"]))]})
    # the EKS pod identity webhook runs on the managed control plane: a URL, not a Service
    c.add({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
           "metadata": k8s.meta("MutatingWebhookConfiguration", "pod-identity-webhook", None, age=86400 * 200),
           "webhooks": [{"name": "iam-for-pods.amazonaws.com", "admissionReviewVersions": ["v1beta1"],
                         "clientConfig": {"url": "https://127.0.0.1:23443/mutate", "caBundle": "LS0tLS1CRUdJTi..."},
                         "failurePolicy": "Ignore", "matchPolicy": "Equivalent", "sideEffects": "None", "timeoutSeconds": 10,
                         "reinvocationPolicy": "IfNeeded", "namespaceSelector": {}, "objectSelector": {
                             "matchExpressions": [{"key": "eks.amazonaws.com/skip-pod-identity-webhook", "operator": "DoesNotExist"}]},
                         "rules": rule("", "v1", "pods", ["CREATE"])}]})
    c.add({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
           "metadata": k8s.meta("IngressClass", "alb", None, age=86400 * 90, labels=lbc_labels,
                                annotations={"ingressclass.kubernetes.io/is-default-class": "true"}),
           "spec": {"controller": "ingress.k8s.aws/alb"}})

    # ---- the application namespace
    day2(c, net, "orders", names[:3], "gp3", ebs_pv, f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com",
         ("storage.example.com/local-nvme", "true"), [names[2]], "ebs.csi.aws.com")
    c.add({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
           "metadata": k8s.meta("Ingress", "api", "orders", age=86400 * 40, annotations={
               "alb.ingress.kubernetes.io/scheme": "internet-facing", "alb.ingress.kubernetes.io/target-type": "ip",
               "alb.ingress.kubernetes.io/healthcheck-path": "/readyz"}),
           "spec": {"ingressClassName": "alb", "rules": [{"host": "orders.example.com", "http": {"paths": [
               {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "api", "port": {"number": 80}}}}]}}]},
           "status": {"loadBalancer": {"ingress": [{"hostname": "k8s-orders-api-5c1f2e3d4b-1234567890.eu-west-1.elb.amazonaws.com"}]}}})
    c.add(event(c.find("Ingress", "api", "orders"), "SuccessfullyReconciled", "Successfully reconciled",
                source="ingress", first_ago=1170))
    # an IRSA workload in the application namespace (the api itself reads S3)
    for p in c.pods("orders"):
        if p["metadata"]["name"].startswith("api-") and p["status"]["phase"] == "Running":
            with_irsa(p["spec"]["containers"][0], "orders-api")
            p["spec"]["volumes"][0:0] = irsa("orders-api")[1]
            p["spec"]["serviceAccountName"] = p["spec"]["serviceAccount"] = "api"
            p["spec"]["readinessGates"] = [{"conditionType": f"target-health.elbv2.k8s.aws/k8s-orders-api-{k8s.hexid('tg', n=10)}"}]
            p["status"]["conditions"].append({"type": f"target-health.elbv2.k8s.aws/k8s-orders-api-{k8s.hexid('tg', n=10)}",
                                              "status": "True", "lastProbeTime": None, "lastTransitionTime": ts(1190)})
    c.add(sa("api", "orders", {"eks.amazonaws.com/role-arn": f"arn:aws:iam::{ACCOUNT}:role/orders-api"}))

    # ---- amazon-cloudwatch: a Fluent Bit DaemonSet on all nodes
    fb = daemonset("fluent-bit", "amazon-cloudwatch", [with_irsa(container(
        "fluent-bit", "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4", cpu="50m", memory="25Mi",
        limit_memory="200Mi", volume_mounts=[{"mountPath": "/var/log", "name": "varlog", "readOnly": True}]), "cloudwatch-agent")],
        nodes=3, labels={"k8s-app": "fluent-bit"}, age=86400 * 60)
    fb["spec"]["template"]["spec"] |= {"serviceAccountName": "cloudwatch-agent",
                                       "volumes": [{"name": "varlog", "hostPath": {"path": "/var/log", "type": ""}}]
                                       + irsa("cloudwatch-agent")[1]}
    for p in ds_with_pods(c, net, fb, names, BOOT_AGO - 50):
        b = JOIN_AGO + 40 if p["spec"]["nodeName"] == NEW_NODE else BOOT_AGO
        c.log("amazon-cloudwatch", p["metadata"]["name"], "fluent-bit", (
            "Fluent Bit v1.9.10\n* Copyright (C) 2015-2022 The Fluent Bit Authors\n\n"
            f"[{_fb_time(b - 48)}] [ info] [fluent bit] version=1.9.10, commit=6345fd1e40, pid=1\n"
            f"[{_fb_time(b - 48)}] [ info] [storage] ver=1.4.0, type=memory, sync=normal, checksum=off, max_chunks_up=128\n"
            f"[{_fb_time(b - 47)}] [ info] [output:cloudwatch_logs:cloudwatch_logs.0] worker #0 started\n"
            f"[{_fb_time(b - 47)}] [ info] [sp] stream processor started\n"))
    c.add(sa("cloudwatch-agent", "amazon-cloudwatch", {"eks.amazonaws.com/role-arn": f"arn:aws:iam::{ACCOUNT}:role/cloudwatch-agent"}),
          sa("default", "amazon-cloudwatch"))

    # ---- the rest of what every cluster holds
    for ns in ("default", "kube-system"):
        c.add(sa("default", ns), configmap("kube-root-ca.crt", ns, {"ca.crt": CA_PEM}))
    c.add(configmap("aws-auth", "kube-system", {"mapRoles": (
        f"- groups:\n  - system:bootstrappers\n  - system:nodes\n  rolearn: arn:aws:iam::{ACCOUNT}:role/eks-node-role\n"
        "  username: system:node:{{EC2PrivateDNSName}}\n")}))
    c.add(configmap("amazon-vpc-cni", "kube-system", {"enable-network-policy-controller": "false",
                                                      "enable-windows-ipam": "false", "enable-windows-prefix-delegation": "false"}))
    add_rbac(c)
    new = c.find("Node", NEW_NODE)
    for reason, msg, ago, src in (
            ("Starting", "Starting kubelet.", JOIN_AGO - 1, "kubelet"),
            ("InvalidDiskCapacity", "invalid capacity 0 on image filesystem", JOIN_AGO - 1, "kubelet"),
            ("NodeHasSufficientMemory", f"Node {NEW_NODE} status is now: NodeHasSufficientMemory", JOIN_AGO - 1, "kubelet"),
            ("NodeHasNoDiskPressure", f"Node {NEW_NODE} status is now: NodeHasNoDiskPressure", JOIN_AGO - 1, "kubelet"),
            ("NodeHasSufficientPID", f"Node {NEW_NODE} status is now: NodeHasSufficientPID", JOIN_AGO - 1, "kubelet"),
            ("NodeAllocatableEnforced", "Updated Node Allocatable limit across pods", JOIN_AGO - 1, "kubelet"),
            ("Synced", "Node synced successfully", JOIN_AGO - 2, "cloud-node-controller"),
            ("RegisteredNode", f"Node {NEW_NODE} event: Registered Node {NEW_NODE} in Controller", JOIN_AGO - 3, "node-controller"),
            ("NodeReady", f"Node {NEW_NODE} status is now: NodeReady", JOIN_AGO - 45, "kubelet")):
        c.add(event(new, reason, msg, type_="Warning" if reason == "InvalidDiskCapacity" else "Normal", first_ago=ago,
                    source=src, host=NEW_NODE if src == "kubelet" else None))
    for p in c.pods():
        if p["spec"].get("nodeName") != NEW_NODE:
            continue
        pn = p["metadata"]["name"]
        if pn.startswith("aws-node-"):
            c.add(event(p, "Unhealthy", 'Readiness probe failed: {"level":"info","ts":"' + ts(JOIN_AGO - 20)[:-1]
                        + '.217Z","caller":"/root/sdk/go1.22.8/src/runtime/proc.go:272","msg":"timeout: failed to connect service \\":50051\\" within 5s"}',
                        type_="Warning", count=3, first_ago=JOIN_AGO - 20, last_ago=JOIN_AGO - 40, host=NEW_NODE,
                        field_path="spec.containers{aws-node}"))
        elif not p["spec"].get("hostNetwork"):
            c.add(event(p, "NetworkNotReady", "network is not ready: container runtime network not ready: NetworkReady=false "
                        "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
                        type_="Warning", count=4, first_ago=JOIN_AGO - 3, last_ago=JOIN_AGO - 33, host=NEW_NODE))
            sandbox = k8s.hexid("sandbox", pn)
            c.add(event(p, "FailedCreatePodSandBox", f'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup '
                        f'network for sandbox "{sandbox}": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: Error received '
                        'from AddNetwork gRPC call: rpc error: code = Unavailable desc = connection error: desc = "transport: Error '
                        'while dialing: dial tcp 127.0.0.1:50051: connect: connection refused"', type_="Warning", count=1,
                        first_ago=JOIN_AGO - 38, host=NEW_NODE))
            c.add(event(p, "Started", f"Started container {p['spec']['containers'][0]['name']}", first_ago=JOIN_AGO - 12,
                        host=NEW_NODE, field_path=f"spec.containers{{{p['spec']['containers'][0]['name']}}}"))
    for n in names:
        c.add(event(c.find("Node", n), "NodeHasSufficientMemory", f"Node {n} status is now: NodeHasSufficientMemory",
                    first_ago=EVICTION_AGO - 300, host=n) if n == names[2] else event(
            c.find("Node", n), "RegisteredNode", f"Node {n} event: Registered Node {n} in Controller",
            source="node-controller", first_ago=BOOT_AGO))
        eks_node_files(c, n)
    return c


def ebs_pv(node_name: str, pv_name: str) -> Obj:
    zone = EKS_NODES[node_name][1]
    return {"csi": {"driver": "ebs.csi.aws.com", "fsType": "ext4", "volumeHandle": "vol-0" + k8s.hexid("vol", pv_name, n=16),
                    "volumeAttributes": {"storage.kubernetes.io/csiProvisionerIdentity": "1731664731012-2917-ebs.csi.aws.com"}},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "topology.kubernetes.io/zone", "operator": "In", "values": [zone]}]}]}}}


def add_rbac(c: Cluster) -> None:
    c.add({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
           "metadata": k8s.meta("ClusterRole", "cluster-admin", None, labels={"kubernetes.io/bootstrapping": "rbac-defaults"}),
           "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]},
          {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
           "metadata": k8s.meta("ClusterRoleBinding", "cluster-admin", None, labels={"kubernetes.io/bootstrapping": "rbac-defaults"}),
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
           "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}]})


def _fb_time(seconds_ago: float) -> str:
    from datetime import timedelta
    return (COLLECTED_AT - timedelta(seconds=seconds_ago)).strftime("%Y/%m/%d %H:%M:%S")


def aws_node_log(n: str) -> str:
    b = JOIN_AGO + 40 if n == NEW_NODE else BOOT_AGO
    def j(ago: float, msg: str) -> str:
        return f'{{"level":"info","ts":"{_iso(ago)[:-1]}.{int(ago) % 1000:03d}Z","caller":"entrypoint.sh","msg":"{msg}"}}'
    return "\n".join([
        j(b - 35, "Validating env variables ..."),
        j(b - 35, "Install CNI binaries.."),
        j(b - 35, "Starting IPAM daemon in the background ... "),
        j(b - 36, "Checking for IPAM connectivity ... "),
        j(b - 38, "Retrying waiting for IPAM-D"),
        j(b - 40, "Copying config file ... "),
        j(b - 40, "Successfully copied CNI plugin binary and config file."),
        j(b - 40, "Foregrounding IPAM daemon ..."),
    ]) + "\n"


def eks_proxy_log(n: str) -> str:
    b = JOIN_AGO + 40 if n == NEW_NODE else BOOT_AGO
    ip = EKS_NODES[n][0]
    return (
        f"I{klog_time(b - 32)}       1 flags.go:64] FLAG: --config=\"/var/lib/kube-proxy-config/config\"\n"
        f"I{klog_time(b - 32)}       1 server_linux.go:66] \"Using iptables proxy\"\n"
        f"I{klog_time(b - 31)}       1 server.go:677] \"Successfully retrieved node IP(s)\" IPs=[\"{ip}\"]\n"
        f"I{klog_time(b - 31)}       1 conntrack.go:60] \"Setting nf_conntrack_max\" nfConntrackMax=131072\n"
        f"I{klog_time(b - 31)}       1 server_linux.go:169] \"Using iptables Proxier\"\n"
        f"I{klog_time(b - 31)}       1 config.go:199] \"Starting service config controller\"\n"
        f"I{klog_time(b - 31)}       1 shared_informer.go:313] Waiting for caches to sync for service config\n"
        f"I{klog_time(b - 30)}       1 shared_informer.go:320] Caches are synced for service config\n"
        f"I{klog_time(1168)}       1 proxier.go:815] \"SyncProxyRules complete\" ipFamily=\"IPv4\" elapsed=\"31.012381ms\"\n"
    )


def lbc_log(pod_name: str, leader: bool) -> str:
    def j(ago: float, level: str, msg: str, extra: str = "") -> str:
        return f'{{"level":"{level}","ts":"{_iso(ago)[:-1]}.{int(ago * 7) % 1000:03d}Z","msg":"{msg}"{extra}}}'
    lines = [
        j(BOOT_AGO - 85, "info", "version", ',"GitVersion":"v2.10.0","GitCommit":"b3c7e3f8","BuildDate":"2024-10-30T18:15:42+0000"'),
        j(BOOT_AGO - 85, "info", "setup/controller-runtime.webhook.webhooks: Registering webhook", ',"path":"/mutate-v1-pod"'),
        j(BOOT_AGO - 85, "info", "setup/controller-runtime.webhook.webhooks: Registering webhook", ',"path":"/validate-networking-v1-ingress"'),
        j(BOOT_AGO - 84, "info", "controller-runtime.webhook: Starting webhook server"),
        j(BOOT_AGO - 84, "info", "controller-runtime.certwatcher: Updated current TLS certificate"),
        j(BOOT_AGO - 84, "info", "controller-runtime.webhook: Serving webhook server", ',"host":"","port":9443'),
        j(BOOT_AGO - 84, "info", "attempting to acquire leader lease kube-system/aws-load-balancer-controller-leader...\\n"),
    ]
    if leader:
        lines += [
            j(BOOT_AGO - 70, "info", "successfully acquired lease kube-system/aws-load-balancer-controller-leader\\n"),
            j(BOOT_AGO - 69, "info", "Starting Controller", ',"controller":"ingress"'),
            j(1188, "info", "successfully deployed model", ',"ingressGroup":"orders/api"'),
        ]
    return "\n".join(lines) + "\n"


COREDNS_LOG = (
    ".:53\n"
    "[INFO] plugin/reload: Running configuration SHA512 = 8a7d59126e7f114ab49c6d2613be93d8ef7d408af8ee61a710210843dc409f03133727e38f64469d9bb180f396c84ebf48a42bde3b3769730865ca9df5eb281c\n"
    "CoreDNS-1.11.3\n"
    "linux/amd64, go1.22.8, a6338e9\n"
)

EKS_COREFILE = """.:53 {
    errors
    health {
        lameduck 5s
      }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
      pods insecure
      fallthrough in-addr.arpa ip6.arpa
    }
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
}
"""


def common_node_files(c: Cluster, n: str, boot: float, mem_kb: int) -> None:
    epoch = int(COLLECTED_AT.timestamp())
    c.node_file(n, "commands/date-epoch.txt", f"{epoch}\n")
    days = int(boot // 86400)
    c.node_file(n, "commands/uptime.txt", f" 10:00:00 up {days} days,  0:00,  0 users,  load average: 0.52, 0.47, 0.44\n")
    c.node_file(n, "commands/loadavg.txt", "0.52 0.47 0.44 3/701 61230\n")
    c.node_file(n, "commands/meminfo.txt", (
        f"MemTotal:       {mem_kb} kB\nMemFree:         {mem_kb // 4} kB\nMemAvailable:   {mem_kb // 2} kB\n"
        f"Buffers:          120432 kB\nCached:          {mem_kb // 5} kB\nSwapCached:            0 kB\n"
        "SwapTotal:             0 kB\nSwapFree:              0 kB\n"))
    c.node_file(n, "commands/buddyinfo.txt", (
        "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n"
        "Node 0, zone    DMA32   1812   1531   1101    711    302    161     78     31     14      7    121 \n"
        "Node 0, zone   Normal   9511   7123   4210   2511   1202    511    203     81     27     10    402 \n"))
    c.node_file(n, "commands/proc-stat.txt", (
        "cpu  3212311 1101 911231 212312311 9031 0 18021 0 0 0\n"
        f"ctxt 812312311\nbtime {epoch - int(boot)}\nprocesses 1004121\nprocs_running 1\nprocs_blocked 0\n"))
    c.node_file(n, "commands/conntrack-count.txt", "2211\n")
    c.node_file(n, "commands/conntrack-max.txt", "131072\n")
    c.node_file(n, "commands/timedatectl.txt", (
        "               Local time: Fri 2026-11-20 10:00:00 UTC\n"
        "           Universal time: Fri 2026-11-20 10:00:00 UTC\n"
        "                 RTC time: Fri 2026-11-20 10:00:00\n"
        "                Time zone: Etc/UTC (UTC, +0000)\n"
        "System clock synchronized: yes\n"
        "              NTP service: active\n"
        "          RTC in local TZ: no\n"))


def eks_node_files(c: Cluster, n: str) -> None:
    ip = EKS_NODES[n][0]
    boot = JOIN_AGO + 40 if n == NEW_NODE else BOOT_AGO
    common_node_files(c, n, boot, 15896988)
    short = n.split(".")[0]
    c.node_file(n, "commands/df.txt", (
        "Filesystem      Size  Used Avail Use% Mounted on\n"
        "/dev/root        97G   31G   66G  32% /\n"
        "tmpfs           7.6G     0  7.6G   0% /dev/shm\n"
        "tmpfs           3.1G  1.2M  3.1G   1% /run\n"
        "tmpfs           5.0M     0  5.0M   0% /run/lock\n"
        "/dev/nvme0n1p15  105M  6.1M   99M   6% /boot/efi\n"
        "shm              64M     0   64M   0% /run/containerd/io.containerd.grpc.v1.cri/sandboxes/1f2e3d/shm\n"))
    c.node_file(n, "commands/log-sizes.txt", "212M\t/var/log/containers\n640M\t/var/log/pods\n1.4G\t/var/log/journal\n")
    flags = (f"/usr/bin/kubelet --config=/etc/kubernetes/kubelet/kubelet-config.json --kubeconfig=/var/lib/kubelet/kubeconfig "
             f"--container-runtime-endpoint=unix:///run/containerd/containerd.sock --image-credential-provider-config=/etc/eks/image-credential-provider/config.json "
             f"--image-credential-provider-bin-dir=/etc/eks/image-credential-provider --node-ip={ip} "
             f"--node-labels=eks.amazonaws.com/nodegroup-image=ami-0b2f8e3c1a9d7e654,eks.amazonaws.com/capacityType=ON_DEMAND "
             "--cloud-provider=external --hostname-override=" + n + "\n")
    c.node_file(n, "commands/kubelet-flags.txt", flags)
    c.node_file(n, "files/etc/kubernetes/kubelet/kubelet-config.json", (
        '{\n  "kind": "KubeletConfiguration",\n  "apiVersion": "kubelet.config.k8s.io/v1beta1",\n'
        '  "address": "0.0.0.0",\n  "authentication": {\n    "anonymous": {\n      "enabled": false\n    },\n'
        '    "webhook": {\n      "cacheTTL": "2m0s",\n      "enabled": true\n    },\n    "x509": {\n'
        '      "clientCAFile": "/etc/kubernetes/pki/ca.crt"\n    }\n  },\n  "authorization": {\n    "mode": "Webhook",\n'
        '    "webhook": {\n      "cacheAuthorizedTTL": "5m0s",\n      "cacheUnauthorizedTTL": "30s"\n    }\n  },\n'
        '  "clusterDomain": "cluster.local",\n  "hairpinMode": "hairpin-veth",\n  "readOnlyPort": 0,\n'
        '  "cgroupDriver": "systemd",\n  "cgroupRoot": "/",\n  "featureGates": {\n    "RotateKubeletServerCertificate": true\n  },\n'
        '  "protectKernelDefaults": true,\n  "serializeImagePulls": false,\n  "serverTLSBootstrap": true,\n'
        '  "tlsCipherSuites": ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],\n'
        '  "clusterDNS": ["10.100.0.10"],\n  "evictionHard": {\n    "memory.available": "100Mi",\n'
        '    "nodefs.available": "10%",\n    "nodefs.inodesFree": "5%"\n  },\n  "kubeReserved": {\n    "cpu": "80m",\n'
        '    "ephemeral-storage": "1Gi",\n    "memory": "893Mi"\n  },\n  "maxPods": 58,\n  "providerID": "aws:///'
        + EKS_NODES[n][1] + '/i-0' + k8s.hexid("i", n, n=16) + '",\n  "systemReservedCgroup": "/system",\n'
        '  "kubeReservedCgroup": "/runtime"\n}\n'))
    c.node_file(n, "commands/systemctl-show-kubelet.txt", (
        "Type=simple\nRestart=always\nRestartUSec=5s\nMainPID=2210\nNRestarts=0\n"
        "ExecStartPre={ path=/sbin/iptables ; argv[]=/sbin/iptables -P FORWARD ACCEPT -w 5 ; ignore_errors=no }\n"
        "Environment=NODE_IP=" + ip + "\nEnvironmentFiles=/etc/eks/kubelet/environment (ignore_errors=yes)\n"
        "ActiveState=active\nSubState=running\nActiveEnterTimestamp=Sat 2026-11-14 09:58:31 UTC\n"))
    c.node_file(n, "commands/systemctl-show-containerd.txt", (
        "Type=notify\nRestart=always\nMainPID=1912\nNRestarts=0\nLimitNOFILE=infinity\n"
        "ActiveState=active\nSubState=running\nActiveEnterTimestamp=Sat 2026-11-14 09:58:20 UTC\n"))
    c.node_file(n, "commands/cert-expiry.txt",
                "/var/lib/kubelet/pki/kubelet-server-current.pem: notAfter=Nov 14 09:59:00 2027 GMT\n"
                "/etc/kubernetes/pki/ca.crt: notAfter=Mar  1 11:02:00 2034 GMT\n")
    c.node_file(n, "commands/dmesg.txt", (
        "[    0.000000] Linux version 6.8.0-1019-aws (buildd@lcy02-amd64-075) (x86_64-linux-gnu-gcc-12 (Ubuntu 12.3.0-1ubuntu1~22.04) 12.3.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #21~22.04.1-Ubuntu SMP Thu Nov  7 17:33:30 UTC 2024 (Ubuntu 6.8.0-1019.21~22.04.1-aws 6.8.12)\n"
        "[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-6.8.0-1019-aws root=PARTUUID=6a2e ro console=tty1 console=ttyS0 nvme_core.io_timeout=4294967295 panic=-1\n"
        "[    2.711213] EXT4-fs (nvme0n1p1): mounted filesystem 1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b ro with ordered data mode. Quota mode: none.\n"
        "[   11.402131] ena 0000:00:05.0: ENA device version: 0.10\n"
        "[   11.402218] ena 0000:00:05.0: Elastic Network Adapter (ENA) found at mem febf4000, mac addr 02:1a:2b:3c:4d:5e\n"
        "[   24.120331] IPVS: Registered protocols (TCP, UDP, SCTP, AH, ESP)\n"
        "[   31.712011] pci 0000:00:06.0: [1d0f:ec20] type 00 class 0x020000 PCIe Endpoint\n"
        "[   31.902213] ena 0000:00:06.0 ens6: renamed from eth0\n"
        + (f"[{BOOT_AGO - EVICTION_AGO - 2:12.6f}] workqueue: drain_local_pages_wq hogged CPU for >10000us 4 times, consider switching to WQ_UNBOUND\n"
           if n.startswith("ip-10-0-3") else "")))
    boot_ts = boot
    journal = [
        f"{journal_time(boot_ts - 31)} {short} systemd[1]: Starting kubelet.service - Kubernetes Kubelet...",
        f"{journal_time(boot_ts - 31)} {short} systemd[1]: Started kubelet.service - Kubernetes Kubelet.",
        f"{journal_time(boot_ts - 32)} {short} kubelet[2210]: I{klog_time(boot_ts - 32)[5:]}    2210 server.go:486] \"Kubelet version\" kubeletVersion=\"{EKS_VERSION}\"",
        f"{journal_time(boot_ts - 33)} {short} kubelet[2210]: I{klog_time(boot_ts - 33)[5:]}    2210 kubelet_node_status.go:72] \"Attempting to register node\" node=\"{n}\"",
        f"{journal_time(boot_ts - 34)} {short} kubelet[2210]: E{klog_time(boot_ts - 34)[5:]}    2210 kubelet.go:2901] \"Container runtime network not ready\" networkReady=\"NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized\"",
        f"{journal_time(boot_ts - 36)} {short} kubelet[2210]: I{klog_time(boot_ts - 36)[5:]}    2210 kubelet_node_status.go:75] \"Successfully registered node\" node=\"{n}\"",
    ]
    if n.startswith("ip-10-0-3"):
        e = EVICTION_AGO
        journal += [
            f"{journal_time(e)} {short} kubelet[2210]: W{klog_time(e)[5:]}    2210 eviction_manager.go:377] \"Eviction manager: attempting to reclaim\" resourceName=\"memory\"",
            f"{journal_time(e)} {short} kubelet[2210]: I{klog_time(e)[5:]}    2210 eviction_manager.go:388] \"Eviction manager: must evict pod(s) to reclaim\" resourceName=\"memory\"",
            f"{journal_time(e - 60)} {short} kubelet[2210]: I{klog_time(e - 60)[5:]}    2210 eviction_manager.go:617] \"Eviction manager: pod is evicted successfully\" pod=\"orders/api\"",
        ]
    journal += [
        f"{journal_time(1240)} {short} kubelet[2210]: I{klog_time(1240)[5:]}    2210 kubelet.go:2459] \"SyncLoop (PLEG): event for pod\" pod=\"orders/api\" event={{\"ID\":\"x\",\"Type\":\"ContainerStarted\"}}",
        f"{journal_time(120)} {short} kubelet[2210]: I{klog_time(120)[5:]}    2210 container_gc.go:88] \"Attempting to delete unused containers\"",
    ]
    c.node_file(n, "commands/journal-kubelet.txt", "\n".join(journal) + "\n")
    c.node_file(n, "commands/journal-containerd.txt", (
        f"{journal_time(boot_ts - 20)} {short} containerd[1912]: time=\"{_iso(boot_ts - 20)[:-1]}.112031Z\" level=info msg=\"starting containerd\" revision= version=1.7.22\n"
        f"{journal_time(boot_ts - 21)} {short} containerd[1912]: time=\"{_iso(boot_ts - 21)[:-1]}.201311Z\" level=info msg=\"containerd successfully booted in 0.114s\"\n"))
    c.node_file(n, "files/etc/cni/net.d/10-aws.conflist", (
        '{\n  "cniVersion": "0.4.0",\n  "name": "aws-cni",\n  "disableCheck": true,\n  "plugins": [\n    {\n'
        '      "name": "aws-cni",\n      "type": "aws-cni",\n      "vethPrefix": "eni",\n      "mtu": "9001",\n'
        '      "podSGEnforcingMode": "strict",\n      "pluginLogFile": "/var/log/aws-routed-eni/plugin.log",\n'
        '      "pluginLogLevel": "DEBUG",\n      "capabilities": {\n        "io.kubernetes.cri.pod-annotations": true\n      }\n'
        '    },\n    {\n      "name": "egress-cni",\n      "type": "egress-cni",\n      "mtu": "9001",\n      "enabled": "false",\n'
        '      "randomizeSNAT": "prng",\n      "nodeIP": "",\n      "ipam": {\n        "type": "host-local",\n'
        '        "ranges": [[{"subnet": "fd00::ac:00/118"}]],\n        "routes": [{"dst": "::/0"}],\n'
        '        "dataDir": "/run/cni/v4pd/egress-v6-ipam"\n      },\n      "pluginLogFile": "/var/log/aws-routed-eni/egress-v6-plugin.log",\n'
        '      "pluginLogLevel": "DEBUG"\n    },\n    {\n      "type": "portmap",\n      "capabilities": {"portMappings": true},\n'
        '      "snat": true\n    }\n  ]\n}\n'))
    c.node_file(n, "commands/iptables-save.txt", (
        "# Generated by iptables-save v1.8.7 on Fri Nov 20 10:00:00 2026\n"
        "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
        ":AWS-CONNMARK-CHAIN-0 - [0:0]\n:AWS-SNAT-CHAIN-0 - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-NODEPORTS - [0:0]\n"
        ":KUBE-POSTROUTING - [0:0]\n:KUBE-SERVICES - [0:0]\n"
        "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
        "-A PREROUTING -i eni+ -m comment --comment \"AWS, outbound connections\" -j AWS-CONNMARK-CHAIN-0\n"
        "-A PREROUTING -m comment --comment \"AWS, CONNMARK\" -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80\n"
        "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
        "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n"
        "-A POSTROUTING -m comment --comment \"AWS SNAT CHAIN\" -j AWS-SNAT-CHAIN-0\n"
        "-A AWS-CONNMARK-CHAIN-0 -d 10.0.0.0/16 -m comment --comment \"AWS CONNMARK CHAIN, VPC CIDR\" -j RETURN\n"
        "-A AWS-CONNMARK-CHAIN-0 -m comment --comment \"AWS, CONNMARK\" -j CONNMARK --set-xmark 0x80/0x80\n"
        "-A AWS-SNAT-CHAIN-0 -d 10.0.0.0/16 -m comment --comment \"AWS SNAT CHAIN\" -j RETURN\n"
        f"-A AWS-SNAT-CHAIN-0 ! -o vlan+ -m comment --comment \"AWS, SNAT\" -m addrtype ! --dst-type LOCAL -j SNAT --to-source {ip} --random-fully\n"
        "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n"
        "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
        "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0\n"
        "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully\n"
        "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n"
        "COMMIT\n"
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:KUBE-FIREWALL - [0:0]\n:KUBE-FORWARD - [0:0]\n"
        ":KUBE-SERVICES - [0:0]\n"
        "-A INPUT -j KUBE-FIREWALL\n"
        "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n"
        "-A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
        "-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment \"block incoming localnet connections\" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n"
        "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT\n"
        "COMMIT\n"))
    c.node_file(n, "files/etc/os-release", (
        'PRETTY_NAME="Ubuntu 22.04.5 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.5 LTS (Jammy Jellyfish)"\n'
        'ID=ubuntu\nID_LIKE=debian\n'))


# ====================================================================== k3s
K3S_NODE = "k3s-01"
K3S_IP = "192.168.1.50"
K3S_VERSION = "v1.31.4+k3s1"


def build_k3s() -> Cluster:
    c = Cluster(description="k3s single-server healthy cluster: embedded control plane, Traefik with ServiceLB, "
                            "local-path storage, helm-install Jobs that retried at install time, day-2 noise.")
    net = Net({K3S_NODE: K3S_IP}, {K3S_NODE: "10.42.0."}, start=2)
    n = K3S_NODE
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease", "orders"]:
        c.add(namespace(ns, age=86400 * 90 if ns != "orders" else 86400 * 60))
    nd = node(n, K3S_IP, [], cpu="8", memory_ki=32803772, pods=110, pod_cidr="10.42.0.0/24", age=86400 * 90,
              kubelet_version=K3S_VERSION,
              labels={"beta.kubernetes.io/instance-type": "k3s", "node.kubernetes.io/instance-type": "k3s",
                      "node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true",
                      "egress.k3s.io/cluster": "true", "storage.example.com/local-nvme": "false"})
    for k in ("topology.kubernetes.io/region", "topology.kubernetes.io/zone"):
        nd["metadata"]["labels"].pop(k)
    nd["metadata"]["annotations"] = {
        "alpha.kubernetes.io/provided-node-ip": K3S_IP,
        "flannel.alpha.coreos.com/backend-data": '{"VNI":1,"VtepMAC":"6a:1f:3c:9e:22:b1"}',
        "flannel.alpha.coreos.com/backend-type": "vxlan", "flannel.alpha.coreos.com/kube-subnet-manager": "true",
        "flannel.alpha.coreos.com/public-ip": K3S_IP, "k3s.io/hostname": n, "k3s.io/internal-ip": K3S_IP,
        "k3s.io/node-args": '["server","--write-kubeconfig-mode","0644"]',
        "k3s.io/node-config-hash": "7QWZ3B2ALXHF5K4QJ6XJQFUY2T3MGCFZCM7LJ7NPXTW3R3O6YVFA====",
        "k3s.io/node-env": '{"K3S_DATA_DIR":"/var/lib/rancher/k3s/data/3d1f2e4c5b6a"}',
        "node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"}
    nd["spec"] = {"podCIDR": "10.42.0.0/24", "podCIDRs": ["10.42.0.0/24"], "providerID": f"k3s://{n}"}
    nd["status"]["nodeInfo"] |= {"containerRuntimeVersion": "containerd://1.7.23-k3s2", "kernelVersion": "6.8.0-49-generic",
                                 "osImage": "Ubuntu 24.04.1 LTS", "kubeProxyVersion": K3S_VERSION}
    for cd in nd["status"]["conditions"]:
        cd["lastTransitionTime"] = ts(BOOT_AGO - 30)
        if cd["type"] == "MemoryPressure":
            cd["lastTransitionTime"] = ts(EVICTION_AGO - 300)
    c.add(nd, lease(n, "kube-node-lease", n, renew_ago=5, duration=40))
    for lname in ("kube-controller-manager", "kube-scheduler", "cloud-controller-manager", "k3s", "k3s-etcd"):
        c.add(lease(lname, "kube-system", n if lname.startswith("k3s") else f"{n}_{k8s.uid('k3s-holder', lname)}", renew_ago=1.1))
    kube_svc = service("kubernetes", "default", None, [svc_port(443, 6443, "https")], "10.43.0.1",
                       labels={"component": "apiserver", "provider": "kubernetes"}, age=86400 * 90)
    c.add(kube_svc, {"apiVersion": "v1", "kind": "Endpoints",
                     "metadata": k8s.meta("Endpoints", "kubernetes", "default", age=86400 * 90,
                                          labels={"endpointslice.kubernetes.io/skip-mirror": "true"}),
                     "subsets": [{"addresses": [{"ip": K3S_IP}], "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]})
    k3s_tol = [{"key": "CriticalAddonsOnly", "operator": "Exists"},
               {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane", "operator": "Exists"},
               {"effect": "NoSchedule", "key": "node-role.kubernetes.io/master", "operator": "Exists"}]
    pod_tol = k3s_tol + [
        {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
        {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}]

    # ---- CoreDNS
    dns_ctr = container("coredns", "rancher/mirrored-coredns-coredns:1.11.3", cpu="100m", memory="70Mi",
                        limit_memory="170Mi", args=["-conf", "/etc/coredns/Corefile"],
                        liveness=http_probe("/health", 8080, initial=60, timeout=1, failure=3),
                        readiness=http_probe("/ready", 8181, initial=0, period=2, timeout=1, failure=3),
                        volume_mounts=[{"mountPath": "/etc/coredns", "name": "config-volume", "readOnly": True},
                                       {"mountPath": "/etc/coredns/custom", "name": "custom-config-volume", "readOnly": True}])
    dns_ctr["ports"] = [{"containerPort": 53, "name": "dns", "protocol": "UDP"},
                        {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                        {"containerPort": 9153, "name": "metrics", "protocol": "TCP"}]
    coredns = deployment("coredns", "kube-system", 1, [dns_ctr], labels={"k8s-app": "kube-dns"}, age=86400 * 90,
                         strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}})
    coredns["spec"]["template"]["spec"] |= {
        "priorityClassName": "system-cluster-critical", "serviceAccountName": "coredns", "nodeSelector": {"kubernetes.io/os": "linux"},
        "tolerations": pod_tol,
        "volumes": [{"name": "config-volume", "configMap": {"defaultMode": 420, "name": "coredns", "items": [
            {"key": "Corefile", "path": "Corefile"}, {"key": "NodeHosts", "path": "NodeHosts"}]}},
            {"name": "custom-config-volume", "configMap": {"defaultMode": 420, "name": "coredns-custom", "optional": True}}]}
    _, dns_pods = deploy(c, net, coredns, [n], BOOT_AGO - 20)
    rebooted(c, dns_pods)
    for p in dns_pods:
        c.log("kube-system", p["metadata"]["name"], "coredns", (
            "[WARNING] No files matching import glob pattern: /etc/coredns/custom/*.override\n"
            "[WARNING] No files matching import glob pattern: /etc/coredns/custom/*.server\n"
            "[INFO] plugin/ready: Still waiting on: \"kubernetes\"\n"
            ".:53\n"
            "[INFO] plugin/reload: Running configuration SHA512 = b941b080e5322f6519009bb49349462c7ddb6317425b0f6a83e5451175b720703949e3f3b454a24e77f3ffe57fd5e9c6130e528a5a1dd00d9000e4afd6c1108d\n"
            "CoreDNS-1.11.3\n"
            "linux/amd64, go1.22.8, a6338e9\n"
            "[WARNING] No files matching import glob pattern: /etc/coredns/custom/*.override\n"
            "[WARNING] No files matching import glob pattern: /etc/coredns/custom/*.server\n"))
    dns_svc = service("kube-dns", "kube-system", {"k8s-app": "kube-dns"},
                      [svc_port(53, 53, "dns", "UDP"), svc_port(53, 53, "dns-tcp"), svc_port(9153, 9153, "metrics")],
                      "10.43.0.10", labels={"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                                            "kubernetes.io/name": "CoreDNS", "objectset.rio.cattle.io/hash": "bce283298811743a0386ab510f2f67ef74240c57"},
                      age=86400 * 90)
    c.add(dns_svc, endpoints(dns_svc, dns_pods, ports=[{"name": "dns", "port": 53, "protocol": "UDP"},
                                                       {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                                                       {"name": "metrics", "port": 9153, "protocol": "TCP"}]))
    c.add(configmap("coredns", "kube-system", {"Corefile": K3S_COREFILE, "NodeHosts": f"{K3S_IP} {n}\n"}), sa("coredns", "kube-system"))

    # ---- local-path-provisioner
    lp_ctr = container("local-path-provisioner", "rancher/local-path-provisioner:v0.0.30", cpu=None, memory=None,
                       limit_memory=None, command=["local-path-provisioner", "start", "--config", "/etc/config/config.json"],
                       env=[{"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}}],
                       volume_mounts=[{"mountPath": "/etc/config/", "name": "config-volume"}])
    lp = deployment("local-path-provisioner", "kube-system", 1, [lp_ctr], labels={"app": "local-path-provisioner"}, age=86400 * 90)
    lp["spec"]["template"]["spec"] |= {"priorityClassName": "system-node-critical", "serviceAccountName": "local-path-provisioner-service-account",
                                       "tolerations": pod_tol,
                                       "volumes": [{"name": "config-volume", "configMap": {"defaultMode": 420, "name": "local-path-config"}}]}
    _, lp_pods = deploy(c, net, lp, [n], BOOT_AGO - 20)
    # after the last reboot it started before the API server answered, exited, and has run since
    rebooted(c, lp_pods, previous_log=(
        f'time="{_iso(BOOT_AGO - 52)}" level=fatal msg="Error starting daemon: Cannot start Provisioner: failed to get '
        'Kubernetes server version: Get \\"https://10.43.0.1:443/version?timeout=32s\\": dial tcp 10.43.0.1:443: i/o timeout" \n'))
    c.log("kube-system", lp_pods[0]["metadata"]["name"], "local-path-provisioner", (
        f"time=\"{_iso(BOOT_AGO - 24)}\" level=debug msg=\"Applied config: {{\\\"nodePathMap\\\":[{{\\\"node\\\":\\\"DEFAULT_PATH_FOR_NON_LISTED_NODES\\\",\\\"paths\\\":[\\\"/var/lib/rancher/k3s/storage\\\"]}}]}}\"\n"
        f"time=\"{_iso(BOOT_AGO - 24)}\" level=debug msg=\"Provisioner started\"\n"
        f"I{klog_time(BOOT_AGO - 24)}       1 controller.go:824] \"Starting provisioner controller\" component=\"rancher.io/local-path_{lp_pods[0]['metadata']['name']}_{k8s.uid('lpp')}\"\n"
        f"I{klog_time(BOOT_AGO - 24)}       1 controller.go:873] \"Started provisioner controller\" component=\"rancher.io/local-path_{lp_pods[0]['metadata']['name']}_{k8s.uid('lpp')}\"\n"))
    c.add(configmap("local-path-config", "kube-system", {"config.json": (
        '{\n  "nodePathMap":[\n  {\n    "node":"DEFAULT_PATH_FOR_NON_LISTED_NODES",\n    "paths":["/var/lib/rancher/k3s/storage"]\n  }\n  ]\n}\n')}),
          sa("local-path-provisioner-service-account", "kube-system"))
    c.add({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
           "metadata": k8s.meta("StorageClass", "local-path", None, age=86400 * 90, annotations={
               "defaultVolumeType": "local", "storageclass.kubernetes.io/is-default-class": "true"}),
           "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"})

    # ---- metrics-server
    ms_ctr = container("metrics-server", "rancher/mirrored-metrics-server:v0.7.2", cpu="100m", memory="70Mi",
                       limit_memory=None, args=["--cert-dir=/tmp", "--secure-port=10250", "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
                                                "--kubelet-use-node-status-port", "--metric-resolution=15s", "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"],
                       liveness=http_probe("/livez", "https", initial=60), readiness=http_probe("/readyz", "https", initial=0, period=2))
    for pr in ("livenessProbe", "readinessProbe"):
        ms_ctr[pr]["httpGet"]["scheme"] = "HTTPS"
    ms_ctr["ports"] = [{"containerPort": 10250, "name": "https", "protocol": "TCP"}]
    ms = deployment("metrics-server", "kube-system", 1, [ms_ctr], labels={"k8s-app": "metrics-server"}, age=86400 * 90)
    ms["spec"]["template"]["spec"] |= {"priorityClassName": "system-node-critical", "serviceAccountName": "metrics-server",
                                       "tolerations": pod_tol}
    _, ms_pods = deploy(c, net, ms, [n], BOOT_AGO - 20)
    rebooted(c, ms_pods)
    c.log("kube-system", ms_pods[0]["metadata"]["name"], "metrics-server", (
        f"I{klog_time(BOOT_AGO - 22)}       1 serving.go:374] Generated self-signed cert (/tmp/apiserver.crt, /tmp/apiserver.key)\n"
        f"I{klog_time(BOOT_AGO - 21)}       1 handler.go:275] Adding GroupVersion metrics.k8s.io v1beta1 to ResourceManager\n"
        f"I{klog_time(BOOT_AGO - 21)}       1 secure_serving.go:213] Serving securely on [::]:10250\n"
        f"I{klog_time(BOOT_AGO - 21)}       1 server.go:191] \"Failed probe\" probe=\"metric-storage-ready\" err=\"no metrics to serve\"\n"
        f"I{klog_time(BOOT_AGO - 19)}       1 server.go:191] \"Failed probe\" probe=\"metric-storage-ready\" err=\"no metrics to serve\"\n"))
    ms_svc = service("metrics-server", "kube-system", {"k8s-app": "metrics-server"}, [svc_port(443, "https", "https")],
                     "10.43.217.1", labels={"kubernetes.io/cluster-service": "true", "kubernetes.io/name": "Metrics-server"},
                     age=86400 * 90)
    c.add(ms_svc, endpoints(ms_svc, ms_pods, ports=[{"name": "https", "port": 10250, "protocol": "TCP"}]),
          sa("metrics-server", "kube-system"))
    c.add({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
           "metadata": k8s.meta("APIService", "v1beta1.metrics.k8s.io", None, age=86400 * 90, labels={"k8s-app": "metrics-server"}),
           "spec": {"group": "metrics.k8s.io", "groupPriorityMinimum": 100, "insecureSkipTLSVerify": True,
                    "service": {"name": "metrics-server", "namespace": "kube-system", "port": 443}, "version": "v1beta1",
                    "versionPriority": 100},
           "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Passed",
                                      "message": "all checks passed", "lastTransitionTime": ts(BOOT_AGO - 15)}]}})

    # ---- helm-install Jobs of the bundled charts: they retried while the API came up at install time
    helm_jobs = {}
    for chart, restarts in (("traefik-crd", 0), ("traefik", 1)):
        jname = f"helm-install-{chart}"
        cuid = k8s.uid("Job", "kube-system", jname)
        start = 86400 * 90 - 8
        done = start - (18 if chart == "traefik-crd" else 20 + 35 * restarts)
        helm_ctr = container("helm", "rancher/klipper-helm:v0.9.3-build20241008", cpu=None, memory=None, limit_memory=None,
                             args=["install"] + (["--set-string", "global.systemDefaultRegistry="] if chart == "traefik" else []),
                             env=[{"name": "NAME", "value": chart}, {"name": "VERSION"}, {"name": "REPO"},
                                  {"name": "HELM_DRIVER", "value": "secret"}, {"name": "CHART_NAMESPACE", "value": "kube-system"},
                                  {"name": "CHART", "value": f"https://%{{KUBERNETES_API}}%/static/charts/{chart}-27.0.201+up27.0.2.tgz"},
                                  {"name": "HELM_VERSION"}, {"name": "TARGET_NAMESPACE", "value": "kube-system"},
                                  {"name": "AUTH_PASS_CREDENTIALS", "value": "false"},
                                  {"name": "NO_PROXY", "value": ".svc,.cluster.local,10.42.0.0/16,10.43.0.0/16"},
                                  {"name": "FAILURE_POLICY", "value": "reinstall"}],
                             volume_mounts=[{"mountPath": "/config", "name": "values"}, {"mountPath": "/chart", "name": "content"}])
        job = {"apiVersion": "batch/v1", "kind": "Job",
               "metadata": k8s.meta("Job", jname, "kube-system", age=start + 8, labels={
                   "helmcharts.helm.cattle.io/chart": chart, "objectset.rio.cattle.io/hash": k8s.hexid("osh", chart, n=40)},
                   annotations={"objectset.rio.cattle.io/id": "helm-controller",
                                "objectset.rio.cattle.io/owner-gvk": "helm.cattle.io/v1, Kind=HelmChart",
                                "objectset.rio.cattle.io/owner-name": chart, "objectset.rio.cattle.io/owner-namespace": "kube-system"}),
               "spec": {"backoffLimit": 1000, "completions": 1, "parallelism": 1, "completionMode": "NonIndexed", "suspend": False,
                        "manualSelector": False, "podReplacementPolicy": "TerminatingOrFailed",
                        "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": cuid}},
                        "template": {"metadata": {"labels": {"helmcharts.helm.cattle.io/chart": chart}},
                                     "spec": {"containers": [helm_ctr], "restartPolicy": "OnFailure",
                                              "serviceAccountName": f"helm-{chart}", "nodeSelector": {"kubernetes.io/os": "linux"}}}},
               "status": {"succeeded": 1, "ready": 0, "terminating": 0, "startTime": ts(start), "completionTime": ts(done),
                          "uncountedTerminatedPods": {},
                          "conditions": [cond("SuccessCriteriaMet", "True", done), cond("Complete", "True", done)]}}
        job["metadata"]["uid"] = cuid
        for cd in job["status"]["conditions"]:
            cd["lastProbeTime"] = ts(done)
        c.add(job, sa(f"helm-{chart}", "kube-system"))
        pname = f"{jname}-{suffix(jname)}"
        last = (terminated(1, "Error", start - 5, start - 22, pname, "helm") if restarts else None)
        fin = terminated(0, "Completed", done + 4, done + 1, pname, "helm", message="Installing helm_v3 chart\n")
        jp = pod(pname, "kube-system", n, [helm_ctr], owner=job, phase="Succeeded", age=start,
                 labels={"batch.kubernetes.io/controller-uid": cuid, "batch.kubernetes.io/job-name": jname,
                         "controller-uid": cuid, "helmcharts.helm.cattle.io/chart": chart, "job-name": jname},
                 annotations={"helmcharts.helm.cattle.io/configHash": "SHA256=" + k8s.hexid("cfg", chart).upper()},
                 host_ip=K3S_IP, pod_ip=net.take(n), service_account=f"helm-{chart}", node_selector={"kubernetes.io/os": "linux"},
                 statuses=[{"name": "helm", "image": "docker.io/rancher/klipper-helm:v0.9.3-build20241008",
                            "imageID": k8s.image_id("rancher/klipper-helm:v0.9.3-build20241008"),
                            "containerID": fin["containerID"], "ready": False, "restartCount": restarts, "started": False,
                            "state": {"terminated": fin}, "lastState": {"terminated": last} if last else {}}],
                 conditions=[cond("PodReadyToStartContainers", "False", done), cond("Initialized", "True", start, "PodCompleted"),
                             cond("Ready", "False", done, "PodCompleted"), cond("ContainersReady", "False", done, "PodCompleted"),
                             cond("PodScheduled", "True", start)])
        jp["spec"]["restartPolicy"] = "OnFailure"
        jp["spec"]["volumes"][0:0] = [{"name": "values", "secret": {"defaultMode": 420, "secretName": f"chart-values-{chart}"}},
                                      {"name": "content", "configMap": {"defaultMode": 420, "name": f"chart-content-{chart}"}}]
        c.add(jp, secret(f"chart-values-{chart}", "kube-system", {"values-01_HelmChart.yaml": 312}),
              configmap(f"chart-content-{chart}", "kube-system", {}))
        # the kubelet no longer has logs of a completed install pod
        c.log("kube-system", pname, "helm", "")
        helm_jobs[chart] = job
        c.add({"apiVersion": "helm.cattle.io/v1", "kind": "HelmChart",
               "metadata": k8s.meta("HelmChart", chart, "kube-system", age=86400 * 90 + 10,
                                    annotations={"helmcharts.cattle.io/managed-by": "helm-controller"}),
               "spec": {"chart": f"https://%{{KUBERNETES_API}}%/static/charts/{chart}-27.0.201+up27.0.2.tgz",
                        "targetNamespace": "kube-system", "bootstrap": False},
               "status": {"jobName": jname, "conditions": [{"type": "JobCreated", "status": "True", "reason": "Job created",
                                                            "message": f"Applying HelmChart using Job kube-system/{jname}"}]}})

    # ---- Traefik and its ServiceLB (svclb) DaemonSet
    tr_ctr = container("traefik", "rancher/mirrored-library-traefik:3.1.2", cpu=None, memory=None, limit_memory=None,
                       args=["--global.checknewversion", "--global.sendanonymoususage", "--entryPoints.metrics.address=:9100/tcp",
                             "--entryPoints.traefik.address=:8080/tcp", "--entryPoints.web.address=:8000/tcp",
                             "--entryPoints.websecure.address=:8443/tcp", "--api.dashboard=true", "--ping=true",
                             "--metrics.prometheus=true", "--metrics.prometheus.entrypoint=metrics",
                             "--providers.kubernetescrd", "--providers.kubernetesingress",
                             "--providers.kubernetesingress.ingressendpoint.publishedservice=kube-system/traefik",
                             "--entryPoints.websecure.http.tls=true", "--log.level=INFO"],
                       liveness=http_probe("/ping", 8080, initial=2, period=10, timeout=2, failure=3),
                       readiness=http_probe("/ping", 8080, initial=2, period=10, timeout=2, failure=1),
                       volume_mounts=[{"mountPath": "/data", "name": "data"}, {"mountPath": "/tmp", "name": "tmp"}])
    tr_ctr["ports"] = [{"containerPort": 9100, "name": "metrics", "protocol": "TCP"},
                       {"containerPort": 8080, "name": "traefik", "protocol": "TCP"},
                       {"containerPort": 8000, "name": "web", "protocol": "TCP"},
                       {"containerPort": 8443, "name": "websecure", "protocol": "TCP"}]
    tr_ctr["securityContext"] = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                                 "readOnlyRootFilesystem": True}
    tr_labels = {"app.kubernetes.io/instance": "traefik-kube-system", "app.kubernetes.io/name": "traefik"}
    tr = deployment("traefik", "kube-system", 1, [tr_ctr], labels=tr_labels, age=86400 * 90 - 30,
                    strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}})
    tr["metadata"]["labels"] |= {"app.kubernetes.io/managed-by": "Helm", "helm.sh/chart": "traefik-27.0.201_up27.0.2"}
    tr["metadata"]["annotations"] |= {"meta.helm.sh/release-name": "traefik", "meta.helm.sh/release-namespace": "kube-system"}
    tr["spec"]["template"]["spec"] |= {
        "priorityClassName": "system-cluster-critical", "serviceAccountName": "traefik", "tolerations": pod_tol,
        "securityContext": {"fsGroupChangePolicy": "OnRootMismatch", "runAsGroup": 65532, "runAsNonRoot": True, "runAsUser": 65532},
        "volumes": [{"name": "data", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}}]}
    _, tr_pods = deploy(c, net, tr, [n], BOOT_AGO - 20)
    rebooted(c, tr_pods)
    c.log("kube-system", tr_pods[0]["metadata"]["name"], "traefik", (
        f"{_iso(BOOT_AGO - 22)} INF Traefik version 3.1.2 built on 2024-08-06T13:39:14Z version=3.1.2\n"
        f"{_iso(BOOT_AGO - 22)} INF Stats collection is enabled.\n"
        f"{_iso(BOOT_AGO - 22)} INF Starting provider aggregator *aggregator.ProviderAggregator\n"
        f"{_iso(BOOT_AGO - 22)} INF Starting provider *crd.Provider\n"
        f"{_iso(BOOT_AGO - 22)} INF label selector is: \"\" providerName=kubernetescrd\n"
        f"{_iso(BOOT_AGO - 22)} INF Creating in-cluster Provider client providerName=kubernetescrd\n"
        f"{_iso(BOOT_AGO - 22)} INF Starting provider *ingress.Provider\n"
        f"{_iso(BOOT_AGO - 21)} INF Updated ingress status ingress=api namespace=orders\n"))
    tr_svc = service("traefik", "kube-system", tr_labels, [svc_port(80, "web", "web"), svc_port(443, "websecure", "websecure")],
                     "10.43.112.35", type_="LoadBalancer", labels=tr_labels, age=86400 * 90 - 30)
    tr_svc["spec"]["ports"][0]["nodePort"] = 30612
    tr_svc["spec"]["ports"][1]["nodePort"] = 31875
    tr_svc["spec"] |= {"allocateLoadBalancerNodePorts": True, "externalTrafficPolicy": "Cluster", "ipFamilyPolicy": "PreferDualStack"}
    tr_svc["status"] = {"loadBalancer": {"ingress": [{"ip": K3S_IP, "ipMode": "VIP"}]}}
    c.add(tr_svc, endpoints(tr_svc, tr_pods, ports=[{"name": "web", "port": 8000, "protocol": "TCP"},
                                                    {"name": "websecure", "port": 8443, "protocol": "TCP"}]),
          sa("traefik", "kube-system"))
    c.add({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
           "metadata": k8s.meta("IngressClass", "traefik", None, age=86400 * 90 - 30, labels=tr_labels | {"app.kubernetes.io/managed-by": "Helm"},
                                annotations={"ingressclass.kubernetes.io/is-default-class": "true"}),
           "spec": {"controller": "traefik.io/ingress-controller"}})
    svclb_name = f"svclb-traefik-{k8s.hexid('svclb', n=8)}"
    lb_ctrs = []
    for port in (80, 443):
        lc = container(f"lb-tcp-{port}", "rancher/klipper-lb:v0.4.9", cpu=None, memory=None, limit_memory=None,
                       env=[{"name": "SRC_PORT", "value": str(port)}, {"name": "SRC_RANGES", "value": "0.0.0.0/0"},
                            {"name": "DEST_PROTO", "value": "TCP"}, {"name": "DEST_PORT", "value": str(tr_svc["spec"]["ports"][port == 443]["nodePort"])},
                            {"name": "DEST_IPS", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.hostIPs"}}}])
        lc["ports"] = [{"containerPort": port, "hostPort": port, "name": f"lb-tcp-{port}", "protocol": "TCP"}]
        lc["securityContext"] = {"capabilities": {"add": ["NET_ADMIN"]}}
        lc["volumeMounts"] = []
        lb_ctrs.append(lc)
    svclb = daemonset(svclb_name, "kube-system", lb_ctrs, nodes=1, labels={"app": svclb_name}, age=86400 * 90 - 30,
                      tolerations=[{"effect": "NoSchedule", "key": "node-role.kubernetes.io/master", "operator": "Exists"},
                                   {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane", "operator": "Exists"},
                                   {"key": "CriticalAddonsOnly", "operator": "Exists"}])
    svclb["metadata"]["labels"] |= {"objectset.rio.cattle.io/hash": k8s.hexid("svclbhash", n=40),
                                    "svccontroller.k3s.cattle.io/nodeselector": "false",
                                    "svccontroller.k3s.cattle.io/svcname": "traefik",
                                    "svccontroller.k3s.cattle.io/svcnamespace": "kube-system"}
    svclb["spec"]["template"]["metadata"]["labels"] |= {"svccontroller.k3s.cattle.io/svcname": "traefik",
                                                        "svccontroller.k3s.cattle.io/svcnamespace": "kube-system"}
    svclb["spec"]["template"]["spec"].pop("priorityClassName")
    svclb["spec"]["template"]["spec"]["automountServiceAccountToken"] = False
    svclb_pods = ds_with_pods(c, net, svclb, [n], BOOT_AGO - 20)
    rebooted(c, svclb_pods)
    for p in svclb_pods:
        p["spec"]["volumes"] = []
        p["spec"]["automountServiceAccountToken"] = False
        for port in (80, 443):
            c.log("kube-system", p["metadata"]["name"], f"lb-tcp-{port}", (
                "+ trap exit TERM INT\n+ BIN_DIR=/usr/sbin\n+ check_iptables_mode\n+ set +e\n"
                "+ lsmod\n+ grep -qF nf_tables\n+ '[' 0 '=' 0 ]\n+ mode=nft\n+ set -e\n+ info 'nft mode detected'\n"
                "[INFO]  nft mode detected\n+ set_nft\n+ ln -sf xtables-nft-multi /usr/sbin/iptables\n"
                f"+ start_proxy\n+ echo 0.0.0.0/0\n+ grep -Eq :\n+ iptables -t filter -I FORWARD -s 0.0.0.0/0 -p TCP --dport {port} -j ACCEPT\n"
                f"+ echo {K3S_IP}\n+ grep -Eq :\n+ cat /proc/sys/net/ipv4/ip_forward\n+ '[' 1 '==' 1 ]\n"
                f"+ iptables -t filter -A FORWARD -d {K3S_IP}/32 -p TCP --dport {tr_svc['spec']['ports'][port == 443]['nodePort']} -j DROP\n"
                f"+ iptables -t nat -I PREROUTING -p TCP --dport {port} -j DNAT --to {K3S_IP}:{tr_svc['spec']['ports'][port == 443]['nodePort']}\n"
                f"+ iptables -t nat -I POSTROUTING -d {K3S_IP}/32 -p TCP -j MASQUERADE\n"
                "+ '[' '!' -e /pause ]\n+ mkfifo /pause\n"))

    # ---- the application namespace
    day2(c, net, "orders", [n], "local-path", local_pv, "ghcr.io/example", ("storage.example.com/local-nvme", "true"), [],
         "rancher.io/local-path")
    c.add({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
           "metadata": k8s.meta("Ingress", "api", "orders", age=86400 * 40),
           "spec": {"ingressClassName": "traefik", "rules": [{"host": "orders.lab.example.com", "http": {"paths": [
               {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "api", "port": {"number": 80}}}}]}}]},
           "status": {"loadBalancer": {"ingress": [{"ip": K3S_IP}]}}})

    for ns in ("default", "kube-system"):
        c.add(sa("default", ns), configmap("kube-root-ca.crt", ns, {"ca.crt": CA_PEM}))
    add_rbac(c)
    c.add(event(nd, "NodeHasSufficientMemory", f"Node {n} status is now: NodeHasSufficientMemory", first_ago=EVICTION_AGO - 300,
                host=n))
    k3s_node_files(c)
    return c


def local_pv(node_name: str, pv_name: str) -> Obj:
    return {"hostPath": {"path": f"/var/lib/rancher/k3s/storage/{pv_name}_orders_data", "type": "DirectoryOrCreate"},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "kubernetes.io/hostname", "operator": "In", "values": [node_name]}]}]}}}


K3S_COREFILE = """.:53 {
    errors
    health
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
      pods insecure
      fallthrough in-addr.arpa ip6.arpa
    }
    hosts /etc/coredns/NodeHosts {
      ttl 60
      reload 15s
      fallthrough
    }
    prometheus :9153
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
    import /etc/coredns/custom/*.override
}
import /etc/coredns/custom/*.server
"""


def rebooted(c: Cluster, pods: list[Obj], reboots: int = 3, previous_log: str | None = None) -> None:
    """Pods of a single-node k3s that has been rebooted: same pod objects, containers restarted at each boot.

    The container that ran until the last reboot is reported by the kubelet as exit 255, reason Unknown:
    one cause for all of them, the node's restart: NODE-RESTARTED-PODS on the node, as history (info)."""
    for p in pods:
        c.expect("NODE-RESTARTED-PODS", f"Node/{p['spec']['nodeName']}")
        p["metadata"]["creationTimestamp"] = ts(86400 * 90 - 20)
        p["status"]["startTime"] = ts(86400 * 90 - 22)
        for cd in p["status"]["conditions"]:
            cd["lastTransitionTime"] = ts(86400 * 90 - 20 if cd["type"] in ("PodScheduled", "Initialized") else BOOT_AGO - 25)
        for st in p["status"]["containerStatuses"]:
            st["restartCount"] = reboots
            st["containerID"] = "containerd://" + k8s.hexid(p["metadata"]["name"], st["name"], "boot")
            st["state"] = {"running": {"startedAt": ts(BOOT_AGO - 22)}}
            st["lastState"] = {"terminated": terminated(255, "Unknown", 86400 * 20, BOOT_AGO + 40, p["metadata"]["name"], st["name"])}
        if previous_log is not None:  # then it failed on its own after the boot: its own finding
            c.expect("POD-EXIT-CODE", p)
            st = p["status"]["containerStatuses"][0]
            st["restartCount"] = reboots + 1
            st["state"] = {"running": {"startedAt": ts(BOOT_AGO - 58)}}
            st["lastState"] = {"terminated": terminated(1, "Error", BOOT_AGO - 22, BOOT_AGO - 52, p["metadata"]["name"], st["name"])}
            c.log(p["metadata"]["namespace"], p["metadata"]["name"], st["name"], previous_log, previous=True)


def k3s_node_files(c: Cluster) -> None:
    n = K3S_NODE
    common_node_files(c, n, BOOT_AGO, 32803772)
    c.node_file(n, "commands/df.txt", (
        "Filesystem      Size  Used Avail Use% Mounted on\n"
        "tmpfs           3.2G  2.1M  3.2G   1% /run\n"
        "/dev/sda2       468G   71G  374G  16% /\n"
        "tmpfs            16G     0   16G   0% /dev/shm\n"
        "tmpfs           5.0M     0  5.0M   0% /run/lock\n"
        "/dev/sda1       1.1G  6.2M  1.1G   1% /boot/efi\n"
        "shm              64M     0   64M   0% /run/k3s/containerd/io.containerd.grpc.v1.cri/sandboxes/9c8b7a/shm\n"))
    # the kubelet and containerd run inside k3s.service: no units of their own
    c.node_file(n, "commands/journal-kubelet.txt", "-- No entries --\n")
    c.node_file(n, "commands/journal-containerd.txt", "-- No entries --\n")
    for unit in ("kubelet", "containerd"):
        c.node_file(n, f"commands/systemctl-show-{unit}.txt", (
            f"Restart=no\nNotifyAccess=none\nRestartUSec=100ms\nTimeoutStartUSec=1min 30s\nMainPID=0\nNRestarts=0\n"
            f"Id={unit}.service\nNames={unit}.service\nDescription={unit}.service\n"
            f"LoadState=not-found\nActiveState=inactive\nFreezerState=running\nSubState=dead\n"
            f"LoadError=org.freedesktop.systemd1.NoSuchUnit \"Unit {unit}.service not found.\"\n"
            "StateChangeTimestampMonotonic=0\nActiveEnterTimestampMonotonic=0\n"))
    c.node_file(n, "commands/kubelet-flags.txt", "/usr/local/bin/k3s server --write-kubeconfig-mode 0644 \n")
    c.node_file(n, "commands/dmesg.txt", (
        "[    0.000000] Linux version 6.8.0-49-generic (buildd@lcy02-amd64-103) (x86_64-linux-gnu-gcc-13 (Ubuntu 13.2.0-23ubuntu4) 13.2.0, GNU ld (GNU Binutils for Ubuntu) 2.42) #49-Ubuntu SMP PREEMPT_DYNAMIC Mon Nov  4 02:06:24 UTC 2024 (Ubuntu 6.8.0-49.49-generic 6.8.12)\n"
        "[    0.000000] Command line: BOOT_IMAGE=/vmlinuz-6.8.0-49-generic root=UUID=5d2c1b0a-9f8e-4d7c-b6a5-4f3e2d1c0b9a ro\n"
        "[    3.012213] EXT4-fs (sda2): mounted filesystem 5d2c1b0a-9f8e-4d7c-b6a5-4f3e2d1c0b9a ro with ordered data mode. Quota mode: none.\n"
        "[   14.312011] bridge: filtering via arp/ip/ip6tables is no longer available by default. Update your scripts to load br_netfilter if you need this.\n"
        "[   14.401233] Bridge firewalling registered\n"
        "[   16.012231] flannel.1: link becomes ready\n"
        "[   16.321011] cni0: port 1(veth3c2b1a09) entered blocking state\n"
        "[   16.321021] cni0: port 1(veth3c2b1a09) entered forwarding state\n"))
    c.node_file(n, "commands/log-sizes.txt", "96M\t/var/log/containers\n310M\t/var/log/pods\n1.9G\t/var/log/journal\n")
    c.node_file(n, "files/var/lib/rancher/k3s/agent/etc/cni/net.d/10-flannel.conflist", (
        '{\n  "name":"cbr0",\n  "cniVersion":"1.0.0",\n  "plugins":[\n    {\n      "type":"flannel",\n      "delegate":{\n'
        '        "hairpinMode":true,\n        "forceAddress":true,\n        "isDefaultGateway":true\n      }\n    },\n'
        '    {\n      "type":"portmap",\n      "capabilities":{\n        "portMappings":true\n      }\n    },\n'
        '    {\n      "type":"bandwidth",\n      "capabilities":{\n        "bandwidth":true\n      }\n    }\n  ]\n}\n'))
    c.node_file(n, "files/run/flannel/subnet.env",
                "FLANNEL_NETWORK=10.42.0.0/16\nFLANNEL_SUBNET=10.42.0.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n")
    c.node_file(n, "files/etc/os-release", (
        'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION="24.04.1 LTS (Noble Numbat)"\n'
        'ID=ubuntu\nID_LIKE=debian\n'))
    c.node_file(n, "commands/iptables-save.txt", (
        "# Generated by iptables-save v1.8.10 (nf_tables) on Fri Nov 20 10:00:00 2026\n"
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:FLANNEL-FWD - [0:0]\n"
        ":KUBE-EXTERNAL-SERVICES - [0:0]\n:KUBE-FIREWALL - [0:0]\n:KUBE-FORWARD - [0:0]\n:KUBE-NODEPORTS - [0:0]\n"
        ":KUBE-PROXY-FIREWALL - [0:0]\n:KUBE-ROUTER-FORWARD - [0:0]\n:KUBE-ROUTER-INPUT - [0:0]\n:KUBE-ROUTER-OUTPUT - [0:0]\n"
        ":KUBE-SERVICES - [0:0]\n"
        "-A INPUT -m comment --comment \"kube-router netpol - 4IA2OSFRMVNDXBVV\" -j KUBE-ROUTER-INPUT\n"
        "-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL\n"
        "-A INPUT -m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS\n"
        "-A INPUT -j KUBE-FIREWALL\n"
        "-A FORWARD -m comment --comment \"kube-router netpol - TEMCG2JMHZYE7H7T\" -j KUBE-ROUTER-FORWARD\n"
        "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n"
        "-A FORWARD -m comment --comment \"flanneld forward\" -j FLANNEL-FWD\n"
        "-A OUTPUT -m comment --comment \"kube-router netpol - VEAAIY32XVBHCSCY\" -j KUBE-ROUTER-OUTPUT\n"
        "-A FLANNEL-FWD -s 10.42.0.0/16 -m comment --comment \"flanneld forward\" -j ACCEPT\n"
        "-A FLANNEL-FWD -d 10.42.0.0/16 -m comment --comment \"flanneld forward\" -j ACCEPT\n"
        "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT\n"
        "COMMIT\n"
        "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
        ":CNI-HOSTPORT-DNAT - [0:0]\n:CNI-HOSTPORT-MASQ - [0:0]\n:FLANNEL-POSTRTG - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n"
        ":KUBE-NODEPORTS - [0:0]\n:KUBE-POSTROUTING - [0:0]\n:KUBE-SERVICES - [0:0]\n"
        "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
        "-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT\n"
        "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
        "-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT\n"
        "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n"
        "-A POSTROUTING -m comment --comment \"CNI portfwd requiring masquerade\" -j CNI-HOSTPORT-MASQ\n"
        "-A POSTROUTING -m comment --comment \"flanneld masq\" -j FLANNEL-POSTRTG\n"
        "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n"
        "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
        "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0\n"
        "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully\n"
        "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n"
        "-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment \"flanneld masq\" -j RETURN\n"
        "-A FLANNEL-POSTRTG -s 10.42.0.0/24 -d 10.42.0.0/16 -m comment --comment \"flanneld masq\" -j RETURN\n"
        "-A FLANNEL-POSTRTG -s 10.42.0.0/16 ! -d 224.0.0.0/4 -m comment --comment \"flanneld masq\" -j MASQUERADE --random-fully\n"
        "COMMIT\n"))


VARIANTS: dict[str, Callable[[], Cluster]] = {
    "healthy-eks": build_eks,
    "healthy-k3s": build_k3s,
}
CLUSTER_VERSIONS = {"healthy-eks": EKS_VERSION, "healthy-k3s": K3S_VERSION}
