"""Domain functions and template filters, evaluated through compiled expressions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from engine_helpers import event, node, pod
from hypothesis import given
from hypothesis import strategies as st

from analyzer.bundle.model import Bundle, text_from_bytes
from analyzer.bundle.values import (
    decode_exit_code,
    human_bytes,
    human_duration,
    parse_duration,
    parse_quantity,
)
from analyzer.engine.context import Evaluator
from analyzer.rules.expr import compile_expr
from analyzer.rules.templates import compile_template


@pytest.fixture(scope="module")
def ev() -> Evaluator:
    b = Bundle(cluster_version="v1.28.3-eks-1234", collected_at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop", "uid": "d1"},
              "spec": {"selector": {"matchLabels": {"app": "web"}}}}
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
          "metadata": {"name": "web-5d9", "namespace": "shop", "uid": "r1",
                       "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": "d1", "controller": True}]}}
    p1 = pod("web-5d9-a", "shop", labels={"app": "web"}, node="n1",
             owner={"kind": "ReplicaSet", "name": "web-5d9", "uid": "r1", "controller": True})
    p2 = pod("db-0", "shop", labels={"app": "db"}, node="n2")
    for o in (deploy, rs, p1, p2, node("n1"), node("n2", "False"),
              event("e1", p1, "BackOff", "Back-off restarting failed container"),
              event("e2", p1, "Pulled", "pulled", etype="Normal")):
        b.add_object(o, "t")
    b.add_log("shop", "web-5d9-a", "app", False,
              text_from_bytes("l", "logs/shop/web-5d9-a/app.log", b"start\r\npanic: nil map\nbye\n"))
    b.add_node_file("n1", "commands/dmesg.txt", text_from_bytes("d", "nodes/n1/commands/dmesg.txt", b"x\ny\n"))
    b.add_node_file("n1", "files/etc/cni/net.d/10-flannel.conflist",
                    text_from_bytes("c", "nodes/n1/files/etc/cni/net.d/10-flannel.conflist", b"{}"))
    b.finalize()
    return Evaluator(b)


def q(ev: Evaluator, expr: str, ctx: dict | None = None):
    return ev.eval(compile_expr(expr), ctx if ctx is not None else {"bundle": ev.bundle_ctx})


def the_pod(ev):
    return ev.bundle.get("Pod", "shop", "web-5d9-a")


def test_object_queries(ev):
    p = the_pod(ev)
    ctx = {"obj": p}
    assert q(ev, "length(objects('Pod'))") == 2
    assert q(ev, "objects('Node')[*].metadata.name") == ["n1", "n2"]
    assert q(ev, "objects('Pod', 'other')") == []
    assert q(ev, "get('Node', '', 'n2').status.conditions[0].status") == "False"
    assert q(ev, "node_of(obj).metadata.name", ctx) == "n1"
    assert q(ev, "pods_on('n2')[0].metadata.name") == "db-0"
    assert q(ev, "pods_on(obj)[0].metadata.name", ctx) == "web-5d9-a"
    assert q(ev, "events(obj)[*].reason", ctx) == ["BackOff", "Pulled"]
    assert q(ev, "select('Pod', 'shop', {app: 'web'})[*].metadata.name") == ["web-5d9-a"]
    assert q(ev, "select('Pod', `null`, get('Deployment', 'shop', 'web').spec.selector)[*].metadata.name") == ["web-5d9-a"]
    assert q(ev, "owner(obj).kind", ctx) == "ReplicaSet"
    assert q(ev, "top_owner(obj).kind", ctx) == "Deployment"
    assert q(ev, "owner_chain(obj)[*].kind", ctx) == ["ReplicaSet", "Deployment"]
    assert q(ev, "children(get('ReplicaSet', 'shop', 'web-5d9'))[*].metadata.name") == ["web-5d9-a"]
    assert q(ev, "ref(obj)", ctx) == "Pod/shop/web-5d9-a"
    assert q(ev, "condition(get('Node', '', 'n2'), 'Ready').status") == "False"


def test_text_functions(ev):
    ctx = {"obj": the_pod(ev)}
    assert q(ev, "log_lines(obj, 'app', `false`)", ctx) == ["start", "panic: nil map", "bye"]
    assert q(ev, "log_lines(obj, 'app')", ctx) == ["start", "panic: nil map", "bye"]
    assert q(ev, "log_lines(obj, 'app', `true`)", ctx) is None  # no previous log in the bundle
    assert q(ev, "grep(log_lines(obj, 'app', `false`), '^panic')", ctx) == ["panic: nil map"]
    assert q(ev, "node_file_lines('n1', 'commands/dmesg.txt')") == ["x", "y"]
    assert q(ev, "node_file_lines(obj, 'commands/dmesg.txt')", ctx) == ["x", "y"]
    assert q(ev, "node_file_lines('n2', 'commands/dmesg.txt')") is None
    assert q(ev, "node_files('n1', 'files/etc/cni/net.d/*')") == ["files/etc/cni/net.d/10-flannel.conflist"]
    assert q(ev, "re_search('^nginx', 'nginx:1.25')") is True
    assert q(ev, "re_search('^nginx', `null`)") is False
    assert q(ev, "re_find('v(\\d+)', 'v42')") == "42"
    assert q(ev, "re_find('v\\d+', 'v42')") == "v42"


def test_values(ev):
    assert q(ev, "quantity('500m')") == 0.5
    assert q(ev, "quantity('1Gi')") == 1073741824
    assert q(ev, "quantity('bogus')") is None
    assert q(ev, "age('2024-05-01T11:00:00Z')") == 3600
    assert q(ev, "age('2024-05-01T11:59:59.123456789Z') < `1`") is True
    assert q(ev, "age(`null`)") is None
    assert q(ev, "now()") == "2024-05-01T12:00:00Z"
    assert q(ev, "duration('1h30m')") == 5400
    assert q(ev, "seconds_between('2024-05-01T10:00:00Z', '2024-05-01T10:05:00Z')") == 300
    assert q(ev, "cidr_contains('10.244.0.0/16', '10.244.3.0/24')") is True
    assert q(ev, "cidr_contains('10.244.0.0/16', '10.96.0.1')") is False
    assert q(ev, "cidr_contains('10.244.0.0/16', 'fd00::1')") is False
    assert q(ev, "cidr_contains('nonsense', '10.0.0.1')") is None
    assert q(ev, "cidr_overlaps('10.96.0.0/12', '10.100.0.0/16')") is True
    assert q(ev, "version_cmp('1.25', '1.31.2')") == -1
    assert q(ev, "version_cmp('v1.25.0', '1.25')") == 0
    assert q(ev, "cluster_version_at_least('1.28')") is True
    assert q(ev, "cluster_version_at_least('1.29')") is False


def test_helpers_and_null_tolerance(ev):
    assert q(ev, "to_map([['a', `1`]])") == {"a": 1}
    assert q(ev, "to_map([{name: 'a', value: 'b'}])") == {"a": "b"}
    assert q(ev, "unique([`1`, `1`, 'a'])") == [1, "a"]
    assert q(ev, "concat([`1`], `null`)") == [1]
    assert q(ev, "concat('a', 'b')") == "ab"
    assert q(ev, "split('a/b', '/')") == ["a", "b"]
    assert q(ev, "lower('AB')") == "ab"
    assert q(ev, "items({a: `1`})") == [{"key": "a", "value": 1}]
    assert q(ev, "parse_yaml('a: {b: 1}').a.b") == 1
    assert q(ev, "parse_json('[1')") is None
    assert q(ev, "length(`null`)") == 0
    assert q(ev, "contains(`null`, 'x')") is False
    assert q(ev, "contains({team: 'a'}, 'team')") is True
    assert q(ev, "starts_with(`null`, 'x')") is False
    assert q(ev, "sum([`1`, `null`, `2`])") == 3
    assert q(ev, "max([`1`, `null`, `2`])") == 2
    assert q(ev, "keys(`null`)") == []


def test_object_scope_context_exposes_fields(ev):
    ctx = ev.object_context(the_pod(ev))
    assert q(ev, "metadata.name", ctx) == q(ev, "obj.metadata.name", ctx) == "web-5d9-a"


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["", "k", "M", "G", "Ki", "Mi", "Gi"]))
def test_quantity_scales(n, suffix):
    factor = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}[suffix]
    assert parse_quantity(f"{n}{suffix}") == n * factor


def test_value_formatting():
    assert decode_exit_code(137).startswith("137 (SIGKILL")
    assert decode_exit_code(139) == "139 (SIGSEGV: segmentation fault)"
    assert decode_exit_code(143) == "143 (SIGTERM: terminated)"
    assert decode_exit_code(130) == "130 (SIGINT: interrupted)"
    assert decode_exit_code(134) == "134 (SIGABRT: aborted)"
    assert decode_exit_code(1) == "1 (application error)"
    assert decode_exit_code(126) == "126 (command not executable)"
    assert decode_exit_code(127) == "127 (command not found)"
    assert decode_exit_code(255) == "255 (exit status out of range / application error)"
    assert human_bytes(1073741824) == "1.0 GiB"
    assert human_bytes("1536Mi") == "1.5 GiB"
    assert human_duration(93784) == "1d2h"
    assert human_duration(90) == "1m30s"
    assert parse_duration("2m0.5s") == 120.5
    assert parse_duration("5x") is None


def test_template_filters():
    t = compile_template("{{ code | exit_code }}|{{ ts | age }}|{{ '512Mi' | quantity }}|{{ 1073741824 | human_bytes }}"
                         "|{{ 93784 | human_duration }}|{{ missing.deeply.nested }}")
    out = t.render({"code": 143, "ts": "2024-05-01T09:00:00Z", "bundle": {"collected_at": "2024-05-01T12:00:00Z"}})
    assert out == "143 (SIGTERM: terminated)|3h|536870912|1.0 GiB|1d2h|"


def test_templates_are_sandboxed():
    from jinja2.exceptions import SecurityError

    t = compile_template("{{ obj.__class__.__mro__ }}")
    assert "object" not in t.render({"obj": {}})
    t2 = compile_template("{{ ''.__class__.__subclasses__() }}")
    with pytest.raises(SecurityError):
        t2.render({})
