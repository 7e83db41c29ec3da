"""Bundles and analysis results for the report tests.

- ``shop_cluster()``: a small cluster in trouble (an OOM-killed container, a NotReady node, a
  node under disk pressure, an image that cannot be pulled, a Pending claim) written with
  the messages real components write;
- ``shop_findings()``: the findings a rule pack reports on it (built directly, so the report
  tests do not depend on the rule pack);
- ``hostile_cluster()`` / ``hostile_findings()``: the same shapes with attacker-controlled
  strings in names, labels, annotations, event messages and log lines;
- ``many_findings(n)``: n findings with evidence, for the size test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from analyzer.bundle.model import Bundle, text_from_bytes
from analyzer.engine.findings import AnalysisResult, Evidence, Finding, ObjectRef, RuleError, Waived

COLLECTED = datetime(2024, 5, 14, 9, 30, tzinfo=UTC)

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '"><img src=x onerror="window.__pwned=1">'
TEMPLATE = "{{7*7}}"
CONTROL = "\x1b[31mred\x1b[0m\x07bell\x00nul\u202eesrever"
PAYLOADS = (SCRIPT, IMG, TEMPLATE)


def ts(minutes_before: float) -> str:
    return (COLLECTED - timedelta(minutes=minutes_before)).strftime("%Y-%m-%dT%H:%M:%SZ")


def node(name: str, ready: str = "True", pressure: tuple[str, ...] = (), role: str = "worker", cpu: str = "4",
         memory: str = "16Gi") -> dict[str, Any]:
    conditions = [
        {"type": t, "status": "True" if t in pressure else "False", "reason": f"KubeletHas{'' if t in pressure else 'No'}{t}",
         "message": f"kubelet has {t.lower()}" if t in pressure else f"kubelet has no {t.lower()}",
         "lastTransitionTime": ts(300 if t not in pressure else 95)}
        for t in ("MemoryPressure", "DiskPressure", "PIDPressure")
    ]
    ready_cond = {"type": "Ready", "status": ready, "lastTransitionTime": ts(40 if ready != "True" else 3000)}
    if ready == "True":
        ready_cond.update(reason="KubeletReady", message="kubelet is posting ready status")
    else:
        ready_cond.update(reason="NodeStatusUnknown", message="Kubelet stopped posting node status.")
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "uid": f"uid-{name}", "labels": {f"node-role.kubernetes.io/{role}": "",
                                                                   "kubernetes.io/hostname": name}},
        "spec": {"unschedulable": ready != "True"} | (
            {"taints": [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}]} if ready != "True" else {}
        ),
        "status": {
            "conditions": conditions + [ready_cond],
            "capacity": {"cpu": cpu, "memory": memory, "pods": "110"},
            "allocatable": {"cpu": cpu, "memory": memory, "pods": "110"},
            "nodeInfo": {"kubeletVersion": "v1.29.4", "osImage": "Ubuntu 22.04.4 LTS"},
        },
    }


def pod(ns: str, name: str, node_name: str, phase: str = "Running", cpu: str = "250m", memory: str = "512Mi",
        ready: bool = True, restarts: int = 0, labels: dict[str, str] | None = None,
        annotations: dict[str, str] | None = None, container: str = "app", last_state: dict[str, Any] | None = None,
        waiting: dict[str, Any] | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": phase}
    if phase in ("Running", "Pending"):
        cs: dict[str, Any] = {"name": container, "ready": ready, "restartCount": restarts, "image": f"{container}:1"}
        cs["state"] = {"waiting": waiting} if waiting else {"running": {"startedAt": ts(30)}}
        if last_state:
            cs["lastState"] = last_state
        status["containerStatuses"] = [cs]
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": f"uid-{ns}-{name}", "labels": labels or {"app": name},
                     "annotations": annotations or {}, "creationTimestamp": ts(2000)},
        "spec": {"nodeName": node_name, "containers": [
            {"name": container, "image": f"{container}:1",
             "resources": {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory}}}]},
        "status": status,
    }


def event(ns: str, kind: str, name: str, reason: str, message: str, minutes_before: float, count: int = 1,
          etype: str = "Warning", component: str = "kubelet") -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Event", "type": etype, "reason": reason, "message": message, "count": count,
        "metadata": {"name": f"{name}.{reason.lower()}.{int(minutes_before * 60)}", "namespace": ns},
        "involvedObject": {"kind": kind, "name": name, "namespace": ns},
        "firstTimestamp": ts(minutes_before + 30), "lastTimestamp": ts(minutes_before),
        "source": {"component": component},
    }


OOM_LOG = [
    "2024-05-14T09:12:01.114Z INFO  CartService started on port 8080",
    "2024-05-14T09:14:22.870Z WARN  GC overhead: 87% of time in the last 60s",
    "2024-05-14T09:14:58.002Z WARN  Heap usage 243MiB of 256MiB",
    "Exception in thread \"cart-worker-3\" java.lang.OutOfMemoryError: Java heap space",
    "\tat java.util.Arrays.copyOf(Arrays.java:3512)",
    "\tat com.example.cart.SessionCache.put(SessionCache.java:88)",
]
DMESG = [
    "[183455.112904] java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=983",
    "[183455.113021] Memory cgroup out of memory: Killed process 23411 (java) total-vm:4127664kB, "
    "anon-rss:261732kB, file-rss:18220kB, shmem-rss:0kB, UID:1000 pgtables:1012kB oom_score_adj:983",
]
KUBELET = [
    'May 14 08:49:57 worker-3 kubelet[1021]: E0514 08:49:57.331202    1021 kubelet.go:2906] "Container runtime not ready" '
    'runtimeReady="RuntimeReady=false reason: message:"',
    'May 14 08:50:02 worker-3 kubelet[1021]: E0514 08:50:02.118004    1021 kubelet.go:2383] "Skipping pod synchronization" '
    'err="PLEG is not healthy: pleg was last seen active 3m0.412s ago; threshold is 3m0s"',
]


def shop_cluster() -> tuple[list[dict[str, Any]], dict[tuple[str, str, str, bool], str], dict[tuple[str, str], str]]:
    """(objects, logs, node_files) of the sample cluster, as ``write_native`` takes them."""
    objects: list[dict[str, Any]] = [
        node("cp-1", role="control-plane", cpu="2", memory="8Gi"),
        node("worker-1"),
        node("worker-2", pressure=("DiskPressure",)),
        node("worker-3", ready="Unknown"),
    ]
    for ns in ("kube-system", "shop", "monitoring", "default"):
        objects.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}, "status": {"phase": "Active"}})
    objects += [
        pod("kube-system", "etcd-cp-1", "cp-1", cpu="100m", memory="100Mi"),
        pod("kube-system", "kube-apiserver-cp-1", "cp-1", cpu="250m", memory="512Mi"),
        pod("kube-system", "coredns-76f75df574-8kq2w", "worker-1", cpu="100m", memory="70Mi"),
        pod("kube-system", "coredns-76f75df574-zb7xd", "worker-3", cpu="100m", memory="70Mi", ready=False),
        pod("shop", "cart-7d9f8b6c5-x2x9k", "worker-1", cpu="500m", memory="256Mi", ready=False, restarts=14,
            container="cart",
            last_state={"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": ts(22),
                                       "finishedAt": ts(15)}},
            waiting={"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container=cart"}),
        pod("shop", "frontend-5c9d7f6b4-h7m2p", "worker-1", cpu="1", memory="1Gi"),
        pod("shop", "frontend-5c9d7f6b4-q9w4c", "worker-2", cpu="1", memory="1Gi"),
        pod("shop", "payments-6b8d9c7f5-t5r8n", "worker-2", phase="Pending", ready=False, container="payments",
            waiting={"reason": "ImagePullBackOff",
                     "message": 'Back-off pulling image "registry.example.com/shop/payments:1.4.2"'}),
        pod("shop", "postgres-0", "", phase="Pending", ready=False, container="postgres"),
        pod("monitoring", "prometheus-0", "worker-2", cpu="1500m", memory="6Gi"),
        pod("monitoring", "node-exporter-4xk8p", "worker-3", cpu="100m", memory="64Mi", ready=False),
        pod("monitoring", "backup-28597920-x8m2v", "worker-1", phase="Succeeded"),
        pod("default", "debug-shell", "worker-1", phase="Failed"),
    ]
    objects.append({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data-postgres-0", "namespace": "shop", "uid": "uid-pvc"},
        "spec": {"storageClassName": "fast-ssd", "accessModes": ["ReadWriteOnce"],
                 "resources": {"requests": {"storage": "20Gi"}}},
        "status": {"phase": "Pending"},
    })
    evs = [
        event("shop", "Pod", "cart-7d9f8b6c5-x2x9k", "BackOff", "Back-off restarting failed container cart in pod "
              "cart-7d9f8b6c5-x2x9k_shop(uid-shop-cart)", 2, count=61),
        event("shop", "Pod", "payments-6b8d9c7f5-t5r8n", "Failed", 'Failed to pull image "registry.example.com/shop/'
              'payments:1.4.2": rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/'
              'shop/payments:1.4.2": failed to resolve reference "registry.example.com/shop/payments:1.4.2": '
              "registry.example.com/shop/payments:1.4.2: not found", 8, count=12),
        event("shop", "Pod", "payments-6b8d9c7f5-t5r8n", "BackOff", 'Back-off pulling image "registry.example.com/'
              'shop/payments:1.4.2"', 1, count=140),
        event("shop", "PersistentVolumeClaim", "data-postgres-0", "ProvisioningFailed",
              'storageclass.storage.k8s.io "fast-ssd" not found', 3, count=220,
              component="persistentvolume-controller"),
        event("default", "Node", "worker-3", "NodeNotReady", "Node worker-3 status is now: NodeNotReady", 40,
              etype="Normal", component="node-controller"),
        event("kube-system", "Pod", "coredns-76f75df574-zb7xd", "NodeNotReady", "Node is not ready", 39,
              component="node-controller"),
        event("default", "Node", "worker-2", "EvictionThresholdMet", "Attempting to reclaim ephemeral-storage", 95),
        event("monitoring", "Pod", "prometheus-0", "Evicted", "The node was low on resource: ephemeral-storage. "
              "Threshold quantity: 10%, available: 8%.", 90),
        event("default", "Node", "worker-2", "FreeDiskSpaceFailed", "Failed to garbage collect required amount of "
              "images. Attempted to free 4529848320 bytes, but only found 0 bytes eligible to free.", 60, count=9),
    ]
    for i in range(12):  # a steady trickle of probe failures
        evs.append(event("shop", "Pod", "frontend-5c9d7f6b4-q9w4c", "Unhealthy",
                         "Readiness probe failed: Get \"http://10.244.2.17:8080/healthz\": context deadline exceeded "
                         "(Client.Timeout exceeded while awaiting headers)", 300 - i * 24, count=3))
    objects += evs
    logs = {("shop", "cart-7d9f8b6c5-x2x9k", "cart", True): "\n".join(OOM_LOG) + "\n"}
    node_files = {("worker-1", "commands/dmesg.txt"): "\n".join(DMESG) + "\n",
                  ("worker-3", "commands/journal-kubelet.txt"): "\n".join(KUBELET) + "\n"}
    return objects, logs, node_files


def bundle_of(objects: list[dict[str, Any]], logs: dict[tuple[str, str, str, bool], str],
              node_files: dict[tuple[str, str], str], source: str = "bundles/sample") -> Bundle:
    """An in-memory Bundle holding these objects and files (as a reader would fill it)."""
    from analyzer.bundle.native_writer import resource_file

    b = Bundle(format="native", source=source, cluster_version="v1.29.4", collected_at=COLLECTED,
               manifest={"kbundle_format": 1, "cluster": {"version": "v1.29.4", "context": "prod-eu-1", "server": None},
                         "collector": {"name": "kbundle", "version": "0.1.0"}})
    for o in objects:
        b.add_object(o, resource_file(o))
    for (ns, p, c, prev), text in logs.items():
        path = f"logs/{ns}/{p}/{c}{'.previous' if prev else ''}.log"
        b.add_log(ns, p, c, prev, text_from_bytes(path, path, text.encode()))
    for (n, rel), text in node_files.items():
        path = f"nodes/{n}/{rel}"
        b.add_node_file(n, rel, text_from_bytes(path, path, text.encode()))
    return b.finalize()


def shop_findings() -> list[Finding]:
    cart = ObjectRef("Pod", "shop", "cart-7d9f8b6c5-x2x9k")
    return [
        Finding(
            "POD-OOMKILLED", "critical", "Container killed for exceeding its memory limit", "workloads",
            "Container cart of pod shop/cart-7d9f8b6c5-x2x9k was OOM-killed (limit 256Mi), 14 restarts.",
            objects=[cart],
            evidence=[
                Evidence("field", label="item.lastState.terminated",
                         value={"exitCode": 137, "reason": "OOMKilled", "startedAt": ts(22), "finishedAt": ts(15)}),
                Evidence("log", path="logs/shop/cart-7d9f8b6c5-x2x9k/cart.previous.log",
                         lines=[(i + 1, t) for i, t in enumerate(OOM_LOG)]),
                Evidence("node_file", path="nodes/worker-1/commands/dmesg.txt", lines=[(1, DMESG[0]), (2, DMESG[1])]),
                Evidence("event", value={"type": "Warning", "reason": "BackOff", "count": 61, "lastTimestamp": ts(2),
                                         "message": "Back-off restarting failed container cart"}),
            ],
            remediation="Raise resources.limits.memory of cart (now 256Mi) or find the leak; the JVM heap "
                        "(-Xmx) must leave room for off-heap memory.",
            references=["https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"],
            scenarios=["POD-OOMKILLED"], since=ts(15), source="rules/workloads.yaml",
        ),
        Finding(
            "NODE-NOT-READY", "critical", "Node is not Ready", "nodes",
            "Node worker-3 is Unknown since " + ts(40) + " (NodeStatusUnknown: Kubelet stopped posting node "
            "status.); 2 pods run on it. The kubelet reports the container runtime down and PLEG unhealthy.",
            objects=[ObjectRef("Node", "", "worker-3")],
            evidence=[
                Evidence("field", label="status.conditions[?type=='Ready'] | [0]",
                         value={"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                                "message": "Kubelet stopped posting node status.", "lastTransitionTime": ts(40)}),
                Evidence("node_file", path="nodes/worker-3/commands/journal-kubelet.txt",
                         lines=[(1, KUBELET[0]), (2, KUBELET[1])]),
            ],
            remediation="Check the container runtime on worker-3 (systemctl status containerd) and the kubelet "
                        "journal; drain the node if it does not recover.",
            references=["https://kubernetes.io/docs/concepts/architecture/nodes/#condition"],
            scenarios=["NODE-NOT-READY"], since=ts(40), source="rules/nodes.yaml",
        ),
        Finding(
            "POD-IMAGE-PULL", "warning", "Image cannot be pulled", "workloads",
            'Pod shop/payments-6b8d9c7f5-t5r8n cannot pull "registry.example.com/shop/payments:1.4.2": the tag '
            "does not exist in the registry (NotFound).",
            objects=[ObjectRef("Pod", "shop", "payments-6b8d9c7f5-t5r8n"),
                     ObjectRef("Deployment", "shop", "payments")],
            evidence=[Evidence("event", value={"type": "Warning", "reason": "Failed", "count": 12,
                                               "lastTimestamp": ts(8),
                                               "message": 'Failed to pull image "registry.example.com/shop/'
                                                          'payments:1.4.2": rpc error: code = NotFound'})],
            remediation="Fix the image reference of deployment shop/payments or push the tag 1.4.2.",
            scenarios=["POD-IMAGE-PULL-NOT-FOUND"], since=ts(38), source="rules/workloads.yaml",
        ),
        Finding(
            "PVC-PENDING", "warning", "PersistentVolumeClaim stays Pending", "storage",
            'Claim shop/data-postgres-0 is Pending: storageclass.storage.k8s.io "fast-ssd" not found; pod '
            "shop/postgres-0 waits for it.",
            objects=[ObjectRef("PersistentVolumeClaim", "shop", "data-postgres-0"), ObjectRef("Pod", "shop", "postgres-0")],
            evidence=[Evidence("field", label="spec.storageClassName", value="fast-ssd"),
                      Evidence("object", label="waiting pod", value={"kind": "Pod", "namespace": "shop",
                                                                     "name": "postgres-0"})],
            remediation="Create the StorageClass fast-ssd or change the claim's storageClassName.",
            scenarios=["PVC-PENDING-NO-STORAGECLASS"], since=ts(1500), source="rules/storage.yaml",
        ),
        Finding(
            "NODE-DISK-PRESSURE", "warning", "Node under disk pressure", "nodes",
            "Node worker-2 reports DiskPressure since " + ts(95) + "; the kubelet evicted prometheus-0 and could not "
            "free image space.",
            objects=[ObjectRef("Node", "", "worker-2")],
            evidence=[Evidence("event", value={"type": "Warning", "reason": "FreeDiskSpaceFailed", "count": 9,
                                               "lastTimestamp": ts(60),
                                               "message": "Failed to garbage collect required amount of images."})],
            remediation="Free space on worker-2 (images, logs under /var/log/pods) or grow its disk.",
            scenarios=["NODE-DISK-PRESSURE"], since=ts(95), source="rules/nodes.yaml",
        ),
        Finding(
            "POD-PROBE-FAILING", "info", "Readiness probe failed earlier", "workloads",
            "Pod shop/frontend-5c9d7f6b4-q9w4c failed its readiness probe 36 times in the last 5 hours; it is "
            "ready now.",
            objects=[ObjectRef("Pod", "shop", "frontend-5c9d7f6b4-q9w4c")], state="history", since=ts(300),
            remediation="Check the latency of /healthz under load.", source="rules/workloads.yaml",
        ),
        Finding(
            "SEC-PRIVILEGED", "warning", "Privileged container", "security",
            "Container node-exporter of pod monitoring/node-exporter-4xk8p runs privileged.",
            objects=[ObjectRef("Pod", "monitoring", "node-exporter-4xk8p")],
            waived=Waived("node-exporter needs host access (ticket OPS-1234)", "2024-12-31"),
            remediation="Drop privileged; grant only the capabilities needed.", source="rules/security.yaml",
        ),
    ]


def shop_result(findings: list[Finding] | None = None) -> AnalysisResult:
    return AnalysisResult(
        bundle={"format": "native", "source": "bundles/sample", "cluster_version": "v1.29.4",
                "collected_at": COLLECTED.isoformat().replace("+00:00", "Z")},
        findings=shop_findings() if findings is None else findings,
        rule_errors=[RuleError("NET-DNS-UPSTREAM", "JMESPath: unknown function: dns_upstreams()",
                               "rules/networking.yaml")],
        problems=[{"path": "namespaces/shop/configmaps.json", "error": "invalid JSON: unexpected end of data at line 1"}],
        rules_run=48,
        skipped_rules=[{"rule_id": "NODE-CLOCK-SKEW", "reason": "no node files in bundle for chronyc-tracking.txt"}],
        profile={"POD-OOMKILLED": 0.004, "NODE-NOT-READY": 0.001},
    )


def rules_meta_for(findings: list[Finding]) -> list[dict[str, Any]]:
    meta: dict[str, dict[str, Any]] = {}
    for f in findings:
        meta.setdefault(f.rule_id, {
            "id": f.rule_id, "title": f.title, "severity": f.severity, "category": f.category,
            "scenarios": f.scenarios, "source": f.source, "remediation": f.remediation, "references": f.references,
            "description": f"Detects: {f.title.lower()}.",
        })
    meta["NET-DNS-UPSTREAM"] = {"id": "NET-DNS-UPSTREAM", "title": "DNS upstream unreachable", "severity": "warning",
                                "category": "networking", "scenarios": [], "source": "rules/networking.yaml",
                                "remediation": "", "references": [], "description": ""}
    meta["NODE-CLOCK-SKEW"] = {"id": "NODE-CLOCK-SKEW", "title": "Node clock skew", "severity": "warning",
                               "category": "nodes", "scenarios": [], "source": "rules/nodes.yaml",
                               "remediation": "", "references": [], "description": ""}
    meta["POD-PENDING-UNSCHEDULABLE"] = {"id": "POD-PENDING-UNSCHEDULABLE", "title": "Pod cannot be scheduled",
                                         "severity": "critical", "category": "scheduling", "scenarios": [],
                                         "source": "rules/scheduling.yaml", "remediation": "", "references": [],
                                         "description": ""}
    return list(meta.values())


# ------------------------------------------------------------------ hostile strings
HOSTILE_NS = f"ns-{IMG}"
HOSTILE_POD = f"web-{IMG}-{TEMPLATE}"


def hostile_cluster() -> tuple[list[dict[str, Any]], dict[tuple[str, str, str, bool], str], dict[tuple[str, str], str]]:
    """Objects whose names, labels, annotations, messages and logs carry the payloads."""
    labels = {"app": SCRIPT, "tier": IMG, "tmpl": TEMPLATE, "ctl": CONTROL}
    annotations = {"note": f"{SCRIPT} {IMG} {TEMPLATE} {CONTROL}"}
    objects = [
        node(f"node-{IMG}"),
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": HOSTILE_NS}},
        pod(HOSTILE_NS, HOSTILE_POD, f"node-{IMG}", labels=labels, annotations=annotations, restarts=3,
            container="app", last_state={"terminated": {"exitCode": 137, "reason": "OOMKilled",
                                                        "message": f"{SCRIPT}{IMG}{TEMPLATE}{CONTROL}"}}),
        event(HOSTILE_NS, "Pod", HOSTILE_POD, "BackOff", f"Back-off {SCRIPT} {IMG} {TEMPLATE} {CONTROL}", 5),
        event(HOSTILE_NS, "Pod", HOSTILE_POD, f"Reason{IMG}", f"{TEMPLATE}{CONTROL}", 4),
    ]
    logs = {(HOSTILE_NS, HOSTILE_POD, "app", False): f"starting\n{SCRIPT}\n{IMG}\n{TEMPLATE}\n{CONTROL}\n"}
    node_files = {(f"node-{IMG}", "commands/dmesg.txt"): f"oom-kill {SCRIPT} {IMG}\n"}
    return objects, logs, node_files


def hostile_findings() -> list[Finding]:
    all_payloads = f"{SCRIPT} {IMG} {TEMPLATE} {CONTROL}"
    obj = ObjectRef("Pod", HOSTILE_NS, HOSTILE_POD)
    return [
        Finding(
            f"POD-{IMG}", "critical", f"Title {SCRIPT}", f"cat-{IMG}", f"Message {all_payloads}", objects=[obj],
            evidence=[
                Evidence("log", label=all_payloads, path=f"logs/{HOSTILE_NS}/{HOSTILE_POD}/app.log",
                         lines=[(2, SCRIPT), (3, IMG), (4, TEMPLATE), (5, CONTROL)]),
                Evidence("field", label=f"metadata.labels {IMG}", value={"app": SCRIPT, "tier": IMG, "tmpl": TEMPLATE,
                                                                         "ctl": CONTROL}),
                Evidence("field", label="metadata.annotations.note", value=all_payloads),
                Evidence("event", value={"type": "Warning", "reason": f"Reason{IMG}", "count": 3,
                                         "lastTimestamp": TEMPLATE, "message": all_payloads}),
                Evidence("object", value={"kind": "Node", "namespace": "", "name": f"node-{IMG}"}),
                Evidence(f"custom-{IMG}", label=SCRIPT, value=[SCRIPT, TEMPLATE]),
            ],
            remediation=f"Fix {all_payloads}",
            references=[f"javascript:window.__pwned=1//{SCRIPT}", f"https://example.com/{IMG}", TEMPLATE],
            scenarios=[SCRIPT], state="history", since=TEMPLATE, source=f"rules/{IMG}.yaml",
        ),
        Finding(
            "POD-WAIVED", "warning", "Waived one", "workloads", f"waived {all_payloads}", objects=[obj],
            waived=Waived(f"because {all_payloads}", TEMPLATE),
        ),
    ]


def hostile_result(findings: list[Finding]) -> AnalysisResult:
    return AnalysisResult(
        bundle={"format": "native", "source": f"/tmp/{IMG}", "cluster_version": f"v1.29 {SCRIPT}",
                "collected_at": COLLECTED.isoformat()},
        findings=findings,
        rule_errors=[RuleError(f"R-{IMG}", f"error {SCRIPT} {TEMPLATE} {CONTROL}", f"rules/{IMG}.yaml")],
        problems=[{"path": f"namespaces/{IMG}/pods.json", "error": f"bad {SCRIPT} {CONTROL}"}],
        expired_waivers=[{"rule": SCRIPT, "reason": TEMPLATE}],
        skipped_rules=[{"rule_id": IMG, "reason": SCRIPT}],
        rules_run=2,
    )


# ------------------------------------------------------------------ many findings
def many_findings(n: int) -> list[Finding]:
    sevs = ("critical", "warning", "info")
    cats = ("workloads", "nodes", "storage", "networking", "scheduling")
    out = []
    for i in range(n):
        ns = f"team-{i % 40:02d}"
        podname = f"svc-{i:05d}-7d9f8b6c5-x2x9k"
        out.append(Finding(
            f"RULE-{i % 60:02d}", sevs[i % 3], f"Synthetic problem {i % 60}", cats[i % 5],
            f"Container app of pod {ns}/{podname} restarted {i % 50} times; last exit code 1 after "
            f"{i % 90} seconds.",
            objects=[ObjectRef("Pod", ns, podname), ObjectRef("Deployment", ns, f"svc-{i:05d}")],
            evidence=[
                Evidence("field", label="item.lastState.terminated",
                         value={"exitCode": 1, "reason": "Error", "finishedAt": ts(i % 600)}),
                Evidence("log", path=f"logs/{ns}/{podname}/app.previous.log",
                         lines=[(100 + j, f"2024-05-14T09:{j:02d}:00Z ERROR request {i}-{j} failed: connection "
                                          f"refused (dial tcp 10.96.0.{j}:5432)") for j in range(10)]),
                Evidence("event", value={"type": "Warning", "reason": "BackOff", "count": i % 30 + 1,
                                         "lastTimestamp": ts(i % 600),
                                         "message": "Back-off restarting failed container app"}),
            ],
            remediation="Read the previous log of the container; fix the dependency it cannot reach.",
            references=["https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/"],
            since=ts(i % 600), source="rules/synthetic.yaml",
        ))
    return out
