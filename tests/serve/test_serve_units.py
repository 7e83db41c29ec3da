"""Pieces of the server on their own: ages, pod STATUS, JSONPath of CRD columns, selectors,
event shapes, access reviews, catalog building."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from analyzer.bundle.model import Bundle
from analyzer.serve import reviews
from analyzer.serve.events import as_core, as_new
from analyzer.serve.jsonpath import evaluate
from analyzer.serve.printers import human_duration, pod_status
from analyzer.serve.resources import build_catalog, version_priority
from analyzer.serve.selectors import (
    SelectorError,
    field_selector_matcher,
    format_label_selector,
    label_selector_matcher,
    parse_field_selector,
)


@pytest.mark.parametrize(("seconds", "text"), [
    (1, "1s"), (70, "70s"), (190, "3m10s"), (300, "5m"), (70 * 60, "70m"), (3 * 3600, "3h"), (3.5 * 3600, "3h30m"),
    (47 * 3600, "47h"), (49 * 3600, "2d1h"), (48 * 3600, "2d"), ((8 * 24 + 2) * 3600, "8d"), (367 * 24 * 3600, "367d"),
    ((365 * 2 * 24 + 25) * 3600, "2y1d"), ((365 * 8 * 24 + 2) * 3600, "8y"), (-1, "0s"), (-5, "<invalid>"),
])
def test_human_duration_matches_kubernetes(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


def _pod(containers: list[dict[str, Any]], statuses: list[dict[str, Any]], init: list[dict[str, Any]] | None = None,
         init_statuses: list[dict[str, Any]] | None = None, phase: str = "Running", **extra: Any) -> dict[str, Any]:
    pod = {"kind": "Pod", "metadata": {"name": "p", **extra.pop("metadata", {})},
           "spec": {"containers": containers, "initContainers": init or []},
           "status": {"phase": phase, "containerStatuses": statuses, "initContainerStatuses": init_statuses or [],
                      **extra}}
    return pod


RUNNING = {"state": {"running": {}}, "ready": True}


@pytest.mark.parametrize(("init_state", "want"), [
    ({"terminated": {"exitCode": 1, "reason": "Error"}}, "Init:Error"),
    ({"terminated": {"exitCode": 2}}, "Init:ExitCode:2"),
    # exit 0: initialisation done, the app container's waiting reason shows
    ({"terminated": {"exitCode": 0, "signal": 9}}, "PodInitializing"),
    ({"waiting": {"reason": "CrashLoopBackOff"}}, "Init:CrashLoopBackOff"),
    ({"waiting": {"reason": "PodInitializing"}}, "Init:0/1"),
    ({"running": {}}, "Init:0/1"),
])
def test_pod_status_init_containers(init_state: dict[str, Any], want: str) -> None:
    pod = _pod([{"name": "app"}], [{"name": "app", "state": {"waiting": {"reason": "PodInitializing"}}}],
               init=[{"name": "init"}], init_statuses=[{"name": "init", "state": init_state}], phase="Pending")
    assert pod_status(pod)[0] == want


def test_pod_status_sidecar_and_completed_with_running() -> None:
    pod = _pod([{"name": "app"}], [{"name": "app", **RUNNING}],
               init=[{"name": "proxy", "restartPolicy": "Always"}],
               init_statuses=[{"name": "proxy", "started": True, "ready": True, "restartCount": 3, **RUNNING}],
               conditions=[{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}])
    assert pod_status(pod)[:4] == ("Running", 2, 2, 3)
    pod = _pod([{"name": "a"}, {"name": "b"}],
               [{"name": "a", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}, {"name": "b", **RUNNING}],
               conditions=[{"type": "Ready", "status": "False"}])
    assert pod_status(pod)[0] == "NotReady"


def test_pod_status_signal_terminating_and_node_lost() -> None:
    pod = _pod([{"name": "a"}], [{"name": "a", "state": {"terminated": {"exitCode": 137, "signal": 9}}}])
    assert pod_status(pod)[0] == "Signal:9"
    pod = _pod([{"name": "a"}], [{"name": "a", **RUNNING}], metadata={"deletionTimestamp": "2024-01-01T00:00:00Z"})
    assert pod_status(pod)[0] == "Terminating"
    pod = _pod([{"name": "a"}], [{"name": "a", **RUNNING}], metadata={"deletionTimestamp": "2024-01-01T00:00:00Z"},
               reason="NodeLost")
    assert pod_status(pod)[0] == "Unknown"
    pod = _pod([{"name": "a"}], [], phase="Failed", reason="Evicted")
    assert pod_status(pod)[0] == "Evicted"


def test_jsonpath_printer_column_forms() -> None:
    obj = {"spec": {"size": 3, "items": [{"name": "a"}, {"name": "b"}]},
           "metadata": {"labels": {"app.kubernetes.io/name": "x"}},
           "status": {"conditions": [{"type": "Synced", "status": "True"}, {"type": "Ready", "status": "False"}]}}
    assert evaluate(".spec.size", obj) == [3]
    assert evaluate("{.spec.size}", obj) == [3]
    assert evaluate('.status.conditions[?(@.type=="Ready")].status', obj) == ["False"]
    assert evaluate(".status.conditions[?(@.type!='Ready')].type", obj) == ["Synced"]
    assert evaluate(".spec.items[*].name", obj) == ["a", "b"]
    assert evaluate(".spec.items[-1].name", obj) == ["b"]
    assert evaluate(".metadata.labels['app.kubernetes.io/name']", obj) == ["x"]
    assert evaluate(".spec.missing", obj) == []
    assert evaluate(".spec[?(bad", obj) == []


def test_label_selector_semantics() -> None:
    obj = {"metadata": {"labels": {"app": "web", "tier": "front", "n": "5"}}}
    for sel, want in [("app=web", True), ("app==web", True), ("app!=web", False), ("gone!=x", True),
                      ("app in (api, web)", True), ("app notin (web)", False), ("tier", True), ("!tier", False),
                      ("!gone", True), ("n>3", True), ("n<3", False), ("app=web,tier=back", False), ("", True)]:
        assert label_selector_matcher(sel)(obj) is want, sel
    assert label_selector_matcher("app=")({"metadata": {"labels": {"app": ""}}})  # empty value is valid
    for bad in ["a in b", "=x", "app=web,", "n>x", "app=a b"]:
        with pytest.raises(SelectorError):
            label_selector_matcher(bad)


def test_field_selector_semantics() -> None:
    assert [(r.path, r.negate, r.value) for r in parse_field_selector(r"a=x\,y,b!=z,c==")] == [
        ("a", False, "x,y"), ("b", True, "z"), ("c", False, "")]
    ev = {"kind": "Event", "involvedObject": {"namespace": ""}, "source": {"component": "kubelet"}, "spec": {"flag": True}}
    assert field_selector_matcher("involvedObject.namespace=,source=kubelet,spec.flag=true")(ev)
    assert not field_selector_matcher("involvedObject.name!=")(ev)


def test_format_label_selector() -> None:
    sel = {"matchLabels": {"b": "2", "a": "1"},
           "matchExpressions": [{"key": "c", "operator": "NotIn", "values": ["y", "x"]}, {"key": "d", "operator": "Exists"}]}
    assert format_label_selector(sel) == "a=1,b=2,c notin (x,y),d"
    assert format_label_selector({}) == "<none>"


def test_event_shapes_round_trip() -> None:
    core = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"}, "involvedObject": {"kind": "Pod", "name": "p"},
            "message": "m", "count": 3, "source": {"component": "kubelet"}, "reason": "BackOff", "type": "Warning",
            "firstTimestamp": "2024-01-01T00:00:00Z", "lastTimestamp": "2024-01-01T00:01:00Z"}
    new = as_new(core)
    assert new["regarding"] == core["involvedObject"] and new["note"] == "m" and new["deprecatedCount"] == 3
    assert as_core(new) == core
    assert as_core(core) is core


def _pb(number: int, payload: bytes) -> bytes:
    key, length = (number << 3) | 2, len(payload)
    out = bytes([key])
    while True:
        b = length & 0x7F
        length >>= 7
        out += bytes([b | (0x80 if length else 0)])
        if not length:
            return out + payload


def _review(verb: str, resource: str = "pods") -> bytes:
    attrs = _pb(1, b"shop") + _pb(2, verb.encode()) + _pb(5, resource.encode())
    review = _pb(2, _pb(1, attrs))
    unknown = _pb(1, _pb(1, b"authorization.k8s.io/v1") + _pb(2, b"SelfSubjectAccessReview")) + _pb(2, review)
    return reviews.PROTOBUF_MAGIC + unknown


def test_access_review_from_protobuf_and_json() -> None:
    got = reviews.answer("SelfSubjectAccessReview", _review("list"))
    assert got["status"]["allowed"] is True
    assert got["spec"]["resourceAttributes"] == {"namespace": "shop", "verb": "list", "resource": "pods"}
    got = reviews.answer("SelfSubjectAccessReview", _review("delete"))
    assert got["status"]["allowed"] is False and got["status"]["denied"] is True
    got = reviews.answer("SelfSubjectAccessReview", b'{"spec": {"nonResourceAttributes": {"path": "/x", "verb": "get"}}}')
    assert got["status"]["allowed"] is True
    with pytest.raises(reviews.ReviewError):
        reviews.answer("SelfSubjectAccessReview", b"\xff\x00garbage")
    with pytest.raises(reviews.ReviewError):
        reviews.answer("SelfSubjectAccessReview", reviews.PROTOBUF_MAGIC + b"\x12\xff\xff")


def test_catalog_versions_and_crds() -> None:
    assert sorted(["v1beta1", "v1", "v2", "v1alpha1", "v2beta2"], key=version_priority) == [
        "v2", "v1", "v2beta2", "v1beta1", "v1alpha1"]
    b = Bundle(collected_at=datetime(2024, 1, 1, tzinfo=UTC))
    b.add_object({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                  "metadata": {"name": "things.x.io"},
                  "spec": {"group": "x.io", "scope": "Cluster",
                           "names": {"plural": "things", "singular": "thing", "kind": "Thing", "shortNames": ["th"]},
                           "versions": [{"name": "v1", "served": True, "storage": True},
                                        {"name": "v2", "served": False}]}})
    b.add_object({"kind": "Thing", "metadata": {"name": "t1"}})  # no apiVersion: from the CRD
    b.add_object({"apiVersion": "y.io/v1", "kind": "Thing", "metadata": {"name": "t2", "namespace": "a"}})
    catalog = build_catalog(b.finalize())
    thing = catalog.find("x.io", "v1", "things")
    assert thing is not None and not thing.namespaced and thing.short_names == ["th"]
    assert [o["metadata"]["name"] for o in thing.objects] == ["t1"] and thing.objects[0]["apiVersion"] == "x.io/v1"
    other = catalog.find("y.io", "v1", "things")
    assert other is not None and other.namespaced and other.get("a", "t2") is not None
    assert catalog.find("x.io", "v2", "things") is None
    assert catalog.find("", "v1", "pods") is not None  # built-ins are always there, empty here
