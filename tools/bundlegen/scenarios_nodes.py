"""Node scenarios: each function turns the healthy cluster into one with a node fault.

Node faults show up in three places and every scenario writes all three the way a real
cluster does: the Node object (conditions, taints), events (the node lifecycle controller's
``NodeNotReady`` with the Node's UID, the kubelet's node events whose involvedObject UID is
the node *name*) and the node files the collector's node script gathers (journals, dmesg,
df, /proc files, kubelet configuration).
"""

from __future__ import annotations

from collections.abc import Callable

from tools.bundlegen import k8s
from tools.bundlegen.healthy import BOOT_AGO, NODE_IP
from tools.bundlegen.k8s import (
    COLLECTED_AT,
    Cluster,
    Obj,
    dmesg_time,
    event,
    journal_time,
    klog_time,
    pod,
    ts,
)

EPOCH = int(COLLECTED_AT.timestamp())


# ---------------------------------------------------------------------- helpers
def node_event(c: Cluster, node_name: str, reason: str, message: str, type_: str = "Normal", count: int = 1,
               first_ago: float = 600, last_ago: float | None = None, source: str = "kubelet") -> Obj:
    """An event about a Node.  The kubelet's node reference carries the node name as UID;
    the node lifecycle controller's carries the real UID."""
    n = c.find("Node", node_name)
    ev = event(n, reason, message, type_=type_, count=count, first_ago=first_ago, last_ago=last_ago, source=source,
               host=node_name if source == "kubelet" else None)
    ev["metadata"]["namespace"] = "default"
    if source == "kubelet":
        ev["involvedObject"]["uid"] = node_name
    return c.add(ev)


def kubelet_line(node_name: str, ago: float, level: str, where: str, text: str) -> str:
    """One kubelet journal line: ``Nov 20 09:59:58 worker-1 kubelet[1021]: E1120 09:59:58.123456    1021 x.go:1] ...``."""
    return f"{journal_time(ago)} {node_name} kubelet[1021]: {level}{klog_time(ago)}    1021 {where}] {text}"


def containerd_line(node_name: str, ago: float, level: str, msg: str, extra: str = "") -> str:
    t = k8s.ts_micro(ago).replace("Z", "000Z")
    return f"{journal_time(ago)} {node_name} containerd[812]: time=\"{t}\" level={level} msg=\"{msg}\"{(' ' + extra) if extra else ''}"


def set_condition(n: Obj, type_: str, status: str, reason: str, message: str, transition_ago: float,
                  heartbeat_ago: float = 20) -> None:
    for cnd in n["status"]["conditions"]:
        if cnd["type"] == type_:
            cnd.update({"status": status, "reason": reason, "message": message,
                        "lastTransitionTime": ts(transition_ago), "lastHeartbeatTime": ts(heartbeat_ago)})
            return
    raise KeyError(type_)


def add_taint(n: Obj, key: str, effect: str = "NoSchedule", added_ago: float | None = None) -> None:
    t: Obj = {"key": key, "effect": effect}
    if effect == "NoExecute" and added_ago is not None:
        t["timeAdded"] = ts(added_ago)
    n["spec"].setdefault("taints", []).append(t)


def df_text(root_used_pct: int, extra: str = "") -> str:
    size = 101430960
    used = size * root_used_pct // 100
    avail = size - used
    return (
        "Filesystem     1K-blocks     Used Available Use% Mounted on\n"
        "udev             8141224        0   8141224   0% /dev\n"
        "tmpfs            1633108     1252   1631856   1% /run\n"
        f"/dev/nvme0n1p1 {size} {used:>8} {avail:>9} {root_used_pct:>3}% /\n"
        "tmpfs            8165528        0   8165528   0% /dev/shm\n"
        "/dev/nvme0n1p15   126678    11840    114838  10% /boot/efi\n"
        + extra
    )


# ---------------------------------------------------------------------- scenarios
def node_not_ready(c: Cluster) -> None:
    """worker-1's containerd hangs: PLEG is unhealthy and the kubelet reports Ready=False."""
    name = "worker-1"
    c.description = ("worker-1 is NotReady since 4 minutes: containerd stopped answering, the kubelet reports "
                     "'container runtime is down, PLEG is not healthy'.")
    n = c.find("Node", name)
    msg = "[container runtime is down, PLEG is not healthy: pleg was last seen active 3m52.418s ago; threshold is 3m0s]"
    set_condition(n, "Ready", "False", "KubeletNotReady", msg, transition_ago=240, heartbeat_ago=12)
    add_taint(n, "node.kubernetes.io/not-ready", "NoSchedule")
    add_taint(n, "node.kubernetes.io/not-ready", "NoExecute", added_ago=235)
    node_event(c, name, "NodeNotReady", f"Node {name} status is now: NodeNotReady", first_ago=238, source="kubelet")
    node_event(c, name, "NodeNotReady", f"Node {name} status is now: NodeNotReady", first_ago=236,
               source="node-controller")
    lines = [
        kubelet_line(name, 480, "E", "remote_runtime.go:633", '"Status from runtime service failed" err="rpc error: code = DeadlineExceeded desc = context deadline exceeded"'),
        kubelet_line(name, 480, "E", "kubelet.go:2885", '"Container runtime sanity check failed" err="rpc error: code = DeadlineExceeded desc = context deadline exceeded"'),
        kubelet_line(name, 300, "E", "remote_runtime.go:407", '"ListPodSandbox with filter from runtime service failed" err="rpc error: code = DeadlineExceeded desc = context deadline exceeded" filter="nil"'),
        kubelet_line(name, 241, "I", "kubelet.go:2408", '"Skipping pod synchronization" err="[container runtime is down, PLEG is not healthy: pleg was last seen active 3m0.512s ago; threshold is 3m0s]"'),
        kubelet_line(name, 240, "I", "setters.go:600", f'"Node became not ready" node="{name}" condition={{"type":"Ready","status":"False","lastHeartbeatTime":"{ts(240)}","lastTransitionTime":"{ts(240)}","reason":"KubeletNotReady","message":"[container runtime is down, PLEG is not healthy: pleg was last seen active 3m0.512s ago; threshold is 3m0s]"}}'),
        kubelet_line(name, 60, "E", "kubelet.go:2408", '"Skipping pod synchronization" err="[container runtime is down, PLEG is not healthy: pleg was last seen active 7m12.005s ago; threshold is 3m0s]"'),
        kubelet_line(name, 15, "E", "generic.go:238", '"GenericPLEG: Unable to retrieve pods" err="rpc error: code = DeadlineExceeded desc = context deadline exceeded"'),
    ]
    c.node_file(name, "commands/journal-kubelet.txt", "\n".join(lines) + "\n", append=True)
    c.node_file(name, "commands/journal-containerd.txt", containerd_line(
        name, 500, "warning", "cleaning up after shim disconnected", "id=5e1c9b7a1f2b namespace=k8s.io") + "\n", append=True)
    c.node_file(name, "commands/loadavg.txt", "3.12 2.80 1.95 1/640 51123\n")
    c.expect("NODE-NOT-READY", n)


def node_pressure(c: Cluster) -> None:
    """worker-2 under DiskPressure: a pod's emptyDir scratch data filled the root filesystem, pods evicted."""
    name = "worker-2"
    c.description = ("worker-2 has DiskPressure: the root filesystem is 93% full, the kubelet evicted a pod that "
                     "filled its emptyDir and tainted the node.")
    n = c.find("Node", name)
    set_condition(n, "DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure", transition_ago=1500)
    add_taint(n, "node.kubernetes.io/disk-pressure", "NoSchedule")
    c.node_file(name, "commands/df.txt", df_text(93))
    node_event(c, name, "NodeHasDiskPressure", f"Node {name} status is now: NodeHasDiskPressure", first_ago=1500)
    node_event(c, name, "EvictionThresholdMet", "Attempting to reclaim ephemeral-storage", type_="Warning", count=4,
               first_ago=1495, last_ago=300)
    fe = c.find("Deployment", "frontend", "shop")
    rs = c.find("ReplicaSet", f"frontend-{k8s.rs_hash('frontend', 'shop')}", "shop")
    ctr = k8s.copy.deepcopy(fe["spec"]["template"]["spec"]["containers"][0])
    ctr["volumeMounts"].insert(0, {"mountPath": "/var/cache/nginx", "name": "cache"})
    pname = f"{rs['metadata']['name']}-{k8s.suffix('evicted', name)}"
    evict_msg = ("The node was low on resource: ephemeral-storage. Threshold quantity: 10143096, available: 7012344Ki. "
                 "Container nginx was using 8937512Ki, request is 0, has larger consumption of ephemeral-storage. ")
    ev_pod = pod(pname, "shop", name, [ctr], owner=rs, labels=rs["spec"]["template"]["metadata"]["labels"], age=86400,
                 phase="Failed", host_ip=NODE_IP[name], pod_ip="10.244.2.41",
                 volumes=[{"name": "cache", "emptyDir": {}}],
                 statuses=[{"name": "nginx", "image": ctr["image"], "imageID": k8s.image_id(ctr["image"]),
                            "containerID": "containerd://" + k8s.hexid(pname), "ready": False, "restartCount": 0,
                            "started": False, "lastState": {},
                            "state": {"terminated": {"exitCode": 137, "reason": "ContainerStatusUnknown",
                                                     "message": "The container could not be located when the pod was terminated",
                                                     "startedAt": ts(86400 - 20), "finishedAt": ts(1380)}}}],
                 conditions=[k8s.cond("DisruptionTarget", "True", 1385, "TerminationByKubelet", evict_msg),
                             k8s.cond("PodReadyToStartContainers", "False", 1380), k8s.cond("Initialized", "True", 86400),
                             k8s.cond("Ready", "False", 1380, "PodFailed"), k8s.cond("ContainersReady", "False", 1380, "PodFailed"),
                             k8s.cond("PodScheduled", "True", 86400)])
    ev_pod["status"]["reason"] = "Evicted"
    ev_pod["status"]["message"] = evict_msg
    c.add(ev_pod)
    c.add(event(ev_pod, "Evicted", evict_msg, type_="Warning", first_ago=1390, host=name))
    c.add(event(ev_pod, "Killing", "Stopping container nginx", first_ago=1389, host=name, field_path="spec.containers{nginx}"))
    lines = [
        kubelet_line(name, 1496, "I", "eviction_manager.go:366", '"Eviction manager: attempting to reclaim" resourceName="ephemeral-storage"'),
        kubelet_line(name, 1496, "I", "container_gc.go:88", '"Attempting to delete unused containers"'),
        kubelet_line(name, 1495, "I", "image_gc_manager.go:431", '"Attempting to delete unused images"'),
        kubelet_line(name, 1392, "I", "eviction_manager.go:377", '"Eviction manager: must evict pod(s) to reclaim" resourceName="ephemeral-storage"'),
        kubelet_line(name, 1392, "I", "eviction_manager.go:395", f'"Eviction manager: pods ranked for eviction" pods=["shop/{pname}","monitoring/{c.pods("monitoring")[0]["metadata"]["name"]}"]'),
        kubelet_line(name, 1380, "I", "eviction_manager.go:616", f'"Eviction manager: pod is evicted successfully" pod="shop/{pname}"'),
        kubelet_line(name, 300, "I", "eviction_manager.go:366", '"Eviction manager: attempting to reclaim" resourceName="ephemeral-storage"'),
        kubelet_line(name, 299, "I", "eviction_manager.go:387", '"Eviction manager: unable to evict any pods from the node"'),
    ]
    c.node_file(name, "commands/journal-kubelet.txt", "\n".join(lines) + "\n", append=True)
    c.expect("NODE-PRESSURE", n)
    c.expect("NODE-DISK-FULL", n)
    c.expect("POD-EVICTED", n)


def node_disk_full(c: Cluster) -> None:
    """worker-1's root filesystem is 97% full: image pulls fail with 'no space left on device'.
    worker-3 filled up two days ago and was cleaned: history only."""
    name = "worker-1"
    c.description = ("worker-1's root filesystem is 97% full: image pulls fail with 'no space left on device' and the "
                     "kubelet reports DiskPressure. worker-3 was full two days ago and was cleaned (history).")
    n = c.find("Node", name)
    c.node_file(name, "commands/df.txt", df_text(97))
    c.node_file(name, "commands/log-sizes.txt", "1.9G\t/var/log/containers\n4.2G\t/var/log/pods\n3.8G\t/var/log/journal\n")
    set_condition(n, "DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure", transition_ago=900)
    add_taint(n, "node.kubernetes.io/disk-pressure", "NoSchedule")
    node_event(c, name, "NodeHasDiskPressure", f"Node {name} status is now: NodeHasDiskPressure", first_ago=900)
    node_event(c, name, "FreeDiskSpaceFailed", "Failed to garbage collect required amount of images. Attempted to free "
               "12428965478 bytes, but only found 0 bytes eligible to free.", type_="Warning", count=3, first_ago=880, last_ago=280)
    image = "registry.example.com/shop/cart:2.4.2"
    layer = "sha256:" + k8s.hexid("layer", image)
    err = (f"failed to pull and unpack image \\\"{image}\\\": failed to extract layer {layer}: write "
           "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/412/fs/usr/lib/x86_64-linux-gnu/"
           "libLLVM-15.so.1: no space left on device: unknown")
    c.node_file(name, "commands/journal-containerd.txt", "\n".join([
        containerd_line(name, 842, "info", f"PullImage \\\"{image}\\\""),
        containerd_line(name, 815, "error", f"PullImage \\\"{image}\\\" failed", f"error=\"{err}\""),
        containerd_line(name, 210, "error", f"PullImage \\\"{image}\\\" failed", f"error=\"{err}\""),
    ]) + "\n", append=True)
    c.node_file(name, "commands/journal-kubelet.txt", "\n".join([
        kubelet_line(name, 815, "E", "log.go:32", f'"PullImage from image service failed" err="rpc error: code = Unknown desc = {err}" image="{image}"'),
        kubelet_line(name, 600, "E", "kuberuntime_manager.go:1274", '"Failed to write container log" err="write /var/log/pods/shop_cart/cart/0.log: no space left on device"'),
        kubelet_line(name, 210, "E", "log.go:32", f'"PullImage from image service failed" err="rpc error: code = Unknown desc = {err}" image="{image}"'),
    ]) + "\n", append=True)
    c.expect("NODE-DISK-FULL", n)
    c.expect("NODE-PRESSURE", n)

    # then versus now: worker-3 ran out of space two days ago, was cleaned up, df is 41% now
    old = "worker-3"
    ago = 86400 * 2 + 3600
    c.node_file(old, "commands/journal-containerd.txt", containerd_line(
        old, ago, "error", "failed to handle container TaskExit event", 'error="failed to stop container: write /var/lib/containerd/io.containerd.runtime.v2.task/k8s.io/3f1a/log.json: no space left on device"') + "\n",
        append=True)
    c.node_file(old, "commands/df.txt", df_text(41))
    c.expect("NODE-DISK-FULL", c.find("Node", old))


def node_system_oom(c: Cluster) -> None:
    """worker-2 ran out of memory 40 minutes ago: the kernel's global OOM killer killed a Java batch job run
    by systemd outside Kubernetes; the kubelet reserves nothing for system processes."""
    name = "worker-2"
    c.description = ("worker-2 ran out of memory 40 minutes ago: the global OOM killer killed a Java process of a "
                     "systemd service outside any container; the kubelet sets no kubeReserved/systemReserved.")
    n = c.find("Node", name)
    boot = BOOT_AGO
    ago = 2400
    dm = [
        f"{dmesg_time(ago + 0.5, boot)} java invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0",
        f"{dmesg_time(ago + 0.49, boot)} CPU: 3 PID: 48211 Comm: java Not tainted 6.1.0-28-cloud-amd64 #1  Debian 6.1.119-1",
        f"{dmesg_time(ago + 0.48, boot)} Mem-Info:",
        f"{dmesg_time(ago + 0.47, boot)} active_anon:7612331 inactive_anon:201311 isolated_anon:0",
        f"{dmesg_time(ago + 0.2, boot)} Tasks state (memory values in pages):",
        f"{dmesg_time(ago + 0.1, boot)} oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/legacy-batch.service,task=java,pid=48211,uid=1001",
        f"{dmesg_time(ago, boot)} Out of memory: Killed process 48211 (java) total-vm:14312412kB, anon-rss:11012332kB, file-rss:1204kB, shmem-rss:0kB, UID:1001 pgtables:22412kB oom_score_adj:0",
        f"{dmesg_time(ago - 1.2, boot)} oom_reaper: reaped process 48211 (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB",
    ]
    c.node_file(name, "commands/dmesg.txt", "\n".join(dm) + "\n", append=True)
    total_kb = 32866464
    c.node_file(name, "commands/meminfo.txt", (
        f"MemTotal:       {total_kb} kB\nMemFree:          412332 kB\nMemAvailable:    1201312 kB\n"
        "Buffers:           10432 kB\nCached:           912311 kB\nSwapCached:            0 kB\n"
        "SwapTotal:             0 kB\nSwapFree:              0 kB\n"))
    node_event(c, name, "SystemOOM", "System OOM encountered, victim process: java, pid: 48211", type_="Warning",
               first_ago=ago - 1)
    c.expect("NODE-SYSTEM-OOM", n)


def node_clock_skew(c: Cluster) -> None:
    """worker-3's clock is 45 s behind: chronyd is stopped and timedatectl says unsynchronised;
    the kubelet's TLS connections fail with 'certificate has expired or is not yet valid'."""
    name = "worker-3"
    c.description = ("worker-3's clock is 45 s behind: chronyd is stopped, the clock is not synchronised and the "
                     "kubelet sees the API server's new certificate as 'not yet valid'.")
    n = c.find("Node", name)
    skew = 45
    c.node_file(name, "commands/date-epoch.txt", f"{EPOCH - skew}\n")
    node_now = COLLECTED_AT - k8s.timedelta(seconds=skew)
    c.node_file(name, "commands/timedatectl.txt", (
        f"               Local time: {node_now:%a %Y-%m-%d %H:%M:%S} UTC\n"
        f"           Universal time: {node_now:%a %Y-%m-%d %H:%M:%S} UTC\n"
        f"                 RTC time: {node_now:%a %Y-%m-%d %H:%M:%S}\n"
        "                Time zone: Etc/UTC (UTC, +0000)\n"
        "System clock synchronized: no\n"
        "              NTP service: inactive\n"
        "          RTC in local TZ: no\n"))
    c.node_file(name, "commands/chronyc-tracking.txt", "506 Cannot talk to daemon\n")
    lines = []
    for ago in (1500, 1200, 900, 300, 60):
        node_t = COLLECTED_AT - k8s.timedelta(seconds=ago + skew)
        cert_t = COLLECTED_AT - k8s.timedelta(seconds=ago + 5)
        lines.append(kubelet_line(name, ago + skew, "E", "reflector.go:158", (
            '"Unhandled Error" err="k8s.io/client-go/informers/factory.go:160: Failed to watch *v1.Node: failed to list '
            f'*v1.Node: Get \\"https://10.0.1.10:6443/api/v1/nodes?fieldSelector=metadata.name%3D{name}&limit=500&resourceVersion=0\\": '
            f'tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time '
            f'{node_t:%Y-%m-%dT%H:%M:%SZ} is before {cert_t:%Y-%m-%dT%H:%M:%SZ}" logger="UnhandledError"')))
    c.node_file(name, "commands/journal-kubelet.txt", "\n".join(lines) + "\n", append=True)
    c.expect("NODE-CLOCK-SKEW", n)
    c.expect("CERT-EXPIRED", n)  # the x509 "not yet valid" errors the skew causes



def node_log_hog(c: Cluster) -> None:
    """A debug flag left on in shop/cart: its container log on worker-2 grew to 38G and filled /var/log."""
    name = "worker-2"
    cart = [p for p in c.pods("shop") if p["metadata"]["name"].startswith("cart-") and p["spec"]["nodeName"] == name][0]
    pdir = f"shop_{cart['metadata']['name']}_{cart['metadata']['uid']}"
    c.description = (f"Pod shop/{cart['metadata']['name']} logs at debug level: its log under /var/log/pods on worker-2 "
                     "is 38G and the root filesystem is 96% full.")
    c.node_file(name, "commands/log-sizes.txt", (
        "38G\t/var/log/containers\n41G\t/var/log/pods\n2.3G\t/var/log/journal\n"
        f"38G\t/var/log/pods/{pdir}\n"
        "1.2M\t/var/log/pods/kube-system_kube-proxy-2k9xq_5b0e1c1e-8d0f-4b8e-9a43-0d2c7f1e6a10\n"
        "824K\t/var/log/pods/kube-flannel_kube-flannel-ds-7xw2p_0f4a2c9e-1b3d-4e5f-8a6b-7c8d9e0f1a2b\n"
        "96M\t/var/log/pods/monitoring_prometheus-6d8f9c7b5-abcde_3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f\n"))
    c.node_file(name, "commands/df.txt", df_text(96))
    debug = "".join(f"2026-11-20T09:59:{i % 60:02d}.{i:03d}Z DEBUG redis GET session:{81723 + i} hit=true bytes=412 duration_us=181\n"
                    for i in range(40))
    c.log("shop", cart["metadata"]["name"], "cart", debug)
    c.expect("NODE-LOG-HOG", c.find("Node", name))
    c.expect("NODE-DISK-FULL", c.find("Node", name))


def node_flapping(c: Cluster) -> None:
    """worker-3's NIC loses link every few minutes: the node goes NotReady and Ready again five times in an hour."""
    name = "worker-3"
    c.description = "worker-3 flaps between NotReady and Ready (5 times in the last hour); dmesg shows the NIC link going down."
    n = c.find("Node", name)
    set_condition(n, "Ready", "True", "KubeletReady", "kubelet is posting ready status", transition_ago=380)
    node_event(c, name, "NodeNotReady", f"Node {name} status is now: NodeNotReady", count=5, first_ago=3300,
               last_ago=420, source="node-controller")
    node_event(c, name, "NodeReady", f"Node {name} status is now: NodeReady", count=5, first_ago=3240, last_ago=380)
    boot = BOOT_AGO
    dm = []
    for ago in (3340, 2620, 1900, 1180, 460):
        dm += [f"{dmesg_time(ago, boot)} ena 0000:00:05.0 eth0: Link is Down",
               f"{dmesg_time(ago - 45, boot)} ena 0000:00:05.0 eth0: Link is Up 25 Gbps full duplex"]
    c.node_file(name, "commands/dmesg.txt", "\n".join(dm) + "\n", append=True)
    lines = [kubelet_line(name, ago, "E", "kubelet_node_status.go:535", f'"Error updating node status, will retry" err="error getting node \\"{name}\\": Get \\"https://10.0.1.10:6443/api/v1/nodes/{name}?timeout=10s\\": dial tcp 10.0.1.10:6443: connect: no route to host"')
             for ago in (3330, 2610, 1890, 1170, 450)]
    c.node_file(name, "commands/journal-kubelet.txt", "\n".join(lines) + "\n", append=True)
    c.expect("NODE-FLAPPING", n)


def node_high_load(c: Cluster) -> None:
    """worker-1 (8 CPUs) has a load average of 19 with a third of CPU time in iowait: a database on a slow disk."""
    name = "worker-1"
    c.description = "worker-1 (8 CPUs) has a load average of 19.4/18.9/17.2 and spends a third of its CPU time in iowait."
    c.node_file(name, "commands/loadavg.txt", "19.41 18.92 17.20 3/1204 88123\n")
    c.node_file(name, "commands/uptime.txt", " 10:00:00 up 5 days,  0:00,  0 users,  load average: 19.41, 18.92, 17.20\n")
    c.node_file(name, "commands/proc-stat.txt", (
        "cpu  4212311 1201 1011231 6312311 5120311 0 21021 0 0 0\n"
        "cpu0 1053011 301 252811 1578078 1280011 0 5201 0 0 0\n"
        f"ctxt 912312311\nbtime {EPOCH - BOOT_AGO}\nprocesses 1204121\nprocs_running 3\nprocs_blocked 17\n"))
    c.expect("NODE-HIGH-LOAD", c.find("Node", name))


def node_memory_fragmentation(c: Cluster) -> None:
    """worker-2's memory is fragmented: no free blocks above order 2, runc fails order-6 allocations and sandboxes
    fail to start with 'exit status 6'."""
    name = "worker-2"
    c.description = ("worker-2's memory is fragmented: /proc/buddyinfo has no free blocks of order 3 and above, runc hits "
                     "'page allocation failure: order:6' and pod sandboxes fail with 'exit status 6'.")
    boot = BOOT_AGO
    c.node_file(name, "commands/buddyinfo.txt", (
        "Node 0, zone      DMA      1      1      1      0      2      1      1      0      1      1      3 \n"
        "Node 0, zone    DMA32  31201  12011   1201      0      0      0      0      0      0      0      0 \n"
        "Node 0, zone   Normal 412311 201311   9120      0      0      0      0      0      0      0      0 \n"))
    c.node_file(name, "commands/dmesg.txt", (
        f"{dmesg_time(900, boot)} runc:[1:CHILD]: page allocation failure: order:6, mode:0x140dc0(GFP_USER|__GFP_COMP|__GFP_ZERO), nodemask=(null),cpuset=/,mems_allowed=0\n"
        f"{dmesg_time(899.9, boot)} CPU: 5 PID: 91231 Comm: runc:[1:CHILD] Not tainted 6.1.0-28-cloud-amd64 #1  Debian 6.1.119-1\n"
        f"{dmesg_time(899.8, boot)} Call Trace:\n"
        f"{dmesg_time(899.7, boot)}  <TASK>\n"
        f"{dmesg_time(899.6, boot)}  warn_alloc+0x138/0x160\n"
        f"{dmesg_time(899.5, boot)}  __alloc_pages_slowpath.constprop.0+0xcd3/0xd10\n"
        f"{dmesg_time(300, boot)} runc:[1:CHILD]: page allocation failure: order:6, mode:0x140dc0(GFP_USER|__GFP_COMP|__GFP_ZERO), nodemask=(null),cpuset=/,mems_allowed=0\n"),
        append=True)
    err = ("failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: "
           "unable to start container process: error during container init: running exec setns process for init caused: exit status 6: unknown")
    c.node_file(name, "commands/journal-containerd.txt", containerd_line(
        name, 300, "error", "RunPodSandbox for &PodSandboxMetadata{Name:nightly-report-29391960-x2k9p,Uid:8d1f,Namespace:shop,Attempt:0,} failed, error",
        f'error="{err}"') + "\n", append=True)
    c.node_file(name, "commands/journal-kubelet.txt", kubelet_line(
        name, 300, "E", "log.go:32", f'"RunPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = {err}"') + "\n",
        append=True)
    c.expect("NODE-MEMORY-FRAGMENTATION", c.find("Node", name))


def node_kubelet_gc_config(c: Cluster) -> None:
    """worker-3's kubelet configuration turns image GC off (threshold 100%) and empties evictionHard."""
    name = "worker-3"
    c.description = "worker-3's kubelet config sets imageGCHighThresholdPercent: 100 and evictionHard: {}: nothing cleans the disk."
    cfg = c.node_files[(name, "files/var/lib/kubelet/config.yaml")]
    cfg = cfg.replace("evictionHard:\n  imagefs.available: 15%\n  memory.available: 100Mi\n  nodefs.available: 10%\n  nodefs.inodesFree: 5%\n",
                      "evictionHard: {}\n")
    cfg = cfg.replace("imageGCHighThresholdPercent: 85\nimageGCLowThresholdPercent: 80\n",
                      "imageGCHighThresholdPercent: 100\nimageGCLowThresholdPercent: 95\n")
    c.node_file(name, "files/var/lib/kubelet/config.yaml", cfg)
    c.node_file(name, "commands/df.txt", df_text(84))
    c.expect("NODE-KUBELET-GC-CONFIG", c.find("Node", name))


def node_conntrack_full(c: Cluster) -> None:
    """worker-1's conntrack table is full: the kernel drops packets, DNS lookups of its pods take 5 seconds."""
    name = "worker-1"
    c.description = ("worker-1's conntrack table is full (262,144 of 262,144): the kernel logs 'nf_conntrack: table full, "
                     "dropping packet' and DNS lookups take 5 s.")
    boot = BOOT_AGO
    c.node_file(name, "commands/conntrack-count.txt", "262144\n")
    c.node_file(name, "commands/dmesg.txt", "".join(
        f"{dmesg_time(ago, boot)} nf_conntrack: nf_conntrack: table full, dropping packet\n" for ago in (1800, 1210, 640, 95, 31)),
        append=True)
    c.node_file(name, "commands/dmesg.txt", f"{dmesg_time(30, boot)} net_ratelimit: 1432 callbacks suppressed\n", append=True)
    c.expect("NODE-CONNTRACK-FULL", c.find("Node", name))


def node_cni_conflict(c: Cluster) -> None:
    """A removed second CNI (Calico, from a kubespray run with default variables) left 10-calico.conflist on worker-3;
    containerd picks it before 10-flannel.conflist and new pods there get addresses from Calico's default pool."""
    name = "worker-3"
    c.description = ("worker-3 has 10-calico.conflist left over next to 10-flannel.conflist; containerd uses the Calico one "
                     "and the newest pod there got 10.233.64.12, outside the cluster network 10.244.0.0/16.")
    c.node_file(name, "files/etc/cni/net.d/10-calico.conflist", (
        '{\n  "name": "k8s-pod-network",\n  "cniVersion": "0.3.1",\n  "plugins": [\n    {\n      "type": "calico",\n'
        '      "log_level": "info",\n      "datastore_type": "kubernetes",\n      "nodename": "worker-3",\n      "mtu": 1440,\n'
        '      "ipam": {\n        "type": "calico-ipam",\n        "assign_ipv4": "true",\n        "ipv4_pools": ["10.233.64.0/18"]\n      },\n'
        '      "policy": {\n        "type": "k8s"\n      },\n      "kubernetes": {\n        "kubeconfig": "/etc/cni/net.d/calico-kubeconfig"\n      }\n'
        '    },\n    {\n      "type": "portmap",\n      "snat": true,\n      "capabilities": {"portMappings": true}\n    }\n  ]\n}\n'))
    c.node_file(name, "files/etc/cni/net.d/calico-kubeconfig", "apiVersion: v1\nkind: Config\nclusters:\n- name: local\n")
    _wrong_cidr_pod(c, name)
    c.expect("NODE-CNI-CONFLICT", c.find("Node", name))
    c.expect("NODE-POD-CIDR-MISMATCH", c.find("Node", name))


def _wrong_cidr_pod(c: Cluster, name: str, ip: str = "10.233.64.12") -> Obj:
    fe = c.find("Deployment", "frontend", "shop")
    rs = c.find("ReplicaSet", f"frontend-{k8s.rs_hash('frontend', 'shop')}", "shop")
    # the ReplicaSet was scaled to 4 for a sale; the fourth pod landed on worker-3
    fe["spec"]["replicas"] = rs["spec"]["replicas"] = 4
    pname = f"{rs['metadata']['name']}-{k8s.suffix('wrongcidr', name)}"
    p = pod(pname, "shop", name, k8s.copy.deepcopy(fe["spec"]["template"]["spec"]["containers"]), owner=rs,
            labels=rs["spec"]["template"]["metadata"]["labels"], age=1500, host_ip=NODE_IP[name], pod_ip=ip)
    c.add(p)
    for o in (fe, rs):
        o["status"].update({"replicas": 4, "readyReplicas": 4, "availableReplicas": 4})
    fe["status"]["updatedReplicas"] = 4
    rs["status"]["fullyLabeledReplicas"] = 4
    return p


def node_pod_cidr_mismatch(c: Cluster) -> None:
    """worker-3 was re-added with podCIDR 10.245.3.0/24, outside --cluster-cidr 10.244.0.0/16; flannel's subnet
    file still says 10.244.3.1/24."""
    name = "worker-3"
    c.description = ("Node worker-3 has podCIDR 10.245.3.0/24, outside the cluster network 10.244.0.0/16, and flannel's "
                     "subnet.env on it says FLANNEL_SUBNET=10.244.3.1/24.")
    n = c.find("Node", name)
    n["spec"]["podCIDR"] = "10.245.3.0/24"
    n["spec"]["podCIDRs"] = ["10.245.3.0/24"]
    c.expect("NODE-POD-CIDR-MISMATCH", n)


def node_proxy_env(c: Cluster) -> None:
    """containerd and the kubelet on worker-2 got a corporate proxy without a NO_PROXY for the cluster."""
    name = "worker-2"
    c.description = ("containerd and the kubelet on worker-2 use HTTP(S)_PROXY=http://proxy.corp.example:3128 with "
                     "NO_PROXY=localhost,127.0.0.1,.corp.example: the API server, service and pod networks and .svc go via the proxy.")
    env = ("Environment=HTTP_PROXY=http://proxy.corp.example:3128 HTTPS_PROXY=http://proxy.corp.example:3128 "
           "NO_PROXY=localhost,127.0.0.1,.corp.example")
    for svc in ("kubelet", "containerd"):
        rel = f"commands/systemctl-show-{svc}.txt"
        text = c.node_files[(name, rel)]
        lines = text.splitlines()
        idx = next((i for i, ln in enumerate(lines) if ln.startswith("Environment=")), 2)
        if svc == "kubelet":
            lines[idx] = lines[idx] + " " + env[len("Environment="):]
        else:
            lines.insert(idx, env)
        lines.insert(idx + 1, f"DropInPaths=/etc/systemd/system/{svc}.service.d/http-proxy.conf")
        c.node_file(name, rel, "\n".join(lines) + "\n")
    c.expect("NODE-PROXY-ENV", c.find("Node", name))


def node_csr_pending(c: Cluster) -> None:
    """The csrapproving controller was switched off: node worker-4 waits on its client CSR, serving CSRs pile up."""
    c.description = ("37 CSRs are pending for up to 6 h: kube-controller-manager runs with --controllers=*,-csrapproving, "
                     "so kubelet client and serving certificates are never approved.")
    kcm = c.find("Pod", "kube-controller-manager-cp-1", "kube-system")
    kcm["spec"]["containers"][0]["command"].append("--controllers=*,bootstrapsigner,tokencleaner,-csrapproving")
    oldest = None
    for i in range(37):
        ago = 6 * 3600 - i * 540
        n = ["worker-1", "worker-2", "worker-3"][i % 3]
        serving = i % 4 != 0
        name = f"csr-{k8s.suffix('csr', str(i))}"
        csr = {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
               "metadata": k8s.meta("CertificateSigningRequest", name, None, age=ago),
               "spec": {"signerName": "kubernetes.io/kubelet-serving" if serving else "kubernetes.io/kube-apiserver-client-kubelet",
                        "username": f"system:node:{n}" if serving else "system:bootstrap:abcdef",
                        "groups": ["system:nodes", "system:authenticated"] if serving else
                        ["system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token", "system:authenticated"],
                        "usages": ["digital signature", "server auth"] if serving else ["digital signature", "client auth"],
                        "request": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K"},
               "status": {}}
        c.add(csr)
        oldest = oldest or csr
    c.expect("NODE-CSR-PENDING", oldest)


def node_cloud_permissions(c: Cluster) -> None:
    """The nodes' IAM role lost ec2:DescribeInstances: the kubelet (in-tree AWS provider) cannot read its addresses."""
    c.description = ("The nodes' instance profile lacks ec2:DescribeInstances: every kubelet logs AccessDenied from the "
                     "AWS API when it refreshes its node addresses.")
    for name in ("worker-1", "worker-2", "worker-3"):
        lines = [kubelet_line(name, ago, "E", "kubelet_node_status.go:720", (
            '"Failed to set some node status fields" err="failed to get node address from cloud provider: '
            f'AccessDenied: User: arn:aws:sts::123456789012:assumed-role/k8s-nodes/i-{k8s.hexid("node", name, n=17)} '
            'is not authorized to perform: ec2:DescribeInstances because no identity-based policy allows the '
            f'ec2:DescribeInstances action\\n\\tstatus code: 403, request id: {k8s.uid("req", name, str(ago))}" node="{name}"'))
            for ago in (3000, 1800, 600, 60)]
        c.node_file(name, "commands/journal-kubelet.txt", "\n".join(lines) + "\n", append=True)
        c.expect("NODE-CLOUD-PERMISSIONS", c.find("Node", name))

SCENARIOS: dict[str, Callable[[Cluster], None]] = {
    "NODE-NOT-READY": node_not_ready,
    "NODE-PRESSURE": node_pressure,
    "NODE-DISK-FULL": node_disk_full,
    "NODE-SYSTEM-OOM": node_system_oom,
    "NODE-CLOCK-SKEW": node_clock_skew,
    "NODE-LOG-HOG": node_log_hog,
    "NODE-FLAPPING": node_flapping,
    "NODE-HIGH-LOAD": node_high_load,
    "NODE-MEMORY-FRAGMENTATION": node_memory_fragmentation,
    "NODE-KUBELET-GC-CONFIG": node_kubelet_gc_config,
    "NODE-CONNTRACK-FULL": node_conntrack_full,
    "NODE-CNI-CONFLICT": node_cni_conflict,
    "NODE-POD-CIDR-MISMATCH": node_pod_cidr_mismatch,
    "NODE-PROXY-ENV": node_proxy_env,
    "NODE-CSR-PENDING": node_csr_pending,
    "NODE-CLOUD-PERMISSIONS": node_cloud_permissions,
}

