"""The real kubectl against real bundles from ../shared/realdata (skipped when absent or
when the reader cannot read the format yet)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_kubectl import Kubectl, serve_realdata, table

from analyzer.bundle.event_objects import is_known_only_from_events
from analyzer.serve.server import BundleServer

REAL_BUNDLES = ["troubleshoot-k3d-bundle/support-bundle.tar.gz", "must-gather-metal/must-gather-metal.tar.xz"]


@pytest.fixture(scope="module", params=[REAL_BUNDLES[0], pytest.param(REAL_BUNDLES[1], marks=pytest.mark.slow)],
                ids=["troubleshoot", "must-gather"])
def real(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, kubectl_bin: str
         ) -> Iterator[tuple[BundleServer, Kubectl]]:
    yield from serve_realdata(request.param, tmp_path_factory, kubectl_bin)


def _key(obj: dict) -> tuple[str, str]:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def test_pods_json_is_exactly_the_bundles_pods(real: tuple[BundleServer, Kubectl]) -> None:
    server, kubectl = real
    items = kubectl.json("get", "pods", "-A")["items"]
    bundle_pods = server.bundle.objects("Pod")
    assert sorted(_key(i) for i in items) == sorted(_key(p) for p in bundle_pods)
    by_key = {_key(p): p for p in bundle_pods}
    for item in items:
        source = by_key[_key(item)]
        # pods known only from events (partial objects) have neither spec nor status
        assert item.get("spec") == source.get("spec") and item.get("status") == source.get("status")


def test_get_pods_nodes_and_deployments_rows(real: tuple[BundleServer, Kubectl]) -> None:
    server, kubectl = real
    rows = table(kubectl.ok("get", "pods", "-A"))
    assert len(rows) == len(server.bundle.objects("Pod"))
    # a pod known only from its events has no status nor creation time: its row is mostly unknown, honestly
    from_events = {p["metadata"]["name"] for p in server.bundle.objects("Pod") if is_known_only_from_events(p)}
    assert all(r["STATUS"] and r["READY"] and r["AGE"] != "<unknown>" for r in rows if r["NAME"] not in from_events)
    nodes = table(kubectl.ok("get", "nodes", "-o", "wide"))
    assert [r["NAME"] for r in nodes] == server.bundle.node_names()
    assert all(r["STATUS"] in ("Ready", "NotReady", "Unknown") or "," in r["STATUS"] for r in nodes)
    deploys = table(kubectl.ok("get", "deploy", "-A", "-o", "wide"))
    assert len(deploys) == len(server.bundle.objects("Deployment"))
    assert all(r["IMAGES"] and r["SELECTOR"] for r in deploys)


def test_events_by_field_selector(real: tuple[BundleServer, Kubectl]) -> None:
    server, kubectl = real
    involved: dict[tuple[str, str], int] = {}
    for e in server.bundle.objects("Event"):
        ref = e.get("involvedObject") or e.get("regarding") or {}
        if ref.get("kind") == "Pod" and e["metadata"].get("namespace") and ref.get("name"):
            key = (e["metadata"]["namespace"], ref["name"])
            involved[key] = involved.get(key, 0) + 1
    if not involved:
        pytest.skip("no pod events in this bundle")
    (ns, name), count = max(involved.items(), key=lambda kv: kv[1])
    rows = table(kubectl.ok("get", "events", "-n", ns, "--field-selector", f"involvedObject.name={name}"))
    assert len(rows) == count and {r["OBJECT"] for r in rows} == {f"pod/{name}"}


def test_describe_pod(real: tuple[BundleServer, Kubectl]) -> None:
    server, kubectl = real
    pods = [p for p in server.bundle.objects("Pod") if not is_known_only_from_events(p)]  # collected pods
    pod = max(pods, key=lambda p: (len(server.bundle.events_for(p)), len(p["spec"]["containers"])))
    ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
    described = kubectl.ok("describe", "pod", "-n", ns, name)
    for c in pod["spec"]["containers"]:
        assert f"\n  {c['name']}:\n" in described
    assert "State:" in described and "Restart Count:" in described
    events = described.split("\nEvents:", 1)[1]
    reasons = {e.get("reason") for e in server.bundle.events_for(pod)}
    if reasons:
        assert all(r in events for r in reasons if r)
    else:
        assert events.strip() == "<none>"


def test_previous_log_tail(real: tuple[BundleServer, Kubectl]) -> None:
    server, kubectl = real
    previous = sorted(k for k in server.bundle.logs if k[3] and server.bundle.get("Pod", k[0], k[1]))
    if not previous:
        pytest.skip("no previous logs in this bundle")
    ns, pod, container, _ = previous[0]
    out = kubectl.ok("logs", "-n", ns, pod, "-c", container, "--previous", "--tail", "5")
    text = server.bundle.log(ns, pod, container, True).text()
    assert out.splitlines() == text.splitlines()[-5:]


def test_writes_are_refused(real: tuple[BundleServer, Kubectl], tmp_path: Path) -> None:
    server, kubectl = real
    pod = server.bundle.objects("Pod")[0]
    proc = kubectl.run("delete", "pod", "-n", pod["metadata"]["namespace"], pod["metadata"]["name"])
    assert proc.returncode != 0 and "kbundle serve is read-only" in proc.stderr
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kbundle-test, namespace: default}\n")
    proc = kubectl.run("apply", "-f", str(manifest))
    assert proc.returncode != 0 and "kbundle serve is read-only" in proc.stderr
    assert len(kubectl.json("get", "pods", "-A")["items"]) == len(server.bundle.objects("Pod"))


def test_api_resources_and_every_list(real: tuple[BundleServer, Kubectl]) -> None:
    """What the collector's end-to-end test does: every listable resource as JSON."""
    server, kubectl = real
    names = kubectl.ok("api-resources", "--verbs=list", "-o", "name").split()
    assert "pods" in names and "deployments.apps" in names
    # the model indexes custom kinds that reuse a built-in name group-qualified (Ingress.config.openshift.io)
    kinds_in_bundle = {k.split(".", 1)[0] for k in server.bundle.kinds()}
    served = {r.kind for r in server.api.catalog.resources}
    assert kinds_in_bundle <= served
    # a sample of custom resources present in the bundle lists exactly its objects
    custom = [r for r in server.api.catalog.resources if not r.builtin and r.objects][:3]
    for res in custom:
        items = kubectl.json("get", f"{res.plural}.{res.version}.{res.group}", "-A")["items"]
        assert sorted(_key(i) for i in items) == sorted(_key(o) for o in res.objects)
