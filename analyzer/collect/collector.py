"""One collection run: version, discovery, objects, logs, nodes -> a staged bundle -> published.

:class:`Collector` does the work; :mod:`analyzer.collect.commands` turns options into a
:class:`CollectOptions`, handles Ctrl-C and prints the summary.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from analyzer import __version__
from analyzer.bundle.native_writer import FORMAT_VERSION
from analyzer.collect.bundle_writer import StagedBundle
from analyzer.collect.kubectl import CallResult, Cancelled, Kubectl
from analyzer.collect.logs import NO_SUCH_LOG, LogTarget, fetch_log, log_targets
from analyzer.collect.nodes import DEFAULT_IMAGE, DEFAULT_NAMESPACE, NodeCollector
from analyzer.collect.proxy import KubectlProxy
from analyzer.collect.redact import Redactor, redact_url
from analyzer.collect.resources import (
    ApiResource,
    ListOutcome,
    ResourceLister,
    file_bases,
    parse_api_resources,
    plan_batches,
    select_resources,
)
from analyzer.progress import Progress


class Unusable(Exception):
    """Nothing usable can be collected (kubectl missing, cluster unreachable); one line."""


@dataclass
class CollectOptions:
    output: Path
    kubectl: str = "kubectl"
    kubeconfig: Path | None = None
    context: str | None = None
    namespaces: list[str] = field(default_factory=list)
    since_s: int | None = None
    max_log_bytes: int = 10 * 1024 * 1024
    nodes: list[str] = field(default_factory=lambda: ["all"])  # ["all"], ["none"] or node names
    concurrency: int = 4
    redact_patterns: list[str] = field(default_factory=list)
    timeout_s: float = 60.0
    node_namespace: str = DEFAULT_NAMESPACE
    node_image: str = DEFAULT_IMAGE
    node_since_s: int = 86400


@dataclass
class CollectResult:
    output: Path
    manifest: dict[str, Any]
    outcomes: list[ListOutcome]
    logs_ok: int
    logs_failed: int
    nodes_ok: list[str]
    nodes_failed: list[str]
    bytes_written: int
    logs_absent: int = 0  # logs the server did not have (a container never started, no previous run)

    @property
    def exit_code(self) -> int:
        return 3 if self.manifest.get("errors") else 0


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Collector:
    """Runs one collection.  ``cancel()`` (from a signal handler's thread) stops it."""

    def __init__(self, opts: CollectOptions, progress: Progress | None = None) -> None:
        self.opts = opts
        self.progress = progress or Progress("collect", quiet=True)
        self.redactor = Redactor(opts.redact_patterns)
        self.kubectl = Kubectl(opts.kubectl, opts.kubeconfig, opts.context, timeout_s=opts.timeout_s)
        self.writer: StagedBundle | None = None
        self.nodes: NodeCollector | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._node_pool: ThreadPoolExecutor | None = None
        self._pods: list[dict[str, Any]] = []
        self._node_names: list[str] = []
        self._targets: list[LogTarget] = []
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ steps
    def check_cluster(self) -> tuple[str | None, dict[str, Any]]:
        """Server version and context; raises :class:`Unusable` if the cluster is unreachable."""
        version = self.kubectl.run(["version", "-o", "json"])
        server = None
        try:
            doc = orjson.loads(version.stdout) if version.stdout.strip() else {}
            server = (doc.get("serverVersion") or {}).get("gitVersion")
        except (orjson.JSONDecodeError, AttributeError):
            doc = {}
        if not server:
            where = f"context {self.opts.context}" if self.opts.context else "the current context"
            raise Unusable(f"cannot reach the cluster of {where}: {version.error_line()}")
        cluster: dict[str, Any] = {"version": server, "context": self.opts.context, "server": None}
        view = self.kubectl.run(["config", "view", "--minify", "-o", "json"], request_timeout=False)
        if view.ok:
            try:
                cfg = orjson.loads(view.stdout)
                cluster["context"] = cfg.get("current-context") or self.opts.context
                clusters = cfg.get("clusters") or []
                if clusters:
                    cluster["server"] = redact_url((clusters[0].get("cluster") or {}).get("server"))
            except (orjson.JSONDecodeError, AttributeError, TypeError):
                pass
        return server, {"cluster": cluster, "version_doc": doc, "version_call": version}

    def run(self) -> CollectResult:
        opts = self.opts
        started = utc_now()
        server, info = self.check_cluster()
        writer = self.writer = StagedBundle(opts.output)
        version_call: CallResult = info["version_call"]
        writer.put("discovery/version.json", orjson.dumps(info["version_doc"], option=orjson.OPT_INDENT_2) + b"\n",
                   command=version_call.command, exit_code=version_call.returncode,
                   duration_s=version_call.duration_s)
        self._pool = ThreadPoolExecutor(max_workers=max(1, opts.concurrency), thread_name_prefix="kbundle")
        try:
            return self._collect(writer, started, info)
        except BaseException:
            self.cancel()  # first: stop kubectl so the workers finish at once
            self._shutdown_pools()
            writer.abort()
            raise

    def _collect(self, writer: StagedBundle, started: str, info: dict[str, Any]) -> CollectResult:
        resources = self._discover()
        outcomes = self._list(resources)
        collected_at = utc_now()
        if outcomes and all(o.error for o in outcomes):
            errors = [e["error"] for e in writer.errors]
            raise Unusable("could not list anything: " + (errors[0] if errors else "no listable resources"))
        logs_ok, logs_failed, logs_absent, nodes_ok, nodes_failed = self._logs_and_nodes()
        self._shutdown_pools()
        finished = utc_now()
        manifest = {
            "kbundle_format": FORMAT_VERSION,
            "collector": {"name": "kbundle", "version": __version__, "kubectl": self._client_version(info)},
            "started_at": started,
            "finished_at": finished,
            "collected_at": collected_at,
            "cluster": info["cluster"],
            "options": self._options_record(),
            "resources": [
                {"resource": o.resource.full, "kind": o.resource.kind, "namespaced": o.resource.namespaced,
                 "count": o.count, "error": o.error}
                for o in outcomes
            ],
            "redactions": self.redactor.counts(),
            "notes": list(writer.skipped),
        }
        out = writer.publish(manifest)
        manifest["files"], manifest["errors"] = writer.files, writer.errors
        return CollectResult(out, manifest, outcomes, logs_ok, logs_failed, nodes_ok, nodes_failed,
                             writer.bytes_written, logs_absent)

    def _discover(self) -> list[ApiResource]:
        assert self.writer is not None
        result = self.kubectl.run(["api-resources", "-o", "wide"])
        text = result.stdout.decode("utf-8", errors="replace")
        found = parse_api_resources(text)
        if text.strip():
            self.writer.put("discovery/api-resources.txt", text.encode(), command=result.command,
                            exit_code=result.returncode, duration_s=result.duration_s)
        if not result.ok:
            # Partial discovery (an aggregated API down) still lists the rest.
            self.writer.error("discovery", result.command, result.error_line())
        if not found:
            raise Unusable(f"API discovery returned nothing: {result.error_line()}")
        return select_resources(found)

    def _list(self, resources: list[ApiResource]) -> list[ListOutcome]:
        assert self.writer is not None and self._pool is not None
        lister = ResourceLister(self.kubectl, self.writer, self.redactor, file_bases(resources),
                                self.opts.namespaces, on_items=self._on_items)
        batches = plan_batches(resources)
        self.progress.add("resources", len(resources))
        outcomes: list[ListOutcome] = []

        def done(results: list[ListOutcome]) -> None:
            outcomes.extend(results)
            for o in results:
                self.progress.step("resources", ok=o.error is None)

        self._run_all(self._pool, [(lister.list_batch, (b,)) for b in batches], done)
        order = {r: i for i, r in enumerate(resources)}
        outcomes.sort(key=lambda o: order.get(o.resource, 0))
        return outcomes

    def _on_items(self, resource: ApiResource, items: list[dict[str, Any]]) -> None:
        if resource.group == "" and resource.name == "pods":
            targets = [t for pod in items for t in log_targets(pod)]
            with self._lock:
                self._targets.extend(targets)
        elif resource.group == "" and resource.name == "nodes":
            names = [str((it.get("metadata") or {}).get("name")) for it in items
                     if isinstance(it.get("metadata"), dict) and (it["metadata"].get("name"))]
            with self._lock:
                self._node_names = names

    def _logs_and_nodes(self) -> tuple[int, int, int, list[str], list[str]]:
        assert self.writer is not None and self._pool is not None
        opts, writer = self.opts, self.writer
        targets = list(self._targets) if opts.max_log_bytes > 0 else []
        nodes = self._nodes_to_collect()
        log_results: dict[LogTarget, str | None] = {}
        node_results: dict[str, str | None] = {}
        futures: dict[Future[Any], Callable[[Any], None]] = {}
        if nodes:
            self.nodes = NodeCollector(self.kubectl, writer, self.redactor, namespace=opts.node_namespace,
                                       image=opts.node_image, since_s=opts.node_since_s,
                                       max_bytes=max(opts.max_log_bytes, 1024 * 1024),
                                       start_timeout_s=opts.timeout_s, run_timeout_s=max(120.0, 4 * opts.timeout_s))
            self.progress.add("nodes", len(nodes))
            self._node_pool = ThreadPoolExecutor(max_workers=max(1, opts.concurrency), thread_name_prefix="kbundle-node")
            for n in nodes:
                fut = self._node_pool.submit(self.nodes.collect, n)
                futures[fut] = self._record(node_results, n, "nodes")
        proxy = self._start_proxy() if targets else None
        if targets:
            self.progress.add("logs", len(targets))
        for t in targets:
            fut = self._pool.submit(fetch_log, self.kubectl, t, writer, self.redactor, opts.max_log_bytes,
                                    opts.since_s, proxy)
            futures[fut] = self._record(log_results, t, "logs")
        try:
            self._wait(futures)
        except BaseException:
            self.cancel()  # before stopping the proxy: its workers must not fall back to kubectl logs
            raise
        finally:
            if proxy is not None:
                proxy.stop()
                if proxy.socket_path.parent != writer.tmp:
                    shutil.rmtree(proxy.socket_path.parent, ignore_errors=True)
        logs_ok = sum(1 for v in log_results.values() if v is None)
        logs_absent = sum(1 for v in log_results.values() if v == NO_SUCH_LOG)
        nodes_ok = sorted(n for n, v in node_results.items() if not v)
        nodes_failed = sorted(n for n, v in node_results.items() if v)
        return logs_ok, len(log_results) - logs_ok - logs_absent, logs_absent, nodes_ok, nodes_failed

    def _start_proxy(self) -> KubectlProxy | None:
        """One ``kubectl proxy`` for all the log reads (see :mod:`analyzer.collect.proxy`)."""
        assert self.writer is not None
        sock = self.writer.tmp / "proxy.sock"
        if len(os.fsencode(sock)) > 100:  # unix socket paths are short; use a private dir in /tmp
            sock = Path(tempfile.mkdtemp(prefix="kbundle-proxy-")) / "proxy.sock"
        proxy = KubectlProxy(self.kubectl, sock)
        if proxy.start():
            return proxy
        self.writer.skip("kubectl proxy", f"not available ({proxy.start_error()}); logs fetched with kubectl logs")
        if sock.parent != self.writer.tmp:
            shutil.rmtree(sock.parent, ignore_errors=True)
        return None

    def _record(self, results: dict[Any, str | None], key: Any, phase: str) -> Callable[[Any], None]:
        def done(value: Any) -> None:
            results[key] = value
            self.progress.step(phase, ok=not value)

        return done

    def _nodes_to_collect(self) -> list[str]:
        assert self.writer is not None
        wanted = [n for n in self.opts.nodes if n]
        if not wanted or wanted == ["none"]:
            return []
        known = self._node_names
        if wanted == ["all"]:
            return sorted(known)
        out = []
        for n in wanted:
            if known and n not in known:
                self.writer.error(f"node {n}", "", f"node {n} not found in the cluster")
            else:
                out.append(n)
        return out

    # ------------------------------------------------------------------ running
    def _run_all(self, pool: ThreadPoolExecutor, calls: Iterable[tuple[Callable[..., Any], tuple[Any, ...]]],
                 done: Callable[[Any], None]) -> None:
        futures = {pool.submit(fn, *args): done for fn, args in calls}
        self._wait(futures)

    def _wait(self, futures: dict[Future[Any], Callable[[Any], None]]) -> None:
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            for f in finished:
                try:
                    value = f.result()
                except Cancelled:
                    raise
                except Exception as e:  # noqa: BLE001 - a bug in one step must not lose the bundle
                    if self.writer is not None:
                        self.writer.error("internal error", "", f"{type(e).__name__}: {e}")
                    continue
                futures[f](value)

    def _shutdown_pools(self) -> None:
        for pool in (self._pool, self._node_pool):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    def cancel(self) -> None:
        """Stop all kubectl processes and pending work (called on Ctrl-C)."""
        self.kubectl.cancel()
        for pool in (self._pool, self._node_pool):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    def cleanup_after_cancel(self) -> None:
        """Delete debug pods still alive and remove the staged files."""
        if self.nodes is not None:
            cleaner = Kubectl(self.opts.kubectl, self.opts.kubeconfig, self.opts.context, timeout_s=10)
            for ns, name in self.nodes.live_pods():
                cleaner.run(["delete", "pod", "-n", ns, name, "--ignore-not-found", "--wait=false",
                             "--grace-period=0", "--force"], timeout_s=10)
        self._shutdown_pools()
        if self.writer is not None:
            self.writer.abort()

    # ------------------------------------------------------------------ manifest bits
    def _options_record(self) -> dict[str, Any]:
        o = self.opts
        return {
            "kubeconfig": "given" if o.kubeconfig else None,
            "context": o.context,
            "namespaces": list(o.namespaces),
            "since_s": o.since_s,
            "max_log_bytes": o.max_log_bytes,
            "nodes": list(o.nodes),
            "node_namespace": o.node_namespace,
            "node_image": o.node_image,
            "concurrency": o.concurrency,
            "timeout_s": o.timeout_s,
            "redact_patterns": len(o.redact_patterns),  # never the patterns: they may contain secrets
        }

    @staticmethod
    def _client_version(info: dict[str, Any]) -> str | None:
        doc = info.get("version_doc") or {}
        client = doc.get("clientVersion") if isinstance(doc, dict) else None
        return client.get("gitVersion") if isinstance(client, dict) else None
