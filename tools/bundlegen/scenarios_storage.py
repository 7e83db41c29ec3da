"""Storage scenarios: claims that do not bind, volumes that do not attach or mount, snapshots that fail."""

from __future__ import annotations

from tools.bundlegen import k8s
from tools.bundlegen.healthy import NODE_IP
from tools.bundlegen.k8s import (
    Cluster,
    cond,
    container,
    event,
    pod,
    statefulset,
    tcp_probe,
    ts,
    waiting_status,
)


def pvc_pending(c: Cluster) -> None:
    """A StatefulSet's claim names a StorageClass that does not exist: the claim stays Pending."""
    c.description = ("StatefulSet shop/postgres asks for StorageClass fast-ssd, which does not exist: claim "
                     "data-postgres-0 has been Pending for 40 minutes (ProvisioningFailed) and postgres-0 cannot be scheduled.")
    ctr = container("postgres", "postgres:16.6", cpu="250m", memory="512Mi", limit_memory="1Gi", port=5432,
                    readiness=tcp_probe(5432), volume_mounts=[{"mountPath": "/var/lib/postgresql/data", "name": "data"}])
    ctr["ports"][0]["name"] = "postgres"
    sts = statefulset("postgres", "shop", 1, [ctr], labels={"app": "postgres", "team": "shop"}, ready=0, age=2400,
                      volume_claim_templates=[{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
                                               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}},
                                                        "storageClassName": "fast-ssd", "volumeMode": "Filesystem"}}])
    sts["status"].update({"availableReplicas": 0, "readyReplicas": 0, "currentReplicas": 1})
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": k8s.meta("PersistentVolumeClaim", "data-postgres-0", "shop", age=2395,
                                labels={"app": "postgres", "team": "shop"}),
           "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}},
                    "storageClassName": "fast-ssd", "volumeMode": "Filesystem"},
           "status": {"phase": "Pending"}}
    pvc["metadata"]["finalizers"] = ["kubernetes.io/pvc-protection"]
    p = pod("postgres-0", "shop", None, [ctr], owner=sts, age=2395, phase="Pending",
            labels={"app": "postgres", "team": "shop", "apps.kubernetes.io/pod-index": "0",
                    "statefulset.kubernetes.io/pod-name": "postgres-0"},
            volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data-postgres-0"}}],
            conditions=[cond("PodScheduled", "False", 2390, "Unschedulable",
                             "0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/4 nodes "
                             "are available: 4 Preemption is not helpful for scheduling.")])
    c.add(sts, pvc, p)
    c.add(event(pvc, "ProvisioningFailed", 'storageclass.storage.k8s.io "fast-ssd" not found', type_="Warning", count=162,
                first_ago=2395, last_ago=15, source="persistentvolume-controller"))
    c.add(event(p, "FailedScheduling", "0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: "
                "0/4 nodes are available: 4 Preemption is not helpful for scheduling.", type_="Warning", count=9,
                first_ago=2394, last_ago=300, source="default-scheduler"))
    c.add(event(sts, "SuccessfulCreate", "create Claim data-postgres-0 Pod postgres-0 in StatefulSet postgres success",
                source="statefulset-controller", first_ago=2395))
    c.expect("PVC-PENDING", pvc)
    c.expect("POD-UNSCHEDULABLE", p)
    c.expect("WORKLOAD-DOWN", sts)  # consequence: postgres has no ready replica


def volume_mount_failed(c: Cluster) -> None:
    """After worker-3 lost its kubelet the redis pod was recreated on worker-1; the EBS volume is still attached to worker-3."""
    c.description = ("redis-0 was rescheduled from worker-3 to worker-1; its ReadWriteOnce EBS volume is still attached "
                     "to worker-3 (VolumeAttachment), so the new pod sits in ContainerCreating with Multi-Attach errors.")
    rp = c.find("Pod", "redis-0", "shop")
    rp["metadata"]["creationTimestamp"] = ts(1500)
    rp["metadata"]["uid"] = k8s.uid("Pod", "shop", "redis-0", "second")
    rp["spec"]["nodeName"] = "worker-1"
    ctr = rp["spec"]["containers"][0]
    rp["status"].update({"phase": "Pending", "hostIP": NODE_IP["worker-1"], "hostIPs": [{"ip": NODE_IP["worker-1"]}],
                         "startTime": ts(1498)})
    rp["status"].pop("podIP", None)
    rp["status"].pop("podIPs", None)
    rp["status"]["containerStatuses"] = [waiting_status(ctr, "ContainerCreating", image_pulled=False)]
    rp["status"]["containerStatuses"][0]["image"] = "docker.io/library/redis:7.4.1"
    rp["status"]["conditions"] = [
        cond("PodReadyToStartContainers", "False", 1498), cond("Initialized", "True", 1498),
        cond("Ready", "False", 1498, "ContainersNotReady", "containers with unready status: [redis]"),
        cond("ContainersReady", "False", 1498, "ContainersNotReady", "containers with unready status: [redis]"),
        cond("PodScheduled", "True", 1499)]
    c.logs.pop(("shop", "redis-0", "redis", False), None)
    pv = [o for o in c.objects if o["kind"] == "PersistentVolume" and o["spec"]["claimRef"]["name"] == "data-redis-0"][0]
    pv_name = pv["metadata"]["name"]
    va_name = "csi-" + k8s.hexid("va", pv_name, "worker-3")
    c.add({"apiVersion": "storage.k8s.io/v1", "kind": "VolumeAttachment",
           "metadata": k8s.meta("VolumeAttachment", va_name, None, age=86400 * 2,
                                annotations={"csi.alpha.kubernetes.io/node-id": "i-" + k8s.hexid("node", "worker-3", n=17)}),
           "spec": {"attacher": "ebs.csi.aws.com", "nodeName": "worker-3", "source": {"persistentVolumeName": pv_name}},
           "status": {"attached": True, "attachmentMetadata": {"devicePath": "/dev/xvdaa"}}})
    c.add(event(rp, "Scheduled", "Successfully assigned shop/redis-0 to worker-1", source="default-scheduler", first_ago=1499))
    c.add(event(rp, "FailedAttachVolume",
                f'Multi-Attach error for volume "{pv_name}" Volume is already exclusively attached to one node and can\'t be '
                "attached to another", type_="Warning", count=1, first_ago=1498, source="attachdetach-controller"))
    c.add(event(rp, "FailedMount",
                "Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data], failed to process "
                "volumes=[]: timed out waiting for the condition", type_="Warning", count=11, first_ago=1378, last_ago=58,
                host="worker-1"))
    sts = c.find("StatefulSet", "redis", "shop")
    sts["status"].update({"availableReplicas": 0, "readyReplicas": 0})
    redis_svc = c.find("Service", "redis", "shop")
    c.remove("Endpoints", "redis", "shop")
    c.add({"apiVersion": "v1", "kind": "Endpoints",
           "metadata": k8s.meta("Endpoints", "redis", "shop", labels=redis_svc["metadata"].get("labels"))})
    c.expect("VOLUME-MOUNT-FAILED", rp)
    # consequence: the headless redis Service has no ready endpoint while redis-0 cannot start
    c.expect("SERVICE-NO-ENDPOINTS", redis_svc)
    c.expect("POD-STUCK-CREATING", rp)
    c.expect("WORKLOAD-DOWN", sts)  # consequence: redis has no ready replica


def volume_snapshot_failed(c: Cluster) -> None:
    """A CSI VolumeSnapshot of the redis claim fails on the backend: readyToUse false with the driver error."""
    c.description = ("VolumeSnapshot shop/redis-data-20261120 never becomes ready: the EBS CSI driver reports "
                     "SnapshotCreationPerVolumeRateExceeded from the AWS API (status.error on the snapshot and its content).")
    c.add({"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotClass",
           "metadata": k8s.meta("VolumeSnapshotClass", "ebs-snapshots", None, age=86400 * 20,
                                annotations={"snapshot.storage.kubernetes.io/is-default-class": "true"}),
           "driver": "ebs.csi.aws.com", "deletionPolicy": "Delete"})
    vs_meta = k8s.meta("VolumeSnapshot", "redis-data-20261120", "shop", age=5400)
    content_name = "snapcontent-" + vs_meta["uid"]
    err = ('Failed to check and update snapshot content: failed to take snapshot of the volume '
           f'vol-{k8s.hexid("vol", "data-redis-0", n=17)}: "rpc error: code = Internal desc = Could not create snapshot '
           f'\\"snapshot-{vs_meta["uid"]}\\": failed to create snapshot: operation error EC2: CreateSnapshot, https response error '
           'StatusCode: 400, RequestID: 5f3c2a1e-8d2b-4c41-9a55-0b7d1f2e9c3a, api error SnapshotCreationPerVolumeRateExceeded: '
           'The maximum per volume CreateSnapshot request rate has been exceeded. Use an increasing or variable sleep interval '
           'between requests."')
    vs_meta["finalizers"] = ["snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection",
                             "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection"]
    vs = {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot", "metadata": vs_meta,
          "spec": {"source": {"persistentVolumeClaimName": "data-redis-0"}, "volumeSnapshotClassName": "ebs-snapshots"},
          "status": {"boundVolumeSnapshotContentName": content_name, "readyToUse": False,
                     "error": {"message": err, "time": ts(4200)}}}
    vsc = {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotContent",
           "metadata": k8s.meta("VolumeSnapshotContent", content_name, None, age=5400),
           "spec": {"deletionPolicy": "Delete", "driver": "ebs.csi.aws.com",
                    "source": {"volumeHandle": "vol-" + k8s.hexid("vol", "data-redis-0", n=17)},
                    "volumeSnapshotClassName": "ebs-snapshots",
                    "volumeSnapshotRef": {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
                                          "name": "redis-data-20261120", "namespace": "shop", "uid": vs_meta["uid"]}},
           "status": {"readyToUse": False, "error": {"message": err.split(": ", 1)[1], "time": ts(4200)}}}
    vsc["metadata"]["finalizers"] = ["snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection"]
    c.add(vs, vsc)
    c.add(event(vs, "CreatingSnapshot", "Waiting for a snapshot shop/redis-data-20261120 to be created by the CSI driver.",
                source="snapshot-controller", first_ago=5399))
    c.expect("VOLUME-SNAPSHOT-FAILED", vs)


SCENARIOS = {
    "PVC-PENDING": pvc_pending,
    "VOLUME-MOUNT-FAILED": volume_mount_failed,
    "VOLUME-SNAPSHOT-FAILED": volume_snapshot_failed,
}
