"""Control-plane and cluster-wide scenarios: etcd, API server, static pods, certificates, webhooks,
removed APIs, floods, dangling references, stuck namespaces, RBAC."""

from __future__ import annotations

import copy
import json

from tools.bundlegen import k8s
from tools.bundlegen.healthy import CP, NODE_IP, deploy_pods
from tools.bundlegen.k8s import (
    Cluster,
    Obj,
    cond,
    configmap,
    container,
    deployment,
    event,
    journal_time,
    klog_time,
    lease,
    namespace,
    node,
    terminated,
    ts,
    ts_micro,
    waiting_status,
)


class _IPs:
    def __init__(self, start: int = 140) -> None:
        self.n = start

    def take(self, node_name: str) -> str:
        self.n += 1
        third = {"cp-1": 0, "cp-2": 4, "worker-1": 1, "worker-2": 2, "worker-3": 3}[node_name]
        return f"10.244.{third}.{self.n}"


def ns_with_defaults(c: Cluster, name: str, age: float, **kw: object) -> Obj:
    """A namespace with what Kubernetes creates in every namespace: ServiceAccount default, ConfigMap kube-root-ca.crt."""
    ns = namespace(name, age=age, **kw)  # type: ignore[arg-type]
    c.add(ns, {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": k8s.meta("ServiceAccount", "default", name, age=age)},
          configmap("kube-root-ca.crt", name, {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIb...\n-----END CERTIFICATE-----\n"},
                    age=age))
    return ns


def _etcd_json(ago: float, level: str, caller: str, msg: str, **fields: object) -> str:
    d: dict[str, object] = {"level": level, "ts": ts_micro(ago), "caller": caller, "msg": msg}
    d.update(fields)
    return json.dumps(d, separators=(",", ":"))


def _append_log(c: Cluster, ns: str, pod_name: str, ctr: str, lines: list[str], previous: bool = False) -> None:
    key = (ns, pod_name, ctr, previous)
    old = c.logs.get(key, "")
    c.logs[key] = old + "\n".join(lines) + "\n"


def _crashloop(p: Obj, ctr_name: str, restarts: int, last: Obj, since_ago: float) -> None:
    ctr = [x for x in p["spec"]["containers"] if x["name"] == ctr_name][0]
    name, ns = p["metadata"]["name"], p["metadata"]["namespace"]
    p["status"]["containerStatuses"] = [waiting_status(
        ctr, "CrashLoopBackOff", f"back-off 5m0s restarting failed container={ctr_name} pod={name}_{ns}({p['metadata']['uid']})",
        restarts=restarts, last_terminated=last)]
    for cnd in p["status"]["conditions"]:
        if cnd["type"] in ("Ready", "ContainersReady"):
            cnd.update({"status": "False", "reason": "ContainersNotReady",
                        "message": f"containers with unready status: [{ctr_name}]", "lastTransitionTime": ts(since_ago)})


# ====================================================================== etcd and the API server
def _slow_etcd_lines() -> list[str]:
    lines = []
    for i, ago in enumerate(range(2400, 20, -97)):
        took = f"{0.8 + (i * 37 % 23) / 10:.9f}s"
        lines.append(_etcd_json(ago, "warn", "etcdserver/util.go:170", "apply request took too long", took=took,
                                **{"expected-duration": "100ms", "prefix": "read-only range ",
                                   "request": "key:\"/registry/pods/shop/\" range_end:\"/registry/pods/shop0\" ",
                                   "response": "range_response_count:9 size:41230"}))
        if i % 3 == 0:
            lines.append(_etcd_json(ago - 1, "warn", "wal/wal.go:805", "slow fdatasync",
                                    took=f"{1.1 + (i % 7) / 10:.9f}s", **{"expected-duration": "1s"}))
        if i % 5 == 0:
            lines.append(_etcd_json(ago - 2, "warn", "etcdserver/v3_server.go:897",
                                    "waiting for ReadIndex response took too long, retrying",
                                    **{"sent-request-id": 8128026352315637831 + i, "retry-timeout": "500ms"}))
    return lines


def etcd_unhealthy(c: Cluster) -> None:
    """etcd on a slow disk: fdatasync over 1 s, range requests taking seconds, ReadIndex retries."""
    c.description = ("etcd on cp-1 shares a saturated disk: for the last 40 minutes it logs 'slow fdatasync' (over 1 s) "
                     "and 'apply request took too long' (up to 3 s) for reads that should take 100 ms.")
    _append_log(c, "kube-system", f"etcd-{CP}", "etcd", _slow_etcd_lines())
    c.expect("ETCD-UNHEALTHY", f"Pod/kube-system/etcd-{CP}")


def apiserver_etcd_errors(c: Cluster) -> None:
    """The API server times out on etcd for the last half hour (etcd is slow)."""
    c.description = ("kube-apiserver on cp-1 has been logging 'etcdserver: request timed out', 'Failed to update lease' "
                     "and handler timeouts for the last 30 minutes, long after it started five days ago; etcd logs slow "
                     "fdatasync at the same time.")
    lines = []
    for i, ago in enumerate(range(1800, 30, -71)):
        if i % 3 == 0:
            lines.append(f"E{klog_time(ago)}       1 status.go:71] \"Unhandled Error\" err=\"apiserver received an error that is not an "
                         "metav1.Status: rpctypes.EtcdError{code:0xe, desc:\\\"etcdserver: request timed out\\\"}: etcdserver: "
                         "request timed out\" logger=\"UnhandledError\"")
        elif i % 3 == 1:
            lines.append(f"E{klog_time(ago)}       1 controller.go:195] \"Failed to update lease\" err=\"etcdserver: request timed out\"")
        else:
            lines.append(f"E{klog_time(ago)}       1 timeout.go:142] post-timeout activity - time-elapsed: 3.{i}02ms, "
                         "GET \"/api/v1/namespaces/shop/pods\" result: <nil>")
            lines.append(f"E{klog_time(ago - 0.2)}       1 writers.go:122] \"Unhandled Error\" err=\"apiserver was unable to write a "
                         "JSON response: http: Handler timeout\" logger=\"UnhandledError\"")
    _append_log(c, "kube-system", f"kube-apiserver-{CP}", "kube-apiserver", lines)
    _append_log(c, "kube-system", f"etcd-{CP}", "etcd", _slow_etcd_lines())
    c.expect("APISERVER-ETCD-ERRORS", f"Pod/kube-system/kube-apiserver-{CP}")
    c.expect("ETCD-UNHEALTHY", f"Pod/kube-system/etcd-{CP}")


def control_plane_down(c: Cluster) -> None:
    """kube-scheduler crash-loops after an upgrade removed its config file; its lease has gone stale."""
    c.description = ("kube-scheduler on cp-1 has crash-looped for 52 minutes ('open /etc/kubernetes/scheduler-config.yaml: "
                     "no such file or directory'); the kube-scheduler Lease was last renewed 52 minutes ago.")
    p = c.find("Pod", f"kube-scheduler-{CP}", "kube-system")
    p["spec"]["containers"][0]["command"].append("--config=/etc/kubernetes/scheduler-config.yaml")
    last = terminated(1, "Error", 95, 94, p["metadata"]["name"], "kube-scheduler")
    _crashloop(p, "kube-scheduler", 15, last, 3120)
    c.log("kube-system", p["metadata"]["name"], "kube-scheduler", (
        f"I{klog_time(95)}       1 serving.go:386] Generated self-signed cert in-memory\n"
        f"E{klog_time(94.5)}       1 run.go:72] \"command failed\" err=\"open /etc/kubernetes/scheduler-config.yaml: no such file or directory\"\n"),
        previous=True)
    c.log("kube-system", p["metadata"]["name"], "kube-scheduler", "")
    c.add(event(p, "BackOff", f"Back-off restarting failed container kube-scheduler in pod {p['metadata']['name']}_kube-system({p['metadata']['uid']})",
                type_="Warning", count=220, first_ago=3100, last_ago=12, host=CP, field_path="spec.containers{kube-scheduler}"))
    le = c.find("Lease", "kube-scheduler", "kube-system")
    le["spec"]["renewTime"] = ts_micro(3125)
    c.expect("CONTROL-PLANE-POD-DOWN", p)
    c.expect("CONTROL-PLANE-LEASE-STALE", le)
    c.expect("POD-CRASHLOOP", p)


def static_pod_manifest_invalid(c: Cluster) -> None:
    """A hand edit broke the indentation of kube-controller-manager.yaml: the kubelet cannot parse it."""
    c.description = ("/etc/kubernetes/manifests/kube-controller-manager.yaml on cp-1 was edited by hand and no longer parses; "
                     "the kubelet logs 'Could not process manifest file', the mirror pod is gone and the "
                     "kube-controller-manager Lease is stale.")
    key = (CP, "files/etc/kubernetes/manifests/kube-controller-manager.yaml")
    text = c.node_files[key]
    text = text.replace("    - --leader-elect=true\n", "    - --leader-elect=true\n   - --terminated-pod-gc-threshold=100\n")
    c.node_files[key] = text
    c.remove("Pod", f"kube-controller-manager-{CP}", "kube-system")
    c.logs.pop(("kube-system", f"kube-controller-manager-{CP}", "kube-controller-manager", False), None)
    jl = []
    for ago in range(1500, 0, -20 * 17):
        jl.append(f"{journal_time(ago)} {CP} kubelet[1021]: E{klog_time(ago)[:-7]}.{int(ago) % 999999:06d}    1021 file.go:187] "
                  "\"Could not process manifest file\" err=\"/etc/kubernetes/manifests/kube-controller-manager.yaml: couldn't parse "
                  "as pod(yaml: line 16: did not find expected key), please check config file\" "
                  "path=\"/etc/kubernetes/manifests/kube-controller-manager.yaml\"")
    c.node_file(CP, "commands/journal-kubelet.txt", "\n".join(jl), append=True)
    le = c.find("Lease", "kube-controller-manager", "kube-system")
    le["spec"]["renewTime"] = ts_micro(1512)
    c.expect("STATIC-POD-MANIFEST-INVALID", f"Node/{CP}")
    c.expect("CONTROL-PLANE-LEASE-STALE", le)


def _add_second_control_plane(c: Cluster) -> str:
    """cp-2: a second control-plane node with its own static pods (copies of cp-1's)."""
    cp2 = "cp-2"
    c.add(node(cp2, "10.0.1.20", ["control-plane"], pod_cidr="10.244.4.0/24", age=86400 * 90,
               taints=[{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}],
               labels={"node.kubernetes.io/exclude-from-external-load-balancers": ""}))
    c.add(lease(cp2, "kube-node-lease", cp2, renew_ago=5, duration=40))
    n2 = c.find("Node", cp2)
    for comp in ("kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler"):
        p = copy.deepcopy(c.find("Pod", f"{comp}-{CP}", "kube-system"))
        name = f"{comp}-{cp2}"
        p["metadata"].update({"name": name, "uid": k8s.uid("Pod", "kube-system", name)})
        p["metadata"]["ownerReferences"][0].update({"name": cp2, "uid": n2["metadata"]["uid"]})
        p["spec"]["nodeName"] = cp2
        cmd = p["spec"]["containers"][0]["command"]
        p["spec"]["containers"][0]["command"] = [a.replace(NODE_IP[CP], "10.0.1.20").replace("--name=cp-1", "--name=cp-2") for a in cmd]
        p["status"].update({"hostIP": "10.0.1.20", "hostIPs": [{"ip": "10.0.1.20"}], "podIP": "10.0.1.20",
                            "podIPs": [{"ip": "10.0.1.20"}]})
        c.add(p)
        src = c.logs.get(("kube-system", f"{comp}-{CP}", comp, False))
        if src is not None:
            c.log("kube-system", name, comp, src)
    return cp2


def admission_plugin_unknown(c: Cluster) -> None:
    """After the upgrade of cp-2 its kube-apiserver names the removed PodSecurityPolicy admission plugin."""
    c.description = ("The kube-apiserver manifest on cp-2 (restored from an old backup during the upgrade) enables the "
                     "PodSecurityPolicy admission plugin, removed in Kubernetes 1.25: the API server exits with "
                     "'enable-admission-plugins plugin \"PodSecurityPolicy\" is unknown' and crash-loops.")
    cp2 = _add_second_control_plane(c)
    p = c.find("Pod", f"kube-apiserver-{cp2}", "kube-system")
    cmd = p["spec"]["containers"][0]["command"]
    p["spec"]["containers"][0]["command"] = [
        "--enable-admission-plugins=NodeRestriction,PodSecurityPolicy" if a.startswith("--enable-admission-plugins=") else a for a in cmd]
    last = terminated(1, "Error", 70, 69, p["metadata"]["name"], "kube-apiserver")
    _crashloop(p, "kube-apiserver", 12, last, 2700)
    c.log("kube-system", p["metadata"]["name"], "kube-apiserver", (
        f"I{klog_time(70)}       1 options.go:228] external host was not specified, using 10.0.1.20\n"
        f"I{klog_time(70)}       1 server.go:142] Version: v1.31.4\n"
        f"I{klog_time(69.8)}       1 shared_informer.go:313] Waiting for caches to sync for node_authorizer\n"
        f"E{klog_time(69.5)}       1 run.go:72] \"command failed\" err=\"enable-admission-plugins plugin \\\"PodSecurityPolicy\\\" is unknown\"\n"),
        previous=True)
    c.log("kube-system", p["metadata"]["name"], "kube-apiserver", "")
    c.add(event(p, "BackOff", f"Back-off restarting failed container kube-apiserver in pod {p['metadata']['name']}_kube-system({p['metadata']['uid']})",
                type_="Warning", count=160, first_ago=2650, last_ago=25, host=cp2, field_path="spec.containers{kube-apiserver}"))
    c.expect("ADMISSION-PLUGIN-UNKNOWN", p)
    c.expect("CONTROL-PLANE-POD-DOWN", p)
    c.expect("POD-CRASHLOOP", p)


def duplicate_control_plane(c: Cluster) -> None:
    """A provisioning re-run with default variables added self-hosted copies of the scheduler and controller-manager."""
    c.description = ("A kubespray re-run with default variables deployed self-hosted kube-scheduler and "
                     "kube-controller-manager Deployments in kube-system next to the static pods: two copies of each "
                     "run on cp-1 (the single control-plane node).")
    ips = _IPs()
    for comp, image in (("kube-scheduler", "registry.k8s.io/kube-scheduler:v1.29.2"),
                        ("kube-controller-manager", "registry.k8s.io/kube-controller-manager:v1.29.2")):
        ctr = container(comp, image, cpu="100m", memory=None, limit_memory=None,
                        command=[comp, "--leader-elect=true", "--kubeconfig=/etc/kubernetes/" +
                                 ("scheduler.conf" if comp == "kube-scheduler" else "controller-manager.conf")])
        dep = deployment(comp, "kube-system", 1, [ctr], labels={"component": comp, "tier": "control-plane", "k8s-app": comp},
                         age=86400 * 2, extra_template={"nodeSelector": {"node-role.kubernetes.io/control-plane": ""},
                                                        "tolerations": [{"operator": "Exists"}], "hostNetwork": True})
        pods = deploy_pods(c, ips, dep, [CP], age=86400 * 2 - 30)
        for p in pods:
            p["spec"]["hostNetwork"] = True
            p["status"]["podIP"] = NODE_IP[CP]
            p["status"]["podIPs"] = [{"ip": NODE_IP[CP]}]
            c.log("kube-system", p["metadata"]["name"], comp, (
                f"I{klog_time(86400 * 2 - 40)}       1 serving.go:386] Generated self-signed cert in-memory\n"
                f"I{klog_time(86400 * 2 - 39)}       1 leaderelection.go:254] attempting to acquire leader lease kube-system/{comp}...\n"))
    c.expect("DUPLICATE-CONTROL-PLANE", f"Pod/kube-system/kube-controller-manager-{CP}")
    c.expect("DUPLICATE-CONTROL-PLANE", f"Pod/kube-system/kube-scheduler-{CP}")


# ====================================================================== floods
def _backup_operator(c: Cluster) -> Obj:
    ns_with_defaults(c, "backup", 86400 * 3)
    dep = deployment("backup-operator", "backup", 1, [container(
        "manager", "registry.example.com/platform/backup-operator:0.4.0", cpu="100m", memory="128Mi",
        args=["--leader-elect", "--metrics-bind-address=:8080"])], labels={"app": "backup-operator"}, age=86400 * 3)
    deploy_pods(c, _IPs(160), dep, ["worker-2"], age=86400 * 3 - 20)
    return dep


def event_flood(c: Cluster) -> None:
    """An operator reconciles in a hot loop and writes ~50 events per second."""
    c.description = ("backup-operator re-queues BackupSchedule backup/nightly without back-off: one event series has "
                     "count 52140 over the last 17 minutes (about 50 events per second).")
    _backup_operator(c)
    bs = {"apiVersion": "backup.example.com/v1alpha1", "kind": "BackupSchedule",
          "metadata": k8s.meta("BackupSchedule", "nightly", "backup", age=86400 * 3),
          "spec": {"schedule": "0 1 * * *", "retention": "168h"}, "status": {"phase": "Error"}}
    c.add(bs)
    ev = event(bs, "ReconcileError", 'Operation cannot be fulfilled on backupschedules.backup.example.com "nightly": the object '
               "has been modified; please apply your changes to the latest version and try again", type_="Warning",
               count=52140, first_ago=1043, last_ago=1, source="backup-operator")
    c.add(ev)
    c.expect("EVENT-FLOOD", ev)


def object_flood(c: Cluster) -> None:
    """The same operator creates a BackupRecord per reconcile: thousands of custom resources."""
    c.description = ("backup-operator creates one BackupRecord custom resource per reconcile loop: 1500 of them in "
                     "namespace backup within two hours, far more than any other kind.")
    dep = _backup_operator(c)
    for i in range(1500):
        name = f"nightly-{29390000 + i}"
        md = k8s.meta("BackupRecord", name, "backup", age=7200 - i * 3, labels={"backup.example.com/schedule": "nightly"})
        md["managedFields"] = [{"apiVersion": "backup.example.com/v1alpha1", "fieldsType": "FieldsV1", "manager": "backup-operator",
                                "operation": "Update", "time": ts(7200 - i * 3)}]
        c.add({"apiVersion": "backup.example.com/v1alpha1", "kind": "BackupRecord", "metadata": md,
               "spec": {"schedule": "nightly"}, "status": {"phase": "Pending"}})
    c.expect("OBJECT-FLOOD", "BackupRecord/backup/nightly-29390000")
    _ = dep


# ====================================================================== certificates, webhooks, APIs
def cert_expiry(c: Cluster) -> None:
    """The kubeadm certificates of cp-1 expire in 9 days (never renewed: no upgrade in a year)."""
    c.description = ("The kubeadm-issued certificates under /etc/kubernetes/pki on cp-1 (apiserver, etcd, front-proxy...) "
                     "expire on Nov 29 2026, 9 days after collection; the CA is fine.")
    key = (CP, "commands/cert-expiry.txt")
    c.node_files[key] = c.node_files[key].replace("Aug  1 08:12:00 2027 GMT", "Nov 29 08:12:00 2026 GMT")
    c.expect("CERT-EXPIRY", f"Node/{CP}")


def webhook_unavailable(c: Cluster) -> None:
    """Gatekeeper was uninstalled but its validating webhook (failurePolicy Fail) was left behind."""
    c.description = ("Gatekeeper was removed (namespace gatekeeper-system deleted) but its "
                     "ValidatingWebhookConfiguration remains with failurePolicy Fail: every pod create fails with "
                     "'failed calling webhook \"validation.gatekeeper.sh\" ... service \"gatekeeper-webhook-service\" not found'.")
    vwc = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
           "metadata": k8s.meta("ValidatingWebhookConfiguration", "gatekeeper-validating-webhook-configuration", None,
                                age=86400 * 60, labels={"gatekeeper.sh/system": "yes"}),
           "webhooks": [{"name": "validation.gatekeeper.sh", "admissionReviewVersions": ["v1", "v1beta1"],
                         "clientConfig": {"service": {"name": "gatekeeper-webhook-service", "namespace": "gatekeeper-system",
                                                      "path": "/v1/admit", "port": 443}, "caBundle": "LS0tLS1CRUdJTi..."},
                         "failurePolicy": "Fail", "matchPolicy": "Exact", "sideEffects": "None", "timeoutSeconds": 3,
                         "namespaceSelector": {"matchExpressions": [{"key": "admission.gatekeeper.sh/ignore", "operator": "DoesNotExist"},
                                                                    {"key": "kubernetes.io/metadata.name", "operator": "NotIn",
                                                                     "values": ["gatekeeper-system"]}]},
                         "objectSelector": {},
                         "rules": [{"apiGroups": ["*"], "apiVersions": ["*"], "operations": ["CREATE", "UPDATE"],
                                    "resources": ["*", "pods/ephemeralcontainers", "pods/exec", "pods/log", "pods/eviction",
                                                  "pods/portforward", "pods/proxy", "pods/attach", "pods/binding",
                                                  "deployments/scale", "replicasets/scale", "statefulsets/scale",
                                                  "replicationcontrollers/scale", "services/proxy", "nodes/proxy", "services/status"],
                                    "scope": "*"}]}]}
    c.add(vwc)
    rs = [o for o in c.objects if o["kind"] == "ReplicaSet" and o["metadata"]["name"].startswith("cart-")][0]
    c.add(event(rs, "FailedCreate", "Error creating: Internal error occurred: failed calling webhook \"validation.gatekeeper.sh\": "
                "failed to call webhook: Post \"https://gatekeeper-webhook-service.gatekeeper-system.svc:443/v1/admit?timeout=3s\": "
                "service \"gatekeeper-webhook-service\" not found", type_="Warning", count=23, first_ago=2700, last_ago=40,
                source="replicaset-controller"))
    c.expect("WEBHOOK-UNAVAILABLE", vwc)
    c.expect("WORKLOAD-FAILED-CREATE", c.find("Deployment", "cart", "shop"))  # consequence: the ReplicaSet's FailedCreate


def _last_applied(obj: Obj, api_version: str) -> str:
    applied = {"apiVersion": api_version, "kind": obj["kind"],
               "metadata": {"annotations": {}, "name": obj["metadata"]["name"], "namespace": obj["metadata"].get("namespace")},
               "spec": obj.get("spec", {})}
    return json.dumps(applied, separators=(",", ":")) + "\n"


def removed_api(c: Cluster) -> None:
    """Manifests still written for extensions/v1beta1 and batch/v1beta1, on a 1.31 cluster."""
    c.description = ("The shop Ingress and the nightly-report CronJob were last applied from manifests using "
                     "extensions/v1beta1 (removed in 1.22) and batch/v1beta1 (removed in 1.25): the next "
                     "`kubectl apply` of those manifests fails on this v1.31 cluster.")
    ing = c.find("Ingress", "shop", "shop")
    ing["metadata"].setdefault("annotations", {})["kubectl.kubernetes.io/last-applied-configuration"] = _last_applied(
        ing, "extensions/v1beta1")
    cj = c.find("CronJob", "nightly-report", "shop")
    cj["metadata"].setdefault("annotations", {})["kubectl.kubernetes.io/last-applied-configuration"] = _last_applied(
        cj, "batch/v1beta1")
    c.expect("REMOVED-API", ing)
    c.expect("REMOVED-API", cj)


# ====================================================================== object graph, namespaces, RBAC
def dangling_references(c: Cluster) -> None:
    """A partial restore brought back the orders Deployment but not its Secret and ConfigMap."""
    c.description = ("After a partial restore, Deployment shop/orders exists but Secret orders-db and ConfigMap "
                     "orders-config it references do not: both orders pods are stuck in CreateContainerConfigError.")
    ctr = container("orders", "registry.example.com/shop/orders:5.0.3", cpu="200m", memory="256Mi", limit_memory="512Mi",
                    port=8080, env=[{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "orders-db", "key": "password"}}}])
    ctr["envFrom"] = [{"configMapRef": {"name": "orders-config"}}]
    dep = deployment("orders", "shop", 2, [ctr], labels={"app": "orders", "team": "shop"}, age=5400, available=0)
    pods = deploy_pods(c, _IPs(180), dep, ["worker-1", "worker-2"], age=5390)
    for p in pods:
        pc = p["spec"]["containers"][0]
        p["status"]["containerStatuses"] = [waiting_status(pc, "CreateContainerConfigError", 'secret "orders-db" not found')]
        for cnd in p["status"]["conditions"]:
            if cnd["type"] in ("Ready", "ContainersReady"):
                cnd.update({"status": "False", "reason": "ContainersNotReady", "message": "containers with unready status: [orders]",
                            "lastTransitionTime": ts(5388)})
        c.add(event(p, "Failed", 'Error: secret "orders-db" not found', type_="Warning", count=25, first_ago=5385, last_ago=30,
                    host=p["spec"]["nodeName"], field_path="spec.containers{orders}"))
    first = sorted(p["metadata"]["name"] for p in pods)[0]
    c.expect("DANGLING-REFERENCES", f"Pod/shop/{first}")
    c.expect("POD-CONFIG-ERROR", f"Pod/shop/{first}")
    c.expect("WORKLOAD-DOWN", dep)  # consequence: orders has no available replica


def namespace_stuck_terminating(c: Cluster) -> None:
    """kafka-staging was deleted three days ago; its KafkaTopics keep a finalizer of an operator that is gone."""
    c.description = ("Namespace kafka-staging has been Terminating for 3 days: three KafkaTopic objects keep the "
                     "strimzi.io/topic-operator finalizer and no Strimzi operator runs any more in the cluster.")
    ns = ns_with_defaults(c, "kafka-staging", 86400 * 40, phase="Terminating")
    ns["metadata"]["deletionTimestamp"] = ts(86400 * 3)
    ns["spec"] = {"finalizers": ["kubernetes"]}
    ns["status"]["conditions"] = [
        {"type": "NamespaceDeletionDiscoveryFailure", "status": "False", "reason": "ResourcesDiscovered",
         "message": "All resources successfully discovered", "lastTransitionTime": ts(86400 * 3)},
        {"type": "NamespaceDeletionGroupVersionParsingFailure", "status": "False", "reason": "ParsedGroupVersions",
         "message": "All legacy kube types successfully parsed", "lastTransitionTime": ts(86400 * 3)},
        {"type": "NamespaceDeletionContentFailure", "status": "False", "reason": "ContentDeleted",
         "message": "All content successfully deleted, may be waiting on finalization", "lastTransitionTime": ts(86400 * 3)},
        {"type": "NamespaceContentRemaining", "status": "True", "reason": "SomeResourcesRemain",
         "message": "Some resources are remaining: kafkatopics.kafka.strimzi.io has 3 resource instances",
         "lastTransitionTime": ts(86400 * 3 - 5)},
        {"type": "NamespaceFinalizersRemaining", "status": "True", "reason": "SomeFinalizersRemain",
         "message": "Some content in the namespace has finalizers remaining: strimzi.io/topic-operator in 3 resource instances",
         "lastTransitionTime": ts(86400 * 3 - 5)}]
    c.add({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": k8s.meta("CustomResourceDefinition", "kafkatopics.kafka.strimzi.io", None, age=86400 * 200,
                                labels={"app": "strimzi", "strimzi.io/crd-install": "true"}),
           "spec": {"group": "kafka.strimzi.io", "names": {"kind": "KafkaTopic", "listKind": "KafkaTopicList", "plural": "kafkatopics",
                                                           "singular": "kafkatopic", "shortNames": ["kt"]},
                    "scope": "Namespaced", "versions": [{"name": "v1beta2", "served": True, "storage": True}]},
           "status": {"acceptedNames": {"kind": "KafkaTopic", "plural": "kafkatopics"}, "storedVersions": ["v1beta2"],
                      "conditions": [cond("Established", "True", 86400 * 200, "InitialNamesAccepted", "the initial names have been accepted", probe=False)]}})
    for t in ("orders", "payments", "audit"):
        md = k8s.meta("KafkaTopic", t, "kafka-staging", age=86400 * 30, labels={"strimzi.io/cluster": "staging"})
        md["finalizers"] = ["strimzi.io/topic-operator"]
        md["deletionTimestamp"] = ts(86400 * 3)
        md["deletionGracePeriodSeconds"] = 0
        c.add({"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaTopic", "metadata": md,
               "spec": {"partitions": 6, "replicas": 3, "topicName": t},
               "status": {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": ts(86400 * 30)}],
                          "observedGeneration": 2, "topicName": t}})
    c.expect("NAMESPACE-STUCK-TERMINATING", ns)


def rbac_overbroad(c: Cluster) -> None:
    """cluster-admin bound to a CI ServiceAccount, and a '*' role bound to every authenticated user."""
    c.description = ("ClusterRoleBinding ci-deployer-admin grants cluster-admin to ServiceAccount ci/deployer, and "
                     "ClusterRoleBinding ops-everything grants ClusterRole ops-all ('*' on '*') to group system:authenticated.")
    ns_with_defaults(c, "ci", 86400 * 100)
    c.add({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": k8s.meta("ServiceAccount", "deployer", "ci", age=86400 * 100)})
    b1 = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
          "metadata": k8s.meta("ClusterRoleBinding", "ci-deployer-admin", None, age=86400 * 100),
          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
          "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}]}
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": k8s.meta("ClusterRole", "ops-all", None, age=86400 * 20),
            "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}
    b2 = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
          "metadata": k8s.meta("ClusterRoleBinding", "ops-everything", None, age=86400 * 20),
          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "ops-all"},
          "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:authenticated"}]}
    c.add(b1, role, b2)
    c.expect("RBAC-OVERBROAD", b1)
    c.expect("RBAC-OVERBROAD", b2)


SCENARIOS = {
    "ETCD-UNHEALTHY": etcd_unhealthy,
    "APISERVER-ETCD-ERRORS": apiserver_etcd_errors,
    "CONTROL-PLANE-DOWN": control_plane_down,
    "STATIC-POD-MANIFEST-INVALID": static_pod_manifest_invalid,
    "ADMISSION-PLUGIN-UNKNOWN": admission_plugin_unknown,
    "DUPLICATE-CONTROL-PLANE": duplicate_control_plane,
    "EVENT-FLOOD": event_flood,
    "OBJECT-FLOOD": object_flood,
    "CERT-EXPIRY": cert_expiry,
    "WEBHOOK-UNAVAILABLE": webhook_unavailable,
    "REMOVED-API": removed_api,
    "DANGLING-REFERENCES": dangling_references,
    "NAMESPACE-STUCK-TERMINATING": namespace_stuck_terminating,
    "RBAC-OVERBROAD": rbac_overbroad,
}
