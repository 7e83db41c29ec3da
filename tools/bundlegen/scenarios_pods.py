"""Pod scenarios of ../shared/scenarios.yaml (container state, pull, config, scheduling, probes, logs).

Each function mutates a fresh healthy cluster (see healthy.py) to inject one fault, with
objects, events, logs and node files worded as kubelet, containerd, the scheduler and the
kernel word them, and declares the findings the bundle must produce.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from tools.bundlegen import healthy, k8s
from tools.bundlegen.healthy import BOOT_AGO, NODE_IP, POD_CIDR
from tools.bundlegen.k8s import (
    Cluster,
    Obj,
    cond,
    container,
    deployment,
    dmesg_time,
    event,
    http_probe,
    journal_time,
    klog_time,
    pod,
    replicaset,
    running_status,
    suffix,
    tcp_probe,
    terminated,
    ts,
    waiting_status,
)


def _ip(node_name: str, pod_name: str) -> str:
    """A pod IP in the node's pod CIDR, above the range healthy.py hands out, stable per pod name."""
    base = POD_CIDR[node_name].split(".")
    return f"{base[0]}.{base[1]}.{base[2]}.{100 + k8s.hash_int(pod_name) % 150}"


def _pod_name(rs: Obj, i: int) -> str:
    return f"{rs['metadata']['name']}-{suffix(rs['metadata']['name'], str(i))}"


def app(c: Cluster, name: str, ns: str, nodes: list[str | None], ctr: Obj, statuses: list[list[Obj] | None] | None = None,
        age: float = 86400 * 2, pod_age: float | None = None, ready: int | None = None, phase: str = "Running",
        labels: dict | None = None, pod_extra: dict | None = None) -> tuple[Obj, Obj, list[Obj]]:
    """A Deployment, its ReplicaSet and one pod per entry of ``nodes`` (None: not scheduled)."""
    labels = labels or {"app": name}
    ready_n = len(nodes) if ready is None else ready
    dep = deployment(name, ns, len(nodes), [copy.deepcopy(ctr)], labels=labels, age=age, available=ready_n)
    if pod_extra:
        dep["spec"]["template"]["spec"].update(copy.deepcopy(pod_extra))
    rs = replicaset(dep, ready=ready_n)
    c.add(dep, rs)
    pods = []
    for i, n in enumerate(nodes):
        pname = _pod_name(rs, i)
        st = statuses[i] if statuses else None
        extra = copy.deepcopy(pod_extra or {})
        p = pod(pname, ns, n, [copy.deepcopy(ctr)], owner=rs, labels=rs["spec"]["template"]["metadata"]["labels"],
                age=pod_age if pod_age is not None else age - 30, phase=phase, statuses=st,
                host_ip=NODE_IP[n] if n else None, pod_ip=_ip(n, pname) if n else None,
                node_selector=extra.pop("nodeSelector", None), affinity=extra.pop("affinity", None),
                tolerations=extra.pop("tolerations", None))
        if "volumes" in extra:
            p["spec"]["volumes"][0:0] = extra.pop("volumes")
        p["spec"].update(extra)
        if n is None:
            p["status"] = {"phase": "Pending", "qosClass": p["status"]["qosClass"]}
        c.add(p)
        pods.append(p)
    return dep, rs, pods


def _pod_ref(p: Obj) -> str:
    return f"{p['metadata']['name']}_{p['metadata']['namespace']}({p['metadata']['uid']})"


def _backoff(c: Cluster, p: Obj, ctr_name: str, count: int, first_ago: float, last_ago: float = 20) -> None:
    c.add(event(p, "BackOff", f"Back-off restarting failed container {ctr_name} in pod {_pod_ref(p)}", type_="Warning",
                count=count, first_ago=first_ago, last_ago=last_ago, host=p["spec"]["nodeName"],
                field_path=f"spec.containers{{{ctr_name}}}"))


def _not_ready(p: Obj, names: list[str], ago: float = 600) -> None:
    for cnd in p["status"]["conditions"]:
        if cnd["type"] in ("Ready", "ContainersReady"):
            cnd.update(status="False", reason="ContainersNotReady", lastTransitionTime=ts(ago),
                       message=f"containers with unready status: [{' '.join(names)}]")


def _pending_unschedulable(p: Obj, message: str, ago: float) -> None:
    p["status"] = {"phase": "Pending", "qosClass": p["status"]["qosClass"], "conditions": [
        cond("PodScheduled", "False", ago, "Unschedulable", message)]}


def _dmesg(c: Cluster, node_name: str, lines: list[str]) -> None:
    c.node_file(node_name, "commands/dmesg.txt", "\n".join(lines), append=True)
    c.node_files[(node_name, "commands/dmesg.txt")] += "\n"


def _kubepods_slice(p: Obj) -> str:
    u = p["metadata"]["uid"].replace("-", "_")
    q = p["status"]["qosClass"].lower()
    if q == "guaranteed":
        return f"/kubepods.slice/kubepods-pod{u}.slice"
    return f"/kubepods.slice/kubepods-{q}.slice/kubepods-{q}-pod{u}.slice"


# ====================================================================== container state
def pod_oomkilled(c: Cluster) -> None:
    c.description = ("orders-api in shop crash-loops: its JVM exceeds the 512Mi memory limit and the kernel's memory "
                     "cgroup OOM killer kills it (exit 137, reason OOMKilled; dmesg on worker-1 confirms).")
    ctr = container("api", "registry.example.com/shop/orders-api:5.2.0", cpu="250m", memory="384Mi", limit_memory="512Mi",
                    port=8080, env=[{"name": "JAVA_TOOL_OPTIONS", "value": "-Xms256m -Xmx768m"}],
                    readiness=http_probe("/actuator/health/readiness", 8080, initial=20))
    oom = terminated(137, "OOMKilled", 400, 95, "orders-api", "api")
    st = waiting_status(ctr, "CrashLoopBackOff", "back-off 2m40s restarting failed container=api pod=orders-api_shop",
                        restarts=6, last_terminated=oom)
    dep, _, pods = app(c, "orders-api", "shop", ["worker-1"], ctr, statuses=[[st]], ready=0, age=86400 * 6)
    c.expect("WORKLOAD-DOWN", dep)
    p = pods[0]
    _not_ready(p, ["api"], 2400)
    cid = oom["containerID"].split("//")[1]
    slice_ = _kubepods_slice(p) + f"/cri-containerd-{cid}.scope"
    _dmesg(c, "worker-1", [
        f"{dmesg_time(96, BOOT_AGO)} java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=968",
        f"{dmesg_time(96, BOOT_AGO)} CPU: 5 PID: 48213 Comm: java Not tainted 6.1.0-28-cloud-amd64 #1 Debian 6.1.119-1",
        f"{dmesg_time(96, BOOT_AGO)} memory: usage 524288kB, limit 524288kB, failcnt 3914",
        f"{dmesg_time(96, BOOT_AGO)} swap: usage 0kB, limit 0kB, failcnt 0",
        f"{dmesg_time(96, BOOT_AGO)} Tasks state (memory values in pages):",
        f"{dmesg_time(96, BOOT_AGO)} [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name",
        f"{dmesg_time(96, BOOT_AGO)} [  48190]     0 48190      255        1    28672        0          -998 pause",
        f"{dmesg_time(96, BOOT_AGO)} [  48211]  1000 48211  1003121   130521  1392640        0           968 java",
        f"{dmesg_time(96, BOOT_AGO)} oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-{cid}.scope,"
        f"mems_allowed=0,oom_memcg={slice_},task_memcg={slice_},task=java,pid=48211,uid=1000",
        f"{dmesg_time(96, BOOT_AGO)} Memory cgroup out of memory: Killed process 48211 (java) total-vm:4012484kB, "
        "anon-rss:521084kB, file-rss:1000kB, shmem-rss:0kB, UID:1000 pgtables:1360kB oom_score_adj:968",
    ])
    c.log("shop", p["metadata"]["name"], "api", (
        "2026-11-20T09:53:21.412Z  INFO 1 --- [main] o.s.b.w.e.tomcat.TomcatWebServer  : Tomcat started on port 8080 (http)\n"
        "2026-11-20T09:53:21.430Z  INFO 1 --- [main] c.e.shop.orders.OrdersApplication  : Started OrdersApplication in 14.2 seconds\n"
        "2026-11-20T09:57:02.118Z  INFO 1 --- [http-nio-8080-exec-4] c.e.shop.orders.ExportService : exporting orders since=2026-01-01 batch=50000\n"), previous=True)
    _backoff(c, p, "api", 22, 2400)
    c.expect("POD-OOMKILLED", p)


def pod_sigkill_not_oom(c: Cluster) -> None:
    c.description = ("search-indexer (BestEffort, no memory limit) in shop was SIGKILLed (exit 137, reason Error): "
                     "worker-2 ran out of memory and the kernel's global OOM killer chose the indexer.")
    ctr = container("indexer", "registry.example.com/shop/search-indexer:1.8.2", cpu=None, memory=None, limit_memory=None)
    killed = terminated(137, "Error", 7200, 1500, "search-indexer", "indexer")
    st = running_status(ctr, "search-indexer", 1480, restarts=3, last_terminated=killed)
    _, _, pods = app(c, "search-indexer", "shop", ["worker-2"], ctr, statuses=[[st]], age=86400 * 9)
    p = pods[0]
    cid = killed["containerID"].split("//")[1]
    slice_ = _kubepods_slice(p) + f"/cri-containerd-{cid}.scope"
    _dmesg(c, "worker-2", [
        f"{dmesg_time(1501, BOOT_AGO)} indexer invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=1000",
        f"{dmesg_time(1501, BOOT_AGO)} Mem-Info:",
        f"{dmesg_time(1501, BOOT_AGO)} active_anon:7912311 inactive_anon:12001 isolated_anon:0",
        f"{dmesg_time(1501, BOOT_AGO)} oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,"
        f"task_memcg={slice_},task=indexer,pid=51234,uid=0",
        f"{dmesg_time(1501, BOOT_AGO)} Out of memory: Killed process 51234 (indexer) total-vm:31203312kB, anon-rss:29012012kB, "
        "file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:57312kB oom_score_adj:1000",
    ])
    c.add(event(c.find("Node", "worker-2"), "SystemOOM", "System OOM encountered, victim process: indexer, pid: 51234",
                type_="Warning", first_ago=1500, host="worker-2"))
    c.log("shop", p["metadata"]["name"], "indexer", (
        "2026-11-20T07:59:58Z level=info msg=\"indexing catalog\" shard=3 docs=1203311\n"
        "2026-11-20T09:34:40Z level=info msg=\"merging segments\" shard=3 segments=412\n"), previous=True)
    c.expect("POD-SIGKILL-NOT-OOM", p)
    c.expect("NODE-SYSTEM-OOM", "Node/worker-2")


def pod_exit_code(c: Cluster) -> None:
    c.description = ("The db-migrate Job's pod failed with exit code 127 (command not found), and the image-resizer "
                     "container restarted after a segmentation fault (exit 139).")
    ctr = container("migrate", "registry.example.com/shop/cart:2.5.0", cpu="100m", memory="128Mi",
                    command=["/bin/sh", "-c", "migrate --database \"$DATABASE_URL\" up"])
    ctr["terminationMessagePolicy"] = "FallbackToLogsOnError"
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": k8s.meta("Job", "db-migrate-2-5-0", "shop", age=1800,
                                labels={"batch.kubernetes.io/job-name": "db-migrate-2-5-0", "job-name": "db-migrate-2-5-0"}),
           "spec": {"backoffLimit": 0, "completions": 1, "parallelism": 1, "completionMode": "NonIndexed",
                    "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": k8s.uid("job-migrate")}},
                    "template": {"metadata": {"labels": {"job-name": "db-migrate-2-5-0"}},
                                 "spec": {"restartPolicy": "Never", "containers": [ctr]}}},
           "status": {"failed": 1, "startTime": ts(1800), "terminating": 0, "ready": 0, "conditions": [
               cond("FailureTarget", "True", 1790, "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
               cond("Failed", "True", 1790, "BackoffLimitExceeded", "Job has reached the specified backoff limit")]}}
    c.add(job)
    msg = "/bin/sh: 1: migrate: not found\n"
    jp = pod(f"db-migrate-2-5-0-{suffix('migrate')}", "shop", "worker-3", [ctr], owner=job, phase="Failed", age=1800,
             labels={"job-name": "db-migrate-2-5-0", "batch.kubernetes.io/job-name": "db-migrate-2-5-0"},
             host_ip=NODE_IP["worker-3"], pod_ip=_ip("worker-3", "db-migrate"),
             statuses=[{"name": "migrate", "image": ctr["image"], "imageID": k8s.image_id(ctr["image"]),
                        "containerID": "containerd://" + k8s.hexid("migrate-ctr"), "ready": False, "restartCount": 0,
                        "started": False, "lastState": {},
                        "state": {"terminated": terminated(127, "Error", 1795, 1794, "migrate", "migrate", message=msg)}}],
             conditions=[cond("PodReadyToStartContainers", "False", 1790), cond("Initialized", "True", 1798),
                         cond("Ready", "False", 1790, "PodFailed"), cond("ContainersReady", "False", 1790, "PodFailed"),
                         cond("PodScheduled", "True", 1800)])
    jp["spec"]["restartPolicy"] = "Never"
    c.add(jp)
    c.log("shop", jp["metadata"]["name"], "migrate", msg)
    c.expect("WORKLOAD-JOB-FAILED", job)
    c.add(event(job, "BackoffLimitExceeded", "Job has reached the specified backoff limit", type_="Warning",
                source="job-controller", first_ago=1790))

    rctr = container("resizer", "registry.example.com/shop/image-resizer:0.9.4", cpu="200m", memory="256Mi", limit_memory="512Mi",
                     port=8080)
    segv = terminated(139, "Error", 5400, 190, "image-resizer", "resizer")
    st = running_status(rctr, "image-resizer", 180, restarts=2, last_terminated=segv)
    _, _, rpods = app(c, "image-resizer", "shop", ["worker-1"], rctr, statuses=[[st]], age=86400 * 4)
    c.log("shop", rpods[0]["metadata"]["name"], "resizer", (
        "2026-11-20T08:30:02Z INFO  resizer listening on :8080 workers=4\n"
        "2026-11-20T09:56:48Z INFO  resize id=88123 src=s3://shop-img/p/88123.heic dst=640x640\n"
        "2026-11-20T09:56:49Z WARN  libheif: corrupt ispe box in 88123.heic\n"), previous=True)
    c.expect("POD-EXIT-CODE", jp)
    c.expect("POD-EXIT-CODE", rpods[0])


def pod_crashloop(c: Cluster) -> None:
    c.description = ("checkout in shop crash-loops: the new version exits 1 at start because a required setting is "
                     "missing (previous log), BackOff events for 40 minutes.")
    ctr = container("checkout", "registry.example.com/shop/checkout:3.1.0", cpu="200m", memory="256Mi", limit_memory="512Mi",
                    port=8080, env=[{"name": "PAYMENT_PROVIDER", "value": "stripe"}])
    statuses = []
    for i in range(2):
        last = terminated(1, "Error", 160 + i * 7, 158 + i * 7, f"checkout{i}", "checkout")
        statuses.append([waiting_status(ctr, "CrashLoopBackOff",
                                        "back-off 5m0s restarting failed container=checkout pod=checkout_shop",
                                        restarts=13 + i, last_terminated=last)])
    dep, _, pods = app(c, "checkout", "shop", ["worker-1", "worker-3"], ctr, statuses=statuses, ready=0, age=2500, pod_age=2460)
    c.expect("WORKLOAD-DOWN", dep)
    for p in pods:
        _not_ready(p, ["checkout"], 2440)
        c.log("shop", p["metadata"]["name"], "checkout", (
            "2026-11-20T09:57:22.101Z INFO  checkout starting version=3.1.0\n"
            "2026-11-20T09:57:22.104Z INFO  loading configuration from environment\n"
            "2026-11-20T09:57:22.105Z ERROR config: required key PAYMENT_API_URL missing value\n"
            "2026-11-20T09:57:22.105Z FATAL cannot start: invalid configuration\n"), previous=True)
        _backoff(c, p, "checkout", 180, 2400)
    first = sorted(pods, key=lambda p: p["metadata"]["name"])[0]
    c.expect("POD-CRASHLOOP", first)


def pod_crashloop_cluster_wide(c: Cluster) -> None:
    c.description = ("After a node-agent reinstall a second CNI config (10-calico.conflist) shadows flannel's on every "
                     "node: every pod-network pod crash-loops at once (seed 004). One cluster-wide finding, not one per pod.")
    for n in healthy.NODES:
        c.node_file(n, "files/etc/cni/net.d/10-calico.conflist", (
            '{\n  "name": "k8s-pod-network",\n  "cniVersion": "0.3.1",\n  "plugins": [\n    {\n      "type": "calico",\n'
            '      "ipam": {"type": "host-local", "subnet": "10.88.0.0/16"}\n    }\n  ]\n}\n'))
    crashing = [p for p in c.pods() if not p["spec"].get("hostNetwork") and p["status"]["phase"] == "Running"]
    for i, p in enumerate(crashing):
        statuses = []
        for s in p["status"]["containerStatuses"]:
            ctr = next(x for x in p["spec"]["containers"] if x["name"] == s["name"])
            last = terminated(1, "Error", 95 + i, 64 + i, p["metadata"]["name"], s["name"])
            statuses.append(waiting_status(ctr, "CrashLoopBackOff",
                                           f"back-off 5m0s restarting failed container={s['name']} pod={p['metadata']['name']}_{p['metadata']['namespace']}",
                                           restarts=9 + i % 3, last_terminated=last))
            c.log(p["metadata"]["namespace"], p["metadata"]["name"], s["name"],
                  f"2026-11-20T09:58:5{i % 10}Z error: dial tcp 10.96.0.1:443: connect: no route to host\n"
                  f"2026-11-20T09:58:5{i % 10}Z fatal: giving up after 30s\n", previous=True)
        p["status"]["containerStatuses"] = statuses
        _not_ready(p, [s["name"] for s in statuses], 3000)
        _backoff(c, p, statuses[0]["name"], 40, 3000)
    # the cart pod that crashed at install time crash-loops now: no history finding for it any more
    c.expected = [e for e in c.expected if e["rule"] != "POD-EXIT-CODE"]
    for n in healthy.NODES:
        c.expect("NODE-CNI-CONFLICT", f"Node/{n}")
    c.expect("POD-CRASHLOOP-CLUSTER-WIDE", sorted(crashing, key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]))[0])


def pod_restarts_high(c: Cluster) -> None:
    c.description = ("notifier in shop is running but has restarted 23 times in two days; the last restart was a Go "
                     "panic (exit 2) 40 minutes ago.")
    ctr = container("notifier", "registry.example.com/shop/notifier:1.4.3", cpu="50m", memory="64Mi", limit_memory="128Mi")
    last = terminated(2, "Error", 5000, 2400, "notifier", "notifier")
    st = running_status(ctr, "notifier", 2390, restarts=23, last_terminated=last)
    _, _, pods = app(c, "notifier", "shop", ["worker-2"], ctr, statuses=[[st]], age=86400 * 2)
    c.log("shop", pods[0]["metadata"]["name"], "notifier", (
        "2026-11-20T09:19:58Z INFO sending order-confirmation order=81611\n"
        "panic: runtime error: invalid memory address or nil pointer dereference\n"
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x6b7f21]\n\n"
        "goroutine 41 [running]:\n"
        "main.(*Mailer).Send(0x0, {0xc0001a2000, 0x1f})\n"
        "\t/src/notifier/mailer.go:88 +0x21\n"), previous=True)
    c.expect("POD-RESTARTS-HIGH", pods[0])


# ====================================================================== images and configuration
def pod_image_pull(c: Cluster) -> None:
    c.description = ("Two image pulls fail: recommendations references imagePullSecret regcred-recs, which does not "
                     "exist, and the private registry refuses the anonymous pull; banner uses a tag that does not exist.")
    img = "registry.example.com/shop/recommendations:3.2.0"
    ctr = container("recommendations", img, port=8080)
    err = (f"failed to pull and unpack image \"{img}\": failed to resolve reference \"{img}\": pull access denied, "
           "repository does not exist or may require authorization: authorization failed: no basic auth credentials")
    st = waiting_status(ctr, "ImagePullBackOff", f"Back-off pulling image \"{img}\"", image_pulled=False)
    dep, _, pods = app(c, "recommendations", "shop", ["worker-1", "worker-2"], ctr, statuses=[[st], [copy.deepcopy(st)]],
                     ready=0, age=1900, pod_extra={"imagePullSecrets": [{"name": "regcred-recs"}]})
    c.expect("WORKLOAD-DOWN", dep)
    for p in pods:
        _not_ready(p, ["recommendations"], 1880)
        p["status"]["conditions"] = [x for x in p["status"]["conditions"] if x["type"] != "PodReadyToStartContainers"]
        h = p["spec"]["nodeName"]
        fp = "spec.containers{recommendations}"
        c.add(event(p, "Pulling", f"Pulling image \"{img}\"", count=7, first_ago=1880, last_ago=420, host=h, field_path=fp),
              event(p, "Failed", f"Failed to pull image \"{img}\": {err}", type_="Warning", count=7, first_ago=1879,
                    last_ago=419, host=h, field_path=fp),
              event(p, "Failed", "Error: ErrImagePull", type_="Warning", count=7, first_ago=1879, last_ago=419, host=h,
                    field_path=fp),
              event(p, "BackOff", f"Back-off pulling image \"{img}\"", count=160, first_ago=1870, last_ago=15, host=h,
                    field_path=fp),
              event(p, "Failed", "Error: ImagePullBackOff", type_="Warning", count=160, first_ago=1870, last_ago=15, host=h,
                    field_path=fp))
    c.expect("POD-IMAGE-PULL", sorted(pods, key=lambda p: p["metadata"]["name"])[0])

    bimg = "nginxinc/nginx-unprivileged:1.27.99"
    bctr = container("banner", bimg, port=8080)
    berr = (f"rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/{bimg}\": failed to resolve "
            f"reference \"docker.io/{bimg}\": docker.io/{bimg}: not found")
    bst = waiting_status(bctr, "ErrImagePull", berr, image_pulled=False)
    bdep, _, bpods = app(c, "banner", "shop", ["worker-3"], bctr, statuses=[[bst]], ready=0, age=600)
    c.expect("WORKLOAD-DOWN", bdep)
    bp = bpods[0]
    _not_ready(bp, ["banner"], 590)
    fp = "spec.containers{banner}"
    c.add(event(bp, "Failed", f"Failed to pull image \"{bimg}\": {berr}", type_="Warning", count=4, first_ago=590,
                last_ago=12, host="worker-3", field_path=fp),
          event(bp, "BackOff", f"Back-off pulling image \"{bimg}\"", count=30, first_ago=585, last_ago=40, host="worker-3",
                field_path=fp))
    c.expect("POD-IMAGE-PULL", bp)


def pod_invalid_image(c: Cluster) -> None:
    c.description = "promo-banner's image reference has an upper-case repository name: InvalidImageName."
    img = "registry.example.com/shop/Promo-Banner:1.0"
    ctr = container("promo", img, port=8080)
    msg = (f"Failed to apply default image tag \"{img}\": couldn't parse image name \"{img}\": invalid reference format: "
           "repository name (shop/Promo-Banner) must be lowercase")
    st = waiting_status(ctr, "InvalidImageName", msg, image_pulled=False)
    st["image"] = img
    dep, _, pods = app(c, "promo-banner", "shop", ["worker-2"], ctr, statuses=[[st]], ready=0, age=900)
    c.expect("WORKLOAD-DOWN", dep)
    p = pods[0]
    _not_ready(p, ["promo"], 890)
    fp = "spec.containers{promo}"
    c.add(event(p, "InspectFailed", msg, type_="Warning", count=75, first_ago=890, last_ago=10, host="worker-2", field_path=fp),
          event(p, "Failed", "Error: InvalidImageName", type_="Warning", count=75, first_ago=890, last_ago=10, host="worker-2",
                field_path=fp))
    c.expect("POD-INVALID-IMAGE", p)


def pod_config_error(c: Cluster) -> None:
    c.description = ("A partial restore left out Secret shop/cart-db (seed 001 #17): the new cart pod the HPA added "
                     "fails with CreateContainerConfigError; the two running cart pods need it too.")
    c.remove("Secret", "cart-db", "shop")
    dep = c.find("Deployment", "cart", "shop")
    rs = c.find("ReplicaSet", f"cart-{k8s.rs_hash('cart', 'shop')}", "shop")
    ctr = copy.deepcopy(dep["spec"]["template"]["spec"]["containers"][0])
    name = _pod_name(rs, 2)
    st = waiting_status(ctr, "CreateContainerConfigError", 'secret "cart-db" not found')
    st["imageID"] = k8s.image_id(ctr["image"])
    p = pod(name, "shop", "worker-3", [ctr], owner=rs, labels=rs["spec"]["template"]["metadata"]["labels"], age=1500,
            statuses=[st], host_ip=NODE_IP["worker-3"], pod_ip=_ip("worker-3", name), image_pull_secrets=["registry-creds"])
    c.add(p)
    fp = "spec.containers{cart}"
    c.add(event(p, "Pulled", f"Container image \"{ctr['image']}\" already present on machine", count=70, first_ago=1490,
                last_ago=25, host="worker-3", field_path=fp),
          event(p, "Failed", 'Error: secret "cart-db" not found', type_="Warning", count=70, first_ago=1490, last_ago=25,
                host="worker-3", field_path=fp))
    dep["spec"]["replicas"] = 3
    dep["status"].update(replicas=3, unavailableReplicas=1)
    rs["spec"]["replicas"] = 3
    rs["status"].update(replicas=3, fullyLabeledReplicas=3)
    hpa = c.find("HorizontalPodAutoscaler", "cart", "shop")
    hpa["status"].update(currentReplicas=3, desiredReplicas=3, lastScaleTime=ts(1500))
    c.expect("POD-CONFIG-ERROR", p)
    # the cluster rule for references to missing objects reports the same Secret (on the first pod by name)
    c.expect("DANGLING-REFERENCES", sorted([x for x in c.pods("shop") if x["metadata"]["name"].startswith("cart-")],
                                           key=lambda x: x["metadata"]["name"])[0])


def pod_create_error(c: Cluster) -> None:
    c.description = ("log-collector mounts /var/log with Bidirectional propagation onto a node path that is not a "
                     "shared mount: the runtime cannot create the container (CreateContainerError).")
    ctr = container("collector", "docker.io/fluent/fluent-bit:3.2.2", cpu="50m", memory="64Mi", limit_memory="128Mi",
                    volume_mounts=[{"mountPath": "/var/log/host", "name": "varlog", "mountPropagation": "Bidirectional"}])
    ctr["securityContext"] = {"privileged": True}
    msg = ('failed to generate container "9f1c2a7d5be04e3b8b0f9b3c1d2e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e" spec: failed to '
           'generate spec: path "/var/log" is mounted on "/var/log" but it is not a shared mount')
    st = waiting_status(ctr, "CreateContainerError", msg)
    dep, _, pods = app(c, "log-collector", "monitoring", ["worker-1"], ctr, statuses=[[st]], ready=0, age=1200,
                     pod_extra={"volumes": [{"name": "varlog", "hostPath": {"path": "/var/log", "type": ""}}]})
    c.expect("WORKLOAD-DOWN", dep)
    p = pods[0]
    _not_ready(p, ["collector"], 1190)
    c.add(event(p, "Failed", f"Error: {msg}", type_="Warning", count=58, first_ago=1190, last_ago=30, host="worker-1",
                field_path="spec.containers{collector}"))
    c.expect("POD-CREATE-ERROR", p)


def pod_memory_unit(c: Cluster) -> None:
    c.description = ("thumbnailer sets its memory limit to '512m' (0.512 bytes, the 'm' suffix is milli): every "
                     "sandbox start is OOM-killed and the pod stays in ContainerCreating.")
    ctr = container("thumbnailer", "registry.example.com/shop/thumbnailer:2.0.1", cpu="100m", memory="256m",
                    limit_memory="512m", port=8080)
    st = waiting_status(ctr, "ContainerCreating", image_pulled=False)
    dep, _, pods = app(c, "thumbnailer", "shop", ["worker-2"], ctr, statuses=[[st]], ready=0, age=2000, phase="Pending")
    c.expect("WORKLOAD-DOWN", dep)
    p = pods[0]
    _not_ready(p, ["thumbnailer"], 1990)
    for cnd in p["status"]["conditions"]:
        if cnd["type"] == "PodReadyToStartContainers":
            cnd.update(status="False", lastTransitionTime=ts(1990))
    msg = ('Failed to create pod sandbox: rpc error: code = Unknown desc = failed to create containerd task: failed to '
           'create shim task: OCI runtime create failed: runc create failed: unable to start container process: '
           'container init was OOM-killed (memory limit too low?): unknown')
    c.add(event(p, "FailedCreatePodSandBox", msg, type_="Warning", count=88, first_ago=1990, last_ago=18, host="worker-2"),
          event(p, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.", count=88, first_ago=1989,
                last_ago=17, host="worker-2"))
    c.expect("POD-MEMORY-UNIT", p)
    c.expect("POD-STUCK-CREATING", p)


def pod_cpu_throttling(c: Cluster) -> None:
    c.description = ("query-engine in realtime-db is latency-sensitive but Burstable with a 500m CPU limit and a 100m "
                     "request (seed 000 scenario 138): CFS throttling during bursts.")
    c.add(k8s.namespace("realtime-db"), {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": k8s.meta("ServiceAccount", "default", "realtime-db")},
          k8s.configmap("kube-root-ca.crt", "realtime-db", {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIb...\n-----END CERTIFICATE-----\n"}))
    ctr = container("query-engine", "registry.example.com/realtime/query-engine:4.0.2", cpu="100m", memory="512Mi",
                    limit_cpu="500m", limit_memory="1Gi", port=7000, readiness=tcp_probe(7000))
    _, _, pods = app(c, "query-engine", "realtime-db", ["worker-3"], ctr, age=86400 * 5)
    c.expect("POD-CPU-THROTTLING", pods[0])


# ====================================================================== scheduling
def _scheduler_event(p: Obj, msg: str, first_ago: float, last_ago: float, count: int) -> Obj:
    """A FailedScheduling event as kube-scheduler records it: through events.k8s.io/v1, so its core/v1 form (what
    kubectl get events -o json returns) has eventTime and series, no count, no first/lastTimestamp, an empty source."""
    ev = event(p, "FailedScheduling", msg, type_="Warning", first_ago=first_ago, last_ago=last_ago,
               source="default-scheduler", action="Scheduling")
    del ev["count"]
    ev.update(firstTimestamp=None, lastTimestamp=None, eventTime=k8s.ts_micro(first_ago), source={},
              series={"count": count, "lastObservedTime": k8s.ts_micro(last_ago)},
              reportingComponent="default-scheduler", reportingInstance="default-scheduler-cp-1")
    return ev


def pod_unschedulable(c: Cluster) -> None:
    c.description = ("analytics asks for 10 CPUs per pod; the workers have 7.9 allocatable CPUs each and the control "
                     "plane is tainted: both pods stay Pending.")
    ctr = container("spark", "docker.io/apache/spark:3.5.3", cpu="10", memory="6Gi", limit_memory="8Gi")
    dep, _, pods = app(c, "analytics", "shop", [None, None], ctr, ready=0, age=3700)
    c.expect("WORKLOAD-DOWN", dep)
    msg = ("0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
           "3 Insufficient cpu. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, "
           "3 No preemption victims found for incoming pod.")
    for p in pods:
        _pending_unschedulable(p, msg, 3690)
        c.add(_scheduler_event(p, msg, first_ago=3690, last_ago=290, count=12))
    first = sorted(pods, key=lambda p: p["metadata"]["name"])[0]
    c.expect("POD-UNSCHEDULABLE", first)
    c.expect("POD-UNSCHEDULABLE-RESOURCES", first)


def pod_node_selector_no_match(c: Cluster) -> None:
    c.description = ("ml-inference selects nodes with gpu=true, but a labelling DaemonSet overwrote the workers' "
                     "labels (seed 001 #20): no node carries gpu=true.")
    ctr = container("inference", "registry.example.com/ml/inference:0.12.0", cpu="1", memory="4Gi", limit_memory="8Gi", port=8500)
    dep, _, pods = app(c, "ml-inference", "shop", [None], ctr, ready=0, age=5400,
                     pod_extra={"nodeSelector": {"gpu": "true", "kubernetes.io/os": "linux"}})
    c.expect("WORKLOAD-DOWN", dep)
    for n in healthy.WORKERS:
        c.find("Node", n)["metadata"]["labels"]["zone"] = "eu-west-1"
    c.find("Node", "worker-3")["metadata"]["labels"]["gpu-driver"] = "550.127.05"
    msg = ("0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
           "3 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: "
           "4 Preemption is not helpful for scheduling.")
    p = pods[0]
    _pending_unschedulable(p, msg, 5390)
    c.add(_scheduler_event(p, msg, first_ago=5390, last_ago=300, count=17))
    c.expect("POD-NODE-SELECTOR-NO-MATCH", p)
    c.expect("POD-UNSCHEDULABLE", p)


def pod_taints_block(c: Cluster) -> None:
    c.description = ("A team tainted every worker dedicated=team-a:NoSchedule (seed 001 #5); the new reports-api "
                     "pods tolerate nothing and stay Pending.")
    for n in healthy.WORKERS:
        c.find("Node", n)["spec"]["taints"] = [{"effect": "NoSchedule", "key": "dedicated", "value": "team-a"}]
    ctr = container("api", "registry.example.com/shop/reports-api:1.0.0", port=8080)
    dep, _, pods = app(c, "reports-api", "shop", [None, None], ctr, ready=0, age=1300)
    c.expect("WORKLOAD-DOWN", dep)
    msg = ("0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
           "3 node(s) had untolerated taint {dedicated: team-a}. preemption: 0/4 nodes are available: "
           "4 Preemption is not helpful for scheduling.")
    for p in pods:
        _pending_unschedulable(p, msg, 1290)
        c.add(_scheduler_event(p, msg, first_ago=1290, last_ago=120, count=5))
    first = sorted(pods, key=lambda p: p["metadata"]["name"])[0]
    c.expect("POD-TAINTS-BLOCK", first)
    c.expect("POD-UNSCHEDULABLE", first)


def pod_no_scheduler(c: Cluster) -> None:
    c.description = ("The kube-scheduler static pod manifest was moved away on cp-1: no scheduler runs, its lease "
                     "went stale 47 minutes ago, and new pods stay Pending without any scheduling attempt.")
    c.remove("Pod", "kube-scheduler-cp-1", "kube-system")
    del c.node_files[("cp-1", "files/etc/kubernetes/manifests/kube-scheduler.yaml")]
    c.logs = {k: v for k, v in c.logs.items() if k[1] != "kube-scheduler-cp-1"}
    lease = c.find("Lease", "kube-scheduler", "kube-system")
    lease["spec"]["renewTime"] = k8s.ts_micro(2820)
    ctr = container("newsletter", "registry.example.com/shop/newsletter:1.1.0", port=8080)
    dep, _, pods = app(c, "newsletter", "shop", [None, None], ctr, ready=0, age=1800)
    c.expect("WORKLOAD-DOWN", dep)
    c.expect("CONTROL-PLANE-LEASE-STALE", lease)
    for p in pods:
        p["status"] = {"phase": "Pending", "qosClass": "Burstable"}
    c.node_file("cp-1", "commands/journal-kubelet.txt", (
        f"{journal_time(2830)} cp-1 kubelet[1021]: I{klog_time(2830)[:-7]}.412231    1021 kubelet.go:2424] \"SyncLoop REMOVE\" "
        "source=\"file\" pods=[\"kube-system/kube-scheduler-cp-1\"]\n"
        f"{journal_time(2829)} cp-1 kubelet[1021]: I{klog_time(2829)[:-7]}.502113    1021 kuberuntime_container.go:809] "
        "\"Killing container with a grace period\" pod=\"kube-system/kube-scheduler-cp-1\" podUID=\"x\" "
        "containerName=\"kube-scheduler\" containerID=\"containerd://4b1e\" gracePeriod=30\n"), append=True)
    c.expect("POD-NO-SCHEDULER", sorted(pods, key=lambda p: p["metadata"]["name"])[0])


# ====================================================================== lifecycle
def pod_stuck_creating(c: Cluster) -> None:
    c.description = ("media-proc on worker-3 has been ContainerCreating for 25 minutes: flannel's bridge cni0 still "
                     "carries an address from an old subnet, so every sandbox network setup fails.")
    ctr = container("media", "registry.example.com/shop/media-proc:1.2.0", port=8080)
    st = waiting_status(ctr, "ContainerCreating", image_pulled=False)
    dep, _, pods = app(c, "media-proc", "shop", ["worker-3"], ctr, statuses=[[st]], ready=0, age=1500, phase="Pending")
    c.expect("WORKLOAD-DOWN", dep)
    p = pods[0]
    _not_ready(p, ["media"], 1490)
    for cnd in p["status"]["conditions"]:
        if cnd["type"] == "PodReadyToStartContainers":
            cnd.update(status="False", lastTransitionTime=ts(1490))
    sid = k8s.hexid("sandbox", "media")
    msg = (f"Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"{sid}\": "
           "plugin type=\"flannel\" failed (add): failed to delegate add: failed to set bridge addr: \"cni0\" already has "
           "an IP address different from 10.244.3.1/24")
    c.add(event(p, "FailedCreatePodSandBox", msg, type_="Warning", count=61, first_ago=1490, last_ago=22, host="worker-3"),
          event(p, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.", count=60, first_ago=1485,
                last_ago=21, host="worker-3"))
    c.expect("POD-STUCK-CREATING", p)


def pod_terminating_stuck(c: Cluster) -> None:
    c.description = ("legacy-sync was deleted three hours ago but carries finalizer example.com/drain-queue whose "
                     "controller crashed (seed 001 #1): the pod stays Terminating.")
    ctr = container("sync", "registry.example.com/shop/legacy-sync:0.7.0")
    done = terminated(0, "Completed", 86400, 10780, "legacy-sync", "sync")
    st = {"name": "sync", "image": ctr["image"], "imageID": k8s.image_id(ctr["image"]), "containerID": done["containerID"],
          "ready": False, "restartCount": 0, "started": False, "state": {"terminated": done}, "lastState": {}}
    p = pod(f"legacy-sync-{suffix('legacy-sync')}", "shop", "worker-1", [ctr], age=86400 * 12, statuses=[st],
            host_ip=NODE_IP["worker-1"], pod_ip=_ip("worker-1", "legacy-sync"), labels={"app": "legacy-sync"})
    p["metadata"]["deletionTimestamp"] = ts(10800 - 30)
    p["metadata"]["deletionGracePeriodSeconds"] = 30
    p["metadata"]["finalizers"] = ["example.com/drain-queue"]
    _not_ready(p, ["sync"], 10780)
    c.add(p)
    c.add(event(p, "Killing", "Stopping container sync", first_ago=10800, host="worker-1", field_path="spec.containers{sync}"))
    c.expect("POD-TERMINATING-STUCK", p)


def pod_evicted(c: Cluster) -> None:
    c.description = ("worker-2's root disk filled up with image layers (seed 001 #6): DiskPressure, and the kubelet "
                     "evicted three pods for ephemeral-storage.")
    n = c.find("Node", "worker-2")
    for cnd in n["status"]["conditions"]:
        if cnd["type"] == "DiskPressure":
            cnd.update(status="True", reason="KubeletHasDiskPressure", message="kubelet has disk pressure",
                       lastTransitionTime=ts(1900))
    n["spec"]["taints"] = [{"effect": "NoSchedule", "key": "node.kubernetes.io/disk-pressure", "timeAdded": ts(1900)}]
    c.add(event(n, "NodeHasDiskPressure", "Node worker-2 status is now: NodeHasDiskPressure", first_ago=1900, host="worker-2"),
          event(n, "EvictionThresholdMet", "Attempting to reclaim ephemeral-storage", type_="Warning", count=14,
                first_ago=1890, last_ago=60, host="worker-2"))
    c.node_file("worker-2", "commands/df.txt", (
        "Filesystem     1K-blocks     Used Available Use% Mounted on\n"
        "udev             8141224        0   8141224   0% /dev\n"
        "tmpfs            1633108     1252   1631856   1% /run\n"
        "/dev/nvme0n1p1 101430960 96412312   4922100  96% /\n"
        "tmpfs            8165528        0   8165528   0% /dev/shm\n"))
    ctr = container("renderer", "registry.example.com/shop/pdf-renderer:2.2.0", port=8080)
    dep = deployment("pdf-renderer", "shop", 3, [ctr], age=86400 * 8)
    rs = replicaset(dep)
    c.add(dep, rs)
    evicted = []
    for i, usage in enumerate(["6340212Ki", "5911034Ki", "4820112Ki"]):
        name = _pod_name(rs, 10 + i)
        p = pod(name, "shop", "worker-2", [copy.deepcopy(ctr)], owner=rs, labels=rs["spec"]["template"]["metadata"]["labels"],
                age=86400 * 3, phase="Failed", host_ip=NODE_IP["worker-2"], pod_ip=_ip("worker-2", name),
                statuses=[{"name": "renderer", "image": ctr["image"], "imageID": k8s.image_id(ctr["image"]),
                           "containerID": "containerd://" + k8s.hexid("ev", name), "ready": False, "restartCount": 0,
                           "started": False, "lastState": {},
                           "state": {"terminated": terminated(137, "Error", 86400 * 3, 1800 - i * 60, name, "renderer")}}],
                conditions=[cond("DisruptionTarget", "True", 1800 - i * 60, "TerminationByKubelet",
                                 "The node was low on resource: ephemeral-storage. Threshold quantity: 10143096Ki, available: 4922100Ki. "),
                            cond("PodReadyToStartContainers", "False", 1790 - i * 60), cond("Initialized", "True", 86400 * 3),
                            cond("Ready", "False", 1790 - i * 60, "PodFailed"),
                            cond("ContainersReady", "False", 1790 - i * 60, "PodFailed"), cond("PodScheduled", "True", 86400 * 3)])
        p["status"]["reason"] = "Evicted"
        p["status"]["message"] = ("The node was low on resource: ephemeral-storage. Threshold quantity: 10143096Ki, available: "
                                  f"4922100Ki. Container renderer was using {usage}, request is 0, has larger consumption of "
                                  "ephemeral storage. ")
        c.add(p)
        c.add(event(p, "Evicted", p["status"]["message"].strip(), type_="Warning", first_ago=1800 - i * 60, host="worker-2"))
        evicted.append(p)
    for i in range(3):
        node_name = healthy.WORKERS[i if i != 1 else 0]
        name = _pod_name(rs, i)
        c.add(pod(name, "shop", node_name, [copy.deepcopy(ctr)], owner=rs, labels=rs["spec"]["template"]["metadata"]["labels"],
                  age=1700 - i * 60, host_ip=NODE_IP[node_name], pod_ip=_ip(node_name, name)))
    c.expect("POD-EVICTED", n)
    c.expect("NODE-DISK-FULL", n)
    c.expect("NODE-PRESSURE", n)


def pod_probe_failing(c: Cluster) -> None:
    c.description = ("search-api's readiness probe answers HTTP 503 for 25 minutes (its index is not loaded): the pod "
                     "is running but not ready, so it gets no traffic.")
    ctr = container("search", "registry.example.com/shop/search-api:2.9.0", cpu="300m", memory="512Mi", limit_memory="1Gi",
                    port=8080, readiness=http_probe("/ready", 8080, initial=5, period=10),
                    liveness=http_probe("/healthz", 8080, initial=30, period=20))
    st = running_status(ctr, "search-api", 1560, ready=False)
    dep, _, pods = app(c, "search-api", "shop", ["worker-1"], ctr, statuses=[[st]], ready=0, age=1600)
    c.expect("WORKLOAD-DOWN", dep)
    p = pods[0]
    _not_ready(p, ["search"], 1550)
    ip = p["status"]["podIP"]
    c.add(event(p, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", type_="Warning",
                count=152, first_ago=1550, last_ago=8, host="worker-1", field_path="spec.containers{search}"))
    c.log("shop", p["metadata"]["name"], "search", (
        "2026-11-20T09:34:01Z INFO  search-api 2.9.0 listening on :8080\n"
        "2026-11-20T09:34:02Z WARN  index 'products-v7' not found in /data/index; waiting for snapshot\n"
        f"2026-11-20T09:59:51Z INFO  GET /ready from {ip.rsplit('.', 1)[0]}.1 -> 503 (index not loaded)\n"))
    c.expect("POD-PROBE-FAILING", p)


def pod_probe_config(c: Cluster) -> None:
    c.description = ("catalog (a JVM that needs ~60 s to start) has a liveness probe identical to its readiness probe, "
                     "initialDelaySeconds 5 and no startupProbe: the kubelet kills it before it is up, over and over.")
    probe = http_probe("/actuator/health", 8080, initial=5, period=5, failure=3)
    ctr = container("catalog", "registry.example.com/shop/catalog:7.3.1", cpu="500m", memory="768Mi", limit_memory="1Gi",
                    port=8080, liveness=copy.deepcopy(probe), readiness=copy.deepcopy(probe))
    last = terminated(143, "Error", 62, 42, "catalog", "catalog")
    st = running_status(ctr, "catalog", 40, restarts=9, ready=False, last_terminated=last)
    dep, _, pods = app(c, "catalog", "shop", ["worker-2"], ctr, statuses=[[st]], ready=0, age=1200)
    c.expect("WORKLOAD-DOWN", dep)
    p = pods[0]
    _not_ready(p, ["catalog"], 1190)
    ip = p["status"]["podIP"]
    fp = "spec.containers{catalog}"
    c.add(event(p, "Unhealthy", f"Liveness probe failed: Get \"http://{ip}:8080/actuator/health\": dial tcp {ip}:8080: "
                "connect: connection refused", type_="Warning", count=29, first_ago=1180, last_ago=25, host="worker-2", field_path=fp),
          event(p, "Unhealthy", f"Readiness probe failed: Get \"http://{ip}:8080/actuator/health\": dial tcp {ip}:8080: "
                "connect: connection refused", type_="Warning", count=31, first_ago=1180, last_ago=25, host="worker-2", field_path=fp),
          event(p, "Killing", "Container catalog failed liveness probe, will be restarted", count=9, first_ago=1170,
                last_ago=43, host="worker-2", field_path=fp))
    c.log("shop", p["metadata"]["name"], "catalog", (
        "2026-11-20T09:58:18.002Z  INFO 1 --- [main] c.e.shop.catalog.CatalogApplication : Starting CatalogApplication v7.3.1\n"
        "2026-11-20T09:58:31.771Z  INFO 1 --- [main] o.h.e.t.j.p.i.JtaPlatformInitiator : HHH000489: No JTA platform available\n"
        "2026-11-20T09:58:38.120Z  INFO 1 --- [main] c.e.shop.catalog.CacheWarmer : warming product cache (212000 items)\n"), previous=True)
    c.expect("POD-PROBE-CONFIG", p)
    c.expect("POD-PROBE-FAILING", p)
    c.expect("POD-RESTARTS-HIGH", p)


def pod_dns_errors(c: Cluster) -> None:
    c.description = ("payment-gateway cannot resolve its provider's host name: lookups to the cluster DNS time out, "
                     "every payment attempt fails.")
    ctr = container("gateway", "registry.example.com/shop/payment-gateway:4.1.0", port=8443)
    _, _, pods = app(c, "payment-gateway", "shop", ["worker-3"], ctr, age=86400 * 3)
    p = pods[0]
    ip = p["status"]["podIP"]
    lines = ["2026-11-17T10:00:12Z INFO  payment-gateway 4.1.0 listening on :8443"]
    for i in range(6):
        lines.append(f"2026-11-20T09:{41 + i * 3}:0{i}Z ERROR charge failed order=8171{i} err=\"Post "
                     f"\\\"https://api.payments.example.net/v2/charges\\\": dial tcp: lookup api.payments.example.net on "
                     f"10.96.0.10:53: read udp {ip}:4{1200 + i}->10.96.0.10:53: i/o timeout\"")
    c.log("shop", p["metadata"]["name"], "gateway", "\n".join(lines) + "\n")
    c.expect("POD-DNS-ERRORS", p)


SCENARIOS: dict[str, Callable[[Cluster], None]] = {
    "POD-OOMKILLED": pod_oomkilled,
    "POD-SIGKILL-NOT-OOM": pod_sigkill_not_oom,
    "POD-EXIT-CODE": pod_exit_code,
    "POD-CRASHLOOP": pod_crashloop,
    "POD-CRASHLOOP-CLUSTER-WIDE": pod_crashloop_cluster_wide,
    "POD-IMAGE-PULL": pod_image_pull,
    "POD-INVALID-IMAGE": pod_invalid_image,
    "POD-CONFIG-ERROR": pod_config_error,
    "POD-CREATE-ERROR": pod_create_error,
    "POD-UNSCHEDULABLE": pod_unschedulable,
    "POD-NODE-SELECTOR-NO-MATCH": pod_node_selector_no_match,
    "POD-TAINTS-BLOCK": pod_taints_block,
    "POD-NO-SCHEDULER": pod_no_scheduler,
    "POD-STUCK-CREATING": pod_stuck_creating,
    "POD-MEMORY-UNIT": pod_memory_unit,
    "POD-TERMINATING-STUCK": pod_terminating_stuck,
    "POD-EVICTED": pod_evicted,
    "POD-PROBE-FAILING": pod_probe_failing,
    "POD-PROBE-CONFIG": pod_probe_config,
    "POD-RESTARTS-HIGH": pod_restarts_high,
    "POD-DNS-ERRORS": pod_dns_errors,
    "POD-CPU-THROTTLING": pod_cpu_throttling,
}

# The shop cart pod that crashed once at install time (healthy.py) and has run for two days since:
# POD-EXIT-CODE reports it as history (info), with when it happened.
_CART_RS = f"cart-{k8s.rs_hash('cart', 'shop')}"
HEALTHY_EXPECTED = [{"rule": "POD-EXIT-CODE", "object": f"Pod/shop/{_CART_RS}-{suffix(_CART_RS, '0')}"}]
