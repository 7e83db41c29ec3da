"""Workload scenarios: controllers below their desired state, pods that cannot be created,
Pod Security admission mismatches, PodDisruptionBudgets and an oscillating cluster autoscaler.

Objects carry the status blocks their controllers write (Deployment conditions
ProgressDeadlineExceeded / ReplicaFailure, ReplicaSet ReplicaFailure, PDB status from the
disruption controller) and events worded as the controllers and the API server word them.
"""

from __future__ import annotations

from collections.abc import Callable

from tools.bundlegen import k8s
from tools.bundlegen.healthy import CP, NODE_IP
from tools.bundlegen.k8s import (
    Cluster,
    Obj,
    cond,
    container,
    deployment,
    event,
    http_probe,
    namespace,
    pod,
    replicaset,
    ts,
    waiting_status,
)


def _rs_pods(c: Cluster, rs: Obj, nodes: list[str], age: float, statuses: list[list[Obj]] | None = None,
             first_ip: int = 60) -> list[Obj]:
    out = []
    tmpl = rs["spec"]["template"]
    for i, n in enumerate(nodes):
        name = f"{rs['metadata']['name']}-{k8s.suffix(rs['metadata']['name'], str(i), 'w')}"
        ip = f"10.244.{n.rsplit('-', 1)[-1] if n != CP else '0'}.{first_ip + i}"
        p = pod(name, rs["metadata"]["namespace"], n, k8s.copy.deepcopy(tmpl["spec"]["containers"]), owner=rs,
                labels=tmpl["metadata"]["labels"], age=age, host_ip=NODE_IP[n], pod_ip=ip,
                statuses=statuses[i] if statuses else None)
        c.add(p)
        out.append(p)
    return out


def _new_rs(dep: Obj, template_hash: str, replicas: int, ready: int, revision: str) -> Obj:
    """A second ReplicaSet of a Deployment (a rollout), with its own pod-template-hash."""
    rs = replicaset(dep, replicas=replicas, ready=ready)
    name = f"{dep['metadata']['name']}-{template_hash}"
    rs["metadata"].update({"name": name, "uid": k8s.uid("ReplicaSet", dep["metadata"]["namespace"], name)})
    rs["metadata"]["labels"]["pod-template-hash"] = template_hash
    rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = revision
    rs["spec"]["selector"]["matchLabels"]["pod-template-hash"] = template_hash
    rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] = template_hash
    if not ready:
        rs["status"].pop("readyReplicas", None)
        rs["status"].pop("availableReplicas", None)
    return rs


# ---------------------------------------------------------------------- scenarios
def workload_unavailable(c: Cluster) -> None:
    """A rollout of shop/payments to a tag that does not exist: the new pod cannot pull its image,
    the rollout passed its progress deadline, the old pods still serve."""
    c.description = ("Deployment shop/payments: the rollout to payments:3.1.0 is stuck (ProgressDeadlineExceeded), its new "
                     "pod cannot pull the image; the two old pods still serve.")
    old_ctr = container("payments", "registry.example.com/shop/payments:3.0.2", cpu="200m", memory="256Mi",
                        limit_memory="512Mi", port=8080, readiness=http_probe("/ready", 8080, initial=5, period=5),
                        liveness=http_probe("/healthz", 8080, initial=10))
    new_ctr = k8s.copy.deepcopy(old_ctr)
    new_ctr["image"] = "registry.example.com/shop/payments:3.1.0"
    dep = deployment("payments", "shop", 2, [new_ctr], labels={"app": "payments", "team": "shop"}, age=86400 * 10,
                     available=2, updated=1, ready=2, generation=2, conditions=[])
    dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "2"
    dep["status"].update({
        "replicas": 3, "updatedReplicas": 1, "readyReplicas": 2, "availableReplicas": 2, "unavailableReplicas": 1,
        "observedGeneration": 2,
        "conditions": [
            {**cond("Available", "True", 86400 * 10 - 60, "MinimumReplicasAvailable", "Deployment has minimum availability.",
                    probe=False), "lastUpdateTime": ts(86400 * 10 - 60)},
            {**cond("Progressing", "False", 1440, "ProgressDeadlineExceeded",
                    'ReplicaSet "payments-6f8d9c7b5" has timed out progressing.', probe=False), "lastUpdateTime": ts(1440)},
        ]})
    old_dep = k8s.copy.deepcopy(dep)
    old_dep["spec"]["template"]["spec"]["containers"] = [old_ctr]
    old_rs = replicaset(old_dep, replicas=2, ready=2)
    old_rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "1"
    new_rs = _new_rs(dep, "6f8d9c7b5", replicas=1, ready=0, revision="2")
    new_rs["metadata"]["creationTimestamp"] = ts(2050)
    c.add(dep, old_rs, new_rs)
    _rs_pods(c, old_rs, ["worker-1", "worker-3"], age=86400 * 10 - 30)
    pull_msg = ('Back-off pulling image "registry.example.com/shop/payments:3.1.0"')
    bad = _rs_pods(c, new_rs, ["worker-2"], age=2040, statuses=[[
        waiting_status(new_ctr, "ImagePullBackOff", pull_msg, image_pulled=False)]])[0]
    err = ('rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/shop/payments:3.1.0": '
           'failed to resolve reference "registry.example.com/shop/payments:3.1.0": registry.example.com/shop/payments:3.1.0: not found')
    fp = "spec.containers{payments}"
    c.add(event(bad, "Scheduled", f"Successfully assigned shop/{bad['metadata']['name']} to worker-2",
                source="default-scheduler", first_ago=2040))
    c.add(event(bad, "Pulling", 'Pulling image "registry.example.com/shop/payments:3.1.0"', count=9, first_ago=2038,
                last_ago=320, host="worker-2", field_path=fp))
    c.add(event(bad, "Failed", f'Failed to pull image "registry.example.com/shop/payments:3.1.0": {err}', type_="Warning",
                count=9, first_ago=2037, last_ago=319, host="worker-2", field_path=fp))
    c.add(event(bad, "Failed", "Error: ErrImagePull", type_="Warning", count=9, first_ago=2037, last_ago=319,
                host="worker-2", field_path=fp))
    c.add(event(bad, "BackOff", pull_msg, count=140, first_ago=2030, last_ago=12, host="worker-2", field_path=fp))
    c.add(event(bad, "Failed", "Error: ImagePullBackOff", type_="Warning", count=140, first_ago=2030, last_ago=12,
                host="worker-2", field_path=fp))
    c.add(event(dep, "ScalingReplicaSet", "Scaled up replica set payments-6f8d9c7b5 from 0 to 1",
                source="deployment-controller", first_ago=2050, action="Scaling"))
    c.add(event(new_rs, "SuccessfulCreate", f"Created pod: {bad['metadata']['name']}", source="replicaset-controller",
                first_ago=2045))
    c.expect("WORKLOAD-DEGRADED", dep)
    c.expect("POD-IMAGE-PULL", bad)


def workload_failed_create(c: Cluster) -> None:
    """shop/recommendations cannot create a single pod: the namespace's ResourceQuota on limits.memory is used up."""
    c.description = ("Deployment shop/recommendations has 0 of 2 pods: its ReplicaSet's pod creations are refused by the "
                     "ResourceQuota shop/compute (limits.memory 1920Mi of 2Gi used, each pod asks 512Mi).")
    c.add({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": k8s.meta("ResourceQuota", "compute", "shop", age=86400 * 20),
           "spec": {"hard": {"limits.memory": "2Gi", "requests.cpu": "4", "pods": "20"}},
           "status": {"hard": {"limits.memory": "2Gi", "requests.cpu": "4", "pods": "20"},
                      "used": {"limits.memory": "1920Mi", "requests.cpu": "650m", "pods": "6"}}})
    ctr = container("recommendations", "registry.example.com/shop/recommendations:1.0.0", cpu="200m", memory="384Mi",
                    limit_memory="512Mi", port=8080, readiness=http_probe("/ready", 8080))
    dep = deployment("recommendations", "shop", 2, [ctr], labels={"app": "recommendations", "team": "shop"}, age=1800,
                     available=0, updated=0, ready=0, conditions=[])
    rs = replicaset(dep, replicas=2, ready=0)
    rs["status"] = {"observedGeneration": 1, "replicas": 0, "fullyLabeledReplicas": 0}
    rs_name = rs["metadata"]["name"]
    quota_msg = (f'pods "{rs_name}-{k8s.suffix("q", "1")}" is forbidden: exceeded quota: compute, requested: '
                 'limits.memory=512Mi, used: limits.memory=1920Mi, limited: limits.memory=2Gi')
    rs["status"]["conditions"] = [{**cond("ReplicaFailure", "True", 1790, "FailedCreate", quota_msg, probe=False)}]
    rs["status"]["conditions"][0].pop("lastProbeTime", None)
    dep["status"] = {"observedGeneration": 1, "replicas": 0, "unavailableReplicas": 2, "conditions": [
        {**cond("Available", "False", 1795, "MinimumReplicasUnavailable", "Deployment does not have minimum availability.",
                probe=False), "lastUpdateTime": ts(1795)},
        {**cond("ReplicaFailure", "True", 1790, "FailedCreate", quota_msg, probe=False), "lastUpdateTime": ts(1790)},
        {**cond("Progressing", "False", 1195, "ProgressDeadlineExceeded",
                f'ReplicaSet "{rs_name}" has timed out progressing.', probe=False), "lastUpdateTime": ts(1195)},
    ]}
    c.add(dep, rs)
    c.add(event(dep, "ScalingReplicaSet", f"Scaled up replica set {rs_name} from 0 to 2", source="deployment-controller",
                first_ago=1798, action="Scaling"))
    for i, ago in enumerate((1790, 1789)):
        msg = ("Error creating: " + quota_msg.replace(k8s.suffix("q", "1"), k8s.suffix("q", str(i + 1))))
        c.add(event(rs, "FailedCreate", msg, type_="Warning", count=1, first_ago=ago, source="replicaset-controller"))
    c.add(event(rs, "FailedCreate", "(combined from similar events): Error creating: " + quota_msg.replace(
        k8s.suffix("q", "1"), k8s.suffix("q", "9")), type_="Warning", count=11, first_ago=1780, last_ago=95,
        source="replicaset-controller"))
    c.expect("WORKLOAD-FAILED-CREATE", dep)
    c.expect("WORKLOAD-DOWN", dep)


def psa_policy_mismatch(c: Cluster) -> None:
    """Namespace staging-apps was meant to be 'baseline' but only has warn/audit labels: the API server's
    AdmissionConfiguration defaults enforce 'restricted', so every pod of web is rejected."""
    c.description = ("Namespace staging-apps has only warn/audit=baseline labels; the API server's PodSecurity defaults "
                     "(/etc/kubernetes/admission/pod-security.yaml) enforce restricted, so Deployment web cannot create pods.")
    c.add(namespace("staging-apps", age=3600 * 6, labels={"pod-security.kubernetes.io/warn": "baseline",
                                                           "pod-security.kubernetes.io/audit": "baseline"}))
    cfg = "/etc/kubernetes/admission/pod-security.yaml"
    api = c.find("Pod", f"kube-apiserver-{CP}", "kube-system")
    api["spec"]["containers"][0]["command"].insert(3, f"--admission-control-config-file={cfg}")
    manifest = c.node_files[(CP, "files/etc/kubernetes/manifests/kube-apiserver.yaml")]
    manifest = manifest.replace("    - --allow-privileged=true\n",
                                f"    - --admission-control-config-file={cfg}\n    - --allow-privileged=true\n")
    c.node_file(CP, "files/etc/kubernetes/manifests/kube-apiserver.yaml", manifest)
    c.node_file(CP, "files" + cfg, (
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n"
        "  configuration:\n    apiVersion: pod-security.admission.config.k8s.io/v1\n    kind: PodSecurityConfiguration\n"
        "    defaults:\n      enforce: \"restricted\"\n      enforce-version: \"latest\"\n      audit: \"restricted\"\n"
        "      audit-version: \"latest\"\n      warn: \"restricted\"\n      warn-version: \"latest\"\n    exemptions:\n"
        "      usernames: []\n      runtimeClasses: []\n      namespaces: [kube-system]\n"))
    ctr = container("web", "registry.example.com/staging/web:0.9.1", cpu="100m", memory="128Mi", port=8080)
    ctr["securityContext"] = {"capabilities": {"add": ["NET_ADMIN"]}}
    dep = deployment("web", "staging-apps", 2, [ctr], labels={"app": "web"}, age=3600 * 5, available=0, updated=0,
                     ready=0, conditions=[])
    rs = replicaset(dep, replicas=2, ready=0)
    rs["status"] = {"observedGeneration": 1, "replicas": 0, "fullyLabeledReplicas": 0}
    rs_name = rs["metadata"]["name"]
    violation = ('violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "web" must set '
                 'securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "web" must set '
                 'securityContext.capabilities.drop=["ALL"]; container "web" must not include "NET_ADMIN" in '
                 'securityContext.capabilities.add), runAsNonRoot != true (pod or container "web" must set '
                 'securityContext.runAsNonRoot=true), seccompProfile (pod or container "web" must set '
                 'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")')
    forbidden = f'pods "{rs_name}-{k8s.suffix("psa", "1")}" is forbidden: {violation}'
    rs["status"]["conditions"] = [{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
                                   "message": forbidden, "lastTransitionTime": ts(3600 * 5 - 2)}]
    dep["status"] = {"observedGeneration": 1, "replicas": 0, "unavailableReplicas": 2, "conditions": [
        {**cond("Available", "False", 3600 * 5 - 1, "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.", probe=False), "lastUpdateTime": ts(3600 * 5 - 1)},
        {**cond("ReplicaFailure", "True", 3600 * 5 - 2, "FailedCreate", forbidden, probe=False),
         "lastUpdateTime": ts(3600 * 5 - 2)},
        {**cond("Progressing", "False", 3600 * 5 - 600, "ProgressDeadlineExceeded",
                f'ReplicaSet "{rs_name}" has timed out progressing.', probe=False), "lastUpdateTime": ts(3600 * 5 - 600)},
    ]}
    c.add(dep, rs)
    c.add(event(dep, "ScalingReplicaSet", f"Scaled up replica set {rs_name} from 0 to 2", source="deployment-controller",
                first_ago=3600 * 5, action="Scaling"))
    c.add(event(rs, "FailedCreate", "(combined from similar events): Error creating: " + forbidden.replace(
        k8s.suffix("psa", "1"), k8s.suffix("psa", "7")), type_="Warning", count=19, first_ago=3600 * 5 - 2, last_ago=240,
        source="replicaset-controller"))
    c.expect("PSA-POLICY-MISMATCH", c.find("Namespace", "staging-apps"))
    c.expect("WORKLOAD-FAILED-CREATE", dep)
    c.expect("WORKLOAD-DOWN", dep)


def _orders(c: Cluster, replicas: int) -> tuple[Obj, list[Obj]]:
    ctr = container("orders", "registry.example.com/shop/orders:1.8.0", cpu="200m", memory="256Mi", limit_memory="512Mi",
                    port=8080, readiness=http_probe("/ready", 8080), liveness=http_probe("/healthz", 8080))
    dep = deployment("orders", "shop", replicas, [ctr], labels={"app": "orders", "team": "shop"}, age=86400 * 12)
    rs = replicaset(dep)
    c.add(dep, rs)
    pods = _rs_pods(c, rs, ["worker-2", "worker-3", "worker-1"][:replicas], age=86400 * 3, first_ip=70)
    return dep, pods


def pdb_blocks_drain(c: Cluster) -> None:
    """PDB shop/orders has minAvailable 2 for a 2-replica Deployment; worker-2 is cordoned for maintenance and its
    drain hangs.  The redis StatefulSet's budget has maxUnavailable 0."""
    c.description = ("PDB shop/orders (minAvailable 2) covers Deployment orders with 2 replicas and PDB shop/redis has "
                     "maxUnavailable 0: no eviction is allowed; worker-2 is cordoned and its drain hangs.")
    dep, _pods = _orders(c, 2)
    w2 = c.find("Node", "worker-2")
    w2["spec"]["unschedulable"] = True
    w2["spec"].setdefault("taints", []).append({"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule",
                                                "timeAdded": ts(1900)})
    c.add(event(w2, "NodeNotSchedulable", "Node worker-2 status is now: NodeNotSchedulable", first_ago=1900, host="worker-2"))
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
           "metadata": k8s.meta("PodDisruptionBudget", "orders", "shop", age=86400 * 12, rv=88213) | {"generation": 1},
           "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "orders"}}},
           "status": {"currentHealthy": 2, "desiredHealthy": 2, "disruptionsAllowed": 0, "expectedPods": 2,
                      "observedGeneration": 1,
                      "conditions": [{"type": "DisruptionAllowed", "status": "False", "reason": "InsufficientPods",
                                      "message": "", "observedGeneration": 1, "lastTransitionTime": ts(86400 * 3)}]}}
    redis_pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                 "metadata": k8s.meta("PodDisruptionBudget", "redis", "shop", age=86400 * 20) | {"generation": 1},
                 "spec": {"maxUnavailable": 0, "selector": {"matchLabels": {"app": "redis"}}},
                 "status": {"currentHealthy": 1, "desiredHealthy": 1, "disruptionsAllowed": 0, "expectedPods": 1,
                            "observedGeneration": 1,
                            "conditions": [{"type": "DisruptionAllowed", "status": "False", "reason": "InsufficientPods",
                                            "message": "", "observedGeneration": 1, "lastTransitionTime": ts(86400 * 2)}]}}
    c.add(pdb, redis_pdb)
    c.expect("PDB-BLOCKS-DRAIN", pdb)
    c.expect("PDB-BLOCKS-DRAIN", redis_pdb)


def pdb_misconfigured(c: Cluster) -> None:
    """PDB shop/cart selects app=carts (a typo) and protects nothing; PDB shop/shop-all (team=shop) overlaps the
    frontend budget, so frontend pods cannot be evicted at all."""
    c.description = ("PDB shop/cart's selector app=carts matches no pod; PDB shop/shop-all (team=shop) overlaps PDB "
                     "shop/frontend on the frontend pods, which the eviction API refuses.")
    cart_pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": k8s.meta("PodDisruptionBudget", "cart", "shop", age=86400 * 6) | {"generation": 1},
                "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "carts"}}},
                "status": {"currentHealthy": 0, "desiredHealthy": 1, "disruptionsAllowed": 0, "expectedPods": 0,
                           "observedGeneration": 1,
                           "conditions": [{"type": "DisruptionAllowed", "status": "False", "reason": "InsufficientPods",
                                           "message": "", "observedGeneration": 1, "lastTransitionTime": ts(86400 * 6)}]}}
    all_pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
               "metadata": k8s.meta("PodDisruptionBudget", "shop-all", "shop", age=86400 * 4) | {"generation": 1},
               "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"team": "shop"}}},
               "status": {"currentHealthy": 6, "desiredHealthy": 5, "disruptionsAllowed": 1, "expectedPods": 6,
                          "observedGeneration": 1,
                          "conditions": [{"type": "DisruptionAllowed", "status": "True", "reason": "SufficientPods",
                                          "message": "", "observedGeneration": 1, "lastTransitionTime": ts(86400 * 2)}]}}
    c.add(cart_pdb, all_pdb)
    c.expect("PDB-SELECTS-NOTHING", cart_pdb)
    c.expect("PDB-OVERLAP", c.find("PodDisruptionBudget", "frontend", "shop"))


AUTOSCALER_LOG_HEAD = (
    "I1120 08:30:02.101231       1 main.go:633] Cluster Autoscaler 1.31.0\n"
    "I1120 08:30:02.311231       1 leaderelection.go:254] attempting to acquire leader lease kube-system/cluster-autoscaler...\n"
    "I1120 08:30:19.401231       1 leaderelection.go:268] successfully acquired lease kube-system/cluster-autoscaler\n"
    "I1120 08:30:21.712311       1 auto_scaling_groups.go:367] Regenerating instance to ASG map for ASG names: [eks-workers-a]\n"
)


def autoscaler_flapping(c: Cluster) -> None:
    """The cluster autoscaler adds a node to eks-workers-a every time batch-api's pods flap to unready and
    removes it ten minutes later, four times in the last hour."""
    c.description = ("cluster-autoscaler scales node group eks-workers-a up and down four times in an hour; the pods of "
                     "shop/batch-api flap between ready and unready (readiness probe timing out).")
    ctr = container("cluster-autoscaler", "registry.k8s.io/autoscaling/cluster-autoscaler:v1.31.0", cpu="100m",
                    memory="300Mi", limit_memory="600Mi", command=[
                        "./cluster-autoscaler", "--cloud-provider=aws", "--nodes=1:10:eks-workers-a",
                        "--scale-down-delay-after-add=2m", "--scale-down-unneeded-time=1m", "--skip-nodes-with-local-storage=false"])
    dep = deployment("cluster-autoscaler", "kube-system", 1, [ctr], labels={"app": "cluster-autoscaler"}, age=86400 * 30)
    rs = replicaset(dep)
    c.add(dep, rs)
    ca = _rs_pods(c, rs, ["worker-3"], age=86400 * 4, first_ip=90)[0]
    lines = [AUTOSCALER_LOG_HEAD.rstrip("\n")]
    t = k8s.klog_time
    for i, up_ago in enumerate((3300, 2520, 1740, 960)):
        new_node = f"ip-10-0-3-{41 + i}.eu-west-1.compute.internal"
        lines += [
            f"I{t(up_ago + 2)}       1 klogx.go:87] Pod shop/batch-api-{k8s.suffix('ba', str(i))} is unschedulable",
            f"I{t(up_ago + 1)}       1 orchestrator.go:565] Final scale-up plan: [{{eks-workers-a 3->4 (max: 10)}}]",
            f"I{t(up_ago)}       1 executor.go:147] Scale-up: setting group eks-workers-a size to 4 instead of 3 (max: 10)",
            f"I{t(up_ago - 300)}       1 static_autoscaler.go:599] No unschedulable pods",
            f"I{t(up_ago - 480)}       1 nodes.go:126] {new_node} was unneeded for 1m0.2s",
            f"I{t(up_ago - 540)}       1 actuator.go:175] Scale-down: removing empty node \"{new_node}\"",
        ]
    c.log("kube-system", ca["metadata"]["name"], "cluster-autoscaler", "\n".join(lines) + "\n")
    bctr = container("batch-api", "registry.example.com/shop/batch-api:4.2.0", cpu="500m", memory="512Mi",
                     limit_memory="1Gi", port=8080, readiness=http_probe("/ready", 8080, initial=5, period=5, timeout=1, failure=1))
    bdep = deployment("batch-api", "shop", 2, [bctr], labels={"app": "batch-api", "team": "shop"}, age=86400 * 8)
    brs = replicaset(bdep)
    c.add(bdep, brs)
    bpods = _rs_pods(c, brs, ["worker-1", "worker-2"], age=86400 * 2, first_ip=95)
    for p in bpods:
        c.add(event(p, "Unhealthy", f'Readiness probe failed: Get "http://{p["status"]["podIP"]}:8080/ready": context '
                    "deadline exceeded (Client.Timeout exceeded while awaiting headers)", type_="Warning", count=47,
                    first_ago=3500, last_ago=130, host=p["spec"]["nodeName"], field_path="spec.containers{batch-api}"))
        c.expect("POD-PROBE-FAILING", p)
        c.add(event(p, "TriggeredScaleUp", "pod triggered scale-up: [{eks-workers-a 3->4 (max: 10)}]",
                    source="cluster-autoscaler", count=4, first_ago=3300, last_ago=960))
    c.expect("AUTOSCALER-FLAPPING", ca)


SCENARIOS: dict[str, Callable[[Cluster], None]] = {
    "WORKLOAD-UNAVAILABLE": workload_unavailable,
    "WORKLOAD-FAILED-CREATE": workload_failed_create,
    "PSA-POLICY-MISMATCH": psa_policy_mismatch,
    "PDB-BLOCKS-DRAIN": pdb_blocks_drain,
    "PDB-MISCONFIGURED": pdb_misconfigured,
    "AUTOSCALER-FLAPPING": autoscaler_flapping,
}

