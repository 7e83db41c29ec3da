"""The cluster overview shown next to the findings, computed from the bundle model.

Nodes (Ready and pressure conditions, capacity/allocatable, the sum of the requests of the pods
bound to them), namespaces (pod phase counts) and the timeline of warning events.  Every field
of a bundle object may be missing or of the wrong type: nothing here assumes a shape.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from analyzer.bundle.model import Bundle
from analyzer.bundle.values import parse_quantity, parse_time

POD_PHASES = ("Running", "Pending", "Succeeded", "Failed", "Unknown")

def format_cpu(cores: float | None) -> str:
    if cores is None:
        return "-"
    if cores < 1:
        return f"{round(cores * 1000)}m"
    return f"{cores:.2f}".rstrip("0").rstrip(".")


def format_bytes(n: float | None) -> str:
    if n is None:
        return "-"
    for unit in ("", "Ki", "Mi", "Gi", "Ti", "Pi"):
        if abs(n) < 1024 or unit == "Pi":
            return f"{n:.0f}{unit}" if unit == "" else f"{n:.1f}{unit}"
        n /= 1024
    return str(n)  # pragma: no cover


def _d(x: Any) -> dict[str, Any]:
    return x if isinstance(x, dict) else {}


def _lst(x: Any) -> list[Any]:
    return x if isinstance(x, list) else []


def _s(x: Any) -> str:
    return x if isinstance(x, str) else ("" if x is None else str(x))


@dataclass
class Usage:
    """Requests against allocatable for one resource (cpu in cores, memory in bytes)."""

    requested: float = 0.0
    allocatable: float | None = None
    capacity: float | None = None

    @property
    def percent(self) -> float | None:
        if not self.allocatable:
            return None
        return 100.0 * self.requested / self.allocatable


@dataclass
class NodeCondition:
    type: str
    status: str
    reason: str
    message: str
    since: str


@dataclass
class NodeRow:
    name: str
    roles: list[str]
    ready: str  # True / False / Unknown / "" when the condition is missing
    ready_condition: NodeCondition | None
    problems: list[NodeCondition]  # conditions other than Ready whose status is True, Ready when not True
    unschedulable: bool
    taints: list[str]
    kubelet_version: str
    os_image: str
    cpu: Usage
    memory: Usage
    pods: int
    pods_allocatable: float | None


@dataclass
class NamespaceRow:
    name: str
    phase: str  # the Namespace object's status.phase ("Active", "Terminating") or "" when absent
    pods: int
    phases: dict[str, int]
    not_ready: int
    restarts: int


@dataclass
class EventRow:
    time: str  # RFC 3339 as recorded, "" when the event carries no time
    namespace: str
    object: str  # Kind/name of the involved object
    reason: str
    message: str
    count: int
    source: str


@dataclass
class ClusterOverview:
    nodes: list[NodeRow] = field(default_factory=list)
    namespaces: list[NamespaceRow] = field(default_factory=list)
    warning_events: list[EventRow] = field(default_factory=list)  # oldest first
    histogram: list[tuple[str, int]] = field(default_factory=list)  # (bucket start, events)
    cpu: Usage = field(default_factory=Usage)
    memory: Usage = field(default_factory=Usage)


def _container_requests(pod: dict[str, Any]) -> tuple[float, float]:
    """Effective (cpu cores, memory bytes) requested by a pod, as the scheduler counts them:
    max(sum of containers, largest init container) plus the pod overhead."""
    spec = _d(pod.get("spec"))

    def req(c: Any, name: str) -> float:
        return parse_quantity(_d(_d(_d(c).get("resources")).get("requests")).get(name)) or 0.0

    containers = _lst(spec.get("containers"))
    inits = _lst(spec.get("initContainers"))
    cpu = sum(req(c, "cpu") for c in containers)
    mem = sum(req(c, "memory") for c in containers)
    cpu = max([cpu] + [req(c, "cpu") for c in inits])
    mem = max([mem] + [req(c, "memory") for c in inits])
    overhead = _d(spec.get("overhead"))
    cpu += parse_quantity(overhead.get("cpu")) or 0.0
    mem += parse_quantity(overhead.get("memory")) or 0.0
    return cpu, mem


def _condition(c: dict[str, Any]) -> NodeCondition:
    return NodeCondition(
        type=_s(c.get("type")), status=_s(c.get("status")), reason=_s(c.get("reason")),
        message=_s(c.get("message")), since=_s(c.get("lastTransitionTime")),
    )


def _node_row(bundle: Bundle, node: dict[str, Any]) -> NodeRow:
    md = _d(node.get("metadata"))
    spec = _d(node.get("spec"))
    status = _d(node.get("status"))
    name = _s(md.get("name"))
    labels = _d(md.get("labels"))
    roles = sorted(k.split("/", 1)[1] for k in labels if isinstance(k, str) and k.startswith("node-role.kubernetes.io/"))
    ready: NodeCondition | None = None
    problems: list[NodeCondition] = []
    for c in _lst(status.get("conditions")):
        if not isinstance(c, dict):
            continue
        cond = _condition(c)
        if cond.type == "Ready":
            ready = cond
            if cond.status != "True":
                problems.insert(0, cond)
        elif cond.status == "True":
            problems.append(cond)
    alloc = _d(status.get("allocatable"))
    cap = _d(status.get("capacity"))
    cpu = Usage(allocatable=parse_quantity(alloc.get("cpu")), capacity=parse_quantity(cap.get("cpu")))
    mem = Usage(allocatable=parse_quantity(alloc.get("memory")), capacity=parse_quantity(cap.get("memory")))
    pods = 0
    for pod in bundle.pods_on_node(name):
        phase = _d(pod.get("status")).get("phase")
        if phase in ("Succeeded", "Failed"):
            continue  # terminal pods hold no resources
        pods += 1
        c, m = _container_requests(pod)
        cpu.requested += c
        mem.requested += m
    taints = []
    for t in _lst(spec.get("taints")):
        if isinstance(t, dict):
            taint = _s(t.get("key"))
            if t.get("value"):
                taint += "=" + _s(t.get("value"))
            taints.append(f"{taint}:{_s(t.get('effect'))}")
    info = _d(status.get("nodeInfo"))
    return NodeRow(
        name=name, roles=roles, ready=ready.status if ready else "", ready_condition=ready, problems=problems,
        unschedulable=spec.get("unschedulable") is True, taints=taints,
        kubelet_version=_s(info.get("kubeletVersion")), os_image=_s(info.get("osImage")),
        cpu=cpu, memory=mem, pods=pods, pods_allocatable=parse_quantity(alloc.get("pods")),
    )


def _namespace_rows(bundle: Bundle) -> list[NamespaceRow]:
    ns_phase = {}
    for ns in bundle.objects("Namespace"):
        name = _d(ns.get("metadata")).get("name")
        if isinstance(name, str):
            ns_phase[name] = _s(_d(ns.get("status")).get("phase"))
    names = set(bundle.namespaces()) | set(ns_phase)
    rows = []
    for name in sorted(names):
        phases: Counter[str] = Counter()
        not_ready = restarts = 0
        pods = bundle.objects("Pod", name)
        for pod in pods:
            status = _d(pod.get("status"))
            phase = _s(status.get("phase")) or "Unknown"
            phases[phase if phase in POD_PHASES else "Unknown"] += 1
            statuses = [s for s in _lst(status.get("containerStatuses")) if isinstance(s, dict)]
            if phase == "Running" and any(s.get("ready") is not True for s in statuses):
                not_ready += 1
            for s in statuses:
                rc = s.get("restartCount")
                if isinstance(rc, int) and not isinstance(rc, bool) and rc > 0:
                    restarts += rc
        rows.append(
            NamespaceRow(
                name=name, phase=ns_phase.get(name, ""), pods=len(pods),
                phases={p: phases.get(p, 0) for p in POD_PHASES}, not_ready=not_ready, restarts=restarts,
            )
        )
    return rows


def event_time(ev: dict[str, Any]) -> str:
    """The best time of an event (core/v1 or events.k8s.io/v1): last seen first."""
    series = _d(ev.get("series"))
    for value in (
        ev.get("lastTimestamp"), series.get("lastObservedTime"), ev.get("deprecatedLastTimestamp"),
        ev.get("eventTime"), ev.get("firstTimestamp"), ev.get("deprecatedFirstTimestamp"),
        _d(ev.get("metadata")).get("creationTimestamp"),
    ):
        if isinstance(value, str) and value:
            return value
    return ""


def _event_row(ev: dict[str, Any]) -> EventRow:
    inv = _d(ev.get("involvedObject") or ev.get("regarding"))
    md = _d(ev.get("metadata"))
    count = ev.get("count") or _d(ev.get("series")).get("count") or ev.get("deprecatedCount") or 1
    if not isinstance(count, int) or isinstance(count, bool):
        count = 1
    src = _d(ev.get("source"))
    source = _s(src.get("component") or ev.get("reportingComponent") or ev.get("reportingController"))
    if src.get("host"):
        source += f" ({_s(src.get('host'))})"
    kind = _s(inv.get("kind"))
    name = _s(inv.get("name"))
    return EventRow(
        time=event_time(ev), namespace=_s(md.get("namespace") or inv.get("namespace")),
        object=f"{kind}/{name}" if kind else name, reason=_s(ev.get("reason")),
        message=_s(ev.get("message") if ev.get("message") is not None else ev.get("note")),
        count=count, source=source,
    )


def _histogram(times: list[datetime], buckets: int = 48) -> list[tuple[str, int]]:
    if not times:
        return []
    start, end = min(times), max(times)
    span = (end - start).total_seconds()
    if span <= 0:
        return [(start.strftime("%Y-%m-%dT%H:%M:%SZ"), len(times))]
    width = span / buckets
    counts = [0] * buckets
    for t in times:
        counts[min(buckets - 1, int((t - start).total_seconds() / width))] += 1
    return [
        (datetime.fromtimestamp(start.timestamp() + i * width, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), n)
        for i, n in enumerate(counts)
    ]


def warning_events(bundle: Bundle) -> list[EventRow]:
    """Warning events of the bundle, oldest first (events without a time first)."""
    rows = [_event_row(e) for e in bundle.objects("Event") if e.get("type") == "Warning"]
    epoch = datetime.min.replace(tzinfo=UTC)

    def key(r: EventRow) -> tuple[datetime, str, str, str]:
        return (parse_time(r.time) or epoch, r.namespace, r.object, r.reason)

    rows.sort(key=key)
    return rows


def compute_overview(bundle: Bundle) -> ClusterOverview:
    """Nodes, namespaces and the warning-event timeline of ``bundle``."""
    nodes = [_node_row(bundle, n) for n in bundle.objects("Node")]
    nodes.sort(key=lambda n: n.name)
    events = warning_events(bundle)
    times = [t for t in (parse_time(e.time) for e in events) if t is not None]
    total_cpu = Usage(
        requested=sum(n.cpu.requested for n in nodes),
        allocatable=sum(n.cpu.allocatable or 0.0 for n in nodes) or None,
    )
    total_mem = Usage(
        requested=sum(n.memory.requested for n in nodes),
        allocatable=sum(n.memory.allocatable or 0.0 for n in nodes) or None,
    )
    return ClusterOverview(
        nodes=nodes, namespaces=_namespace_rows(bundle), warning_events=events, histogram=_histogram(times),
        cpu=total_cpu, memory=total_mem,
    )
