"""The native format: what write_native writes, open_bundle reads back into the model; broken
files become problems and the rest is still read."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.bundle.formats.native import manifest_schema
from analyzer.bundle.native_writer import write_native
from analyzer.bundle.reader import open_bundle
from tests.bundle.conftest import COLLECTED, core_event, new_event, node, pod, tar_dir, write


def _objects() -> list[dict]:
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": {"name": "web", "namespace": "shop", "uid": "uid-deploy"},
              "spec": {"selector": {"matchLabels": {"app": "web"}}}}
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
          "metadata": {"name": "web-5d8f", "namespace": "shop", "uid": "uid-rs",
                       "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": "uid-deploy",
                                            "controller": True}]}}
    web = pod("web-1", "shop", metadata={"name": "web-1", "namespace": "shop", "uid": "uid-web-1",
                                         "labels": {"app": "web"},
                                         "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d8f",
                                                              "uid": "uid-rs", "controller": True}]})
    pending = pod("db-0", "shop", node="")
    crd_obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1", "namespace": "shop"}}
    return [node("node-1"), node("node-2"), deploy, rs, web, pending, crd_obj,
            core_event("web-1.backoff", "shop", web), new_event("db-0.sched", "shop", pending),
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}]


def _bundle(root: Path) -> Path:
    return write_native(
        root, _objects(),
        logs={("shop", "web-1", "app", False): "started\n", ("shop", "web-1", "app", True): "panic: boom\n"},
        node_files={("node-1", "commands/dmesg.txt"): "[1.0] oom-kill\n",
                    ("node-1", "files/etc/kubernetes/kubelet.conf"): "apiVersion: v1\n"},
        cluster_version="v1.30.2", collected_at=COLLECTED,
    )


def test_native_round_trip_fills_the_model(tmp_path):
    b = open_bundle(_bundle(tmp_path / "b"))
    assert b.format == "native"
    assert b.cluster_version == "v1.30.2"
    assert b.collected_at == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert b.counts() == {"Deployment": 1, "Event": 2, "Namespace": 1, "Node": 2, "Pod": 2, "ReplicaSet": 1,
                          "Widget": 1}
    assert b.problems == []
    web = b.get("Pod", "shop", "web-1")
    assert [o["kind"] for o in b.owner_chain(web)] == ["ReplicaSet", "Deployment"]
    assert [e["reason"] for e in b.events_for(web)] == ["BackOff"]
    # events.k8s.io/v1 events are indexed by `regarding`
    assert [e["reason"] for e in b.events_for(b.get("Pod", "shop", "db-0"))] == ["FailedScheduling"]
    assert [p["metadata"]["name"] for p in b.pods_on_node("node-1")] == ["web-1"]
    assert b.log("shop", "web-1", "app").text() == "started\n"
    assert b.log("shop", "web-1", "app", previous=True).text() == "panic: boom\n"
    tf = b.node_file("node-1", "commands/dmesg.txt")
    assert tf.vpath == "nodes/node-1/commands/dmesg.txt" and tf.path == "nodes/node-1/commands/dmesg.txt"
    assert b.node_file("node-1", "files/etc/kubernetes/kubelet.conf") is not None
    assert b.log("shop", "web-1", "app", True).vpath == "logs/shop/web-1/app.previous.log"
    assert b.source_of(web) == "namespaces/shop/pods.json"


def test_native_in_nested_archive_folder(tmp_path):
    src = _bundle(tmp_path / "b")
    archive = tar_dir(src, tmp_path / "b.tar.gz", "outer/kbundle-2026")
    with open_bundle(archive) as b:
        assert b.format == "native"
        assert b.log("shop", "web-1", "app").path == "outer/kbundle-2026/logs/shop/web-1/app.log"
        assert len(b.objects("Pod")) == 2


def test_truncated_list_and_invalid_utf8_log_are_problems_rest_is_read(tmp_path):
    root = _bundle(tmp_path / "b")
    pods = root / "namespaces" / "shop" / "pods.json"
    pods.write_bytes(pods.read_bytes()[:200])
    (root / "logs" / "shop" / "web-1" / "app.log").write_bytes(b"ok\n\xff\xfe broken \xc3\n")
    b = open_bundle(root)
    errors: dict[str, list[str]] = {}
    for p in b.problems:
        errors.setdefault(p.path, []).append(p.error)
    assert any("invalid JSON" in e for e in errors["namespaces/shop/pods.json"])
    assert any("differs from the" in e for e in errors["namespaces/shop/pods.json"])  # manifest size check
    # the pods are lost with their file; their events still name them (partial objects known only from events)
    assert "Pod" not in b.counts() and b.events_only_counts() == {"Pod": 2}
    assert all(p["metadata"]["annotations"]["kbundle.io/known-from"] == "events" for p in b.objects("Pod"))
    assert len(b.objects("Node")) == 2 and len(b.objects("Event")) == 2
    text = b.log("shop", "web-1", "app").text()
    assert text.startswith("ok\n") and "\ufffd" in text
    assert any("invalid UTF-8" in p.error for p in b.problems if p.path == "logs/shop/web-1/app.log")


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b'{"kind": "ConfigMapList", "items": null}', "'items' is null"),
        (b'{"kind": "ConfigMapList", "items": "oops"}', "'items' is str"),
        (b'{"kind": "ConfigMapList", "items": [{"kind": "ConfigMap", "data": {}}]}', "without kind or metadata.name"),
        (b'{"kind": "ConfigMapList", "items": [7, null]}', "not an object"),
        (b'{"kind": "ConfigMapList", "items": [{"kind": "ConfigMap", "metadata": {"name": "\xff"}}]}', "invalid JSON"),
        (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (b"", "empty file"),
        (b"[1, 2]", "got an array"),
        (b'"just a string"', "got str"),
    ],
    ids=["items-null", "items-str", "no-metadata", "not-objects", "bad-utf8", "deep", "empty", "array", "string"],
)
def test_wrong_shapes_are_problems(tmp_path, content, fragment):
    root = _bundle(tmp_path / "b")
    write(root, "namespaces/shop/configmaps.json", content)
    b = open_bundle(root)
    errors = [p.error for p in b.problems if p.path == "namespaces/shop/configmaps.json"]
    assert any(fragment in e for e in errors), errors
    assert len(b.objects("Pod")) == 2


def test_manifest_details(tmp_path):
    root = _bundle(tmp_path / "b")
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["kbundle_format"] = 2
    manifest["errors"] = [{"step": "logs", "command": "kubectl logs -n shop web-1", "error": "timeout"}]
    manifest["files"].append({"path": "namespaces/shop/secrets.json", "size": 10})
    (root / "manifest.json").write_text(json.dumps(manifest))
    b = open_bundle(root)
    errors = {p.path: p.error for p in b.problems}
    assert "newer than this kbundle reads" in errors["manifest.json"]
    assert errors["kubectl logs -n shop web-1"] == "collection error: timeout"
    assert "missing from the bundle" in errors["namespaces/shop/secrets.json"]
    assert len(b.objects("Pod")) == 2


def test_without_collected_at_the_newest_content_time_is_used(tmp_path):
    root = write_native(tmp_path / "b", _objects(), collected_at=None)
    b = open_bundle(root)
    # the newest of event times and condition times (eventTime of the events.k8s.io event)
    assert b.collected_at == datetime(2026, 3, 1, 11, 59, 45, 123456, tzinfo=UTC)
    # cluster version from the nodes' kubelets when the manifest has none
    assert b.cluster_version == "v1.30.2"


def test_written_manifest_matches_the_shipped_schema(tmp_path):
    root = _bundle(tmp_path / "b")
    schema = manifest_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads((root / "manifest.json").read_text()), schema)
    bad = {"kbundle_format": 1, "collected_at": "yesterday", "files": [{"path": "../x", "size": 1}]}
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(bad))
    assert len(errors) == 2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=300), st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=5),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.sampled_from(["kind", "items", "metadata", "name"]), c,
                                                        max_size=4),
    max_leaves=20).map(orjson.dumps)))
def test_any_list_file_content_never_breaks_reading(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("fuzz")
    write_native(root, [pod("web-1")], collected_at=COLLECTED)
    write(root, "namespaces/default/configmaps.json", data)
    b = open_bundle(root)
    assert b.get("Pod", "default", "web-1") is not None
    b.counts()
    b.namespaces()
