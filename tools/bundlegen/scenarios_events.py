"""Problems visible only in events (issue 13, class 1): the object is gone or recovered, its
events remain.

Event wording follows the components that write them, across versions:
- job controller (pkg/controller/job): Warning ``BackoffLimitExceeded`` "Job has reached the
  specified backoff limit" (the failure condition's reason and message);
- kubelet prober (pkg/kubelet/prober): ``Unhealthy`` "Liveness probe failed: ..." and
  ``Killing`` "Container <c> failed liveness probe, will be restarted" (1.16+; 1.13 wrote
  "Killing container with id docker://<c>:Container failed liveness probe.. Container will be
  killed and recreated.");
- default-scheduler: ``FailedScheduling`` "0/4 nodes are available: 3 Insufficient cpu, ...
  preemption: ..." (1.2x framework plugins; 1.13 "0/1 nodes are available: 1 Insufficient
  cpu."), "Too many pods", "node(s) didn't have free ports for the requested pod ports";
- kubelet admission (pkg/kubelet/lifecycle/predicate.go): ``OutOfcpu`` "Node didn't have enough
  resource: cpu, requested: 500, used: 1775, capacity: 2000";
- kubelet pod workers: ``FailedCreatePodSandBox``, ``FailedMount``, ``BackOff``.
"""

from __future__ import annotations

from collections.abc import Callable

from tools.bundlegen import k8s
from tools.bundlegen.k8s import Cluster, Obj, event


def _ref(o: Obj) -> str:
    return f"{o['kind']}/{o['metadata']['namespace']}/{o['metadata']['name']}"


def _expect_group(c: Cluster, rule: str, members: list[Obj]) -> None:
    """A grouped finding is filed under its first member by name (docs/rules.md "Grouping findings")."""
    c.expect(rule, min(_ref(m) for m in members))


def _gone(kind: str, name: str, namespace: str, api_version: str = "v1", salt: str = "gone") -> Obj:
    """An object that existed and is gone at collection: only events name it (not added to the bundle)."""
    md = k8s.meta(kind, name, namespace)
    md["uid"] = k8s.uid(kind, namespace, name, salt)
    return {"apiVersion": api_version, "kind": kind, "metadata": md}


def job_deleted(c: Cluster) -> None:
    """A Job that failed and was deleted (ttlSecondsAfterFinished): its BackoffLimitExceeded event is all that is left."""
    c.description = ("Job shop/db-migrate-v42 reached its backoff limit 3 hours before collection and was deleted "
                     "by its TTL; the bundle holds only its events (and those of its failed pods).")
    job = _gone("Job", "db-migrate-v42", "shop", "batch/v1")
    c.add(event(job, "SuccessfulCreate", "Created pod: db-migrate-v42-8xk2p", count=1, first_ago=11400,
                source="job-controller"))
    c.add(event(job, "BackoffLimitExceeded", "Job has reached the specified backoff limit", type_="Warning",
                first_ago=10800, source="job-controller"))
    c.expect("WORKLOAD-JOB-FAILED", job)


def pod_replaced_probe(c: Cluster) -> None:
    """A cart pod restarted by its liveness probe for half an hour, then replaced by a rollout: Unhealthy x60 / Killing kept."""
    c.description = ("Pod shop/cart-5f7d8c9b6d-q7m2x was restarted by its liveness probe (Unhealthy x60, Killing x20) "
                     "and replaced by a rollout two hours before collection; only its events remain.")
    old = _gone("Pod", "cart-5f7d8c9b6d-q7m2x", "shop")
    c.add(event(old, "Unhealthy", 'Liveness probe failed: Get "http://10.244.1.23:8080/healthz": context deadline '
                "exceeded (Client.Timeout exceeded while awaiting headers)", type_="Warning", count=60,
                first_ago=9000, last_ago=7300, host="worker-1", field_path="spec.containers{cart}"))
    c.add(event(old, "Killing", "Container cart failed liveness probe, will be restarted", count=20, first_ago=8950,
                last_ago=7310, host="worker-1", field_path="spec.containers{cart}"))
    c.expect("POD-PROBE-FAILING", old)


def scheduling_history(c: Cluster) -> None:
    """Pods Running now after an hour of FailedScheduling (Insufficient cpu, Too many pods, host ports), and
    pods the kubelet rejected with OutOfcpu, gone since."""
    c.description = ("Both frontend pods on worker-1/worker-2 waited an hour for CPU before running (FailedScheduling "
                     "Insufficient cpu, 1.31 wording); the ingress controller waited for a free host port; two "
                     "replaced frontend pods were rejected by worker-3's kubelet (OutOfcpu) and are gone.")
    f1, f2 = [p for p in c.pods("shop") if p["metadata"]["name"].startswith("frontend-")][:2]
    for p in (f1, f2):
        c.add(event(p, "FailedScheduling", "0/4 nodes are available: 1 node(s) had untolerated taint "
                    "{node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. preemption: 0/4 nodes are available: "
                    "1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.",
                    type_="Warning", count=58, first_ago=90000, last_ago=86500, source="default-scheduler"))
    ing = [p for p in c.pods("ingress-nginx")][0]
    c.add(event(ing, "FailedScheduling", "0/4 nodes are available: 1 node(s) had untolerated taint "
                "{node-role.kubernetes.io/control-plane: }, 3 node(s) didn't have free ports for the requested pod ports. "
                "preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims "
                "found for incoming pod.", type_="Warning", count=12, first_ago=88000, last_ago=87000,
                source="default-scheduler"))
    cpu_short = [f1, f2]
    for i in range(2):
        gone = _gone("Pod", f"frontend-7c9d6b5f4-{k8s.suffix('out-of-cpu', str(i))}", "shop")
        c.add(event(gone, "OutOfcpu", f"Node didn't have enough resource: cpu, requested: 500, used: {3650 + 100 * i}, "
                    "capacity: 4000", type_="Warning", first_ago=87000 - 60 * i, host="worker-3"))
        cpu_short.append(gone)
    _expect_group(c, "POD-SCHEDULING-HISTORY", cpu_short)  # one finding: the cluster was short of cpu
    c.expect("POD-SCHEDULING-HISTORY", ing)


def gone_pod_start_failures(c: Cluster) -> None:
    """Replaced pods whose start failed: sandbox (CNI), a mount and image back-off; the kube-root-ca.crt noise stays silent."""
    c.description = ("Three cart pods of an earlier rollout failed to start (FailedCreatePodSandBox from the CNI, "
                     "BackOff pulling the image) and were replaced; the pods running now started with only the "
                     "kubelet's kube-root-ca.crt 'not registered' start-up noise, which is not reported.")
    sandbox = _gone("Pod", "cart-6b8f7d9c5-x8k2p", "shop")
    c.add(event(sandbox, "FailedCreatePodSandBox", 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed '
                'to setup network for sandbox "4f1c2a0e9b7d": plugin type="flannel" failed (add): failed to delegate add: '
                'failed to set bridge addr: "cni0" already has an IP address different from 10.244.1.1/24',
                type_="Warning", count=14, first_ago=20000, last_ago=19300, host="worker-1"))
    backoff = _gone("Pod", "cart-6b8f7d9c5-m4v9t", "shop")
    c.add(event(backoff, "Failed", 'Failed to pull image "registry.shop.internal/cart:4.2.0": rpc error: code = NotFound '
                'desc = failed to pull and unpack image "registry.shop.internal/cart:4.2.0": not found',
                type_="Warning", count=4, first_ago=20000, last_ago=19500, host="worker-2", field_path="spec.containers{cart}"))
    c.add(event(backoff, "BackOff", 'Back-off pulling image "registry.shop.internal/cart:4.2.0"', type_="Warning", count=25,
                first_ago=19990, last_ago=19300, host="worker-2", field_path="spec.containers{cart}"))
    for p in c.pods("shop")[:3]:  # start-up noise of pods that run now: silent
        c.add(event(p, "FailedMount", f'MountVolume.SetUp failed for volume "kube-api-access-{k8s.suffix(p["metadata"]["name"])}" '
                    f': object "shop"/"kube-root-ca.crt" not registered', type_="Warning", count=2,
                    first_ago=259190, last_ago=259189, host=p["spec"]["nodeName"]))
    c.expect("POD-START-HISTORY", sandbox)
    c.expect("POD-START-HISTORY", backoff)


def minikube_2019_history(c: Cluster) -> None:
    """The shape of the 2019 minikube dump (kubectl 1.13, here in its versioned form): pods of a Deployment scaled
    beyond the node's 2 CPUs were rejected by the scheduler (Insufficient cpu) and the kubelet (OutOfcpu), then
    deleted by scale-downs; only their events remain."""
    c.description = ("Kubernetes 1.13 wording: client-deployment pods failed scheduling (0/1 nodes are available: "
                     "1 Insufficient cpu.) or were rejected by the kubelet (OutOfcpu) and are gone; events remain.")
    gone = []
    for i in range(3):
        p = _gone("Pod", f"client-deployment-6c68fd7497-{k8s.suffix('mk', str(i))}", "default")
        c.add(event(p, "FailedScheduling", "0/1 nodes are available: 1 Insufficient cpu.", type_="Warning", count=9,
                    first_ago=7200 - 300 * i, last_ago=6960 - 300 * i, source="default-scheduler"))
        gone.append(p)
    for i in range(2):
        p = _gone("Pod", f"client-deployment-85b74f5bb8-{k8s.suffix('mk-ooc', str(i))}", "default")
        c.add(event(p, "OutOfcpu", "Node didn't have enough resource: cpu, requested: 500, used: 1775, capacity: 2000",
                    type_="Warning", first_ago=7500 - 10 * i, host="worker-1"))
        gone.append(p)
    _expect_group(c, "POD-SCHEDULING-HISTORY", gone)  # history of the five pods it names, one cause


def node_reboot(c: Cluster) -> None:
    """worker-2 rebooted 20 minutes before collection: every container on it was lost with the node and restarted."""
    c.description = ("worker-2 rebooted 20 minutes before collection (kubelet Rebooted event); the kubelet recorded every "
                     "container of its pods as terminated with exit code 255, reason Unknown: one node-level finding "
                     "lists them, not one per pod.")
    node = c.find("Node", "worker-2")
    boot_id = k8s.uid("boot", "worker-2", "after")
    node["status"]["nodeInfo"]["bootID"] = boot_id
    for cnd in node["status"]["conditions"]:
        if cnd["type"] == "Ready":
            cnd["lastTransitionTime"] = k8s.ts(1170)
    c.add(event(node, "Rebooted", f"Node worker-2 has been rebooted, boot id: {boot_id}", type_="Warning",
                first_ago=1180, host="worker-2"))
    c.add(event(node, "NodeReady", "Node worker-2 status is now: NodeReady", first_ago=1170, host="worker-2"))
    for p in c.pods():
        if p["spec"].get("nodeName") != "worker-2" or p["status"].get("phase") != "Running":
            continue
        for s in p["status"].get("containerStatuses") or []:
            if "running" not in s.get("state", {}):
                continue
            s["restartCount"] = s.get("restartCount", 0) + 1
            s["lastState"] = {"terminated": {"exitCode": 255, "reason": "Unknown", "containerID": s.get("containerID"),
                                             "startedAt": s["state"]["running"].get("startedAt"), "finishedAt": k8s.ts(1200)}}
            s["state"] = {"running": {"startedAt": k8s.ts(1160)}}
            s["containerID"] = "containerd://" + k8s.hexid("after-reboot", p["metadata"]["name"], s["name"])
    c.expect("NODE-RESTARTED-PODS", node)


SCENARIOS: dict[str, Callable[[Cluster], None]] = {
    "EVENTS-JOB-DELETED": job_deleted,
    "EVENTS-POD-REPLACED-PROBE": pod_replaced_probe,
    "EVENTS-SCHEDULING-HISTORY": scheduling_history,
    "EVENTS-GONE-POD-START": gone_pod_start_failures,
    "EVENTS-MINIKUBE-2019": minikube_2019_history,
    "NODE-REBOOT": node_reboot,
}
