"""Collector parts that need no cluster: staging and atomic publish, discovery parsing, file
naming, batching, log targets, durations, the kubectl runner's timeout and tail cap."""

from __future__ import annotations

import json
import sys
import tarfile
from pathlib import Path

import pytest

from analyzer.collect.bundle_writer import OutputError, StagedBundle, check_output
from analyzer.collect.commands import default_output, parse_duration
from analyzer.collect.kubectl import Cancelled, Kubectl
from analyzer.collect.logs import LogTarget, log_targets
from analyzer.collect.resources import (
    ApiResource,
    file_bases,
    parse_api_resources,
    plan_batches,
    select_resources,
)

# kubectl api-resources -o wide as kubectl 1.2x prints it (verbs in brackets) ...
OLD_WIDE = """\
NAME                              SHORTNAMES   APIVERSION                             NAMESPACED   KIND                             VERBS
bindings                                       v1                                     true         Binding                          [create]
events                            ev           v1                                     true         Event                            [create delete deletecollection get list patch update watch]
pods                              po           v1                                     true         Pod                              [create delete deletecollection get list patch update watch]
nodes                             no           v1                                     false        Node                             [create delete deletecollection get list patch update watch]
deployments                       deploy       apps/v1                                true         Deployment                       [create delete deletecollection get list patch update watch]
events                            ev           events.k8s.io/v1                       true         Event                            [create delete deletecollection get list patch update watch]
pods                                           metrics.k8s.io/v1beta1                 true         PodMetrics                       [get list]
tokenreviews                                   authentication.k8s.io/v1               false        TokenReview                      [create]
certificates                      cert,certs   cert-manager.io/v1                     true         Certificate                      [delete deletecollection get list patch create update watch]
"""
# ... and as current kubectl does (comma-separated verbs, categories column).
NEW_WIDE = """\
NAME          SHORTNAMES   APIVERSION   NAMESPACED   KIND        VERBS                                                        CATEGORIES
configmaps    cm           v1           true         ConfigMap   create,delete,deletecollection,get,list,patch,update,watch
pods          po           v1           true         Pod         create,delete,deletecollection,get,list,patch,update,watch   all
"""


def test_parse_api_resources_both_formats() -> None:
    old = parse_api_resources(OLD_WIDE)
    assert [(r.full, r.kind, r.namespaced) for r in old] == [
        ("events", "Event", True), ("pods", "Pod", True), ("nodes", "Node", False),
        ("deployments.apps", "Deployment", True), ("events.events.k8s.io", "Event", True),
        ("pods.metrics.k8s.io", "PodMetrics", True), ("certificates.cert-manager.io", "Certificate", True),
    ]
    new = parse_api_resources(NEW_WIDE)
    assert [(r.full, r.api_version) for r in new] == [("configmaps", "v1"), ("pods", "v1")]
    assert parse_api_resources("") == [] and parse_api_resources("error: something\n") == []


def test_selection_names_and_batches() -> None:
    chosen = select_resources(parse_api_resources(OLD_WIDE))
    fulls = [r.full for r in chosen]
    assert "events.events.k8s.io" not in fulls  # same objects as core events
    assert fulls.index("pods") < fulls.index("deployments.apps") < fulls.index("certificates.cert-manager.io")
    bases = file_bases(chosen)
    by_full = {r.full: b for r, b in bases.items()}
    assert by_full["pods"] == "pods" and by_full["deployments.apps"] == "deployments"
    assert by_full["pods.metrics.k8s.io"] == "pods.metrics.k8s.io"  # the name "pods" is taken
    assert by_full["certificates.cert-manager.io"] == "certificates.cert-manager.io"
    batches = plan_batches(chosen)
    assert ["pods"] in [[r.full for r in b] for b in batches]  # heavy: alone
    for b in batches:
        assert len({r.namespaced for r in b}) == 1


def _pod(statuses: list[dict], containers: list[str], init: list[str] = (), phase: str = "Running") -> dict:
    return {"metadata": {"namespace": "ns", "name": "p"},
            "spec": {"containers": [{"name": c} for c in containers], "initContainers": [{"name": c} for c in init]},
            "status": {"phase": phase, "containerStatuses": statuses}}


def test_log_targets_follow_container_state() -> None:
    pod = _pod(
        [{"name": "run", "state": {"running": {}}, "restartCount": 0},
         {"name": "crash", "state": {"waiting": {"reason": "CrashLoopBackOff"}}, "restartCount": 4,
          "lastState": {"terminated": {"exitCode": 1}}},
         {"name": "pull", "state": {"waiting": {"reason": "ImagePullBackOff"}}, "restartCount": 0}],
        ["run", "crash", "pull"], init=["init"])
    pod["status"]["initContainerStatuses"] = [{"name": "init", "state": {"terminated": {"exitCode": 0}}}]
    got = {(t.container, t.previous) for t in log_targets(pod)}
    assert got == {("run", False), ("crash", False), ("crash", True), ("init", False)}
    assert LogTarget("ns", "p", "crash", True).path == "logs/ns/p/crash.previous.log"
    # A pod without any container status (a minimal object) that runs: try the current logs.
    assert {t.container for t in log_targets(_pod([], ["a", "b"]))} == {"a", "b"}
    assert log_targets(_pod([], ["a"], phase="Pending")) == []


@pytest.mark.parametrize(("text", "seconds"), [("24h", 86400), ("1h30m", 5400), ("2d", 172800), ("90", 90),
                                               ("45s", 45), ("1.5h", 5400)])
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "soon", "24x", "-1h", "0s", "1h 30m"])
def test_parse_duration_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_default_output_name() -> None:
    from datetime import UTC, datetime

    assert str(default_output(datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC))) == "kbundle-20260301T120005Z.tar.gz"


# ----------------------------------------------------------------------------- staging


def test_tarball_is_published_atomically_with_manifest(tmp_path: Path) -> None:
    out = tmp_path / "b.tar.gz"
    staged = StagedBundle(out)
    assert staged.tmp.parent == tmp_path and staged.tmp.name.startswith(".kbundle-tmp-")
    staged.put("cluster/nodes.json", b'{"items": []}\n', command="kubectl get nodes -o json", duration_s=0.25)
    staged.error("list secrets", "kubectl get secrets -A -o json", "Forbidden")
    assert not out.exists()  # nothing under the output name until published
    staged.publish({"kbundle_format": 1})
    assert out.is_file() and not staged.tmp.exists()
    with tarfile.open(out) as tar:
        names = sorted(tar.getnames())
        manifest = json.loads(tar.extractfile("b/manifest.json").read())  # type: ignore[union-attr]
    assert names == ["b", "b/cluster", "b/cluster/nodes.json", "b/manifest.json"]
    [entry] = manifest["files"]
    assert entry["size"] == 14 and entry["command"] == "kubectl get nodes -o json" and len(entry["sha256"]) == 64
    assert manifest["errors"] == [{"step": "list secrets", "command": "kubectl get secrets -A -o json",
                                   "error": "Forbidden"}]
    assert out.stat().st_mode & 0o077 == 0  # private: it describes a cluster


def test_directory_output_and_abort(tmp_path: Path) -> None:
    out = tmp_path / "dir-bundle"
    staged = StagedBundle(out)
    staged.put("logs/ns/p/c.log", b"hello\n", command="kubectl logs")
    staged.publish({"kbundle_format": 1})
    assert (out / "logs/ns/p/c.log").read_bytes() == b"hello\n" and (out / "manifest.json").is_file()
    aborted = StagedBundle(tmp_path / "other.tar.gz")
    aborted.put("a.txt", b"x", command="c")
    aborted.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir-bundle"]
    with pytest.raises(RuntimeError):
        aborted.put("b.txt", b"x", command="c")


@pytest.mark.parametrize("rel", ["../x", "/etc/passwd", "a//b", "a/./b", "a/\x00"])
def test_unsafe_paths_refused(tmp_path: Path, rel: str) -> None:
    staged = StagedBundle(tmp_path / "b.tgz")
    with pytest.raises(ValueError):
        staged.put(rel, b"x", command="c")
    staged.abort()


def test_output_checks(tmp_path: Path) -> None:
    (tmp_path / "exists.tar.gz").write_bytes(b"x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full/f").write_bytes(b"x")
    (tmp_path / "empty").mkdir()
    for bad in ("exists.tar.gz", "full", "missing-dir/b.tar.gz"):
        with pytest.raises(OutputError):
            check_output(tmp_path / bad)
    check_output(tmp_path / "empty")
    check_output(tmp_path / "new.tgz")


# ----------------------------------------------------------------------------- runner
# A stand-in for kubectl (a Python one-liner) only to drive the runner's timeout and cap.


def fake_kubectl(tmp_path: Path, body: str) -> str:
    path = tmp_path / "fake_kubectl"
    path.write_text(f"#!{sys.executable}\nimport sys, time\n{body}\n")
    path.chmod(0o755)
    return str(path)


def test_runner_keeps_newest_bytes_and_reports_args(tmp_path: Path) -> None:
    binary = fake_kubectl(tmp_path, "sys.stdout.write(' '.join(sys.argv[1:]) + '\\n')\n"
                                    "sys.stdout.write(''.join(f'line {i}\\n' for i in range(100000)))")
    k = Kubectl(binary, kubeconfig=Path("/k"), context="c", timeout_s=30)
    r = k.run(["logs", "p"], max_stdout=1000)
    assert r.ok and r.truncated and len(r.stdout) == 1000 and r.stdout.endswith(b"line 99999\n")
    assert r.command == "kubectl logs p"
    full = k.run(["get", "pods"])
    assert full.stdout.startswith(b"--kubeconfig=/k --context=c --request-timeout=30s get pods\n")


def test_runner_timeout_kills_and_reports(tmp_path: Path) -> None:
    binary = fake_kubectl(tmp_path, "time.sleep(60)")
    k = Kubectl(binary, timeout_s=0.1)
    import analyzer.collect.kubectl as kmod

    grace = kmod.KILL_GRACE_S
    kmod.KILL_GRACE_S = 0.2
    try:
        r = k.run(["get", "pods"])
    finally:
        kmod.KILL_GRACE_S = grace
    assert r.timed_out and not r.ok and r.error_line().startswith("timed out after")
    k.cancel()
    with pytest.raises(Cancelled):
        k.run(["get", "pods"])


def test_runner_error_line_is_the_error_not_the_warning(tmp_path: Path) -> None:
    binary = fake_kubectl(tmp_path, "sys.stderr.write('Warning: deprecated\\nError from server (Forbidden): no\\n'); "
                                    "sys.exit(1)")
    r = Kubectl(binary).run(["get", "x"])
    assert r.returncode == 1 and r.error_line() == "Error from server (Forbidden): no"
    missing = Kubectl(str(tmp_path / "nope")).run(["version"])
    assert missing.returncode == 127 and "cannot run" in missing.stderr


def test_api_resource_names() -> None:
    r = ApiResource("deployments", "apps", "v1", "Deployment", True)
    assert r.full == "deployments.apps" and r.api_version == "apps/v1"
