"""Server-side Table output (``as=Table;g=meta.k8s.io;v=v1``): the columns kubectl prints.

Each printer mirrors the API server's own (``pkg/printers/internalversion``): the same
column names, priorities (priority 1 = shown by ``-o wide``) and cell text, including the
pod STATUS kubectl users know (``CrashLoopBackOff``, ``Init:1/2``, ``Terminating``...).
The server always returns the wide cells; kubectl hides the priority-1 columns.

Ages are measured to ``now``, the bundle's collection time, not the wall clock: the point
of an offline bundle is to see it as it was.  Bundle data is untrusted, so every accessor
tolerates wrong types; a row that still fails shows ``<error>`` cells, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from analyzer.bundle import values
from analyzer.bundle.partial import is_partial, table_columns
from analyzer.serve import jsonpath
from analyzer.serve.events import as_core
from analyzer.serve.selectors import format_label_selector, format_labels

Row = list[Any]


def d(x: Any) -> dict[str, Any]:
    return x if isinstance(x, dict) else {}


def lst(x: Any) -> list[Any]:
    return x if isinstance(x, list) else []


def s(x: Any) -> str:
    return x if isinstance(x, str) else ("" if x is None else str(x))


def n(x: Any) -> int:
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int):
        return x
    try:
        return int(str(x))
    except (TypeError, ValueError):
        return 0


def parse_time(value: Any) -> datetime | None:
    """An object's timestamp; Go's zero time counts as none."""
    t = values.parse_time(value) if isinstance(value, str) else None
    return None if t is None or t.year <= 1 else t


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    secs = int(seconds)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 60 * 2:
        return f"{secs}s"
    minutes = secs // 60
    if minutes < 10:
        rest = secs % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = secs // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


class Printer:
    """Builds Table rows for one resource kind at one point in time (``now``)."""

    def __init__(self, now: datetime):
        self.now = now if now.tzinfo else now.replace(tzinfo=UTC)

    def age(self, value: Any) -> str:
        t = parse_time(value)
        if t is None:
            return "<unknown>"
        return human_duration((self.now - t).total_seconds())

    def created(self, obj: dict[str, Any]) -> str:
        return self.age(d(obj.get("metadata")).get("creationTimestamp"))


def _col(name: str, type_: str = "string", priority: int = 0, fmt: str = "", description: str = "") -> dict[str, Any]:
    return {"name": name, "type": type_, "format": fmt, "description": description or name, "priority": priority}


NAME_COL = _col("Name", fmt="name", description="Name must be unique within a namespace.")
AGE_COL = _col("Age", description="CreationTimestamp is a timestamp representing the server time when this "
                                  "object was created.")


def name_of(obj: dict[str, Any]) -> str:
    return s(d(obj.get("metadata")).get("name"))


def deleting(obj: dict[str, Any]) -> bool:
    return bool(d(obj.get("metadata")).get("deletionTimestamp"))


def containers_cells(pod_spec: Any) -> tuple[str, str]:
    cs = [d(c) for c in lst(d(pod_spec).get("containers"))]
    return ",".join(s(c.get("name")) for c in cs), ",".join(s(c.get("image")) for c in cs)


def template_spec(obj: dict[str, Any]) -> dict[str, Any]:
    return d(d(d(obj.get("spec")).get("template")).get("spec"))


# ---------------------------------------------------------------------------- pods
def _restartable_init(container: dict[str, Any] | None) -> bool:
    return bool(container) and d(container).get("restartPolicy") == "Always"


def _condition_true(conditions: Any, ctype: str) -> bool:
    return any(d(c).get("type") == ctype and d(c).get("status") == "True" for c in lst(conditions))


def pod_status(pod: dict[str, Any]) -> tuple[str, int, int, int, str | None]:  # noqa: C901 - mirrors kubectl's printPod
    """(STATUS, ready, total, restarts, last restart time) as kubectl's printPod computes them."""
    spec, status = d(pod.get("spec")), d(pod.get("status"))
    containers = lst(spec.get("containers"))
    init_specs = {s(d(c).get("name")): d(c) for c in lst(spec.get("initContainers"))}
    total = len(containers) + sum(1 for c in init_specs.values() if _restartable_init(c))
    ready = 0
    restarts = 0
    restartable_restarts = 0
    last_restart: datetime | None = None
    last_restartable: datetime | None = None
    phase = s(status.get("phase"))
    reason = s(status.get("reason")) or phase
    for c in lst(status.get("conditions")):
        if d(c).get("type") == "PodScheduled" and d(c).get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    def later(a: datetime | None, b: Any) -> datetime | None:
        t = parse_time(b)
        return t if t and (a is None or t > a) else a

    initializing = False
    init_statuses = [d(c) for c in lst(status.get("initContainerStatuses"))]
    for i, cs in enumerate(init_statuses):
        restarts += n(cs.get("restartCount"))
        last_term = d(d(cs.get("lastState")).get("terminated"))
        if last_term:
            last_restart = later(last_restart, last_term.get("finishedAt"))
        cspec = init_specs.get(s(cs.get("name")))
        if _restartable_init(cspec):
            restartable_restarts += n(cs.get("restartCount"))
            if last_term:
                last_restartable = later(last_restartable, last_term.get("finishedAt"))
        state = d(cs.get("state"))
        term, waiting = d(state.get("terminated")), d(state.get("waiting"))
        if state.get("terminated") is not None and n(term.get("exitCode")) == 0:
            continue
        if _restartable_init(cspec) and cs.get("started") is True:
            if cs.get("ready"):
                ready += 1
            continue
        if state.get("terminated") is not None:
            if not s(term.get("reason")):
                if n(term.get("signal")):
                    reason = f"Init:Signal:{n(term.get('signal'))}"
                else:
                    reason = f"Init:ExitCode:{n(term.get('exitCode'))}"
            else:
                reason = "Init:" + s(term.get("reason"))
        elif s(waiting.get("reason")) and waiting.get("reason") != "PodInitializing":
            reason = "Init:" + s(waiting.get("reason"))
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _condition_true(status.get("conditions"), "Initialized"):
        restarts = restartable_restarts
        last_restart = last_restartable
        has_running = False
        for cs in reversed([d(c) for c in lst(status.get("containerStatuses"))]):
            restarts += n(cs.get("restartCount"))
            last_term = d(d(cs.get("lastState")).get("terminated"))
            if last_term:
                last_restart = later(last_restart, last_term.get("finishedAt"))
            state = d(cs.get("state"))
            waiting, term = d(state.get("waiting")), d(state.get("terminated"))
            if s(waiting.get("reason")):
                reason = s(waiting.get("reason"))
            elif state.get("terminated") is not None and s(term.get("reason")):
                reason = s(term.get("reason"))
            elif state.get("terminated") is not None:
                if n(term.get("signal")):
                    reason = f"Signal:{n(term.get('signal'))}"
                else:
                    reason = f"ExitCode:{n(term.get('exitCode'))}"
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _condition_true(status.get("conditions"), "Ready") else "NotReady"

    if deleting(pod) and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif deleting(pod) and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    last = last_restart.isoformat() if last_restart else None
    return reason, ready, total, restarts, last


POD_COLUMNS = [
    NAME_COL,
    _col("Ready", description="The aggregate readiness state of this pod for accepting traffic."),
    _col("Status", description="The aggregate status of the containers in this pod."),
    _col("Restarts", description="The number of times the containers in this pod have been restarted and when "
                                 "the last container in this pod has restarted."),
    AGE_COL,
    _col("IP", priority=1, description="podIP address allocated to the pod."),
    _col("Node", priority=1, description="NodeName indicates in which node this pod is scheduled."),
    _col("Nominated Node", priority=1, description="nominatedNodeName is set when this pod preempts other pods."),
    _col("Readiness Gates", priority=1, description="If specified, all readiness gates will be evaluated."),
]


def pod_row(p: Printer, pod: dict[str, Any]) -> Row:
    reason, ready, total, restarts, last = pod_status(pod)
    restarts_text = str(restarts)
    if restarts and last:
        restarts_text = f"{restarts} ({p.age(last)} ago)"
    ready_text = f"{ready}/{total}"
    captured = table_columns(pod)  # a pod read from a kubectl table: show what that table showed
    if captured:
        ready_text = captured.get("READY") or ready_text
        reason = captured.get("STATUS") or reason
        restarts_text = captured.get("RESTARTS") or restarts_text
    spec, status = d(pod.get("spec")), d(pod.get("status"))
    ips = [d(x).get("ip") for x in lst(status.get("podIPs"))]
    ip = s(ips[0]) if ips and ips[0] else s(status.get("podIP"))
    gates = "<none>"
    rgates = lst(spec.get("readinessGates"))
    if rgates:
        conds = {s(d(c).get("type")): d(c).get("status") for c in lst(status.get("conditions"))}
        true = sum(1 for g in rgates if conds.get(s(d(g).get("conditionType"))) == "True")
        gates = f"{true}/{len(rgates)}"
    if is_partial(pod) and not status and not captured:
        # known only in part (docs/bundle-format.md "Partial objects"): no status was collected
        ready_text = reason = restarts_text = "<unknown>"
    return [name_of(pod), ready_text, reason, restarts_text, p.created(pod),
            ip or "<none>", s(spec.get("nodeName")) or "<none>", s(status.get("nominatedNodeName")) or "<none>", gates]


def pod_row_conditions(pod: dict[str, Any]) -> list[dict[str, Any]] | None:
    phase = d(pod.get("status")).get("phase")
    if phase == "Succeeded":
        return [{"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}]
    if phase == "Failed":
        return [{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]
    return None


# ---------------------------------------------------------------------------- nodes
NODE_COLUMNS = [
    NAME_COL,
    _col("Status", description="The status of the node"),
    _col("Roles", description="The roles of the node"),
    AGE_COL,
    _col("Version", description="Kubelet Version reported by the node."),
    _col("Internal-IP", priority=1, description="List of addresses reachable to the node."),
    _col("External-IP", priority=1, description="List of addresses reachable to the node."),
    _col("OS-Image", priority=1, description="OS Image reported by the node from /etc/os-release."),
    _col("Kernel-Version", priority=1, description="Kernel Version reported by the node."),
    _col("Container-Runtime", priority=1, description="Container Runtime Version reported by the node."),
]


def node_roles(node: dict[str, Any]) -> list[str]:
    roles: set[str] = set()
    for k, v in d(d(node.get("metadata")).get("labels")).items():
        k = str(k)
        if k.startswith("node-role.kubernetes.io/"):
            role = k[len("node-role.kubernetes.io/"):]
            if role:
                roles.add(role)
        elif k == "kubernetes.io/role" and v:
            roles.add(str(v))
    return sorted(roles)


def node_row(p: Printer, node: dict[str, Any]) -> Row:
    status = d(node.get("status"))
    state: list[str] = []
    for c in lst(status.get("conditions")):
        if d(c).get("type") == "Ready":
            state = ["Ready" if d(c).get("status") == "True" else "NotReady"]
    if not state:
        state = ["Unknown"]
    if d(node.get("spec")).get("unschedulable") is True:
        state.append("SchedulingDisabled")
    info = d(status.get("nodeInfo"))
    addrs = [d(a) for a in lst(status.get("addresses"))]
    internal = next((s(a.get("address")) for a in addrs if a.get("type") == "InternalIP"), "<none>")
    external = next((s(a.get("address")) for a in addrs if a.get("type") == "ExternalIP"), "<none>")
    roles = ",".join(node_roles(node)) or (table_columns(node) or {}).get("ROLES") or "<none>"
    return [name_of(node), ",".join(state), roles, p.created(node),
            s(info.get("kubeletVersion")), internal, external, s(info.get("osImage")) or "<unknown>",
            s(info.get("kernelVersion")) or "<unknown>", s(info.get("containerRuntimeVersion")) or "<unknown>"]


# ---------------------------------------------------------------------------- workloads
WIDE_POD_TEMPLATE = [
    _col("Containers", priority=1, description="Names of each container in the template."),
    _col("Images", priority=1, description="Images referenced by each container in the template."),
    _col("Selector", priority=1, description="Label selector for pods."),
]

DEPLOYMENT_COLUMNS = [
    NAME_COL,
    _col("Ready", description="Number of the pod with ready state"),
    _col("Up-to-date", "integer", description="Total number of non-terminated pods targeted by this deployment "
                                               "that have the desired template spec."),
    _col("Available", "integer", description="Total number of available pods (ready for at least minReadySeconds) "
                                             "targeted by this deployment."),
    AGE_COL,
    *WIDE_POD_TEMPLATE,
]


def _replicas(spec: dict[str, Any]) -> int:
    return n(spec["replicas"]) if "replicas" in spec and spec["replicas"] is not None else 1


def deployment_row(p: Printer, obj: dict[str, Any]) -> Row:
    spec, status = d(obj.get("spec")), d(obj.get("status"))
    names, images = containers_cells(template_spec(obj))
    return [name_of(obj), f"{n(status.get('readyReplicas'))}/{_replicas(spec)}", n(status.get("updatedReplicas")),
            n(status.get("availableReplicas")), p.created(obj), names, images, format_label_selector(spec.get("selector"))]


REPLICASET_COLUMNS = [
    NAME_COL,
    _col("Desired", "integer", description="Replicas is the number of desired replicas."),
    _col("Current", "integer", description="Replicas is the most recently observed number of replicas."),
    _col("Ready", "integer", description="The number of ready replicas for this replica set."),
    AGE_COL,
    *WIDE_POD_TEMPLATE,
]


def replicaset_row(p: Printer, obj: dict[str, Any]) -> Row:
    spec, status = d(obj.get("spec")), d(obj.get("status"))
    names, images = containers_cells(template_spec(obj))
    selector = spec.get("selector")
    selector_text = format_label_selector(selector) if obj.get("kind") == "ReplicaSet" else format_labels(selector)
    return [name_of(obj), _replicas(spec), n(status.get("replicas")), n(status.get("readyReplicas")),
            p.created(obj), names, images, selector_text]


DAEMONSET_COLUMNS = [
    NAME_COL,
    _col("Desired", "integer", description="The total number of nodes that should be running the daemon pod."),
    _col("Current", "integer", description="The number of nodes that are running at least 1 daemon pod."),
    _col("Ready", "integer", description="numberReady is the number of nodes that should be running the daemon "
                                         "pod and have one or more of the daemon pod running and ready."),
    _col("Up-to-date", "integer", description="The total number of nodes that are running updated daemon pod"),
    _col("Available", "integer", description="The number of nodes that should be running the daemon pod and have "
                                             "one or more of the daemon pod running and available."),
    _col("Node Selector", description="NodeSelector is a selector which must be true for the pod to fit on a node."),
    AGE_COL,
    *WIDE_POD_TEMPLATE,
]


def daemonset_row(p: Printer, obj: dict[str, Any]) -> Row:
    spec, status = d(obj.get("spec")), d(obj.get("status"))
    names, images = containers_cells(template_spec(obj))
    return [name_of(obj), n(status.get("desiredNumberScheduled")), n(status.get("currentNumberScheduled")),
            n(status.get("numberReady")), n(status.get("updatedNumberScheduled")), n(status.get("numberAvailable")),
            format_labels(template_spec(obj).get("nodeSelector")), p.created(obj), names, images,
            format_label_selector(spec.get("selector"))]


STATEFULSET_COLUMNS = [
    NAME_COL,
    _col("Ready", description="Number of the pod with ready state"),
    AGE_COL,
    _col("Containers", priority=1, description="Names of each container in the template."),
    _col("Images", priority=1, description="Images referenced by each container in the template."),
]


def statefulset_row(p: Printer, obj: dict[str, Any]) -> Row:
    spec, status = d(obj.get("spec")), d(obj.get("status"))
    names, images = containers_cells(template_spec(obj))
    return [name_of(obj), f"{n(status.get('readyReplicas'))}/{_replicas(spec)}", p.created(obj), names, images]


JOB_COLUMNS = [
    NAME_COL,
    _col("Status", description="Status of the job."),
    _col("Completions", description="The desired number of successfully finished pods the job should be run with."),
    _col("Duration", description="Time required to complete the job."),
    AGE_COL,
    *WIDE_POD_TEMPLATE,
]


def job_row(p: Printer, obj: dict[str, Any]) -> Row:
    spec, status = d(obj.get("spec")), d(obj.get("status"))
    succeeded = n(status.get("succeeded"))
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{n(spec.get('completions'))}"
    else:
        parallelism = n(spec.get("parallelism"))
        completions = f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"
    start, end = parse_time(status.get("startTime")), parse_time(status.get("completionTime"))
    duration = ""
    if start and end:
        duration = human_duration((end - start).total_seconds())
    elif start:
        duration = human_duration((p.now - start).total_seconds())
    conds = status.get("conditions")
    if _condition_true(conds, "Complete"):
        state = "Complete"
    elif _condition_true(conds, "Failed"):
        state = "Failed"
    elif deleting(obj):
        state = "Terminating"
    elif _condition_true(conds, "Suspended"):
        state = "Suspended"
    elif _condition_true(conds, "FailureTarget"):
        state = "FailureTarget"
    elif _condition_true(conds, "SuccessCriteriaMet"):
        state = "SuccessCriteriaMet"
    else:
        state = "Running"
    names, images = containers_cells(template_spec(obj))
    return [name_of(obj), state, completions, duration, p.created(obj), names, images,
            format_label_selector(spec.get("selector"))]


CRONJOB_COLUMNS = [
    NAME_COL,
    _col("Schedule", description="The schedule in Cron format."),
    _col("Timezone", description="The time zone name for the given schedule."),
    _col("Suspend", "boolean", description="This flag tells the controller to suspend subsequent executions."),
    _col("Active", "integer", description="A list of pointers to currently running jobs."),
    _col("Last Schedule", description="Information when was the last time the job was successfully scheduled."),
    AGE_COL,
    *WIDE_POD_TEMPLATE,
]


def cronjob_row(p: Printer, obj: dict[str, Any]) -> Row:
    spec, status = d(obj.get("spec")), d(obj.get("status"))
    job_spec = d(d(spec.get("jobTemplate")).get("spec"))
    names, images = containers_cells(d(d(job_spec.get("template")).get("spec")))
    suspend = spec.get("suspend")
    last = status.get("lastScheduleTime")
    return [name_of(obj), s(spec.get("schedule")), s(spec.get("timeZone")) or "<none>",
            "<unset>" if suspend is None else ("True" if suspend is True else "False"), len(lst(status.get("active"))),
            p.age(last) if last else "<none>", p.created(obj), names, images,
            format_label_selector(job_spec.get("selector"))]


# ---------------------------------------------------------------------------- networking
SERVICE_COLUMNS = [
    NAME_COL,
    _col("Type", description="type determines how the Service is exposed."),
    _col("Cluster-IP", description="clusterIP is the IP address of the service."),
    _col("External-IP", description="externalIPs is a list of IP addresses for which nodes in the cluster will "
                                    "also accept traffic for this service."),
    _col("Port(s)", description="The list of ports that are exposed by this service."),
    AGE_COL,
    _col("Selector", priority=1, description="Route service traffic to pods with label keys and values matching "
                                             "this selector."),
]


def _lb_ingress(status: dict[str, Any], wide: bool = True) -> str:
    out = []
    for ing in lst(d(status.get("loadBalancer")).get("ingress")):
        ing = d(ing)
        if ing.get("ip"):
            out.append(s(ing["ip"]))
        elif ing.get("hostname"):
            out.append(s(ing["hostname"]))
    text = ",".join(out)
    if not wide and len(text) > 16:
        text = text[:13] + "..."
    return text


def service_row(p: Printer, obj: dict[str, Any]) -> Row:
    spec, status = d(obj.get("spec")), d(obj.get("status"))
    stype = s(spec.get("type")) or "ClusterIP"
    ips = lst(spec.get("clusterIPs"))
    cluster_ip = s(ips[0]) if ips else (s(spec.get("clusterIP")) or "<none>")
    ext = [s(x) for x in lst(spec.get("externalIPs"))]
    if stype in ("ClusterIP", "NodePort"):
        external = ",".join(ext) or "<none>"
    elif stype == "LoadBalancer":
        lb = _lb_ingress(status)
        parts = (lb.split(",") if lb else []) + ext
        external = ",".join(parts) or "<pending>"
    elif stype == "ExternalName":
        external = s(spec.get("externalName"))
    else:
        external = "<unknown>"
    ports = []
    for port in lst(spec.get("ports")):
        port = d(port)
        proto = s(port.get("protocol")) or "TCP"
        if n(port.get("nodePort")) > 0:
            ports.append(f"{n(port.get('port'))}:{n(port.get('nodePort'))}/{proto}")
        else:
            ports.append(f"{n(port.get('port'))}/{proto}")
    return [name_of(obj), stype, cluster_ip, external, ",".join(ports) or "<none>", p.created(obj),
            format_labels(spec.get("selector"))]


INGRESS_COLUMNS = [
    NAME_COL,
    _col("Class", description="The name of the IngressClass resource."),
    _col("Hosts", description="Hosts that incoming requests are matched against."),
    _col("Address", description="Address is a list containing ingress points for the load-balancer"),
    _col("Ports", description="Ports of TLS configurations that open"),
    AGE_COL,
]


def ingress_row(p: Printer, obj: dict[str, Any]) -> Row:
    spec = d(obj.get("spec"))
    hosts = [s(d(r).get("host")) for r in lst(spec.get("rules")) if d(r).get("host")]
    if not hosts:
        host_text = "*"
    elif len(hosts) > 3:
        host_text = ",".join(hosts[:3]) + f" + {len(hosts) - 3} more..."
    else:
        host_text = ",".join(hosts)
    ports = "80, 443" if lst(spec.get("tls")) else "80"
    return [name_of(obj), s(spec.get("ingressClassName")) or "<none>", host_text,
            _lb_ingress(d(obj.get("status"))), ports, p.created(obj)]


ENDPOINTS_COLUMNS = [
    NAME_COL,
    _col("Endpoints", description="Endpoints is the list of endpoints this service maps to."),
    AGE_COL,
]


def endpoints_row(p: Printer, obj: dict[str, Any]) -> Row:
    eps: list[str] = []
    total = 0
    for subset in lst(obj.get("subsets")):
        subset = d(subset)
        addrs = [s(d(a).get("ip")) for a in lst(subset.get("addresses"))]
        ports: list[int | None] = [n(d(x).get("port")) for x in lst(subset.get("ports"))] or [None]
        for ip in addrs:
            for port in ports:
                total += 1
                if len(eps) < 3:
                    eps.append(ip if port is None else f"{ip}:{port}")
    text = ",".join(eps) or "<none>"
    if total > 3:
        text += f" + {total - 3} more..."
    return [name_of(obj), text, p.created(obj)]


ENDPOINTSLICE_COLUMNS = [
    NAME_COL,
    _col("AddressType", description="addressType specifies the type of address carried by this EndpointSlice."),
    _col("Ports", description="ports specifies the list of network ports exposed by each endpoint in this slice."),
    _col("Endpoints", description="endpoints is a list of unique endpoints in this slice."),
    AGE_COL,
]


def endpointslice_row(p: Printer, obj: dict[str, Any]) -> Row:
    ports = [str(n(d(x).get("port"))) if d(x).get("port") is not None else "<unset>" for x in lst(obj.get("ports"))]
    addrs: list[str] = []
    total = 0
    for ep in lst(obj.get("endpoints")):
        for a in lst(d(ep).get("addresses")):
            total += 1
            if len(addrs) < 3:
                addrs.append(s(a))
    text = ",".join(addrs) or "<unset>"
    if total > 3:
        text += f" + {total - 3} more..."
    return [name_of(obj), s(obj.get("addressType")), ",".join(ports) or "<unset>", text, p.created(obj)]


# ---------------------------------------------------------------------------- events
EVENT_COLUMNS = [
    _col("Last Seen", description="The time at which the most recent occurrence of this event was recorded."),
    _col("Type", description="Type of this event (Normal, Warning), new types could be added in the future."),
    _col("Reason", description="This should be a short, machine understandable string that gives the reason "
                               "for the transition into the object's current status."),
    _col("Object", description="The object that this event is about."),
    _col("Subobject", priority=1, description="The field of the object that this event is about."),
    _col("Source", priority=1, description="The component reporting this event."),
    _col("Message", description="A human-readable description of the status of this operation."),
    _col("First Seen", priority=1, description="The time at which the event was first recorded."),
    _col("Count", "integer", priority=1, description="The number of times this event has occurred."),
    _col("Name", priority=1, fmt="name", description="Name must be unique within a namespace."),
]


def event_row(p: Printer, obj: dict[str, Any]) -> Row:
    ev = as_core(obj)
    first = ev.get("firstTimestamp") or ev.get("eventTime")
    last = ev.get("lastTimestamp") or d(ev.get("series")).get("lastObservedTime") or ev.get("eventTime")
    inv = d(ev.get("involvedObject"))
    target = s(inv.get("kind")).lower()
    if inv.get("name"):
        target = f"{target}/{s(inv.get('name'))}"
    src = d(ev.get("source"))
    component = s(src.get("component")) or s(ev.get("reportingComponent"))
    instance = s(src.get("host")) or s(ev.get("reportingInstance"))
    source = component + (", " + instance if instance else "") if (component or instance) else ""
    return [p.age(last), s(ev.get("type")), s(ev.get("reason")), target, s(inv.get("fieldPath")), source,
            s(ev.get("message")).strip(), p.age(first), n(ev.get("count")), name_of(ev)]


# ---------------------------------------------------------------------------- config and storage
NAMESPACE_COLUMNS = [
    NAME_COL,
    _col("Status", description="The status of the namespace"),
    AGE_COL,
]


def namespace_row(p: Printer, obj: dict[str, Any]) -> Row:
    return [name_of(obj), s(d(obj.get("status")).get("phase")), p.created(obj)]


CONFIGMAP_COLUMNS = [NAME_COL, _col("Data", "integer", description="Number of data entries"), AGE_COL]


def configmap_row(p: Printer, obj: dict[str, Any]) -> Row:
    return [name_of(obj), len(d(obj.get("data"))) + len(d(obj.get("binaryData"))), p.created(obj)]


SECRET_COLUMNS = [NAME_COL, _col("Type", description="The type of secret"),
                  _col("Data", "integer", description="Number of data entries"), AGE_COL]


def secret_row(p: Printer, obj: dict[str, Any]) -> Row:
    return [name_of(obj), s(obj.get("type")), len(d(obj.get("data"))) + len(d(obj.get("stringData"))), p.created(obj)]


SERVICEACCOUNT_COLUMNS = [NAME_COL, _col("Secrets", "integer", description="Number of secrets"), AGE_COL]


def serviceaccount_row(p: Printer, obj: dict[str, Any]) -> Row:
    return [name_of(obj), len(lst(obj.get("secrets"))), p.created(obj)]


_ACCESS = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP"))


def access_modes(modes: Any) -> str:
    have = {s(m) for m in lst(modes)}
    return ",".join(short for full, short in _ACCESS if full in have)


def storage_class(obj: dict[str, Any]) -> str:
    ann = d(d(obj.get("metadata")).get("annotations"))
    return s(d(obj.get("spec")).get("storageClassName")) or s(ann.get("volume.beta.kubernetes.io/storage-class"))


PVC_COLUMNS = [
    NAME_COL,
    _col("Status", description="The phase of the claim."),
    _col("Volume", description="The binding reference to the PersistentVolume backing this claim."),
    _col("Capacity", description="The actual resources of the underlying volume."),
    _col("Access Modes", description="The access modes the volume has."),
    _col("StorageClass", description="The name of the StorageClass required by the claim."),
    _col("VolumeAttributesClass", description="The name of the VolumeAttributesClass of the claim."),
    AGE_COL,
    _col("VolumeMode", priority=1, description="What type of volume is required by the claim."),
]


def pvc_row(p: Printer, obj: dict[str, Any]) -> Row:
    spec, status = d(obj.get("spec")), d(obj.get("status"))
    phase = "Terminating" if deleting(obj) else s(status.get("phase"))
    capacity, modes = "", ""
    if spec.get("volumeName"):
        capacity = s(d(status.get("capacity")).get("storage"))
        modes = access_modes(status.get("accessModes"))
    return [name_of(obj), phase, s(spec.get("volumeName")), capacity, modes, storage_class(obj),
            s(spec.get("volumeAttributesClassName")) or "<unset>", p.created(obj),
            s(spec.get("volumeMode")) or "<unset>"]


PV_COLUMNS = [
    NAME_COL,
    _col("Capacity", description="capacity is the description of the persistent volume's resources and capacity."),
    _col("Access Modes", description="accessModes contains all ways the volume can be mounted."),
    _col("Reclaim Policy", description="What happens to a persistent volume when released from its claim."),
    _col("Status", description="phase indicates if a volume is available, bound to a claim, or released by a claim."),
    _col("Claim", description="claimRef is part of a bi-directional binding between PersistentVolume and "
                              "PersistentVolumeClaim."),
    _col("StorageClass", description="storageClassName is the name of StorageClass to which this persistent "
                                     "volume belongs."),
    _col("VolumeAttributesClass", description="Name of VolumeAttributesClass to which this persistent volume "
                                              "belongs."),
    _col("Reason", description="reason is a brief CamelCase string that describes any failure."),
    AGE_COL,
    _col("VolumeMode", priority=1, description="volumeMode defines if a volume is intended to be used with a "
                                               "formatted filesystem or to remain in raw block state."),
]


def pv_row(p: Printer, obj: dict[str, Any]) -> Row:
    spec, status = d(obj.get("spec")), d(obj.get("status"))
    ref = spec.get("claimRef")
    claim = f"{s(d(ref).get('namespace'))}/{s(d(ref).get('name'))}" if isinstance(ref, dict) else ""
    phase = "Terminating" if deleting(obj) else s(status.get("phase"))
    return [name_of(obj), s(d(spec.get("capacity")).get("storage")) or "0", access_modes(spec.get("accessModes")),
            s(spec.get("persistentVolumeReclaimPolicy")), phase, claim, storage_class(obj),
            s(spec.get("volumeAttributesClassName")) or "<unset>", s(status.get("reason")), p.created(obj),
            s(spec.get("volumeMode")) or "<unset>"]


STORAGECLASS_COLUMNS = [
    NAME_COL,
    _col("Provisioner", description="provisioner indicates the type of the provisioner."),
    _col("ReclaimPolicy", description="reclaimPolicy controls the reclaimPolicy for dynamically provisioned "
                                      "PersistentVolumes of this storage class."),
    _col("VolumeBindingMode", description="volumeBindingMode indicates how PersistentVolumeClaims should be "
                                          "provisioned and bound."),
    _col("AllowVolumeExpansion", description="allowVolumeExpansion shows whether the storage class allow volume "
                                             "expand."),
    AGE_COL,
]


def storageclass_row(p: Printer, obj: dict[str, Any]) -> Row:
    name = name_of(obj)
    ann = d(d(obj.get("metadata")).get("annotations"))
    if ann.get("storageclass.kubernetes.io/is-default-class") == "true" or \
            ann.get("storageclass.beta.kubernetes.io/is-default-class") == "true":
        name += " (default)"
    return [name, s(obj.get("provisioner")), s(obj.get("reclaimPolicy")) or "Delete",
            s(obj.get("volumeBindingMode")) or "Immediate", "true" if obj.get("allowVolumeExpansion") is True else "false",
            p.created(obj)]


CRD_COLUMNS = [NAME_COL, _col("Created At", "date", description="CreationTimestamp is a timestamp representing the "
                                                                 "server time when this object was created.")]


def crd_row(p: Printer, obj: dict[str, Any]) -> Row:
    t = parse_time(d(obj.get("metadata")).get("creationTimestamp"))
    return [name_of(obj), t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if t else ""]


GENERIC_COLUMNS = [NAME_COL, AGE_COL]


def generic_row(p: Printer, obj: dict[str, Any]) -> Row:
    return [name_of(obj), p.created(obj)]


# (kind) -> (columns, row function) for kinds of built-in groups.
BUILTIN_PRINTERS: dict[str, tuple[list[dict[str, Any]], Callable[[Printer, dict[str, Any]], Row]]] = {
    "Pod": (POD_COLUMNS, pod_row),
    "Node": (NODE_COLUMNS, node_row),
    "Deployment": (DEPLOYMENT_COLUMNS, deployment_row),
    "ReplicaSet": (REPLICASET_COLUMNS, replicaset_row),
    "ReplicationController": (REPLICASET_COLUMNS, replicaset_row),
    "DaemonSet": (DAEMONSET_COLUMNS, daemonset_row),
    "StatefulSet": (STATEFULSET_COLUMNS, statefulset_row),
    "Job": (JOB_COLUMNS, job_row),
    "CronJob": (CRONJOB_COLUMNS, cronjob_row),
    "Service": (SERVICE_COLUMNS, service_row),
    "Ingress": (INGRESS_COLUMNS, ingress_row),
    "Endpoints": (ENDPOINTS_COLUMNS, endpoints_row),
    "EndpointSlice": (ENDPOINTSLICE_COLUMNS, endpointslice_row),
    "Event": (EVENT_COLUMNS, event_row),
    "Namespace": (NAMESPACE_COLUMNS, namespace_row),
    "ConfigMap": (CONFIGMAP_COLUMNS, configmap_row),
    "Secret": (SECRET_COLUMNS, secret_row),
    "ServiceAccount": (SERVICEACCOUNT_COLUMNS, serviceaccount_row),
    "PersistentVolumeClaim": (PVC_COLUMNS, pvc_row),
    "PersistentVolume": (PV_COLUMNS, pv_row),
    "StorageClass": (STORAGECLASS_COLUMNS, storageclass_row),
    "CustomResourceDefinition": (CRD_COLUMNS, crd_row),
}


# ---------------------------------------------------------------------------- custom resources
_CRD_TYPES = {"integer", "number", "string", "boolean", "date"}


def crd_columns(printer_columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cols = [NAME_COL]
    for c in printer_columns:
        type_ = col_type if (col_type := c.get("type")) in _CRD_TYPES else "string"
        cols.append(_col(s(c.get("name")) or "?", "string" if type_ == "date" else type_, n(c.get("priority")),
                         s(c.get("format")), s(c.get("description"))))
    return cols


def crd_row_for(printer_columns: list[dict[str, Any]]) -> Callable[[Printer, dict[str, Any]], Row]:
    def row(p: Printer, obj: dict[str, Any]) -> Row:
        cells: Row = [name_of(obj)]
        for c in printer_columns:
            path = s(c.get("jsonPath") or c.get("JSONPath"))
            values = jsonpath.evaluate(path, obj) if path else []
            if not values:
                cells.append(None)
                continue
            v = values[0] if len(values) == 1 else None
            ctype = c.get("type")
            if ctype == "date":
                cells.append(p.age(v) if isinstance(v, str) else None)
            elif ctype == "integer" and isinstance(v, int) and not isinstance(v, bool):
                cells.append(v)
            elif ctype == "number" and isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(v)
            elif ctype == "boolean" and isinstance(v, bool):
                cells.append(v)
            else:
                parts = [x if isinstance(x, str) else json.dumps(x, separators=(",", ":")) for x in values]
                cells.append(",".join(parts))
        return cells

    return row


def printer_for(kind: str, builtin: bool, printer_columns: list[dict[str, Any]] | None
                ) -> tuple[list[dict[str, Any]], Callable[[Printer, dict[str, Any]], Row]]:
    """(column definitions, row function) for a resource."""
    if builtin and kind in BUILTIN_PRINTERS:
        return BUILTIN_PRINTERS[kind]
    if printer_columns:
        return crd_columns(printer_columns), crd_row_for(printer_columns)
    return GENERIC_COLUMNS, generic_row


def safe_row(fn: Callable[[Printer, dict[str, Any]], Row], p: Printer, obj: dict[str, Any], width: int) -> Row:
    """The row, or the name and ``<error>`` cells when the object is too malformed to print."""
    try:
        cells = fn(p, obj)
    except Exception:  # noqa: BLE001 - untrusted bundle data must never break a listing
        cells = [name_of(obj)] + ["<error>"] * (width - 1)
    if len(cells) != width:
        cells = (cells + [None] * width)[:width]
    return cells
