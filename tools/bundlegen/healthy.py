"""The healthy cluster every recorded bundle starts from.

Four nodes (one control plane, three workers), control-plane static pods, kube-proxy,
flannel, CoreDNS, metrics-server, an ingress controller, a shop application (Deployments,
a StatefulSet with a bound PVC, a CronJob, Services, an Ingress, a PDB, an HPA) and a
monitoring namespace.  It also holds what healthy clusters really show: start-up noise in
logs (CoreDNS "unsynced Kubernetes API", the API server dialling etcd before it listens,
the scheduler's RBAC errors before its informers sync), a container that crashed once at
install time and has been running since, and a volume mount that failed at boot and then
succeeded.  No rule may raise a critical or warning finding on it.
"""

from __future__ import annotations

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

CP = "cp-1"
WORKERS = ["worker-1", "worker-2", "worker-3"]
NODES = [CP, *WORKERS]
NODE_IP = {CP: "10.0.1.10", "worker-1": "10.0.1.11", "worker-2": "10.0.1.12", "worker-3": "10.0.1.13"}
POD_CIDR = {CP: "10.244.0.0/24", "worker-1": "10.244.1.0/24", "worker-2": "10.244.2.0/24", "worker-3": "10.244.3.0/24"}
CLUSTER_CIDR = "10.244.0.0/16"
SERVICE_CIDR = "10.96.0.0/12"
BOOT_AGO = 86400 * 5  # nodes booted five days before collection


class _IPs:
    def __init__(self) -> None:
        self.next = {n: 10 for n in NODES}

    def take(self, node_name: str) -> str:
        self.next[node_name] += 1
        base = POD_CIDR[node_name].split(".")
        return f"{base[0]}.{base[1]}.{base[2]}.{self.next[node_name]}"


def deploy_pods(c: Cluster, ips: _IPs, dep: Obj, nodes: list[str], age: float | None = None,
                statuses: list[list[Obj]] | None = None) -> list[Obj]:
    """A Deployment with its ReplicaSet and running pods spread over ``nodes``."""
    rs = replicaset(dep)
    c.add(dep, rs)
    pods = []
    tmpl = dep["spec"]["template"]
    for i, n in enumerate(nodes):
        name = f"{rs['metadata']['name']}-{suffix(rs['metadata']['name'], str(i))}"
        p = pod(name, dep["metadata"]["namespace"], n, k8s.copy.deepcopy(tmpl["spec"]["containers"]), owner=rs,
                labels=rs["spec"]["template"]["metadata"]["labels"], age=age or k8s._age_of(rs) - 5,
                host_ip=NODE_IP[n], pod_ip=ips.take(n), statuses=statuses[i] if statuses else None,
                **{k: v for k, v in tmpl["spec"].items() if k in ("tolerations", "priority_class")})
        c.add(p)
        pods.append(p)
    return pods


def static_pod(c: Cluster, component: str, image: str, command: list[str], cpu: str = "250m") -> Obj:
    n = c.find("Node", CP)
    ctr = container(component, image, cpu=cpu, memory=None, limit_memory=None, command=command,
                    liveness=http_probe("/livez" if component == "kube-apiserver" else "/healthz",
                                        {"kube-apiserver": 6443, "etcd": 2381, "kube-scheduler": 10259,
                                         "kube-controller-manager": 10257}[component], initial=10, failure=8, timeout=15))
    ctr["volumeMounts"] = [m for m in ctr["volumeMounts"] if m["name"] != "kube-api-access"]
    p = pod(f"{component}-{CP}", "kube-system", CP, [ctr], owner=n, labels={"component": component, "tier": "control-plane"},
            age=BOOT_AGO - 40, host_network=True, host_ip=NODE_IP[CP], pod_ip=NODE_IP[CP],
            priority_class="system-node-critical", tolerations=[{"effect": "NoExecute", "operator": "Exists"}],
            annotations={"kubernetes.io/config.source": "file", "kubernetes.io/config.hash": k8s.hexid(component, n=32)},
            qos="Burstable")
    p["spec"]["volumes"] = []
    p["metadata"]["ownerReferences"][0].update({"apiVersion": "v1", "kind": "Node"})
    c.add(p)
    return p


def build() -> Cluster:
    c = Cluster(description="Healthy four-node cluster: control plane, system add-ons and two applications.")
    ips = _IPs()

    # ---------------------------------------------------------------- namespaces and nodes
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease", "kube-flannel", "ingress-nginx", "shop",
               "monitoring"]:
        labels = {"pod-security.kubernetes.io/enforce": "privileged"} if ns in ("kube-flannel", "kube-system") else None
        if ns == "shop":
            labels = {"pod-security.kubernetes.io/enforce": "baseline", "team": "shop"}
        c.add(namespace(ns, labels=labels))
    c.add(node(CP, NODE_IP[CP], ["control-plane"], pod_cidr=POD_CIDR[CP],
               taints=[{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}],
               labels={"node.kubernetes.io/exclude-from-external-load-balancers": ""}))
    for w in WORKERS:
        c.add(node(w, NODE_IP[w], [], cpu="8", memory_ki=32866464, pod_cidr=POD_CIDR[w], labels={"workload": "general"}))

    # ---------------------------------------------------------------- control plane
    apiserver = static_pod(c, "kube-apiserver", "registry.k8s.io/kube-apiserver:v1.31.4", [
        "kube-apiserver", f"--advertise-address={NODE_IP[CP]}", "--allow-privileged=true", "--authorization-mode=Node,RBAC",
        "--client-ca-file=/etc/kubernetes/pki/ca.crt", "--enable-admission-plugins=NodeRestriction",
        "--etcd-servers=https://127.0.0.1:2379", f"--service-cluster-ip-range={SERVICE_CIDR}",
        "--secure-port=6443", "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt"])
    etcd = static_pod(c, "etcd", "registry.k8s.io/etcd:3.5.15-0", [
        "etcd", f"--advertise-client-urls=https://{NODE_IP[CP]}:2379", "--data-dir=/var/lib/etcd",
        f"--listen-client-urls=https://127.0.0.1:2379,https://{NODE_IP[CP]}:2379", "--name=cp-1",
        "--snapshot-count=10000"], cpu="100m")
    kcm = static_pod(c, "kube-controller-manager", "registry.k8s.io/kube-controller-manager:v1.31.4", [
        "kube-controller-manager", "--allocate-node-cidrs=true", f"--cluster-cidr={CLUSTER_CIDR}",
        "--leader-elect=true", f"--service-cluster-ip-range={SERVICE_CIDR}", "--use-service-account-credentials=true"],
        cpu="200m")
    sched = static_pod(c, "kube-scheduler", "registry.k8s.io/kube-scheduler:v1.31.4", [
        "kube-scheduler", "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true"], cpu="100m")
    c.add(lease("kube-scheduler", "kube-system", f"{CP}_{k8s.uid('sched-holder')}", renew_ago=1.2),
          lease("kube-controller-manager", "kube-system", f"{CP}_{k8s.uid('kcm-holder')}", renew_ago=0.8))
    for n in NODES:
        c.add(lease(n, "kube-node-lease", n, renew_ago=4, duration=40))

    # ---------------------------------------------------------------- system add-ons
    proxy_ds = daemonset("kube-proxy", "kube-system", [container(
        "kube-proxy", "registry.k8s.io/kube-proxy:v1.31.4", cpu=None, memory=None, limit_memory=None,
        command=["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
                 "--hostname-override=$(NODE_NAME)"])], nodes=4, host_network=True)
    flannel_ds = daemonset("kube-flannel-ds", "kube-flannel", [container(
        "kube-flannel", "docker.io/flannel/flannel:v0.26.1", cpu="100m", memory="50Mi", limit_memory=None,
        command=["/opt/bin/flanneld", "--ip-masq", "--kube-subnet-mgr"])], nodes=4, labels={"app": "flannel"},
        host_network=True)
    c.add(proxy_ds, flannel_ds)
    for ds in (proxy_ds, flannel_ds):
        for n in NODES:
            name = f"{ds['metadata']['name']}-{suffix(ds['metadata']['name'], n)}"
            p = pod(name, ds["metadata"]["namespace"], n, k8s.copy.deepcopy(ds["spec"]["template"]["spec"]["containers"]),
                    owner=ds, labels=dict(ds["spec"]["template"]["metadata"]["labels"]) | {"controller-revision-hash": "6d4f5c8b7"},
                    age=BOOT_AGO - 60, host_network=True, host_ip=NODE_IP[n], pod_ip=NODE_IP[n],
                    priority_class="system-node-critical", tolerations=[{"operator": "Exists"}])
            p["metadata"]["generateName"] = ds["metadata"]["name"] + "-"
            c.add(p)
            c.log(p["metadata"]["namespace"], name, ds["spec"]["template"]["spec"]["containers"][0]["name"],
                  proxy_log(n) if ds is proxy_ds else flannel_log(n))

    coredns = deployment("coredns", "kube-system", 2, [container(
        "coredns", "registry.k8s.io/coredns/coredns:v1.11.3", cpu="100m", memory="70Mi", limit_memory="170Mi", port=53,
        args=["-conf", "/etc/coredns/Corefile"], liveness=http_probe("/health", 8080, initial=60, timeout=5, failure=5),
        readiness=http_probe("/ready", 8181, initial=0, period=10))], labels={"k8s-app": "kube-dns"})
    coredns["spec"]["template"]["spec"]["priority_class"] = "system-cluster-critical"
    coredns["spec"]["template"]["spec"]["containers"][0]["ports"] = [  # as the real CoreDNS manifest declares them
        {"containerPort": 53, "name": "dns", "protocol": "UDP"}, {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
        {"containerPort": 9153, "name": "metrics", "protocol": "TCP"}]
    dns_pods = deploy_pods(c, ips, coredns, ["worker-1", "worker-2"], age=BOOT_AGO - 90)
    for p in dns_pods:
        c.log("kube-system", p["metadata"]["name"], "coredns", coredns_log())
    dns_svc = service("kube-dns", "kube-system", {"k8s-app": "kube-dns"},
                      [svc_port(53, 53, "dns", "UDP"), svc_port(53, 53, "dns-tcp"), svc_port(9153, 9153, "metrics")],
                      "10.96.0.10", labels={"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"})
    c.add(dns_svc, endpoints(dns_svc, dns_pods, ports=[{"name": "dns", "port": 53, "protocol": "UDP"},
                                                       {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                                                       {"name": "metrics", "port": 9153, "protocol": "TCP"}]))
    c.add(configmap("coredns", "kube-system", {"Corefile": COREFILE}))

    ms = deployment("metrics-server", "kube-system", 1, [container(
        "metrics-server", "registry.k8s.io/metrics-server/metrics-server:v0.7.2", cpu="100m", memory="200Mi",
        limit_memory=None, port=10250, args=["--cert-dir=/tmp", "--secure-port=10250", "--kubelet-preferred-address-types=InternalIP"],
        liveness=http_probe("/livez", "https"), readiness=http_probe("/readyz", "https", initial=20))],
        labels={"k8s-app": "metrics-server"})
    ms["spec"]["template"]["spec"]["containers"][0]["ports"] = [{"containerPort": 10250, "name": "https", "protocol": "TCP"}]
    ms_pods = deploy_pods(c, ips, ms, ["worker-3"], age=BOOT_AGO - 100)
    ms_svc = service("metrics-server", "kube-system", {"k8s-app": "metrics-server"}, [svc_port(443, "https", "https")],
                     "10.96.140.21", labels={"k8s-app": "metrics-server"})
    c.add(ms_svc, endpoints(ms_svc, ms_pods, ports=[{"name": "https", "port": 10250, "protocol": "TCP"}]))
    c.add({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
           "metadata": k8s.meta("APIService", "v1beta1.metrics.k8s.io", None, labels={"k8s-app": "metrics-server"}),
           "spec": {"group": "metrics.k8s.io", "groupPriorityMinimum": 100, "insecureSkipTLSVerify": True,
                    "service": {"name": "metrics-server", "namespace": "kube-system", "port": 443}, "version": "v1beta1",
                    "versionPriority": 100},
           "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Passed",
                                      "message": "all checks passed", "lastTransitionTime": ts(BOOT_AGO - 200)}]}})
    c.add({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
           "metadata": k8s.meta("APIService", "v1.apps", None, labels={"kube-aggregator.kubernetes.io/automanaged": "onstart"}),
           "spec": {"group": "apps", "groupPriorityMinimum": 17800, "version": "v1", "versionPriority": 15},
           "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Local",
                                      "message": "Local APIServices are always available",
                                      "lastTransitionTime": ts(BOOT_AGO)}]}})

    kube_svc = service("kubernetes", "default", None, [svc_port(443, 6443, "https")], "10.96.0.1",
                       labels={"component": "apiserver", "provider": "kubernetes"})
    c.add(kube_svc, {"apiVersion": "v1", "kind": "Endpoints", "metadata": k8s.meta("Endpoints", "kubernetes", "default"),
                     "subsets": [{"addresses": [{"ip": NODE_IP[CP]}], "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]})

    # ---------------------------------------------------------------- ingress controller
    ing_ctrl = deployment("ingress-nginx-controller", "ingress-nginx", 1, [container(
        "controller", "registry.k8s.io/ingress-nginx/controller:v1.12.0", cpu="100m", memory="90Mi", limit_memory=None,
        port=80, args=["/nginx-ingress-controller", "--election-id=ingress-nginx-leader", "--controller-class=k8s.io/ingress-nginx",
                       "--ingress-class=nginx", "--shutdown-grace-period=15"],
        liveness=http_probe("/healthz", 10254, initial=10, failure=5), readiness=http_probe("/healthz", 10254, initial=10))],
        labels={"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
        extra_template={"terminationGracePeriodSeconds": 300})
    ing_ctrl["spec"]["template"]["spec"]["containers"][0]["ports"] = [
        {"containerPort": 80, "name": "http", "protocol": "TCP"}, {"containerPort": 443, "name": "https", "protocol": "TCP"},
        {"containerPort": 8443, "name": "webhook", "protocol": "TCP"}]
    ing_ctrl["spec"]["template"]["spec"]["containers"][0]["lifecycle"] = {"preStop": {"exec": {"command": ["/wait-shutdown"]}}}
    ing_pods = deploy_pods(c, ips, ing_ctrl, ["worker-3"], age=86400 * 4)
    for p in ing_pods:
        p["spec"]["terminationGracePeriodSeconds"] = 300
        c.log("ingress-nginx", p["metadata"]["name"], "controller", ingress_log())
    ing_svc = service("ingress-nginx-controller", "ingress-nginx", dict(ing_ctrl["spec"]["selector"]["matchLabels"]),
                      [svc_port(80, "http", "http"), svc_port(443, "https", "https")], "10.103.44.12", type_="LoadBalancer")
    ing_svc["spec"]["ports"][0]["nodePort"] = 31080
    ing_svc["spec"]["ports"][1]["nodePort"] = 31443
    ing_svc["status"] = {"loadBalancer": {"ingress": [{"ip": "203.0.113.20", "ipMode": "VIP"}]}}
    c.add(ing_svc, endpoints(ing_svc, ing_pods, ports=[{"name": "http", "port": 80, "protocol": "TCP"},
                                                       {"name": "https", "port": 443, "protocol": "TCP"}]))
    c.add({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
           "metadata": k8s.meta("IngressClass", "nginx", None, annotations={"ingressclass.kubernetes.io/is-default-class": "true"}),
           "spec": {"controller": "k8s.io/ingress-nginx"}})
    c.add({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
           "metadata": k8s.meta("ValidatingWebhookConfiguration", "ingress-nginx-admission", None),
           "webhooks": [{"name": "validate.nginx.ingress.kubernetes.io", "admissionReviewVersions": ["v1"],
                         "clientConfig": {"service": {"name": "ingress-nginx-controller-admission", "namespace": "ingress-nginx",
                                                      "path": "/networking/v1/ingresses", "port": 443}, "caBundle": "LS0tLS1CRUdJTi..."},
                         "failurePolicy": "Fail", "matchPolicy": "Equivalent", "sideEffects": "None", "timeoutSeconds": 10,
                         "namespaceSelector": {}, "objectSelector": {},
                         "rules": [{"apiGroups": ["networking.k8s.io"], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
                                    "resources": ["ingresses"], "scope": "*"}]}]})
    adm_svc = service("ingress-nginx-controller-admission", "ingress-nginx", dict(ing_ctrl["spec"]["selector"]["matchLabels"]),
                      [svc_port(443, "webhook", "https-webhook")], "10.109.3.200")
    c.add(adm_svc, endpoints(adm_svc, ing_pods, ports=[{"name": "https-webhook", "port": 8443, "protocol": "TCP"}]))

    # ---------------------------------------------------------------- the shop application
    fe = deployment("frontend", "shop", 3, [container(
        "nginx", "nginxinc/nginx-unprivileged:1.27.3", cpu="100m", memory="64Mi", limit_memory="128Mi", port=8080,
        liveness=http_probe("/healthz", 8080, initial=5), readiness=http_probe("/", 8080, initial=2, period=5))],
        labels={"app": "frontend", "team": "shop"})
    fe_pods = deploy_pods(c, ips, fe, WORKERS, age=86400 * 2)
    for p in fe_pods:
        c.log("shop", p["metadata"]["name"], "nginx", nginx_log(p["metadata"]["name"]))
    fe_svc = service("frontend", "shop", {"app": "frontend", "team": "shop"}, [svc_port(80, 8080, "http")], "10.104.20.15")
    c.add(fe_svc, endpoints(fe_svc, fe_pods, ports=[{"name": "http", "port": 8080, "protocol": "TCP"}]))

    cart_ctr = container("cart", "registry.example.com/shop/cart:2.4.1", cpu="250m", memory="256Mi", limit_memory="512Mi",
                         port=8080, liveness=http_probe("/healthz", 8080, initial=0, period=10, failure=3),
                         readiness=http_probe("/ready", 8080, initial=0, period=5),
                         startup=http_probe("/healthz", 8080, initial=5, period=5, failure=30),
                         env=[{"name": "REDIS_ADDR", "value": "redis.shop.svc:6379"},
                              {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "cart-db", "key": "password"}}},
                              {"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "cart-config", "key": "log-level"}}}])
    cart = deployment("cart", "shop", 2, [cart_ctr], labels={"app": "cart", "team": "shop"},
                      extra_template={"imagePullSecrets": [{"name": "registry-creds"}]})
    # One cart pod crashed once at install time (Redis was not up yet) and has run since: history, not a problem.
    install_crash = terminated(1, "Error", 86400 * 2 - 40, 86400 * 2 - 35, "cart", "cart")
    cart_pods = deploy_pods(c, ips, cart, ["worker-1", "worker-2"], age=86400 * 2, statuses=[
        [running_status(cart_ctr, "cart-a", 86400 * 2 - 20, restarts=1, last_terminated=install_crash)],
        [running_status(cart_ctr, "cart-b", 86400 * 2 - 30)],
    ])
    for p in cart_pods:
        p["spec"]["imagePullSecrets"] = [{"name": "registry-creds"}]
        c.log("shop", p["metadata"]["name"], "cart", cart_log())
    c.log("shop", cart_pods[0]["metadata"]["name"], "cart", CART_INSTALL_CRASH_LOG, previous=True)
    cart_svc = service("cart", "shop", {"app": "cart", "team": "shop"}, [svc_port(8080, 8080, "http")], "10.104.20.31")
    c.add(cart_svc, endpoints(cart_svc, cart_pods, ports=[{"name": "http", "port": 8080, "protocol": "TCP"}]))
    c.add(secret("cart-db", "shop", {"password": 24, "username": 4}), configmap("cart-config", "shop", {"log-level": "info"}),
          secret("registry-creds", "shop", {".dockerconfigjson": 212}, type_="kubernetes.io/dockerconfigjson"))
    c.add({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": k8s.meta("HorizontalPodAutoscaler", "cart", "shop"),
           "spec": {"maxReplicas": 5, "minReplicas": 2, "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "cart"},
                    "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]},
           "status": {"currentReplicas": 2, "desiredReplicas": 2, "lastScaleTime": ts(86400 * 2 - 10),
                      "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 23, "averageValue": "58m"}}}],
                      "conditions": [
                          {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale", "lastTransitionTime": ts(86400 * 2),
                           "message": "recommended size matches current size"},
                          {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound", "lastTransitionTime": ts(86400 * 2),
                           "message": "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"},
                          {"type": "ScalingLimited", "status": "True", "reason": "TooFewReplicas", "lastTransitionTime": ts(86400),
                           "message": "the desired replica count is less than the minimum replica count"}]}})
    c.add({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": k8s.meta("PodDisruptionBudget", "frontend", "shop"),
           "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "frontend"}}},
           "status": {"currentHealthy": 3, "desiredHealthy": 2, "disruptionsAllowed": 1, "expectedPods": 3, "observedGeneration": 1,
                      "conditions": [{"type": "DisruptionAllowed", "status": "True", "reason": "SufficientPods", "message": "",
                                      "lastTransitionTime": ts(86400 * 2), "observedGeneration": 1}]}})
    c.add({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": k8s.meta("Ingress", "shop", "shop"),
           "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
                    "rules": [{"host": "shop.example.com", "http": {"paths": [
                        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "frontend", "port": {"number": 80}}}},
                        {"path": "/api/cart", "pathType": "Prefix", "backend": {"service": {"name": "cart", "port": {"name": "http"}}}}]}}]},
           "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.20"}]}}})
    c.add(secret("shop-tls", "shop", {"tls.crt": 1830, "tls.key": 1704}, type_="kubernetes.io/tls"))

    # redis StatefulSet with a bound PVC
    c.add({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
           "metadata": k8s.meta("StorageClass", "standard", None, annotations={"storageclass.kubernetes.io/is-default-class": "true"}),
           "provisioner": "ebs.csi.aws.com", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer",
           "allowVolumeExpansion": True, "parameters": {"type": "gp3"}})
    redis_ctr = container("redis", "redis:7.4.1", cpu="100m", memory="256Mi", limit_memory="512Mi", port=6379,
                          liveness=tcp_probe(6379, initial=15), readiness=tcp_probe(6379, initial=5),
                          volume_mounts=[{"mountPath": "/data", "name": "data"}])
    redis_ctr["ports"][0]["name"] = "redis"
    sts = statefulset("redis", "shop", 1, [redis_ctr], labels={"app": "redis", "team": "shop"},
                      volume_claim_templates=[{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
                                               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "8Gi"}},
                                                        "storageClassName": "standard", "volumeMode": "Filesystem"}}])
    c.add(sts)
    pvc, pv = bound_pvc("data-redis-0", "shop", "8Gi", "worker-3", labels={"app": "redis", "team": "shop"})
    c.add(pvc, pv)
    rp = pod("redis-0", "shop", "worker-3", [redis_ctr], owner=sts, labels={"app": "redis", "team": "shop",
             "apps.kubernetes.io/pod-index": "0", "statefulset.kubernetes.io/pod-name": "redis-0"}, age=86400 * 2,
             host_ip=NODE_IP["worker-3"], pod_ip=ips.take("worker-3"),
             volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data-redis-0"}}])
    c.add(rp)
    c.log("shop", "redis-0", "redis", REDIS_LOG)
    redis_svc = service("redis", "shop", {"app": "redis", "team": "shop"}, [svc_port(6379, "redis", "redis")], "None")
    redis_svc["spec"]["clusterIPs"] = ["None"]
    c.add(redis_svc, endpoints(redis_svc, [rp], ports=[{"name": "redis", "port": 6379, "protocol": "TCP"}]))

    # a CronJob whose last Job completed
    cj = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": k8s.meta("CronJob", "nightly-report", "shop"),
          "spec": {"schedule": "0 2 * * *", "concurrencyPolicy": "Forbid", "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
                   "suspend": False, "jobTemplate": {"spec": {"backoffLimit": 2, "template": {"spec": {"restartPolicy": "OnFailure",
                   "containers": [container("report", "registry.example.com/shop/report:1.3.0", limit_memory="256Mi")]}}}}},
          "status": {"lastScheduleTime": ts(8 * 3600), "lastSuccessfulTime": ts(8 * 3600 - 95)}}
    job = {"apiVersion": "batch/v1", "kind": "Job",
           "metadata": k8s.meta("Job", "nightly-report-29390520", "shop", age=8 * 3600, owner=cj,
                                labels={"batch.kubernetes.io/controller-uid": k8s.uid("job"), "job-name": "nightly-report-29390520"}),
           "spec": {"backoffLimit": 2, "completions": 1, "parallelism": 1, "completionMode": "NonIndexed",
                    "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": k8s.uid("job")}},
                    "template": cj["spec"]["jobTemplate"]["spec"]["template"]},
           "status": {"active": 0, "succeeded": 1, "ready": 0, "startTime": ts(8 * 3600), "completionTime": ts(8 * 3600 - 95),
                      "conditions": [cond("SuccessCriteriaMet", "True", 8 * 3600 - 95), cond("Complete", "True", 8 * 3600 - 95)]}}
    c.add(cj, job)
    rctr = k8s.copy.deepcopy(cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0])
    jp = pod(f"nightly-report-29390520-{suffix('jobpod')}", "shop", "worker-2", [rctr], owner=job, phase="Succeeded",
             labels={"job-name": "nightly-report-29390520", "batch.kubernetes.io/controller-uid": k8s.uid("job")}, age=8 * 3600,
             host_ip=NODE_IP["worker-2"], pod_ip=ips.take("worker-2"),
             statuses=[{"name": "report", "image": "registry.example.com/shop/report:1.3.0",
                        "imageID": k8s.image_id("registry.example.com/shop/report:1.3.0"),
                        "containerID": "containerd://" + k8s.hexid("jobpod"), "ready": False, "restartCount": 0, "started": False,
                        "state": {"terminated": terminated(0, "Completed", 8 * 3600 - 5, 8 * 3600 - 96, "jobpod", "report")},
                        "lastState": {}}],
             conditions=[cond("PodReadyToStartContainers", "False", 8 * 3600 - 96), cond("Initialized", "True", 8 * 3600),
                         cond("Ready", "False", 8 * 3600 - 96, "PodCompleted"), cond("ContainersReady", "False", 8 * 3600 - 96, "PodCompleted"),
                         cond("PodScheduled", "True", 8 * 3600)])
    jp["spec"]["restartPolicy"] = "OnFailure"
    c.add(jp)
    c.log("shop", jp["metadata"]["name"], "report", "2026-11-20T02:00:04Z INFO generating nightly report\n"
          "2026-11-20T02:01:35Z INFO report written: 1842 orders, 0 errors\n")

    # ---------------------------------------------------------------- monitoring
    prom = deployment("prometheus", "monitoring", 1, [container(
        "prometheus", "quay.io/prometheus/prometheus:v2.55.1", cpu="500m", memory="2Gi", limit_memory="4Gi", port=9090,
        args=["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.retention.time=15d"],
        liveness=http_probe("/-/healthy", 9090, initial=30), readiness=http_probe("/-/ready", 9090, initial=30),
        volume_mounts=[{"mountPath": "/etc/prometheus", "name": "config"}, {"mountPath": "/prometheus", "name": "data"}])],
        labels={"app": "prometheus"})
    prom_pods = deploy_pods(c, ips, prom, ["worker-2"], age=BOOT_AGO - 120)
    for p in prom_pods:
        p["spec"]["volumes"][0:0] = [{"name": "config", "configMap": {"name": "prometheus-config", "defaultMode": 420}},
                                     {"name": "data", "persistentVolumeClaim": {"claimName": "prometheus-data"}}]
        c.log("monitoring", p["metadata"]["name"], "prometheus", PROM_LOG)
    c.add(configmap("prometheus-config", "monitoring", {"prometheus.yml": "global:\n  scrape_interval: 30s\n"}, age=BOOT_AGO - 110))
    ppvc, ppv = bound_pvc("prometheus-data", "monitoring", "50Gi", "worker-2")
    c.add(ppvc, ppv)
    prom_svc = service("prometheus", "monitoring", {"app": "prometheus"}, [svc_port(9090, 9090, "web")], "10.106.7.9")
    c.add(prom_svc, endpoints(prom_svc, prom_pods, ports=[{"name": "web", "port": 9090, "protocol": "TCP"}]))

    # ---------------------------------------------------------------- RBAC (the usual, nothing over-broad)
    c.add({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
           "metadata": k8s.meta("ClusterRole", "cluster-admin", None, labels={"kubernetes.io/bootstrapping": "rbac-defaults"}),
           "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]},
          {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
           "metadata": k8s.meta("ClusterRoleBinding", "cluster-admin", None, labels={"kubernetes.io/bootstrapping": "rbac-defaults"}),
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
           "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}]},
          {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": k8s.meta("ClusterRole", "prometheus", None),
           "rules": [{"apiGroups": [""], "resources": ["nodes", "nodes/metrics", "services", "endpoints", "pods"],
                      "verbs": ["get", "list", "watch"]}, {"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]},
          {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": k8s.meta("ClusterRoleBinding", "prometheus", None),
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "prometheus"},
           "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "monitoring"}]})
    for ns in ["default", "kube-system", "shop", "monitoring", "ingress-nginx", "kube-flannel"]:
        c.add({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": k8s.meta("ServiceAccount", "default", ns)})
        c.add(configmap("kube-root-ca.crt", ns, {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIb...\n-----END CERTIFICATE-----\n"}))
    c.add({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
           "metadata": k8s.meta("CertificateSigningRequest", "csr-7xk2p", None, age=3600 * 20),
           "spec": {"signerName": "kubernetes.io/kubelet-serving", "username": "system:node:worker-1",
                    "groups": ["system:nodes", "system:authenticated"], "usages": ["digital signature", "server auth"],
                    "request": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K"},
           "status": {"conditions": [{"type": "Approved", "status": "True", "reason": "AutoApproved",
                                      "message": "Auto approving kubelet serving certificate after SubjectAccessReview.",
                                      "lastUpdateTime": ts(3600 * 20), "lastTransitionTime": ts(3600 * 20)}],
                      "certificate": "LS0tLS1CRUdJTi..."}})

    # ---------------------------------------------------------------- events: normal traffic of the last hour
    c.add(event(fe, "ScalingReplicaSet", f"Scaled up replica set {fe['metadata']['name']}-{k8s.rs_hash('frontend', 'shop')} from 2 to 3",
                source="deployment-controller", first_ago=2400, action="Scaling"))
    newest = fe_pods[2]
    for reason, msg, ago in [
        ("Scheduled", f"Successfully assigned shop/{newest['metadata']['name']} to worker-3", 2399),
        ("Pulled", 'Container image "nginxinc/nginx-unprivileged:1.27.3" already present on machine', 2398),
        ("Created", "Created container nginx", 2398),
        ("Started", "Started container nginx", 2397),
    ]:
        c.add(event(newest, reason, msg, first_ago=ago, source="default-scheduler" if reason == "Scheduled" else "kubelet",
                    host=None if reason == "Scheduled" else "worker-3", field_path=None if reason == "Scheduled" else "spec.containers{nginx}"))
    # startup probe failures while cart warmed up after the HPA's scale event: normal and over
    c.add(event(cart_pods[1], "Unhealthy", "Startup probe failed: Get \"http://10.244.2.12:8080/healthz\": dial tcp 10.244.2.12:8080: connect: connection refused",
                type_="Warning", count=2, first_ago=3000, last_ago=2995, host="worker-2", field_path="spec.containers{cart}"))
    c.add(event(jp, "Completed", "Job completed", source="job-controller", first_ago=3500))
    for n in WORKERS:
        c.add(event(c.find("Node", n), "NodeHasSufficientMemory", f"Node {n} status is now: NodeHasSufficientMemory",
                    first_ago=3400, host=n))

    # ---------------------------------------------------------------- logs of the control plane
    c.log("kube-system", apiserver["metadata"]["name"], "kube-apiserver", APISERVER_LOG)
    c.log("kube-system", etcd["metadata"]["name"], "etcd", ETCD_LOG)
    c.log("kube-system", kcm["metadata"]["name"], "kube-controller-manager", KCM_LOG)
    c.log("kube-system", sched["metadata"]["name"], "kube-scheduler", SCHEDULER_LOG)
    for p in ms_pods:
        c.log("kube-system", p["metadata"]["name"], "metrics-server", METRICS_SERVER_LOG)

    # ---------------------------------------------------------------- node files
    for n in NODES:
        add_node_files(c, n)
    return c


def bound_pvc(name: str, ns: str, size: str, node_name: str, labels: dict | None = None) -> tuple[Obj, Obj]:
    pv_name = "pvc-" + k8s.uid("pv", ns, name)
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": k8s.meta("PersistentVolumeClaim", name, ns, age=86400 * 20, labels=labels, annotations={
               "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes",
               "volume.beta.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
               "volume.kubernetes.io/selected-node": node_name, "volume.kubernetes.io/storage-provisioner": "ebs.csi.aws.com"}),
           "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}, "storageClassName": "standard",
                    "volumeMode": "Filesystem", "volumeName": pv_name},
           "status": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": size}, "phase": "Bound"}}
    pvc["metadata"]["finalizers"] = ["kubernetes.io/pvc-protection"]
    pv = {"apiVersion": "v1", "kind": "PersistentVolume",
          "metadata": k8s.meta("PersistentVolume", pv_name, None, age=86400 * 20, annotations={
              "pv.kubernetes.io/provisioned-by": "ebs.csi.aws.com", "volume.kubernetes.io/provisioner-deletion-secret-name": "",
              "volume.kubernetes.io/provisioner-deletion-secret-namespace": ""}),
          "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": size},
                   "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": name, "namespace": ns,
                                "uid": pvc["metadata"]["uid"]},
                   "csi": {"driver": "ebs.csi.aws.com", "fsType": "ext4", "volumeHandle": "vol-" + k8s.hexid("vol", name, n=17)},
                   "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                       {"key": "topology.kubernetes.io/zone", "operator": "In",
                        "values": [c_zone(node_name)]}]}]}},
                   "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard", "volumeMode": "Filesystem"},
          "status": {"phase": "Bound", "lastPhaseTransitionTime": ts(86400 * 20)}}
    pv["metadata"]["finalizers"] = ["kubernetes.io/pv-protection", "external-attacher/ebs-csi-aws-com"]
    return pvc, pv


def c_zone(node_name: str) -> str:
    return "eu-west-1" + "abc"[k8s.hash_int(node_name) % 3]


# ====================================================================== text content
COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
"""


def coredns_log() -> str:
    return (
        "[INFO] plugin/kubernetes: waiting for Kubernetes API before starting server\n"
        "[WARNING] plugin/kubernetes: starting server with unsynced Kubernetes API\n"
        ".:53\n"
        "[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908\n"
        "CoreDNS-1.11.3\n"
        "linux/amd64, go1.21.11, a6338e9\n"
        "[INFO] 127.0.0.1:46232 - 23191 \"HINFO IN 5578893170093171221.3186279424011834916. udp 57 false 512\" NXDOMAIN qr,rd,ra 132 0.011874s\n"
    )


def proxy_log(n: str) -> str:
    return (
        f"I1115 09:59:02.201310       1 server_linux.go:66] \"Using iptables proxy\"\n"
        f"I1115 09:59:02.311624       1 server.go:677] \"Successfully retrieved node IP(s)\" IPs=[\"{NODE_IP[n]}\"]\n"
        "I1115 09:59:02.318090       1 conntrack.go:60] \"Setting nf_conntrack_max\" nfConntrackMax=262144\n"
        "I1115 09:59:02.339547       1 server_linux.go:169] \"Using iptables Proxier\"\n"
        "I1115 09:59:02.341950       1 config.go:199] \"Starting service config controller\"\n"
        "I1115 09:59:02.342013       1 shared_informer.go:313] Waiting for caches to sync for service config\n"
        "I1115 09:59:02.442719       1 shared_informer.go:320] Caches are synced for service config\n"
    )


def flannel_log(n: str) -> str:
    return (
        f"I1115 09:59:05.112345       1 main.go:212] CLI flags config: {{etcdEndpoints:http://127.0.0.1:4001,http://127.0.0.1:2379 etcdPrefix:/coreos.com/network kubeSubnetMgr:true ipMasq:true}}\n"
        f"I1115 09:59:05.402331       1 kube.go:139] Waiting 10m0s for node controller to sync\n"
        f"I1115 09:59:06.402507       1 kube.go:469] Starting kube subnet manager\n"
        f"I1115 09:59:06.404120       1 main.go:449] Current network or subnet ({CLUSTER_CIDR}, {POD_CIDR[n]}) is not equal to previous one (0.0.0.0/0, 0.0.0.0/0), trying to recycle old iptables rules\n"
        f"I1115 09:59:06.551260       1 main.go:416] Wrote subnet file to /run/flannel/subnet.env\n"
        f"I1115 09:59:06.551280       1 main.go:420] Running backend.\n"
        f"I1115 09:59:06.561203       1 vxlan_network.go:65] watching for new subnet leases\n"
    )


def nginx_log(pod_name: str) -> str:
    lines = [
        "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
        "/docker-entrypoint.sh: Configuration complete; ready for start up",
        "2026/11/18 09:58:12 [notice] 1#1: using the \"epoll\" event method",
        "2026/11/18 09:58:12 [notice] 1#1: nginx/1.27.3",
        "2026/11/18 09:58:12 [notice] 1#1: start worker processes",
    ]
    for i in range(12):
        lines.append(f"10.244.3.{20 + i % 3} - - [20/Nov/2026:09:{40 + i}:0{i % 10} +0000] \"GET /products/{i} HTTP/1.1\" 200 {1500 + i * 7} \"-\" \"Mozilla/5.0\" \"203.0.113.{i}\"")
    return "\n".join(lines) + "\n"


def cart_log() -> str:
    return (
        "2026-11-18T10:00:25.112Z INFO  cart starting version=2.4.1\n"
        "2026-11-18T10:00:25.331Z INFO  connected to redis addr=redis.shop.svc:6379\n"
        "2026-11-18T10:00:25.402Z INFO  listening addr=:8080\n"
        "2026-11-20T09:55:01.018Z INFO  checkout completed order=81723 items=3 duration_ms=41\n"
        "2026-11-20T09:58:44.771Z INFO  checkout completed order=81724 items=1 duration_ms=38\n"
    )


CART_INSTALL_CRASH_LOG = (
    "2026-11-18T09:59:20.004Z INFO  cart starting version=2.4.1\n"
    "2026-11-18T09:59:25.009Z ERROR failed to connect to redis addr=redis.shop.svc:6379 err=\"dial tcp 10.104.20.40:6379: connect: connection refused\"\n"
    "2026-11-18T09:59:25.009Z FATAL cannot start without session store\n"
)

REDIS_LOG = (
    "1:C 18 Nov 2026 10:00:02.113 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo\n"
    "1:C 18 Nov 2026 10:00:02.113 * Redis version=7.4.1, bits=64, commit=00000000, modified=0, pid=1, just started\n"
    "1:M 18 Nov 2026 10:00:02.114 * monotonic clock: POSIX clock_gettime\n"
    "1:M 18 Nov 2026 10:00:02.115 * Running mode=standalone, port=6379.\n"
    "1:M 18 Nov 2026 10:00:02.116 * Server initialized\n"
    "1:M 18 Nov 2026 10:00:02.116 * Ready to accept connections tcp\n"
    "1:M 20 Nov 2026 09:00:03.021 * 100 changes in 300 seconds. Saving...\n"
    "1:M 20 Nov 2026 09:00:03.122 * Background saving terminated with success\n"
)

PROM_LOG = (
    'ts=2026-11-15T10:02:11.101Z caller=main.go:626 level=info msg="Starting Prometheus Server" mode=server version="(version=2.55.1)"\n'
    'ts=2026-11-15T10:02:11.522Z caller=main.go:1171 level=info msg="Server is ready to receive web requests."\n'
    'ts=2026-11-20T09:00:00.611Z caller=compact.go:576 level=info component=tsdb msg="write block" duration=412.3ms\n'
)

INGRESS_LOG_TMPL = (
    "-------------------------------------------------------------------------------\n"
    "NGINX Ingress controller\n"
    "  Release:       v1.12.0\n"
    "-------------------------------------------------------------------------------\n"
    "W1116 10:00:31.121512       7 client_config.go:667] Neither --kubeconfig nor --master was specified.  Using the inClusterConfig.  This might not work.\n"
    "I1116 10:00:31.121682       7 main.go:205] \"Creating API client\" host=\"https://10.96.0.1:443\"\n"
    "I1116 10:00:32.402144       7 nginx.go:271] \"Starting NGINX Ingress controller\"\n"
    "I1116 10:00:33.603341       7 leaderelection.go:254] attempting to acquire leader lease ingress-nginx/ingress-nginx-leader...\n"
    "I1116 10:00:33.622381       7 status.go:85] \"New leader elected\" identity=\"ingress-nginx-controller-5d6c9f7b8-abcde\"\n"
    "I1116 10:00:34.001231       7 controller.go:213] \"Backend successfully reloaded\"\n"
)


def ingress_log() -> str:
    return INGRESS_LOG_TMPL


APISERVER_LOG = (
    "I1115 09:58:40.102318       1 options.go:228] external host was not specified, using 10.0.1.10\n"
    "I1115 09:58:40.104101       1 server.go:142] Version: v1.31.4\n"
    "W1115 09:58:41.002117       1 logging.go:55] [core] [Channel #1 SubChannel #2]grpc: addrConn.createTransport failed to connect to {Addr: \"127.0.0.1:2379\", ServerName: \"127.0.0.1:2379\", }. Err: connection error: desc = \"transport: Error while dialing: dial tcp 127.0.0.1:2379: connect: connection refused\"\n"
    "W1115 09:58:42.513200       1 logging.go:55] [core] [Channel #3 SubChannel #4]grpc: addrConn.createTransport failed to connect to {Addr: \"127.0.0.1:2379\", ServerName: \"127.0.0.1:2379\", }. Err: connection error: desc = \"transport: Error while dialing: dial tcp 127.0.0.1:2379: connect: connection refused\"\n"
    "I1115 09:58:47.201019       1 secure_serving.go:213] Serving securely on [::]:6443\n"
    "I1115 09:58:47.244210       1 controller.go:615] quota admission added evaluator for: leases.coordination.k8s.io\n"
    "E1115 09:58:47.301207       1 controller.go:145] \"Unhandled Error\" err=\"while removing permanent error: Operation cannot be fulfilled on endpoints \\\"kubernetes\\\": the object has been modified; please apply your changes to the latest version and try again\" logger=\"UnhandledError\"\n"
    "I1115 09:58:48.002137       1 cache.go:39] Caches are synced for APIServiceRegistrationController controller\n"
    "I1120 09:41:12.552110       1 controller.go:615] quota admission added evaluator for: replicasets.apps\n"
)

ETCD_LOG = (
    '{"level":"info","ts":"2026-11-15T09:58:38.101321Z","caller":"etcdmain/etcd.go:73","msg":"Running: ","args":["etcd","--name=cp-1"]}\n'
    '{"level":"info","ts":"2026-11-15T09:58:38.312402Z","caller":"embed/etcd.go:310","msg":"starting an etcd server","etcd-version":"3.5.15"}\n'
    '{"level":"info","ts":"2026-11-15T09:58:39.402131Z","logger":"raft","caller":"etcdserver/zap_raft.go:77","msg":"8e9e05c52164694d became leader at term 7"}\n'
    '{"level":"info","ts":"2026-11-15T09:58:39.404011Z","caller":"etcdserver/server.go:2118","msg":"published local member to cluster through raft"}\n'
    '{"level":"info","ts":"2026-11-15T09:58:39.410031Z","caller":"embed/serve.go:250","msg":"serving client traffic securely","traffic":"grpc+http","address":"127.0.0.1:2379"}\n'
    '{"level":"info","ts":"2026-11-20T09:15:02.771122Z","caller":"mvcc/index.go:214","msg":"compact tree index","revision":4517722}\n'
    '{"level":"info","ts":"2026-11-20T09:15:02.812431Z","caller":"mvcc/kvstore_compaction.go:69","msg":"finished scheduled compaction","compact-revision":4517722,"took":"39.81ms"}\n'
)

KCM_LOG = (
    "I1115 09:58:50.102118       1 serving.go:386] Generated self-signed cert in-memory\n"
    "I1115 09:58:50.911321       1 controllermanager.go:197] \"Starting\" version=\"v1.31.4\"\n"
    "I1115 09:58:50.915201       1 leaderelection.go:254] attempting to acquire leader lease kube-system/kube-controller-manager...\n"
    "I1115 09:59:07.012312       1 leaderelection.go:268] successfully acquired lease kube-system/kube-controller-manager\n"
    "I1115 09:59:07.512111       1 range_allocator.go:177] \"Starting range CIDR allocator\" logger=\"node-ipam-controller\"\n"
    "I1120 09:20:01.002131       1 event.go:389] \"Event occurred\" object=\"shop/frontend\" fieldPath=\"\" kind=\"Deployment\" apiVersion=\"apps/v1\" type=\"Normal\" reason=\"ScalingReplicaSet\"\n"
)

SCHEDULER_LOG = (
    "I1115 09:58:50.310112       1 serving.go:386] Generated self-signed cert in-memory\n"
    "W1115 09:58:50.902115       1 requestheader_controller.go:196] Unable to get configmap/extension-apiserver-authentication in kube-system.  Usually fixed by 'kubectl create rolebinding -n kube-system ROLEBINDING_NAME --role=extension-apiserver-authentication-reader --serviceaccount=YOUR_NS:YOUR_SA'\n"
    "W1115 09:58:50.902231       1 authentication.go:370] Error looking up in-cluster authentication configuration: configmaps \"extension-apiserver-authentication\" is forbidden: User \"system:kube-scheduler\" cannot get resource \"configmaps\" in API group \"\" in the namespace \"kube-system\"\n"
    "W1115 09:58:51.812013       1 reflector.go:561] k8s.io/client-go/informers/factory.go:160: failed to list *v1.Pod: pods is forbidden: User \"system:kube-scheduler\" cannot list resource \"pods\" in API group \"\" at the cluster scope\n"
    "E1115 09:58:51.812101       1 reflector.go:158] \"Unhandled Error\" err=\"k8s.io/client-go/informers/factory.go:160: Failed to watch *v1.Pod: failed to list *v1.Pod: pods is forbidden: User \\\"system:kube-scheduler\\\" cannot list resource \\\"pods\\\" in API group \\\"\\\" at the cluster scope\" logger=\"UnhandledError\"\n"
    "I1115 09:58:53.111231       1 shared_informer.go:320] Caches are synced for client-ca::kube-system::extension-apiserver-authentication::client-ca-file\n"
    "I1115 09:58:53.211321       1 leaderelection.go:254] attempting to acquire leader lease kube-system/kube-scheduler...\n"
    "I1115 09:59:08.301123       1 leaderelection.go:268] successfully acquired lease kube-system/kube-scheduler\n"
)

METRICS_SERVER_LOG = (
    "I1115 10:00:01.102131       1 serving.go:374] Generated self-signed cert (/tmp/apiserver.crt, /tmp/apiserver.key)\n"
    "I1115 10:00:01.911031       1 handler.go:275] Adding GroupVersion metrics.k8s.io v1beta1 to ResourceManager\n"
    "I1115 10:00:02.012131       1 secure_serving.go:213] Serving securely on [::]:10250\n"
)


def add_node_files(c: Cluster, n: str) -> None:
    boot = BOOT_AGO
    ip = NODE_IP[n]
    epoch = int(COLLECTED_AT.timestamp())
    c.node_file(n, "commands/date-epoch.txt", f"{epoch}\n")
    c.node_file(n, "commands/uptime.txt", " 10:00:00 up 5 days,  0:00,  0 users,  load average: 0.41, 0.38, 0.35\n")
    c.node_file(n, "commands/loadavg.txt", "0.41 0.38 0.35 2/612 48211\n")
    c.node_file(n, "commands/timedatectl.txt", (
        "               Local time: Fri 2026-11-20 10:00:00 UTC\n"
        "           Universal time: Fri 2026-11-20 10:00:00 UTC\n"
        "                 RTC time: Fri 2026-11-20 10:00:00\n"
        "                Time zone: Etc/UTC (UTC, +0000)\n"
        "System clock synchronized: yes\n"
        "              NTP service: active\n"
        "          RTC in local TZ: no\n"))
    c.node_file(n, "commands/chronyc-tracking.txt", (
        "Reference ID    : A9FEA97B (169.254.169.123)\n"
        "Stratum         : 4\n"
        "Ref time (UTC)  : Fri Nov 20 09:59:41 2026\n"
        "System time     : 0.000012712 seconds slow of NTP time\n"
        "Last offset     : -0.000004912 seconds\n"
        "RMS offset      : 0.000011331 seconds\n"
        "Frequency       : 7.602 ppm slow\n"
        "Residual freq   : -0.000 ppm\n"
        "Skew            : 0.012 ppm\n"
        "Root delay      : 0.000521472 seconds\n"
        "Root dispersion : 0.000290810 seconds\n"
        "Update interval : 16.1 seconds\n"
        "Leap status     : Normal\n"))
    total_kb = 16331056 if n == CP else 32866464
    c.node_file(n, "commands/meminfo.txt", (
        f"MemTotal:       {total_kb} kB\nMemFree:         {total_kb // 3} kB\nMemAvailable:   {total_kb // 2} kB\n"
        f"Buffers:          210432 kB\nCached:          {total_kb // 5} kB\nSwapCached:            0 kB\n"
        "SwapTotal:             0 kB\nSwapFree:              0 kB\n"))
    c.node_file(n, "commands/buddyinfo.txt", (
        "Node 0, zone      DMA      1      1      1      0      2      1      1      0      1      1      3 \n"
        "Node 0, zone    DMA32   2412   1931   1201    811    402    201     98     41     17      9    181 \n"
        "Node 0, zone   Normal  10511   8123   5210   3011   1402    611    233     91     32     12    602 \n"))
    c.node_file(n, "commands/proc-stat.txt", (
        "cpu  4212311 1201 1011231 312312311 12031 0 21021 0 0 0\n"
        "cpu0 1053011 301 252811 78078011 3011 0 5201 0 0 0\n"
        f"ctxt 912312311\nbtime {epoch - boot}\nprocesses 1204121\nprocs_running 2\nprocs_blocked 0\n"))
    c.node_file(n, "commands/conntrack-count.txt", "1843\n")
    c.node_file(n, "commands/conntrack-max.txt", "262144\n")
    c.node_file(n, "commands/df.txt", (
        "Filesystem     1K-blocks     Used Available Use% Mounted on\n"
        "udev             8141224        0   8141224   0% /dev\n"
        "tmpfs            1633108     1252   1631856   1% /run\n"
        "/dev/nvme0n1p1 101430960 38123412  59125324  40% /\n"
        "tmpfs            8165528        0   8165528   0% /dev/shm\n"
        "/dev/nvme0n1p15   126678    11840    114838  10% /boot/efi\n"
        "shm                65536        0     65536   0% /run/containerd/io.containerd.grpc.v1.cri/sandboxes/6a1b/shm\n"))
    c.node_file(n, "commands/log-sizes.txt", "412M\t/var/log/containers\n1.1G\t/var/log/pods\n2.1G\t/var/log/journal\n")
    flags = (f"/usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf "
             f"--config=/var/lib/kubelet/config.yaml --container-runtime-endpoint=unix:///var/run/containerd/containerd.sock "
             f"--node-ip={ip} --pod-infra-container-image=registry.k8s.io/pause:3.10\n")
    c.node_file(n, "commands/kubelet-flags.txt", flags)
    c.node_file(n, "commands/systemctl-show-kubelet.txt", (
        "Type=simple\nRestart=always\nRestartUSec=10s\nMainPID=1021\nNRestarts=0\n"
        "Environment=KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf\\x20--kubeconfig=/etc/kubernetes/kubelet.conf KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\n"
        "EnvironmentFiles=/var/lib/kubelet/kubeadm-flags.env (ignore_errors=yes)\n"
        "ActiveState=active\nSubState=running\nActiveEnterTimestamp=Sun 2026-11-15 09:58:31 UTC\n"))
    c.node_file(n, "commands/systemctl-show-containerd.txt", (
        "Type=notify\nRestart=always\nMainPID=812\nNRestarts=0\nLimitNOFILE=infinity\n"
        "ActiveState=active\nSubState=running\nActiveEnterTimestamp=Sun 2026-11-15 09:58:20 UTC\n"))
    c.node_file(n, "commands/cert-expiry.txt", (
        "/var/lib/kubelet/pki/kubelet-client-current.pem notAfter=Nov 15 09:58:00 2027 GMT\n"
        + ("".join(f"/etc/kubernetes/pki/{f} notAfter=Aug  1 08:12:00 2027 GMT\n" for f in
                   ["apiserver.crt", "apiserver-etcd-client.crt", "apiserver-kubelet-client.crt", "front-proxy-client.crt",
                    "etcd/server.crt", "etcd/peer.crt", "etcd/healthcheck-client.crt"])
           + "/etc/kubernetes/pki/ca.crt notAfter=Jul 30 08:12:00 2035 GMT\n" if n == CP else "")))
    c.node_file(n, "commands/dmesg.txt", (
        "[    0.000000] Linux version 6.1.0-28-cloud-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)\n"
        "[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-cloud-amd64 root=PARTUUID=b8b8 ro console=tty0 console=ttyS0,115200\n"
        "[    1.201331] ACPI: PM-Timer IO Port: 0xb008\n"
        "[    2.910213] EXT4-fs (nvme0n1p1): mounted filesystem with ordered data mode. Quota mode: none.\n"
        "[   12.312011] bridge: filtering via arp/ip/ip6tables is no longer available by default. Update your scripts to load br_netfilter if you need this.\n"
        "[   12.401233] Bridge firewalling registered\n"
        "[   14.012231] IPv6: ADDRCONF(NETDEV_CHANGE): flannel.1: link becomes ready\n"
        "[   15.321011] cni0: port 1(veth1a2b3c4d) entered blocking state\n"
        "[   15.321021] cni0: port 1(veth1a2b3c4d) entered forwarding state\n"))
    journal = [
        f"{journal_time(boot - 31)} {n} systemd[1]: Started kubelet.service - kubelet: The Kubernetes Node Agent.",
        f"{journal_time(boot - 32)} {n} kubelet[1021]: I{klog_time(boot - 32)[:-7]}.101231    1021 server.go:486] \"Kubelet version\" kubeletVersion=\"v1.31.4\"",
        f"{journal_time(boot - 33)} {n} kubelet[1021]: I{klog_time(boot - 33)[:-7]}.201131    1021 kubelet_node_status.go:72] \"Attempting to register node\" node=\"{n}\"",
        # start-up noise: the API server is not reachable for a few seconds while the control plane starts
        f"{journal_time(boot - 34)} {n} kubelet[1021]: E{klog_time(boot - 34)[:-7]}.301231    1021 kubelet_node_status.go:95] \"Unable to register node with API server\" err=\"Post \\\"https://10.0.1.10:6443/api/v1/nodes\\\": dial tcp 10.0.1.10:6443: connect: connection refused\" node=\"{n}\"",
        f"{journal_time(boot - 36)} {n} kubelet[1021]: E{klog_time(boot - 36)[:-7]}.411021    1021 kubelet.go:2901] \"Container runtime network not ready\" networkReady=\"NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized\"",
        f"{journal_time(boot - 44)} {n} kubelet[1021]: I{klog_time(boot - 44)[:-7]}.101311    1021 kubelet_node_status.go:75] \"Successfully registered node\" node=\"{n}\"",
    ]
    if n == "worker-2":
        # a mount that failed at boot (the ConfigMap was created a moment later) and then succeeded: history
        pname = c.pods("monitoring")[0]["metadata"]["name"]
        puid = c.pods("monitoring")[0]["metadata"]["uid"]
        journal += [
            f"{journal_time(boot - 118)} {n} kubelet[1021]: E{klog_time(boot - 118)[:-7]}.512331    1021 nestedpendingoperations.go:348] Operation for \"{{volumeName:kubernetes.io/configmap/{puid}-config podName:{puid} nodeName:}}\" failed. No retries permitted until {klog_time(boot - 119)[5:]} +0000 UTC m=+89.1 (durationBeforeRetry 500ms). Error: MountVolume.SetUp failed for volume \"config\" (UniqueName: \"kubernetes.io/configmap/{puid}-config\") pod \"{pname}\" (UID: \"{puid}\") : configmap \"prometheus-config\" not found",
            f"{journal_time(boot - 121)} {n} kubelet[1021]: I{klog_time(boot - 121)[:-7]}.002131    1021 operation_generator.go:664] \"MountVolume.SetUp succeeded for volume \\\"config\\\" (UniqueName: \\\"kubernetes.io/configmap/{puid}-config\\\") pod \\\"{pname}\\\" (UID: \\\"{puid}\\\") \" pod=\"monitoring/{pname}\"",
        ]
    journal += [
        f"{journal_time(600)} {n} kubelet[1021]: I{klog_time(600)[:-7]}.312011    1021 kubelet.go:2459] \"SyncLoop (PLEG): event for pod\" pod=\"shop/frontend\" event={{\"ID\":\"x\",\"Type\":\"ContainerStarted\"}}",
        f"{journal_time(120)} {n} kubelet[1021]: I{klog_time(120)[:-7]}.101011    1021 container_gc.go:88] \"Attempting to delete unused containers\"",
    ]
    c.node_file(n, "commands/journal-kubelet.txt", "\n".join(journal) + "\n")
    c.node_file(n, "commands/journal-containerd.txt", (
        f"{journal_time(boot - 20)} {n} containerd[812]: time=\"2026-11-15T09:58:20.112031Z\" level=info msg=\"starting containerd\" revision=88bf19b2105c8b17560993bee28a01ddc2f97182 version=1.7.24\n"
        f"{journal_time(boot - 21)} {n} containerd[812]: time=\"2026-11-15T09:58:21.201311Z\" level=info msg=\"containerd successfully booted in 0.101s\"\n"
        f"{journal_time(boot - 36)} {n} containerd[812]: time=\"2026-11-15T09:58:36.402131Z\" level=error msg=\"failed to load cni during init, please check CRI plugin status before setting up network for pods\" error=\"cni config load failed: no network config found in /etc/cni/net.d: cni plugin not initialized: failed to load cni config\"\n"))
    c.node_file(n, "commands/iptables-save.txt", iptables_save(n))
    c.node_file(n, "files/etc/cni/net.d/10-flannel.conflist", (
        '{\n  "name": "cbr0",\n  "cniVersion": "0.3.1",\n  "plugins": [\n    {\n      "type": "flannel",\n      "delegate": {\n'
        '        "hairpinMode": true,\n        "isDefaultGateway": true\n      }\n    },\n    {\n      "type": "portmap",\n'
        '      "capabilities": {\n        "portMappings": true\n      }\n    }\n  ]\n}\n'))
    c.node_file(n, "files/run/flannel/subnet.env", (
        f"FLANNEL_NETWORK={CLUSTER_CIDR}\nFLANNEL_SUBNET={POD_CIDR[n].replace('.0/24', '.1/24')}\nFLANNEL_MTU=8951\nFLANNEL_IPMASQ=true\n"))
    c.node_file(n, "files/var/lib/kubelet/config.yaml", (
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
        "authentication:\n  anonymous:\n    enabled: false\n  webhook:\n    enabled: true\n"
        "authorization:\n  mode: Webhook\ncgroupDriver: systemd\nclusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\n"
        "containerRuntimeEndpoint: unix:///var/run/containerd/containerd.sock\n"
        "evictionHard:\n  imagefs.available: 15%\n  memory.available: 100Mi\n  nodefs.available: 10%\n  nodefs.inodesFree: 5%\n"
        "imageGCHighThresholdPercent: 85\nimageGCLowThresholdPercent: 80\nmaxPods: 110\nrotateCertificates: true\n"
        "serverTLSBootstrap: true\nstaticPodPath: /etc/kubernetes/manifests\n"))
    if n == CP:
        for comp in ("kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler"):
            p = c.find("Pod", f"{comp}-{CP}", "kube-system")
            cmd = p["spec"]["containers"][0]["command"]
            manifest = (f"apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    component: {comp}\n    tier: control-plane\n"
                        f"  name: {comp}\n  namespace: kube-system\nspec:\n  containers:\n  - command:\n"
                        + "".join(f"    - {a}\n" for a in cmd)
                        + f"    image: {p['spec']['containers'][0]['image']}\n    imagePullPolicy: IfNotPresent\n    name: {comp}\n"
                        "  hostNetwork: true\n  priority: 2000001000\n  priorityClassName: system-node-critical\n")
            c.node_file(n, f"files/etc/kubernetes/manifests/{comp}.yaml", manifest)


def iptables_save(n: str) -> str:
    return (
        "# Generated by iptables-save v1.8.9 (nf_tables) on Fri Nov 20 10:00:00 2026\n"
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        ":KUBE-EXTERNAL-SERVICES - [0:0]\n:KUBE-FIREWALL - [0:0]\n:KUBE-FORWARD - [0:0]\n:KUBE-NODEPORTS - [0:0]\n"
        ":KUBE-PROXY-FIREWALL - [0:0]\n:KUBE-SERVICES - [0:0]\n:FLANNEL-FWD - [0:0]\n"
        "-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" -j KUBE-PROXY-FIREWALL\n"
        "-A INPUT -m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS\n"
        "-A INPUT -j KUBE-FIREWALL\n"
        "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD\n"
        "-A FORWARD -m comment --comment \"flanneld forward\" -j FLANNEL-FWD\n"
        "-A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
        "-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment \"flanneld forward\" -j ACCEPT\n"
        "-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment \"flanneld forward\" -j ACCEPT\n"
        "-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name  ct_state_invalid_dropped_pkts -j DROP\n"
        "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT\n"
        "COMMIT\n"
        "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
        ":KUBE-MARK-MASQ - [0:0]\n:KUBE-NODEPORTS - [0:0]\n:KUBE-POSTROUTING - [0:0]\n:KUBE-SERVICES - [0:0]\n"
        ":KUBE-SVC-NPX46M4PTMTKRN6Y - [0:0]\n:KUBE-SEP-QZ2RJK5BXCZDQ3VQ - [0:0]\n:FLANNEL-POSTRTG - [0:0]\n"
        "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
        "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
        "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n"
        "-A POSTROUTING -m comment --comment \"flanneld masq\" -j FLANNEL-POSTRTG\n"
        "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n"
        "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
        "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0\n"
        "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully\n"
        "-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment \"default/kubernetes:https cluster IP\" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y\n"
        "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n"
        "-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment \"default/kubernetes:https -> 10.0.1.10:6443\" -j KUBE-SEP-QZ2RJK5BXCZDQ3VQ\n"
        "-A KUBE-SEP-QZ2RJK5BXCZDQ3VQ -p tcp -m comment --comment \"default/kubernetes:https\" -m tcp -j DNAT --to-destination 10.0.1.10:6443\n"
        "-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment \"flanneld masq\" -j RETURN\n"
        f"-A FLANNEL-POSTRTG -s {POD_CIDR[n]} -d 10.244.0.0/16 -m comment --comment \"flanneld masq\" -j RETURN\n"
        "-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment \"flanneld masq\" -j MASQUERADE --random-fully\n"
        "COMMIT\n"
    )
