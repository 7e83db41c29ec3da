"""Write a realistic synthetic native bundle of a given size, deterministic by seed.

    python bench/synth.py --pods 20000 --nodes 700 --log-bytes 200M --out bench/data/m

Nodes, namespaces, Deployments with ReplicaSets and pods (typical spec and status sizes,
owner references), about two events per pod, container logs totalling ``--log-bytes``, node
files, and a few percent of pods in each failure state the rule pack knows (crash loop,
OOM kill, image pull back-off, unschedulable, missing Secret, eviction, failed probe).
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analyzer.bundle.native_writer import write_native
from tools.bundlegen import k8s
from tools.bundlegen.k8s import (
    CLUSTER_VERSION,
    COLLECTED_AT,
    container,
    deployment,
    event,
    http_probe,
    node,
    pod,
    replicaset,
    running_status,
    terminated,
    waiting_status,
)

FAILURES = ["crashloop", "oomkilled", "imagepull", "unschedulable", "configerror", "evicted", "probe"]
FAILURE_SHARE = 0.02  # of pods, per failure state

LOG_LINES = [
    '{ts} INFO  request handled method=GET path=/api/v1/items/{n} status=200 duration_ms={d}',
    '{ts} INFO  cache refresh completed entries={n} took_ms={d}',
    '{ts} DEBUG connection pool stats active={d} idle={n}',
    '{ts} WARN  slow query detected table=orders duration_ms={d}',
]


def parse_size(s: str) -> int:
    s = s.strip().upper()
    mult = 1
    for suf, m in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if s.endswith(suf) or s.endswith(suf + "B"):
            mult, s = m, s.rstrip("B")[:-1]
            break
    return int(float(s) * mult)


def log_text(rng: random.Random, size: int) -> str:
    out: list[str] = []
    total = 0
    i = 0
    while total < size:
        line = LOG_LINES[i % len(LOG_LINES)].format(ts=f"2026-11-20T09:{i % 60:02d}:{(i * 7) % 60:02d}.{i % 1000:03d}Z",
                                                    n=rng.randrange(100000), d=rng.randrange(1, 900))
        out.append(line)
        total += len(line) + 1
        i += 1
    return "\n".join(out) + "\n"


def build(pods_total: int, nodes_total: int, log_bytes: int, seed: int):
    rng = random.Random(seed)
    objects: list[dict] = []
    logs: dict[tuple[str, str, str, bool], str] = {}
    node_files: dict[tuple[str, str], str] = {}
    node_names = [f"node-{i:05d}" for i in range(nodes_total)]
    for i, n in enumerate(node_names):
        objects.append(node(n, f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", ["control-plane"] if i < 3 else [],
                            cpu="16", memory_ki=65861584, pod_cidr=f"10.{100 + (i >> 8)}.{i & 255}.0/24",
                            taints=[{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}] if i < 3 else None))
        node_files[(n, "commands/df.txt")] = (
            "Filesystem     1K-blocks     Used Available Use% Mounted on\n"
            f"/dev/nvme0n1p1 101430960 {30000000 + i % 9000000} 59125324  {30 + i % 40}% /\n")
        node_files[(n, "commands/date-epoch.txt")] = f"{int(COLLECTED_AT.timestamp())}\n"
    n_ns = max(3, pods_total // 400)
    namespaces = [f"team-{i:04d}" for i in range(n_ns)]
    for ns in namespaces + ["kube-system", "default"]:
        objects.append(k8s.namespace(ns))
    per_log = max(200, log_bytes // max(1, pods_total))
    log_cache = [log_text(rng, per_log) for _ in range(16)]
    made = 0
    dep_i = 0
    worker_nodes = node_names[3:] or node_names
    while made < pods_total:
        ns = namespaces[dep_i % n_ns]
        replicas = min(rng.randint(2, 8), pods_total - made)
        name = f"svc-{dep_i:06d}"
        ctr = container("app", f"registry.example.com/{ns}/{name}:1.{dep_i % 20}.{dep_i % 7}", cpu="250m", memory="256Mi",
                        limit_memory="512Mi", port=8080, liveness=http_probe("/healthz", 8080, initial=15),
                        readiness=http_probe("/ready", 8080, initial=5),
                        env=[{"name": "LOG_LEVEL", "value": "info"}, {"name": "PORT", "value": "8080"}])
        dep = deployment(name, ns, replicas, [ctr], labels={"app": name, "team": ns})
        rs = replicaset(dep)
        objects += [dep, rs]
        for r in range(replicas):
            pname = f"{rs['metadata']['name']}-{k8s.suffix(name, str(r))}"
            nd = worker_nodes[(made * 7919) % len(worker_nodes)]
            failure = None
            roll = rng.random()
            if roll < FAILURE_SHARE * len(FAILURES):
                failure = FAILURES[int(roll / FAILURE_SHARE)]
            c = copy.deepcopy(ctr)
            statuses = None
            phase = "Running"
            node_name: str | None = nd
            if failure == "crashloop":
                last = terminated(1, "Error", 400, 390, pname, "app")
                statuses = [waiting_status(c, "CrashLoopBackOff", f"back-off 5m0s restarting failed container=app pod={pname}_{ns}({k8s.uid('Pod', ns, pname)})",
                                           restarts=rng.randint(5, 90), last_terminated=last)]
            elif failure == "oomkilled":
                last = terminated(137, "OOMKilled", 900, 600, pname, "app")
                statuses = [running_status(c, pname, 590, restarts=rng.randint(1, 12), last_terminated=last)]
            elif failure == "imagepull":
                statuses = [waiting_status(c, "ImagePullBackOff", f'Back-off pulling image "{c["image"]}"', image_pulled=False)]
            elif failure == "configerror":
                c["env"].append({"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": f"{name}-db", "key": "password"}}})
                statuses = [waiting_status(c, "CreateContainerConfigError", f'secret "{name}-db" not found', image_pulled=True)]
            elif failure == "unschedulable":
                node_name = None
                phase = "Pending"
            elif failure == "evicted":
                phase = "Failed"
            p = pod(pname, ns, node_name, [c], owner=rs, labels=rs["spec"]["template"]["metadata"]["labels"],
                    age=86400 * 2, phase=phase, statuses=statuses,
                    conditions=[k8s.cond("PodScheduled", "False", 3000, "Unschedulable",
                                         f"0/{nodes_total} nodes are available: {nodes_total} Insufficient memory.")]
                    if failure == "unschedulable" else None)
            if failure == "evicted":
                p["status"] = {"phase": "Failed", "reason": "Evicted", "startTime": k8s.ts(86400),
                               "message": "The node was low on resource: memory. Threshold quantity: 100Mi, available: 91232Ki. "
                                          "Container app was using 1843212Ki, request is 256Mi, has larger consumption of memory. ",
                               "qosClass": "Burstable"}
            objects.append(p)
            objects.append(event(p, "Scheduled", f"Successfully assigned {ns}/{pname} to {nd}", source="default-scheduler",
                                 first_ago=86400 * 2))
            if failure == "crashloop":
                objects.append(event(p, "BackOff", f"Back-off restarting failed container app in pod {pname}_{ns}({p['metadata']['uid']})",
                                     type_="Warning", count=rng.randint(20, 400), first_ago=7000, last_ago=30, host=nd,
                                     field_path="spec.containers{app}"))
            elif failure == "imagepull":
                objects.append(event(p, "Failed", f'Failed to pull image "{c["image"]}": rpc error: code = NotFound desc = failed to pull and unpack image "{c["image"]}": failed to resolve reference "{c["image"]}": {c["image"]}: not found',
                                     type_="Warning", count=12, first_ago=3000, last_ago=60, host=nd))
            elif failure == "unschedulable":
                objects.append(event(p, "FailedScheduling", f"0/{nodes_total} nodes are available: {nodes_total} Insufficient memory. preemption: 0/{nodes_total} nodes are available: {nodes_total} No preemption victims found for incoming pod.",
                                     type_="Warning", count=30, first_ago=3000, last_ago=60, source="default-scheduler"))
            elif failure == "probe":
                objects.append(event(p, "Unhealthy", f'Readiness probe failed: Get "http://{p["status"].get("podIP")}:8080/ready": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
                                     type_="Warning", count=rng.randint(10, 300), first_ago=5000, last_ago=20, host=nd,
                                     field_path="spec.containers{app}"))
            else:
                objects.append(event(p, "Started", "Started container app", first_ago=86400 * 2 - 5, host=nd,
                                     field_path="spec.containers{app}"))
            if node_name and failure not in ("imagepull", "configerror", "evicted"):
                logs[(ns, pname, "app", False)] = log_cache[made % len(log_cache)]
                if failure in ("crashloop", "oomkilled"):
                    logs[(ns, pname, "app", True)] = log_cache[(made + 1) % len(log_cache)][:2000] + "panic: runtime error\n"
            made += 1
        dep_i += 1
    return objects, logs, node_files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pods", type=int, default=500)
    ap.add_argument("--nodes", type=int, default=20)
    ap.add_argument("--log-bytes", default="5M", help="total size of container logs, e.g. 1G")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        print(f"synth: {out}: exists and is not empty", file=sys.stderr)
        return 2
    t = time.perf_counter()
    objects, logs, node_files = build(args.pods, args.nodes, parse_size(args.log_bytes), args.seed)
    write_native(out, objects, logs, node_files, cluster_version=CLUSTER_VERSION,
                 collected_at=COLLECTED_AT.strftime("%Y-%m-%dT%H:%M:%SZ"), pretty=False,
                 manifest_extra={"options": {"generator": "bench/synth.py", "pods": args.pods, "nodes": args.nodes,
                                             "log_bytes": args.log_bytes, "seed": args.seed}})
    print(f"synth: wrote {len(objects)} objects, {len(logs)} logs, {len(node_files)} node files to {out} "
          f"in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
