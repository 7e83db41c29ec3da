"""The built-in rule pack over real captures from other people's clusters: the analysis
completes, its JSON is valid, and no rule fails.  Skipped when ../shared/realdata is absent."""

from __future__ import annotations

import pytest
from engine_helpers import REPO, json_of, run_cli, validate_output

REALDATA = REPO.parent / "shared" / "realdata"
CAPTURES = {
    "troubleshoot": "troubleshoot-k3d-bundle/support-bundle.tar.gz",
    "cluster-info-dump": "cluster-info-dump-minikube/cluster-info-dump-stdout.txt",
    "must-gather": "must-gather-metal/must-gather-metal.tar.xz",
}


@pytest.mark.parametrize("fmt", [pytest.param(f, marks=pytest.mark.slow) if f == "must-gather" else f
                                 for f in sorted(CAPTURES)])
def test_builtin_rules_on_real_capture(fmt):
    path = REALDATA / CAPTURES[fmt]
    if not path.exists():
        pytest.skip(f"{path} not available")
    code, out, err = run_cli("analyze", path, "--format", "json", "--fail-on", "never")
    assert code == 0, err
    doc = json_of(out)
    validate_output(doc)
    assert doc["bundle"]["format"] == fmt
    assert doc["bundle"]["collected_at"] is not None
    assert doc["summary"]["rules_run"] > 0
    assert doc["rule_errors"] == [], "\n".join(f"{e['rule_id']}: {e['error']}" for e in doc["rule_errors"])
    for f in doc["findings"]:
        for e in f["evidence"]:
            for n, _text in e.get("lines", []):
                assert n >= 1
