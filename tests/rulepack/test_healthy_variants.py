"""Healthy clusters of other shapes than the kubeadm base (EKS, k3s): the built-in rule pack must
stay silent on them at warning and critical, with no rule errors, and find exactly the info
findings their expected.yaml declares."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools.bundlegen.healthy_variants import VARIANTS

REPO = Path(__file__).resolve().parents[2]


def _kbundle(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "analyzer.cli", *args], cwd=REPO, capture_output=True, text=True)


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def analysed(request: pytest.FixtureRequest) -> tuple[str, subprocess.CompletedProcess[str], dict]:
    name = request.param
    p = _kbundle("analyze", str(REPO / "bundles" / name), "--format", "json", "--fail-on", "warning")
    return name, p, json.loads(p.stdout)


def test_variant_is_silent_at_warning(analysed) -> None:  # type: ignore[no-untyped-def]
    name, p, result = analysed
    loud = [(f["rule_id"], f["message"][:200]) for f in result["findings"] if f["severity"] in ("warning", "critical")]
    assert loud == [], f"{name}: {loud}"
    assert p.returncode == 0, f"{name}: exit {p.returncode}: {p.stderr[-500:]}"


def test_variant_has_no_rule_errors_or_problems(analysed) -> None:  # type: ignore[no-untyped-def]
    name, _, result = analysed
    assert result["rule_errors"] == [], f"{name}: {result['rule_errors']}"
    assert result["problems"] == [], f"{name}: {result['problems']}"


def test_variant_findings_are_the_declared_info_findings(analysed) -> None:  # type: ignore[no-untyped-def]
    name, _, result = analysed
    declared = yaml.safe_load((REPO / "bundles" / name / "expected.yaml").read_text())["findings"]
    want = sorted((e["rule"], e["object"]) for e in declared)
    got = sorted({(f["rule_id"], _ref(f["objects"][0]) if f.get("objects") else None) for f in result["findings"]})
    assert got == want


def test_the_control_plane_is_not_visible_and_no_control_plane_rule_speaks(analysed) -> None:  # type: ignore[no-untyped-def]
    """Managed (EKS) or embedded (k3s) control planes: no apiserver/etcd/scheduler pods in the bundle."""
    name, _, result = analysed
    pods = list((REPO / "bundles" / name / "namespaces" / "kube-system").glob("pods.json"))
    names = [i["metadata"]["name"] for i in json.loads(pods[0].read_text())["items"]]
    assert not [n for n in names if n.startswith(("kube-apiserver", "etcd", "kube-scheduler", "kube-controller-manager"))]
    assert not [f for f in result["findings"]
                if f["rule_id"].startswith(("CONTROL-PLANE", "ETCD", "APISERVER")) or f["rule_id"] == "POD-NO-SCHEDULER"]


def _ref(o: dict) -> str:
    ns = o.get("namespace")
    return f"{o['kind']}/{ns}/{o['name']}" if ns else f"{o['kind']}/{o['name']}"
