"""Issue 13 in the model: objects known only from events, kinds of other API groups kept apart,
a collection time earlier than the bundle's newest timestamp."""

from __future__ import annotations

from analyzer.bundle.event_objects import is_known_only_from_events
from analyzer.bundle.model import Bundle
from analyzer.bundle.native_writer import write_native
from analyzer.bundle.partial import partial_parts
from analyzer.bundle.reader import open_bundle
from analyzer.rules.templates import compile_template


def _event(name: str, ns: str, inv: dict, reason: str = "BackoffLimitExceeded", last: str = "2026-03-01T11:00:00Z") -> dict:
    return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": ns}, "reason": reason,
            "type": "Warning", "message": "Job has reached the specified backoff limit", "count": 1,
            "firstTimestamp": last, "lastTimestamp": last, "involvedObject": inv}


def test_deleted_job_becomes_a_partial_object_known_from_events():
    b = Bundle()
    b.add_object(_event("migrate.1", "shop", {"kind": "Job", "apiVersion": "batch/v1", "namespace": "shop",
                                              "name": "migrate", "uid": "j1"}))
    b.finalize()
    job = b.get("Job", "shop", "migrate")
    assert job is not None and is_known_only_from_events(job)
    assert job["metadata"]["uid"] == "j1" and "spec" not in job and "status" not in job
    assert set(partial_parts(job) or []) >= {"spec", "status"}
    assert [e["reason"] for e in b.events_for(job)] == ["BackoffLimitExceeded"]
    assert b.counts() == {"Event": 1} and b.events_only_counts() == {"Job": 1}
    b.finalize()  # again: nothing added twice
    assert len(b.objects("Job")) == 1


def test_collected_objects_and_nodes_are_not_derived():
    b = Bundle()
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop", "uid": "p1"}}
    b.add_object(pod)
    b.add_object(_event("web-1.1", "shop", {"kind": "Pod", "namespace": "shop", "name": "web-1", "uid": "p1"}, "BackOff"))
    b.add_object(_event("n.1", "default", {"kind": "Node", "name": "gone-node", "uid": "gone-node"}, "NodeNotReady"))
    b.finalize()
    assert b.objects("Pod") == [pod] and not is_known_only_from_events(pod)
    assert b.objects("Node") == []


def test_custom_resources_reusing_a_core_kind_are_group_qualified():
    b = Bundle()
    core = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1"}}
    longhorn = {"apiVersion": "longhorn.io/v1beta2", "kind": "Node", "metadata": {"name": "worker-1", "namespace": "longhorn-system"}}
    knative = {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "hello", "namespace": "default"}}
    deploy_old = {"apiVersion": "extensions/v1beta1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "default"}}
    for o in (core, longhorn, knative, deploy_old):
        b.add_object(o)
    b.finalize()
    assert b.objects("Node") == [core]
    assert b.get("Node", None, "worker-1") is core
    assert b.objects("Node.longhorn.io") == [longhorn]
    assert b.objects("Service") == [] and b.objects("Service.serving.knative.dev") == [knative]
    assert b.objects("Deployment") == [deploy_old]
    assert b.counts() == {"Deployment": 1, "Node": 1, "Node.longhorn.io": 1, "Service.serving.knative.dev": 1}


def test_collection_time_behind_the_cluster_is_corrected_and_reported(tmp_path):
    objects = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop", "uid": "p1"},
                "status": {"phase": "Running", "conditions": [
                    {"type": "Ready", "status": "True", "lastTransitionTime": "2026-03-01T12:30:00Z"}]}}]
    write_native(tmp_path / "b", objects, {}, {}, cluster_version="v1.31.0", collected_at="2026-03-01T12:00:00Z")
    with open_bundle(tmp_path / "b") as b:
        assert b.collected_at is not None and b.collected_at.isoformat().startswith("2026-03-01T12:30:00")
        skew = [p for p in b.problems if p.path == "(collection time)"]
        assert len(skew) == 1 and "30m" in skew[0].error and "behind" in skew[0].error


def test_collection_time_within_tolerance_is_kept(tmp_path):
    objects = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop"},
                "status": {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-03-01T12:00:30Z"}]}}]
    write_native(tmp_path / "b", objects, {}, {}, cluster_version="v1.31.0", collected_at="2026-03-01T12:00:00Z")
    with open_bundle(tmp_path / "b") as b:
        assert b.collected_at.isoformat().startswith("2026-03-01T12:00:00")
        assert not [p for p in b.problems if p.path == "(collection time)"]


def test_age_filter_never_negative():
    t = compile_template("{{ ts | age }}")
    ctx = {"bundle": {"collected_at": "2026-03-01T12:00:00Z"}}
    assert t.render({**ctx, "ts": "2026-03-01T12:10:00Z"}) == "0s"
    assert t.render({**ctx, "ts": "2026-03-01T11:00:00Z"}) == "1h"
