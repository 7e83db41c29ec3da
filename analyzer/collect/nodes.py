"""Node data through a short-lived privileged pod per node running the node script.

For each node: create a pod pinned to it (hostPID, hostNetwork, privileged, the host's ``/``
mounted at ``/host``, tolerating every taint, sleeping until a deadline so it ends even if
the collector dies), wait until it is Ready, ``kubectl exec`` the node script (sent on
stdin) which writes a tar.gz of ``nodes/<node>/...`` to stdout, delete the pod.  The
tarball is read in memory with strict member checks, every file is redacted and written
into the bundle; the script's ``status.tsv`` gives each file's command, exit status and
duration.  A pod that cannot be created or never starts is one recorded error; the
collection goes on.
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import orjson

from analyzer.collect.bundle_writer import StagedBundle, safe_relpath
from analyzer.collect.kubectl import Kubectl
from analyzer.collect.redact import Redactor

DEFAULT_IMAGE = "busybox:1.36"
DEFAULT_NAMESPACE = "default"
MAX_NODE_TARBALL = 512 * 1024 * 1024
LABELS = {"app.kubernetes.io/name": "kbundle-node-collector", "app.kubernetes.io/managed-by": "kbundle"}


def node_script() -> bytes:
    """The node script shipped inside the package."""
    return resources.files("analyzer.collect").joinpath("node_script.sh").read_bytes()


def pod_name(node: str) -> str:
    digest = hashlib.sha256(f"{node}{time.time_ns()}".encode()).hexdigest()[:6]
    stem = re.sub(r"[^a-z0-9-]+", "-", node.lower()).strip("-")[:40] or "node"
    return f"kbundle-node-{stem}-{digest}".replace("--", "-")


def pod_manifest(node: str, name: str, namespace: str, image: str, lifetime_s: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(LABELS)},
        "spec": {
            "nodeName": node,
            "hostPID": True,
            "hostNetwork": True,
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 0,
            "activeDeadlineSeconds": lifetime_s,
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "tolerations": [{"operator": "Exists"}],
            "containers": [
                {
                    "name": "collector",
                    "image": image,
                    "command": ["sleep", str(lifetime_s)],
                    "securityContext": {"privileged": True},
                    "volumeMounts": [{"name": "host", "mountPath": "/host"}],
                    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                }
            ],
            "volumes": [{"name": "host", "hostPath": {"path": "/"}}],
        },
    }


@dataclass
class NodeCollector:
    """Collects nodes; remembers the pods it created so an interrupt can delete them."""

    kubectl: Kubectl
    writer: StagedBundle
    redactor: Redactor
    namespace: str = DEFAULT_NAMESPACE
    image: str = DEFAULT_IMAGE
    since_s: int = 86400
    max_bytes: int = 20_000_000
    start_timeout_s: float = 60.0
    run_timeout_s: float = 240.0
    _live: set[tuple[str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def collect(self, node: str) -> str | None:
        """Collect one node.  Returns None on success, else the recorded error."""
        step = f"node {node}"
        name = pod_name(node)
        lifetime = int(self.start_timeout_s + self.run_timeout_s + 120)
        manifest = pod_manifest(node, name, self.namespace, self.image, lifetime)
        with self._lock:
            self._live.add((self.namespace, name))  # before creating: an interrupt may come mid-call
        created = self.kubectl.run(["create", "-f", "-", "-o", "name"], stdin=orjson.dumps(manifest))
        if not created.ok:
            with self._lock:
                self._live.discard((self.namespace, name))
            return self._fail(step, created.command, f"cannot create the debug pod: {created.error_line()}")
        try:
            waited = self.kubectl.run(
                ["wait", "-n", self.namespace, "--for=condition=Ready", f"pod/{name}",
                 f"--timeout={int(self.start_timeout_s)}s"],
                timeout_s=self.start_timeout_s + 10,
            )
            if not waited.ok:
                why = self._pod_state(name) or waited.error_line()
                return self._fail(step, waited.command,
                                  f"debug pod did not start within {int(self.start_timeout_s)}s: {why}")
            args = ["exec", "-i", "-n", self.namespace, name, "-c", "collector", "--",
                    "sh", "-s", "--", "-o", "-", "-r", "/host", "-n", node, "-s", str(self.since_s),
                    "-m", str(self.max_bytes), "-M"]
            before = time.time()
            ran = self.kubectl.run(args, stdin=node_script(), timeout_s=self.run_timeout_s, request_timeout=False)
            after = time.time()
            if not ran.ok or not ran.stdout:
                return self._fail(step, ran.command, f"node script failed: {ran.error_line()}")
            try:
                self._store(node, ran.stdout, ran.command, (before, after))
            except (tarfile.TarError, OSError, EOFError, ValueError) as e:
                return self._fail(step, ran.command, f"node script output unreadable: {e}")
            return None
        finally:
            self.delete(self.namespace, name)

    def _fail(self, step: str, command: str, error: str) -> str:
        self.writer.error(step, command, error)
        return error

    def _pod_state(self, name: str) -> str:
        """Why a pod is not ready, from its status (best effort)."""
        got = self.kubectl.run(["get", "pod", "-n", self.namespace, name, "-o", "json"], timeout_s=15)
        if not got.ok:
            return ""
        try:
            pod = orjson.loads(got.stdout)
        except orjson.JSONDecodeError:
            return ""
        status = pod.get("status") or {}
        for st in status.get("containerStatuses") or []:
            waiting = (st.get("state") or {}).get("waiting") or {}
            if waiting.get("reason"):
                return f"{waiting['reason']}: {waiting.get('message', '')}".strip(": ")
        for cond in status.get("conditions") or []:
            if cond.get("status") != "True" and cond.get("message"):
                return f"{cond.get('reason', '')}: {cond['message']}".strip(": ")
        return f"phase {status.get('phase', 'unknown')}"

    def delete(self, namespace: str, name: str) -> None:
        self.kubectl.run(["delete", "pod", "-n", namespace, name, "--ignore-not-found", "--wait=false",
                          "--grace-period=0", "--force"], timeout_s=20)
        with self._lock:
            self._live.discard((namespace, name))

    def live_pods(self) -> list[tuple[str, str]]:
        with self._lock:
            return sorted(self._live)

    def _store(self, node: str, tarball: bytes, command: str, clock: tuple[float, float]) -> None:
        files = read_node_tarball(tarball, node)
        status = parse_status(files.pop("status.tsv", b""))
        files.pop("errors.txt", None)
        for rel, data in sorted(files.items()):
            key = rel[: -len(".txt")].removeprefix("commands/") if rel.startswith("commands/") else rel
            st = status.get(key, {})
            extra: dict[str, Any] = {}
            if rel == "commands/date-epoch.txt":
                extra = {"collector_time_before": round(clock[0], 3), "collector_time_after": round(clock[1], 3)}
            self.writer.put(
                f"nodes/{node}/{rel}", self.redactor.data(data),
                command=f"node script: {st.get('command', rel)} ({command.split(' --', 1)[0]})",
                exit_code=st.get("exit_code", 0), duration_s=st.get("duration_s", 0.0), **extra,
            )
        for name, st in status.items():
            if st["exit_code"] != 0:
                self.writer.skip(f"node {node}: {name}", f"{st['why']}: {st['command']} {st['message']}".strip())


def parse_status(raw: bytes) -> dict[str, dict[str, Any]]:
    """``status.tsv`` (name, exit status, seconds, command, first error line) -> last entry per name."""
    out: dict[str, dict[str, Any]] = {}
    for line in raw.decode("utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) < 4 or not parts[0]:
            continue
        rc_text = parts[1]
        rc = int(rc_text) if rc_text.lstrip("-").isdigit() else -1
        why = ("tool not found" if rc in (126, 127) else "not present" if rc_text == "missing"
               else f"exit status {rc_text}")
        try:
            duration = float(parts[2])
        except ValueError:
            duration = 0.0
        out[parts[0]] = {"exit_code": rc, "duration_s": duration, "command": parts[3],
                         "message": parts[4] if len(parts) > 4 else "", "why": why}
    return out


def read_node_tarball(data: bytes, node: str) -> dict[str, bytes]:
    """Files of ``nodes/<node>/`` in the script's tar.gz, by path relative to that folder.

    Only regular files with safe names under that folder are taken; the total size is capped."""
    out: dict[str, bytes] = {}
    total = 0
    prefix = f"nodes/{node}/"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar:
            name = member.name.removeprefix("./")
            if not member.isfile():
                continue
            if not name.startswith(prefix):
                raise ValueError(f"unexpected member {name!r}")
            rel = safe_relpath(name[len(prefix):])
            total += member.size
            if total > MAX_NODE_TARBALL:
                raise ValueError("node output larger than 512 MiB")
            f = tar.extractfile(member)
            if f is not None:
                out[rel] = f.read()
    return out
