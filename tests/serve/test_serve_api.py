"""The served API over HTTP without kubectl: discovery forms, Status errors, writes, watch,
tables, logs, selectors, and bundles with malformed objects."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pytest

from analyzer.bundle.model import Bundle
from analyzer.serve.api import BundleAPI
from analyzer.serve.discovery import AGGREGATED_V2
from analyzer.serve.server import BundleServer

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def fetch(server: BundleServer, path: str, method: str = "GET", accept: str = "application/json",
          body: bytes | None = None) -> tuple[int, str, bytes]:
    req = urllib.request.Request(server.url + path, method=method, data=body, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def fetch_json(server: BundleServer, path: str, **kw: Any) -> tuple[int, Any]:
    code, _ctype, body = fetch(server, path, **kw)
    return code, json.loads(body)


def test_legacy_discovery(sample_server: BundleServer) -> None:
    code, doc = fetch_json(sample_server, "/api")
    assert code == 200 and doc["kind"] == "APIVersions" and doc["versions"] == ["v1"]
    code, doc = fetch_json(sample_server, "/apis")
    groups = {g["name"]: g for g in doc["groups"]}
    assert groups["apps"]["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}
    assert groups["example.com"]["versions"][0]["groupVersion"] in ("example.com/v1", "example.com/v1beta1")
    assert "gadgets.example.org" in groups
    code, doc = fetch_json(sample_server, "/api/v1")
    pods = next(r for r in doc["resources"] if r["name"] == "pods")
    assert pods["shortNames"] == ["po"] and pods["categories"] == ["all"] and pods["namespaced"] is True
    assert set(pods["verbs"]) >= {"get", "list"}
    assert any(r["name"] == "pods/log" for r in doc["resources"])
    nodes = next(r for r in doc["resources"] if r["name"] == "nodes")
    assert nodes["namespaced"] is False and nodes["kind"] == "Node"
    code, doc = fetch_json(sample_server, "/apis/example.com/v1")
    assert [r["name"] for r in doc["resources"]] == ["widgets"]
    code, doc = fetch_json(sample_server, "/apis/apps")
    assert doc["kind"] == "APIGroup" and doc["name"] == "apps"


def test_aggregated_discovery(sample_server: BundleServer) -> None:
    accept = f"{AGGREGATED_V2},application/json"
    code, ctype, body = fetch(sample_server, "/apis", accept=accept)
    assert code == 200 and ctype == AGGREGATED_V2
    doc = json.loads(body)
    assert doc["kind"] == "APIGroupDiscoveryList" and doc["apiVersion"] == "apidiscovery.k8s.io/v2"
    example = next(i for i in doc["items"] if i["metadata"]["name"] == "example.com")
    widgets = next(r for v in example["versions"] for r in v["resources"] if r["resource"] == "widgets")
    assert widgets["responseKind"] == {"group": "example.com", "version": "v1", "kind": "Widget"}
    assert widgets["scope"] == "Namespaced" and widgets["shortNames"] == ["wd"]
    code, ctype, body = fetch(sample_server, "/api", accept=accept)
    core = json.loads(body)["items"]
    assert len(core) == 1 and core[0]["versions"][0]["version"] == "v1"
    assert any(r["resource"] == "pods" and r["categories"] == ["all"] for r in core[0]["versions"][0]["resources"])


def test_version(sample_server: BundleServer) -> None:
    code, doc = fetch_json(sample_server, "/version")
    assert code == 200 and doc["gitVersion"] == "v1.29.4" and (doc["major"], doc["minor"]) == ("1", "29")


@pytest.mark.parametrize("path", ["/nope", "/api/v2/pods", "/apis/nope.io/v1/things", "/api/v1/frobs",
                                  "/api/v1/namespaces/shop/nodes", "/api/v1/pods/x", "/apis/example.com/v1/widgets/a/b/c"])
def test_unknown_paths_are_404_status(sample_server: BundleServer, path: str) -> None:
    code, doc = fetch_json(sample_server, path)
    assert code == 404
    assert doc["kind"] == "Status" and doc["status"] == "Failure" and doc["code"] == 404 and doc["reason"] == "NotFound"


def test_missing_object_is_404_with_api_server_message(sample_server: BundleServer) -> None:
    code, doc = fetch_json(sample_server, "/api/v1/namespaces/shop/pods/ghost")
    assert code == 404 and doc["message"] == 'pods "ghost" not found'
    assert doc["details"] == {"name": "ghost", "kind": "pods"}
    code, doc = fetch_json(sample_server, "/apis/apps/v1/namespaces/shop/deployments/ghost")
    assert doc["message"] == 'deployments.apps "ghost" not found'


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writes_are_405_read_only(sample_server: BundleServer, method: str) -> None:
    code, ctype, body = fetch(sample_server, "/api/v1/namespaces/shop/pods/db-0", method=method, body=b'{"x": 1}')
    doc = json.loads(body)
    assert code == 405 and ctype == "application/json"
    assert {k: doc[k] for k in ("kind", "apiVersion", "status", "reason", "code")} == {
        "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "MethodNotAllowed", "code": 405}
    assert doc["message"].startswith("kbundle serve is read-only: ")
    code, doc = fetch_json(sample_server, "/api/v1/namespaces/shop/pods/db-0")
    assert code == 200 and doc["metadata"]["name"] == "db-0"  # still there, unchanged


def test_list_shape(sample_server: BundleServer) -> None:
    code, doc = fetch_json(sample_server, "/apis/apps/v1/deployments")
    assert code == 200 and doc["kind"] == "DeploymentList" and doc["apiVersion"] == "apps/v1"
    assert doc["metadata"]["resourceVersion"]
    assert [(i["kind"], i["apiVersion"], i["metadata"]["name"]) for i in doc["items"]] == [("Deployment", "apps/v1", "web")]
    code, doc = fetch_json(sample_server, "/api/v1/namespaces/default/pods")
    assert [i["metadata"]["name"] for i in doc["items"]] == ["old-pod"]
    code, doc = fetch_json(sample_server, "/api/v1/namespaces/nowhere/pods")
    assert code == 200 and doc["items"] == []


def test_table_include_object(sample_server: BundleServer) -> None:
    code, doc = fetch_json(sample_server, "/api/v1/namespaces/shop/pods?labelSelector=app%3Ddb", accept=TABLE)
    assert doc["kind"] == "Table"
    assert [c["name"] for c in doc["columnDefinitions"]] == ["Name", "Ready", "Status", "Restarts", "Age", "IP",
                                                             "Node", "Nominated Node", "Readiness Gates"]
    assert [c["priority"] for c in doc["columnDefinitions"]] == [0, 0, 0, 0, 0, 1, 1, 1, 1]
    row = doc["rows"][0]
    assert row["cells"][:5] == ["db-0", "1/2", "OOMKilled", "2 (29m ago)", "24h"]
    assert row["object"]["kind"] == "PartialObjectMetadata" and row["object"]["metadata"]["namespace"] == "shop"
    code, doc = fetch_json(sample_server, "/api/v1/namespaces/shop/pods/db-0?includeObject=Object", accept=TABLE)
    assert doc["rows"][0]["object"]["spec"]["nodeName"] == "node-b"
    code, doc = fetch_json(sample_server, "/api/v1/namespaces/shop/pods/db-0?includeObject=None", accept=TABLE)
    assert "object" not in doc["rows"][0]


def test_event_table_has_wide_cells(sample_server: BundleServer) -> None:
    code, doc = fetch_json(sample_server, "/api/v1/events?fieldSelector=reason%3DNodeNotReady", accept=TABLE)
    assert [c["name"] for c in doc["columnDefinitions"] if c["priority"] == 0] == [
        "Last Seen", "Type", "Reason", "Object", "Message"]
    cells = doc["rows"][0]["cells"]
    assert cells[:4] == ["5m", "Normal", "NodeNotReady", "node/node-b"] and cells[5] == "node-controller"


def test_selectors_errors_are_400(sample_server: BundleServer) -> None:
    code, doc = fetch_json(sample_server, "/api/v1/pods?labelSelector=app%3D%3D%3D")
    assert code == 400 and doc["reason"] == "BadRequest" and "label selector" in doc["message"]
    code, doc = fetch_json(sample_server, "/api/v1/pods?fieldSelector=%3Dx")
    assert code == 400 and doc["kind"] == "Status"


def test_field_selector_escapes_and_event_fields(sample_server: BundleServer) -> None:
    sel = "involvedObject.kind%3DPod,involvedObject.uid%3Duid-shop-web-7d9f-bbbb,type%3DWarning"
    code, doc = fetch_json(sample_server, f"/api/v1/namespaces/shop/events?fieldSelector={sel}")
    assert [e["reason"] for e in doc["items"]] == ["BackOff"]
    code, doc = fetch_json(sample_server, "/api/v1/events?fieldSelector=source%3Ddefault-scheduler")
    assert [e["reason"] for e in doc["items"]] == ["FailedScheduling"]


def test_log_parameters_and_errors(sample_server: BundleServer) -> None:
    base = "/api/v1/namespaces/shop/pods"
    code, ctype, body = fetch(sample_server, f"{base}/web-7d9f-bbbb/log?previous=true&tailLines=2")
    assert code == 200 and ctype == "text/plain"
    assert body.decode().splitlines() == ["2024-05-01T11:50:20Z previous line 20", "panic: cannot connect to database"]
    code, _c, body = fetch(sample_server, f"{base}/web-7d9f-bbbb/log?tailLines=0")
    assert code == 200 and body == b""
    code, _c, body = fetch(sample_server, f"{base}/web-7d9f-bbbb/log?limitBytes=10")
    assert body == b"2024-05-01"
    code, doc = fetch_json(sample_server, f"{base}/db-0/log")
    assert code == 400 and doc["message"] == "a container name must be specified for pod db-0, choose one of: [db exporter]"
    code, doc = fetch_json(sample_server, f"{base}/db-0/log?container=nope")
    assert code == 400 and doc["message"] == "container nope is not valid for pod db-0"
    code, doc = fetch_json(sample_server, f"{base}/db-0/log?container=db&previous=true")
    assert code == 400 and doc["message"] == 'previous terminated container "db" in pod "db-0" not found'
    code, doc = fetch_json(sample_server, f"{base}/web-7d9f-bbbb/log?tailLines=abc")
    assert code == 400 and "tailLines" in doc["message"]
    code, doc = fetch_json(sample_server, f"{base}/setup-pod/log")
    assert code == 400 and doc["message"] == 'container "main" in pod "setup-pod" is waiting to start: PodInitializing'


def test_watch_sends_initial_events_then_ends_at_timeout(sample_server: BundleServer) -> None:
    code, ctype, body = fetch(sample_server, "/api/v1/namespaces/shop/pods?watch=true&timeoutSeconds=1")
    events = [json.loads(line) for line in body.decode().splitlines()]
    assert code == 200 and len(events) == 6 and {e["type"] for e in events} == {"ADDED"}
    code, doc = fetch_json(sample_server, "/api/v1/namespaces/shop/pods")
    rv = doc["metadata"]["resourceVersion"]
    code, _c, body = fetch(sample_server, f"/api/v1/namespaces/shop/pods?watch=true&resourceVersion={rv}&timeoutSeconds=1")
    assert code == 200 and body == b""  # nothing changes in a bundle
    code, _c, body = fetch(sample_server, "/api/v1/namespaces/shop/pods?watch=true&timeoutSeconds=1"
                                          "&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true")
    events = [json.loads(line) for line in body.decode().splitlines()]
    assert events[-1]["type"] == "BOOKMARK"
    assert events[-1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_openapi_v3_is_enough_for_kubectl_preflight(sample_server: BundleServer) -> None:
    code, root = fetch_json(sample_server, "/openapi/v3")
    assert "api/v1" in root["paths"] and "apis/example.com/v1" in root["paths"]
    code, doc = fetch_json(sample_server, root["paths"]["apis/apps/v1"]["serverRelativeURL"])
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "kind": "Deployment", "version": "v1"}
    assert any(p["name"] == "fieldValidation" for p in patch["parameters"])
    assert fetch(sample_server, "/openapi/v2")[0] == 404


# ---------------------------------------------------------------------------- in-memory bundles
def _api(objects: list[dict[str, Any]], collected: datetime | None = datetime(2024, 5, 1, 12, tzinfo=UTC)) -> BundleAPI:
    b = Bundle(format="test", cluster_version="1.27", collected_at=collected)
    for o in objects:
        b.add_object(o, "test")
    return BundleAPI(b.finalize())


def _get(api: BundleAPI, path: str, accept: str = "application/json") -> tuple[int, Any]:
    resp = api.handle("GET", path, {"Accept": accept})
    return resp.status, json.loads(resp.body)


HOSTILE = [
    {"kind": "Pod", "metadata": {"name": "p1", "namespace": "a", "labels": ["x"]}, "spec": [], "status": "broken"},
    {"kind": "Pod", "metadata": {"name": "p2", "namespace": "a", "creationTimestamp": "yesterday"},
     "spec": {"containers": "app", "initContainers": [None, 3]},
     "status": {"containerStatuses": [{"state": "x", "restartCount": "many"}, None],
                "initContainerStatuses": {"a": 1}, "conditions": [1, "x"]}},
    {"kind": "Node", "metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/": ""}},
     "status": {"conditions": "Ready", "addresses": [None], "nodeInfo": []}},
    {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "d", "namespace": "a"},
     "spec": {"replicas": "three", "selector": {"matchExpressions": [{"key": "x", "operator": "In", "values": None}]},
              "template": 5}},
    {"kind": "Service", "metadata": {"name": "s", "namespace": "a"}, "spec": {"ports": [{"port": "http"}, 7]}},
    {"kind": "Event", "metadata": {"name": "e", "namespace": "a"}, "involvedObject": "pod/p1", "count": None},
    {"kind": "Thing", "apiVersion": "weird/v1/extra", "metadata": {"name": "t", "namespace": "a"}},
]


@pytest.mark.parametrize("path", ["/api/v1/pods", "/api/v1/nodes", "/apis/apps/v1/deployments", "/api/v1/services",
                                  "/api/v1/events", "/api/v1/namespaces/a/pods/p2", "/api/v1/things"])
def test_malformed_objects_never_break_a_response(path: str) -> None:
    api = _api(HOSTILE)
    for accept in ("application/json", TABLE):
        code, doc = _get(api, path, accept)
        assert code == 200, doc
        if accept == TABLE:
            assert all(len(r["cells"]) == len(doc["columnDefinitions"]) for r in doc["rows"])


def test_malformed_pod_log_request() -> None:
    api = _api(HOSTILE)
    code, doc = _get(api, "/api/v1/namespaces/a/pods/p1/log")
    assert code == 400 and doc["kind"] == "Status"


def test_internal_error_is_a_one_line_500_status(monkeypatch: pytest.MonkeyPatch) -> None:
    api = _api(HOSTILE)

    def explode(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(api, "_list", explode)
    code, doc = _get(api, "/api/v1/pods")
    assert code == 500 and doc["reason"] == "InternalError" and "\n" not in doc["message"] and "boom" in doc["message"]


def test_objects_without_api_version_and_legacy_groups() -> None:
    api = _api([
        {"kind": "Pod", "metadata": {"name": "p", "namespace": "a"}},  # troubleshoot typed lists omit apiVersion
        {"kind": "Ingress", "apiVersion": "extensions/v1beta1", "metadata": {"name": "i", "namespace": "a"},
         "spec": {"backend": {"serviceName": "s", "servicePort": 80}}},
    ])
    code, doc = _get(api, "/api/v1/pods")
    assert doc["items"][0]["apiVersion"] == "v1" and doc["items"][0]["kind"] == "Pod"
    code, doc = _get(api, "/apis/extensions/v1beta1/namespaces/a/ingresses")
    assert [i["metadata"]["name"] for i in doc["items"]] == ["i"]
    assert api.catalog.find("networking.k8s.io", "v1", "ingresses") is None  # kubectl resolves ingresses to the bundle's
    code, doc = _get(api, "/version")
    assert doc["gitVersion"] == "v1.27" and doc["minor"] == "27"


def test_ages_without_collection_time_use_the_newest_bundle_time() -> None:
    api = _api([{"kind": "Pod", "metadata": {"name": "p", "namespace": "a", "creationTimestamp": "2020-01-01T00:00:00Z"}},
                {"kind": "Pod", "metadata": {"name": "q", "namespace": "a", "creationTimestamp": "2020-01-03T00:00:00Z"}}],
               collected=None)
    code, doc = _get(api, "/api/v1/pods", TABLE)
    assert [r["cells"][4] for r in doc["rows"]] == ["2d", "0s"]


def test_live_subresources_are_refused_but_objects_named_like_them_are_served() -> None:
    api = _api([{"kind": "Pod", "metadata": {"name": "exec", "namespace": "a"}, "spec": {"containers": [{"name": "c"}]}},
                {"kind": "Node", "metadata": {"name": "proxy"}}])
    assert _get(api, "/api/v1/namespaces/a/pods/exec")[1]["metadata"]["name"] == "exec"
    assert _get(api, "/api/v1/nodes/proxy")[1]["metadata"]["name"] == "proxy"
    for method, path in [("POST", "/api/v1/namespaces/a/pods/exec/exec?command=ls"),
                         ("GET", "/api/v1/namespaces/a/pods/exec/attach"),
                         ("GET", "/api/v1/nodes/proxy/proxy/logs/kubelet.log"),
                         ("POST", "/api/v1/namespaces/a/pods/exec/portforward")]:
        resp = api.handle(method, path, {})
        doc = json.loads(resp.body)
        assert resp.status == 405 and "needs a running cluster" in doc["message"], path
