"""Rancher v2.x log collector output (``rancher2_logs_collector.sh`` from
rancherlabs/support-tools), for RKE2, k3s, RKE1 and kubeadm nodes: one directory per node
(newer versions wrap it in ``<hostname>-<YYYY-MM-DD_HH_MM_SS>/``).

Layout (``<distro>`` is ``rke2``, ``k3s``, ``kubeadm``, ``rke``; RKE1 before 2023 used ``k8s``)::

    systeminfo/hostname, date, dmesg (dmesg -T), dfh (df -h), freem, uptime, ...
    networking/iptablessave, ipaddrshow, ssanp, cni/..., ...
    journald/<unit>                         journalctl --unit=<unit> (kubelet, k3s, rke2-server, ...)
    systemlogs/syslog*, messages*, kern*    copies of /var/log (older rotations gzip'd)
    etcd/endpointstatus, endpointhealth, alarmlist, memberlist, ...
    <distro>/kubectl/pods, nodes, events, namespaces, ...   ``kubectl get <x> [-A] -o wide`` TABLES
    <distro>/kubectl/version                kubectl version
    <distro>/kubectl/rancher-prov/<crd>     ``kubectl get <crd> -o yaml -A`` (real objects)
    <distro>/podlogs/<ns>-<pod>[-previous]  ``kubectl logs --all-containers`` (servers)
    <distro>/podlogs/<ns>_<pod>_<uid>/<container>/<n>.log   copies of /var/log/pods (agents)
    rke/podlogs/k8s_<container>_<pod>_<ns>_<uid>_<attempt>  RKE1: docker logs of pod containers
    rke/containerlogs/<component>           RKE1: docker logs of kubelet, kube-apiserver, etcd, ...
    <distro>/crictl/psa, pods, info, ...    crictl output
    <distro>/certs/{agent,server}/<x>.crt   ``openssl x509 -text`` of each certificate
    <distro>/agent-logs/kubelet.log         RKE2's kubelet log file (rotations may be gzip'd)
    <distro>/containerd.log, version, config.yaml, ...

The tables become *partial* objects (:mod:`analyzer.bundle.partial`): what a column shows is
kept, what it does not is listed as missing, nothing is guessed.  Host files become node files
of the node the directory belongs to (``systeminfo/hostname``), under the native names rules
read where they mean the same thing (``dmesg -T`` -> ``commands/dmesg.txt``, ``df -h`` ->
``commands/df.txt``, ``journald/kubelet`` -> ``commands/journal-kubelet.txt`` ...); the rest
keeps its collector path below ``collector/``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from analyzer.bundle import values
from analyzer.bundle.formats.common import ReadContext, add_document, format_time
from analyzer.bundle.formats.host_files import (
    add_derived_node_file,
    cert_expiry_lines,
    is_fetch_error,
    journal_file,
    node_for_host,
    text_or_gunzipped,
)
from analyzer.bundle.partial import TABLE_COLUMNS_ANNOTATION, mark_partial
from analyzer.bundle.safe_source import Source
from analyzer.bundle.text_table import parse_table

NAME = "rancher-logs"

DISTROS = ("rke2", "k3s", "kubeadm", "rke", "k8s")
# The namespaces whose pod logs the collector fetches (SYSTEM_NAMESPACES in the script).
SYSTEM_NAMESPACES = (
    "kube-system", "kube-public", "cattle-system", "cattle-alerting", "cattle-logging", "cattle-pipeline",
    "cattle-provisioning-capi-system", "cattle-resources-system", "ingress-nginx", "cattle-prometheus",
    "istio-system", "longhorn-system", "cattle-global-data", "fleet-system", "fleet-default",
    "rancher-operator-system", "cattle-monitoring-system", "cattle-logging-system", "cattle-fleet-system",
    "cattle-fleet-local-system", "tigera-operator", "calico-system", "suse-observability",
)
# Container name used for ``kubectl logs --all-containers`` output (every container, interleaved).
ALL_CONTAINERS = "_all-containers"

# host files whose meaning is a native node file
NODE_FILES = {
    "systeminfo/dmesg": "commands/dmesg.txt",
    "systeminfo/dfh": "commands/df.txt",
    "systeminfo/uptime": "commands/uptime.txt",
    "networking/iptablessave": "commands/iptables-save.txt",
}
_ROOT_TIME = re.compile(r"-(\d{4}-\d{2}-\d{2})_(\d{2})_(\d{2})_(\d{2})/?$")
_PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
_RESTARTS = re.compile(r"^(\d+)")
_SERVER_VERSION = re.compile(r'Server Version:\s*(?:version\.Info\{.*?GitVersion:"([^"]+)"|(v\d[^\s]*))')
_RKE2_VERSION = re.compile(r"\bversion (v\d+\.\d+\.\d+\S*)")
# kubectl's resource names in OBJECT columns (``pod/web-1``) -> kind
_KIND_OF = {"pod": "Pod", "node": "Node", "deployment": "Deployment", "replicaset": "ReplicaSet",
            "statefulset": "StatefulSet", "daemonset": "DaemonSet", "job": "Job", "cronjob": "CronJob",
            "service": "Service", "endpoints": "Endpoints", "persistentvolumeclaim": "PersistentVolumeClaim",
            "persistentvolume": "PersistentVolume", "namespace": "Namespace", "configmap": "ConfigMap",
            "horizontalpodautoscaler": "HorizontalPodAutoscaler", "ingress": "Ingress", "lease": "Lease"}

COLUMNS_ANNOTATION = TABLE_COLUMNS_ANNOTATION


def detect(source: Source, roots: list[str]) -> list[str]:
    found = [r for r in roots if _is_node_dir(source, r)]
    return [r for r in found if not any(o != r and r.startswith(o) for o in found)]


def _is_node_dir(source: Source, root: str) -> bool:
    if root + "systeminfo" not in source.dirs:
        return False
    return any(root + d + "/kubectl" in source.dirs or root + d + "/crictl" in source.dirs for d in DISTROS) \
        or root + "journald" in source.dirs or root + "networking" in source.dirs


def read(ctx: ReadContext) -> None:
    files = dict(ctx.rel_files())
    distro = next((d for d in DISTROS if any(r.startswith(d + "/") for r in files)), None)
    _collection_time(ctx, files)
    if distro:
        _read_tables(ctx, files, distro)
        _read_version(ctx, files, distro)
    node = _node_name(ctx, files)
    _read_host_files(ctx, files, node, distro)
    if distro:
        _read_pod_logs(ctx, files, distro)


# --------------------------------------------------------------------------- identity, time
def _node_name(ctx: ReadContext, files: dict[str, str]) -> str:
    host = ""
    if "systeminfo/hostname" in files:
        data = ctx.read(files["systeminfo/hostname"]) or b""
        host = data.decode("utf-8", "replace").strip().splitlines()[0].strip() if data.strip() else ""
    if not host:
        base = ctx.root.rstrip("/").rsplit("/", 1)[-1]
        host = _ROOT_TIME.sub("", base) or base or "node"
    return node_for_host(host, ctx.bundle.node_names()) or host


def _collection_time(ctx: ReadContext, files: dict[str, str]) -> None:
    """``systeminfo/date`` (``date`` output, e.g. ``Tue Mar  5 10:00:01 UTC 2024``), else the
    time in the directory name (the collecting host's local time)."""
    when = None
    if "systeminfo/date" in files:
        data = ctx.read(files["systeminfo/date"]) or b""
        when = parse_date_output(data.decode("utf-8", "replace"))
        if when is None and data.strip():
            ctx.problem(files["systeminfo/date"], "no time found in the date output")
    if when is None:
        m = _ROOT_TIME.search(ctx.root)
        if m:
            try:
                when = datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}:{m.group(3)}:{m.group(4)}").replace(tzinfo=UTC)
            except ValueError:
                when = None
    if when is not None and (ctx.bundle.collected_at is None or when > ctx.bundle.collected_at):
        ctx.bundle.collected_at = when


_DATE = re.compile(r"^[A-Z][a-z]{2}\s+([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}:\d{2}:\d{2})\s+(?:([A-Z]{1,5}|[+-]\d{4})\s+)?(\d{4})$")
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                       "Dec"), 1)}


def parse_date_output(text: str) -> datetime | None:
    """The time in ``date``'s default output.  Zones other than UTC/GMT or a numeric offset
    are not resolvable offline: None (the caller falls back to other sources)."""
    for line in text.splitlines():
        m = _DATE.match(line.strip())
        if not m:
            continue
        month, day, clock, zone, year = m.groups()
        try:
            dt = datetime.fromisoformat(f"{year}-{_MONTHS[month]:02d}-{int(day):02d}T{clock}")
        except (KeyError, ValueError):
            return None
        if zone in (None, "UTC", "GMT", "Z"):
            return dt.replace(tzinfo=UTC)
        if zone[0] in "+-":
            offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
            return (dt - offset if zone[0] == "+" else dt + offset).replace(tzinfo=UTC)
        return None
    return None


def _read_version(ctx: ReadContext, files: dict[str, str], distro: str) -> None:
    if ctx.bundle.cluster_version:
        return
    for rel, rx in ((f"{distro}/kubectl/version", _SERVER_VERSION), (f"{distro}/version", _RKE2_VERSION)):
        if rel in files:
            data = ctx.read(files[rel]) or b""
            m = rx.search(data.decode("utf-8", "replace"))
            if m:
                ctx.bundle.cluster_version = next(g for g in m.groups() if g)
                return


# --------------------------------------------------------------------------- tables
def _read_tables(ctx: ReadContext, files: dict[str, str], distro: str) -> None:
    prefix = f"{distro}/kubectl/"
    when = ctx.bundle.collected_at
    for rel, full in files.items():
        if not rel.startswith(prefix):
            continue
        name = rel[len(prefix):]
        if name.startswith("rancher-prov/"):
            for doc in ctx.yaml_docs(full) or ():
                add_document(ctx, doc, full)
            continue
        builder = _BUILDERS.get(name)
        if builder is None:
            ctx.bundle.other_files[rel] = ctx.text(full, rel)
            continue
        data = ctx.read(full)
        table = parse_table(data.decode("utf-8", "replace")) if data is not None else None
        if table is None:
            if data and data.strip():
                ctx.problem(full, f"not a kubectl table: {data.decode('utf-8', 'replace').strip().splitlines()[0][:200]}")
            continue
        if table.broken:
            ctx.problem(full, f"{len(table.broken)} row(s) whose columns do not line up with the header skipped "
                              f"(line {', '.join(map(str, table.broken[:5]))}{' ...' if len(table.broken) > 5 else ''})")
        kind, build = builder
        not_understood = 0
        for row in table.rows:
            obj = build(row, when)
            if obj is None:
                not_understood += 1
                continue
            obj["metadata"].setdefault("annotations", {})[COLUMNS_ANNOTATION] = orjson.dumps(row).decode()
            ctx.bundle.add_object(obj, full)
        if not_understood:
            ctx.problem(full, f"{not_understood} row(s) not read as {kind} objects (columns: {', '.join(table.columns)})")


def _none(v: str | None) -> str | None:
    return None if v in (None, "", "<none>", "<unknown>", "<pending>") else v


def _created(row: dict[str, str], when: datetime | None) -> str | None:
    age = values.parse_age(row.get("AGE"))
    return format_time(when - timedelta(seconds=age)) if age is not None and when is not None else None


def _meta(row: dict[str, str], when: datetime | None, namespaced: bool) -> dict[str, Any] | None:
    name = row.get("NAME")
    if not name:
        return None
    md: dict[str, Any] = {"name": name}
    if namespaced:
        ns = row.get("NAMESPACE")
        if not ns:
            return None
        md["namespace"] = ns
    created = _created(row, when)
    if created:
        md["creationTimestamp"] = created  # from AGE: rounded down by kubectl, so at most that old
    return md


def pod_from_row(row: dict[str, str], when: datetime | None) -> dict[str, Any] | None:
    """A Pod from one row of ``kubectl get pods -A -o wide``."""
    md = _meta(row, when, True)
    if md is None:
        return None
    pod: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": {}, "status": {}}
    node, ip = _none(row.get("NODE")), _none(row.get("IP"))
    if node:
        pod["spec"]["nodeName"] = node
    if ip:
        pod["status"]["podIP"] = ip
    status = row.get("STATUS") or ""
    if status in _PHASES:
        pod["status"]["phase"] = status
    missing = ["metadata.uid", "metadata.labels", "metadata.ownerReferences", "spec.containers",
               "status.conditions", "status.containerStatuses"]
    if "phase" not in pod["status"]:
        missing.append("status.phase")
    return mark_partial(pod, missing)


def node_from_row(row: dict[str, str], when: datetime | None) -> dict[str, Any] | None:
    """A Node from one row of ``kubectl get nodes -o wide``.  STATUS ``NotReady`` means the
    Ready condition is False *or* Unknown: it is written as False and the condition's
    reason, message and times are listed as missing."""
    md = _meta(row, when, False)
    if md is None:
        return None
    node: dict[str, Any] = {"apiVersion": "v1", "kind": "Node", "metadata": md, "spec": {}, "status": {}}
    states = (row.get("STATUS") or "").split(",")
    if "SchedulingDisabled" in states:
        node["spec"]["unschedulable"] = True
    if "Ready" in states:
        node["status"]["conditions"] = [{"type": "Ready", "status": "True"}]
    elif "NotReady" in states:
        node["status"]["conditions"] = [{"type": "Ready", "status": "False"}]
    info = {k: _none(row.get(c)) for k, c in (("kubeletVersion", "VERSION"), ("osImage", "OS-IMAGE"),
                                              ("kernelVersion", "KERNEL-VERSION"),
                                              ("containerRuntimeVersion", "CONTAINER-RUNTIME"))}
    if any(info.values()):
        node["status"]["nodeInfo"] = {k: v for k, v in info.items() if v}
    addresses = [{"type": t, "address": a} for t, c in (("InternalIP", "INTERNAL-IP"), ("ExternalIP", "EXTERNAL-IP"))
                 if (a := _none(row.get(c)))]
    if addresses:
        node["status"]["addresses"] = addresses
    return mark_partial(node, ["metadata.uid", "metadata.labels", "spec.taints", "status.capacity",
                               "status.allocatable", "status.conditions"])


def namespace_from_row(row: dict[str, str], when: datetime | None) -> dict[str, Any] | None:
    md = _meta(row, when, False)
    if md is None:
        return None
    ns: dict[str, Any] = {"apiVersion": "v1", "kind": "Namespace", "metadata": md}
    if row.get("STATUS") in ("Active", "Terminating"):
        ns["status"] = {"phase": row["STATUS"]}
    return mark_partial(ns, ["metadata.uid", "metadata.labels"])


def event_from_row(row: dict[str, str], when: datetime | None) -> dict[str, Any] | None:
    """An Event from one row of ``kubectl get events -A -o wide`` (LAST SEEN, TYPE, REASON,
    OBJECT, SUBOBJECT, SOURCE, MESSAGE, FIRST SEEN, COUNT, NAME)."""
    ns, name = row.get("NAMESPACE"), row.get("NAME")
    obj_ref = row.get("OBJECT") or ""
    if not ns or not name or "/" not in obj_ref:
        return None
    resource, _, obj_name = obj_ref.partition("/")
    kind = _KIND_OF.get(resource.split(".")[0], resource.split(".")[0].capitalize())
    ev: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": ns},
        "involvedObject": {"kind": kind, "name": obj_name, "namespace": "" if kind in ("Node", "Namespace",
                                                                                       "PersistentVolume") else ns},
        "type": row.get("TYPE") or "", "reason": row.get("REASON") or "", "message": row.get("MESSAGE") or "",
    }
    sub = _none(row.get("SUBOBJECT"))
    if sub:
        ev["involvedObject"]["fieldPath"] = sub
    source = _none(row.get("SOURCE"))
    if source:
        component, _, host = source.partition(",")
        ev["source"] = {"component": component.strip(), **({"host": host.strip()} if host.strip() else {})}
    count = _RESTARTS.match(row.get("COUNT") or "")
    if count:
        ev["count"] = int(count.group(1))
    for field, column in (("lastTimestamp", "LAST SEEN"), ("firstTimestamp", "FIRST SEEN")):
        age = values.parse_age(row.get(column))
        if age is not None and when is not None:
            ev[field] = format_time(when - timedelta(seconds=age))
    return mark_partial(ev, ["metadata.uid", "involvedObject.uid"])


_BUILDERS = {
    "pods": ("Pod", pod_from_row),
    "nodes": ("Node", node_from_row),
    "namespaces": ("Namespace", namespace_from_row),
    "events": ("Event", event_from_row),
}


# --------------------------------------------------------------------------- logs
def _read_pod_logs(ctx: ReadContext, files: dict[str, str], distro: str) -> None:
    prefix = f"{distro}/podlogs/"
    known = {(p["metadata"].get("namespace"), p["metadata"]["name"]) for p in ctx.bundle.objects("Pod")}
    namespaces = sorted({ns for ns, _ in known if ns} | set(SYSTEM_NAMESPACES), key=len, reverse=True)
    copies: dict[tuple[str, str, str], list[tuple[int, str]]] = {}
    for rel, full in files.items():
        if not rel.startswith(prefix):
            continue
        parts = rel[len(prefix):].split("/")
        docker = parts[0].split("_") if len(parts) == 1 else []
        if len(docker) == 6 and docker[0] == "k8s" and docker[5].isdigit():
            # RKE1: `docker logs` of k8s_<container>_<pod>_<namespace>_<uid>_<attempt> (no "_" in any part)
            copies.setdefault((docker[3], docker[2], docker[1]), []).append((int(docker[5]), full))
        elif len(parts) == 1:
            _kubectl_log(ctx, rel, full, namespaces, known)
        elif len(parts) == 3 and parts[2].endswith(".log") and parts[2][:-4].isdigit():
            pod_dir = parts[0].split("_")
            if len(pod_dir) == 3:  # /var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log
                copies.setdefault((pod_dir[0], pod_dir[1], parts[1]), []).append((int(parts[2][:-4]), full))
        else:
            ctx.bundle.other_files[rel] = text_or_gunzipped(ctx, full, rel)
    for (ns, pod, container), logs in copies.items():
        logs.sort()
        # the highest-numbered file is the running container's, the one before it the previous one
        for previous, (_n, full) in zip((False, True), reversed(logs[-2:]), strict=False):
            vpath = f"logs/{ns}/{pod}/{container}{'.previous' if previous else ''}.log"
            ctx.bundle.add_log(ns, pod, container, previous, ctx.text(full, vpath))


def _kubectl_log(ctx: ReadContext, rel: str, full: str, namespaces: list[str],
                 known: set[tuple[str, str]]) -> None:
    """``<ns>-<pod>[-previous]``: split at the namespace (the longest known one that makes a
    known pod, else the longest matching one)."""
    name = rel.rsplit("/", 1)[-1]
    size = ctx.source.files.get(full, 0)
    if size == 0:
        return
    if size < 4096:
        head = ctx.read(full) or b""
        if is_fetch_error(head):
            return  # e.g. "previous terminated container ... not found": no log to attach
    candidates = []
    for ns in namespaces:
        if not name.startswith(ns + "-"):
            continue
        rest = name[len(ns) + 1:]
        for pod, previous in ((rest, False), (rest[: -len("-previous")], True)) if rest.endswith("-previous") \
                else ((rest, False),):
            if pod:
                candidates.append(((ns, pod) in known, (ns, pod, previous)))
    if not candidates:
        ctx.bundle.other_files[rel] = ctx.text(full, rel)
        return
    candidates.sort(key=lambda c: (not c[0], -len(c[1][0]), c[1][2] is False))
    ns, pod, previous = candidates[0][1]
    vpath = f"logs/{ns}/{pod}/{ALL_CONTAINERS}{'.previous' if previous else ''}.log"
    ctx.bundle.add_log(ns, pod, ALL_CONTAINERS, previous, ctx.text(full, vpath))


# --------------------------------------------------------------------------- host files
def _read_host_files(ctx: ReadContext, files: dict[str, str], node: str, distro: str | None) -> None:
    certs: list[str] = []
    for rel, full in files.items():
        top = rel.split("/", 1)[0]
        if distro and (rel.startswith(f"{distro}/kubectl/") or rel.startswith(f"{distro}/podlogs/")):
            continue
        if rel in NODE_FILES:
            _node_file(ctx, node, NODE_FILES[rel], full)
        elif top == "journald" and rel.count("/") == 1:
            _node_file(ctx, node, journal_file(rel.split("/")[1]), full)
        elif top == "systemlogs":
            name = rel.split("/", 1)[1]
            _node_file(ctx, node, "files/var/log/" + (name[:-3] if name.endswith(".gz") else name), full)
        elif distro and rel.startswith(f"{distro}/certs/") and rel.endswith((".crt", ".pem")):
            certs.append(full)
            _node_file(ctx, node, "collector/" + rel, full)
        elif distro and rel.startswith(f"{distro}/agent-logs/"):
            name = rel.split("/", 2)[2]
            plain = name[:-3] if name.endswith(".gz") else name
            _node_file(ctx, node, f"files/var/lib/rancher/{distro}/agent/logs/{plain}", full)
            if name == "kubelet.log":
                _node_file(ctx, node, journal_file("kubelet"), full)
        elif distro and rel == f"{distro}/containerlogs/kubelet":  # RKE1 runs the kubelet in a container
            _node_file(ctx, node, journal_file("kubelet"), full)
            _node_file(ctx, node, "collector/" + rel, full)
        elif distro and rel == f"{distro}/containerd.log":
            _node_file(ctx, node, f"files/var/lib/rancher/{distro}/agent/containerd/containerd.log", full)
        else:
            _node_file(ctx, node, "collector/" + (rel[:-3] if rel.endswith(".gz") else rel), full)
    if certs:
        add_derived_node_file(ctx, node, "commands/cert-expiry.txt",
                              f"{ctx.root}{distro}/certs/ (Not After of each certificate)",
                              cert_expiry_lines(ctx, sorted(certs)))


def _node_file(ctx: ReadContext, node: str, relpath: str, full: str) -> None:
    if (node, relpath) in ctx.bundle.node_files:
        return
    ctx.bundle.add_node_file(node, relpath, text_or_gunzipped(ctx, full, f"nodes/{node}/{relpath}"))
