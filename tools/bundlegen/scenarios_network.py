"""Networking scenarios: Services, Ingress, cluster DNS, kube-proxy, iptables, Istio.

Each function mutates a fresh healthy cluster (see healthy.py) and declares the findings the
bundle must produce.
"""

from __future__ import annotations

from tools.bundlegen import k8s
from tools.bundlegen.healthy import deploy_pods
from tools.bundlegen.k8s import (
    Cluster,
    Obj,
    container,
    deployment,
    endpoints,
    event,
    http_probe,
    klog_time,
    service,
    svc_port,
    terminated,
    ts,
    waiting_status,
)
from tools.bundlegen.scenarios_cluster import ns_with_defaults


class _FixedIPs:
    """Pod IPs for pods a scenario adds (high host numbers, clear of the healthy base)."""

    def __init__(self, start: int = 120) -> None:
        self.n = start

    def take(self, node_name: str) -> str:
        self.n += 1
        third = {"cp-1": 0, "worker-1": 1, "worker-2": 2, "worker-3": 3}[node_name]
        return f"10.244.{third}.{self.n}"


def service_no_endpoints(c: Cluster) -> None:
    """A Service whose selector has a typo: no pod matches, so it has no endpoints."""
    c.description = ("Service shop/payments selects app=payment (typo) while its pods are labelled app=payments: "
                     "the Endpoints object has no addresses and calls to payments.shop.svc fail.")
    ctr = container("payments", "registry.example.com/shop/payments:1.8.2", cpu="200m", memory="256Mi",
                    limit_memory="512Mi", port=8080, readiness=http_probe("/ready", 8080, initial=5, period=5),
                    liveness=http_probe("/healthz", 8080, initial=10))
    dep = deployment("payments", "shop", 2, [ctr], labels={"app": "payments", "team": "shop"}, age=86400)
    deploy_pods(c, _FixedIPs(), dep, ["worker-1", "worker-3"], age=86400 - 30)
    svc = service("payments", "shop", {"app": "payment", "team": "shop"}, [svc_port(80, 8080, "http")], "10.104.20.77",
                  age=86400)
    c.add(svc, endpoints(svc, []))
    c.expect("SERVICE-NO-ENDPOINTS", svc)


def service_port_mismatch(c: Cluster) -> None:
    """A Service targets the named port "web" while the frontend pods name their port "http"."""
    c.description = ("Service shop/frontend-internal targets the named port \"web\" but the frontend pods declare their "
                     "port as \"http\" (8080): the endpoints controller leaves every pod out and the Service has no endpoint.")
    svc = service("frontend-internal", "shop", {"app": "frontend"}, [svc_port(80, "web", "http")], "10.104.20.90", age=3600 * 5)
    c.add(svc, endpoints(svc, []))
    c.expect("SERVICE-PORT-MISMATCH", svc)
    # the same fault seen from the endpoints side: ready pods match but none is listed
    c.expect("SERVICE-NO-ENDPOINTS", svc)


def ingress_broken(c: Cluster) -> None:
    """An Ingress routes to a Service that does not exist and names a TLS Secret that does not exist."""
    c.description = ("Ingress shop/admin routes /admin to Service admin-ui, which does not exist, and terminates TLS "
                     "with Secret admin-tls, which does not exist either; the controller logs both.")
    ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
           "metadata": k8s.meta("Ingress", "admin", "shop", age=3600 * 6, annotations={
               "nginx.ingress.kubernetes.io/backend-protocol": "HTTP"}),
           "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["admin.shop.example.com"], "secretName": "admin-tls"}],
                    "rules": [{"host": "admin.shop.example.com", "http": {"paths": [
                        {"path": "/admin", "pathType": "Prefix", "backend": {"service": {"name": "admin-ui", "port": {"number": 80}}}},
                        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "frontend", "port": {"number": 80}}}}]}}]},
           "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.20"}]}}}
    c.add(ing)
    ctrl = [p for p in c.pods("ingress-nginx")][0]
    name = ctrl["metadata"]["name"]
    c.log("ingress-nginx", name, "controller", (
        c.logs[("ingress-nginx", name, "controller", False)]
        + f"W{klog_time(3600 * 6 - 5)}       7 controller.go:1216] Error getting SSL certificate \"shop/admin-tls\": local SSL certificate shop/admin-tls was not found. Using default certificate\n"
        + f"W{klog_time(3600 * 6 - 5)}       7 controller.go:1110] Error obtaining Endpoints for Service \"shop/admin-ui\": no object matching key \"shop/admin-ui\" in local store\n"
        + f"I{klog_time(3600 * 6 - 4)}       7 event.go:377] Event(v1.ObjectReference{{Kind:\"Ingress\", Namespace:\"shop\", Name:\"admin\", UID:\"{ing['metadata']['uid']}\", APIVersion:\"networking.k8s.io/v1\", ResourceVersion:\"88121\", FieldPath:\"\"}}): type: 'Normal' reason: 'Sync' Scheduled for sync\n"
        + f"W{klog_time(60)}       7 controller.go:1110] Error obtaining Endpoints for Service \"shop/admin-ui\": no object matching key \"shop/admin-ui\" in local store\n"))
    c.add(event(ing, "Sync", "Scheduled for sync", source="nginx-ingress-controller", first_ago=3600 * 6 - 4, host=None))
    c.expect("INGRESS-BROKEN", ing)


def _coredns_pods(c: Cluster) -> list[Obj]:
    return [p for p in c.pods("kube-system") if p["metadata"].get("labels", {}).get("k8s-app") == "kube-dns"]


def dns_unhealthy(c: Cluster) -> None:
    """A bad Corefile edit: both CoreDNS pods crash-loop on a parse error; kube-dns has no ready endpoint."""
    c.description = ("The coredns ConfigMap was edited with an invalid rewrite rule; both CoreDNS pods crash-loop with "
                     "'Corefile:8 - Error during parsing', kube-dns has no ready endpoints and cluster DNS is down.")
    cm = c.find("ConfigMap", "coredns", "kube-system")
    cm["data"]["Corefile"] = cm["data"]["Corefile"].replace(
        "    prometheus :9153\n", "    prometheus :9153\n    rewrite name exact api.shop.example.com frontend.shop.svc.cluster.local answer\n")
    pods = _coredns_pods(c)
    for i, p in enumerate(pods):
        ctr = p["spec"]["containers"][0]
        name = p["metadata"]["name"]
        last = terminated(1, "Error", 62 + i * 7, 61 + i * 7, name, "coredns")
        p["status"]["containerStatuses"] = [waiting_status(
            ctr, "CrashLoopBackOff", f"back-off 5m0s restarting failed container=coredns pod={name}_kube-system({p['metadata']['uid']})",
            restarts=9 + i, last_terminated=last)]
        for cnd in p["status"]["conditions"]:
            if cnd["type"] in ("Ready", "ContainersReady"):
                cnd.update({"status": "False", "reason": "ContainersNotReady", "message": "containers with unready status: [coredns]",
                            "lastTransitionTime": ts(1860)})
        c.log("kube-system", name, "coredns", (
            "/etc/coredns/Corefile:13 - Error during parsing: Wrong argument count or unexpected line ending after 'answer'\n"), previous=True)
        c.log("kube-system", name, "coredns", "")
        c.add(event(p, "BackOff", f"Back-off restarting failed container coredns in pod {name}_kube-system({p['metadata']['uid']})",
                    type_="Warning", count=41 + i, first_ago=1850, last_ago=20 + i, host=p["spec"]["nodeName"],
                    field_path="spec.containers{coredns}"))
    dep = c.find("Deployment", "coredns", "kube-system")
    dep["status"]["unavailableReplicas"] = 2
    dep["status"].pop("readyReplicas", None)
    dep["status"].pop("availableReplicas", None)
    dep["status"]["conditions"][0].update({"status": "False", "reason": "MinimumReplicasUnavailable",
                                           "message": "Deployment does not have minimum availability.",
                                           "lastTransitionTime": ts(1860), "lastUpdateTime": ts(1860)})
    rs = [o for o in c.objects if o["kind"] == "ReplicaSet" and o["metadata"]["name"].startswith("coredns-")][0]
    rs["status"].pop("readyReplicas", None)
    rs["status"].pop("availableReplicas", None)
    svc = c.find("Service", "kube-dns", "kube-system")
    c.remove("Endpoints", "kube-dns", "kube-system")
    c.add(endpoints(svc, [], ports=[{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                                    {"name": "metrics", "port": 9153, "protocol": "TCP"}], not_ready=pods))
    c.expect("DNS-DOWN", svc)
    # consequences reported by the workload rules
    c.expect("POD-CRASHLOOP", sorted(pods, key=lambda p: p["metadata"]["name"])[0])
    c.expect("WORKLOAD-DOWN", dep)
    c.expect("WORKLOAD-DOWN", dep)  # consequence: coredns has no available replica


def kube_proxy_errors(c: Cluster) -> None:
    """kube-proxy (legacy iptables) on an nft node cannot find KUBE-MARK-DROP: every sync fails."""
    c.description = ("kube-proxy on worker-2 fails every iptables-restore with \"Couldn't load target `KUBE-MARK-DROP'\" "
                     "(iptables legacy binary in kube-proxy, nft backend on the host): Service rules on that node are stale.")
    p = [x for x in c.pods("kube-system") if x["metadata"]["name"].startswith("kube-proxy-") and x["spec"]["nodeName"] == "worker-2"][0]
    name = p["metadata"]["name"]
    lines = [c.logs[("kube-system", name, "kube-proxy", False)].rstrip("\n")]
    for ago in (1830, 1200, 900, 600, 300, 31):
        lines.append(f"E{klog_time(ago)}       1 proxier.go:1564] \"Failed to execute iptables-restore\" err=<")
        lines.append("\texit status 2: iptables-restore v1.8.4 (legacy): Couldn't load target `KUBE-MARK-DROP':No such file or directory")
        lines.append("\t")
        lines.append("\tError occurred at line: 67")
        lines.append("\tTry `iptables-restore -h' or 'iptables-restore --help' for more information.")
        lines.append(" >")
        lines.append(f"I{klog_time(ago - 0.01)}       1 proxier.go:832] \"Sync failed\" ipFamily=\"IPv4\" retryingTime=\"30s\"")
    c.log("kube-system", name, "kube-proxy", "\n".join(lines) + "\n")
    c.expect("KUBE-PROXY-ERRORS", p)


def iptables_foreign_rules(c: Cluster) -> None:
    """Hand-made DNAT rules in KUBE-SERVICES and ahead of it in PREROUTING on worker-1."""
    c.description = ("Someone added DNAT rules by hand on worker-1: one inside kube-proxy's KUBE-SERVICES chain for the "
                     "DNS service IP and one in PREROUTING ahead of KUBE-SERVICES for the frontend ClusterIP.")
    key = ("worker-1", "commands/iptables-save.txt")
    text = c.node_files[key]
    text = text.replace(
        "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n",
        "-A PREROUTING -d 10.104.20.15/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.1.99:8080\n"
        "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n")
    text = text.replace(
        "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports;",
        "-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m udp --dport 53 -j DNAT --to-destination 10.0.1.53:53\n"
        "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports;")
    c.node_files[key] = text
    c.expect("IPTABLES-FOREIGN-RULES", "Node/worker-1")


def ingress_controller_no_grace(c: Cluster) -> None:
    """The ingress-nginx controller was re-deployed from an old manifest: no preStop hook, 30 s grace."""
    c.description = ("The ingress-nginx controller Deployment has no preStop hook and the default 30 s "
                     "terminationGracePeriodSeconds: scaling it down or rolling it drops in-flight connections.")
    dep = c.find("Deployment", "ingress-nginx-controller", "ingress-nginx")
    tspec = dep["spec"]["template"]["spec"]
    tspec["terminationGracePeriodSeconds"] = 30
    tspec["containers"][0].pop("lifecycle", None)
    tspec["containers"][0]["args"] = [a for a in tspec["containers"][0]["args"] if not a.startswith("--shutdown-grace-period")]
    for p in c.pods("ingress-nginx"):
        p["spec"]["terminationGracePeriodSeconds"] = 30
        p["spec"]["containers"][0].pop("lifecycle", None)
    c.expect("INGRESS-CONTROLLER-NO-GRACE", dep)


def istio_mtls_conflict(c: Cluster) -> None:
    """Mesh-wide STRICT mTLS while a DestinationRule disables TLS to the payments backend."""
    c.description = ("PeerAuthentication istio-system/default enforces STRICT mTLS mesh-wide while DestinationRule "
                     "checkout/payments-backend sets tls.mode DISABLE: sidecars send plaintext to a STRICT server and the "
                     "checkout proxies log 'upstream connect error or disconnect/reset before headers'.")
    ns_with_defaults(c, "istio-system", 86400 * 40)
    ns_with_defaults(c, "checkout", 86400 * 10, labels={"istio-injection": "enabled"})
    istiod = deployment("istiod", "istio-system", 1, [container(
        "discovery", "docker.io/istio/pilot:1.24.1", cpu="500m", memory="2Gi", limit_memory=None, port=15010,
        args=["discovery", "--monitoringAddr=:15014", "--log_output_level=default:info", "--domain", "cluster.local"],
        readiness=http_probe("/ready", 8080, initial=1, period=3))], labels={"app": "istiod", "istio": "pilot"}, age=86400 * 40)
    deploy_pods(c, _FixedIPs(150), istiod, ["worker-1"], age=86400 * 40 - 60)
    c.add({"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
           "metadata": k8s.meta("PeerAuthentication", "default", "istio-system", age=86400 * 3),
           "spec": {"mtls": {"mode": "STRICT"}}})
    dr = {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
          "metadata": k8s.meta("DestinationRule", "payments-backend", "checkout", age=86400 * 9),
          "spec": {"host": "payments.checkout.svc.cluster.local",
                   "trafficPolicy": {"tls": {"mode": "DISABLE"}, "connectionPool": {"http": {"http1MaxPendingRequests": 100}}}}}
    c.add(dr)
    ips = _FixedIPs(170)
    for app, port in (("checkout", 8080), ("payments", 8443)):
        app_ctr = container(app, f"registry.example.com/checkout/{app}:3.2.0", port=port, readiness=http_probe("/ready", port))
        proxy = container("istio-proxy", "docker.io/istio/proxyv2:1.24.1", cpu="100m", memory="128Mi", limit_memory="1Gi",
                          port=15090, args=["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local"],
                          readiness=http_probe("/healthz/ready", 15021, initial=0, period=15))
        dep = deployment(app, "checkout", 2, [app_ctr, proxy], labels={"app": app}, age=86400 * 10)
        pods = deploy_pods(c, ips, dep, ["worker-1", "worker-2"], age=86400 * 2)
        svc = service(app, "checkout", {"app": app}, [svc_port(80 if app == "checkout" else 8443, port, "http")],
                      "10.108.4.1" + str(len(app)), age=86400 * 10)
        c.add(svc, endpoints(svc, pods, ports=[{"name": "http", "port": port, "protocol": "TCP"}]))
        for p in pods:
            if app == "checkout":
                logs = []
                for i, ago in enumerate((1500, 1200, 900, 610, 300, 120, 45)):
                    t = (k8s.COLLECTED_AT - k8s.timedelta(seconds=ago)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
                    logs.append(f"[{t}] \"POST /v1/charge HTTP/1.1\" 503 UC upstream_reset_before_response_started{{connection_termination}} - "
                                f"\"-\" 412 95 {2 + i} - \"-\" \"checkout/3.2.0\" \"{k8s.uid('req', str(ago))}\" "
                                f"\"payments.checkout.svc.cluster.local:8443\" \"10.244.2.17{i % 2}:8443\" "
                                "outbound|8443||payments.checkout.svc.cluster.local - 10.108.4.18:8443 10.244.1.171:50312 - default")
                c.log("checkout", p["metadata"]["name"], "istio-proxy", "\n".join(logs) + "\n")
                c.log("checkout", p["metadata"]["name"], app, (
                    "2026-11-20T09:58:10.118Z ERROR charge failed: upstream connect error or disconnect/reset before headers. "
                    "reset reason: connection termination\n"))
    c.expect("ISTIO-MTLS-CONFLICT", dr)


SCENARIOS = {
    "SERVICE-NO-ENDPOINTS": service_no_endpoints,
    "SERVICE-PORT-MISMATCH": service_port_mismatch,
    "INGRESS-BROKEN": ingress_broken,
    "DNS-UNHEALTHY": dns_unhealthy,
    "KUBE-PROXY-ERRORS": kube_proxy_errors,
    "IPTABLES-FOREIGN-RULES": iptables_foreign_rules,
    "INGRESS-CONTROLLER-NO-GRACE": ingress_controller_no_grace,
    "ISTIO-MTLS-CONFLICT": istio_mtls_conflict,
}
