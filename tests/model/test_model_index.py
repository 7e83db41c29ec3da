"""The model's indexes: events by involved object (uid, else kind+namespace+name), normalised
events of every API version, owner chains, label selectors, pods by node."""

from __future__ import annotations

from analyzer.bundle.model import Bundle, labels_match


def pod(name, ns="default", uid=None, node="n1", owner=None, labels=None):
    md = {"name": name, "namespace": ns, "uid": uid or f"u-{name}", "labels": labels or {}}
    if owner:
        md["ownerReferences"] = [{"kind": owner["kind"], "name": owner["metadata"]["name"],
                                  "uid": owner["metadata"]["uid"], "controller": True, "apiVersion": "apps/v1"}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": {"nodeName": node}}


def test_events_by_uid_and_never_by_name_alone():
    b = Bundle()
    p = pod("web", uid="new")
    b.add_object(p)
    b.add_object({"kind": "Event", "metadata": {"name": "e1", "namespace": "default"}, "reason": "A",
                  "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web", "uid": "new"}})
    b.add_object({"kind": "Event", "metadata": {"name": "e2", "namespace": "default"}, "reason": "Old",
                  "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web", "uid": "old"}})
    b.add_object({"kind": "Event", "metadata": {"name": "e3", "namespace": "other"}, "reason": "OtherNs",
                  "involvedObject": {"kind": "Pod", "namespace": "other", "name": "web"}})
    b.add_object({"kind": "Event", "metadata": {"name": "e4", "namespace": "default"}, "reason": "NoUid",
                  "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web"}})
    b.finalize()
    assert sorted(e["reason"] for e in b.events_for(p)) == ["A", "NoUid"]


def test_events_k8s_io_and_scheduler_series_are_normalised():
    b = Bundle()
    p = pod("web")
    b.add_object(p)
    b.add_object({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e", "namespace": "default"},
                  "regarding": {"kind": "Pod", "namespace": "default", "name": "web", "uid": "u-web"},
                  "note": "Back-off restarting failed container", "reason": "BackOff", "deprecatedCount": 7,
                  "deprecatedLastTimestamp": "2026-11-20T09:00:00Z", "reportingController": "kubelet"})
    b.add_object({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "s", "namespace": "default"},
                  "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web", "uid": "u-web"},
                  "message": "0/3 nodes are available", "reason": "FailedScheduling", "count": None,
                  "eventTime": "2026-11-20T08:00:00.000000Z",
                  "series": {"count": 12, "lastObservedTime": "2026-11-20T09:30:00.000000Z"}})
    b.finalize()
    evs = {e["reason"]: e for e in b.events_for(p)}
    assert evs["BackOff"]["message"] == "Back-off restarting failed container"
    assert evs["BackOff"]["count"] == 7 and evs["BackOff"]["lastTimestamp"] == "2026-11-20T09:00:00Z"
    assert evs["BackOff"]["source"] == {"component": "kubelet"}
    assert evs["FailedScheduling"]["count"] == 12
    assert evs["FailedScheduling"]["lastTimestamp"] == "2026-11-20T09:30:00.000000Z"
    assert evs["FailedScheduling"]["firstTimestamp"] == "2026-11-20T08:00:00.000000Z"


def test_owner_chain_selectors_and_pods_by_node():
    b = Bundle()
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default", "uid": "d"}}
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {
        "name": "web-1", "namespace": "default", "uid": "r",
        "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": "d", "controller": True}]}}
    p = pod("web-1-a", owner=rs, labels={"app": "web", "tier": "fe"})
    q = pod("db-0", node="n2", labels={"app": "db"})
    for o in (dep, rs, p, q):
        b.add_object(o)
    b.finalize()
    assert [o["kind"] for o in b.owner_chain(p)] == ["ReplicaSet", "Deployment"]
    assert b.top_owner(p) is dep and b.top_owner(q) is q
    assert b.select("Pod", "default", {"app": "web"}) == [p]
    assert b.select("Pod", None, {"matchExpressions": [{"key": "app", "operator": "In", "values": ["db", "x"]}]}) == [q]
    assert b.select("Pod", None, {"matchLabels": {}}) == [p, q]  # empty LabelSelector: everything
    assert b.select("Pod", None, None) == []  # no selector: nothing
    assert b.pods_on_node("n2") == [q]
    assert not labels_match({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, {"tier": "fe"})


def test_unusable_objects_are_problems():
    b = Bundle()
    assert not b.add_object("x", "f.json")
    assert not b.add_object({"kind": "Pod", "metadata": {}}, "f.json")
    assert [p.path for p in b.problems] == ["f.json", "f.json"]


def test_same_kind_and_name_in_two_api_groups_are_both_kept():
    b = Bundle()
    a = {"apiVersion": "config.openshift.io/v1", "kind": "Network", "metadata": {"name": "cluster"}}
    o = {"apiVersion": "operator.openshift.io/v1", "kind": "Network", "metadata": {"name": "cluster"}}
    dup = {"apiVersion": "config.openshift.io/v1", "kind": "Network", "metadata": {"name": "cluster"}}
    for x in (a, o, dup):
        b.add_object(x)
    b.finalize()
    assert b.objects("Network") == [a, o]
    assert b.get("Network", None, "cluster") is a
